//! Hostile situations: interruption, overload, doubtful results, odd files.

use poolcast::results::WorkloadMetric;
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

/// Starts `poolcast run SCENARIO --out OUT`, sends it SIGINT after
/// `after`, and returns its exit code and how long it took to stop.
fn interrupted_run(scenario: &Path, out: &Path, after: Duration) -> (Option<i32>, Duration) {
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("poolcast"))
        .arg("run")
        .arg(scenario)
        .arg("--out")
        .arg(out)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("poolcast starts");
    std::thread::sleep(after);
    let sent = Instant::now();
    let kill = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(kill.success());
    let status = child.wait().expect("poolcast ends");
    (status.code(), sent.elapsed())
}

/// Ctrl-C stops a long run promptly, writes nothing, and exits 130.
#[test]
fn interrupt_stops_promptly_and_writes_nothing() {
    let (dir, path) = write_scenario(LONG, "long.toml");
    let out = dir.path().join("out");
    let (code, took) = interrupted_run(&path, &out, Duration::from_millis(700));
    assert!(took < Duration::from_secs(5), "took {took:?} to stop");
    assert_eq!(code, Some(130));
    assert!(
        !out.join("summary.json").exists(),
        "an interrupted run wrote its summary"
    );
    assert!(!out.exists(), "an interrupted run made its folder");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .expect("the scenario's folder")
        .filter(|e| e.as_ref().is_ok_and(|e| e.path() != path))
        .collect();
    assert!(
        leftovers.is_empty(),
        "temporary files left behind: {leftovers:?}"
    );
}

/// Issue 16: Ctrl-C is answered within one event, however much drawing
/// that event takes. A minutely cron scaled to one run in a million
/// firings searches about 10^6 firings between two arrivals (seconds of
/// calendar work in one event, about 15 s for the whole run); the draw
/// looks at the flag every 1,024 firings, so the run stops within a
/// fraction of a second of the signal, far before it would end.
#[test]
fn issue_16_interrupt_is_answered_within_a_slow_draw() {
    let (dir, path) = write_scenario(
        "[simulation]\nhorizon = \"7300d\"\nwarmup = \"0s\"\nreplications = 1\nsample_interval = \"1d\"\n\n[[pool]]\nname = \"builders\"\ntier = \"S1\"\ncount = 1\n\n[[workload]]\nname = \"ci\"\npool = \"builders\"\nrate_scale = 1e-6\narrival = { process = \"cron\", schedule = \"* * * * *\", tasks = 1 }\nduration = { dist = \"constant\", value = \"1m\" }\n",
        "sparse.toml",
    );
    let out = dir.path().join("out");
    let started = Instant::now();
    let (code, took) = interrupted_run(&path, &out, Duration::from_millis(700));
    assert_eq!(code, Some(130));
    assert!(
        took < Duration::from_secs(3),
        "took {took:?} to stop (in all {:?})",
        started.elapsed()
    );
    assert!(!out.exists(), "an interrupted run made its folder");
}

/// Issue 16: Ctrl-C during `estimate` of a big sweep (50,000 points,
/// seconds of work) exits 130 and prints nothing: it used to finish and
/// print, exit 0. The signal goes once the handler is in place.
#[cfg(target_os = "linux")]
#[test]
fn issue_16_ctrl_c_during_an_estimate_prints_nothing() {
    let (_dir, path) = write_scenario(
        "[[pool]]\nname = \"builders\"\ntier = \"S1\"\ncount = 1\n\n[[workload]]\nname = \"ci\"\npool = \"builders\"\narrival = { process = \"profile\", rate = \"20/h\", preset = \"workday\" }\nduration = { dist = \"constant\", value = \"5m\" }\n\n[sweep]\n\"simulation.seed\" = { from = 1, to = 50000, step = 1 }\n",
        "points.toml",
    );
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("poolcast"))
        .arg("estimate")
        .arg(&path)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("poolcast starts");
    crate::support::wait_for_interrupt_handler(&mut child);
    crate::support::signal(&child, "-INT");
    let out = child.wait_with_output().expect("poolcast ends");
    assert_eq!(out.status.code(), Some(130));
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
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
        stderr.contains("stopped early when the queues passed 1000000"),
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
    refuses("validate", &huge, "the limit for a scenario;");
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
    let b = &poolcast::forecast::baseline(&s)[0];
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

/// The issue's example: a monthly cron of 1,000 runs with a 60-day jitter
/// overlaps the next firings. Merged in time order, the runs spread over two
/// months on 2 x S2 at about 3% utilisation wait next to nothing (it was a
/// mean of 17 hours when the stream handed out earlier times after later
/// ones).
#[test]
fn cron_jitter_longer_than_the_gap_gives_near_zero_waits() {
    let s = crate::support::scenario(
        r#"
[simulation]
horizon = "365d"
warmup = "1d"
replications = 3
sample_interval = "1h"

[[pool]]
name = "builders"
tier = "S2"
count = 2

[[workload]]
name = "monthly"
pool = "builders"
arrival = { process = "cron", schedule = "0 0 1 * *", tasks = 1000, jitter = "60d" }
duration = { dist = "exponential", mean = "150s" }
"#,
    );
    let summary = poolcast::replication::run(&s, &Default::default());
    let w = &summary.workloads[0].metrics;
    assert!(
        w.get(WorkloadMetric::WaitMeanS).mean < 5.0,
        "{}",
        w.get(WorkloadMetric::WaitMeanS).mean
    );
    assert!(
        w.get(WorkloadMetric::WaitP95S).mean < 60.0,
        "{}",
        w.get(WorkloadMetric::WaitP95S).mean
    );
    // 12 firings in the year, less the runs jittered past the horizon.
    assert!(
        w.get(WorkloadMetric::Arrived).mean > 10_000.0,
        "{}",
        w.get(WorkloadMetric::Arrived).mean
    );
}

