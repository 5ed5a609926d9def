//! Gate: signals older than the policy's `stale_after_days` are warned about.

use super::Ctx;
use crate::ingest::LoadOptions;
use crate::model::Tables;

pub(super) fn check(c: &mut Ctx<'_>, t: &Tables, options: &LoadOptions) {
    let now = options.now.unwrap_or_else(chrono::Utc::now);
    for (i, s) in t.signals.iter().enumerate() {
        if let Ok(at) = chrono::DateTime::parse_from_rfc3339(&s.observed_at) {
            let age = (now - at.with_timezone(&chrono::Utc)).num_seconds() as f64 / 86_400.0;
            if age > options.stale_after_days {
                c.warn(
                    "signals",
                    i,
                    "observed_at",
                    &s.observed_at,
                    format!(
                        "stale signal: observed {age:.0} days ago, more than the policy's stale_after_days ({})",
                        options.stale_after_days
                    ),
                );
            }
        }
    }
}
