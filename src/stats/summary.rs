//! A run's summary made from its replications: the metrics over them, the
//! verdict by the one judge, the cost per day, and the long data (queue
//! series, waits by hour) folded in as each replication ends.

use super::{HourWaits, ObjectiveWaits, ReplicationSummary, WaitsByHourSum};
use crate::model::{
    Forecast, HOURS_OF_WEEK, HourOfWeek, Objectives, PriceBase, PriceTable, Scaling, Target,
};
use crate::results::{
    CostByDay, Estimate, HourWait, Judged, Metric, MetricSet, PoolMetric, PoolSummary, QueueSeries,
    RECORDED_QUANTILES, RecordedWaits, Replication, RunContext, RunSummary, Samples, TotalMetric,
    WorkloadSummary, judge, rounded,
};
use crate::scenario::{DEFAULT_COMPUTE, Scenario, describe, describe_quota};
use crate::units::{SimDuration, SimTime};
use crate::workload::ArrivalProcess;

/// The recorded waits of `process` after `from`, when it is a trace that
/// has any.
fn recorded_waits(process: &ArrivalProcess, from: SimTime) -> Option<RecordedWaits> {
    let ArrivalProcess::Trace { trace, .. } = process else {
        return None;
    };
    let mut waits: Vec<f64> = trace
        .runs()
        .iter()
        .filter(|r| r.at >= from)
        .filter_map(|r| r.recorded_wait)
        .map(SimDuration::as_secs_f64)
        .collect();
    if waits.is_empty() {
        return None;
    }
    waits.sort_by(f64::total_cmp);
    let n = waits.len();
    let rank = |q: f64| waits[((q * n as f64).ceil() as usize).clamp(1, n) - 1];
    Some(RecordedWaits {
        runs: n,
        mean_s: waits.iter().sum::<f64>() / n as f64,
        quantiles_s: RECORDED_QUANTILES.map(|(q, _)| rank(q)),
    })
}

/// What a run keeps of its replications' long data, folded in as each
/// replication ends: its queue series and its waits by hour of the week.
#[derive(Debug, Clone, Default)]
pub struct ReplicationFold {
    series: SeriesSum,
    wait_by_hour: WaitsByHourSum,
    /// Per pool, stranded runs by hour of the week, all replications.
    stranded_by_hour: Vec<Vec<u64>>,
}

impl ReplicationFold {
    /// Adds the queue series, waits by hour and stranded runs of `rep`,
    /// taking them out of it.
    pub fn add(&mut self, rep: &mut ReplicationSummary) {
        self.series.add(rep);
        self.wait_by_hour.add(&mut rep.wait_by_hour);
        let stranded = std::mem::take(&mut rep.stranded_by_hour);
        self.stranded_by_hour.resize(stranded.len(), Vec::new());
        for (sum, hours) in self.stranded_by_hour.iter_mut().zip(stranded) {
            if !hours.is_empty() {
                sum.resize(hours.len(), 0);
                for (s, n) in sum.iter_mut().zip(hours) {
                    *s += n;
                }
            }
        }
    }
}

/// The queue series of replications folded together as each one ends, so
/// that a run keeps one series however many replications it has (200
/// replications of 10^6 samples kept 3.1 GB). Sums of whole counts, least
/// and most: the same whatever order the replications end in.
#[derive(Debug, Clone, Default)]
struct SeriesSum {
    /// Per pool.
    pools: Vec<Samples>,
}

impl SeriesSum {
    /// Adds the series of `rep`, taking them out of it.
    fn add(&mut self, rep: &mut ReplicationSummary) {
        if self.pools.is_empty() {
            self.pools = vec![Samples::default(); rep.series.len()];
        }
        for (samples, series) in self.pools.iter_mut().zip(&mut rep.series) {
            samples.add(std::mem::take(series));
        }
    }
}

/// Per workload, its waits in each hour of the week (168 entries), pooled
/// over the replications: a single week holds too few runs of an hour for
/// a p95 of its own. A workload's cells are dropped as its rows are made
/// (the cells and the rows of every workload at once were the peak of a
/// run of many workloads).
fn wait_by_hour(workloads: usize, sum: WaitsByHourSum) -> Vec<Vec<HourWait>> {
    let mut cells = sum.into_workloads().into_iter();
    let none = HourWaits::default();
    (0..workloads)
        .map(|_| {
            let hours = cells.next().unwrap_or_default();
            (0..HOURS_OF_WEEK)
                .map(|h| {
                    let cell = hours.get(h).unwrap_or(&none);
                    let runs = cell.runs();
                    let mean = if runs == 0 {
                        f64::NAN
                    } else {
                        cell.sum_secs() / runs as f64
                    };
                    let p95 = cell.quantile(0.95);
                    // Seconds to the microsecond, as every time is stated.
                    let round = |x: f64| (x * 1e6).round() / 1e6;
                    HourWait {
                        hour_of_week: h,
                        runs,
                        wait_mean_s: round(mean),
                        wait_p95_s: round(p95),
                    }
                })
                .collect()
        })
        .collect()
}

