//! Scaling and quota dynamics: schedules, the queue controller, provisioning
//! delays, drain versus preempt, and the shared quota.

use poolcast::results::{PoolLevels, PoolMetric, Recorder, TotalMetric};
use std::collections::HashMap;

use poolcast::model::{PoolId, Target, WorkloadId};
use poolcast::replication::run;
use poolcast::sim::run_replication;
use poolcast::units::{SimDuration, SimTime};

use crate::support::{scenario, write_scenario};

/// Sees everything; checks what it can as it goes.
#[derive(Default)]
struct Watch {
    levels: HashMap<u32, PoolLevels>,
    /// Most S-tier instances allocated over all pools at any moment.
    most_allocated_together: u32,
    /// Arrival times of runs that arrived while their pool had no instance.
    arrived_at_empty: Vec<SimTime>,
    /// (started, finished) of every run, in minutes.
    runs: Vec<(u64, u64)>,
    waits_at_empty: Vec<SimDuration>,
    arrived: u64,
    finished: u64,
    default_started: u64,
    default_finished: u64,
    targets: Vec<Target>,
}

impl Recorder for Watch {
    fn arrived(&mut self, w: WorkloadId, at: SimTime) {
        self.arrived += 1;
        if let Target::Pool(p) = self.targets[w.0 as usize]
            && self.levels.get(&p.0).is_some_and(|l| l.allocated == 0)
        {
            self.arrived_at_empty.push(at);
        }
    }
    fn started(
        &mut self,
        w: WorkloadId,
        _: Target,
        arrived_at: SimTime,
        at: SimTime,
        _: SimDuration,
    ) {
        if self.arrived_at_empty.contains(&arrived_at) {
            self.waits_at_empty.push(at.saturating_since(arrived_at));
        }
        self.default_started += u64::from(self.targets[w.0 as usize] == Target::DefaultCompute);
    }
    fn finished(&mut self, w: WorkloadId, _: SimTime, started_at: SimTime, at: SimTime, _: bool) {
        self.finished += 1;
        self.default_finished += u64::from(self.targets[w.0 as usize] == Target::DefaultCompute);
        self.runs
            .push((started_at.0 / 60_000_000, at.0 / 60_000_000));
    }
    fn pool_changed(&mut self, p: PoolId, _: SimTime, levels: PoolLevels) {
        assert!(
            levels.busy <= levels.ready(),
            "{p:?}: more runs than ready instances: {levels:?}"
        );
        self.levels.insert(p.0, levels);
        let together = self.levels.values().map(|l| l.allocated).sum();
        self.most_allocated_together = self.most_allocated_together.max(together);
    }
    fn sampled(&mut self, _: PoolId, _: SimTime, _: PoolLevels) {}
}

fn watch(s: &poolcast::scenario::Scenario, replication: u32) -> Watch {
    let mut w = Watch {
        targets: s.workloads.iter().map(|w| w.target).collect(),
        ..Watch::default()
    };
    run_replication(
        s,
        replication,
        &mut w,
        &std::sync::atomic::AtomicBool::new(false),
    );
    w
}

/// 0 instances until 08:00, 4 until 20:00, then 0: each day the 4 instances
/// are billed from the 08:00 request until the 20:00 scale-in takes effect
/// after the 5-minute delay, 12 h 5 min. A week: 7 x 4 x 12 h 5 min =
/// 338 h 20 min; at USD 1.44 per S2-hour, USD 487.20.
#[test]
fn schedule_bills_the_hours_it_holds_plus_provisioning() {
    let s = scenario(
        r#"
[simulation]
start = "2025-03-03T00:00:00Z"
horizon = "7d"
warmup = "0s"
replications = 1

[[pool]]
name = "day-shift"
tier = "S2"
provisioning = "5m"
scaling = { policy = "schedule", rules = [{ cron = "0 8 * * *", count = 4 }, { cron = "0 20 * * *", count = 0 }] }

[[workload]]
name = "never"
pool = "day-shift"
arrival = { process = "cron", schedule = "0 0 1 1 *" }
duration = { dist = "constant", value = "1m" }
"#,
    );
    assert_eq!(
        s.pools[0].count, 0,
        "the 20:00 rule is in force at Monday 00:00"
    );
    let summary = run(&s, &Default::default());
    let p = &summary.pools[0].metrics;
    let hours = 7.0 * 4.0 * (12.0 + 5.0 / 60.0);
    assert!(
        (p.get(PoolMetric::InstanceHours).mean - hours).abs() < 1e-9,
        "{}",
        p.get(PoolMetric::InstanceHours).mean
    );
    assert!((p.get(PoolMetric::CostUsd).mean - hours * 1.44).abs() < 1e-9);
    assert_eq!(p.get(PoolMetric::ScaleUps).mean, 7.0);
    assert_eq!(summary.totals.get(TotalMetric::Tasks).mean, 0.0);
}

