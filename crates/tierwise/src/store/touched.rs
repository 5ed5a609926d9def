//! Checking a load against what the store holds, reading only what the load can break.
//!
//! A load that passed the gates on its own can still break the union with the stored data:
//! give a stored resource another value, reference a stored record, push the shares of a
//! stored (buyer, part) group above 1, or close a cycle through stored supply rows or BOM
//! lines. So the stored records the load touches are read through the indexes, by their
//! canonical IRIs:
//! - the records the load restates (same subject) and the ones it references;
//! - every stored supply row of a (buyer, part) group the load adds rows to;
//! - downstream of every site where the load adds an edge of the node graph (the buyer of a
//!   new supply row, the makers of a part whose BOM the load extends), every stored supply
//!   row sold onwards, the products rows of the sites reached and the BOM lines of what they
//!   make: any cycle through a new edge runs there;
//! - below the children of new BOM lines, the stored BOM lines (a BOM cycle runs there);
//! - the records those rows reference.
//!
//! The gates then run on the load together with what was read: the same checks and messages as
//! on the whole union, at a cost that follows the load and what it touches, not the store.

use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};
use std::convert::Infallible;
use std::hash::Hash;

use oxigraph::model::{GraphName, NamedNode, NamedOrBlankNode, Quad, Term};

use super::rdf::{Extractor, instance_iri, tw};
use super::{KnowledgeGraph, StoreError};
use crate::ingest::{Finding, IngestError, LoadOptions, Origin, QualityReport};
use crate::model::Tables;

/// Hands a load's own quads (in any graph) to a sink, a chunk at a time.
pub(super) type OwnQuads<'a> =
    dyn Fn(&mut dyn FnMut(Vec<Quad>) -> Result<(), Infallible>) -> Result<(), Infallible> + 'a;

impl KnowledgeGraph {
    /// Refuses a load that, together with the stored data, fails a gate. `triples` are the
    /// load's own quads when it came as RDF (else they are made from `tables`); the graphs
    /// in `replacing` (earlier snapshots of the load's sources) are left out.
    pub(super) fn check_against_store(
        &self,
        tables: &Tables,
        quads: &OwnQuads<'_>,
        options: &LoadOptions,
        replacing: &[NamedNode],
    ) -> Result<(), StoreError> {
        let mut graphs = self.data_graphs()?;
        graphs.retain(|g| !replacing.contains(g));
        if graphs.is_empty() {
            return Ok(());
        }
        let reader = Touched::new(self, &graphs);
        let subjects = reader.subjects(tables)?;
        let stored = reader.quads(&subjects)?;
        if stored.is_empty() {
            return Ok(());
        }
        let findings = union_findings(tables, quads, stored, options);
        if findings.is_empty() {
            return Ok(());
        }
        Err(IngestError::DataQuality(Box::new(QualityReport {
            errors: findings,
            warnings: Vec::new(),
        }))
        .into())
    }
}

/// Reads stored quads of the committed data graphs by pattern.
struct Touched<'a> {
    kg: &'a KnowledgeGraph,
    graphs: HashSet<GraphName>,
}

impl<'a> Touched<'a> {
    fn new(kg: &'a KnowledgeGraph, graphs: &[NamedNode]) -> Self {
        Touched {
            kg,
            graphs: graphs.iter().cloned().map(GraphName::NamedNode).collect(),
        }
    }

    /// Stored subjects with `predicate` = `object` (e.g. the supply rows of a buyer).
    fn with(&self, predicate: &str, object: &NamedNode) -> Result<Vec<NamedNode>, StoreError> {
        let p = tw(predicate);
        let mut out = Vec::new();
        for q in self.kg.store().quads_for_pattern(
            None,
            Some(p.as_ref()),
            Some(object.as_ref().into()),
            None,
        ) {
            let q = q?;
            if self.graphs.contains(&q.graph_name)
                && let NamedOrBlankNode::NamedNode(s) = q.subject
            {
                out.push(s);
            }
        }
        Ok(out)
    }

    /// The value of a single-valued reference of a stored subject.
    fn reference(&self, s: &NamedNode, predicate: &str) -> Result<Option<NamedNode>, StoreError> {
        let p = tw(predicate);
        for q in
            self.kg
                .store()
                .quads_for_pattern(Some(s.as_ref().into()), Some(p.as_ref()), None, None)
        {
            let q = q?;
            if self.graphs.contains(&q.graph_name)
                && let Term::NamedNode(o) = q.object
            {
                return Ok(Some(o));
            }
        }
        Ok(None)
    }

