//! SPARQL over the store, and its results as polars DataFrames. A query can be stopped: by
//! its timeout, or by whoever holds its [`Progress`] (Ctrl-C in the CLI, KeyboardInterrupt in
//! Python). It then returns at once, and the query's thread is stopped through oxigraph's
//! cancellation token, which the evaluator checks at every quad it reads and every term it
//! hands out (and we at every row).

use std::sync::mpsc;
use std::time::{Duration, Instant};

use oxigraph::model::Term;
use oxigraph::model::vocab::xsd;
use oxigraph::sparql::{CancellationToken, QueryEvaluationError, QueryResults, SparqlEvaluator};
use polars::prelude::{Column, DataFrame, NamedFrom, Series};

use super::{KnowledgeGraph, StoreError};
use crate::progress::Progress;

/// How often a running query looks at its deadline and its [`Progress`].
const WATCH_EVERY: Duration = Duration::from_millis(20);

/// How a SPARQL query runs.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct QueryOptions {
    /// Stop the query once it has run this long ([`StoreError::QueryTimeout`]).
    pub timeout: Option<Duration>,
}

impl QueryOptions {
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }
}

/// Why a query was stopped.
#[derive(Clone, Copy, PartialEq)]
enum Stop {
    Timeout,
    Cancelled,
}

impl KnowledgeGraph {
    /// Runs a SPARQL query. The default graph is the union of all graphs unless the query
    /// names its own dataset (FROM). SELECT gives one column per variable (numbers as Float64
    /// when every bound value is numeric, booleans as Boolean, everything else as strings:
    /// IRIs bare, literals by their lexical form); ASK gives one `result` column; CONSTRUCT
    /// and DESCRIBE give subject, predicate, object.
    pub fn query(&self, sparql: &str) -> Result<DataFrame, StoreError> {
        self.run_query(sparql, CancellationToken::new())
    }

    /// Runs a SPARQL query like [`KnowledgeGraph::query`], stopped after `options.timeout`
    /// ([`StoreError::QueryTimeout`]) or when `progress` is cancelled
    /// ([`StoreError::QueryCancelled`]); either way this returns within a few tens of
    /// milliseconds. The query runs on a thread of its own, which oxigraph stops at the next
    /// quad it reads or row it gives; a query that computes long in memory between the two
    /// (e.g. the COUNT of a cross product) is left to finish on that thread, its result
    /// dropped.
    pub fn query_with(
        &self,
        sparql: &str,
        options: &QueryOptions,
        progress: &Progress,
    ) -> Result<DataFrame, StoreError> {
        let token = CancellationToken::new();
        let deadline = options.timeout.map(|t| Instant::now() + t);
        let (send, result) = mpsc::sync_channel(1);
        let (kg, text, t) = (self.clone(), sparql.to_string(), token.clone());
        std::thread::Builder::new()
            .name("tierwise-sparql".into())
            .spawn(move || {
                let _ = send.send(kg.run_query(&text, t));
            })
            .map_err(|e| StoreError::Query(format!("cannot start the query: {e}")))?;
        match wait(&result, deadline, progress) {
            Ok(r) => r,
            Err(stop) => {
                token.cancel();
                Err(match stop {
                    Stop::Timeout => StoreError::QueryTimeout {
                        seconds: options.timeout.unwrap_or_default().as_secs_f64(),
                    },
                    Stop::Cancelled => StoreError::QueryCancelled,
                })
            }
        }
    }

    fn run_query(&self, sparql: &str, token: CancellationToken) -> Result<DataFrame, StoreError> {
        let mut prepared = SparqlEvaluator::new()
            .with_cancellation_token(token.clone())
            .parse_query(sparql)
            .map_err(|e| StoreError::Query(e.to_string()))?;
        if prepared.dataset().is_default_dataset() {
            prepared.dataset_mut().set_default_graph_as_union();
        }
        let results = prepared
            .on_store(self.store())
            .execute()
            .map_err(query_error)?;
        results_to_frame(results, &token)
    }
}

/// The query's result, or why it was stopped first (the deadline, or `progress` cancelled).
fn wait(
    result: &mpsc::Receiver<Result<DataFrame, StoreError>>,
    deadline: Option<Instant>,
    progress: &Progress,
) -> Result<Result<DataFrame, StoreError>, Stop> {
    loop {
        let wait = deadline.map_or(WATCH_EVERY, |d| {
            d.saturating_duration_since(Instant::now()).min(WATCH_EVERY)
        });
        match result.recv_timeout(wait) {
            Ok(r) => return Ok(r),
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                return Ok(Err(StoreError::Query("the query panicked".into())));
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
        }
        if progress.is_cancelled() {
            return Err(Stop::Cancelled);
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            return Err(Stop::Timeout);
        }
    }
}

fn query_error(e: QueryEvaluationError) -> StoreError {
    match e {
        QueryEvaluationError::Cancelled => StoreError::QueryCancelled,
        other => StoreError::Query(other.to_string()),
    }
}

impl KnowledgeGraph {
    /// The text of one variable of every solution of a SELECT query (IRIs bare, literals by
    /// their lexical form), in solution order.
    pub(crate) fn select_texts(&self, sparql: &str, var: &str) -> Result<Vec<String>, StoreError> {
        let err = |e: &dyn std::fmt::Display| StoreError::Query(e.to_string());
        let mut prepared = SparqlEvaluator::new()
            .parse_query(sparql)
            .map_err(|e| err(&e))?;
        prepared.dataset_mut().set_default_graph_as_union();
        let QueryResults::Solutions(solutions) = prepared
            .on_store(self.store())
            .execute()
            .map_err(|e| err(&e))?
        else {
            return Err(StoreError::Query("expected a SELECT query".into()));
        };
        let mut out = Vec::new();
        for s in solutions {
            let s = s.map_err(|e| err(&e))?;
            out.extend(s.get(var).map(term_text));
        }
        Ok(out)
    }
}

