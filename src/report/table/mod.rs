//! Human-readable tables for the terminal (and the Markdown report later).

use std::fmt::Write;

mod forecast;

pub(super) use forecast::sweep_estimate_rows;
pub use forecast::{estimate_table, sweep_estimate_table};

use super::verdict::verdict_lines;
use crate::model::{MAX_TIMEOUT, MIN_TIMEOUT, PriceTable, Quota, Tier};
use crate::results::{
    DefaultComputeMetric as D, Estimate, PoolMetric as P, RECORDED_QUANTILES, RunSummary,
    TotalMetric as T, WorkloadMetric as W,
};

/// Aligns `rows` (the first is the header): the first two columns to the
/// left, the others to the right.
fn render(rows: &[Vec<String>]) -> String {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..cols)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (c, cell) in row.iter().enumerate() {
            let pad = widths[c] - cell.chars().count();
            if c > 0 {
                line.push_str("  ");
            }
            if c < 2 {
                line.push_str(cell);
                line.push_str(&" ".repeat(pad));
            } else {
                line.push_str(&" ".repeat(pad));
                line.push_str(cell);
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// Decimals for a count's mean over replications: none when every
/// replication counted the same whole number (a count is printed as 4, not
/// 4.0), one otherwise (a mean of 4.5).
pub(super) fn count_decimals(e: Estimate) -> usize {
    let whole = |x: f64| x == x.round();
    let spread = e.ci95.is_some_and(|(lo, hi)| hi > lo);
    if whole(e.mean) && !spread { 0 } else { 1 }
}

/// A count's mean over replications (see `count_decimals`).
fn count(e: Estimate) -> String {
    plain(e, count_decimals(e))
}

/// A number with a fixed count of decimals, and `±` half-width when known.
fn plain(e: Estimate, decimals: usize) -> String {
    if e.mean.is_nan() {
        return "-".into();
    }
    if e.half_width() > 0.0 {
        format!("{:.decimals$} ±{:.decimals$}", e.mean, e.half_width())
    } else {
        format!("{:.decimals$}", e.mean)
    }
}

fn percent(e: Estimate) -> String {
    if e.mean.is_nan() {
        return "-".into();
    }
    let scaled = |x: f64| x * 100.0;
    if e.half_width() > 0.0 {
        format!("{:.1}% ±{:.1}", scaled(e.mean), scaled(e.half_width()))
    } else {
        format!("{:.1}%", scaled(e.mean))
    }
}

/// Seconds as minutes, interval in the same unit: one unit for every wait
/// and run time of a table (the headers say "min"), never 109.8s beside
/// 3.0m.
fn duration(e: Estimate) -> String {
    if e.mean.is_nan() {
        return "-".into();
    }
    if e.half_width() > 0.0 {
        format!("{:.1} ±{:.1}", e.mean / 60.0, e.half_width() / 60.0)
    } else {
        format!("{:.1}", e.mean / 60.0)
    }
}

/// A value known exactly (no interval).
fn exact(x: f64) -> Estimate {
    Estimate {
        mean: x,
        std_error: 0.0,
        ci95: None,
    }
}

fn header(cells: &[&str]) -> Vec<String> {
    cells.iter().map(|s| s.to_string()).collect()
}

fn pools_rows(run: &RunSummary) -> Vec<Vec<String>> {
    let mut rows = vec![header(&[
        "pool",
        "tier",
        "instances",
        "utilisation",
        "queue mean",
        "queue max",
        "instance-h",
        "cost USD",
    ])];
    for p in &run.pools {
        let m = &p.metrics;
        rows.push(vec![
            p.name.clone(),
            p.tier.to_string(),
            plain(m.get(P::InstancesMean), 1),
            percent(m.get(P::Utilization)),
            plain(m.get(P::QueueLenMean), 2),
            plain(m.get(P::QueueLenMax), 1),
            plain(m.get(P::InstanceHours), 1),
            plain(m.get(P::CostUsd), 2),
        ]);
    }
    rows
}

/// The analytic baseline beside the simulated waits, per pool.
fn analytic_rows(run: &RunSummary) -> (Vec<Vec<String>>, String) {
    let mut notes = String::new();
    let mut rows = vec![header(&[
        "pool",
        "tier",
        "load",
        "P(wait) M/M/c",
        "P(wait) sim",
        "wait M/M/c (min)",
        "wait Allen-Cunneen (min)",
        "wait sim (min)",
    ])];
    for p in &run.pools {
        let b = &p.analytic;
        let mut row = vec![
            p.name.clone(),
            p.tier.to_string(),
            format!("{:.2}", b.offered_load),
        ];
        match &b.not_applicable {
            None => row.extend([
                percent(exact(b.mmc_wait_probability)),
                percent(p.metrics.get(P::WaitedFraction)),
                duration(exact(b.mmc_wait_mean_s)),
                duration(exact(b.allen_cunneen_wait_mean_s)),
                duration(p.metrics.get(P::WaitMeanS)),
            ]),
            Some(reason) => {
                row.push("does not apply (below)".into());
                let _ = writeln!(notes, "  {}: {reason}", p.name);
            }
        }
        rows.push(row);
    }
    (rows, notes)
}

/// Scaling activity, for pools that scale or have cold starts.
fn scaling_rows(run: &RunSummary) -> Vec<Vec<String>> {
    let mut rows = vec![header(&[
        "pool",
        "tier",
        "scale-ups",
        "capped",
        "instances denied",
        "preempted",
        "cold starts",
        "cold-start h",
        "no-capacity wait h",
    ])];
    for p in &run.pools {
        let m = &p.metrics;
        rows.push(vec![
            p.name.clone(),
            p.tier.to_string(),
            count(m.get(P::ScaleUps)),
            count(m.get(P::ScaleUpsCapped)),
            count(m.get(P::InstancesDenied)),
            count(m.get(P::Preempted)),
            count(m.get(P::ColdStarts)),
            plain(m.get(P::ColdStartHours), 2),
            plain(m.get(P::NoCapacityWaitHours), 2),
        ]);
    }
    rows
}

fn workload_rows(run: &RunSummary) -> Vec<Vec<String>> {
    let mut rows = vec![header(&[
        "workload",
        "pool",
        "tasks",
        "waited",
        "wait mean (min)",
        "p50 (min)",
        "p95 (min)",
        "p99 (min)",
        "max (min)",
        "run mean (min)",
        "timed out",
    ])];
    for w in &run.workloads {
        let m = &w.metrics;
        rows.push(vec![
            w.name.clone(),
            w.pool.clone(),
            plain(m.get(W::Arrived), 0),
            percent(m.get(W::WaitedFraction)),
            duration(m.get(W::WaitMeanS)),
            duration(m.get(W::WaitP50S)),
            duration(m.get(W::WaitP95S)),
            duration(m.get(W::WaitP99S)),
            duration(m.get(W::WaitMaxS)),
            duration(m.get(W::RunMeanS)),
            count(m.get(W::TimedOut)),
        ]);
    }
    rows
}

pub(super) fn backtest_rows(run: &RunSummary) -> Vec<Vec<String>> {
    let mut rows = vec![header(&[
        "workload",
        "runs",
        "mean (min)",
        "p50 (min)",
        "p90 (min)",
        "p95 (min)",
        "p99 (min)",
    ])];
    for w in &run.workloads {
        let Some(rec) = &w.recorded else { continue };
        let mut recorded = vec![
            format!("{} recorded", w.name),
            rec.runs.to_string(),
            duration(exact(rec.mean_s)),
        ];
        recorded.extend(rec.quantiles_s.iter().map(|s| duration(exact(*s))));
        let mut simulated = vec![
            format!("{} simulated", w.name),
            plain(w.metrics.get(W::Arrived), 0),
        ];
        simulated.push(duration(w.metrics.get(W::WaitMeanS)));
        simulated.extend(
            RECORDED_QUANTILES
                .iter()
                .map(|&(_, m)| duration(w.metrics.get(m))),
        );
        rows.push(recorded);
        rows.push(simulated);
    }
    rows
}

/// The summary `poolcast run` prints.
pub fn summary_table(run: &RunSummary) -> String {
    let cx = &run.context;
    let mut out = String::new();
    let stopped = super::warnings::observed_window(run)
        .map(|o| format!(", {o}"))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "{}: {} of {} after a {} warm-up (seed {}){stopped}; ± is the 95% interval half-width\n",
        run.scenario,
        crate::text::counted(run.replications, "replication"),
        cx.window(),
        cx.warmup,
        run.seed
    );
    if !run.pools.is_empty() {
        out.push_str(&render(&pools_rows(run)));
        out.push('\n');
        out.push_str("analytic baseline (steady state) beside the simulation:\n");
        let (rows, notes) = analytic_rows(run);
        out.push_str(&render(&rows));
        out.push_str(&notes);
        out.push('\n');
    }
    if run.pools.iter().any(|p| p.scales || p.cold_starts) {
        out.push_str(&render(&scaling_rows(run)));
        out.push('\n');
    }
    out.push_str(&render(&workload_rows(run)));
    let censored: f64 = run
        .workloads
        .iter()
        .map(|w| w.metrics.get(W::Censored).mean)
        .sum();
    if censored > 0.0 {
        let _ = writeln!(
            out,
            "{censored:.1} runs per replication were still queued at the end: their waits count as waited so far, a lower bound"
        );
    }
    if run.workloads.iter().any(|w| w.recorded.is_some()) {
        out.push_str("\nback-test: recorded wait (from the trace) vs simulated\n");
        out.push_str(&render(&backtest_rows(run)));
    }
    if let Some(dc) = &run.default_compute {
        let _ = writeln!(
            out,
            "\ndefault compute: {} runs, {} running on average, {} vCPU-h, cost USD {}",
            plain(dc.get(D::Runs), 0),
            plain(dc.get(D::RunningMean), 2),
            plain(dc.get(D::VcpuHours), 1),
            plain(dc.get(D::CostUsd), 2)
        );
    }
    let t = &run.totals;
    let _ = writeln!(
        out,
        "\ntotal: {} tasks, cost USD {} (USD {} per day, USD {} per task), wait mean {} min, p95 {} min",
        plain(t.get(T::Tasks), 0),
        plain(t.get(T::CostUsd), 2),
        plain(t.get(T::CostPerDayUsd), 2),
        plain(t.get(T::CostPerTaskUsd), 4),
        duration(t.get(T::WaitMeanS)),
        duration(t.get(T::WaitP95S)),
    );
    if let Some(v) = &run.slo {
        for line in verdict_lines(v) {
            let _ = writeln!(out, "SLO {line}");
        }
    }
    for line in &run.advice {
        let _ = writeln!(out, "what would fix it: {line}");
    }
    out
}

/// `poolcast tiers`: the tier and price table in force, and the quota.
pub fn tiers_table(prices: &PriceTable, quota: Quota) -> String {
    let mut rows = vec![header(&[
        "tier",
        "kind",
        "vCPU",
        "memory GB",
        "USD/instance-h",
        "USD/vCPU-h",
        "quota fits",
    ])];
    for t in Tier::ALL {
        let usd = prices.instance_hour_usd(t);
        rows.push(vec![
            t.to_string(),
            t.kind().to_string(),
            t.vcpu().to_string(),
            format!("{}", t.memory_gb()),
            format!("{usd:.3}"),
            format!("{:.3}", usd / f64::from(t.vcpu())),
            (quota.limit(t.kind()) / t.vcpu()).to_string(),
        ]);
    }
    let dc = &prices.default_compute;
    let mut out = render(&rows);
    let _ = writeln!(
        out,
        "\ndefault compute: {} vCPU per run, USD {} per vCPU-second ({:.2} per run-hour), first {} vCPU-seconds a month free",
        dc.vcpu,
        dc.vcpu_second_usd,
        dc.vcpu_second_usd * 3600.0 * f64::from(dc.vcpu),
        dc.free_vcpu_seconds_per_month
    );
    let _ = writeln!(
        out,
        "quota: {} standard vCPU, {} isolated vCPU (a real increase is a support request)\nPool prices are estimates: the service publishes none (see README, Prices). Run time limit: {} to {}.",
        quota.standard_vcpu, quota.isolated_vcpu, MIN_TIMEOUT, MAX_TIMEOUT
    );
    out
}

/// `poolcast compare`: the runs side by side, each against the first.
pub fn compare_table(cmp: &super::Comparison) -> String {
    let mut out = format!(
        "{} scenarios; ± is the 95% interval half-width; differences {}\n\n",
        cmp.runs.len(),
        if cmp.paired {
            "paired across replications (common random numbers)"
        } else {
            "of independent estimates (the scenarios' workloads, seeds or replications differ)"
        }
    );
    out.push_str(&render(&cmp.rows()));
    out
}
