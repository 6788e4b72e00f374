//! The appliers `plan --schedule` writes: the GitHub Actions workflow's
//! reconcile step, run with bash against a stand-in `az` and a faked clock,
//! sets the count in force whenever it runs (on time, 3 h late, after a
//! dropped run, across a daylight-saving change), retries a transient
//! error and fails loudly on a `Failed` pool or a refused update; the
//! workflow passes GitHub's workflow schema (SchemaStore's
//! github-workflow.json, commit 3b6446ad, Apache-2.0, vendored in
//! tests/fixtures); the ACR timer task runs the same script.

use std::path::{Path, PathBuf};
use std::process::Output;

use base64::Engine;
use chrono::{DateTime, Datelike, Timelike, Utc};
use chrono_tz::Tz;

use crate::schedule::berlin_team;
use crate::support::{json_stdout, poolcast};

/// A plan's folder and JSON.
struct Planned {
    dir: tempfile::TempDir,
    json: serde_json::Value,
}

impl Planned {
    /// The plan of the workday team on the Berlin clock, and its
    /// workflow's reconcile step.
    fn berlin() -> (Planned, PathBuf) {
        let plan = Planned::of(&berlin_team());
        let step = plan.step();
        (plan, step)
    }

    fn of(scenario: &str) -> Planned {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let path = dir.path().join("team.toml");
        std::fs::write(&path, scenario).unwrap();
        let json = json_stdout(
            poolcast()
                .args(["plan", "--schedule", "builders", "--format", "json"])
                .args(["--quiet", "--out"])
                .arg(dir.path().join("plan"))
                .arg(&path),
        );
        Planned { dir, json }
    }

    fn file(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.path().join("plan").join(name)).unwrap()
    }

    /// The workflow's reconcile step, as GitHub runs it: the `run` text of
    /// the step that runs in bash, written to a file.
    fn step(&self) -> PathBuf {
        let workflow: serde_yaml::Value =
            serde_yaml::from_str(&self.file("apply-schedule.yml")).expect("the workflow is YAML");
        let steps = workflow["jobs"]["reconcile"]["steps"]
            .as_sequence()
            .expect("steps");
        let runs: Vec<&str> = steps.iter().filter_map(|s| s["run"].as_str()).collect();
        assert_eq!(runs.len(), 1, "one step runs a script: {steps:?}");
        let path = self.dir.path().join("step.sh");
        std::fs::write(&path, runs[0]).unwrap();
        path
    }

    /// The count the plan has in force in the hour of the week (Monday
    /// 00:00 = 0) on the scenario's clock.
    fn count(&self, hour_of_week: usize) -> u64 {
        self.json["count_by_hour_of_week"][hour_of_week]
            .as_u64()
            .expect("a count")
    }
}

/// The hour of the week of `at` on the Berlin clock.
fn berlin_hour(at: &str) -> usize {
    let t = at
        .parse::<DateTime<Utc>>()
        .unwrap()
        .with_timezone(&Tz::Europe__Berlin);
    t.weekday().num_days_from_monday() as usize * 24 + t.hour() as usize
}

/// A stand-in `az` (a pool whose count and provisioningState live in
/// files, every call logged), `date` (the real one, but `date +%s` reads
/// the faked clock) and `sleep` (logs, does not wait), first on PATH.
struct Stand {
    dir: tempfile::TempDir,
}

const AZ: &str = r#"#!/usr/bin/env bash
s="$AZ_STATE"
echo "az $*" >>"$s/calls"
# az's own noise on stderr, which the script must not read as output.
echo "WARNING: Command group 'acr agentpool' is in preview and under development." >&2
left=$(cat "$s/transient")
if [ "$left" -gt 0 ]; then
  echo $((left - 1)) >"$s/transient"
  echo "ERROR: (TooManyRequests) The request is throttled. Code: TooManyRequests" >&2
  exit 1
fi
case "$1 $2 $3" in
  "acr agentpool show")
    printf '%s\t%s\n' "$(cat "$s/count")" "$(cat "$s/state")" ;;
  "acr agentpool update")
    if [ -e "$s/refuse" ]; then cat "$s/refuse" >&2; exit 1; fi
    while [ $# -gt 0 ]; do
      if [ "$1" = --count ]; then echo "$2" >"$s/count"; fi
      shift
    done ;;
  *) echo "ERROR: the stand-in does not know az $*" >&2; exit 2 ;;
