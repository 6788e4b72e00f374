//! `ReplicationStats`: the `Recorder` that keeps what the reports need, in
//! memory that does not grow with the number of tasks (counters, sums,
//! HDR histograms and time-weighted tallies). Only the sampled time series
//! grows, with horizon / sample_interval.

use hdrhistogram::Histogram;

use super::{
    DEFAULT_COMPUTE_METRICS, POOL_METRICS, PoolLevels, Recorder, TOTAL_METRICS, TimeWeighted,
    WORKLOAD_METRICS,
};
use crate::model::{PoolId, Target};
use crate::scenario::Scenario;
use crate::units::{SimDuration, SimTime, TICKS_PER_SECOND};
use crate::workload::WorkloadId;

/// 3 significant digits: percentiles within 0.1%. The histogram grows to the
/// largest value recorded (logarithmically: a few kB per decade of ticks).
fn histogram() -> Histogram<u64> {
    Histogram::new(3).expect("3 significant figures is a valid histogram precision")
}

/// The `qs` quantiles of `h` in seconds, NaN when it is empty.
/// (`value_at_quantile` is a tight scan; hdrhistogram's iterators, tried
/// for a single pass, were slower.)
fn quantiles<const N: usize>(h: &Histogram<u64>, qs: [f64; N]) -> [f64; N] {
    if h.is_empty() {
        return [f64::NAN; N];
    }
    qs.map(|q| secs(h.value_at_quantile(q)))
}

/// Records `ticks`; auto-resizing only fails where `usize` is too small for
/// the counts array, and clamping to the highest value is the best left then.
fn record(h: &mut Histogram<u64>, ticks: u64) {
    if h.record(ticks).is_err() {
        h.saturating_record(ticks);
    }
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
    wait_sum: u128,
    run_sum: u128,
    turnaround_sum: u128,
    wait: Histogram<u64>,
    turnaround: Histogram<u64>,
}

impl WorkloadTally {
    fn new() -> Self {
        WorkloadTally {
            arrived: 0,
            started: 0,
            waited: 0,
            completed: 0,
            timed_out: 0,
            wait_sum: 0,
            run_sum: 0,
            turnaround_sum: 0,
            wait: histogram(),
            turnaround: histogram(),
        }
    }

    fn metrics(&self) -> Vec<f64> {
        let per = |sum: u128, n: u64| {
            if n == 0 {
                f64::NAN
            } else {
                sum as f64 / n as f64 / TICKS_PER_SECOND as f64
            }
        };
        let [p50, p90, p95, p99] = quantiles(&self.wait, [0.5, 0.9, 0.95, 0.99]);
        let [turnaround_p95] = quantiles(&self.turnaround, [0.95]);
        let m = [
            self.arrived as f64,
            self.completed as f64,
            self.timed_out as f64,
            if self.started == 0 {
                f64::NAN
            } else {
                self.waited as f64 / self.started as f64
            },
            per(self.wait_sum, self.started),
            p50,
            p90,
            p95,
            p99,
            if self.wait.is_empty() {
                f64::NAN
            } else {
                secs(self.wait.max())
            },
            per(self.run_sum, self.completed + self.timed_out),
            per(self.turnaround_sum, self.completed + self.timed_out),
            turnaround_p95,
        ];
        debug_assert_eq!(m.len(), WORKLOAD_METRICS.len());
        m.to_vec()
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
    price_per_hour_usd: f64,
    scale_ups: u64,
    capped: u64,
    denied: u64,
    preempted: u64,
    cold_starts: u64,
    cold_extra: u128,
    series: Vec<PoolLevels>,
}

/// Collects one replication's statistics over the window [warm-up, horizon].
#[derive(Debug)]
pub struct ReplicationStats {
    window_start: SimTime,
    window_end: SimTime,
    workloads: Vec<WorkloadTally>,
    pools: Vec<PoolTally>,
    default_runs: u64,
    default_vcpu_ticks: u128,
    /// Default-compute vCPUs per run and pricing.
    default_compute: crate::model::DefaultCompute,
    uses_default: bool,
    /// USD per hour of waiting ([slo] developer_cost_per_hour), or 0.
    wait_hour_usd: f64,
    /// When the replication stopped early, if it did.
    stopped_at: Option<SimTime>,
}

/// One replication's metrics, in the orders of the `*_METRICS` lists.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplicationSummary {
    /// Per pool, `POOL_METRICS`.
    pub pools: Vec<Vec<f64>>,
    /// Per workload, `WORKLOAD_METRICS`.
    pub workloads: Vec<Vec<f64>>,
    /// `DEFAULT_COMPUTE_METRICS`, when a workload uses the default compute.
    pub default_compute: Option<Vec<f64>>,
    /// `TOTAL_METRICS`.
    pub totals: Vec<f64>,
    /// Per pool, the levels at every sample tick from time 0.
    pub series: Vec<Vec<PoolLevels>>,
    /// Per workload, the histogram of waits (microsecond ticks), for CDFs.
    pub waits: Vec<Histogram<u64>>,
    /// When the replication stopped early (a queue outgrew its bound): its
    /// figures cover the window up to then and are not steady-state.
    pub stopped_at: Option<SimTime>,
}

