//! Regression tests for problems found in review (each names what broke).

use poolcast::replication::run;
use poolcast::results::{PoolMetric, WorkloadMetric};
use predicates::prelude::*;

use crate::support::{poolcast, refuses, scenario, write_scenario};

/// Two S2 runs of 55 minutes at 00:00 on a pool of 2; a schedule sets 0 at
/// 00:10 (both instances start draining at 00:15) and 2 at 00:20. The
/// scale-up keeps the draining instances instead of allocating new ones,
/// which an 8-vCPU quota would deny: 2 instances for the whole 2 hours,
/// 4 instance-hours, nothing denied.
#[test]
fn review_scale_up_during_drain_keeps_the_draining_instances() {
    let s = scenario(
        r#"
[simulation]
horizon = "2h"
warmup = "0s"
replications = 1

[quota]
standard_vcpu = 8

[[pool]]
name = "builders"
tier = "S2"
count = 2
provisioning = "5m"
scaling = { policy = "schedule", rules = [{ cron = "10 0 * * *", count = 0 }, { cron = "20 0 * * *", count = 2 }] }

[[workload]]
name = "ci"
pool = "builders"
arrival = { process = "cron", schedule = "0 0 * * *", tasks = 2 }
duration = { dist = "constant", value = "55m" }
"#,
    );
    let p = &run(&s, &Default::default()).pools[0].metrics;
    assert_eq!(p.get(PoolMetric::InstanceHours).mean, 4.0);
    assert_eq!(p.get(PoolMetric::InstancesDenied).mean, 0.0);
    assert_eq!(
        p.get(PoolMetric::ScaleUps).mean,
        0.0,
        "no new instance was needed"
    );
}

/// Rules firing at the same minute apply in file order, the last winning
/// (as a crontab would): on Friday 20:00 the count is 5, not 1. Start on
/// Friday 2025-03-07 with 1 instance: 1 x 24 h + 4 x 4 h = 40 instance-hours.
#[test]
fn review_rules_at_the_same_tick_apply_in_file_order() {
    let s = scenario(
        r#"
[simulation]
start = "2025-03-07T00:00:00Z"
horizon = "1d"
warmup = "0s"
replications = 1

[[pool]]
name = "builders"
tier = "S1"
count = 1
provisioning = "5m"
scaling = { policy = "schedule", rules = [{ cron = "0 20 * * *", count = 1 }, { cron = "0 20 * * 5", count = 5 }] }

[[workload]]
name = "ci"
pool = "builders"
arrival = { process = "cron", schedule = "0 0 1 1 *" }
duration = { dist = "constant", value = "1m" }
"#,
    );
    let p = &run(&s, &Default::default()).pools[0].metrics;
    assert!(
        (p.get(PoolMetric::InstanceHours).mean - 40.0).abs() < 1e-9,
        "{}",
        p.get(PoolMetric::InstanceHours).mean
    );
    assert_eq!(p.get(PoolMetric::ScaleUps).mean, 1.0);
}

/// Instances that exist when the simulation starts have a warm cache.
#[test]
fn review_initial_instances_have_no_cold_start() {
    let s = scenario(
        r#"
[simulation]
horizon = "1d"
warmup = "0s"
replications = 1

[[pool]]
name = "builders"
tier = "S1"
count = 3
cold_start = { extra = "4m", tasks = 1 }

[[workload]]
name = "ci"
pool = "builders"
arrival = { process = "poisson", rate = "6/h" }
duration = { dist = "constant", value = "5m" }
"#,
    );
    assert_eq!(
        run(&s, &Default::default()).pools[0]
            .metrics
            .get(PoolMetric::ColdStarts)
            .mean,
        0.0
    );
}