    /// Every stored quad of `subjects`, and of the resources they reference.
    fn quads(&self, subjects: &BTreeSet<NamedNode>) -> Result<Vec<Quad>, StoreError> {
        let mut out = Vec::new();
        let mut referenced = BTreeSet::new();
        for s in subjects {
            for q in self
                .kg
                .store()
                .quads_for_pattern(Some(s.as_ref().into()), None, None, None)
            {
                let q = q?;
                if !self.graphs.contains(&q.graph_name) {
                    continue;
                }
                if let Term::NamedNode(o) = &q.object
                    && o.as_str().starts_with(super::rdf::ID)
                    && !subjects.contains(o)
                {
                    referenced.insert(o.clone());
                }
                out.push(q);
            }
        }
        for s in &referenced {
            for q in self
                .kg
                .store()
                .quads_for_pattern(Some(s.as_ref().into()), None, None, None)
            {
                let q = q?;
                if self.graphs.contains(&q.graph_name) {
                    out.push(q);
                }
            }
        }
        Ok(out)
    }

    /// The stored subjects a load touches (see the module documentation).
    fn subjects(&self, t: &Tables) -> Result<BTreeSet<NamedNode>, StoreError> {
        let mut out: BTreeSet<NamedNode> = restated(t).into_iter().collect();
        for s in &t.supply {
            let buyer = instance_iri("site", &[&s.buyer_site]);
            let part = instance_iri("part", &[&s.part_id]);
            for row in self.with("buyer", &buyer)? {
                if self.reference(&row, "part")?.as_ref() == Some(&part) {
                    out.insert(row);
                }
            }
        }
        self.downstream(t, &mut out)?;
        self.bom_below(t, &mut out)?;
        Ok(out)
    }

    /// Sites where the load adds node-graph edges: buyers of new supply rows, and the stored
    /// and new makers (sellers, plants) of parents of new BOM lines.
    fn starts(&self, t: &Tables) -> Result<BTreeSet<NamedNode>, StoreError> {
        let mut sites: BTreeSet<NamedNode> = t
            .supply
            .iter()
            .map(|s| instance_iri("site", &[&s.buyer_site]))
            .collect();
        for b in &t.bom {
            let part = instance_iri("part", &[&b.parent_part]);
            for row in self.with("part", &part)? {
                for p in ["seller", "site"] {
                    sites.extend(self.reference(&row, p)?);
                }
            }
        }
        let parents: HashSet<&str> = t.bom.iter().map(|b| b.parent_part.as_str()).collect();
        for s in t
            .supply
            .iter()
            .filter(|s| parents.contains(s.part_id.as_str()))
        {
            sites.insert(instance_iri("site", &[&s.seller_site]));
        }
        for p in t
            .products
            .iter()
            .filter(|p| parents.contains(p.part_id.as_str()))
        {
            sites.insert(instance_iri("site", &[&p.site_id]));
        }
        Ok(sites)
    }

    /// Everything downstream of the starts: stored rows sold onwards (and new ones, to keep
    /// walking), products and capacity rows of the sites reached, and the BOM lines of the
    /// parts they make.
    fn downstream(&self, t: &Tables, out: &mut BTreeSet<NamedNode>) -> Result<(), StoreError> {
        let mut new_buyers: HashMap<&str, Vec<&str>> = HashMap::new();
        for s in &t.supply {
            new_buyers
                .entry(&s.seller_site)
                .or_default()
                .push(&s.buyer_site);
        }
        let mut seen: BTreeSet<NamedNode> = self.starts(t)?;
        let mut queue: VecDeque<NamedNode> = seen.iter().cloned().collect();
        let mut made: BTreeSet<NamedNode> = BTreeSet::new();
        while let Some(site) = queue.pop_front() {
            let mut buyers = Vec::new();
            for row in self.with("seller", &site)? {
                buyers.extend(self.reference(&row, "buyer")?);
                made.extend(self.reference(&row, "part")?);
                out.insert(row);
            }
            for row in self.with("site", &site)? {
                made.extend(self.reference(&row, "part")?);
                out.insert(row);
            }
            let id = super::rdf::last_segment(site.as_str());
            for b in new_buyers.get(id.as_str()).into_iter().flatten() {
                buyers.push(instance_iri("site", &[b]));
            }
            for b in buyers {
                if seen.insert(b.clone()) {
                    queue.push_back(b);
                }
            }
        }
        for part in &made {
            out.extend(self.with("parent", part)?);
        }
        Ok(())
    }

    /// The stored BOM below the children of new BOM lines.
    fn bom_below(&self, t: &Tables, out: &mut BTreeSet<NamedNode>) -> Result<(), StoreError> {
        let mut seen: BTreeSet<NamedNode> = t
            .bom
            .iter()
            .map(|b| instance_iri("part", &[&b.child_part]))
            .collect();
        let mut queue: VecDeque<NamedNode> = seen.iter().cloned().collect();
        while let Some(part) = queue.pop_front() {
            for line in self.with("parent", &part)? {
                if let Some(child) = self.reference(&line, "child")?
                    && seen.insert(child.clone())
                {
                    queue.push_back(child);
                }
                out.insert(line);
            }
        }
        Ok(())
    }
}