impl ReplicationStats {
    /// An empty collector for `scenario`.
    pub fn new(scenario: &Scenario) -> ReplicationStats {
        let sim = &scenario.simulation;
        let window_start = SimTime(sim.warmup.0);
        let samples = (sim.horizon.0 / sim.sample_interval.0) as usize + 1;
        ReplicationStats {
            window_start,
            window_end: SimTime(sim.horizon.0),
            workloads: scenario
                .workloads
                .iter()
                .map(|_| WorkloadTally::new())
                .collect(),
            pools: scenario
                .pools
                .iter()
                .map(|p| PoolTally {
                    queued: TimeWeighted::new(window_start),
                    busy: TimeWeighted::new(window_start),
                    allocated: TimeWeighted::new(window_start),
                    queued_without_capacity: TimeWeighted::new(window_start),
                    price_per_hour_usd: scenario.prices.instance_hour_usd(p.tier),
                    scale_ups: 0,
                    capped: 0,
                    denied: 0,
                    preempted: 0,
                    cold_starts: 0,
                    cold_extra: 0,
                    series: Vec::with_capacity(samples),
                })
                .collect(),
            default_runs: 0,
            default_vcpu_ticks: 0,
            default_compute: scenario.prices.default_compute,
            wait_hour_usd: scenario.slo.developer_cost_per_hour_usd.unwrap_or(0.0),
            stopped_at: None,
            uses_default: scenario
                .workloads
                .iter()
                .any(|w| w.target == Target::DefaultCompute),
        }
    }

    fn counts(&self, arrived_at: SimTime) -> bool {
        arrived_at >= self.window_start
    }

