//! `tasks.csv` (`--outputs tasks`): one row per run of the observed window,
//! agreeing with the summary's counts and waits, the same bytes at any
//! thread count, and never written unless asked.

use std::collections::BTreeMap;

use crate::support::{poolcast, run_into, scenarios_dir, write_scenario};

/// A pool that scales in by preemption at 18:00 while its queue is long,
/// to zero from 22:00 (so runs are still queued at the end), a workload on
/// the default compute, and a warm-up whose runs must not be rows.
const SCENARIO: &str = r#"
name = "tasks"

[simulation]
horizon = "2d"
warmup = "6h"
replications = 4
seed = 5
sample_interval = "10m"

[[pool]]
name = "builders"
tier = "S1"
count = 3
provisioning = "2m"
scale_in = "preempt"
scaling = { policy = "schedule", rules = [{ cron = "0 8 * * *", count = 3 }, { cron = "0 18 * * *", count = 1 }, { cron = "0 22 * * *", count = 0 }] }

[[workload]]
name = "ci build"
pool = "builders"
arrival = { process = "poisson", rate = "40/h" }
duration = { dist = "lognormal", median = "3m", p95 = "12m" }
timeout = "10m"

[[workload]]
name = "lint"
pool = "default"
arrival = { process = "poisson", rate = "6/h" }
duration = { dist = "exponential", mean = "2m" }
"#;

#[test]
fn tasks_csv_has_a_row_per_run_that_agrees_with_the_summary_at_any_thread_count() {
    let (tmp, path) = write_scenario(SCENARIO, "tasks.toml");
    let file = path.display().to_string();
    let out = |threads: &str| {
        let dir = tmp.path().join(format!("out-{threads}"));
        let args = [
            "run",
            &file,
            "--threads",
            threads,
            "--outputs",
            "json,tasks",
        ];
        run_into(&dir, &args)
    };
    let (one, two) = (out("1"), out("2"));
    let csv = std::fs::read(one.join("tasks.csv")).expect("tasks.csv");
    assert!(
        csv == std::fs::read(two.join("tasks.csv")).expect("tasks.csv"),
        "tasks.csv differs between 1 and 2 threads"
    );
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(one.join("summary.json")).expect("summary.json"))
            .expect("JSON");
    let reps = summary["replications"].as_u64().expect("replications") as usize;

    let mut rdr = csv::Reader::from_reader(csv.as_slice());
    assert_eq!(
        rdr.headers().expect("a header"),
        vec![
            "replication",
            "workload",
            "pool",
            "arrival",
            "start",
            "end",
            "wait_s",
            "run_s",
            "outcome"
        ]
    );
    // Per replication: (runs, wait sum); per (workload, outcome): rows.
    let mut by_rep = vec![(0usize, 0.0f64); reps];
    let mut outcomes: BTreeMap<(String, String), usize> = BTreeMap::new();
    let mut last_rep = 0;
    for r in rdr.records() {
        let r = r.expect("a row");
        let rep: usize = r[0].parse().expect("a replication");
        assert!(rep >= last_rep, "replications out of order");
        last_rep = rep;
        // Every run arrived after the warm-up (6 h after Monday 00:00).
        assert!(
            r[3].as_bytes() >= b"2025-01-06T06:00:00".as_slice(),
            "{r:?}"
        );
        let wait: f64 = r[6].parse().expect("wait_s");
        assert!(wait >= 0.0);
        by_rep[rep].0 += 1;
        by_rep[rep].1 += wait;
        *outcomes
            .entry((r[1].to_string(), r[8].to_string()))
            .or_default() += 1;
        match &r[8] {
            "completed" | "timed_out" => assert!(!r[5].is_empty() && !r[7].is_empty()),
            "still_queued" => assert!(r[4].is_empty() && r[5].is_empty()),
            _ => assert!(r[5].is_empty()),
        }
    }
    // One row per task the summary counts.
    let rows: usize = by_rep.iter().map(|(n, _)| n).sum();
    let tasks = summary["totals"]["tasks"].as_f64().expect("tasks");
    assert!(
        (rows as f64 - tasks * reps as f64).abs() < 1e-6,
        "{rows} rows for {tasks} tasks a replication"
    );
    // Each replication's mean wait, averaged, is the summary's.
    let mean: f64 = by_rep.iter().map(|(n, s)| s / *n as f64).sum::<f64>() / reps as f64;
    let reported = summary["totals"]["wait_mean_s"]
        .as_f64()
        .expect("wait_mean_s");
    assert!(
        (mean - reported).abs() < 1e-5 * reported.max(1.0),
        "rows give a mean wait of {mean} s, summary.json {reported} s"
    );
    assert!(
        reported > 60.0,
        "the scenario is meant to queue: {reported} s"
    );
    let preempted = summary["pools"][0]["preempted"]
        .as_f64()
        .expect("preempted");
    assert!(preempted > 0.0, "the scenario is meant to preempt");
    // The outcomes are the summary's counts.
    for w in summary["workloads"].as_array().expect("workloads") {
        let name = w["name"].as_str().expect("a name").to_string();
        for (key, outcome) in [
            ("completed", "completed"),
            ("timed_out", "timed_out"),
            ("censored", "still_queued"),
        ] {
            let rows = outcomes
                .get(&(name.clone(), outcome.to_string()))
                .copied()
                .unwrap_or(0);
            let per_rep = w[key].as_f64().expect(key);
            assert!(
                (rows as f64 - per_rep * reps as f64).abs() < 1e-6,
                "{name}: {rows} {outcome} rows, summary {per_rep} a replication"
            );
        }
    }
    let builders = |o: &str| outcomes.get(&("ci build".into(), o.into())).copied();
    assert!(builders("still_queued").is_some() && builders("timed_out").is_some());
    // The default output set has no tasks.csv.
    let plain = run_into(
        &tmp.path().join("plain"),
        &["run", &file, "--replications", "2"],
    );
    assert!(!plain.join("tasks.csv").exists());
}

