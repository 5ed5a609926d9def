//! The mapping between [`Tables`] and RDF in the tw: vocabulary, both ways.
//!
//! Every record carries its table identifier as `tw:id` so that RDF written by hand (with
//! IRIs of its own) maps back to the same ids; references are IRIs.

use std::collections::HashMap;

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

struct Out<'a> {
    graph: &'a GraphName,
    quads: Vec<Quad>,
}

impl Out<'_> {
    fn add(&mut self, s: &NamedNode, p: &str, o: impl Into<Term>) {
        self.quads
            .push(Quad::new(s.clone(), tw(p), o, self.graph.clone()));
    }
    fn ty(&mut self, s: &NamedNode, class: &str) {
        self.quads.push(Quad::new(
            s.clone(),
            rdf::TYPE,
            tw(class),
            self.graph.clone(),
        ));
    }
    fn num(&mut self, s: &NamedNode, p: &str, v: Option<f64>) {
        if let Some(x) = v {
            self.add(s, p, double(x));
        }
    }
}

/// The quads of `tables` in graph `graph`.
pub fn tables_to_quads(t: &Tables, graph: &GraphName) -> Vec<Quad> {
    let mut o = Out {
        graph,
        quads: Vec::new(),
    };
    let mut companies: Vec<&str> = t.sites.iter().map(|s| s.company.as_str()).collect();
    companies.sort_unstable();
    companies.dedup();
    for c in companies {
        let iri = instance_iri("company", &[c]);
        o.ty(&iri, "Company");
        o.add(&iri, "id", string(c));
    }
    let mut countries: Vec<&str> = t
        .sites
        .iter()
        .map(|s| s.country.as_str())
        .chain(t.countries.iter().map(|c| c.country.as_str()))
        .collect();
    countries.sort_unstable();
    countries.dedup();
    for c in countries {
        let iri = instance_iri("country", &[c]);
        o.ty(&iri, "Country");
        o.add(&iri, "id", string(c));
    }
    for s in &t.sites {
        let iri = instance_iri("site", &[&s.site_id]);
        o.ty(&iri, "Site");
        o.add(&iri, "id", string(&s.site_id));
        o.add(&iri, "company", instance_iri("company", &[&s.company]));
        o.add(&iri, "country", instance_iri("country", &[&s.country]));
        o.num(&iri, "ttrDays", s.ttr_days);
        o.num(&iri, "financialScore", s.financial_score);
        o.num(&iri, "onTimeRate", s.on_time_rate);
        o.num(&iri, "qualityPpm", s.quality_ppm);
        o.num(&iri, "capacityUtilization", s.capacity_utilization);
        o.num(&iri, "pFailOverride", s.p_fail_override);
    }
    for p in &t.parts {
        let iri = instance_iri("part", &[&p.part_id]);
        o.ty(&iri, "Part");
        o.add(&iri, "id", string(&p.part_id));
        o.add(&iri, "kind", string(p.kind.as_str()));
        if let Some(n) = &p.name {
            o.quads.push(Quad::new(
                iri.clone(),
                NamedNode::new_unchecked("https://schema.org/name"),
                string(n),
                graph.clone(),
            ));
        }
        o.num(&iri, "unitCost", p.unit_cost);
    }
    for p in &t.products {
        let iri = instance_iri("product", &[&p.part_id, &p.site_id]);
        o.ty(&iri, "Product");
        o.add(&iri, "part", instance_iri("part", &[&p.part_id]));
        o.add(&iri, "site", instance_iri("site", &[&p.site_id]));
        o.num(&iri, "demandPerDay", Some(p.demand_per_day));
        o.num(&iri, "revenuePerUnit", Some(p.revenue_per_unit));
        o.num(&iri, "marginPerUnit", p.margin_per_unit);
        o.num(&iri, "fgInventoryDays", p.fg_inventory_days);
    }
    for b in &t.bom {
        let iri = instance_iri("bom", &[&b.parent_part, &b.child_part]);
        o.ty(&iri, "BomLine");
        o.add(&iri, "parent", instance_iri("part", &[&b.parent_part]));
        o.add(&iri, "child", instance_iri("part", &[&b.child_part]));
        o.num(&iri, "qty", Some(b.qty));
    }
    for s in &t.supply {
        let iri = instance_iri("supply", &[&s.buyer_site, &s.part_id, &s.seller_site]);
        o.ty(&iri, "Supply");
        o.add(&iri, "buyer", instance_iri("site", &[&s.buyer_site]));
        o.add(&iri, "part", instance_iri("part", &[&s.part_id]));
        o.add(&iri, "seller", instance_iri("site", &[&s.seller_site]));
        o.num(&iri, "share", Some(s.share));
        o.num(&iri, "maxShare", s.max_share);
        o.num(&iri, "leadTimeDays", s.lead_time_days);
        o.num(&iri, "leadTimeSdDays", s.lead_time_sd_days);
        o.num(&iri, "inventoryDays", s.inventory_days);
    }
    for c in &t.capacity {
        let part = c.part_id.as_deref().unwrap_or("");
        let iri = instance_iri("capacity", &[&c.site_id, part]);
        o.ty(&iri, "Capacity");
        o.add(&iri, "site", instance_iri("site", &[&c.site_id]));
        if let Some(p) = &c.part_id {
            o.add(&iri, "part", instance_iri("part", &[p]));
        }
        o.num(&iri, "capacityPerDay", c.capacity_per_day);
        o.num(&iri, "inventoryUnits", c.inventory_units);
    }
    for c in &t.countries {
        let iri = instance_iri("country", &[&c.country]);
        o.num(&iri, "governance", c.governance);
        o.num(&iri, "hazard", c.hazard);
        o.num(&iri, "pEvent", c.p_event);
        o.num(&iri, "ttrDays", c.ttr_days);
    }
    for s in &t.signals {
        let iri = instance_iri(
            "signal",
            &[
                s.subject_kind.as_str(),
                &s.subject_id,
                &s.factor,
                &s.observed_at,
                s.source.as_deref().unwrap_or(""),
            ],
        );
        o.ty(&iri, "Signal");
        o.add(&iri, "subjectKind", string(s.subject_kind.as_str()));
        o.add(
            &iri,
            "subject",
            instance_iri(s.subject_kind.as_str(), &[&s.subject_id]),
        );
        o.add(&iri, "factor", string(&s.factor));
        o.num(&iri, "value", Some(s.value));
        o.add(
            &iri,
            "observedAt",
            Literal::new_typed_literal(&s.observed_at, xsd::DATE_TIME),
        );
        if let Some(src) = &s.source {
            o.add(&iri, "source", string(src));
        }
    }
    for a in &t.alternates {
        let iri = instance_iri("alternate", &[&a.part_id, &a.alternate_part_id]);
        o.ty(&iri, "Alternate");
        o.add(&iri, "part", instance_iri("part", &[&a.part_id]));
        o.add(
            &iri,
            "alternatePart",
            instance_iri("part", &[&a.alternate_part_id]),
        );
        o.num(&iri, "qualificationDays", a.qualification_days);
    }
    o.quads
}

