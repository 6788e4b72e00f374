//! The command line: exit codes, messages that name the key and place, and
//! the JSON contract of DESIGN section 5.

use predicates::prelude::*;

use crate::support::{json_stdout, poolcast, scenarios_dir, write_scenario};

/// A valid scenario; tests break one thing at a time by replacing a line.
const VALID: &str = r#"name = "t"

[simulation]
horizon = "2d"
warmup = "1h"
replications = 2

[[pool]]
name = "builders"
tier = "S2"
count = 2

[[workload]]
name = "ci"
pool = "builders"
arrival = { process = "poisson", rate = "10/h" }
duration = { dist = "lognormal", median = "3m", p95 = "18m" }
memory_gb = 4
timeout = "1h"
"#;

/// Runs `validate` on `VALID` with `from` replaced by `to`; expects exit 2
/// and every `needles` in stderr.
fn rejects(from: &str, to: &str, needles: &[&str]) {
    assert!(
        VALID.contains(from),
        "test bug: {from:?} not in the scenario"
    );
    let (_dir, path) = write_scenario(&VALID.replacen(from, to, 1), "bad.toml");
    let assert = poolcast().arg("validate").arg(&path).assert().code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(
        stderr.contains("bad.toml"),
        "message does not name the file:\n{stderr}"
    );
    for n in needles {
        assert!(stderr.contains(n), "message lacks {n:?}:\n{stderr}");
    }
}

#[test]
fn cli_valid_scenario_validates() {
    let (_dir, path) = write_scenario(VALID, "ok.toml");
    poolcast()
        .arg("validate")
        .arg(&path)
        .assert()
        .success()
        .stdout(predicate::str::contains("valid (1 pool, 1 workload)"));
}

#[test]
fn cli_unknown_key_names_line_and_key() {
    rejects(
        "count = 2",
        "count = 2\ncolour = \"red\"",
        &["bad.toml:12:1", "unknown field `colour`", "expected"],
    );
}

#[test]
fn cli_malformed_toml_reports_line() {
    rejects("count = 2", "count = = 2", &["bad.toml:11:9"]);
}

#[test]
fn cli_unknown_tier() {
    rejects(
        "tier = \"S2\"",
        "tier = \"S4\"",
        &[
            "pool.builders.tier",
            "unknown tier \"S4\"",
            "S1, S2, S3, I6",
            ":10:8",
        ],
    );
}

#[test]
fn cli_negative_rate() {
    rejects(
        "\"10/h\"",
        "\"-10/h\"",
        &["workload.ci.arrival.rate", "positive"],
    );
}

#[test]
fn cli_zero_duration() {
    rejects(
        "median = \"3m\"",
        "median = \"0s\"",
        &["workload.ci.duration.median", "longer than zero"],
    );
}

#[test]
fn cli_warmup_not_below_horizon() {
    rejects(
        "warmup = \"1h\"",
        "warmup = \"3d\"",
        &["simulation.warmup", "shorter than the horizon"],
    );
}

#[test]
fn cli_duplicate_pool_name() {
    rejects(
        "[[workload]]",
        "[[pool]]\nname = \"builders\"\ntier = \"S1\"\n\n[[workload]]",
        &["pool.builders.name", "used twice"],
    );
}

/// Issue 16: pool names differing only by case would write chart files
/// that collide on case-insensitive file systems.
#[test]
fn cli_pool_names_differing_only_by_case() {
    rejects(
        "[[workload]]",
        "[[pool]]\nname = \"Builders\"\ntier = \"S1\"\n\n[[workload]]",
        &[
            "pool.Builders.name",
            "\"builders\" and \"Builders\" differ only by case",
        ],
    );
}

#[test]
fn cli_workload_names_missing_pool() {
    rejects(
        "pool = \"builders\"",
        "pool = \"builderz\"",
        &[
            "workload.ci.pool",
            "no pool is named \"builderz\"",
            "[builders]",
        ],
    );
}

#[test]
fn cli_memory_above_tier() {
    rejects(
        "memory_gb = 4",
        "memory_gb = 12",
        &["workload.ci.memory_gb", "12 GB", "8 GB", "S3 or I6"],
    );
}

