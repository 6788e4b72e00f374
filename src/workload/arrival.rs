//! Arrival processes.

use rand_distr::{Distribution, Exp1};

use crate::engine::SimRng;
use crate::units::{Rate, SimDuration, SimTime};

/// When a workload's runs arrive.
#[derive(Debug, Clone, PartialEq)]
pub enum ArrivalProcess {
    /// A homogeneous Poisson process.
    Poisson {
        /// Mean arrivals per unit time (already multiplied by `rate_scale`).
        rate: Rate,
    },
}

impl ArrivalProcess {
    /// The first arrival strictly after `now`.
    pub fn next_after(&self, now: SimTime, rng: &mut SimRng) -> SimTime {
        match self {
            ArrivalProcess::Poisson { rate } => {
                let gap: f64 = Exp1.sample(rng);
                now + SimDuration::from_secs_f64(gap / rate.as_per_second())
            }
        }
    }

    /// Long-run mean arrivals per second.
    pub fn mean_rate(&self) -> Rate {
        match self {
            ArrivalProcess::Poisson { rate } => *rate,
        }
    }
}
