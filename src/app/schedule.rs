//! `poolcast plan SCENARIO --schedule POOL`: the search is
//! `sweep::plan_schedule`; this wires it to the command line (progress bar,
//! Ctrl-C, the printed plan and the files).

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;

use anyhow::Result;

use super::outputs::{Outputs, Steps};
use super::{BadInput, Interrupted, apply_overrides, emit, thread_pool};
use crate::cli::{Format, PerArg, PlanArgs};
use crate::model::Per;
use crate::report::SCHEDULE_EXPORTERS;
use crate::report::schedule::{ScheduleFiles, schedule_csv, schedule_json, schedule_text};
use crate::results::schedule::{SchedulePlan, misses_cost};
use crate::scenario::{self, Scenario};
use crate::sweep::schedule::plan_schedule_from;
use crate::sweep::schedule::{CONFIRM_ROUNDS, check_request, held_replications};
use crate::sweep::{Progress, ScheduleError, ScheduleRequest, plan_schedule};
use crate::text::parse_duration;
use crate::units::SimDuration;

/// The scenario's text as the plan judges it and the bound on stranded
/// runs, from the command line: validated as written (problems at the
/// user's lines), then with `--per` wherever an objective does not set its
/// own rule.
pub(super) fn judged_source(args: &PlanArgs) -> Result<(String, SimDuration)> {
    let run = &args.run;
    let scope = super::file_scope(run.scope.allow_outside);
    let max_stranded = parse_duration(&args.max_stranded).map_err(|e| {
        BadInput(format!(
            "--max-stranded {:?}: {e}; give a duration such as 30m or 2h",
            args.max_stranded
        ))
    })?;
    let source = scenario::read_source(&run.scenario)?;
    scenario::from_str_in(&source, &run.scenario, scope)?;
    let per = match args.per {
        PerArg::Hour => Per::Hour,
        PerArg::Window => Per::Window,
    };
    Ok((scenario::with_default_per(&source, per)?, max_stranded))
}

/// The scenario of `source` with the command line's overrides.
pub(super) fn scenario_of(args: &PlanArgs, source: &str) -> Result<Scenario> {
    let run = &args.run;
    let scope = super::file_scope(run.scope.allow_outside);
    let mut s = scenario::from_str_in(source, &run.scenario, scope)?;
    apply_overrides(run, &mut s)?;
    Ok(s)
}

/// The request to plan `s` (the scenario of `source`).
pub(super) fn request<'a>(
    args: &'a PlanArgs,
    pool: &'a str,
    source: &'a str,
    s: &'a Scenario,
    max_stranded: SimDuration,
) -> ScheduleRequest<'a> {
    ScheduleRequest {
        source,
        path: &args.run.scenario,
        scenario: s,
        pool,
        max_changes_per_day: args.max_changes_per_day,
        max_stranded,
        scope: super::file_scope(args.run.scope.allow_outside),
    }
}

/// The thread pool, after checking the memory budget: each candidate
/// schedule is simulated as a run of the scenario, one at a time, and
/// `plans` plans are held (one per target of a frontier).
pub(super) fn threads_for(
    args: &PlanArgs,
    s: &Scenario,
    plans: usize,
) -> Result<rayon::ThreadPool> {
    let run = &args.run;
    let threads = thread_pool(run.simulation.threads)?;
    let held = held_replications(&s.simulation);
    super::check_memory(
        &crate::forecast::memory::schedule_estimate(s, held, plans, threads.current_num_threads()),
        run.max_memory.as_deref(),
    )?;
    Ok(threads)
}

/// Runs the search with a progress bar: the plan, the search's refusal,
/// or `Interrupted` on Ctrl-C.
pub(super) fn search(
    threads: &rayon::ThreadPool,
    req: &ScheduleRequest,
    quiet: bool,
) -> Result<Result<SchedulePlan, ScheduleError>> {
    with_bar(threads, req, quiet, |cancel, progress| {
        plan_schedule(req, cancel, progress)
    })
}

/// The plan of `req` on `counts`, a tighter target's schedule, with a
/// progress bar: `None` when it does not meet `req` after all (see
/// `plan_schedule_from`); a refusal is an error, as the search's is.
pub(super) fn replan(
    threads: &rayon::ThreadPool,
    req: &ScheduleRequest,
    counts: &[u32],
) -> Result<Option<SchedulePlan>> {
    Ok(with_bar(threads, req, true, |cancel, progress| {
        plan_schedule_from(req, counts, cancel, progress)
    })??)
}