#[test]
fn cli_timeout_outside_service_limits() {
    rejects(
        "timeout = \"1h\"",
        "timeout = \"2m\"",
        &["workload.ci.timeout", "5m", "8h"],
    );
    rejects(
        "timeout = \"1h\"",
        "timeout = \"9h\"",
        &["workload.ci.timeout"],
    );
}

#[test]
fn cli_standard_quota_exceeded() {
    rejects(
        "count = 2",
        "count = 5",
        &[
            "quota.standard_vcpu",
            "start with 20 vCPUs",
            "builders 5 x S2 = 20",
            "quota is 16",
            "support request",
        ],
    );
}

#[test]
fn cli_isolated_quota_exceeded() {
    rejects(
        "tier = \"S2\"",
        "tier = \"I6\"",
        &[
            "quota.isolated_vcpu",
            "start with 128 vCPUs",
            "quota is 0",
            "support request",
        ],
    );
}

#[test]
fn cli_reports_every_problem_at_once() {
    let broken = VALID
        .replacen("tier = \"S2\"", "tier = \"S9\"", 1)
        .replacen("\"10/h\"", "\"ten per hour\"", 1)
        .replacen("timeout = \"1h\"", "timeout = \"1m\"", 1);
    let (_dir, path) = write_scenario(&broken, "many.toml");
    poolcast()
        .arg("validate")
        .arg(&path)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("3 problems"))
        .stderr(predicate::str::contains("pool.builders.tier"))
        .stderr(predicate::str::contains("workload.ci.arrival.rate"))
        .stderr(predicate::str::contains("workload.ci.timeout"));
}

#[test]
fn cli_missing_file_is_bad_input() {
    poolcast()
        .args(["run", "no/such/scenario.toml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "cannot read scenario no/such/scenario.toml",
        ));
}

#[test]
fn cli_unwritable_output_fails_before_simulating() {
    let (dir, path) = write_scenario(VALID, "ok.toml");
    let blocker = dir.path().join("a-file");
    std::fs::write(&blocker, "not a folder").expect("write");
    poolcast()
        .arg("run")
        .arg(&path)
        .arg("--out")
        .arg(&blocker)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot write to output folder"))
        .stderr(predicate::str::contains("--out"));
}

#[test]
fn cli_bad_flag_is_usage_error() {
    poolcast()
        .args(["run", "x.toml", "--format", "yaml"])
        .assert()
        .code(2);
    let (_dir, path) = write_scenario(VALID, "ok.toml");
    poolcast()
        .arg("run")
        .arg(&path)
        .args(["--replications", "0"])
        .assert()
        .code(2);
}

#[test]
fn cli_help_lists_commands() {
    poolcast()
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("run"))
        .stdout(predicate::str::contains("validate"))
        .stdout(predicate::str::contains("tiers"));
    poolcast()
        .args(["run", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("--replications"));
}

#[test]
fn cli_clap_definition_is_consistent() {
    use clap::CommandFactory;
    poolcast::cli::Cli::command().debug_assert();
}

#[test]
fn cli_tiers_prints_prices_in_force() {
    poolcast()
        .arg("tiers")
        .assert()
        .success()
        .stdout(predicate::str::contains("S2"))
        .stdout(predicate::str::contains("1.440"))
        .stdout(predicate::str::contains("23.040"));
    let (_dir, path) = write_scenario(
        &VALID.replacen("[[pool]]", "[prices]\nS2 = 0.2\n\n[[pool]]", 1),
        "p.toml",
    );
    poolcast()
        .arg("tiers")
        .arg(&path)
        .assert()
        .success()
        .stdout(predicate::str::contains("0.200"));
}

