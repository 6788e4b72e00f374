//! Scenario files: parsing (TOML) and validation into a `Scenario`.
//!
//! This is the only module that knows TOML or serde input. It never runs a
//! simulation: it turns text into validated, immutable data, or into errors
//! that name the file, the key, the place and the fix; and the other way,
//! it writes the scenario `init` starts a team with (`template`).

mod arrival;
mod assumptions;
mod batch;
mod cron;
mod data_files;
mod describe;
mod duration;
mod edit;
mod error;
mod keys;
mod names;
mod pool;
mod prices;
mod raw;
mod set_key;
mod simulation;
mod slo;
mod sweep_points;
mod sweep_spec;
pub mod template;
mod trace;
mod validate;
mod workload;

use std::path::{Path, PathBuf};

use data_files::DataFiles;
pub use describe::{describe, describe_quota};
pub use edit::{
    EditError, ScalingEdit, with_default_per, with_files_rebased, with_pool_scaling,
    with_simulation, with_wait_target,
};
pub use error::{Location, ScenarioError, ValidationIssue};
pub(crate) use pool::scheduled_at_start;

pub use names::{NAME_RULE, is_valid_name, name_from_stem, safe_workload_name};
pub use pool::MAX_POOL_COUNT;
pub use sweep_points::{PointEdit, SweepPoints, expand};
pub use sweep_spec::{Axis, AxisValue, MAX_POINTS, SweepPoint, SweepSpec, sweep_spec};
pub use validate::{DEFAULT_COMPUTE, MAX_QUOTA_VCPU, MAX_REPLICATIONS, MAX_SAMPLES};

use crate::model::{Calendar, PoolSpec, PriceTable, Quota};
use crate::units::SimDuration;
use crate::workload::WorkloadSpec;

/// How long and how often to simulate.
#[derive(Debug, Clone, PartialEq)]
pub struct SimulationSpec {
    /// Simulated time of one replication.
    pub horizon: SimDuration,
    /// Initial period excluded from every statistic.
    pub warmup: SimDuration,
    /// Independent replications.
    pub replications: u32,
    /// Base seed; replication seeds derive from it.
    pub seed: u64,
    /// Interval of the queue-length time series.
    pub sample_interval: SimDuration,
    /// Where simulated time 0 falls in the calendar, and its time zone.
    pub calendar: Calendar,
}

/// Service-level objectives.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Slo {
    /// `[slo]`'s p95 wait objective: judges the runs of every workload
    /// without a table of its own, pooled.
    pub wait_p95: Option<SimDuration>,
    /// Compute cost per day must not exceed this, in USD.
    pub max_cost_per_day_usd: Option<f64>,
    /// `[slo]`'s wait objective judges the runs arriving inside this part
    /// of the week; `None`: every run.
    pub window: Option<crate::model::Window>,
    /// `[slo]`'s wait objective judged over the whole window or hour by
    /// hour.
    pub per: crate::model::Per,
    /// `[slo.workloads.NAME]`: each workload's own wait objective, in
    /// workload order.
    pub workloads: Vec<crate::model::WaitObjective>,
    /// What an hour of a developer waiting for a build costs, in USD: makes
    /// waiting part of the cost a sweep minimises.
    pub developer_cost_per_hour_usd: Option<f64>,
}

impl Slo {
    /// Whether any objective is set.
    pub fn is_set(&self) -> bool {
        self.wait_p95.is_some() || self.max_cost_per_day_usd.is_some() || !self.workloads.is_empty()
    }

