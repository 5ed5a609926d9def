//! The mapping between [`Tables`] and RDF in the tw: vocabulary, both ways.
//!
//! Every record carries its table identifier as `tw:id` so that RDF written by hand (with
//! IRIs of its own) maps back to the same ids; references are IRIs.

use std::collections::{HashMap, HashSet};

use oxigraph::model::vocab::{rdf, xsd};
use oxigraph::model::{GraphName, Literal, NamedNode, NamedOrBlankNode, Quad, Term};

use crate::ingest::Finding;
use crate::model::*;

pub const NS: &str = "https://w3id.org/tierwise/ns#";
pub const ID: &str = "https://w3id.org/tierwise/id/";
/// The graph that holds the ontology in every store.
pub const ONTOLOGY_GRAPH: &str = "https://w3id.org/tierwise/ns";

pub(crate) fn tw(local: &str) -> NamedNode {
    NamedNode::new_unchecked(format!("{NS}{local}"))
}

/// Percent-encodes everything but RFC 3986 unreserved characters, so any id is a safe IRI
/// path segment.
pub fn encode_segment(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    for b in id.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

pub fn decode_segment(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(hex) = std::str::from_utf8(&bytes[i + 1..i + 3])
            && let Ok(v) = u8::from_str_radix(hex, 16)
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The IRI of an instance: `https://w3id.org/tierwise/id/{kind}/{id}/{id}...`.
pub fn instance_iri(kind: &str, ids: &[&str]) -> NamedNode {
    let mut s = format!("{ID}{kind}");
    for id in ids {
        s.push('/');
        s.push_str(&encode_segment(id));
    }
    NamedNode::new_unchecked(s)
}

fn double(x: f64) -> Literal {
    // Rust's shortest round-trip form is a valid xsd:double lexical form for finite values.
    Literal::new_typed_literal(format!("{x:?}").replace("inf", "INF"), xsd::DOUBLE)
}

fn string(s: &str) -> Literal {
    Literal::new_simple_literal(s)
}

/// schema.org's name, which a part's name is written as.
const SCHEMA_NAME: &str = "https://schema.org/name";

struct Out<'a> {
    graph: &'a GraphName,
    quads: Vec<Quad>,
}

impl Out<'_> {
    fn push(&mut self, s: &NamedNode, p: NamedNode, o: impl Into<Term>) {
        self.quads
            .push(Quad::new(s.clone(), p, o, self.graph.clone()));
    }
    fn add(&mut self, s: &NamedNode, p: &str, o: impl Into<Term>) {
        self.push(s, tw(p), o);
    }
    fn num(&mut self, s: &NamedNode, p: &str, v: Option<f64>) {
        if let Some(x) = v {
            self.add(s, p, double(x));
        }
    }
    /// A reference to the instance of `kind` with id `id`.
    fn link(&mut self, s: &NamedNode, p: &str, kind: &str, id: &str) {
        self.add(s, p, instance_iri(kind, &[id]));
    }
    /// A new instance of `class`, named `kind` and `ids`.
    fn instance(&mut self, kind: &str, ids: &[&str], class: &str) -> NamedNode {
        let iri = instance_iri(kind, ids);
        self.push(&iri, rdf::TYPE.into_owned(), tw(class));
        iri
    }

    /// One instance of `class` per distinct id, in sorted order, carrying only its id.
    fn named<'t>(&mut self, kind: &str, class: &str, ids: impl Iterator<Item = &'t str>) {
        let mut ids: Vec<&str> = ids.collect();
        ids.sort_unstable();
        ids.dedup();
        for id in ids {
            let iri = self.instance(kind, &[id], class);
            self.add(&iri, "id", string(id));
        }
    }

    fn site(&mut self, s: &Site) {
        let iri = self.instance("site", &[&s.site_id], "Site");
        self.add(&iri, "id", string(&s.site_id));
        self.link(&iri, "company", "company", &s.company);
        self.link(&iri, "country", "country", &s.country);
        self.num(&iri, "ttrDays", s.ttr_days);
        self.num(&iri, "financialScore", s.financial_score);
        self.num(&iri, "onTimeRate", s.on_time_rate);
        self.num(&iri, "qualityPpm", s.quality_ppm);
        self.num(&iri, "capacityUtilization", s.capacity_utilization);
        self.num(&iri, "pFailOverride", s.p_fail_override);
    }

    fn part(&mut self, p: &Part) {
        let iri = self.instance("part", &[&p.part_id], "Part");
        self.add(&iri, "id", string(&p.part_id));
        self.add(&iri, "kind", string(p.kind.as_str()));
        if let Some(n) = &p.name {
            self.push(&iri, NamedNode::new_unchecked(SCHEMA_NAME), string(n));
        }
        self.num(&iri, "unitCost", p.unit_cost);
    }

    fn product(&mut self, p: &ProductRow) {
        let iri = self.instance("product", &[&p.part_id, &p.site_id], "Product");
        self.link(&iri, "part", "part", &p.part_id);
        self.link(&iri, "site", "site", &p.site_id);
        self.num(&iri, "demandPerDay", Some(p.demand_per_day));
        self.num(&iri, "revenuePerUnit", Some(p.revenue_per_unit));
        self.num(&iri, "marginPerUnit", p.margin_per_unit);
        self.num(&iri, "fgInventoryDays", p.fg_inventory_days);
    }

    fn bom_line(&mut self, b: &BomLine) {
        let iri = self.instance("bom", &[&b.parent_part, &b.child_part], "BomLine");
        self.link(&iri, "parent", "part", &b.parent_part);
        self.link(&iri, "child", "part", &b.child_part);
        self.num(&iri, "qty", Some(b.qty));
    }

    fn supply(&mut self, s: &SupplyRow) {
        let ids = [s.buyer_site.as_str(), &s.part_id, &s.seller_site];
        let iri = self.instance("supply", &ids, "Supply");
        self.link(&iri, "buyer", "site", &s.buyer_site);
        self.link(&iri, "part", "part", &s.part_id);
        self.link(&iri, "seller", "site", &s.seller_site);
        self.num(&iri, "share", Some(s.share));
        self.num(&iri, "maxShare", s.max_share);
        self.num(&iri, "leadTimeDays", s.lead_time_days);
        self.num(&iri, "leadTimeSdDays", s.lead_time_sd_days);
        self.num(&iri, "inventoryDays", s.inventory_days);
    }

    fn capacity(&mut self, c: &CapacityRow) {
        let part = c.part_id.as_deref().unwrap_or("");
        let iri = self.instance("capacity", &[&c.site_id, part], "Capacity");
        self.link(&iri, "site", "site", &c.site_id);
        if let Some(p) = &c.part_id {
            self.link(&iri, "part", "part", p);
        }
        self.num(&iri, "capacityPerDay", c.capacity_per_day);
        self.num(&iri, "inventoryUnits", c.inventory_units);
    }

    /// A country's risk data, on the country instance written by [`Out::named`].
    fn country(&mut self, c: &Country) {
        let iri = instance_iri("country", &[&c.country]);
        self.num(&iri, "governance", c.governance);
        self.num(&iri, "hazard", c.hazard);
        self.num(&iri, "pEvent", c.p_event);
        self.num(&iri, "ttrDays", c.ttr_days);
    }

    fn signal(&mut self, s: &Signal) {
        let kind = s.subject_kind.as_str();
        let source = s.source.as_deref().unwrap_or("");
        let ids = [kind, &s.subject_id, &s.factor, &s.observed_at, source];
        let iri = self.instance("signal", &ids, "Signal");
        self.add(&iri, "subjectKind", string(kind));
        self.link(&iri, "subject", kind, &s.subject_id);
        self.add(&iri, "factor", string(&s.factor));
        self.num(&iri, "value", Some(s.value));
        let at = Literal::new_typed_literal(&s.observed_at, xsd::DATE_TIME);
        self.add(&iri, "observedAt", at);
        if let Some(src) = &s.source {
            self.add(&iri, "source", string(src));
        }
    }

    fn alternate(&mut self, a: &Alternate) {
        let iri = self.instance(
            "alternate",
            &[&a.part_id, &a.alternate_part_id],
            "Alternate",
        );
        self.link(&iri, "part", "part", &a.part_id);
        self.link(&iri, "alternatePart", "part", &a.alternate_part_id);
        self.num(&iri, "qualificationDays", a.qualification_days);
    }
}

