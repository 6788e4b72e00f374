//! Replications: independent runs of a scenario, in parallel on the current
//! rayon pool. `each_replication` is the one loop over replications,
//! generic over what each records: `run`, sweep points and chunks, the
//! planner's runs and the import's back-test all go through it. Results
//! come back in job order, so summaries are identical whatever the number
//! of threads.

use std::convert::Infallible;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock, PoisonError};

use rayon::prelude::*;

use crate::forecast;
use crate::model::Forecast;
use crate::results::{Recorder, RunSummary};
use crate::scenario::Scenario;
use crate::sim::{Timetable, run_timetabled};
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

/// A value made once per scenario of a list of jobs (the jobs of one
/// scenario are in runs), by the first of its jobs to start: in parallel,
/// as the replications.
struct PerScenario<T> {
    /// By job: its scenario's place in `made`.
    of_job: Vec<usize>,
    made: Vec<OnceLock<T>>,
}

impl<T> PerScenario<T> {
    fn new(jobs: &[(&Scenario, u32)]) -> PerScenario<T> {
        let mut of_job: Vec<usize> = Vec::with_capacity(jobs.len());
        for (i, &(scenario, _)) in jobs.iter().enumerate() {
            let new = i == 0 || !std::ptr::eq(scenario, jobs[i - 1].0);
            of_job.push(of_job.last().map_or(0, |&k| k + usize::from(new)));
        }
        let made = (0..of_job.last().map_or(0, |&k| k + 1))
            .map(|_| OnceLock::new())
            .collect();
        PerScenario { of_job, made }
    }

    /// Job `job`'s value, made by `make` if it is the first to ask.
    fn get(&self, job: usize, make: impl FnOnce() -> T) -> &T {
        self.made[self.of_job[job]].get_or_init(make)
    }
}

/// The one loop over replications: runs each job (a scenario and a
/// replication number) in parallel, reporting to the recorder `open(i)`
/// makes for job `i`, and hands it to `close(i, recorder)` as the
/// replication ends, in whatever order the threads finish. Returns what
/// `close` made, in job order, so results are identical whatever the
/// number of threads. `open` returns `None` to skip the job and the jobs
/// not yet started (a cancelled run: the result is then shorter); the
/// first error stops the loop. The scenario's calendar firings are
/// found once, for all its jobs (`sim::Timetable`).
pub fn each_replication<R: Recorder, T: Send, E: Send>(
    jobs: &[(&Scenario, u32)],
    cancel: &AtomicBool,
    open: impl Fn(usize) -> Result<Option<R>, E> + Sync,
    close: impl Fn(usize, R) -> Result<T, E> + Sync,
) -> Result<Vec<T>, E> {
    let timetables = PerScenario::new(jobs);
    jobs.par_iter()
        .enumerate()
        .map(|(i, &(scenario, r))| {
            let mut recorder = match open(i) {
                Ok(Some(recorder)) => recorder,
                Ok(None) => return None,
                Err(e) => return Some(Err(e)),
            };
            let timetable = timetables.get(i, || Timetable::of(scenario));
            run_timetabled(scenario, timetable, r, &mut recorder, cancel);
            Some(close(i, recorder))
        })
        // In job order (rayon keeps it); shorter only when skipped.
        .while_some()
        .collect()
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
/// of one scenario whose forecast was made), every job run (a cancelled
/// one ends at once).
fn replicate_with<T: Send>(
    jobs: &[(&Scenario, u32)],
    known: Option<&StatsSetup>,
    opts: &RunOptions,
    each: impl Fn(ReplicationSummary) -> T + Sync,
) -> Vec<T> {
    let setups = PerScenario::new(jobs);
    let open = |i: usize| {
        let scenario = jobs[i].0;
        let setup = known.unwrap_or_else(|| setups.get(i, || forecast::stats_setup(scenario)));
        Ok(Some(ReplicationStats::with(scenario, setup)))
    };
    let close = |_, stats: ReplicationStats| Ok(each(finished(stats, opts)));
    let Ok(out) = each_replication::<_, _, Infallible>(jobs, opts.cancel, open, close);
    out
}

/// A replication's statistics summarised as it ends, then its progress.
fn finished(stats: ReplicationStats, opts: &RunOptions) -> ReplicationSummary {
    let s = stats.finish();
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
    let open = |_| Ok((!opts.cancelled()).then(|| ReplicationStats::with(scenario, &setup)));
    let close = |_, stats| Ok(fold(finished(stats, opts), &folded));
    let Ok(reps) = each_replication::<_, _, Infallible>(&jobs(scenario), opts.cancel, open, close);
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
    let jobs = jobs(scenario);
    // Once cancelled, replications not yet started are skipped.
    let open_both = |i: usize| {
        (!opts.cancelled())
            .then(|| Ok((ReplicationStats::with(scenario, &setup), open(jobs[i].1)?)))
            .transpose()
    };
    let close_both = |i: usize, (stats, extra)| {
        close(jobs[i].1, extra)?;
        Ok(fold(finished(stats, opts), &folded))
    };
    let reps = each_replication(&jobs, opts.cancel, open_both, close_both)?;
    Ok((!opts.cancelled()).then(|| summary(scenario, reps, folded, forecast)))
}