esac
"#;

impl Stand {
    /// A pool of `count` instances in provisioningState `state`.
    fn new(count: u64, state: &str) -> Stand {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let real_date = std::env::split_paths(&std::env::var_os("PATH").unwrap())
            .map(|p| p.join("date"))
            .find(|p| p.is_file())
            .expect("date on PATH");
        let date = format!(
            "#!/bin/sh\nif [ \"$#\" = 1 ] && [ \"$1\" = +%s ]; then echo \"$FAKE_NOW\"; else exec {} \"$@\"; fi\n",
            real_date.display()
        );
        let sleep = "#!/bin/sh\necho \"sleep $*\" >>\"$AZ_STATE/calls\"\n";
        std::fs::create_dir(dir.path().join("bin")).unwrap();
        for (name, text) in [("az", AZ), ("date", date.as_str()), ("sleep", sleep)] {
            let path = dir.path().join("bin").join(name);
            std::fs::write(&path, text).unwrap();
            make_executable(&path);
        }
        let stand = Stand { dir };
        stand.set("count", &count.to_string());
        stand.set("state", state);
        stand.set("transient", "0");
        stand.set("calls", "");
        stand
    }

    fn set(&self, file: &str, text: &str) {
        std::fs::write(self.dir.path().join(file), text).unwrap();
    }

    fn read(&self, file: &str) -> String {
        std::fs::read_to_string(self.dir.path().join(file)).unwrap()
    }

    /// The pool's count now.
    fn count(&self) -> u64 {
        self.read("count").trim().parse().unwrap()
    }

    /// The calls logged that start with `prefix`.
    fn calls(&self, prefix: &str) -> usize {
        self.read("calls")
            .lines()
            .filter(|l| l.starts_with(prefix))
            .count()
    }

    /// Runs `script` as GitHub runs a bash step, at `at` (RFC 3339).
    fn run(&self, script: &Path, at: &str) -> Output {
        let now = at.parse::<DateTime<Utc>>().unwrap().timestamp();
        let path = std::env::join_paths(
            std::iter::once(self.dir.path().join("bin"))
                .chain(std::env::split_paths(&std::env::var_os("PATH").unwrap())),
        )
        .unwrap();
        std::process::Command::new("bash")
            .args(["--noprofile", "--norc", "-eo", "pipefail"])
            .arg(script)
            .env("PATH", path)
            .env("FAKE_NOW", now.to_string())
            .env("AZ_STATE", self.dir.path())
            .env("REGISTRY", "myregistry")
            .env("GITHUB_ACTIONS", "true")
            .output()
            .expect("bash runs")
    }

    /// Runs `script` at `at` and asserts it succeeded.
    fn run_ok(&self, script: &Path, at: &str) -> String {
        let out = self.run(script, at);
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "the run at {at} failed:\n{text}");
        text
    }
}

#[cfg(unix)]
fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

const UPDATE: &str = "az acr agentpool update --registry myregistry --name builders --count";

/// On time: the run at 08:53 (5 min provisioning and a 10-minute period
/// ahead of 09:00) sets 09:00's count; the run at 09:03 finds it set and
/// leaves the pool alone.
#[test]
fn a_run_on_time_sets_the_next_hours_count_and_the_next_run_changes_nothing() {
    let (plan, step) = Planned::berlin();
    // Monday 10 March 2025, 08:53 in Berlin (CET, UTC+1).
    let at = "2025-03-10T07:53:00Z";
    let (before, at_nine) = (plan.count(berlin_hour(at)), plan.count(berlin_hour(at) + 1));
    assert_ne!(before, at_nine, "the workday starts at 09:00");
    let stand = Stand::new(before, "Succeeded");
    stand.run_ok(&step, at);
    assert_eq!(stand.count(), at_nine);
    assert_eq!(stand.calls(&format!("{UPDATE} {at_nine} ")), 1);
    stand.run_ok(&step, "2025-03-10T08:03:00Z");
    assert_eq!(
        stand.calls("az acr agentpool update"),
        1,
        "{}",
        stand.read("calls")
    );
    assert_eq!(stand.count(), at_nine);
}

