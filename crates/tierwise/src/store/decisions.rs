//! The decision log in the store (DESIGN 4.3): each entry is its own named graph, written as
//! PROV-O (the decision a `prov:Activity` that `prov:used` the events, the policy and the data
//! state, `prov:wasAssociatedWith` its agent and approver; the committed events
//! `prov:wasGeneratedBy` it) beside the entry's JSON line, so SPARQL answers "why" and the
//! chain can be exported and verified. A `LiveGraph` is a [`Ledger`]: governed events, their
//! commits and the log entries all land in the store.

use chrono::{DateTime, Utc};
use oxigraph::model::vocab::{rdf as rdfv, xsd};
use oxigraph::model::{GraphName, Literal, NamedNode, Quad, Term};

use super::{KnowledgeGraph, LiveGraph, StoreError, rdf};
use crate::events::{Event, Live, Outcome};
use crate::govern::{Entry, GovernError, Ledger};

/// The prefix of the named graphs of decision log entries.
pub(crate) fn decision_prefix() -> String {
    format!("{}decisions/", rdf::ID)
}

fn prov(local: &str) -> NamedNode {
    NamedNode::new_unchecked(format!("http://www.w3.org/ns/prov#{local}"))
}

/// The quads of one entry, in its own graph.
fn entry_quads(e: &Entry) -> Vec<Quad> {
    let g = NamedNode::new_unchecked(format!("{}{:010}", decision_prefix(), e.seq));
    let gn = GraphName::NamedNode(g.clone());
    let step = rdf::instance_iri("decision", &[&e.decision, &e.seq.to_string()]);
    let lit = |s: &str| Term::from(Literal::new_simple_literal(s));
    let typed = |s: String, t| Term::from(Literal::new_typed_literal(s, t));
    let q = |s: &NamedNode, p: NamedNode, o: Term| Quad::new(s.clone(), p, o, gn.clone());
    let time = typed(e.time.clone(), xsd::DATE_TIME);
    let agent = rdf::instance_iri("agent", &[&e.proposal.agent]);
    let policy = rdf::instance_iri("policy", &[&e.policy_sha256]);
    let subject = rdf::instance_iri(&e.proposal.kind, &[&e.proposal.subject]);
    let mut quads = vec![
        q(&step, rdfv::TYPE.into_owned(), prov("Activity").into()),
        q(&step, rdfv::TYPE.into_owned(), rdf::tw("Decision").into()),
        q(&step, rdf::tw("decisionId"), lit(&e.decision)),
        q(
            &step,
            rdf::tw("seq"),
            typed(e.seq.to_string(), xsd::INTEGER),
        ),
        q(&step, rdf::tw("step"), lit(&e.step)),
        q(&step, rdf::tw("action"), lit(e.proposal.action.as_str())),
        q(&step, rdf::tw("about"), subject.into()),
        q(&step, rdf::tw("outcome"), lit(&e.outcome)),
        q(&step, rdf::tw("reason"), lit(&e.reason)),
        q(&step, prov("generatedAtTime"), time.clone()),
        q(&step, prov("startedAtTime"), time),
        q(&step, prov("wasAssociatedWith"), agent.clone().into()),
        q(
            &agent,
            rdfv::TYPE.into_owned(),
            prov("SoftwareAgent").into(),
        ),
        q(&step, prov("used"), policy.clone().into()),
        q(&policy, rdfv::TYPE.into_owned(), prov("Entity").into()),
        q(&policy, rdf::tw("policyVersion"), lit(&e.policy_version)),
        q(&policy, rdf::tw("sha256"), lit(&e.policy_sha256)),
        q(&step, rdf::tw("dataHash"), lit(&e.data_hash)),
        q(&step, rdf::tw("prevHash"), lit(&e.prev)),
        q(&step, rdf::tw("hash"), lit(&e.hash)),
        q(&step, rdf::tw("logEntry"), lit(&e.to_line())),
    ];
    if !e.data_hash.is_empty() {
        let state = rdf::instance_iri("state", &[&e.data_hash]);
        quads.push(q(&step, prov("used"), state.into()));
    }
    for id in &e.events {
        quads.push(q(
            &step,
            prov("used"),
            rdf::instance_iri("event", &[id]).into(),
        ));
    }
    for f in &e.fired {
        let rule = rdf::instance_iri("rule", &[&e.policy_sha256, &f.id]);
        quads.extend([
            q(&step, rdf::tw("firedRule"), rule.clone().into()),
            q(&rule, rdf::tw("ruleId"), lit(&f.id)),
            q(&rule, rdf::tw("when"), lit(&f.when)),
        ]);
    }
    if let Some(who) = &e.approver {
        let person = rdf::instance_iri("approver", &[who]);
        let kind = if who == "policy" {
            "SoftwareAgent"
        } else {
            "Person"
        };
        quads.extend([
            q(&step, prov("wasAssociatedWith"), person.clone().into()),
            q(&person, rdfv::TYPE.into_owned(), prov(kind).into()),
            q(&step, rdf::tw("approver"), lit(who)),
        ]);
    }
    if let Some(role) = &e.role {
        quads.push(q(&step, rdf::tw("waitsFor"), lit(role)));
    }
    for id in &e.committed {
        let ev = rdf::instance_iri("event", &[id]);
        quads.push(q(&ev, prov("wasGeneratedBy"), step.clone().into()));
    }
    quads
}

