//! Untyped tables: every cell as an optional string, so that the gates can name the exact row,
//! column and value of every problem instead of stopping at a reader's first type error.
//! [`read_csv_frame`] lends the same CSV reading to formats of their own (the Willems data),
//! with the row each record starts on.

use std::fmt;
use std::io::Cursor;
use std::path::Path;

use polars::prelude::*;

use super::Finding;

/// A table as read: column names and, per column, one optional string per row.
#[derive(Debug, Clone)]
pub struct RawTable {
    pub name: String,
    pub file: Option<String>,
    pub columns: Vec<String>,
    /// Column-major cells; empty strings are already `None`.
    pub cells: Vec<Vec<Option<String>>>,
    pub n_rows: usize,
}

impl RawTable {
    /// Reads CSV bytes (UTF-8 with or without a byte-order mark, LF or CRLF) with every column
    /// as a string.
    pub fn from_csv_bytes(name: &str, path: &Path, bytes: Vec<u8>) -> Result<Self, Box<Finding>> {
        let file = path.display().to_string();
        let df = csv_text(bytes).and_then(csv_frame).map_err(|problem| {
            Box::new(Finding::table_level(
                name,
                Some(file.clone()),
                problem.to_string(),
            ))
        })?;
        Self::from_dataframe(name, Some(file), &df)
    }

    /// Reads Parquet bytes; typed columns are turned into their string form.
    pub fn from_parquet_bytes(
        name: &str,
        path: &Path,
        bytes: Vec<u8>,
    ) -> Result<Self, Box<Finding>> {
        let file = path.display().to_string();
        let df = ParquetReader::new(Cursor::new(bytes))
            .finish()
            .map_err(|e| {
                Box::new(Finding::table_level(
                    name,
                    Some(file.clone()),
                    format!("cannot read Parquet: {e}"),
                ))
            })?;
        Self::from_dataframe(name, Some(file), &df)
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
        })
    }

    /// The index of a column by name.
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }
}

/// Why CSV bytes could not be read as a table of strings.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum CsvProblem {
    /// Not UTF-8 text; `line` holds the first bad byte.
    NotUtf8 { line: u64 },
    /// Nothing but white space: no header row.
    Empty,
    /// A quoted field runs to the end of the file; `row` is where its record starts.
    UnclosedQuote { row: u64 },
    /// A record with another number of fields than the header.
    RowLength {
        row: u64,
        expected: usize,
        found: usize,
    },
    /// The CSV reader refused the text.
    Parse(String),
}

impl CsvProblem {
    /// The row (1-based, header = row 1) of the problem; 1 for a problem of the whole file.
    pub(crate) fn row(&self) -> u64 {
        match self {
            CsvProblem::NotUtf8 { line } => *line,
            CsvProblem::UnclosedQuote { row } | CsvProblem::RowLength { row, .. } => *row,
            CsvProblem::Empty | CsvProblem::Parse(_) => 1,
        }
    }
}

impl fmt::Display for CsvProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CsvProblem::NotUtf8 { line } => {
                write!(f, "not UTF-8 text (first bad byte on line {line})")
            }
            CsvProblem::Empty => write!(f, "the file is empty: expected a header row"),
            CsvProblem::UnclosedQuote { .. } => {
                write!(f, "a quoted field is not closed before the end of the file")
            }
            CsvProblem::RowLength {
                expected, found, ..
            } => write!(f, "{found} fields, but the header has {expected}"),
            CsvProblem::Parse(e) => write!(f, "cannot parse CSV: {e}"),
        }
    }
}

/// A CSV file as a DataFrame of string columns, with the row each record starts on.
pub(crate) struct CsvFrame {
    pub df: DataFrame,
    /// Per record of `df`: the line it starts on (1-based, header = line 1; blank lines are
    /// skipped but counted).
    pub rows: Vec<u64>,
}

/// Reads CSV bytes like [`RawTable::from_csv_bytes`], and beyond it requires every record to
/// have as many fields as the header and finds the line each record starts on, so that a
/// reader of its own format can name the exact row of every bad value.
pub(crate) fn read_csv_frame(bytes: Vec<u8>) -> Result<CsvFrame, CsvProblem> {
    let records = split_records(&csv_text(bytes)?)?;
    let df = csv_frame(records.kept)?;
    if df.height() != records.rows.len() {
        return Err(CsvProblem::Parse(format!(
            "{} records read, {} expected",
            df.height(),
            records.rows.len()
        )));
    }
    Ok(CsvFrame {
        df,
        rows: records.rows,
    })
}

/// Drops a byte-order mark and refuses bytes that are not UTF-8 or hold no header row.
fn csv_text(mut bytes: Vec<u8>) -> Result<Vec<u8>, CsvProblem> {
    if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        bytes.drain(..3);
    }
    if let Err(e) = std::str::from_utf8(&bytes) {
        let line = 1 + bytes[..e.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count() as u64;
        return Err(CsvProblem::NotUtf8 { line });
    }
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(CsvProblem::Empty);
    }
    Ok(bytes)
}

/// Parses CSV text with a header row, every column as a string.
fn csv_frame(text: Vec<u8>) -> Result<DataFrame, CsvProblem> {
    CsvReadOptions::default()
        .with_has_header(true)
        .with_infer_schema_length(Some(0))
        .with_raise_if_empty(true)
        .into_reader_with_file_handle(Cursor::new(text))
        .finish()
        .map_err(|e| CsvProblem::Parse(e.to_string()))
}

/// The records of CSV text, found by [`split_records`].
#[derive(Default)]
struct Records {
    /// The text without its blank lines, which polars would read as records of empty fields.
    kept: Vec<u8>,
    /// Per data record: the line it starts on.
    rows: Vec<u64>,
    /// The number of fields of the header, once read.
    header: Option<usize>,
}

impl Records {
    /// Takes the record `text` that starts on line `line` and has `fields` fields.
    fn push(&mut self, text: &[u8], line: u64, fields: usize) -> Result<(), CsvProblem> {
        match self.header {
            None => self.header = Some(fields),
            Some(expected) if expected != fields => {
                return Err(CsvProblem::RowLength {
                    row: line,
                    expected,
                    found: fields,
                });
            }
            Some(_) => self.rows.push(line),
        }
        self.kept.extend_from_slice(text);
        Ok(())
    }
}

/// Splits CSV text into records, skipping blank lines, and checks that every record has as
/// many fields as the header. Quotes only toggle the quoted state: a doubled quote inside a
/// quoted field toggles it twice.
fn split_records(text: &[u8]) -> Result<Records, CsvProblem> {
    let mut records = Records::default();
    let (mut line, mut start_line, mut start, mut fields) = (1u64, 1u64, 0usize, 1usize);
    let (mut quoted, mut blank) = (false, true);
    for (i, &b) in text.iter().enumerate() {
        match b {
            b'"' => quoted = !quoted,
            b',' if !quoted => fields += 1,
            b'\n' => {
                line += 1;
                if !quoted {
                    if !blank {
                        records.push(&text[start..=i], start_line, fields)?;
                    }
                    (start_line, start, fields, blank) = (line, i + 1, 1, true);
                }
                continue;
            }
            b'\r' => continue,
            _ => {}
        }
        blank = false;
    }
    if quoted {
        return Err(CsvProblem::UnclosedQuote { row: start_line });
    }
    if !blank {
        records.push(&text[start..], start_line, fields)?;
    }
    Ok(records)
}
