//! `poolcast run` and `poolcast check`.

use std::io::Write;
use std::process::ExitCode;

use std::sync::{Mutex, PoisonError};

use anyhow::{Context, Result};
use rayon::prelude::*;

use super::outputs::{Outputs, Steps};
use super::{
    BadInput, INTERRUPTED, Interrupted, emit, interrupted, load_with_overrides, progress_bar,
    stop_if_interrupted, thread_pool,
};
use crate::cli::{CheckArgs, Format, RunArgs};
use crate::forecast::ScenarioEstimate;
use crate::model::Forecast;
use crate::replication::RunOptions;
use crate::report::{self, Kind};
use crate::results::RunSummary;
use crate::scenario::Scenario;

/// Simulates the scenario of `args`, writes the outputs and prints the
/// summary; returns what it ran, and every warning, for `check`.
fn simulate(args: &RunArgs) -> Result<(Scenario, RunSummary, Vec<String>)> {
    let s = load_with_overrides(args)?;
    let out = Outputs::prepare(&args.output, args.out.as_deref(), &s.name, None)?
        .protect(&super::files_read(&args.scenario, &s))?;
    let pool = thread_pool(args.simulation.threads)?;
    super::check_memory(
        &crate::forecast::memory::run_estimate(&s, pool.current_num_threads()),
        args.max_memory.as_deref(),
    )?;
    // Computed once: read by the warnings and handed to the summary.
    let forecast = crate::forecast::of(&s);
    // Computed once: printed now, and kept for the JSON and the reports.
    let mut warnings = warnings_before_run(&s, &forecast, pool.current_num_threads());
    if !args.print.quiet {
        for w in &warnings {
            note!("warning: {w}");
        }
    }
    let bar = progress_bar(
        u64::from(s.simulation.replications),
        args.print.quiet,
        "replications",
    );
    bar.set_message(s.name.clone());
    let progress = || bar.inc(1);
    let opts = RunOptions {
        cancel: &INTERRUPTED,
        progress: &progress,
    };
    let replicated = pool.install(|| replicate(&s, &forecast, &opts, &out))?;
    bar.finish_and_clear();
    let (Some(run), tasks) = replicated else {
        return Err(Interrupted.into());
    };
    // Replication by replication until a Ctrl-C (the file is then
    // incomplete, and dropped with the set).
    out.write_with(Kind::Tasks, "tasks.csv", |w| {
        let joined = tasks.iter().take_while(|_| !interrupted());
        report::write_tasks_csv(w, joined.map(std::fs::File::open))
    })?;
    stop_if_interrupted()?;
    // The replications' files go now, before the folder's manifest.
    drop(tasks);
    let late = report::after_run(&run);
    if !args.print.quiet {
        for w in &late {
            note!("warning: {w}");
        }
    }
    warnings.extend(late);
    write_run(args, &out, &run, &warnings, &pool)?;
    out.finish_noted(args.print.quiet)?;
    Ok((s, run, warnings))
}

/// The run's files (`report::RUN_EXPORTERS`, the charts drawn in parallel
/// on `pool`) and what it prints, in the chosen format.
fn write_run(
    args: &RunArgs,
    out: &Outputs,
    run: &RunSummary,
    warnings: &[String],
    pool: &rayon::ThreadPool,
) -> Result<()> {
    let files = report::RunFiles::new(run, warnings);
    let draw = || {
        if !args.print.quiet {
            for why in report::run_charts_left_out(run) {
                note!("note: {why}");
            }
        }
        // On the run's threads: the charts are drawn in parallel (in the
        // order listed, whatever the threads), each SVG moved to the
        // scratch file as it is done (a heat map per pool); once
        // interrupted, those not begun are not drawn.
        let jobs = report::run_chart_jobs(run, out.chart_formats());
        // The scratch file's own errors name its path, which the user
        // never chose: say what was being written, and where.
        let charts_error = || {
            let dir = out.dir().unwrap_or(std::path::Path::new("."));
            format!("cannot write the charts in {}", dir.display())
        };
        let spill = report::SvgSpill::new(out.scratch().map_err(|e| {
            // tempfile wraps the system's error with the path: the cause.
            let cause = e.get_ref().and_then(|p| p.source());
            let cause = cause.map_or_else(|| e.to_string(), ToString::to_string);
            anyhow::anyhow!("{}: {cause}", charts_error())
        })?);
        let drawn: Vec<Option<report::Chart>> = pool.install(|| {
            jobs.par_iter()
                .map(|job| -> Result<_> {
                    if interrupted() {
                        return Ok(None);
                    }
                    let mut chart = job.draw()?;
                    if let Some(c) = &mut chart {
                        c.svg.spill(&spill).with_context(charts_error)?;
                    }
                    Ok(chart)
                })
                .collect::<Result<_>>()
        })?;
        stop_if_interrupted()?;
        Ok(drawn.into_iter().flatten().collect())
    };
    out.export(
        &report::RUN_EXPORTERS,
        |write, w| write(&files, w),
        Steps {
            draw: Some(Box::new(draw)),
            document: Some(Box::new(|charts| {
                report::Document::for_run(run, warnings, charts)
            })),
            ..Steps::default()
        },
    )?;
    match args.print.format {
        Format::Table => emit(&report::summary_table(run))?,
        Format::Json => emit(files.summary_json())?,
        Format::Csv => emit(&String::from_utf8_lossy(&report::metrics_long_csv(run)))?,
    }
    Ok(())
}

