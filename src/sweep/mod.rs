//! Sweeps: every point of a `[sweep]` run in parallel (rayon), with common
//! random numbers (seeds depend on the replication, not the point), and
//! optionally more replications until the intervals are tight enough.
//! Results come back in point order, identical whatever the thread count.
//! rayon spreads replications (`replication`) and sweep points (here);
//! `app` sets its thread pool up and draws a run's charts on it.

mod columns;
mod plan;
pub mod schedule;

pub use columns::{metric_names, objective_of, table_of};
pub use plan::{PlanError, plan, plan_axis};
pub use schedule::{ScheduleError, ScheduleRequest, plan_schedule};

use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;

use crate::replication::{RunOptions, replicate_map};
use crate::results::{
    Estimate, SweepRow, SweepTable, TOTALS, TotalMetric, judged_columns, row_values,
};
use crate::scenario::{Scenario, SweepPoint, SweepPoints};
use crate::stats::{ReplicationSummary, summarise};

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

/// `replicate` with sweep progress (the jobs are announced, then each one
/// reported done), keeping what a row reads.
fn run_jobs(
    jobs: &[(&Scenario, u32)],
    cancel: &AtomicBool,
    progress: &(dyn Fn(Progress) + Sync),
) -> Vec<ReplicationSummary> {
    progress(Progress::Added(jobs.len() as u64));
    let done = || progress(Progress::Done);
    let opts = RunOptions {
        cancel,
        progress: &done,
    };
    replicate_map(jobs, &opts, |mut s| {
        // A row reads no queue series, and a chunk's took gigabytes (64
        // points x 10 replications x 10^6 samples): each goes as its
        // replication ends, with the waits by hour (a few kilobytes per
        // hour cell, 168 per workload), which a row does not read either.
        for pool in &mut s.series {
            *pool = Vec::new();
        }
        s.wait_by_hour = Vec::new();
        s
    })
}

/// The row of a point from its replications (`None`: infeasible), in a
/// table of `metrics` columns the first `judged` of which its decisions
/// read (`judged_columns`).
pub(crate) fn make_row(
    point: &SweepPoint,
    reps: Option<Vec<ReplicationSummary>>,
    metrics: usize,
    judged: usize,
) -> SweepRow {
    let params = point.values.iter().map(|v| v.to_string()).collect();
    match (&point.scenario, reps) {
        (Ok(s), Some(reps)) => {
            let mut s = s.clone();
            s.simulation.replications = reps.len() as u32;
            let run = summarise(&s, reps, &crate::forecast::of(&s));
            SweepRow::new(
                point.index,
                params,
                run.replications,
                row_values(&run),
                judged,
                true,
                String::new(),
            )
        }
        (Err(reason), _) => SweepRow::new(
            point.index,
            params,
            0,
            vec![[f64::NAN; 3]; metrics],
            // Nothing to judge: the table fills the objectives' columns.
            TOTALS,
            false,
            reason.clone(),
        ),
        (Ok(_), None) => unreachable!("a feasible point always has replications"),
    }
}

/// Runs the feasible points of `points` (those of the shard) into `table`
/// (empty, made for them up front: a temporary file that cannot be made
/// is told before anything runs); infeasible points become rows with
/// their reason.
///
/// A chunk of points at a time: the chunk's scenarios are built when it
/// starts, its replications run in parallel across the whole chunk, and
/// each point's replications are reduced to its row as soon as the chunk
/// ends. Each row goes to `rows_out` then (in point order, to be written
/// out), and into the table, which keeps its totals on disk: memory does
/// not grow with the number of points. Stops between chunks when `cancel`
/// is set. Runs on `pool`'s threads (`rows_out`, on the caller's).
pub fn run_sweep(
    pool: &rayon::ThreadPool,
    points: &SweepPoints,
    mut table: SweepTable,
    opts: SweepOptions,
    cancel: &AtomicBool,
    progress: &(dyn Fn(Progress) + Sync),
    rows_out: &mut dyn FnMut(&SweepRow) -> std::io::Result<()>,
) -> std::io::Result<SweepTable> {
    let mine: Vec<usize> = (0..points.len())
        .filter(|&i| in_shard(i, opts.shard))
        .collect();
    let (columns, judged) = (table.metrics.len(), judged_columns(&table.metrics));
    for chunk in mine.chunks(POINTS_PER_CHUNK) {
        if cancel.load(Ordering::Relaxed) {
            break;
        }
        let chunk_rows = pool.install(|| {
            let built: Vec<SweepPoint> = chunk.par_iter().map(|&i| points.point(i)).collect();
            run_chunk(&built, columns, judged, opts, cancel, progress)
        });
        for row in chunk_rows {
            rows_out(&row)?;
            table.insert(&row)?;
        }
    }
    Ok(table)
}

/// Points built, and their replications held in memory, at once.
pub const POINTS_PER_CHUNK: usize = 64;

