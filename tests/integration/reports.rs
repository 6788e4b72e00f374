//! Charts and reports: every file is produced, valid, the stated size, not
//! blank, with its text; the HTML report embeds every chart and needs no
//! network.

use std::path::Path;

use poolcast::report::{Chart, PixelRect};
use poolcast::scenario::Scenario;

use crate::support::{csv_rows, run_into, scenario, scenarios_dir};

/// Never set: charts drawn to the end.
static NEVER: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Decodes a PNG: (width, height, RGB bytes).
pub(crate) fn decode_png(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().expect("a valid PNG header");
    let mut buf = vec![0; reader.output_buffer_size().expect("a buffer size")];
    let info = reader.next_frame(&mut buf).expect("a valid PNG frame");
    buf.truncate(info.buffer_size());
    (info.width, info.height, buf)
}

fn check_chart(dir: &Path, name: &str, label: &str) {
    let (w, h, rgb) = decode_png(&std::fs::read(dir.join(format!("{name}.png"))).expect("the PNG"));
    assert_eq!((w, h), (1000, 600), "{name}.png size");
    let pixels: std::collections::HashSet<&[u8]> = rgb.chunks(3).collect();
    assert!(pixels.len() > 2, "{name}.png is blank");
    // The caption is text in the top 40 rows: with the bundled font there
    // are dark pixels there (no font, no text).
    let caption_dark = rgb[..(w * 40 * 3) as usize]
        .chunks(3)
        .filter(|p| p.iter().all(|c| *c < 100))
        .count();
    assert!(
        caption_dark > 200,
        "{name}.png has no caption text ({caption_dark} dark pixels)"
    );
    let svg = std::fs::read_to_string(dir.join(format!("{name}.svg"))).expect("the SVG exists");
    assert!(
        svg.contains("<svg") && svg.contains("width=\"1000\"") && svg.contains("height=\"600\""),
        "{name}.svg header"
    );
    assert!(
        svg.contains("<text") && svg.contains(label),
        "{name}.svg lacks its label {label:?}"
    );
}

