//! Fuzzing with generated inputs (proptest), run as tests: mutated scenario
//! files, generated run exports, random valid scenarios checked against the
//! simulation's invariants, cron rules with jitter and schedules, command
//! lines (`command_fuzz.rs`) and input files of every kind. `POOLCAST_FUZZ_CASES=N` runs N
//! cases per target (the defaults, a few dozen to 256, keep the suite to
//! seconds); inputs that once broke something live in `tests/fixtures/fuzz/`
//! and are replayed by `fuzz_corpus_never_panics`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use poolcast::model::{PoolId, Target, WorkloadId};
use poolcast::results::{PoolLevels, Recorder};
use poolcast::scenario::Scenario;
use poolcast::sim::run_replication;
use poolcast::stats::ReplicationStats;
use poolcast::units::{SimDuration, SimTime};
use proptest::prelude::*;

use crate::support::{poolcast, scenarios_dir};

/// Tokens that have broken parsers elsewhere: extreme numbers, empty and
/// odd strings, structure, unit strings at the edges.
const TOKENS: &[&str] = &[
    "0",
    "-1",
    "1e308",
    "-1e308",
    "nan",
    "inf",
    "-inf",
    "18446744073709551616",
    "\"\"",
    "\"x\"",
    "\"0s\"",
    "\"1e400s\"",
    "\"99999999999d\"",
    "\"1/0s\"",
    "\"1/1ns\"",
    "\"0/h\"",
    "\"1e300/h\"",
    "\"S9\"",
    "\"I6\"",
    "\"default\"",
    "[",
    "]",
    "{",
    "}",
    "=",
    ",",
    "\n",
    "[[pool]]",
    "[[workload]]",
    "[sweep]",
    "[slo]",
    "\"* * * * *\"",
    "\"61 * * * *\"",
    "\"0 0 31 2 *\"",
    "[1, 2, 3]",
    "[]",
    "true",
    "\"ü\"",
    "\"\\u0000\"",
    "{ process = \"poisson\", rate = \"1000/s\" }",
    "{ dist = \"empirical\", values = [] }",
    "count = 100000",
    "\"pool.builders.count\" = { from = 1, to = 100000, step = 1 }",
    "horizon = \"36500d\"",
    "scaling = { policy = \"queue\", max = 100000 }",
    "tasks = 1000000",
    "jitter = \"1000d\"",
];

fn bundled() -> Vec<(PathBuf, String)> {
    let mut v: Vec<(PathBuf, String)> = std::fs::read_dir(scenarios_dir())
        .expect("scenarios/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("read");
            (p, text)
        })
        .collect();
    v.sort();
    v
}

/// Applies (position, deletion, token) edits to `base`.
fn mutate(base: &str, edits: &[(usize, usize, usize)]) -> String {
    let mut s: Vec<char> = base.chars().collect();
    for &(pos, del, tok) in edits {
        let at = pos % (s.len() + 1);
        let end = (at + del).min(s.len());
        s.splice(at..end, TOKENS[tok % TOKENS.len()].chars());
    }
    s.into_iter().collect()
}

/// Runs a valid scenario briefly when it is small enough to be quick.
fn exercise(s: &mut Scenario) {
    let runs: f64 = s
        .workloads
        .iter()
        .map(|w| w.arrival.expected_runs(s.simulation.horizon))
        .sum();
    if runs > 50_000.0 || s.simulation.horizon > SimDuration::from_secs(14 * 86_400) {
        return;
    }
    s.simulation.replications = 1;
    let summary = poolcast::replication::run(s, &Default::default());
    for r in &summary.per_replication {
        assert!(
            r.totals[poolcast::results::TotalMetric::CostUsd] >= 0.0
                || r.totals[poolcast::results::TotalMetric::CostUsd].is_nan(),
            "negative cost"
        );
    }
}

