//! The engine against queueing theory: M/M/c results are exact (Erlang C).
//!
//! Tolerance: each replication is an independent estimate, so the mean over R
//! replications has standard error SE = s/√R. We require |mean − theory| ≤
//! 4·SE, which a correct simulator violates with probability below 1e-4
//! (Student t, 19 degrees of freedom: P(|t| > 4) ≈ 8e-4 two-sided, over the
//! few checks here). The seeds are fixed, so the test is deterministic; the
//! 4·SE band keeps it valid if the random streams change. To make sure the
//! band is not so wide that anything passes, each check also requires the
//! 95% interval half-width to be under 6% of the theoretical value.

use poolcast::forecast::{Mmc, baseline, erlang_c};
use poolcast::replication::run;
use poolcast::results::{Estimate, PoolMetric, WorkloadMetric};

use crate::support::{assert_close, scenario};

const MEAN_SERVICE_S: f64 = 100.0;
const REPLICATIONS: u32 = 20;

struct Case {
    servers: u32,
    rho: f64,
    tasks_per_replication: f64,
}

fn mmc_scenario(c: &Case) -> String {
    let lambda = c.rho * f64::from(c.servers) / MEAN_SERVICE_S; // per second
    let horizon = (c.tasks_per_replication / lambda).round() as u64;
    let warmup = horizon / 20;
    format!(
        r#"
[simulation]
horizon = "{horizon}s"
warmup = "{warmup}s"
replications = {REPLICATIONS}
seed = 2024
sample_interval = "{}s"

[quota]
standard_vcpu = 1000

[[pool]]
name = "mmc"
tier = "S1"
count = {}

[[workload]]
name = "jobs"
pool = "mmc"
arrival = {{ process = "poisson", rate = "{}/h" }}
duration = {{ dist = "exponential", mean = "{MEAN_SERVICE_S}s" }}
parallel_fraction = 0
timeout = "8h"
"#,
        horizon / 100,
        c.servers,
        lambda * 3600.0
    )
}

fn check(c: Case) {
    let s = scenario(&mmc_scenario(&c));
    let a = c.rho * f64::from(c.servers); // offered load, Erlangs
    let summary = run(&s, &Default::default());
    let w = &summary.workloads[0].metrics;
    let tag = format!("M/M/{} at rho {}", c.servers, c.rho);

    let wq = Mmc::new(c.servers, a, MEAN_SERVICE_S).mean_wait_s();
    assert_close(
        &format!("{tag}: mean wait"),
        w.get(WorkloadMetric::WaitMeanS),
        wq,
    );
    assert_close(
        &format!("{tag}: P(wait > 0)"),
        w.get(WorkloadMetric::WaitedFraction),
        erlang_c(c.servers, a),
    );
    assert_close(
        &format!("{tag}: utilisation"),
        summary.pools[0].metrics.get(PoolMetric::Utilization),
        c.rho,
    );

    // Little's law, Lq = λ·Wq, per replication: the differences are
    // independent across replications, so their mean must be within 4 SE of 0.
    let lambda = a / MEAN_SERVICE_S;
    let diffs: Vec<f64> = summary
        .per_replication
        .iter()
        .map(|r| {
            r.pools[0][poolcast::results::PoolMetric::QueueLenMean]
                - lambda * r.workloads[0][poolcast::results::WorkloadMetric::WaitMeanS]
        })
        .collect();
    let d = Estimate::from_samples(&diffs);
    let lq = lambda * wq;
    assert!(
        d.half_width() < 0.02 * lq,
        "{tag}: Little's-law interval ±{:.5} too wide to test Lq = {lq:.5}",
        d.half_width()
    );
    assert!(
        d.mean.abs() <= 4.0 * d.std_error,
        "{tag}: Little's law off: Lq − λWq = {:.5} ± {:.5} (SE)",
        d.mean,
        d.std_error
    );
}