#[test]
fn run_writes_charts_and_reports() {
    let tmp = tempfile::tempdir().expect("dir");
    let scenario = scenarios_dir()
        .join("scaling-queue.toml")
        .display()
        .to_string();
    let dir = run_into(
        tmp.path(),
        &[
            "run",
            &scenario,
            "--replications",
            "3",
            "--outputs",
            "default,png",
        ],
    );
    let dir = dir.as_path();
    let charts = [
        ("queue", "queued runs"),
        ("wait_cdf", "wait (minutes)"),
        ("wait_by_hour", "p95 wait (minutes)"),
        ("utilisation-builders", "hour of day (UTC)"),
        ("cost", "cost per day (USD)"),
    ];
    for (name, label) in charts {
        check_chart(dir, name, label);
    }
    let queue = std::fs::read_to_string(dir.join("queue.svg")).expect("svg");
    assert!(
        queue.contains("allocated instances"),
        "a scaling pool's chart shows its allocated instances"
    );
    let html = std::fs::read_to_string(dir.join("report.html")).expect("report.html");
    assert_eq!(
        html.matches("<svg").count(),
        charts.len(),
        "every chart is in the report"
    );
    // Readable from phone to desktop: the page has the device's width and
    // the charts scale to the column, keeping their aspect ratio, down to
    // a width their labels can be read at (then they scroll).
    assert!(
        html.contains("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
    );
    assert!(
        html.contains(
            ".chart svg { display: block; width: 100%; min-width: 720px; height: auto; }"
        )
    );
    assert_eq!(html.matches("<div class=\"chart\">").count(), charts.len());
    assert_eq!(
        html.matches("viewBox=\"0 0 1000 600\"").count(),
        charts.len()
    );
    assert!(html.contains("<div class=\"table\"><table>"));
    for external in [
        "src=\"http",
        "href=\"http",
        "url(http",
        "<script",
        "<link",
        "@import",
    ] {
        assert!(!html.contains(external), "report.html refers to {external}");
    }
    for section in [
        "Scenario",
        "Quota",
        "Service level",
        "Cost",
        "Pools",
        "Workloads",
    ] {
        assert!(
            html.contains(&format!("<h2>{section}</h2>")),
            "report.html lacks {section}"
        );
    }
    let md = std::fs::read_to_string(dir.join("summary.md")).expect("summary.md");
    assert!(md.contains("a month (30 days)") && md.contains("![Queued runs over time](queue.png)"));
}

#[test]
fn sweep_writes_its_charts_and_report() {
    let tmp = tempfile::tempdir().expect("dir");
    let scenario = scenarios_dir()
        .join("plan-tiers.toml")
        .display()
        .to_string();
    run_into(
        tmp.path(),
        &[
            "sweep",
            &scenario,
            "--replications",
            "3",
            "--outputs",
            "default,png",
        ],
    );
    check_chart(tmp.path(), "sweep_cost_wait", "Pareto front");
    check_chart(tmp.path(), "sweep_wait_count", "instances");
    let svg = std::fs::read_to_string(tmp.path().join("sweep_cost_wait.svg")).expect("svg");
    assert!(svg.contains("recommended") && svg.contains("SLO: p95 wait"));
    let html = std::fs::read_to_string(tmp.path().join("report.html")).expect("report.html");
    assert_eq!(html.matches("<svg").count(), 2);
    assert!(html.contains("<h2>Recommendation</h2>") && html.contains("<h2>Pareto front</h2>"));
}

/// Issue 14: a command replaces the files it wrote before and touches no
/// other: a renamed pool's old chart goes, a file the user put there stays;
/// `sweep` and `plan` default to folders of their own.
#[test]
fn issue_14_output_folder_replaces_only_its_own_files() {
    let dir = tempfile::tempdir().expect("dir");
    let src = |pool: &str| {
        format!(
            "[simulation]\nhorizon = \"1d\"\nwarmup = \"1h\"\nreplications = 2\n\n[[pool]]\nname = \"{pool}\"\ntier = \"S1\"\n\n[[workload]]\nname = \"ci\"\npool = \"{pool}\"\narrival = {{ process = \"poisson\", rate = \"2/h\" }}\nduration = {{ dist = \"constant\", value = \"5m\" }}\n"
        )
    };
    let out = dir.path().join("out");
    let (_a, first) = crate::support::write_scenario(&src("alpha"), "s.toml");
    crate::support::run_into(&out, &["run", first.to_str().unwrap()]);
    assert!(out.join("utilisation-alpha.svg").exists());
    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    let (_b, second) = crate::support::write_scenario(&src("beta"), "s.toml");
    crate::support::run_into(&out, &["run", second.to_str().unwrap()]);
    assert!(out.join("utilisation-beta.svg").exists());
    assert!(
        !out.join("utilisation-alpha.svg").exists(),
        "a stale chart stayed"
    );
    assert_eq!(
        std::fs::read_to_string(out.join("notes.txt")).unwrap(),
        "mine"
    );
}

/// Issue 14: a refused plan leaves no folder behind.
#[test]
fn issue_14_refused_plan_leaves_no_folder() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("p.toml");
    std::fs::write(
        &path,
        "name = \"refused\"\n[[pool]]\nname = \"builders\"\ntier = \"S1\"\n\n[[workload]]\nname = \"ci\"\npool = \"builders\"\narrival = { process = \"poisson\", rate = \"2/h\" }\nduration = { dist = \"constant\", value = \"5m\" }\n\n[sweep]\n\"pool.builders.count\" = [1, 2]\n",
    )
    .unwrap();
    crate::support::poolcast()
        .current_dir(dir.path())
        .arg("plan")
        .arg(&path)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("wait_p95"));
    assert!(!dir.path().join("output").exists(), "plan made a folder");
}

/// Markers and wide lines at the edge of a plot reach past it by their
/// radius; stray lines went hundreds of pixels out.
const EDGE: i32 = 6;

