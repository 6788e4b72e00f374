//! `poolcast compare`: several runs side by side, each against the first,
//! in one table (terminal, `compare.csv`, and the rows of the report).

use ::csv::Writer;

use super::csv::{cell, finish};
use super::verdict::met_word;
use crate::results::{
    Estimate, Metric, ObjectiveKind, ObjectiveVerdict, PoolMetric, RunSummary, TotalMetric,
    WorkloadMetric, rounded,
};

/// The metrics compared, with their unit divisor for tables (seconds to
/// minutes) and label.
const COMPARED: [(TotalMetric, f64, &str); 4] = [
    (TotalMetric::CostPerDayUsd, 1.0, "USD/day"),
    // Of every run: the objectives' judged values have columns of their
    // own, and these are not what decided.
    (TotalMetric::WaitMeanS, 60.0, "all runs: wait mean (min)"),
    (TotalMetric::WaitP95S, 60.0, "all runs: p95 (min)"),
    (TotalMetric::WaitP99S, 60.0, "all runs: p99 (min)"),
];

/// The runs compared: name and results, the first being the baseline;
/// `paired` when they share their random numbers replication by
/// replication (same seed, same replications, same workloads).
pub struct Comparison<'a> {
    /// `(scenario name, results)`, in the order given.
    pub runs: Vec<(&'a str, &'a RunSummary)>,
    /// Whether differences are paired across replications.
    pub paired: bool,
    /// Per run, its warnings (before and after the run, as `run` lists
    /// them in `summary.json`).
    pub warnings: Vec<Vec<String>>,
}

