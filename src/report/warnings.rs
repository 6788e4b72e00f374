//! Warnings a user must see before trusting the numbers: predicted before a
//! run from the scenario, and found after it in the results.

use crate::estimate::ScenarioEstimate;
use crate::load::overloaded_hours;
use crate::model::MAX_QUEUED;
use crate::stats::{Metric, RunSummary, TotalMetric};
use crate::units::SimDuration;

/// The relative half-width above which an interval is called too wide.
const WIDE_INTERVAL: f64 = 0.2;

/// Warnings from the scenario's estimate alone: validation's findings,
/// overloaded pools, a warm-up too short to settle, too few replications.
pub fn before_run(s: &ScenarioEstimate) -> Vec<String> {
    let mut out = s.warnings.clone();
    for pool in &s.pools {
        let (b, hours) = (&pool.baseline, &pool.load_by_hour);
        let most = f64::from(pool.max_count);
        let rho = b.offered_load / most.max(1.0);
        if b.offered_load >= most {
            out.push(format!(
                "pool {}: arrivals need {:.2} instances of {} on average but the pool has at most {most}; the queue grows without bound, so waits depend on the horizon and are not steady-state (add instances or lower the rate)",
                pool.name, b.offered_load, pool.tier
            ));
        } else if let Some(when) = overloaded_hours(hours) {
            // The weekly mean fits, but the peak does not: the normal case
            // for workday traffic.
            let peak = hours
                .iter()
                .filter(|h| h.offered_load >= f64::from(h.instances))
                .max_by(|a, b| a.offered_load.total_cmp(&b.offered_load))
                .expect("an overloaded hour");
            out.push(format!(
                "pool {}: {when}: arrivals need {:.1} {} instances, the pool has {}; the queue grows through these hours (add instances then: a schedule, see poolcast plan)",
                pool.name, peak.offered_load, pool.tier, peak.instances
            ));
        } else if rho > 0.0 {
            // A queue forgets its start in about its relaxation time. For
            // M/M/c it is of order 1 / (mu (sqrt(c) - sqrt(a))^2), with a
            // the offered load (the square-root staffing scale; for c = 1
            // it is Kleinrock's E[S] / (1 - sqrt(rho))^2): many instances
            // settle fast even at high utilisation.
            let gap = most.sqrt() - b.offered_load.sqrt();
            let settle = SimDuration::from_secs_f64(b.mean_service_s / (gap * gap));
            if s.warmup < settle {
                out.push(format!(
                    "pool {}: at utilisation {:.0}% its queue takes about {settle} to settle, longer than the {} warm-up; lengthen [simulation] warmup",
                    pool.name,
                    rho * 100.0,
                    s.warmup
                ));
            }
        }
    }
    if s.replications < 2 {
        out.push(
            "one replication gives no confidence interval; use --replications 10 or more".into(),
        );
    }
    out
}

/// Warnings from the results: replications stopped by an overflowing
/// queue, intervals too wide to act on.
pub fn after_run(run: &RunSummary) -> Vec<String> {
    let mut out = Vec::new();
    let stopped = run
        .per_replication
        .iter()
        .filter(|r| r.stopped_at.is_some())
        .count();
    if stopped > 0 {
        out.push(format!(
            "{stopped} of {} replications stopped early when the queues passed {} waiting runs (all pools together): the figures cover the time until then and are not steady-state",
            run.replications,
            MAX_QUEUED
        ));
    }
    for m in [
        TotalMetric::WaitMeanS,
        TotalMetric::WaitP95S,
        TotalMetric::CostUsd,
    ] {
        let key = m.name();
        let e = run.totals.get(m);
        if e.mean.abs() > 0.0 && e.half_width() > WIDE_INTERVAL * e.mean.abs() {
            out.push(format!(
                "the 95% interval of {key} is ±{:.0}% of its mean; add replications or lengthen the horizon before acting on it",
                e.half_width() / e.mean.abs() * 100.0
            ));
        }
    }
    out
}
