//! The sections of a run's capacity report, each from the run's summary.

use super::{Block, Document, chart_blocks};
use crate::report::chart::Chart;
use crate::report::table::{backtest_rows, count_decimals};
use crate::report::verdict::{met_word, verdict_sentences, verdict_table};
use crate::results::{
    Estimate, PoolMetric as P, RunSummary, TotalMetric as T, WorkloadMetric as W,
};

fn est(e: Estimate, unit: &str, decimals: usize) -> String {
    if e.mean.is_nan() {
        return "-".into();
    }
    match e.ci95 {
        Some((lo, hi)) if hi > lo => format!(
            "{:.decimals$}{unit} ({:.decimals$} to {:.decimals$})",
            e.mean, lo, hi
        ),
        _ => format!("{:.decimals$}{unit}", e.mean),
    }
}

/// A number with `decimals`, or "-" when undefined.
fn fixed(x: f64, decimals: usize) -> String {
    if x.is_nan() {
        "-".into()
    } else {
        format!("{x:.decimals$}")
    }
}

/// A count's mean over replications, whole when it is (see
/// `count_decimals`).
fn count(e: Estimate) -> String {
    est(e, "", count_decimals(e))
}

fn minutes(e: Estimate) -> Estimate {
    Estimate {
        mean: e.mean / 60.0,
        std_error: e.std_error / 60.0,
        ci95: e.ci95.map(|(l, h)| (l / 60.0, h / 60.0)),
    }
}

/// A percentage of a 0-1 estimate.
fn pct(e: Estimate) -> String {
    est(
        Estimate {
            mean: e.mean * 100.0,
            std_error: e.std_error * 100.0,
            ci95: e.ci95.map(|(l, h)| (l * 100.0, h * 100.0)),
        },
        "%",
        1,
    )
}

/// What the cost lines say when no replication observed any time: every
/// one stopped inside the warm-up.
const NO_STATISTIC: &str = "Cost: no statistic: every replication stopped inside the warm-up, before the observed window began (a queue outgrew its bound; see the warnings).";

/// A table: the header, then one row per item.
fn table<T>(head: &[&str], items: &[T], row: impl Fn(&T) -> Vec<String>) -> Block {
    let mut rows = vec![head.iter().map(|h| h.to_string()).collect()];
    rows.extend(items.iter().map(row));
    Block::Table(rows)
}

/// The answer first: the verdict per objective with the value that decided
/// it, the cost per day and month, the p95 wait, and what would fix a
/// miss.
fn answer_blocks(run: &RunSummary) -> Vec<Block> {
    let t = &run.totals;
    let mut b = vec![Block::Heading("Answer".into())];
    // Each objective first, with the value that decided it.
    if let Some(v) = &run.slo {
        for (o, line) in v.objectives.iter().zip(verdict_sentences(v)) {
            b.push(Block::Verdict {
                met: o.met,
                text: line,
            });
        }
    }
    let day = t.get(T::CostPerDayUsd).mean;
    let (low, high) = run.cost_per_day_range_usd;
    let mut lines = vec![if day.is_nan() {
        // Every replication stopped before the observed window began.
        NO_STATISTIC.to_string()
    } else {
        format!(
            "Cost USD {day:.2} a day, about USD {:.0} a month (USD {low:.2} to {high:.2} a day under the two documented price estimates, VM and allocation; the verdict uses the prices in force); p95 wait over every run {}.",
            day * 30.0,
            est(minutes(t.get(T::WaitP95S)), " min", 1)
        )
    }];
    lines.extend(
        run.advice
            .iter()
            .map(|a| format!("What would fix it: {a}.")),
    );
    b.push(Block::Para(lines.join("  \n")));
    b
}

