//! Issue 16: the output set is all-or-nothing. Two writers never leave a
//! mix, an interrupted or killed command leaves the previous set, and
//! `--out` replaces only regular files and folders poolcast wrote.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::Duration;

use predicates::prelude::*;

use crate::support::{files, poolcast, signal, write_scenario};

/// Short to simulate, with every kind of output but PNG (which only adds
/// drawing time).
const SHORT: &str = r#"
[simulation]
horizon = "2d"
warmup = "2h"
replications = 4

[[pool]]
name = "builders"
tier = "S1"
count = 2

[[workload]]
name = "ci"
pool = "builders"
arrival = { process = "poisson", rate = "6/h" }
duration = { dist = "exponential", mean = "8m" }
"#;

const OUTPUTS: &str = "json,csv,svg,html,md";

fn spawn_run(scenario: &Path, out: &Path, seed: u32) -> Child {
    std::process::Command::new(assert_cmd::cargo::cargo_bin("poolcast"))
        .arg("run")
        .arg(scenario)
        .args(["--quiet", "--outputs", OUTPUTS, "--seed", &seed.to_string()])
        .arg("--out")
        .arg(out)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("poolcast starts")
}

/// The outputs of a run with `seed`, alone in a folder of its own.
fn reference(scenario: &Path, out: PathBuf, seed: u32) -> BTreeMap<String, Vec<u8>> {
    assert!(spawn_run(scenario, &out, seed).wait().unwrap().success());
    files(&out)
}

/// Hidden staging folders left beside `out`.
fn staging_left(parent: &Path) -> Vec<String> {
    std::fs::read_dir(parent)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".poolcast-"))
        .collect()
}

/// Two runs with different seeds into one folder, again and again: the
/// folder always holds one run's files, byte for byte, never a mix.
#[test]
fn concurrent_runs_never_leave_a_mix() {
    let (dir, path) = write_scenario(SHORT, "s.toml");
    let a = reference(&path, dir.path().join("a"), 1);
    let b = reference(&path, dir.path().join("b"), 2);
    assert_ne!(a["summary.json"], b["summary.json"], "the seeds agree");
    let shared = dir.path().join("shared");
    for round in 0..4 {
        let mut first = spawn_run(&path, &shared, 1);
        let mut second = spawn_run(&path, &shared, 2);
        assert!(first.wait().unwrap().success());
        assert!(second.wait().unwrap().success());
        let got = files(&shared);
        assert!(
            got == a || got == b,
            "round {round}: a mix of both runs: {:?}",
            got.keys().collect::<Vec<_>>()
        );
    }
    assert!(staging_left(dir.path()).is_empty());
}

/// SIGTERM (like Ctrl-C) during a run into a folder with a previous run's
/// outputs: exit 130, the previous files exactly as they were, no
/// staging folder left.
#[test]
fn sigterm_leaves_the_previous_output() {
    let (dir, path) = write_scenario(SHORT, "s.toml");
    let out = dir.path().join("out");
    let before = reference(&path, out.clone(), 1);
    let long = dir.path().join("long.toml");
    std::fs::write(
        &long,
        SHORT
            .replace("horizon = \"2d\"", "horizon = \"3000d\"")
            .replace(
                "replications = 4",
                "replications = 200\nsample_interval = \"1d\"",
            ),
    )
    .unwrap();
    let mut child = spawn_run(&long, &out, 1);
    std::thread::sleep(Duration::from_millis(700));
    signal(&child, "-TERM");
    assert_eq!(child.wait().unwrap().code(), Some(130));
    assert_eq!(files(&out), before, "the previous output changed");
    assert!(staging_left(dir.path()).is_empty());
}

