//! The validator's caps (`docs/limits.md`, "Limits and warnings"): one rule per cap,
//! and messages that show the value as the user wrote it.

use crate::support::{poolcast, workload_scenario};

/// `poolcast validate` of a one-workload scenario with `workload`: its
/// stderr, after checking the exit code is 2.
fn refusal(workload: &str) -> String {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = workload_scenario(dir.path(), "s.toml", workload);
    let out = poolcast()
        .arg("validate")
        .arg(&path)
        .output()
        .expect("poolcast runs");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{workload}: {stderr}");
    stderr
}

const DURATION: &str = "duration = { dist = \"constant\", value = \"1m\" }";

/// Issue 16 (finding 7): a constant burst of 2e8 was refused while a
/// geometric one of mean 2e8 ran (and overflowed the queue); both are now
/// held to the same 1,000,000, as is a cron firing's `tasks`. The messages
/// read `got 200000000`, not `got Number(200000000.0)` or `200000000.0`.
#[test]
fn runs_arriving_together_share_one_cap_and_messages_show_plain_numbers() {
    for (arrival, needle) in [
        (
            "{ process = \"burst\", rate = \"1/h\", size = { dist = \"constant\", value = 200000000 } }",
            "arrival.size.value: a batch size is a whole number from 1 to 1000000, got 200000000\n",
        ),
        (
            "{ process = \"burst\", rate = \"1/h\", size = { dist = \"geometric\", mean = 200000000 } }",
            "arrival.size.mean: a mean batch size is at most 1000000, like a fixed one, got 200000000\n",
        ),
        (
            "{ process = \"cron\", schedule = \"0 2 * * *\", tasks = 200000000 }",
            "arrival.tasks: must be a number between 1 and 1000000, got 200000000\n",
        ),
        (
            "{ process = \"burst\", rate = \"1/h\", size = { dist = \"constant\", value = 2.5 } }",
            "got 2.5\n",
        ),
    ] {
        let stderr = refusal(&format!("arrival = {arrival}\n{DURATION}"));
        assert!(stderr.contains(needle), "{arrival}: {stderr}");
    }
    // Just under the cap, a geometric mean is accepted.
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = workload_scenario(
        dir.path(),
        "ok.toml",
        &format!(
            "arrival = {{ process = \"burst\", rate = \"1/d\", size = {{ dist = \"geometric\", mean = 1000000 }} }}\n{DURATION}"
        ),
    );
    poolcast().arg("validate").arg(&path).assert().success();
}

/// Issue 16 (finding 7): `"1000000000001s"` was reported as `got
/// 1000000000000.9999 s` (a float rounding artefact); a string is now
/// shown as written, a number as a number of seconds.
#[test]
fn an_overlong_duration_is_shown_as_written() {
    let arrival = "arrival = { process = \"poisson\", rate = \"1/h\" }";
    let stderr = refusal(&format!(
        "{arrival}\nduration = {{ dist = \"constant\", value = \"1000000000001s\" }}"
    ));
    assert!(
        stderr.contains("at most 1e12 s, got \"1000000000001s\"\n"),
        "{stderr}"
    );
    let stderr = refusal(&format!(
        "{arrival}\nduration = {{ dist = \"constant\", value = 1000000000001 }}"
    ));
    assert!(
        stderr.contains("at most 1e12 s, got 1000000000001 s\n"),
        "{stderr}"
    );
}

/// Issue 16 (finding 4): a quota over the cap was refused, and then the
/// pools were checked against the default that stood in for it: "got
/// 2097152", then "but the isolated quota is 0". Now the refusal stands
/// alone.
#[test]
fn a_refused_quota_is_not_then_called_zero() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join("q.toml");
    std::fs::write(
        &path,
        "[quota]\nisolated_vcpu = 2097152\n\n[[pool]]\nname = \"iso\"\ntier = \"I6\"\ncount = 2\n\n[[workload]]\nname = \"ci\"\npool = \"iso\"\narrival = { process = \"poisson\", rate = \"1/h\" }\nduration = { dist = \"constant\", value = \"1m\" }\n",
    )
    .expect("write");
    let out = poolcast()
        .arg("validate")
        .arg(&path)
        .output()
        .expect("poolcast runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(
            "q.toml:2:17: quota.isolated_vcpu: must be a whole number between 0 and 1048576, got 2097152"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("(1 problem)"), "{stderr}");
    assert!(!stderr.contains("quota is 0"), "{stderr}");
}
