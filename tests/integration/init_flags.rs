//! Issue 28 (and 26, item 8): `init` never writes a scenario that
//! contradicts its flags; what it cannot write is refused by flag.

use crate::support::poolcast;

/// `init ARGS` to stdout, with its exit code and stderr.
fn init(args: &[&str]) -> (Option<i32>, String, String) {
    let out = poolcast().arg("init").args(args).output().unwrap();
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (out.status.code(), text(&out.stdout), text(&out.stderr))
}

#[test]
fn issue_28_init_refuses_by_flag_what_it_cannot_write() {
    for (args, needle) in [
        (
            &["--builds-per-day", "5000"][..],
            "error: --builds-per-day 5000 with --wait-p95 5m: the busiest hour needs more than 64 x S2 (256 vCPUs of quota)",
        ),
        (
            &["--median", "8h", "--p95", "9h"],
            "error: --p95 9h: ACR stops a run after 8 hours",
        ),
        (
            &["--median", "25m", "--p95", "6m"],
            "error: --median 25m is not below --p95 6m",
        ),
        (
            &["--name", "x\" # comment"],
            "error: --name \"x\\\" # comment\": names the output folder",
        ),
    ] {
        let (code, stdout, stderr) = init(args);
        assert_eq!(code, Some(2), "{args:?}: {stderr}");
        assert!(stderr.starts_with(needle), "{args:?}: {stderr}");
        assert!(stdout.is_empty(), "{args:?}");
    }
}

/// The timeout is above the p95 build (twice it, within ACR's 8 hours),
/// not a fixed hour that cut 1,209 of 1,210 eight-hour builds.
#[test]
fn issue_28_init_times_out_above_the_p95_build() {
    let (code, text, stderr) = init(&["--median", "1h", "--p95", "3h", "--builds-per-day", "10"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(text.contains("timeout = \"360m\""), "{text}");
    let (_, text, _) = init(&["--median", "3h", "--p95", "7h", "--builds-per-day", "5"]);
    assert!(text.contains("timeout = \"480m\""), "{text}");
    let (_, text, _) = init(&[]);
    assert!(text.contains("timeout = \"60m\""), "{text}");
}

/// An I6 pool comes with the isolated quota it needs, and runs.
#[test]
fn issue_28_init_gives_i6_the_isolated_quota() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("i6.toml");
    let file = file.to_str().unwrap();
    poolcast()
        .args(["init", "--tier", "I6", "--out", file, "-q"])
        .assert()
        .success();
    let text = std::fs::read_to_string(file).unwrap();
    assert!(text.contains("\nisolated_vcpu = "), "{text}");
    poolcast()
        .args([
            "run",
            file,
            "--outputs",
            "none",
            "-q",
            "--replications",
            "2",
        ])
        .assert()
        .success();
}

/// An existing file is replaced only with `--force`.
#[test]
fn issue_28_init_replaces_a_file_only_when_forced() {
    let dir = tempfile::tempdir().unwrap();
    let folder = format!("{}/", dir.path().display());
    poolcast()
        .args(["init", "--out", &folder, "-q"])
        .assert()
        .success();
    std::fs::write(dir.path().join("team.toml"), "# mine\n").unwrap();
    let out = poolcast()
        .args(["init", "--out", &folder, "-q"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("team.toml exists; pass --force"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("team.toml")).unwrap(),
        "# mine\n"
    );
    poolcast()
        .args(["init", "--out", &folder, "--force", "-q"])
        .assert()
        .success();
    assert_ne!(
        std::fs::read_to_string(dir.path().join("team.toml")).unwrap(),
        "# mine\n"
    );
}

/// Issue 26, item 8: what `init` writes is a horizon `plan --schedule`
/// accepts (a day of warm-up and a week; it wrote 7 days in all).
#[test]
fn issue_26_init_writes_a_horizon_plan_schedule_accepts() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("team.toml");
    let file = file.to_str().unwrap();
    poolcast()
        .args(["init", "--out", file, "-q"])
        .assert()
        .success();
    let out = poolcast()
        .current_dir(dir.path())
        .args([
            "plan",
            file,
            "--schedule",
            "builders",
            "--replications",
            "2",
            "--outputs",
            "none",
            "-q",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_ne!(out.status.code(), Some(2), "{stderr}");
}

/// Issue 28: `plan --schedule` on a scenario named without a folder, whose
/// data file is relative, names the working folder (it said "reads its
/// data files from ;").
#[test]
fn issue_28_plan_schedule_names_the_data_files_folder() {
    let dir = tempfile::tempdir().unwrap();
    poolcast()
        .current_dir(dir.path())
        .args(["init", "--out", "team.toml", "-q"])
        .assert()
        .success();
    let text = std::fs::read_to_string(dir.path().join("team.toml")).unwrap();
    let start = text.find("duration = {").unwrap();
    let end = start + text[start..].find('\n').unwrap();
    let text = format!(
        "{}duration = {{ dist = \"empirical\", file = \"times.txt\" }}{}",
        &text[..start],
        &text[end..]
    );
    std::fs::write(dir.path().join("team.toml"), text).unwrap();
    std::fs::write(dir.path().join("times.txt"), "300\n420\n600\n").unwrap();
    let out = poolcast()
        .current_dir(dir.path())
        .args([
            "plan",
            "team.toml",
            "--schedule",
            "builders",
            "--replications",
            "2",
            "--out",
            "plan",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("recommended.toml reads its data files from .;"),
        "{stderr}"
    );
}
