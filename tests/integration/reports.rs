//! Charts and reports: every file is produced, valid, the stated size, not
//! blank, with its text; the HTML report embeds every chart and needs no
//! network.

use std::path::Path;

use crate::support::{run_into, scenarios_dir};

/// Decodes a PNG: (width, height, RGB bytes).
fn decode_png(path: &Path) -> (u32, u32, Vec<u8>) {
    let decoder = png::Decoder::new(std::io::BufReader::new(
        std::fs::File::open(path).expect("the PNG exists"),
    ));
    let mut reader = decoder.read_info().expect("a valid PNG header");
    let mut buf = vec![0; reader.output_buffer_size().expect("a buffer size")];
    let info = reader.next_frame(&mut buf).expect("a valid PNG frame");
    buf.truncate(info.buffer_size());
    (info.width, info.height, buf)
}

fn check_chart(dir: &Path, name: &str, label: &str) {
    let (w, h, rgb) = decode_png(&dir.join(format!("{name}.png")));
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
    let dir = run_into(tmp.path(), &["run", &scenario, "--replications", "3"]);
    let dir = dir.as_path();
    let charts = [
        ("queue", "queued runs"),
        ("wait_cdf", "wait (minutes)"),
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
    run_into(tmp.path(), &["sweep", &scenario, "--replications", "3"]);
    check_chart(tmp.path(), "sweep_cost_wait", "Pareto front");
    check_chart(tmp.path(), "sweep_wait_count", "instances");
    let svg = std::fs::read_to_string(tmp.path().join("sweep_cost_wait.svg")).expect("svg");
    assert!(svg.contains("recommended") && svg.contains("SLO: p95 wait"));
    let html = std::fs::read_to_string(tmp.path().join("report.html")).expect("report.html");
    assert_eq!(html.matches("<svg").count(), 2);
    assert!(html.contains("<h2>Recommendation</h2>") && html.contains("<h2>Pareto front</h2>"));
}
