//! What `plan --schedule` compares its schedule with: the cheapest fixed
//! count of the pool that meets the same objective.

use std::sync::atomic::{AtomicBool, Ordering};

use super::{ScheduleError, ScheduleRequest, wait_objective};
use crate::model::Tier;
use crate::scenario::{
    Axis, AxisValue, EditError, ScalingEdit, SweepSpec, expand, with_pool_scaling,
};
use crate::stats::{Estimate, Judged, TotalMetric};
use crate::sweep::{Objective, PlanError, Progress, metric_names, plan};

/// The cheapest fixed count meeting the same objective (by `plan`'s
/// search over the count).
#[derive(Debug, Clone, PartialEq)]
pub struct FixedComparison {
    /// Instances.
    pub count: u32,
    /// Compute cost per day, USD (mean and interval).
    pub cost_per_day_usd: Estimate,
    /// The deciding objective's judged p95 wait, seconds.
    pub wait_p95_s: Judged,
    /// Replications it ran.
    pub simulations: u64,
}

/// Why there is no fixed count to compare the schedule with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoFixedCount {
    /// The scenario's text could not be edited to a fixed pool.
    #[error(transparent)]
    Edit(#[from] EditError),
    /// `plan` cannot search the count.
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// No count searched meets the objective.
    #[error("no fixed count of 1 to {most} x {tier} within the quota meets the objective")]
    NoneMeets {
        /// The largest count searched.
        most: u32,
        /// The pool's tier.
        tier: Tier,
    },
}

/// The cheapest fixed count of the pool up to `most` that meets the wait
/// objective, by `plan`'s binary search over the count (with the
/// scenario's seed and replications, as the schedule ran).
pub(super) fn cheapest_fixed(
    req: &ScheduleRequest,
    pool: usize,
    most: u32,
    cancel: &AtomicBool,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Result<FixedComparison, NoFixedCount>, ScheduleError> {
    let s = req.scenario;
    let fixed_src = match with_pool_scaling(req.source, req.pool, &ScalingEdit::Fixed) {
        Ok(t) => t,
        Err(e) => return Ok(Err(NoFixedCount::Edit(e))),
    };
    let most = most.clamp(1, 400);
    let spec = SweepSpec {
        axes: vec![Axis {
            key: format!("pool.{}.count", req.pool),
            values: (1..=i64::from(most)).map(AxisValue::Int).collect(),
        }],
    };
    let mut points = expand(&spec, &fixed_src, req.path, req.scope);
    for point in &mut points {
        if let Ok(ps) = &mut point.scenario {
            ps.simulation.seed = s.simulation.seed;
            ps.simulation.replications = s.simulation.replications;
        }
    }
    let obj = Objective {
        slo: wait_objective(s),
        with_waiting_cost: false,
    };
    let outcome = match plan(&spec, &points, metric_names(s), &obj, cancel, progress) {
        Ok(o) => o,
        Err(why) => return Ok(Err(NoFixedCount::Plan(why))),
    };
    if cancel.load(Ordering::Relaxed) {
        return Err(ScheduleError::Cancelled);
    }
    let table = &outcome.table;
    let mut best = None;
    for d in table.decisions(&obj) {
        match d {
            Ok(d) if d.best.is_some() => {
                best = d.best;
                break;
            }
            Ok(_) => {}
            Err(e) => return Ok(Err(NoFixedCount::Plan(PlanError::Table(e.to_string())))),
        }
    }
    Ok(match best {
        Some(row) => Ok(FixedComparison {
            count: row.params[0].parse().unwrap_or(0),
            cost_per_day_usd: row.total(TotalMetric::CostPerDayUsd),
            wait_p95_s: row.objective(0),
            simulations: outcome.simulations,
        }),
        None => Err(NoFixedCount::NoneMeets {
            most,
            tier: s.pools[pool].tier,
        }),
    })
}
