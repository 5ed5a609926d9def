//! The typed quality gates of DESIGN 2.2, run on parsed tables: one module per gate, each
//! collecting every finding instead of stopping at the first.

mod coverage;
mod cycles;
mod groups;
mod keys;
mod ranges;
mod references;
mod signals;

use super::{Finding, LoadOptions, Origin, QualityReport};
use crate::model::Tables;
use crate::network::Network;

/// Runs every typed gate on `tables` (ranges, unique keys, references, share sums, cycles) and
/// collects the warnings. Rows are numbered as [`super::write_tables_csv`] writes them.
pub fn validate(tables: &Tables, options: &LoadOptions) -> QualityReport {
    validate_with(tables, options, &Origin::default())
}

/// [`validate`] with rows numbered, files named and broken tables skipped as `origin` says.
pub(crate) fn validate_with(
    tables: &Tables,
    options: &LoadOptions,
    origin: &Origin,
) -> QualityReport {
    validate_compiling(tables, options, origin).0
}

/// [`validate_with`], also giving the network the cycle gate compiled (when it has no
/// cycle), so that a caller need not compile it again.
pub(crate) fn validate_compiling(
    tables: &Tables,
    options: &LoadOptions,
    origin: &Origin,
) -> (QualityReport, Option<Network>) {
    let mut c = Ctx {
        origin,
        report: QualityReport::default(),
    };
    ranges::check(&mut c, tables);
    keys::check(&mut c, tables);
    references::check(&mut c, tables);
    groups::check(&mut c, tables);
    signals::check(&mut c, tables, options);
    // Only an acyclic network says anything about how far the mapping reaches.
    let net = cycles::check(&mut c, tables);
    if let Some(net) = &net {
        coverage::check(&mut c, tables, net);
    }
    (c.report, net)
}

/// What the gates share: where rows came from, and the findings so far.
struct Ctx<'o> {
    origin: &'o Origin,
    report: QualityReport,
}

impl Ctx<'_> {
    fn finding(
        &self,
        table: &'static str,
        i: usize,
        column: &str,
        value: String,
        message: String,
    ) -> Finding {
        let row = if self.origin.rowless {
            None
        } else {
            Some(
                self.origin
                    .rows
                    .get(table)
                    .and_then(|r| r.get(i).copied())
                    .unwrap_or(i as u64 + 2),
            )
        };
        Finding {
            table: table.to_string(),
            file: self.origin.files.get(table).cloned(),
            row,
            column: column.to_string(),
            value,
            message,
        }
    }

    fn error(
        &mut self,
        table: &'static str,
        i: usize,
        column: &str,
        value: impl ToString,
        message: impl Into<String>,
    ) {
        let f = self.finding(table, i, column, value.to_string(), message.into());
        self.report.errors.push(f);
    }

    fn warn(
        &mut self,
        table: &'static str,
        i: usize,
        column: &str,
        value: impl ToString,
        message: impl Into<String>,
    ) {
        let f = self.finding(table, i, column, value.to_string(), message.into());
        self.report.warnings.push(f);
    }
}
