//! The CSV reader of the input tables (RFC 4180: comma-separated, `"` quotes fields, `""` is
//! a quote inside a quoted field, quoted fields may hold commas and line breaks; LF or CRLF;
//! UTF-8 with or without a byte-order mark).
//!
//! It is our own rather than polars' so that every structural defect is found, all at once,
//! with the row (the line a record starts on, header = 1, blank lines skipped but counted) and
//! the field it is in: a reader that stops at the first bad row, renames a duplicate header
//! name or answers in its own words leaves the user to guess. Records with another number of
//! fields than the header are reported and left out; the other records are kept, so that
//! their values are still checked.

use std::fmt;

/// At most this many records with a wrong number of fields are reported one by one (a file
/// with another delimiter would give one per line); the rest are counted.
const MAX_ROW_LENGTH_REPORTS: usize = 50;

/// A structural defect of a CSV file. `field` is 0-based, `row` 1-based (header = 1).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub(crate) enum CsvProblem {
    /// Bytes that are not UTF-8; the file is read with them replaced (U+FFFD).
    NotUtf8 { row: u64, field: usize, byte: u8 },
    /// A UTF-16 byte-order mark: the file is not read.
    Utf16,
    /// Nothing but white space: no header row.
    Empty,
    /// A quoted field runs to the end of the file; `row` is where its record starts.
    UnclosedQuote { row: u64 },
    /// Text between a closing quote and the next comma or line end.
    TextAfterQuote { row: u64, field: usize },
    /// A record with another number of fields than the header.
    RowLength {
        row: u64,
        expected: usize,
        found: usize,
    },
    /// More records with a wrong number of fields than are reported one by one.
    MoreRowLengths { count: usize, first_row: u64 },
}

impl CsvProblem {
    /// The row (1-based, header = row 1) of the problem; 1 for a problem of the whole file.
    pub(crate) fn row(&self) -> u64 {
        match self {
            CsvProblem::NotUtf8 { row, .. }
            | CsvProblem::UnclosedQuote { row }
            | CsvProblem::TextAfterQuote { row, .. }
            | CsvProblem::RowLength { row, .. }
            | CsvProblem::MoreRowLengths { first_row: row, .. } => *row,
            CsvProblem::Utf16 | CsvProblem::Empty => 1,
        }
    }

    /// The field (0-based) the problem is in, when it is in one.
    pub(crate) fn field(&self) -> Option<usize> {
        match self {
            CsvProblem::NotUtf8 { field, .. } | CsvProblem::TextAfterQuote { field, .. } => {
                Some(*field)
            }
            CsvProblem::RowLength {
                expected, found, ..
            } if found < expected => Some(*found),
            _ => None,
        }
    }
}

impl fmt::Display for CsvProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CsvProblem::NotUtf8 { byte, .. } => write!(
                f,
                "not UTF-8 text (byte 0x{byte:02X}, e.g. Latin-1 or Windows-1252): save the file as UTF-8"
            ),
            CsvProblem::Utf16 => write!(f, "UTF-16 text: save the file as UTF-8"),
            CsvProblem::Empty => write!(f, "the file is empty: expected a header row"),
            CsvProblem::UnclosedQuote { .. } => {
                write!(f, "a quoted field is not closed before the end of the file")
            }
            CsvProblem::TextAfterQuote { .. } => write!(
                f,
                "text after the closing quote of a field (a quote inside a quoted field is written \"\")"
            ),
            CsvProblem::RowLength {
                expected, found, ..
            } => write!(f, "{found} fields, but the header has {expected}"),
            CsvProblem::MoreRowLengths { count, .. } => write!(
                f,
                "{count} more rows have another number of fields than the header"
            ),
        }
    }
}

/// A CSV file as read: the header, the records that have as many fields as the header, and
/// every problem.
#[derive(Debug, Default)]
pub(crate) struct Csv {
    /// The header's names, trimmed.
    pub header: Vec<String>,
    /// Column-major cells of the kept records; empty (or blank) cells are `None`.
    pub cells: Vec<Vec<Option<String>>>,
    /// Per kept record: the line it starts on.
    pub rows: Vec<u64>,
    pub problems: Vec<CsvProblem>,
    /// False when no header could be read (empty file, UTF-16, an unclosed quote in it).
    pub has_header: bool,
}