/// Runs the points `mine` into their rows, in a table of `metrics`
/// columns the first `judged` of which are judged (see `make_row`).
fn run_chunk(
    mine: &[SweepPoint],
    metrics: usize,
    judged: usize,
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
    // Interrupted: the rows would be incomplete and are discarded, so
    // they are not made.
    if cancel.load(Ordering::Relaxed) {
        return Vec::new();
    }
    // Summarising is work too: in parallel, in point order.
    mine.par_iter()
        .zip(reps.into_par_iter())
        .map(|(p, reps)| make_row(p, p.scenario.is_ok().then_some(reps), metrics, judged))
        .collect()
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::results::Metric;
    use crate::scenario::{from_str, sweep_spec};

    /// The tests' pool, two S1 instances, and its CI workload.
    const BUILDERS: &str = r#"
[[pool]]
name = "builders"
tier = "S1"
count = 2
[[workload]]
name = "ci"
pool = "builders"
arrival = { process = "poisson", rate = "30/h" }
duration = { dist = "exponential", mean = "2m" }
"#;

    /// Every row leaves whole (for `sweep.csv`), in point order, and the
    /// table keeps the totals of each.
    #[test]
    fn rows_leave_whole_and_the_table_keeps_their_totals() {
        let src = &format!(
            r#"
[simulation]
horizon = "1h"
warmup = "0s"
replications = 2
{BUILDERS}
[sweep]
"pool.builders.count" = {{ from = 1, to = 70, step = 1 }}
"#
        );
        let path = Path::new("rows.toml");
        let spec = sweep_spec(src, path).expect("valid").expect("a sweep");
        let points = SweepPoints::new(spec, src, path, Default::default());
        let metrics = metric_names(&from_str(src, path).expect("valid"));
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .expect("threads");
        let mut out = Vec::new();
        let table = run_sweep(
            &pool,
            &points,
            table_of(points.spec(), metrics.clone()).expect("temp file"),
            SweepOptions {
                precision: None,
                max_replications: 2,
                shard: None,
            },
            &AtomicBool::new(false),
            &|_| {},
            &mut |row| {
                out.push(row.clone());
                Ok(())
            },
        )
        .expect("no writing to fail");
        // 70 points: two chunks, over the quota from 9 instances of S1.
        assert_eq!(out.len(), 70);
        assert!(out.iter().enumerate().all(|(i, r)| r.point == i));
        assert!(
            out.iter()
                .all(|r| r.values.len() == metrics.len() && r.feasible == (r.point < 8))
        );
        assert_eq!(table.len(), 70);
        let kept: Vec<SweepRow> = table.rows().collect::<Result<_, _>>().expect("read back");
        assert_eq!(table.infeasible().0, 62);
        for (kept, whole) in kept.iter().zip(&out) {
            assert!(kept.values.is_empty());
            assert_eq!(
                (kept.point, &kept.params, kept.replications, kept.feasible),
                (
                    whole.point,
                    &whole.params,
                    whole.replications,
                    whole.feasible
                )
            );
            for (i, &m) in TotalMetric::ALL.iter().enumerate() {
                let (k, w) = (kept.total(m), whole.values[i]);
                // Bit for bit (an undefined metric is NaN).
                let (lo, hi) = k.ci95.unwrap_or((f64::NAN, f64::NAN));
                assert_eq!(
                    [k.mean, lo, hi].map(f64::to_bits),
                    w.map(f64::to_bits),
                    "{m:?}"
                );
            }
        }
    }

    #[test]
    fn a_row_keeps_every_judged_column_of_each_objective() {
        // Two wait objectives judged per hour: each has a worst hour, and
        // a steady rate makes every other hour alike to it; the table's
        // columns of both (`judged_columns`) must all reach the row.
        let src = &format!(
            r#"
[simulation]
horizon = "2d"
warmup = "1d"
replications = 2
{BUILDERS}
[[workload]]
name = "nightly"
pool = "builders"
arrival = {{ process = "poisson", rate = "2/h" }}
duration = {{ dist = "exponential", mean = "5m" }}
[slo]
wait_p95 = "1s"
per = "hour"
[slo.workloads.nightly]
wait_p95 = "1s"
per = "hour"
[sweep]
"pool.builders.count" = [2, 3]
"#
        );
        let path = Path::new("judged.toml");
        let s = from_str(src, path).expect("valid");
        let spec = sweep_spec(src, path).expect("valid").expect("a sweep");
        let point = SweepPoints::new(spec, src, path, Default::default()).point(0);
        let reps = run_point(&point, &AtomicBool::new(false), &|_| {}).expect("feasible");
        let run = summarise(&s, reps.clone(), &crate::forecast::of(&s));
        let metrics = metric_names(&s);
        let row = make_row(&point, Some(reps), metrics.len(), judged_columns(&metrics));
        let waits: Vec<_> = run
            .slo
            .iter()
            .flat_map(|v| &v.objectives)
            .filter(|o| o.kind == crate::results::ObjectiveKind::WaitP95)
            .collect();
        assert_eq!(waits.len(), 2);
        for (i, o) in waits.iter().enumerate() {
            let judged = row.objective(i);
            assert!(o.worst_hour.is_some() && o.alike_hours > 0, "{o:?}");
            assert_eq!(
                (judged.worst_hour, judged.alike_hours),
                (o.worst_hour, o.alike_hours),
                "objective {i}"
            );
        }
    }
}
