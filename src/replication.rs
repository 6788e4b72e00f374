//! Replications: independent runs of a scenario, in parallel on the current
//! rayon pool. This is the one loop over replications: `run`, sweep points
//! and sweep chunks all go through `replicate`. Results come back in job
//! order, so summaries are identical whatever the number of threads.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock, PoisonError};

use rayon::prelude::*;

use crate::forecast;
use crate::model::Forecast;
use crate::results::{Recorder, RunSummary};
use crate::scenario::Scenario;
use crate::sim::run_replication;
use crate::stats::{
    ReplicationFold, ReplicationStats, ReplicationSummary, StatsSetup, summarise_with,
};

/// How replications run: what tells them to stop, whom to tell of progress.
#[derive(Clone, Copy)]
pub struct RunOptions<'a> {
    /// Once set (by a Ctrl-C handler, say), running replications stop at
    /// their next check and return incomplete results: the caller discards
    /// them (see `cancelled`).
    pub cancel: &'a AtomicBool,
    /// Called once per finished replication.
    pub progress: &'a (dyn Fn() + Sync),
}

/// Never set: for runs nobody cancels.
static NEVER: AtomicBool = AtomicBool::new(false);

impl Default for RunOptions<'static> {
    fn default() -> Self {
        RunOptions {
            cancel: &NEVER,
            progress: &|| {},
        }
    }
}

impl RunOptions<'_> {
    /// Whether the run was cancelled: results since are incomplete.
    pub fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }
}

/// Runs one replication with the standard statistics (`setup`: the
/// scenario's, `forecast::stats_setup`).
pub fn run_one(
    scenario: &Scenario,
    setup: &StatsSetup,
    replication: u32,
    cancel: &AtomicBool,
) -> ReplicationSummary {
    let mut stats = ReplicationStats::with(scenario, setup);
    run_replication(scenario, replication, &mut stats, cancel);
    stats.finish()
}

/// Runs each job (a scenario and a replication number) in parallel and
/// returns the summaries in job order.
pub fn replicate(jobs: &[(&Scenario, u32)], opts: &RunOptions) -> Vec<ReplicationSummary> {
    replicate_map(jobs, opts, |s| s)
}

/// `replicate`, with each summary passed through `each` as its replication
/// ends (to drop what the caller will not read before the others end).
pub fn replicate_map<T: Send>(
    jobs: &[(&Scenario, u32)],
    opts: &RunOptions,
    each: impl Fn(ReplicationSummary) -> T + Sync,
) -> Vec<T> {
    replicate_with(jobs, None, opts, each)
}

/// `replicate_map`, with every job's setup `known` when given (the jobs
/// of one scenario whose forecast was made).
fn replicate_with<T: Send>(
    jobs: &[(&Scenario, u32)],
    known: Option<&StatsSetup>,
    opts: &RunOptions,
    each: impl Fn(ReplicationSummary) -> T + Sync,
) -> Vec<T> {
    // Each scenario's setup once, for its jobs (a sweep's are in runs),
    // made by the first of them to start: in parallel, as the runs.
    let mut of_job: Vec<usize> = Vec::with_capacity(jobs.len());
    for (i, &(scenario, _)) in jobs.iter().enumerate() {
        let new = i == 0 || !std::ptr::eq(scenario, jobs[i - 1].0);
        of_job.push(of_job.last().map_or(0, |&k| k + usize::from(new)));
    }
    let setups: Vec<OnceLock<StatsSetup>> = (0..of_job.last().map_or(0, |&k| k + 1))
        .map(|_| OnceLock::new())
        .collect();
    jobs.par_iter()
        .zip(&of_job)
        .map(|(&(scenario, r), &k)| {
            let setup =
                known.unwrap_or_else(|| setups[k].get_or_init(|| forecast::stats_setup(scenario)));
            each(run_job(scenario, setup, r, opts))
        })
        .collect()
}

/// One job of `replicate`: the replication, then its progress.
fn run_job(
    scenario: &Scenario,
    setup: &StatsSetup,
    replication: u32,
    opts: &RunOptions,
) -> ReplicationSummary {
    let s = run_one(scenario, setup, replication, opts.cancel);
    (opts.progress)();
    s
}