/// Late: the 08:53 run starting 3 h late, at 11:53, sets the count of
/// 11:53; starting 4 h late, at 12:53, it sets the count of 13:00 (a
/// scale-up leads by the provisioning time), not the 09:00 count its rule
/// would have set; the 17:53 scale-down starting at 20:53 still lowers the
/// pool to the evening's count.
#[test]
fn a_late_run_sets_the_count_in_force_when_it_starts() {
    let (plan, step) = Planned::berlin();
    let in_force = |at: &str| {
        plan.count(berlin_hour(at))
            .max(plan.count(berlin_hour(at) + 1))
    };
    let stand = Stand::new(0, "Succeeded");
    let late = "2025-03-10T10:53:00Z";
    stand.run_ok(&step, late);
    assert!(in_force(late) > 0);
    assert_eq!(stand.count(), in_force(late));
    let afternoon = "2025-03-10T11:53:00Z";
    assert_ne!(plan.count(9), in_force(afternoon), "09:00 and 13:00 differ");
    stand.run_ok(&step, afternoon);
    assert_eq!(stand.count(), in_force(afternoon));
    let evening = "2025-03-10T19:53:00Z";
    assert!(stand.count() > plan.count(berlin_hour(evening)));
    stand.run_ok(&step, evening);
    assert_eq!(stand.count(), plan.count(berlin_hour(evening)));
}

/// A scale-down waits for its hour, only a scale-up leads: the 17:53 run
/// starting 4 min late, at 17:57, looks past 18:00 for the scale-up lead
/// but keeps the count in force until 18:00 (the hour was judged with
/// it); the 18:03 run lowers it.
#[test]
fn a_scale_down_waits_for_its_hour() {
    let (plan, step) = Planned::berlin();
    let (at_five, at_six) = (plan.count(17), plan.count(18));
    assert!(at_five > at_six, "the workday ends at 18:00");
    let stand = Stand::new(at_five, "Succeeded");
    // Monday 10 March 2025, 17:57 in Berlin (CET, UTC+1).
    stand.run_ok(&step, "2025-03-10T16:57:00Z");
    assert_eq!(stand.count(), at_five, "{}", stand.read("calls"));
    stand.run_ok(&step, "2025-03-10T17:03:00Z");
    assert_eq!(stand.count(), at_six);
    // The recommended file's rule fires on the hour too; the scale-up
    // at 09:00 fires 5 min before it.
    let recommended = plan.file("recommended.toml");
    assert!(
        recommended.contains("{ cron = \"0 18 * * 1-5\""),
        "{recommended}"
    );
    assert!(
        recommended.contains("{ cron = \"55 8 * * 1-5\""),
        "{recommended}"
    );
}

/// A dropped run: 08:43 has nothing to change, 08:53 never runs, and 09:03
/// sets 09:00's count.
#[test]
fn the_run_after_a_dropped_run_sets_the_count() {
    let (plan, step) = Planned::berlin();
    let stand = Stand::new(0, "Succeeded");
    stand.run_ok(&step, "2025-03-10T07:43:00Z");
    assert_eq!(stand.calls("az acr agentpool update"), 0);
    let after = "2025-03-10T08:03:00Z";
    stand.run_ok(&step, after);
    assert!(plan.count(berlin_hour(after)) > 0);
    assert_eq!(stand.count(), plan.count(berlin_hour(after)));
}

/// Daylight saving: the same UTC minute is 07:53 in Berlin before the
/// change of 30 March 2025 and 08:53 after it, and the script follows
/// Berlin's clock (as the plan does), in spring and again in autumn.
#[test]
fn the_count_follows_the_scenarios_clock_across_daylight_saving_changes() {
    let (plan, step) = Planned::berlin();
    let opening = plan.count(9);
    assert!(opening > plan.count(8));
    for (at, wants) in [
        ("2025-03-24T06:53:00Z", plan.count(8)), // 07:53 CET
        ("2025-03-31T06:53:00Z", opening),       // 08:53 CEST
        ("2025-10-20T06:53:00Z", opening),       // 08:53 CEST
        ("2025-10-27T06:53:00Z", plan.count(8)), // 07:53 CET
        ("2025-10-27T07:53:00Z", opening),       // 08:53 CET
    ] {
        let stand = Stand::new(plan.count(8), "Succeeded");
        stand.run_ok(&step, at);
        assert_eq!(stand.count(), wants, "at {at}");
    }
}

