//! Issue 17: a CLI that installs like a real tool: `init`, completions, a
//! man page, and sweeps sharded by a job array's index variable.

use crate::support::{poolcast, run_into, scenarios_dir};
use serde::Deserialize;

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

/// The Kubernetes Indexed Job and Slurm array recipes of the guide
/// (`docs/sweeps.md`, Sweeps beyond one machine): each
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

/// The guide's recipes for more machines (issue 29; `docs/sweeps.md`, Sweeps
/// beyond one machine): their YAML parses,
/// and the shard commands of the Kubernetes Indexed Job and of the Slurm
/// array, run as written by `sh` with the index variables set by hand
/// (the output folder moved into a temporary one, 2 replications), merge
/// into the single sweep's files byte for byte. An index past the end is
/// named as the 0-based index it is.
#[test]
fn the_guides_recipes_parse_and_their_shards_merge_into_the_sweep() {
    let root = scenarios_dir()
        .parent()
        .expect("the repository")
        .to_path_buf();
    let guide = std::fs::read_to_string(root.join("docs/sweeps.md")).expect("docs/sweeps.md");
    let blocks = |lang: &str| -> Vec<String> {
        let fence = format!("```{lang}\n");
        guide
            .split(&fence)
            .skip(1)
            .map(|b| b.split("```").next().unwrap_or("").to_string())
            .collect()
    };
    // The recipes' blocks (the page's other YAML is an excerpt).
    let yaml: Vec<String> = blocks("yaml")
        .into_iter()
        .filter(|b| b.contains("--shard"))
        .collect();
    assert_eq!(yaml.len(), 2, "the GitHub and Kubernetes recipes");
    let mut k8s_command = None;
    for block in &yaml {
        for doc in serde_yaml::Deserializer::from_str(block) {
            let value = serde_yaml::Value::deserialize(doc).expect("the recipe's YAML parses");
            let containers = &value["spec"]["template"]["spec"]["containers"];
            if let Some(c) = containers[0]["command"][2].as_str() {
                k8s_command = Some(c.to_string());
            }
        }
    }
    let k8s = k8s_command.expect("the Indexed Job runs a command");
    let slurm = blocks("sh")
        .into_iter()
        .find(|b| b.contains("SLURM_ARRAY_TASK_ID"))
        .expect("the Slurm recipe");
    let sweep = scenarios_dir().join("sweep-tiers.toml");
    let whole = tempfile::tempdir().expect("dir");
    run_into(
        whole.path(),
        &["sweep", &sweep.display().to_string(), "--replications", "2"],
    );
    let bin = assert_cmd::cargo::cargo_bin("poolcast");
    let path = format!(
        "{}:{}",
        bin.parent().expect("a folder").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    for (var, script) in [
        ("JOB_COMPLETION_INDEX", k8s),
        ("SLURM_ARRAY_TASK_ID", slurm),
    ] {
        let out = tempfile::tempdir().expect("dir");
        let shards = out.path().join("shards");
        let script = script
            .replace("/shards/", &format!("{}/", shards.display()))
            .replace("\"shards/", &format!("\"{}/", shards.display()))
            .replace(" --quiet", " --quiet --replications 2");
        for index in 0..4 {
            let done = std::process::Command::new("sh")
                .args(["-c", &script])
                .current_dir(&root)
                .env("PATH", &path)
                .env(var, index.to_string())
                .env("SLURM_ARRAY_TASK_COUNT", "4")
                .env("SLURM_CPUS_PER_TASK", "1")
                .output()
                .expect("sh runs");
            assert!(
                done.status.success(),
                "{var}={index}: {}",
                String::from_utf8_lossy(&done.stderr)
            );
        }
        let merged = out.path().join("merged");
        poolcast()
            .arg("merge")
            .args((0..4).map(|i| shards.join(i.to_string()).join("sweep.csv")))
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
    poolcast()
        .args([
            "sweep",
            &sweep.display().to_string(),
            "--shard",
            "index:SHARD_INDEX/4",
        ])
        .env("SHARD_INDEX", "4")
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "SHARD_INDEX=4 is past the last 0-based index 3 of 4 shards",
        ));
}