/// SIGKILL at any moment of a run (simulation, charts, writing, the swap):
/// the folder holds the previous run's files or the new run's, complete.
#[test]
fn a_killed_run_leaves_the_old_set_or_the_new_one() {
    let (dir, path) = write_scenario(SHORT, "s.toml");
    let old = reference(&path, dir.path().join("old"), 1);
    let new = reference(&path, dir.path().join("new"), 2);
    let out = dir.path().join("out");
    for delay_ms in (0..12).map(|i| 40 * i) {
        assert!(spawn_run(&path, &out, 1).wait().unwrap().success());
        let mut child = spawn_run(&path, &out, 2);
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = child.kill();
        let _ = child.wait();
        let got = files(&out);
        assert!(
            got == old || got == new,
            "killed after {delay_ms} ms: a mix: {:?}",
            got.keys().collect::<Vec<_>>()
        );
    }
}

/// `import --out` replaces only a regular file, never the runs file it
/// reads nor a device; a trailing slash (or a folder) means a file inside.
#[test]
fn import_out_replaces_only_regular_files() {
    let dir = tempfile::tempdir().unwrap();
    let runs = dir.path().join("runs.json");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/data/example-runs.json"),
        &runs,
    )
    .unwrap();
    let original = std::fs::read(&runs).unwrap();
    let import = |out: &Path| {
        let mut cmd = poolcast();
        cmd.arg("import")
            .arg(&runs)
            .arg("--quiet")
            .arg("--out")
            .arg(out);
        cmd
    };
    import(&runs)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is the input file"));
    let link = dir.path().join("same.json");
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(&runs, &link).unwrap();
        import(&link)
            .assert()
            .code(2)
            .stderr(predicate::str::contains("a symbolic link"));
    }
    assert_eq!(
        std::fs::read(&runs).unwrap(),
        original,
        "the export changed"
    );
    #[cfg(unix)]
    {
        import(Path::new("/dev/null"))
            .assert()
            .code(2)
            .stderr(predicate::str::contains("not a regular file"));
        use std::os::unix::fs::FileTypeExt;
        let kind = std::fs::symlink_metadata("/dev/null").unwrap().file_type();
        assert!(kind.is_char_device(), "/dev/null was replaced");
    }
    let mut slash = dir.path().join("newdir").into_os_string();
    slash.push("/");
    import(Path::new(&slash)).assert().success();
    let inside = dir.path().join("newdir").join("runs.toml");
    poolcast().arg("validate").arg(&inside).assert().success();
    // An existing folder without the slash: the same file inside.
    import(&dir.path().join("newdir")).assert().success();
    assert!(inside.is_file());
}

/// Issue 16 (finding 12): `import --out` is checked before the export is
/// even read (it used to be after the fit and the back-test), and an
/// unwritable one exits 2, as with `init` (import exited 1). The export
/// here does not exist: the refusal must be about `--out`.
#[test]
fn import_and_init_check_out_before_any_work_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("afile");
    std::fs::write(&file, "mine").unwrap();
    let missing = dir.path().join("missing.json");
    for out in [file.join("sub.toml"), PathBuf::from("/proc/x.toml")] {
        poolcast()
            .arg("import")
            .arg(&missing)
            .arg("--out")
            .arg(&out)
            .assert()
            .code(2)
            .stderr(predicate::str::starts_with("error: --out: "))
            .stderr(predicate::str::contains("missing.json").not())
            // tempfile's "at path /proc/.tmpAc0xEM" leaked a name never made.
            .stderr(predicate::str::contains("at path").not());
        poolcast()
            .args(["init", "--out"])
            .arg(&out)
            .assert()
            .code(2)
            .stderr(predicate::str::starts_with("error: --out: "));
    }
    poolcast()
        .arg("import")
        .arg(&missing)
        .arg("--out")
        .arg(file.join("sub.toml"))
        .assert()
        .stderr(predicate::str::contains(
            "afile is a file, not a folder, so ",
        ));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "mine");
    let mut left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    left.sort();
    assert_eq!(left, ["afile"], "the probe left a file");
}

