//! Sweeps, shards and merge, plan, and the CI gate `check`.

use std::path::Path;

use predicates::prelude::*;

use crate::support::{poolcast, refuses, run_into, scenarios_dir, write_scenario};

fn scenario(name: &str) -> String {
    scenarios_dir().join(name).display().to_string()
}

fn read(dir: &Path, file: &str) -> String {
    std::fs::read_to_string(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"))
}

/// Rows of a CSV as maps from header to cell.
fn rows(csv_text: &str) -> Vec<std::collections::HashMap<String, String>> {
    let mut r = csv::Reader::from_reader(csv_text.as_bytes());
    let headers = r.headers().expect("a header").clone();
    r.records()
        .map(|rec| {
            let rec = rec.expect("a row");
            headers
                .iter()
                .map(String::from)
                .zip(rec.iter().map(String::from))
                .collect()
        })
        .collect()
}

#[test]
fn sweep_lists_over_quota_points_as_infeasible_and_runs_the_rest() {
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let dir = run_into(
        tmp.path(),
        &["sweep", &scenario("plan-tiers.toml"), "--replications", "3"],
    );
    let table = rows(&read(&dir, "sweep.csv"));
    assert_eq!(table.len(), 18, "3 tiers x 6 counts");
    for row in &table {
        let (tier, count) = (
            &row["param_pool.builders.tier"],
            row["param_pool.builders.count"]
                .parse::<u32>()
                .expect("a count"),
        );
        let vcpu = count
            * match tier.as_str() {
                "S1" => 2,
                "S2" => 4,
                _ => 8,
            };
        if vcpu > 16 {
            assert_eq!(row["feasible"], "false", "{tier} x {count}");
            assert!(row["reason"].contains("quota is 16"), "{}", row["reason"]);
            assert_eq!(row["replications"], "0");
            assert_eq!(row["cost_usd"], "", "an infeasible point is not run");
        } else {
            assert_eq!(
                row["feasible"], "true",
                "{tier} x {count}: {}",
                row["reason"]
            );
            assert_eq!(row["replications"], "3");
            assert!(row["cost_usd"].parse::<f64>().expect("a cost") > 0.0);
        }
    }
    let infeasible = table.iter().filter(|r| r["feasible"] == "false").count();
    assert_eq!(infeasible, 2 + 4, "S2 x 6 and 8; S3 x 3, 4, 6 and 8");
}

#[test]
fn sweep_output_does_not_depend_on_threads() {
    let (a, b) = (
        tempfile::tempdir().expect("dir"),
        tempfile::tempdir().expect("dir"),
    );
    let sweep = scenario("sweep-tiers.toml");
    run_into(
        a.path(),
        &["sweep", &sweep, "--replications", "4", "--threads", "1"],
    );
    run_into(
        b.path(),
        &["sweep", &sweep, "--replications", "4", "--threads", "2"],
    );
    for f in ["sweep.csv", "pareto.csv", "recommendation.json"] {
        assert_eq!(
            read(a.path(), f),
            read(b.path(), f),
            "{f} differs between 1 and 2 threads"
        );
    }
}

/// Runs `sweep` whole and in three shards merged, with 3 replications:
/// the merge writes what the whole sweep writes, byte for byte. Returns
/// the merge's folder and a shard's.
fn merged_equals_whole(sweep: &str) -> (tempfile::TempDir, tempfile::TempDir) {
    let whole = tempfile::tempdir().expect("dir");
    run_into(whole.path(), &["sweep", sweep, "--replications", "3"]);
    let mut shards: Vec<tempfile::TempDir> =
        (1..=3).map(|_| tempfile::tempdir().expect("dir")).collect();
    for (k, dir) in shards.iter().enumerate() {
        run_into(
            dir.path(),
            &[
                "sweep",
                sweep,
                "--replications",
                "3",
                "--shard",
                &format!("{}/3", k + 1),
            ],
        );
        assert!(
            !dir.path().join("recommendation.json").exists(),
            "a shard recommends nothing"
        );
    }
    let merged = tempfile::tempdir().expect("dir");
    let mut args = vec!["merge".to_string()];
    args.extend(
        shards
            .iter()
            .rev()
            .map(|d| d.path().join("sweep.csv").display().to_string()),
    );
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    run_into(merged.path(), &args);
    for f in [
        "sweep.csv",
        "pareto.csv",
        "recommendation.json",
        "sweep.json",
    ] {
        assert_eq!(
            read(whole.path(), f),
            read(merged.path(), f),
            "merged {f} differs"
        );
    }
    (merged, shards.swap_remove(0))
}

#[test]
fn merged_shards_equal_the_whole_sweep() {
    let (merged, first) = merged_equals_whole(&scenario("sweep-tiers.toml"));
    // A missing shard is an error, not a smaller sweep.
    poolcast()
        .arg("merge")
        .arg(first.path().join("sweep.csv"))
        .arg("--out")
        .arg(merged.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("in no shard"));
}

#[test]
fn merged_shards_equal_the_whole_sweep_judged_per_hour() {
    // Two wait objectives judged per hour: the whole sweep's rows keep
    // every judged column (`judged_columns`), as the merge reads them back
    // from sweep.csv; recommendation.json names each objective's worst
    // hour and the hours alike to it in both.
    let src = std::fs::read_to_string(scenarios_dir().join("objectives.toml")).expect("read");
    let src = src
        .replace(
            "[slo.workloads.nightly]\n",
            "[slo.workloads.nightly]\nper = \"hour\"\n",
        )
        .replace("[slo]\n", "[slo]\nper = \"hour\"\n");
    let (_dir, path) = write_scenario(&src, "hourly.toml");
    let (merged, _) = merged_equals_whole(&path.display().to_string());
    let rec: serde_json::Value =
        serde_json::from_str(&read(merged.path(), "recommendation.json")).expect("JSON");
    let text = rec.to_string();
    assert!(text.contains("\"per\":\"hour\""), "{text}");
    assert!(!text.contains("\"worst_hour\":null"), "{text}");
}

fn recommended_point(dir: &Path) -> u64 {
    let v: serde_json::Value =
        serde_json::from_str(&read(dir, "recommendation.json")).expect("JSON");
    v["recommendations"][0]["recommended"]["point"]
        .as_u64()
        .expect("a recommended point")
}

#[test]
fn plan_agrees_with_the_brute_force_sweep() {
    for name in ["plan-tiers.toml", "plan-workday.toml"] {
        let (p, s) = (
            tempfile::tempdir().expect("dir"),
            tempfile::tempdir().expect("dir"),
        );
        run_into(p.path(), &["plan", &scenario(name)]);
        run_into(s.path(), &["sweep", &scenario(name)]);
        assert_eq!(
            recommended_point(p.path()),
            recommended_point(s.path()),
            "{name}"
        );
        let planned = rows(&read(p.path(), "plan.csv")).len();
        let grid = rows(&read(s.path(), "sweep.csv"))
            .iter()
            .filter(|r| r["feasible"] == "true")
            .count();
        assert!(
            planned < grid,
            "{name}: plan ran {planned} points of {grid}"
        );
    }
}

#[test]
fn check_gates_on_the_slo() {
    let tmp = tempfile::tempdir().expect("dir");
    let summary = tmp.path().join("step-summary.md");
    poolcast()
        .args([
            "check",
            &scenario("default.toml"),
            "--replications",
            "3",
            "--quiet",
            "--out",
        ])
        .arg(tmp.path())
        .env("GITHUB_STEP_SUMMARY", &summary)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "check MISSED: wait p95 <= 5.00 min",
        ));
    assert!(read(tmp.path(), "step-summary.md").contains("| wait p95 <= 5.00 min |"));
    poolcast()
        .args([
            "check",
            &scenario("scaling-schedule.toml"),
            "--replications",
            "3",
            "--quiet",
            "--out",
        ])
        .arg(tmp.path())
        .assert()
        .code(0)
        .stderr(predicate::str::contains("check met: wait p95"));
    poolcast()
        .args([
            "check",
            &scenario("workday.toml").replace("workday", "no-such"),
        ])
        .assert()
        .code(2);
}