/// Colour that is not white, grey or black: a series (text, axes and grid
/// are grey).
fn coloured(p: &[u8]) -> bool {
    let (max, min) = (p.iter().max(), p.iter().min());
    max.zip(min).is_some_and(|(a, b)| a - b > 40)
}

fn within(r: &PixelRect, (x, y): (i32, i32), margin: i32) -> bool {
    (r.x.start - margin..r.x.end + margin).contains(&x)
        && (r.y.start - margin..r.y.end + margin).contains(&y)
}

fn overlap(a: &PixelRect, b: &PixelRect) -> bool {
    a.x.start < b.x.end && b.x.start < a.x.end && a.y.start < b.y.end && b.y.start < a.y.end
}

/// No series colour outside the plots, but in the legends, which cover no
/// plot.
fn assert_series_inside(c: &Chart) {
    for key in &c.keys {
        assert!(
            !c.plots.iter().any(|p| overlap(p, key)),
            "{}: a legend {key:?} covers a plot {:?}",
            c.name,
            c.plots
        );
    }
    let (w, _, rgb) = decode_png(&c.png);
    assert!(!c.plots.is_empty(), "{}: no plot", c.name);
    let stray: Vec<(i32, i32)> = rgb
        .chunks(3)
        .enumerate()
        .map(|(i, p)| ((i as u32 % w) as i32, (i as u32 / w) as i32, p))
        .filter(|(_, _, p)| coloured(p))
        .map(|(x, y, _)| (x, y))
        .filter(|&xy| {
            !c.plots.iter().any(|r| within(r, xy, EDGE)) && !c.keys.iter().any(|r| within(r, xy, 0))
        })
        .collect();
    assert!(
        stray.is_empty(),
        "{}.png: {} series pixels outside the plots, e.g. at {:?}",
        c.name,
        stray.len(),
        &stray[..stray.len().min(5)]
    );
}

fn bundled(name: &str, replications: u32) -> Scenario {
    let mut s = poolcast::scenario::load(&scenarios_dir().join(name)).expect("a bundled scenario");
    s.simulation.replications = replications;
    s
}

/// Three pools, four months: panels, weekly cost bars, decimation.
const LONG: &str = r#"
[simulation]
horizon = "120d"
warmup = "2d"
replications = 1
seed = 5
sample_interval = "1h"

[quota]
standard_vcpu = 100

[[pool]]
name = "small"
tier = "S1"
count = 2

[[pool]]
name = "medium"
tier = "S2"
count = 3

[[pool]]
name = "large"
tier = "S3"
count = 1

[[workload]]
name = "a"
pool = "small"
arrival = { process = "poisson", rate = "20/h" }
duration = { dist = "exponential", mean = "5m" }

[[workload]]
name = "b"
pool = "medium"
arrival = { process = "poisson", rate = "30/h" }
duration = { dist = "exponential", mean = "5m" }

[[workload]]
name = "c"
pool = "large"
arrival = { process = "poisson", rate = "8/h" }
duration = { dist = "exponential", mean = "6m" }

[[workload]]
name = "d"
pool = "default"
arrival = { process = "poisson", rate = "1/h" }
duration = { dist = "exponential", mean = "6m" }
"#;

