//! The results of a sweep as a table of rows (one per point), and the
//! decisions made on it: which points meet the SLO, the Pareto front, the
//! recommendation. The same functions serve a fresh sweep and a merge of
//! shards, so both decide identically.

use crate::scenario::{Scenario, Slo};
use crate::stats::{
    Estimate, Metric, MetricSet, Objectives, PoolMetric, RunSummary, SloVerdict, TotalMetric,
    WorkloadMetric, judge,
};

/// One point's results: every metric's mean and 95% interval.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepRow {
    /// Position in the full sweep, from 0.
    pub point: usize,
    /// Axis values as written in `sweep.csv`.
    pub params: Vec<String>,
    /// Replications run (0 for an infeasible point).
    pub replications: u32,
    /// Per metric of the table: mean, interval low, interval high (NaN when
    /// undefined or not run); empty once the row was written out
    /// (`keep_totals`).
    pub values: Vec<[f64; 3]>,
    /// The totals (the first columns, in `TotalMetric` order), kept in the
    /// row itself: what the decisions and the charts read.
    totals: [[f64; 3]; TOTALS],
    /// Whether the point was valid and ran.
    pub feasible: bool,
    /// Why it is infeasible (empty when feasible).
    pub reason: String,
}

/// The total metrics, the first columns of every row.
const TOTALS: usize = TotalMetric::ALL.len();

impl SweepRow {
    /// A row of `values` (every metric of the table, in column order).
    pub fn new(
        point: usize,
        params: Vec<String>,
        replications: u32,
        values: Vec<[f64; 3]>,
        feasible: bool,
        reason: String,
    ) -> SweepRow {
        let mut totals = [[f64::NAN; 3]; TOTALS];
        for (t, v) in totals.iter_mut().zip(&values) {
            *t = *v;
        }
        SweepRow {
            point,
            params,
            replications,
            values,
            totals,
            feasible,
            reason,
        }
    }

    /// A total metric of the row.
    pub fn total(&self, m: TotalMetric) -> Estimate {
        let [mean, lo, hi] = self.totals[m.index()];
        Estimate {
            mean,
            std_error: f64::NAN,
            ci95: (!lo.is_nan() && !hi.is_nan()).then_some((lo, hi)),
        }
    }

    /// The row's verdict on the objectives, by the one SLO judge.
    pub fn verdict(&self, obj: &Objective) -> Option<SloVerdict> {
        judge(&obj.slo, |m| self.total(m))
    }

    /// Drops every metric but the totals, which are what the decisions
    /// (verdict, Pareto front, recommendation) and the charts read: a
    /// sweep keeps this much of a row once the whole row is written out.
    /// The totals live in the row, not in an allocation of their own:
    /// small allocations kept between each chunk's large ones fragmented
    /// the heap (resident memory grew 2.7 KB a point for 0.4 KB kept).
    pub fn keep_totals(&mut self) {
        self.values = Vec::new();
    }
}

/// The objective a sweep optimises.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Objective {
    /// What a point must meet (on the upper end of its intervals).
    pub slo: Objectives,
    /// Minimise compute plus waiting cost rather than compute cost.
    pub with_waiting_cost: bool,
}

impl Objective {
    /// The objective of a scenario's `[slo]`.
    pub fn of(slo: &Slo) -> Objective {
        Objective {
            slo: slo.objectives(),
            with_waiting_cost: slo.developer_cost_per_hour_usd.is_some(),
        }
    }

    /// The metric minimised.
    pub fn cost_metric(&self) -> TotalMetric {
        if self.with_waiting_cost {
            TotalMetric::TotalCostUsd
        } else {
            TotalMetric::CostUsd
        }
    }
}

/// A sweep's results.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepTable {
    /// Axis key paths.
    pub axes: Vec<String>,
    /// Metric names, in column order.
    pub metrics: Vec<String>,
    /// Rows in point order: each with every metric, or with the totals
    /// only once it was written out (`SweepRow::keep_totals`, what
    /// `run_sweep` keeps).
    pub rows: Vec<SweepRow>,
}

/// The metric names of a sweep of `scenario`: totals, then per pool, then
/// per workload.
pub fn metric_names(scenario: &Scenario) -> Vec<String> {
    let mut names: Vec<String> = TotalMetric::ALL.iter().map(|m| m.name().into()).collect();
    for p in &scenario.pools {
        names.extend(
            PoolMetric::ALL
                .iter()
                .map(|m| format!("pool.{}.{}", p.name, m.name())),
        );
    }
    for w in &scenario.workloads {
        names.extend(
            WorkloadMetric::ALL
                .iter()
                .map(|m| format!("workload.{}.{}", w.name, m.name())),
        );
    }
    names
}

fn triple(e: Estimate) -> [f64; 3] {
    let (lo, hi) = e.ci95.unwrap_or((f64::NAN, f64::NAN));
    [e.mean, lo, hi]
}

fn triples<M: Metric>(set: &MetricSet<M>) -> impl Iterator<Item = [f64; 3]> + '_ {
    set.iter().map(|(_, e)| triple(e))
}

/// The values of a run in the order of `metric_names`.
pub fn row_values(run: &RunSummary) -> Vec<[f64; 3]> {
    let mut v: Vec<[f64; 3]> = triples(&run.totals).collect();
    for p in &run.pools {
        v.extend(triples(&p.metrics));
    }
    for w in &run.workloads {
        v.extend(triples(&w.metrics));
    }
    v
}