/// Cases per target: `POOLCAST_FUZZ_CASES`, or `default` (what keeps the
/// suite quick).
pub(crate) fn cases(default: u32) -> u32 {
    std::env::var("POOLCAST_FUZZ_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(default)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(256), failure_persistence: None, ..ProptestConfig::default() })]

    /// No mutation of a bundled scenario makes the parser, the validator,
    /// the sweep expansion or a short simulation panic.
    #[test]
    fn fuzz_mutated_scenarios_never_panic(
        which in 0usize..64,
        edits in prop::collection::vec((any::<usize>(), 0usize..16, any::<usize>()), 1..6),
    ) {
        let all = bundled();
        let (path, base) = &all[which % all.len()];
        let text = mutate(base, &edits);
        match poolcast::scenario::from_str(&text, path) {
            Ok(mut s) => {
                                if let Ok(Some(spec)) = poolcast::scenario::sweep_spec(&text, path)
                    && spec.len() <= 50
                {
                    let _ = poolcast::scenario::expand(&spec, &text, path, Default::default());
                }
                exercise(&mut s);
            }
            Err(e) => {
                let message = e.to_string();
                prop_assert!(!message.is_empty());
            }
        }
    }

    /// Any export the importer accepts, it turns into a scenario that
    /// validates (never "the generated scenario does not validate").
    #[test]
    fn fuzz_import_never_writes_an_invalid_scenario(
        runs in prop::collection::vec(
            (
                0i64..3_000_000,
                prop::option::of(0i64..5000),
                prop::option::of(0i64..100_000),
                prop::option::of("[a-z_ (). -]{0,24}"),
                prop::option::of("[a-zA-Z0-9_-]{0,8}"),
                prop::option::of(0u32..100),
            ),
            1..60,
        ),
    ) {
        let start = chrono::DateTime::parse_from_rfc3339("2025-03-03T00:00:00Z").expect("a timestamp");
        let json: Vec<serde_json::Value> = runs
            .iter()
            .map(|(created, wait, dur, pool, task, cpu)| {
                let c = start + chrono::Duration::seconds(*created);
                let s = wait.map(|w| c + chrono::Duration::seconds(w));
                let f = s.zip(*dur).map(|(s, d)| s + chrono::Duration::milliseconds(d));
                serde_json::json!({
                    "createTime": c.to_rfc3339(),
                    "startTime": s.map(|t| t.to_rfc3339()),
                    "finishTime": f.map(|t| t.to_rfc3339()),
                    "agentPoolName": pool,
                    "task": task,
                    "agentConfiguration": cpu.map(|c| serde_json::json!({"cpu": c})),
                })
            })
            .collect();
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("export.json");
        std::fs::write(&path, serde_json::to_string(&json).expect("JSON")).expect("write");
        match poolcast::import::import(std::slice::from_ref(&path), &poolcast::import::ImportOptions::named("fuzz")) {
            Ok(imported) => {
                prop_assert!(poolcast::scenario::from_str(&imported.toml, Path::new("fuzz.toml")).is_ok());
            }
            Err(e) => prop_assert!(!matches!(e, poolcast::import::ImportError::Invalid(_)), "{e}"),
        }
    }

    /// Random bytes as a runs file: an error or runs, never a panic.
    #[test]
    fn fuzz_runs_files_never_panic(text in "[\\[\\]{}\",:a-zA-Z0-9 .\\n-]{0,300}") {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("runs");
        std::fs::write(&path, &text).expect("write");
        let _ = poolcast::runs::read_runs(&path);
    }
}

/// Sees every event of a replication and checks its invariants.
#[derive(Default)]
struct Audit {
    now: SimTime,
    arrived: u64,
    finished: u64,
    started_default: u64,
    finished_default: u64,
    levels: HashMap<u32, PoolLevels>,
    targets: Vec<Target>,
}

impl Recorder for Audit {
    fn arrived(&mut self, _: WorkloadId, at: SimTime) {
        assert!(at >= self.now);
        self.now = at;
        self.arrived += 1;
    }
    fn started(
        &mut self,
        w: WorkloadId,
        _: Target,
        arrived_at: SimTime,
        at: SimTime,
        _: SimDuration,
    ) {
        assert!(arrived_at <= at, "negative wait");
        self.started_default += u64::from(self.targets[w.0 as usize] == Target::DefaultCompute);
    }
    fn finished(
        &mut self,
        w: WorkloadId,
        arrived_at: SimTime,
        started_at: SimTime,
        at: SimTime,
        _: bool,
    ) {
        assert!(arrived_at <= started_at && started_at <= at);
        self.finished += 1;
        self.finished_default += u64::from(self.targets[w.0 as usize] == Target::DefaultCompute);
    }
    fn pool_changed(&mut self, p: PoolId, at: SimTime, levels: PoolLevels) {
        assert!(at >= self.now);
        self.now = at;
        assert!(levels.busy <= levels.ready(), "{levels:?}");
        self.levels.insert(p.0, levels);
    }
    fn sampled(&mut self, _: PoolId, _: SimTime, _: PoolLevels) {}
}

fn pool_toml(i: usize, tier: usize, count: u32, policy: usize) -> String {
    let tier = ["S1", "S2", "S3"][tier];
    let scaling = match policy {
        0 => String::new(),
        1 => format!(
            "scaling = {{ policy = \"queue\", min = 0, max = {}, cooldown = \"5m\" }}\nscale_in = \"preempt\"\n",
            count.max(1)
        ),
        _ => format!(
            "scaling = {{ policy = \"schedule\", rules = [{{ cron = \"0 8 * * *\", count = {count} }}, {{ cron = \"0 18 * * *\", count = 0 }}] }}\n"
        ),
    };
    format!(
        "[[pool]]\nname = \"pool-{i}\"\ntier = \"{tier}\"\ncount = {}\nprovisioning = \"2m\"\ncold_start = {{ extra = \"1m\" }}\n{scaling}\n",
        count.max(1)
    )
}

fn workload_toml(i: usize, target: &str, process: usize, dist: usize, rate: u32) -> String {
    let arrival = match process {
        0 => format!("{{ process = \"poisson\", rate = \"{rate}/h\" }}"),
        1 => format!(
            "{{ process = \"burst\", rate = \"{}/h\", size = {{ dist = \"uniform\", min = 1, max = 6 }} }}",
            rate.div_ceil(3)
        ),
        2 => format!(
            "{{ process = \"cron\", schedule = \"*/20 * * * *\", tasks = {} }}",
            rate.div_ceil(3).min(50)
        ),
        _ => format!("{{ process = \"profile\", rate = \"{rate}/h\", preset = \"workday\" }}"),
    };
    let duration = match dist {
        0 => "{ dist = \"exponential\", mean = \"6m\" }",
        1 => "{ dist = \"lognormal\", median = \"3m\", p95 = \"40m\" }",
        2 => "{ dist = \"constant\", value = \"4m\" }",
        3 => "{ dist = \"uniform\", min = \"1m\", max = \"20m\" }",
        _ => "{ dist = \"gamma\", mean = \"5m\", cv = 2.0 }",
    };
    format!(
        "[[workload]]\nname = \"w{i}\"\npool = \"{target}\"\narrival = {arrival}\nduration = {duration}\ntimeout = \"30m\"\n\n"
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(64), failure_persistence: None, ..ProptestConfig::default() })]

    /// For random valid scenarios: every arrival is finished, queued or
    /// running at the end; no wait is negative; utilisation is within
    /// [0, 1]; costs are not negative and add up across pools.
    #[test]
    fn property_random_scenarios_keep_invariants(
        pools in prop::collection::vec((0usize..3, 0u32..4, 0usize..3), 1..4),
        workloads in prop::collection::vec((0usize..4, 0usize..4, 0usize..5, 1u32..40), 1..4),
        seed in 0u64..1000,
    ) {
        let mut src = format!("[simulation]\nhorizon = \"2d\"\nwarmup = \"2h\"\nreplications = 1\nseed = {seed}\nsample_interval = \"30m\"\n\n[quota]\nstandard_vcpu = 1000\n\n");
        for (i, (tier, count, policy)) in pools.iter().enumerate() {
            src.push_str(&pool_toml(i, *tier, *count, *policy));
        }
        for (i, (target, process, dist, rate)) in workloads.iter().enumerate() {
            let pool = if *target >= pools.len() { "default".to_string() } else { format!("pool-{target}") };
            src.push_str(&workload_toml(i, &pool, *process, *dist, *rate));
        }
        let s = poolcast::scenario::from_str(&src, Path::new("random.toml")).map_err(|e| TestCaseError::fail(format!("{e}\n{src}")))?;
        let mut audit = Audit { targets: s.workloads.iter().map(|w| w.target).collect(), ..Audit::default() };
        run_replication(&s, 0, &mut audit, &std::sync::atomic::AtomicBool::new(false));
        let queued: u64 = audit.levels.values().map(|l| u64::from(l.queued)).sum();
        let running: u64 = audit.levels.values().map(|l| u64::from(l.busy)).sum();
        let default_running = audit.started_default - audit.finished_default;
        prop_assert_eq!(audit.arrived, audit.finished + queued + running + default_running, "{}", src);

        let mut stats = ReplicationStats::with(&s, &poolcast::forecast::stats_setup(&s));
        run_replication(&s, 0, &mut stats, &std::sync::atomic::AtomicBool::new(false));
        let r = stats.finish();
        let pool_cost: f64 = r.pools.iter().map(|p| p[poolcast::results::PoolMetric::CostUsd]).sum();
        for p in &r.pools {
            prop_assert!((0.0..=1.0).contains(&p[poolcast::results::PoolMetric::Utilization]), "utilisation {}", p[poolcast::results::PoolMetric::Utilization]);
            prop_assert!(p[poolcast::results::PoolMetric::CostUsd] >= 0.0);
        }
        let default_cost = r.default_compute.as_ref().map_or(0.0, |d| d[poolcast::results::DefaultComputeMetric::CostUsd]);
        prop_assert!(default_cost >= 0.0);
        prop_assert!((r.totals[poolcast::results::TotalMetric::CostUsd] - (pool_cost + default_cost)).abs() <= 1e-9 * r.totals[poolcast::results::TotalMetric::CostUsd].max(1.0), "cost is not additive");
    }
}

