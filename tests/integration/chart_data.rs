//! The files beside the charts: the same bytes for the same seed whatever
//! the thread count, the warm-up left out, and the numbers agreeing with
//! queueing theory.

use std::collections::BTreeMap;
use std::path::Path;

use poolcast::analytic::erlang_c;
use poolcast::replication::run;
use poolcast::stats::student_t_975;

use crate::support::{run_into, scenario, scenarios_dir, write_scenario};

/// Every file of a folder by name.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .expect("the output folder")
        .map(|e| {
            let path = e.expect("an entry").path();
            let name = path.file_name().expect("a name").to_string_lossy().into();
            (name, std::fs::read(&path).expect("a readable file"))
        })
        .collect()
}

#[test]
fn every_bundled_scenario_gives_the_same_bytes_twice_whatever_the_threads() {
    let tmp = tempfile::tempdir().expect("dir");
    let mut scenarios: Vec<_> = std::fs::read_dir(scenarios_dir())
        .expect("scenarios/")
        .map(|e| e.expect("an entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    scenarios.sort();
    assert!(scenarios.len() >= 10, "the bundled scenarios are found");
    // Every scenario's run, and the sweep charts of one with conditions.
    let commands = scenarios
        .iter()
        .map(|p| ("run", p.clone()))
        .chain([("sweep", scenarios_dir().join("sweep-tiers.toml"))]);
    for (command, path) in commands {
        let stem = path.file_stem().expect("a stem").to_string_lossy();
        let file = path.display().to_string();
        let out = |threads: &str| {
            let dir = tmp.path().join(format!("{command}-{stem}-{threads}"));
            let args = [command, &file, "--replications", "2", "--threads", threads];
            files(&run_into(&dir, &args))
        };
        let (one, two) = (out("1"), out("2"));
        assert_eq!(
            one.keys().collect::<Vec<_>>(),
            two.keys().collect::<Vec<_>>(),
            "{stem}: different files"
        );
        for (name, bytes) in &one {
            assert!(two[name] == *bytes, "{stem}: {name} differs between runs");
        }
    }
}

/// The rows of a CSV file as maps from header to cell.
fn csv_rows(path: &Path) -> Vec<BTreeMap<String, String>> {
    let mut rdr = csv::Reader::from_path(path).expect("a CSV file");
    let head = rdr.headers().expect("a header").clone();
    rdr.records()
        .map(|r| {
            let r = r.expect("a record");
            head.iter()
                .zip(r.iter())
                .map(|(h, c)| (h.to_string(), c.to_string()))
                .collect()
        })
        .collect()
}

#[test]
fn the_warm_up_is_in_no_chart_and_no_chart_file() {
    // default.toml starts on Monday 6 January with one day of warm-up.
    let tmp = tempfile::tempdir().expect("dir");
    let scenario = scenarios_dir().join("default.toml").display().to_string();
    let dir = run_into(tmp.path(), &["run", &scenario, "--replications", "2"]);
    let cells = csv_rows(&dir.join("utilisation_by_hour.csv"));
    assert_eq!(cells.len(), 7 * 24);
    for c in &cells {
        let empty = c["utilisation"].is_empty();
        assert_eq!(empty, c["weekday"] == "Mon", "{c:?}");
    }
    let queue = std::fs::read_to_string(dir.join("queue.svg")).expect("queue.svg");
    assert!(queue.contains("Tue 7 Jan") && !queue.contains("Mon 6 Jan"));
    let cost = std::fs::read_to_string(dir.join("cost.svg")).expect("cost.svg");
    assert!(cost.contains("Tue 7 Jan") && !cost.contains("Mon 6 Jan"));
    // The cost chart's bars (cost_by_day.csv) are the six observed days and
    // add up to the reported cost.
    let days = csv_rows(&dir.join("cost_by_day.csv"));
    assert_eq!(days.len(), 6, "one row per observed day and payer");
    let bars: f64 = days
        .iter()
        .map(|d| d["cost_usd"].parse::<f64>().expect("USD"))
        .sum();
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("summary.json")).expect("summary.json"))
            .expect("JSON");
    let total = summary["totals"]["cost_usd"].as_f64().expect("cost_usd");
    assert!(
        (bars - total).abs() < 1e-6,
        "bars add up to {bars}, the total is {total}"
    );
}

