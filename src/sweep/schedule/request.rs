//! What `plan --schedule` checks before it searches: that the request can
//! be planned at all, and what bounds each hour of the week (the first
//! guess by M/M/c, the floor, the quota's ceiling).

use super::ScheduleRequest;
use crate::load::{HOURS_OF_WEEK, hour_label, load_by_hour, mmc_waits};
use crate::model::{PoolId, Target, Tier, TierKind};
use crate::scenario::Scenario;
use crate::units::SimDuration;

/// Why a schedule cannot be planned for this request (each names the fix).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RequestError {
    /// The scenario has no pool at all.
    #[error(
        "scenario {scenario} has no [[pool]] to schedule (its workloads run on the default compute); add a [[pool]] and route a workload to it"
    )]
    NoPools {
        /// The scenario's name.
        scenario: String,
    },
    /// No pool has the name given.
    #[error(
        "scenario {scenario} has no pool named {pool:?}; give --schedule one of its pools: {pools}"
    )]
    NoSuchPool {
        /// The scenario's name.
        scenario: String,
        /// The name given.
        pool: String,
        /// Its pools' names, comma-separated.
        pools: String,
    },
    /// No workload runs on the pool.
    #[error(
        "no workload of scenario {scenario} runs on pool {pool}, so there is nothing to schedule; route a workload to it (pool = {pool:?}) or give --schedule another pool ({pools})"
    )]
    Idle {
        /// The scenario's name.
        scenario: String,
        /// The pool.
        pool: String,
        /// Its pools' names, comma-separated.
        pools: String,
    },
    /// `[slo]` has no wait objective.
    #[error(
        "plan --schedule designs the cheapest schedule that meets [slo] wait_p95, and scenario {0} sets none; add e.g. wait_p95 = \"5m\" to [slo]"
    )]
    NoWaitObjective(String),
    /// `[slo] developer_cost_per_hour` is set.
    #[error(
        "plan --schedule minimises compute cost; with [slo] developer_cost_per_hour it would have to minimise compute plus waiting cost, so drop that key for the plan (or use poolcast sweep)"
    )]
    WaitingCost,
    /// The observed window is shorter than a week.
    #[error(
        "plan --schedule judges every hour of the week, but scenario {scenario} observes {observed} after its {warmup} warm-up; set [simulation] horizon to at least {needed} (the warm-up and a week)"
    )]
    ShortHorizon {
        /// The scenario's name.
        scenario: String,
        /// Horizon minus warm-up.
        observed: SimDuration,
        /// The warm-up.
        warmup: SimDuration,
        /// The horizon needed.
        needed: SimDuration,
    },
    /// `--max-changes-per-day` out of range.
    #[error(
        "--max-changes-per-day {0}: give 1 to 24 (a schedule changes the count on the hour, at most 24 times a day)"
    )]
    ChangesPerDay(u32),
    /// In some hour the quota leaves the pool less than the work offered.
    #[error("the {kind} quota is too small for the peak: at {hour} pool {pool} is offered {offered:.1} instances of work, but the quota ({limit} vCPUs{}) leaves it {ceiling} x {tier}; raise [quota] {kind}_vcpu to at least {} (about {wanted} x {tier} by M/M/c; for a real registry a quota increase is a support request) or choose a larger tier", held_note(*.held), .held + .wanted * .tier.vcpu())]
    QuotaTooSmall {
        /// The quota's kind.
        kind: TierKind,
        /// The busiest hour short of instances, in words.
        hour: String,
        /// The pool.
        pool: String,
        /// The offered load then, instances.
        offered: f64,
        /// The quota, vCPUs.
        limit: u32,
        /// vCPUs the other pools of the kind hold then.
        held: u32,
        /// Instances the quota leaves the pool then.
        ceiling: u32,
        /// The pool's tier.
        tier: Tier,
        /// Instances M/M/c wants then.
        wanted: u32,
    },
}

/// The part of the quota message that says what the other pools hold.
fn held_note(held: u32) -> String {
    if held > 0 {
        format!(", {held} of them held by the other pools then")
    } else {
        String::new()
    }
}