/// A `Failed` pool fails the run loudly (a GitHub error annotation, exit
/// 1) without an update; so does a refused update, tried once.
#[test]
fn a_failed_pool_or_a_refused_update_fails_the_run() {
    let (_plan, step) = Planned::berlin(); // _plan holds the step's folder
    let at = "2025-03-10T07:53:00Z";
    let stand = Stand::new(0, "Failed");
    let out = stand.run(&step, at);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("::error::pool builders is in provisioningState Failed"),
        "{stdout}"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("refuses to update a Failed pool"));
    assert_eq!(stand.calls("az acr agentpool update"), 0);

    let stand = Stand::new(0, "Succeeded");
    stand.set(
        "refuse",
        "ERROR: (QuotaExceeded) The agent pool exceeds the vCPU quota of the registry.\n",
    );
    let out = stand.run(&step, at);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("was refused") && stderr.contains("QuotaExceeded"),
        "{stderr}"
    );
    assert_eq!(stand.calls("az acr agentpool update"), 1, "not retried");
    assert_eq!(stand.calls("sleep"), 0);
}

/// Throttling is retried (twice here, with a pause each), then the run
/// goes on; three in a row fail the run.
#[test]
fn a_transient_error_is_retried() {
    let (plan, step) = Planned::berlin();
    let at = "2025-03-10T07:53:00Z";
    let stand = Stand::new(0, "Succeeded");
    stand.set("transient", "2");
    stand.run_ok(&step, at);
    assert_eq!(stand.calls("sleep"), 2);
    assert_eq!(stand.count(), plan.count(berlin_hour(at) + 1));

    let stand = Stand::new(0, "Succeeded");
    stand.set("transient", "3");
    let out = stand.run(&step, at);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("TooManyRequests"));
    assert_eq!(stand.calls("az acr agentpool update"), 0);
}

/// The schema GitHub's workflow files follow.
fn workflow_schema() -> jsonschema::Validator {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/github-workflow.json");
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    jsonschema::validator_for(&schema).expect("the schema compiles")
}

/// The workflow passes GitHub's workflow schema (and the check catches a
/// broken one); it and the ACR timer task run the reconcile script as it
/// is, on the same every-10-minutes trigger; the shell files parse.
#[test]
fn the_appliers_are_valid_and_run_the_one_reconcile_script() {
    let plan = Planned::of(&berlin_team());
    let script = plan.file("reconcile.sh");
    let workflow: serde_json::Value =
        serde_yaml::from_str(&plan.file("apply-schedule.yml")).expect("the workflow is YAML");
    let schema = workflow_schema();
    let errors: Vec<String> = schema
        .iter_errors(&workflow)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    let mut broken = workflow.clone();
    broken["jobs"]["reconcile"]["runs_on"] = broken["jobs"]["reconcile"]["runs-on"].clone();
    assert!(!schema.is_valid(&broken));
    assert_eq!(workflow["on"]["schedule"][0]["cron"], "3-59/10 * * * *");
    assert_eq!(std::fs::read_to_string(plan.step()).unwrap(), script);

    let task: serde_yaml::Value =
        serde_yaml::from_str(&plan.file("acr-task.yaml")).expect("the task is YAML");
    let cmd = task["steps"][0]["cmd"].as_str().expect("a cmd step");
    assert!(cmd.starts_with("mcr.microsoft.com/azure-cli bash -c 'az login --identity"));
    let encoded = cmd
        .split(' ')
        .skip_while(|w| *w != "echo")
        .nth(1)
        .expect("the encoded script");
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .expect("base64");
    assert_eq!(String::from_utf8(decoded).unwrap(), script);
    assert_eq!(task["steps"][0]["env"][0], "REGISTRY={{.Run.RegistryName}}");

    let create = plan.file("acr-task-create.sh");
    assert!(create.contains("--schedule '3-59/10 * * * *'"), "{create}");
    assert!(create.contains("--assign-identity '[system]'"));
    for name in ["reconcile.sh", "acr-task-create.sh"] {
        let status = std::process::Command::new("bash")
            .arg("-n")
            .arg(plan.dir.path().join("plan").join(name))
            .status()
            .unwrap();
        assert!(status.success(), "{name} does not parse");
    }
    assert!(script.contains("zone='Europe/Berlin'"));
}
