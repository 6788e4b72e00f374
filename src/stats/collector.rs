//! `ReplicationStats`: the `Recorder` that keeps what the reports need, in
//! memory that does not grow with the number of tasks (counters, sums,
//! HDR histograms and time-weighted tallies). Only the sampled time series
//! grows, with horizon / sample_interval.

use std::borrow::Cow;

use super::hourly::{HourWaits, HourlyWaits};
use super::tally::{DailyArea, TimeWeighted, day_span};
use crate::model::{
    Calendar, HOURS_OF_WEEK, HourOfWeek, Objectives, Per, PoolId, Target, Window, WorkloadId,
};
use crate::results::{
    DefaultComputeMetric, HistogramCounts, LevelBlock, LevelRecorder, PoolLevels, PoolMetric,
    Recorder, TotalMetric, Values, WorkloadMetric,
};
use crate::scenario::Scenario;
use crate::units::{SimDuration, SimTime, TICKS_PER_SECOND};

/// Ticks in a day: the unit of `cost_by_day`.
const DAY_TICKS: u64 = 86_400 * TICKS_PER_SECOND;

/// The `qs` quantiles (ascending) of `counts` in seconds, NaN when they
/// are empty.
fn quantiles<const N: usize>(counts: &HistogramCounts, qs: [f64; N]) -> [f64; N] {
    counts
        .quantiles(qs)
        .map_or([f64::NAN; N], |ticks| ticks.map(secs))
}

fn secs(ticks: u64) -> f64 {
    ticks as f64 / TICKS_PER_SECOND as f64
}

#[derive(Debug)]
struct WorkloadTally {
    arrived: u64,
    started: u64,
    waited: u64,
    completed: u64,
    timed_out: u64,
    /// Still queued at the end: counted in the waits with their wait so far.
    censored: u64,
    wait_sum: u128,
    run_sum: u128,
    turnaround_sum: u128,
    /// Waits above zero; the zero waits (`waiting_runs() - waited`) are
    /// added in one step by `close`, sparing a record per run that did not
    /// wait.
    wait: HistogramCounts,
    turnaround: HistogramCounts,
}

impl WorkloadTally {
    fn new() -> Self {
        WorkloadTally {
            arrived: 0,
            started: 0,
            waited: 0,
            completed: 0,
            timed_out: 0,
            censored: 0,
            wait_sum: 0,
            run_sum: 0,
            turnaround_sum: 0,
            wait: HistogramCounts::default(),
            turnaround: HistogramCounts::default(),
        }
    }

    /// Runs whose wait is known or bounded: started, or still queued.
    fn waiting_runs(&self) -> u64 {
        self.started + self.censored
    }

    /// Records a wait of `ticks` (started or censored).
    #[inline(always)]
    fn wait(&mut self, ticks: u64) {
        self.waited += u64::from(ticks > 0);
        self.wait_sum += u128::from(ticks);
        if ticks > 0 {
            self.wait.record(ticks);
        }
    }

    /// The wait counts, the zero waits added (the same counts as recording
    /// each wait as it happened).
    fn close(&mut self) -> HistogramCounts {
        let mut wait = std::mem::take(&mut self.wait);
        let zeros = self.waiting_runs() - self.waited;
        if zeros > 0 {
            wait.record_n(0, zeros);
        }
        // Kept until the summary, without the room it grew into.
        wait.shrink_to_fit();
        wait
    }

    /// The metrics, with `wait` the counts `close` gave.
    fn metrics(&self, wait: &HistogramCounts) -> Values<WorkloadMetric> {
        use WorkloadMetric as M;
        let [p50, p90, p95, p99] = quantiles(wait, [0.5, 0.9, 0.95, 0.99]);
        let ended = self.completed + self.timed_out;
        let mut m = Values::undefined();
        m[M::Arrived] = self.arrived as f64;
        m[M::Completed] = self.completed as f64;
        m[M::TimedOut] = self.timed_out as f64;
        m[M::WaitedFraction] = ratio(self.waited, self.waiting_runs());
        m[M::WaitMeanS] = mean_secs(self.wait_sum, self.waiting_runs());
        m[M::WaitP50S] = p50;
        m[M::WaitP90S] = p90;
        m[M::WaitP95S] = p95;
        m[M::WaitP99S] = p99;
        if let Some(max) = wait.max() {
            m[M::WaitMaxS] = secs(max);
        }
        m[M::RunMeanS] = mean_secs(self.run_sum, ended);
        m[M::TurnaroundMeanS] = mean_secs(self.turnaround_sum, ended);
        m[M::TurnaroundP95S] = quantiles(&self.turnaround, [0.95])[0];
        m[M::Censored] = self.censored as f64;
        m
    }
}

