//! Warnings a user must see before trusting the numbers: predicted before a
//! run from the scenario, and found after it in the results.

use crate::forecast::ScenarioEstimate;
use crate::forecast::{batch_hours, overloaded_hours};
use crate::model::HourOfWeek;
use crate::model::MAX_QUEUED;
use crate::results::{Metric, PoolMetric, RunSummary, TotalMetric};
use crate::units::{SimDuration, SimTime};

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
                .filter(|h| h.steady_load >= f64::from(h.instances))
                .max_by(|a, b| a.steady_load.total_cmp(&b.steady_load))
                .expect("an overloaded hour");
            out.push(format!(
                "pool {}: {when}: arrivals need {:.1} {} instances, the pool has {}; the queue grows through these hours (add instances then: a schedule, see poolcast plan)",
                pool.name, peak.steady_load, pool.tier, peak.instances
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
    for pool in &s.pools {
        if let Some(when) = batch_hours(&pool.load_by_hour) {
            // Not a queue that grows: a batch that drains, which each
            // objective's estimate counts as such.
            let peak = pool
                .load_by_hour
                .iter()
                .filter(|h| h.batch_runs > 0.0 && h.offered_load >= f64::from(h.instances))
                .max_by(|a, b| a.batch_runs.total_cmp(&b.batch_runs))
                .expect("a batch hour");
            out.push(format!(
                "pool {}: {when}: cron firings bring {:.0} runs at once, {:.1} {} instances of work in the hour against {}: they queue and drain (how long they wait is each objective's estimate: poolcast estimate)",
                pool.name, peak.batch_runs, peak.offered_load, pool.tier, peak.instances
            ));
        }
    }
    if s.replications < 2 {
        out.push(
            "one replication gives no confidence interval; use --replications 10 or more".into(),
        );
    }
    out
}

/// The share of its target within which a met objective's upper bound is
/// a near miss: another seed may well miss.
const NEAR_MISS: f64 = 0.9;

/// When in the week runs were stranded: the (at most three) stretches
/// of consecutive hours (around the week's end too) with stranded runs
/// that hold the most, as `Sat 02:00 to Mon 08:00`.
fn stranded_when(by_hour: &[u64]) -> String {
    let n = by_hour.len();
    if by_hour.iter().all(|&r| r > 0) {
        return "in every hour of the week".into();
    }
    // (runs, first hour, hours), a stretch starting after an hour without.
    let mut stretches: Vec<(u64, usize, usize)> = (0..n)
        .filter(|&h| by_hour[h] > 0 && by_hour[(h + n - 1) % n] == 0)
        .map(|start| {
            let len = (0..n).take_while(|k| by_hour[(start + k) % n] > 0).count();
            let runs = (0..len).map(|k| by_hour[(start + k) % n]).sum();
            (runs, start, len)
        })
        .collect();
    stretches.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let parts: Vec<String> = stretches
        .iter()
        .take(3)
        .map(|&(_, from, len)| {
            format!(
                "{} to {}",
                HourOfWeek::from_index(from),
                HourOfWeek::from_index((from + len) % n)
            )
        })
        .collect();
    let more = if stretches.len() > 3 {
        format!(" (and {} more stretches)", stretches.len() - 3)
    } else {
        String::new()
    };
    format!("mostly {}{more}", crate::text::and_list(&parts))
}

/// Runs stranded on pools with no instance ready, objectives judged on
/// thin hours, and met objectives whose bound is close to the target.
fn objective_warnings(run: &RunSummary, out: &mut Vec<String>) {
    for p in &run.pools {
        let stranded = p.metrics.get(PoolMetric::StrandedRuns).mean;
        let waited = p.metrics.get(PoolMetric::NoCapacityWaitHours).mean;
        // Runs that arrive the instant an instance becomes ready wait
        // nothing: no warning about them.
        if stranded > 0.0 && waited >= 0.01 {
            out.push(format!(
                "pool {}: {stranded:.0} runs a replication arrived while it had no instance ready and waited {:.1} run-hours in all for capacity, {} (a schedule or controller at 0; see wait_by_hour)",
                p.name,
                waited,
                stranded_when(&p.stranded_by_hour)
            ));
        }
    }
    for o in run.slo.iter().flat_map(|v| &v.objectives) {
        let label = o.label();
        if o.thin_hours > 0 {
            out.push(format!(
                "objective {label}: {} judged hours had runs in fewer than half of the {} replications; each is judged on the replications it has (add replications for a firmer verdict)",
                o.thin_hours, run.replications
            ));
        }
        if o.met && o.value_upper95 >= NEAR_MISS * o.target {
            let how = if o.met_upper95 {
                "a near miss"
            } else {
                "met on the mean only"
            };
            out.push(format!(
                "objective {label}: {how}: its upper 95% bound is {:.0}% of the target; another seed may miss (add replications or capacity)",
                o.value_upper95 / o.target * 100.0
            ));
        }
    }
}

/// What the replications observed when some stopped early (a queue
/// outgrew its bound): nothing, when all stopped inside the warm-up, else
/// the share of the window on average; `None` when each ran to its end.
/// The headers read it, so that none claims the full window.
pub fn observed_window(run: &RunSummary) -> Option<String> {
    let (cx, n) = (&run.context, run.per_replication.len());
    let observed: Vec<SimDuration> = run
        .per_replication
        .iter()
        .map(|r| {
            let end = r
                .stopped_at
                .map_or(cx.horizon.0, |at| at.0.min(cx.horizon.0));
            SimTime(end).saturating_since(SimTime(cx.warmup.0))
        })
        .collect();
    let stopped = run
        .per_replication
        .iter()
        .filter(|r| r.stopped_at.is_some())
        .count();
    if stopped == 0 {
        return None;
    }
    if observed.iter().all(|d| *d == SimDuration::ZERO) {
        return Some(match n {
            1 => "the replication stopped inside the warm-up: no time was observed".into(),
            n => format!("all {n} stopped inside the warm-up: no time was observed"),
        });
    }
    let mean = observed.iter().map(|d| d.0 as f64).sum::<f64>() / n as f64;
    Some(format!(
        "{stopped} of {n} stopped early: {} of the {} window observed on average",
        SimDuration(mean as u64),
        cx.window()
    ))
}

/// Warnings from the results: replications stopped by an overflowing
/// queue, intervals too wide to act on, stranded runs, thin hours and
/// near misses.
pub fn after_run(run: &RunSummary) -> Vec<String> {
    let mut out = Vec::new();
    objective_warnings(run, &mut out);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stranded_runs_are_placed_in_their_longest_stretch() {
        let mut hours = vec![0u64; 168];
        // Sat 02:00 to Mon 08:00, across the week's end, and a lone hour.
        for h in (5 * 24 + 2..168).chain(0..8) {
            hours[h] = 3;
        }
        hours[26] = 1;
        assert_eq!(
            stranded_when(&hours),
            "mostly Sat 02:00 to Mon 08:00 and Tue 02:00 to Tue 03:00"
        );
        assert_eq!(stranded_when(&vec![1; 168]), "in every hour of the week");
    }
}