#[test]
fn png_series_stay_inside_their_plots() {
    let mut runs: Vec<Scenario> = ["quota-full.toml", "workday.toml", "scaling-queue.toml"]
        .iter()
        .map(|n| bundled(n, 2))
        .collect();
    runs.push(scenario(LONG));
    for s in &runs {
        let run = poolcast::replication::run(s, &Default::default());
        for c in poolcast::report::run_charts(&run, poolcast::report::ChartFormats::ALL, &NEVER)
            .expect("charts")
        {
            assert_series_inside(&c);
        }
    }
    let tmp = tempfile::tempdir().expect("dir");
    let sweep = scenarios_dir()
        .join("sweep-tiers.toml")
        .display()
        .to_string();
    run_into(tmp.path(), &["sweep", &sweep, "--replications", "2"]);
    let csv = tmp.path().join("sweep.csv");
    let meta = poolcast::app::shards::read_sweep_meta(&csv).expect("sweep.json");
    let axes = meta
        .axes
        .iter()
        .cloned()
        .zip(meta.axis_values.iter().cloned());
    let mut table =
        poolcast::results::SweepTable::new(axes.collect(), meta.metrics.clone()).expect("table");
    for row in poolcast::app::shards::read_sweep_rows(&csv, &meta).expect("sweep.csv") {
        table.insert(&row).expect("kept");
    }
    let charts = poolcast::report::sweep_charts(
        &table,
        &meta.objective,
        poolcast::report::ChartFormats::ALL,
    )
    .expect("charts");
    assert_eq!(charts.len(), 2);
    for c in &charts {
        assert_series_inside(c);
    }
    let (a, b) = (
        poolcast::replication::run(&runs[0], &Default::default()),
        poolcast::replication::run(&runs[2], &Default::default()),
    );
    let cmp = poolcast::report::Comparison {
        runs: vec![("quota-full", &a), ("scaling-queue", &b)],
        paired: false,
        warnings: vec![Vec::new(); 2],
    };
    let charts =
        poolcast::report::compare_charts(&cmp, poolcast::report::ChartFormats::ALL, &NEVER)
            .expect("charts");
    assert_eq!(charts.len(), 2);
    for c in &charts {
        assert_series_inside(c);
    }
}

/// Issue 13: compare's report overlays the scenarios' wait distributions
/// and puts their costs side by side, with the data beside the charts: the
/// cost bars are compare.csv's values and the overlaid curves are
/// compare_wait_cdf.csv's, one per scenario.
#[test]
fn compare_report_overlays_the_waits_and_sets_the_costs_side_by_side() {
    let tmp = tempfile::tempdir().expect("dir");
    let bundled = |n: &str| scenarios_dir().join(n).display().to_string();
    crate::support::poolcast()
        .args([
            "compare",
            &bundled("scaling-fixed.toml"),
            &bundled("scaling-queue.toml"),
            "--replications",
            "3",
            "-q",
            "--outputs",
            "default,png",
            "--out",
        ])
        .arg(tmp.path())
        .assert()
        .success();
    let html = std::fs::read_to_string(tmp.path().join("report.html")).expect("report.html");
    assert_eq!(html.matches("<svg").count(), 2, "two charts inline");
    for f in [
        "compare_wait.svg",
        "compare_wait.png",
        "compare_cost.svg",
        "compare_cost.png",
    ] {
        assert!(tmp.path().join(f).exists(), "{f}");
    }
    let md = std::fs::read_to_string(tmp.path().join("summary.md")).expect("summary.md");
    assert!(
        md.contains("compare_wait.png") && md.contains("compare_cost.png"),
        "{md}"
    );
    let cdf = csv_rows(&tmp.path().join("compare_wait_cdf.csv"));
    for name in ["scaling-fixed", "scaling-queue"] {
        let shares: Vec<f64> = cdf
            .iter()
            .filter(|r| r["scenario"] == name)
            .map(|r| r["fraction_at_most"].parse().expect("a share"))
            .collect();
        assert_eq!(shares.len(), 201, "{name}: the 201 quantiles");
        assert!(
            shares.windows(2).all(|w| w[0] <= w[1]) && shares[200] == 1.0,
            "{name}"
        );
    }
    // The pooled curves differ: a queue controller waits for instances
    // where the fixed pool queues.
    let at = |name: &str, q: usize| -> f64 {
        cdf.iter()
            .filter(|r| r["scenario"] == name)
            .nth(q)
            .expect("a row")["wait_s"]
            .parse()
            .expect("seconds")
    };
    assert_ne!(at("scaling-fixed", 190), at("scaling-queue", 190));
    // The bars are compare.csv's cost per day (left) and p95 wait (right):
    // per scenario colour, its first two rectangles, whose heights stand
    // in the ratio of the values (to a pixel).
    let rows = csv_rows(&tmp.path().join("compare.csv"));
    let svg = std::fs::read_to_string(tmp.path().join("compare_cost.svg")).expect("svg");
    let heights = |fill: &str| -> Vec<f64> {
        svg.split("<rect ")
            .filter(|r| r.contains(&format!("fill=\"{fill}\"")))
            .map(|r| {
                let h = r.split("height=\"").nth(1).expect("a height");
                h[..h.find('"').expect("quoted")].parse().expect("pixels")
            })
            .take(2)
            .collect()
    };
    // Money and seconds to the micro-unit, differences included (they
    // printed as -33.358812740271446).
    for r in &rows {
        for (column, value) in r {
            let decimals = value.split_once('.').map_or(0, |(_, d)| d.len());
            if column.contains("_usd") || column.contains("_s") {
                assert!(decimals <= 6, "{column} = {value}");
            }
        }
    }
    let (first, second) = (heights("#0072B2"), heights("#E69F00"));
    for (panel, column) in ["cost_per_day_usd", "wait_p95_s"].iter().enumerate() {
        let value = |i: usize| -> f64 { rows[i][*column].parse().expect("a value") };
        let drawn = second[panel] / first[panel];
        let ratio = value(1) / value(0);
        assert!(
            (drawn - ratio).abs() <= ratio * 2.0 / first[panel].min(second[panel]),
            "{column}: bars {first:?} {second:?} against {} and {}",
            value(0),
            value(1)
        );
    }
}