/// A pool that scales to zero: a run arriving when no instance exists waits
/// for the next poll and then the 5-minute provisioning, so at least 5 min.
#[test]
fn run_at_an_empty_pool_waits_for_provisioning() {
    let s = scenario(
        r#"
[simulation]
horizon = "3d"
warmup = "0s"
replications = 2

[[pool]]
name = "zero"
tier = "S1"
provisioning = "5m"
scaling = { policy = "queue", min = 0, max = 2, poll = "1m", cooldown = "0s" }

[[workload]]
name = "rare"
pool = "zero"
arrival = { process = "poisson", rate = "1/h" }
duration = { dist = "constant", value = "2m" }
"#,
    );
    let w = watch(&s, 0);
    assert!(
        w.waits_at_empty.len() > 20,
        "only {} runs met an empty pool",
        w.waits_at_empty.len()
    );
    for wait in &w.waits_at_empty {
        assert!(*wait >= SimDuration::from_secs(300), "waited only {wait}");
        assert!(
            *wait <= SimDuration::from_secs(360),
            "waited {wait}: more than a poll plus provisioning"
        );
    }
    let summary = run(&s, &Default::default());
    assert!(
        summary.pools[0]
            .metrics
            .get(PoolMetric::NoCapacityWaitHours)
            .mean
            > 0.0
    );
}

/// Two queue-controlled S2 pools, each allowed 4, under the default 16-vCPU
/// quota: together they never hold more than 4, and capped scale-ups count.
#[test]
fn two_pools_compete_for_the_quota() {
    let s = scenario(
        r#"
[simulation]
horizon = "2d"
warmup = "0s"
replications = 2

[[pool]]
name = "team-a"
tier = "S2"
scaling = { policy = "queue", min = 0, max = 4 }

[[pool]]
name = "team-b"
tier = "S2"
scaling = { policy = "queue", min = 0, max = 4 }

[[workload]]
name = "a"
pool = "team-a"
arrival = { process = "burst", rate = "3/h", size = { dist = "constant", value = 6 } }
duration = { dist = "exponential", mean = "10m" }

[[workload]]
name = "b"
pool = "team-b"
arrival = { process = "burst", rate = "3/h", size = { dist = "constant", value = 6 } }
duration = { dist = "exponential", mean = "10m" }
"#,
    );
    assert!(
        s.warnings.iter().any(|w| w.contains("capped")),
        "{:?}",
        s.warnings
    );
    for r in 0..2 {
        let w = watch(&s, r);
        assert!(
            w.most_allocated_together <= 4,
            "{} S2 instances at once",
            w.most_allocated_together
        );
        assert_eq!(
            w.most_allocated_together, 4,
            "the pools never filled the quota"
        );
    }
    let summary = run(&s, &Default::default());
    let capped: f64 = summary
        .pools
        .iter()
        .map(|p| p.metrics.get(PoolMetric::ScaleUpsCapped).mean)
        .sum();
    let denied: f64 = summary
        .pools
        .iter()
        .map(|p| p.metrics.get(PoolMetric::InstancesDenied).mean)
        .sum();
    assert!(
        capped > 0.0 && denied >= capped,
        "capped {capped}, denied {denied}"
    );
}