/// The quads of `tables` in graph `graph`, handed to `sink` in chunks of `chunk` quads (the
/// last one shorter), so that a large load never holds all of its quads at once.
pub fn stream_quads<E>(
    t: &Tables,
    graph: &GraphName,
    chunk: usize,
    sink: &mut dyn FnMut(Vec<Quad>) -> Result<(), E>,
) -> Result<(), E> {
    let mut o = Out {
        graph,
        quads: Vec::new(),
    };
    o.named(
        "company",
        "Company",
        t.sites.iter().map(|s| s.company.as_str()),
    );
    let countries = t.countries.iter().map(|c| c.country.as_str());
    o.named(
        "country",
        "Country",
        t.sites.iter().map(|s| s.country.as_str()).chain(countries),
    );
    let mut each = |o: &mut Out, n: usize, write: &dyn Fn(&mut Out, usize)| {
        for i in 0..n {
            write(o, i);
            if o.quads.len() >= chunk {
                // Exactly `chunk`: the bulk loader builds a batch of its size on a thread of
                // its own, and a full batch plus a few quads made it start a second thread for
                // the few and wait for the first, so a load ran on little more than one core.
                let rest = o.quads.split_off(chunk);
                sink(std::mem::replace(&mut o.quads, rest))?;
            }
        }
        Ok(())
    };
    each(&mut o, t.sites.len(), &|o, i| o.site(&t.sites[i]))?;
    each(&mut o, t.parts.len(), &|o, i| o.part(&t.parts[i]))?;
    each(&mut o, t.products.len(), &|o, i| o.product(&t.products[i]))?;
    each(&mut o, t.bom.len(), &|o, i| o.bom_line(&t.bom[i]))?;
    each(&mut o, t.supply.len(), &|o, i| o.supply(&t.supply[i]))?;
    each(&mut o, t.capacity.len(), &|o, i| o.capacity(&t.capacity[i]))?;
    each(&mut o, t.countries.len(), &|o, i| {
        o.country(&t.countries[i])
    })?;
    each(&mut o, t.signals.len(), &|o, i| o.signal(&t.signals[i]))?;
    each(&mut o, t.alternates.len(), &|o, i| {
        o.alternate(&t.alternates[i])
    })?;
    sink(o.quads)
}