/// The context of a run of `scenario`.
fn run_context(scenario: &Scenario) -> RunContext {
    let sim = &scenario.simulation;
    RunContext {
        calendar: sim.calendar,
        horizon: sim.horizon,
        warmup: sim.warmup,
        objectives: scenario.objectives(),
        description: describe(scenario),
        quota: describe_quota(scenario),
    }
}

/// Combines per-replication metrics (in replication order) into a sweep
/// point's summary, with the point's `forecast`.
pub fn summarise(
    scenario: &Scenario,
    mut reps: Vec<ReplicationSummary>,
    forecast: &Forecast,
) -> RunSummary {
    let mut fold = ReplicationFold::default();
    for r in &mut reps {
        fold.add(r);
    }
    summarise_with(scenario, reps, fold, forecast)
}

/// A run's summary of replications whose queue series and waits by hour
/// were folded into `fold` as each one ended, with the run's `forecast`
/// (computed once a run, handed over here).
pub fn summarise_with(
    scenario: &Scenario,
    reps: Vec<ReplicationSummary>,
    fold: ReplicationFold,
    forecast: &Forecast,
) -> RunSummary {
    let pools = pool_summaries(scenario, &reps, &fold.stranded_by_hour, forecast);
    let workloads = workload_summaries(scenario, &reps);
    // Every replication of a scenario uses the default compute, or none.
    let default_compute = reps
        .iter()
        .map(|r| r.default_compute.as_ref())
        .collect::<Option<Vec<_>>>()
        .filter(|d| !d.is_empty())
        .map(|d| MetricSet::from_replications(d.into_iter()));
    let totals = MetricSet::from_replications(reps.iter().map(|r| &r.totals));
    let objectives = scenario.objectives();
    let judged = judged_waits(&objectives, &reps, forecast.alike_hours.as_deref());
    let slo = judge(&objectives, &judged, totals.get(TotalMetric::CostPerDayUsd));
    let cost_by_day = cost_by_day(scenario, &reps);
    let mut series_pools = fold.series.pools;
    series_pools.resize(scenario.pools.len(), Samples::default());
    let series = QueueSeries::new(
        scenario.simulation.sample_interval,
        reps.len() as u32,
        series_pools,
    );
    let cost_range = cost_per_day_range(scenario, &pools, &totals);
    RunSummary {
        scenario: scenario.name.clone(),
        replications: scenario.simulation.replications,
        seed: scenario.simulation.seed,
        context: run_context(scenario),
        pools,
        workloads,
        default_compute,
        totals,
        slo,
        cost_by_day,
        advice: Vec::new(),
        series,
        wait_by_hour: wait_by_hour(scenario.workloads.len(), fold.wait_by_hour),
        cost_per_day_range_usd: cost_range,
        per_replication: reps
            .into_iter()
            .map(|r| Replication {
                pools: r.pools,
                workloads: r.workloads,
                default_compute: r.default_compute,
                totals: r.totals,
                waits: r.waits,
                stopped_at: r.stopped_at,
            })
            .collect(),
    }
}

/// Per pool, its metrics over the replications beside its forecast, with
/// the runs stranded by hour of the week (`stranded_by_hour`, per pool).
fn pool_summaries(
    scenario: &Scenario,
    reps: &[ReplicationSummary],
    stranded_by_hour: &[Vec<u64>],
    forecast: &Forecast,
) -> Vec<PoolSummary> {
    scenario
        .pools
        .iter()
        .zip(&forecast.pools)
        .enumerate()
        .map(|(i, (p, f))| PoolSummary {
            name: p.name.clone(),
            tier: p.tier,
            metrics: MetricSet::from_replications(reps.iter().map(|r| &r.pools[i])),
            analytic: f.baseline.clone(),
            scales: p.scaling != Scaling::Fixed,
            cold_starts: p.cold_start.is_some(),
            busiest_hour: f.busiest_hour,
            load_by_hour: f.load_by_hour.clone(),
            stranded_by_hour: stranded_by_hour.get(i).cloned().unwrap_or_default(),
        })
        .collect()
}

/// Per workload, its metrics over the replications, with the waits its
/// trace recorded when it is a replay.
fn workload_summaries(scenario: &Scenario, reps: &[ReplicationSummary]) -> Vec<WorkloadSummary> {
    scenario
        .workloads
        .iter()
        .enumerate()
        .map(|(i, w)| WorkloadSummary {
            name: w.name.clone(),
            pool: match w.target {
                Target::Pool(p) => scenario.pools[p.0 as usize].name.clone(),
                Target::DefaultCompute => DEFAULT_COMPUTE.to_string(),
            },
            metrics: MetricSet::from_replications(reps.iter().map(|r| &r.workloads[i])),
            recorded: recorded_waits(&w.arrival, SimTime(scenario.simulation.warmup.0)),
        })
        .collect()
}