    /// The objectives a run of `workloads` is judged on: `[slo]`'s wait
    /// objective over the workloads without a table of their own (none
    /// when every workload has one), then each workload's own.
    pub fn objectives(&self, workloads: &[WorkloadSpec]) -> crate::model::Objectives {
        let own: Vec<usize> = self
            .workloads
            .iter()
            .flat_map(|o| o.workloads.iter().map(|(i, _)| *i))
            .collect();
        let pooled: Vec<(usize, String)> = workloads
            .iter()
            .enumerate()
            .filter(|(i, _)| !own.contains(i))
            .map(|(i, w)| (i, w.name.clone()))
            .collect();
        let default = self.wait_p95.filter(|_| !pooled.is_empty()).map(|target| {
            crate::model::WaitObjective {
                target,
                window: self.window,
                per: self.per,
                workload: None,
                workloads: pooled,
            }
        });
        crate::model::Objectives {
            waits: default
                .into_iter()
                .chain(self.workloads.iter().cloned())
                .collect(),
            max_cost_per_day_usd: self.max_cost_per_day_usd,
        }
    }
}

/// A validated scenario: everything a simulation needs.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Name used in reports and the default output folder.
    pub name: String,
    /// Horizon, warm-up, replications, seed.
    pub simulation: SimulationSpec,
    /// The registry's vCPU quota.
    pub quota: Quota,
    /// Prices in force.
    pub prices: PriceTable,
    /// Agent pools.
    pub pools: Vec<PoolSpec>,
    /// Workloads.
    pub workloads: Vec<WorkloadSpec>,
    /// Objectives.
    pub slo: Slo,
    /// Non-fatal findings of validation (e.g. trace runs outside the window).
    pub warnings: Vec<String>,
    /// The files it read (durations files, traces), in the order named:
    /// what a sweep's fingerprint hashes besides the scenario text.
    pub data_files: Vec<PathBuf>,
    /// What one replication's event loop is expected to handle: what the
    /// event limit and the long-work warning read.
    pub expected_events: ExpectedEvents,
}

/// The events one replication is expected to handle, by kind, counted
/// from the rates over the horizon.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ExpectedEvents {
    /// Runs.
    pub runs: f64,
    /// Wall-clock hours walked by profile arrivals.
    pub hours: f64,
    /// Cron firings.
    pub firings: f64,
    /// Queue-controller polls.
    pub polls: f64,
}

/// Runs one thread simulates in a second, and other events (hours,
/// firings, polls) likewise: measured with the release build on the
/// 2-core machine poolcast was developed on, rounded down (it was shared,
/// so a quiet machine is a little faster). `poolcast run
/// scenarios/default.toml --replications 1000 --threads 1 --outputs none`
/// simulates 3.0e6 runs in 1.3 s (2.3e6 a second); 1,000 queue
/// controllers polling every 10 s for 30 days (2.6e8 polls, one
/// replication) take 18 s (1.4e7 a second).
const RUNS_PER_THREAD_SECOND: f64 = 2e6;
const OTHER_EVENTS_PER_THREAD_SECOND: f64 = 1e7;

/// Work expected to take longer than this is warned about before it starts.
const LONG_WORK: SimDuration = SimDuration::from_secs(60);

impl ExpectedEvents {
    /// Every event, all kinds together.
    pub fn total(&self) -> f64 {
        self.runs + self.hours + self.firings + self.polls
    }

    /// A rough wall time for `replications` of them on `threads` threads
    /// (replications run in parallel, one per thread).
    fn wall_time(&self, replications: u32, threads: u32) -> SimDuration {
        let per_replication = self.runs / RUNS_PER_THREAD_SECOND
            + (self.hours + self.firings + self.polls) / OTHER_EVENTS_PER_THREAD_SECOND;
        let waves = f64::from(replications.div_ceil(threads.max(1)));
        SimDuration::from_secs_f64(per_replication * waves)
    }
}

impl Scenario {
    /// The objectives a run of the scenario is judged on.
    pub fn objectives(&self) -> crate::model::Objectives {
        self.slo.objectives(&self.workloads)
    }

