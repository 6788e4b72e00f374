//! The simulation calendar: simulated ticks anchored to an instant, read on
//! the wall clock of the scenario's time zone, so that hours of the day,
//! weekdays and cron schedules mean what they mean to the team. The clock
//! of the simulation counts seconds from the start and never jumps; only
//! the wall-clock reading of it follows the zone's daylight-saving changes.

use chrono::{
    DateTime, Datelike, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, Offset, SubsecRound,
    TimeDelta, TimeZone, Utc,
};
use chrono_tz::Tz;

use crate::units::{SimTime, TICKS_PER_SECOND};

/// Seconds in a day.
const DAY_S: i64 = 86_400;

/// Days after the start searched for the zone's first offset change: the
/// offset until then is kept, so that the hot paths (a profile's stream
/// and the hourly tallies read the hour of every run) need no look-up in
/// the zone's rules.
const STEADY_DAYS: i64 = 400;

/// Maps simulated time to calendar time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Calendar {
    start: DateTime<Utc>,
    /// Whole seconds from the Unix epoch to `start`.
    start_s: i64,
    zone: Tz,
    /// The zone's offset at the start (seconds), in force until the epoch
    /// second `steady_until_s` (excluded).
    steady_offset_s: i32,
    steady_until_s: i64,
}

impl Calendar {
    /// The calendar whose time 0 is the instant `start`, read in `zone`.
    pub fn new(start: DateTime<Utc>, zone: Tz) -> Calendar {
        let start_s = start.timestamp();
        let offset = |s: i64| offset_at(zone, s);
        let steady_offset_s = offset(start_s);
        // Offsets last months: a daily scan finds the day of the first
        // change, and halving that day finds its second. UTC never changes.
        let day = (1..=STEADY_DAYS)
            .map(|d| start_s.saturating_add(d * DAY_S))
            .find(|s| zone != Tz::UTC && offset(*s) != steady_offset_s);
        let steady_until_s = match day {
            None if zone == Tz::UTC => i64::MAX,
            None => start_s.saturating_add(STEADY_DAYS * DAY_S),
            Some(changed) => {
                // The offset at `lo` is the start's, at `hi` it is not.
                let (mut lo, mut hi) = (changed - DAY_S, changed);
                while hi - lo > 1 {
                    let mid = lo + (hi - lo) / 2;
                    if offset(mid) == steady_offset_s {
                        lo = mid;
                    } else {
                        hi = mid;
                    }
                }
                hi
            }
        };
        Calendar {
            start,
            start_s,
            zone,
            steady_offset_s,
            steady_until_s,
        }
    }

    /// The default anchor: Monday 2025-01-06 00:00 on the wall clock of
    /// `zone` (a winter Monday, so no zone has a daylight-saving change
    /// at that midnight).
    pub fn default_start(zone: Tz) -> DateTime<Utc> {
        zone.with_ymd_and_hms(2025, 1, 6, 0, 0, 0)
            .earliest()
            .expect("2025-01-06 00:00 exists in every time zone")
            .with_timezone(&Utc)
    }

    /// Time 0 on the wall clock.
    pub fn start(&self) -> DateTime<Tz> {
        self.start.with_timezone(&self.zone)
    }

    /// The time zone of the wall clock.
    pub fn zone(&self) -> Tz {
        self.zone
    }

    /// Seconds from the epoch on the wall clock at `t` (whole seconds):
    /// the instant plus the zone's offset then.
    fn wall_seconds(&self, t: SimTime) -> i64 {
        let s = self
            .start_s
            .saturating_add((t.0 / TICKS_PER_SECOND).min(i64::MAX as u64) as i64);
        let offset = if s < self.steady_until_s {
            self.steady_offset_s
        } else {
            offset_at(self.zone, s)
        };
        s + i64::from(offset)
    }

