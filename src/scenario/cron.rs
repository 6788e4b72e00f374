//! Cron expressions of a scenario (cron arrivals, schedule rules): parsed,
//! refused when they can never fire (an impossible date, a calendar past
//! what croner computes) and warned about when they do not fire inside the
//! window, so that neither is a silent run.

use chrono::{DateTime, Datelike, TimeDelta, Utc};
use chrono_tz::Tz;

use super::raw::S;
use super::validate::Ctx;
use crate::model::next_firing;
use crate::text::parse_cron;

/// How far past a window to look for the next firing, to tell a schedule
/// that fires later from one that never does: every date that exists comes
/// back within 8 years (29 February skips 2100).
const LOOK_PAST_DAYS: i64 = 8 * 366;

/// `text` as a cron expression, or `None` and an issue when it is not one
/// or can never fire. One that fires, but not in `window` (both ends
/// included, on the wall clock of their time zone), is kept with a warning; `consequence` says what that means
/// ("this workload brings no runs").
pub(super) fn cron_firing_in(
    cx: &mut Ctx,
    text: &S<String>,
    key: &str,
    window: (DateTime<Tz>, DateTime<Tz>),
    consequence: &str,
) -> Option<croner::Cron> {
    let cron = parse_cron(text.get_ref())
        .map_err(|e| cx.issue(Some(text), key, e))
        .ok()?;
    let (from, until) = window;
    if next_firing(&cron, from, true, until).is_some() {
        return Some(cron);
    }
    let zone = from.timezone();
    let fmt = |t: DateTime<Tz>| format!("{} {zone}", t.format("%Y-%m-%d %H:%M"));
    let never = format!(
        "{:?} never fires between {} and {}",
        text.get_ref(),
        fmt(from),
        fmt(until)
    );
    if until.year() >= croner::YEAR_UPPER_LIMIT {
        cx.issue(Some(text), key, format!(
            "{never}: cron schedules are computed up to the year {} only; set [simulation] start earlier",
            croner::YEAR_UPPER_LIMIT
        ));
        return None;
    }
    let later = until
        .checked_add_signed(TimeDelta::days(LOOK_PAST_DAYS))
        .unwrap_or_else(|| DateTime::<Utc>::MAX_UTC.with_timezone(&zone));
    match next_firing(&cron, until, false, later) {
        Some(t) => {
            cx.warnings.push(format!(
                "{key}: {never} (it fires next at {}), so {consequence}; lengthen [simulation] horizon or move [simulation] start if that is not meant",
                fmt(t)
            ));
            Some(cron)
        }
        None => {
            cx.issue(Some(text), key, format!(
                "{never} nor in the 8 years after, so it never fires at all; check that its day exists in its month (there is no 30 February, no 31 April)"
            ));
            None
        }
    }
}