#[test]
fn long_horizons_have_weekly_bars_decimated_lines_and_a_panel_per_pool() {
    let run = poolcast::replication::run(&scenario(LONG), &Default::default());
    let charts = poolcast::report::run_charts(&run, poolcast::report::ChartFormats::ALL, &NEVER)
        .expect("charts");
    let chart = |name: &str| charts.iter().find(|c| c.name == name).expect(name);
    let cost = &chart("cost").svg.text().expect("the SVG");
    assert!(cost.contains("per week") && !cost.contains("width=\"-"));
    let queue = chart("queue");
    let queue_svg = queue.svg.text().expect("the SVG");
    assert_eq!(queue.plots.len(), 3, "one panel per pool");
    for pool in ["small (S1)", "medium (S2)", "large (S3)"] {
        assert!(queue_svg.contains(pool), "{pool} has no panel");
    }
    // 118 days of hourly samples: 2 832 a pool, drawn as at most one point
    // per pixel column (two along the band, which closes on its start).
    let widest = queue.plots.iter().map(|r| r.x.len()).max().unwrap_or(0);
    for points in queue_svg.split("points=\"").skip(1) {
        let n = points.split('"').next().unwrap_or("").split(' ').count();
        assert!(n <= 2 * widest + 1, "{n} points for {widest} pixel columns");
    }
}

