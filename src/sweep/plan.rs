//! `poolcast plan`: the cheapest configuration that meets the SLO without
//! running the whole grid. Along a capacity setting (a fixed pool's count,
//! a queue controller's max or min, a schedule rule's count) cost grows and
//! wait falls, so per tier a binary search finds the smallest value that
//! meets the SLO; the cheapest tier's answer is the recommendation a full
//! sweep would give.

use std::collections::BTreeMap;
use std::sync::atomic::AtomicBool;

use super::{Progress, make_row, run_point, table_of};
use crate::model::{Objectives, Scaling};
use crate::results::{Objective, PlanOutcome, judged_columns};
use crate::scenario::{AxisValue, SweepPoint, SweepSpec};

/// Which setting of pool `pool` an axis key sets, when it is a capacity
/// setting: one whose rise adds instances (cost rises, wait falls).
fn capacity_setting(key: &str) -> Option<(&str, &str)> {
    let rest = key.strip_prefix("pool.")?;
    // pool.P.scaling.rules[K].count
    if let Some((pool, rule)) = rest.split_once(".scaling.rules[") {
        let (index, tail) = rule.split_once(']')?;
        return (tail == ".count" && index.parse::<usize>().is_ok())
            .then_some((pool, "scaling.rules[].count"));
    }
    for leaf in [".scaling.max", ".scaling.min", ".count"] {
        if let Some(pool) = rest.strip_suffix(leaf) {
            return (!pool.contains('.')).then_some((pool, &leaf[1..]));
        }
    }
    None
}

/// Why `plan` cannot search a sweep (each names the fix).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// `[slo]` has no wait objective to search for.
    #[error(
        "plan searches for the cheapest point that meets [slo] wait_p95; the scenario sets none"
    )]
    NoWaitObjective,
    /// The total cost (compute plus waiting) does not rise with the count.
    #[error(
        "plan minimises compute cost, which rises with the count; with [slo] developer_cost_per_hour the total cost does not, so use poolcast sweep"
    )]
    WaitingCost,
    /// The rows could not be kept (a temporary file).
    #[error("{0}")]
    Table(String),
    /// No axis sets a capacity.
    #[error(
        "plan needs a capacity axis in [sweep]: \"pool.NAME.count\" for a fixed pool, \"pool.NAME.scaling.max\" (or .min) for a queue controller, \"pool.NAME.scaling.rules[K].count\" for a schedule"
    )]
    NoCapacityAxis,
    /// An axis other than the capacity setting and the pool's tier.
    #[error(
        "plan searches one capacity setting of one pool ({capacity}) and pool.{pool}.tier; axis {axis:?} is not one of them, so use poolcast sweep"
    )]
    OtherAxis {
        /// The capacity axis's key.
        capacity: String,
        /// Its pool.
        pool: String,
        /// The axis that is neither.
        axis: String,
    },
    /// Another pool scales and shares the quota at run time.
    #[error(
        "plan searches one pool's capacity while the others keep theirs, but pool {other} scales too (it shares the quota at run time, so the wait need not fall as pool {pool} grows); use poolcast sweep"
    )]
    OtherPoolScales {
        /// The pool that scales.
        other: String,
        /// The pool searched.
        pool: String,
    },
    /// `pool.P.count` of a pool a queue controller scales.
    #[error(
        "plan searches pool.{0}.count for fixed pools only: pool {0} scales by a queue controller, whose count is only where it starts; search \"pool.{0}.scaling.max\" (or .min) instead, or use poolcast sweep"
    )]
    CountOfQueue(String),
    /// `pool.P.count` of a pool a schedule scales.
    #[error(
        "plan searches pool.{0}.count for fixed pools only: pool {0} scales by a schedule, whose count is only where it starts; search a rule's count (\"pool.{0}.scaling.rules[K].count\") or design the whole schedule with plan --schedule {0}"
    )]
    CountOfSchedule(String),
    /// A scaling setting of a fixed pool.
    #[error("pool {pool} is fixed, so its {setting} does not apply; search \"pool.{pool}.count\"")]
    NotScaled {
        /// The pool.
        pool: String,
        /// The setting the axis names (`scaling.max`, ...).
        setting: String,
    },
}

