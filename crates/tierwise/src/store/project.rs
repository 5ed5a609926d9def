//! Reading the tables back out of a store through its indexes, one subject at a time, never
//! as one vector of quads.
//!
//! Each data graph is read in its graph-subject-predicate-object order, so the quads about a
//! subject arrive together and the extractor keeps one subject at a time. A subject that
//! appears in several graphs (a company or country two loads share, or a resource an RDF file
//! completes) is read once more at the end with all its quads from every graph, and that record
//! replaces the partial ones.

use std::collections::{HashMap, HashSet};

use oxigraph::model::{GraphNameRef, NamedNode, NamedOrBlankNode, NamedOrBlankNodeRef, Quad};
use oxigraph::store::Store;

use super::StoreError;
use super::rdf::{Extractor, Print, Props, print};
use crate::ingest::Finding;
use crate::model::Tables;
use crate::progress::Progress;

/// The tables held by the graphs `graphs` of `store`, and the problems found reading them.
/// `ordered`: the store gives a graph's quads in subject order (RocksDB does; the in-memory
/// store, whose quads are in memory anyway, does not, and is read as a whole). A cancelled
/// `progress` stops the reading ([`StoreError::Cancelled`]).
pub(crate) fn tables(
    store: &Store,
    graphs: &[NamedNode],
    ordered: bool,
    progress: &Progress,
) -> Result<(Tables, Vec<Finding>), StoreError> {
    if !ordered {
        let mut quads = Vec::new();
        for g in graphs {
            for q in store.quads_for_pattern(None, None, None, Some(g.into())) {
                progress.check()?;
                quads.push(q?);
            }
        }
        return Ok(Extractor::new(quads).tables());
    }
    let mut ex = Extractor::streaming();
    // Which graph each subject was first seen in, and the subjects seen in two or more.
    let mut first_graph: HashMap<Print, usize> = HashMap::new();
    let mut shared: HashSet<NamedOrBlankNode> = HashSet::new();
    for (gi, g) in graphs.iter().enumerate() {
        let mut read = |s: NamedOrBlankNode, props: Props| {
            let seen = *first_graph.entry(print(&s)).or_insert(gi);
            if seen != gi {
                shared.insert(s.clone());
            }
            ex.subject(s, props);
        };
        each_subject(
            store.quads_for_pattern(None, None, None, Some(g.into())),
            &mut read,
            progress,
        )?;
    }
    if !shared.is_empty() {
        reread_shared(store, graphs, &mut ex, &shared, progress)?;
    }
    Ok(ex.finish())
}

/// Groups a subject-ordered stream of quads by subject and hands each subject's properties
/// (values without repeats) to `f`.
fn each_subject(
    quads: impl Iterator<Item = Result<Quad, oxigraph::store::StorageError>>,
    f: &mut dyn FnMut(NamedOrBlankNode, Props),
    progress: &Progress,
) -> Result<(), StoreError> {
    let mut current: Option<NamedOrBlankNode> = None;
    let mut props = Props::new();
    for q in quads {
        let q = q?;
        // A relaxed load per quad is noise beside decoding it (7-10 us).
        progress.check()?;
        if current.as_ref() != Some(&q.subject) {
            if let Some(s) = current.take() {
                f(s, std::mem::take(&mut props));
            }
            current = Some(q.subject);
        }
        let values = props.entry(q.predicate).or_default();
        if !values.contains(&q.object) {
            values.push(q.object);
        }
    }
    if let Some(s) = current {
        f(s, props);
    }
    Ok(())
}

/// Reads the subjects found in several graphs again, from all of them at once, in place of
/// the partial records the per-graph pass made of them.
fn reread_shared(
    store: &Store,
    graphs: &[NamedNode],
    ex: &mut Extractor,
    shared: &HashSet<NamedOrBlankNode>,
    progress: &Progress,
) -> Result<(), StoreError> {
    let prints: HashSet<Print> = shared.iter().map(print).collect();
    ex.forget_subjects(&prints);
    let data: HashSet<GraphNameRef<'_>> = graphs.iter().map(|g| g.as_ref().into()).collect();
    let mut sorted: Vec<&NamedOrBlankNode> = shared.iter().collect();
    sorted.sort_by_key(|s| s.to_string());
    for s in sorted {
        let subject: NamedOrBlankNodeRef<'_> = s.as_ref();
        let quads = store
            .quads_for_pattern(Some(subject), None, None, None)
            .filter(|q| {
                q.as_ref()
                    .map_or(true, |q| data.contains(&q.graph_name.as_ref()))
            });
        each_subject(quads, &mut |s, props| ex.subject(s, props), progress)?;
    }
    Ok(())
}
