//! A run's results over its replications: the contract between the
//! simulation and every report. Everything a report shows is here, computed
//! once: metrics with intervals, the SLO verdict, the analytic baseline,
//! the cost per day, the queue series and wait distributions. Reports read
//! it; they never go back to the model.

use super::Objectives;
use super::PoolLevels;
use super::levels::{self, LevelBlock};
use super::{
    DefaultComputeMetric, Estimate, HistogramCounts, Judged, Metric, MetricSet, ObjectiveWaits,
    PoolMetric, ReplicationSummary, SloVerdict, TotalMetric, WaitsByHourSum, WorkloadMetric, judge,
    rounded,
};
use crate::model::{
    BusiestHour, Forecast, HOURS_OF_WEEK, HourLoad, HourOfWeek, PoolBaseline, PriceBase,
    PriceTable, Scaling, Target, Tier,
};
use crate::scenario::{DEFAULT_COMPUTE, Scenario, describe, describe_quota};
use crate::units::{SimDuration, SimTime, TICKS_PER_SECOND};
use crate::workload::{ArrivalProcess, Calendar};

/// A pool's metrics over the replications.
#[derive(Debug, Clone, PartialEq)]
pub struct PoolSummary {
    /// Pool name.
    pub name: String,
    /// Pool tier.
    pub tier: Tier,
    /// Metrics over the replications.
    pub metrics: MetricSet<PoolMetric>,
    /// The steady-state baseline (the run's forecast's).
    pub analytic: PoolBaseline,
    /// Whether the count can change during the run (schedule or
    /// controller).
    pub scales: bool,
    /// Whether fresh instances have cold starts.
    pub cold_starts: bool,
    /// Offered load and instances by hour of the week (168 entries).
    pub load_by_hour: Vec<HourLoad>,
    /// The busiest hour under M/M/c, when any run comes.
    pub busiest_hour: Option<BusiestHour>,
    /// Runs that arrived while the pool had no instance ready, all
    /// replications together, by hour of the week (empty: none).
    pub stranded_by_hour: Vec<u64>,
}

/// A workload's metrics over the replications.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkloadSummary {
    /// Workload name.
    pub name: String,
    /// Pool name, or `"default"`.
    pub pool: String,
    /// Metrics over the replications.
    pub metrics: MetricSet<WorkloadMetric>,
    /// For a replayed trace with start times: the waits it recorded.
    pub recorded: Option<RecordedWaits>,
}

/// The queue waits a trace recorded (start − created) for the runs that
/// arrive inside the observed window: what a back-test should reproduce.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RecordedWaits {
    /// Runs with a recorded wait.
    pub runs: usize,
    /// Mean wait, seconds.
    pub mean_s: f64,
    /// Percentiles 50, 90, 95 and 99 (nearest rank), seconds.
    pub quantiles_s: [f64; 4],
}

/// The quantiles `RecordedWaits` reports, with the metric each is compared to.
pub const RECORDED_QUANTILES: [(f64, WorkloadMetric); 4] = [
    (0.50, WorkloadMetric::WaitP50S),
    (0.90, WorkloadMetric::WaitP90S),
    (0.95, WorkloadMetric::WaitP95S),
    (0.99, WorkloadMetric::WaitP99S),
];

impl RecordedWaits {
    /// The recorded waits of `process` after `from`, when it is a trace that
    /// has any.
    pub fn of(process: &ArrivalProcess, from: SimTime) -> Option<RecordedWaits> {
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
}

/// The queue-length time series over the replications, one copy: what
/// the replications were folded into (a copy of it and of its means had
/// made a sample cost 128 B more).
#[derive(Debug, Clone, PartialEq)]
pub struct QueueSeries {
    /// Interval between samples.
    pub interval: SimDuration,
    /// Replications run.
    pub replications: u32,
    /// Per pool.
    pools: Vec<Samples>,
}

/// A pool's samples over the replications folded so far.
#[derive(Debug, Clone, PartialEq)]
enum Samples {
    /// One replication's levels, moved in as they were (packed, at most
    /// 16 B a sample, where sums take 48): a run of one replication keeps
    /// its series once. Before any replication, none.
    One(Vec<LevelBlock>),
    /// Two or more replications' sums.
    Sums(Vec<SampleSum>),
}

impl Default for Samples {
    fn default() -> Samples {
        Samples::One(Vec::new())
    }
}

impl Samples {
    /// Sample `k`, if a replication reached it.
    fn get(&self, k: usize) -> Option<SampleSum> {
        match self {
            Samples::One(levels) => levels::sample(levels, k).map(|l| SampleSum::default().with(l)),
            Samples::Sums(sums) => sums.get(k).copied(),
        }
    }

