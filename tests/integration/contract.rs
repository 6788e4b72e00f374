//! Issue 11: one results contract. The verdict is judged once and every
//! output reads it, so table, `summary.json`, `summary.md`, `report.html`,
//! `check`'s exit code and stderr, and the GitHub step summary agree,
//! objective by objective; and the cost per day adds up to the total.

use std::path::Path;

use crate::support::{poolcast, write_scenario};

/// A workload of 30 runs an hour (lognormal, median 3 min) on `pool`, with
/// both objectives; horizon 2 days, 4 replications.
fn team(pool: &str, max_cost_per_day: f64) -> String {
    format!(
        "name = \"contract\"\n[simulation]\nhorizon = \"2d\"\nwarmup = \"6h\"\nreplications = 4\nseed = 7\n\n{pool}\n\n[[workload]]\nname = \"ci\"\npool = \"builders\"\narrival = {{ process = \"poisson\", rate = \"30/h\" }}\nduration = {{ dist = \"lognormal\", median = \"3m\", p95 = \"18m\" }}\n\n[slo]\nwait_p95 = \"5m\"\nmax_cost_per_day = {max_cost_per_day}\n"
    )
}

/// The word an output uses for a verdict.
fn word(met: bool) -> &'static str {
    if met { "met" } else { "MISSED" }
}

/// The Markdown table row of `objective`, split into cells.
fn md_row(md: &str, objective: &str) -> Vec<String> {
    let line = md
        .lines()
        .find(|l| l.starts_with(&format!("| {objective} |")))
        .unwrap_or_else(|| panic!("no row for {objective} in:\n{md}"));
    line.trim_matches('|')
        .split('|')
        .map(|c| c.trim().to_string())
        .collect()
}

/// Runs `check` (and so `run`'s outputs) on `src` and asserts that every
/// output gives `expected` (per objective: wait, then cost; met on the
/// mean).
fn outputs_agree(src: &str, expected: [bool; 2]) {
    let (dir, path) = write_scenario(src, "contract.toml");
    let out = dir.path().join("out");
    let step = dir.path().join("step.md");
    let done = poolcast()
        .arg("check")
        .arg(&path)
        .arg("--out")
        .arg(&out)
        .env("GITHUB_STEP_SUMMARY", &step)
        .output()
        .expect("poolcast runs");
    let stderr = String::from_utf8_lossy(&done.stderr);
    let table = String::from_utf8_lossy(&done.stdout);
    let all_met = expected.iter().all(|m| *m);
    assert_eq!(
        done.status.code(),
        Some(if all_met { 0 } else { 1 }),
        "check's exit code: {stderr}"
    );
    let read = |name: &str| std::fs::read_to_string(out.join(name)).expect(name);
    let json: serde_json::Value = serde_json::from_str(&read("summary.json")).expect("JSON");
    let (md, html, step) = (
        read("summary.md"),
        read("report.html"),
        std::fs::read_to_string(&step).expect("step summary"),
    );
    let slo = &json["slo"];
    assert_eq!(json["totals"]["slo_met"], all_met, "totals.slo_met");
    assert_eq!(slo["met"], all_met, "slo.met");
    let objectives = slo["objectives"].as_array().expect("objectives");
    assert_eq!(objectives.len(), 2);
    for (o, met) in objectives.iter().zip(expected) {
        let name = o["name"].as_str().expect("a name");
        assert_eq!(o["met"], met, "{name} in summary.json");
        // The verdict follows from the value shown beside it.
        let value = o["value"].as_f64().unwrap_or(f64::INFINITY);
        assert_eq!(
            value <= o["target"].as_f64().expect("target"),
            met,
            "{name}"
        );
        let upper = o["value_upper95"].as_f64().unwrap_or(f64::INFINITY);
        assert_eq!(o["met_upper95"], upper <= o["target"].as_f64().unwrap());
        let objective = match name {
            "wait_p95" => "wait p95 <= 5.00 min".to_string(),
            "max_cost_per_day" => {
                format!("cost <= USD {:.2} per day", o["target"].as_f64().unwrap())
            }
            other => panic!("unknown objective {other}"),
        };
        let line = format!("{}: {objective}: ", word(met));
        assert!(table.contains(&format!("SLO {line}")), "table:\n{table}");
        assert!(
            stderr.contains(&format!("check {line}")),
            "stderr:\n{stderr}"
        );
        for (what, text) in [("summary.md", &md), ("step summary", &step)] {
            let row = md_row(text, &objective);
            assert_eq!(row[2], word(met), "{what}: {row:?}");
            assert_eq!(row[4], word(o["met_upper95"] == true), "{what}: {row:?}");
        }
        let html_row = format!("<tr><td>{}</td>", objective.replace('<', "&lt;"));
        let at = html
            .find(&html_row)
            .unwrap_or_else(|| panic!("{html_row} in report.html"));
        let cells: Vec<&str> = html[at..]
            .split("</tr>")
            .next()
            .unwrap()
            .split("<td>")
            .skip(1)
            .map(|c| c.trim_end_matches("</td>"))
            .collect();
        assert_eq!(cells[2], word(met), "report.html: {cells:?}");
    }
    cost_by_day_adds_up(&out, &json);
}