#[test]
fn sweep_refuses_tasks() {
    let tmp = tempfile::tempdir().expect("dir");
    let out = tmp.path().join("never");
    poolcast()
        .args([
            "sweep",
            &scenarios_dir()
                .join("sweep-tiers.toml")
                .display()
                .to_string(),
        ])
        .args(["--outputs", "json,tasks", "--out"])
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("writes no tasks.csv"));
    assert!(!out.exists(), "a refused sweep made its folder");
}

/// The window starts at the end of the warm-up, included: a run arriving
/// exactly then is counted and has a row, one a microsecond earlier
/// neither, in the summary and in `tasks.csv` (each applies the cut).
#[test]
fn a_run_at_the_end_of_the_warm_up_is_observed() {
    let (tmp, path) = write_scenario(
        "[simulation]\ntimezone = \"UTC\"\nstart = \"2025-01-06T00:00:00\"\nhorizon = \"2h\"\nwarmup = \"1h\"\nreplications = 2\n\n[[pool]]\nname = \"builders\"\ntier = \"S1\"\ncount = 1\n\n[[workload]]\nname = \"replay\"\npool = \"builders\"\narrival = { process = \"trace\", file = \"runs.csv\" }\n",
        "warm.toml",
    );
    std::fs::write(
        tmp.path().join("runs.csv"),
        "time,duration\n2025-01-06T00:59:59.999999Z,30\n2025-01-06T01:00:00Z,30\n",
    )
    .expect("write the trace");
    let file = path.display().to_string();
    let out = run_into(
        &tmp.path().join("out"),
        &["run", &file, "--outputs", "json,tasks"],
    );
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).expect("summary.json"))
            .expect("JSON");
    assert_eq!(summary["totals"]["tasks"].as_f64(), Some(1.0));
    // The run before the window held the instance: the observed one waited.
    assert_eq!(summary["totals"]["wait_mean_s"].as_f64(), Some(29.999_999));
    let csv = std::fs::read(out.join("tasks.csv")).expect("tasks.csv");
    let mut rdr = csv::Reader::from_reader(csv.as_slice());
    // (arrival, wait_s, outcome) of each row.
    let rows: Vec<(String, String, String)> = rdr
        .records()
        .map(|r| {
            let r = r.expect("a row");
            (r[3].to_string(), r[6].to_string(), r[8].to_string())
        })
        .collect();
    let row = (
        "2025-01-06T01:00:00.000000Z".to_string(),
        "29.999999".to_string(),
        "completed".to_string(),
    );
    assert_eq!(rows, vec![row.clone(), row], "a row a replication");
}
