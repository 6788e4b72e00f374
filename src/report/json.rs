//! `summary.json` and `run --format json`, `estimate --format json` and
//! `tiers --format json`: the keys the README lists (Outputs), each file
//! the `Serialize` of the results it shows, through a borrowed view where
//! a file puts several together.

use serde::{Serialize, Serializer};

use crate::forecast::{ObjectiveEstimate, PoolEstimate, ScenarioEstimate, SweepEstimate};
use crate::model::{DefaultCompute, HourLoad, PriceTable, Quota, Tier, TierKind};
use crate::results::{
    DefaultComputeMetric, MetricSet, PoolSummary, RunSummary, SloVerdict, TotalMetric,
    WorkloadSummary,
};

/// `value` as pretty JSON with a trailing newline, in a buffer of its
/// exact length: serialised once to count its bytes, then into the
/// buffer. A growing buffer doubles, and a 1,000-pool summary (22 MB)
/// held up to 33 MB; a copy (`format!`) would hold it twice.
pub(super) fn pretty(value: &impl Serialize) -> String {
    /// A writer that keeps only the count of bytes written.
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    serde_json::to_writer_pretty(&mut count, value).expect("plain data serialises");
    let mut bytes = Vec::with_capacity(count.0 + 1);
    serde_json::to_writer_pretty(&mut bytes, value).expect("plain data serialises");
    bytes.push(b'\n');
    String::from_utf8(bytes).expect("serde_json writes UTF-8")
}

/// Keys with their values, as a JSON object (a sweep point's `params`, a
/// condition).
pub(super) struct Object<K, V>(pub Vec<(K, V)>);

impl<'a> Object<&'a str, &'a str> {
    /// Each of `keys` with the value at its position in `values` (a
    /// point's axes and their values).
    pub(super) fn zip(keys: &'a [String], values: &'a [String]) -> Self {
        Object(
            keys.iter()
                .map(String::as_str)
                .zip(values.iter().map(String::as_str))
                .collect(),
        )
    }
}

impl<K: Serialize, V: Serialize> Serialize for Object<K, V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(k, v)| (k, v)))
    }
}

/// `poolcast estimate --format json`: the analytic baseline alone, each
/// pool with the load of every hour of the week.
pub fn estimate_json(e: &ScenarioEstimate) -> String {
    /// A pool's estimate and its 168 hours.
    #[derive(Serialize)]
    struct WithHours<'a> {
        #[serde(flatten)]
        pool: &'a PoolEstimate,
        load_by_hour: &'a [HourLoad],
    }
    #[derive(Serialize)]
    struct File<'a> {
        scenario: &'a str,
        pools: Vec<WithHours<'a>>,
        objectives: &'a [ObjectiveEstimate],
    }
    let pools = e.pools.iter().map(|pool| WithHours {
        pool,
        load_by_hour: &pool.load_by_hour,
    });
    pretty(&File {
        scenario: &e.name,
        pools: pools.collect(),
        objectives: &e.objectives,
    })
}

/// `estimate --format json` on a scenario with a `[sweep]`: per point its
/// axis values and, when feasible, the estimate of every pool (as
/// `estimate` gives it, without the 168 hours), else the reason.
pub fn sweep_estimate_json(sweep: &SweepEstimate) -> String {
    #[derive(Serialize)]
    struct Point<'a> {
        point: usize,
        params: Object<&'a str, &'a str>,
        feasible: bool,
        #[serde(skip_serializing_if = "Option::is_none")]
        pools: Option<&'a [PoolEstimate]>,
        #[serde(skip_serializing_if = "Option::is_none")]
        objectives: Option<&'a [ObjectiveEstimate]>,
        #[serde(skip_serializing_if = "Option::is_none")]
        reason: Option<&'a str>,
    }
    #[derive(Serialize)]
    struct File<'a> {
        scenario: &'a str,
        axes: &'a [String],
        points: Vec<Point<'a>>,
    }
    let points = sweep.points.iter().map(|p| {
        let estimate = p.estimate.as_ref();
        Point {
            point: p.index,
            params: Object::zip(&sweep.axes, &p.values),
            feasible: estimate.is_ok(),
            pools: estimate.ok().map(|s| s.pools.as_slice()),
            objectives: estimate.ok().map(|s| s.objectives.as_slice()),
            reason: estimate.err().map(String::as_str),
        }
    });
    pretty(&File {
        scenario: &sweep.name,
        axes: &sweep.axes,
        points: points.collect(),
    })
}

/// `summary.json`'s object: the run's results in the README's key order.
/// Serialised as it is written, each pool and workload straight from the
/// summary: a run of 1,000 pools holds no value tree of them (it was
/// 120 MB of such a run's heap).
#[derive(Serialize)]
struct SummaryFile<'a> {
    scenario: &'a str,
    replications: u32,
    seed: u64,
    horizon_s: f64,
    warmup_s: f64,
    start: String,
    pools: &'a [PoolSummary],
    workloads: &'a [WorkloadSummary],
    #[serde(skip_serializing_if = "Option::is_none")]
    default_compute: Option<&'a MetricSet<DefaultComputeMetric>>,
    totals: Totals<'a>,
    cost_per_day_usd_range: CostRange,
    warnings: &'a [String],
    /// What would fix a missed objective, each line naming it.
    advice: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    slo: Option<&'a SloVerdict>,
}

/// The scenario-wide metrics and whether every objective is met on the
/// mean (null without objectives).
#[derive(Serialize)]
struct Totals<'a> {
    #[serde(flatten)]
    metrics: &'a MetricSet<TotalMetric>,
    slo_met: Option<bool>,
}

/// The compute cost per day under the two documented price estimates.
#[derive(Serialize)]
struct CostRange {
    vm: f64,
    allocation: f64,
}

/// The summary object, pretty-printed with a trailing newline.
pub fn summary_json(run: &RunSummary, warnings: &[String]) -> String {
    let cx = &run.context;
    let (vm, allocation) = run.cost_per_day_range_usd;
    pretty(&SummaryFile {
        scenario: &run.scenario,
        replications: run.replications,
        seed: run.seed,
        horizon_s: cx.horizon.as_secs_f64(),
        warmup_s: cx.warmup.as_secs_f64(),
        start: cx.calendar.start().to_rfc3339(),
        pools: &run.pools,
        workloads: &run.workloads,
        default_compute: run.default_compute.as_ref(),
        totals: Totals {
            metrics: &run.totals,
            slo_met: run.slo_met(),
        },
        cost_per_day_usd_range: CostRange { vm, allocation },
        warnings,
        advice: &run.advice,
        slo: run.slo.as_ref(),
    })
}

/// `poolcast tiers --format json`: tiers with prices, default compute, quota.
pub fn tiers_json(prices: &PriceTable, quota: Quota) -> String {
    /// A tier with its size and price.
    #[derive(Serialize)]
    struct TierRow {
        tier: Tier,
        kind: TierKind,
        vcpu: u32,
        memory_gb: f64,
        usd_per_instance_hour: f64,
    }
    #[derive(Serialize)]
    struct File<'a> {
        tiers: Vec<TierRow>,
        default_compute: &'a DefaultCompute,
        quota: Quota,
    }
    let tiers = Tier::ALL.iter().map(|&tier| TierRow {
        tier,
        kind: tier.kind(),
        vcpu: tier.vcpu(),
        memory_gb: tier.memory_gb(),
        usd_per_instance_hour: prices.instance_hour_usd(tier),
    });
    pretty(&File {
        tiers: tiers.collect(),
        default_compute: &prices.default_compute,
        quota,
    })
}
