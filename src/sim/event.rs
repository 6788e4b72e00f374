//! The events of a replication. Small and `Copy`, so the queue moves bytes,
//! not allocations.

use crate::model::{PoolId, WorkloadId};
use crate::units::{SimDuration, SimTime};

/// A run of a workload, from arrival on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Task {
    pub workload: WorkloadId,
    pub arrived_at: SimTime,
    /// Run time on its target (Amdahl-scaled), before any timeout.
    pub service: SimDuration,
    /// Whether its current run ends at the timeout.
    pub times_out: bool,
    /// Whether it has started before (and was preempted): its wait is
    /// already recorded.
    pub restarted: bool,
}

/// Something that happens at a tick.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Event {
    /// The run on a pool instance ends (stale when the generation moved on).
    PoolFinish {
        pool: PoolId,
        slot: u32,
        generation: u32,
    },
    /// A run on the default compute ends (it started when it arrived).
    DefaultFinish {
        workload: WorkloadId,
        arrived_at: SimTime,
        times_out: bool,
    },
    /// A provisioning instance is ready (stale when cancelled).
    Ready {
        pool: PoolId,
        slot: u32,
        generation: u32,
    },
    /// A requested scale-in takes effect.
    ScaleIn { pool: PoolId, count: u32 },
    /// One or more schedule rules of a pool fire.
    Schedule(PoolId),
    /// A queue controller polls.
    Poll(PoolId),
    /// The time-series tick.
    Sample,
}
