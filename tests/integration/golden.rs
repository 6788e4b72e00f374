//! Hand-computed results of small deterministic scenarios.

use poolcast::replication::run;
use poolcast::results::{PoolMetric, TotalMetric, WorkloadMetric};

use crate::support::scenario;

/// A constant 10-minute build measured on 2 vCPUs with parallel fraction 0.6
/// runs `600 * ((1 - 0.6) + 0.6 * 2 / cpu)` seconds: 600 on S1 (2 vCPU), 420
/// on S2 (4), 330 on S3 (8).
#[test]
fn amdahl_scales_run_time_by_tier() {
    for (tier, expected_s) in [("S1", 600.0), ("S2", 420.0), ("S3", 330.0)] {
        let s = scenario(&format!(
            r#"
[simulation]
horizon = "2d"
warmup = "1h"
replications = 2

[[pool]]
name = "p-{tier}"
tier = "{tier}"
count = 1

[[workload]]
name = "build"
pool = "p-{tier}"
arrival = {{ process = "poisson", rate = "2/h" }}
duration = {{ dist = "constant", value = "10m" }}
ref_cpu = 2
parallel_fraction = 0.6
"#
        ));
        let summary = run(&s, &Default::default());
        let run_mean = summary.workloads[0].metrics.get(WorkloadMetric::RunMeanS);
        assert!(
            (run_mean.mean - expected_s).abs() < 1e-6,
            "{tier}: run mean {} s, expected {expected_s} s",
            run_mean.mean
        );
    }
}

/// A fixed pool bills count x window x price whatever the load: 3 S2 over a
/// 2-day window at USD 1.44 per instance-hour = 3 * 48 * 1.44 = 207.36, and
/// an override of the S2 price to 0.20 gives 3 * 48 * 0.20 = 28.80.
#[test]
fn fixed_pool_cost_is_allocation_times_price() {
    for (prices, expected) in [("", 207.36), ("[prices]\nS2 = 0.20\n", 28.80)] {
        let s = scenario(&format!(
            r#"
[simulation]
horizon = "3d"
warmup = "1d"
replications = 3
{prices}
[[pool]]
name = "builders"
tier = "S2"
count = 3

[[workload]]
name = "ci"
pool = "builders"
arrival = {{ process = "poisson", rate = "5/h" }}
duration = {{ dist = "exponential", mean = "10m" }}
"#
        ));
        let summary = run(&s, &Default::default());
        let p = &summary.pools[0].metrics;
        assert!((p.get(PoolMetric::InstanceHours).mean - 144.0).abs() < 1e-9);
        assert!(
            (p.get(PoolMetric::CostUsd).mean - expected).abs() < 1e-9,
            "{}",
            p.get(PoolMetric::CostUsd).mean
        );
        assert!(
            (summary.totals.get(TotalMetric::CostPerDayUsd).mean - expected / 2.0).abs() < 1e-9
        );
    }
}

/// Default compute bills 2 vCPU x run seconds x USD 0.0001 after a free grant
/// of 6,000 vCPU-seconds per 30 days, pro-rated: a 10-minute constant run is
/// 1,200 vCPU-seconds, and over a 3-day window the grant is 600 vCPU-seconds.
#[test]
fn default_compute_bills_vcpu_seconds_after_free_grant() {
    let s = scenario(
        r#"
[simulation]
horizon = "4d"
warmup = "1d"
replications = 2

[[workload]]
name = "ci"
pool = "default"
arrival = { process = "poisson", rate = "3/h" }
duration = { dist = "constant", value = "10m" }
"#,
    );
    let summary = run(&s, &Default::default());
    for (r, rep) in summary.per_replication.iter().enumerate() {
        let dc = rep
            .default_compute
            .as_ref()
            .expect("default compute is used");
        let runs = dc[poolcast::results::DefaultComputeMetric::Runs];
        let expected = (runs * 1200.0 - 600.0).max(0.0) * 0.0001;
        // Runs still going at the horizon are billed in full when they start.
        assert!(
            (dc[poolcast::results::DefaultComputeMetric::CostUsd] - expected).abs() < 1e-9,
            "replication {r}: {} vs {expected}",
            dc[poolcast::results::DefaultComputeMetric::CostUsd]
        );
        assert_eq!(
            rep.workloads[0][poolcast::results::WorkloadMetric::WaitMeanS],
            0.0,
            "default compute never queues"
        );
    }
}
