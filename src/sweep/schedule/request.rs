//! What `plan --schedule` checks before it searches: that the request can
//! be planned at all, and what bounds each hour of the week (the first
//! guess by M/M/c, the floor, the quota's ceiling).

use super::ScheduleRequest;
use crate::forecast::Mmc;
use crate::forecast::{arrivals_by_hour, hour_label, load_by_hour, loaded_hours};
use crate::model::{
    HOURS_OF_WEEK, HourLoad, HourOfWeek, PoolId, PoolSpec, Target, Tier, TierKind, WaitObjective,
};
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
    #[error("the {kind} quota is too small for the peak: at {hour} pool {pool} is offered {offered:.1} instances of work, but the quota ({limit} vCPUs{}) leaves it {ceiling} x {tier}; raise [quota] {kind}_vcpu to at least {} (about {wanted} x {tier} by M/M/c; for a real registry a quota increase is a support request) or choose a smaller tier where its memory holds the runs (the quota holds more of its instances, and each does at least as much work per vCPU)", held_note(*.held), .held + .wanted * .tier.vcpu())]
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
    if s.objectives().waits.is_empty() {
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
    /// vCPUs the other pools of the kind hold in each hour.
    pub held: Vec<u32>,
    /// The M/M/c count of each hour, the quota aside.
    pub wanted: Vec<u32>,
    /// Hours sized to what the quota leaves (their load exceeds it, or
    /// the queue it leaves spills into them): their runs wait longer than
    /// any bound the plan could keep, as its warning says.
    pub capped: Vec<bool>,
    /// Hours outside `[slo] window` sized to what the quota leaves, in
    /// words, with how long their runs then wait.
    pub warnings: Vec<String>,
}

impl Bounds {
    /// The quota (vCPUs) that would let `hours` have what M/M/c wants,
    /// and at least one instance more than they can have now, beside the
    /// other pools.
    pub(super) fn vcpus_to_serve(&self, hours: impl Iterator<Item = usize>, vcpu: u32) -> u32 {
        hours
            .map(|h| self.held[h] + self.wanted[h].max(self.ceiling[h] + 1) * vcpu)
            .max()
            .unwrap_or(0)
    }
}

/// The wait objectives that judge runs of pool `p`.
fn pool_objectives(s: &Scenario, p: usize) -> Vec<WaitObjective> {
    let on_pool = |w: usize| s.workloads[w].target == Target::Pool(PoolId(p as u32));
    s.objectives()
        .waits
        .into_iter()
        .filter(|o| o.workloads.iter().any(|(w, _)| on_pool(*w)))
        .collect()
}

/// Whether some minute of hour `h` of the week is inside the window of
/// one of `objectives` (every hour is for one without a window).
fn judged_hour(objectives: &[WaitObjective], h: usize) -> bool {
    objectives.iter().any(|o| {
        o.window
            .is_none_or(|w| w.overlaps(HourOfWeek::from_index(h)))
    })
}

/// vCPUs the other pools of pool `p`'s kind hold in each hour, at the
/// counts they can have then.
fn held_vcpus(s: &Scenario, p: usize, loads: &[(Vec<HourLoad>, f64)]) -> Vec<u32> {
    let kind = s.pools[p].tier.kind();
    (0..HOURS_OF_WEEK)
        .map(|h| {
            s.pools
                .iter()
                .zip(loads)
                .enumerate()
                .filter(|(q, (o, _))| *q != p && o.tier.kind() == kind)
                .map(|(_, (o, (l, _)))| l[h].instances.saturating_mul(o.tier.vcpu()))
                .sum()
        })
        .collect()
}