/// Inputs that used to exhaust memory, panic or hang are refused up front.
#[test]
fn review_hostile_scenarios_are_refused_with_exit_2() {
    let base = "[[pool]]\nname = \"builders\"\ntier = \"S1\"\n\n[[workload]]\nname = \"ci\"\npool = \"builders\"\n";
    // (workload lines, expected message, a file the scenario names)
    type Case<'a> = (&'a str, &'a str, Option<(&'a str, &'a str)>);
    let cases: [Case; 5] = [
        // A trace of runs at one instant, replayed 10^10 times.
        (
            "arrival = { process = \"trace\", file = \"one.csv\" }\nrate_scale = 1e10\n",
            "more than the limit of 1e9",
            Some(("one.csv", "time,duration\n60,60\n")),
        ),
        // A yearly cron with a huge batch over a long horizon.
        (
            "arrival = { process = \"cron\", schedule = \"0 0 1 3 *\", tasks = 1000000 }\nrate_scale = 1e6\nduration = { dist = \"constant\", value = \"1m\" }\n[simulation]\nhorizon = \"800d\"\nsample_interval = \"1d\"\n",
            "more than the limit of 1e9",
            None,
        ),
        // A horizon past a century.
        (
            "arrival = { process = \"poisson\", rate = \"1/h\" }\nduration = { dist = \"constant\", value = \"1m\" }\n[simulation]\nhorizon = \"300000years\"\nsample_interval = \"1000years\"\n",
            "simulation.horizon",
            None,
        ),
        // A cron arrival that can never fire (there is no 31 February).
        (
            "arrival = { process = \"cron\", schedule = \"0 0 31 2 *\" }\nduration = { dist = \"constant\", value = \"1m\" }\n",
            "\"0 0 31 2 *\" never fires",
            None,
        ),
        // A trace whose run times are all zero.
        (
            "arrival = { process = \"trace\", file = \"zero.csv\" }\n",
            "every recorded run time in the trace is zero",
            Some(("zero.csv", "time,duration\n0,0\n10,0\n")),
        ),
    ];
    for (workload, needle, file) in cases {
        let (dir, path) = write_scenario(&format!("{base}{workload}"), "hostile.toml");
        if let Some((name, text)) = file {
            std::fs::write(dir.path().join(name), text).expect("write");
        }
        refuses("validate", &path, needle);
    }
    let (_dir, path) = write_scenario(
        &format!("{base}arrival = {{ process = \"poisson\", rate = \"1/h\" }}\nduration = {{ dist = \"constant\", value = \"1m\" }}\n")
            .replacen("tier = \"S1\"", "tier = \"S1\"\nscaling = { policy = \"queue\", max = 2, poll = \"1ms\" }", 1),
        "poll.toml",
    );
    refuses("validate", &path, "pool.builders.scaling.poll");
}

/// A short, dense trace is judged by its run count, not by an
/// extrapolated rate: 2,000 runs within a second over a week are fine.
#[test]
fn review_short_dense_trace_is_accepted() {
    let mut csv = String::from("time,duration\n");
    for i in 0..2000 {
        csv.push_str(&format!("{},{}\n", f64::from(i) * 0.0004, 30));
    }
    let (dir, path) = write_scenario(
        "[simulation]\nhorizon = \"7d\"\n\n[quota]\nstandard_vcpu = 200\n\n[[pool]]\nname = \"builders\"\ntier = \"S1\"\ncount = 100\n\n[[workload]]\nname = \"ci\"\npool = \"builders\"\narrival = { process = \"trace\", file = \"dense.csv\" }\n",
        "dense.toml",
    );
    std::fs::write(dir.path().join("dense.csv"), csv).expect("write");
    poolcast().arg("validate").arg(&path).assert().success();
}

