//! What a run is judged against: the objectives of `[slo]`, as plain
//! data (the judge is `stats::judge`).

use super::Window;
use crate::units::SimDuration;

/// What a run is judged against: the objectives of `[slo]`.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Objectives {
    /// The p95 of queue wait over all runs must not exceed this.
    pub wait_p95: Option<SimDuration>,
    /// Compute cost per day must not exceed this, USD.
    pub max_cost_per_day_usd: Option<f64>,
    /// Wait objectives judge the runs that arrive inside this window.
    pub window: Option<Window>,
}

impl Objectives {
    /// Whether any objective is set.
    pub fn is_set(&self) -> bool {
        self.wait_p95.is_some() || self.max_cost_per_day_usd.is_some()
    }
}