/// The triples about one subject, by predicate, in the order first seen. A subject has a
/// dozen predicates at most, so a list searched in place beats hashing each lookup.
#[derive(Default, Clone)]
pub(crate) struct Props(Vec<(NamedNode, Vec<Term>)>);

impl Props {
    pub(crate) fn new() -> Self {
        Props::default()
    }

    /// Adds `o` to the values of `p` unless it is there already.
    pub(crate) fn add(&mut self, p: NamedNode, o: Term) {
        match self.0.iter_mut().find(|(k, _)| *k == p) {
            Some((_, values)) if values.contains(&o) => {}
            Some((_, values)) => values.push(o),
            None => self.0.push((p, vec![o])),
        }
    }

    /// The values of the predicate `iri`.
    fn get(&self, iri: &str) -> Option<&[Term]> {
        self.0
            .iter()
            .find(|(k, _)| k.as_str() == iri)
            .map(|(_, v)| &v[..])
    }

    /// The values of the tw: property `local`, its IRI never built.
    fn tw(&self, local: &str) -> Option<&[Term]> {
        self.0
            .iter()
            .find(|(k, _)| is_tw(k.as_str(), local))
            .map(|(_, v)| &v[..])
    }

    /// Whether the subject is of the tw: class `class`.
    fn is_a(&self, class: &str) -> bool {
        self.get(rdf::TYPE.as_str()).is_some_and(|types| {
            types
                .iter()
                .any(|t| matches!(t, Term::NamedNode(n) if is_tw(n.as_str(), class)))
        })
    }
}

/// Whether `iri` is the tw: term `local`.
fn is_tw(iri: &str, local: &str) -> bool {
    iri.len() == NS.len() + local.len() && iri.starts_with(NS) && iri.ends_with(local)
}

