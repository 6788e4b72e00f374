//! `ReplicationStats`: the `Recorder` that keeps what the reports need, in
//! memory that does not grow with the number of tasks (counters, sums,
//! HDR histograms and time-weighted tallies). Only the sampled time series
//! grows, with horizon / sample_interval.

use hdrhistogram::Histogram;

use super::metric::{DefaultComputeMetric, PoolMetric, TotalMetric, Values, WorkloadMetric};
use super::tally::{DailyArea, day_span};
use super::{PoolLevels, Recorder, TimeWeighted};
use crate::model::{PoolId, Target, Window};
use crate::scenario::Scenario;
use crate::units::{SimDuration, SimTime, TICKS_PER_SECOND};

/// Ticks in a day: the unit of `cost_by_day`.
const DAY_TICKS: u64 = 86_400 * TICKS_PER_SECOND;

/// Hours in a week: the cells of the waits by hour.
pub const HOURS_OF_WEEK: usize = 168;
use crate::workload::{Calendar, WorkloadId};

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

/// The counts of a `histogram()` while a replication runs, recorded with
/// its bucket arithmetic inlined, and turned into one at the end.
///
/// `Histogram::record` is a call that reads the layout from memory and
/// checks for a resize, about 60 instructions, twice a run: a tenth of the
/// engine. Here the layout is constants. The histogram built by
/// `into_histogram` holds the same counts as one that recorded each value;
/// everything it reports (quantiles, min, max, mean) goes by bucket, so it
/// reports the same figures.
#[derive(Debug, Default)]
struct Counts {
    /// Per bucket index of `histogram()`; grows with the largest value.
    counts: Vec<u64>,
}

/// The layout of `histogram()` (3 significant digits, lowest value 1):
/// 2^11 sub-buckets (the least power of two above 2 x 10^3), each bucket
/// after the first using its upper half.
const SUB_BUCKET_BITS: u32 = 11;
/// The layout of an hdrhistogram of 2 significant digits (2^8 above
/// 2 x 10^2): the waits by hour of the week, where 168 cells per workload
/// make 1% resolution the affordable one.
const HOURLY_SUB_BUCKET_BITS: u32 = 8;

/// The index of `value` in an hdrhistogram whose buckets have 2^`BITS`
/// sub-buckets: its bucket is the number of doublings above the first
/// bucket's range, then the sub-bucket.
fn bucket_index<const BITS: u32>(value: u64) -> usize {
    let half = 1usize << (BITS - 1);
    let bucket = (64 - BITS) - (value | ((1 << BITS) - 1)).leading_zeros();
    let sub_bucket = (value >> bucket) as usize;
    ((bucket as usize + 1) * half) + sub_bucket - half
}

/// The lowest value of the bucket at `index`: the inverse of
/// `bucket_index`.
fn bucket_value<const BITS: u32>(index: usize) -> u64 {
    let half = 1usize << (BITS - 1);
    let (bucket, sub_bucket) = if index < 2 * half {
        (0, index)
    } else {
        let bucket = index / half - 1;
        (bucket, index - bucket * half)
    };
    (sub_bucket as u64) << bucket
}

impl Counts {
    fn index(value: u64) -> usize {
        bucket_index::<SUB_BUCKET_BITS>(value)
    }

    fn value(index: usize) -> u64 {
        bucket_value::<SUB_BUCKET_BITS>(index)
    }

    fn record(&mut self, value: u64) {
        let i = Self::index(value);
        match self.counts.get_mut(i) {
            Some(c) => *c += 1,
            None => self.grow_and_record(i),
        }
    }

    #[cold]
    fn grow_and_record(&mut self, i: usize) {
        self.counts.resize(i + 1, 0);
        self.counts[i] += 1;
    }

    fn into_histogram(self) -> Histogram<u64> {
        let mut h = histogram();
        for (i, &n) in self.counts.iter().enumerate().filter(|(_, n)| **n > 0) {
            // Auto-resizing only fails where `usize` is too small for the
            // counts array, and clamping to the highest value is the best
            // left then.
            if h.record_n(Self::value(i), n).is_err() {
                h.saturating_record_n(Self::value(i), n);
            }
        }
        h
    }
}

/// Ticks per unit of the waits by hour: 10 ms, below anything a queue
/// wait is read to, and 13 fewer bits of range to cover.
const HOURLY_UNIT_TICKS: u64 = TICKS_PER_SECOND / 100;

