//! Reading the input tables of DESIGN 2.1 (CSV or Parquet through polars, or polars DataFrames)
//! and the quality gates of DESIGN 2.2.
//!
//! A load either passes every gate or is refused with *all* its violations at once; warnings
//! come back as data ([`QualityReport::warnings`]), never as prints.

mod columns;
mod csv;
mod gates;
mod iso;
mod parse;
mod raw;
mod write;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use polars::prelude::DataFrame;

pub(crate) use csv::CsvProblem;
pub use gates::validate;
pub(crate) use gates::validate_with;
pub use iso::is_country_code;
pub(crate) use parse::{Origin, normalize_time};
pub use raw::RawTable;
pub(crate) use raw::read_csv_table;
pub use write::write_tables_csv;

use crate::model::{TABLE_NAMES, Tables};
use crate::network::Network;

/// One problem found in the input: which table (and file), row (1-based, header = row 1),
/// column and value, and a plain message.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Finding {
    pub table: String,
    /// The file the table came from, when it came from a file.
    pub file: Option<String>,
    /// 1-based row number counting the header as row 1; `None` for table-level findings and
    /// for data without rows (RDF), where `subject` names the resource instead.
    pub row: Option<u64>,
    pub column: String,
    pub value: String,
    pub message: String,
}

impl Finding {
    /// A finding about a whole table or file (no row, column or value).
    pub fn table_level(table: &str, file: Option<String>, message: String) -> Self {
        Finding {
            table: table.to_string(),
            file,
            row: None,
            column: String::new(),
            value: String::new(),
            message,
        }
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.file {
            Some(file) => write!(f, "{file}")?,
            None => write!(f, "{}", self.table)?,
        }
        if let Some(row) = self.row {
            write!(f, ", row {row}")?;
        }
        if !self.column.is_empty() {
            write!(f, ", column {}", self.column)?;
        }
        if !self.value.is_empty() {
            write!(f, ", value {:?}", self.value)?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Everything the quality gates found in one load.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QualityReport {
    /// Violations: any one of them refuses the load.
    pub errors: Vec<Finding>,
    /// Warnings (unmapped depth, single source, shares below 1, stale signals, unknown
    /// columns, supply nobody consumes): the load goes on.
    pub warnings: Vec<Finding>,
}

impl QualityReport {
    /// Adds the findings of another report (e.g. of another input of one load).
    pub fn merge(&mut self, other: QualityReport) {
        self.errors.extend(other.errors);
        self.warnings.extend(other.warnings);
    }

    pub fn is_ok(&self) -> bool {
        self.errors.is_empty()
    }

    /// The report as a polars DataFrame with columns severity, table, file, row, column, value,
    /// message (errors first).
    pub fn to_dataframe(&self) -> DataFrame {
        findings_frame(&self.errors, &self.warnings)
    }
}

/// Findings as a table: severity, table, file, row, column, value, message (errors first).
pub fn findings_frame(errors: &[Finding], warnings: &[Finding]) -> DataFrame {
    use polars::prelude::*;
    let all: Vec<(&str, &Finding)> = errors
        .iter()
        .map(|f| ("error", f))
        .chain(warnings.iter().map(|f| ("warning", f)))
        .collect();
    let text = |name: &str, get: &dyn Fn(&Finding) -> Option<String>| {
        Column::new(
            name.into(),
            all.iter().map(|(_, f)| get(f)).collect::<Vec<_>>(),
        )
    };
    DataFrame::new_infer_height(vec![
        Column::new(
            "severity".into(),
            all.iter().map(|(s, _)| *s).collect::<Vec<_>>(),
        ),
        text("table", &|f| Some(f.table.clone())),
        text("file", &|f| f.file.clone()),
        Column::new(
            "row".into(),
            all.iter().map(|(_, f)| f.row).collect::<Vec<_>>(),
        ),
        text("column", &|f| Some(f.column.clone())),
        text("value", &|f| Some(f.value.clone())),
        text("message", &|f| Some(f.message.clone())),
    ])
    .expect("columns of one report have equal lengths")
}

impl fmt::Display for QualityReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} error(s), {} warning(s)",
            self.errors.len(),
            self.warnings.len()
        )?;
        for e in &self.errors {
            writeln!(f, "  error: {e}")?;
        }
        for w in &self.warnings {
            writeln!(f, "  warning: {w}")?;
        }
        Ok(())
    }
}

/// Settings of a load that come from the scoring policy.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct LoadOptions {
    /// Signals older than this many days (relative to `now`) are reported as stale.
    pub stale_after_days: f64,
    /// The reference time for staleness; the wall clock when `None`.
    pub now: Option<chrono::DateTime<chrono::Utc>>,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            stale_after_days: 180.0,
            now: None,
        }
    }
}

impl LoadOptions {
    pub fn with_stale_after_days(mut self, days: f64) -> Self {
        self.stale_after_days = days;
        self
    }

    pub fn with_now(mut self, now: chrono::DateTime<chrono::Utc>) -> Self {
        self.now = Some(now);
        self
    }
}

/// Errors of reading and checking input tables.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IngestError {
    /// The data failed the quality gates; the report holds every violation (and the warnings).
    #[error("the data failed the quality gates: {0}")]
    DataQuality(Box<QualityReport>),
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// A checked load: the tables, the warnings, and each input file with its sha256.
#[derive(Debug, Clone)]
pub struct CheckedTables {
    pub tables: Tables,
    pub warnings: Vec<Finding>,
    /// (path, sha256 hex) of every file read, in table order.
    pub files: Vec<(String, String)>,
    /// The network the gates compiled from `tables` (the one [`Network::compile`] gives).
    pub network: Option<Box<Network>>,
}

