//! Untyped tables: every cell as an optional string, so that the gates can name the exact row,
//! column and value of every problem instead of stopping at a reader's first type error.

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
    pub fn from_csv_bytes(
        name: &str,
        path: &Path,
        mut bytes: Vec<u8>,
    ) -> Result<Self, Box<Finding>> {
        if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
            bytes.drain(..3);
        }
        let file = path.display().to_string();
        let fail =
            |message: String| Box::new(Finding::table_level(name, Some(file.clone()), message));
        if let Err(e) = std::str::from_utf8(&bytes) {
            let line = 1 + bytes[..e.valid_up_to()]
                .iter()
                .filter(|&&b| b == b'\n')
                .count();
            return Err(fail(format!(
                "not UTF-8 text (first bad byte on line {line})"
            )));
        }
        if bytes.iter().all(|b| b.is_ascii_whitespace()) {
            return Err(fail("the file is empty: expected a header row".into()));
        }
        let df = CsvReadOptions::default()
            .with_has_header(true)
            .with_infer_schema_length(Some(0))
            .with_raise_if_empty(true)
            .into_reader_with_file_handle(Cursor::new(bytes))
            .finish()
            .map_err(|e| fail(format!("cannot parse CSV: {e}")))?;
        Self::from_dataframe(name, Some(file.clone()), &df)
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
