//! Where an analysis's data comes from: one entry point that opens any source (a folder of
//! tables, an RDF file, a store made by `tierwise load`, a knowledge graph already open, or
//! the bundled demo data) under a policy and an `as_of` time into an [`Analysis`], together
//! with the provenance of its inputs. The CLI and the Python bindings both open data here.
//!
//! A folder of tables is checked and compiled straight into the network (the projection
//! through the store gives the identical network, tested), so a one-shot analysis does not
//! pay for building a knowledge graph.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::ingest::{Finding, IngestError, LoadOptions, RawTables};
use crate::model::TABLE_NAMES;
use crate::network::{Network, NetworkError};
use crate::progress::Progress;
use crate::risk::{Analysis, Policy, PolicyError};
use crate::store::{KnowledgeGraph, StoreError};
use polars::prelude::AnyValue;
use serde::Serialize;

/// Errors of opening a data source.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SourceError {
    #[error("{}: no such file or folder", path.display())]
    NotFound { path: PathBuf },
    #[error(
        "{} is neither a folder of tables (no sites.csv or sites.parquet) nor a store made by `tierwise load`",
        path.display()
    )]
    NotData { path: PathBuf },
    #[error("no store at {}", path.display())]
    NoStore { path: PathBuf },
    #[error("as_of {value:?}: {message}")]
    AsOf { value: String, message: String },
    #[error(transparent)]
    Policy(#[from] PolicyError),
    #[error(transparent)]
    Ingest(#[from] IngestError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Network(#[from] NetworkError),
}

/// One input file of the analysed data and the sha256 of its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InputFile {
    pub path: String,
    pub sha256: String,
}

impl InputFile {
    /// From (path, sha256) pairs, as in [`crate::ingest::CheckedTables::files`].
    pub fn from_pairs(files: &[(String, String)]) -> Vec<InputFile> {
        files
            .iter()
            .map(|(path, sha256)| InputFile {
                path: path.clone(),
                sha256: sha256.clone(),
            })
            .collect()
    }

    /// Every file of every load in a store (its provenance, [`KnowledgeGraph::loads`]), oldest
    /// load first; a file loaded twice is listed once.
    pub fn from_store(kg: &KnowledgeGraph) -> Result<Vec<InputFile>, StoreError> {
        let loads = kg.loads()?;
        let mut out: Vec<InputFile> = Vec::new();
        if loads.height() == 0 {
            return Ok(out);
        }
        let text = |name: &str, i: usize| -> String {
            loads
                .column(name)
                .ok()
                .and_then(|c| c.get(i).ok())
                .map(|v| match v {
                    AnyValue::String(s) => s.to_string(),
                    AnyValue::StringOwned(s) => s.to_string(),
                    other => other.to_string(),
                })
                .unwrap_or_default()
        };
        for i in 0..loads.height() {
            let f = InputFile {
                path: text("file", i),
                sha256: text("sha256", i),
            };
            if !out.contains(&f) {
                out.push(f);
            }
        }
        Ok(out)
    }
}

/// The policy and reference time an analysis runs under.
#[derive(Debug, Clone)]
pub struct Settings {
    pub policy: Arc<Policy>,
    /// The reference time for signal staleness.
    pub as_of: DateTime<Utc>,
}

impl Default for Settings {
    /// The shipped default policy, staleness judged now.
    fn default() -> Self {
        Settings {
            policy: Arc::new(Policy::default()),
            as_of: Utc::now(),
        }
    }
}

impl Settings {
    pub fn new(policy: Policy, as_of: DateTime<Utc>) -> Self {
        Settings {
            policy: Arc::new(policy),
            as_of,
        }
    }

    /// From what a user typed: a policy file (the shipped default when `None`) and an RFC 3339
    /// time (now when `None`).
    pub fn from_args(policy: Option<&Path>, as_of: Option<&str>) -> Result<Self, SourceError> {
        let policy = match policy {
            Some(p) => Policy::from_path(p)?,
            None => Policy::default(),
        };
        let as_of = match as_of {
            Some(t) => parse_time(t)?,
            None => Utc::now(),
        };
        Ok(Settings::new(policy, as_of))
    }

