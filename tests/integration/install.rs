//! Issue 17: a CLI that installs like a real tool: `init`, completions, a
//! man page, and sweeps sharded by a job array's index variable.

use crate::support::{poolcast, run_into, scenarios_dir};

/// `init` with no flags and with every flag writes a scenario that
/// validates and runs, with an [slo] and a [sweep] ready.
#[test]
fn issue_17_init_writes_a_scenario_that_runs() {
    let dir = tempfile::tempdir().expect("dir");
    let every = [
        "--builds-per-day",
        "120",
        "--hours",
        "08-17",
        "--days",
        "Mon-Sat",
        "--median",
        "4m",
        "--p95",
        "15m",
        "--tier",
        "S3",
        "--wait-p95",
        "10m",
        "--name",
        "small-team",
    ];
    for (i, flags) in [&[][..], &every[..]].iter().enumerate() {
        let path = dir.path().join(format!("init-{i}.toml"));
        poolcast()
            .arg("init")
            .args(*flags)
            .arg("--out")
            .arg(&path)
            .assert()
            .success();
        let text = std::fs::read_to_string(&path).expect("written");
        assert!(
            text.contains("\n[slo]\n") && text.contains("\n[sweep]\n"),
            "{text}"
        );
        poolcast().arg("validate").arg(&path).assert().success();
        // The pool is sized for the peak: check meets its own objective.
        poolcast()
            .arg("check")
            .arg(&path)
            .args(["--replications", "3", "-q", "--out"])
            .arg(dir.path().join(format!("out-{i}")))
            .assert()
            .success();
    }
    // Bad facts are bad input.
    poolcast()
        .args(["init", "--hours", "18-09"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--hours"));
}

#[test]
fn issue_17_completions_and_man_page() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let out = poolcast().args(["completions", shell]).output().unwrap();
        assert!(out.status.success());
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("poolcast") && text.contains("sweep"),
            "{shell}"
        );
    }
    let man = poolcast().arg("man").output().unwrap();
    assert!(man.status.success());
    let page = String::from_utf8_lossy(&man.stdout);
    assert!(
        page.starts_with(".ie") || page.contains(".TH poolcast 1"),
        "{page}"
    );
    assert!(page.contains("capacity") || page.contains("Capacity"));
}

/// The Kubernetes Indexed Job and Slurm array recipes of the README: each
/// job maps its 0-based index variable to its shard, and the merged
/// shards are the single sweep's files, byte for byte.
#[test]
fn issue_17_shards_from_an_index_variable_merge_into_the_sweep() {
    let sweep = scenarios_dir()
        .join("sweep-tiers.toml")
        .display()
        .to_string();
    let whole = tempfile::tempdir().expect("dir");
    run_into(whole.path(), &["sweep", &sweep, "--replications", "2"]);
    for var in ["JOB_COMPLETION_INDEX", "SLURM_ARRAY_TASK_ID"] {
        let root = tempfile::tempdir().expect("dir");
        let mut csvs = Vec::new();
        for index in 0..3 {
            let out = root.path().join(format!("shard-{index}"));
            let done = poolcast()
                .args(["sweep", &sweep, "--replications", "2", "-q", "--shard"])
                .arg(format!("index:{var}/3"))
                .arg("--out")
                .arg(&out)
                .env(var, index.to_string())
                .output()
                .unwrap();
            assert!(
                done.status.success(),
                "{}",
                String::from_utf8_lossy(&done.stderr)
            );
            csvs.push(out.join("sweep.csv"));
        }
        let merged = root.path().join("merged");
        poolcast()
            .arg("merge")
            .args(&csvs)
            .args(["-q", "--out"])
            .arg(&merged)
            .assert()
            .success();
        for f in ["sweep.csv", "pareto.csv", "recommendation.json"] {
            assert_eq!(
                std::fs::read(whole.path().join(f)).unwrap(),
                std::fs::read(merged.join(f)).unwrap(),
                "{var}: merged {f} differs"
            );
        }
    }
    // An unset variable is bad input naming it.
    poolcast()
        .args(["sweep", &sweep, "--shard", "index:NO_SUCH_INDEX_VAR/3"])
        .env_remove("NO_SUCH_INDEX_VAR")
        .assert()
        .code(2)
        .stderr(predicates::str::contains("NO_SUCH_INDEX_VAR is not set"));
}
