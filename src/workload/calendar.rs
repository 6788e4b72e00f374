//! The simulation calendar: simulated ticks anchored to a UTC instant, so
//! that hours of the day, weekdays and cron schedules mean something.
//! All calendar times are UTC (no daylight-saving shifts).

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, SubsecRound, TimeDelta, Timelike, Utc};

use crate::units::{SimTime, TICKS_PER_SECOND};

/// Seconds in a week.
const WEEK_S: u64 = 7 * 86_400;

/// Maps simulated time to calendar time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Calendar {
    start: DateTime<Utc>,
    /// Seconds from Monday 00:00 to `start`.
    week_offset_s: u64,
}

impl Calendar {
    /// The calendar whose time 0 is `start`.
    pub fn new(start: DateTime<Utc>) -> Calendar {
        let week_offset_s = u64::from(start.weekday().num_days_from_monday()) * 86_400
            + u64::from(start.num_seconds_from_midnight());
        Calendar {
            start,
            week_offset_s,
        }
    }

    /// The default anchor, Monday 2025-01-06 00:00 UTC.
    pub fn default_start() -> DateTime<Utc> {
        DateTime::from_timestamp(1_736_121_600, 0).expect("a valid timestamp")
    }

    /// Time 0 as a calendar instant.
    pub fn start(&self) -> DateTime<Utc> {
        self.start
    }

    /// `(weekday from Monday = 0, hour of day)` at `t`.
    ///
    /// ```
    /// use poolcast::workload::Calendar;
    /// use poolcast::units::{SimTime, SimDuration};
    /// let c = Calendar::new(Calendar::default_start()); // a Monday, 00:00
    /// let t = SimTime::ZERO + SimDuration::from_secs(86_400 + 21 * 3600 + 59);
    /// assert_eq!(c.weekday_hour(t), (1, 21)); // Tuesday 21:00:59
    /// ```
    pub fn weekday_hour(&self, t: SimTime) -> (usize, usize) {
        let s = (self.week_offset_s + t.0 / TICKS_PER_SECOND) % WEEK_S;
        ((s / 86_400) as usize, ((s % 86_400) / 3600) as usize)
    }

    /// `(weekday from Monday = 0, minute of the day)` at `t`.
    pub fn weekday_minute(&self, t: SimTime) -> (usize, u32) {
        let s = (self.week_offset_s + t.0 / TICKS_PER_SECOND) % WEEK_S;
        ((s / 86_400) as usize, ((s % 86_400) / 60) as u32)
    }

    /// The calendar instant of `t`.
    pub fn datetime(&self, t: SimTime) -> DateTime<Utc> {
        let delta = TimeDelta::microseconds(t.0.min(i64::MAX as u64) as i64);
        // Horizons are validated to a century; saturate rather than panic.
        self.start
            .checked_add_signed(delta)
            .unwrap_or(DateTime::<Utc>::MAX_UTC)
    }

    /// The simulated time of `at`, or `None` when it is before the start.
    pub fn sim_time(&self, at: DateTime<Utc>) -> Option<SimTime> {
        let delta = at.signed_duration_since(self.start).num_microseconds()?;
        u64::try_from(delta).ok().map(SimTime)
    }
}

/// Whether every date field of `cron` (month, day of month and weekday,
/// year) matches `day`, with croner's own rules (`L`, `W`, `#`, and day of
/// month or weekday).
fn day_matches(cron: &croner::Cron, day: NaiveDate) -> bool {
    let p = &cron.pattern;
    let weekday = croner::Weekday::from_days_from_sunday(day.weekday().num_days_from_sunday());
    p.year_match(day.year()).unwrap_or(false)
        && p.month_match(day.month()).unwrap_or(false)
        && p.day_match(day.year(), day.month(), day.day(), weekday)
            .unwrap_or(false)
}