/// The bounds of pool `p`'s hours; an error when the quota leaves it less
/// than the work offered in a judged hour (the queue would grow without
/// end). An hour outside `[slo] window` in that case gets what fits, and a
/// warning.
pub(super) fn bounds(s: &Scenario, p: usize) -> Result<Bounds, RequestError> {
    let spec = &s.pools[p];
    let objectives = pool_objectives(s, p);
    // The strictest target of the pool's runs (repair and trim find where
    // a laxer one allows fewer).
    let target_s = objectives
        .iter()
        .map(|o| o.target.as_secs_f64())
        .fold(f64::INFINITY, f64::min);
    let loads = load_by_hour(s);
    let (hours, service_s) = &loads[p];
    let (kind, limit, vcpu) = (
        spec.tier.kind(),
        s.quota.limit(spec.tier.kind()),
        spec.tier.vcpu(),
    );
    let held = held_vcpus(s, p, &loads);
    let ceiling: Vec<u32> = held
        .iter()
        .map(|&used| limit.saturating_sub(used) / vcpu)
        .collect();
    // The M/M/c count of each hour, the quota aside.
    let wanted: Vec<u32> = hours
        .iter()
        .map(|h| {
            let a = h.offered_load;
            Mmc::smallest_count(a, *service_s, target_s, 1..=100_000).unwrap_or(a.ceil() as u32 + 1)
        })
        .collect();
    // At least one instance where runs are in progress.
    let mut floor: Vec<u32> = (0..HOURS_OF_WEEK)
        .map(|h| u32::from(hours[h].offered_load > 0.0).min(ceiling[h]))
        .collect();
    let quota = QuotaRoom {
        kind,
        limit,
        held: &held,
        ceiling: &ceiling,
    };
    let (mut need, short) = hour_needs(
        spec,
        (hours, *service_s),
        &objectives,
        &quota,
        (&wanted, target_s),
    )?;
    // And one instance in the hour after any hour where runs arrive: runs
    // still queued at a scale-in to 0 would wait for the next morning,
    // which a p95 over the week barely sees. A guide for the search, not
    // a verdict: the trim drops it where no run is stranded without it.
    for (h, arrivals) in arrivals_by_hour(s, p).into_iter().enumerate() {
        let next = (h + 1) % HOURS_OF_WEEK;
        if arrivals > 0.0 && ceiling[next] >= 1 {
            floor[next] = 1;
            need[next] = need[next].max(1);
        }
    }
    let mut capped = vec![false; HOURS_OF_WEEK];
    for &h in &short {
        capped[h] = true;
    }
    let longest_s = drain(hours, &mut need, &ceiling, &mut capped);
    let mut b = Bounds {
        need,
        floor,
        ceiling,
        held,
        wanted,
        capped,
        warnings: Vec::new(),
    };
    b.warnings
        .extend(beyond_the_quota(s, p, hours, &b, &short, longest_s));
    Ok(b)
}

/// What the quota leaves the pool: its kind and vCPUs, and by hour of the
/// week the vCPUs the other pools hold and the instances left.
struct QuotaRoom<'a> {
    kind: TierKind,
    limit: u32,
    held: &'a [u32],
    ceiling: &'a [u32],
}

/// Each hour's count by M/M/c on its offered load within what the quota
/// leaves (`wanted`: the count the quota aside), and the hours whose load
/// the quota cannot hold, which get all it leaves; refused when such an
/// hour is judged.
fn hour_needs(
    spec: &PoolSpec,
    (hours, service_s): (&[HourLoad], f64),
    objectives: &[WaitObjective],
    quota: &QuotaRoom,
    (wanted, target_s): (&[u32], f64),
) -> Result<(Vec<u32>, Vec<usize>), RequestError> {
    let ceiling = quota.ceiling;
    let mut need = vec![0u32; HOURS_OF_WEEK];
    let mut short = Vec::new();
    for h in 0..HOURS_OF_WEEK {
        let a = hours[h].offered_load;
        if a <= 0.0 {
            continue;
        }
        if f64::from(ceiling[h]) <= a {
            if judged_hour(objectives, h) {
                return Err(RequestError::QuotaTooSmall {
                    kind: quota.kind,
                    hour: hour_label(h),
                    pool: spec.name.clone(),
                    offered: a,
                    limit: quota.limit,
                    held: quota.held[h],
                    ceiling: ceiling[h],
                    tier: spec.tier,
                    wanted: wanted[h],
                });
            }
            need[h] = ceiling[h];
            short.push(h);
            continue;
        }
        let lowest = (a.floor() as u32 + 1).max(1);
        need[h] =
            Mmc::smallest_count(a, service_s, target_s, lowest..=ceiling[h]).unwrap_or(ceiling[h]);
    }
    Ok((need, short))
}