/// `--out` of `run` that is a file, or under one, is refused before
/// simulating, and the file stays. Issue 16 (finding 18): under a file it
/// said "File exists (os error 17)", and in /proc it leaked a staging name
/// never made (`at path "/proc/.x.poolcast-…"`).
#[test]
fn run_out_that_is_a_file_is_refused() {
    let (dir, path) = write_scenario(SHORT, "s.toml");
    let file = dir.path().join("taken");
    std::fs::write(&file, "mine").unwrap();
    let under = format!("{} is a file, not a folder", file.display());
    for (out, needle) in [
        (file.clone(), "it is a file, not a folder"),
        (file.join("sub"), under.as_str()),
    ] {
        poolcast()
            .arg("run")
            .arg(&path)
            .arg("--out")
            .arg(&out)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(needle))
            .stderr(predicate::str::contains("os error 17").not());
    }
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "mine");
    #[cfg(target_os = "linux")]
    poolcast()
        .arg("run")
        .arg(&path)
        .args(["--out", "/proc/x"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("at path").not());
}

/// Issue 16: `--no-wait` makes a second writer refuse instead of wait:
/// with the folder's lock held (by the test, playing a writer whose
/// staging folder names the test's own pid: a live one, as a dead one's
/// folder is removed), every command that writes a folder
/// exits 2 at once, naming the folder and the pid, and leaves no folder
/// and no staging of its own. Without the flag, the waiting is
/// `robustness::issue_16_a_waiting_writer_says_so_once`.
#[test]
fn issue_16_no_wait_refuses_a_held_folder() {
    let (dir, path) = write_scenario(SHORT, "s.toml");
    let sweep = dir.path().join("sweep.toml");
    std::fs::write(
        &sweep,
        format!(
            "{SHORT}\n[slo]\nwait_p95 = \"30m\"\n\n[sweep]\n\"pool.builders.count\" = [1, 2]\n"
        ),
    )
    .unwrap();
    let parent = dir.path().join("outputs");
    let pid = std::process::id();
    let fake = format!(".out.poolcast-{pid}-AbCdEf");
    std::fs::create_dir_all(parent.join(&fake)).unwrap();
    let lock = std::fs::File::open(&parent).expect("open the folder");
    lock.lock().expect("lock");
    let out = parent.join("out");
    let (s, w) = (path.as_os_str(), sweep.as_os_str());
    for args in [
        vec!["run".as_ref(), s],
        vec!["check".as_ref(), w],
        vec!["sweep".as_ref(), w],
        vec!["plan".as_ref(), w],
        vec!["compare".as_ref(), s, s],
    ] {
        let got = poolcast()
            .args(&args)
            .args(["--no-wait", "--outputs", "json,csv", "--out"])
            .arg(&out)
            .timeout(Duration::from_secs(60))
            .output()
            .expect("poolcast runs");
        let stderr = String::from_utf8_lossy(&got.stderr);
        assert_eq!(got.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains(&format!(
                "another poolcast (pid {pid}) is writing {} or a folder beside it, and this command does not wait for it (--no-wait)",
                out.display()
            )),
            "{args:?}: {stderr}"
        );
        assert!(!out.exists(), "{args:?} made the folder");
        assert_eq!(staging_left(&parent), [fake.as_str()], "{args:?}");
    }
    // Free, the same command writes.
    drop(lock);
    poolcast()
        .arg("run")
        .arg(&path)
        .args(["--no-wait", "--quiet", "--outputs", "json", "--out"])
        .arg(&out)
        .assert()
        .success();
    assert!(out.join("summary.json").is_file());
}

/// Issue 16: `compare` takes `--outputs` as run does (the same parsing):
/// `csv` writes the two CSV files and no chart or report, `none` makes no
/// folder, and `tasks` (a log of one run's replications) is refused.
#[test]
fn issue_16_compare_takes_outputs() {
    let (dir, path) = write_scenario(SHORT, "s.toml");
    let compare = |outputs: &str, out: &Path| {
        poolcast()
            .arg("compare")
            .args([&path, &path])
            .args(["--quiet", "--outputs", outputs, "--out"])
            .arg(out)
            .output()
            .expect("poolcast runs")
    };
    let out = dir.path().join("csv");
    assert!(compare("csv", &out).status.success());
    let names: Vec<String> = files(&out).into_keys().collect();
    assert_eq!(
        names,
        [
            ".poolcast-outputs",
            "compare.csv",
            "compare_objectives.csv",
            "compare_wait_cdf.csv",
            "compare_workloads.csv"
        ]
    );
    let none = dir.path().join("none");
    assert!(compare("none", &none).status.success());
    assert!(!none.exists(), "--outputs none made a folder");
    let tasks = dir.path().join("tasks");
    let got = compare("csv,tasks", &tasks);
    assert_eq!(got.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&got.stderr).contains(
            "--outputs \"csv,tasks\": compare writes no tasks.csv (run and check do); drop tasks from the list"
        ),
        "{}",
        String::from_utf8_lossy(&got.stderr)
    );
    assert!(!tasks.exists());
}

