//! Time-weighted tallies (queue length, busy and allocated instances).

use crate::units::SimTime;

/// The time-weighted mean and maximum of a level over the window
/// `[start, end]`, in O(1) memory.
#[derive(Debug, Clone)]
pub struct TimeWeighted {
    start: SimTime,
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
            last: SimTime::ZERO,
            value: 0,
            area: 0,
            max: 0,
        }
    }

    /// Integrates the current level up to `to`.
    fn advance(&mut self, to: SimTime) {
        let from = self.last.max(self.start);
        if to > from {
            self.area += u128::from(self.value) * u128::from(to.0 - from.0);
            // Only values held for a positive time inside the window count.
            self.max = self.max.max(self.value);
        }
        self.last = self.last.max(to);
    }

    /// The level becomes `value` at `at`.
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

    /// The time-weighted mean over `[start, end]` after `finish(end)`.
    pub fn mean(&self, end: SimTime) -> f64 {
        let span = end.0.saturating_sub(self.start.0);
        if span == 0 {
            0.0
        } else {
            self.area as f64 / span as f64
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