    /// `(weekday from Monday = 0, second of the day)` on the wall clock.
    fn weekday_second(&self, t: SimTime) -> (usize, i64) {
        let s = self.wall_seconds(t);
        // 1970-01-01 was a Thursday (3 days after a Monday).
        let day = (s.div_euclid(DAY_S) + 3).rem_euclid(7);
        (day as usize, s.rem_euclid(DAY_S))
    }

    /// The hour of the wall clock at `t`, `(weekday from Monday = 0, hour
    /// of day)`, and the stretch of simulated time `[from, to)` around `t`
    /// that is in it: a caller tallying by hour (one call a run) reads the
    /// zone once an hour instead. Where the zone's offset changes inside the
    /// hour, the stretch is the second of `t` only.
    pub fn wall_hour(&self, t: SimTime) -> (SimTime, SimTime, (usize, usize)) {
        let utc_s = (t.0 / TICKS_PER_SECOND).min(i64::MAX as u64) as i64;
        let (day, second) = self.weekday_second(t);
        let into_hour = second.rem_euclid(3600);
        let offset = |s: i64| {
            let s = self.start_s.saturating_add(s);
            if s < self.steady_until_s {
                self.steady_offset_s
            } else {
                offset_at(self.zone, s)
            }
        };
        let (from_s, to_s) = (utc_s - into_hour, utc_s - into_hour + 3600);
        let (from_s, to_s) = if offset(from_s) == offset(to_s - 1) {
            (from_s, to_s)
        } else {
            (utc_s, utc_s + 1)
        };
        // An hour begun before time 0 is in the stretch from time 0.
        let tick = |s: i64| SimTime((s.max(0) as u64).saturating_mul(TICKS_PER_SECOND));
        (tick(from_s), tick(to_s), (day, (second / 3600) as usize))
    }

    /// `(weekday from Monday = 0, hour of day)` at `t` on the wall clock.
    ///
    /// ```
    /// use poolcast::model::Calendar;
    /// use poolcast::units::{SimTime, SimDuration};
    /// let utc = chrono_tz::Tz::UTC;
    /// let c = Calendar::new(Calendar::default_start(utc), utc); // a Monday, 00:00
    /// let t = SimTime::ZERO + SimDuration::from_secs(86_400 + 21 * 3600 + 59);
    /// assert_eq!(c.weekday_hour(t), (1, 21)); // Tuesday 21:00:59
    /// ```
    pub fn weekday_hour(&self, t: SimTime) -> (usize, usize) {
        let (day, s) = self.weekday_second(t);
        (day, (s / 3600) as usize)
    }

    /// `(weekday from Monday = 0, minute of the day)` at `t` on the wall
    /// clock.
    pub fn weekday_minute(&self, t: SimTime) -> (usize, u32) {
        let (day, s) = self.weekday_second(t);
        (day, (s / 60) as u32)
    }

    /// The calendar time of `t`, on the wall clock.
    pub fn datetime(&self, t: SimTime) -> DateTime<Tz> {
        let delta = TimeDelta::microseconds(t.0.min(i64::MAX as u64) as i64);
        // Horizons are validated to a century; saturate rather than panic.
        self.start
            .checked_add_signed(delta)
            .unwrap_or(DateTime::<Utc>::MAX_UTC)
            .with_timezone(&self.zone)
    }

    /// The simulated time of `at`, or `None` when it is before the start.
    pub fn sim_time<Z: TimeZone>(&self, at: DateTime<Z>) -> Option<SimTime> {
        let delta = at.signed_duration_since(self.start).num_microseconds()?;
        u64::try_from(delta).ok().map(SimTime)
    }
}

