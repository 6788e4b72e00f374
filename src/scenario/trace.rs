//! Turning a runs file into a replayable trace on the simulation calendar.

use std::collections::HashSet;
use std::path::Path;

use super::raw::S;
use super::validate::Ctx;
use super::workload::PoolsEnv;
use crate::runs::{RecordedRun, RunTime, RunsError, for_each_run};
use crate::units::SimTime;
use crate::workload::{Trace, TraceRun};

/// Where `run` falls on the simulation clock, or `None` before the start.
fn place(env: &PoolsEnv, run: &RecordedRun) -> Option<SimTime> {
    match run.created {
        RunTime::At(t) => env.calendar.sim_time(t),
        RunTime::Offset(d) => Some(SimTime(d.0)),
    }
}

/// The vCPUs a run was recorded on: its pool's tier when the scenario has a
/// pool of that name, or `agentConfiguration.cpu` on the default compute.
fn recorded_cpu(env: &PoolsEnv, run: &RecordedRun) -> Option<u32> {
    match &run.pool {
        None => run.cpu,
        Some(name) => env
            .by_name
            .get(name.as_str())
            .and_then(|i| env.valid[*i].as_ref())
            .map(|p| p.tier.vcpu()),
    }
}

/// Loads the trace of `file` (relative to the scenario), keeping the runs of
/// `task` when given, and places them on the calendar. Runs are streamed
/// from the file and only what a replay needs is kept of each (a few words,
/// not the strings of a recorded run).
pub(super) fn load_trace(
    cx: &mut Ctx,
    file: &S<String>,
    task: Option<&S<String>>,
    key: &str,
    env: &PoolsEnv,
) -> Option<Trace> {
    let key_file = format!("{key}.file");
    let path = cx.resolve(file, &key_file)?;
    let wanted = task.map(|t| t.get_ref().as_str());
    let read = match read_runs(env, &path, wanted) {
        Ok(read) => read,
        Err(e) => {
            cx.issue(
                Some(file),
                &key_file,
                format!("{e} (paths are relative to the scenario file)"),
            );
            return None;
        }
    };
    let ReadRuns {
        placed,
        matched,
        first,
        unknown_pools,
    } = read;
    if matched == 0 {
        let why = match wanted {
            Some(w) => format!("has no run of task {w:?}; check the task name"),
            None => "has no runs".to_string(),
        };
        cx.issue(Some(file), &key_file, format!("{} {why}", path.display()));
        return None;
    }
    let skipped = matched - placed.len();
    if placed.is_empty() {
        let start = env.calendar.start();
        let fix = match first {
            Some(RunTime::At(first)) => format!(
                "set [simulation] start = \"{}\" (the day of the first run)",
                first.format("%Y-%m-%dT00:00:00Z")
            ),
            _ => "lengthen [simulation] horizon".to_string(),
        };
        cx.issue(Some(file), &key_file, format!(
            "none of the {matched} runs in {} falls inside the simulated window ({start} plus {}); {fix}",
            path.display(),
            env.horizon
        ));
        return None;
    }
    if skipped > 0 {
        cx.warnings.push(format!(
            "{key}: {skipped} of {matched} recorded runs fall outside the simulated window and are skipped"
        ));
    }
    if !unknown_pools.is_empty() {
        cx.warnings.push(format!(
            "{key}: runs recorded on pool(s) {} that this scenario does not define; their run times are replayed unscaled (set recorded_cpu to rescale them)",
            unknown_pools.join(", ")
        ));
    }
    sorted_trace(cx, file, &key_file, &path, placed)
}

/// The trace of `placed`, sorted, when memory allows the sort and some run
/// has a start and a finish (else an issue at `file`).
fn sorted_trace(
    cx: &mut Ctx,
    file: &S<String>,
    key_file: &str,
    path: &Path,
    placed: Vec<TraceRun>,
) -> Option<Trace> {
    // `Trace::new` sorts the runs stably, which takes half of them again
    // as scratch, and lists the timed ones (4 B each): under a memory limit
    // that is checked here, where it can be said, not in an abort.
    let scratch = placed.len() / 2 + placed.len() / 8 + 1;
    if Vec::<TraceRun>::new().try_reserve_exact(scratch).is_err() {
        cx.issue(
            Some(file),
            key_file,
            format!(
                "there is not enough memory to sort its {} runs (about {} MB more); replay a shorter stretch of it, or run where more memory is free",
                placed.len(),
                scratch * std::mem::size_of::<TraceRun>() / 1_000_000
            ),
        );
        return None;
    }
    let trace = Trace::new(placed);
    if trace.is_none() {
        cx.issue(Some(file), key_file, format!(
            "no run of {} inside the window has both a start and a finish time (or a duration), so there is nothing to replay",
            path.display()
        ));
    }
    trace
}

/// The runs of a trace file read: those placed in the simulated window,
/// how many matched the task, the first one's time, and the pools the
/// scenario does not define (in the order first seen).
struct ReadRuns {
    placed: Vec<TraceRun>,
    matched: usize,
    first: Option<RunTime>,
    unknown_pools: Vec<String>,
}

/// Reads the runs of `path` (of task `wanted`, when given) and places
/// them in the simulated window of `env`.
fn read_runs(env: &PoolsEnv, path: &Path, wanted: Option<&str>) -> Result<ReadRuns, RunsError> {
    let horizon = SimTime(env.horizon.0);
    // Pools the scenario does not define, in the order first seen.
    let mut unknown_pools: Vec<String> = Vec::new();
    let mut unknown_seen: HashSet<String> = HashSet::new();
    let mut placed = Vec::new();
    let (mut matched, mut first) = (0usize, None::<RunTime>);
    let read = for_each_run(path, |run| {
        if wanted.is_some_and(|w| run.task.as_deref() != Some(w)) {
            return Ok(());
        }
        matched += 1;
        first = Some(first.map_or(run.created, |f| f.min(run.created)));
        let Some(at) = place(env, &run).filter(|t| *t <= horizon) else {
            return Ok(());
        };
        let cpu = recorded_cpu(env, &run);
        if let (Some(p), None) = (&run.pool, cpu)
            && unknown_seen.insert(p.clone())
        {
            unknown_pools.push(p.clone());
        }
        // Grown fallibly: under a memory limit (`ulimit -v`) a trace too
        // large to hold is an error at its line, not an abort.
        if placed.len() == placed.capacity() && placed.try_reserve(placed.len().max(1024)).is_err()
        {
            return Err(RunsError {
                path: path.to_path_buf(),
                row: None,
                message: format!(
                    "there is not enough memory to hold its runs ({} read so far, {} B each); replay a shorter stretch of it, or run where more memory is free",
                    placed.len(),
                    std::mem::size_of::<TraceRun>()
                ),
            });
        }
        placed.push(TraceRun {
            at,
            duration: run.duration,
            cpu,
            recorded_wait: run.wait(),
        });
        Ok(())
    });
    read?;
    Ok(ReadRuns {
        placed,
        matched,
        first,
        unknown_pools,
    })
}
