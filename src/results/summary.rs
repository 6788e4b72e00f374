//! A run's results over its replications: the contract between the
//! simulation and every report. Everything a report shows is here, computed
//! once (by `stats`): metrics with intervals, the SLO verdict, the analytic
//! baseline, the cost per day, the queue series and wait distributions.
//! Reports read it; they never go back to the model.

use serde::ser::{Serialize, SerializeMap, Serializer};

use super::levels::{self, LevelBlock};
use super::{
    DefaultComputeMetric, HistogramCounts, MetricSet, PoolLevels, PoolMetric, SloVerdict,
    TotalMetric, Values, WorkloadMetric,
};
use crate::model::{BusiestHour, Calendar, HourLoad, Objectives, PoolBaseline, Tier};
use crate::units::{SimDuration, SimTime, TICKS_PER_SECOND};

/// A pool's metrics over the replications; its JSON is a pool of
/// `summary.json`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PoolSummary {
    /// Pool name.
    pub name: String,
    /// Pool tier.
    pub tier: Tier,
    /// Metrics over the replications.
    #[serde(flatten)]
    pub metrics: MetricSet<PoolMetric>,
    /// The steady-state baseline (the run's forecast's).
    pub analytic: PoolBaseline,
    /// Whether the count can change during the run (schedule or
    /// controller).
    #[serde(skip)]
    pub scales: bool,
    /// Whether fresh instances have cold starts.
    #[serde(skip)]
    pub cold_starts: bool,
    /// The busiest hour under M/M/c, when any run comes.
    pub busiest_hour: Option<BusiestHour>,
    /// Offered load and instances by hour of the week (168 entries).
    pub load_by_hour: Vec<HourLoad>,
    /// Runs that arrived while the pool had no instance ready, all
    /// replications together, by hour of the week (empty: none).
    #[serde(skip)]
    pub stranded_by_hour: Vec<u64>,
}

/// A workload's metrics over the replications; its JSON is a workload of
/// `summary.json`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct WorkloadSummary {
    /// Workload name.
    pub name: String,
    /// Pool name, or `"default"`.
    pub pool: String,
    /// Metrics over the replications.
    #[serde(flatten)]
    pub metrics: MetricSet<WorkloadMetric>,
    /// For a replayed trace with start times: the waits it recorded.
    #[serde(flatten)]
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

impl Serialize for RecordedWaits {
    /// Keys beside the simulated metrics: `recorded_runs`,
    /// `recorded_wait_mean_s`, and `recorded_` + each quantile's metric.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use super::Metric;
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("recorded_runs", &self.runs)?;
        map.serialize_entry("recorded_wait_mean_s", &self.mean_s)?;
        for ((_, m), v) in RECORDED_QUANTILES.iter().zip(self.quantiles_s) {
            map.serialize_entry(&format_args!("recorded_{}", m.name()), &v)?;
        }
        map.end()
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
pub enum Samples {
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
    pub fn add(&mut self, series: Vec<LevelBlock>) {
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
    /// The series of `pools`, sampled every `interval`, over
    /// `replications`.
    pub fn new(interval: SimDuration, replications: u32, pools: Vec<Samples>) -> QueueSeries {
        QueueSeries {
            interval,
            replications,
            pools,
        }
    }

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
    /// The costs `usd`, day by day from `first_day`, payer by payer.
    pub fn new(first_day: u64, payers: Vec<String>, usd: Vec<f64>) -> CostByDay {
        CostByDay {
            first_day,
            payers,
            usd,
        }
    }

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
    pub per_replication: Vec<Replication>,
}

/// One replication's own metrics (for paired differences), where it
/// stopped, and its waits (for the CDFs and their intervals).
#[derive(Debug, Clone, PartialEq)]
pub struct Replication {
    /// Per pool.
    pub pools: Vec<Values<PoolMetric>>,
    /// Per workload.
    pub workloads: Vec<Values<WorkloadMetric>>,
    /// When a workload uses the default compute.
    pub default_compute: Option<Values<DefaultComputeMetric>>,
    /// Scenario-wide metrics.
    pub totals: Values<TotalMetric>,
    /// Per workload, the counts of its waits by histogram bucket
    /// (microsecond ticks).
    pub waits: Vec<HistogramCounts>,
    /// When the replication stopped early (a queue outgrew its bound): its
    /// figures cover the window up to then and are not steady-state.
    pub stopped_at: Option<SimTime>,
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
    use crate::results::levels::LevelRecorder;
    use crate::results::levels::tests::levels;
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