/// `num / den`, NaN when `den` is 0 (undefined, not zero).
fn ratio(num: u64, den: u64) -> f64 {
    if den == 0 {
        f64::NAN
    } else {
        num as f64 / den as f64
    }
}

/// The mean in seconds of `sum` ticks over `n`, NaN when `n` is 0.
fn mean_secs(sum: u128, n: u64) -> f64 {
    if n == 0 {
        f64::NAN
    } else {
        sum as f64 / n as f64 / TICKS_PER_SECOND as f64
    }
}

#[derive(Debug)]
struct PoolTally {
    queued: TimeWeighted,
    busy: TimeWeighted,
    allocated: TimeWeighted,
    /// Queued runs while no instance was ready: waiting for capacity that
    /// did not exist.
    queued_without_capacity: TimeWeighted,
    /// Allocated instances by day, for the cost per day.
    allocated_by_day: DailyArea,
    price_per_hour_usd: f64,
    scale_ups: u64,
    capped: u64,
    denied: u64,
    preempted: u64,
    cold_starts: u64,
    cold_extra: u128,
    series: LevelRecorder,
    /// Instances ready now (set at time 0 and on every change).
    ready: u32,
    /// Runs that arrived while no instance was ready, by hour of the week
    /// of arrival (empty until the first).
    stranded_by_hour: Vec<u64>,
}

/// Collects one replication's statistics over the window [warm-up, horizon].
#[derive(Debug)]
pub struct ReplicationStats {
    window_start: SimTime,
    window_end: SimTime,
    workloads: Vec<WorkloadTally>,
    /// Per workload, its pool (`None`: the default compute).
    targets: Vec<Option<usize>>,
    pools: Vec<PoolTally>,
    default_runs: u64,
    default_vcpu_ticks: u128,
    /// Default-compute vCPU-ticks by the day the run started, from the
    /// first observed day.
    default_vcpu_ticks_by_day: Vec<u128>,
    /// The day (from time 0) of the first entry of the by-day tallies.
    first_day: u64,
    /// Default-compute vCPUs per run and pricing.
    default_compute: crate::model::DefaultCompute,
    uses_default: bool,
    /// USD per hour of waiting ([slo] developer_cost_per_hour), or 0.
    wait_hour_usd: f64,
    /// The wait objectives' tallies, in `Objectives::waits` order.
    objectives: Vec<ObjectiveTally>,
    /// Per workload, the objectives with a window among its workloads:
    /// a run's wait is tallied apart for each whose window it arrived in.
    windowed: Vec<Vec<usize>>,
    /// The calendar windows are in.
    calendar: Calendar,
    /// Per workload, the waits by hour of the week of arrival.
    hourly: HourlyWaits,
    /// Under a per-hour objective, the first hour of the week alike to
    /// each (`forecast::alike_hours`): alike hours are judged on their runs
    /// together.
    alike: Option<Box<[usize; HOURS_OF_WEEK]>>,
    /// When the replication stopped early, if it did.
    stopped_at: Option<SimTime>,
}

/// What a wait objective keeps of a replication.
#[derive(Debug)]
struct ObjectiveTally {
    /// The workloads it judges.
    members: Vec<usize>,
    window: Option<Window>,
    per: Per,
    /// Under a window and `per = "window"`: the waits of the runs that
    /// arrived inside it.
    window_waits: HistogramCounts,
}

/// A wait objective's value in one replication: the p95 wait of the runs
/// it judges, seconds, over its window or in each hour of the week (NaN
/// where no run arrived: nothing to judge).
#[derive(Debug, Clone, PartialEq)]
pub enum ObjectiveWaits {
    /// `per = "window"`.
    Window(f64),
    /// `per = "hour"`: 168 values, Monday 00:00 first; NaN outside the
    /// window too.
    Hours(Vec<f64>),
}