/// Reads CSV bytes; never fails: what is wrong is in [`Csv::problems`].
pub(crate) fn parse(bytes: &[u8]) -> Csv {
    let mut out = Csv::default();
    let bytes = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        out.problems.push(CsvProblem::Utf16);
        return out;
    }
    let (text, bad) = match std::str::from_utf8(bytes) {
        Ok(t) => (std::borrow::Cow::Borrowed(t), None),
        Err(e) => (
            String::from_utf8_lossy(bytes),
            Some((e.valid_up_to(), bytes[e.valid_up_to()])),
        ),
    };
    if text.trim().is_empty() {
        out.problems.push(CsvProblem::Empty);
        return out;
    }
    let mut reader = Reader {
        b: text.as_bytes(),
        i: 0,
        line: 1,
        bad,
    };
    let mut more = (0usize, 0u64);
    while let Some(record) = reader.record(&mut out.problems) {
        out.take(record, &mut more);
    }
    if more.0 > 0 {
        out.problems.push(CsvProblem::MoreRowLengths {
            count: more.0,
            first_row: more.1,
        });
    }
    out
}

/// One record: the line it starts on and its fields.
struct Record {
    row: u64,
    fields: Vec<String>,
}

impl Csv {
    /// Takes the header or a record; `more` counts (and notes the first of) the records with a
    /// wrong length beyond those reported.
    fn take(&mut self, record: Record, more: &mut (usize, u64)) {
        if !self.has_header {
            self.has_header = true;
            // Empty and repeated names are kept as written: the gates name them.
            self.header = record.fields.iter().map(|f| f.trim().to_string()).collect();
            self.cells = vec![Vec::new(); self.header.len()];
            return;
        }
        if record.fields.len() != self.header.len() {
            let reported = self
                .problems
                .iter()
                .filter(|p| matches!(p, CsvProblem::RowLength { .. }))
                .count();
            if reported < MAX_ROW_LENGTH_REPORTS {
                self.problems.push(CsvProblem::RowLength {
                    row: record.row,
                    expected: self.header.len(),
                    found: record.fields.len(),
                });
            } else {
                if more.0 == 0 {
                    more.1 = record.row;
                }
                more.0 += 1;
            }
            return;
        }
        for (column, value) in self.cells.iter_mut().zip(record.fields) {
            column.push((!value.trim().is_empty()).then_some(value));
        }
        self.rows.push(record.row);
    }
}

struct Reader<'a> {
    b: &'a [u8],
    i: usize,
    line: u64,
    /// The offset and value of the first byte that was not UTF-8, until it is reported.
    bad: Option<(usize, u8)>,
}

impl Reader<'_> {
    /// The next record, skipping blank lines; `None` at the end of the text.
    fn record(&mut self, problems: &mut Vec<CsvProblem>) -> Option<Record> {
        self.skip_blank_lines();
        if self.i >= self.b.len() {
            return None;
        }
        let row = self.line;
        let mut fields = Vec::new();
        loop {
            let start = self.i;
            let field = if self.b.get(self.i) == Some(&b'"') {
                match self.quoted(row, fields.len(), problems) {
                    Some(f) => f,
                    None => {
                        problems.push(CsvProblem::UnclosedQuote { row });
                        self.i = self.b.len();
                        return None;
                    }
                }
            } else {
                self.unquoted()
            };
            self.note_bad(start, fields.len(), problems);
            fields.push(field);
            match self.b.get(self.i) {
                Some(b',') => self.i += 1,
                Some(b'\n') => {
                    self.i += 1;
                    self.line += 1;
                    break;
                }
                _ => break,
            }
        }
        Some(Record { row, fields })
    }

    fn skip_blank_lines(&mut self) {
        while self.i < self.b.len() {
            let end = self.b[self.i..]
                .iter()
                .position(|&c| c == b'\n')
                .map_or(self.b.len(), |p| self.i + p);
            if !self.b[self.i..end].iter().all(u8::is_ascii_whitespace) {
                return;
            }
            self.i = (end + 1).min(self.b.len());
            if end < self.b.len() {
                self.line += 1;
            }
        }
    }

    /// A field that does not start with a quote: up to the next comma or line end (a CR
    /// before the line end is not part of it); quotes inside are text.
    fn unquoted(&mut self) -> String {
        let start = self.i;
        let len = self.b[start..]
            .iter()
            .position(|&c| c == b',' || c == b'\n')
            .unwrap_or(self.b.len() - start);
        self.i = start + len;
        let mut end = self.i;
        if end > start && self.b[end - 1] == b'\r' {
            end -= 1;
        }
        text(&self.b[start..end])
    }

    /// A quoted field, from its opening quote; `None` when it is not closed. Text after the
    /// closing quote is reported and kept.
    fn quoted(&mut self, row: u64, field: usize, problems: &mut Vec<CsvProblem>) -> Option<String> {
        let mut value = Vec::new();
        self.i += 1;
        loop {
            match *self.b.get(self.i)? {
                b'"' if self.b.get(self.i + 1) == Some(&b'"') => {
                    value.push(b'"');
                    self.i += 2;
                }
                b'"' => {
                    self.i += 1;
                    break;
                }
                c => {
                    if c == b'\n' {
                        self.line += 1;
                    }
                    value.push(c);
                    self.i += 1;
                }
            }
        }
        if self.b.get(self.i) == Some(&b'\r') && self.b.get(self.i + 1) == Some(&b'\n') {
            self.i += 1;
        }
        if !matches!(self.b.get(self.i), None | Some(b',' | b'\n')) {
            problems.push(CsvProblem::TextAfterQuote { row, field });
            let rest = self.unquoted();
            value.extend_from_slice(rest.as_bytes());
        }
        Some(text(&value))
    }

    /// Reports the first byte that was not UTF-8 once the field holding it is read.
    fn note_bad(&mut self, start: usize, field: usize, problems: &mut Vec<CsvProblem>) {
        if let Some((at, byte)) = self.bad
            && at < self.i.max(start + 1)
        {
            let row = 1 + self.b[..at].iter().filter(|&&c| c == b'\n').count() as u64;
            problems.push(CsvProblem::NotUtf8 { row, field, byte });
            self.bad = None;
        }
    }
}

