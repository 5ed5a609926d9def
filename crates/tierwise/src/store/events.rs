//! Change events in the store (DESIGN 4, 2.3): every applied batch is kept append-only in its
//! own named graph with its PROV-O lineage (source, sha256, received at, tierwise version)
//! and every event's canonical CloudEvent, so the state can be rebuilt (`replay`), opened as it
//! was at a past time, and asked by SPARQL which event set a value.
//!
//! The current state is the tables of the loads with every stored event applied again in the
//! order it was first applied ([`crate::events::replay`]).

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, SecondsFormat, Utc};
use oxigraph::model::vocab::{rdf as rdfv, xsd};
use oxigraph::model::{GraphName, Literal, NamedNode, Quad, Term};

use super::{KnowledgeGraph, StoreError, cache, rdf};
use crate::events::live::record_down;
use crate::events::{
    Change, Down, Event, EventError, LIVE_KINDS, Live, Outcome, Replayed, Status, parse_line,
    replay,
};
use crate::network::Network;
use crate::progress::Progress;
use crate::risk::{Analysis, Policy};

/// The prefix of the named graphs of event batches.
pub(crate) fn batch_prefix() -> String {
    format!("{}events/", rdf::ID)
}

/// A knowledge graph with its live state: applying events updates the analysis and its kept
/// results incrementally, then stores the batch.
#[derive(Debug)]
pub struct LiveGraph {
    kg: KnowledgeGraph,
    live: Live,
    /// How many events are stored (the order of the next one).
    stored: u64,
    /// Events were stored since the network was last kept beside the store.
    dirty: bool,
    /// While held ([`LiveGraph::hold`]), the quads of applied batches and log entries wait
    /// here to be written in one transaction by [`LiveGraph::release`].
    held: Option<Vec<Quad>>,
    /// The live state ran ahead of the store (a held write was dropped or failed): the
    /// network must not be kept beside the store as if it were the stored state.
    diverged: bool,
}

impl Drop for LiveGraph {
    fn drop(&mut self) {
        self.discard();
        if self.dirty && !self.diverged {
            self.checkpoint();
        }
    }
}

impl KnowledgeGraph {
    /// The named graphs of event batches, in the order they were applied.
    pub(crate) fn event_graphs(&self) -> Result<Vec<NamedNode>, StoreError> {
        let prefix = batch_prefix();
        let mut out = Vec::new();
        for g in self.store.named_graphs() {
            if let oxigraph::model::NamedOrBlankNode::NamedNode(n) = g?
                && n.as_str().starts_with(&prefix)
            {
                out.push(n);
            }
        }
        out.sort();
        Ok(out)
    }

    /// The stored events in the order they were applied; with `until`, only the batches
    /// received at or before it.
    pub fn stored_events(&self, until: Option<DateTime<Utc>>) -> Result<Vec<Event>, StoreError> {
        let filter = until.map_or(String::new(), |t| {
            let t = t.to_rfc3339_opts(SecondsFormat::Micros, true);
            format!("FILTER(?at <= \"{t}\"^^<http://www.w3.org/2001/XMLSchema#dateTime>)")
        });
        let q = format!(
            "PREFIX tw: <https://w3id.org/tierwise/ns#>
             PREFIX prov: <http://www.w3.org/ns/prov#>
             SELECT ?order ?json WHERE {{
               GRAPH ?g {{ ?e a tw:Event ; tw:order ?order ; tw:cloudEvent ?json .
                           ?g prov:generatedAtTime ?at }} {filter}
             }} ORDER BY ?order"
        );
        self.select_texts(&q, "json")?
            .iter()
            .enumerate()
            .map(|(i, text)| parse_line(text, i + 1).map_err(|e| stored_event_error(&e)))
            .collect()
    }

    /// The state the stored loads and events make: the tables (the loads' with the events
    /// applied), the registers, active disruptions and ids seen.
    pub fn replayed(&self, until: Option<DateTime<Utc>>) -> Result<Replayed, StoreError> {
        self.replayed_with(until, &Progress::new())
    }

