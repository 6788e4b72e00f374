//! Sweep axes over scaling settings (a schedule rule's count and cron, a
//! queue controller's settings), and `plan` over a scaling pool's capacity
//! setting, which agrees with the full sweep.

use std::path::Path;

use crate::support::{refuses, run_into, write_scenario};

/// A workday team on a schedule: 09:00-18:00 on weekdays at `count = 4`,
/// none otherwise.
const SCHEDULED: &str = r#"
name = "scheduled"

[simulation]
start = "2025-03-03T00:00:00Z"
horizon = "8d"
warmup = "1d"
replications = 4
seed = 5

[quota]
standard_vcpu = 32

[[pool]]
name = "builders"
tier = "S2"
provisioning = "5m"
scaling = { policy = "schedule", rules = [
  { cron = "55 8 * * 1-5", count = 4 },
  { cron = "55 17 * * 1-5", count = 0 },
] }

[[workload]]
name = "ci"
pool = "builders"
arrival = { process = "profile", rate = "33.3/h", hourly = [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0], weekly = [1, 1, 1, 1, 1, 0, 0] }
duration = { dist = "lognormal", median = "6m", p95 = "25m" }

[slo]
wait_p95 = "10m"
"#;

/// The same traffic on a queue controller.
fn controlled() -> String {
    SCHEDULED.replace(
        "scaling = { policy = \"schedule\", rules = [\n  { cron = \"55 8 * * 1-5\", count = 4 },\n  { cron = \"55 17 * * 1-5\", count = 0 },\n] }",
        "scaling = { policy = \"queue\", min = 0, max = 4, poll = \"1m\", cooldown = \"15m\" }",
    )
}

fn rows(path: &Path) -> Vec<std::collections::HashMap<String, String>> {
    let text = std::fs::read_to_string(path).expect("read the CSV");
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let headers = r.headers().expect("a header").clone();
    r.records()
        .map(|rec| {
            headers
                .iter()
                .map(String::from)
                .zip(rec.expect("a row").iter().map(String::from))
                .collect()
        })
        .collect()
}

fn recommended(dir: &Path) -> (serde_json::Value, serde_json::Value) {
    let text = std::fs::read_to_string(dir.join("recommendation.json")).expect("read");
    let v: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    let r = &v["recommendations"][0];
    (
        r["recommended"]["point"].clone(),
        r["runner_up"]["point"].clone(),
    )
}

#[test]
fn sweep_axes_reach_schedule_rules() {
    let src = format!(
        "{SCHEDULED}\n[sweep]\n\"pool.builders.scaling.rules[0].count\" = [3, 6]\n\"pool.builders.scaling.rules[1].cron\" = [\"55 17 * * 1-5\", \"55 20 * * 1-5\"]\n"
    );
    let (dir, path) = write_scenario(&src, "rules.toml");
    let out = run_into(
        &dir.path().join("sweep"),
        &["sweep", path.to_str().unwrap(), "--replications", "2"],
    );
    let table = rows(&out.join("sweep.csv"));
    assert_eq!(table.len(), 4);
    let cost = |count: &str, cron: &str| -> f64 {
        let r = table
            .iter()
            .find(|r| {
                r["param_pool.builders.scaling.rules[0].count"] == count
                    && r["param_pool.builders.scaling.rules[1].cron"] == cron
            })
            .expect("the point");
        assert_eq!(r["feasible"], "true", "{}", r["reason"]);
        r["cost_per_day_usd"].parse().unwrap()
    };
    // Instance-hours set by the rules: 6 instances cost twice 3 (plus the
    // provisioning lead), and scaling in at 21:00 costs 3 hours more a day.
    let (a, b) = (cost("3", "55 17 * * 1-5"), cost("6", "55 17 * * 1-5"));
    assert!((b / a - 2.0).abs() < 0.05, "{a} then {b}");
    let late = cost("3", "55 20 * * 1-5");
    let expected = a * 12.0 / 9.0;
    assert!(
        (late - expected).abs() < 0.05 * expected,
        "{late} against {expected}"
    );
}

