//! The simulation calendar: simulated ticks anchored to a UTC instant, so
//! that hours of the day, weekdays and cron schedules mean something.
//! All calendar times are UTC (no daylight-saving shifts).

use chrono::{DateTime, Datelike, TimeDelta, Timelike, Utc};

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
