//! Human-readable tables for the terminal (and the Markdown report later).

use std::fmt::Write;

use crate::analytic::baseline;
use crate::model::{PriceTable, Quota, Scaling, Tier};
use crate::replication::{RECORDED_QUANTILES, RunSummary};
use crate::scenario::Scenario;
use crate::stats::{Estimate, MetricSet};
use crate::workload::{MAX_TIMEOUT, MIN_TIMEOUT};

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

/// Seconds in the unit that reads best (s, m or h), interval in the same unit.
fn duration(e: Estimate) -> String {
    if e.mean.is_nan() {
        return "-".into();
    }
    let (div, unit) = match e.mean.abs() {
        m if m < 120.0 => (1.0, "s"),
        m if m < 7200.0 => (60.0, "m"),
        _ => (3600.0, "h"),
    };
    if e.half_width() > 0.0 {
        format!("{:.1}{unit} ±{:.1}", e.mean / div, e.half_width() / div)
    } else {
        format!("{:.1}{unit}", e.mean / div)
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
            plain(m.get("instances_mean"), 1),
            percent(m.get("utilization")),
            plain(m.get("queue_len_mean"), 2),
            plain(m.get("queue_len_max"), 1),
            plain(m.get("instance_hours"), 1),
            plain(m.get("cost_usd"), 2),
        ]);
    }
    rows
}

/// The analytic baseline beside the simulated waits, per pool.
fn analytic_rows(scenario: &Scenario, run: &RunSummary) -> (Vec<Vec<String>>, String) {
    let mut notes = String::new();
    let mut rows = vec![header(&[
        "pool",
        "tier",
        "load",
        "P(wait) M/M/c",
        "P(wait) sim",
        "wait M/M/c",
        "wait Allen-Cunneen",
        "wait sim",
    ])];
    let exact = |x: f64| Estimate {
        mean: x,
        std_error: 0.0,
        ci95: None,
    };
    for (p, b) in run.pools.iter().zip(baseline(scenario)) {
        // The pool's simulated mean wait and share waiting: its workloads'
        // weighted by their arrivals.
        let mine: Vec<&MetricSet> = run
            .workloads
            .iter()
            .filter(|w| w.pool == p.name)
            .map(|w| &w.metrics)
            .collect();
        let weight: f64 = mine.iter().map(|m| m.get("arrived").mean).sum();
        let mix = |key: &str| {
            mine.iter()
                .map(|m| m.get(key).mean * m.get("arrived").mean)
                .sum::<f64>()
                / weight
        };
        let mut row = vec![
            p.name.clone(),
            p.tier.to_string(),
            format!("{:.2}", b.offered_load),
        ];
        match &b.not_applicable {
            None => row.extend([
                percent(exact(b.mmc_wait_probability)),
                percent(exact(mix("waited_fraction"))),
                duration(exact(b.mmc_wait_mean_s)),
                duration(exact(b.allen_cunneen_wait_mean_s)),
                duration(exact(mix("wait_mean_s"))),
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
            plain(m.get("scale_ups"), 1),
            plain(m.get("scale_ups_capped"), 1),
            plain(m.get("instances_denied"), 1),
            plain(m.get("preempted"), 1),
            plain(m.get("cold_starts"), 1),
            plain(m.get("cold_start_hours"), 2),
            plain(m.get("no_capacity_wait_hours"), 2),
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
        "wait mean",
        "p50",
        "p95",
        "p99",
        "max",
        "run mean",
        "timed out",
    ])];
    for w in &run.workloads {
        let m: &MetricSet = &w.metrics;
        rows.push(vec![
            w.name.clone(),
            w.pool.clone(),
            plain(m.get("arrived"), 0),
            percent(m.get("waited_fraction")),
            duration(m.get("wait_mean_s")),
            duration(m.get("wait_p50_s")),
            duration(m.get("wait_p95_s")),
            duration(m.get("wait_p99_s")),
            duration(m.get("wait_max_s")),
            duration(m.get("run_mean_s")),
            plain(m.get("timed_out"), 1),
        ]);
    }
    rows
}

fn backtest_rows(run: &RunSummary) -> Vec<Vec<String>> {
    let mut rows = vec![header(&[
        "workload", "runs", "mean", "p50", "p90", "p95", "p99",
    ])];
    for w in &run.workloads {
        let Some(rec) = &w.recorded else { continue };
        let exact = |s: f64| {
            duration(Estimate {
                mean: s,
                std_error: 0.0,
                ci95: None,
            })
        };
        let mut recorded = vec![
            format!("{} recorded", w.name),
            rec.runs.to_string(),
            exact(rec.mean_s),
        ];
        recorded.extend(rec.quantiles_s.iter().map(|s| exact(*s)));
        let mut simulated = vec![
            format!("{} simulated", w.name),
            plain(w.metrics.get("arrived"), 0),
        ];
        simulated.push(duration(w.metrics.get("wait_mean_s")));
        simulated.extend(
            RECORDED_QUANTILES
                .iter()
                .map(|(_, key)| duration(w.metrics.get(key))),
        );
        rows.push(recorded);
        rows.push(simulated);
    }
    rows
}

/// The summary `poolcast run` prints.
pub fn summary_table(scenario: &Scenario, run: &RunSummary) -> String {
    let sim = &scenario.simulation;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}: {} replication{} of {} after a {} warm-up (seed {}); ± is the 95% interval half-width\n",
        run.scenario,
        run.replications,
        if run.replications == 1 { "" } else { "s" },
        sim.horizon - sim.warmup,
        sim.warmup,
        run.seed
    );
    if !run.pools.is_empty() {
        out.push_str(&render(&pools_rows(run)));
        out.push('\n');
    }
    if !run.pools.is_empty() {
        out.push_str("analytic baseline (steady state) beside the simulation:\n");
        let (rows, notes) = analytic_rows(scenario, run);
        out.push_str(&render(&rows));
        out.push_str(&notes);
        out.push('\n');
    }
    let dynamic = scenario
        .pools
        .iter()
        .any(|p| p.scaling != Scaling::Fixed || p.cold_start.is_some());
    if dynamic {
        out.push_str(&render(&scaling_rows(run)));
        out.push('\n');
    }
    out.push_str(&render(&workload_rows(run)));
    if run.workloads.iter().any(|w| w.recorded.is_some()) {
        out.push_str("\nback-test: recorded wait (from the trace) vs simulated\n");
        out.push_str(&render(&backtest_rows(run)));
    }
    if let Some(dc) = &run.default_compute {
        let _ = writeln!(
            out,
            "\ndefault compute: {} runs, {} running on average, {} vCPU-h, cost USD {}",
            plain(dc.get("runs"), 0),
            plain(dc.get("running_mean"), 2),
            plain(dc.get("vcpu_hours"), 1),
            plain(dc.get("cost_usd"), 2)
        );
    }
    let t = &run.totals;
    let _ = writeln!(
        out,
        "\ntotal: {} tasks, cost USD {} (USD {} per day, USD {} per task), wait mean {}, p95 {}",
        plain(t.get("tasks"), 0),
        plain(t.get("cost_usd"), 2),
        plain(t.get("cost_per_day_usd"), 2),
        plain(t.get("cost_per_task_usd"), 4),
        duration(t.get("wait_mean_s")),
        duration(t.get("wait_p95_s")),
    );
    if let Some(met) = run.slo_met {
        let slo = &scenario.slo;
        let mut goals = Vec::new();
        if let Some(w) = slo.wait_p95 {
            goals.push(format!("wait p95 <= {w}"));
        }
        if let Some(c) = slo.max_cost_per_day_usd {
            goals.push(format!("cost <= USD {c} per day"));
        }
        let _ = writeln!(
            out,
            "SLO ({}): {}",
            goals.join(", "),
            if met { "met" } else { "MISSED" }
        );
    }
    out
}

