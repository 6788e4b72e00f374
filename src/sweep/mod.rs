//! Sweeps: every point of a `[sweep]` run in parallel (rayon), with common
//! random numbers (seeds depend on the replication, not the point), and
//! optionally more replications until the intervals are tight enough.
//! Results come back in point order, identical whatever the thread count.
//! This is the only module besides `replication` that uses rayon.

mod plan;
pub mod schedule;
mod table;

pub use plan::{PlanError, PlanOutcome, plan, plan_axis};
pub use schedule::{
    FixedComparison, PlannedRule, ScheduleError, SchedulePlan, ScheduleRequest, plan_schedule,
    workflow_yaml,
};
pub use table::{
    Objective, Recommendation, SweepRow, SweepTable, is_condition_axis, metric_names, row_values,
};

use std::sync::atomic::AtomicBool;

use rayon::prelude::*;

use crate::replication::{RunOptions, replicate};
use crate::scenario::{Scenario, SweepPoint};
use crate::stats::{Estimate, ReplicationSummary, TotalMetric, summarise};

/// How a sweep runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SweepOptions {
    /// Keep adding replications until the key metrics' 95% half-width is
    /// within this fraction of their mean.
    pub precision: Option<f64>,
    /// The most replications per point in precision mode.
    pub max_replications: u32,
    /// Run only shard K of N (1-based): the points whose index is K-1 mod N.
    pub shard: Option<(usize, usize)>,
}

/// Progress of a long sweep, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// This many more replications were scheduled.
    Added(u64),
    /// One replication finished.
    Done,
}

/// Metrics whose precision `--precision` controls.
const PRECISION_METRICS: [TotalMetric; 3] = [
    TotalMetric::CostUsd,
    TotalMetric::WaitP95S,
    TotalMetric::TotalCostUsd,
];

fn precise_enough(reps: &[ReplicationSummary], precision: f64) -> bool {
    // One replication has no interval: never "precise".
    reps.len() >= 2
        && PRECISION_METRICS.iter().all(|&m| {
            let xs: Vec<f64> = reps.iter().map(|r| r.totals[m]).collect();
            let e = Estimate::from_samples(&xs);
            e.half_width() <= precision * e.mean.abs()
        })
}

/// Whether point `index` belongs to the shard.
pub fn in_shard(index: usize, shard: Option<(usize, usize)>) -> bool {
    shard.is_none_or(|(k, n)| index % n == k - 1)
}

/// Runs every replication of one point in parallel.
pub(crate) fn run_point(
    point: &SweepPoint,
    cancel: &AtomicBool,
    progress: &(dyn Fn(Progress) + Sync),
) -> Option<Vec<ReplicationSummary>> {
    let scenario = point.scenario.as_ref().ok()?;
    let jobs: Vec<(&Scenario, u32)> = (0..scenario.simulation.replications)
        .map(|r| (scenario, r))
        .collect();
    Some(run_jobs(&jobs, cancel, progress))
}

/// `replicate` with sweep progress: the jobs are announced, then each one
/// reported done.
fn run_jobs(
    jobs: &[(&Scenario, u32)],
    cancel: &AtomicBool,
    progress: &(dyn Fn(Progress) + Sync),
) -> Vec<ReplicationSummary> {
    progress(Progress::Added(jobs.len() as u64));
    let done = || progress(Progress::Done);
    replicate(
        jobs,
        &RunOptions {
            cancel,
            progress: &done,
        },
    )
}

/// The row of a point from its replications (`None`: infeasible).
pub(crate) fn make_row(
    point: &SweepPoint,
    reps: Option<Vec<ReplicationSummary>>,
    metrics: usize,
) -> SweepRow {
    let params = point.values.iter().map(|v| v.to_string()).collect();
    match (&point.scenario, reps) {
        (Ok(s), Some(reps)) => {
            let mut s = s.clone();
            s.simulation.replications = reps.len() as u32;
            let run = summarise(&s, reps);
            SweepRow {
                point: point.index,
                params,
                replications: run.replications,
                values: row_values(&run),
                feasible: true,
                reason: String::new(),
            }
        }
        (Err(reason), _) => SweepRow {
            point: point.index,
            params,
            replications: 0,
            values: vec![[f64::NAN; 3]; metrics],
            feasible: false,
            reason: reason.clone(),
        },
        (Ok(_), None) => unreachable!("a feasible point always has replications"),
    }
}

/// Runs the feasible points of `points` (those of the shard) and builds the
/// table; infeasible points become rows with their reason.
pub fn run_sweep(
    points: &[SweepPoint],
    axes: Vec<String>,
    metrics: Vec<String>,
    opts: SweepOptions,
    cancel: &AtomicBool,
    progress: &(dyn Fn(Progress) + Sync),
) -> SweepTable {
    let mine: Vec<&SweepPoint> = points
        .iter()
        .filter(|p| in_shard(p.index, opts.shard))
        .collect();
    // A chunk of points at a time: replications run in parallel across the
    // whole chunk, and a point's replications are reduced to its row as soon
    // as the chunk ends, so memory does not grow with the number of points.
    let rows = mine
        .chunks(POINTS_PER_CHUNK)
        .flat_map(|chunk| run_chunk(chunk, metrics.len(), opts, cancel, progress))
        .collect();
    SweepTable {
        axes,
        metrics,
        rows,
    }
}

/// Points whose replications are held in memory at once.
const POINTS_PER_CHUNK: usize = 64;

/// How many points of `points` (the shard's valid ones) have their
/// replications held in memory at once: a chunk's (for the memory
/// estimate).
pub fn points_held(points: &[SweepPoint], shard: Option<(usize, usize)>) -> usize {
    points
        .iter()
        .filter(|p| p.scenario.is_ok() && in_shard(p.index, shard))
        .count()
        .min(POINTS_PER_CHUNK)
}

fn run_chunk(
    mine: &[&SweepPoint],
    metrics: usize,
    opts: SweepOptions,
    cancel: &AtomicBool,
    progress: &(dyn Fn(Progress) + Sync),
) -> Vec<SweepRow> {
    let mut reps: Vec<Vec<ReplicationSummary>> = vec![Vec::new(); mine.len()];
    let mut wanted: Vec<u32> = mine
        .iter()
        .map(|p| p.scenario.as_ref().map_or(0, |s| s.simulation.replications))
        .collect();
    loop {
        let jobs: Vec<(usize, u32)> = (0..mine.len())
            .flat_map(|i| (reps[i].len() as u32..wanted[i]).map(move |r| (i, r)))
            .collect();
        if jobs.is_empty() {
            break;
        }
        let runs: Vec<(&Scenario, u32)> = jobs
            .iter()
            .map(|&(i, r)| {
                let scenario = mine[i]
                    .scenario
                    .as_ref()
                    .expect("only feasible points get jobs");
                (scenario, r)
            })
            .collect();
        let results = run_jobs(&runs, cancel, progress);
        for (&(i, _), s) in jobs.iter().zip(results) {
            reps[i].push(s);
        }
        let Some(precision) = opts.precision else {
            break;
        };
        for (i, p) in mine.iter().enumerate() {
            let Ok(s) = &p.scenario else { continue };
            if !precise_enough(&reps[i], precision) {
                let batch = s.simulation.replications.max(2);
                wanted[i] = (wanted[i] + batch).min(opts.max_replications.max(wanted[i]));
            }
        }
    }
    // Summarising is work too: in parallel, in point order.
    mine.par_iter()
        .zip(reps.into_par_iter())
        .map(|(p, reps)| make_row(p, p.scenario.is_ok().then_some(reps), metrics))
        .collect()
}
