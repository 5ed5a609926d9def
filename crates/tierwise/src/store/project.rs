//! Reading the tables back out of a store through its indexes, one subject at a time, never
//! as one vector of quads.
//!
//! Each data graph is read in its graph-subject-predicate-object order, so the quads about a
//! subject arrive together and the extractor keeps one subject at a time. On disk, a graph is
//! read in as many disjoint ranges of subjects as there are threads, one thread each, and the
//! store's strings are read first by one sequential scan, so that decoding a quad never waits
//! on a point lookup (both through the patched oxigraph, `vendor/oxigraph/PATCH.md`). A subject that
//! appears in several graphs (a company or country two loads share, or a resource an RDF file
//! completes) is read once more at the end with all its quads from every graph, and that record
//! replaces the partial ones.

use std::collections::HashSet;
use std::sync::Arc;

use oxigraph::model::{GraphNameRef, NamedNode, NamedOrBlankNode, NamedOrBlankNodeRef, Quad};
use oxigraph::store::{Store, StringTable};

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
    // One sequential scan of the strings table saves a point lookup per first-seen string.
    let strings = store.string_table()?.map(Arc::new);
    let several = graphs.len() > 1;
    // The parts of a graph are read on as many threads; the tables are sorted at the end,
    // so they come out the same on any number.
    let parts = rayon::current_num_threads().clamp(1, 256);
    let mut ex = Extractor::streaming(several);
    // The subjects of the graphs read so far, and those seen in two or more.
    let mut seen: HashSet<Print> = HashSet::new();
    let mut shared: HashSet<NamedOrBlankNode> = HashSet::new();
    for g in graphs {
        let read = Part {
            store,
            graph: g,
            strings: strings.as_ref(),
            seen: several.then_some(&seen),
            progress,
        };
        for d in read.in_parts(parts) {
            let d = d?;
            ex.absorb(d.ex);
            seen.extend(d.new);
            shared.extend(d.shared);
        }
    }
    // The strings are all decoded: free them before the tables are finished.
    drop(strings);
    if !shared.is_empty() {
        reread_shared(store, graphs, &mut ex, &shared, progress)?;
    }
    Ok(ex.finish())
}

/// What reading one part of a data graph needs.
struct Part<'a> {
    store: &'a Store,
    graph: &'a NamedNode,
    strings: Option<&'a Arc<StringTable>>,
    /// The subjects of the graphs read before (when there are several graphs).
    seen: Option<&'a HashSet<Print>>,
    progress: &'a Progress,
}

/// The records of one part of a graph, the subjects it saw first, and those an earlier graph
/// saw too.
struct PartRead {
    ex: Extractor,
    new: Vec<Print>,
    shared: Vec<NamedOrBlankNode>,
}

impl Part<'_> {
    /// Reads the graph in `parts` parts, each on a thread of its own.
    fn in_parts(&self, parts: usize) -> Vec<Result<PartRead, StoreError>> {
        std::thread::scope(|scope| {
            let handles: Vec<_> = (0..parts)
                .map(|part| scope.spawn(move || self.read(part, parts)))
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                .collect()
        })
    }

    fn read(&self, part: usize, parts: usize) -> Result<PartRead, StoreError> {
        let graph = self.graph.as_ref().into();
        let mut quads = self
            .store
            .quads_for_graph_part(graph, part, parts)
            .ok_or_else(|| StoreError::Query("the store keeps no subject order".into()))?;
        if let Some(table) = self.strings {
            quads = quads.with_strings(Arc::clone(table));
        }
        let mut out = PartRead {
            ex: Extractor::streaming(self.seen.is_some()),
            new: Vec::new(),
            shared: Vec::new(),
        };
        let mut read = |s: NamedOrBlankNode, props: Props| {
            if let Some(seen) = self.seen {
                let p = print(&s);
                if seen.contains(&p) {
                    out.shared.push(s.clone());
                } else {
                    out.new.push(p);
                }
            }
            out.ex.subject(s, props);
        };
        each_subject(quads, &mut read, self.progress)?;
        Ok(out)
    }
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
        props.add(q.predicate, q.object);
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