/// One hour of the week's waits while a replication runs: their sum, and
/// dense counts by bucket of a 2-digit hdrhistogram of 10-ms units (one
/// increment a run), grown to the longest wait of the hour.
#[derive(Debug, Clone, Default)]
struct HourTally {
    sum_ticks: u128,
    counts: Vec<u32>,
}

impl HourTally {
    #[inline]
    fn record(&mut self, ticks: u64) {
        self.sum_ticks += u128::from(ticks);
        let i = bucket_index::<HOURLY_SUB_BUCKET_BITS>(ticks / HOURLY_UNIT_TICKS);
        match self.counts.get_mut(i) {
            Some(c) => *c = c.saturating_add(1),
            None => {
                self.counts.resize(i + 1, 0);
                self.counts[i] = 1;
            }
        }
    }

    /// The non-zero counts, kept past the replication.
    fn finish(self) -> HourWaits {
        HourWaits {
            sum_ticks: self.sum_ticks,
            buckets: self
                .counts
                .iter()
                .enumerate()
                .filter(|(_, n)| **n > 0)
                .map(|(i, n)| (i as u16, *n))
                .collect(),
        }
    }
}

/// The waits of the runs that arrived in one hour of the week: their sum,
/// and their counts by bucket of a 2-digit hdrhistogram of 10-ms units,
/// sparse (sorted `(bucket, count)` pairs): what a replication keeps of
/// 168 cells per workload grows with the distinct waits seen, never with
/// the runs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HourWaits {
    /// All waits, ticks.
    sum_ticks: u128,
    /// Runs by bucket (the buckets of a 2-digit layout stay below 2^16).
    buckets: Vec<(u16, u32)>,
}

impl HourWaits {
    /// Runs recorded.
    pub fn runs(&self) -> u64 {
        self.buckets.iter().map(|(_, n)| u64::from(*n)).sum()
    }

    /// All waits, seconds.
    pub fn sum_secs(&self) -> f64 {
        self.sum_ticks as f64 / TICKS_PER_SECOND as f64
    }