/// Cron fields, the ordinary and the rare (29 February, 31st, every 7
/// minutes across the hour, weekday lists).
const CRON_FIELDS: [&[&str]; 5] = [
    &["*", "0", "*/5", "30", "59", "0-59/7"],
    &["*", "0", "12", "*/6", "23", "9-17"],
    &["*", "1", "15", "29", "30", "31"],
    &["*", "1", "2", "*/3", "12", "2,4"],
    &["*", "0", "1", "1-5", "6,0", "5"],
];
const JITTERS: &[&str] = &["0s", "1m", "1h", "1d", "27d", "60d", "400d"];
const HORIZONS: &[&str] = &["1d", "7d", "60d", "400d"];

fn cron(fields: &[usize; 5]) -> String {
    let parts: Vec<&str> = (0..5)
        .map(|i| CRON_FIELDS[i][fields[i] % CRON_FIELDS[i].len()])
        .collect();
    parts.join(" ")
}

/// A scenario of a cron arrival with jitter on a pool scaled by schedule
/// rules, all drawn from the fields above.
fn cron_scenario(
    horizon: usize,
    arrival: [usize; 5],
    tasks: u32,
    jitter: usize,
    rules: &[([usize; 5], u32)],
) -> String {
    let rules: Vec<String> = rules
        .iter()
        .map(|(f, count)| format!("{{ cron = \"{}\", count = {count} }}", cron(f)))
        .collect();
    format!(
        "[simulation]\nhorizon = \"{}\"\nwarmup = \"0s\"\nreplications = 1\nsample_interval = \"1h\"\n\n[[pool]]\nname = \"builders\"\ntier = \"S1\"\ncount = 1\nscaling = {{ policy = \"schedule\", rules = [{}] }}\n\n[[workload]]\nname = \"ci\"\npool = \"builders\"\narrival = {{ process = \"cron\", schedule = \"{}\", tasks = {tasks}, jitter = \"{}\" }}\nduration = {{ dist = \"constant\", value = \"10m\" }}\n",
        HORIZONS[horizon % HORIZONS.len()],
        rules.join(", "),
        cron(&arrival),
        JITTERS[jitter % JITTERS.len()]
    )
}