/// Cron expressions that can never fire are refused with their place and
/// the reason, for arrivals and schedule rules alike; one that fires, but
/// not inside the window, runs with a warning.
#[test]
fn crons_that_never_fire_are_refused() {
    let src = "[[pool]]\nname = \"builders\"\ntier = \"S1\"\nscaling = { policy = \"schedule\", rules = [{ cron = \"0 0 31 2 *\", count = 1 }] }\n\n[[workload]]\nname = \"ci\"\npool = \"builders\"\narrival = { process = \"cron\", schedule = \"0 0 30 2 *\" }\nduration = { dist = \"constant\", value = \"1m\" }\n";
    let (_d, path) = write_scenario(src, "never.toml");
    poolcast()
        .arg("validate")
        .arg(&path)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "never.toml:4:52: pool.builders.scaling.rules[0].cron: \"0 0 31 2 *\" never fires between 2024-12-09 00:00 UTC and 2025-01-13 00:00 UTC nor in the 8 years after",
        ))
        .stderr(predicate::str::contains(
            "never.toml:9:42: workload.ci.arrival.schedule: \"0 0 30 2 *\" never fires",
        ));
    let far = src.replace(
        "[[pool]]",
        "[simulation]\nstart = \"5100-01-04T00:00:00Z\"\n\n[[pool]]",
    );
    let (_d, path) = write_scenario(&far, "far.toml");
    refuses("validate", &path, "computed up to the year 5000 only");
    let yearly = "[[workload]]\nname = \"ci\"\npool = \"default\"\narrival = { process = \"cron\", schedule = \"0 0 1 1 *\" }\nduration = { dist = \"constant\", value = \"1m\" }\n";
    let (_d, path) = write_scenario(yearly, "yearly.toml");
    let v = crate::support::json_stdout(
        poolcast()
            .arg("validate")
            .arg(&path)
            .args(["--format", "json"]),
    );
    let warned = v["warnings"].to_string();
    assert!(
        warned.contains("workload.ci.arrival.schedule: \\\"0 0 1 1 *\\\" never fires between 2025-01-06 00:00 UTC and 2025-01-13 00:00 UTC (it fires next at 2026-01-01 00:00 UTC), so this workload brings no runs"),
        "{warned}"
    );
}

/// Makes a FIFO at `path` (where `mkfifo` exists).
fn mkfifo(path: &Path) -> bool {
    std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .is_ok_and(|s| s.success())
}

/// Runs `poolcast ARGS` and expects exit 2 with every one of `needles` on
/// stderr; a timeout turns a hang (a FIFO opened for reading) into a
/// failure instead of a stuck suite.
fn refused_with(args: &[&std::ffi::OsStr], needles: &[&str]) -> String {
    let out = poolcast()
        .args(args)
        .timeout(Duration::from_secs(60))
        .output()
        .expect("poolcast runs");
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    for needle in needles {
        assert!(stderr.contains(needle), "{args:?}: {stderr} lacks {needle}");
    }
    stderr
}

/// Every input file (scenario, durations file, trace, runs file for import)
/// must be a regular file: FIFOs, devices and folders are refused by what
/// they are, at once, and the system's message is given once.
#[test]
fn inputs_must_be_regular_files() {
    let dir = tempfile::tempdir().expect("dir");
    let d = dir.path();
    let fifo = d.join("fifo");
    let has_fifo = mkfifo(&fifo);
    std::fs::create_dir(d.join("folder")).expect("mkdir");
    let scenario =
        |name: &str, workload: &str| crate::support::workload_scenario(d, name, workload);
    let poisson = "arrival = { process = \"poisson\", rate = \"1/h\" }\n";
    let cases = [
        (
            scenario(
                "durations.toml",
                &format!("{poisson}duration = {{ dist = \"empirical\", file = \"fifo\" }}\n"),
            ),
            "fifo is a named pipe (FIFO), not a regular file",
        ),
        (
            scenario(
                "trace.toml",
                "arrival = { process = \"trace\", file = \"fifo\" }\n",
            ),
            "fifo: it is a named pipe (FIFO), not a regular file",
        ),
        (
            scenario(
                "zero.toml",
                "arrival = { process = \"trace\", file = \"/dev/zero\" }\n",
            ),
            "/dev/zero: it is a character device",
        ),
        (
            scenario(
                "folder.toml",
                &format!("{poisson}duration = {{ dist = \"empirical\", file = \"folder\" }}\n"),
            ),
            "folder is a folder, not a regular file",
        ),
    ];
    for (path, needle) in &cases {
        if needle.contains("fifo") && !has_fifo {
            continue;
        }
        // `--allow-outside` for /dev/zero, which is outside the folder.
        refused_with(
            &[
                "validate".as_ref(),
                path.as_os_str(),
                "--allow-outside".as_ref(),
            ],
            &[needle],
        );
    }
    if has_fifo {
        refused_with(
            &["validate".as_ref(), fifo.as_os_str()],
            &["is a named pipe (FIFO), not a regular file"],
        );
        refused_with(
            &["import".as_ref(), fifo.as_os_str()],
            &["it is a named pipe (FIFO), not a regular file"],
        );
    }
    let missing = refused_with(
        &["validate".as_ref(), d.join("missing.toml").as_os_str()],
        &["missing.toml"],
    );
    assert_eq!(missing.matches("os error 2").count(), 1, "{missing}");
}

/// Process substitution hands over a pipe whose size is unknown: refused
/// like a FIFO, so no size limit can be bypassed.
#[test]
fn process_substitution_is_refused() {
    let bash = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!(
            "{} validate <(printf '[[workload]]\\n')",
            assert_cmd::cargo::cargo_bin("poolcast").display()
        ))
        .output();
    let Ok(out) = bash else {
        eprintln!("process_substitution_is_refused: no bash here; not checked");
        return;
    };
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("not a regular file"), "{stderr}");
}

