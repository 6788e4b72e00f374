//! Validation of `[[workload]]` tables: the target, the timeout and the
//! resources of a run; the arrival process and the run-time distribution
//! have modules of their own.

use std::collections::HashMap;

use super::arrival::arrival;
use super::duration::{duration_dist, recorded_durations};
use super::names::{name_problem, shown_name};
use super::raw::{RawPool, RawWorkload};
use super::validate::{Ctx, DEFAULT_COMPUTE};
use crate::model::{
    Calendar, DEFAULT_TIMEOUT, MAX_TIMEOUT, MIN_TIMEOUT, PoolId, PoolSpec, Target, Tier,
};
use crate::units::SimDuration;
use crate::workload::{ArrivalProcess, WorkloadSpec};

/// What a workload's validation needs to know of the rest of the scenario.
pub(super) struct PoolsEnv<'a> {
    /// Index of each pool name in `raw`: looked up once per workload and
    /// trace run, so it must not cost a scan of the pools.
    pub by_name: HashMap<&'a str, usize>,
    /// The raw pools, to resolve names.
    pub raw: &'a [RawPool],
    /// The validated pools (`None` where a pool is invalid).
    pub valid: &'a [Option<PoolSpec>],
    /// The simulation calendar.
    pub calendar: Calendar,
    /// The simulated span.
    pub horizon: SimDuration,
}

pub(super) fn workload(cx: &mut Ctx, raw: &RawWorkload, env: &PoolsEnv) -> Option<WorkloadSpec> {
    let key = format!("workload.{}", shown_name(raw.name.get_ref()));
    if let Some(problem) = name_problem(raw.name.get_ref()) {
        cx.issue(
            Some(&raw.name),
            &format!("{key}.name"),
            format!("the workload name {problem}; use letters, digits, spaces and punctuation"),
        );
    }
    let target = target_of(cx, raw, env, &key);
    let pool_spec = match target {
        Some(Target::Pool(id)) => env.valid[id.0 as usize].as_ref(),
        _ => None,
    };
    let rate_scale = cx.positive(raw.rate_scale.as_ref(), &format!("{key}.rate_scale"), 1.0);
    let arrival = arrival(cx, &raw.arrival, &key, rate_scale, env);
    let duration = match (&arrival, &raw.duration) {
        (Some(ArrivalProcess::Trace { trace, .. }), d) => {
            recorded_durations(cx, trace, d.as_ref(), &raw.arrival, &key)
        }
        (_, Some(d)) => duration_dist(cx, d, &format!("{key}.duration")),
        (None, None) => None,
        (Some(_), None) => {
            cx.issue::<()>(None, &format!("{key}.duration"), format!(
                "workload {:?} has no duration; add e.g. duration = {{ dist = \"lognormal\", median = \"3m\", p95 = \"20m\" }}",
                raw.name.get_ref()
            ));
            None
        }
    };
    let ref_cpu = cx.positive(raw.ref_cpu.as_ref(), &format!("{key}.ref_cpu"), 2.0);
    let parallel_fraction = cx.number(
        raw.parallel_fraction.as_ref(),
        &format!("{key}.parallel_fraction"),
        (0.0, 1.0),
        0.0,
    );
    let recorded_cpu = raw
        .recorded_cpu
        .as_ref()
        .map(|c| cx.integer(Some(c), &format!("{key}.recorded_cpu"), (1, 1024), 2) as u32);
    let memory_gb = memory_of(cx, raw, &key, pool_spec);
    let timeout = cx.opt_duration(
        raw.timeout.as_ref(),
        &format!("{key}.timeout"),
        DEFAULT_TIMEOUT,
    );
    if let Some(t) = timeout.filter(|t| !(MIN_TIMEOUT..=MAX_TIMEOUT).contains(t)) {
        cx.issue(
            raw.timeout.as_ref(),
            &format!("{key}.timeout"),
            format!("the service accepts run timeouts from \"5m\" to \"8h\", got {t}"),
        );
    }
    Some(WorkloadSpec {
        name: raw.name.get_ref().clone(),
        target: target?,
        arrival: arrival?,
        duration: duration?,
        ref_cpu,
        parallel_fraction,
        memory_gb,
        timeout: timeout?,
        recorded_cpu,
    })
}

/// Where a workload's runs go: the default compute or a pool of the
/// scenario (else an issue naming a few of the pools).
fn target_of(cx: &mut Ctx, raw: &RawWorkload, env: &PoolsEnv, key: &str) -> Option<Target> {
    let pool_name = raw.pool.get_ref();
    if pool_name == DEFAULT_COMPUTE {
        Some(Target::DefaultCompute)
    } else if let Some(i) = env.by_name.get(pool_name.as_str()) {
        Some(Target::Pool(PoolId(*i as u32)))
    } else {
        // A few names are a hint; thousands would flood the message.
        let mut known: Vec<&str> = env
            .raw
            .iter()
            .take(10)
            .map(|p| p.name.get_ref().as_str())
            .collect();
        if env.raw.len() > known.len() {
            known.push("...");
        }
        cx.issue(Some(&raw.pool), &format!("{key}.pool"), format!(
            "no pool is named {pool_name:?}; use one of [{}] or \"default\" for the default compute environment",
            known.join(", ")
        ));
        None
    }
}

/// A workload's memory a run, checked against its pool's tier.
fn memory_of(
    cx: &mut Ctx,
    raw: &RawWorkload,
    key: &str,
    pool_spec: Option<&PoolSpec>,
) -> Option<f64> {
    let memory_gb = raw
        .memory_gb
        .as_ref()
        .map(|m| cx.positive(Some(m), &format!("{key}.memory_gb"), 0.0));
    if let (Some(mem), Some(pool)) = (memory_gb, pool_spec)
        && mem > pool.tier.memory_gb()
    {
        let fits: Vec<&str> = Tier::ALL
            .iter()
            .filter(|t| t.memory_gb() >= mem)
            .map(|t| t.name())
            .collect();
        cx.issue(raw.memory_gb.as_ref(), &format!("{key}.memory_gb"), format!(
            "a run needs {mem} GB but pool {:?} is {} with {} GB; use a pool of tier {} or lower memory_gb",
            pool.name, pool.tier, pool.tier.memory_gb(), fits.join(" or ")
        ));
    }
    memory_gb
}