/// Reads records back from quads (any graphs), reporting records that are incomplete or
/// contradictory (two different values of a single-valued property, e.g. from two loads).
pub struct Extractor {
    subjects: HashMap<NamedOrBlankNode, Props>,
    /// The one subject being read (streaming mode).
    current: Option<(NamedOrBlankNode, Props)>,
    findings: Vec<Finding>,
    /// Set when fed one subject at a time: references are resolved at the end.
    streamed: Option<Streamed>,
}

/// What an extractor fed one subject at a time keeps: the records read so far (references
/// still as marked IRIs) and the table id of every resource whose IRI does not spell it.
#[derive(Default)]
struct Streamed {
    tables: Tables,
    ids: HashMap<String, String>,
    /// The subject of every record, by table (in [`CLASSES`] order), so that records can be
    /// taken back ([`Extractor::forget_subjects`]); kept only when that may be asked.
    owners: [Vec<Print>; 9],
    track_owners: bool,
}

/// A 128-bit fingerprint of a subject (two keyed SipHashes): equal subjects, equal prints;
/// a collision among a billion subjects is below 1e-20.
pub(crate) type Print = (u64, u64);

pub(crate) fn print(s: &NamedOrBlankNode) -> Print {
    use std::hash::{Hash, Hasher};
    let mut a = std::hash::DefaultHasher::new();
    let mut b = std::hash::DefaultHasher::new();
    0u8.hash(&mut a);
    1u8.hash(&mut b);
    s.hash(&mut a);
    s.hash(&mut b);
    (a.finish(), b.finish())
}

/// The number of records of each table, in [`CLASSES`] order.
fn lengths(t: &Tables) -> [usize; 9] {
    [
        t.sites.len(),
        t.parts.len(),
        t.products.len(),
        t.bom.len(),
        t.supply.len(),
        t.capacity.len(),
        t.countries.len(),
        t.signals.len(),
        t.alternates.len(),
    ]
}

/// Keeps the records whose owner is not in `drop`.
fn retain_owned<T>(rows: &mut Vec<T>, owners: &mut Vec<Print>, drop: &HashSet<Print>) {
    let mut keep = owners.iter().map(|o| !drop.contains(o));
    rows.retain(|_| keep.next().unwrap_or(true));
    owners.retain(|o| !drop.contains(o));
}

/// Marks a reference kept as its IRI until every resource's id is known.
const REF_MARK: char = '\u{1}';

/// The classes records are read from, in table order.
const CLASSES: [&str; 9] = [
    "Site",
    "Part",
    "Product",
    "BomLine",
    "Supply",
    "Capacity",
    "Country",
    "Signal",
    "Alternate",
];

impl Extractor {
    pub fn new(quads: impl IntoIterator<Item = Quad>) -> Self {
        let mut subjects: HashMap<NamedOrBlankNode, Props> = HashMap::new();
        for q in quads {
            subjects
                .entry(q.subject)
                .or_default()
                .add(q.predicate, q.object);
        }
        Extractor {
            subjects,
            current: None,
            findings: Vec::new(),
            streamed: None,
        }
    }

    /// An extractor fed one subject at a time with [`Extractor::subject`] (all quads about a
    /// subject at once, as a store's subject-ordered index gives them), so that it never
    /// holds more than one subject's quads. `forgetful`: records may be taken back
    /// ([`Extractor::forget_subjects`]), so their subjects are kept.
    pub(crate) fn streaming(forgetful: bool) -> Self {
        Extractor {
            subjects: HashMap::new(),
            current: None,
            findings: Vec::new(),
            streamed: Some(Streamed {
                track_owners: forgetful,
                ..Streamed::default()
            }),
        }
    }

    /// The properties of `s`: the subject being read, or one of all the quads' subjects.
    fn props(&self, s: &NamedOrBlankNode) -> Option<&Props> {
        match &self.current {
            Some((c, props)) if c == s => Some(props),
            _ => self.subjects.get(s),
        }
    }

