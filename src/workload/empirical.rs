//! Recorded run times: what an empirical distribution resamples, with the
//! figures the analytic baseline asks of them computed once, however many
//! scenarios share them (every point of a sweep shares one durations
//! file's values).
//!
//! Asked afresh, each figure is a pass over the values: with a 10^6-value
//! file the baseline's mean, tail probability and capped moments took
//! 20 ms per sweep point, 95% of a sweep of short points.

use std::sync::OnceLock;

use super::dist::DistError;

/// Run times in seconds (at least one, all positive and finite), in the
/// order they were recorded: sampling draws an index, so the order is part
/// of what a seed reproduces.
#[derive(Debug)]
pub struct Recorded {
    values: Box<[f64]>,
    mean: f64,
    variance: f64,
    /// Built when a tail probability or a capped moment is first asked.
    sorted: OnceLock<Sorted>,
}

/// The values in ascending order with the running sums of `x` and `x^2`
/// before each: a cap then splits them with one binary search.
#[derive(Debug)]
struct Sorted {
    values: Box<[f64]>,
    /// `sums[i]`: the sums of `values[..i]` and of their squares.
    sums: Box<[(f64, f64)]>,
}

impl Recorded {
    /// Bytes a value takes at most: itself, and its place in the sorted
    /// copy with the two running sums once the baseline asks.
    pub const BYTES_PER_VALUE: usize = 32;

    /// Checks and keeps `values` (seconds).
    pub fn new(values: Vec<f64>) -> Result<Recorded, DistError> {
        if values.is_empty() {
            return Err(DistError(
                "an empirical distribution needs at least one value".into(),
            ));
        }
        if let Some(bad) = values.iter().find(|v| !(v.is_finite() && **v > 0.0)) {
            return Err(DistError(format!(
                "every value must be a positive duration, got {bad} s"
            )));
        }
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
        Ok(Recorded {
            values: values.into_boxed_slice(),
            mean,
            variance,
            sorted: OnceLock::new(),
        })
    }

    /// The values, seconds, in recorded order.
    pub fn values(&self) -> &[f64] {
        &self.values
    }

    /// The mean, seconds.
    pub fn mean(&self) -> f64 {
        self.mean
    }

    /// The (population) variance, seconds squared.
    pub fn variance(&self) -> f64 {
        self.variance
    }

    fn sorted(&self) -> &Sorted {
        self.sorted.get_or_init(|| {
            let mut values = self.values.to_vec();
            values.sort_by(f64::total_cmp);
            let mut sums = Vec::with_capacity(values.len() + 1);
            let (mut s1, mut s2) = (0.0, 0.0);
            sums.push((s1, s2));
            for v in &values {
                s1 += v;
                s2 += v * v;
                sums.push((s1, s2));
            }
            Sorted {
                values: values.into_boxed_slice(),
                sums: sums.into_boxed_slice(),
            }
        })
    }

    /// The share of values above `secs`.
    pub fn exceed_probability(&self, secs: f64) -> f64 {
        let s = self.sorted();
        let at_most = s.values.partition_point(|v| *v <= secs);
        (s.values.len() - at_most) as f64 / s.values.len() as f64
    }

    /// The mean of `min(x, cap)` and of its square.
    pub fn capped_moments(&self, cap: f64) -> (f64, f64) {
        let s = self.sorted();
        let below = s.values.partition_point(|v| *v <= cap);
        let (s1, s2) = s.sums[below];
        let above = (s.values.len() - below) as f64;
        let n = s.values.len() as f64;
        ((s1 + above * cap) / n, (s2 + above * cap * cap) / n)
    }
}

/// Equal values make equal distributions (the figures follow from them).
impl PartialEq for Recorded {
    fn eq(&self, other: &Recorded) -> bool {
        self.values == other.values
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Every figure equals a direct pass over the values.
        #[test]
        fn figures_match_a_pass_over_the_values(
            values in prop::collection::vec(0.5f64..5_000.0, 1..200),
            cap in 0.0f64..6_000.0,
        ) {
            let r = Recorded::new(values.clone()).expect("positive values");
            let n = values.len() as f64;
            let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * b.abs().max(1.0);
            prop_assert!(close(r.mean(), values.iter().sum::<f64>() / n));
            let above = values.iter().filter(|v| **v > cap).count() as f64 / n;
            prop_assert_eq!(r.exceed_probability(cap), above);
            let m1 = values.iter().map(|v| v.min(cap)).sum::<f64>() / n;
            let m2 = values.iter().map(|v| v.min(cap).powi(2)).sum::<f64>() / n;
            let (c1, c2) = r.capped_moments(cap);
            prop_assert!(close(c1, m1), "{} vs {}", c1, m1);
            prop_assert!(close(c2, m2), "{} vs {}", c2, m2);
        }
    }

    #[test]
    fn a_cap_on_a_value_keeps_it_whole() {
        let r = Recorded::new(vec![60.0, 30.0, 600.0]).expect("positive");
        assert_eq!(r.exceed_probability(60.0), 1.0 / 3.0);
        assert_eq!(r.capped_moments(60.0).0, (60.0 + 30.0 + 60.0) / 3.0);
        assert!(Recorded::new(vec![]).is_err());
        assert!(Recorded::new(vec![1.0, -2.0]).is_err());
    }
}
