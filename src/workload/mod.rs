//! Workloads: what arrives (an arrival process), how long it runs (a duration
//! distribution scaled by the tier's vCPUs) and where it runs. Validated data
//! plus samplers; no parsing and no event loop here.

mod arrival;
mod batch;
mod capped;
mod dist;
mod empirical;
mod firings;

pub use arrival::{Arrival, ArrivalProcess, ArrivalStream, Trace, TraceRun};
pub use batch::BatchSize;
pub use dist::{DistError, DurationDist};
pub use empirical::Recorded;
pub use firings::CronFirings;

use crate::model::Target;
use crate::units::SimDuration;

/// A validated workload.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkloadSpec {
    /// Unique name.
    pub name: String,
    /// Where its runs execute.
    pub target: Target,
    /// When runs arrive.
    pub arrival: ArrivalProcess,
    /// Run time at `ref_cpu` vCPUs (for a trace: its recorded run times).
    pub duration: DurationDist,
    /// vCPUs at which `duration` was measured.
    pub ref_cpu: f64,
    /// Amdahl parallel fraction `p` in [0, 1]: 0 means more vCPUs do not help.
    pub parallel_fraction: f64,
    /// Memory one run needs, in GB, when known.
    pub memory_gb: Option<f64>,
    /// A run longer than this is ended and counted as timed out.
    pub timeout: SimDuration,
    /// vCPUs a trace's run times were recorded on, overriding what the trace
    /// says; `None` to use the trace's own.
    pub recorded_cpu: Option<u32>,
}

impl WorkloadSpec {
    /// How much longer (or shorter) a run takes on `cpu` vCPUs than on
    /// `ref_cpu`: `(1 - p) + p * ref_cpu / cpu` (Amdahl's law).
    ///
    /// ```
    /// # use poolcast::workload::*;
    /// # use poolcast::model::{DEFAULT_TIMEOUT, Target};
    /// # use poolcast::units::*;
    /// let w = WorkloadSpec {
    ///     name: "ci".into(),
    ///     target: Target::DefaultCompute,
    ///     arrival: ArrivalProcess::Poisson { rate: Rate::per_second(1.0) },
    ///     duration: DurationDist::constant(600.0).unwrap(),
    ///     ref_cpu: 2.0,
    ///     parallel_fraction: 0.6,
    ///     memory_gb: None,
    ///     timeout: DEFAULT_TIMEOUT,
    ///     recorded_cpu: None,
    /// };
    /// assert!((w.runtime_factor(8) - 0.55).abs() < 1e-12);
    /// assert_eq!(w.runtime_factor(2), 1.0);
    /// ```
    pub fn runtime_factor(&self, cpu: u32) -> f64 {
        let p = self.parallel_fraction;
        (1.0 - p) + p * self.ref_cpu / f64::from(cpu)
    }
}