/// `pool: S2 x 3` (fixed) or `pool: S2 scaling, 2.9 on average`.
fn pools(run: &RunSummary) -> String {
    run.pools
        .iter()
        .map(|p| {
            let n = p.metrics.get(PoolMetric::InstancesMean).mean;
            if p.scales {
                format!("{}: {} scaling, {n:.1} on average", p.name, p.tier)
            } else {
                format!("{}: {} x {n:.0}", p.name, p.tier)
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn shown(e: Estimate, div: f64) -> String {
    if e.mean.is_nan() {
        return "-".into();
    }
    match e.ci95 {
        Some((lo, hi)) if hi > lo => format!("{:.2} ±{:.2}", e.mean / div, (hi - lo) / 2.0 / div),
        _ => format!("{:.2}", e.mean / div),
    }
}

impl Comparison<'_> {
    /// The difference of `m` between run `i` and the first.
    pub fn difference(&self, i: usize, m: TotalMetric) -> Estimate {
        let (a, b) = (self.runs[i].1, self.runs[0].1);
        if self.paired {
            let xs = |r: &RunSummary| -> Vec<f64> {
                r.per_replication.iter().map(|p| p.totals[m]).collect()
            };
            Estimate::paired_difference(&xs(a), &xs(b))
        } else {
            Estimate::unpaired_difference(
                a.totals.get(m),
                a.per_replication.len(),
                b.totals.get(m),
                b.per_replication.len(),
            )
        }
    }

    /// The table: a header, then one row per run.
    pub fn rows(&self) -> Vec<Vec<String>> {
        let mut head = vec!["scenario".to_string(), "pools".into()];
        head.extend(COMPARED.iter().map(|(_, _, l)| l.to_string()));
        head.extend([
            "USD/month".into(),
            "USD/day under both price estimates".into(),
            "SLO (mean / upper 95%)".into(),
            "objectives: value / upper 95%".into(),
            "wait p95 per workload (min)".into(),
        ]);
        head.extend(
            COMPARED
                .iter()
                .map(|(_, _, l)| format!("Δ {l} vs {}", self.runs[0].0)),
        );
        let mut rows = vec![head];
        for (i, (name, run)) in self.runs.iter().enumerate() {
            let mut row = vec![name.to_string(), pools(run)];
            row.extend(
                COMPARED
                    .iter()
                    .map(|&(m, div, _)| shown(run.totals.get(m), div)),
            );
            row.push(format!(
                "{:.0}",
                run.totals.get(TotalMetric::CostPerDayUsd).mean * 30.0
            ));
            let (low, high) = run.cost_per_day_range_usd;
            row.push(format!("{low:.2} to {high:.2}"));
            row.push(run.slo.as_ref().map_or("-".into(), |v| {
                format!("{} / {}", met_word(v.met), met_word(v.met_upper95))
            }));
            row.push(deciding_values(run));
            row.push(
                run.workloads
                    .iter()
                    .map(|w| {
                        format!(
                            "{} {}",
                            w.name,
                            shown(w.metrics.get(WorkloadMetric::WaitP95S), 60.0)
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("; "),
            );
            row.extend(COMPARED.iter().map(|&(m, div, _)| {
                if i == 0 {
                    "-".into()
                } else {
                    shown(self.difference(i, m), div)
                }
            }));
            rows.push(row);
        }
        rows
    }

    /// `compare_workloads.csv`: `scenario, workload, pool`, then each
    /// workload's arrivals, mean and p95 wait with their intervals: the
    /// waits an aggregate hides, side by side (workloads differ between
    /// scenarios, so one row each rather than a column).
    pub fn workloads_csv(&self) -> Vec<u8> {
        const SHOWN: [WorkloadMetric; 3] = [
            WorkloadMetric::Arrived,
            WorkloadMetric::WaitMeanS,
            WorkloadMetric::WaitP95S,
        ];
        let mut w = Writer::from_writer(Vec::new());
        let mut head = vec!["scenario".to_string(), "workload".into(), "pool".into()];
        for m in SHOWN {
            let n = m.name();
            head.extend([
                n.to_string(),
                format!("{n}_ci95_low"),
                format!("{n}_ci95_high"),
            ]);
        }
        w.write_record(&head).expect("in-memory CSV");
        for (name, run) in &self.runs {
            for workload in &run.workloads {
                let mut row = vec![
                    name.to_string(),
                    workload.name.clone(),
                    workload.pool.clone(),
                ];
                for m in SHOWN {
                    let e = workload.metrics.get(m);
                    let (lo, hi) = e.ci95.unwrap_or((f64::NAN, f64::NAN));
                    row.extend([e.mean, lo, hi].map(|x| cell(rounded(m.name(), x))));
                }
                w.write_record(&row).expect("in-memory CSV");
            }
        }
        finish(w)
    }

    /// `compare_objectives.csv`: per scenario and objective the verdict
    /// as `summary.json`'s `slo.objectives[]` has it (`scenario,
    /// objective, workload, window, per, target, value, value_upper95,
    /// met, met_upper95, worst_hour`): every deciding value, where
    /// `compare.csv` has room for the first.
    pub fn objectives_csv(&self) -> Vec<u8> {
        let mut w = Writer::from_writer(Vec::new());
        w.write_record([
            "scenario",
            "objective",
            "workload",
            "window",
            "per",
            "target",
            "value",
            "value_upper95",
            "met",
            "met_upper95",
            "worst_hour",
        ])
        .expect("in-memory CSV");
        for (name, run) in &self.runs {
            for o in run.slo.iter().flat_map(|v| &v.objectives) {
                let wait = o.kind == ObjectiveKind::WaitP95;
                w.write_record([
                    name.to_string(),
                    o.kind.name().to_string(),
                    o.workload.clone().unwrap_or_default(),
                    o.window.map_or(String::new(), |w| w.to_string()),
                    if wait {
                        o.per.name().to_string()
                    } else {
                        String::new()
                    },
                    cell(o.target),
                    cell(o.value),
                    cell(o.value_upper95),
                    o.met.to_string(),
                    o.met_upper95.to_string(),
                    o.worst_hour.map_or(String::new(), |h| h.to_string()),
                ])
                .expect("in-memory CSV");
            }
        }
        finish(w)
    }

    /// `compare_wait_cdf.csv`: `scenario, wait_s, fraction_at_most`, the
    /// wait distribution of every run of each scenario, as `compare_wait`
    /// draws it.
    pub fn wait_cdf_csv(&self) -> Vec<u8> {
        let mut w = Writer::from_writer(Vec::new());
        w.write_record(["scenario", "wait_s", "fraction_at_most"])
            .expect("in-memory CSV");
        for (name, run) in &self.runs {
            for (wait_s, share) in run.total_wait_cdf() {
                w.write_record([name.to_string(), cell(wait_s), cell(share)])
                    .expect("in-memory CSV");
            }
        }
        finish(w)
    }

    /// `compare.csv`: per run, each compared metric with its interval, the
    /// cost per month, the verdicts, and each difference from the first
    /// with its interval (`paired` says how it was computed).
    pub fn csv(&self) -> Vec<u8> {
        let mut w = Writer::from_writer(Vec::new());
        let mut head = vec!["scenario".to_string(), "pools".into()];
        for (m, _, _) in COMPARED {
            let n = m.name();
            head.extend([
                n.to_string(),
                format!("{n}_ci95_low"),
                format!("{n}_ci95_high"),
            ]);
        }
        head.extend([
            "cost_per_month_usd".into(),
            "cost_per_day_usd_low".into(),
            "cost_per_day_usd_high".into(),
            "slo_met".into(),
            "slo_met_upper95".into(),
        ]);
        for (m, _, _) in COMPARED {
            let n = m.name();
            head.extend([
                format!("diff_{n}"),
                format!("diff_{n}_ci95_low"),
                format!("diff_{n}_ci95_high"),
            ]);
        }
        head.extend([
            "paired".into(),
            "deciding_wait_p95_s".into(),
            "deciding_wait_p95_upper95_s".into(),
        ]);
        w.write_record(&head).expect("in-memory CSV");
        let triple = |m: TotalMetric, e: Estimate| {
            let (lo, hi) = e.ci95.unwrap_or((f64::NAN, f64::NAN));
            [e.mean, lo, hi].map(|x| cell(rounded(m.name(), x)))
        };
        for (i, (name, run)) in self.runs.iter().enumerate() {
            let mut row = vec![name.to_string(), pools(run)];
            for (m, _, _) in COMPARED {
                row.extend(triple(m, run.totals.get(m)));
            }
            let month = run.totals.get(TotalMetric::CostPerDayUsd).mean * 30.0;
            row.push(cell(rounded("cost_per_month_usd", month)));
            let (low, high) = run.cost_per_day_range_usd;
            row.extend([low, high].map(|x| cell(rounded("cost_per_day_usd", x))));
            let verdict = |f: fn(&crate::results::SloVerdict) -> bool| {
                run.slo.as_ref().map_or(String::new(), |v| f(v).to_string())
            };
            row.extend([verdict(|v| v.met), verdict(|v| v.met_upper95)]);
            for (m, _, _) in COMPARED {
                row.extend(triple(m, self.difference(i, m)));
            }
            row.push(self.paired.to_string());
            let deciding = deciding_wait(run);
            row.extend([
                deciding.map_or(String::new(), |o| cell(o.value)),
                deciding.map_or(String::new(), |o| cell(o.value_upper95)),
            ]);
            w.write_record(&row).expect("in-memory CSV");
        }
        finish(w)
    }
}

/// The first wait objective's verdict: the wait that decides.
fn deciding_wait(run: &RunSummary) -> Option<&ObjectiveVerdict> {
    run.slo
        .iter()
        .flat_map(|v| &v.objectives)
        .find(|o| o.kind == ObjectiveKind::WaitP95)
}

/// Each objective's judged value and bound, as `nightly wait_p95 53.9 /
/// 55.0 min`: the values that decided, side by side across scenarios.
fn deciding_values(run: &RunSummary) -> String {
    let Some(v) = &run.slo else {
        return "-".into();
    };
    let parts: Vec<String> = v
        .objectives
        .iter()
        .map(|o| match o.kind {
            ObjectiveKind::WaitP95 => format!(
                "{} {:.1} / {:.1} min",
                o.label(),
                o.value / 60.0,
                o.value_upper95 / 60.0
            ),
            ObjectiveKind::MaxCostPerDay => {
                format!("{} USD {:.2} / {:.2}", o.label(), o.value, o.value_upper95)
            }
        })
        .collect();
    parts.join("; ")
}
