//! Batch sizes of a burst arrival process (e.g. one commit fanning out into
//! a build per service).

use rand::RngExt;
use rand_distr::{Distribution, Geometric};

use super::DistError;
use crate::engine::SimRng;

/// How many tasks one burst brings. Always at least 1.
#[derive(Debug, Clone, PartialEq)]
pub enum BatchSize {
    /// Exactly `n`.
    Constant(u32),
    /// Uniform on the integers `min..=max`.
    Uniform {
        /// Smallest batch.
        min: u32,
        /// Largest batch.
        max: u32,
    },
    /// Geometric on 1, 2, 3, … with the given mean (memoryless fan-out).
    Geometric {
        /// The sampler (counts failures before the first success).
        dist: Geometric,
        /// Mean batch size (≥ 1).
        mean: f64,
    },
    /// One of `values`, each equally likely.
    Empirical(Vec<u32>),
}

impl BatchSize {
    /// A geometric batch size with mean `mean` ≥ 1.
    pub fn geometric(mean: f64) -> Result<BatchSize, DistError> {
        if !(mean.is_finite() && mean >= 1.0) {
            return Err(DistError(format!(
                "a geometric batch size needs a mean of at least 1, got {mean}"
            )));
        }
        let dist = Geometric::new(1.0 / mean).map_err(|e| DistError(e.to_string()))?;
        Ok(BatchSize::Geometric { dist, mean })
    }

    /// Draws one batch size.
    pub fn sample(&self, rng: &mut SimRng) -> u32 {
        match self {
            BatchSize::Constant(n) => *n,
            BatchSize::Uniform { min, max } => rng.random_range(*min..=*max),
            BatchSize::Geometric { dist, .. } => {
                u32::try_from(dist.sample(rng)).unwrap_or(u32::MAX - 1) + 1
            }
            BatchSize::Empirical(values) => values[rng.random_range(0..values.len())],
        }
    }

    /// The exact mean batch size.
    pub fn mean(&self) -> f64 {
        match self {
            BatchSize::Constant(n) => f64::from(*n),
            BatchSize::Uniform { min, max } => (f64::from(*min) + f64::from(*max)) / 2.0,
            BatchSize::Geometric { mean, .. } => *mean,
            BatchSize::Empirical(values) => {
                values.iter().map(|v| f64::from(*v)).sum::<f64>() / values.len() as f64
            }
        }
    }
}