/// Every key of DESIGN section 5, with `_ci95` beside each metric.
#[test]
fn cli_run_json_has_the_contract_keys() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let v = json_stdout(
        poolcast()
            .arg("run")
            .arg(scenarios_dir().join("default.toml"))
            .args([
                "--replications",
                "3",
                "--format",
                "json",
                "--quiet",
                "--out",
            ])
            .arg(dir.path()),
    );
    assert_eq!(v["scenario"], "team-ci");
    assert_eq!(v["replications"], 3);
    let has = |obj: &serde_json::Value, keys: &[&str], metrics: bool| {
        for k in keys {
            assert!(!obj[k].is_null(), "missing {k} in {obj}");
            if metrics {
                assert!(obj[format!("{k}_ci95")].is_array(), "missing {k}_ci95");
            }
        }
    };
    let pool = &v["pools"][0];
    has(pool, &["name", "tier"], false);
    has(
        pool,
        &[
            "instances_mean",
            "utilization",
            "queue_len_mean",
            "queue_len_max",
            "instance_hours",
            "cost_usd",
            "scale_ups_capped",
        ],
        true,
    );
    let w = &v["workloads"][0];
    has(w, &["name", "pool"], false);
    has(
        w,
        &[
            "arrived",
            "completed",
            "timed_out",
            "waited_fraction",
            "wait_mean_s",
            "wait_p50_s",
            "wait_p90_s",
            "wait_p95_s",
            "wait_p99_s",
            "wait_max_s",
            "run_mean_s",
            "turnaround_mean_s",
            "turnaround_p95_s",
        ],
        true,
    );
    let t = &v["totals"];
    has(
        t,
        &[
            "tasks",
            "cost_usd",
            "cost_per_task_usd",
            "wait_mean_s",
            "wait_p95_s",
        ],
        true,
    );
    assert!(t["slo_met"].is_boolean());
    for f in ["summary.json", "pools.csv", "workloads.csv", "queue.csv"] {
        assert!(dir.path().join(f).is_file(), "{f} not written");
    }
    let queue = std::fs::read_to_string(dir.path().join("queue.csv")).expect("queue.csv");
    assert!(
        queue.starts_with("time_s,time,pool,queue_len,busy,allocated,provisioning\n0,2025-01-06T00:00:00Z,builders,0,0,2,0\n"),
        "{}",
        &queue[..60]
    );
}

#[test]
fn cli_malformed_cron_is_rejected() {
    rejects(
        "arrival = { process = \"poisson\", rate = \"10/h\" }",
        "arrival = { process = \"cron\", schedule = \"61 21 * * *\" }",
        &[
            "workload.ci.arrival.schedule",
            "not a valid cron expression",
            "minute hour",
        ],
    );
    rejects(
        "arrival = { process = \"poisson\", rate = \"10/h\" }",
        "arrival = { process = \"cron\", schedule = \"0 0 21 * * *\" }",
        &["workload.ci.arrival.schedule", "6 fields", "five"],
    );
}

#[test]
fn cli_profile_needs_24_hourly_values() {
    rejects(
        "arrival = { process = \"poisson\", rate = \"10/h\" }",
        "arrival = { process = \"profile\", rate = \"10/h\", hourly = [1, 2, 3] }",
        &["workload.ci.arrival.hourly", "exactly 24 values", "got 3"],
    );
    rejects(
        "arrival = { process = \"poisson\", rate = \"10/h\" }",
        "arrival = { process = \"profile\", rate = \"10/h\", weekly = [1, 1, 1, 1, 1, 0] }",
        &["workload.ci.arrival.weekly", "exactly 7 values"],
    );
}

#[test]
fn cli_key_of_another_process_is_rejected() {
    rejects(
        "arrival = { process = \"poisson\", rate = \"10/h\" }",
        "arrival = { process = \"poisson\", rate = \"10/h\", tasks = 3 }",
        &[
            "workload.ci.arrival.tasks",
            "does not apply to a poisson arrival",
            "{rate}",
        ],
    );
}

/// Replaces the arrival with a trace of `file`, written with `contents`
/// (or not written at all), and expects the messages.
fn rejects_trace(contents: Option<&[u8]>, needles: &[&str]) {
    let src = VALID
        .replacen(
            "arrival = { process = \"poisson\", rate = \"10/h\" }",
            "arrival = { process = \"trace\", file = \"runs.csv\" }",
            1,
        )
        .replacen(
            "duration = { dist = \"lognormal\", median = \"3m\", p95 = \"18m\" }\n",
            "",
            1,
        );
    let (dir, path) = write_scenario(&src, "bad.toml");
    if let Some(c) = contents {
        std::fs::write(dir.path().join("runs.csv"), c).expect("write");
    }
    let assert = poolcast().arg("validate").arg(&path).assert().code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    for n in needles.iter().chain(&["workload.ci.arrival.file"]) {
        assert!(stderr.contains(n), "message lacks {n:?}:\n{stderr}");
    }
}