/// Runs `plan` in `threads` with a progress bar (unless `quiet`) and
/// Ctrl-C: what it gave, or `Interrupted`.
fn with_bar<T>(
    threads: &rayon::ThreadPool,
    req: &ScheduleRequest,
    quiet: bool,
    plan: impl FnOnce(&AtomicBool, &(dyn Fn(Progress) + Sync)) -> Result<T, ScheduleError> + Send,
) -> Result<Result<T, ScheduleError>>
where
    T: Send,
{
    let bar = super::sweep::bar_for(quiet, &req.scenario.name);
    let progress = super::sweep::on_progress(&bar);
    let found = threads.install(|| plan(&super::INTERRUPTED, &progress));
    bar.0.finish_and_clear();
    if super::interrupted() || matches!(found, Err(ScheduleError::Cancelled)) {
        return Err(Interrupted.into());
    }
    Ok(found)
}

/// `recommended.toml` as written into `out`: run as the plan ran, with the
/// command line's seed and replications and its data files found from the
/// output folder; and whether those files are outside it.
pub(super) fn recommended_file(
    plan: &SchedulePlan,
    args: &PlanArgs,
    out: &Outputs,
) -> (String, bool) {
    let run = &args.run;
    let judged = scenario::with_simulation(
        &plan.recommended,
        run.simulation.seed,
        run.simulation.replications,
    );
    let recommended = match out.dir() {
        Some(dir) => scenario::with_files_rebased(
            &judged,
            run.scenario.parent().unwrap_or(Path::new("")),
            dir,
        ),
        None => judged.clone(),
    };
    let reads_outside = recommended != judged;
    (recommended, reads_outside)
}

pub(super) fn plan_schedule_cmd(args: &PlanArgs, pool: &str) -> Result<ExitCode> {
    let (source, max_stranded) = judged_source(args)?;
    if !args.targets.is_empty() {
        return super::frontier::frontier_cmd(args, pool, &source, max_stranded);
    }
    let run = &args.run;
    let s = scenario_of(args, &source)?;
    let req = request(args, pool, &source, &s, max_stranded);
    // Refused before any folder is made.
    check_request(&req)?;
    super::outputs::check_writes_some(&run.output, "plan --schedule", &SCHEDULE_EXPORTERS)?;
    let threads = threads_for(args, &s, 1)?;
    let out = Outputs::prepare(&run.output, run.out.as_deref(), &s.name, Some("plan"))?
        .protect(&super::files_read(&run.scenario, &s))?;
    let plan = search(&threads, &req, run.print.quiet)??;
    let (recommended, reads_outside) = recommended_file(&plan, args, &out);
    let files = ScheduleFiles {
        plan: &plan,
        scenario: &s.name,
        recommended,
    };
    out.export(
        &SCHEDULE_EXPORTERS,
        |write, w| write(&files, w),
        Steps {
            named: files.named(),
            ..Steps::default()
        },
    )?;
    match run.print.format {
        Format::Table => emit(&schedule_text(&plan, &s.name))?,
        Format::Json => emit(&schedule_json(&plan, &s.name))?,
        Format::Csv => emit(&schedule_csv(&plan))?,
    }
    if !run.print.quiet {
        notes(&plan, &s, &run.scenario, reads_outside);
    }
    out.finish_noted(run.print.quiet)?;
    // The plan's verdict, as `check` gives it.
    Ok(exit_code(plan.misses()))
}

/// Exit code 1 when a plan (or a frontier) misses (as `check` gives for a
/// missed objective), else 0.
pub(super) fn exit_code(missed: bool) -> ExitCode {
    if missed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// The notes on stderr after a plan: where recommended.toml finds its
/// data, and what would make the plan more trustworthy.
pub(super) fn notes(plan: &SchedulePlan, s: &Scenario, path: &Path, reads_outside: bool) {
    if reads_outside {
        note!(
            "note: recommended.toml reads its data files from {}; run it with --allow-outside, or copy it beside {}",
            // A scenario named without a folder is in the working one.
            path.parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."))
                .display(),
            path.display()
        );
    }
    for w in &plan.warnings {
        note!("warning: {w}");
    }
    if !plan.confirmed {
        note!(
            "warning: the schedule missed the objective on a seed the search never saw ({} replications), after {} tries; run poolcast plan --schedule with more --replications",
            plan.confirmation.replications,
            CONFIRM_ROUNDS
        );
    }
    if misses_cost(&plan.result) {
        note!(
            "warning: the cheapest schedule that meets the wait misses [slo] max_cost_per_day; no schedule meets both"
        );
    }
    if s.simulation.replications < 10 {
        note!(
            "warning: the search judged on {} replications; use --replications 20 or more for a schedule you deploy",
            s.simulation.replications
        );
    }
}
