//! Replications: R independent runs of a scenario, in parallel, combined into
//! means with 95% intervals. Results are collected in replication order, so
//! the summary is identical whatever the number of threads.

use rayon::prelude::*;

use crate::model::{Target, Tier};
use crate::scenario::{DEFAULT_COMPUTE, Scenario};
use crate::sim::run_replication;
use crate::stats::{
    DEFAULT_COMPUTE_METRICS, MetricSet, POOL_METRICS, ReplicationStats, ReplicationSummary,
    TOTAL_METRICS, WORKLOAD_METRICS,
};
use hdrhistogram::Histogram;

use crate::units::{SimDuration, SimTime, TICKS_PER_SECOND};
use crate::workload::ArrivalProcess;

/// A pool's metrics over the replications.
#[derive(Debug, Clone, PartialEq)]
pub struct PoolSummary {
    /// Pool name.
    pub name: String,
    /// Pool tier.
    pub tier: Tier,
    /// `POOL_METRICS`.
    pub metrics: MetricSet,
}

/// A workload's metrics over the replications.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkloadSummary {
    /// Workload name.
    pub name: String,
    /// Pool name, or `"default"`.
    pub pool: String,
    /// `WORKLOAD_METRICS`.
    pub metrics: MetricSet,
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
pub const RECORDED_QUANTILES: [(f64, &str); 4] = [
    (0.50, "wait_p50_s"),
    (0.90, "wait_p90_s"),
    (0.95, "wait_p95_s"),
    (0.99, "wait_p99_s"),
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

/// The queue-length time series, averaged over replications.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueSeries {
    /// Interval between samples.
    pub interval: SimDuration,
    /// Per pool, per sample, means of: queued runs, busy instances,
    /// allocated instances, provisioning instances.
    pub pools: Vec<Vec<[f64; 4]>>,
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
    /// Per pool.
    pub pools: Vec<PoolSummary>,
    /// Per workload.
    pub workloads: Vec<WorkloadSummary>,
    /// `DEFAULT_COMPUTE_METRICS`, when a workload runs on the default compute.
    pub default_compute: Option<MetricSet>,
    /// `TOTAL_METRICS`.
    pub totals: MetricSet,
    /// Whether the SLO was met (by the mean over replications); `None` when
    /// the scenario sets no SLO.
    pub slo_met: Option<bool>,
    /// Queue-length time series.
    pub series: QueueSeries,
    /// Each replication's own metrics, in replication order.
    pub per_replication: Vec<ReplicationSummary>,
}

/// Runs one replication with the standard statistics.
pub fn run_one(scenario: &Scenario, replication: u32) -> ReplicationSummary {
    let mut stats = ReplicationStats::new(scenario);
    run_replication(scenario, replication, &mut stats);
    stats.finish()
}

/// Runs every replication of `scenario` on the current rayon pool and
/// summarises them; `progress` is called once per finished replication.
pub fn run(scenario: &Scenario, progress: &(dyn Fn() + Sync)) -> RunSummary {
    let reps: Vec<ReplicationSummary> = (0..scenario.simulation.replications)
        .into_par_iter()
        .map(|r| {
            let s = run_one(scenario, r);
            progress();
            s
        })
        .collect();
    summarise(scenario, reps)
}

/// Combines per-replication metrics (in replication order) into a summary.
pub fn summarise(scenario: &Scenario, reps: Vec<ReplicationSummary>) -> RunSummary {
    let set = |keys, pick: &dyn Fn(&ReplicationSummary) -> &[f64]| {
        let rows: Vec<&[f64]> = reps.iter().map(pick).collect();
        MetricSet::from_replications(keys, &rows)
    };
    let pools = scenario
        .pools
        .iter()
        .enumerate()
        .map(|(i, p)| PoolSummary {
            name: p.name.clone(),
            tier: p.tier,
            metrics: set(POOL_METRICS, &|r| &r.pools[i]),
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
            metrics: set(WORKLOAD_METRICS, &|r| &r.workloads[i]),
            recorded: RecordedWaits::of(&w.arrival, SimTime(scenario.simulation.warmup.0)),
        })
        .collect();
    let default_compute = reps
        .first()
        .and_then(|r| r.default_compute.as_ref())
        .map(|_| {
            set(DEFAULT_COMPUTE_METRICS, &|r| {
                r.default_compute.as_deref().unwrap_or(&[])
            })
        });
    let totals = set(TOTAL_METRICS, &|r| &r.totals);
    let slo = &scenario.slo;
    let slo_met = slo.is_set().then(|| {
        let wait_ok = slo
            .wait_p95
            .is_none_or(|t| totals.get("wait_p95_s").mean <= t.as_secs_f64());
        let cost_ok = slo
            .max_cost_per_day_usd
            .is_none_or(|m| totals.get("cost_per_day_usd").mean <= m);
        wait_ok && cost_ok
    });
    let n = reps.len() as f64;
    let series = QueueSeries {
        interval: scenario.simulation.sample_interval,
        pools: (0..scenario.pools.len())
            .map(|p| {
                let len = reps.iter().map(|r| r.series[p].len()).min().unwrap_or(0);
                (0..len)
                    .map(|k| {
                        let mut mean = [0.0; 4];
                        for r in &reps {
                            let l = r.series[p][k];
                            for (m, v) in
                                mean.iter_mut()
                                    .zip([l.queued, l.busy, l.allocated, l.provisioning])
                            {
                                *m += f64::from(v) / n;
                            }
                        }
                        mean
                    })
                    .collect()
            })
            .collect(),
    };
    RunSummary {
        scenario: scenario.name.clone(),
        replications: scenario.simulation.replications,
        seed: scenario.simulation.seed,
        pools,
        workloads,
        default_compute,
        totals,
        slo_met,
        series,
        per_replication: reps,
    }
}

impl RunSummary {
    /// Per workload, the wait CDF over all replications: (wait in seconds,
    /// share of started runs that waited at most that), 201 points; empty
    /// for a workload where no run started.
    pub fn wait_cdf(&self) -> Vec<Vec<(f64, f64)>> {
        let workloads = self.per_replication.first().map_or(0, |r| r.waits.len());
        (0..workloads)
            .map(|w| {
                let mut all = Histogram::<u64>::new(3).expect("a valid precision");
                for r in &self.per_replication {
                    // Equal precision and auto-resizing: adding cannot fail.
                    let _ = all.add(&r.waits[w]);
                }
                if all.is_empty() {
                    return Vec::new();
                }
                // One pass over the recorded values (value_at_quantile would
                // rescan the histogram for each of the 201 points).
                let total = all.len() as f64;
                let mut cdf = Vec::with_capacity(201);
                let (mut seen, mut k) = (0u64, 0u32);
                for v in all.iter_recorded() {
                    seen += v.count_at_value();
                    let secs = all.highest_equivalent(v.value_iterated_to()) as f64
                        / TICKS_PER_SECOND as f64;
                    while k <= 200 && seen as f64 >= f64::from(k) / 200.0 * total {
                        cdf.push((secs, f64::from(k) / 200.0));
                        k += 1;
                    }
                }
                cdf
            })
            .collect()
    }
}