    /// Reads the records of one subject (streaming mode).
    pub(crate) fn subject(&mut self, s: NamedOrBlankNode, props: Props) {
        let classes: Vec<&str> = CLASSES.into_iter().filter(|c| props.is_a(c)).collect();
        if let Some(Term::Literal(id)) = props.tw("id").and_then(|v| v.first())
            && let NamedOrBlankNode::NamedNode(n) = &s
            && last_segment(n.as_str()) != id.value()
            && let Some(st) = &mut self.streamed
        {
            st.ids
                .insert(n.as_str().to_string(), id.value().to_string());
        }
        self.current = Some((s.clone(), props));
        let mut t = std::mem::take(&mut self.streamed.as_mut().expect("streaming").tables);
        let before = lengths(&t);
        for class in classes {
            self.read_into(class, &s, &mut t);
        }
        let st = self.streamed.as_mut().expect("streaming");
        if st.track_owners {
            let owner = print(&s);
            for ((owners, b), a) in st.owners.iter_mut().zip(before).zip(lengths(&t)) {
                owners.extend(std::iter::repeat_n(owner, a - b));
            }
        }
        st.tables = t;
    }

    /// Adds the records and problems another extractor read (streaming mode, both).
    pub(crate) fn absorb(&mut self, other: Extractor) {
        self.findings.extend(other.findings);
        let (Some(st), Some(o)) = (&mut self.streamed, other.streamed) else {
            return;
        };
        st.tables.append(o.tables);
        if st.ids.is_empty() {
            st.ids = o.ids;
        } else {
            st.ids.extend(o.ids);
        }
        for (owners, more) in st.owners.iter_mut().zip(o.owners) {
            join(owners, more);
        }
    }

    /// Takes back every record read from the subjects printed in `drop` (streaming mode).
    pub(crate) fn forget_subjects(&mut self, drop: &HashSet<Print>) {
        let Some(st) = &mut self.streamed else {
            return;
        };
        let t = &mut st.tables;
        let [o0, o1, o2, o3, o4, o5, o6, o7, o8] = &mut st.owners;
        retain_owned(&mut t.sites, o0, drop);
        retain_owned(&mut t.parts, o1, drop);
        retain_owned(&mut t.products, o2, drop);
        retain_owned(&mut t.bom, o3, drop);
        retain_owned(&mut t.supply, o4, drop);
        retain_owned(&mut t.capacity, o5, drop);
        retain_owned(&mut t.countries, o6, drop);
        retain_owned(&mut t.signals, o7, drop);
        retain_owned(&mut t.alternates, o8, drop);
    }

    /// The tables read in streaming mode, references resolved, and the problems found.
    pub(crate) fn finish(mut self) -> (Tables, Vec<Finding>) {
        let st = self.streamed.take().unwrap_or_default();
        let mut t = st.tables;
        let resolve = |v: &mut String| {
            if let Some(iri) = v.strip_prefix(REF_MARK) {
                *v = match st.ids.get(iri) {
                    Some(id) => id.clone(),
                    None => last_segment(iri),
                };
            }
        };
        each_reference(&mut t, resolve);
        self.done(t)
    }

    fn done(mut self, mut t: Tables) -> (Tables, Vec<Finding>) {
        t.sort_canonical();
        self.findings.sort();
        self.findings.dedup();
        (t, self.findings)
    }

    /// Reads the record of class `class` about `s` into its table.
    fn read_into(&mut self, class: &str, s: &NamedOrBlankNode, t: &mut Tables) {
        match class {
            "Site" => t.sites.extend(self.site(s)),
            "Part" => t.parts.extend(self.part(s)),
            "Product" => t.products.extend(self.product(s)),
            "BomLine" => t.bom.extend(self.bom_line(s)),
            "Supply" => t.supply.extend(self.supply(s)),
            "Capacity" => t.capacity.extend(self.capacity(s)),
            "Country" => t.countries.extend(self.country(s)),
            "Signal" => t.signals.extend(self.signal(s)),
            "Alternate" => t.alternates.extend(self.alternate(s)),
            _ => {}
        }
    }

    /// The subjects of class `class`, sorted by their IRI.
    fn of_type(&self, class: &str) -> Vec<NamedOrBlankNode> {
        let mut v: Vec<NamedOrBlankNode> = self
            .subjects
            .iter()
            .filter(|(_, p)| p.is_a(class))
            .map(|(s, _)| s.clone())
            .collect();
        v.sort_by_key(|s| s.to_string());
        v
    }