    /// The `q` quantile of the cells' waits together, seconds (to 2
    /// significant digits, at least 10 ms apart), or NaN without runs.
    pub fn quantile<'a>(cells: impl IntoIterator<Item = &'a HourWaits>, q: f64) -> f64 {
        let h = Self::histogram(cells);
        if h.is_empty() {
            return f64::NAN;
        }
        (h.value_at_quantile(q) * HOURLY_UNIT_TICKS) as f64 / TICKS_PER_SECOND as f64
    }

    /// The cells together as an hdrhistogram of 2 significant digits, in
    /// 10-ms units.
    fn histogram<'a>(cells: impl IntoIterator<Item = &'a HourWaits>) -> Histogram<u64> {
        let mut h = Histogram::new(2).expect("2 significant figures is a valid precision");
        for c in cells {
            for &(i, n) in &c.buckets {
                let v = bucket_value::<HOURLY_SUB_BUCKET_BITS>(usize::from(i));
                // Auto-resizing: only a `usize` too small for the counts
                // fails, and the highest value is the best left then.
                if h.record_n(v, u64::from(n)).is_err() {
                    h.saturating_record_n(v, u64::from(n));
                }
            }
        }
        h
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
    /// Still queued at the end: counted in the waits with their wait so far.
    censored: u64,
    wait_sum: u128,
    run_sum: u128,
    turnaround_sum: u128,
    /// Waits above zero; the zero waits (`waiting_runs() - waited`) are
    /// added in one step by `close`, sparing a record per run that did not
    /// wait.
    wait: Counts,
    turnaround: Counts,
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
            wait: Counts::default(),
            turnaround: Counts::default(),
        }
    }

    /// Runs whose wait is known or bounded: started, or still queued.
    fn waiting_runs(&self) -> u64 {
        self.started + self.censored
    }

    /// Records a wait of `ticks` (started or censored).
    fn wait(&mut self, ticks: u64) {
        self.waited += u64::from(ticks > 0);
        self.wait_sum += u128::from(ticks);
        if ticks > 0 {
            self.wait.record(ticks);
        }
    }

    /// The (wait, turnaround) histograms, the zero waits added: the same
    /// counts as recording each wait as it happened.
    fn close(&mut self) -> (Histogram<u64>, Histogram<u64>) {
        let mut wait = std::mem::take(&mut self.wait).into_histogram();
        let zeros = self.waiting_runs() - self.waited;
        if zeros > 0 {
            wait.record_n(0, zeros)
                .expect("0 is always in range of a histogram");
        }
        (wait, std::mem::take(&mut self.turnaround).into_histogram())
    }

    fn metrics(
        &self,
        wait: &Histogram<u64>,
        turnaround: &Histogram<u64>,
    ) -> Values<WorkloadMetric> {
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
        if !wait.is_empty() {
            m[M::WaitMaxS] = secs(wait.max());
        }
        m[M::RunMeanS] = mean_secs(self.run_sum, ended);
        m[M::TurnaroundMeanS] = mean_secs(self.turnaround_sum, ended);
        m[M::TurnaroundP95S] = quantiles(turnaround, [0.95])[0];
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
    series: Vec<PoolLevels>,
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
    /// `[slo] window` and the calendar it is in: the waits of runs that
    /// arrive inside it are tallied apart, for a working-hours objective.
    slo_window: Option<(Window, Calendar)>,
    /// Those waits.
    window_waits: Counts,
    /// The calendar that gives a run's hour of the week.
    calendar: Calendar,
    /// Per workload, the waits by hour of the week of arrival (168 cells,
    /// Monday 00:00 first).
    hourly: Vec<Vec<HourTally>>,
    /// The stretch of time `[from, to)` of the last run's hour of the week
    /// of arrival, and that hour (see `hour_wait`).
    last_hour: (SimTime, SimTime, usize),
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
    /// Compute cost per day of the observed window, USD: per day from
    /// `first_day`, per pool, then the default compute when it is used.
    /// Adds up to `totals[CostUsd]`.
    pub cost_by_day: Vec<Vec<f64>>,
    /// The day (from time 0, in days of 24 h) of `cost_by_day[0]`.
    pub first_day: u64,
    /// Per pool, the levels at every sample tick from time 0.
    pub series: Vec<Vec<PoolLevels>>,
    /// Per workload, the histogram of waits (microsecond ticks), for CDFs.
    pub waits: Vec<Histogram<u64>>,
    /// Per workload, the waits by hour of the week of arrival (168 cells,
    /// Monday 00:00 first).
    pub wait_by_hour: Vec<Vec<HourWaits>>,
    /// When the replication stopped early (a queue outgrew its bound): its
    /// figures cover the window up to then and are not steady-state.
    pub stopped_at: Option<SimTime>,
}