    /// The gates' options under this policy (its staleness threshold).
    pub fn load_options(&self) -> LoadOptions {
        self.policy.load_options()
    }
}

/// An RFC 3339 time, e.g. `2026-04-01T00:00:00Z`.
pub fn parse_time(text: &str) -> Result<DateTime<Utc>, SourceError> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.to_utc())
        .map_err(|e| SourceError::AsOf {
            value: text.to_string(),
            message: e.to_string(),
        })
}

/// A source of supply-chain data.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Source {
    /// The demo data bundled into the crate (`data/demo`).
    Demo,
    /// A folder of tables (CSV or Parquet).
    Tables(PathBuf),
    /// An RDF file in the tw: vocabulary (.ttl, .nt, .nq, .trig).
    Rdf(PathBuf),
    /// A store on disk made by `tierwise load`.
    Store(PathBuf),
    /// A knowledge graph that is already open.
    Graph(KnowledgeGraph),
}

/// An opened source: the analysis and where its data came from.
#[derive(Debug, Clone)]
pub struct Opened {
    pub analysis: Analysis,
    /// Every input file with its sha256 (for a store, from its load provenance).
    pub inputs: Vec<InputFile>,
    /// A description of the source for people, e.g. "the tables in data/demo".
    pub source: String,
    /// The gates' warnings, when the source was checked on opening (tables, RDF).
    pub warnings: Vec<Finding>,
}

impl Source {
    /// What a path holds: a store (a RocksDB folder), a folder of tables (it holds at least
    /// one table file), or an RDF file.
    pub fn detect(path: impl AsRef<Path>) -> Result<Source, SourceError> {
        let path = path.as_ref();
        if path.is_file() {
            return Ok(Source::Rdf(path.to_path_buf()));
        }
        if !path.is_dir() {
            return Err(SourceError::NotFound {
                path: path.to_path_buf(),
            });
        }
        if path.join("CURRENT").is_file() {
            return Ok(Source::Store(path.to_path_buf()));
        }
        let has_table = TABLE_NAMES.iter().any(|t| {
            ["csv", "parquet"]
                .iter()
                .any(|ext| path.join(format!("{t}.{ext}")).is_file())
        });
        if has_table {
            Ok(Source::Tables(path.to_path_buf()))
        } else {
            Err(SourceError::NotData {
                path: path.to_path_buf(),
            })
        }
    }

    /// A description for people (reports, logs).
    pub fn describe(&self) -> String {
        match self {
            Source::Demo => "the bundled demo data (data/demo)".into(),
            Source::Tables(p) => format!("the tables in {}", p.display()),
            Source::Rdf(p) => format!("the RDF file {}", p.display()),
            Source::Store(p) => format!("the store {}", p.display()),
            Source::Graph(kg) => match kg.path() {
                Some(p) => format!("the store {}", p.display()),
                None => "an in-memory knowledge graph".into(),
            },
        }
    }

    /// Reads, checks and compiles the source into an analysis under `settings`.
    pub fn open(&self, settings: &Settings) -> Result<Opened, SourceError> {
        self.open_with(settings, &Progress::new())
    }

    /// [`Source::open`], stopping when `progress` is cancelled while a store or RDF file is
    /// read or loaded (tables are checked whole: seconds even at 1M sites).
    pub fn open_with(
        &self,
        settings: &Settings,
        progress: &Progress,
    ) -> Result<Opened, SourceError> {
        let options = settings.load_options();
        let (net, inputs, warnings) = match self {
            Source::Demo => compile_tables(crate::datasets::demo::demo_raw_tables(), &options)?,
            Source::Tables(dir) => compile_tables(RawTables::read_dir(dir)?, &options)?,
            Source::Rdf(path) => {
                let kg = KnowledgeGraph::in_memory()?;
                let input = crate::store::Input::Rdf(path.clone(), None);
                let receipt = kg.load_one_with(input, &options, progress)?;
                let (net, inputs) = project(&kg, progress)?;
                (net, inputs, receipt.warnings)
            }
            Source::Store(path) => {
                let (net, inputs) = project(&open_store(path)?, progress)?;
                (net, inputs, Vec::new())
            }
            Source::Graph(kg) => {
                let (net, inputs) = project(kg, progress)?;
                (net, inputs, Vec::new())
            }
        };
        let analysis = Analysis::new(Arc::new(net), Arc::clone(&settings.policy), settings.as_of);
        Ok(Opened {
            analysis,
            inputs,
            source: self.describe(),
            warnings,
        })
    }
}

