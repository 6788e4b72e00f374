//! Issue 28: an `--out` whose writing would replace a file the command
//! reads is refused (exit 2, naming the file), and the file is kept.

use std::path::Path;

use crate::support::poolcast;

/// A scenario reading its run times from `data` (in its folder), with a
/// capacity axis for `sweep` and `plan` and an objective for `check`.
fn scenario_reading(dir: &Path, name: &str, data: &str) -> String {
    std::fs::write(dir.join(data), "300\n420\n600\n").unwrap();
    let text = format!(
        "name = \"kept\"\n[simulation]\nhorizon = \"1d\"\nwarmup = \"0s\"\nreplications = 2\n\n[[pool]]\nname = \"builders\"\ntier = \"S2\"\ncount = 2\n\n[[workload]]\nname = \"ci\"\npool = \"builders\"\narrival = {{ process = \"poisson\", rate = \"6/h\" }}\nduration = {{ dist = \"empirical\", file = \"{data}\" }}\n\n[slo]\nwait_p95 = \"30m\"\n\n[sweep]\n\"pool.builders.count\" = [1, 2]\n"
    );
    std::fs::write(dir.join(name), text).unwrap();
    name.to_string()
}

#[test]
fn issue_28_an_out_that_would_replace_an_input_is_refused() {
    // Each command, and an output of its own that the data file is named.
    for (command, data) in [
        ("run", "queue.csv"),
        ("check", "workloads.csv"),
        ("sweep", "sweep.csv"),
        ("plan", "plan.csv"),
        ("compare", "compare.csv"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let file = scenario_reading(dir.path(), "kept.toml", data);
        let mut args = vec![command, &file];
        if command == "compare" {
            args.push(&file);
        }
        args.extend(["--out", ".", "-q"]);
        let out = poolcast()
            .current_dir(dir.path())
            .args(&args)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{command}: {stderr}");
        // Said once: not "cannot write ./queue.csv: writing queue.csv…".
        assert!(
            stderr.starts_with(&format!(
                "error: writing {data} into . would replace {data}, which this command reads"
            )),
            "{command}: {stderr}"
        );
        let kept = std::fs::read_to_string(dir.path().join(data)).unwrap();
        assert_eq!(kept, "300\n420\n600\n", "{command}");
    }
}

/// A file the previous run wrote, and which the scenario now reads, is
/// refused before any simulation: the new set would replace it.
#[test]
fn issue_28_an_input_among_the_previous_outputs_is_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let file = scenario_reading(dir.path(), "kept.toml", "times.txt");
    poolcast()
        .current_dir(dir.path())
        .args(["run", &file, "--out", "out", "-q"])
        .assert()
        .success();
    std::fs::write(dir.path().join("out/queue.csv"), "300\n").unwrap();
    let text = std::fs::read_to_string(dir.path().join(&file)).unwrap();
    std::fs::write(
        dir.path().join(&file),
        text.replace("times.txt", "out/queue.csv"),
    )
    .unwrap();
    let out = poolcast()
        .current_dir(dir.path())
        .args(["run", &file, "--out", "out", "-q"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.starts_with("error: writing queue.csv into out would replace out/queue.csv"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("out/queue.csv")).unwrap(),
        "300\n"
    );
}

/// Issue 28: `merge --out` into a shard's folder would replace that shard
/// (merged again, it then overlapped the others): refused, the shard kept.
#[test]
fn issue_28_a_merge_into_a_shards_folder_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = scenario_reading(dir.path(), "kept.toml", "times.txt");
    for (k, shard) in [(1, "a"), (2, "b")] {
        poolcast()
            .current_dir(dir.path())
            .args([
                "sweep",
                &file,
                "--shard",
                &format!("{k}/2"),
                "--out",
                shard,
                "-q",
            ])
            .assert()
            .success();
    }
    let before = std::fs::read(dir.path().join("a/sweep.csv")).unwrap();
    let out = poolcast()
        .current_dir(dir.path())
        .args(["merge", "a/sweep.csv", "b/sweep.csv", "--out", "a", "-q"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.starts_with(
            "error: writing sweep.csv into a would replace a/sweep.csv, which this command reads"
        ),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read(dir.path().join("a/sweep.csv")).unwrap(),
        before
    );
}