    /// Adds a replication's `series`, taken; one alone is kept as it is.
    fn add(&mut self, series: Vec<LevelBlock>) {
        let mut sums: Vec<SampleSum> = match std::mem::take(self) {
            Samples::One(first) if first.is_empty() => {
                *self = Samples::One(series);
                return;
            }
            // The second replication: the first's levels become sums.
            Samples::One(first) => {
                let mut sums = Vec::with_capacity(levels::samples(&first));
                levels::for_each_block(&first, |block| {
                    sums.extend(block.iter().map(|&l| SampleSum::default().with(l)))
                });
                sums
            }
            Samples::Sums(sums) => sums,
        };
        let len = levels::samples(&series);
        if sums.len() < len {
            sums.resize(len, SampleSum::default());
        }
        let mut at = 0;
        levels::for_each_block(&series, |block| {
            for (s, &l) in sums[at..].iter_mut().zip(block) {
                *s = s.with(l);
            }
            at += block.len();
        });
        *self = Samples::Sums(sums);
    }
}

impl QueueSeries {
    /// Pools with a series.
    pub fn pools(&self) -> usize {
        self.pools.len()
    }

    /// Pool `p`'s sample `k` over the replications that reached it (a
    /// series runs longer than `means` when a replication stopped early):
    /// what the queue chart draws; `None` past every replication's end.
    pub fn sample(&self, p: usize, k: usize) -> Option<SampleSum> {
        self.pools[p].get(k)
    }

    /// Pool `p`'s samples that every replication reached, each the means
    /// of: queued runs, busy instances, allocated instances, provisioning
    /// instances.
    pub fn means(&self, p: usize) -> impl Iterator<Item = [f64; 4]> + '_ {
        (0..).map_while(move |k| self.mean(p, k))
    }

    /// Pool `p`'s sample `k` as `means` gives it, if every replication
    /// reached it.
    pub fn mean(&self, p: usize, k: usize) -> Option<[f64; 4]> {
        let n = f64::from(self.replications);
        let s = self.sample(p, k)?;
        // Sums of whole counts are exact; one division gives the mean
        // without float noise (2, not 1.9999999999999998).
        (s.replications == self.replications).then(|| s.sum.map(|x| x as f64 / n))
    }
}

/// One sample of a pool over replications: the sums of its four levels
/// (queued, busy, allocated, provisioning), the least and most runs
/// queued, and how many replications reached it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SampleSum {
    /// Sums of queued runs, busy, allocated and provisioning instances.
    pub sum: [u64; 4],
    /// Fewest runs queued in a replication.
    pub queued_min: u32,
    /// Most runs queued in a replication.
    pub queued_max: u32,
    /// Most instances allocated in a replication.
    pub allocated_max: u32,
    /// Replications that reached the sample.
    pub replications: u32,
}

impl SampleSum {
    /// The sums with one more replication's `levels`.
    fn with(self, l: PoolLevels) -> SampleSum {
        let mut s = self;
        for (m, v) in s
            .sum
            .iter_mut()
            .zip([l.queued, l.busy, l.allocated, l.provisioning])
        {
            *m += u64::from(v);
        }
        s.queued_min = s.queued_min.min(l.queued);
        s.queued_max = s.queued_max.max(l.queued);
        s.allocated_max = s.allocated_max.max(l.allocated);
        s.replications += 1;
        s
    }
}

impl Default for SampleSum {
    fn default() -> SampleSum {
        SampleSum {
            sum: [0; 4],
            queued_min: u32::MAX,
            queued_max: 0,
            allocated_max: 0,
            replications: 0,
        }
    }
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

/// Compute cost per day of the observed window, tallied by the simulation:
/// it adds up to `totals.cost_usd`.
#[derive(Debug, Clone, PartialEq)]
pub struct CostByDay {
    /// The day (24 h from time 0) of the first row.
    pub first_day: u64,
    /// Who pays, in column order: the pools, then `"default"` when the
    /// default compute is used.
    pub payers: Vec<String>,
    /// Day by day, payer by payer: the mean over replications, USD.
    usd: Vec<f64>,
}

impl CostByDay {
    /// Per day from `first_day`, its cost per payer (in `payers` order).
    pub fn days(&self) -> std::slice::ChunksExact<'_, f64> {
        self.usd.chunks_exact(self.payers.len().max(1))
    }
}