    /// [`KnowledgeGraph::replayed`], stopping with [`StoreError::Cancelled`] when `progress`
    /// is cancelled while the loads are read.
    pub fn replayed_with(
        &self,
        until: Option<DateTime<Utc>>,
        progress: &Progress,
    ) -> Result<Replayed, StoreError> {
        let events = self.stored_events(until)?;
        let graphs = match until {
            Some(t) => self.loads_until(t)?,
            None => self.data_graphs()?,
        };
        Ok(replay(self.tables_of(&graphs, progress)?, &events))
    }

    /// The tables the given load graphs hold, refused when the projection finds a problem.
    fn tables_of(
        &self,
        graphs: &[NamedNode],
        progress: &Progress,
    ) -> Result<crate::model::Tables, StoreError> {
        let (tables, findings) =
            super::project::tables(&self.store, graphs, self.path.is_some(), progress)?;
        if !findings.is_empty() {
            let report = crate::ingest::QualityReport {
                errors: findings,
                warnings: Vec::new(),
            };
            return Err(crate::ingest::IngestError::DataQuality(Box::new(report)).into());
        }
        Ok(tables)
    }

    /// The tables of the loads alone, before any stored event (for replaying the events under
    /// another policy: `tierwise policy diff`).
    pub fn loaded_tables(&self) -> Result<crate::model::Tables, StoreError> {
        self.tables_of(&self.data_graphs()?, &Progress::new())
    }

    /// The active disruptions the stored `site.down` and `site.up` events leave.
    pub fn active_disruptions(&self) -> Result<BTreeMap<String, Down>, StoreError> {
        let mut writes = crate::events::Writes::default();
        let mut down = BTreeMap::new();
        for e in self.stored_events(None)? {
            if matches!(e.change, Change::SiteDown { .. } | Change::SiteUp { .. }) {
                let _ = record_down(&mut writes, &mut down, &e, |_| true);
            }
        }
        Ok(down)
    }

    /// The network of the state at `as_of` (loads made and event batches received by then):
    /// what was known then.
    pub fn network_as_of(&self, as_of: DateTime<Utc>) -> Result<Network, StoreError> {
        let r = self.replayed(Some(as_of))?;
        Ok(Network::compile(&r.tables)?)
    }

