//! Hostile situations: interruption, overload, doubtful results, odd files.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use predicates::prelude::*;

use crate::support::{poolcast, refuses, write_scenario};

const LONG: &str = r#"
[simulation]
horizon = "3000d"
warmup = "1d"
replications = 200
sample_interval = "1d"

[quota]
standard_vcpu = 64

[[pool]]
name = "builders"
tier = "S1"
count = 8

[[workload]]
name = "ci"
pool = "builders"
arrival = { process = "poisson", rate = "70/h" }
duration = { dist = "exponential", mean = "6m" }
"#;

/// Ctrl-C stops a long run promptly, writes nothing, and exits 130.
#[test]
fn interrupt_stops_promptly_and_writes_nothing() {
    let (dir, path) = write_scenario(LONG, "long.toml");
    let out = dir.path().join("out");
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("poolcast"))
        .arg("run")
        .arg(&path)
        .arg("--out")
        .arg(&out)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("poolcast starts");
    std::thread::sleep(Duration::from_millis(700));
    let sent = Instant::now();
    let kill = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(kill.success());
    let status = child.wait().expect("poolcast ends");
    assert!(
        sent.elapsed() < Duration::from_secs(5),
        "took {:?} to stop",
        sent.elapsed()
    );
    assert_eq!(status.code(), Some(130));
    assert!(
        !out.join("summary.json").exists(),
        "an interrupted run wrote its summary"
    );
    let leftovers: Vec<_> = std::fs::read_dir(&out)
        .expect("the output folder")
        .collect();
    assert!(
        leftovers.is_empty(),
        "temporary files left behind: {leftovers:?}"
    );
}

/// An overloaded pool: warned about before the run, stopped with bounded
/// memory when its queue passes a million runs, and marked in the output.
#[test]
fn overload_is_warned_and_bounded() {
    let (dir, path) = write_scenario(
        "[simulation]\nhorizon = \"30d\"\nwarmup = \"1h\"\nreplications = 2\nsample_interval = \"1h\"\n\n[[pool]]\nname = \"tiny\"\ntier = \"S1\"\ncount = 1\n\n[[workload]]\nname = \"flood\"\npool = \"tiny\"\narrival = { process = \"poisson\", rate = \"3000/h\" }\nduration = { dist = \"constant\", value = \"10m\" }\n",
        "flood.toml",
    );
    let out = poolcast()
        .arg("run")
        .arg(&path)
        .args(["--format", "json", "--out"])
        .arg(dir.path().join("out"))
        .output()
        .expect("runs");
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr
            .contains("arrivals need 500.00 instances of S1 on average but the pool has at most 1"),
        "{stderr}"
    );
    assert!(
        stderr.contains("stopped early when a queue passed 1000000"),
        "{stderr}"
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let warnings = v["warnings"].as_array().expect("warnings");
    assert!(
        warnings
            .iter()
            .any(|w| w.as_str().is_some_and(|w| w.contains("not steady-state")))
    );
}

/// Doubtful numbers are flagged: a warm-up too short for a busy queue, and
/// intervals too wide to act on.
#[test]
fn doubtful_results_are_flagged() {
    let (dir, path) = write_scenario(
        "[simulation]\nhorizon = \"6h\"\nwarmup = \"0s\"\nreplications = 3\n\n[[pool]]\nname = \"busy\"\ntier = \"S1\"\ncount = 1\n\n[[workload]]\nname = \"ci\"\npool = \"busy\"\narrival = { process = \"poisson\", rate = \"5.4/h\" }\nduration = { dist = \"exponential\", mean = \"10m\" }\n",
        "doubt.toml",
    );
    poolcast()
        .arg("run")
        .arg(&path)
        .arg("--out")
        .arg(dir.path().join("out"))
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "to settle, longer than the 0s warm-up",
        ))
        .stderr(predicate::str::contains(
            "the 95% interval of wait_mean_s is",
        ));
}

#[test]
fn odd_scenario_files_get_clear_errors() {
    let dir = tempfile::tempdir().expect("dir");
    let binary = dir.path().join("binary.toml");
    std::fs::write(&binary, [0xff, 0xfe, 0x00, 0x41]).expect("write");
    refuses("validate", &binary, "not UTF-8 text");
    let huge = dir.path().join("huge.toml");
    std::fs::write(&huge, "#".repeat(17 << 20)).expect("write");
    refuses("validate", &huge, "more than a scenario's limit");
    let folder = dir.path().join("folder.toml");
    std::fs::create_dir(&folder).expect("mkdir");
    refuses("validate", &folder, "folder.toml");
}