/// The verdict per objective (read from the run, never re-judged) and the
/// waits over all runs.
fn service_blocks(run: &RunSummary) -> Vec<Block> {
    let t = &run.totals;
    let mut b = vec![Block::Heading("Service level".into())];
    match &run.slo {
        None => b.push(Block::Para("No [slo] is set.".into())),
        Some(v) => {
            b.push(Block::Para(if run.replications > 1 {
                format!(
                    "Verdict on the mean over replications: **{}**; on the upper end of the 95% intervals (as sweeps and plans judge): **{}**.",
                    met_word(v.met),
                    met_word(v.met_upper95)
                )
            } else {
                format!(
                    "Verdict on one replication: **{}** (with one replication there is no interval, so both bases read the same value; run more to judge on the upper bound).",
                    met_word(v.met)
                )
            }));
            b.push(Block::Table(verdict_table(v)));
        }
    }
    let censored: f64 = run
        .workloads
        .iter()
        .map(|w| w.metrics.get(W::Censored).mean)
        .sum();
    let lower_bound = if censored > 0.0 {
        format!(
            " {censored:.1} runs per replication were still queued at the end; they count with their wait so far, so the waits are lower bounds."
        )
    } else {
        String::new()
    };
    let intervals = if run.replications > 1 {
        " (95% intervals in brackets)"
    } else {
        ""
    };
    b.push(Block::Para(format!(
        "Over all runs, the p95 wait is {} and the mean wait {}{intervals}.{lower_bound}",
        est(minutes(t.get(T::WaitP95S)), " min", 1),
        est(minutes(t.get(T::WaitMeanS)), " min", 1)
    )));
    b
}

fn cost_blocks(run: &RunSummary) -> Vec<Block> {
    let t = &run.totals;
    let day = t.get(T::CostPerDayUsd);
    let text = if day.mean.is_nan() {
        NO_STATISTIC.to_string()
    } else {
        format!(
            "USD {} a day, about USD {:.0} a month (30 days); USD {} per run. Pool prices are estimates (see the README).",
            est(day, "", 2),
            day.mean * 30.0,
            est(t.get(T::CostPerTaskUsd), "", 4)
        )
    };
    vec![Block::Heading("Cost".into()), Block::Para(text)]
}

fn pool_blocks(run: &RunSummary) -> Vec<Block> {
    if run.pools.is_empty() {
        return Vec::new();
    }
    let mut b = vec![Block::Heading("Pools".into()), pools_table(run)];
    if run.pools.iter().any(|p| p.scales || p.cold_starts) {
        b.push(Block::Para(
            "What scaling cost (per replication, observed window):".into(),
        ));
        b.push(scaling_table(run));
    }
    b.push(Block::Para(
        "The analytic baseline (steady state, Erlang C and Allen-Cunneen) beside the simulated waits:"
            .into(),
    ));
    b.push(baseline_table(run));
    b
}

/// Per pool, its instances, utilisation, queue and cost.
fn pools_table(run: &RunSummary) -> Block {
    table(
        &[
            "pool",
            "tier",
            "instances",
            "utilisation",
            "queue mean",
            "instance-hours",
            "cost USD",
        ],
        &run.pools,
        |p| {
            let m = &p.metrics;
            vec![
                p.name.clone(),
                p.tier.to_string(),
                est(m.get(P::InstancesMean), "", 2),
                pct(m.get(P::Utilization)),
                est(m.get(P::QueueLenMean), "", 2),
                est(m.get(P::InstanceHours), "", 1),
                est(m.get(P::CostUsd), "", 2),
            ]
        },
    )
}

/// Per scaling pool, what scaling cost: scale-ups, denials, preemptions
/// and cold starts.
fn scaling_table(run: &RunSummary) -> Block {
    table(
        &[
            "pool",
            "scale-ups",
            "capped",
            "instances denied",
            "preempted",
            "cold starts",
            "cold-start hours",
            "no-capacity wait hours",
        ],
        &run.pools,
        |p| {
            let m = &p.metrics;
            vec![
                p.name.clone(),
                count(m.get(P::ScaleUps)),
                count(m.get(P::ScaleUpsCapped)),
                count(m.get(P::InstancesDenied)),
                count(m.get(P::Preempted)),
                count(m.get(P::ColdStarts)),
                est(m.get(P::ColdStartHours), "", 2),
                est(m.get(P::NoCapacityWaitHours), "", 2),
            ]
        },
    )
}