/// A scenario may name any file; its errors give the place but never echo
/// what the file holds (a scenario from an untrusted pull request could
/// otherwise print a secret into a CI log).
#[test]
fn errors_never_quote_another_file() {
    let dir = tempfile::tempdir().expect("dir");
    let secret = dir.path().join("passwd");
    std::fs::write(
        &secret,
        "root:x:0:0:hunter2:/root:/bin/bash\ntime,duration\nhunter2,5\n",
    )
    .expect("write");
    std::fs::create_dir(dir.path().join("team")).expect("mkdir");
    for (name, workload) in [
        (
            "durations.toml",
            "arrival = { process = \"poisson\", rate = \"1/h\" }\nduration = { dist = \"empirical\", file = \"../passwd\" }\n",
        ),
        (
            "trace.toml",
            "arrival = { process = \"trace\", file = \"../passwd\" }\n",
        ),
    ] {
        let path = dir.path().join("team").join(name);
        std::fs::write(
            &path,
            format!("[[workload]]\nname = \"ci\"\npool = \"default\"\n{workload}"),
        )
        .expect("write");
        for allow in [None, Some("--allow-outside")] {
            let mut args = vec!["validate".as_ref(), path.as_os_str()];
            args.extend(allow.map(std::ffi::OsStr::new));
            let stderr = refused_with(&args, &["passwd"]);
            assert!(!stderr.contains("hunter2"), "{stderr}");
            assert!(!stderr.contains("root:x"), "{stderr}");
        }
    }
}

/// Issue 16: the files a scenario names stay in its folder (after `..` and
/// links) unless `--allow-outside` says otherwise: a located exit 2 that
/// says how to allow it, and the file is not read.
#[test]
fn scenario_files_stay_in_its_folder() {
    let dir = tempfile::tempdir().expect("dir");
    let d = dir.path();
    std::fs::write(d.join("times.txt"), "5m\n6m\n").expect("write");
    std::fs::create_dir_all(d.join("team/data")).expect("mkdir");
    std::fs::write(d.join("team/data/times.txt"), "5m\n6m\n").expect("write");
    let scenario = |name: &str, file: &str| {
        let path = d.join("team").join(name);
        std::fs::write(
            &path,
            format!("[[workload]]\nname = \"ci\"\npool = \"default\"\narrival = {{ process = \"poisson\", rate = \"1/h\" }}\nduration = {{ dist = \"empirical\", file = \"{file}\" }}\n"),
        )
        .expect("write");
        path
    };
    let up = scenario("up.toml", "../times.txt");
    let absolute = scenario("abs.toml", &d.join("times.txt").display().to_string());
    #[cfg(unix)]
    std::os::unix::fs::symlink(d.join("times.txt"), d.join("team/link.txt")).expect("link");
    let link = scenario("link.toml", "link.txt");
    for path in [&up, &absolute, &link] {
        if path == &link && !cfg!(unix) {
            continue;
        }
        refused_with(
            &["validate".as_ref(), path.as_os_str()],
            &[
                ":5:41: workload.ci.duration.file:",
                "is outside the scenario's folder",
                "pass --allow-outside to read it",
            ],
        );
        poolcast()
            .arg("validate")
            .arg(path)
            .arg("--allow-outside")
            .assert()
            .success();
    }
    let inside = scenario("inside.toml", "data/../data/times.txt");
    poolcast().arg("validate").arg(&inside).assert().success();
}

/// Validation locates its problems in one pass over the file: 80,000
/// invalid workloads are all reported (it used to rescan the file for each
/// and never finished). The timeout is a hang guard, fifty times what it
/// takes on a loaded 2-core machine.
#[test]
fn validation_is_linear_in_the_number_of_problems() {
    let mut src = String::from("[[pool]]\nname = \"builders\"\ntier = \"S1\"\n");
    for i in 0..80_000 {
        src.push_str(&format!("[[workload]]\nname = \"w{i}\"\npool = \"builders\"\narrival = {{ process = \"poisson\", rate = \"-1/h\" }}\nduration = {{ dist = \"constant\", value = \"1m\" }}\n"));
    }
    let (_d, path) = write_scenario(&src, "many.toml");
    let stderr = refused_with(
        &["validate".as_ref(), path.as_os_str()],
        &[
            "is invalid (80000 problems)",
            "many.toml:400002:41: workload.w79999.arrival.rate",
        ],
    );
    assert_eq!(stderr.matches("must be a positive number").count(), 80_000);
}

/// Numbers above 10^12 are refused wherever they stand (prices, durations,
/// multipliers, batch means), and workload names may not hold control
/// characters or bidirectional overrides; the keys show such names escaped.
#[test]
fn huge_numbers_and_unprintable_names_are_refused() {
    let src = r#"[prices]
S1 = 1.7e308

[[pool]]
name = "builders"
tier = "S1"
provisioning = "50000years"

[[workload]]
name = "ci\u202Eevil"
pool = "builders"
arrival = { process = "burst", rate = "1/h", size = { dist = "geometric", mean = 1e13 } }
duration = { dist = "constant", value = 1e13 }

[[workload]]
name = "line\nbreak"
pool = "builders"
arrival = { process = "profile", rate = "1/h", hourly = [1e13, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1] }
duration = { dist = "constant", value = "1m" }

[[workload]]
name = "nul\u0000"
pool = "builders"
arrival = { process = "poisson", rate = "1/h" }
duration = { dist = "constant", value = "1m" }
"#;
    let (_d, path) = write_scenario(src, "odd.toml");
    refused_with(
        &["validate".as_ref(), path.as_os_str()],
        &[
            "odd.toml:2:6: prices.S1: must be a number at least 0 (and at most 1e12), got 1.7e308",
            "odd.toml:7:16: pool.builders.provisioning: must be at most 1e12 s",
            "odd.toml:10:8: workload.\"ci\\u{202e}evil\".name: the workload name contains a bidirectional-text control",
            "odd.toml:12:82: workload.\"ci\\u{202e}evil\".arrival.size.mean: a mean batch size is at most 1000000, like a fixed one, got 10000000000000",
            "odd.toml:13:41: workload.\"ci\\u{202e}evil\".duration.value: must be longer than zero and at most 1e12 s",
            "odd.toml:16:8: workload.\"line\\nbreak\".name: the workload name contains a control character",
            "odd.toml:18:57: workload.\"line\\nbreak\".arrival.hourly: multipliers must be numbers from 0 to 1e12",
            "odd.toml:22:8: workload.\"nul\\0\".name: the workload name contains a control character",
        ],
    );
}