impl Source {
    /// The source as a knowledge graph, for what needs RDF (SPARQL, export): a store is opened,
    /// tables and RDF files are checked and loaded into a new in-memory graph.
    pub fn graph(&self, options: &LoadOptions) -> Result<KnowledgeGraph, SourceError> {
        Ok(match self {
            Source::Store(path) => open_store(path)?,
            Source::Graph(kg) => kg.clone(),
            Source::Demo => {
                let kg = KnowledgeGraph::in_memory()?;
                kg.load_raw(
                    crate::datasets::demo::demo_raw_tables(),
                    "data/demo",
                    options,
                )?;
                kg
            }
            Source::Tables(dir) => {
                let kg = KnowledgeGraph::in_memory()?;
                kg.load_tables(dir, options)?;
                kg
            }
            Source::Rdf(path) => {
                let kg = KnowledgeGraph::in_memory()?;
                kg.load_rdf(path, None, options)?;
                kg
            }
        })
    }
}

/// Opens an existing store; a missing folder is an error (opening would create an empty one).
pub fn open_store(path: &Path) -> Result<KnowledgeGraph, SourceError> {
    if !path.exists() {
        return Err(SourceError::NoStore {
            path: path.to_path_buf(),
        });
    }
    Ok(KnowledgeGraph::open(path)?)
}

type Compiled = (Network, Vec<InputFile>, Vec<Finding>);

fn compile_tables(raw: RawTables, options: &LoadOptions) -> Result<Compiled, SourceError> {
    let checked = raw.check(options)?;
    // The gates compiled the network already; a checked load has no cycle, so it is there.
    let net = match checked.network {
        Some(net) => *net,
        None => Network::compile(&checked.tables)?,
    };
    Ok((net, InputFile::from_pairs(&checked.files), checked.warnings))
}

fn project(
    kg: &KnowledgeGraph,
    progress: &Progress,
) -> Result<(Network, Vec<InputFile>), SourceError> {
    Ok((kg.network_with(progress)?, InputFile::from_store(kg)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_is_detected_by_what_it_holds() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        assert!(matches!(
            Source::detect(root.join("data/demo")),
            Ok(Source::Tables(_))
        ));
        assert!(matches!(
            Source::detect(root.join("data/ontology.ttl")),
            Ok(Source::Rdf(_))
        ));
        assert!(matches!(
            Source::detect(root.join("no/such/place")),
            Err(SourceError::NotFound { .. })
        ));
        assert!(matches!(
            Source::detect(root.join("docs")),
            Err(SourceError::NotData { .. })
        ));
    }

    #[test]
    fn settings_refuse_a_time_that_is_not_rfc_3339() {
        let e = Settings::from_args(None, Some("yesterday")).unwrap_err();
        assert!(e.to_string().starts_with("as_of \"yesterday\": "), "{e}");
        let s = Settings::from_args(None, Some("2026-04-01T00:00:00Z")).unwrap();
        assert_eq!(s.as_of.to_rfc3339(), "2026-04-01T00:00:00+00:00");
    }

    #[test]
    fn the_demo_opens_with_its_inputs_named() {
        let o = Source::Demo.open(&Settings::default()).unwrap();
        assert_eq!(o.analysis.network().sites().len(), 120);
        assert!(o.inputs.iter().any(|f| f.path.ends_with("sites.csv")));
        assert_eq!(o.source, "the bundled demo data (data/demo)");
    }
}
