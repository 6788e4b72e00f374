//! Streaming statistics: what a replication reports (`Recorder`), how it is
//! summarised in bounded memory (`ReplicationStats`), and how replications
//! combine into means with Student-t confidence intervals (`RunSummary`).
//!
//! Nothing here knows the event loop; the simulation calls a `Recorder`.

mod collector;
mod estimate;
mod tally;

pub use collector::{ReplicationStats, ReplicationSummary};
pub use estimate::{Estimate, MetricSet, student_t_975};
pub use tally::TimeWeighted;

use crate::model::{PoolId, Target};
use crate::units::{SimDuration, SimTime};
use crate::workload::WorkloadId;

/// Per-pool metrics, in output order (DESIGN section 5).
pub const POOL_METRICS: &[&str] = &[
    "instances_mean",
    "utilization",
    "queue_len_mean",
    "queue_len_max",
    "instance_hours",
    "cost_usd",
    "scale_ups_capped",
    "scale_ups",
    "instances_denied",
    "preempted",
    "cold_starts",
    "cold_start_hours",
    "no_capacity_wait_hours",
];

/// Per-workload metrics, in output order (DESIGN section 5).
pub const WORKLOAD_METRICS: &[&str] = &[
    "arrived",
    "completed",
    "timed_out",
    "waited_fraction",
    "wait_mean_s",
    "wait_p50_s",
    "wait_p90_s",
    "wait_p95_s",
    "wait_p99_s",
    "wait_max_s",
    "run_mean_s",
    "turnaround_mean_s",
    "turnaround_p95_s",
];

/// Default-compute metrics, in output order.
pub const DEFAULT_COMPUTE_METRICS: &[&str] = &["runs", "running_mean", "vcpu_hours", "cost_usd"];

/// Scenario-wide metrics, in output order (DESIGN section 5).
pub const TOTAL_METRICS: &[&str] = &[
    "tasks",
    "cost_usd",
    "cost_per_day_usd",
    "cost_per_task_usd",
    "wait_mean_s",
    "wait_p95_s",
    "wait_hours",
    "waiting_cost_usd",
    "total_cost_usd",
];

/// A pool's instantaneous state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PoolLevels {
    /// Runs waiting in the pool's queue.
    pub queued: u32,
    /// Instances running a task.
    pub busy: u32,
    /// Instances allocated (and billed), including those provisioning.
    pub allocated: u32,
    /// Instances allocated but not ready yet.
    pub provisioning: u32,
}

impl PoolLevels {
    /// Instances that can run a task (idle or busy).
    pub fn ready(&self) -> u32 {
        self.allocated - self.provisioning
    }
}

/// What a simulation reports, as it happens. Times never decrease between
/// calls. Implementations decide what to keep; tests can capture everything.
pub trait Recorder {
    /// A run of workload `w` arrived.
    fn arrived(&mut self, w: WorkloadId, at: SimTime);
    /// A run started on `target` after arriving at `arrived_at`; it will run
    /// for `run` (already capped by its timeout).
    fn started(
        &mut self,
        w: WorkloadId,
        target: Target,
        arrived_at: SimTime,
        at: SimTime,
        run: SimDuration,
    );
    /// A run ended, normally or by its timeout.
    fn finished(
        &mut self,
        w: WorkloadId,
        arrived_at: SimTime,
        started_at: SimTime,
        at: SimTime,
        timed_out: bool,
    );
    /// Pool `p`'s levels changed at `at`.
    fn pool_changed(&mut self, p: PoolId, at: SimTime, levels: PoolLevels);
    /// The time series tick: pool `p` has `levels` at `at`.
    fn sampled(&mut self, p: PoolId, at: SimTime, levels: PoolLevels);
    /// Pool `p` asked for `asked` more instances and got `granted` (fewer
    /// when the quota capped it).
    fn scaled_up(&mut self, _p: PoolId, _at: SimTime, _asked: u32, _granted: u32) {}
    /// A run of `w` on pool `p` was stopped by a scale-in after running
    /// `lost`, and re-queued.
    fn preempted(&mut self, _w: WorkloadId, _p: PoolId, _at: SimTime, _lost: SimDuration) {}
    /// A run on a fresh instance of pool `p` takes `extra` longer.
    fn cold_started(&mut self, _p: PoolId, _at: SimTime, _extra: SimDuration) {}
    /// The replication stopped early at `at`: a queue outgrew the memory
    /// bound (`sim::MAX_QUEUED`).
    fn stopped(&mut self, _at: SimTime) {}
}