#[test]
fn mm1_matches_erlang_c_at_half_load() {
    check(Case {
        servers: 1,
        rho: 0.5,
        tasks_per_replication: 40_000.0,
    });
}

#[test]
fn mm1_matches_erlang_c_at_high_load() {
    check(Case {
        servers: 1,
        rho: 0.9,
        tasks_per_replication: 400_000.0,
    });
}

#[test]
fn mm2_matches_erlang_c_at_half_load() {
    check(Case {
        servers: 2,
        rho: 0.5,
        tasks_per_replication: 60_000.0,
    });
}

#[test]
fn mm2_matches_erlang_c_at_high_load() {
    check(Case {
        servers: 2,
        rho: 0.9,
        tasks_per_replication: 400_000.0,
    });
}

#[test]
fn mm8_matches_erlang_c_at_half_load() {
    check(Case {
        servers: 8,
        rho: 0.5,
        tasks_per_replication: 200_000.0,
    });
}

#[test]
fn mm8_matches_erlang_c_at_high_load() {
    check(Case {
        servers: 8,
        rho: 0.9,
        tasks_per_replication: 400_000.0,
    });
}

/// Issue 26: the analytic baseline of an M/M/c pool under an 8 h timeout
/// (which cuts e^{-288} of the runs) is Erlang C at lambda x mean to 1e-12:
/// the mean run time the timeout leaves is a closed form, not a Simpson
/// sum (which put the baseline up to 0.84% off).
#[test]
fn the_mmc_baseline_is_erlang_c() {
    for (servers, rho) in [(1u32, 0.5f64), (2, 0.9), (8, 0.7), (30, 0.95)] {
        let case = Case {
            servers,
            rho,
            tasks_per_replication: 1000.0,
        };
        let s = scenario(&mmc_scenario(&case));
        let b = &baseline(&s)[0];
        let a = rho * f64::from(servers);
        let q = Mmc::new(servers, a, MEAN_SERVICE_S);
        let tag = format!("M/M/{servers} at rho {rho}");
        assert!(
            (b.offered_load - a).abs() <= 1e-12 * a,
            "{tag}: load {}",
            b.offered_load
        );
        assert!(
            (b.mmc_wait_probability - q.wait_probability()).abs() <= 1e-12,
            "{tag}: {} vs {}",
            b.mmc_wait_probability,
            q.wait_probability()
        );
        assert!(
            (b.mmc_wait_mean_s - q.mean_wait_s()).abs() <= 1e-12 * q.mean_wait_s(),
            "{tag}"
        );
    }
}

/// Issue 26: gamma run times of mean 20 s and cv 2 under an 8 h timeout
/// offer lambda x 20 s, not 20.8% more (which had warned of a queue
/// growing without bound at 87.7% utilisation and hidden the baseline).
#[test]
fn a_heavy_gamma_offers_its_mean() {
    let text = mmc_scenario(&Case {
        servers: 4,
        rho: 0.5,
        tasks_per_replication: 1000.0,
    });
    let arrival = text
        .lines()
        .find(|l| l.starts_with("arrival"))
        .expect("an arrival");
    let text = text
        .replace(
            arrival,
            "arrival = { process = \"poisson\", rate = \"631.44/h\" }",
        )
        .replace(
            "duration = { dist = \"exponential\", mean = \"100s\" }",
            "duration = { dist = \"gamma\", mean = \"20s\", cv = 2 }",
        );
    let s = scenario(&text);
    let b = &baseline(&s)[0];
    let a = 631.44 / 3600.0 * 20.0;
    assert!((b.offered_load - a).abs() <= 1e-9 * a, "{}", b.offered_load);
    assert!((b.utilization - 0.877).abs() <= 1e-9, "{}", b.utilization);
    assert_eq!(b.not_applicable, None);
    assert!((b.mmc_wait_probability - erlang_c(4, a)).abs() <= 1e-12);
}
