//! Arrival processes: cron, profile, burst and trace replay.

use poolcast::model::{PoolId, Target, WorkloadId};
use poolcast::replication::run;
use poolcast::results::{Estimate, PoolLevels, Recorder, TotalMetric, WorkloadMetric};
use poolcast::sim::run_replication;
use poolcast::units::{SimDuration, SimTime};

use crate::support::{assert_close, scenario, write_scenario};

/// Keeps every arrival time.
#[derive(Default)]
struct Arrivals(Vec<SimTime>);

impl Recorder for Arrivals {
    fn arrived(&mut self, _w: WorkloadId, at: SimTime) {
        self.0.push(at);
    }
    fn started(&mut self, _: WorkloadId, _: Target, _: SimTime, _: SimTime, _: SimDuration) {}
    fn finished(&mut self, _: WorkloadId, _: SimTime, _: SimTime, _: SimTime, _: bool) {}
    fn pool_changed(&mut self, _: PoolId, _: SimTime, _: PoolLevels) {}
    fn sampled(&mut self, _: PoolId, _: SimTime, _: PoolLevels) {}
}

fn one_workload(arrival: &str, horizon: &str, replications: u32) -> String {
    format!(
        r#"
[simulation]
horizon = "{horizon}"
warmup = "0s"
replications = {replications}
seed = 5

[[workload]]
name = "w"
pool = "default"
arrival = {arrival}
duration = {{ dist = "constant", value = "1m" }}
"#
    )
}

#[test]
fn cron_nightly_makes_twenty_runs_at_nine_every_evening() {
    let s = scenario(&one_workload(
        r#"{ process = "cron", schedule = "0 21 * * *", tasks = 20 }"#,
        "7d",
        1,
    ));
    let mut seen = Arrivals::default();
    run_replication(&s, 0, &mut seen, &std::sync::atomic::AtomicBool::new(false));
    assert_eq!(seen.0.len(), 140, "7 nights x 20 tasks");
    for t in &seen.0 {
        let at = s.simulation.calendar.datetime(*t);
        assert_eq!(
            at.format("%H:%M:%S%.6f").to_string(),
            "21:00:00.000000",
            "arrival at {at}"
        );
    }
}

#[test]
fn cron_jitter_spreads_runs_after_the_firing() {
    let s = scenario(&one_workload(
        r#"{ process = "cron", schedule = "30 2 * * 1-5", tasks = 10, jitter = "10m" }"#,
        "7d",
        1,
    ));
    let mut seen = Arrivals::default();
    run_replication(&s, 0, &mut seen, &std::sync::atomic::AtomicBool::new(false));
    assert_eq!(seen.0.len(), 50, "5 weekdays x 10 tasks");
    assert!(
        seen.0.windows(2).all(|w| w[0] <= w[1]),
        "arrivals out of order"
    );
    let distinct: std::collections::HashSet<_> = seen.0.iter().collect();
    assert!(distinct.len() > 40, "jitter did not spread the runs");
    for t in &seen.0 {
        let at = s.simulation.calendar.datetime(*t);
        let minutes = at.format("%H:%M").to_string();
        assert!(
            ("02:30".."02:40").contains(&minutes.as_str()),
            "arrival at {at}"
        );
    }
}

/// Working hours only: multipliers 1 for 09:00-17:00 and 0 otherwise. The
/// expected daily count is the integral of the rate: 30/h x 8 h = 240.
#[test]
fn profile_arrivals_follow_working_hours() {
    let hourly: Vec<&str> = (0..24)
        .map(|h| if (9..17).contains(&h) { "1" } else { "0" })
        .collect();
    let src = one_workload(
        &format!(
            r#"{{ process = "profile", rate = "30/h", hourly = [{}] }}"#,
            hourly.join(", ")
        ),
        "7d",
        20,
    );
    let s = scenario(&src);
    let mut daily = Vec::new();
    for r in 0..s.simulation.replications {
        let mut seen = Arrivals::default();
        run_replication(&s, r, &mut seen, &std::sync::atomic::AtomicBool::new(false));
        for t in &seen.0 {
            let (_, hour) = s.simulation.calendar.weekday_hour(*t);
            assert!((9..17).contains(&hour), "arrival at hour {hour}");
        }
        daily.push(seen.0.len() as f64 / 7.0);
    }
    assert_close("profile daily count", Estimate::from_samples(&daily), 240.0);
}

#[test]
fn profile_workday_preset_is_quiet_on_weekends() {
    let s = scenario(&one_workload(
        r#"{ process = "profile", rate = "60/h", preset = "workday" }"#,
        "7d",
        1,
    ));
    let mut seen = Arrivals::default();
    run_replication(&s, 0, &mut seen, &std::sync::atomic::AtomicBool::new(false));
    let weekend = seen
        .0
        .iter()
        .filter(|t| s.simulation.calendar.weekday_hour(**t).0 >= 5)
        .count();
    assert!(
        weekend * 20 < seen.0.len(),
        "{weekend} of {} on the weekend",
        seen.0.len()
    );
}