    /// A warning, before simulating on `threads` threads, when the
    /// replications are expected to take more than a minute: work under
    /// the event limit can still take hours, and nothing else says so
    /// before it starts.
    pub fn long_work_warning(&self, threads: usize) -> Option<String> {
        let e = &self.expected_events;
        let replications = self.simulation.replications;
        let threads = u32::try_from(threads).unwrap_or(u32::MAX).min(replications);
        let time = e.wall_time(replications, threads);
        (time > LONG_WORK).then(|| {
            format!(
                "about {:.2e} events per replication ({:.2e} runs, {:.2e} other events), {} on {}, will take roughly {time} (at {RUNS_PER_THREAD_SECOND:e} runs or {OTHER_EVENTS_PER_THREAD_SECOND:e} other events a second per thread); shorten the horizon, lower the replications, or poll or fire less often for a quicker answer",
                e.total(),
                e.runs,
                e.total() - e.runs,
                crate::text::counted(replications, "replication"),
                crate::text::counted(threads, "thread"),
            )
        })
    }
}

/// Where the files a scenario names (a durations `file`, a trace) may be.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum FileScope {
    /// Inside the scenario's folder or below it, links resolved: a
    /// scenario from an untrusted pull request cannot make `check` read
    /// other files of the machine.
    #[default]
    ScenarioFolder,
    /// Anywhere (`--allow-outside`).
    Anywhere,
}

/// Reads and validates the scenario file at `path`; the files it names
/// must be in its folder.
pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
    load_in(path, FileScope::default())
}

/// Reads and validates the scenario file at `path`, reading the files it
/// names within `scope`.
pub fn load_in(path: &Path, scope: FileScope) -> Result<Scenario, ScenarioError> {
    from_str_in(&read_source(path)?, path, scope)
}

/// Reads a scenario file: a regular file of UTF-8 text, at most 16 MiB (a
/// hand-written scenario is a few kilobytes; anything this large is a
/// mistake).
pub fn read_source(path: &Path) -> Result<String, ScenarioError> {
    Ok(crate::input::read_text(
        path,
        crate::input::Limit::SCENARIO,
    )?)
}

/// Parses and validates scenario text; `path` names it in messages and gives
/// the default scenario name (its file stem).
///
/// ```
/// use std::path::Path;
/// let src = r#"
/// [[pool]]
/// name = "builders"
/// tier = "S2"
/// count = 2
///
/// [[workload]]
/// name = "ci"
/// pool = "builders"
/// arrival = { process = "poisson", rate = "30/h" }
/// duration = { dist = "exponential", mean = "5m" }
/// "#;
/// let s = poolcast::scenario::from_str(src, Path::new("team.toml")).unwrap();
/// assert_eq!(s.name, "team");
/// assert_eq!(s.pools[0].count, 2);
/// ```
pub fn from_str(src: &str, path: &Path) -> Result<Scenario, ScenarioError> {
    from_str_in(src, path, FileScope::default())
}

/// A TOML parse or schema error, located. The parser gives a key nested
/// past its recursion limit (`a.a.a…` 200 parts deep) no place and no
/// rendering beyond its message: it is located at the key with the most
/// dotted parts, and said once.
fn toml_error(src: &str, path: &Path, e: &toml::de::Error) -> ScenarioError {
    let rendered = e.to_string().trim_end().to_string();
    let message = e.message().trim().to_string();
    let (location, message) = match e.span() {
        Some(span) => (Some(Location::of_offset(src, span.start)), message),
        None => match deepest_key(src) {
            Some((offset, parts)) if message == "recursion limit" => (
                Some(Location::of_offset(src, offset)),
                format!(
                    "a key of {parts} dotted parts is nested past the parser's recursion limit, far deeper than any scenario key (slo.workloads.NAME.wait_p95 has 4); check the key"
                ),
            ),
            _ => (None, message),
        },
    };
    ScenarioError::Toml {
        path: path.to_path_buf(),
        location,
        // The parser quotes the offending line; a pathological one-line
        // file would flood the terminal, so long renderings are left out,
        // and one that only repeats the message is too.
        rendered: Some(rendered)
            .filter(|r| r.len() <= 4000 && r.trim() != e.message().trim())
            .unwrap_or_default(),
        message,
    }
}