/// Issue 15: `--outputs` writes only what is asked for; `none` makes no
/// folder; summary.md links SVGs when no PNG is written.
#[test]
fn issue_15_outputs_choose_the_files() {
    let dir = tempfile::tempdir().expect("dir");
    let default = scenarios_dir().join("default.toml").display().to_string();
    let out = dir.path().join("some");
    run_into(
        &out,
        &[
            "run",
            &default,
            "--replications",
            "2",
            "--outputs",
            "json,svg,md",
        ],
    );
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.'))
        .collect();
    names.sort();
    assert!(
        names
            .iter()
            .all(|n| n == "summary.json" || n == "summary.md" || n.ends_with(".svg")),
        "{names:?}"
    );
    assert!(names.contains(&"wait_cdf.svg".to_string()));
    let md = std::fs::read_to_string(out.join("summary.md")).unwrap();
    assert!(md.contains("(wait_cdf.svg)") && !md.contains(".png"));
    let none = dir.path().join("none");
    crate::support::poolcast()
        .args([
            "run",
            &default,
            "--replications",
            "2",
            "-q",
            "--outputs",
            "none",
            "--out",
        ])
        .arg(&none)
        .assert()
        .success()
        .stdout(predicates::str::contains("SLO MISSED"));
    assert!(!none.exists());
    crate::support::poolcast()
        .args(["run", &default, "--outputs", "json,pdf"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("\"pdf\" is not an output"));
    // An empty list, or none beside kinds, is refused rather than read as
    // no files; so is a list of which the command writes nothing, before
    // the folder of its previous results is touched.
    for list in ["", " , ", "json,none"] {
        crate::support::poolcast()
            .args(["run", &default, "--outputs", list])
            .assert()
            .code(2)
            .stderr(predicates::str::contains("or none alone for no files"));
    }
    let plan = scenarios_dir()
        .join("plan-tiers.toml")
        .display()
        .to_string();
    let kept = dir.path().join("plan");
    run_into(&kept, &["plan", &plan]);
    let before = std::fs::read(kept.join("plan.csv")).expect("plan.csv");
    crate::support::poolcast()
        .args(["plan", &plan, "--outputs", "svg,png,md", "--out"])
        .arg(&kept)
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "plan writes none of these; it writes json, csv",
        ));
    assert_eq!(std::fs::read(kept.join("plan.csv")).ok(), Some(before));
    crate::support::poolcast()
        .args(["compare", &default, &plan, "--outputs", "json"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("compare writes none of these"));
    // plan --schedule writes its recommended scenario and appliers
    // whatever is asked: a list of which it writes nothing else is
    // refused, not answered with those files alone (it had been).
    let team = scenarios_dir().join("plan-schedule.toml");
    let schedule = dir.path().join("schedule");
    crate::support::poolcast()
        .args(["plan", "--schedule", "builders", "--outputs", "md", "--out"])
        .arg(&schedule)
        .arg(&team)
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "plan --schedule writes none of these; it writes json, csv (and, whatever --outputs asks for, the files named from its results",
        ));
    crate::support::poolcast()
        .args(["plan", "--schedule", "builders", "--targets", "5m,10m"])
        .args(["--outputs", "html,md", "--out"])
        .arg(&schedule)
        .arg(&team)
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "plan --targets writes none of these; it writes json, csv, svg, png (and",
        ));
    assert!(!schedule.exists());
}

/// Issue 15: the default set is every kind but PNG (summary.md links the
/// SVGs); `default,png` is that set and a PNG beside each SVG, the other
/// files the same bytes.
#[test]
fn issue_15_the_default_outputs_leave_out_png() {
    let dir = tempfile::tempdir().expect("dir");
    let default = scenarios_dir().join("default.toml").display().to_string();
    let run = |name: &str, outputs: &[&str]| {
        let out = dir.path().join(name);
        let mut args = vec!["run", &default, "--replications", "2"];
        args.extend_from_slice(outputs);
        run_into(&out, &args);
        let mut files = crate::support::files(&out);
        files.retain(|name, _| !name.starts_with('.'));
        files
    };
    let plain = run("plain", &[]);
    let with_png = run("png", &["--outputs", "default,png,md"]);
    assert!(
        !plain.keys().any(|n| n.ends_with(".png")),
        "{:?}",
        plain.keys()
    );
    for kind in [".json", ".csv", ".svg", ".html", ".md"] {
        assert!(plain.keys().any(|n| n.ends_with(kind)), "no {kind} file");
    }
    let md = String::from_utf8(plain["summary.md"].clone()).expect("utf-8");
    assert!(
        md.contains("![Wait-time CDF per workload](wait_cdf.svg)"),
        "{md}"
    );
    for (name, bytes) in &with_png {
        match name.strip_suffix(".png") {
            Some(chart) => assert!(plain.contains_key(&format!("{chart}.svg")), "{name}"),
            None if name == "summary.md" => assert!(
                String::from_utf8_lossy(bytes).contains("(wait_cdf.png)"),
                "summary.md links the PNGs once they are written"
            ),
            None => assert!(plain.get(name) == Some(bytes), "{name} differs"),
        }
    }
    let pngs = with_png.keys().filter(|n| n.ends_with(".png")).count();
    assert_eq!(pngs, plain.keys().filter(|n| n.ends_with(".svg")).count());
    assert_eq!(with_png.len(), plain.len() + pngs);
}

