//! `report.html` in a real browser: headless Chromium lays it out at phone,
//! laptop and desktop widths, screenshots it, and measures that nothing but
//! the tables (which scroll on their own by design) is wider than the
//! window. Skipped, with a message, where no Chromium is installed; `.ci/run`
//! installs one and sets `POOLCAST_CHROMIUM`, which makes the test required.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{run_into, scenarios_dir};

/// Window widths: a small phone, a narrow laptop window, a wide screen.
const WIDTHS: [u32; 3] = [360, 800, 1600];
const HEIGHT: u32 = 900;

/// The Chromium to use: `POOLCAST_CHROMIUM` (then it must work), else the
/// first of the usual names on the PATH that answers `--version`.
fn chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("POOLCAST_CHROMIUM").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| {
            [
                "chromium",
                "chromium-browser",
                "google-chrome",
                "google-chrome-stable",
            ]
            .map(|name| dir.join(name))
        })
        .filter(|p| p.is_file())
        .find(|p| {
            Command::new(p)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
}

/// Runs headless Chromium with `args` on a throw-away profile, isolated
/// from the network and from the machine's own profile; returns stdout.
fn headless(chromium: &Path, window: (u32, u32), args: &[String]) -> String {
    let profile = tempfile::tempdir().expect("a profile folder");
    let out = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            // The probe page reads the report in its frame (both files).
            "--allow-file-access-from-files",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--window-size={},{}", window.0, window.1))
        .args(args)
        .output()
        .expect("chromium starts");
    assert!(
        out.status.success(),
        "{} {args:?}: {}",
        chromium.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn file_url(path: &Path) -> String {
    format!("file://{}", path.display())
}

/// A page that shows `report.html` in a frame `width` pixels wide (what a
/// window of that width gives it: headless Chromium's own window is at
/// least 500 wide) and writes what it measured into the page once the
/// report has loaded: the report's scroll width, its client width, and the
/// elements outside a table that reach past the right edge.
fn probe_page(width: u32) -> String {
    format!(
        r#"<!DOCTYPE html>
<html><body style="margin: 0">
<iframe id="report" src="report.html" style="width: {width}px; height: {HEIGHT}px; border: 0"></iframe>
<pre id="probe">not measured</pre>
<script>
document.getElementById("report").addEventListener("load", () => {{
  const out = document.getElementById("probe");
  const doc = document.getElementById("report").contentDocument;
  if (!doc) {{ out.textContent = "the report could not be read"; return; }}
  const root = doc.documentElement;
  const wide = [...doc.body.querySelectorAll("*")]
    .filter(e => !e.closest(".table") && !e.closest(".chart") && e.getBoundingClientRect().right > root.clientWidth + 0.5)
    .map(e => e.tagName.toLowerCase() + ": " + (e.textContent || "").trim().slice(0, 40));
  const charts = [...doc.querySelectorAll(".chart svg")].map(s => Math.floor(s.getBoundingClientRect().width));
  out.textContent = "scroll=" + root.scrollWidth + " client=" + root.clientWidth + " charts=" + (charts.length ? Math.min(...charts) : 0) + " wide=" + JSON.stringify(wide.slice(0, 5));
}});
</script>
</body></html>
"#
    )
}

/// `scroll=N client=N charts=N wide=[...]` from the probe's dumped DOM:
/// `charts` is the narrowest chart's width.
fn measured(dom: &str) -> (u32, u32, u32, String) {
    let text = dom
        .split("<pre id=\"probe\">")
        .nth(1)
        .and_then(|rest| rest.split("</pre>").next())
        .unwrap_or_else(|| panic!("no probe in the dumped page: {dom}"));
    let field = |name: &str| -> u32 {
        text.split(&format!("{name}="))
            .nth(1)
            .and_then(|v| v.split(' ').next())
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("the probe measured nothing: {text}"))
    };
    let wide = text.split("wide=").nth(1).unwrap_or("").to_string();
    (field("scroll"), field("client"), field("charts"), wide)
}

#[test]
fn report_html_fits_phone_laptop_and_desktop_windows() {
    let Some(chromium) = chromium() else {
        eprintln!(
            "skipped: no headless Chromium (chromium, chromium-browser, google-chrome) on the PATH; install one (apt-get install chromium) or set POOLCAST_CHROMIUM to run this test"
        );
        return;
    };
    let tmp = tempfile::tempdir().expect("dir");
    let scenario = scenarios_dir().join("team-schedule.toml");
    let dir = run_into(
        tmp.path(),
        &[
            "run",
            &scenario.display().to_string(),
            "--replications",
            "2",
            "--outputs",
            "html",
        ],
    );
    for width in WIDTHS {
        let shot = dir.join(format!("report-{width}.png"));
        headless(
            &chromium,
            (width, HEIGHT),
            &[
                format!("--screenshot={}", shot.display()),
                file_url(&dir.join("report.html")),
            ],
        );
        let png = std::fs::read(&shot).expect("chromium wrote the screenshot");
        let (w, h, rgb) = crate::reports::decode_png(&png);
        assert_eq!((w, h), (width, HEIGHT), "the screenshot's size");
        // Text renders: dark pixels (the title and paragraphs) on white.
        let dark = rgb.chunks(3).filter(|p| p.iter().all(|c| *c < 100)).count();
        assert!(
            dark > 1000,
            "{width} px: the screenshot is blank ({dark} dark pixels)"
        );

        let probe = dir.join(format!("probe-{width}.html"));
        std::fs::write(&probe, probe_page(width)).expect("write the probe");
        let dom = headless(
            &chromium,
            (width.max(500) + 20, HEIGHT + 100),
            &["--dump-dom".into(), file_url(&probe)],
        );
        let (scroll, client, chart, wide) = measured(&dom);
        // Charts keep a size their text can be read at (15 px labels on a
        // 1000-px drawing: 11 px and more), scrolling on their own in a
        // narrower window rather than shrinking to a third.
        assert!(chart >= 720, "{width} px: a chart is drawn {chart} px wide");
        assert!(
            client > 0 && client <= width,
            "{width} px: the report was laid out {client} px wide"
        );
        assert!(
            scroll <= client,
            "{width} px: the report is {scroll} px wide in a {client} px window; too wide: {wide}"
        );
    }
}
