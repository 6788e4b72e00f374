//! Issue 28 (third hostile round): odd inputs each get one message that
//! names the place and the way out, and the reports say what was observed.

use std::path::Path;

use crate::support::{poolcast, write_scenario};

/// A small valid scenario, the base of the cases below.
const BASE: &str = "name = \"m\"\n\n[simulation]\nhorizon = \"1d\"\nwarmup = \"1h\"\nreplications = 2\n\n[[pool]]\nname = \"builders\"\ntier = \"S1\"\ncount = 1\n\n[[workload]]\nname = \"ci\"\npool = \"builders\"\narrival = { process = \"poisson\", rate = \"2/h\" }\nduration = { dist = \"constant\", value = \"5m\" }\n\n[slo]\nwait_p95 = \"30m\"\n";

/// Runs `poolcast ARGS`, returns (exit code, stderr).
fn outcome(args: &[&std::ffi::OsStr]) -> (Option<i32>, String) {
    let out = poolcast().args(args).output().expect("poolcast runs");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (out.status.code(), stderr)
}

/// A key nested past the parser's recursion limit is located and said
/// once (it printed "recursion limit" twice, without a line), by the
/// commands that read a sweep too (they said "sweep: recursion limit").
#[test]
fn a_key_nested_too_deep_is_located_once() {
    let deep = format!("{}b = 1\n", "a.".repeat(200));
    let (_dir, path) = write_scenario(&format!("{BASE}\n{deep}"), "deep.toml");
    let line = BASE.lines().count() + 2;
    for command in ["validate", "run", "sweep", "plan", "estimate"] {
        let (code, stderr) = outcome(&[command.as_ref(), path.as_os_str(), "-q".as_ref()]);
        assert_eq!(code, Some(2), "{command}: {stderr}");
        assert!(
            stderr.starts_with(&format!(
                "error: {}:{line}:1: a key of 201 dotted parts",
                path.display()
            )),
            "{command}: {stderr}"
        );
        assert_eq!(stderr.matches("recursion limit").count(), 1, "{stderr}");
    }
}

/// `sweep = {…}` written after a table is a key of that table: `sweep`
/// says so where it stands (it said "has no [sweep]"), and so do `run`
/// and `validate` (they said "unknown field `sweep`").
#[test]
fn an_inline_sweep_inside_a_table_is_named_there() {
    let src = format!("{BASE}sweep = {{ \"pool.builders.count\" = [1, 2] }}\n");
    let (_dir, path) = write_scenario(&src, "inline.toml");
    let line = BASE.lines().count() + 1;
    for command in ["sweep", "run", "validate"] {
        let (code, stderr) = outcome(&[command.as_ref(), path.as_os_str(), "-q".as_ref()]);
        assert_eq!(code, Some(2), "{command}: {stderr}");
        assert!(
            stderr.contains(&format!(
                "inline.toml:{line}:1: slo.sweep: `sweep` written after [slo] is a key of [slo], not a sweep; a sweep is run by `poolcast sweep`"
            )) && !stderr.contains("unknown field"),
            "{command}: {stderr}"
        );
    }
    // Above the first table it is the sweep.
    let src = BASE.replacen(
        "\n[simulation]",
        "sweep = { \"pool.builders.count\" = [1, 2] }\n\n[simulation]",
        1,
    );
    let (dir, path) = write_scenario(&src, "inline.toml");
    let out = dir.path().join("out");
    let args = [
        "sweep".as_ref(),
        path.as_os_str(),
        "-q".as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
    ];
    let (code, stderr) = outcome(&args);
    assert_eq!(code, Some(0), "{stderr}");
}

/// An axis named "sweep" set the [sweep] of each point, which no point
/// reads: identical points. Refused like [slo] and the name.
#[test]
fn an_axis_named_sweep_is_refused() {
    let src = format!("{BASE}\n[sweep]\n\"sweep\" = [1, 2]\n");
    let (_dir, path) = write_scenario(&src, "axis.toml");
    let (code, stderr) = outcome(&["sweep".as_ref(), path.as_os_str(), "-q".as_ref()]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("sweep.\"sweep\": a sweep cannot vary [slo], [sweep] or the name"),
        "{stderr}"
    );
}

/// A step summary that cannot be written is refused naming the variable
/// (the path alone, `/dev/full`, did not say where it came from).
#[test]
fn a_bad_step_summary_names_its_variable() {
    let (dir, path) = write_scenario(BASE, "m.toml");
    for target in [Path::new("/dev/full"), dir.path()] {
        let out = poolcast()
            .args(["check", path.to_str().unwrap(), "-q", "--outputs", "none"])
            .env("GITHUB_STEP_SUMMARY", target)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.starts_with(&format!("error: GITHUB_STEP_SUMMARY: {}", target.display())),
            "{stderr}"
        );
    }
}

