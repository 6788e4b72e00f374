//! Parsing of the unit strings that scenarios, traces and exports share:
//! durations (`"90s"`, `"1h30m"`, `"7d"`), rates (`"30/h"`, `"0.5/min"`,
//! `"200/d"`) and cron expressions. A low module (beside `units`) so that
//! readers of files (`runs`) and the scenario need not import each other;
//! it knows nothing of where the text came from: callers add the location.

use crate::units::{Rate, SimDuration};

/// Text that is not a valid duration, rate or cron expression: what is
/// wrong and how to write it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct TextError(String);

impl From<TextError> for String {
    /// The message, for callers that collect problems as text.
    fn from(e: TextError) -> String {
        e.0
    }
}

/// `n` and the noun, in the plural unless `n` is 1: "1 replication",
/// "20 replications".
///
/// ```
/// assert_eq!(poolcast::text::counted(1u32, "replication"), "1 replication");
/// assert_eq!(poolcast::text::counted(4u32, "count change"), "4 count changes");
/// ```
pub fn counted(n: impl Into<u64>, noun: &str) -> String {
    let n = n.into();
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}

/// `a`, `a and b`, `a, b and c`.
///
/// ```
/// use poolcast::text::and_list;
/// assert_eq!(and_list(&["a".into(), "b".into(), "c".into()]), "a, b and c");
/// assert_eq!(and_list(&["a".into()]), "a");
/// ```
pub fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// Parses a duration such as `"90s"`, `"6m"`, `"1h30m"` or `"7d"`.
///
/// ```
/// use poolcast::text::parse_duration;
/// assert_eq!(parse_duration("1h30m").unwrap().as_secs_f64(), 5400.0);
/// assert!(parse_duration("ten minutes").is_err());
/// ```
pub fn parse_duration(text: &str) -> Result<SimDuration, TextError> {
    let d = humantime::parse_duration(text.trim())
        .or_else(|e| exact_decimal(text.trim()).ok_or(e))
        .map_err(|e| {
            TextError(format!(
                "invalid duration {text:?} ({e}); write it like \"90s\", \"6m\", \"1h30m\" or \"7d\""
            ))
        })?;
    let ticks = d
        .as_micros()
        .try_into()
        .map_err(|_| TextError(format!("duration {text:?} is too long")))?;
    Ok(SimDuration(ticks))
}

/// `text` as parts such as `"0.992d"` or `"1.5h 0.25m"` (a decimal number
/// and a unit `humantime` knows), when each is a whole number of
/// nanoseconds: `humantime` refuses some of those as imprecise
/// (`"0.992d"` is exactly 85,708.8 s). `None` for anything else.
fn exact_decimal(text: &str) -> Option<std::time::Duration> {
    let mut nanos: u128 = 0;
    let mut rest = text;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let number_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (number, tail) = rest.split_at(number_end);
        let unit_end = tail.find(|c: char| c.is_whitespace() || c.is_ascii_digit());
        let (unit, tail) = tail.split_at(unit_end.unwrap_or(tail.len()));
        let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
        if whole.is_empty() && fraction.is_empty() || fraction.len() > 30 {
            return None;
        }
        let unit_nanos = humantime::parse_duration(&format!("1{unit}"))
            .ok()?
            .as_nanos();
        let scale = 10u128.pow(fraction.len() as u32);
        let digits: u128 = format!("{whole}{fraction}").parse().ok()?;
        let part = digits.checked_mul(unit_nanos)?;
        if part % scale != 0 {
            return None;
        }
        nanos = nanos.checked_add(part / scale)?;
        rest = tail.trim_start();
    }
    let secs = u64::try_from(nanos / 1_000_000_000).ok()?;
    Some(std::time::Duration::new(
        secs,
        (nanos % 1_000_000_000) as u32,
    ))
}

/// Parses a rate such as `"30/h"`, `"0.5/min"`, `"200/d"` or `"3/2h"`.
///
/// ```
/// use poolcast::text::parse_rate;
/// assert_eq!(parse_rate("30/h").unwrap().as_per_hour(), 30.0);
/// assert!((parse_rate("200/d").unwrap().as_per_hour() - 200.0 / 24.0).abs() < 1e-12);
/// ```
pub fn parse_rate(text: &str) -> Result<Rate, TextError> {
    let help = || {
        TextError(format!(
            "invalid rate {text:?}; write a count per time unit such as \"30/h\", \"0.5/min\" or \"200/d\""
        ))
    };
    let (count, per) = text.split_once('/').ok_or_else(help)?;
    let count: f64 = count.trim().parse().map_err(|_| help())?;
    let per = per.trim();
    let starts_with_digit = per.starts_with(|c: char| c.is_ascii_digit());
    let per = if starts_with_digit {
        per.to_string()
    } else {
        format!("1{per}")
    };
    let span = humantime::parse_duration(&per).map_err(|_| help())?;
    if !(count.is_finite() && count > 0.0) {
        return Err(TextError(format!(
            "rate {text:?} must be a positive number of tasks per time unit"
        )));
    }
    if span.is_zero() {
        return Err(help());
    }
    Ok(Rate::per_second(count / span.as_secs_f64()))
}

/// Parses a five-field cron expression as `az acr task create --schedule`
/// takes it: minute, hour, day of month, month, day of week (read on the scenario's wall clock,
/// `[simulation] timezone`).
///
/// ```
/// use poolcast::text::parse_cron;
/// assert!(parse_cron("0 21 * * *").is_ok());
/// assert!(parse_cron("*/15 9-17 * * 1-5").is_ok());
/// assert!(parse_cron("0 0 21 * * *").is_err()); // six fields
/// ```
pub fn parse_cron(text: &str) -> Result<croner::Cron, TextError> {
    let fields = text.split_whitespace().count();
    if fields != 5 {
        return Err(TextError(format!(
            "{text:?} has {fields} fields; ACR takes five: minute hour day-of-month month day-of-week, e.g. \"0 21 * * *\""
        )));
    }
    text.parse::<croner::Cron>().map_err(|e| {
        TextError(format!("{text:?} is not a valid cron expression ({e}); write five fields: minute hour day-of-month month day-of-week, e.g. \"*/15 9-17 * * 1-5\""))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_duration_accepts_design_examples() {
        for (text, secs) in [
            ("90s", 90.0),
            ("6m", 360.0),
            ("1h30m", 5400.0),
            ("7d", 604_800.0),
        ] {
            assert_eq!(parse_duration(text).unwrap().as_secs_f64(), secs, "{text}");
        }
        assert!(parse_duration("-5m").is_err());
        // Exact in nanoseconds, though humantime finds them imprecise.
        assert_eq!(parse_duration("0.992d").unwrap().0, 85_708_800_000);
        assert_eq!(parse_duration("1.001d").unwrap().0, 86_486_400_000);
        assert_eq!(parse_duration("1.5h 0.25m").unwrap().as_secs_f64(), 5415.0);
        for bad in ["0.1234567890123ns", "1.5", ".d", "1.5x", "1..5d"] {
            assert!(parse_duration(bad).is_err(), "{bad} should be refused");
        }
        assert!(parse_duration("").is_err());
    }

    #[test]
    fn parse_rate_accepts_design_examples() {
        assert!((parse_rate("0.5/min").unwrap().as_per_hour() - 30.0).abs() < 1e-9);
        assert!((parse_rate("3/2h").unwrap().as_per_hour() - 1.5).abs() < 1e-12);
        for bad in ["30", "0/h", "-1/h", "x/h", "30/fortnight", "NaN/h", "inf/h"] {
            assert!(parse_rate(bad).is_err(), "{bad} should be rejected");
        }
    }
}
