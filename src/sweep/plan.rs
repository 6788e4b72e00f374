//! `poolcast plan`: the cheapest configuration that meets the SLO without
//! running the whole grid. For a fixed pool, cost grows with the count and
//! wait falls with it, so per tier a binary search over the count finds the
//! smallest count that meets the SLO; the cheapest tier's answer is the
//! recommendation a full sweep would give.

use std::collections::BTreeMap;
use std::sync::atomic::AtomicBool;

use super::table::{Objective, SweepTable};
use super::{Progress, make_row, run_point};
use crate::model::Scaling;
use crate::scenario::{AxisValue, SweepPoint, SweepSpec};
use crate::stats::Objectives;

/// Whether `plan` can search this sweep: an objective on the wait, the
/// compute cost minimised, one fixed pool's count (and tier) as the only
/// axes. Returns the count axis. Checked before any output folder is made,
/// so a refused plan leaves nothing behind.
pub fn plan_axis(
    spec: &SweepSpec,
    points: &[SweepPoint],
    obj: &Objective,
) -> Result<usize, String> {
    if obj.slo.wait_p95.is_none() {
        return Err("plan searches for the cheapest point that meets [slo] wait_p95; the scenario sets none".into());
    }
    if obj.with_waiting_cost {
        return Err("plan minimises compute cost, which rises with the count; with [slo] developer_cost_per_hour the total cost does not, so use poolcast sweep".into());
    }
    let pool_of = |key: &str, leaf: &str| {
        key.strip_prefix("pool.")
            .and_then(|k| k.strip_suffix(leaf))
            .map(str::to_string)
    };
    let count_axis = spec
        .axes
        .iter()
        .position(|a| pool_of(&a.key, ".count").is_some());
    let Some(count_axis) = count_axis else {
        return Err("plan needs a \"pool.NAME.count\" axis in [sweep]".into());
    };
    let pool = pool_of(&spec.axes[count_axis].key, ".count").unwrap_or_default();
    for a in &spec.axes {
        if a.key != format!("pool.{pool}.count") && a.key != format!("pool.{pool}.tier") {
            return Err(format!(
                "plan searches pool.{pool}.count (and pool.{pool}.tier) only; axis {:?} is not one of them, so use poolcast sweep",
                a.key
            ));
        }
    }
    // Pools that scale share the quota at run time and a scaled pool's count
    // is only where it starts: the wait need not fall with the count.
    let base = points.iter().find_map(|p| p.scenario.as_ref().ok());
    if base.is_some_and(|s| s.pools.iter().any(|p| p.scaling != Scaling::Fixed)) {
        return Err("plan searches fixed pools only (with scaling pools the wait need not fall as the count rises), so use poolcast sweep".into());
    }
    Ok(count_axis)
}

/// What `plan` found and what it cost.
#[derive(Debug, Clone)]
pub struct PlanOutcome {
    /// The points it ran (in point order).
    pub table: SweepTable,
    /// Replications run.
    pub simulations: u64,
    /// Replications the full grid would have run.
    pub grid_simulations: u64,
}

/// Searches `points` of `spec` (axes `pool.P.count` and optionally
/// `pool.P.tier`, for one pool `P`) for the cheapest point meeting `obj`.
pub fn plan(
    spec: &SweepSpec,
    points: &[SweepPoint],
    metrics: Vec<String>,
    obj: &Objective,
    cancel: &AtomicBool,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<PlanOutcome, String> {
    let count_axis = plan_axis(spec, points, obj)?;
    let count = |p: &SweepPoint| match &p.values[count_axis] {
        AxisValue::Int(n) => *n as f64,
        AxisValue::Float(x) => *x,
        AxisValue::Text(t) => t.parse().unwrap_or(f64::NAN),
    };
    // Group the points by everything but the count (that is, by tier).
    let mut groups: BTreeMap<Vec<String>, Vec<&SweepPoint>> = BTreeMap::new();
    for p in points {
        let key = p
            .values
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != count_axis)
            .map(|(_, v)| v.to_string())
            .collect();
        groups.entry(key).or_default().push(p);
    }
    let table_of = |rows| SweepTable {
        axes: spec.axes.iter().map(|a| a.key.clone()).collect(),
        metrics: metrics.clone(),
        rows,
    };
    let mut rows = Vec::new();
    let mut simulations = 0u64;
    // The search relies on the wait falling as the count rises; it judges
    // the wait alone (the cost cap is checked on what it finds, since cost
    // only rises with the count).
    let wait_only = Objective {
        slo: Objectives {
            max_cost_per_day_usd: None,
            ..obj.slo
        },
        ..*obj
    };
    let mut seen: std::collections::HashMap<usize, bool> = std::collections::HashMap::new();
    for group in groups.values_mut() {
        group.sort_by(|a, b| count(a).total_cmp(&count(b)).then(a.index.cmp(&b.index)));
        // Over-quota counts are known without simulating: keep the valid ones.
        let valid: Vec<&SweepPoint> = group
            .iter()
            .copied()
            .filter(|p| p.scenario.is_ok())
            .collect();
        let mut run = |p: &SweepPoint| {
            if let Some(&meets) = seen.get(&p.index) {
                return meets;
            }
            let reps = run_point(p, cancel, progress);
            simulations += reps.as_ref().map_or(0, |r| r.len() as u64);
            let row = make_row(p, reps, metrics.len());
            let meets = table_of(vec![row.clone()]).meets(&row, &wait_only);
            rows.push(row);
            seen.insert(p.index, meets);
            meets
        };
        let (mut lo, mut hi) = (0, valid.len());
        while lo < hi {
            let mid = (lo + hi) / 2;
            if run(valid[mid]) {
                hi = mid
            } else {
                lo = mid + 1
            }
        }
        // The next count too: it may be the runner-up.
        if let Some(next) = valid.get(lo + 1) {
            run(next);
        }
    }
    rows.sort_by_key(|r| r.point);
    let grid_simulations = points
        .iter()
        .filter_map(|p| p.scenario.as_ref().ok())
        .map(|s| u64::from(s.simulation.replications))
        .sum();
    Ok(PlanOutcome {
        table: table_of(rows),
        simulations,
        grid_simulations,
    })
}