/// The run limit is configurable: raising it lets a large run through.
#[test]
fn max_runs_is_configurable() {
    let src = "[simulation]\nhorizon = \"1d\"\n\n[[workload]]\nname = \"ci\"\npool = \"default\"\narrival = { process = \"poisson\", rate = \"100/h\" }\nduration = { dist = \"constant\", value = \"1m\" }\n";
    let (_d, low) = write_scenario(
        &src.replace("horizon = \"1d\"", "horizon = \"1d\"\nmax_runs = 1000"),
        "low.toml",
    );
    refuses("validate", &low, "more than the limit of 1e3");
    let (_d, ok) = write_scenario(src, "ok.toml");
    poolcast().arg("validate").arg(&ok).assert().success();
}

/// A full disk fails before simulating. The test mounts a 32 KiB tmpfs,
/// which needs root (as CI and this machine have); where mounting is not
/// allowed it says so and checks nothing.
#[test]
fn full_disk_fails_before_simulating() {
    let dir = tempfile::tempdir().expect("dir");
    let mounted = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=32k", "tmpfs"])
        .arg(dir.path())
        .status()
        .is_ok_and(|s| s.success());
    if !mounted {
        eprintln!("full_disk_fails_before_simulating: cannot mount a tmpfs here; not checked");
        return;
    }
    struct Unmount<'a>(&'a Path);
    impl Drop for Unmount<'_> {
        fn drop(&mut self) {
            let _ = std::process::Command::new("umount").arg(self.0).status();
        }
    }
    let _guard = Unmount(dir.path());
    let started = Instant::now();
    poolcast()
        .arg("run")
        .arg(crate::support::scenarios_dir().join("default.toml"))
        .arg("--out")
        .arg(dir.path().join("out"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("No space left on device"))
        .stderr(predicate::str::contains("choose another with --out"));
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "it simulated before failing"
    );
}

/// `poolcast run` of `src` (short, quiet output folder); returns stderr.
fn run_stderr(src: &str) -> String {
    let (dir, path) = crate::support::write_scenario(src, "warn.toml");
    let out = crate::support::poolcast()
        .arg("run")
        .arg(&path)
        .arg("--out")
        .arg(dir.path().join("out"))
        .output()
        .expect("poolcast runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Issue 12: a timeout cuts what an instance is busy for. 8 x S1 at
/// 1.12/min with constant 10-min runs cut at 5 min is loaded 1.12 x 5 =
/// 5.6 instances (70%), not 11.2: no overload warning.
#[test]
fn issue_12_offered_load_uses_the_timeout() {
    let src = "[simulation]\nhorizon = \"1d\"\nwarmup = \"2h\"\nreplications = 2\n\n[[pool]]\nname = \"builders\"\ntier = \"S1\"\ncount = 8\n\n[[workload]]\nname = \"ci\"\npool = \"builders\"\narrival = { process = \"poisson\", rate = \"1.12/min\" }\nduration = { dist = \"constant\", value = \"10m\" }\ntimeout = \"5m\"\n";
    let stderr = run_stderr(src);
    assert!(!stderr.contains("grows without bound"), "{stderr}");
    let s = crate::support::scenario(src);
    let b = &poolcast::analytic::baseline(&s)[0];
    assert!((b.offered_load - 5.6).abs() < 1e-6, "{}", b.offered_load);
    assert!((b.utilization - 0.7).abs() < 1e-6);
}

/// Issue 12: the relaxation time scales with the instances. M/M/64 at
/// rho 0.9 with 1-min runs settles in minutes; M/M/1 at rho 0.95 with
/// 10-min runs takes days, past a 1-hour warm-up.
#[test]
fn issue_12_warm_up_warning_scales_with_instances() {
    let pool = |tier: &str, count: u32, quota: u32, rate: &str, mean: &str| {
        format!(
            "[simulation]\nhorizon = \"3h\"\nwarmup = \"1h\"\nreplications = 2\n\n[quota]\nstandard_vcpu = {quota}\n\n[[pool]]\nname = \"builders\"\ntier = \"{tier}\"\ncount = {count}\n\n[[workload]]\nname = \"ci\"\npool = \"builders\"\narrival = {{ process = \"poisson\", rate = \"{rate}\" }}\nduration = {{ dist = \"exponential\", mean = \"{mean}\" }}\n"
        )
    };
    let many = run_stderr(&pool("S1", 64, 128, "57.6/min", "1m"));
    assert!(!many.contains("to settle"), "{many}");
    let one = run_stderr(&pool("S1", 1, 16, "0.095/min", "10m"));
    let warning = "to settle, longer than the 1h warm-up";
    assert!(one.contains(warning), "{one}");
    // The same warning reaches the JSON and both reports.
    let (dir, path) =
        crate::support::write_scenario(&pool("S1", 1, 16, "0.095/min", "10m"), "w.toml");
    let out = crate::support::run_into(&dir.path().join("out"), &["run", path.to_str().unwrap()]);
    for file in ["summary.json", "summary.md", "report.html"] {
        let text = std::fs::read_to_string(out.join(file)).expect(file);
        assert!(text.contains(warning), "{file} lacks the warning");
    }
}