#[test]
fn precision_adds_replications_until_intervals_are_tight() {
    let tmp = tempfile::tempdir().expect("dir");
    let dir = run_into(
        tmp.path(),
        &[
            "sweep",
            &scenario("plan-workday.toml"),
            "--replications",
            "3",
            "--precision",
            "0.1",
            "--max-replications",
            "24",
        ],
    );
    let table = rows(&read(&dir, "sweep.csv"));
    let mut grew = false;
    for row in &table {
        let n: u32 = row["replications"].parse().expect("replications");
        grew |= n > 3;
        if n < 24 {
            for m in ["cost_usd", "wait_p95_s"] {
                let mean: f64 = row[m].parse().expect("a mean");
                let hw = match (
                    row[&format!("{m}_ci95_low")].parse::<f64>(),
                    row[&format!("{m}_ci95_high")].parse::<f64>(),
                ) {
                    (Ok(lo), Ok(hi)) => (hi - lo) / 2.0,
                    _ => 0.0,
                };
                assert!(
                    hw <= 0.1 * mean.abs() + 1e-9,
                    "point {}: {m} ±{hw} around {mean} after {n}",
                    row["point"]
                );
            }
        }
    }
    assert!(
        grew,
        "no point needed more than 3 replications: the test shows nothing"
    );
}