/// A workload's waits in one hour of the week (by arrival), over every
/// replication's observed window together: the rows of
/// `wait_by_hour.csv` and the points of its chart.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HourWait {
    /// Hours from Monday 00:00.
    pub hour_of_week: usize,
    /// Runs that arrived in this hour, all replications together.
    pub runs: u64,
    /// Their mean wait, seconds (NaN without runs).
    pub wait_mean_s: f64,
    /// Their p95 wait (2 significant digits, 10 ms at least), seconds
    /// (NaN without runs).
    pub wait_p95_s: f64,
}

/// Per workload, its waits in each hour of the week (168 entries), pooled
/// over the replications: a single week holds too few runs of an hour for
/// a p95 of its own.
fn wait_by_hour(workloads: usize, sum: &WaitsByHourSum) -> Vec<Vec<HourWait>> {
    (0..workloads)
        .map(|w| {
            (0..super::HOURS_OF_WEEK)
                .map(|h| {
                    let cell = sum.cell(w, h);
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

/// What reports need besides the numbers: when and how long the run was,
/// what it is judged on, and the scenario in plain words.
#[derive(Debug, Clone, PartialEq)]
pub struct RunContext {
    /// Where simulated time 0 falls in the calendar.
    pub calendar: Calendar,
    /// Simulated time per replication.
    pub horizon: SimDuration,
    /// The warm-up left out of every statistic.
    pub warmup: SimDuration,
    /// The objectives of `[slo]`.
    pub objectives: Objectives,
    /// The scenario in plain words, one Markdown paragraph each.
    pub description: Vec<String>,
    /// The quota and its use, in plain words.
    pub quota: String,
}

impl RunContext {
    /// The context of a run of `scenario`.
    pub fn of(scenario: &Scenario) -> RunContext {
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

    /// The observed window: horizon minus warm-up.
    pub fn window(&self) -> SimDuration {
        self.horizon - self.warmup
    }
}

/// Everything a run of a scenario produced.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSummary {
    /// Scenario name.
    pub scenario: String,
    /// Number of replications.
    pub replications: u32,
    /// Base seed.
    pub seed: u64,
    /// What reports need to know of the scenario.
    pub context: RunContext,
    /// Per pool.
    pub pools: Vec<PoolSummary>,
    /// Per workload.
    pub workloads: Vec<WorkloadSummary>,
    /// When a workload runs on the default compute.
    pub default_compute: Option<MetricSet<DefaultComputeMetric>>,
    /// Scenario-wide.
    pub totals: MetricSet<TotalMetric>,
    /// The verdict on `[slo]`, judged once; `None` without objectives.
    pub slo: Option<SloVerdict>,
    /// Compute cost per day of the observed window.
    pub cost_by_day: CostByDay,
    /// What would fix a missed objective, in words (empty when all are
    /// met, and for a sweep point): the forecast's, set by the caller.
    pub advice: Vec<String>,
    /// Queue-length time series.
    pub series: QueueSeries,
    /// Per workload, its waits by hour of the week (168 entries).
    pub wait_by_hour: Vec<Vec<HourWait>>,
    /// Compute cost per day, USD, under the two documented price estimates
    /// (the VM price, then the allocated vCPUs at the task rate; a price the
    /// scenario sets itself is kept in both): pool prices are estimates,
    /// and a decision should know how far they move the bill.
    pub cost_per_day_range_usd: (f64, f64),
    /// Each replication's own metrics, in replication order.
    pub per_replication: Vec<ReplicationSummary>,
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
    let pools: Vec<PoolSummary> = scenario
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
            stranded_by_hour: fold.stranded_by_hour.get(i).cloned().unwrap_or_default(),
        })
        .collect();
    let workloads = scenario
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
            recorded: RecordedWaits::of(&w.arrival, SimTime(scenario.simulation.warmup.0)),
        })
        .collect();
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
    let series = QueueSeries {
        interval: scenario.simulation.sample_interval,
        replications: reps.len() as u32,
        pools: series_pools,
    };
    let cost_range = cost_per_day_range(scenario, &pools, &totals);
    RunSummary {
        scenario: scenario.name.clone(),
        replications: scenario.simulation.replications,
        seed: scenario.simulation.seed,
        context: RunContext::of(scenario),
        pools,
        workloads,
        default_compute,
        totals,
        slo,
        cost_by_day,
        advice: Vec::new(),
        series,
        wait_by_hour: wait_by_hour(scenario.workloads.len(), &fold.wait_by_hour),
        cost_per_day_range_usd: cost_range,
        per_replication: reps,
    }
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
    CostByDay {
        first_day: reps.first().map_or(0, |r| r.first_day),
        payers,
        usd,
    }
}

impl RunSummary {
    /// Whether every objective is met on the mean (`totals.slo_met`);
    /// `None` without objectives.
    pub fn slo_met(&self) -> Option<bool> {
        self.slo.as_ref().map(|v| v.met)
    }

    /// Per workload, the wait CDF over all replications: (wait in seconds,
    /// share of started runs that waited at most that), 201 points; empty
    /// for a workload where no run started.
    pub fn wait_cdf(&self) -> Vec<Vec<(f64, f64)>> {
        let workloads = self.per_replication.first().map_or(0, |r| r.waits.len());
        (0..workloads)
            .map(|w| cdf(self.per_replication.iter().map(|r| &r.waits[w])))
            .collect()
    }

    /// The wait CDF of every run of every workload, over all replications,
    /// as [`wait_cdf`](Self::wait_cdf) gives it per workload.
    pub fn total_wait_cdf(&self) -> Vec<(f64, f64)> {
        cdf(self.per_replication.iter().flat_map(|r| &r.waits))
    }
}

/// The CDF of the waits counted in `counts` together: (wait in seconds, share
/// of runs that waited at most that) at the 201 quantiles 0, 0.005, ... 1;
/// empty when they hold no wait.
fn cdf<'a>(counts: impl Iterator<Item = &'a HistogramCounts>) -> Vec<(f64, f64)> {
    // The counts added bucket by bucket, and read as a 3-digit hdrhistogram
    // holding them reads (its `iter_recorded`), without building one: that
    // grew it a bucket range at a time and walked it with its iterator,
    // called twice a run (the CSV and the chart).
    let mut all = HistogramCounts::default();
    for c in counts {
        all.add(c);
    }
    if all.is_empty() {
        return Vec::new();
    }
    // One pass over the recorded values (value_at_quantile would rescan the
    // histogram for each of the 201 points).
    let total = all.len() as f64;
    let mut cdf = Vec::with_capacity(201);
    let (mut seen, mut k) = (0u64, 0u32);
    for (highest, n) in all.buckets() {
        seen += n;
        let secs = highest as f64 / TICKS_PER_SECOND as f64;
        while k <= 200 && seen as f64 >= f64::from(k) / 200.0 * total {
            cdf.push((secs, f64::from(k) / 200.0));
            k += 1;
        }
    }
    cdf
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::levels::LevelRecorder;
    use crate::stats::levels::tests::levels;
    use proptest::prelude::*;

    proptest! {
        /// A pool's samples read the same, sample by sample, as sums made
        /// directly over the replications that reached each: one
        /// replication kept as its levels, two or more as sums, series of
        /// any lengths (a replication stopped early is shorter).
        #[test]
        fn folded_samples_are_the_sums_over_replications(
            reps in prop::collection::vec(prop::collection::vec(levels(), 0..12), 1..4)
        ) {
            let mut samples = Samples::default();
            for series in &reps {
                let mut packed = LevelRecorder::with_capacity(series.len());
                series.iter().for_each(|&l| packed.push(l));
                samples.add(packed.finish());
            }
            // One replication's levels are kept as they are.
            prop_assert!(reps.len() > 1 || matches!(samples, Samples::One(_)));
            let longest = reps.iter().map(Vec::len).max().unwrap_or(0);
            for k in 0..=longest {
                let reached: Vec<&PoolLevels> = reps.iter().filter_map(|r| r.get(k)).collect();
                let want = (!reached.is_empty()).then(|| SampleSum {
                    sum: [
                        reached.iter().map(|l| u64::from(l.queued)).sum(),
                        reached.iter().map(|l| u64::from(l.busy)).sum(),
                        reached.iter().map(|l| u64::from(l.allocated)).sum(),
                        reached.iter().map(|l| u64::from(l.provisioning)).sum(),
                    ],
                    queued_min: reached.iter().map(|l| l.queued).min().unwrap_or(u32::MAX),
                    queued_max: reached.iter().map(|l| l.queued).max().unwrap_or(0),
                    allocated_max: reached.iter().map(|l| l.allocated).max().unwrap_or(0),
                    replications: reached.len() as u32,
                });
                prop_assert_eq!(samples.get(k), want, "sample {}", k);
            }
        }
    }
}
