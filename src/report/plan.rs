//! `plan`'s outputs: the printed recommendation with what the search
//! saved, and `plan.csv` (the points it ran, in `sweep.csv`'s columns);
//! `recommendation.json` is the sweep's.

use std::io;

use super::sweep::{SweepSummary, recommendation_text, sweep_csv};
use crate::results::{Objective, PlanOutcome};

/// What `plan`'s files and words are made from.
pub struct PlanFiles<'a> {
    /// The scenario's name.
    pub scenario: &'a str,
    /// What the search ran.
    pub outcome: &'a PlanOutcome,
    /// What the plan optimises.
    pub obj: &'a Objective,
    /// The words on its decisions, warnings included.
    pub summary: &'a SweepSummary<'a>,
}

impl PlanFiles<'_> {
    /// `plan.csv`: the points the search ran, with every metric.
    pub fn csv(&self) -> io::Result<Vec<u8>> {
        sweep_csv(&self.outcome.table, &self.outcome.rows, self.obj)
    }

    /// What `plan` prints: the points and simulations it ran against the
    /// full grid's, then the recommendation.
    pub fn text(&self) -> String {
        let o = self.outcome;
        let share = o.simulations as f64 / o.grid_simulations.max(1) as f64 * 100.0;
        let mut text = format!(
            "{}: plan ran {} points, {} simulations, where the full grid needs {} ({share:.0}%)\n",
            self.scenario,
            o.table.len(),
            o.simulations,
            o.grid_simulations
        );
        text.push_str(&recommendation_text(&o.table, self.obj, self.summary));
        text
    }
}