/// A small scenario with an objective and a sweep of two points.
pub(crate) const SMALL: &str = "[simulation]\nhorizon = \"1d\"\nwarmup = \"1h\"\nreplications = 2\n\n[[pool]]\nname = \"builders\"\ntier = \"S1\"\ncount = 1\n\n[[workload]]\nname = \"ci\"\npool = \"builders\"\narrival = { process = \"poisson\", rate = \"2/h\" }\nduration = { dist = \"constant\", value = \"5m\" }\n\n[slo]\nwait_p95 = \"5m\"\n\n[sweep]\n\"pool.builders.count\" = [1, 2]\n";

/// What an input file is made of: every kind the commands may be handed.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Fifo,
    DevZero,
    DevNull,
    Folder,
    LinkToDevZero,
    Missing,
    Empty,
    Bytes,
}

const KINDS: [Kind; 8] = [
    Kind::Fifo,
    Kind::DevZero,
    Kind::DevNull,
    Kind::Folder,
    Kind::LinkToDevZero,
    Kind::Missing,
    Kind::Empty,
    Kind::Bytes,
];

/// Makes an input of `kind` at `path` (`bytes` for a file of bytes);
/// `None` where the system cannot make it (no `mkfifo`).
fn make_input(kind: Kind, path: &Path, bytes: &[u8]) -> Option<PathBuf> {
    let made = match kind {
        Kind::Fifo => {
            let ok = std::process::Command::new("mkfifo")
                .arg(path)
                .status()
                .is_ok_and(|s| s.success());
            return ok.then(|| path.to_path_buf());
        }
        Kind::DevZero => return Some(PathBuf::from("/dev/zero")),
        Kind::DevNull => return Some(PathBuf::from("/dev/null")),
        Kind::Folder => std::fs::create_dir(path),
        Kind::LinkToDevZero => std::os::unix::fs::symlink("/dev/zero", path),
        Kind::Missing => Ok(()),
        Kind::Empty => std::fs::write(path, ""),
        Kind::Bytes => std::fs::write(path, bytes),
    };
    made.expect("make the input");
    Some(path.to_path_buf())
}

