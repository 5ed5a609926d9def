//! The HTML every section shares: escaping, and numbers and tables read from the report's
//! result tables, each cell tagged with `data-cell="table:row:column"`.

use std::fmt::Write as _;

use polars::prelude::*;

use crate::report::{ReportError, ReportTable, format_cell, format_number};

/// Escapes text for HTML content and attribute values.
pub(in crate::report) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// The first `k` of `n` rows.
pub(super) fn first(n: usize, k: usize) -> Vec<usize> {
    (0..n.min(k)).collect()
}

/// A note in place of something there is none of.
pub(super) fn none(text: &str) -> String {
    format!("<p class=\"none\">{}</p>", escape(text))
}

/// Column values of a report table.
pub(super) struct View<'a> {
    pub(super) tables: &'a [ReportTable],
}

impl<'a> View<'a> {
    pub(super) fn table(&self, name: &str) -> Result<&'a ReportTable, ReportError> {
        self.tables
            .iter()
            .find(|t| t.name == name)
            .ok_or_else(|| ReportError::Table {
                table: name.to_string(),
                message: "no such table".into(),
            })
    }

    pub(super) fn value(
        &self,
        table: &str,
        row: usize,
        col: &str,
    ) -> Result<AnyValue<'a>, ReportError> {
        let t = self.table(table)?;
        t.frame
            .column(col)
            .and_then(|c| c.get(row))
            .map_err(|e| ReportError::Table {
                table: table.to_string(),
                message: e.to_string(),
            })
    }

    pub(super) fn f64(&self, table: &str, row: usize, col: &str) -> Result<f64, ReportError> {
        Ok(match self.value(table, row, col)? {
            AnyValue::Float64(x) => x,
            AnyValue::UInt32(x) => x as f64,
            AnyValue::UInt64(x) => x as f64,
            AnyValue::Int64(x) => x as f64,
            AnyValue::Int32(x) => x as f64,
            _ => f64::NAN,
        })
    }

    pub(super) fn text(&self, table: &str, row: usize, col: &str) -> Result<String, ReportError> {
        Ok(format_cell(&self.value(table, row, col)?))
    }

    /// Whether a boolean cell is true.
    pub(super) fn flag(&self, table: &str, row: usize, col: &str) -> Result<bool, ReportError> {
        Ok(matches!(
            self.value(table, row, col)?,
            AnyValue::Boolean(true)
        ))
    }

    /// The rows of a table whose boolean column is true.
    pub(super) fn rows_where(&self, table: &str, col: &str) -> Result<Vec<usize>, ReportError> {
        Ok((0..self.height(table)?)
            .filter(|&r| self.flag(table, r, col).is_ok_and(|b| b))
            .collect())
    }

    pub(super) fn height(&self, table: &str) -> Result<usize, ReportError> {
        Ok(self.table(table)?.frame.height())
    }

    /// A traceable number (or text) from a table, as an inline element.
    pub(super) fn cell(
        &self,
        tag: &str,
        table: &str,
        row: usize,
        col: &str,
    ) -> Result<String, ReportError> {
        self.cell_class(tag, "", table, row, col)
    }

    pub(super) fn cell_class(
        &self,
        tag: &str,
        class: &str,
        table: &str,
        row: usize,
        col: &str,
    ) -> Result<String, ReportError> {
        let class = if class.is_empty() {
            String::new()
        } else {
            format!(" class=\"{class}\"")
        };
        Ok(format!(
            "<{tag}{class} data-cell=\"{table}:{row}:{col}\">{}</{tag}>",
            escape(&self.text(table, row, col)?)
        ))
    }

    fn is_numeric(&self, table: &str, col: &str) -> Result<bool, ReportError> {
        let t = self.table(table)?;
        let dt = t
            .frame
            .column(col)
            .map_err(|e| ReportError::Table {
                table: table.to_string(),
                message: e.to_string(),
            })?
            .dtype()
            .clone();
        Ok(dt.is_primitive_numeric())
    }

    /// An HTML table of the given rows and columns of a report table.
    pub(super) fn html_table(
        &self,
        table: &str,
        cols: &[&str],
        rows: &[usize],
        total_row: Option<usize>,
    ) -> Result<String, ReportError> {
        let t = self.table(table)?;
        let numeric: Vec<bool> = cols
            .iter()
            .map(|c| self.is_numeric(table, c))
            .collect::<Result<_, _>>()?;
        let mut s = String::new();
        let _ = write!(
            s,
            "<div class=\"table-wrap\"><table data-table=\"{table}\"><caption>{} shown; all {} rows in <code>{table}.parquet</code> / <code>{table}.csv</code></caption><thead><tr>",
            format_number(rows.len() as f64),
            format_number(t.frame.height() as f64),
        );
        for (c, &num) in cols.iter().zip(&numeric) {
            let _ = write!(
                s,
                "<th{}>{}</th>",
                if num { " class=\"num\"" } else { "" },
                escape(&c.replace('_', " "))
            );
        }
        s.push_str("</tr></thead><tbody>");
        for &r in rows {
            let total = total_row == Some(r);
            let _ = write!(s, "<tr{}>", if total { " class=\"total\"" } else { "" });
            for (c, &num) in cols.iter().zip(&numeric) {
                let class = if num {
                    " class=\"num\""
                } else if matches!(*c, "products" | "note") {
                    " class=\"wrap\""
                } else {
                    ""
                };
                let _ = write!(
                    s,
                    "<td{class} data-cell=\"{table}:{r}:{c}\">{}</td>",
                    escape(&self.text(table, r, c)?)
                );
            }
            s.push_str("</tr>");
        }
        s.push_str("</tbody></table></div>");
        Ok(s)
    }

    /// [`View::html_table`] of the given rows, or the note `empty` when there are none.
    pub(super) fn table_or_none(
        &self,
        table: &str,
        cols: &[&str],
        rows: &[usize],
        empty: &str,
    ) -> Result<String, ReportError> {
        if rows.is_empty() {
            Ok(none(empty))
        } else {
            self.html_table(table, cols, rows, None)
        }
    }
}

/// A table of cells written by the page itself (nothing from a result table): `head` is the
/// header row's cells, each row its cells.
pub(super) fn plain_table(head: &str, rows: impl Iterator<Item = String>) -> String {
    let mut s = format!("<div class=\"table-wrap\"><table><thead><tr>{head}</tr></thead><tbody>");
    for row in rows {
        let _ = write!(s, "<tr>{row}</tr>");
    }
    s.push_str("</tbody></table></div>");
    s
}
