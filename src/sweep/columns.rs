//! What a sweep of a scenario tabulates: its metric columns, its objective
//! and its empty table (`results::SweepTable`), read from the scenario.

use std::io;

use crate::results::{
    Metric, Objective, ObjectiveKind, PoolMetric, SweepTable, TotalMetric, WorkloadMetric,
    objective_id,
};
use crate::scenario::{Scenario, SweepSpec};

/// The metric names of a sweep of `scenario`: totals, then three per wait
/// objective (`slo.wait_p95_s`, `slo.wait_p95.worst_hour`,
/// `slo.wait_p95.worst_hour_alike`; `slo.NAME.` for a workload's own),
/// then per pool, then per workload.
pub fn metric_names(scenario: &Scenario) -> Vec<String> {
    let mut names: Vec<String> = TotalMetric::ALL.iter().map(|m| m.name().into()).collect();
    for o in &scenario.objectives().waits {
        let id = objective_id(o.workload.as_deref(), ObjectiveKind::WaitP95);
        names.push(format!("{id}_s"));
        names.push(format!("{id}.worst_hour"));
        names.push(format!("{id}.worst_hour_alike"));
    }
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

/// The objective of a scenario's `[slo]`.
pub fn objective_of(s: &Scenario) -> Objective {
    Objective {
        slo: s.objectives(),
        with_waiting_cost: s.slo.developer_cost_per_hour_usd.is_some(),
    }
}

/// An empty table of the points of `spec`.
pub fn table_of(spec: &SweepSpec, metrics: Vec<String>) -> io::Result<SweepTable> {
    let axes = spec
        .axes
        .iter()
        .map(|a| {
            (
                a.key.clone(),
                a.values.iter().map(|v| v.to_string()).collect(),
            )
        })
        .collect();
    SweepTable::new(axes, metrics)
}