/// One replication's metrics.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplicationSummary {
    /// Per pool.
    pub pools: Vec<Values<PoolMetric>>,
    /// Per workload.
    pub workloads: Vec<Values<WorkloadMetric>>,
    /// When a workload uses the default compute.
    pub default_compute: Option<Values<DefaultComputeMetric>>,
    /// Scenario-wide.
    pub totals: Values<TotalMetric>,
    /// Compute cost per day of the observed window, USD: per pool, then
    /// the default compute when it is used, per day from `first_day` (a
    /// few vectors as long as the window, not one small one per day).
    /// Adds up to `totals[CostUsd]`.
    pub cost_by_day: Vec<Vec<f64>>,
    /// The day (from time 0, in days of 24 h) of each payer's first entry.
    pub first_day: u64,
    /// Per pool, the levels at every sample tick from time 0, packed.
    pub series: Vec<Vec<LevelBlock>>,
    /// Per workload, the counts of its waits by histogram bucket
    /// (microsecond ticks), for CDFs.
    pub waits: Vec<HistogramCounts>,
    /// Per workload, the waits by hour of the week of arrival (168 cells,
    /// Monday 00:00 first).
    pub wait_by_hour: Vec<Vec<HourWaits>>,
    /// When the replication stopped early (a queue outgrew its bound): its
    /// figures cover the window up to then and are not steady-state.
    pub stopped_at: Option<SimTime>,
    /// Per wait objective, what it is judged on.
    pub objectives: Vec<ObjectiveWaits>,
    /// Per pool, the runs that arrived while it had no instance ready, by
    /// hour of the week (empty: none).
    pub stranded_by_hour: Vec<Vec<u64>>,
}

/// What the statistics of every replication of a scenario share,
/// computed once for all of them (it took a tenth of `plan --schedule`'s
/// time per replication).
#[derive(Debug, Clone, Default)]
pub struct StatsSetup {
    /// Under a per-hour objective, the first hour of the week alike to
    /// each (`forecast::alike_hours`).
    alike: Option<Box<[usize; HOURS_OF_WEEK]>>,
}

impl StatsSetup {
    /// The setup of a scenario's replications, given the first hour of the
    /// week alike to each when an objective is judged per hour (the
    /// scenario's forecast: `forecast::stats_setup`).
    pub fn new(alike: Option<Box<[usize; HOURS_OF_WEEK]>>) -> StatsSetup {
        StatsSetup { alike }
    }
}

impl ReplicationStats {
    /// An empty collector for `scenario`, with its replications' `setup`.
    pub fn with(scenario: &Scenario, setup: &StatsSetup) -> ReplicationStats {
        let sim = &scenario.simulation;
        let window_start = SimTime(sim.warmup.0);
        let window_end = SimTime(sim.horizon.0);
        let (first_day, days) = day_span(window_start, window_end, DAY_TICKS);
        let samples = (sim.horizon.0 / sim.sample_interval.0) as usize + 1;
        let uses_default = scenario
            .workloads
            .iter()
            .any(|w| w.target == Target::DefaultCompute);
        let objectives = scenario.objectives();
        ReplicationStats {
            window_start,
            window_end,
            workloads: scenario
                .workloads
                .iter()
                .map(|_| WorkloadTally::new())
                .collect(),
            targets: scenario
                .workloads
                .iter()
                .map(|w| match w.target {
                    Target::Pool(p) => Some(p.0 as usize),
                    Target::DefaultCompute => None,
                })
                .collect(),
            pools: scenario
                .pools
                .iter()
                .map(|p| PoolTally {
                    queued: TimeWeighted::new(window_start),
                    busy: TimeWeighted::new(window_start),
                    allocated: TimeWeighted::new(window_start),
                    queued_without_capacity: TimeWeighted::new(window_start),
                    allocated_by_day: DailyArea::new(window_start, window_end, DAY_TICKS),
                    price_per_hour_usd: scenario.prices.instance_hour_usd(p.tier),
                    scale_ups: 0,
                    capped: 0,
                    denied: 0,
                    preempted: 0,
                    cold_starts: 0,
                    cold_extra: 0,
                    series: LevelRecorder::with_capacity(samples),
                    ready: 0,
                    stranded_by_hour: Vec::new(),
                })
                .collect(),
            default_runs: 0,
            default_vcpu_ticks: 0,
            // Only a run on the default compute is charged by day there.
            default_vcpu_ticks_by_day: vec![0; if uses_default { days } else { 0 }],
            first_day,
            default_compute: scenario.prices.default_compute,
            wait_hour_usd: scenario.slo.developer_cost_per_hour_usd.unwrap_or(0.0),
            windowed: windowed(&objectives, scenario.workloads.len()),
            objectives: objectives
                .waits
                .iter()
                .map(|o| ObjectiveTally {
                    members: o.workloads.iter().map(|(i, _)| *i).collect(),
                    window: o.window,
                    per: o.per,
                    window_waits: HistogramCounts::default(),
                })
                .collect(),
            calendar: sim.calendar,
            hourly: HourlyWaits::new(sim.calendar, scenario.workloads.len()),
            alike: setup.alike.clone(),
            stopped_at: None,
            uses_default,
        }
    }