#[test]
fn sweep_axes_over_rules_name_what_is_wrong() {
    for (key, needle) in [
        (
            "pool.builders.scaling.rules[2].count",
            "`rules` has 2 entries; rules[2] is past the end (entries count from 0)",
        ),
        (
            "pool.builders.scaling.rules[one].count",
            "`rules[one]` is not `name[K]` with a whole index K from 0",
        ),
        (
            "pool.builders.scaling.rulez[0].count",
            "there is no `rulez` to select rulez[0] from",
        ),
    ] {
        let src = format!("{SCHEDULED}\n[sweep]\n\"{key}\" = [1, 2]\n");
        let (_dir, path) = write_scenario(&src, "bad.toml");
        refuses("sweep", &path, needle);
    }
}

#[test]
fn plan_searches_a_scaling_pools_capacity_setting_as_the_sweep_would() {
    let cases = [
        (
            SCHEDULED.to_string(),
            "\"pool.builders.scaling.rules[0].count\" = { from = 2, to = 8, step = 1 }",
        ),
        (
            controlled(),
            "\"pool.builders.scaling.max\" = { from = 2, to = 8, step = 1 }",
        ),
    ];
    for (base, axis) in cases {
        let (dir, path) = write_scenario(&format!("{base}\n[sweep]\n{axis}\n"), "cap.toml");
        let path = path.to_str().unwrap();
        let planned = run_into(&dir.path().join("plan"), &["plan", path]);
        let swept = run_into(&dir.path().join("sweep"), &["sweep", path]);
        let (best, next) = recommended(&planned);
        assert!(best.is_number(), "{axis}: plan found nothing");
        assert_eq!((best, next), recommended(&swept), "{axis}");
        assert!(
            rows(&planned.join("plan.csv")).len() < rows(&swept.join("sweep.csv")).len(),
            "{axis}: plan ran the whole grid"
        );
    }
}

#[test]
fn plan_refuses_settings_it_cannot_search() {
    let with = |base: &str, axis: &str| {
        let (dir, path) = write_scenario(&format!("{base}\n[sweep]\n{axis}\n"), "p.toml");
        (dir, path)
    };
    let (_d, p) = with(&controlled(), "\"pool.builders.count\" = [1, 2]");
    refuses(
        "plan",
        &p,
        "search \"pool.builders.scaling.max\" (or .min) instead",
    );
    let (_d, p) = with(SCHEDULED, "\"pool.builders.count\" = [1, 2]");
    refuses("plan", &p, "plan --schedule builders");
    let (_d, p) = with(
        &controlled(),
        "\"pool.builders.scaling.cooldown\" = [\"5m\", \"15m\"]",
    );
    refuses("plan", &p, "plan needs a capacity axis");
    // Another pool that scales shares the quota at run time.
    let two = SCHEDULED.replace(
        "[[workload]]",
        "[[pool]]\nname = \"nightly\"\ntier = \"S1\"\nscaling = { policy = \"queue\", max = 2 }\n\n[[workload]]",
    );
    let (_d, p) = with(&two, "\"pool.builders.scaling.rules[0].count\" = [4, 5]");
    refuses("plan", &p, "but pool nightly scales too");
}

#[test]
fn sweep_axes_reach_controller_settings() {
    let src = format!(
        "{}\n[sweep]\n\"pool.builders.scaling.cooldown\" = [\"5m\", \"1h\"]\n\"pool.builders.scaling.per_instance\" = [1, 4]\n",
        controlled()
    );
    let (dir, path) = write_scenario(&src, "controller.toml");
    let out = run_into(
        &dir.path().join("sweep"),
        &["sweep", path.to_str().unwrap(), "--replications", "2"],
    );
    let table = rows(&out.join("sweep.csv"));
    assert_eq!(table.len(), 4);
    assert!(table.iter().all(|r| r["feasible"] == "true"));
    let cost = |cooldown: &str| -> f64 {
        table
            .iter()
            .filter(|r| r["param_pool.builders.scaling.cooldown"] == cooldown)
            .map(|r| r["cost_usd"].parse::<f64>().unwrap())
            .sum()
    };
    // A longer cool-down holds instances longer after each burst.
    assert!(cost("1h") > cost("5m"), "{} vs {}", cost("1h"), cost("5m"));
}