/// `agentConfiguration.cpu: 0` says nothing: such runs replay as recorded
/// rather than in zero time.
#[test]
fn review_recorded_cpu_zero_is_ignored() {
    let (dir, path) = write_scenario(
        "[simulation]\nstart = \"2025-03-03T00:00:00Z\"\nhorizon = \"1d\"\nwarmup = \"0s\"\nreplications = 1\n\n[[workload]]\nname = \"ci\"\npool = \"default\"\nparallel_fraction = 0.5\narrival = { process = \"trace\", file = \"runs.json\" }\n",
        "cpu0.toml",
    );
    std::fs::write(
        dir.path().join("runs.json"),
        r#"[{"createTime": "2025-03-03T01:00:00Z", "startTime": "2025-03-03T01:00:00Z", "finishTime": "2025-03-03T01:10:00Z", "agentConfiguration": {"cpu": 0}}]"#,
    )
    .expect("write");
    let s = poolcast::scenario::load(&path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        run(&s, &Default::default()).workloads[0]
            .metrics
            .get(WorkloadMetric::RunMeanS)
            .mean,
        600.0
    );
}

/// Imports that used to produce scenarios that do not validate.
#[test]
fn review_import_handles_odd_names_and_near_constant_times() {
    let dir = tempfile::tempdir().expect("dir");
    let mut runs = Vec::new();
    for i in 0..41 {
        let secs = if i == 40 { 101 } else { 100 };
        let t = format!("2025-03-03T10:{:02}:00Z", i);
        let f = format!("2025-03-03T10:{:02}:{:02}Z", i + (secs / 60), secs % 60);
        runs.push(format!(r#"{{"task": "t", "agentPoolName": "my_pool", "createTime": "{t}", "startTime": "{t}", "finishTime": "{f}"}}"#));
    }
    runs.push(
        r#"{"task": "u", "agentPoolName": "default", "createTime": "2025-03-03T11:00:00Z"}"#
            .to_string(),
    );
    let file = dir.path().join("my runs (1).json");
    std::fs::write(&file, format!("[{}]", runs.join(","))).expect("write");
    let out = dir.path().join("imported.toml");
    poolcast()
        .arg("import")
        .arg(&file)
        .arg("--out")
        .arg(&out)
        .assert()
        .success()
        .stderr(predicate::str::contains("does not fit ACR's naming rule"));
    let text = std::fs::read_to_string(&out).expect("written");
    assert!(text.contains("name = \"my-runs--1-\""), "{text}");
    assert!(text.contains("name = \"my-pool\""), "{text}");
    assert!(text.contains("name = \"default-pool\""), "{text}");
    assert!(
        text.contains("dist = \"constant\", value = \"100s\""),
        "{text}"
    );
    poolcast().arg("validate").arg(&out).assert().success();
}

const SWEEP_BASE: &str = "[simulation]\nhorizon = \"2d\"\nwarmup = \"2h\"\nreplications = 3\n\n[[pool]]\nname = \"builders\"\ntier = \"S1\"\ncount = 2\n\n[[workload]]\nname = \"ci\"\npool = \"builders\"\narrival = { process = \"poisson\", rate = \"12/h\" }\nduration = { dist = \"exponential\", mean = \"8m\" }\n\n[slo]\nwait_p95 = \"10m\"\n";

fn sweep_of(axes: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    write_scenario(&format!("{SWEEP_BASE}\n[sweep]\n{axes}"), "sweep.toml")
}

/// Sweep definitions that used to panic or be silently wrong are refused.
#[test]
fn review_bad_sweep_axes_are_refused() {
    for (axes, needle) in [
        (
            "\"pool.builders.count\" = { from = -9223372036854775808, to = 9223372036854775807, step = 1 }",
            "more than 100000",
        ),
        (
            "\"workload.ci.rate_scale\" = { from = -1e300, to = 1e300, step = 1 }",
            "more than 100000",
        ),
        ("\"pool.builders.cont\" = [1, 2]", "check the key path"),
        ("\"simulation.horizn\" = [\"1d\"]", "check the key path"),
        ("\"slo.wait_p95\" = [\"1m\", \"10m\"]", "cannot vary [slo]"),
        ("pool.builders.count = [1, 2]", "must be quoted"),
    ] {
        let (_dir, path) = sweep_of(axes);
        refuses("sweep", &path, needle);
    }
}

/// A file that is only valid once the axes are applied still sweeps.
#[test]
fn review_sweep_base_need_not_be_valid_alone() {
    let (dir, path) = write_scenario(
        &format!(
            "{}\n[sweep]\n\"quota.isolated_vcpu\" = [64, 128]\n",
            SWEEP_BASE.replace("tier = \"S1\"\ncount = 2", "tier = \"I6\"\ncount = 1")
        ),
        "i6.toml",
    );
    poolcast()
        .arg("sweep")
        .arg(&path)
        .arg("--out")
        .arg(dir.path().join("out"))
        .arg("-q")
        .assert()
        .success();
}

/// plan agrees with sweep when the SLO also caps the cost per day, and
/// refuses scaling pools, whose waits need not fall with the count.
#[test]
fn review_plan_judges_the_wait_alone_and_refuses_scaling_pools() {
    let capped = "\"pool.builders.count\" = [1, 2, 3, 4, 5, 6]\n";
    let src = format!(
        "{}\n[sweep]\n{capped}",
        SWEEP_BASE.replace(
            "wait_p95 = \"10m\"",
            "wait_p95 = \"10m\"\nmax_cost_per_day = 75.0"
        )
    );
    let (dir, path) = write_scenario(&src, "capped.toml");
    let point = |cmd: &str| {
        let out = poolcast()
            .arg(cmd)
            .arg(&path)
            .args(["--format", "json", "--quiet", "--out"])
            .arg(dir.path().join(cmd))
            .output()
            .expect("runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
        (
            v["recommendations"][0]["recommended"]["point"].clone(),
            v["recommendations"][0]["runner_up"]["point"].clone(),
        )
    };
    let (plan_best, plan_next) = point("plan");
    let (sweep_best, sweep_next) = point("sweep");
    assert!(plan_best.is_number(), "plan found nothing");
    assert_eq!((plan_best, plan_next), (sweep_best, sweep_next));
    let scaled = SWEEP_BASE.replace(
        "count = 2",
        "count = 2\nscaling = { policy = \"queue\", max = 4 }",
    );
    let (_d, path) = write_scenario(
        &format!("{scaled}\n[sweep]\n\"pool.builders.count\" = [1, 2]\n"),
        "scaled.toml",
    );
    refuses("plan", &path, "fixed pools only");
}

/// merge refuses shards of another sweep (another seed) and damaged rows.
#[test]
fn review_merge_refuses_foreign_shards() {
    let (dir, path) = sweep_of("\"pool.builders.count\" = [1, 2, 3, 4]\n");
    let shard = |k: u32, seed: &str| {
        let out = dir.path().join(format!("s{k}-{seed}"));
        poolcast()
            .arg("sweep")
            .arg(&path)
            .args(["--shard", &format!("{k}/2"), "--seed", seed, "-q", "--out"])
            .arg(&out)
            .assert()
            .success();
        out.join("sweep.csv")
    };
    let (a, b) = (shard(1, "1"), shard(2, "2"));
    poolcast()
        .arg("merge")
        .arg(&a)
        .arg(&b)
        .arg("--out")
        .arg(dir.path().join("m"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("another sweep"));
}

/// --precision needs two replications before it can judge an interval.
#[test]
fn review_precision_never_stops_at_one_replication() {
    let (dir, path) = sweep_of("\"pool.builders.count\" = [2, 3]\n");
    let out = dir.path().join("out");
    poolcast()
        .arg("sweep")
        .arg(&path)
        .args([
            "--replications",
            "1",
            "--precision",
            "0.2",
            "--max-replications",
            "8",
            "-q",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success();
    let csv = std::fs::read_to_string(out.join("sweep.csv")).expect("sweep.csv");
    let mut r = csv::Reader::from_reader(csv.as_bytes());
    for rec in r.records() {
        let n: u32 = rec.expect("a row")[2].parse().expect("replications");
        assert!(n >= 2, "a point stopped at {n} replication");
    }
}

/// check with no run at all: there is no wait to judge, and the one SLO
/// judge meets nothing without evidence (issue 11: one rule for check,
/// the table and sweeps).
#[test]
fn issue_11_check_without_runs_cannot_meet_a_wait_objective() {
    let (dir, path) = write_scenario(
        "[simulation]\nhorizon = \"1d\"\nreplications = 2\n\n[[workload]]\nname = \"never\"\npool = \"default\"\narrival = { process = \"cron\", schedule = \"0 0 1 1 *\" }\nduration = { dist = \"constant\", value = \"1m\" }\n\n[slo]\nwait_p95 = \"5m\"\n",
        "never.toml",
    );
    poolcast()
        .arg("check")
        .arg(&path)
        .args(["-q", "--out"])
        .arg(dir.path().join("out"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "MISSED: wait p95 <= 5.00 min: undefined (no run arrived in the observed window)",
        ));
}

/// Issue 16: an error names the file once and quotes the operating
/// system's message once, however deep the chain that carries it: a
/// missing scenario, durations file, trace, runs file, shard description
/// and step-summary folder.
#[test]
fn issue_16_os_messages_are_said_once() {
    let dir = tempfile::tempdir().expect("dir");
    let d = dir.path();
    let scenario =
        |name: &str, workload: &str| crate::support::workload_scenario(d, name, workload);
    let durations = scenario(
        "durations.toml",
        "arrival = { process = \"poisson\", rate = \"1/h\" }\nduration = { dist = \"empirical\", file = \"gone.txt\" }",
    );
    let trace = scenario(
        "trace.toml",
        "arrival = { process = \"trace\", file = \"gone.csv\" }",
    );
    let ok = scenario(
        "ok.toml",
        "arrival = { process = \"poisson\", rate = \"1/h\" }\nduration = { dist = \"constant\", value = \"1m\" }\n\n[slo]\nwait_p95 = \"5m\"",
    );
    std::fs::write(d.join("shard.csv"), "point\n").expect("write");
    let missing = "No such file or directory";
    /// Arguments, the file named, and an environment variable.
    type Case<'a> = (Vec<std::ffi::OsString>, &'a str, Option<(&'a str, &'a str)>);
    let cases: Vec<Case> = vec![
        (
            vec!["validate".into(), d.join("gone.toml").into()],
            "gone.toml",
            None,
        ),
        (vec!["validate".into(), durations.into()], "gone.txt", None),
        (vec!["validate".into(), trace.into()], "gone.csv", None),
        (
            vec!["import".into(), d.join("gone.json").into()],
            "gone.json",
            None,
        ),
        (
            vec!["merge".into(), d.join("shard.csv").into()],
            "sweep.json",
            None,
        ),
        (
            vec![
                "check".into(),
                ok.into(),
                "--out".into(),
                d.join("out").into(),
            ],
            "summary.md",
            Some(("GITHUB_STEP_SUMMARY", "/nonexistent/folder/summary.md")),
        ),
    ];
    for (args, file, env) in cases {
        let mut cmd = poolcast();
        cmd.args(&args);
        if let Some((k, v)) = env {
            cmd.env(k, v);
        }
        let out = cmd.output().expect("runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(stderr.matches(missing).count(), 1, "{args:?}: {stderr}");
        assert_eq!(stderr.matches(file).count(), 1, "{args:?}: {stderr}");
    }
}

/// Found by the command fuzzer (`command_fuzz.rs`): `--threads 100000` started
/// threads for minutes and ran nothing (and SIGTERM could not stop it);
/// more than 1,024 is refused at once.
#[test]
fn issue_16_too_many_threads_are_refused() {
    let (_d, path) = write_scenario(
        "[[workload]]\nname = \"ci\"\npool = \"default\"\narrival = { process = \"poisson\", rate = \"1/h\" }\nduration = { dist = \"constant\", value = \"1m\" }\n",
        "t.toml",
    );
    poolcast()
        .arg("run")
        .arg(&path)
        .args(["--threads", "100000", "--outputs", "none"])
        .timeout(std::time::Duration::from_secs(20))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--threads 100000: at most 1024"));
}

/// An error that quotes its cause (a shard's sweep.json that does not
/// parse) says the cause once, not again after the chain's colon.
#[test]
fn a_quoted_cause_is_said_once() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    std::fs::write(dir.path().join("shard.csv"), "point\n").expect("write");
    std::fs::write(dir.path().join("sweep.json"), "{bad").expect("write");
    let out = poolcast()
        .arg("merge")
        .arg(dir.path().join("shard.csv"))
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("not a sweep.json of this poolcast"),
        "{stderr}"
    );
    assert_eq!(
        stderr.matches("key must be a string").count(),
        1,
        "{stderr}"
    );
}

/// Issue 16: the load by hour spreads a cron firing's runs over its jitter,
/// as the stream draws them. A monthly cron of 1,000 runs on 1 February
/// (a Saturday, 09:00) put all of them in "Sat 09:00" (4.17 Erlangs, an
/// unbounded wait on 2 instances) although a 27-day jitter spreads them
/// over the month; spread, no hour carries more than 4/3 of the quietest
/// (27 days cover every hour of the week three or four times).
#[test]
fn issue_16_the_load_by_hour_spreads_a_cron_jitter() {
    let src = |jitter: &str| {
        format!(
            "[simulation]\nhorizon = \"90d\"\nwarmup = \"1h\"\nreplications = 2\nsample_interval = \"1h\"\n\n[[pool]]\nname = \"builders\"\ntier = \"S2\"\ncount = 2\n\n[[workload]]\nname = \"monthly\"\npool = \"builders\"\narrival = {{ process = \"cron\", schedule = \"0 9 1 * *\", tasks = 1000{jitter} }}\nduration = {{ dist = \"constant\", value = \"1m\" }}\n"
        )
    };
    let busiest = |jitter: &str| {
        let (_dir, path) = write_scenario(&src(jitter), "monthly.toml");
        let v = crate::support::json_stdout(
            poolcast()
                .arg("estimate")
                .arg(&path)
                .args(["--format", "json"]),
        );
        let pool = &v["pools"][0];
        let loads: Vec<f64> = pool["load_by_hour"]
            .as_array()
            .expect("168 hours")
            .iter()
            .map(|h| h["offered_load"].as_f64().expect("a load"))
            .collect();
        (pool["busiest_hour"]["hour_of_week"].as_u64(), loads)
    };
    let firing_hour = 5 * 24 + 9;
    let (hour, loads) = busiest("");
    // Without jitter the firing is a batch that drains: the firing hour
    // holds its load, and M/M/c's busiest hour (of a steady stream) has
    // none to read.
    assert_eq!(hour, None, "without jitter, a batch, not a stream");
    assert!(loads[firing_hour as usize] > 4.0, "{loads:?}");
    let (hour, loads) = busiest(", jitter = \"27d\"");
    assert_ne!(hour, Some(firing_hour), "the jitter was ignored");
    let (low, high) = loads
        .iter()
        .fold((f64::INFINITY, 0.0f64), |(l, h), &x| (l.min(x), h.max(x)));
    assert!(
        low > 0.0 && high <= low * 4.0 / 3.0 * (1.0 + 1e-9),
        "{loads:?}"
    );
    // The runs are all there: 1,000 over four weeks of one-minute runs.
    let total: f64 = loads.iter().sum();
    let want = 1000.0 * 60.0 / 3600.0 / 4.0;
    assert!(
        (total - want).abs() < 1e-6 * want,
        "{total} Erlang-hours, want {want}"
    );
}