    fn counts(&self, arrived_at: SimTime) -> bool {
        arrived_at >= self.window_start
    }

    /// Tallies `wait` by the hour of the week the run of `w` arrived in,
    /// and apart for each objective whose window it arrived inside.
    #[inline]
    fn hour_wait(&mut self, w: WorkloadId, arrived_at: SimTime, wait: u64) {
        self.hourly.record(w, arrived_at, wait);
        let windowed = &self.windowed[w.0 as usize];
        if !windowed.is_empty() {
            let (day, minute) = self.calendar.weekday_minute(arrived_at);
            for &o in windowed {
                let t = &mut self.objectives[o];
                if t.window.is_some_and(|win| win.contains(day, minute)) {
                    t.window_waits.record(wait);
                }
            }
        }
    }
}

/// Each wait objective's value: from the runs of its window, or from the
/// waits by hour of its workloads (hours `alike` pooled).
fn objective_waits(
    objectives: &[ObjectiveTally],
    waits: &[HistogramCounts],
    by_hour: &[Vec<HourWaits>],
    all_p95: f64,
    alike: Option<&[usize; HOURS_OF_WEEK]>,
) -> Vec<ObjectiveWaits> {
    objectives
        .iter()
        .map(|o| match (o.per, o.window) {
            (Per::Hour, window) => ObjectiveWaits::Hours(hourly_p95(o, window, by_hour, alike)),
            (Per::Window, Some(_)) => ObjectiveWaits::Window(quantiles(&o.window_waits, [0.95])[0]),
            // Every workload: the p95 the totals have.
            (Per::Window, None) if o.members.len() == waits.len() => {
                ObjectiveWaits::Window(all_p95)
            }
            (Per::Window, None) => {
                let mut pooled = HistogramCounts::default();
                for &w in &o.members {
                    pooled.add(&waits[w]);
                }
                ObjectiveWaits::Window(quantiles(&pooled, [0.95])[0])
            }
        })
        .collect()
}

/// A per-hour objective's p95 wait in each hour of the week (NaN outside
/// its window and where no run arrived): of the runs of its workloads that
/// arrived in the hour and in every judged hour alike to it.
fn hourly_p95(
    o: &ObjectiveTally,
    window: Option<Window>,
    by_hour: &[Vec<HourWaits>],
    alike: Option<&[usize; HOURS_OF_WEEK]>,
) -> Vec<f64> {
    let judged = |h: usize| window.is_none_or(|w| w.overlaps(HourOfWeek::from_index(h)));
    let class = |h: usize| alike.map_or(h, |a| a[h]);
    // By class (its first hour), computed at its first judged hour.
    let mut p95: [Option<f64>; HOURS_OF_WEEK] = [None; HOURS_OF_WEEK];
    (0..HOURS_OF_WEEK)
        .map(|h| {
            if !judged(h) {
                return f64::NAN;
            }
            *p95[class(h)].get_or_insert_with(|| {
                let cells: Vec<&HourWaits> = (0..HOURS_OF_WEEK)
                    .filter(|&k| class(k) == class(h) && judged(k))
                    .flat_map(|k| o.members.iter().map(move |&w| &by_hour[w][k]))
                    .collect();
                HourWaits::quantile_of(&cells, 0.95)
            })
        })
        .collect()
}