/// What a file is handed as: each role's command line for the file at
/// `input`, in folder `dir` (which holds `small.toml`).
fn role_command(
    role: usize,
    input: &Path,
    dir: &Path,
) -> (Vec<std::ffi::OsString>, Vec<(String, std::ffi::OsString)>) {
    let small = dir.join("small.toml");
    let with = |workload: &str| crate::support::workload_scenario(dir, "uses.toml", workload);
    let file = input
        .display()
        .to_string()
        .replace('\\', "\\\\")
        .replace('"', "\\\"");
    let args: Vec<std::ffi::OsString> = match role {
        0 => vec!["validate".into(), input.into()],
        1 => vec![
            "validate".into(),
            with(&format!("arrival = {{ process = \"poisson\", rate = \"1/h\" }}\nduration = {{ dist = \"empirical\", file = \"{file}\" }}")).into(),
            "--allow-outside".into(),
        ],
        2 => vec![
            "validate".into(),
            with(&format!("arrival = {{ process = \"trace\", file = \"{file}\" }}")).into(),
            "--allow-outside".into(),
        ],
        3 => vec!["import".into(), input.into(), "--out".into(), dir.join("imported.toml").into()],
        4 => vec!["merge".into(), input.into(), "--out".into(), dir.join("merged").into()],
        _ => vec!["check".into(), small.into(), "--out".into(), dir.join("checked").into(), "--quiet".into()],
    };
    let env = if role >= 5 {
        vec![("GITHUB_STEP_SUMMARY".to_string(), input.into())]
    } else {
        Vec::new()
    };
    (args, env)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(48), failure_persistence: None, ..ProptestConfig::default() })]

    /// Cron arrivals with jitter beside schedule rules, over horizons up to
    /// 400 days: refused with a located message, or a replication in which
    /// time never runs backwards and every arrival is accounted for.
    #[test]
    fn fuzz_cron_rules_with_jitter_and_schedules(
        horizon in 0usize..4,
        arrival in prop::array::uniform5(0usize..6),
        tasks in 1u32..2000,
        jitter in 0usize..7,
        rules in prop::collection::vec((prop::array::uniform5(0usize..6), 0u32..4), 1..4),
    ) {
        let src = cron_scenario(horizon, arrival, tasks, jitter, &rules);
        match poolcast::scenario::from_str(&src, Path::new("cron.toml")) {
            Ok(s) => {
                let runs = s.workloads[0].arrival.expected_runs(s.simulation.horizon);
                // A case that quick cannot be simulated here is validated
                // only (not a reject: most minutely crons are).
                if runs > 20_000.0 {
                    return Ok(());
                }
                let mut audit = Audit { targets: s.workloads.iter().map(|w| w.target).collect(), ..Audit::default() };
                run_replication(&s, 0, &mut audit, &std::sync::atomic::AtomicBool::new(false));
                let held: u64 = audit.levels.values().map(|l| u64::from(l.queued) + u64::from(l.busy)).sum();
                prop_assert_eq!(audit.arrived, audit.finished + held, "{}", src);
            }
            Err(e) => {
                let message = e.to_string();
                prop_assert!(message.contains("cron.toml:"), "not located: {}", message);
            }
        }
    }

    /// Every kind of file in every input role (scenario, durations file,
    /// trace, runs file, shard, step summary): what is not a regular file is
    /// refused by what it is (exit 2) at once; a file of any bytes is read
    /// or refused, never a hang or a panic.
    #[test]
    fn fuzz_input_files_of_every_kind(
        role in 0usize..6,
        kind in 0usize..8,
        bytes in prop::collection::vec(any::<u8>(), 0..512),
    ) {
        let dir = tempfile::tempdir().expect("dir");
        std::fs::write(dir.path().join("small.toml"), SMALL).expect("write");
        let kind = KINDS[kind];
        let Some(input) = make_input(kind, &dir.path().join("input"), &bytes) else {
            return Ok(());
        };
        let (args, env) = role_command(role, &input, dir.path());
        let out = poolcast()
            .args(&args)
            .envs(env)
            .timeout(std::time::Duration::from_secs(30))
            .output()
            .expect("runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        let code = out.status.code();
        prop_assert!(!stderr.contains("panicked"), "{}", stderr);
        let irregular = matches!(kind, Kind::Fifo | Kind::DevZero | Kind::DevNull | Kind::Folder | Kind::LinkToDevZero);
        // A step summary that does not exist yet is created.
        if irregular || (matches!(kind, Kind::Missing) && role < 5) {
            prop_assert_eq!(code, Some(2), "{:?} as {:?}: {}", kind, args, stderr);
        } else {
            prop_assert!(matches!(code, Some(0..=2)), "{:?} as {:?}: exit {:?}\n{}", kind, args, code, stderr);
        }
    }
}

