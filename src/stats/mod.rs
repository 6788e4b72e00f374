//! Streaming statistics: what a replication reports (`Recorder`), how it is
//! summarised in bounded memory (`ReplicationStats`), and how replications
//! combine into means with Student-t confidence intervals (`RunSummary`).
//!
//! Nothing here knows the event loop; the simulation calls a `Recorder`.

mod collector;
mod counts;
mod estimate;
mod hourly;
mod levels;
mod metric;
mod summary;
mod tally;
mod verdict;

pub use collector::{ObjectiveWaits, ReplicationStats, ReplicationSummary, StatsSetup};
pub use counts::HistogramCounts;
pub use estimate::{Estimate, student_t_975};
pub use hourly::{HOURS_OF_WEEK, HourWaits, WaitsByHourSum};
pub use levels::LevelBlock;
pub use metric::{
    DefaultComputeMetric, Metric, MetricSet, PoolMetric, TotalMetric, Values, WorkloadMetric,
    rounded,
};
pub use summary::{
    CostByDay, HourWait, PoolSummary, QueueSeries, RECORDED_QUANTILES, RecordedWaits,
    ReplicationFold, RunContext, RunSummary, SampleSum, WorkloadSummary, summarise, summarise_with,
};
pub use tally::{DailyArea, TimeWeighted, day_span};
pub use verdict::{Judged, ObjectiveKind, ObjectiveVerdict, Objectives, SloVerdict, judge};

use crate::model::{PoolId, Target};
use crate::units::{SimDuration, SimTime};
use crate::workload::WorkloadId;

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
/// Every event does nothing by default: a recorder says what it tallies.
pub trait Recorder {
    /// A run of workload `w` arrived.
    fn arrived(&mut self, _w: WorkloadId, _at: SimTime) {}
    /// A run started on `target` after arriving at `arrived_at`; it will run
    /// for `run` (already capped by its timeout).
    fn started(
        &mut self,
        _w: WorkloadId,
        _target: Target,
        _arrived_at: SimTime,
        _at: SimTime,
        _run: SimDuration,
    ) {
    }
    /// A run ended, normally or by its timeout.
    fn finished(
        &mut self,
        _w: WorkloadId,
        _arrived_at: SimTime,
        _started_at: SimTime,
        _at: SimTime,
        _timed_out: bool,
    ) {
    }
    /// A run of `w` that arrived at `arrived_at` is still queued when the
    /// run ends at `at`: its wait so far is a lower bound.
    fn censored(&mut self, _w: WorkloadId, _arrived_at: SimTime, _at: SimTime) {}
    /// Pool `p`'s levels changed at `at`.
    fn pool_changed(&mut self, _p: PoolId, _at: SimTime, _levels: PoolLevels) {}
    /// The time series tick: pool `p` has `levels` at `at`.
    fn sampled(&mut self, _p: PoolId, _at: SimTime, _levels: PoolLevels) {}
    /// Pool `p` asked for `asked` more instances and got `granted` (fewer
    /// when the quota capped it).
    fn scaled_up(&mut self, _p: PoolId, _at: SimTime, _asked: u32, _granted: u32) {}
    /// A run of `w` that arrived at `arrived_at`, on pool `p`, was stopped
    /// by a scale-in after running `lost`, and re-queued.
    fn preempted(
        &mut self,
        _w: WorkloadId,
        _arrived_at: SimTime,
        _p: PoolId,
        _at: SimTime,
        _lost: SimDuration,
    ) {
    }
    /// A run on a fresh instance of pool `p` takes `extra` longer.
    fn cold_started(&mut self, _p: PoolId, _at: SimTime, _extra: SimDuration) {}
    /// The replication stopped early at `at`: the queues outgrew the memory
    /// bound (`sim::MAX_QUEUED`, all pools together).
    fn stopped(&mut self, _at: SimTime) {}
}

/// Two recorders fed the same events, in order: the statistics and, when
/// asked, a log of every run (`report::TaskLog`).
impl<A: Recorder, B: Recorder> Recorder for (A, B) {
    #[inline]
    fn arrived(&mut self, w: WorkloadId, at: SimTime) {
        self.0.arrived(w, at);
        self.1.arrived(w, at);
    }
    #[inline]
    fn started(
        &mut self,
        w: WorkloadId,
        target: Target,
        arrived_at: SimTime,
        at: SimTime,
        run: SimDuration,
    ) {
        self.0.started(w, target, arrived_at, at, run);
        self.1.started(w, target, arrived_at, at, run);
    }
    #[inline]
    fn finished(
        &mut self,
        w: WorkloadId,
        arrived_at: SimTime,
        started_at: SimTime,
        at: SimTime,
        timed_out: bool,
    ) {
        self.0.finished(w, arrived_at, started_at, at, timed_out);
        self.1.finished(w, arrived_at, started_at, at, timed_out);
    }
    fn censored(&mut self, w: WorkloadId, arrived_at: SimTime, at: SimTime) {
        self.0.censored(w, arrived_at, at);
        self.1.censored(w, arrived_at, at);
    }
    #[inline]
    fn pool_changed(&mut self, p: PoolId, at: SimTime, levels: PoolLevels) {
        self.0.pool_changed(p, at, levels);
        self.1.pool_changed(p, at, levels);
    }
    fn sampled(&mut self, p: PoolId, at: SimTime, levels: PoolLevels) {
        self.0.sampled(p, at, levels);
        self.1.sampled(p, at, levels);
    }
    fn scaled_up(&mut self, p: PoolId, at: SimTime, asked: u32, granted: u32) {
        self.0.scaled_up(p, at, asked, granted);
        self.1.scaled_up(p, at, asked, granted);
    }
    fn preempted(
        &mut self,
        w: WorkloadId,
        arrived_at: SimTime,
        p: PoolId,
        at: SimTime,
        lost: SimDuration,
    ) {
        self.0.preempted(w, arrived_at, p, at, lost);
        self.1.preempted(w, arrived_at, p, at, lost);
    }
    fn cold_started(&mut self, p: PoolId, at: SimTime, extra: SimDuration) {
        self.0.cold_started(p, at, extra);
        self.1.cold_started(p, at, extra);
    }
    fn stopped(&mut self, at: SimTime) {
        self.0.stopped(at);
        self.1.stopped(at);
    }
}
