//! The files beside the charts: the same bytes for the same seed whatever
//! the thread count, the warm-up left out, and the numbers agreeing with
//! queueing theory.

use std::collections::BTreeMap;

use poolcast::forecast::erlang_c;
use poolcast::replication::run;
use poolcast::results::student_t_975;

use crate::support::{csv_rows, files, run_into, scenario, scenarios_dir, write_scenario};

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

/// Round-the-clock arrivals on a pool that a schedule empties from 20:00
/// to 07:00: the night's runs wait for the morning.
const NIGHT_GAP: &str = r#"
name = "night-gap"

[simulation]
horizon = "8d"
warmup = "1d"
replications = 4
seed = 3
sample_interval = "10m"

[quota]
standard_vcpu = 24

[[pool]]
name = "builders"
tier = "S2"
count = 6
provisioning = "5m"
scaling = { policy = "schedule", rules = [{ cron = "0 7 * * *", count = 6 }, { cron = "0 20 * * *", count = 0 }] }

[[workload]]
name = "ci"
pool = "builders"
arrival = { process = "poisson", rate = "12/h" }
duration = { dist = "lognormal", median = "5m", p95 = "15m" }

[slo]
wait_p95 = "10m"
"#;

#[test]
fn wait_by_hour_shows_the_night_gap_and_the_chart_draws_the_csv() {
    let summary = run(&scenario(NIGHT_GAP), &Default::default());
    let tmp = tempfile::tempdir().expect("dir");
    let path = tmp.path().join("wait_by_hour.csv");
    std::fs::write(&path, poolcast::report::wait_by_hour_csv(&summary)).expect("write");
    let rows = csv_rows(&path);
    assert_eq!(rows.len(), 168, "one row per hour of the week");
    let p95 = |r: &BTreeMap<String, String>| r["wait_p95_s"].parse::<f64>().ok();
    // Every hour of the week has runs (a whole observed week, 12 an hour).
    assert!(
        rows.iter()
            .all(|r| r["runs"].parse::<u64>().expect("runs") > 0)
    );
    let hour = |r: &BTreeMap<String, String>| r["hour_of_week"].parse::<usize>().expect("h") % 24;
    let night: Vec<f64> = rows
        .iter()
        .filter(|r| (22..24).contains(&hour(r)) || hour(r) < 5)
        .filter_map(p95)
        .collect();
    let day: Vec<f64> = rows
        .iter()
        .filter(|r| (12..19).contains(&hour(r)))
        .filter_map(p95)
        .collect();
    let (night_min, day_max) = (
        night.iter().copied().fold(f64::INFINITY, f64::min),
        day.iter().copied().fold(0.0, f64::max),
    );
    assert!(
        // (Runs of the last night are still queued at the horizon: their
        // waits so far are shorter than a whole night's.)
        night_min > day_max && night_min > 1800.0,
        "night p95 at least {night_min} s, day p95 at most {day_max} s"
    );
    // The waits of all hours together are the run's: its runs, and the
    // mean wait of every run pooled over the replications (each
    // replication's mean weighted by its runs; `wait_mean_s` is the mean
    // of the means, which differs where replications hold different
    // numbers of runs). Means are stated to the microsecond.
    let runs: f64 = rows
        .iter()
        .map(|r| r["runs"].parse::<f64>().expect("runs"))
        .sum();
    let waits: f64 = rows
        .iter()
        .map(|r| r["runs"].parse::<f64>().unwrap() * r["wait_mean_s"].parse::<f64>().unwrap())
        .sum();
    let totals = &summary.totals;
    let reps = f64::from(summary.replications);
    let tasks = totals.get(poolcast::results::TotalMetric::Tasks).mean;
    assert!(
        (runs - tasks * reps).abs() < 1e-6,
        "{runs} runs, {tasks} tasks a replication"
    );
    use poolcast::results::TotalMetric as T;
    let (n, sum) = summary
        .per_replication
        .iter()
        .fold((0.0, 0.0), |(n, sum), r| {
            (
                n + r.totals[T::Tasks],
                sum + r.totals[T::Tasks] * r.totals[T::WaitMeanS],
            )
        });
    assert_eq!(n, runs);
    assert!(
        (waits / runs - sum / n).abs() < 2e-6,
        "mean wait {} s by hour, {} s over every run",
        waits / runs,
        sum / n
    );

    // The chart's steps are the CSV's p95s: read each point's height back
    // from the SVG, against the highest point (the plot's bottom is 0).
    let charts = poolcast::report::run_charts(
        &summary,
        poolcast::report::ChartFormats::ALL,
        &std::sync::atomic::AtomicBool::new(false),
    )
    .expect("charts");
    let chart = charts
        .iter()
        .find(|c| c.name == "wait_by_hour")
        .expect("a wait_by_hour chart");
    let bottom = f64::from(chart.plots[0].y.end - 1);
    let points: Vec<(f64, f64)> = chart
        .svg
        .text()
        .expect("the SVG")
        .lines()
        .filter(|l| l.contains("<polyline") && l.contains("stroke=\"#0072B2\""))
        .flat_map(|l| {
            let pts = l.split("points=\"").nth(1).expect("points");
            let pts = pts.split('"').next().expect("points").to_string();
            pts.split_whitespace()
                .map(|p| {
                    let (x, y) = p.split_once(',').expect("x,y");
                    (x.parse().expect("x"), y.parse().expect("y"))
                })
                .collect::<Vec<_>>()
        })
        // The legend's mark has the series colour too.
        .filter(|(x, _)| chart.plots[0].x.contains(&(*x as i32)))
        .collect();
    let p95s: Vec<f64> = rows.iter().filter_map(p95).collect();
    let highest = p95s.iter().copied().fold(0.0, f64::max);
    let top_px = points.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
    let px = (bottom - top_px) / highest; // pixels per second of wait
    assert!(
        points.len() >= 2 * 168,
        "{} points for 168 hours",
        points.len()
    );
    for (x, y) in &points {
        let drawn = (bottom - y) / px;
        assert!(
            p95s.iter().any(|v| (v - drawn).abs() <= 1.5 / px),
            "a step at x = {x} draws {drawn:.0} s (1 px = {:.0} s), which no hour of the CSV has: nearest {:?}",
            1.0 / px,
            p95s.iter()
                .copied()
                .min_by(|a, b| (a - drawn).abs().total_cmp(&(b - drawn).abs()))
        );
    }
    for v in &p95s {
        assert!(
            points
                .iter()
                .any(|(_, y)| ((bottom - y) / px - v).abs() <= 1.5 / px),
            "the CSV's p95 of {v} s is not drawn"
        );
    }
}