/// The triples about one subject, by predicate.
type Props = HashMap<NamedNode, Vec<Term>>;

/// Reads records back from quads (any graphs), reporting records that are incomplete or
/// contradictory (two different values of a single-valued property, e.g. from two loads).
pub struct Extractor {
    subjects: HashMap<NamedOrBlankNode, Props>,
    findings: Vec<Finding>,
}

impl Extractor {
    pub fn new(quads: impl IntoIterator<Item = Quad>) -> Self {
        let mut subjects: HashMap<NamedOrBlankNode, Props> = HashMap::new();
        for q in quads {
            let values = subjects
                .entry(q.subject)
                .or_default()
                .entry(q.predicate)
                .or_default();
            if !values.contains(&q.object) {
                values.push(q.object);
            }
        }
        Extractor {
            subjects,
            findings: Vec::new(),
        }
    }

    fn of_type(&self, class: &str) -> Vec<&NamedOrBlankNode> {
        let class: Term = tw(class).into();
        let ty = rdf::TYPE.into_owned();
        let mut v: Vec<&NamedOrBlankNode> = self
            .subjects
            .iter()
            .filter(|(_, p)| p.get(&ty).is_some_and(|ts| ts.contains(&class)))
            .map(|(s, _)| s)
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
        let values = self.subjects.get(s)?.get(&tw(prop))?.clone();
        if values.len() > 1 {
            let shown: Vec<String> = values.iter().map(|v| v.to_string()).collect();
            self.problem(
                table,
                s,
                prop,
                shown.join(" | "),
                "conflicting values of a single-valued property (two loads disagree?)",
            );
        }
        values.into_iter().next()
    }

    /// The table id of a resource: its `tw:id`, else the last segment of its IRI.
    fn id_of(&self, t: &Term) -> Option<String> {
        let node: NamedOrBlankNode = match t {
            Term::NamedNode(n) => n.clone().into(),
            Term::BlankNode(b) => b.clone().into(),
            Term::Literal(l) => return Some(l.value().to_string()),
            #[allow(unreachable_patterns)]
            _ => return None,
        };
        if let Some(Term::Literal(l)) = self
            .subjects
            .get(&node)
            .and_then(|p| p.get(&tw("id")))
            .and_then(|v| v.first())
        {
            return Some(l.value().to_string());
        }
        match t {
            Term::NamedNode(n) => n.as_str().rsplit('/').next().map(decode_segment),
            _ => None,
        }
    }