/// The subjects of the load's records (the ones a stored record with the same key has), and
/// the resources they reference.
fn restated(t: &Tables) -> Vec<NamedNode> {
    let mut out = Vec::new();
    for s in &t.sites {
        out.push(instance_iri("site", &[&s.site_id]));
        out.push(instance_iri("company", &[&s.company]));
        out.push(instance_iri("country", &[&s.country]));
    }
    let part = |id: &str| instance_iri("part", &[id]);
    let site = |id: &str| instance_iri("site", &[id]);
    out.extend(t.parts.iter().map(|p| part(&p.part_id)));
    for p in &t.products {
        out.push(instance_iri("product", &[&p.part_id, &p.site_id]));
        out.extend([site(&p.site_id), part(&p.part_id)]);
    }
    for b in &t.bom {
        out.push(instance_iri("bom", &[&b.parent_part, &b.child_part]));
        out.extend([part(&b.parent_part), part(&b.child_part)]);
    }
    for s in &t.supply {
        let ids = [s.buyer_site.as_str(), &s.part_id, &s.seller_site];
        out.push(instance_iri("supply", &ids));
        out.extend([site(&s.buyer_site), site(&s.seller_site), part(&s.part_id)]);
    }
    for c in &t.capacity {
        let p = c.part_id.as_deref().unwrap_or("");
        out.push(instance_iri("capacity", &[&c.site_id, p]));
        out.push(site(&c.site_id));
        out.extend(c.part_id.as_deref().map(part));
    }
    out.extend(
        t.countries
            .iter()
            .map(|c| instance_iri("country", &[&c.country])),
    );
    for s in &t.signals {
        out.push(instance_iri(s.subject_kind.as_str(), &[&s.subject_id]));
    }
    for a in &t.alternates {
        out.push(instance_iri(
            "alternate",
            &[&a.part_id, &a.alternate_part_id],
        ));
        out.extend([part(&a.part_id), part(&a.alternate_part_id)]);
    }
    out
}

/// The load's tables with the stored records whose keys the load does not have.
pub(super) fn union(new: &Tables, stored: Tables) -> Tables {
    let mut u = new.clone();
    add_missing(&mut u.sites, stored.sites, |r| r.site_id.clone());
    add_missing(&mut u.parts, stored.parts, |r| r.part_id.clone());
    add_missing(&mut u.products, stored.products, |r| {
        (r.part_id.clone(), r.site_id.clone())
    });
    add_missing(&mut u.bom, stored.bom, |r| {
        (r.parent_part.clone(), r.child_part.clone())
    });
    add_missing(&mut u.supply, stored.supply, |r| {
        (
            r.buyer_site.clone(),
            r.part_id.clone(),
            r.seller_site.clone(),
        )
    });
    add_missing(&mut u.capacity, stored.capacity, |r| {
        (r.site_id.clone(), r.part_id.clone())
    });
    add_missing(&mut u.countries, stored.countries, |r| r.country.clone());
    add_missing(&mut u.signals, stored.signals, |r| {
        let source = r.source.clone();
        (
            r.subject_kind,
            r.subject_id.clone(),
            r.factor.clone(),
            r.observed_at.clone(),
            source,
        )
    });
    add_missing(&mut u.alternates, stored.alternates, |r| {
        (r.part_id.clone(), r.alternate_part_id.clone())
    });
    u.sort_canonical();
    u
}

fn add_missing<T, K: Hash + Eq>(rows: &mut Vec<T>, more: Vec<T>, key: impl Fn(&T) -> K) {
    let have: HashSet<K> = rows.iter().map(&key).collect();
    rows.extend(more.into_iter().filter(|r| !have.contains(&key(r))));
}

/// The gates' errors on the load together with the stored quads it touches, each said to be
/// "together with the data already stored".
fn union_findings(
    tables: &Tables,
    quads: &OwnQuads<'_>,
    stored: Vec<Quad>,
    options: &LoadOptions,
) -> Vec<Finding> {
    let stored_subjects: HashSet<NamedOrBlankNode> =
        stored.iter().map(|q| q.subject.clone()).collect();
    // The load's quads about stored subjects: where the two disagree on a value, the
    // extractor reports it as it reads the union.
    let mut overlap = Vec::new();
    let mut keep = |chunk: Vec<Quad>| {
        let about_stored = chunk
            .into_iter()
            .filter(|q| stored_subjects.contains(&q.subject));
        overlap.extend(about_stored);
        Ok::<(), std::convert::Infallible>(())
    };
    quads(&mut keep).unwrap_or_else(|never| match never {});
    let (stored_tables, mut findings) = Extractor::new(stored.into_iter().chain(overlap)).tables();
    let union = union(tables, stored_tables);
    let origin = Origin {
        rowless: true,
        ..Origin::default()
    };
    let mut report = crate::ingest::validate_with(&union, options, &origin);
    findings.append(&mut report.errors);
    for f in &mut findings {
        f.message = format!("together with the data already stored: {}", f.message);
    }
    findings
}
