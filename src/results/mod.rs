//! What a run and a sweep produced, as plain data: each replication's
//! events as a simulation reports them (`Recorder`), the run's summary over
//! its replications (metrics with their intervals, the verdict of the one
//! SLO judge, cost by day, queue series, waits by hour), and a sweep's
//! table with its decisions (and what `plan`'s search ran). `stats` and
//! `sweep` build them; `report` reads them and nothing else of a run.

pub(crate) mod counts;
mod estimate;
mod fingerprint;
pub(crate) mod levels;
mod metric;
mod plan;
mod recorder;
mod row_store;
pub mod schedule;
mod summary;
mod sweep;
mod sweep_meta;
mod verdict;

pub use counts::HistogramCounts;
pub use estimate::{Estimate, student_t_975};
pub use fingerprint::{Checksum, Fingerprint, checksum};
pub use levels::{LevelBlock, LevelRecorder};
pub use metric::{
    DefaultComputeMetric, Metric, MetricSet, PoolMetric, TotalMetric, Values, WorkloadMetric,
    rounded,
};
pub use plan::PlanOutcome;
pub use recorder::{PoolLevels, Recorder};
pub(crate) use row_store::TOTALS;
pub use summary::{
    CostByDay, HourWait, PoolSummary, QueueSeries, RECORDED_QUANTILES, RecordedWaits, Replication,
    RunContext, RunSummary, SampleSum, Samples, WorkloadSummary,
};
pub use sweep::{
    Condition, Decision, INFEASIBLE_LISTED, Objective, SweepRow, SweepTable, is_condition_axis,
    judged_columns, objective_id, row_values,
};
pub use sweep_meta::{SweepMeta, SweepMetaFile, WaitFile};
pub use verdict::{Judged, ObjectiveKind, ObjectiveVerdict, SloVerdict, judge};