    fn problem(
        &mut self,
        table: &str,
        subject: &NamedOrBlankNode,
        column: &str,
        value: String,
        message: &str,
    ) {
        self.findings.push(Finding {
            table: table.to_string(),
            file: None,
            row: None,
            column: column.to_string(),
            value,
            message: format!("{message} (resource {subject})"),
        });
    }

    fn one(&mut self, table: &str, s: &NamedOrBlankNode, prop: &str) -> Option<Term> {
        let values = self.props(s)?.tw(prop)?;
        let first = values.first()?.clone();
        // A double comes back from the store in oxigraph's form ("2") and from a new load in
        // ours ("2.0"): the same value twice is no conflict.
        if values.len() > 1 && !same_value(values.iter()) {
            let shown: Vec<String> = values.iter().map(|v| v.to_string()).collect();
            self.problem(
                table,
                s,
                prop,
                shown.join(" | "),
                "conflicting values of a single-valued property (two loads disagree?)",
            );
        }
        Some(first)
    }

    /// Whether `s` has `prop`, reporting it missing when not.
    fn require(&mut self, table: &str, s: &NamedOrBlankNode, prop: &str) -> bool {
        let present = self.props(s).is_some_and(|p| p.tw(prop).is_some());
        if !present {
            let message = "required property is missing";
            self.problem(table, s, prop, String::new(), message);
        }
        present
    }

    /// The table id of a resource: its `tw:id`, else the last segment of its IRI.
    fn id_of(&self, t: &Term) -> Option<String> {
        if self.streamed.is_some()
            && let Term::NamedNode(n) = t
        {
            return Some(format!("{REF_MARK}{}", n.as_str()));
        }
        let node: NamedOrBlankNode = match t {
            Term::NamedNode(n) => n.clone().into(),
            Term::BlankNode(b) => b.clone().into(),
            Term::Literal(l) => return Some(l.value().to_string()),
            #[allow(unreachable_patterns)]
            _ => return None,
        };
        if let Some(Term::Literal(l)) = self
            .props(&node)
            .and_then(|p| p.tw("id"))
            .and_then(|v| v.first())
        {
            return Some(l.value().to_string());
        }
        match t {
            Term::NamedNode(n) => Some(last_segment(n.as_str())),
            _ => None,
        }
    }

    fn req_ref(&mut self, table: &str, s: &NamedOrBlankNode, prop: &str) -> Option<String> {
        if self.require(table, s, prop) {
            self.opt_ref(table, s, prop)
        } else {
            None
        }
    }

    fn opt_ref(&mut self, table: &str, s: &NamedOrBlankNode, prop: &str) -> Option<String> {
        let t = self.one(table, s, prop)?;
        self.id_of(&t)
    }

    fn req_str(&mut self, table: &str, s: &NamedOrBlankNode, prop: &str) -> Option<String> {
        if self.require(table, s, prop) {
            self.opt_str(table, s, prop)
        } else {
            None
        }
    }

    fn opt_str(&mut self, table: &str, s: &NamedOrBlankNode, prop: &str) -> Option<String> {
        match self.one(table, s, prop)? {
            Term::Literal(l) => Some(l.value().to_string()),
            other => {
                self.problem(table, s, prop, other.to_string(), "expected a literal");
                None
            }
        }
    }

    fn opt_num(&mut self, table: &str, s: &NamedOrBlankNode, prop: &str) -> Option<f64> {
        let t = self.one(table, s, prop)?;
        let parsed = match &t {
            Term::Literal(l) => l.value().trim().replace("INF", "inf").parse::<f64>().ok(),
            _ => None,
        };
        if parsed.is_none() {
            self.problem(table, s, prop, t.to_string(), "expected a number");
        }
        parsed
    }

    fn req_num(&mut self, table: &str, s: &NamedOrBlankNode, prop: &str) -> Option<f64> {
        if self.require(table, s, prop) {
            self.opt_num(table, s, prop)
        } else {
            None
        }
    }

    /// A required string that `parse` must accept (`expected` says what it accepts).
    fn req_parsed<T>(
        &mut self,
        table: &str,
        s: &NamedOrBlankNode,
        prop: &str,
        parse: impl Fn(&str) -> Option<T>,
        expected: &str,
    ) -> Option<T> {
        let raw = self.req_str(table, s, prop)?;
        let parsed = parse(&raw);
        if parsed.is_none() {
            self.problem(table, s, prop, raw, expected);
        }
        parsed
    }