/// Whether `plan` can search this sweep: an objective on the wait, the
/// compute cost minimised, and as the only axes one capacity setting of
/// one pool (its count when it is fixed; a controller's `max` or `min`, or
/// a schedule rule's `count`, when it scales) and optionally its tier.
/// Returns the capacity axis. Checked before any output folder is made,
/// so a refused plan leaves nothing behind.
pub fn plan_axis(
    spec: &SweepSpec,
    points: &[SweepPoint],
    obj: &Objective,
) -> Result<usize, PlanError> {
    if obj.slo.waits.is_empty() {
        return Err(PlanError::NoWaitObjective);
    }
    if obj.with_waiting_cost {
        return Err(PlanError::WaitingCost);
    }
    let capacity: Vec<usize> = (0..spec.axes.len())
        .filter(|&i| capacity_setting(&spec.axes[i].key).is_some())
        .collect();
    let Some(&axis) = capacity.first() else {
        return Err(PlanError::NoCapacityAxis);
    };
    let (pool, setting) = capacity_setting(&spec.axes[axis].key).unwrap_or_default();
    for (i, a) in spec.axes.iter().enumerate() {
        if i != axis && a.key != format!("pool.{pool}.tier") {
            return Err(PlanError::OtherAxis {
                capacity: spec.axes[axis].key.clone(),
                pool: pool.to_string(),
                axis: a.key.clone(),
            });
        }
    }
    let base = points.iter().find_map(|p| p.scenario.as_ref().ok());
    if let Some(s) = base {
        // Pools that scale share the quota at run time: more instances for
        // one may mean fewer for another, so the wait need not fall.
        if let Some(other) = s
            .pools
            .iter()
            .find(|p| p.name != pool && p.scaling != Scaling::Fixed)
        {
            return Err(PlanError::OtherPoolScales {
                other: other.name.clone(),
                pool: pool.to_string(),
            });
        }
        let scaling = s.pools.iter().find(|p| p.name == pool).map(|p| &p.scaling);
        let fits = matches!(
            (setting, scaling),
            ("count", Some(Scaling::Fixed))
                | ("scaling.max" | "scaling.min", Some(Scaling::Queue(_)))
                | ("scaling.rules[].count", Some(Scaling::Schedule(_)))
                | (_, None)
        );
        if !fits {
            let pool = pool.to_string();
            return Err(match scaling {
                Some(Scaling::Queue(_)) => PlanError::CountOfQueue(pool),
                Some(Scaling::Schedule(_)) => PlanError::CountOfSchedule(pool),
                _ => PlanError::NotScaled {
                    pool,
                    setting: setting.to_string(),
                },
            });
        }
    }
    Ok(axis)
}

/// The count of `p` on the capacity axis `count_axis`: wait falls and
/// cost rises along it.
fn count(p: &SweepPoint, count_axis: usize) -> f64 {
    match &p.values[count_axis] {
        AxisValue::Int(n) => *n as f64,
        AxisValue::Float(x) => *x,
        AxisValue::Text(t) => t.parse().unwrap_or(f64::NAN),
    }
}

/// `points` grouped by everything but the count (that is, by tier), each
/// group in count order.
fn tier_groups(points: &[SweepPoint], count_axis: usize) -> Vec<Vec<&SweepPoint>> {
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
    let order = |a: &&SweepPoint, b: &&SweepPoint| {
        let (ca, cb) = (count(a, count_axis), count(b, count_axis));
        ca.total_cmp(&cb).then(a.index.cmp(&b.index))
    };
    groups
        .into_values()
        .map(|mut group| {
            group.sort_by(order);
            group
        })
        .collect()
}

/// `obj` without its cost cap. The search relies on the wait falling as
/// the count rises, so it judges the wait alone (the cost cap is checked
/// on what it finds, since cost only rises with the count).
fn wait_only(obj: &Objective) -> Objective {
    Objective {
        slo: Objectives {
            max_cost_per_day_usd: None,
            ..obj.slo.clone()
        },
        ..obj.clone()
    }
}

/// Runs (`meets`) the points of `valid`, in count order, that a binary
/// search for the smallest count meeting the objective visits, and the
/// next count after it: it may be the runner-up.
fn bisect(valid: &[&SweepPoint], mut meets: impl FnMut(&SweepPoint) -> bool) {
    let (mut lo, mut hi) = (0, valid.len());
    while lo < hi {
        let mid = (lo + hi) / 2;
        if meets(valid[mid]) {
            hi = mid
        } else {
            lo = mid + 1
        }
    }
    if let Some(next) = valid.get(lo + 1) {
        meets(next);
    }
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
) -> Result<PlanOutcome, PlanError> {
    let count_axis = plan_axis(spec, points, obj)?;
    let (columns, judged) = (metrics.len(), judged_columns(&metrics));
    let mut table = table_of(spec, metrics).map_err(|e| PlanError::Table(e.to_string()))?;
    let mut simulations = 0u64;
    let wait_only = wait_only(obj);
    let mut seen: std::collections::HashMap<usize, bool> = std::collections::HashMap::new();
    // The first failure to keep a row, reported once the search ends.
    let mut inserted = Ok(());
    let mut rows = Vec::new();
    for group in tier_groups(points, count_axis) {
        // Over-quota counts are known without simulating: keep the valid ones.
        let valid: Vec<&SweepPoint> = group
            .iter()
            .copied()
            .filter(|p| p.scenario.is_ok())
            .collect();
        let run = |p: &SweepPoint| {
            if let Some(&meets) = seen.get(&p.index) {
                return meets;
            }
            let reps = run_point(p, cancel, progress);
            simulations += reps.as_ref().map_or(0, |r| r.len() as u64);
            let row = make_row(p, reps, columns, judged);
            let meets = row.meets(&wait_only);
            if inserted.is_ok() {
                inserted = table.insert(&row);
            }
            rows.push(row);
            seen.insert(p.index, meets);
            meets
        };
        bisect(&valid, run);
    }
    inserted.map_err(|e| PlanError::Table(e.to_string()))?;
    rows.sort_by_key(|r| r.point);
    let grid_simulations = points
        .iter()
        .filter_map(|p| p.scenario.as_ref().ok())
        .map(|s| u64::from(s.simulation.replications))
        .sum();
    Ok(PlanOutcome {
        table,
        rows,
        simulations,
        grid_simulations,
    })
}