/// Inputs kept from fuzzing and review: each must end in exit 0 or 2, as
/// `validate` and, when valid, as one replication of `run` under a 1.5 GB
/// address-space limit and a time limit (a hang or an abort fails it).
#[test]
fn fuzz_corpus_never_panics() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fuzz");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).expect("tests/fixtures/fuzz") {
        let path = entry.expect("an entry").path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        let out = poolcast()
            .arg("validate")
            .arg(&path)
            .output()
            .expect("runs");
        let code = out.status.code();
        assert!(
            matches!(code, Some(0) | Some(2)),
            "{}: exit {code:?}\n{}",
            path.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        if code == Some(0) {
            let out = bounded(&format!(
                "run '{}' --replications 1 --threads 1 --outputs none --quiet --format json",
                path.display()
            ));
            assert!(
                matches!(out.status.code(), Some(0) | Some(2)),
                "{}: run exit {:?}\n{}",
                path.display(),
                out.status.code(),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        seen += 1;
    }
    assert!(seen > 0, "the corpus is empty");
}

/// Runs `poolcast ARGS` (shell words) under a 1.5 GB address-space limit
/// and a 120 s time limit: a hang exits 124, an abort 134, the OOM killer 137.
fn bounded(args: &str) -> std::process::Output {
    std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -v 1500000 && exec timeout 120 '{}' {args}",
            assert_cmd::cargo::cargo_bin("poolcast").display()
        ))
        .output()
        .expect("sh runs")
}