/// The offset of `zone` from UTC at the epoch second `s`, in seconds.
fn offset_at(zone: Tz, s: i64) -> i32 {
    DateTime::from_timestamp(s, 0).map_or(0, |at| {
        zone.offset_from_utc_datetime(&at.naive_utc())
            .fix()
            .local_minus_utc()
    })
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

/// The first instant whose wall-clock date is `day` in `zone`: its
/// midnight, or, where a daylight-saving change skips midnight, the end of
/// the skipped hours (the instant the clock would have read midnight on
/// the day before's offset).
fn day_start<Z: TimeZone>(zone: &Z, day: NaiveDate) -> Option<DateTime<Z>> {
    let midnight = day.and_time(NaiveTime::MIN);
    match zone.from_local_datetime(&midnight) {
        LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => Some(t),
        LocalResult::None => {
            let before = zone
                .offset_from_utc_datetime(&(midnight - TimeDelta::days(1)))
                .fix();
            let at = (midnight - TimeDelta::seconds(i64::from(before.local_minus_utc()))).and_utc();
            Some(at.with_timezone(zone))
        }
    }
}

/// The last whole second whose wall-clock date is `day` in `zone`.
fn day_end<Z: TimeZone>(zone: &Z, day: NaiveDate) -> Option<DateTime<Z>> {
    day_start(zone, day.succ_opt()?)?.checked_sub_signed(TimeDelta::seconds(1))
}

/// Whether the wall clock of `zone` changes its offset during `day` (or as
/// it begins): a day with skipped or repeated times.
fn offset_changes<Z: TimeZone>(zone: &Z, day: NaiveDate) -> Option<bool> {
    let offset = |t: DateTime<Z>| t.offset().fix();
    let start = day_start(zone, day)?;
    let before = start.clone().checked_sub_signed(TimeDelta::seconds(1))?;
    let end = offset(day_end(zone, day)?);
    Some(offset(before) != end || offset(start) != end)
}

/// The first firing of `cron` in `[from, until]` (`(from, until]` when not
/// `inclusive`), or `None` when it does not fire there. The pattern is read
/// on the wall clock of the time zone of `from`, with croner's rules for
/// daylight-saving changes: a rule of one fixed time (one minute of one
/// hour) that falls in skipped hours fires when the clock jumps (02:30 on a
/// spring-forward night at 03:00), and in repeated hours once, the first
/// time; any other pattern fires at the wall-clock times that exist, so it
/// skips those that do not and fires twice at those that repeat.
///
/// The work is bounded by the days between `from` and `until`: one date test
/// per day, then one search within the day that fires. croner's own search
/// looks as far as the year 5000 (about 16 ms) for a schedule that never
/// fires again, so every search of a simulation goes through this instead.
///
/// ```
/// use chrono::{TimeDelta, TimeZone, Utc};
/// use poolcast::model::next_firing;
/// let cron = poolcast::text::parse_cron("0 21 * * *").unwrap();
/// let from = Utc.with_ymd_and_hms(2025, 1, 6, 21, 0, 0).unwrap();
/// let week = from + TimeDelta::days(7);
/// assert_eq!(next_firing(&cron, from, true, week), Some(from));
/// assert_eq!(next_firing(&cron, from, false, week), Some(from + TimeDelta::days(1)));
/// let never = poolcast::text::parse_cron("0 0 31 2 *").unwrap();
/// assert_eq!(next_firing(&never, from, true, week), None);
/// ```
pub fn next_firing<Z: TimeZone>(
    cron: &croner::Cron,
    from: DateTime<Z>,
    inclusive: bool,
    until: DateTime<Z>,
) -> Option<DateTime<Z>> {
    // croner works in whole seconds and drops fractions, so a fractional or
    // exclusive start becomes the next whole second, searched inclusively.
    let whole = from.clone().trunc_subsecs(0);
    let from = if whole == from && inclusive {
        from
    } else {
        whole.checked_add_signed(TimeDelta::seconds(1))?
    };
    let (_, latest) = day_bounds(cron)?;
    let zone = from.timezone();
    let mut day = from.date_naive();
    while day <= until.date_naive() {
        // croner searches from the cursor, or for a later day from the
        // second before the day begins: a fixed time that a change skips
        // at midnight is moved past the gap only by a search that crosses it.
        // After a date the zone skipped, that second is two dates back and
        // croner would walk the skipped date: the search starts at the day.
        let (cursor, search, inclusive) = if day == from.date_naive() {
            (from.clone(), from.clone(), true)
        } else {
            let start = day_start(&zone, day)?;
            let before = start.clone().checked_sub_signed(TimeDelta::seconds(1))?;
            if before.date_naive() == day.pred_opt()? {
                (start, before, false)
            } else {
                (start.clone(), start, true)
            }
        };
        // A matching day whose last firing is not before the cursor holds
        // the answer, so croner's search ends within this day (or, for a
        // firing in skipped hours, soon after). On a day the clock changes,
        // times repeat or firings move past skipped hours, so croner decides.
        // A date the zone skips has no time to fire at.
        if exists(&zone, day)?
            && day_matches(cron, day)
            && (cursor.time() <= latest || offset_changes(&zone, day)?)
        {
            let found = cron
                .find_next_occurrence(&search, inclusive)
                .ok()
                .or_else(|| past_long_gap(cron, &zone, day.and_time(latest)))
                .filter(|t| if inclusive { *t >= search } else { *t > search });
            // Without an answer the search goes on to the next day: the
            // schedule may still fire there.
            if let Some(t) = found {
                return Some(t).filter(|t| *t <= until);
            }
        }
        day = day.succ_opt()?;
    }
    None
}

/// Whether the wall clock of `zone` reads `day` at some instant: false for
/// a date a change of offset skips whole (Pacific/Apia's 30 December 2011).
fn exists<Z: TimeZone>(zone: &Z, day: NaiveDate) -> Option<bool> {
    Some(day_start(zone, day)?.date_naive() == day)
}

/// Where a fixed-time `cron` fires for the wall-clock time `at` that lies in
/// skipped hours longer than croner searches past (two hours; Antarctica's
/// three-hour changes): when the clock jumps, on croner's terms, so only
/// when the date the clock jumps to matches the pattern. `None` for other
/// patterns and times.
fn past_long_gap<Z: TimeZone>(
    cron: &croner::Cron,
    zone: &Z,
    at: NaiveDateTime,
) -> Option<DateTime<Z>> {
    if cron.determine_job_type() != croner::JobType::FixedTime
        || !matches!(zone.from_local_datetime(&at), LocalResult::None)
    {
        return None;
    }
    let jump = first_reading_from(zone, at)?;
    day_matches(cron, jump.date_naive()).then_some(jump)
}

/// The first instant at which the wall clock of `zone` reads `at` or later.
/// Found by halving the two days around it, in which the reading only
/// grows across the change of offset that skips `at`.
fn first_reading_from<Z: TimeZone>(zone: &Z, at: NaiveDateTime) -> Option<DateTime<Z>> {
    let reads_before = |s: i64| {
        DateTime::from_timestamp(s, 0).is_some_and(|t| t.with_timezone(zone).naive_local() < at)
    };
    // Offsets lie within a day of UTC, so the wall clock reads before `at`
    // a day before `at` read as UTC, and at or after it a day after.
    let (mut lo, mut hi) = (
        at.and_utc().timestamp() - DAY_S,
        at.and_utc().timestamp() + DAY_S,
    );
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if reads_before(mid) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Some(DateTime::from_timestamp(hi, 0)?.with_timezone(zone))
}

/// The last firing of `cron` in `[since, before)`, or `None`: the mirror of
/// [`next_firing`], bounded by the days between the two.
///
/// ```
/// use chrono::{TimeDelta, TimeZone, Utc};
/// use poolcast::model::previous_firing;
/// let cron = poolcast::text::parse_cron("0 20 * * 5").unwrap(); // Fridays 20:00
/// let monday = Utc.with_ymd_and_hms(2025, 1, 6, 0, 0, 0).unwrap();
/// let friday = Utc.with_ymd_and_hms(2025, 1, 3, 20, 0, 0).unwrap();
/// assert_eq!(previous_firing(&cron, monday, monday - TimeDelta::days(28)), Some(friday));
/// assert_eq!(previous_firing(&cron, monday, monday - TimeDelta::days(2)), None);
/// ```
pub fn previous_firing<Z: TimeZone>(
    cron: &croner::Cron,
    before: DateTime<Z>,
    since: DateTime<Z>,
) -> Option<DateTime<Z>> {
    // The latest whole second before `before`.
    let whole = before.clone().trunc_subsecs(0);
    let before = if whole == before {
        whole.checked_sub_signed(TimeDelta::seconds(1))?
    } else {
        whole
    };
    let (earliest, latest) = day_bounds(cron)?;
    let zone = before.timezone();
    let mut day = before.date_naive();
    while day >= since.date_naive() {
        // Before a date the zone skipped, the search starts at the day's
        // last second rather than walking the skipped date.
        let (cursor, search, inclusive) = if day == before.date_naive() {
            (before.clone(), before.clone(), true)
        } else {
            let next = day_start(&zone, day.succ_opt()?)?;
            let end = next.clone().checked_sub_signed(TimeDelta::seconds(1))?;
            if next.date_naive() == day.succ_opt()? {
                (end, next, false)
            } else {
                (end.clone(), end, true)
            }
        };
        // The mirror of `next_firing`'s test.
        if exists(&zone, day)?
            && day_matches(cron, day)
            && (cursor.time() >= earliest || offset_changes(&zone, day)?)
        {
            let found = cron
                .find_previous_occurrence(&search, inclusive)
                .ok()
                .or_else(|| past_long_gap(cron, &zone, day.and_time(latest)))
                .filter(|t| if inclusive { *t <= search } else { *t < search });
            if let Some(t) = found {
                return Some(t).filter(|t| *t >= since);
            }
        }
        day = day.pred_opt()?;
    }
    None
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Timelike};

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

    fn berlin(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Tz> {
        chrono_tz::Europe::Berlin
            .with_ymd_and_hms(y, mo, d, h, mi, 0)
            .earliest()
            .unwrap()
    }

    /// Firings of `text` in `[from, until]`, in UTC.
    fn firings_between(text: &str, from: DateTime<Tz>, until: DateTime<Tz>) -> Vec<DateTime<Utc>> {
        let cron = parse_cron(text).unwrap();
        let (mut out, mut cursor) = (Vec::new(), (from, true));
        while let Some(t) = next_firing(&cron, cursor.0, cursor.1, until) {
            out.push(t.with_timezone(&Utc));
            cursor = (t, false);
        }
        out
    }

    /// In a zone with daylight saving the bounded searches agree with
    /// croner's own, forwards and backwards, across both changes of 2025
    /// in Berlin (30 March, 26 October) and New York (9 March, 2 November),
    /// and in a zone whose clock skips midnight (Santiago, 6 September).
    #[test]
    fn firings_agree_with_croner_across_daylight_saving() {
        let zones = [
            (chrono_tz::Europe::Berlin, [(3, 29), (10, 25)]),
            (chrono_tz::America::New_York, [(3, 8), (11, 1)]),
            (chrono_tz::America::Santiago, [(9, 5), (4, 5)]),
        ];
        for (zone, days) in zones {
            for (month, day) in days {
                let begin = zone.with_ymd_and_hms(2025, month, day, 0, 0, 0).unwrap();
                let until = begin + TimeDelta::days(4);
                for text in [
                    "30 2 * * *",
                    "0 2 * * *",
                    "0 0 * * *",
                    "0 9 * * *",
                    "*/20 * * * *",
                    "15 1-3 * * *",
                    "59 23 * * *",
                ] {
                    let cron = parse_cron(text).unwrap();
                    let mut from = begin;
                    loop {
                        let want = cron.find_next_occurrence(&from, false).unwrap();
                        if want > until {
                            assert_eq!(next_firing(&cron, from, false, until), None);
                            break;
                        }
                        assert_eq!(
                            next_firing(&cron, from, false, until),
                            Some(want),
                            "{text} in {zone} after {from}"
                        );
                        let back = cron.find_previous_occurrence(&want, false).unwrap();
                        assert_eq!(
                            previous_firing(&cron, want, begin - TimeDelta::days(2)),
                            Some(back),
                            "{text} in {zone} before {want}"
                        );
                        from = want + TimeDelta::seconds(17);
                    }
                }
            }
        }
    }

    /// Berlin's clock jumps from 02:00 to 03:00 on 30 March 2025: a rule of
    /// one fixed time in the skipped hour fires at 03:00 CEST (01:00 UTC),
    /// while a rule of several times skips the ones that do not exist.
    #[test]
    fn the_skipped_hour() {
        let (from, until) = (berlin(2025, 3, 30, 0, 0), berlin(2025, 3, 30, 23, 59));
        assert_eq!(
            firings_between("30 2 * * *", from, until),
            [at(2025, 3, 30, 1, 0)]
        );
        assert!(firings_between("*/30 2 * * *", from, until).is_empty());
        assert_eq!(
            firings_between("0 1-3 * * *", from, until),
            [at(2025, 3, 30, 0, 0), at(2025, 3, 30, 1, 0)]
        );
    }

    /// Berlin's clock goes back from 03:00 to 02:00 on 26 October 2025: a
    /// rule of one fixed time in the repeated hour fires once (the first
    /// 02:30, CEST), a rule of several times fires at both.
    #[test]
    fn the_repeated_hour() {
        let (from, until) = (berlin(2025, 10, 26, 0, 0), berlin(2025, 10, 26, 23, 59));
        assert_eq!(
            firings_between("30 2 * * *", from, until),
            [at(2025, 10, 26, 0, 30)]
        );
        assert_eq!(
            firings_between("*/30 2 * * *", from, until),
            [
                at(2025, 10, 26, 0, 0),
                at(2025, 10, 26, 0, 30),
                at(2025, 10, 26, 1, 0),
                at(2025, 10, 26, 1, 30)
            ]
        );
    }

    /// A daily 09:00 in Berlin is 08:00 UTC in winter and 07:00 UTC in
    /// summer.
    #[test]
    fn local_rules_follow_the_offset() {
        let from = berlin(2025, 3, 28, 0, 0);
        assert_eq!(
            firings_between("0 9 * * *", from, from + TimeDelta::days(3)),
            [
                at(2025, 3, 28, 8, 0),
                at(2025, 3, 29, 8, 0),
                at(2025, 3, 30, 7, 0)
            ]
        );
    }

    /// Hours and weekdays are read on the wall clock: Berlin's default start
    /// is Monday 00:00 CET (Sunday 23:00 UTC), and after the spring change
    /// the same instant of the day reads an hour later.
    #[test]
    fn a_wall_hour_stretch_is_one_hour_throughout() {
        for (zone, start) in [
            (chrono_tz::Europe::Berlin, at(2025, 3, 29, 12, 0)),
            (chrono_tz::Europe::Berlin, at(2025, 10, 25, 12, 0)),
            (chrono_tz::Asia::Kolkata, at(2025, 3, 29, 12, 0)),
            (chrono_tz::America::Santiago, at(2025, 4, 4, 12, 0)),
        ] {
            let c = Calendar::new(start, zone);
            // Every 7 minutes for three days: each stretch holds `t`, has
            // the hour `weekday_hour` gives at both of its ends.
            for k in 0..(3 * 24 * 60 / 7) {
                let t = SimTime(k * 7 * 60 * TICKS_PER_SECOND + 123);
                let (from, to, hour) = c.wall_hour(t);
                assert!(from <= t && t < to, "{zone} {k}");
                assert_eq!(hour, c.weekday_hour(t), "{zone} {k}");
                assert_eq!(hour, c.weekday_hour(from), "{zone} {k}");
                assert_eq!(hour, c.weekday_hour(SimTime(to.0 - 1)), "{zone} {k}");
                assert!(to.0 - from.0 <= 3600 * TICKS_PER_SECOND);
            }
        }
    }

    /// An instant exactly on the hour is in that hour, one tick (a
    /// microsecond) earlier in the hour before, whether read at once or
    /// from the stretch `wall_hour` gives: the earlier hour's stretch ends
    /// where the next one begins. On a plain hour, at midnight, and at
    /// Berlin's spring change (01:59:59.999999 CET, then 03:00 CEST).
    #[test]
    fn an_hour_begins_on_the_hour() {
        let zone = chrono_tz::Europe::Berlin;
        let monday = Calendar::new(Calendar::default_start(zone), zone);
        let sunday = Calendar::new(at(2025, 3, 29, 23, 0), zone); // 00:00 CET
        let hours = |h: u64| SimTime(h * 3600 * TICKS_PER_SECOND);
        for (c, h, hour_before, hour) in [
            (monday, 9, (0, 8), (0, 9)),
            (monday, 24, (0, 23), (1, 0)),
            (sunday, 2, (6, 1), (6, 3)),
        ] {
            let (on, before) = (hours(h), SimTime(hours(h).0 - 1));
            assert_eq!(c.weekday_hour(on), hour);
            assert_eq!(c.weekday_hour(before), hour_before);
            assert_eq!(c.wall_hour(on), (on, hours(h + 1), hour));
            assert_eq!(c.wall_hour(before), (hours(h - 1), on, hour_before));
        }
    }

    #[test]
    fn weekday_hour_reads_the_wall_clock() {
        let zone = chrono_tz::Europe::Berlin;
        let c = Calendar::new(Calendar::default_start(zone), zone);
        assert_eq!(c.start().to_rfc3339(), "2025-01-06T00:00:00+01:00");
        assert_eq!(
            c.datetime(SimTime::ZERO).with_timezone(&Utc),
            at(2025, 1, 5, 23, 0)
        );
        assert_eq!(c.weekday_hour(SimTime::ZERO), (0, 0));
        let c = Calendar::new(at(2025, 3, 29, 23, 0), zone); // Sunday 00:00 CET
        let hour = |h: u64| c.weekday_hour(SimTime(h * 3600 * TICKS_PER_SECOND));
        assert_eq!((hour(0), hour(1), hour(2)), ((6, 0), (6, 1), (6, 3)));
        // The change is at 01:00:00 UTC, to the second.
        assert_eq!(
            c.weekday_minute(SimTime((2 * 3600 - 1) * TICKS_PER_SECOND)),
            (6, 119)
        );
        // 03:30 CEST, 210 minutes into the day.
        assert_eq!(
            c.weekday_minute(SimTime(150 * 60 * TICKS_PER_SECOND)),
            (6, 210)
        );
        assert_eq!(
            c.sim_time(berlin(2025, 3, 30, 3, 0)),
            Some(SimTime(2 * 3600 * TICKS_PER_SECOND))
        );
        // UTC reads the instant as it is.
        let utc = Calendar::new(at(2025, 3, 29, 23, 0), Tz::UTC);
        assert_eq!(utc.weekday_hour(SimTime::ZERO), (5, 23));
    }

    /// The cached offset and the look-ups agree with chrono-tz's reading of
    /// every instant, before and after the first change (found to the
    /// second) and past the cached span, in zones with hour, half-hour and
    /// no changes.
    #[test]
    fn weekday_minute_agrees_with_the_zone_rules() {
        for zone in [
            chrono_tz::Europe::Berlin,
            chrono_tz::Australia::Lord_Howe,
            chrono_tz::Asia::Kolkata,
            chrono_tz::America::Santiago,
            Tz::UTC,
        ] {
            let c = Calendar::new(at(2025, 1, 6, 0, 0) + TimeDelta::seconds(7), zone);
            // Every 7 minutes and 13 seconds over two years.
            let step = 433 * TICKS_PER_SECOND;
            for k in 0..(2 * 365 * 86_400 / 433) {
                let t = SimTime(k * step);
                let wall = c.datetime(t);
                let want = (
                    wall.weekday().num_days_from_monday() as usize,
                    wall.hour() * 60 + wall.minute(),
                );
                assert_eq!(c.weekday_minute(t), want, "{zone} at {wall}");
            }
        }
    }
}