/// `cost_by_day.csv` covers the observed window only and adds up to
/// `totals.cost_usd`.
fn cost_by_day_adds_up(out: &Path, json: &serde_json::Value) {
    let mut rdr = csv::Reader::from_path(out.join("cost_by_day.csv")).expect("cost_by_day.csv");
    assert_eq!(
        rdr.headers().expect("a header"),
        vec!["day", "pool", "cost_usd"]
    );
    let mut sum = 0.0;
    let mut rows = 0;
    for r in rdr.records() {
        sum += r.expect("a row")[2].parse::<f64>().expect("a cost");
        rows += 1;
    }
    let total = json["totals"]["cost_usd"].as_f64().expect("cost_usd");
    // Each day's cost and the total are stated to the micro-dollar (half
    // a micro-dollar of rounding each), and summing reorders float
    // additions.
    let rounding = (rows as f64 + 1.0) * 0.5e-6 + 1e-9 * total.max(1.0);
    assert!(
        (sum - total).abs() <= rounding,
        "cost by day {sum} != total {total}"
    );
    // A 2-day horizon after a 6-hour warm-up touches 2 days.
    assert_eq!(rows, 2);
}

#[test]
fn issue_11_outputs_agree_when_the_slo_is_met() {
    // 8 x S2 never queues at 30/h: the wait is met; USD 276.48 a day
    // misses a cap of 200 and meets one of 300.
    let pool =
        "[quota]\nstandard_vcpu = 32\n\n[[pool]]\nname = \"builders\"\ntier = \"S2\"\ncount = 8";
    outputs_agree(&team(pool, 300.0), [true, true]);
    outputs_agree(&team(pool, 200.0), [true, false]);
}

#[test]
fn issue_11_outputs_agree_when_the_wait_is_missed() {
    // 2 x S2 at 30/h: p95 around 13 min against 5.
    let pool = "[[pool]]\nname = \"builders\"\ntier = \"S2\"\ncount = 2";
    outputs_agree(&team(pool, 100.0), [false, true]);
}

#[test]
fn issue_11_a_pool_that_never_starts_a_run_misses_the_wait() {
    // Zero instances until a Friday rule, after the 2-day horizon: every
    // run waits to the end. It used to pass check with "nothing waited".
    let pool = "[[pool]]\nname = \"builders\"\ntier = \"S2\"\ncount = 0\nscaling = { policy = \"schedule\", rules = [{ cron = \"0 0 * * 5\", count = 1 }] }";
    outputs_agree(&team(pool, 10.0), [false, true]);
    let (dir, path) = write_scenario(&team(pool, 10.0), "never.toml");
    let out = dir.path().join("out");
    poolcast()
        .arg("run")
        .arg(&path)
        .arg("-q")
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let w = &json["workloads"][0];
    // Every run that arrived is still queued and counts as censored, with
    // its wait so far: hours, not nothing.
    assert_eq!(w["censored"], w["arrived"]);
    assert!(w["arrived"].as_f64().unwrap() > 1000.0);
    assert!(w["wait_p95_s"].as_f64().unwrap() > 3600.0);
}

/// Issue 13: `compare` prints every scenario beside the first; two
/// identical scenarios share their random numbers, so the paired interval
/// of their cost difference is exactly zero.
#[test]
fn issue_13_compare_pairs_identical_scenarios_exactly() {
    let dir = tempfile::tempdir().expect("dir");
    let bundled = |n: &str| {
        crate::support::scenarios_dir()
            .join(n)
            .display()
            .to_string()
    };
    let out = poolcast()
        .args([
            "compare",
            &bundled("scaling-fixed.toml"),
            &bundled("scaling-schedule.toml"),
            "--replications",
            "3",
            "-q",
            "--out",
        ])
        .arg(dir.path().join("two"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        table.contains("scaling-fixed") && table.contains("scaling-schedule"),
        "{table}"
    );
    assert!(table.contains("paired across replications"), "{table}");
    assert!(dir.path().join("two/report.html").exists());
    let same = dir.path().join("same");
    poolcast()
        .args([
            "compare",
            &bundled("default.toml"),
            &bundled("default.toml"),
            "--replications",
            "4",
            "-q",
            "--out",
        ])
        .arg(&same)
        .assert()
        .success();
    let mut rdr = csv::Reader::from_path(same.join("compare.csv")).unwrap();
    let head = rdr.headers().unwrap().clone();
    let col = |name: &str| {
        head.iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("{name}"))
    };
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2);
    // The same name twice: the rows stay apart.
    assert_eq!(&rows[0][col("scenario")], "team-ci");
    assert_eq!(&rows[1][col("scenario")], "team-ci (2)");
    for name in [
        "diff_cost_per_day_usd",
        "diff_cost_per_day_usd_ci95_low",
        "diff_cost_per_day_usd_ci95_high",
        "diff_wait_p95_s_ci95_low",
        "diff_wait_p95_s_ci95_high",
    ] {
        assert_eq!(&rows[1][col(name)], "0", "{name}");
    }
    assert_eq!(&rows[1][col("paired")], "true");
    // The waits themselves vary across replications: a real interval.
    let lo: f64 = rows[1][col("wait_p95_s_ci95_low")].parse().unwrap();
    let hi: f64 = rows[1][col("wait_p95_s_ci95_high")].parse().unwrap();
    assert!(hi > lo);
}