impl ReplicationStats {
    /// Closes the window at the horizon and computes the metrics.
    pub fn finish(mut self) -> ReplicationSummary {
        let waits: Vec<_> = self
            .workloads
            .iter_mut()
            .map(WorkloadTally::close)
            .collect();
        let end = self.window_end;
        let window = end.saturating_since(self.window_start);
        let pool_waits = self.pool_waits();
        let (pools, mut cost_by_day): (Vec<_>, Vec<_>) = self
            .pools
            .iter_mut()
            .zip(pool_waits)
            .map(|(p, waits)| p.finish(end, waits))
            .unzip();
        let default_compute = self.default_compute(window).map(|(m, daily)| {
            cost_by_day.push(daily);
            m
        });
        let cost = pools.iter().map(|p| p[PoolMetric::CostUsd]).sum::<f64>()
            + default_compute
                .as_ref()
                .map_or(0.0, |d| d[DefaultComputeMetric::CostUsd]);
        let totals = self.totals(&waits, cost, window);
        let wait_by_hour = self.hourly.finish();
        let objectives = objective_waits(
            &self.objectives,
            &waits,
            &wait_by_hour,
            totals[TotalMetric::WaitP95S],
            self.alike.as_deref(),
        );
        ReplicationSummary {
            pools,
            workloads: self
                .workloads
                .iter()
                .zip(&waits)
                .map(|(w, wait)| w.metrics(wait))
                .collect(),
            waits,
            wait_by_hour,
            objectives,
            stopped_at: self.stopped_at,
            default_compute,
            totals,
            cost_by_day,
            first_day: self.first_day,
            stranded_by_hour: self
                .pools
                .iter_mut()
                .map(|p| std::mem::take(&mut p.stranded_by_hour))
                .collect(),
            series: self.pools.into_iter().map(|p| p.series.finish()).collect(),
        }
    }

    /// Per pool, the (runs, runs that waited, wait ticks) of its workloads
    /// together.
    fn pool_waits(&self) -> Vec<(u64, u64, u128)> {
        let mut pool_waits = vec![(0u64, 0u64, 0u128); self.pools.len()];
        for (w, target) in self.workloads.iter().zip(&self.targets) {
            if let Some(p) = target {
                let (runs, waited, sum) = &mut pool_waits[*p];
                *runs += w.waiting_runs();
                *waited += w.waited;
                *sum += w.wait_sum;
            }
        }
        pool_waits
    }

    /// The default compute's metrics and cost by day, when it is used.
    fn default_compute(
        &self,
        window: SimDuration,
    ) -> Option<(Values<DefaultComputeMetric>, Vec<f64>)> {
        use DefaultComputeMetric as M;
        if !self.uses_default {
            return None;
        }
        let vcpu_seconds = self.default_vcpu_ticks as f64 / TICKS_PER_SECOND as f64;
        let cost = self
            .default_compute
            .cost_usd(vcpu_seconds, window.as_hours_f64());
        // The free grant is pro-rated over the window, so a day's share of
        // the cost is its share of the vCPU time.
        let total = self.default_vcpu_ticks.max(1) as f64;
        let daily = self
            .default_vcpu_ticks_by_day
            .iter()
            .map(|&t| cost * t as f64 / total)
            .collect();
        let mut m = Values::undefined();
        m[M::Runs] = self.default_runs as f64;
        m[M::RunningMean] = if window.0 == 0 {
            0.0
        } else {
            vcpu_seconds / f64::from(self.default_compute.vcpu) / window.as_secs_f64()
        };
        m[M::VcpuHours] = vcpu_seconds / 3600.0;
        m[M::CostUsd] = cost;
        Some((m, daily))
    }