/// Checks a request before any output folder is made, so that a refused
/// plan leaves nothing behind. Returns the pool's index.
pub fn check_request(req: &ScheduleRequest) -> Result<usize, RequestError> {
    let s = req.scenario;
    let names = || {
        s.pools
            .iter()
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let Some(p) = s.pools.iter().position(|p| p.name == req.pool) else {
        return Err(if s.pools.is_empty() {
            RequestError::NoPools {
                scenario: s.name.clone(),
            }
        } else {
            RequestError::NoSuchPool {
                scenario: s.name.clone(),
                pool: req.pool.to_string(),
                pools: names(),
            }
        });
    };
    if !s
        .workloads
        .iter()
        .any(|w| w.target == Target::Pool(PoolId(p as u32)))
    {
        return Err(RequestError::Idle {
            scenario: s.name.clone(),
            pool: req.pool.to_string(),
            pools: names(),
        });
    }
    if s.slo.wait_p95.is_none() {
        return Err(RequestError::NoWaitObjective(s.name.clone()));
    }
    if s.slo.developer_cost_per_hour_usd.is_some() {
        return Err(RequestError::WaitingCost);
    }
    let sim = &s.simulation;
    let week = SimDuration::from_secs(7 * 86_400);
    if sim.horizon.0.saturating_sub(sim.warmup.0) < week.0 {
        return Err(RequestError::ShortHorizon {
            scenario: s.name.clone(),
            observed: SimDuration(sim.horizon.0.saturating_sub(sim.warmup.0)),
            warmup: sim.warmup,
            needed: SimDuration(sim.warmup.0 + week.0),
        });
    }
    if !(1..=24).contains(&req.max_changes_per_day) {
        return Err(RequestError::ChangesPerDay(req.max_changes_per_day));
    }
    bounds(s, p)?;
    Ok(p)
}

/// What bounds each hour of the schedule: the first guess, the fewest
/// instances and the most the quota leaves the pool.
pub(super) struct Bounds {
    /// The first guess: the smallest count whose M/M/c p95 meets the
    /// target in each hour.
    pub need: Vec<u32>,
    /// The fewest instances each hour may have.
    pub floor: Vec<u32>,
    /// The most the quota leaves the pool in each hour.
    pub ceiling: Vec<u32>,
}

/// The bounds of pool `p`'s hours; an error when the quota leaves it less
/// than the work offered in some hour (the queue would grow without end).
pub(super) fn bounds(s: &Scenario, p: usize) -> Result<Bounds, RequestError> {
    let spec = &s.pools[p];
    let target_s = s.slo.wait_p95.map_or(f64::INFINITY, |t| t.as_secs_f64());
    let loads = load_by_hour(s);
    let (hours, service_s) = &loads[p];
    // What the quota leaves the pool in each hour, beside the other pools
    // of its kind at the counts they can have then.
    let kind = spec.tier.kind();
    let limit = s.quota.limit(kind);
    let held: Vec<u32> = (0..HOURS_OF_WEEK)
        .map(|h| {
            s.pools
                .iter()
                .zip(&loads)
                .enumerate()
                .filter(|(q, (o, _))| *q != p && o.tier.kind() == kind)
                .map(|(_, (o, (l, _)))| l[h].instances.saturating_mul(o.tier.vcpu()))
                .sum()
        })
        .collect();
    let ceiling: Vec<u32> = held
        .iter()
        .map(|&used| limit.saturating_sub(used) / spec.tier.vcpu())
        .collect();
    // The first guess: the smallest count whose M/M/c p95 meets the target
    // in each hour, at least one where runs arrive.
    let mut need = vec![0u32; HOURS_OF_WEEK];
    let mut floor = vec![0u32; HOURS_OF_WEEK];
    for h in 0..HOURS_OF_WEEK {
        let a = hours[h].offered_load;
        if a <= 0.0 {
            continue;
        }
        floor[h] = 1;
        if f64::from(ceiling[h]) <= a {
            let wanted = (1..=100_000)
                .find(|&c| mmc_waits(c, a, *service_s).2 <= target_s)
                .unwrap_or(a.ceil() as u32 + 1);
            return Err(RequestError::QuotaTooSmall {
                kind,
                hour: hour_label(h),
                pool: spec.name.clone(),
                offered: a,
                limit,
                held: held[h],
                ceiling: ceiling[h],
                tier: spec.tier,
                wanted,
            });
        }
        let lowest = (a.floor() as u32 + 1).max(1);
        need[h] = (lowest..=ceiling[h])
            .find(|&c| mmc_waits(c, a, *service_s).2 <= target_s)
            .unwrap_or(ceiling[h]);
    }
    // And one instance in the hour after any hour where runs arrive: runs
    // that arrive just before a scale-in to 0 (and those still queued then)
    // would otherwise wait for the next morning, hours that a p95 over the
    // week barely sees.
    let busy: Vec<bool> = hours.iter().map(|h| h.offered_load > 0.0).collect();
    for h in 0..HOURS_OF_WEEK {
        let next = (h + 1) % HOURS_OF_WEEK;
        if busy[h] && !busy[next] && ceiling[next] >= 1 {
            floor[next] = 1;
            need[next] = need[next].max(1);
        }
    }
    Ok(Bounds {
        need,
        floor,
        ceiling,
    })
}
