//! Numbers as people read them, shared by the report page and the mitigation proposals'
//! texts.

/// Formats a number for the page: integers (and anything of magnitude 1,000 or more, rounded)
/// with thousands separators, otherwise four significant digits; tiny values in scientific
/// notation, infinity as `∞`.
pub fn format_number(x: f64) -> String {
    if x.is_nan() {
        return "NaN".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "∞".into() } else { "-∞".into() };
    }
    if x == 0.0 {
        return "0".into();
    }
    let ax = x.abs();
    if ax >= 1e15 {
        return format!("{x:.3e}");
    }
    if ax < 1e-3 {
        return format!("{x:.2e}");
    }
    if ax < 999.5 {
        let decimals = (3 - ax.log10().floor() as i32).max(0) as usize;
        let s = format!("{x:.decimals$}");
        let s = if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        };
        if s != "1000" && s != "-1000" {
            return if s == "-0" { "0".into() } else { s };
        }
    }
    group_thousands(x.round() as i64)
}

pub(crate) fn group_thousands(v: i64) -> String {
    let digits = v.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if v < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