/// The hours a queue left by hours short of instances spills into get all
/// the quota leaves them too (the work in excess of the instances queues,
/// and the instances drain it: a fluid model, over two turns of the week so
/// that a queue carried over Monday 00:00 counts). Returns the longest
/// wait it gives, seconds. `capped` holds the hours short of instances
/// and gains those the queue spills into.
fn drain(hours: &[HourLoad], need: &mut [u32], ceiling: &[u32], capped: &mut [bool]) -> f64 {
    let (mut queued, mut longest) = (0.0f64, 0.0f64);
    if !capped.contains(&true) {
        return longest;
    }
    for k in 0..2 * HOURS_OF_WEEK {
        let h = k % HOURS_OF_WEEK;
        if queued > 0.0 {
            need[h] = ceiling[h];
            capped[h] = true;
        }
        let c = f64::from(need[h]);
        queued = (queued + (hours[h].offered_load - c) * 3600.0).max(0.0);
        if c > 0.0 {
            longest = longest.max(queued / c);
        } else if queued > 0.0 {
            longest = f64::INFINITY;
        }
    }
    longest
}

/// The warning for hours outside `[slo] window` whose work exceeds what
/// the quota leaves the pool (`short`): how long their runs wait at most.
fn beyond_the_quota(
    s: &Scenario,
    p: usize,
    hours: &[HourLoad],
    bounds: &Bounds,
    short: &[usize],
    longest: f64,
) -> Option<String> {
    if short.is_empty() {
        return None;
    }
    let counts = &bounds.need;
    let sized: Vec<HourLoad> = hours
        .iter()
        .map(|h| HourLoad {
            instances: if short.contains(&h.hour_of_week) {
                counts[h.hour_of_week]
            } else {
                u32::MAX
            },
            ..*h
        })
        .collect();
    let spec = &s.pools[p];
    let kind = spec.tier.kind();
    let wait = if longest.is_finite() {
        format!("up to about {}", SimDuration::from_secs_f64(longest.ceil()))
    } else {
        "until the quota frees instances".to_string()
    };
    Some(format!(
        "at {} (outside [slo] window) pool {} is offered more work than the {kind} quota leaves it, so the schedule gives those hours what fits and their runs queue: they wait {wait} (the excess work over the instances, a fluid estimate); [quota] {kind}_vcpu = {} would serve them",
        loaded_hours(&sized).unwrap_or_default(),
        spec.name,
        bounds.vcpus_to_serve(short.iter().copied(), spec.tier.vcpu()),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::from_str;
    use std::path::Path;

    /// A pool `builders` of S1 under a `vcpus` quota, with `workloads`
    /// and `slo` appended.
    fn scenario(vcpus: u32, workloads: &str, slo: &str) -> Scenario {
        let text = format!(
            "[simulation]\nhorizon = \"8d\"\nwarmup = \"1d\"\nreplications = 2\n\n[quota]\nstandard_vcpu = {vcpus}\n\n[[pool]]\nname = \"builders\"\ntier = \"S1\"\ncount = 1\n\n{workloads}\n[slo]\n{slo}\n"
        );
        from_str(&text, Path::new("t.toml")).expect("a valid scenario")
    }

    /// Issue 26: arrivals 12 + 8 sin(2 pi (t - 6) / 24) an hour with
    /// 60-minute runs. 06:00 and 17:00 have the same arrival rate, but the
    /// load lags the arrivals by about an hour, so the first guess gives
    /// 17:00 more instances than 06:00, and 06:00 fewer than its arrival
    /// rate alone would (Erlang C on rate x mean run time).
    #[test]
    fn the_first_guess_follows_the_lagged_load() {
        let w = 2.0 * std::f64::consts::PI / 24.0;
        let hourly: Vec<String> = (0..24)
            .map(|t| {
                let t = f64::from(t);
                let mean = 12.0 - 8.0 / w * ((w * (t - 5.0)).cos() - (w * (t - 6.0)).cos());
                format!("{}", mean / 12.0)
            })
            .collect();
        let s = scenario(
            1000,
            &format!(
                "[[workload]]\nname = \"ci\"\npool = \"builders\"\ntimeout = \"8h\"\narrival = {{ process = \"profile\", rate = \"12/h\", hourly = [{}], weekly = [1, 1, 1, 1, 1, 1, 1] }}\nduration = {{ dist = \"exponential\", mean = \"60m\" }}\n",
                hourly.join(", ")
            ),
            "wait_p95 = \"5m\"",
        );
        let b = bounds(&s, 0).expect("bounds");
        let (hours, service_s) = &load_by_hour(&s)[0];
        let arrivals = arrivals_by_hour(&s, 0);
        let pointwise = |h: usize| {
            Mmc::smallest_count(arrivals[h] * service_s / 3600.0, *service_s, 300.0, 1..=100)
        };
        for day in 0..7 {
            let (early, late) = (day * 24 + 6, day * 24 + 17);
            assert!((arrivals[early] - arrivals[late]).abs() < 1e-9);
            assert!(hours[late].offered_load > hours[early].offered_load);
            assert_eq!(pointwise(early), pointwise(late));
            assert!(
                b.need[late] > b.need[early],
                "{:?}",
                &b.need[day * 24..day * 24 + 24]
            );
            assert!(Some(b.need[early]) < pointwise(early) && Some(b.need[late]) > pointwise(late));
        }
    }

    /// The nightly batch of 60 one-hour builds at 02:00 needs 60 x S1
    /// that hour, but the quota (16 vCPUs) leaves 8: outside the window
    /// the hour gets the 8 and a warning; judged, it is refused.
    #[test]
    fn a_burst_outside_the_window_gets_what_fits() {
        let workloads = "[[workload]]\nname = \"ci\"\npool = \"builders\"\narrival = { process = \"profile\", rate = \"4/h\", hourly = [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0], weekly = [1, 1, 1, 1, 1, 1, 1] }\nduration = { dist = \"exponential\", mean = \"10m\" }\n\n[[workload]]\nname = \"nightly\"\npool = \"builders\"\narrival = { process = \"cron\", schedule = \"0 2 * * *\", tasks = 60 }\nduration = { dist = \"constant\", value = \"1h\" }\n";
        let s = scenario(
            16,
            workloads,
            "wait_p95 = \"5m\"\nwindow = \"Mon-Sun 09:00-18:00\"",
        );
        let b = bounds(&s, 0).expect("sized to what fits");
        assert_eq!(b.need[2], 8);
        assert_eq!(b.warnings.len(), 1, "{:?}", b.warnings);
        let w = &b.warnings[0];
        // 60 instance-hours of work on 8 instances: 52 queued at 03:00,
        // drained by 8 an hour: the last runs wait 6.5 h.
        assert!(w.contains("every day 02:00-03:00"), "{w}");
        assert!(w.contains("wait up to about 6h 30m"), "{w}");
        assert!(
            w.contains(&format!("standard_vcpu = {} ", b.wanted[2] * 2)),
            "{w}"
        );
        // The queue drains on all the quota leaves: 8 until 09:00.
        assert!(b.need[3..9].iter().all(|&c| c == 8), "{:?}", &b.need[..10]);
        let judged = scenario(16, workloads, "wait_p95 = \"5m\"");
        assert!(matches!(
            bounds(&judged, 0),
            Err(RequestError::QuotaTooSmall { ceiling: 8, .. })
        ));
    }
}