#[test]
fn cli_bad_traces_are_rejected_with_file_and_row() {
    rejects_trace(
        None,
        &["runs.csv", "cannot open", "relative to the scenario file"],
    );
    rejects_trace(Some(b"\x00\x01\x02binary"), &["not text"]);
    rejects_trace(
        Some(b"time,duration\n60,30\n10,30\n"),
        &["runs.csv: run 3", "sort the file"],
    );
    rejects_trace(
        Some(b"time,duration\n60,-30\n"),
        &["run 2", "the duration must be"],
    );
    rejects_trace(
        Some(b"time,duration\nyesterday,30\n"),
        &["run 2", "the time is neither seconds"],
    );
    rejects_trace(
        Some(b"[{\"createTime\": 5}]"),
        &["not a list-runs JSON export"],
    );
    rejects_trace(
        Some(b"time,duration\n2024-01-01T00:00:00Z,30\n"),
        &["none of the 1 runs", "start = \"2024-01-01T00:00:00Z\""],
    );
}

#[test]
fn cli_refuses_rates_that_would_stop_the_clock() {
    rejects(
        "\"10/h\"",
        "\"1/1ns\"",
        &["workload.ci.arrival", "above the limit of 1000"],
    );
    rejects(
        "timeout = \"1h\"",
        "timeout = \"1h\"\nrate_scale = 1e6",
        &["workload.ci.arrival", "rate_scale included"],
    );
}

#[test]
fn cli_refuses_scenarios_with_too_many_runs() {
    rejects(
        "horizon = \"2d\"",
        "horizon = \"100000000d\"\nsample_interval = \"1000000d\"",
        &["more than the limit of 1e9", "shorten"],
    );
}

#[test]
fn cli_scenario_name_cannot_escape_the_output_folder() {
    rejects(
        "name = \"t\"",
        "name = \"../../etc\"",
        &["name", "letters, digits"],
    );
}