/// `poolcast estimate`: the analytic baseline alone.
pub fn estimate_table(scenario: &Scenario) -> String {
    let mut rows = vec![header(&[
        "pool",
        "tier",
        "count",
        "load",
        "utilisation",
        "run mean",
        "run cv",
        "P(wait)",
        "wait M/M/c",
        "wait Allen-Cunneen",
    ])];
    let exact = |x: f64| Estimate {
        mean: x,
        std_error: 0.0,
        ci95: None,
    };
    let mut notes = String::new();
    for (p, b) in scenario.pools.iter().zip(baseline(scenario)) {
        rows.push(vec![
            p.name.clone(),
            p.tier.to_string(),
            p.count.to_string(),
            format!("{:.2}", b.offered_load),
            percent(exact(b.utilization)),
            duration(exact(b.mean_service_s)),
            format!("{:.2}", b.service_cv),
            percent(exact(b.mmc_wait_probability)),
            duration(exact(b.mmc_wait_mean_s)),
            duration(exact(b.allen_cunneen_wait_mean_s)),
        ]);
        if let Some(reason) = &b.not_applicable {
            let _ = writeln!(notes, "{}: the closed forms do not apply: {reason}", p.name);
        }
    }
    let mut out = format!(
        "{}: analytic baseline (M/M/c by Erlang C, M/G/c by Allen-Cunneen), no simulation\n\n",
        scenario.name
    );
    out.push_str(&render(&rows));
    if !notes.is_empty() {
        out.push('\n');
        out.push_str(&notes);
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