/// Batches of 2 x 10^8 runs (one cron firing, a trace run replayed 2 x
/// 10^8 times) and geometric bursts at the cap (a mean of 10^6, 200 a
/// day) are streamed one run at a time: each runs under a 1 GB
/// address-space limit (they took 6.3, 2.3 and 4.7 GB when a batch was
/// built at once) and stops when the queue passes 10^6 runs.
#[test]
fn huge_batches_run_in_bounded_memory() {
    let dir = tempfile::tempdir().expect("dir");
    std::fs::write(dir.path().join("one.csv"), "time,duration\n60,60\n").expect("write");
    let head = "[simulation]\nhorizon = \"1d\"\nwarmup = \"0s\"\nreplications = 2\nsample_interval = \"1h\"\n\n[[pool]]\nname = \"builders\"\ntier = \"S1\"\n\n[[workload]]\nname = \"big\"\npool = \"builders\"\n";
    for (name, workload) in [
        (
            "cron",
            "arrival = { process = \"cron\", schedule = \"0 12 * * *\", tasks = 1000000, jitter = \"1h\" }\nrate_scale = 200\nduration = { dist = \"constant\", value = \"1m\" }\n",
        ),
        (
            "burst",
            "arrival = { process = \"burst\", rate = \"200/d\", size = { dist = \"geometric\", mean = 1e6 } }\nduration = { dist = \"constant\", value = \"1m\" }\n",
        ),
        (
            "trace",
            "arrival = { process = \"trace\", file = \"one.csv\" }\nrate_scale = 2e8\n",
        ),
    ] {
        let path = dir.path().join(format!("{name}.toml"));
        std::fs::write(&path, format!("{head}{workload}")).expect("write");
        let out = crate::support::poolcast_within(
            1000000,
            &[
                "run".as_ref(),
                path.as_os_str(),
                "--format".as_ref(),
                "json".as_ref(),
                "--out".as_ref(),
                dir.path().join(name).as_os_str(),
            ],
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{name}: {stderr}");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
        let arrived = v["workloads"][0]["arrived"].as_f64().expect("arrived");
        if name != "burst" {
            // A burst arrives at a random time (it may miss the day).
            assert!(arrived >= 1e6, "{name}: {arrived} arrived");
        }
        assert!(
            name == "burst" || stderr.contains("stopped early when the queues passed 1000000"),
            "{name}: {stderr}"
        );
        if stderr.contains("stopped early") {
            // The queue that stopped the replication is its maximum, held
            // for no time or not (it showed 0).
            let qmax = v["pools"][0]["queue_len_max"].as_f64().expect("a maximum");
            assert!(qmax > 1e6, "{name}: queue max {qmax}");
        }
    }
}

/// A jitter many firings long is allowed (the runs merge in time order), up
/// to 10^6 firings pending at once: a minutely cron with a 1000-day jitter
/// would hold 1.44 x 10^6.
#[test]
fn overlapping_cron_firings_are_bounded() {
    let src = |jitter: &str| {
        format!(
            "[simulation]\nhorizon = \"3650d\"\nsample_interval = \"1d\"\n\n[[workload]]\nname = \"ci\"\npool = \"default\"\narrival = {{ process = \"cron\", schedule = \"* * * * *\", jitter = \"{jitter}\" }}\nduration = {{ dist = \"constant\", value = \"1m\" }}\n"
        )
    };
    let (_d, path) = write_scenario(&src("1000d"), "overlap.toml");
    refused_with(
        &["validate".as_ref(), path.as_os_str()],
        &[
            "workload.ci.arrival.jitter: a jitter of \"1000d\" spreads each firing's runs over about 1.44e6 later firings",
        ],
    );
    let (_d, path) = write_scenario(&src("500d"), "fits.toml");
    poolcast().arg("validate").arg(&path).assert().success();
}

/// Issue 16: peak memory is estimated before simulating and a run above
/// the budget is refused with the arithmetic. The default scenario's 10
/// replications keep 10 wait histograms of a 7-day range (248 KiB each)
/// and one folded series of 2,017 queue samples: about 3 MiB, above a 1
/// MiB budget and below a 64 MiB one. A sweep counts every point.
#[test]
fn issue_16_memory_above_the_budget_is_refused_with_the_arithmetic() {
    let default = crate::support::scenarios_dir().join("default.toml");
    let dir = tempfile::tempdir().expect("dir");
    let started = Instant::now();
    poolcast()
        .arg("run")
        .arg(&default)
        .args(["--max-memory", "1MiB", "--threads", "2", "--out"])
        .arg(dir.path().join("small"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "above the budget of 1.0 MiB (--max-memory 1MiB)",
        ))
        .stderr(predicate::str::contains(
            "queue series, all replications together: 1 pool(s) x 2017 samples x 48 B = 94.5 KiB",
        ))
        // Each replication's own series only while it runs.
        .stderr(predicate::str::contains(
            "queue series: 2 replication(s) in flight x 1 pool(s) x 2017 samples x 16 B = 63.0 KiB",
        ))
        // Kept a byte a bucket: an eighth of the histogram's 248 KiB.
        .stderr(predicate::str::contains(
            "wait counts: 10 replication(s) x 1 workload(s) x 31.0 KiB",
        ))
        // Per replication in flight: its turnarounds' counts (no histogram
        // is built at its end).
        .stderr(predicate::str::contains(
            "turnaround counts: 2 replication(s) in flight x 1 workload(s) x 31.0 KiB",
        ));
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "it simulated first"
    );
    assert!(!dir.path().join("small").exists());
    crate::support::run_into(
        &dir.path().join("enough"),
        &["run", default.to_str().unwrap(), "--max-memory", "64MiB"],
    );
    poolcast()
        .arg("sweep")
        .arg(crate::support::scenarios_dir().join("sweep-tiers.toml"))
        .args(["--max-memory", "1MiB", "--out"])
        .arg(dir.path().join("sweep"))
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("empirical run times")
                .or(predicate::str::contains("queue series")),
        )
        .stderr(predicate::str::contains("above the budget of 1.0 MiB"));
    // plan --schedule too, the most it holds at once: its stranding check
    // (2,000 days: 286 weeks; its result and confirmation hold 30),
    // before it simulates or makes a folder.
    poolcast()
        .arg("plan")
        .arg(crate::support::scenarios_dir().join("plan-schedule.toml"))
        .args(["--schedule", "builders", "--max-memory", "1MiB", "--out"])
        .arg(dir.path().join("schedule"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("wait counts: 286 replication(s)"))
        .stderr(predicate::str::contains("above the budget of 1.0 MiB"));
    assert!(!dir.path().join("schedule").exists());
    // A frontier holds a plan per target, each its result and
    // confirmation folded: 3 targets, 6 runs (8 targets had peaked 9 MiB
    // above the estimate of one plan).
    poolcast()
        .arg("plan")
        .arg(crate::support::scenarios_dir().join("plan-schedule.toml"))
        .args(["--schedule", "builders", "--targets", "5m,10m,20m"])
        .args(["--max-memory", "1MiB", "--out"])
        .arg(dir.path().join("frontier"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "waits by hour, all replications together: 6 runs",
        ));
    poolcast()
        .arg("run")
        .arg(&default)
        .args(["--max-memory", "lots"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "--max-memory: \"lots\" is not a size",
        ));
}