#[test]
fn developer_waiting_cost_changes_the_recommendation() {
    let src = std::fs::read_to_string(scenarios_dir().join("plan-workday.toml")).expect("read");
    let (_d1, cheap) = write_scenario(
        &src.replace("wait_p95 = \"10m\"", "wait_p95 = \"30m\""),
        "cheap.toml",
    );
    let (_d2, costly) = write_scenario(
        &src.replace(
            "wait_p95 = \"10m\"",
            "wait_p95 = \"30m\"\ndeveloper_cost_per_hour = 75.0",
        ),
        "costly.toml",
    );
    let (a, b) = (
        tempfile::tempdir().expect("dir"),
        tempfile::tempdir().expect("dir"),
    );
    run_into(a.path(), &["sweep", &cheap.display().to_string()]);
    run_into(b.path(), &["sweep", &costly.display().to_string()]);
    let (pa, pb) = (recommended_point(a.path()), recommended_point(b.path()));
    assert!(
        pb > pa,
        "with waiting priced in, more instances should win: {pa} vs {pb}"
    );
    assert!(read(b.path(), "recommendation.json").contains("compute plus waiting cost"));
}

#[test]
fn sweep_axes_are_validated() {
    let base = "[[pool]]\nname = \"builders\"\ntier = \"S1\"\n\n[[workload]]\nname = \"ci\"\npool = \"builders\"\narrival = { process = \"poisson\", rate = \"5/h\" }\nduration = { dist = \"constant\", value = \"1m\" }\n";
    for (sweep, needle) in [
        ("", "has no [sweep]"),
        (
            "[sweep]\n\"pool.nope.count\" = [1, 2]\n",
            "no pool is named \"nope\"",
        ),
        (
            "[sweep]\n\"pool.builders.count\" = { from = 1, to = 1000000 }\n",
            "needs `step`",
        ),
        (
            "[sweep]\n\"pool.builders.count\" = { from = 1, to = 400, step = 1 }\n\"workload.ci.rate_scale\" = { from = 1, to = 400, step = 1 }\n",
            "more than 100000",
        ),
        (
            "[sweep]\n\"pool.builders.count\" = []\n",
            "at least one value",
        ),
        // A condition is named by its value; a choice may repeat.
        (
            "[sweep]\n\"pool.builders.count\" = [1, 2, 1]\n\"workload.ci.rate_scale\" = [1, 1.0, 2]\n",
            "sweep.\"workload.ci.rate_scale\": lists 1 twice; a condition axis names each condition by its value",
        ),
    ] {
        let (_dir, path) = write_scenario(&format!("{base}\n{sweep}"), "s.toml");
        refuses("sweep", &path, needle);
    }
}