impl ReplicationStats {
    /// An empty collector for `scenario`.
    pub fn new(scenario: &Scenario) -> ReplicationStats {
        let sim = &scenario.simulation;
        let window_start = SimTime(sim.warmup.0);
        let window_end = SimTime(sim.horizon.0);
        let (first_day, days) = day_span(window_start, window_end, DAY_TICKS);
        let samples = (sim.horizon.0 / sim.sample_interval.0) as usize + 1;
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
                    series: Vec::with_capacity(samples),
                })
                .collect(),
            default_runs: 0,
            default_vcpu_ticks: 0,
            default_vcpu_ticks_by_day: vec![0; days],
            first_day,
            default_compute: scenario.prices.default_compute,
            wait_hour_usd: scenario.slo.developer_cost_per_hour_usd.unwrap_or(0.0),
            slo_window: scenario.slo.window.map(|w| (w, sim.calendar)),
            window_waits: Counts::default(),
            calendar: sim.calendar,
            hourly: vec![vec![HourTally::default(); HOURS_OF_WEEK]; scenario.workloads.len()],
            last_hour: (SimTime::ZERO, SimTime::ZERO, 0),
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

    /// Tallies `wait` by the hour of the week the run of `w` arrived in,
    /// and apart when it arrived inside `[slo] window`.
    #[inline]
    fn hour_wait(&mut self, w: WorkloadId, arrived_at: SimTime, wait: u64) {
        // Runs start in about the order they arrived: the hour of the last
        // one is nearly always this one's (the calendar read 16% of a run's
        // time when asked each run).
        let (from, to, hour) = &mut self.last_hour;
        if !(*from..*to).contains(&arrived_at) {
            let (f, t, (day, h)) = self.calendar.wall_hour(arrived_at);
            (*from, *to, *hour) = (f, t, day * 24 + h);
        }
        self.hourly[w.0 as usize][*hour].record(wait);
        self.window_wait(arrived_at, wait);
    }

    /// Tallies `wait` apart when the run arrived inside `[slo] window`.
    #[inline]
    fn window_wait(&mut self, arrived_at: SimTime, wait: u64) {
        if let Some((window, calendar)) = &self.slo_window {
            let (day, minute) = calendar.weekday_minute(arrived_at);
            if window.contains(day, minute) {
                self.window_waits.record(wait);
            }
        }
    }

    /// Closes the window at the horizon and computes the metrics.
    pub fn finish(mut self) -> ReplicationSummary {
        let histograms: Vec<_> = self
            .workloads
            .iter_mut()
            .map(WorkloadTally::close)
            .collect();
        let end = self.window_end;
        let window = end.saturating_since(self.window_start);
        let window_hours = window.as_hours_f64();
        let hours = |ticks: u128| ticks as f64 / TICKS_PER_SECOND as f64 / 3600.0;
        // Waits per pool: its workloads' together.
        let mut pool_waits = vec![(0u64, 0u64, 0u128); self.pools.len()];
        for (w, target) in self.workloads.iter().zip(&self.targets) {
            if let Some(p) = target {
                let (runs, waited, sum) = &mut pool_waits[*p];
                *runs += w.waiting_runs();
                *waited += w.waited;
                *sum += w.wait_sum;
            }
        }
        let mut cost_by_day: Vec<Vec<f64>> = Vec::new();
        let pools: Vec<Values<PoolMetric>> = self
            .pools
            .iter_mut()
            .zip(pool_waits)
            .map(|(p, (runs, waited, wait_sum))| {
                use PoolMetric as M;
                let (_, qmax) = p.queued.finish(end);
                let (busy, _) = p.busy.finish(end);
                let (alloc, _) = p.allocated.finish(end);
                let (starved, _) = p.queued_without_capacity.finish(end);
                let instance_hours = hours(alloc);
                let daily = p.allocated_by_day.finish(end);
                cost_by_day.push(
                    daily
                        .iter()
                        .map(|&a| hours(a) * p.price_per_hour_usd)
                        .collect(),
                );
                let mut m = Values::undefined();
                m[M::InstancesMean] = p.allocated.mean(end);
                m[M::Utilization] = if alloc == 0 {
                    0.0
                } else {
                    busy as f64 / alloc as f64
                };
                m[M::QueueLenMean] = p.queued.mean(end);
                m[M::QueueLenMax] = f64::from(qmax);
                m[M::InstanceHours] = instance_hours;
                m[M::CostUsd] = instance_hours * p.price_per_hour_usd;
                m[M::ScaleUpsCapped] = p.capped as f64;
                m[M::ScaleUps] = p.scale_ups as f64;
                m[M::InstancesDenied] = p.denied as f64;
                m[M::Preempted] = p.preempted as f64;
                m[M::ColdStarts] = p.cold_starts as f64;
                m[M::ColdStartHours] = hours(p.cold_extra);
                m[M::NoCapacityWaitHours] = hours(starved);
                m[M::WaitMeanS] = mean_secs(wait_sum, runs);
                m[M::WaitedFraction] = ratio(waited, runs);
                m
            })
            .collect();
        let vcpu_seconds = self.default_vcpu_ticks as f64 / TICKS_PER_SECOND as f64;
        let default_cost = self.default_compute.cost_usd(vcpu_seconds, window_hours);
        let default_compute = self.uses_default.then(|| {
            use DefaultComputeMetric as M;
            // The free grant is pro-rated over the window, so a day's share
            // of the cost is its share of the vCPU time.
            let total = self.default_vcpu_ticks.max(1) as f64;
            cost_by_day.push(
                self.default_vcpu_ticks_by_day
                    .iter()
                    .map(|&t| default_cost * t as f64 / total)
                    .collect(),
            );
            let mut m = Values::undefined();
            m[M::Runs] = self.default_runs as f64;
            m[M::RunningMean] = if window.0 == 0 {
                0.0
            } else {
                vcpu_seconds / f64::from(self.default_compute.vcpu) / window.as_secs_f64()
            };
            m[M::VcpuHours] = vcpu_seconds / 3600.0;
            m[M::CostUsd] = default_cost;
            m
        });
        let cost: f64 = pools.iter().map(|p| p[PoolMetric::CostUsd]).sum::<f64>() + default_cost;
        let mut all_waits = histogram();
        let (mut tasks, mut runs, mut wait_sum) = (0u64, 0u64, 0u128);
        for (w, (wait, _)) in self.workloads.iter().zip(&histograms) {
            all_waits
                .add(wait)
                .expect("histograms of equal precision add");
            tasks += w.arrived;
            runs += w.waiting_runs();
            wait_sum += w.wait_sum;
        }
        let wait_hours = hours(wait_sum);
        let waiting_cost = wait_hours * self.wait_hour_usd;
        let totals = {
            use TotalMetric as M;
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
            if self.slo_window.is_some() {
                let window = std::mem::take(&mut self.window_waits).into_histogram();
                m[M::WindowWaitP95S] = quantiles(&window, [0.95])[0];
            }
            m[M::WaitHours] = wait_hours;
            m[M::WaitingCostUsd] = waiting_cost;
            m[M::TotalCostUsd] = cost + waiting_cost;
            m
        };
        // Per day, per payer (pools, then the default compute).
        let days = cost_by_day.first().map_or(0, Vec::len);
        let cost_by_day = (0..days)
            .map(|d| cost_by_day.iter().map(|payer| payer[d]).collect())
            .collect();
        ReplicationSummary {
            pools,
            workloads: self
                .workloads
                .iter()
                .zip(&histograms)
                .map(|(w, (wait, turnaround))| w.metrics(wait, turnaround))
                .collect(),
            // Moved, not cloned: the collector is done with them.
            waits: histograms.into_iter().map(|(wait, _)| wait).collect(),
            wait_by_hour: std::mem::take(&mut self.hourly)
                .into_iter()
                .map(|hours| hours.into_iter().map(HourTally::finish).collect())
                .collect(),
            stopped_at: self.stopped_at,
            default_compute,
            totals,
            cost_by_day,
            first_day: self.first_day,
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

    // Inlined into the event loop: called once or twice per event, and
    // small next to the cost of a call that saves and restores registers.
    #[inline]
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Counts turned into a histogram equal the histogram that recorded
        /// each value (same counts, total, min and max), from zero through
        /// values far past a day of ticks.
        #[test]
        fn counts_match_recording_each_value(values in prop::collection::vec(
            prop_oneof![0u64..5_000, 0u64..1 << 40, any::<u64>().prop_map(|v| v >> 8)],
            0..400,
        )) {
            let (mut counts, mut each) = (Counts::default(), histogram());
            for &v in &values {
                counts.record(v);
                each.record(v).expect("the histogram resizes");
            }
            let built = counts.into_histogram();
            prop_assert!(built == each);
            prop_assert_eq!(built.len(), each.len());
            prop_assert_eq!(built.max(), each.max());
            prop_assert_eq!(built.min_nz(), each.min_nz());
            prop_assert_eq!(built.value_at_quantile(0.95), each.value_at_quantile(0.95));
        }
    }

    #[test]
    fn counts_index_inverts_value() {
        for i in 0..40 << (SUB_BUCKET_BITS - 1) {
            assert_eq!(Counts::index(Counts::value(i)), i);
        }
        for i in 0..50 << (HOURLY_SUB_BUCKET_BITS - 1) {
            let v = bucket_value::<HOURLY_SUB_BUCKET_BITS>(i);
            assert_eq!(bucket_index::<HOURLY_SUB_BUCKET_BITS>(v), i);
        }
    }

    proptest! {
        /// The hourly cells give the quantiles of a 2-digit hdrhistogram
        /// that recorded each wait in 10-ms units, and the exact sum.
        #[test]
        fn hour_waits_match_a_two_digit_histogram(values in prop::collection::vec(
            prop_oneof![Just(0u64), 1u64..50_000, 0u64..1 << 40],
            1..300,
        )) {
            let mut cell = HourTally::default();
            let mut each = Histogram::<u64>::new(2).expect("a precision");
            for &v in &values {
                cell.record(v);
                each.record(v / HOURLY_UNIT_TICKS).expect("the histogram resizes");
            }
            let sum: u128 = values.iter().map(|v| u128::from(*v)).sum();
            let cell = cell.finish();
            prop_assert_eq!(cell.runs(), values.len() as u64);
            prop_assert_eq!(cell.sum_ticks, sum);
            let p95 = HourWaits::quantile(std::iter::once(&cell), 0.95);
            let expected = (each.value_at_quantile(0.95) * HOURLY_UNIT_TICKS) as f64 / 1e6;
            prop_assert_eq!(p95, expected);
        }
    }
}