/// Issue 16: work that cannot finish is refused before it starts, with the
/// arithmetic: a controller polling every 10 s for a week polls 60,480
/// times, against ten times `max_runs`. A profile whose peak is one hour a
/// week costs its runs and the 168 hours its stream walks, whatever the
/// peak, so it passes.
#[test]
fn issue_16_event_counts_beyond_the_limit_are_refused() {
    let quiet_hours = vec!["0.001"; 23].join(", ");
    let (_a, peak) = write_scenario(
        &format!(
            "[simulation]\nhorizon = \"7d\"\nmax_runs = 20000\n\n[[workload]]\nname = \"ci\"\npool = \"default\"\narrival = {{ process = \"profile\", rate = \"10/h\", hourly = [1000, {quiet_hours}], weekly = [1, 0, 0, 0, 0, 0, 0] }}\nduration = {{ dist = \"constant\", value = \"1m\" }}\n"
        ),
        "peak.toml",
    );
    poolcast().arg("validate").arg(&peak).assert().success();
    let polls = "[simulation]\nhorizon = \"7d\"\nmax_runs = 1000\n\n[[pool]]\nname = \"builders\"\ntier = \"S1\"\ncount = 1\nscaling = { policy = \"queue\", min = 0, max = 2, poll = \"10s\" }\n\n[[workload]]\nname = \"ci\"\npool = \"builders\"\narrival = { process = \"poisson\", rate = \"1/h\" }\nduration = { dist = \"constant\", value = \"1m\" }\n";
    let (_b, path) = write_scenario(polls, "polls.toml");
    refused_with(
        &["validate".as_ref(), path.as_os_str()],
        &["+ 6.05e4 controller polls), more than the limit of 1e4"],
    );
    // Polling every 2 minutes is 5,040 polls, under the limit.
    let (_c, ok) = write_scenario(&polls.replace("poll = \"10s\"", "poll = \"2m\""), "ok.toml");
    poolcast().arg("validate").arg(&ok).assert().success();
}

/// Issue 16: a cron firing is an event even when it brings no run. A
/// minutely cron scaled to one run in a million firings over a century
/// brings 53 runs but fires 5.26e7 times (each a calendar search): past
/// ten times a `max_runs` of 10^6, it is refused with the firings in the
/// sum; over 5 days (7,200 firings) it is not.
#[test]
fn issue_16_cron_firings_without_runs_count_as_events() {
    let src = "[simulation]\nhorizon = \"36500d\"\nwarmup = \"0s\"\nreplications = 1\nmax_runs = 1000000\nsample_interval = \"1d\"\n\n[[pool]]\nname = \"builders\"\ntier = \"S1\"\ncount = 1\n\n[[workload]]\nname = \"ci\"\npool = \"builders\"\nrate_scale = 1e-6\narrival = { process = \"cron\", schedule = \"* * * * *\", tasks = 1 }\nduration = { dist = \"constant\", value = \"1m\" }\n";
    let (_a, path) = write_scenario(src, "sparse.toml");
    for cmd in ["validate", "run"] {
        refused_with(
            &[cmd.as_ref(), path.as_os_str()],
            &[
                "about 5.26e7 events over 36500d (5.26e1 runs + 0.00e0 hours walked by profile arrivals + 5.26e7 cron firings + 0.00e0 controller polls)",
                "more than the limit of 1e7 (10 x [simulation] max_runs)",
            ],
        );
    }
    let (_b, ok) = write_scenario(&src.replace("36500d", "5d"), "ok.toml");
    poolcast().arg("validate").arg(&ok).assert().success();
}