#[test]
fn sweep_ranges_do_not_drift() {
    let base = "[simulation]\nhorizon = \"1d\"\nreplications = 2\n\n[[pool]]\nname = \"builders\"\ntier = \"S1\"\n\n[[workload]]\nname = \"ci\"\npool = \"builders\"\narrival = { process = \"poisson\", rate = \"5/h\" }\nduration = { dist = \"constant\", value = \"1m\" }\n\n[sweep]\n\"workload.ci.rate_scale\" = { from = 0.1, to = 0.7, step = 0.1 }\n";
    let (_dir, path) = write_scenario(base, "s.toml");
    let tmp = tempfile::tempdir().expect("dir");
    run_into(tmp.path(), &["sweep", &path.display().to_string()]);
    let values: Vec<String> = rows(&read(tmp.path(), "sweep.csv"))
        .iter()
        .map(|r| r["param_workload.ci.rate_scale"].clone())
        .collect();
    assert_eq!(values, ["0.1", "0.2", "0.3", "0.4", "0.5", "0.6", "0.7"]);
}

/// Issue 12: a recommendation within 10% of an objective is called
/// fragile, by sweep and by plan; plan warns about few replications too.
#[test]
fn issue_12_fragile_recommendations_are_warned() {
    // One S1 costs USD 17.28 a day: 96% of an 18-dollar cap.
    let src = "name = \"fragile\"\n[simulation]\nhorizon = \"1d\"\nwarmup = \"1h\"\nreplications = 3\n\n[[pool]]\nname = \"builders\"\ntier = \"S1\"\n\n[[workload]]\nname = \"ci\"\npool = \"builders\"\narrival = { process = \"poisson\", rate = \"1/h\" }\nduration = { dist = \"constant\", value = \"1m\" }\n\n[slo]\nwait_p95 = \"1h\"\nmax_cost_per_day = 18.0\n\n[sweep]\n\"pool.builders.count\" = [1, 2, 3]\n";
    let (dir, path) = crate::support::write_scenario(src, "fragile.toml");
    for cmd in ["sweep", "plan"] {
        let out = poolcast()
            .arg(cmd)
            .arg(&path)
            .arg("--out")
            .arg(dir.path().join(cmd))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{stderr}");
        assert!(
            stderr.contains("upper 95% bound of USD 17.28 against cost <= USD 18.00 per day: within 10% of the objective"),
            "{cmd}: {stderr}"
        );
        assert!(
            stderr.contains("fewer than 5 replications"),
            "{cmd}: {stderr}"
        );
    }
}

/// Issue 16: merge enforces the point limit of a sweep.
#[test]
fn issue_16_merge_refuses_more_points_than_a_sweep_may_have() {
    merge_refuses_an_edited_sweep_json(
        |v| v["points"] = serde_json::json!(100_001),
        "more than the limit of 100000",
    );
}

/// `sweep-tiers.toml` as one shard, its `sweep.json` changed by `edit`:
/// merge refuses it (exit 2), saying `message`.
fn merge_refuses_an_edited_sweep_json(edit: impl FnOnce(&mut serde_json::Value), message: &str) {
    let dir = tempfile::tempdir().expect("dir");
    let sweep = scenario("sweep-tiers.toml");
    run_into(
        dir.path(),
        &["sweep", &sweep, "--replications", "2", "--shard", "1/1"],
    );
    let meta = dir.path().join("sweep.json");
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&meta).unwrap()).unwrap();
    edit(&mut v);
    std::fs::write(&meta, v.to_string()).unwrap();
    poolcast()
        .arg("merge")
        .arg(dir.path().join("sweep.csv"))
        .arg("--out")
        .arg(dir.path().join("merged"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains(message));
}