/// Bytes cut from UTF-8 text at ASCII delimiters, which are UTF-8 themselves.
fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Csv {
        parse(text.as_bytes())
    }

    #[test]
    fn quotes_commas_line_breaks_and_crlf() {
        let c = read("a,b\r\n\"x,1\",\"say \"\"hi\"\"\"\r\n\n\"two\nlines\",3\r\n");
        assert_eq!(c.header, ["a", "b"]);
        assert_eq!(
            c.cells[0],
            [Some("x,1".to_string()), Some("two\nlines".to_string())]
        );
        assert_eq!(
            c.cells[1],
            [Some("say \"hi\"".to_string()), Some("3".to_string())]
        );
        // Line 3 is blank; the record on line 4 spans lines 4 and 5.
        assert_eq!(c.rows, [2, 4]);
        assert!(c.problems.is_empty());
    }

    #[test]
    fn every_ragged_row_is_reported_and_left_out() {
        let c = read("a,b,c\n1,2,3\n1,2,3,4\n1,2\n5,6,7");
        assert_eq!(c.rows, [2, 5]);
        assert_eq!(
            c.problems,
            [
                CsvProblem::RowLength {
                    row: 3,
                    expected: 3,
                    found: 4
                },
                CsvProblem::RowLength {
                    row: 4,
                    expected: 3,
                    found: 2
                },
            ]
        );
        // Too few fields: the first missing one is named.
        assert_eq!(c.problems[1].field(), Some(2));
    }

    #[test]
    fn empty_and_duplicate_header_names_are_kept_as_written() {
        let c = read("id, name ,,name\n1,2,3,4\n");
        assert_eq!(c.header, ["id", "name", "", "name"]);
        assert!(c.problems.is_empty());
    }

    #[test]
    fn a_byte_that_is_not_utf8_is_placed() {
        let c = parse(b"id,name\n1,ok\n2,M\xfcller\n");
        assert_eq!(
            c.problems,
            [CsvProblem::NotUtf8 {
                row: 3,
                field: 1,
                byte: 0xFC
            }]
        );
        assert_eq!(c.cells[1][1].as_deref(), Some("M\u{FFFD}ller"));
    }

    #[test]
    fn whole_file_problems() {
        assert_eq!(read(" \n\r\n").problems, [CsvProblem::Empty]);
        assert_eq!(parse(b"\xFF\xFEa\0").problems, [CsvProblem::Utf16]);
        assert_eq!(
            read("a\n1\n\"open\n2\n").problems,
            [CsvProblem::UnclosedQuote { row: 3 }]
        );
        let c = read("a,b\n\"x\"y,2\n");
        assert_eq!(
            c.problems,
            [CsvProblem::TextAfterQuote { row: 2, field: 0 }]
        );
        // A header alone is an empty table, not a defect; a BOM is dropped.
        let c = parse(b"\xEF\xBB\xBFa,b\n");
        assert_eq!((c.header.len(), c.rows.len(), c.problems.len()), (2, 0, 0));
    }

    #[test]
    fn many_ragged_rows_are_counted_past_the_reported_ones() {
        let text = format!("a,b\n{}", "1\n".repeat(60));
        let c = read(&text);
        assert_eq!(c.problems.len(), MAX_ROW_LENGTH_REPORTS + 1);
        assert_eq!(
            c.problems.last(),
            Some(&CsvProblem::MoreRowLengths {
                count: 10,
                first_row: 52
            })
        );
    }
}