impl KnowledgeGraph {
    /// The decision log entries kept in the store, in order.
    pub fn decision_log(&self) -> Result<Vec<Entry>, StoreError> {
        let texts = self.select_texts(
            "PREFIX tw: <https://w3id.org/tierwise/ns#>
             SELECT ?json WHERE { GRAPH ?g { ?d tw:seq ?seq ; tw:logEntry ?json } }
             ORDER BY ?seq",
            "json",
        )?;
        texts
            .iter()
            .enumerate()
            .map(|(i, t)| {
                serde_json::from_str(t).map_err(|e| {
                    StoreError::Query(format!("decision log entry {} cannot be read: {e}", i + 1))
                })
            })
            .collect()
    }

    /// The decision log as JSON lines (for `tierwise log export`).
    pub fn decision_log_jsonl(&self) -> Result<String, StoreError> {
        Ok(self
            .decision_log()?
            .iter()
            .map(|e| e.to_line() + "\n")
            .collect())
    }

    /// Adds log entries to the store, each in its own graph, in one transaction.
    pub fn record_decisions(&self, entries: &[Entry]) -> Result<(), StoreError> {
        let _writer = self.writer()?;
        let quads: Vec<Quad> = entries.iter().flat_map(entry_quads).collect();
        self.store.extend(quads)?;
        Ok(())
    }
}

fn store_error(e: StoreError) -> GovernError {
    GovernError::Commit(e.to_string())
}

impl Ledger for LiveGraph {
    fn live(&self) -> &Live {
        LiveGraph::live(self)
    }

    fn apply(
        &mut self,
        events: &[(usize, Event)],
        source: &str,
        _received: DateTime<Utc>,
    ) -> Result<Outcome, GovernError> {
        LiveGraph::apply(self, events, source, false).map_err(store_error)
    }

    fn record(&mut self, entries: &[Entry]) -> Result<(), GovernError> {
        if !self.is_held() {
            return self.graph().record_decisions(entries).map_err(store_error);
        }
        let quads: Vec<Quad> = entries.iter().flat_map(entry_quads).collect();
        self.write(quads).map_err(store_error)
    }

    fn hold(&mut self) {
        LiveGraph::hold(self);
    }

    fn release(&mut self) -> Result<(), GovernError> {
        LiveGraph::release(self).map_err(store_error)
    }

    fn discard(&mut self) {
        LiveGraph::discard(self);
    }

    fn stored_log(&self) -> Result<Vec<Entry>, GovernError> {
        self.graph().decision_log().map_err(store_error)
    }
}
