//! Snapshots of a named source: a load whose source (the folder or file as given, or the name
//! given with raw tables; not a name in angle brackets) matches an earlier load replaces that load's data instead of being
//! refused for restating it.
//!
//! Nothing is deleted: the new load's provenance says `tw:supersedes` (and
//! `prov:wasRevisionOf`) the earlier graph, and is written in the same atomic bulk load as the
//! new data, so a reader sees either the old snapshot or the new one. The current state leaves
//! superseded graphs out; the state as of a past time leaves out only the graphs superseded by
//! then. Rows the new snapshot no longer holds are thereby retired, changed values updated.
//! Retiring cannot leave a dangling reference: every load holds the records it references
//! (the reference gate runs on each load alone), so another load that names a retired record
//! still holds it.

use std::collections::{BTreeMap, HashSet};

use oxigraph::model::{GraphName, NamedNode, Term};

use super::{KnowledgeGraph, StoreError};

const TW: &str = "https://w3id.org/tierwise/ns#";

impl KnowledgeGraph {
    /// The current data graphs of each of `sources` (the loads a new snapshot of that source
    /// replaces), by source.
    pub(super) fn snapshots_of(
        &self,
        sources: &[&str],
    ) -> Result<BTreeMap<String, Vec<NamedNode>>, StoreError> {
        let mut out: BTreeMap<String, Vec<NamedNode>> = BTreeMap::new();
        // A name in angle brackets (`<DataFrames>`) is no source: such loads never replace.
        let wanted: HashSet<&str> = sources
            .iter()
            .copied()
            .filter(|s| !s.starts_with('<'))
            .collect();
        if wanted.is_empty() {
            return Ok(out);
        }
        for g in self.data_graphs()? {
            for source in self.sources_of(&g)? {
                if wanted.contains(source.as_str()) {
                    out.entry(source).or_default().push(g.clone());
                }
            }
        }
        Ok(out)
    }

    fn sources_of(&self, g: &NamedNode) -> Result<Vec<String>, StoreError> {
        let p = NamedNode::new_unchecked(format!("{TW}sourcePath"));
        let mut out = Vec::new();
        for q in self.store().quads_for_pattern(
            Some(g.as_ref().into()),
            Some(p.as_ref()),
            None,
            Some(GraphName::NamedNode(g.clone()).as_ref()),
        ) {
            if let Term::Literal(l) = q?.object {
                out.push(l.value().to_string());
            }
        }
        Ok(out)
    }

    /// The load graphs superseded by a later snapshot of their source (made at or before
    /// `until`, an RFC 3339 time, when given).
    pub(super) fn superseded(&self, until: Option<&str>) -> Result<HashSet<String>, StoreError> {
        let filter = until.map_or(String::new(), |t| {
            format!("FILTER(?at <= \"{t}\"^^<http://www.w3.org/2001/XMLSchema#dateTime>)")
        });
        let q = format!(
            "PREFIX tw: <{TW}>
             PREFIX prov: <http://www.w3.org/ns/prov#>
             SELECT DISTINCT ?old WHERE {{ GRAPH ?g {{ ?g a tw:Load ; tw:supersedes ?old ;
               prov:generatedAtTime ?at }} {filter} }}"
        );
        Ok(self.select_texts(&q, "old")?.into_iter().collect())
    }
}
