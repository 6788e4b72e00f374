//! `poolcast import`: recorded runs in, a scenario that validates and runs out.

use std::path::Path;

use predicates::prelude::*;
use serde_json::json;

use crate::support::poolcast;

fn fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Imports `runs` into a temporary folder, then validates and runs the result.
fn import_then_run(runs: &Path, extra: &[&str]) -> String {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let scenario = dir.path().join("imported.toml");
    poolcast()
        .arg("import")
        .arg(runs)
        .arg("--out")
        .arg(&scenario)
        .args(extra)
        .assert()
        .success();
    poolcast().arg("validate").arg(&scenario).assert().success();
    poolcast()
        .arg("run")
        .arg(&scenario)
        .args(["--replications", "2", "--quiet", "--out"])
        .arg(dir.path().join("out"))
        .assert()
        .success();
    std::fs::read_to_string(&scenario).expect("the scenario was written")
}

#[test]
fn import_of_the_reference_sample_validates_and_runs() {
    let text = import_then_run(&fixture("list-runs-sample.json"), &[]);
    // Quick runs group by run type; tasks by name; the pool's tier comes from its name.
    for needle in [
        "name = \"QuickBuild\"",
        "name = \"web-api-ci\"",
        "name = \"nightly-purge\"",
        "tier = \"S2\"",
        "pool = \"default\"",
    ] {
        assert!(text.contains(needle), "missing {needle}:\n{text}");
    }
}

/// A generated two-week export: 14 builds an hour in working hours on
/// `alpha` (tier given on the command line), and nightly runs on `pool-s3`.
fn generated_export(path: &Path) -> usize {
    let start = chrono::DateTime::parse_from_rfc3339("2025-05-05T00:00:00Z").expect("a timestamp");
    let mut runs = Vec::new();
    let mut n = 0u64;
    for day in 0..14i64 {
        for hour in 9..17i64 {
            for k in 0..14i64 {
                n += 1;
                let created =
                    start + chrono::Duration::seconds(day * 86_400 + hour * 3600 + k * 257 % 3600);
                let started = created + chrono::Duration::seconds((n * 37 % 90) as i64);
                // A spread of run times: 60 s to about 13 min.
                let finished = started + chrono::Duration::seconds(60 + (n * 7919 % 700) as i64);
                runs.push(json!({
                    "runId": format!("r{n}"), "status": "Succeeded", "runType": "AutoBuild", "task": "app-ci",
                    "agentPoolName": "alpha", "createTime": created.to_rfc3339(), "startTime": started.to_rfc3339(),
                    "finishTime": finished.to_rfc3339(), "agentConfiguration": {"cpu": 2}
                }));
            }
        }
        for k in 0..5i64 {
            n += 1;
            let created = start + chrono::Duration::seconds(day * 86_400 + 2 * 3600 + k);
            runs.push(json!({
                "runId": format!("r{n}"), "status": "Succeeded", "runType": "AutoRun", "task": "nightly",
                "agentPoolName": "pool-s3", "createTime": created.to_rfc3339(),
                "startTime": created.to_rfc3339(), "finishTime": (created + chrono::Duration::seconds(900 + k * 60)).to_rfc3339(),
                "agentConfiguration": {"cpu": 2}
            }));
        }
    }
    runs.reverse();
    std::fs::write(path, serde_json::to_string_pretty(&runs).expect("JSON")).expect("write");
    runs.len()
}

#[test]
fn import_of_a_larger_export_fits_rates_and_pools() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let runs = dir.path().join("export.json");
    assert_eq!(generated_export(&runs), 14 * (8 * 14 + 5));
    let text = import_then_run(&runs, &["--tier", "alpha=S2"]);
    assert!(text.contains("name = \"alpha\"\ntier = \"S2\""), "{text}");
    assert!(text.contains("name = \"pool-s3\"\ntier = \"S3\""), "{text}");
    // 14 runs in each working hour: the fitted peak rate is 14/h.
    assert!(text.contains("rate = \"14.000000/h\""), "{text}");
    // Five nightly runs overlap on pool-s3: five instances (40 vCPUs) plus
    // alpha need a raised standard quota, which the import writes.
    assert!(text.contains("count = 5"), "{text}");
    assert!(text.contains("[quota]"), "{text}");
    assert!(text.contains("lognormal by maximum likelihood"), "{text}");
}

#[test]
fn import_rejects_a_non_export_with_exit_2() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, r#"{"runs": []}"#).expect("write");
    poolcast()
        .arg("import")
        .arg(&bad)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("bad.json"))
        .stderr(predicate::str::contains(
            "az acr task list-runs --output json",
        ));
    poolcast()
        .args(["import", "missing.json"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("missing.json"));
    poolcast()
        .arg("import")
        .arg(fixture("list-runs-sample.json"))
        .args(["--tier", "buildpool-s2:S2"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("POOL=TIER"));
}
