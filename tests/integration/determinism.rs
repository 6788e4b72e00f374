//! Same scenario and seed: byte-identical outputs, whatever the thread count.

use crate::support::{poolcast, scenarios_dir};

fn summary_bytes(args: &[&str]) -> (Vec<u8>, Vec<u8>) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let out = poolcast()
        .arg("run")
        .arg(scenarios_dir().join("default.toml"))
        .args([
            "--replications",
            "4",
            "--format",
            "json",
            "--quiet",
            "--out",
        ])
        .arg(dir.path())
        .args(args)
        .output()
        .expect("poolcast runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let file = std::fs::read(dir.path().join("summary.json")).expect("summary.json written");
    assert_eq!(out.stdout, file, "stdout JSON and summary.json differ");
    let queue = std::fs::read(dir.path().join("queue.csv")).expect("queue.csv written");
    (file, queue)
}

#[test]
fn same_seed_gives_identical_bytes_whatever_the_threads() {
    let one = summary_bytes(&["--threads", "1"]);
    let two = summary_bytes(&["--threads", "2"]);
    let again = summary_bytes(&["--threads", "2"]);
    assert_eq!(one, two, "--threads changed the output");
    assert_eq!(two, again, "the same run twice differs");
    let other_seed = summary_bytes(&["--threads", "2", "--seed", "43"]);
    assert_ne!(one.0, other_seed.0, "--seed had no effect");
}