/// The earliest and the latest time of day at which `cron` fires on a day
/// that matches (its smallest and largest hour, minute and second); `None`
/// for a pattern with an empty field, which croner does not build. Found
/// by testing values from either end, so `*` fields cost one test each.
fn day_bounds(cron: &croner::Cron) -> Option<(NaiveTime, NaiveTime)> {
    let p = &cron.pattern;
    let first = |n: u32, ok: &dyn Fn(u32) -> bool| (0..n).find(|v| ok(*v));
    let last = |n: u32, ok: &dyn Fn(u32) -> bool| (0..n).rev().find(|v| ok(*v));
    let hour = |v| p.hour_match(v).unwrap_or(false);
    let minute = |v| p.minute_match(v).unwrap_or(false);
    let second = |v| p.second_match(v).unwrap_or(false);
    Some((
        NaiveTime::from_hms_opt(first(24, &hour)?, first(60, &minute)?, first(60, &second)?)?,
        NaiveTime::from_hms_opt(last(24, &hour)?, last(60, &minute)?, last(60, &second)?)?,
    ))
}

/// The first firing of `cron` in `[from, until]` (`(from, until]` when not
/// `inclusive`), or `None` when it does not fire there.
///
/// The work is bounded by the days between `from` and `until`: one date test
/// per day, then one search within the day that fires. croner's own search
/// looks as far as the year 5000 (about 16 ms) for a schedule that never
/// fires again, so every search of a simulation goes through this instead.
///
/// ```
/// use chrono::{TimeDelta, TimeZone, Utc};
/// use poolcast::workload::next_firing;
/// let cron = poolcast::text::parse_cron("0 21 * * *").unwrap();
/// let from = Utc.with_ymd_and_hms(2025, 1, 6, 21, 0, 0).unwrap();
/// let week = from + TimeDelta::days(7);
/// assert_eq!(next_firing(&cron, from, true, week), Some(from));
/// assert_eq!(next_firing(&cron, from, false, week), Some(from + TimeDelta::days(1)));
/// let never = poolcast::text::parse_cron("0 0 31 2 *").unwrap();
/// assert_eq!(next_firing(&never, from, true, week), None);
/// ```
pub fn next_firing(
    cron: &croner::Cron,
    from: DateTime<Utc>,
    inclusive: bool,
    until: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    // croner works in whole seconds and drops fractions, so a fractional or
    // exclusive start becomes the next whole second, searched inclusively.
    let whole = from.trunc_subsecs(0);
    let from = if whole == from && inclusive {
        from
    } else {
        whole.checked_add_signed(TimeDelta::seconds(1))?
    };
    let (_, latest) = day_bounds(cron)?;
    let mut day = from.date_naive();
    while day <= until.date_naive() {
        let cursor = if day == from.date_naive() {
            from
        } else {
            day.and_time(NaiveTime::MIN).and_utc()
        };
        // A matching day whose last firing is not before the cursor holds
        // the answer, so croner's search ends within this day.
        if cursor.time() <= latest && day_matches(cron, day) {
            return cron
                .find_next_occurrence(&cursor, true)
                .ok()
                .filter(|t| *t <= until);
        }
        day = day.succ_opt()?;
    }
    None
}