/// Every replication of `scenario`, as jobs.
fn jobs(scenario: &Scenario) -> Vec<(&Scenario, u32)> {
    (0..scenario.simulation.replications)
        .map(|r| (scenario, r))
        .collect()
}

/// Runs every replication of `scenario` and summarises them (cancelled,
/// the summary is of incomplete replications: see `run_unless_cancelled`).
/// Each replication's queue series and waits by hour are folded into the
/// run's as it ends. The forecast is made here, once.
pub fn run(scenario: &Scenario, opts: &RunOptions) -> RunSummary {
    let forecast = forecast::of(scenario);
    let folded = Mutex::new(ReplicationFold::default());
    let setup = forecast::stats_setup_of(&forecast);
    let reps = replicate_with(&jobs(scenario), Some(&setup), opts, |s| fold(s, &folded));
    summary(scenario, reps, folded, &forecast)
}

/// The run's summary, with what would fix a missed objective.
fn summary(
    scenario: &Scenario,
    reps: Vec<ReplicationSummary>,
    folded: Mutex<ReplicationFold>,
    forecast: &Forecast,
) -> RunSummary {
    let mut run = summarise_with(scenario, reps, into_inner(folded), forecast);
    run.advice = forecast::advice(scenario, forecast, run.slo.as_ref());
    run
}

/// Folds the queue series and waits by hour of `rep` into `sum` (see
/// `ReplicationFold`).
fn fold(mut rep: ReplicationSummary, sum: &Mutex<ReplicationFold>) -> ReplicationSummary {
    sum.lock()
        .unwrap_or_else(PoisonError::into_inner)
        .add(&mut rep);
    rep
}

fn into_inner(sum: Mutex<ReplicationFold>) -> ReplicationFold {
    sum.into_inner().unwrap_or_else(PoisonError::into_inner)
}

/// `run`, or `None` when cancelled. Once cancelled, replications not yet
/// started are skipped and none is summarised: after a Ctrl-C 3 s into
/// 10,000 replications, setting up the statistics of the remaining ones
/// and summarising all took 1.2-1.7 s. `forecast` is the scenario's.
pub fn run_unless_cancelled(
    scenario: &Scenario,
    forecast: &Forecast,
    opts: &RunOptions,
) -> Option<RunSummary> {
    let folded = Mutex::new(ReplicationFold::default());
    let setup = forecast::stats_setup_of(forecast);
    let reps: Vec<ReplicationSummary> = jobs(scenario)
        .par_iter()
        .map(|&(s, r)| (!opts.cancelled()).then(|| fold(run_job(s, &setup, r, opts), &folded)))
        // In job order (rayon keeps it); shorter only when cancelled.
        .while_some()
        .collect();
    (!opts.cancelled()).then(|| summary(scenario, reps, folded, forecast))
}

/// Like `run`, with a second recorder beside the statistics in every
/// replication (a log of every run, say): `open(r)` makes replication
/// `r`'s, and `close(r, recorder)` takes it back when the replication
/// ends, in whatever order the threads finish. The first error stops the
/// run; `None` when cancelled, as `run_unless_cancelled`.
pub fn run_recorded<R: Recorder, E: Send>(
    scenario: &Scenario,
    forecast: &Forecast,
    opts: &RunOptions,
    open: impl Fn(u32) -> Result<R, E> + Sync,
    close: impl Fn(u32, R) -> Result<(), E> + Sync,
) -> Result<Option<RunSummary>, E> {
    let folded = Mutex::new(ReplicationFold::default());
    let setup = forecast::stats_setup_of(forecast);
    let reps = (0..scenario.simulation.replications)
        .into_par_iter()
        .map(|r| {
            // Once cancelled, replications not yet started are skipped.
            (!opts.cancelled()).then(|| {
                let mut both = (ReplicationStats::with(scenario, &setup), open(r)?);
                run_replication(scenario, r, &mut both, opts.cancel);
                let (stats, extra) = both;
                close(r, extra)?;
                (opts.progress)();
                Ok(fold(stats.finish(), &folded))
            })
        })
        .while_some()
        .collect::<Result<Vec<_>, E>>()?;
    Ok((!opts.cancelled()).then(|| summary(scenario, reps, folded, forecast)))
}