/// What `run` warns of before it simulates `s` on `threads` threads (and
/// `validate` without simulating): validation's findings, the estimate's
/// overloaded hours and short warm-up, and long work. `forecast` is `s`'s.
pub(super) fn warnings_before_run(
    s: &Scenario,
    forecast: &Forecast,
    threads: usize,
) -> Vec<String> {
    let mut warnings = report::before_run(&ScenarioEstimate::with(s, forecast));
    warnings.extend(s.long_work_warning(threads));
    warnings
}

/// Runs the replications (no summary when interrupted). With `tasks` asked for, each replication also
/// streams its runs to a scratch file of its own beside the outputs (returned in
/// replication order, removed when dropped), which `tasks.csv` joins: rows
/// leave memory as they are written, whatever the number of runs, and the
/// bytes do not depend on which thread ran what.
fn replicate(
    s: &Scenario,
    forecast: &Forecast,
    opts: &RunOptions,
    out: &Outputs,
) -> Result<(Option<RunSummary>, Vec<tempfile::TempPath>)> {
    let Some(dir) = out.dir().filter(|_| out.wants(Kind::Tasks)) else {
        return Ok((
            crate::replication::run_unless_cancelled(s, forecast, opts),
            Vec::new(),
        ));
    };
    let labels = report::TaskLabels {
        workloads: s
            .workloads
            .iter()
            .map(|w| (w.name.clone(), s.target_name(w.target).to_string()))
            .collect(),
        calendar: s.simulation.calendar,
        warmup: s.simulation.warmup,
    };
    let parts = Mutex::new(Vec::new());
    let run = crate::replication::run_recorded(
        s,
        forecast,
        opts,
        |r| -> std::io::Result<_> {
            let (file, path) = out.scratch()?.into_parts();
            parts
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push((r, path));
            Ok(report::TaskLog::new(&labels, r, file))
        },
        |_, log| log.finish().map(drop),
    )
    .with_context(|| format!("cannot write the runs of tasks.csv in {}", dir.display()))?;
    let mut parts = parts.into_inner().unwrap_or_else(PoisonError::into_inner);
    parts.sort_by_key(|(r, _)| *r);
    Ok((run, parts.into_iter().map(|(_, path)| path).collect()))
}

pub(super) fn run(args: &RunArgs) -> Result<ExitCode> {
    simulate(args)?;
    Ok(ExitCode::SUCCESS)
}

/// Opens `path` for a report `check` writes, emptied: refused (bad input)
/// before anything runs when it cannot be written.
fn report_file(path: &std::path::Path, noun: &'static str) -> Result<std::fs::File> {
    let file = crate::input::open_append(path, noun).map_err(|e| BadInput(e.to_string()))?;
    file.set_len(0)
        .map_err(|e| BadInput(format!("cannot write the {noun} {}: {e}", path.display())))?;
    Ok(file)
}

/// Writes `text` to a report file `check` opened.
fn write_report(
    file: &mut std::fs::File,
    path: &std::path::Path,
    noun: &str,
    text: &str,
) -> Result<()> {
    // Not being able to report is bad input (exit 2), never a verdict.
    file.write_all(text.as_bytes())
        .map_err(|e| BadInput(format!("cannot write the {noun} {}: {e}", path.display())).into())
}

/// Like `run`, then exit 1 when an objective is missed (judged on the mean
/// over replications, as `slo_met` is). With `GITHUB_STEP_SUMMARY` set, a
/// Markdown summary is appended there; with `--junit`, a JUnit report
/// written.
pub(super) fn check(check: &CheckArgs) -> Result<ExitCode> {
    let args = &check.run;
    let s = crate::scenario::load_in(&args.scenario, super::file_scope(args.scope.allow_outside))?;
    if !s.slo.is_set() {
        return Err(BadInput(format!(
            "{} has no [slo] to check; add e.g. [slo] wait_p95 = \"5m\"",
            args.scenario.display()
        ))
        .into());
    }
    // Opened before the simulation: a step summary that cannot be written
    // (a folder, a FIFO, a device) is bad input found at once, not after
    // the whole run.
    let step_summary = std::env::var_os("GITHUB_STEP_SUMMARY")
        .filter(|p| !p.is_empty())
        .map(|p| {
            let path = std::path::PathBuf::from(p);
            // Named by the variable: the path alone (`/dev/full`) does not
            // say where it came from.
            crate::input::open_append(&path, "step summary file")
                .map(|file| (path, file))
                .map_err(|e| BadInput(format!("GITHUB_STEP_SUMMARY: {e}")))
        })
        .transpose()?;
    let junit = check
        .junit
        .as_ref()
        .map(|p| report_file(p, "JUnit file").map(|f| (p, f)))
        .transpose()?;
    let (s, run, warnings) = simulate(args)?;
    // The run's own verdict, read, not judged again.
    let Some(verdict) = &run.slo else {
        return Err(BadInput(format!("{} has no [slo] objective to check", s.name)).into());
    };
    for line in report::verdict_lines(verdict) {
        note!("check {line}");
    }
    if let Some((path, mut file)) = step_summary {
        let md = report::step_summary(&run, &warnings);
        write_report(&mut file, &path, "GITHUB_STEP_SUMMARY file", &md)?;
    }
    if let Some((path, mut file)) = junit {
        let xml = report::junit_xml(&run, &warnings);
        write_report(&mut file, path, "JUnit file", &xml)?;
    }
    Ok(if verdict.met {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