    /// The tables held by the quads, and the problems found reading them.
    pub fn tables(mut self) -> (Tables, Vec<Finding>) {
        let mut t = Tables::default();
        for class in CLASSES {
            for s in self.of_type(class) {
                self.read_into(class, &s, &mut t);
            }
        }
        self.done(t)
    }

    fn site(&mut self, s: &NamedOrBlankNode) -> Option<Site> {
        let site_id = self.req_str("sites", s, "id");
        let company = self.req_ref("sites", s, "company");
        let country = self.req_ref("sites", s, "country");
        let ttr_days = self.opt_num("sites", s, "ttrDays");
        let financial_score = self.opt_num("sites", s, "financialScore");
        let on_time_rate = self.opt_num("sites", s, "onTimeRate");
        let quality_ppm = self.opt_num("sites", s, "qualityPpm");
        let capacity_utilization = self.opt_num("sites", s, "capacityUtilization");
        let p_fail_override = self.opt_num("sites", s, "pFailOverride");
        Some(Site {
            site_id: site_id?,
            company: company?,
            country: country?,
            ttr_days,
            financial_score,
            on_time_rate,
            quality_ppm,
            capacity_utilization,
            p_fail_override,
        })
    }

    fn part(&mut self, s: &NamedOrBlankNode) -> Option<Part> {
        let part_id = self.req_str("parts", s, "id");
        let expected = "expected one of product, assembly, component, raw_material";
        let kind = self.req_parsed("parts", s, "kind", PartKind::parse, expected);
        let name = self
            .props(s)
            .and_then(|p| p.get(SCHEMA_NAME))
            .and_then(|v| v.first())
            .and_then(|t| match t {
                Term::Literal(l) => Some(l.value().to_string()),
                _ => None,
            });
        let unit_cost = self.opt_num("parts", s, "unitCost");
        Some(Part {
            part_id: part_id?,
            kind: kind?,
            name,
            unit_cost,
        })
    }

    fn product(&mut self, s: &NamedOrBlankNode) -> Option<ProductRow> {
        let part_id = self.req_ref("products", s, "part");
        let site_id = self.req_ref("products", s, "site");
        let demand_per_day = self.req_num("products", s, "demandPerDay");
        let revenue_per_unit = self.req_num("products", s, "revenuePerUnit");
        let margin_per_unit = self.opt_num("products", s, "marginPerUnit");
        let fg_inventory_days = self.opt_num("products", s, "fgInventoryDays");
        Some(ProductRow {
            part_id: part_id?,
            site_id: site_id?,
            demand_per_day: demand_per_day?,
            revenue_per_unit: revenue_per_unit?,
            margin_per_unit,
            fg_inventory_days,
        })
    }

    fn bom_line(&mut self, s: &NamedOrBlankNode) -> Option<BomLine> {
        let parent_part = self.req_ref("bom", s, "parent");
        let child_part = self.req_ref("bom", s, "child");
        let qty = self.req_num("bom", s, "qty");
        Some(BomLine {
            parent_part: parent_part?,
            child_part: child_part?,
            qty: qty?,
        })
    }

    fn supply(&mut self, s: &NamedOrBlankNode) -> Option<SupplyRow> {
        let buyer_site = self.req_ref("supply", s, "buyer");
        let part_id = self.req_ref("supply", s, "part");
        let seller_site = self.req_ref("supply", s, "seller");
        let share = self.req_num("supply", s, "share");
        let max_share = self.opt_num("supply", s, "maxShare");
        let lead_time_days = self.opt_num("supply", s, "leadTimeDays");
        let lead_time_sd_days = self.opt_num("supply", s, "leadTimeSdDays");
        let inventory_days = self.opt_num("supply", s, "inventoryDays");
        Some(SupplyRow {
            buyer_site: buyer_site?,
            part_id: part_id?,
            seller_site: seller_site?,
            share: share?,
            max_share,
            lead_time_days,
            lead_time_sd_days,
            inventory_days,
        })
    }