/// The raw (untyped) tables of one load, with their sources.
#[derive(Debug, Clone, Default)]
pub struct RawTables {
    pub tables: BTreeMap<String, RawTable>,
    pub files: Vec<(String, String)>,
    /// Problems found while reading (unreadable files, ambiguous or missing tables).
    pub findings: Vec<Finding>,
}

impl RawTables {
    /// Reads `DIR/{table}.csv` or `DIR/{table}.parquet` for every table of DESIGN 2.1. A
    /// folder that does not exist, a missing required table, two files for one table and
    /// every structural defect of a file are findings, refused by [`RawTables::check`]
    /// together with every other violation.
    pub fn read_dir(dir: &Path) -> Result<Self, IngestError> {
        let mut out = RawTables::default();
        match std::fs::metadata(dir) {
            Ok(meta) if meta.is_dir() => {}
            Ok(_) => {
                out.findings
                    .push(missing_input(dir, "expected a folder of tables"));
                return Ok(out);
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                out.findings
                    .push(missing_input(dir, "no such file or folder"));
                return Ok(out);
            }
            Err(source) => {
                return Err(IngestError::Io {
                    path: dir.to_path_buf(),
                    source,
                });
            }
        }
        for (i, name) in TABLE_NAMES.iter().enumerate() {
            let csv = dir.join(format!("{name}.csv"));
            let parquet = dir.join(format!("{name}.parquet"));
            let path = match (csv.is_file(), parquet.is_file()) {
                (true, true) => {
                    out.findings.push(Finding::table_level(
                        name,
                        Some(csv.display().to_string()),
                        format!("both {name}.csv and {name}.parquet exist; keep one of them"),
                    ));
                    continue;
                }
                (true, false) => csv,
                (false, true) => parquet,
                (false, false) => {
                    if i < crate::model::REQUIRED_TABLES {
                        out.findings.push(Finding::table_level(
                            name,
                            Some(dir.display().to_string()),
                            format!(
                                "required table {name} is missing: expected {name}.csv or {name}.parquet"
                            ),
                        ));
                    }
                    continue;
                }
            };
            match std::fs::read(&path) {
                Ok(bytes) => out.add_file(name, &path, &bytes),
                Err(e) => out.findings.push(Finding::table_level(
                    name,
                    Some(path.display().to_string()),
                    format!("cannot read the file: {e}"),
                )),
            }
        }
        Ok(out)
    }

    /// Adds (or replaces) table `name` read from a file's bytes, CSV or Parquet by the
    /// extension of `path`, with the file's sha256; its structural defects become findings.
    pub fn add_file(&mut self, name: &str, path: &Path, bytes: &[u8]) {
        self.files
            .push((path.display().to_string(), crate::hash::sha256_hex(bytes)));
        let (table, findings) = RawTable::read(name, path, bytes);
        if let Some(t) = table {
            self.tables.insert(name.to_string(), t);
        }
        self.findings.extend(findings);
    }

    /// Tables given as polars DataFrames, keyed by table name (the Python `load_tables(dict)`).
    pub fn from_dataframes<'a>(frames: impl IntoIterator<Item = (&'a str, &'a DataFrame)>) -> Self {
        let mut out = RawTables::default();
        for (name, df) in frames {
            if !TABLE_NAMES.contains(&name) {
                out.findings.push(Finding {
                    table: name.to_string(),
                    file: None,
                    row: None,
                    column: String::new(),
                    value: String::new(),
                    message: format!(
                        "unknown table {name:?}; expected one of {}",
                        TABLE_NAMES.join(", ")
                    ),
                });
                continue;
            }
            match RawTable::from_dataframe(name, None, df) {
                Ok(t) => {
                    out.tables.insert(name.to_string(), t);
                }
                Err(f) => out.findings.push(*f),
            }
        }
        for name in &TABLE_NAMES[..crate::model::REQUIRED_TABLES] {
            if !out.tables.contains_key(*name) && !out.findings.iter().any(|f| f.table == *name) {
                out.findings.push(Finding::table_level(
                    name,
                    None,
                    format!("required table {name} is missing"),
                ));
            }
        }
        out
    }

    /// Parses and checks the raw tables: every violation at once, or the typed tables.
    pub fn check(self, options: &LoadOptions) -> Result<CheckedTables, IngestError> {
        let RawTables {
            tables: raw,
            files,
            findings,
        } = self;
        let (tables, mut origin, mut report) = parse::parse(raw);
        origin
            .broken
            .extend(findings.iter().map(|f| f.table.clone()));
        let mut errors = findings;
        errors.append(&mut report.errors);
        // The typed gates number rows through `origin`, which keeps the source row of every
        // record that parsed.
        let (mut checked, network) = gates::validate_compiling(&tables, options, &origin);
        errors.append(&mut checked.errors);
        report.warnings.append(&mut checked.warnings);
        report.warnings.sort();
        if !errors.is_empty() {
            errors.sort();
            errors.dedup();
            return Err(IngestError::DataQuality(Box::new(QualityReport {
                errors,
                warnings: report.warnings,
            })));
        }
        Ok(CheckedTables {
            tables,
            warnings: report.warnings,
            files,
            network: network.map(Box::new),
        })
    }
}

/// A finding about an input path itself (it does not exist, or is not what it should be).
pub(crate) fn missing_input(path: &Path, message: &str) -> Finding {
    Finding::table_level(
        "input",
        Some(path.display().to_string()),
        message.to_string(),
    )
}

/// Reads and checks a folder of tables (CSV or Parquet, one file per table).
pub fn read_tables_dir(dir: &Path, options: &LoadOptions) -> Result<CheckedTables, IngestError> {
    RawTables::read_dir(dir)?.check(options)
}