/// Waits until a staging folder beside `out` (in `parent`) holds a file
/// whose name starts with `prefix`, and returns when. Fails if `child`
/// ends first.
fn staged(parent: &Path, prefix: &str, child: &mut Child) -> std::time::Instant {
    let holds = |folder: PathBuf| {
        std::fs::read_dir(folder).is_ok_and(|mut entries| {
            entries.any(|e| e.is_ok_and(|e| e.file_name().to_string_lossy().starts_with(prefix)))
        })
    };
    loop {
        let found = staging_left(parent).iter().any(|s| holds(parent.join(s)));
        if found {
            return std::time::Instant::now();
        }
        assert!(
            child.try_wait().expect("wait").is_none(),
            "ended before staging {prefix}"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Issue 16: Ctrl-C after the simulation, while the report is drawn (500
/// pools: a PNG heat map each, seconds of drawing), stops at the next
/// chart: exit 130, the previous output byte for byte, no staging folder.
/// The signal goes when the charts' scratch file (`.scratch-`, made as the
/// drawing begins, before any file of the set) appears in the staging
/// folder, so it always lands in the report phase; the stop is timed
/// against the same phase uninterrupted (about 3 s against 0.05 s here)
/// with a margin of four.
#[test]
fn issue_16_ctrl_c_during_the_report_stops_it() {
    let src = crate::support::many_pools(
        "horizon = \"2d\"\nwarmup = \"1h\"\nreplications = 1\nsample_interval = \"1h\"",
        500,
        "1/h",
        "1m",
    );
    let (dir, path) = write_scenario(&src, "many.toml");
    let out = dir.path().join("out");
    let spawn = |seed: &str| {
        std::process::Command::new(assert_cmd::cargo::cargo_bin("poolcast"))
            .arg("run")
            .arg(&path)
            .args(["--quiet", "--outputs", "json,png", "--seed", seed, "--out"])
            .arg(&out)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("poolcast starts")
    };
    let mut first = spawn("1");
    let report = staged(dir.path(), ".scratch-", &mut first);
    assert!(first.wait().unwrap().success());
    let uninterrupted = report.elapsed();
    let before = files(&out);
    assert!(before.contains_key("utilisation-pool-499.png"));

    let mut second = spawn("2");
    staged(dir.path(), ".scratch-", &mut second);
    let sent = std::time::Instant::now();
    signal(&second, "-INT");
    assert_eq!(second.wait().unwrap().code(), Some(130));
    let took = sent.elapsed();
    assert_eq!(files(&out), before, "the previous output changed");
    assert!(staging_left(dir.path()).is_empty());
    assert!(
        took * 4 < uninterrupted,
        "stopped {took:?} after the signal; the report takes {uninterrupted:?}"
    );
}

/// Issue 16 (finding 22): a GITHUB_STEP_SUMMARY that cannot be written (a
/// folder here) was found only after the whole simulation and output; it
/// is now refused before anything runs: exit 2 and no output folder.
#[test]
fn check_refuses_an_unwritable_step_summary_before_simulating() {
    let (dir, path) = write_scenario(&format!("{SHORT}\n[slo]\nwait_p95 = \"30m\"\n"), "s.toml");
    let out = dir.path().join("out");
    poolcast()
        .arg("check")
        .arg(&path)
        .arg("--out")
        .arg(&out)
        .env("GITHUB_STEP_SUMMARY", dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is a folder"));
    assert!(!out.exists(), "the run went ahead");
}