    fn capacity(&mut self, s: &NamedOrBlankNode) -> Option<CapacityRow> {
        let site_id = self.req_ref("capacity", s, "site");
        let part_id = self.opt_ref("capacity", s, "part");
        let capacity_per_day = self.opt_num("capacity", s, "capacityPerDay");
        let inventory_units = self.opt_num("capacity", s, "inventoryUnits");
        Some(CapacityRow {
            site_id: site_id?,
            part_id,
            capacity_per_day,
            inventory_units,
        })
    }

    /// A country is a row of the countries table only when it carries risk data.
    fn country(&mut self, s: &NamedOrBlankNode) -> Option<Country> {
        let governance = self.opt_num("countries", s, "governance");
        let hazard = self.opt_num("countries", s, "hazard");
        let p_event = self.opt_num("countries", s, "pEvent");
        let ttr_days = self.opt_num("countries", s, "ttrDays");
        if governance.is_none() && hazard.is_none() && p_event.is_none() && ttr_days.is_none() {
            return None;
        }
        Some(Country {
            country: self.req_str("countries", s, "id")?,
            governance,
            hazard,
            p_event,
            ttr_days,
        })
    }

    fn signal(&mut self, s: &NamedOrBlankNode) -> Option<Signal> {
        let expected = "expected one of site, company, country, part";
        let kind = self.req_parsed("signals", s, "subjectKind", SubjectKind::parse, expected);
        let subject = self.req_ref("signals", s, "subject");
        let factor = self.req_str("signals", s, "factor");
        let value = self.req_num("signals", s, "value");
        let expected = "expected an RFC 3339 timestamp";
        let normalize = crate::ingest::normalize_time;
        let observed_at = self.req_parsed("signals", s, "observedAt", normalize, expected);
        let source = self.opt_str("signals", s, "source");
        Some(Signal {
            subject_kind: kind?,
            subject_id: subject?,
            factor: factor?,
            value: value?,
            observed_at: observed_at?,
            source,
        })
    }

    fn alternate(&mut self, s: &NamedOrBlankNode) -> Option<Alternate> {
        let part_id = self.req_ref("alternates", s, "part");
        let alternate_part_id = self.req_ref("alternates", s, "alternatePart");
        let qualification_days = self.opt_num("alternates", s, "qualificationDays");
        Some(Alternate {
            part_id: part_id?,
            alternate_part_id: alternate_part_id?,
            qualification_days,
        })
    }
}

/// The table id an IRI spells: its last path segment, decoded.
pub(crate) fn last_segment(iri: &str) -> String {
    decode_segment(iri.rsplit('/').next().unwrap_or(iri))
}

/// Calls `f` on every field of `t` that references another record by id.
fn each_reference(t: &mut Tables, mut f: impl FnMut(&mut String)) {
    for s in &mut t.sites {
        f(&mut s.company);
        f(&mut s.country);
    }
    for p in &mut t.products {
        f(&mut p.part_id);
        f(&mut p.site_id);
    }
    for b in &mut t.bom {
        f(&mut b.parent_part);
        f(&mut b.child_part);
    }
    for s in &mut t.supply {
        f(&mut s.buyer_site);
        f(&mut s.part_id);
        f(&mut s.seller_site);
    }
    for c in &mut t.capacity {
        f(&mut c.site_id);
        c.part_id.iter_mut().for_each(&mut f);
    }
    for s in &mut t.signals {
        f(&mut s.subject_id);
    }
    for a in &mut t.alternates {
        f(&mut a.part_id);
        f(&mut a.alternate_part_id);
    }
}

/// Whether every term is the same value: equal terms, or xsd:double literals of one number.
fn same_value<'a>(mut terms: impl Iterator<Item = &'a Term>) -> bool {
    let number = |t: &Term| match t {
        Term::Literal(l) if l.datatype() == xsd::DOUBLE => l.value().parse::<f64>().ok(),
        _ => None,
    };
    let Some(first) = terms.next() else {
        return true;
    };
    terms.all(|t| t == first || matches!((number(t), number(first)), (Some(a), Some(b)) if a == b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_round_trip() {
        for id in ["S-17", "a b/c", "ü%x", "P1@plant#2"] {
            let enc = encode_segment(id);
            assert!(!enc.contains('/') && !enc.contains(' '));
            assert_eq!(decode_segment(&enc), id);
        }
        assert_eq!(encode_segment("a b"), "a%20b");
    }
}
