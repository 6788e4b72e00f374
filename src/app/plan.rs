//! `poolcast plan` (without `--schedule`): the cheapest point of a
//! capacity axis that meets the SLO, found by a search rather than the
//! whole grid.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;

use super::outputs::{Outputs, Steps};
use super::points::{check_points_memory, prepare};
use super::sweep::{bar_for, on_progress, print_recommendation};
use super::{emit, thread_pool};
use crate::cli::{Format, RunArgs};
use crate::report;
use crate::scenario;
use crate::sweep;

pub(super) fn plan(args: &RunArgs) -> Result<ExitCode> {
    let pool = thread_pool(args.simulation.threads)?;
    let src = scenario::read_source(&args.scenario)?;
    let prepared = prepare(args, &src, None, &pool)?;
    let obj = sweep::objective_of(&prepared.base);
    // A plan's grid is one capacity axis (by tier): small, built whole.
    let points: Vec<_> = (0..prepared.points.len())
        .map(|i| prepared.points.point(i))
        .collect();
    let spec = prepared.points.spec();
    sweep::plan_axis(spec, &points, &obj)?;
    super::outputs::check_writes_some(&args.output, "plan", &report::PLAN_EXPORTERS)?;
    let out = Outputs::prepare(
        &args.output,
        args.out.as_deref(),
        &prepared.base.name,
        Some("plan"),
    )?
    .protect(&prepared.reads)?;
    // A plan simulates one point at a time.
    check_points_memory(&prepared, 1, 0, &pool, args)?;
    let bar = bar_for(args.print.quiet, &prepared.base.name);
    let progress = on_progress(&bar);
    let bar = &bar.0;
    let metrics = sweep::metric_names(&prepared.base);
    let outcome =
        pool.install(|| sweep::plan(spec, &points, metrics, &obj, &super::INTERRUPTED, &progress))?;
    bar.finish_and_clear();
    if super::interrupted() {
        return Err(super::Interrupted.into());
    }
    let mut summary = report::sweep_summary(&outcome.table, &obj)?;
    summary
        .warnings
        .splice(0..0, prepared.assumptions.iter().cloned());
    let files = report::PlanFiles {
        scenario: &prepared.base.name,
        outcome: &outcome,
        obj: &obj,
        summary: &summary,
    };
    out.export(
        &report::PLAN_EXPORTERS,
        |write, w| write(&files, w),
        Steps::default(),
    )?;
    match args.print.format {
        Format::Table => emit(&files.text())?,
        Format::Json => print_recommendation(&outcome.table, &obj, &summary.warnings)?,
        Format::Csv => emit(&String::from_utf8_lossy(&files.csv()?))?,
    }
    if !args.print.quiet {
        for w in &summary.warnings {
            note!("warning: {w}");
        }
    }
    out.finish_noted(args.print.quiet)?;
    Ok(ExitCode::SUCCESS)
}