    /// The load graphs made at or before `t`.
    fn loads_until(&self, t: DateTime<Utc>) -> Result<Vec<NamedNode>, StoreError> {
        let t = t.to_rfc3339_opts(SecondsFormat::Micros, true);
        let graphs = self.select_texts(
            &format!(
                "PREFIX tw: <https://w3id.org/tierwise/ns#>
             PREFIX prov: <http://www.w3.org/ns/prov#>
             SELECT DISTINCT ?graph WHERE {{ GRAPH ?graph {{ ?graph a tw:Load ;
               prov:generatedAtTime ?at }}
               FILTER(?at <= \"{t}\"^^<http://www.w3.org/2001/XMLSchema#dateTime>) }}
             ORDER BY ?graph"
            ),
            "graph",
        )?;
        let superseded = self.superseded(Some(&t))?;
        Ok(graphs
            .into_iter()
            .filter(|g| !superseded.contains(g))
            .map(NamedNode::new_unchecked)
            .collect())
    }

    /// The live state of the store under `policy` and `as_of`: the stored events replayed
    /// onto the loads, compiled, analysed, and the exposures of sites, companies and
    /// countries kept.
    pub fn live(&self, policy: Arc<Policy>, as_of: DateTime<Utc>) -> Result<LiveGraph, StoreError> {
        self.live_with(policy, as_of, &Progress::new())
    }

    /// [`KnowledgeGraph::live`], stopping with [`StoreError::Cancelled`] when `progress` is
    /// cancelled while the store is read.
    pub fn live_with(
        &self,
        policy: Arc<Policy>,
        as_of: DateTime<Utc>,
        progress: &Progress,
    ) -> Result<LiveGraph, StoreError> {
        let (net, replayed) = if self.event_graphs()?.is_empty() {
            (self.network_with(progress)?, Replayed::default())
        } else {
            let r = self.replayed_with(None, progress)?;
            let net = match (&self.path, self.state()) {
                (Some(path), Ok(state)) => match cache::read(path, &state) {
                    Some(net) => net,
                    None => {
                        let net = Network::compile(&r.tables)?;
                        self.keep_network(&net);
                        net
                    }
                },
                _ => Network::compile(&r.tables)?,
            };
            (net, r)
        };
        let stored = (replayed.seen.len() + replayed.refused) as u64;
        let analysis = Analysis::new(Arc::new(net), policy, as_of);
        Ok(LiveGraph {
            kg: self.clone(),
            live: Live::resume(analysis, replayed, &LIVE_KINDS),
            stored,
            dirty: false,
            held: None,
            diverged: false,
        })
    }
}

fn stored_event_error(e: &EventError) -> StoreError {
    StoreError::Query(format!("a stored event cannot be read again: {e}"))
}

impl LiveGraph {
    pub fn live(&self) -> &Live {
        &self.live
    }

    pub fn graph(&self) -> &KnowledgeGraph {
        &self.kg
    }

    /// Applies a batch (each event on its own; with `atomic`, all or none) and stores the
    /// applied events in one new named graph. `source` names where the batch came from.
    pub fn apply(
        &mut self,
        events: &[(usize, Event)],
        source: &str,
        atomic: bool,
    ) -> Result<Outcome, StoreError> {
        self.apply_with(events, source, atomic, &Progress::new())
    }

    /// [`LiveGraph::apply`] that stops before the next event once `progress` is cancelled
    /// (Ctrl-C) and stores the events reached; applying the batch again finishes it (the
    /// stored ones are duplicates). An atomic batch is all or nothing: cancelled, it is
    /// refused whole ([`StoreError::Cancelled`]) unless it was already applying.
    pub fn apply_with(
        &mut self,
        events: &[(usize, Event)],
        source: &str,
        atomic: bool,
        progress: &Progress,
    ) -> Result<Outcome, StoreError> {
        // One writer at a time (loads and event batches alike); a read-only store refuses.
        let kg = self.kg.clone();
        let _writer = kg.writer()?;
        let received = Utc::now();
        if atomic && let Some(out) = self.live.refuse_atomic(events, received) {
            return Ok(out);
        }
        progress.check()?;
        let never = Progress::new();
        let out = self
            .live
            .apply_with(events, received, if atomic { &never } else { progress });
        let applied: Vec<(&Event, &crate::events::EventOutcome)> = events
            .iter()
            .zip(&out.events)
            .filter(|(_, o)| matches!(o.status, Status::Applied { .. }))
            .map(|((_, e), o)| (e, o))
            .collect();
        if applied.is_empty() {
            return Ok(out);
        }
        let quads = self.batch_quads(&applied, source, received, out.respond_s);
        self.stored += applied.len() as u64;
        self.write(quads)?;
        Ok(out)
    }

    /// From now on, applied batches (and decision log entries, [`crate::govern::Ledger`]) are
    /// kept in memory until [`LiveGraph::release`] writes them in one transaction: a governed
    /// event, the actions it approved and its log entries land together or not at all.
    pub fn hold(&mut self) {
        self.held.get_or_insert_with(Vec::new);
    }

    /// Writes what was held in one transaction and stops holding. If the write fails, the
    /// live state is ahead of the store: reopen the store before going on.
    pub fn release(&mut self) -> Result<(), StoreError> {
        let Some(quads) = self.held.take() else {
            return Ok(());
        };
        if quads.is_empty() {
            return Ok(());
        }
        let kg = self.kg.clone();
        let _writer = kg.writer()?;
        self.write(quads).inspect_err(|_| self.diverged = true)
    }

    /// Drops what was held, unwritten (the step that made it failed). The live state is then
    /// ahead of the store: reopen the store before going on.
    pub fn discard(&mut self) {
        if self.held.take().is_some_and(|q| !q.is_empty()) {
            self.diverged = true;
        }
    }

    pub(crate) fn is_held(&self) -> bool {
        self.held.is_some()
    }

    /// Writes `quads` now (the caller holds the writer lock), or keeps them for
    /// [`LiveGraph::release`] while held.
    pub(crate) fn write(&mut self, quads: Vec<Quad>) -> Result<(), StoreError> {
        if let Some(held) = &mut self.held {
            held.extend(quads);
            return Ok(());
        }
        self.kg.store.extend(quads)?;
        self.dirty = true;
        Ok(())
    }

    /// Keeps the compiled network of the current state beside an on-disk store, so the next
    /// open does not replay (a few seconds at 1M sites: done on close, not per event).
    pub fn checkpoint(&mut self) {
        self.kg.keep_network(self.live.analysis().network());
        self.dirty = false;
    }

    fn batch_quads(
        &self,
        applied: &[(&Event, &crate::events::EventOutcome)],
        source: &str,
        received: DateTime<Utc>,
        respond_s: f64,
    ) -> Vec<Quad> {
        let text: String = applied.iter().map(|(e, _)| e.content.as_str()).collect();
        let sha = crate::hash::sha256_hex(text.as_bytes());
        let name = format!("{}{:012}-{}", batch_prefix(), self.stored, &sha[..12]);
        let g = NamedNode::new_unchecked(name);
        let gn = GraphName::NamedNode(g.clone());
        let prov = |l: &str| NamedNode::new_unchecked(format!("http://www.w3.org/ns/prov#{l}"));
        let lit = |s: &str| Term::from(Literal::new_simple_literal(s));
        let typed = |s: String, t| Term::from(Literal::new_typed_literal(s, t));
        let at = |t: DateTime<Utc>| {
            typed(
                t.to_rfc3339_opts(SecondsFormat::Micros, true),
                xsd::DATE_TIME,
            )
        };
        let q = |s: &NamedNode, p: NamedNode, o: Term| Quad::new(s.clone(), p, o, gn.clone());
        let mut quads = vec![
            q(&g, rdfv::TYPE.into_owned(), rdf::tw("EventBatch").into()),
            q(&g, rdfv::TYPE.into_owned(), prov("Entity").into()),
            q(&g, rdf::tw("sourcePath"), lit(source)),
            q(&g, rdf::tw("sha256"), lit(&sha)),
            q(&g, prov("generatedAtTime"), at(received)),
            q(&g, rdf::tw("loaderVersion"), lit(crate::VERSION)),
            q(
                &g,
                rdf::tw("respondSeconds"),
                typed(respond_s.to_string(), xsd::DOUBLE),
            ),
        ];
        for (i, (e, o)) in applied.iter().enumerate() {
            let ev = rdf::instance_iri("event", &[&e.id]);
            let won = matches!(o.status, Status::Applied { won: true });
            quads.extend([
                q(&ev, rdfv::TYPE.into_owned(), rdf::tw("Event").into()),
                q(&ev, rdfv::TYPE.into_owned(), prov("Entity").into()),
                q(&ev, rdf::tw("inBatch"), g.clone().into()),
                q(&ev, rdf::tw("eventId"), lit(&e.id)),
                q(&ev, rdf::tw("eventType"), lit(&e.kind)),
                q(&ev, rdf::tw("eventSource"), lit(&e.source)),
                q(&ev, rdf::tw("subject"), lit(&e.subject)),
                q(&ev, prov("generatedAtTime"), at(e.time)),
                q(
                    &ev,
                    rdf::tw("order"),
                    typed((self.stored + i as u64).to_string(), xsd::INTEGER),
                ),
                q(&ev, rdf::tw("won"), typed(won.to_string(), xsd::BOOLEAN)),
                q(
                    &ev,
                    rdf::tw("detectSeconds"),
                    typed(o.detect_s.to_string(), xsd::DOUBLE),
                ),
                q(&ev, rdf::tw("cloudEvent"), lit(&e.content)),
                q(&ev, prov("wasDerivedFrom"), g.clone().into()),
            ]);
        }
        quads
    }
}
