//! Units of time and rate used everywhere below the scenario parser.
//!
//! Simulated time is an integer count of microsecond ticks, so event ordering
//! is exact (no epsilons) and a run is reproducible bit for bit. Distributions
//! sample `f64` seconds, which are converted to ticks once, at the edge.
//! This module does no parsing; `scenario` turns strings like `"90s"` into
//! these types.

use std::fmt;
use std::ops::{Add, Sub};

/// Ticks per simulated second (one tick is a microsecond).
pub const TICKS_PER_SECOND: u64 = 1_000_000;

/// A point in simulated time, in ticks since the start of the simulation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct SimTime(pub u64);

/// A span of simulated time, in ticks.
///
/// ```
/// use poolcast::units::SimDuration;
/// let d = SimDuration::from_secs_f64(1.5);
/// assert_eq!(d.as_secs_f64(), 1.5);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct SimDuration(pub u64);

impl SimTime {
    /// The start of the simulation.
    pub const ZERO: SimTime = SimTime(0);

    /// Seconds since the start of the simulation.
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / TICKS_PER_SECOND as f64
    }

    /// The time elapsed since `earlier`, or zero when `earlier` is later.
    pub fn saturating_since(self, earlier: SimTime) -> SimDuration {
        SimDuration(self.0.saturating_sub(earlier.0))
    }
}

impl SimDuration {
    /// No time at all.
    pub const ZERO: SimDuration = SimDuration(0);

    /// A whole number of seconds.
    pub const fn from_secs(secs: u64) -> SimDuration {
        SimDuration(secs * TICKS_PER_SECOND)
    }

    /// Rounds `secs` to the nearest tick; negative and NaN inputs give zero and
    /// values past the range saturate, so a sampled duration is always valid.
    pub fn from_secs_f64(secs: f64) -> SimDuration {
        // `as` saturates and maps NaN and negatives to 0, which is what a
        // sampled duration needs; adding 0.5 rounds to the nearest tick
        // without a call to libm's `round` (a hot spot in profiles).
        let ticks = secs * TICKS_PER_SECOND as f64 + 0.5;
        // Below 2^63 ticks (292,000 years) the signed conversion gives the
        // same ticks: x86-64 has it as one instruction, where the unsigned
        // one takes two and a merge (17 instructions, twice a run). NaN
        // fails the test and takes the unsigned path.
        if ticks < 9_223_372_036_854_775_808.0 {
            SimDuration((ticks as i64).max(0) as u64)
        } else {
            SimDuration(ticks as u64)
        }
    }

    /// The duration in seconds.
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / TICKS_PER_SECOND as f64
    }

    /// The duration in hours.
    pub fn as_hours_f64(self) -> f64 {
        self.as_secs_f64() / 3600.0
    }
}

impl Add<SimDuration> for SimTime {
    type Output = SimTime;
    fn add(self, rhs: SimDuration) -> SimTime {
        SimTime(self.0.saturating_add(rhs.0))
    }
}

impl Add<SimDuration> for SimDuration {
    type Output = SimDuration;
    fn add(self, rhs: SimDuration) -> SimDuration {
        SimDuration(self.0.saturating_add(rhs.0))
    }
}

impl Sub<SimDuration> for SimDuration {
    type Output = SimDuration;
    fn sub(self, rhs: SimDuration) -> SimDuration {
        SimDuration(self.0.saturating_sub(rhs.0))
    }
}

impl fmt::Display for SimDuration {
    /// Human form in the units a scenario is written in (whole seconds):
    /// `6d`, `1h 30m`, `0s`; never `6days`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut secs = self.0 / TICKS_PER_SECOND;
        if secs == 0 {
            return f.write_str("0s");
        }
        let mut parts = Vec::new();
        for (unit, name) in [(86_400, "d"), (3600, "h"), (60, "m"), (1, "s")] {
            if secs >= unit {
                parts.push(format!("{}{name}", secs / unit));
                secs %= unit;
            }
        }
        f.write_str(&parts.join(" "))
    }
}

/// An arrival rate in events per simulated second.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct Rate {
    per_second: f64,
}

impl Rate {
    /// A rate of `per_second` events per second; callers validate positivity.
    pub fn per_second(per_second: f64) -> Rate {
        Rate { per_second }
    }

    /// Events per second.
    pub fn as_per_second(self) -> f64 {
        self.per_second
    }

    /// Events per hour.
    pub fn as_per_hour(self) -> f64 {
        self.per_second * 3600.0
    }

    /// The rate multiplied by `factor` (a workload's `rate_scale`).
    pub fn scaled(self, factor: f64) -> Rate {
        Rate::per_second(self.per_second * factor)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn duration_displays_in_scenario_units() {
        let d = |secs: u64| SimDuration::from_secs(secs).to_string();
        assert_eq!(d(0), "0s");
        assert_eq!(d(6 * 86_400), "6d");
        assert_eq!(d(5400), "1h 30m");
        assert_eq!(d(90), "1m 30s");
        assert_eq!(d(86_400 + 61), "1d 1m 1s");
    }

    use super::*;

    #[test]
    fn duration_round_trips_seconds() {
        assert_eq!(SimDuration::from_secs(90).as_secs_f64(), 90.0);
        assert_eq!(SimDuration::from_secs_f64(0.0000004), SimDuration(0));
        assert_eq!(SimDuration::from_secs_f64(-3.0), SimDuration::ZERO);
        assert_eq!(SimDuration::from_secs_f64(f64::NAN), SimDuration::ZERO);
    }

    proptest::proptest! {
        /// The conversion by way of `i64` gives the ticks the saturating
        /// unsigned one gives, for any bit pattern (NaN, infinities,
        /// negatives, values past 2^63 and 2^64 ticks included).
        #[test]
        fn seconds_convert_as_the_unsigned_cast(bits in proptest::prelude::any::<u64>()) {
            let secs = f64::from_bits(bits);
            let unsigned = (secs * TICKS_PER_SECOND as f64 + 0.5) as u64;
            proptest::prop_assert_eq!(SimDuration::from_secs_f64(secs), SimDuration(unsigned));
        }
    }

    #[test]
    fn seconds_convert_at_the_signed_edge() {
        // The seconds of 2^63 and 2^64 ticks, and their neighbours.
        let edges = [63, 64].map(|bits| 2f64.powi(bits) / TICKS_PER_SECOND as f64);
        for secs in edges
            .into_iter()
            .flat_map(|e| [e.next_down(), e, e.next_up()])
        {
            let unsigned = (secs * TICKS_PER_SECOND as f64 + 0.5) as u64;
            assert_eq!(SimDuration::from_secs_f64(secs), SimDuration(unsigned));
            assert_eq!(SimDuration::from_secs_f64(-secs), SimDuration::ZERO);
        }
        assert_eq!(
            SimDuration::from_secs_f64(f64::INFINITY),
            SimDuration(u64::MAX)
        );
    }

    #[test]
    fn time_arithmetic_saturates() {
        assert_eq!(SimTime(u64::MAX) + SimDuration(5), SimTime(u64::MAX));
        assert_eq!(SimTime(3).saturating_since(SimTime(5)), SimDuration::ZERO);
    }

    #[test]
    fn duration_displays_human_form() {
        assert_eq!(SimDuration::from_secs(5400).to_string(), "1h 30m");
    }
}