    /// Closes the window at the horizon and computes the metrics.
    pub fn finish(mut self) -> ReplicationSummary {
        let end = self.window_end;
        let window = end.saturating_since(self.window_start);
        let window_hours = window.as_hours_f64();
        let pools: Vec<Vec<f64>> = self
            .pools
            .iter_mut()
            .map(|p| {
                let (_, qmax) = p.queued.finish(end);
                let (busy, _) = p.busy.finish(end);
                let (alloc, _) = p.allocated.finish(end);
                let (starved, _) = p.queued_without_capacity.finish(end);
                let hours = |ticks: u128| ticks as f64 / TICKS_PER_SECOND as f64 / 3600.0;
                let instance_hours = hours(alloc);
                let m = [
                    p.allocated.mean(end),
                    if alloc == 0 {
                        0.0
                    } else {
                        busy as f64 / alloc as f64
                    },
                    p.queued.mean(end),
                    f64::from(qmax),
                    instance_hours,
                    instance_hours * p.price_per_hour_usd,
                    p.capped as f64,
                    p.scale_ups as f64,
                    p.denied as f64,
                    p.preempted as f64,
                    p.cold_starts as f64,
                    hours(p.cold_extra),
                    hours(starved),
                ];
                debug_assert_eq!(m.len(), POOL_METRICS.len());
                m.to_vec()
            })
            .collect();
        let vcpu_seconds = self.default_vcpu_ticks as f64 / TICKS_PER_SECOND as f64;
        let default_cost = self.default_compute.cost_usd(vcpu_seconds, window_hours);
        let default_compute = self.uses_default.then(|| {
            let running = if window.0 == 0 {
                0.0
            } else {
                vcpu_seconds / f64::from(self.default_compute.vcpu) / window.as_secs_f64()
            };
            let m = vec![
                self.default_runs as f64,
                running,
                vcpu_seconds / 3600.0,
                default_cost,
            ];
            debug_assert_eq!(m.len(), DEFAULT_COMPUTE_METRICS.len());
            m
        });
        let cost: f64 = pools.iter().map(|p| p[5]).sum::<f64>() + default_cost;
        let mut all_waits = histogram();
        let (mut tasks, mut started, mut wait_sum) = (0u64, 0u64, 0u128);
        for w in &self.workloads {
            all_waits
                .add(&w.wait)
                .expect("histograms of equal precision add");
            tasks += w.arrived;
            started += w.started;
            wait_sum += w.wait_sum;
        }
        let wait_hours = wait_sum as f64 / TICKS_PER_SECOND as f64 / 3600.0;
        let waiting_cost = wait_hours * self.wait_hour_usd;
        let totals = vec![
            tasks as f64,
            cost,
            if window_hours > 0.0 {
                cost / window_hours * 24.0
            } else {
                f64::NAN
            },
            if tasks == 0 {
                f64::NAN
            } else {
                cost / tasks as f64
            },
            if started == 0 {
                f64::NAN
            } else {
                wait_sum as f64 / started as f64 / TICKS_PER_SECOND as f64
            },
            quantiles(&all_waits, [0.95])[0],
            wait_hours,
            waiting_cost,
            cost + waiting_cost,
        ];
        debug_assert_eq!(totals.len(), TOTAL_METRICS.len());
        ReplicationSummary {
            pools,
            workloads: self.workloads.iter().map(WorkloadTally::metrics).collect(),
            // Moved, not cloned: the collector is done with them.
            waits: self.workloads.into_iter().map(|w| w.wait).collect(),
            stopped_at: self.stopped_at,
            default_compute,
            totals,
            series: self.pools.into_iter().map(|p| p.series).collect(),
        }
    }
}

impl Recorder for ReplicationStats {
    fn arrived(&mut self, w: WorkloadId, at: SimTime) {
        if self.counts(at) {
            self.workloads[w.0 as usize].arrived += 1;
        }
    }

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
        let wait = at.saturating_since(arrived_at).0;
        t.started += 1;
        t.waited += u64::from(wait > 0);
        t.wait_sum += u128::from(wait);
        record(&mut t.wait, wait);
        if target == Target::DefaultCompute {
            self.default_runs += 1;
            self.default_vcpu_ticks += u128::from(run.0) * u128::from(self.default_compute.vcpu);
        }
    }

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
        record(&mut t.turnaround, turnaround);
    }

    fn pool_changed(&mut self, p: PoolId, at: SimTime, levels: PoolLevels) {
        let t = &mut self.pools[p.0 as usize];
        t.queued.set(at, levels.queued);
        t.busy.set(at, levels.busy);
        t.allocated.set(at, levels.allocated);
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

    fn preempted(&mut self, _w: WorkloadId, p: PoolId, at: SimTime, _lost: SimDuration) {
        if at >= self.window_start {
            self.pools[p.0 as usize].preempted += 1;
        }
    }

    fn stopped(&mut self, at: SimTime) {
        self.stopped_at = Some(at);
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