/// Every command that writes a report says where to read it, in one
/// wording; one without (plan, or `--outputs json`) only where its files
/// went.
#[test]
fn commands_with_a_report_say_where_to_read_it() {
    let dir = tempfile::tempdir().expect("dir");
    let path = |f: &str| scenarios_dir().join(f).display().to_string();
    let (default, sweep, plan) = (
        path("default.toml"),
        path("sweep-tiers.toml"),
        path("plan-tiers.toml"),
    );
    let cases: [(&[&str], bool); 5] = [
        (&["run", &default], true),
        (&["sweep", &sweep], true),
        (&["compare", &default, &plan], true),
        (&["plan", &plan], false),
        (&["run", &default, "--outputs", "json"], false),
    ];
    for (i, (args, report)) in cases.into_iter().enumerate() {
        let out = dir.path().join(format!("out{i}"));
        let done = crate::support::poolcast()
            .args(args)
            .args(["--replications", "2", "--out"])
            .arg(&out)
            .output()
            .expect("poolcast runs");
        let stderr = String::from_utf8_lossy(&done.stderr);
        let wanted = format!(
            "wrote {}; open {} to read the report",
            out.display(),
            out.join("report.html").display()
        );
        assert_eq!(stderr.contains(&wanted), report, "{args:?}: {stderr}");
        assert!(
            stderr.contains(&format!("wrote {}", out.display())),
            "{stderr}"
        );
    }
}

/// Issue 14: with one replication the report does not speak of intervals
/// it does not have.
#[test]
fn issue_14_one_replication_speaks_of_no_interval() {
    let dir = tempfile::tempdir().expect("dir");
    let default = scenarios_dir().join("default.toml").display().to_string();
    run_into(
        dir.path(),
        &[
            "run",
            &default,
            "--replications",
            "1",
            "--outputs",
            "md,html",
        ],
    );
    for file in ["summary.md", "report.html"] {
        let text = std::fs::read_to_string(dir.path().join(file)).unwrap();
        assert!(!text.contains("95% intervals in brackets"), "{file}");
        assert!(
            text.contains("with one replication there is no interval"),
            "{file}"
        );
        // The verdict line has the value alone: no bound equal to the mean.
        assert!(!text.contains("on the mean, which decides"), "{file}");
        assert!(text.contains("min in one replication"), "{file}");
    }
}

/// Issue 14: a report renders `code` spans, keeps whole counts whole, and
/// shows a replay's back-test.
#[test]
fn issue_14_report_renders_code_whole_counts_and_the_back_test() {
    let dir = tempfile::tempdir().expect("dir");
    let scaled = scenarios_dir().join("scaling-schedule.toml");
    run_into(
        dir.path(),
        &[
            "run",
            &scaled.display().to_string(),
            "--replications",
            "2",
            "--outputs",
            "md,html",
        ],
    );
    let html = std::fs::read_to_string(dir.path().join("report.html")).expect("report.html");
    assert!(
        html.contains("<code>") && !html.contains('`'),
        "raw backticks"
    );
    // A schedule asks for no instance the quota denies: 0 in every
    // replication, printed as a whole number.
    let denied = html
        .split("<th>instances denied</th>")
        .nth(1)
        .expect("the scaling table");
    assert!(denied.contains("<td>0</td>") && !denied.contains("<td>0.0</td>"));
    let replay = scenarios_dir().join("replay.toml");
    run_into(
        dir.path(),
        &[
            "run",
            &replay.display().to_string(),
            "--replications",
            "2",
            "--outputs",
            "md,html",
        ],
    );
    let md = std::fs::read_to_string(dir.path().join("summary.md")).expect("summary.md");
    assert!(md.contains("## Back-test") && md.contains("| web-api-ci recorded | 3100 |"));
}
