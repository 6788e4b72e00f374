//! `poolcast run` and `poolcast check`.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;

use super::{
    BadInput, emit, load_with_overrides, output_dir, progress_bar, thread_pool, write_charts,
    write_output,
};
use crate::cli::{Format, RunArgs};
use crate::replication::RunSummary;
use crate::report;
use crate::scenario::Scenario;

/// Simulates the scenario of `args`, writes the outputs and prints the
/// summary; returns what it ran for `check`.
fn simulate(args: &RunArgs) -> Result<(Scenario, RunSummary)> {
    let s = load_with_overrides(args)?;
    let out = output_dir(args.out.as_deref(), &s.name)?;
    let pool = thread_pool(args.threads)?;
    if !args.quiet {
        for w in report::before_run(&s) {
            note!("warning: {w}");
        }
    }
    let bar = progress_bar(
        u64::from(s.simulation.replications),
        args.quiet,
        "replications",
    );
    bar.set_message(s.name.clone());
    let run = pool.install(|| crate::replication::run(&s, &|| bar.inc(1)));
    bar.finish_and_clear();

    if crate::sim::interrupted() {
        return Err(super::Interrupted.into());
    }
    let mut warnings = report::before_run(&s);
    let late = report::after_run(&run);
    if !args.quiet {
        for w in &late {
            note!("warning: {w}");
        }
    }
    warnings.extend(late);
    let json = report::summary_json(&s, &run, &warnings);
    let files: [(&str, Vec<u8>); 4] = [
        ("summary.json", json.clone().into_bytes()),
        ("pools.csv", report::pools_csv(&run)),
        ("workloads.csv", report::workloads_csv(&run)),
        ("queue.csv", report::queue_csv(&s.simulation.calendar, &run)),
    ];
    for (name, bytes) in &files {
        write_output(&out, name, bytes)?;
    }
    let charts = report::run_charts(&s, &run).map_err(anyhow::Error::msg)?;
    write_charts(&out, &charts)?;
    let doc = report::Document::for_run(&s, &run, &charts);
    write_output(&out, "summary.md", doc.markdown().as_bytes())?;
    write_output(&out, "report.html", doc.html().as_bytes())?;
    match args.format {
        Format::Table => emit(&report::summary_table(&s, &run))?,
        Format::Json => emit(&json)?,
        Format::Csv => emit(&String::from_utf8_lossy(&report::metrics_long_csv(&run)))?,
    }
    if !args.quiet {
        note!("wrote {}", out.path().display());
    }
    Ok((s, run))
}

pub(super) fn run(args: &RunArgs) -> Result<ExitCode> {
    simulate(args)?;
    Ok(ExitCode::SUCCESS)
}

/// One objective's verdict.
struct Verdict {
    objective: String,
    measured: String,
    met: bool,
}

fn verdicts(s: &Scenario, run: &RunSummary) -> Vec<Verdict> {
    let mut out = Vec::new();
    let interval = |e: crate::stats::Estimate, unit: f64| match e.ci95 {
        Some((lo, hi)) => format!(" (95% interval {:.2} to {:.2})", lo / unit, hi / unit),
        None => String::new(),
    };
    if let Some(target) = s.slo.wait_p95 {
        let e = run.totals.get("wait_p95_s");
        out.push(Verdict {
            objective: format!("wait p95 <= {:.2} min", target.as_secs_f64() / 60.0),
            measured: if e.mean.is_nan() {
                "no run started, so nothing waited".into()
            } else {
                format!("{:.2} min{}", e.mean / 60.0, interval(e, 60.0))
            },
            // No run started: nothing waited, nothing to miss.
            met: e.mean.is_nan() || e.mean <= target.as_secs_f64(),
        });
    }
    if let Some(max) = s.slo.max_cost_per_day_usd {
        let e = run.totals.get("cost_per_day_usd");
        out.push(Verdict {
            objective: format!("cost <= USD {max:.2} per day"),
            measured: format!("USD {:.2}{}", e.mean, interval(e, 1.0)),
            met: e.mean <= max,
        });
    }
    out
}

/// Like `run`, then exit 1 when an objective is missed (judged on the mean
/// over replications, as `slo_met` is). With `GITHUB_STEP_SUMMARY` set, a
/// Markdown table is appended there.
pub(super) fn check(args: &RunArgs) -> Result<ExitCode> {
    let s = crate::scenario::load(&args.scenario)?;
    if !s.slo.is_set() {
        return Err(BadInput(format!(
            "{} has no [slo] to check; add e.g. [slo] wait_p95 = \"5m\"",
            args.scenario.display()
        ))
        .into());
    }
    let (s, run) = simulate(args)?;
    let verdicts = verdicts(&s, &run);
    let missed = verdicts.iter().filter(|v| !v.met).count();
    for v in &verdicts {
        note!(
            "check {}: {}: {}",
            if v.met { "met" } else { "MISSED" },
            v.objective,
            v.measured
        );
    }
    if let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) {
        let mut md = format!(
            "### poolcast check: {} {}\n\n| objective | measured | verdict |\n|---|---|---|\n",
            s.name,
            if missed == 0 { "passed" } else { "failed" }
        );
        for v in &verdicts {
            md.push_str(&format!(
                "| {} | {} | {} |\n",
                v.objective,
                v.measured,
                if v.met { "met" } else { "**missed**" }
            ));
        }
        md.push('\n');
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)?;
        file.write_all(md.as_bytes())?;
    }
    Ok(if missed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
