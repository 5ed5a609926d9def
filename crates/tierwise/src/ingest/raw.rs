//! Untyped tables: every cell as an optional string, so that the gates can name the exact row,
//! column and value of every problem instead of stopping at a reader's first type error.
//! [`read_csv_table`] lends the same CSV reading to formats of their own (the Willems data).

use std::io::Cursor;
use std::path::Path;

use polars::prelude::*;

use super::Finding;
use super::csv::{self, CsvProblem};

/// A table as read: column names and, per column, one optional string per row.
#[derive(Debug, Clone)]
pub struct RawTable {
    pub name: String,
    pub file: Option<String>,
    pub columns: Vec<String>,
    /// Column-major cells; empty strings are already `None`.
    pub cells: Vec<Vec<Option<String>>>,
    pub n_rows: usize,
    /// Per row: the row of the file it was read from (1-based, header = row 1; blank lines
    /// and rows left out count). Empty when row `i` is row `i + 2`, as written.
    pub rows: Vec<u64>,
}

impl RawTable {
    /// Reads a CSV or Parquet file's bytes, by its extension (CSV unless `.parquet`).
    pub fn read(name: &str, path: &Path, bytes: &[u8]) -> (Option<Self>, Vec<Finding>) {
        if path.extension().is_some_and(|e| e == "parquet") {
            Self::read_parquet(name, path, bytes)
        } else {
            Self::read_csv(name, path, bytes)
        }
    }

    /// Reads CSV bytes (UTF-8 with or without a byte-order mark, LF or CRLF) with every column
    /// as a string. Every structural defect (encoding, empty file, an unclosed quote, rows
    /// with another number of fields than the header) is a finding naming its row and column;
    /// the table comes back whenever its header could be read, without the rows that do not
    /// fit it, so that the values of the others are checked too.
    pub fn read_csv(name: &str, path: &Path, bytes: &[u8]) -> (Option<Self>, Vec<Finding>) {
        let file = path.display().to_string();
        let read = csv::parse(bytes);
        let findings = read
            .problems
            .iter()
            .map(|p| csv_finding(name, &file, &read.header, p))
            .collect();
        if !read.has_header {
            return (None, findings);
        }
        let table = RawTable {
            name: name.to_string(),
            file: Some(file),
            columns: read.header,
            n_rows: read.rows.len(),
            cells: read.cells,
            rows: read.rows,
        };
        (Some(table), findings)
    }

    /// Reads Parquet bytes; typed columns are turned into their string form.
    pub fn read_parquet(name: &str, path: &Path, bytes: &[u8]) -> (Option<Self>, Vec<Finding>) {
        let file = path.display().to_string();
        let whole = |message: String| Finding::table_level(name, Some(file.clone()), message);
        // Parquet files start and end with the magic number PAR1.
        let problem = if bytes.is_empty() {
            Some("the file is empty: expected a Parquet file".to_string())
        } else if !(bytes.starts_with(b"PAR1") && bytes.ends_with(b"PAR1") && bytes.len() >= 12) {
            Some("not a Parquet file (it does not start and end with PAR1)".to_string())
        } else {
            None
        };
        if let Some(message) = problem {
            return (None, vec![whole(message)]);
        }
        let read = std::panic::catch_unwind(|| ParquetReader::new(Cursor::new(bytes)).finish());
        match read {
            Ok(Ok(df)) => match Self::from_dataframe(name, Some(file.clone()), &df) {
                Ok(t) => (Some(t), Vec::new()),
                Err(f) => (None, vec![*f]),
            },
            Ok(Err(e)) => (None, vec![whole(format!("damaged Parquet file: {e}"))]),
            Err(_) => (
                None,
                vec![whole(
                    "damaged Parquet file: its metadata cannot be read".into(),
                )],
            ),
        }
    }

    /// Takes a polars DataFrame as a table.
    pub fn from_dataframe(
        name: &str,
        file: Option<String>,
        df: &DataFrame,
    ) -> Result<Self, Box<Finding>> {
        let mut columns = Vec::with_capacity(df.width());
        let mut cells = Vec::with_capacity(df.width());
        for col in df.columns() {
            let cname = col.name().to_string();
            let as_str = col.cast(&DataType::String).map_err(|e| {
                Box::new(Finding {
                    table: name.to_string(),
                    file: file.clone(),
                    row: None,
                    column: cname.clone(),
                    value: String::new(),
                    message: format!("column of type {} cannot be read: {e}", col.dtype()),
                })
            })?;
            let ca = as_str
                .str()
                .expect("a column cast to String is a string column");
            let values: Vec<Option<String>> = ca
                .iter()
                .map(|v| v.filter(|s| !s.trim().is_empty()).map(str::to_string))
                .collect();
            columns.push(cname.trim().to_string());
            cells.push(values);
        }
        Ok(RawTable {
            name: name.to_string(),
            file,
            columns,
            n_rows: df.height(),
            cells,
            rows: Vec::new(),
        })
    }

    /// The row of the source (1-based, header = row 1) that record `i` was read from.
    pub fn row_of(&self, i: usize) -> u64 {
        self.rows.get(i).copied().unwrap_or(i as u64 + 2)
    }

    /// The index of a column by name.
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }
}

/// A CSV problem as a finding of table `name`, its column named from the header.
fn csv_finding(name: &str, file: &str, header: &[String], p: &CsvProblem) -> Finding {
    let whole_file = matches!(p, CsvProblem::Empty | CsvProblem::Utf16);
    Finding {
        table: name.to_string(),
        file: Some(file.to_string()),
        row: (!whole_file).then(|| p.row()),
        column: p
            .field()
            .and_then(|f| header.get(f))
            .cloned()
            .unwrap_or_default(),
        value: String::new(),
        message: p.to_string(),
    }
}

/// Reads a CSV file of a format of its own (the Willems data) strictly: the table and the row
/// of each record, or the first structural problem.
pub(crate) fn read_csv_table(
    name: &str,
    path: &Path,
    bytes: &[u8],
) -> Result<RawTable, CsvProblem> {
    let read = csv::parse(bytes);
    if let Some(p) = read.problems.into_iter().next() {
        return Err(p);
    }
    Ok(RawTable {
        name: name.to_string(),
        file: Some(path.display().to_string()),
        columns: read.header,
        n_rows: read.rows.len(),
        cells: read.cells,
        rows: read.rows,
    })
}