/// A simulation that would end past 9999-12-31 is refused at `start`
/// (queue.csv wrote `+10000-01-02T23:59:00Z`); one that ends on the last
/// day runs.
#[test]
fn a_window_past_the_year_9999_is_refused() {
    for (start, code) in [("9999-12-31T00:00:00Z", 2), ("9999-12-30T00:00:00Z", 0)] {
        let src = BASE.replacen(
            "horizon = \"1d\"",
            &format!("horizon = \"1d\"\nstart = \"{start}\""),
            1,
        );
        let (_dir, path) = write_scenario(&src, "y.toml");
        let (got, stderr) = outcome(&["validate".as_ref(), path.as_os_str()]);
        assert_eq!(got, Some(code), "{start}: {stderr}");
        if code == 2 {
            assert!(
                stderr.contains("y.toml:5:9: simulation.start: the simulation would end on 10000-01-01, past 9999-12-31"),
                "{stderr}"
            );
        }
    }
}

/// A workload whose rate or multipliers are effectively zero (5e-324,
/// 1e-12) is warned about: it ran with no run and no word.
#[test]
fn a_nearly_empty_workload_is_warned_about() {
    let hourly = |w: &str| format!("hourly = [{}]", vec![w; 24].join(", "));
    for arrival in [
        format!(
            "{{ process = \"profile\", rate = \"2/h\", {} }}",
            hourly("5e-324")
        ),
        format!(
            "{{ process = \"profile\", rate = \"2/h\", {} }}",
            hourly("1e-12")
        ),
        "{ process = \"poisson\", rate = \"1e-12/h\" }".to_string(),
    ] {
        let src = BASE.replace("{ process = \"poisson\", rate = \"2/h\" }", &arrival);
        let (_dir, path) = write_scenario(&src, "z.toml");
        let (code, stderr) = outcome(&run_args(&path));
        assert_eq!(code, Some(0), "{stderr}");
        assert!(
            stderr.contains("workload ci: ")
                && stderr.contains(
                    "runs a replication over the 1d horizon, so nearly every replication has none"
                ),
            "{arrival}: {stderr}"
        );
    }
    let (_dir, path) = write_scenario(BASE, "m.toml");
    let (_, stderr) = outcome(&run_args(&path));
    assert!(!stderr.contains("nearly every replication"), "{stderr}");
}

/// `run PATH --outputs none`, warnings on stderr.
fn run_args(path: &Path) -> [&std::ffi::OsStr; 4] {
    [
        "run".as_ref(),
        path.as_os_str(),
        "--outputs".as_ref(),
        "none".as_ref(),
    ]
}

/// A --max-memory above the address-space limit (`ulimit -v`) cannot
/// raise it: work estimated past the limit is refused, naming it, instead
/// of aborting on an allocation.
#[test]
fn a_budget_above_ulimit_v_names_the_limit() {
    let many = crate::support::many_pools(
        "horizon = \"100d\"\nwarmup = \"1d\"\nreplications = 2000\nsample_interval = \"1h\"",
        40,
        "1/d",
        "1m",
    );
    let (_dir, path) = write_scenario(&many, "big.toml");
    let out = crate::support::poolcast_within(
        1_500_000,
        &[
            "run".as_ref(),
            path.as_os_str(),
            "--max-memory".as_ref(),
            "100GiB".as_ref(),
            "--outputs".as_ref(),
            "none".as_ref(),
            "-q".as_ref(),
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(
            "above the address-space limit (ulimit -v) of 1.4 GiB, which --max-memory cannot raise"
        ),
        "{stderr}"
    );
}

/// Past the palette's six colours, compare draws no chart (the legend
/// stopped at 20 and each colour stood for several scenarios) and says
/// where the data is.
#[test]
fn compare_draws_no_chart_past_six_scenarios() {
    let (dir, path) = write_scenario(BASE, "m.toml");
    for (n, charts) in [(6, true), (7, false)] {
        let out = dir.path().join(format!("out{n}"));
        let mut cmd = poolcast();
        cmd.arg("compare");
        for _ in 0..n {
            cmd.arg(&path);
        }
        let run = cmd
            .args(["--outputs", "svg,md", "--out"])
            .arg(&out)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert_eq!(run.status.code(), Some(0), "{stderr}");
        assert_eq!(out.join("compare_wait.svg").exists(), charts, "{n}");
        assert_eq!(out.join("compare_cost.svg").exists(), charts, "{n}");
        let said = "drawn for at most 6 scenarios (one colour each), not 7";
        assert_eq!(stderr.contains(said), !charts, "{stderr}");
        let md = std::fs::read_to_string(out.join("summary.md")).unwrap();
        assert_eq!(md.contains(said), !charts, "{md}");
    }
}

/// `plan --schedule` holds its result while its confirmation runs: both
/// count (10,000 replications were estimated at 314 MiB, one run, and
/// peaked at 440 MiB here, 763 MiB on the tester's machine).
#[test]
fn plan_schedule_counts_its_result_and_its_confirmation() {
    let path = crate::support::scenarios_dir().join("plan-schedule.toml");
    let dir = tempfile::tempdir().unwrap();
    let out = poolcast()
        .args(["plan", path.to_str().unwrap(), "--schedule", "builders"])
        .args(["--replications", "10000", "--max-memory", "400MiB", "--out"])
        .arg(dir.path().join("plan"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("wait counts: 20000 replication(s) x 1 workload(s)"),
        "{stderr}"
    );
}