/// The points of a sweep share one read and one copy of a durations file:
/// each held its own before, 15.8 GB for 2,000 points over 10^6 values.
#[test]
fn sweep_points_share_one_copy_of_a_durations_file() {
    use poolcast::workload::DurationDist;
    let tmp = tempfile::tempdir().expect("a temporary folder");
    std::fs::write(tmp.path().join("durations.txt"), "60\n120\n300\n").expect("write");
    let path = tmp.path().join("shared.toml");
    let src = r#"
[[pool]]
name = "builders"
tier = "S1"
count = 1

[[workload]]
name = "ci"
pool = "builders"
arrival = { process = "poisson", rate = "6/h" }
duration = { dist = "empirical", file = "durations.txt" }

[sweep]
"pool.builders.count" = [1, 2, 3]
"#;
    let spec = poolcast::scenario::sweep_spec(src, &path)
        .expect("a valid sweep")
        .expect("a [sweep]");
    let values: Vec<std::sync::Arc<poolcast::workload::Recorded>> =
        poolcast::scenario::expand(&spec, src, &path, Default::default())
            .into_iter()
            .map(
                |p| match &p.scenario.expect("feasible").workloads[0].duration {
                    DurationDist::Empirical { values } => values.clone(),
                    other => panic!("not empirical: {other:?}"),
                },
            )
            .collect();
    assert_eq!(values.len(), 3);
    assert_eq!(values[0].values(), &[60.0, 120.0, 300.0]);
    assert!(
        values.iter().all(|v| std::sync::Arc::ptr_eq(v, &values[0])),
        "every point must share the first point's values"
    );
}

/// Issue 16: the merge fingerprint covers everything that changes a
/// point's result, and each shard's rows carry a checksum. Shards run with
/// another `--precision`, or against a changed durations file, are of
/// another sweep (`--max-replications` alone changes nothing: see
/// `merge::merge_says_what_differs_and_ignores_max_replications_alone`);
/// an edited `sweep.csv` is refused.
#[test]
fn issue_16_merge_refuses_shards_that_differ_in_what_changes_results() {
    let dir = tempfile::tempdir().expect("dir");
    let times = dir.path().join("times.txt");
    std::fs::write(&times, "5m\n6m\n7m\n").unwrap();
    let path = dir.path().join("s.toml");
    std::fs::write(
        &path,
        "[simulation]\nhorizon = \"1d\"\nwarmup = \"1h\"\nreplications = 2\n\n[[pool]]\nname = \"builders\"\ntier = \"S1\"\n\n[[workload]]\nname = \"ci\"\npool = \"builders\"\narrival = { process = \"poisson\", rate = \"4/h\" }\nduration = { dist = \"empirical\", file = \"times.txt\" }\n\n[sweep]\n\"pool.builders.count\" = [1, 2, 3, 4]\n",
    )
    .unwrap();
    let shard = |k: u32, name: &str, extra: &[&str]| {
        crate::support::sweep_shard(&path, k, 2, &dir.path().join(name), extra)
    };
    let merge = |a: &Path, b: &Path| {
        let mut cmd = poolcast();
        cmd.arg("merge")
            .arg(a)
            .arg(b)
            .arg("--out")
            .arg(dir.path().join("merged"));
        cmd
    };
    let first = shard(1, "first", &[]);
    let second = shard(2, "second", &[]);
    merge(&first, &second).assert().success();
    for (name, extra) in [
        ("precision", &["--precision", "0.1"][..]),
        (
            "max-reps",
            &["--precision", "0.1", "--max-replications", "20"][..],
        ),
    ] {
        let other = shard(2, name, extra);
        merge(&first, &other)
            .assert()
            .code(2)
            .stderr(predicate::str::contains("another sweep"));
    }
    std::fs::write(&times, "5m\n6m\n8m\n").unwrap();
    let changed = shard(2, "changed", &[]);
    merge(&first, &changed)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("another sweep"));
    // One cell edited by hand: the rows no longer match their checksum.
    let text = std::fs::read_to_string(&second).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let row = &mut lines[1];
    let cut = row
        .rfind(",true,")
        .or_else(|| row.rfind(",false,"))
        .expect("a row");
    row.insert(cut, '1');
    std::fs::write(&second, lines.join("\n") + "\n").unwrap();
    merge(&first, &second)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "the rows do not match the checksum in sweep.json",
        ));
}

