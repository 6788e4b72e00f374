//! Fuzzing with generated inputs (proptest), run as tests: mutated scenario
//! files, generated run exports, and random valid scenarios checked against
//! the simulation's invariants. `PROPTEST_CASES=N` runs more cases (the
//! default of 256 per target keeps the suite quick); inputs that once broke
//! something live in `tests/fixtures/fuzz/` and are replayed by
//! `fuzz_corpus_never_panics`.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use poolcast::model::{PoolId, Target};
use poolcast::scenario::Scenario;
use poolcast::sim::run_replication;
use poolcast::stats::{PoolLevels, Recorder, ReplicationStats};
use poolcast::units::{SimDuration, SimTime};
use poolcast::workload::WorkloadId;
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
            r.totals[poolcast::stats::TotalMetric::CostUsd] >= 0.0
                || r.totals[poolcast::stats::TotalMetric::CostUsd].is_nan(),
            "negative cost"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

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
        match poolcast::import::import(&path, &BTreeMap::new(), "fuzz") {
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
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

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

        let mut stats = ReplicationStats::new(&s);
        run_replication(&s, 0, &mut stats, &std::sync::atomic::AtomicBool::new(false));
        let r = stats.finish();
        let pool_cost: f64 = r.pools.iter().map(|p| p[poolcast::stats::PoolMetric::CostUsd]).sum();
        for p in &r.pools {
            prop_assert!((0.0..=1.0).contains(&p[poolcast::stats::PoolMetric::Utilization]), "utilisation {}", p[poolcast::stats::PoolMetric::Utilization]);
            prop_assert!(p[poolcast::stats::PoolMetric::CostUsd] >= 0.0);
        }
        let default_cost = r.default_compute.as_ref().map_or(0.0, |d| d[poolcast::stats::DefaultComputeMetric::CostUsd]);
        prop_assert!(default_cost >= 0.0);
        prop_assert!((r.totals[poolcast::stats::TotalMetric::CostUsd] - (pool_cost + default_cost)).abs() <= 1e-9 * r.totals[poolcast::stats::TotalMetric::CostUsd].max(1.0), "cost is not additive");
    }
}

/// Inputs kept from fuzzing and review: each must end in exit 0 or 2.
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
        seen += 1;
    }
    assert!(seen > 0, "the corpus is empty");
}