    fn req_ref(&mut self, table: &str, s: &NamedOrBlankNode, prop: &str) -> Option<String> {
        match self.one(table, s, prop) {
            Some(t) => self.id_of(&t),
            None => {
                self.problem(
                    table,
                    s,
                    prop,
                    String::new(),
                    "required property is missing",
                );
                None
            }
        }
    }

    fn opt_ref(&mut self, table: &str, s: &NamedOrBlankNode, prop: &str) -> Option<String> {
        let t = self.one(table, s, prop)?;
        self.id_of(&t)
    }

    fn req_str(&mut self, table: &str, s: &NamedOrBlankNode, prop: &str) -> Option<String> {
        match self.one(table, s, prop) {
            Some(Term::Literal(l)) => Some(l.value().to_string()),
            Some(other) => {
                self.problem(table, s, prop, other.to_string(), "expected a literal");
                None
            }
            None => {
                self.problem(
                    table,
                    s,
                    prop,
                    String::new(),
                    "required property is missing",
                );
                None
            }
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
        if self.one(table, s, prop).is_none() {
            self.problem(
                table,
                s,
                prop,
                String::new(),
                "required property is missing",
            );
            return None;
        }
        self.opt_num(table, s, prop)
    }

    /// The tables held by the quads, and the problems found reading them.
    pub fn tables(mut self) -> (Tables, Vec<Finding>) {
        let mut t = Tables::default();
        let name = NamedNode::new_unchecked("https://schema.org/name");
        for s in self
            .of_type("Site")
            .into_iter()
            .cloned()
            .collect::<Vec<_>>()
        {
            let site_id = self.req_str("sites", &s, "id");
            let company = self.req_ref("sites", &s, "company");
            let country = self.req_ref("sites", &s, "country");
            let rec = Site {
                site_id: site_id.clone().unwrap_or_default(),
                company: company.clone().unwrap_or_default(),
                country: country.clone().unwrap_or_default(),
                ttr_days: self.opt_num("sites", &s, "ttrDays"),
                financial_score: self.opt_num("sites", &s, "financialScore"),
                on_time_rate: self.opt_num("sites", &s, "onTimeRate"),
                quality_ppm: self.opt_num("sites", &s, "qualityPpm"),
                capacity_utilization: self.opt_num("sites", &s, "capacityUtilization"),
                p_fail_override: self.opt_num("sites", &s, "pFailOverride"),
            };
            if site_id.is_some() && company.is_some() && country.is_some() {
                t.sites.push(rec);
            }
        }
        for s in self
            .of_type("Part")
            .into_iter()
            .cloned()
            .collect::<Vec<_>>()
        {
            let part_id = self.req_str("parts", &s, "id");
            let kind_s = self.req_str("parts", &s, "kind");
            let kind = kind_s.as_deref().and_then(PartKind::parse);
            if let (Some(k), None) = (&kind_s, kind) {
                self.problem(
                    "parts",
                    &s,
                    "kind",
                    k.clone(),
                    "expected one of product, assembly, component, raw_material",
                );
            }
            let part_name = self
                .subjects
                .get(&s)
                .and_then(|p| p.get(&name))
                .and_then(|v| v.first())
                .and_then(|t| match t {
                    Term::Literal(l) => Some(l.value().to_string()),
                    _ => None,
                });
            let unit_cost = self.opt_num("parts", &s, "unitCost");
            if let (Some(part_id), Some(kind)) = (part_id, kind) {
                t.parts.push(Part {
                    part_id,
                    kind,
                    name: part_name,
                    unit_cost,
                });
            }
        }
        for s in self
            .of_type("Product")
            .into_iter()
            .cloned()
            .collect::<Vec<_>>()
        {
            let r = (
                self.req_ref("products", &s, "part"),
                self.req_ref("products", &s, "site"),
                self.req_num("products", &s, "demandPerDay"),
                self.req_num("products", &s, "revenuePerUnit"),
            );
            let margin_per_unit = self.opt_num("products", &s, "marginPerUnit");
            let fg_inventory_days = self.opt_num("products", &s, "fgInventoryDays");
            if let (Some(part_id), Some(site_id), Some(demand_per_day), Some(revenue_per_unit)) = r
            {
                t.products.push(ProductRow {
                    part_id,
                    site_id,
                    demand_per_day,
                    revenue_per_unit,
                    margin_per_unit,
                    fg_inventory_days,
                });
            }
        }
        for s in self
            .of_type("BomLine")
            .into_iter()
            .cloned()
            .collect::<Vec<_>>()
        {
            let r = (
                self.req_ref("bom", &s, "parent"),
                self.req_ref("bom", &s, "child"),
                self.req_num("bom", &s, "qty"),
            );
            if let (Some(parent_part), Some(child_part), Some(qty)) = r {
                t.bom.push(BomLine {
                    parent_part,
                    child_part,
                    qty,
                });
            }
        }
        for s in self
            .of_type("Supply")
            .into_iter()
            .cloned()
            .collect::<Vec<_>>()
        {
            let r = (
                self.req_ref("supply", &s, "buyer"),
                self.req_ref("supply", &s, "part"),
                self.req_ref("supply", &s, "seller"),
                self.req_num("supply", &s, "share"),
            );
            let max_share = self.opt_num("supply", &s, "maxShare");
            let lead_time_days = self.opt_num("supply", &s, "leadTimeDays");
            let lead_time_sd_days = self.opt_num("supply", &s, "leadTimeSdDays");
            let inventory_days = self.opt_num("supply", &s, "inventoryDays");
            if let (Some(buyer_site), Some(part_id), Some(seller_site), Some(share)) = r {
                t.supply.push(SupplyRow {
                    buyer_site,
                    part_id,
                    seller_site,
                    share,
                    max_share,
                    lead_time_days,
                    lead_time_sd_days,
                    inventory_days,
                });
            }
        }
        for s in self
            .of_type("Capacity")
            .into_iter()
            .cloned()
            .collect::<Vec<_>>()
        {
            let site = self.req_ref("capacity", &s, "site");
            let part_id = self.opt_ref("capacity", &s, "part");
            let capacity_per_day = self.opt_num("capacity", &s, "capacityPerDay");
            let inventory_units = self.opt_num("capacity", &s, "inventoryUnits");
            if let Some(site_id) = site {
                t.capacity.push(CapacityRow {
                    site_id,
                    part_id,
                    capacity_per_day,
                    inventory_units,
                });
            }
        }
        // A country is a row of the countries table only when it carries risk data.
        for s in self
            .of_type("Country")
            .into_iter()
            .cloned()
            .collect::<Vec<_>>()
        {
            let governance = self.opt_num("countries", &s, "governance");
            let hazard = self.opt_num("countries", &s, "hazard");
            let p_event = self.opt_num("countries", &s, "pEvent");
            let ttr_days = self.opt_num("countries", &s, "ttrDays");
            if (governance.is_some() || hazard.is_some() || p_event.is_some() || ttr_days.is_some())
                && let Some(country) = self.req_str("countries", &s, "id")
            {
                t.countries.push(Country {
                    country,
                    governance,
                    hazard,
                    p_event,
                    ttr_days,
                });
            }
        }
        for s in self
            .of_type("Signal")
            .into_iter()
            .cloned()
            .collect::<Vec<_>>()
        {
            let kind_s = self.req_str("signals", &s, "subjectKind");
            let kind = kind_s.as_deref().and_then(SubjectKind::parse);
            if let (Some(k), None) = (&kind_s, kind) {
                self.problem(
                    "signals",
                    &s,
                    "subjectKind",
                    k.clone(),
                    "expected one of site, company, country, part",
                );
            }
            let subject = self.req_ref("signals", &s, "subject");
            let factor = self.req_str("signals", &s, "factor");
            let value = self.req_num("signals", &s, "value");
            let at = self.req_str("signals", &s, "observedAt");
            let observed_at = at.as_deref().and_then(crate::ingest::normalize_time);
            if let (Some(a), None) = (&at, &observed_at) {
                self.problem(
                    "signals",
                    &s,
                    "observedAt",
                    a.clone(),
                    "expected an RFC 3339 timestamp",
                );
            }
            let source = self.opt_str("signals", &s, "source");
            if let (
                Some(subject_kind),
                Some(subject_id),
                Some(factor),
                Some(value),
                Some(observed_at),
            ) = (kind, subject, factor, value, observed_at)
            {
                t.signals.push(Signal {
                    subject_kind,
                    subject_id,
                    factor,
                    value,
                    observed_at,
                    source,
                });
            }
        }
        for s in self
            .of_type("Alternate")
            .into_iter()
            .cloned()
            .collect::<Vec<_>>()
        {
            let r = (
                self.req_ref("alternates", &s, "part"),
                self.req_ref("alternates", &s, "alternatePart"),
            );
            let qualification_days = self.opt_num("alternates", &s, "qualificationDays");
            if let (Some(part_id), Some(alternate_part_id)) = r {
                t.alternates.push(Alternate {
                    part_id,
                    alternate_part_id,
                    qualification_days,
                });
            }
        }
        t.sort_canonical();
        self.findings.sort();
        self.findings.dedup();
        (t, self.findings)
    }
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