#[test]
fn wait_cdf_csv_agrees_with_erlang_c() {
    // M/M/2 at 70% load: P(Wq > t) = C(c, a) e^{-(c mu - lambda) t}.
    let (c, mean_s, rho, reps) = (2u32, 100.0, 0.7, 20u32);
    let lambda = rho * f64::from(c) / mean_s;
    let horizon = (50_000.0 / lambda) as u64;
    let s = scenario(&format!(
        r#"
[simulation]
horizon = "{horizon}s"
warmup = "{}s"
replications = {reps}
seed = 11
sample_interval = "1h"

[[pool]]
name = "mmc"
tier = "S1"
count = {c}

[[workload]]
name = "jobs"
pool = "mmc"
arrival = {{ process = "poisson", rate = "{}/h" }}
duration = {{ dist = "exponential", mean = "{mean_s}s" }}
parallel_fraction = 0
timeout = "8h"
"#,
        horizon / 20,
        lambda * 3600.0
    ));
    let summary = run(&s, &Default::default());
    let tmp = tempfile::tempdir().expect("dir");
    let path = tmp.path().join("wait_cdf.csv");
    std::fs::write(&path, poolcast::report::wait_cdf_csv(&summary)).expect("write");
    let rows = csv_rows(&path);
    let num = |r: &BTreeMap<String, String>, k: &str| -> f64 { r[k].parse().expect(k) };
    let a = rho * f64::from(c);
    let rate = f64::from(c) / mean_s - lambda;
    let t975 = student_t_975(reps - 1);
    for target in [0.0, 50.0, 100.0, 200.0, 400.0] {
        let row = rows
            .iter()
            .min_by(|x, y| {
                (num(x, "wait_s") - target)
                    .abs()
                    .total_cmp(&(num(y, "wait_s") - target).abs())
            })
            .expect("rows");
        let t = num(row, "wait_s");
        assert!((t - target).abs() < 25.0, "no row near {target} s: {t}");
        let theory = erlang_c(c, a) * (-rate * t).exp();
        let (mean, lo, hi) = (
            num(row, "fraction_longer"),
            num(row, "fraction_longer_ci95_low"),
            num(row, "fraction_longer_ci95_high"),
        );
        // Within 4 standard errors (the interval's half-width over the
        // Student t quantile), as the other theory checks; the interval must
        // be narrow enough for that to mean something.
        let se = (hi - lo) / 2.0 / t975;
        assert!(
            (mean - theory).abs() <= 4.0 * se,
            "P(Wq > {t:.1} s): simulated {mean:.4} [{lo:.4}, {hi:.4}], Erlang C {theory:.4}"
        );
        assert!(
            hi - lo < 0.2 * theory,
            "P(Wq > {t:.1} s): the interval [{lo:.4}, {hi:.4}] is too wide to test {theory:.4}"
        );
    }
}

#[test]
fn sweep_charts_draw_every_condition_and_recommend_only_what_exists() {
    let tmp = tempfile::tempdir().expect("dir");
    let sweep = scenarios_dir().join("sweep-tiers.toml");
    let dir = run_into(
        &tmp.path().join("tiers"),
        &["sweep", &sweep.display().to_string(), "--replications", "2"],
    );
    let svg = std::fs::read_to_string(dir.join("sweep_cost_wait.svg")).expect("svg");
    // (plotters writes a text's content on a line of its own.)
    for condition in ["rate_scale = 1\n", "rate_scale = 1.5\n"] {
        assert!(svg.contains(condition), "{condition:?} is not drawn");
    }
    // Overloaded points are marked at the top edge with their wait.
    assert!(
        svg.contains(" min\n</text>"),
        "no point is marked above the axis"
    );
    let points = csv_rows(&dir.join("sweep_cost_wait.csv"));
    let feasible = csv_rows(&dir.join("sweep.csv"))
        .iter()
        .filter(|r| r["feasible"] == "true")
        .count();
    assert_eq!(points.len(), feasible, "every feasible point has its row");
    assert!(points.iter().any(|p| p["recommended"] == "true"));

    // A cost cap nothing meets: no recommendation, so no legend entry for one.
    let text = std::fs::read_to_string(scenarios_dir().join("plan-tiers.toml"))
        .expect("plan-tiers.toml")
        .replace(
            "wait_p95 = \"5m\"",
            "wait_p95 = \"5m\"\nmax_cost_per_day = 1.0",
        );
    let (_keep, strict) = write_scenario(&text, "strict.toml");
    let dir = run_into(
        &tmp.path().join("strict"),
        &[
            "sweep",
            &strict.display().to_string(),
            "--replications",
            "2",
        ],
    );
    let svg = std::fs::read_to_string(dir.join("sweep_cost_wait.svg")).expect("svg");
    assert!(
        !svg.contains("recommended"),
        "a recommendation that does not exist"
    );
    let points = csv_rows(&dir.join("sweep_cost_wait.csv"));
    assert!(points.iter().all(|p| p["recommended"] == "false"));
}
