//! An hour of the week on the scenario's clock: the cells of the waits by
//! hour and the hours a per-hour objective judges. The one home of weekday
//! names and of the `day * 24 + hour` numbering.

use std::fmt;

/// Weekday names, Monday first.
pub const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// Hours in a week.
pub const HOURS_OF_WEEK: usize = 168;

/// An hour of the week, Monday 00:00 = 0, on the scenario's clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct HourOfWeek(usize);

impl HourOfWeek {
    /// Hour `hour` (0-23) of weekday `day` (Monday = 0).
    pub fn new(day: usize, hour: usize) -> HourOfWeek {
        debug_assert!(day < 7 && hour < 24);
        HourOfWeek(day * 24 + hour)
    }

    /// Hour `index` from Monday 00:00 (below 168).
    pub fn from_index(index: usize) -> HourOfWeek {
        debug_assert!(index < HOURS_OF_WEEK);
        HourOfWeek(index)
    }

    /// Every hour of the week, Monday 00:00 first.
    pub fn all() -> impl Iterator<Item = HourOfWeek> {
        (0..HOURS_OF_WEEK).map(HourOfWeek)
    }

    /// Hours from Monday 00:00.
    pub fn index(self) -> usize {
        self.0
    }

    /// Weekday, Monday = 0.
    pub fn day(self) -> usize {
        self.0 / 24
    }

    /// Hour of the day.
    pub fn hour(self) -> usize {
        self.0 % 24
    }
}

impl fmt::Display for HourOfWeek {
    /// `"Mon 09:00"`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {:02}:00", WEEKDAYS[self.day()], self.hour())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hours_of_the_week_are_labelled_on_the_clock() {
        assert_eq!(HourOfWeek::new(0, 9).to_string(), "Mon 09:00");
        assert_eq!(HourOfWeek::from_index(167).to_string(), "Sun 23:00");
        let h = HourOfWeek::new(4, 17);
        assert_eq!((h.day(), h.hour(), h.index()), (4, 17, 113));
        assert_eq!(HourOfWeek::all().count(), HOURS_OF_WEEK);
    }
}
