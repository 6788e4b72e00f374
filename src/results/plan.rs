//! What `plan` found: the points its search ran and what the search cost.

use super::{SweepRow, SweepTable};

/// What `plan` found and what it cost.
#[derive(Debug)]
pub struct PlanOutcome {
    /// The points it ran.
    pub table: SweepTable,
    /// Their rows with every metric, in point order (for `plan.csv`).
    pub rows: Vec<SweepRow>,
    /// Replications run.
    pub simulations: u64,
    /// Replications the full grid would have run.
    pub grid_simulations: u64,
}