/// Per pool, the closed forms beside the simulated waits.
fn baseline_table(run: &RunSummary) -> Block {
    table(
        &[
            "pool",
            "offered load",
            "P(wait) M/M/c",
            "P(wait) simulated",
            "wait M/M/c (min)",
            "wait Allen-Cunneen (min)",
            "wait simulated (min)",
            "applies",
        ],
        &run.pools,
        |p| {
            let a = &p.analytic;
            vec![
                p.name.clone(),
                format!("{:.2}", a.offered_load),
                fixed(a.mmc_wait_probability, 3),
                fixed(p.metrics.get(P::WaitedFraction).mean, 3),
                fixed(a.mmc_wait_mean_s / 60.0, 2),
                fixed(a.allen_cunneen_wait_mean_s / 60.0, 2),
                fixed(p.metrics.get(P::WaitMeanS).mean / 60.0, 2),
                a.not_applicable
                    .clone()
                    .map_or("yes".into(), |r| format!("no: {r}")),
            ]
        },
    )
}

fn workload_blocks(run: &RunSummary) -> Vec<Block> {
    vec![
        Block::Heading("Workloads".into()),
        table(
            &[
                "workload",
                "pool",
                "runs",
                "waited",
                "wait mean (min)",
                "wait p95 (min)",
                "run mean (min)",
                "timed out",
                "still queued at the end",
            ],
            &run.workloads,
            |w| {
                let m = &w.metrics;
                vec![
                    w.name.clone(),
                    w.pool.clone(),
                    est(m.get(W::Arrived), "", 0),
                    pct(m.get(W::WaitedFraction)),
                    est(minutes(m.get(W::WaitMeanS)), "", 2),
                    est(minutes(m.get(W::WaitP95S)), "", 2),
                    est(minutes(m.get(W::RunMeanS)), "", 2),
                    count(m.get(W::TimedOut)),
                    count(m.get(W::Censored)),
                ]
            },
        ),
    ]
}

impl<'a> Document<'a> {
    /// The capacity report of a run: read from the run's summary alone,
    /// with the warnings of the run (the same list as `summary.json`'s)
    /// first, where a reader cannot miss them.
    pub fn for_run(run: &RunSummary, warnings: &[String], charts: &'a [Chart]) -> Document<'a> {
        let cx = &run.context;
        let mut b = answer_blocks(run);
        if !warnings.is_empty() {
            b.push(Block::Heading("Warnings".into()));
            b.extend(warnings.iter().map(|w| Block::Para(format!("⚠ {w}"))));
        }
        b.push(Block::Heading("Scenario".into()));
        b.extend(cx.description.iter().cloned().map(Block::Para));
        if let Some(observed) = crate::report::warnings::observed_window(run) {
            b.push(Block::Para(format!("Replications: {observed}.")));
        }
        b.push(Block::Heading("Quota".into()));
        b.push(Block::Para(cx.quota.clone()));
        b.extend(service_blocks(run));
        b.extend(cost_blocks(run));
        b.extend(pool_blocks(run));
        b.extend(workload_blocks(run));
        if run.workloads.iter().any(|w| w.recorded.is_some()) {
            // A replay's point: do the recorded waits come out again?
            b.push(Block::Heading("Back-test".into()));
            b.push(Block::Para(
                "The waits the trace recorded beside the simulated ones (observed window; ± is the 95% interval half-width). Replayed on the configuration that recorded them, the two should agree.".into(),
            ));
            b.push(Block::Table(backtest_rows(run)));
        }
        b.extend(chart_blocks(charts));
        if !charts.is_empty() {
            let left_out = crate::report::run_charts_left_out(run);
            b.extend(
                left_out
                    .iter()
                    .map(|why| Block::Para(format!("Left out: {why}."))),
            );
        }
        Document {
            title: format!("Capacity report: {}", run.scenario),
            blocks: b,
            charts,
        }
    }
}