/// The byte offset and the number of parts of the key with the most dotted
/// parts (`a.b.c` has 3), outside strings and comments; `None` for a file
/// without a dotted key. Quoted key parts are skipped over as strings.
fn deepest_key(src: &str) -> Option<(usize, usize)> {
    let bytes = src.as_bytes();
    let (mut best, mut start, mut dots, mut i) = (None::<(usize, usize)>, None, 0, 0);
    while i < bytes.len() {
        match bytes[i] {
            q @ (b'"' | b'\'') => {
                start.get_or_insert(i);
                let triple = bytes[i..].starts_with(&[q, q, q]);
                let close: &[u8] = if triple { &[q, q, q] } else { &[q] };
                i += close.len();
                while i < bytes.len() && !bytes[i..].starts_with(close) {
                    i += if q == b'"' && bytes[i] == b'\\' { 2 } else { 1 };
                }
                i += close.len();
                continue;
            }
            b'.' => dots += 1,
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'=' | b'[' | b']' | b'{' | b'}' | b',' | b'\n' => {
                if let Some(at) = start.filter(|_| dots > 0)
                    && best.is_none_or(|(_, parts)| dots + 1 > parts)
                {
                    best = Some((at, dots + 1));
                }
                (start, dots) = (None, 0);
            }
            b' ' | b'\t' | b'\r' => {}
            _ => {
                start.get_or_insert(i);
            }
        }
        i += 1;
    }
    best
}

/// `from_str`, reading the files the scenario names within `scope`.
pub fn from_str_in(src: &str, path: &Path, scope: FileScope) -> Result<Scenario, ScenarioError> {
    let raw: raw::RawScenario = toml::from_str(src).map_err(|e| schema_error(src, path, &e))?;
    validated(raw, src, path, scope, &DataFiles::default())
}

/// [`from_str_in`] of `root`, `src` as parsed (some values set since,
/// each at a place in `src`): a sweep's point, without writing its text
/// and parsing it again. The data files it names are read through `data`:
/// scenarios that differ in a few values (the points of a sweep) then
/// share one read and one copy of each file instead of one per scenario.
fn from_table_sharing(
    root: toml::Spanned<toml::de::DeTable<'_>>,
    src: &str,
    path: &Path,
    scope: FileScope,
    data: &DataFiles,
) -> Result<Scenario, ScenarioError> {
    let raw =
        <raw::RawScenario as serde::Deserialize>::deserialize(toml::de::Deserializer::from(root))
            .map_err(|mut e| {
            e.set_input(Some(src));
            schema_error(src, path, &e)
        })?;
    validated(raw, src, path, scope, data)
}

/// A TOML or schema error of `src`, located.
fn schema_error(src: &str, path: &Path, e: &toml::de::Error) -> ScenarioError {
    // The parser's "unknown field `sweep`" does not say where a sweep goes.
    sweep_spec::misplaced_sweep_in(src, path)
        .filter(|_| e.message().starts_with("unknown field `sweep`"))
        .unwrap_or_else(|| toml_error(src, path, e))
}

/// `raw`, read from `src`, validated.
fn validated(
    raw: raw::RawScenario,
    src: &str,
    path: &Path,
    scope: FileScope,
    data: &DataFiles,
) -> Result<Scenario, ScenarioError> {
    let stem = path
        .file_stem()
        .map(|s| names::name_from_stem(&s.to_string_lossy()))
        .unwrap_or_else(|| "scenario".to_string());
    let base_dir = path.parent().unwrap_or(Path::new(""));
    validate::validate(raw, src, &stem, base_dir, scope, data).map_err(|issues| {
        ScenarioError::Invalid {
            path: path.to_path_buf(),
            issues,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::deepest_key;

    /// Dots in strings, quoted key parts and comments are no key parts;
    /// the deepest key is found where it starts.
    #[test]
    fn the_deepest_key_skips_strings_and_comments() {
        let src = "a.b = 1 # x.y.z.w.v\nc = \"q.r.s.t.u\"\n\"d.e\".f.'g.h' = '''i.j.k\nl.m'''\n";
        assert_eq!(deepest_key(src), Some((36, 3)));
        assert_eq!(deepest_key("a = 1\n[b]\n"), None);
    }
}