    /// The scenario-wide metrics, from the workloads' wait counts and the
    /// compute `cost` of the window.
    fn totals(
        &mut self,
        waits: &[HistogramCounts],
        cost: f64,
        window: SimDuration,
    ) -> Values<TotalMetric> {
        use TotalMetric as M;
        let window_hours = window.as_hours_f64();
        // One workload's counts are the scenario's; more are added up.
        let all_waits = match waits {
            [one] => Cow::Borrowed(one),
            many => Cow::Owned(many.iter().fold(HistogramCounts::default(), |mut all, w| {
                all.add(w);
                all
            })),
        };
        let (mut tasks, mut runs, mut wait_sum) = (0u64, 0u64, 0u128);
        for w in &self.workloads {
            tasks += w.arrived;
            runs += w.waiting_runs();
            wait_sum += w.wait_sum;
        }
        let wait_hours = hours(wait_sum);
        let waiting_cost = wait_hours * self.wait_hour_usd;
        let mut m = Values::undefined();
        m[M::Tasks] = tasks as f64;
        m[M::CostUsd] = cost;
        if window_hours > 0.0 {
            m[M::CostPerDayUsd] = cost / window_hours * 24.0;
        }
        if tasks > 0 {
            m[M::CostPerTaskUsd] = cost / tasks as f64;
        }
        m[M::WaitMeanS] = mean_secs(wait_sum, runs);
        [m[M::WaitP95S], m[M::WaitP99S]] = quantiles(&all_waits, [0.95, 0.99]);
        m[M::WaitHours] = wait_hours;
        m[M::WaitingCostUsd] = waiting_cost;
        m[M::TotalCostUsd] = cost + waiting_cost;
        m
    }
}

/// Per workload, the objectives with a window that judge its runs.
fn windowed(objectives: &Objectives, workloads: usize) -> Vec<Vec<usize>> {
    let mut out = vec![Vec::new(); workloads];
    for (i, o) in objectives.waits.iter().enumerate() {
        if o.window.is_some() && o.per == Per::Window {
            for (w, _) in &o.workloads {
                out[*w].push(i);
            }
        }
    }
    out
}

impl PoolTally {
    /// The pool's metrics over the window ending at `end`, with the waits
    /// of its workloads (runs, runs that waited, wait ticks), and its cost
    /// by day.
    fn finish(
        &mut self,
        end: SimTime,
        (runs, waited, wait_sum): (u64, u64, u128),
    ) -> (Values<PoolMetric>, Vec<f64>) {
        use PoolMetric as M;
        let (_, qmax) = self.queued.finish(end);
        let (busy, _) = self.busy.finish(end);
        let (alloc, _) = self.allocated.finish(end);
        let (starved, _) = self.queued_without_capacity.finish(end);
        let instance_hours = hours(alloc);
        let daily = self
            .allocated_by_day
            .finish(end)
            .iter()
            .map(|&a| hours(a) * self.price_per_hour_usd)
            .collect();
        let mut m = Values::undefined();
        m[M::InstancesMean] = self.allocated.mean(end);
        m[M::Utilization] = if m[M::InstancesMean].is_nan() {
            // An empty window (stopped at the end of the warm-up).
            f64::NAN
        } else if alloc == 0 {
            0.0
        } else {
            busy as f64 / alloc as f64
        };
        m[M::QueueLenMean] = self.queued.mean(end);
        m[M::QueueLenMax] = f64::from(qmax);
        m[M::InstanceHours] = instance_hours;
        m[M::CostUsd] = instance_hours * self.price_per_hour_usd;
        m[M::ScaleUpsCapped] = self.capped as f64;
        m[M::ScaleUps] = self.scale_ups as f64;
        m[M::InstancesDenied] = self.denied as f64;
        m[M::Preempted] = self.preempted as f64;
        m[M::ColdStarts] = self.cold_starts as f64;
        m[M::ColdStartHours] = hours(self.cold_extra);
        m[M::NoCapacityWaitHours] = hours(starved);
        m[M::WaitMeanS] = mean_secs(wait_sum, runs);
        m[M::WaitedFraction] = ratio(waited, runs);
        m[M::StrandedRuns] = self.stranded_by_hour.iter().sum::<u64>() as f64;
        (m, daily)
    }
}

/// Ticks as hours.
fn hours(ticks: u128) -> f64 {
    ticks as f64 / TICKS_PER_SECOND as f64 / 3600.0
}

impl Recorder for ReplicationStats {
    fn arrived(&mut self, w: WorkloadId, at: SimTime) {
        if self.counts(at) {
            self.workloads[w.0 as usize].arrived += 1;
            if let Some(p) = self.targets[w.0 as usize]
                && self.pools[p].ready == 0
            {
                let (day, hour) = self.calendar.weekday_hour(at);
                let by_hour = &mut self.pools[p].stranded_by_hour;
                by_hour.resize(HOURS_OF_WEEK, 0);
                by_hour[HourOfWeek::new(day, hour).index()] += 1;
            }
        }
    }