/// Issue 16: the queued-run bound is for the queues together. 500
/// overloaded pools each queue about 70,000 runs a day (3.5 x 10^7 in all,
/// about 1 GB of queued runs when the bound was per pool): the replication
/// stops when the queues hold a million runs together, under a 1 GB
/// address-space limit, and the memory estimate counts that bound once.
#[test]
fn issue_16_queued_runs_are_bounded_across_pools() {
    let src = crate::support::many_pools(
        "horizon = \"1d\"\nwarmup = \"0s\"\nreplications = 1\nsample_interval = \"6h\"",
        500,
        "3000/h",
        "10m",
    );
    let (dir, path) = write_scenario(&src, "many.toml");
    let out = crate::support::poolcast_within(
        1000000,
        &[
            "run".as_ref(),
            path.as_os_str(),
            "--threads".as_ref(),
            "1".as_ref(),
            "--format".as_ref(),
            "json".as_ref(),
            "--out".as_ref(),
            dir.path().join("out").as_os_str(),
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains(
            "1 of 1 replications stopped early when the queues passed 1000000 waiting runs (all pools together)"
        ),
        "{stderr}"
    );
    poolcast()
        .arg("run")
        .arg(&path)
        .args(["--threads", "1", "--max-memory", "1MiB"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(format!(
            "queued runs of overloaded pools: 1 replication(s) in flight x 1000000 runs x {} B",
            poolcast::sim::QUEUED_RUN_BYTES
        )));
}

/// Issue 16: a second writer of an output folder says once that it waits,
/// and for whom (the pid in the other writer's staging folder's name), then
/// writes when the lock is free. The test holds the lock, and plays the
/// other writer with a staging folder of its own (live) pid.
#[test]
fn issue_16_a_waiting_writer_says_so_once() {
    use std::io::Read;
    let (dir, path) = write_scenario(
        "[simulation]\nhorizon = \"1d\"\nreplications = 2\n\n[[workload]]\nname = \"ci\"\npool = \"default\"\narrival = { process = \"poisson\", rate = \"10/h\" }\nduration = { dist = \"constant\", value = \"1m\" }\n",
        "small.toml",
    );
    let parent = dir.path().join("outputs");
    let pid = std::process::id();
    std::fs::create_dir_all(parent.join(format!(".out.poolcast-{pid}-AbCdEf"))).expect("mkdir");
    let lock = std::fs::File::open(&parent).expect("open the folder");
    lock.lock().expect("lock");
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("poolcast"))
        .arg("run")
        .arg(&path)
        .args(["--outputs", "json", "--out"])
        .arg(parent.join("out"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("poolcast starts");
    // Waits for the lock as long as it is held.
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(2) {
        assert!(
            child.try_wait().expect("wait").is_none(),
            "wrote under a held lock"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    drop(lock);
    let status = child.wait().expect("poolcast ends");
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut stderr)
        .expect("read");
    assert!(status.success(), "{stderr}");
    let line = format!(
        "waiting for another poolcast (pid {pid}) writing {} or a folder beside it",
        parent.join("out").display()
    );
    assert_eq!(stderr.matches(&line).count(), 1, "{stderr}");
    assert!(parent.join("out/summary.json").exists());
}

/// Issue 16: the estimate of a sweep counts the replications it holds at
/// once, a chunk of 64 points of its shard (100 points of 5 replications:
/// 320; shard 1/50 holds its 2 points: 10), not one point per thread, and
/// the queue series of those in flight only (a row reads none); and
/// `compare` counts every scenario's replications, kept until the table.
#[test]
fn issue_16_memory_of_shards_and_compare_is_estimated() {
    let sweep = "[simulation]\nhorizon = \"7d\"\nwarmup = \"1d\"\nreplications = 5\nsample_interval = \"1h\"\n\n[quota]\nstandard_vcpu = 1000\n\n[[pool]]\nname = \"builders\"\ntier = \"S1\"\ncount = 1\n\n[[workload]]\nname = \"ci\"\npool = \"builders\"\narrival = { process = \"poisson\", rate = \"2/h\" }\nduration = { dist = \"constant\", value = \"5m\" }\n\n[sweep]\n\"pool.builders.count\" = { from = 1, to = 100, step = 1 }\n";
    let (dir, path) = write_scenario(sweep, "points.toml");
    for (shard, kept) in [(None, 320), (Some("1/50"), 10)] {
        let mut cmd = poolcast();
        cmd.arg("sweep")
            .arg(&path)
            .args(["--threads", "2", "--max-memory", "1KiB", "--out"])
            .arg(dir.path().join("out"));
        if let Some(k) = shard {
            cmd.args(["--shard", k]);
        }
        cmd.assert()
            .code(2)
            .stderr(predicate::str::contains(format!(
                "wait counts: {kept} replication(s) x 1 workload(s)"
            )))
            .stderr(predicate::str::contains(
                "queue series: 2 replication(s) in flight x 1 pool(s) x 169 samples x 16 B",
            ));
    }
    let default = crate::support::scenarios_dir().join("default.toml");
    poolcast()
        .arg("compare")
        .arg(&default)
        .arg(&path)
        .args(["--threads", "2", "--max-memory", "1KiB", "--out"])
        .arg(dir.path().join("compare"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "team-ci: queue series, all replications together: 1 pool(s) x 2017 samples x 48 B = 94.5 KiB",
        ))
        .stderr(predicate::str::contains(
            "points: queue series, all replications together: 1 pool(s) x 169 samples x 48 B",
        ))
        // The scenario not in flight has no histograms being filled.
        .stderr(predicate::str::contains("x 0 in flight").not());
    assert!(!dir.path().join("compare").exists());
}

/// The default memory budget heeds the limits the process runs under: a
/// run whose estimate (306 MiB) fits half of any machine but not a
/// 293 MiB `ulimit -v` is refused with the limit named, not aborted.
#[test]
fn the_default_budget_heeds_ulimit() {
    let default = crate::support::scenarios_dir().join("default.toml");
    let under = |limit_kib: u64| {
        crate::support::poolcast_within(
            limit_kib,
            &[
                "run".as_ref(),
                default.as_os_str(),
                "--replications".as_ref(),
                "10000".as_ref(),
                "--outputs".as_ref(),
                "none".as_ref(),
                "-q".as_ref(),
                "--threads".as_ref(),
                "1".as_ref(),
            ],
        )
    };
    let out = under(300_000);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("(80% of the address-space limit (ulimit -v) of 293.0 MiB)"),
        "{stderr}"
    );
    assert!(!stderr.contains("backtrace"), "{stderr}");
}

/// Issue 16 (finding 8): a Ctrl-C during 10,000 short replications took
/// 1.2-1.4 s to exit: the replications not yet started were still set up,
/// and all of them summarised, before the flag was looked at. Now they are
/// skipped. The reference is the same scenario's uninterrupted run of
/// 1,000 replications (a tenth of the work, its summary included): the
/// interrupted run must stop in under a quarter of that (0.1-0.2 s against
/// about 2.3 s here; the old code took over half of it).
#[cfg(target_os = "linux")]
#[test]
fn issue_16_ctrl_c_during_many_replications_stops_without_summarising() {
    let default = crate::support::scenarios_dir().join("default.toml");
    let started = Instant::now();
    poolcast()
        .arg("run")
        .arg(&default)
        .args(["--replications", "1000", "--outputs", "none", "--quiet"])
        .assert()
        .success();
    let reference = started.elapsed();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("poolcast"))
        .arg("run")
        .arg(&default)
        .args(["--replications", "10000", "--outputs", "none", "--quiet"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("poolcast starts");
    crate::support::wait_for_interrupt_handler(&mut child);
    // Into the replications (a tenth of the reference is about 100 of them).
    std::thread::sleep(reference / 10);
    crate::support::signal(&child, "-INT");
    let signalled = Instant::now();
    assert_eq!(child.wait().expect("ends").code(), Some(130));
    let stopped = signalled.elapsed();
    assert!(
        stopped < reference / 4,
        "stopped {stopped:?} after the signal; 1,000 whole replications took {reference:?}"
    );
}

/// Issue 16 (finding 3): work under the event limit that still takes
/// minutes was accepted without a word (1,000 controllers polling every
/// 10 s for a year: 6.5 minutes, then killed by a CI timeout). Now the
/// estimate and a rough time are printed before simulating: here 100
/// controllers over ten years, 3.15e9 polls. The warning must come while
/// the simulation runs; the test then kills it.
#[test]
fn issue_16_long_work_is_warned_about_before_simulating() {
    use std::io::BufRead;
    let mut src = String::from(
        "[simulation]\nhorizon = \"3650d\"\nwarmup = \"1d\"\nreplications = 1\nsample_interval = \"1d\"\n\n[quota]\nstandard_vcpu = 1000\n\n",
    );
    for i in 0..100 {
        src.push_str(&format!(
            "[[pool]]\nname = \"pool-{i}\"\ntier = \"S1\"\nscaling = {{ policy = \"queue\", max = 2, poll = \"10s\" }}\n\n"
        ));
    }
    src.push_str("[[workload]]\nname = \"ci\"\npool = \"pool-0\"\narrival = { process = \"poisson\", rate = \"1/d\" }\nduration = { dist = \"constant\", value = \"1m\" }\n");
    let (_dir, path) = write_scenario(&src, "long.toml");
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("poolcast"))
        .arg("run")
        .arg(&path)
        .args(["--outputs", "none", "--threads", "1"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("poolcast starts");
    let stderr = std::io::BufReader::new(child.stderr.take().expect("stderr"));
    let warning = stderr
        .lines()
        .map(|l| l.expect("a line"))
        .find(|l| l.contains("events per replication"));
    let running = child.try_wait().expect("wait").is_none();
    child.kill().expect("kill");
    child.wait().expect("ends");
    let warning = warning.expect("no long-work warning");
    assert!(running, "the warning came after the simulation: {warning}");
    // 3.15e9 polls at 1e7 a second: about 5 minutes.
    assert!(
        warning.starts_with(
            "warning: about 3.15e9 events per replication (3.65e3 runs, 3.15e9 other events), 1 replication on 1 thread, will take roughly 5m"
        ),
        "{warning}"
    );
}

/// A trace too large for the memory the process may use is refused at its
/// line, not an abort with a backtrace: its runs grow fallibly and the
/// sort's scratch is checked before sorting (2,000,000 runs need about
/// 100 MB, then 60 MB more to sort).
#[test]
fn a_trace_too_large_for_the_memory_limit_is_refused() {
    let dir = tempfile::tempdir().expect("dir");
    let mut csv = String::from("time,duration\n");
    for i in 0..2_000_000u64 {
        csv.push_str(&format!("{}.{:03},{}\n", i, i % 1000, 30 + i % 200));
    }
    std::fs::write(dir.path().join("big.csv"), csv).expect("write");
    let path = dir.path().join("big.toml");
    std::fs::write(
        &path,
        "[simulation]\nhorizon = \"24d\"\nwarmup = \"1d\"\nreplications = 1\n\n[[workload]]\nname = \"ci\"\npool = \"default\"\narrival = { process = \"trace\", file = \"big.csv\" }\n",
    )
    .expect("write");
    let out = crate::support::poolcast_within(100000, &["validate".as_ref(), path.as_os_str()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("big.toml:9:39: workload.ci.arrival.file"),
        "{stderr}"
    );
    assert!(stderr.contains("there is not enough memory to"), "{stderr}");
    assert!(!stderr.contains("backtrace"), "{stderr}");
}

/// Issue 16: each replication's queue series is folded into the run's as
/// it ends, so 200 replications of 100,801 samples hold one series (4.8
/// MB), not 200 (323 MB, which a 300 MB `ulimit -v` refused), and the
/// queue chart's band and mean come from the fold.
#[test]
fn replications_fold_their_queue_series_as_they_end() {
    let (dir, path) = write_scenario(
        "[simulation]\nhorizon = \"70d\"\nwarmup = \"0s\"\nreplications = 200\nsample_interval = \"1m\"\n\n[[pool]]\nname = \"builders\"\ntier = \"S2\"\ncount = 1\n\n[[workload]]\nname = \"ci\"\npool = \"builders\"\narrival = { process = \"poisson\", rate = \"1/h\" }\nduration = { dist = \"exponential\", mean = \"20m\" }\n",
        "folded.toml",
    );
    let out = crate::support::poolcast_within(
        300000,
        &[
            "run".as_ref(),
            path.as_os_str(),
            "--threads".as_ref(),
            "2".as_ref(),
            "--outputs".as_ref(),
            "csv".as_ref(),
            "-q".as_ref(),
            "--out".as_ref(),
            dir.path().join("out").as_os_str(),
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    // The mean series over all 200 replications, every sample.
    let queue = std::fs::read_to_string(dir.path().join("out/queue.csv")).expect("queue.csv");
    assert_eq!(queue.lines().count(), 1 + 100_801, "{}", &queue[..200]);
}

/// The warnings a command printed, each without its `warning: `.
fn warned(out: &std::process::Output) -> Vec<String> {
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter_map(|l| l.strip_prefix("warning: "))
        .map(String::from)
        .collect()
}

/// Issue 28: `validate` gives the warnings `run` gives before it simulates
/// (it gave none): on stderr and in its JSON, still valid (exit 0); with a
/// [sweep] over tiers, what the comparison assumes, as `sweep` says.
#[test]
fn validate_warns_as_run_does_before_simulating() {
    let src = "[simulation]\nhorizon = \"7d\"\nwarmup = \"1d\"\nreplications = 1\n\n[[pool]]\nname = \"builders\"\ntier = \"S1\"\ncount = 1\n\n[[workload]]\nname = \"ci\"\npool = \"builders\"\narrival = { process = \"profile\", rate = \"20/h\", preset = \"workday\" }\nduration = { dist = \"constant\", value = \"5m\" }\n";
    let (_dir, path) = write_scenario(src, "warned.toml");
    let path = path.to_str().unwrap();
    let validate = poolcast().args(["validate", path]).output().unwrap();
    assert_eq!(validate.status.code(), Some(0));
    let before = warned(&validate);
    assert!(
        before.iter().any(|w| w.starts_with("pool builders: "))
            && before.iter().any(|w| w.starts_with("one replication")),
        "{before:?}"
    );
    let run = poolcast()
        .args(["run", path, "--outputs", "none"])
        .output()
        .unwrap();
    assert_eq!(warned(&run)[..before.len()], before[..]);
    let json = poolcast()
        .args(["validate", path, "--format", "json"])
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(doc["warnings"], serde_json::json!(before));
    let quiet = poolcast().args(["validate", path, "-q"]).output().unwrap();
    assert_eq!(
        (quiet.status.code(), &quiet.stderr[..]),
        (Some(0), &b""[..])
    );

    let swept = format!("{src}\n[sweep]\n\"pool.builders.tier\" = [\"S1\", \"S2\"]\n");
    let (_dir, path) = write_scenario(&swept, "tiers.toml");
    let validate = poolcast().arg("validate").arg(&path).output().unwrap();
    assert_eq!(validate.status.code(), Some(0));
    assert!(
        warned(&validate).iter().any(|w| w.starts_with(
            "pool builders: tiers are compared, but workload ci has parallel_fraction = 0"
        )),
        "{:?}",
        warned(&validate)
    );
}

/// `run` of eight pools, each with its workload at 1 to 8 runs an hour,
/// into `out` of the folder returned, with its stderr.
fn eight_pools() -> (tempfile::TempDir, std::path::PathBuf, String) {
    let mut src = "[simulation]\nhorizon = \"7d\"\nwarmup = \"1d\"\nreplications = 2\n".to_string();
    for k in 1..=8 {
        src.push_str(&format!(
            "\n[[pool]]\nname = \"pool{k}\"\ntier = \"S1\"\ncount = 1\n\n[[workload]]\nname = \"w{k}\"\npool = \"pool{k}\"\narrival = {{ process = \"poisson\", rate = \"{k}/h\" }}\nduration = {{ dist = \"exponential\", mean = \"6m\" }}\n"
        ));
    }
    let (dir, path) = write_scenario(&src, "eight.toml");
    let out = dir.path().join("out");
    let run = poolcast()
        .arg("run")
        .arg(&path)
        .args(["--outputs", "svg,md,csv", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr).into_owned();
    assert_eq!(run.status.code(), Some(0), "{stderr}");
    (dir, out, stderr)
}

/// An SVG text element holds its text on a line of its own.
fn labelled(svg: &str, label: &str) -> bool {
    svg.lines().any(|l| l == label)
}

/// Issue 28: past the palette's six colours a run's charts repeated them
/// (two workloads of one colour in wait_by_hour). The wait charts draw
/// the six workloads with the highest p95 wait (workloads.csv's), the
/// cost chart the five costliest pools and the rest as one grey stack;
/// stderr and summary.md say so.
#[test]
fn run_charts_past_six_series_keep_one_colour_each() {
    let (_dir, out, stderr) = eight_pools();
    let mut by_p95: Vec<(f64, String)> = crate::support::csv_rows(&out.join("workloads.csv"))
        .into_iter()
        .map(|r| (r["wait_p95_s"].parse().unwrap(), r["name"].clone()))
        .collect();
    by_p95.sort_by(|a, b| b.0.total_cmp(&a.0));
    for chart in ["wait_by_hour", "wait_cdf"] {
        let svg = std::fs::read_to_string(out.join(format!("{chart}.svg"))).unwrap();
        for (i, (p95, name)) in by_p95.iter().enumerate() {
            assert_eq!(labelled(&svg, name), i < 6, "{chart}: {name} (p95 {p95} s)");
        }
    }
    let cost = std::fs::read_to_string(out.join("cost.svg")).unwrap();
    // The pools cost alike: the first five are drawn.
    for k in 1..=8 {
        assert_eq!(labelled(&cost, &format!("pool{k} (S1)")), k <= 5, "pool{k}");
    }
    assert!(labelled(&cost, "3 others, together") && cost.contains("#A0A0A0"));
    let md = std::fs::read_to_string(out.join("summary.md")).unwrap();
    for said in [
        "the charts wait_cdf and wait_by_hour draw the 6 workloads with the highest p95 wait (one colour each), not all 8",
        "the chart cost draws the 5 costliest payers one colour each and the other 3 as one grey stack",
    ] {
        assert!(stderr.contains(&format!("note: {said}")), "{stderr}");
        assert!(md.contains(&format!("Left out: {said}")), "{md}");
    }
}

/// The queue chart's half-width panels (four pools or more) ran their
/// date labels together ("Sun 12 JanMon 13 Jan"): labels of a panel are
/// now at least a label's width (about 70 px) apart.
#[test]
fn queue_panels_keep_their_date_labels_apart() {
    let (_dir, out, _) = eight_pools();
    let svg = std::fs::read_to_string(out.join("queue.svg")).unwrap();
    let lines: Vec<&str> = svg.lines().collect();
    let is_date = |l: &str| {
        let parts: Vec<&str> = l.split(' ').collect();
        let days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
        parts.len() == 3 && days.contains(&parts[0])
    };
    // (y, x) of each date label, from its text element's opening line.
    let mut at: Vec<(i64, i64)> = lines
        .windows(2)
        .filter(|w| is_date(w[1]))
        .map(|w| {
            let attr = |name: &str| -> i64 {
                let v = w[0]
                    .split(&format!(" {name}=\""))
                    .nth(1)
                    .expect("an attribute");
                v.split('"').next().unwrap().parse().unwrap()
            };
            (attr("y"), attr("x"))
        })
        .collect();
    at.sort();
    assert!(at.len() >= 8, "{at:?}");
    for pair in at.windows(2).filter(|p| p[0].0 == p[1].0) {
        assert!(pair[1].1 - pair[0].1 >= 80, "{pair:?}");
    }
}