/// One S1 pool of 2 scales to 1 at 00:10, effective at 00:15. Runs: A (30 m)
/// and B (40 m) at 00:00 take both instances (A on the newer one); C (10 m)
/// arrives at 00:01 and queues.
/// - drain: A's instance leaves when A ends at 00:30; C starts on B's at 00:40:
///   (start, end) = A (0, 30), B (0, 40), C (40, 50).
/// - preempt: A is stopped at 00:15 and re-queued ahead of C; it reruns in
///   full on B's instance at 00:40: B (0, 40), A (40, 70), C (70, 80).
#[test]
fn drain_and_preempt_give_hand_computed_completions() {
    for (mode, expected) in [
        ("drain", vec![(0, 30), (0, 40), (40, 50)]),
        ("preempt", vec![(0, 40), (40, 70), (70, 80)]),
    ] {
        let (dir, path) = write_scenario(
            &format!(
                r#"
[simulation]
start = "2025-03-03T00:00:00Z"
horizon = "2h"
warmup = "0s"
replications = 1

[[pool]]
name = "two"
tier = "S1"
count = 2
provisioning = "5m"
scale_in = "{mode}"
scaling = {{ policy = "schedule", rules = [{{ cron = "10 0 * * *", count = 1 }}] }}

[[workload]]
name = "jobs"
pool = "two"
arrival = {{ process = "trace", file = "runs.csv" }}
"#
            ),
            "scale-in.toml",
        );
        std::fs::write(
            dir.path().join("runs.csv"),
            "time,duration\n0,30m\n0,40m\n60,10m\n",
        )
        .expect("write");
        let s = poolcast::scenario::load(&path).unwrap_or_else(|e| panic!("{e}"));
        let mut w = watch(&s, 0);
        w.runs.sort();
        assert_eq!(w.runs, expected, "{mode}");
        let summary = run(&s, &Default::default());
        assert_eq!(
            summary.pools[0].metrics.get(PoolMetric::Preempted).mean,
            if mode == "preempt" { 1.0 } else { 0.0 }
        );
    }
}

/// Every arrival is finished (completed or timed out), queued or running
/// at the end, whatever scaling does, in every replication.
#[test]
fn runs_are_conserved_under_scaling() {
    let s = scenario(
        r#"
[simulation]
horizon = "3d"
warmup = "0s"
replications = 4
seed = 9

[[pool]]
name = "elastic"
tier = "S1"
provisioning = "3m"
scale_in = "preempt"
cold_start = { extra = "2m", tasks = 2 }
scaling = { policy = "queue", min = 0, max = 6, per_instance = 2, cooldown = "5m", target_wait = "4m" }

[[pool]]
name = "office"
tier = "S2"
provisioning = "5m"
scaling = { policy = "schedule", rules = [{ cron = "0 8 * * 1-5", count = 2 }, { cron = "0 18 * * *", count = 0 }] }

[[workload]]
name = "ci"
pool = "elastic"
arrival = { process = "profile", rate = "30/h", preset = "workday" }
duration = { dist = "lognormal", median = "4m", p95 = "40m" }
timeout = "30m"

[[workload]]
name = "office-jobs"
pool = "office"
arrival = { process = "poisson", rate = "6/h" }
duration = { dist = "exponential", mean = "15m" }

[[workload]]
name = "side"
pool = "default"
arrival = { process = "poisson", rate = "2/h" }
duration = { dist = "exponential", mean = "5m" }
"#,
    );
    for r in 0..s.simulation.replications {
        let w = watch(&s, r);
        let queued: u64 = w.levels.values().map(|l| u64::from(l.queued)).sum();
        let running: u64 = w.levels.values().map(|l| u64::from(l.busy)).sum();
        let default_running = w.default_started - w.default_finished;
        assert!(w.arrived > 500);
        assert_eq!(
            w.arrived,
            w.finished + queued + running + default_running,
            "replication {r}"
        );
    }
    let summary = run(&s, &Default::default());
    let elastic = &summary.pools[0].metrics;
    assert!(elastic.get(PoolMetric::ColdStarts).mean > 0.0);
    assert!(
        (elastic.get(PoolMetric::ColdStartHours).mean
            - elastic.get(PoolMetric::ColdStarts).mean * 2.0 / 60.0)
            .abs()
            < 1e-9
    );
}