    // Forced into the event loop: called once a run, and small next to the
    // cost of a call that saves and restores registers (a plain hint left
    // it a call).
    #[inline(always)]
    fn started(
        &mut self,
        w: WorkloadId,
        target: Target,
        arrived_at: SimTime,
        at: SimTime,
        run: SimDuration,
    ) {
        if !self.counts(arrived_at) {
            return;
        }
        let t = &mut self.workloads[w.0 as usize];
        t.started += 1;
        let wait = at.saturating_since(arrived_at).0;
        t.wait(wait);
        self.hour_wait(w, arrived_at, wait);
        if target == Target::DefaultCompute {
            self.default_runs += 1;
            let vcpu_ticks = u128::from(run.0) * u128::from(self.default_compute.vcpu);
            self.default_vcpu_ticks += vcpu_ticks;
            // Charged on the day the run starts (inside the window: it
            // arrived there).
            let day = (at.0 / DAY_TICKS).saturating_sub(self.first_day) as usize;
            let last = self.default_vcpu_ticks_by_day.len() - 1;
            self.default_vcpu_ticks_by_day[day.min(last)] += vcpu_ticks;
        }
    }

    #[inline]
    fn finished(
        &mut self,
        w: WorkloadId,
        arrived_at: SimTime,
        started_at: SimTime,
        at: SimTime,
        timed_out: bool,
    ) {
        if !self.counts(arrived_at) {
            return;
        }
        let t = &mut self.workloads[w.0 as usize];
        let turnaround = at.saturating_since(arrived_at).0;
        t.completed += u64::from(!timed_out);
        t.timed_out += u64::from(timed_out);
        t.run_sum += u128::from(at.saturating_since(started_at).0);
        t.turnaround_sum += u128::from(turnaround);
        t.turnaround.record(turnaround);
    }

    fn censored(&mut self, w: WorkloadId, arrived_at: SimTime, at: SimTime) {
        if !self.counts(arrived_at) {
            return;
        }
        let t = &mut self.workloads[w.0 as usize];
        t.censored += 1;
        let wait = at.saturating_since(arrived_at).0;
        t.wait(wait);
        self.hour_wait(w, arrived_at, wait);
    }

    // Forced: a plain hint leaves it a call, whose register saves and
    // restores cost a quarter of its time (callgrind).
    #[inline(always)]
    fn pool_changed(&mut self, p: PoolId, at: SimTime, levels: PoolLevels) {
        let t = &mut self.pools[p.0 as usize];
        t.ready = levels.ready();
        t.queued.set(at, levels.queued);
        t.busy.set(at, levels.busy);
        t.allocated.set(at, levels.allocated);
        t.allocated_by_day.set(at, levels.allocated);
        let starved = if levels.ready() == 0 {
            levels.queued
        } else {
            0
        };
        t.queued_without_capacity.set(at, starved);
    }

    fn sampled(&mut self, p: PoolId, _at: SimTime, levels: PoolLevels) {
        self.pools[p.0 as usize].series.push(levels);
    }

    fn scaled_up(&mut self, p: PoolId, at: SimTime, asked: u32, granted: u32) {
        if at < self.window_start {
            return;
        }
        let t = &mut self.pools[p.0 as usize];
        t.scale_ups += u64::from(granted > 0);
        t.capped += u64::from(granted < asked);
        t.denied += u64::from(asked - granted);
    }

    fn preempted(
        &mut self,
        _w: WorkloadId,
        _arrived_at: SimTime,
        p: PoolId,
        at: SimTime,
        _lost: SimDuration,
    ) {
        if at >= self.window_start {
            self.pools[p.0 as usize].preempted += 1;
        }
    }

    fn stopped(&mut self, at: SimTime) {
        self.stopped_at = Some(at);
        for p in &mut self.pools {
            p.queued.count_current();
        }
        // The figures cover the window up to the stop.
        self.window_end = at.max(self.window_start);
    }

    fn cold_started(&mut self, p: PoolId, at: SimTime, extra: SimDuration) {
        if at >= self.window_start {
            let t = &mut self.pools[p.0 as usize];
            t.cold_starts += 1;
            t.cold_extra += u128::from(extra.0);
        }
    }
}