fn term_text(t: &Term) -> String {
    match t {
        Term::NamedNode(n) => n.as_str().to_string(),
        Term::BlankNode(b) => format!("_:{}", b.as_str()),
        Term::Literal(l) => l.value().to_string(),
        #[allow(unreachable_patterns)]
        other => other.to_string(),
    }
}

fn numeric(t: &Term) -> Option<f64> {
    let Term::Literal(l) = t else { return None };
    let dt = l.datatype().as_str();
    let is_num = dt.starts_with("http://www.w3.org/2001/XMLSchema#")
        && matches!(
            &dt[33..],
            "double"
                | "float"
                | "decimal"
                | "integer"
                | "int"
                | "long"
                | "short"
                | "byte"
                | "nonNegativeInteger"
                | "positiveInteger"
                | "negativeInteger"
                | "nonPositiveInteger"
                | "unsignedInt"
                | "unsignedLong"
                | "unsignedShort"
                | "unsignedByte"
        );
    if !is_num {
        return None;
    }
    l.value().replace("INF", "inf").parse().ok()
}

fn boolean(t: &Term) -> Option<bool> {
    let Term::Literal(l) = t else { return None };
    if l.datatype() != xsd::BOOLEAN {
        return None;
    }
    match l.value() {
        "true" | "1" => Some(true),
        "false" | "0" => Some(false),
        _ => None,
    }
}

fn integer(t: &Term) -> Option<i64> {
    let Term::Literal(l) = t else { return None };
    let dt = l.datatype().as_str();
    let is_int = dt.starts_with("http://www.w3.org/2001/XMLSchema#")
        && (dt.ends_with("nteger")
            || matches!(
                &dt[33..],
                "int"
                    | "long"
                    | "short"
                    | "byte"
                    | "unsignedInt"
                    | "unsignedShort"
                    | "unsignedByte"
            ));
    if !is_int {
        return None;
    }
    l.value().parse().ok()
}

fn column_of(name: &str, values: &[Option<Term>]) -> Column {
    let bound: Vec<&Term> = values.iter().flatten().collect();
    if !bound.is_empty() && bound.iter().all(|t| integer(t).is_some()) {
        let v: Vec<Option<i64>> = values
            .iter()
            .map(|t| t.as_ref().and_then(integer))
            .collect();
        return Series::new(name.into(), v).into();
    }
    if !bound.is_empty() && bound.iter().all(|t| numeric(t).is_some()) {
        let v: Vec<Option<f64>> = values
            .iter()
            .map(|t| t.as_ref().and_then(numeric))
            .collect();
        return Series::new(name.into(), v).into();
    }
    if !bound.is_empty() && bound.iter().all(|t| boolean(t).is_some()) {
        let v: Vec<Option<bool>> = values
            .iter()
            .map(|t| t.as_ref().and_then(boolean))
            .collect();
        return Series::new(name.into(), v).into();
    }
    let v: Vec<Option<String>> = values.iter().map(|t| t.as_ref().map(term_text)).collect();
    Series::new(name.into(), v).into()
}

/// The results as a table; the token is checked at every row, so that a query whose rows
/// come from memory (a cross product of scans read once) stops too.
fn results_to_frame(
    results: QueryResults<'_>,
    token: &CancellationToken,
) -> Result<DataFrame, StoreError> {
    let qerr = |e: &dyn std::fmt::Display| StoreError::Query(e.to_string());
    let alive = || {
        if token.is_cancelled() {
            Err(StoreError::QueryCancelled)
        } else {
            Ok(())
        }
    };
    match results {
        QueryResults::Solutions(solutions) => {
            let vars: Vec<String> = solutions
                .variables()
                .iter()
                .map(|v| v.as_str().to_string())
                .collect();
            let mut cols: Vec<Vec<Option<Term>>> = vec![Vec::new(); vars.len()];
            for s in solutions {
                alive()?;
                let s = s.map_err(query_error)?;
                for (i, v) in s.values().iter().enumerate() {
                    cols[i].push(v.clone());
                }
            }
            let columns: Vec<Column> = vars
                .iter()
                .zip(&cols)
                .map(|(n, v)| column_of(n, v))
                .collect();
            DataFrame::new_infer_height(columns).map_err(|e| qerr(&e))
        }
        QueryResults::Boolean(b) => {
            DataFrame::new_infer_height(vec![Series::new("result".into(), [b]).into()])
                .map_err(|e| qerr(&e))
        }
        QueryResults::Graph(triples) => {
            let mut s = Vec::new();
            let mut p = Vec::new();
            let mut o = Vec::new();
            for t in triples {
                alive()?;
                let t = t.map_err(query_error)?;
                s.push(Some(Term::from(t.subject)));
                p.push(Some(Term::from(t.predicate)));
                o.push(Some(t.object));
            }
            DataFrame::new_infer_height(vec![
                column_of("subject", &s),
                column_of("predicate", &p),
                column_of("object", &o),
            ])
            .map_err(|e| qerr(&e))
        }
    }
}
