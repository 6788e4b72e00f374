//! Time-weighted tallies (queue length, busy and allocated instances).

use crate::units::SimTime;

/// The time-weighted mean and maximum of a level over the window
/// `[start, end]`, in O(1) memory.
#[derive(Debug, Clone)]
pub struct TimeWeighted {
    start: SimTime,
    /// Integrated up to here: the later of the window's start and the
    /// last change (levels before the window count nothing), so that a
    /// change needs no comparison with the start.
    last: SimTime,
    value: u32,
    /// Sum of value x ticks inside the window; exact in integers.
    area: u128,
    max: u32,
}

impl TimeWeighted {
    /// A level of 0 at time 0, observed from `start` on.
    pub fn new(start: SimTime) -> TimeWeighted {
        TimeWeighted {
            start,
            last: start,
            value: 0,
            area: 0,
            max: 0,
        }
    }

    /// Integrates the current level up to `to`. Forced: the event loop
    /// calls it for a level that changed, most events, and a bench build
    /// (which unwinds) left it a call.
    #[inline(always)]
    fn advance(&mut self, to: SimTime) {
        if to > self.last {
            self.area += u128::from(self.value) * u128::from(to.0 - self.last.0);
            // Only values held for a positive time inside the window count.
            self.max = self.max.max(self.value);
            self.last = to;
        }
    }

    /// The level becomes `value` at `at`.
    #[inline(always)]
    pub fn set(&mut self, at: SimTime, value: u32) {
        // An unchanged level needs no work now: the next change integrates
        // the whole span at once.
        if value != self.value {
            self.advance(at);
            self.value = value;
        }
    }

    /// Closes the window at `end`; returns (area in value-ticks, max).
    pub fn finish(&mut self, end: SimTime) -> (u128, u32) {
        self.advance(end);
        (self.area, self.max)
    }

    /// Counts the level now toward the maximum, however short it is held:
    /// a replication stopped because its queues overflowed reports the
    /// queue that stopped it (1,000,001 runs queued at once showed a
    /// maximum of 0).
    pub fn count_current(&mut self) {
        self.max = self.max.max(self.value);
    }

    /// The time-weighted mean over `[start, end]` after `finish(end)`;
    /// undefined (NaN) over an empty window (a replication stopped at the
    /// end of its warm-up), not 0.
    pub fn mean(&self, end: SimTime) -> f64 {
        let span = end.0.saturating_sub(self.start.0);
        if span == 0 {
            f64::NAN
        } else {
            self.area as f64 / span as f64
        }
    }
}

/// The days (of `day_ticks`, counted from time 0) that the window
/// `[start, end]` touches: the first one and how many (at least one).
pub fn day_span(start: SimTime, end: SimTime, day_ticks: u64) -> (u64, usize) {
    let first = start.0 / day_ticks;
    (
        first,
        (end.0.div_ceil(day_ticks).max(first + 1) - first) as usize,
    )
}

/// The area under a level (value x ticks) split into days of the window
/// `[start, end]`: what a cost per day is made of. Days are counted from
/// time 0, so day `k` is `[k d, (k + 1) d)`; the first entry is the day that
/// holds `start`.
#[derive(Debug, Clone)]
pub struct DailyArea {
    start: SimTime,
    day_ticks: u64,
    first_day: u64,
    last: SimTime,
    value: u32,
    /// Area per day from `first_day`; exact in integers.
    areas: Vec<u128>,
}

impl DailyArea {
    /// A level of 0 at time 0, observed over `[start, end]` in days of
    /// `day_ticks`.
    pub fn new(start: SimTime, end: SimTime, day_ticks: u64) -> DailyArea {
        let (first_day, days) = day_span(start, end, day_ticks);
        DailyArea {
            start,
            day_ticks,
            first_day,
            last: SimTime::ZERO,
            value: 0,
            areas: vec![0; days],
        }
    }

    fn advance(&mut self, to: SimTime) {
        let mut from = self.last.max(self.start);
        self.last = self.last.max(to);
        if self.value == 0 {
            return;
        }
        while from < to {
            let day = from.0 / self.day_ticks;
            let day_end = ((day + 1) * self.day_ticks).min(to.0);
            let i = (day - self.first_day) as usize;
            // Past the last day only when the window is cut short.
            if let Some(a) = self.areas.get_mut(i) {
                *a += u128::from(self.value) * u128::from(day_end - from.0);
            }
            from = SimTime(day_end);
        }
    }

    /// The level becomes `value` at `at`.
    #[inline(always)]
    pub fn set(&mut self, at: SimTime, value: u32) {
        if value != self.value {
            self.advance(at);
            self.value = value;
        }
    }

    /// Closes the window at `end`; returns the area per day.
    pub fn finish(&mut self, end: SimTime) -> &[u128] {
        self.advance(end);
        &self.areas
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn daily_area_splits_at_day_boundaries_inside_window() {
        // Days of 10 ticks, window [15, 42]: days 1..=4. Level 2 from 0 to
        // 25, 3 from 25 on: day 1 [15, 20) 2*5 = 10; day 2 2*5 + 3*5 = 25;
        // day 3 3*10 = 30; day 4 [40, 42] 3*2 = 6.
        let mut d = DailyArea::new(SimTime(15), SimTime(42), 10);
        d.set(SimTime(0), 2);
        d.set(SimTime(25), 3);
        assert_eq!(day_span(SimTime(15), SimTime(42), 10), (1, 4));
        assert_eq!(d.finish(SimTime(42)), &[10, 25, 30, 6]);
        // The same area as the time-weighted tally of the same level.
        let mut t = TimeWeighted::new(SimTime(15));
        t.set(SimTime(0), 2);
        t.set(SimTime(25), 3);
        assert_eq!(t.finish(SimTime(42)).0, 71);
    }

    /// A replication stopped by its queues reports the level it stopped
    /// at as its maximum; an empty window has no mean.
    #[test]
    fn a_stop_counts_its_level_and_an_empty_window_has_no_mean() {
        let mut t = TimeWeighted::new(SimTime(10));
        t.set(SimTime(12), 3);
        t.set(SimTime(20), 1_000_001);
        t.count_current();
        assert_eq!(t.finish(SimTime(20)), (3 * 8, 1_000_001));
        let mut empty = TimeWeighted::new(SimTime(10));
        empty.set(SimTime(10), 2);
        empty.finish(SimTime(10));
        assert!(empty.mean(SimTime(10)).is_nan());
    }

    #[test]
    fn time_weighted_integrates_inside_window_only() {
        // Window [10, 30]. Level 4 on [0, 15), 1 on [15, 20), 0 on [20, 20) and
        // 2 on [20, 30]: area = 4*5 + 1*5 + 2*10 = 45.
        let mut t = TimeWeighted::new(SimTime(10));
        t.set(SimTime(0), 4);
        t.set(SimTime(15), 1);
        t.set(SimTime(20), 9); // held for zero time: not a maximum
        t.set(SimTime(20), 2);
        let (area, max) = t.finish(SimTime(30));
        assert_eq!(area, 45);
        assert_eq!(max, 4);
        assert_eq!(t.mean(SimTime(30)), 2.25);
    }

    #[test]
    fn time_weighted_ignores_values_before_window() {
        let mut t = TimeWeighted::new(SimTime(100));
        t.set(SimTime(5), 50);
        t.set(SimTime(50), 1);
        assert_eq!(t.finish(SimTime(200)), (100, 1));
    }
}