/// The last firing of `cron` in `[since, before)`, or `None`: the mirror of
/// [`next_firing`], bounded by the days between the two.
///
/// ```
/// use chrono::{TimeDelta, TimeZone, Utc};
/// use poolcast::workload::previous_firing;
/// let cron = poolcast::text::parse_cron("0 20 * * 5").unwrap(); // Fridays 20:00
/// let monday = Utc.with_ymd_and_hms(2025, 1, 6, 0, 0, 0).unwrap();
/// let friday = Utc.with_ymd_and_hms(2025, 1, 3, 20, 0, 0).unwrap();
/// assert_eq!(previous_firing(&cron, monday, monday - TimeDelta::days(28)), Some(friday));
/// assert_eq!(previous_firing(&cron, monday, monday - TimeDelta::days(2)), None);
/// ```
pub fn previous_firing(
    cron: &croner::Cron,
    before: DateTime<Utc>,
    since: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    // The latest whole second before `before`.
    let whole = before.trunc_subsecs(0);
    let before = if whole == before {
        whole.checked_sub_signed(TimeDelta::seconds(1))?
    } else {
        whole
    };
    let (earliest, _) = day_bounds(cron)?;
    let mut day = before.date_naive();
    while day >= since.date_naive() {
        let cursor = if day == before.date_naive() {
            before
        } else {
            day.and_hms_opt(23, 59, 59)?.and_utc()
        };
        if cursor.time() >= earliest && day_matches(cron, day) {
            return cron
                .find_previous_occurrence(&cursor, true)
                .ok()
                .filter(|t| *t >= since);
        }
        day = day.pred_opt()?;
    }
    None
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::text::parse_cron;

    fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
    }

    /// The bounded search agrees with croner's own on every kind of field,
    /// from starts on, between and just after firings.
    #[test]
    fn next_firing_agrees_with_croner() {
        let until = at(2200, 1, 1, 0, 0);
        for text in [
            "* * * * *",
            "*/15 9-17 * * 1-5",
            "0 21 * * *",
            "30 2 * * 1-5",
            "0 0 1 * *",
            "0 0 29 2 *",
            "0 12 L * *",
            "0 8 * * 5#2",
            "59 23 31 12 *",
            "0 0 15 * 1",
        ] {
            let cron = parse_cron(text).unwrap();
            let mut from = at(2025, 1, 6, 0, 0);
            for _ in 0..50 {
                let want = cron.find_next_occurrence(&from, false).unwrap();
                if want > until {
                    assert_eq!(next_firing(&cron, from, false, until), None);
                    break;
                }
                assert_eq!(
                    next_firing(&cron, from, false, until),
                    Some(want),
                    "{text} after {from}"
                );
                assert_eq!(
                    next_firing(&cron, want, true, until),
                    Some(want),
                    "{text} at {want}"
                );
                let back = cron.find_previous_occurrence(&want, false).unwrap();
                assert_eq!(
                    previous_firing(&cron, want, at(2000, 1, 1, 0, 0)),
                    Some(back),
                    "{text} before {want}"
                );
                from = want + TimeDelta::seconds(17);
            }
        }
    }

    /// A fractional start is never answered with an earlier whole second.
    #[test]
    fn next_firing_never_answers_before_the_start() {
        let cron = parse_cron("* * * * *").unwrap();
        let from = at(2025, 1, 6, 10, 0) + TimeDelta::microseconds(5);
        assert_eq!(
            next_firing(&cron, from, true, at(2025, 1, 7, 0, 0)),
            Some(at(2025, 1, 6, 10, 1))
        );
    }

    /// Schedules that never fire, or not before the bound, end the search
    /// at the bound: a century of days, not a walk to the year 5000.
    #[test]
    fn next_firing_stops_at_the_bound() {
        let from = at(2025, 1, 6, 0, 0);
        let century = from + TimeDelta::days(36_500);
        for text in ["0 0 31 2 *", "0 0 30 2 *", "0 0 31 4,6,9,11 *"] {
            assert_eq!(
                next_firing(&parse_cron(text).unwrap(), from, true, century),
                None
            );
        }
        let yearly = parse_cron("0 0 1 1 *").unwrap();
        assert_eq!(
            next_firing(&yearly, from, true, at(2025, 12, 31, 23, 59)),
            None
        );
        assert_eq!(
            next_firing(&yearly, from, true, at(2026, 1, 1, 0, 0)),
            Some(at(2026, 1, 1, 0, 0))
        );
        let far = at(5001, 1, 1, 0, 0);
        let daily = parse_cron("0 21 * * *").unwrap();
        assert_eq!(
            next_firing(&daily, far, true, far + TimeDelta::days(7)),
            None
        );
    }
}