#[test]
fn cli_tiers_formats() {
    let v = json_stdout(poolcast().args(["tiers", "--format", "json"]));
    assert_eq!(v["tiers"][1]["tier"], "S2");
    assert_eq!(v["tiers"][1]["usd_per_instance_hour"], 1.44);
    assert_eq!(v["quota"]["standard_vcpu"], 16);
    poolcast()
        .args(["tiers", "--format", "csv"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with(
            "tier,kind,vcpu,memory_gb,usd_per_instance_hour\nS1,standard,2,3,0.72\n",
        ));
}

/// One replication has no interval, and no `[slo]` means `slo_met` is null.
#[test]
fn cli_json_without_slo_or_replications() {
    let (dir, path) = write_scenario(VALID, "ok.toml");
    let v = json_stdout(
        poolcast()
            .arg("run")
            .arg(&path)
            .args([
                "--replications",
                "1",
                "--format",
                "json",
                "--quiet",
                "--out",
            ])
            .arg(dir.path().join("out")),
    );
    assert!(v["totals"]["slo_met"].is_null());
    assert!(v["totals"].get("wait_mean_s_ci95").is_none());
    assert!(
        v["workloads"][0]
            .get("wait_p95_s")
            .is_some_and(|x| x.is_number())
    );
    assert!(v["pools"][0].get("cost_usd_ci95").is_none());
}

#[test]
fn cli_csv_format_prints_long_metrics() {
    let (dir, path) = write_scenario(VALID, "ok.toml");
    let out = poolcast()
        .arg("run")
        .arg(&path)
        .args(["--replications", "2", "--format", "csv", "--quiet", "--out"])
        .arg(dir.path().join("out"))
        .output()
        .expect("runs");
    let text = String::from_utf8(out.stdout).expect("UTF-8");
    assert!(
        text.starts_with(
            "scope,name,metric,mean,ci95_low,ci95_high\npool,builders,instances_mean,2,2,2\n"
        ),
        "{text}"
    );
    assert!(text.contains("\nworkload,ci,wait_p95_s,"));
    assert!(text.contains("\ntotals,all,cost_per_task_usd,"));
}

#[test]
fn cli_scaling_policies_are_validated() {
    rejects(
        "count = 2",
        "scaling = { policy = \"autoscale\" }",
        &[
            "pool.builders.scaling.policy",
            "\"fixed\", \"schedule\" or \"queue\"",
        ],
    );
    rejects(
        "count = 2",
        "scaling = { policy = \"queue\", min = 3, max = 2 }",
        &["pool.builders.scaling.max", "below min"],
    );
    rejects(
        "count = 2",
        "scaling = { policy = \"queue\", max = 2, rules = [] }",
        &[
            "pool.builders.scaling.rules",
            "does not apply to the queue policy",
        ],
    );
    rejects(
        "count = 2",
        "scaling = { policy = \"schedule\", rules = [{ cron = \"0 25 * * *\", count = 2 }] }",
        &[
            "pool.builders.scaling.rules[0].cron",
            "not a valid cron expression",
        ],
    );
    rejects(
        "count = 2",
        "count = 2\nscale_in = \"kill\"",
        &["pool.builders.scale_in", "\"drain\""],
    );
}

#[test]
fn cli_scaling_minimums_count_against_the_quota() {
    rejects(
        "count = 2",
        "scaling = { policy = \"queue\", min = 5, max = 6 }",
        &["quota.standard_vcpu", "start with 20 vCPUs"],
    );
}

/// The analytic baseline: Erlang C beside the simulation, and `estimate`
/// alone; it says plainly when it does not apply.
#[test]
fn cli_analytic_baseline_in_run_and_estimate() {
    let v = json_stdout(
        poolcast()
            .args(["estimate", "--format", "json"])
            .arg(scenarios_dir().join("default.toml")),
    );
    let a = &v["pools"][0]["analytic"];
    assert_eq!(a["applies"], true, "{a}");
    // 18/h x 3.8 min of S2 run time on 2 instances.
    let load = a["offered_load"].as_f64().expect("a load");
    assert!((load - 1.14).abs() < 0.01, "{load}");
    let p = a["mmc_wait_probability"].as_f64().expect("a probability");
    assert!((p - poolcast::forecast::erlang_c(2, load)).abs() < 1e-12);
    let v = json_stdout(
        poolcast()
            .args(["estimate", "--format", "json"])
            .arg(scenarios_dir().join("nightly.toml")),
    );
    assert_eq!(v["pools"][0]["analytic"]["applies"], false);
    assert!(
        v["pools"][0]["analytic"]["reason"]
            .as_str()
            .expect("a reason")
            .contains("cron schedule, not Poisson")
    );
    assert!(v["pools"][0]["analytic"]["mmc_wait_mean_s"].is_null());
    let (dir, path) = write_scenario(VALID, "ok.toml");
    let v = json_stdout(
        poolcast()
            .arg("run")
            .arg(&path)
            .args([
                "--replications",
                "2",
                "--format",
                "json",
                "--quiet",
                "--out",
            ])
            .arg(dir.path().join("out")),
    );
    assert!(v["pools"][0]["analytic"]["allen_cunneen_wait_mean_s"].is_number());
    poolcast()
        .args(["estimate", "--format", "csv"])
        .arg(&path)
        .assert()
        .success()
        .stdout(predicate::str::starts_with("pool,tier,count,offered_load"));
    poolcast()
        .args(["validate", "--format", "json"])
        .arg(&path)
        .assert()
        .success()
        .stdout(predicate::str::contains("\"valid\":true"));
}

/// Issue 16 (finding 10): the guide (`docs/commands.md`) says `-q` is accepted by every
/// command that prints notes; `init -q` was refused. It now silences the
/// "wrote" note, and only that.
#[test]
fn init_takes_quiet() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let out = dir.path().join("team.toml");
    let noisy = poolcast()
        .args(["init", "--out"])
        .arg(&out)
        .output()
        .expect("poolcast runs");
    assert!(noisy.status.success());
    assert!(String::from_utf8_lossy(&noisy.stderr).starts_with("wrote "));
    let quiet = poolcast()
        .args(["init", "-q", "--force", "--out"])
        .arg(&out)
        .output()
        .expect("poolcast runs");
    assert!(quiet.status.success(), "{quiet:?}");
    assert!(quiet.stderr.is_empty(), "{quiet:?}");
    assert!(std::fs::read_to_string(&out).unwrap().contains("[[pool]]"));
}