/// Each wait objective's judged value over the replications: the mean and
/// interval of the replications' p95 (rounded as every wait), under
/// `per = "hour"` hour by hour and the worst hour's. An hour is judged on
/// the replications in which a run arrived in it; `alike` tells the hours
/// judged together (the forecast's, present under a per-hour objective).
fn judged_waits(
    objectives: &Objectives,
    reps: &[ReplicationSummary],
    alike: Option<&[usize; HOURS_OF_WEEK]>,
) -> Vec<Judged> {
    let estimate = |xs: Vec<f64>| {
        let e = Estimate::from_samples(&xs);
        let r = |x: f64| rounded(TotalMetric::WaitP95S.name(), x);
        Estimate {
            mean: r(e.mean),
            std_error: e.std_error,
            ci95: e.ci95.map(|(lo, hi)| (r(lo).max(0.0), r(hi))),
        }
    };
    (0..objectives.waits.len())
        .map(|i| {
            let values = reps.iter().map(|r| &r.objectives[i]);
            match reps.first().map(|r| &r.objectives[i]) {
                Some(ObjectiveWaits::Hours(_)) => {
                    let (mut thin, mut judged) = (0, [false; HOURS_OF_WEEK]);
                    let mut j = Judged::worst_hour(HourOfWeek::all().map(|h| {
                        let xs: Vec<f64> = values
                            .clone()
                            .map(|v| match v {
                                ObjectiveWaits::Hours(hours) => hours[h.index()],
                                ObjectiveWaits::Window(_) => f64::NAN,
                            })
                            .collect();
                        let with_runs = xs.iter().filter(|x| !x.is_nan()).count();
                        thin += u32::from(with_runs > 0 && 2 * with_runs < xs.len());
                        judged[h.index()] = with_runs > 0;
                        (h, estimate(xs))
                    }));
                    j.thin_hours = thin;
                    if let (Some(worst), Some(class)) = (j.worst_hour, alike) {
                        let of = |h: usize| class[h] == class[worst.index()];
                        j.alike_hours =
                            (0..HOURS_OF_WEEK).filter(|&h| judged[h] && of(h)).count() as u32;
                    }
                    j
                }
                _ => Judged::of(estimate(
                    values
                        .map(|v| match v {
                            ObjectiveWaits::Window(x) => *x,
                            ObjectiveWaits::Hours(_) => f64::NAN,
                        })
                        .collect(),
                )),
            }
        })
        .collect()
}

/// The compute cost per day under each documented price estimate, from
/// the pools' instance-hours (prices the scenario sets are kept).
fn cost_per_day_range(
    scenario: &Scenario,
    pools: &[PoolSummary],
    totals: &MetricSet<TotalMetric>,
) -> (f64, f64) {
    let pool_cost: f64 = pools
        .iter()
        .map(|p| p.metrics.get(PoolMetric::CostUsd).mean)
        .sum();
    let total = totals.get(TotalMetric::CostUsd).mean;
    let days = totals.get(TotalMetric::CostUsd).mean / totals.get(TotalMetric::CostPerDayUsd).mean;
    let under = |base: PriceBase| {
        let table = PriceTable::new(base);
        let pools_cost: f64 = pools
            .iter()
            .map(|p| {
                let set = scenario.prices.instance_hour_usd(p.tier);
                let estimated = [PriceBase::Allocation, PriceBase::Vm]
                    .iter()
                    .any(|&b| PriceTable::new(b).instance_hour_usd(p.tier) == set);
                let price = if estimated {
                    table.instance_hour_usd(p.tier)
                } else {
                    set
                };
                p.metrics.get(PoolMetric::InstanceHours).mean * price
            })
            .sum();
        let day = (total - pool_cost + pools_cost) / days;
        (day * 1e6).round() / 1e6
    };
    if days.is_finite() && days > 0.0 {
        (under(PriceBase::Vm), under(PriceBase::Allocation))
    } else {
        // Nothing billed (or no window): no price moves the bill.
        let day = totals.get(TotalMetric::CostPerDayUsd).mean;
        (day, day)
    }
}

/// The mean cost per day and payer over the replications.
fn cost_by_day(scenario: &Scenario, reps: &[ReplicationSummary]) -> CostByDay {
    let mut payers: Vec<String> = scenario.pools.iter().map(|p| p.name.clone()).collect();
    if scenario
        .workloads
        .iter()
        .any(|w| w.target == Target::DefaultCompute)
    {
        payers.push(DEFAULT_COMPUTE.to_string());
    }
    let n = reps.len() as f64;
    let days = reps
        .first()
        .and_then(|r| r.cost_by_day.first())
        .map_or(0, Vec::len);
    let usd = (0..days)
        .flat_map(|d| {
            (0..payers.len()).map(move |p| {
                let mean = reps.iter().map(|r| r.cost_by_day[p][d]).sum::<f64>() / n;
                // Money to the micro-dollar, as every cost is stated.
                (mean * 1e6).round() / 1e6
            })
        })
        .collect();
    CostByDay::new(reps.first().map_or(0, |r| r.first_day), payers, usd)
}
