//! Analysis results written back (DESIGN 2.3, 4.3): a result table becomes a named graph of
//! its own, one `tw:ResultRow` per row with a property per column, and a `prov:Activity` (the
//! run) that `prov:used` the store's data graphs and the policy, with the run's `as_of`, seed
//! and tierwise version, so SPARQL can join results with the data that produced them. A row
//! that names a unit (`unit`, `site_id` or `site` with a `kind` or an implied site) is
//! `tw:about` that unit's IRI. The graph name is a hash of the result and its provenance:
//! writing the same result twice stores it once.

use chrono::{SecondsFormat, Utc};
use oxigraph::model::vocab::{rdf as rdfv, xsd};
use oxigraph::model::{GraphName, Literal, NamedNode, Quad, Term};
use polars::prelude::{AnyValue, DataFrame};

use super::{KnowledgeGraph, StoreError, rdf};
use crate::risk::Provenance;

/// The prefix of the named graphs of written-back results.
pub(crate) fn result_prefix() -> String {
    format!("{}results/", rdf::ID)
}

fn prov(local: &str) -> NamedNode {
    NamedNode::new_unchecked(format!("http://www.w3.org/ns/prov#{local}"))
}

fn cell(v: &AnyValue<'_>) -> Option<Term> {
    let typed = |s: String, t| Some(Term::from(Literal::new_typed_literal(s, t)));
    match v {
        AnyValue::Null => None,
        AnyValue::Boolean(b) => typed(b.to_string(), xsd::BOOLEAN),
        AnyValue::Float64(x) if x.is_finite() => typed(x.to_string(), xsd::DOUBLE),
        AnyValue::Float64(x) => typed(
            if x.is_nan() {
                "NaN".into()
            } else if *x > 0.0 {
                "INF".into()
            } else {
                "-INF".into()
            },
            xsd::DOUBLE,
        ),
        AnyValue::Float32(x) => typed(x.to_string(), xsd::DOUBLE),
        AnyValue::Int64(_) | AnyValue::Int32(_) | AnyValue::UInt32(_) | AnyValue::UInt64(_) => {
            typed(v.to_string(), xsd::INTEGER)
        }
        AnyValue::String(s) => Some(Literal::new_simple_literal(*s).into()),
        AnyValue::StringOwned(s) => Some(Literal::new_simple_literal(s.as_str()).into()),
        other => Some(Literal::new_simple_literal(other.to_string()).into()),
    }
}

/// The unit a row is about, from its `kind` and `unit` columns, or a `site_id`/`site` column.
fn about(df: &DataFrame, i: usize) -> Option<NamedNode> {
    let text = |name: &str| -> Option<String> {
        let c = df.column(name).ok()?;
        match c.get(i).ok()? {
            AnyValue::String(s) => Some(s.to_string()),
            AnyValue::StringOwned(s) => Some(s.to_string()),
            _ => None,
        }
    };
    if let (Some(kind), Some(unit)) = (text("kind"), text("unit"))
        && matches!(kind.as_str(), "site" | "company" | "country")
    {
        return Some(rdf::instance_iri(&kind, &[&unit]));
    }
    let site = text("site_id").or_else(|| text("site"))?;
    Some(rdf::instance_iri("site", &[&site]))
}

impl KnowledgeGraph {
    /// Writes a result table (`what`: `exposure`, `simulate`, `stress`, `mitigate`, ...) into
    /// its own named graph with the run's PROV-O lineage; returns the graph's IRI.
    pub fn write_back(
        &self,
        what: &str,
        df: &DataFrame,
        provenance: &Provenance,
    ) -> Result<String, StoreError> {
        let _writer = self.writer()?;
        let used = self.data_graphs()?;
        let mut csv = format!("{what}\n{provenance:?}\n");
        for i in 0..df.height() {
            for c in df.columns() {
                csv.push_str(&c.get(i).map(|v| v.to_string()).unwrap_or_default());
                csv.push(',');
            }
            csv.push('\n');
        }
        let sha = crate::hash::sha256_hex(csv.as_bytes());
        let name = format!("{}{what}/{}", result_prefix(), &sha[..16]);
        let g = NamedNode::new_unchecked(name.clone());
        let gn = GraphName::NamedNode(g.clone());
        let run = rdf::instance_iri("run", &[what, &sha[..16]]);
        let policy = rdf::instance_iri("policy", &[&provenance.policy_sha256]);
        let lit = |s: &str| Term::from(Literal::new_simple_literal(s));
        let q = |s: &NamedNode, p: NamedNode, o: Term| Quad::new(s.clone(), p, o, gn.clone());
        let now = Utc::now().to_rfc3339_opts(SecondsFormat::Micros, true);
        let mut quads = vec![
            q(&g, rdfv::TYPE.into_owned(), rdf::tw("Result").into()),
            q(&g, rdfv::TYPE.into_owned(), prov("Entity").into()),
            q(&g, prov("wasGeneratedBy"), run.clone().into()),
            q(
                &g,
                prov("generatedAtTime"),
                Literal::new_typed_literal(now, xsd::DATE_TIME).into(),
            ),
            q(&g, rdf::tw("analysis"), lit(what)),
            q(&run, rdfv::TYPE.into_owned(), prov("Activity").into()),
            q(&run, rdf::tw("analysis"), lit(what)),
            q(&run, prov("used"), policy.clone().into()),
            q(
                &policy,
                rdf::tw("policyVersion"),
                lit(&provenance.policy_version),
            ),
            q(&policy, rdf::tw("sha256"), lit(&provenance.policy_sha256)),
            q(&run, rdf::tw("asOf"), lit(&provenance.as_of)),
            q(
                &run,
                rdf::tw("loaderVersion"),
                lit(provenance.tierwise_version),
            ),
        ];
        if let Some(seed) = provenance.seed {
            quads.push(q(
                &run,
                rdf::tw("seed"),
                Literal::new_typed_literal(seed.to_string(), xsd::INTEGER).into(),
            ));
        }
        for u in used {
            quads.push(q(&run, prov("used"), u.into()));
        }
        let columns: Vec<NamedNode> = df
            .get_column_names()
            .iter()
            .map(|c| rdf::tw(&format!("result_{}", rdf::encode_segment(c))))
            .collect();
        for i in 0..df.height() {
            let row = NamedNode::new_unchecked(format!("{name}/{i}"));
            quads.push(q(
                &row,
                rdfv::TYPE.into_owned(),
                rdf::tw("ResultRow").into(),
            ));
            quads.push(q(&row, rdf::tw("inResult"), g.clone().into()));
            if let Some(unit) = about(df, i) {
                quads.push(q(&row, rdf::tw("about"), unit.into()));
            }
            for (c, p) in df.columns().iter().zip(&columns) {
                if let Some(t) = c.get(i).ok().as_ref().and_then(cell) {
                    quads.push(q(&row, p.clone(), t));
                }
            }
        }
        self.store.extend(quads)?;
        Ok(name)
    }
}