/// The memory budget counts a durations file the points share once: 2,000
/// points over 10^6 values were refused at "14.9 GiB" (2,000 copies) for
/// data that takes 8 MB.
#[test]
fn the_memory_budget_counts_a_shared_durations_file_once() {
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let values: String = (1..=100_000)
        .map(|i| format!("{}\n", 60 + i % 600))
        .collect();
    std::fs::write(tmp.path().join("durations.txt"), values).expect("write");
    let path = tmp.path().join("budget.toml");
    std::fs::write(
        &path,
        r#"
[simulation]
horizon = "1h"
warmup = "0s"
replications = 2

[[pool]]
name = "builders"
tier = "S1"
count = 1

[[workload]]
name = "ci"
pool = "builders"
arrival = { process = "poisson", rate = "6/h" }
duration = { dist = "empirical", file = "durations.txt" }

[slo]
wait_p95 = "5m"

[sweep]
"pool.builders.count" = { from = 1, to = 200, step = 1 }
"#,
    )
    .expect("write");
    // 200 copies of 10^5 values would be 610 MiB; one is 3.1 MiB (the
    // values, and the sorted copy with running sums the baseline reads).
    let out = poolcast()
        .args(["sweep", "--max-memory", "64MiB", "-q", "--outputs", "none"])
        .arg(&path)
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let refused = poolcast()
        .args(["sweep", "--max-memory", "512KiB", "-q", "--outputs", "none"])
        .arg(&path)
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("empirical run times: 100000 values x 32 B"),
        "{stderr}"
    );
}

/// A fine workload axis makes a condition per point: the terminal, the
/// report and the charts show a bounded number of them (20,000 conditions
/// made 42,000 lines and a 455 MB SVG), the files every one.
#[test]
fn many_conditions_are_listed_and_drawn_in_bounded_numbers() {
    let (dir, path) = write_scenario(
        r#"
name = "conditions"
[simulation]
horizon = "2h"
warmup = "0s"
replications = 2
[[pool]]
name = "builders"
tier = "S2"
count = 2
[[workload]]
name = "ci"
pool = "builders"
arrival = { process = "poisson", rate = "12/h" }
duration = { dist = "lognormal", median = "3m", p95 = "9m" }
[slo]
wait_p95 = "30m"
[sweep]
"pool.builders.count" = [1, 2]
"workload.ci.rate_scale" = { from = 0.1, to = 3.0, step = 0.1 }
"#,
        "conditions.toml",
    );
    let out = dir.path().join("out");
    let run = poolcast()
        .args(["sweep", "-q", "--out"])
        .arg(&out)
        .arg(&path)
        .output()
        .expect("runs");
    assert!(run.status.success());
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert_eq!(
        stdout.lines().filter(|l| l.starts_with("when ")).count(),
        20
    );
    assert!(
        stdout.contains("... and 10 more conditions: every one is in recommendation.json"),
        "{stdout}"
    );
    let rec: serde_json::Value =
        serde_json::from_str(&read(&out, "recommendation.json")).expect("JSON");
    assert_eq!(rec["recommendations"].as_array().map(Vec::len), Some(30));
    assert_eq!(rows(&read(&out, "sweep.csv")).len(), 60);
    for chart in ["sweep_cost_wait.svg", "sweep_wait_count.svg"] {
        let svg = read(&out, chart);
        assert!(
            svg.contains("(6 of 30 conditions, evenly spaced)"),
            "{chart}"
        );
        // Each panel is captioned with its condition: the first and the
        // last are among the six.
        let captions = svg.matches("workload.ci.rate_scale = ").count();
        assert_eq!(captions, 6, "{chart}");
        assert!(svg.contains("workload.ci.rate_scale = 0.1\n") && svg.contains("= 3\n"));
    }
    // Two counts under 30 conditions: more front points than the report
    // lists.
    let front = rows(&read(&out, "pareto.csv")).len();
    assert!(front > 20, "{front} points on the front");
    let md = read(&out, "summary.md");
    assert!(md.contains(&format!("... and {} more points on the front", front - 20)));
}