/// The keys of `poolcast run --format json` (and `summary.json`), in the
/// order of docs/outputs.md: derived from the results types' fields, so
/// a field moved in a struct would move a key.
#[test]
fn summary_json_keys_keep_their_order() {
    use poolcast::results::{Metric, PoolMetric, TotalMetric, WorkloadMetric};
    let pool = "[[pool]]\nname = \"builders\"\ntier = \"S2\"\ncount = 2";
    let (_dir, path) = write_scenario(&team(pool, 10.0), "keys.toml");
    let done = poolcast()
        .args(["run", "--format", "json", "--outputs", "none"])
        .arg(&path)
        .output()
        .expect("poolcast runs");
    assert!(done.status.success());
    let json: serde_json::Value = serde_json::from_slice(&done.stdout).expect("JSON");
    let keys = |v: &serde_json::Value| -> Vec<String> {
        v.as_object().expect("an object").keys().cloned().collect()
    };
    // Each metric `m`, then `m_ci95` (4 replications give an interval).
    fn metrics<M: Metric>() -> Vec<String> {
        M::ALL
            .iter()
            .flat_map(|m| [m.name().to_string(), format!("{}_ci95", m.name())])
            .collect()
    }
    let strings = |ks: &[&str]| -> Vec<String> { ks.iter().map(|k| k.to_string()).collect() };
    assert_eq!(
        keys(&json),
        strings(&[
            "scenario",
            "replications",
            "seed",
            "horizon_s",
            "warmup_s",
            "start",
            "pools",
            "workloads",
            "totals",
            "cost_per_day_usd_range",
            "warnings",
            "advice",
            "slo"
        ])
    );
    let pool = &json["pools"][0];
    let mut want = strings(&["name", "tier"]);
    want.extend(metrics::<PoolMetric>());
    want.extend(strings(&["analytic", "busiest_hour", "load_by_hour"]));
    assert_eq!(keys(pool), want);
    assert_eq!(
        keys(&pool["analytic"]),
        strings(&[
            "applies",
            "reason",
            "offered_load",
            "utilization",
            "mean_service_s",
            "service_cv",
            "mmc_wait_probability",
            "mmc_wait_mean_s",
            "allen_cunneen_wait_mean_s"
        ])
    );
    assert_eq!(
        keys(&pool["busiest_hour"]),
        strings(&[
            "hour_of_week",
            "offered_load",
            "instances",
            "wait_probability",
            "wait_mean_s",
            "wait_p95_s"
        ])
    );
    assert_eq!(
        keys(&pool["load_by_hour"][0]),
        strings(&["hour_of_week", "offered_load", "instances"])
    );
    let mut want = strings(&["name", "pool"]);
    want.extend(metrics::<WorkloadMetric>());
    assert_eq!(keys(&json["workloads"][0]), want);
    let mut want = metrics::<TotalMetric>();
    want.push("slo_met".into());
    assert_eq!(keys(&json["totals"]), want);
    assert_eq!(
        keys(&json["cost_per_day_usd_range"]),
        strings(&["vm", "allocation"])
    );
    assert_eq!(
        keys(&json["slo"]),
        strings(&[
            "wait_p95_s",
            "max_cost_per_day_usd",
            "objectives",
            "met",
            "met_upper95"
        ])
    );
    assert_eq!(
        keys(&json["slo"]["objectives"][0]),
        strings(&[
            "name",
            "workload",
            "workloads",
            "per",
            "target",
            "value",
            "value_upper95",
            "met",
            "met_upper95",
            "window",
            "worst_hour",
            "worst_hour_alike"
        ])
    );
    // The cost cap has no `per`.
    assert_eq!(json["slo"]["objectives"][1]["per"], serde_json::Value::Null);
}