/// Batches at 2/h of 5..=15 runs (mean 10): 20 runs an hour.
#[test]
fn burst_arrivals_average_batch_rate_times_batch_size() {
    let s = scenario(&one_workload(
        r#"{ process = "burst", rate = "2/h", size = { dist = "uniform", min = 5, max = 15 } }"#,
        "7d",
        20,
    ));
    let summary = run(&s, &Default::default());
    let per_hour: Vec<f64> = summary
        .per_replication
        .iter()
        .map(|r| r.workloads[0][poolcast::results::WorkloadMetric::Arrived] / 168.0)
        .collect();
    assert_close(
        "burst arrivals per hour",
        Estimate::from_samples(&per_hour),
        20.0,
    );
}

/// One S1 instance replays four runs (times and durations in seconds):
///
/// | run | arrives | runs | starts | waits | ends |
/// |-----|---------|------|--------|-------|------|
/// | 1   | 0       | 600  | 0      | 0     | 600  |
/// | 2   | 60      | 300  | 600    | 540   | 900  |
/// | 3   | 120     | 60   | 900    | 780   | 960  |
/// | 4   | 1000    | 100  | 1000   | 0     | 1100 |
///
/// Mean wait (0 + 540 + 780 + 0) / 4 = 330 s; half the runs waited; mean
/// turnaround (600 + 840 + 840 + 100) / 4 = 595 s.
#[test]
fn trace_replay_gives_hand_computed_waits() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    std::fs::write(
        dir.path().join("runs.csv"),
        "time,duration,start\n0,600,0\n60,300,60\n120,60,125\n1000,100,1000\n",
    )
    .expect("write");
    let src = r#"
[simulation]
horizon = "1h"
warmup = "0s"
replications = 2

[[pool]]
name = "one"
tier = "S1"
count = 1

[[workload]]
name = "replay"
pool = "one"
arrival = { process = "trace", file = "runs.csv" }
"#;
    std::fs::write(dir.path().join("replay.toml"), src).expect("write");
    let s =
        poolcast::scenario::load(&dir.path().join("replay.toml")).unwrap_or_else(|e| panic!("{e}"));
    let summary = run(&s, &Default::default());
    let w = &summary.workloads[0].metrics;
    assert_eq!(w.get(WorkloadMetric::Arrived).mean, 4.0);
    assert_eq!(w.get(WorkloadMetric::WaitMeanS).mean, 330.0);
    assert_eq!(w.get(WorkloadMetric::WaitedFraction).mean, 0.5);
    assert_eq!(w.get(WorkloadMetric::TurnaroundMeanS).mean, 595.0);
    // The recorded waits (start − time): 0, 0, 5, 0.
    let rec = summary.workloads[0]
        .recorded
        .expect("the trace has start times");
    assert_eq!((rec.runs, rec.mean_s), (4, 1.25));
}

/// Durations recorded on 2 vCPUs replay on S3 (8 vCPUs) with parallel
/// fraction 0.5: each shrinks by (0.5 + 0.5 x 2/8) = 0.625, so the mean of
/// 600, 300, 60 and 100 s (265 s) becomes 165.625 s.
#[test]
fn trace_durations_rescale_by_recorded_cpu() {
    let (dir, path) = write_scenario(
        r#"
[simulation]
horizon = "1h"
warmup = "0s"
replications = 1

[[pool]]
name = "big"
tier = "S3"
count = 2

[[workload]]
name = "replay"
pool = "big"
arrival = { process = "trace", file = "runs.csv" }
parallel_fraction = 0.5
"#,
        "replay.toml",
    );
    std::fs::write(
        dir.path().join("runs.csv"),
        "time,duration,cpu\n0,600,2\n60,300,2\n120,60,2\n1000,100,2\n",
    )
    .expect("write");
    let s = poolcast::scenario::load(&path).unwrap_or_else(|e| panic!("{e}"));
    let summary = run(&s, &Default::default());
    assert_eq!(
        summary.workloads[0]
            .metrics
            .get(WorkloadMetric::RunMeanS)
            .mean,
        165.625
    );
}

#[test]
fn rate_scale_multiplies_every_process() {
    for arrival in [
        r#"{ process = "poisson", rate = "100/h" }"#,
        r#"{ process = "cron", schedule = "*/10 * * * *", tasks = 2 }"#,
    ] {
        let count = |scale: &str| {
            let src = one_workload(arrival, "2d", 1).replace(
                "pool = \"default\"",
                &format!("pool = \"default\"\nrate_scale = {scale}"),
            );
            run(&scenario(&src), &Default::default())
                .totals
                .get(TotalMetric::Tasks)
                .mean
        };
        let (one, three) = (count("1.0"), count("3.0"));
        assert!(
            (three / one - 3.0).abs() < 0.1,
            "{arrival}: {one} vs {three}"
        );
    }
}
