//! Issue 28, exit codes: a failed or closed stdout never panics; a closed
//! pipe ends the command quietly (exit 0), a full disk or a file-size limit
//! exits 1 with "stdout: ..." (`docs/limits.md`, the exit-code table).

use std::process::{Command, Output, Stdio};

use crate::support::scenarios_dir;

fn bin() -> std::path::PathBuf {
    assert_cmd::cargo::cargo_bin("poolcast")
}

/// The commands that print to stdout, with their arguments.
fn printing_commands() -> Vec<Vec<String>> {
    let team = scenarios_dir().join("team.toml").display().to_string();
    let mut commands: Vec<Vec<String>> = ["bash", "zsh", "fish", "powershell", "elvish"]
        .iter()
        .map(|shell| vec!["completions".into(), (*shell).into()])
        .collect();
    for args in [
        vec!["tiers"],
        vec!["man"],
        vec!["--help"],
        vec!["run", "--help"],
        vec!["--version"],
        // Quiet: its warnings (team.toml's peak) are not about stdout.
        vec!["validate", &team, "-q"],
        vec!["estimate", &team, "--format", "json"],
        vec!["tiers", &team, "--format", "csv"],
    ] {
        commands.push(args.into_iter().map(String::from).collect());
    }
    commands
}

/// Runs `args` with stdout the write end of a pipe whose reader is gone.
fn into_closed_pipe(args: &[String]) -> Output {
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    Command::new(bin())
        .args(args)
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .expect("poolcast runs")
}

#[test]
fn issue_28_a_closed_pipe_ends_every_printing_command_quietly() {
    for args in printing_commands() {
        let out = into_closed_pipe(&args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(stderr.is_empty(), "{args:?}: {stderr}");
    }
}

#[test]
fn issue_28_a_full_stdout_exits_1_naming_stdout() {
    for args in printing_commands() {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .expect("/dev/full");
        let out = Command::new(bin())
            .args(&args)
            .stdout(full)
            .output()
            .expect("poolcast runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(
            stderr.starts_with("error: stdout: No space left on device"),
            "{args:?}: {stderr}"
        );
    }
}

/// Runs `script` in `sh` with `poolcast` as `$0`, under `ulimit -f` of
/// `blocks` (512-byte blocks in `sh`).
fn under_file_limit(blocks: u32, dir: &std::path::Path, script: &str) -> Output {
    Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -f {blocks} && {script}"))
        .arg(bin())
        .current_dir(dir)
        .output()
        .expect("sh runs")
}

/// A write past `ulimit -f` is an error with a message, not SIGXFSZ (the
/// process was killed with no message, exit 153).
#[test]
fn issue_28_a_file_size_limit_is_a_message_not_a_signal() {
    let dir = tempfile::tempdir().unwrap();
    let out = under_file_limit(1, dir.path(), "\"$0\" completions bash > script");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.starts_with("error: stdout: File too large"),
        "{stderr}"
    );
    let team = scenarios_dir().join("team.toml");
    let script = format!("\"$0\" run {} --out o -q", team.display());
    let out = under_file_limit(100, dir.path(), &script);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("cannot write to output folder o: File too large"),
        "{stderr}"
    );
    assert!(!stderr.contains(" at path "), "{stderr}");
}

/// A scenario whose every replication stops inside its warm-up (100 runs
/// a second of 10 minutes on one instance outgrow the queue's bound).
const STOPPED_IN_WARM_UP: &str = "[simulation]\nhorizon = \"3d\"\nwarmup = \"2d\"\nreplications = 3\n\n[[pool]]\nname = \"builders\"\ntier = \"S1\"\ncount = 1\n\n[[workload]]\nname = \"ci\"\npool = \"builders\"\narrival = { process = \"poisson\", rate = \"100/s\" }\nduration = { dist = \"constant\", value = \"10m\" }\n";

/// Issue 28: replications that all stopped inside the warm-up have no
/// statistic, and the verdict says so instead of "in one replication"
/// (none of 3 had a run).
#[test]
fn issue_28_stopped_in_the_warm_up_claims_no_replication() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("wu.toml");
    std::fs::write(
        &file,
        format!("{STOPPED_IN_WARM_UP}\n[slo]\nwait_p95 = \"5m\"\n"),
    )
    .unwrap();
    let out = crate::support::poolcast()
        .args(["check", file.to_str().unwrap(), "-q", "--outputs", "none"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(
            "undefined (no run arrived in the observed window): no statistic in any replication"
        ),
        "{stderr}"
    );
    assert!(!stderr.contains("in one replication"), "{stderr}");
}

/// Issue 28: stopped inside the warm-up, the report says there is no
/// statistic of cost rather than "Cost USD NaN a day", and the headers
/// say no time was observed (they claimed the full window).
#[test]
fn issue_28_stopped_in_the_warm_up_reports_no_cost_statistic() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("wu.toml");
    std::fs::write(&file, STOPPED_IN_WARM_UP).unwrap();
    let out = dir.path().join("out");
    let run = crate::support::poolcast()
        .args([
            "run",
            file.to_str().unwrap(),
            "-q",
            "--outputs",
            "md,html,json",
        ])
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        stdout.starts_with("wu: 3 replications of 1d after a 2d warm-up (seed 1), all 3 stopped inside the warm-up: no time was observed;"),
        "{stdout}"
    );
    for name in ["summary.md", "report.html"] {
        let text = std::fs::read_to_string(out.join(name)).unwrap();
        assert!(!text.contains("NaN"), "{name}: {text}");
        assert!(text.contains("Cost: no statistic"), "{name}");
        let observed = "Replications: all 3 stopped inside the warm-up: no time was observed.";
        assert!(text.contains(observed), "{name}: {text}");
    }
}

/// Issue 28: `compare --format json` is refused before any scenario runs
/// (a scenario of 10^9 runs would otherwise run first).
#[test]
fn issue_28_compare_refuses_json_before_running() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("big.toml");
    std::fs::write(
        &file,
        "[simulation]\nhorizon = \"1000d\"\nreplications = 100\n\n[[pool]]\nname = \"builders\"\ntier = \"S1\"\ncount = 8\n\n[[workload]]\nname = \"ci\"\npool = \"builders\"\narrival = { process = \"poisson\", rate = \"5/s\" }\nduration = { dist = \"constant\", value = \"1s\" }\n",
    )
    .unwrap();
    let started = std::time::Instant::now();
    crate::support::poolcast()
        .args(["compare", file.to_str().unwrap(), file.to_str().unwrap()])
        .args(["--format", "json", "-q", "--outputs", "none"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("use --format table or csv"));
    // Not a timing test: 100 replications of 4.3 * 10^8 runs take minutes,
    // a refusal milliseconds; the bound only tells the two apart.
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
}