/// The values of the condition axes of a point, as (axis, value) pairs.
/// Borrowed from the table: a sweep with a workload axis has a condition
/// per point, and cloned strings were a fifth of its memory.
pub type Condition<'a> = Vec<(&'a str, &'a str)>;

/// The recommended point and the runner-up (rows of the table) under one
/// condition.
#[derive(Debug, Clone, PartialEq)]
pub struct Recommendation<'a> {
    /// The values of the condition axes (workload and simulation keys: what
    /// the world does, not what the team chooses); empty without them.
    pub condition: Condition<'a>,
    /// The cheapest point that meets the SLO, if any.
    pub best: Option<&'a SweepRow>,
    /// The next cheapest, if any.
    pub runner_up: Option<&'a SweepRow>,
}

/// Whether an axis describes conditions (traffic, horizon, prices) rather
/// than a choice (tier, count, scaling, quota): a recommendation is made for
/// each condition, never across them.
pub fn is_condition_axis(key: &str) -> bool {
    ["workload.", "simulation.", "prices."]
        .iter()
        .any(|p| key.starts_with(p))
}

impl SweepTable {
    /// A total metric of `row` (see `SweepRow::total`).
    pub fn total(&self, row: &SweepRow, m: TotalMetric) -> Estimate {
        row.total(m)
    }

    /// The verdict of `row` on the objectives (see `SweepRow::verdict`).
    pub fn verdict(&self, row: &SweepRow, obj: &Objective) -> Option<SloVerdict> {
        row.verdict(obj)
    }

    /// Whether `row` ran and meets every objective on the upper end of its
    /// interval (`met_upper95`: so a recommendation is not luck). Waits
    /// that are undefined meet nothing.
    pub fn meets(&self, row: &SweepRow, obj: &Objective) -> bool {
        row.feasible && self.verdict(row, obj).is_none_or(|v| v.met_upper95)
    }

    /// The mean p95 wait of `row`, seconds.
    pub fn wait_p95(&self, row: &SweepRow) -> f64 {
        self.total(row, TotalMetric::WaitP95S).mean
    }

    /// The mean of the minimised cost.
    pub fn cost(&self, row: &SweepRow, obj: &Objective) -> f64 {
        self.total(row, obj.cost_metric()).mean
    }

    fn by_cost<'a>(
        &'a self,
        obj: &Objective,
        rows: impl Iterator<Item = &'a SweepRow>,
    ) -> Vec<&'a SweepRow> {
        let mut v: Vec<&SweepRow> = rows.collect();
        let key = |r: &SweepRow| (self.cost(r, obj), self.wait_p95(r), r.point);
        v.sort_by(|a, b| {
            let (ka, kb) = (key(a), key(b));
            ka.0.total_cmp(&kb.0)
                .then(ka.1.total_cmp(&kb.1))
                .then(ka.2.cmp(&kb.2))
        });
        v
    }

    /// The rows grouped by the values of the condition axes, in point order.
    pub fn by_condition(&self) -> Vec<(Condition<'_>, Vec<&SweepRow>)> {
        let cond: Vec<usize> = (0..self.axes.len())
            .filter(|&i| is_condition_axis(&self.axes[i]))
            .collect();
        // A map from condition to its group: linear in the rows however
        // many conditions there are (groups stay in first-seen order).
        let mut groups: Vec<(Condition<'_>, Vec<&SweepRow>)> = Vec::new();
        let mut index: std::collections::HashMap<Condition<'_>, usize> =
            std::collections::HashMap::new();
        for r in &self.rows {
            let key: Condition = cond
                .iter()
                .map(|&i| (self.axes[i].as_str(), r.params[i].as_str()))
                .collect();
            match index.get(&key) {
                Some(&g) => groups[g].1.push(r),
                None => {
                    index.insert(key.clone(), groups.len());
                    groups.push((key, vec![r]));
                }
            }
        }
        groups
    }

    /// Per condition, the feasible points that no other feasible point of
    /// the same condition beats on both cost and mean p95 wait, cheapest
    /// first.
    pub fn pareto(&self, obj: &Objective) -> Vec<&SweepRow> {
        let mut front: Vec<&SweepRow> = Vec::new();
        for (_, rows) in self.by_condition() {
            let candidates = self.by_cost(
                obj,
                rows.into_iter()
                    .filter(|r| r.feasible && !self.cost(r, obj).is_nan()),
            );
            let mut best_wait = f64::INFINITY;
            for r in candidates {
                let wait = self.wait_p95(r);
                // Sorted by cost (then wait): a point is on the front when
                // it waits strictly less than every cheaper one.
                if wait < best_wait {
                    front.push(r);
                    best_wait = wait;
                }
            }
        }
        front
    }

    /// Per condition, the cheapest point that meets the objectives and the
    /// runner-up.
    pub fn recommend(&self, obj: &Objective) -> Vec<Recommendation<'_>> {
        self.by_condition()
            .into_iter()
            .map(|(condition, rows)| {
                let mut meeting = self
                    .by_cost(obj, rows.into_iter().filter(|r| self.meets(r, obj)))
                    .into_iter();
                Recommendation {
                    condition,
                    best: meeting.next(),
                    runner_up: meeting.next(),
                }
            })
            .collect()
    }
}
