//! The events of a replication. Small and `Copy`, so the queue moves bytes,
//! not allocations.

use crate::model::Target;
use crate::units::{SimDuration, SimTime};
use crate::workload::WorkloadId;

/// A run of a workload, from arrival on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Task {
    pub workload: WorkloadId,
    pub arrived_at: SimTime,
    /// Run time on its target (Amdahl-scaled), before any timeout.
    pub service: SimDuration,
}

/// Something that happens at a tick.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Event {
    /// The next run of a workload arrives.
    Arrival(WorkloadId),
    /// A run ends on `target` (completes or hits its timeout).
    Finish {
        target: Target,
        task: Task,
        started_at: SimTime,
    },
    /// The time-series tick.
    Sample,
}
