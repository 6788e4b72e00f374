//! What `plan --schedule` compares its schedule with: the cheapest fixed
//! pool that meets the same objectives, of the pool's tier and of every
//! tier the quota allows.

use std::sync::atomic::{AtomicBool, Ordering};

use super::{ScheduleError, ScheduleRequest, wait_objective};
use crate::model::Tier;
use crate::results::schedule::FixedComparison;
use crate::results::{Objective, TotalMetric};
use crate::scenario::Scenario;
use crate::scenario::{
    Axis, AxisValue, EditError, ScalingEdit, SweepSpec, expand, with_pool_scaling,
};
use crate::sweep::{PlanError, Progress, metric_names, plan};

/// The fixed pools a schedule is compared with.
#[derive(Debug, Clone, PartialEq)]
pub struct FixedPools {
    /// The cheapest fixed count of the pool's own tier, or why there is
    /// none.
    pub same_tier: Result<FixedComparison, NoFixedCount>,
    /// The cheapest fixed pool over every tier the quota allows (the same
    /// tier's when it is the cheapest), if any meets.
    pub cheapest: Option<FixedComparison>,
    /// Replications run.
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

impl FixedPools {
    /// No comparison, for `why`.
    pub(super) fn none(why: NoFixedCount) -> FixedPools {
        FixedPools {
            same_tier: Err(why),
            cheapest: None,
            simulations: 0,
        }
    }
}

/// The most instances of `tier` the quota leaves pool `pool` beside the
/// other pools' counts at the start (what a fixed pool of that tier could
/// have).
fn quota_count(s: &Scenario, pool: usize, tier: Tier) -> u32 {
    let held: u32 = s
        .pools
        .iter()
        .enumerate()
        .filter(|&(q, o)| q != pool && o.tier.kind() == tier.kind())
        .map(|(_, o)| o.count.saturating_mul(o.tier.vcpu()))
        .sum();
    s.quota.limit(tier.kind()).saturating_sub(held) / tier.vcpu()
}

/// The cheapest fixed pool up to `most` instances of the pool's tier (and
/// as many of another tier as the quota allows, up to the same compute)
/// that meets the wait objectives, per tier by `plan`'s binary search over
/// the count (with the scenario's seed and replications, as the schedule
/// ran).
pub(super) fn cheapest_fixed(
    req: &ScheduleRequest,
    pool: usize,
    most: u32,
    cancel: &AtomicBool,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<FixedPools, ScheduleError> {
    let s = req.scenario;
    let own = s.pools[pool].tier;
    let fixed_src = match with_pool_scaling(req.source, req.pool, &ScalingEdit::Fixed) {
        Ok(t) => t,
        Err(e) => return Ok(FixedPools::none(NoFixedCount::Edit(e))),
    };
    let most = most.clamp(1, 400);
    let (tiers, spec) = fixed_sweep(req, pool, most);
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
        Err(why) => return Ok(FixedPools::none(NoFixedCount::Plan(why))),
    };
    if cancel.load(Ordering::Relaxed) {
        return Err(ScheduleError::Cancelled);
    }
    // Per tier, the smallest count that meets; rows in point order, so a
    // tier's counts rise.
    let best: Vec<FixedComparison> = tiers
        .iter()
        .filter_map(|&t| {
            let name = t.to_string();
            let row = outcome
                .rows
                .iter()
                .find(|r| r.params[0] == name && r.meets(&obj))?;
            Some(FixedComparison {
                tier: t,
                count: row.params[1].parse().unwrap_or(0),
                cost_per_day_usd: row.total(TotalMetric::CostPerDayUsd),
                wait_p95_s: row.objective(0),
            })
        })
        .collect();
    let same_tier = best
        .iter()
        .find(|f| f.tier == own)
        .cloned()
        .ok_or(NoFixedCount::NoneMeets { most, tier: own });
    let cheapest = best
        .into_iter()
        .min_by(|a, b| a.cost_per_day_usd.mean.total_cmp(&b.cost_per_day_usd.mean));
    Ok(FixedPools {
        same_tier,
        cheapest,
        simulations: outcome.simulations,
    })
}

/// The tiers a fixed pool is tried in and the sweep over them and their
/// counts: the pool's own tier up to `most` instances; another tier whose
/// quota holds an instance up to the same vCPUs and twice as many
/// instances (a smaller tier's runs are slower), within the quota.
fn fixed_sweep(req: &ScheduleRequest, pool: usize, most: u32) -> (Vec<Tier>, SweepSpec) {
    let s = req.scenario;
    let own = s.pools[pool].tier;
    let tiers: Vec<Tier> = Tier::ALL
        .into_iter()
        .filter(|&t| t == own || quota_count(s, pool, t) > 0)
        .collect();
    let top = tiers
        .iter()
        .map(|&t| match t == own {
            true => most,
            false => quota_count(s, pool, t).min(2 * most * own.vcpu() / t.vcpu() + 2),
        })
        .max()
        .unwrap_or(most)
        .clamp(1, 400);
    let spec = SweepSpec {
        axes: vec![
            Axis {
                key: format!("pool.{}.tier", req.pool),
                values: tiers
                    .iter()
                    .map(|t| AxisValue::Text(t.to_string()))
                    .collect(),
            },
            Axis {
                key: format!("pool.{}.count", req.pool),
                values: (1..=i64::from(top)).map(AxisValue::Int).collect(),
            },
        ],
    };
    (tiers, spec)
}