/// Many points under one condition: the charts draw at most 250 of them
/// besides the whole front and the recommended point (a sweep of 20,000
/// counts drew 20,000 numbered dots on one panel), picked so that no axis
/// aliases with the pick (every 4th of counts repeating 1..4 drew count 1
/// only), say so on the panel, and `sweep_cost_wait.csv` keeps every one.
#[test]
fn many_points_of_one_condition_are_thinned_without_aliasing() {
    let counts: Vec<String> = (0..1000).map(|i| (1 + i % 4).to_string()).collect();
    let (dir, path) = write_scenario(
        &format!(
            r#"
name = "points"
[simulation]
horizon = "1h"
warmup = "0s"
replications = 2
[[pool]]
name = "builders"
tier = "S2"
count = 2
[[workload]]
name = "ci"
pool = "builders"
arrival = {{ process = "poisson", rate = "30/h" }}
duration = {{ dist = "exponential", mean = "6m" }}
[slo]
wait_p95 = "15m"
[sweep]
"pool.builders.count" = [{}]
"#,
            counts.join(", ")
        ),
        "points.toml",
    );
    let out = dir.path().join("out");
    let run = poolcast()
        .args(["sweep", "-q", "--out"])
        .arg(&out)
        .arg(&path)
        .output()
        .expect("runs");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let csv = rows(&read(&out, "sweep_cost_wait.csv"));
    assert_eq!(csv.len(), 1000);
    let flagged: std::collections::BTreeSet<usize> = csv
        .iter()
        .filter(|r| r["pareto"] == "true" || r["recommended"] == "true")
        .map(|r| r["point"].parse().expect("a point"))
        .collect();
    for chart in ["sweep_cost_wait.svg", "sweep_wait_count.svg"] {
        let svg = read(&out, chart);
        // Each point's label is a text line of its own, "#12" (every wait
        // is below the top of the axis, 4x the SLO); the key's "#n: point
        // in sweep.csv" is no point.
        let drawn: std::collections::BTreeSet<usize> = svg
            .lines()
            .filter_map(|l| l.strip_prefix('#'))
            .filter_map(|l| l.split(':').next().and_then(|p| p.parse().ok()))
            .collect();
        assert!(drawn.is_superset(&flagged), "{chart}");
        assert!(
            drawn.len() - flagged.len() <= 250 && drawn.len() > 100,
            "{chart}: {}",
            drawn.len()
        );
        assert!(
            svg.contains(&format!(
                "{} of 1000 points drawn, with the front",
                drawn.len()
            )),
            "{chart}"
        );
        // Every count is among the points drawn.
        let drawn_counts: std::collections::BTreeSet<usize> =
            drawn.iter().map(|p| 1 + p % 4).collect();
        assert_eq!(drawn_counts.len(), 4, "{chart}");
    }
}

/// A shard's `sweep.json` names each point by its axes' values (which
/// the rows' checksum does not cover): values that do not make the
/// sweep's points, or that name a point otherwise than its row in
/// `sweep.csv` does, are refused.
#[test]
fn merge_refuses_axis_values_that_do_not_name_the_rows() {
    merge_refuses_an_edited_sweep_json(
        |v| v["axis_values"][0] = serde_json::json!(["S1"]),
        "the values of its axes do not make its 36 points",
    );
    merge_refuses_an_edited_sweep_json(
        |v| v["axis_values"][0] = serde_json::json!(["S3", "S2", "S1"]),
        "point 0 is (S1, 1, 1) in its sweep.csv but (S3, 1, 1) by the axis values",
    );
}

/// The summary points to the CSV files only when they were written, and
/// says how to write them otherwise.
#[test]
fn the_summary_names_csv_files_only_when_written() {
    let dir = tempfile::tempdir().expect("dir");
    let sweep = scenario("sweep-tiers.toml");
    for (outputs, says, not) in [
        ("default", "see pareto.csv", "--outputs csv"),
        (
            "json",
            "--outputs csv lists them in pareto.csv",
            "see pareto.csv",
        ),
    ] {
        let out = dir.path().join(outputs);
        let run = poolcast()
            .args([
                "sweep",
                "-q",
                "--replications",
                "2",
                "--outputs",
                outputs,
                "--out",
            ])
            .arg(&out)
            .arg(&sweep)
            .output()
            .expect("runs");
        assert!(run.status.success());
        let stdout = String::from_utf8_lossy(&run.stdout);
        assert!(
            stdout.contains(says) && !stdout.contains(not),
            "{outputs}: {stdout}"
        );
        assert_eq!(out.join("pareto.csv").exists(), outputs == "default");
    }
}
