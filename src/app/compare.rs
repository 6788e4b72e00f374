//! `poolcast compare`: several scenarios run with common random numbers
//! and printed side by side, each against the first.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;

use super::outputs::{Outputs, Steps};
use super::{BadInput, INTERRUPTED, emit, progress_bar, stop_if_interrupted, thread_pool};
use crate::cli::{CompareArgs, Format};
use crate::replication::RunOptions;
use crate::report::{self, Comparison};
use crate::scenario::{self, MAX_REPLICATIONS, Scenario};

/// Whether runs of `a` and `b` draw the same random numbers replication by
/// replication: seeds come from (seed, replication, workload position), so
/// the same seed, replications and workloads (by name, in order) do.
fn common_random_numbers(a: &Scenario, b: &Scenario) -> bool {
    a.simulation.seed == b.simulation.seed
        && a.simulation.replications == b.simulation.replications
        && a.workloads.len() == b.workloads.len()
        && a.workloads
            .iter()
            .zip(&b.workloads)
            .all(|(x, y)| x.name == y.name)
}

/// The scenarios' names, a repeated one numbered by its place among its
/// namesakes ("default", "default (2)"): every row, chart series and CSV
/// line of a comparison is told apart by it.
fn labels(scenarios: &[Scenario]) -> Vec<String> {
    let mut seen: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    scenarios
        .iter()
        .map(|s| {
            let n = seen.entry(s.name.as_str()).or_default();
            *n += 1;
            match *n {
                1 => s.name.clone(),
                n => format!("{} ({n})", s.name),
            }
        })
        .collect()
}

/// The refusal of `--format json`, checked before anything runs.
fn json_refused() -> anyhow::Error {
    BadInput("compare writes a table or CSV; use --format table or csv".into()).into()
}

pub(super) fn compare(args: &CompareArgs) -> Result<ExitCode> {
    // Every flag is checked before any scenario runs.
    if args.print.format == Format::Json {
        return Err(json_refused());
    }
    let scenarios = compared_scenarios(args)?;
    // Checked before the folder is made.
    check_outputs(args)?;
    let reads: Vec<_> = args
        .scenarios
        .iter()
        .zip(&scenarios)
        .flat_map(|(path, s)| super::files_read(path, s))
        .collect();
    let out =
        Outputs::prepare(&args.output, args.out.as_deref(), "compare", None)?.protect(&reads)?;
    let pool = thread_pool(args.simulation.threads)?;
    super::check_memory(
        &crate::forecast::memory::compare_estimate(&scenarios, pool.current_num_threads()),
        args.max_memory.as_deref(),
    )?;
    let labels = labels(&scenarios);
    // Each scenario's warnings, as `run` gives them: printed before it
    // runs, then with those of its results.
    let forecasts: Vec<_> = scenarios.iter().map(crate::forecast::of).collect();
    let mut warnings: Vec<Vec<String>> = scenarios
        .iter()
        .zip(&forecasts)
        .map(|(s, f)| super::run::warnings_before_run(s, f, pool.current_num_threads()))
        .collect();
    if !args.print.quiet {
        for (label, w) in labels.iter().zip(&warnings) {
            for w in w {
                note!("warning: {label}: {w}");
            }
        }
    }
    let bar = progress_bar(
        u64::from(scenarios[0].simulation.replications) * scenarios.len() as u64,
        args.print.quiet,
        "replications",
    );
    let progress = || bar.inc(1);
    let opts = RunOptions {
        cancel: &INTERRUPTED,
        progress: &progress,
    };
    let runs: Option<Vec<_>> = scenarios
        .iter()
        .zip(&forecasts)
        .map(|(s, f)| pool.install(|| crate::replication::run_unless_cancelled(s, f, &opts)))
        .collect();
    bar.finish_and_clear();
    let runs = runs.ok_or(super::Interrupted)?;
    for ((label, run), w) in labels.iter().zip(&runs).zip(&mut warnings) {
        // Stranded runs, near misses, thin hours: what a choice between
        // them must weigh.
        let late = report::after_run(run);
        if !args.print.quiet {
            for w in &late {
                note!("warning: {label}: {w}");
            }
        }
        w.extend(late);
    }
    let cmp = Comparison {
        runs: labels.iter().map(String::as_str).zip(&runs).collect(),
        paired: scenarios[1..]
            .iter()
            .all(|s| common_random_numbers(&scenarios[0], s)),
        warnings,
    };
    write_comparison(args, &out, &cmp)?;
    out.finish_noted(args.print.quiet)?;
    Ok(ExitCode::SUCCESS)
}

/// The scenarios compared, each run with the first one's seed and
/// replications (or the flags'), so that their random numbers are common.
fn compared_scenarios(args: &CompareArgs) -> Result<Vec<Scenario>> {
    let mut scenarios: Vec<Scenario> = args
        .scenarios
        .iter()
        .map(|p| scenario::load_in(p, super::file_scope(args.scope.allow_outside)))
        .collect::<Result<_, _>>()?;
    let seed = args.simulation.seed.unwrap_or(scenarios[0].simulation.seed);
    let replications = args
        .simulation
        .replications
        .unwrap_or(scenarios[0].simulation.replications);
    if !(1..=MAX_REPLICATIONS).contains(&replications) {
        return Err(BadInput(format!(
            "--replications must be between 1 and {MAX_REPLICATIONS}, got {replications}"
        ))
        .into());
    }
    for s in &mut scenarios {
        s.simulation.seed = seed;
        s.simulation.replications = replications;
    }
    Ok(scenarios)
}

/// Whether `--outputs` asks for files compare writes (and not tasks.csv).
fn check_outputs(args: &CompareArgs) -> Result<()> {
    super::outputs::kinds_without_tasks(&args.output, "compare")?;
    super::outputs::check_writes_some(&args.output, "compare", &report::COMPARE_EXPORTERS)?;
    Ok(())
}

/// The comparison's files and what it prints.
fn write_comparison(args: &CompareArgs, out: &Outputs, cmp: &Comparison) -> Result<()> {
    let files = report::CompareFiles::new(cmp);
    let draw = || {
        if let Some(why) = report::compare_charts_left_out(cmp).filter(|_| !args.print.quiet) {
            note!("note: {why}");
        }
        let charts = report::compare_charts(cmp, out.chart_formats(), &INTERRUPTED)?;
        stop_if_interrupted()?;
        Ok(charts)
    };
    out.export(
        &report::COMPARE_EXPORTERS,
        |write, w| write(&files, w),
        Steps {
            draw: Some(Box::new(draw)),
            document: Some(Box::new(|charts| {
                report::Document::for_compare(cmp, charts)
            })),
            ..Steps::default()
        },
    )?;
    match args.print.format {
        Format::Table => emit(&report::compare_table(cmp))?,
        Format::Csv => emit(&String::from_utf8_lossy(files.csv()))?,
        Format::Json => return Err(json_refused()),
    }
    Ok(())
}
