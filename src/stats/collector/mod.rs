//! `ReplicationStats`: the `Recorder` that keeps what the reports need, in
//! memory that does not grow with the number of tasks (counters, sums,
//! HDR histograms and time-weighted tallies). Only the sampled time series
//! grows, with horizon / sample_interval.

mod objective_tally;
mod pool_tally;
mod workload_tally;

use std::borrow::Cow;

use super::hourly::{HourWaits, HourlyWaits};
use super::tally::day_span;
use crate::model::{Calendar, HOURS_OF_WEEK, HourOfWeek, PoolId, Target, WorkloadId};
use crate::results::{
    DefaultComputeMetric, HistogramCounts, LevelBlock, PoolLevels, PoolMetric, Recorder,
    TotalMetric, Values, WorkloadMetric,
};
use crate::scenario::Scenario;
use crate::units::{SimDuration, SimTime, TICKS_PER_SECOND};
pub use objective_tally::ObjectiveWaits;
use objective_tally::{ObjectiveTally, objective_waits, windowed};
use pool_tally::PoolTally;
use workload_tally::WorkloadTally;

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
                .map(|p| {
                    let price = scenario.prices.instance_hour_usd(p.tier);
                    PoolTally::new(window_start, window_end, price, samples)
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
