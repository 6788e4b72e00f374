//! The pass over the runs: per group (a task, or the run type of quick
//! runs, on one pool) and per pool, what the fits and the back-test need,
//! without keeping the runs.
//!
//! Per group: counts by hour of week, the runs per firing minute (to find
//! runs that start together), run-time and wait histograms. Per pool: the
//! run intervals (to find how many instances were busy at once), a wait
//! histogram and the vCPU counts recorded. A run seen twice (the same
//! `runId` and times, as overlapping `list-runs` pages give) is counted
//! once. With a hold-out, the runs of its last stretch are only recorded
//! for the back-test.

use std::collections::{BTreeMap, HashMap};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::PathBuf;

use chrono::{DateTime, Datelike, Duration as TimeDelta, Offset, TimeZone, Timelike, Utc};
use chrono_tz::Tz;
use hdrhistogram::Histogram;

use super::ImportError;
use crate::model::{POOL_NAME_LENGTH, pool_name_char};
use crate::runs::{RecordedRun, RunTime, for_each_run};
use crate::scenario::DEFAULT_COMPUTE;

/// Hours in a week.
pub(super) const WEEK_H: usize = 168;

/// An empty histogram (3 significant digits, auto-resizing): of milliseconds
/// for recorded runs, of ticks for simulated ones.
pub(super) fn histogram() -> Histogram<u64> {
    Histogram::new(3).expect("3 significant figures is a valid histogram precision")
}

/// Records `value`; auto-resizing only fails where `usize` is too small for
/// the counts array, and clamping to the highest value is the best left then.
pub(super) fn record(h: &mut Histogram<u64>, value: u64) {
    if h.record(value).is_err() {
        h.saturating_record(value);
    }
}

fn record_s(h: &mut Option<Histogram<u64>>, secs: f64) {
    record(h.get_or_insert_with(histogram), millis(secs));
}

/// The histograms added up; `None` when there is none.
pub(super) fn merged<'a>(
    hs: impl IntoIterator<Item = &'a Histogram<u64>>,
) -> Option<Histogram<u64>> {
    hs.into_iter().fold(None, |all, h| {
        let mut all = all.unwrap_or_else(histogram);
        // Equal precision and auto-resizing: adding cannot fail.
        let _ = all.add(h);
        Some(all)
    })
}

/// The `q` quantile of a millisecond histogram, in seconds.
pub(super) fn quantile_s(h: &Histogram<u64>, q: f64) -> f64 {
    h.value_at_quantile(q) as f64 / 1000.0
}

/// Recorded run times of a group.
#[derive(Default)]
pub(super) struct RunTimes {
    /// Σ run seconds, Σ ln(run seconds) and Σ ln² over runs with a
    /// positive run time: what maximum likelihood needs of a gamma and a
    /// lognormal.
    pub sum: f64,
    /// See `sum`.
    pub log_sum: f64,
    /// See `sum`.
    pub log_sq_sum: f64,
    /// Runs with a positive run time.
    pub timed: u64,
    /// Finished runs that recorded no run time (start = finish).
    pub zero: u64,
    /// Their run times.
    pub histogram: Option<Histogram<u64>>,
}

/// A group's key: its task (or run type), then its pool (scenario name).
pub(super) type GroupKey = (String, String);

/// What runs recorded, for the back-test: waits and run times, milliseconds.
#[derive(Debug, Clone, Default)]
pub(super) struct Recorded {
    /// Waits (start − created).
    pub waits: Option<Histogram<u64>>,
    /// Run times of runs with a positive one.
    pub run_times: Option<Histogram<u64>>,
}

/// What was seen of one group (a future workload).
#[derive(Default)]
pub(super) struct Group {
    /// Runs, with or without a start.
    pub runs: u64,
    /// Runs created in each hour of the week (Monday 00:00 first).
    pub by_hour_of_week: Vec<f64>,
    /// Runs per firing, by the firing's minute since the Unix epoch: the
    /// minute the run was created in or, with a timer trigger, the minute
    /// its schedule fired.
    pub firings: BTreeMap<i64, u32>,
    /// Runs that name a timer-trigger occurrence.
    pub timer_runs: u64,
    /// Recorded run times.
    pub run_times: RunTimes,
    /// Recorded waits (start − created).
    pub waits: Option<Histogram<u64>>,
    /// `agentConfiguration.cpu` of its default-compute runs.
    pub cpu: Option<u32>,
}

/// The runs after the fitted ones, against which a hold-out back-test
/// compares the fit.
pub(super) struct HeldOut {
    /// Where the hold-out starts: runs created from then on are held out.
    pub from: DateTime<Utc>,
    /// The last creation time.
    pub last: DateTime<Utc>,
    /// Runs held out.
    pub total: u64,
    /// What they recorded, by group.
    pub recorded: BTreeMap<GroupKey, Recorded>,
}

/// What was seen of one pool.
#[derive(Default)]
pub(super) struct PoolSeen {
    /// (start, finish) of every finished run.
    pub intervals: Vec<(DateTime<Utc>, DateTime<Utc>)>,
    /// Recorded waits.
    pub waits: Option<Histogram<u64>>,
    /// Runs per recorded `agentConfiguration.cpu`.
    pub cpus: BTreeMap<u32, u64>,
}

/// Everything the fits need from the export.
pub(super) struct Observed {
    /// The first and last creation times of the fitted runs.
    pub first: DateTime<Utc>,
    /// See `first`.
    pub last: DateTime<Utc>,
    /// Fitted runs with a creation time.
    pub total: u64,
    /// By group key.
    pub groups: BTreeMap<GroupKey, Group>,
    /// By scenario pool name (runs on the default compute are not here).
    pub pools: BTreeMap<String, PoolSeen>,
    /// Recorded pool names that had to change → scenario names and why.
    pub renamed: BTreeMap<String, Renamed>,
    /// Whether any run of the export names a timer occurrence: if so, a
    /// task without any is not timer-triggered.
    pub has_timers: bool,
    /// Runs dropped as repeats of another (same `runId`, same times).
    pub duplicates: u64,
    /// Runs kept although another has their `runId` with other times.
    pub reused_ids: u64,
    /// The hold-out, when asked for.
    pub held_out: Option<HeldOut>,
    /// The clock profiles are fitted on.
    pub zone: Tz,
}

/// The minute since the Unix epoch that `t` shows on the wall clock of
/// `zone` (its UTC minute plus the zone's offset then).
pub(super) fn wall_minute(t: DateTime<Utc>, zone: Tz) -> i64 {
    let offset = zone.offset_from_utc_datetime(&t.naive_utc()).fix();
    (t.timestamp() + i64::from(offset.local_minus_utc())).div_euclid(60)
}

/// The hour of the week (Monday 00:00 first) of `t` on the clock of `zone`.
pub(super) fn hour_of_week(t: DateTime<Utc>, zone: Tz) -> usize {
    let local = t.with_timezone(&zone);
    local.weekday().num_days_from_monday() as usize * 24 + local.hour() as usize
}

/// A recorded pool name the scenario could not keep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Renamed {
    /// Its scenario name.
    pub to: String,
    /// Why it changed, for the warning ("does not fit …").
    pub why: String,
}

/// Scenario names given to recorded pools so far.
#[derive(Default)]
struct PoolNames {
    /// Recorded name → scenario name.
    given: HashMap<String, String>,
    /// Scenario names in use, lowercased (the scenario refuses names
    /// differing only by case) → the recorded name that has it.
    taken: HashMap<String, String>,
    /// Recorded names that had to change (for a warning).
    renamed: BTreeMap<String, Renamed>,
}

impl PoolNames {
    /// The scenario name of a recorded pool: the same when it obeys ACR's
    /// rule (3-20 letters, digits, hyphens; not "default"), else a
    /// cleaned-up name. Two recorded pools never share one, nor one
    /// differing only by case (`a.b` and `a_b` both clean up to `a-b`;
    /// `Pool` and `pool`): the later gets `-2`, `-3`, ...
    fn of(&mut self, recorded: &str) -> String {
        if let Some(name) = self.given.get(recorded) {
            return name.clone();
        }
        let mut clean: String = recorded
            .chars()
            .map(|c| if pool_name_char(c) { c } else { '-' })
            .take(*POOL_NAME_LENGTH.end())
            .collect();
        if clean == DEFAULT_COMPUTE {
            clean = "default-pool".into();
        }
        while clean.len() < *POOL_NAME_LENGTH.start() {
            clean.push('-');
        }
        let mut name = clean.clone();
        let holder = self.taken.get(&clean.to_lowercase()).cloned();
        for n in 2.. {
            if !self.taken.contains_key(&name.to_lowercase()) {
                break;
            }
            let suffix = format!("-{n}");
            name = format!(
                "{}{suffix}",
                &clean[..clean.len().min(POOL_NAME_LENGTH.end() - suffix.len())]
            );
        }
        if name != recorded {
            let mut why = Vec::new();
            if clean != recorded {
                why.push(format!("its name does not fit ACR's naming rule (3 to 20 letters, digits or hyphens, not {DEFAULT_COMPUTE:?})"));
            }
            if let Some(holder) = holder {
                let theirs = &self.given[&holder];
                let mine = if clean == recorded {
                    "its name".to_string()
                } else {
                    format!("its cleaned-up name {clean:?}")
                };
                why.push(if *theirs == clean {
                    format!("{mine} is already the name of pool {holder:?}")
                } else {
                    format!("{mine} differs only by case from {theirs:?}, the name of pool {holder:?}, which the scenario refuses (their chart files would collide on macOS and Windows)")
                });
            }
            self.renamed.insert(
                recorded.to_string(),
                Renamed {
                    to: name.clone(),
                    why: why.join(", and "),
                },
            );
        }
        self.taken.insert(name.to_lowercase(), recorded.to_string());
        self.given.insert(recorded.to_string(), name.clone());
        name
    }
}

/// The first and last of some creation times.
pub(super) type Span = (DateTime<Utc>, DateTime<Utc>);

/// How to read the exports.
#[derive(Debug, Clone, Copy)]
pub(super) struct Reading {
    /// The clock the profiles are fitted on.
    pub zone: Tz,
    /// Where the hold-out starts and the last creation time, when one is
    /// asked for: runs created from then on are held out of the fit.
    pub held_from: Option<Span>,
}

/// Where a hold-out of `holdout` at the end of runs created over `span`
/// starts, with the span's end; refused when it leaves nothing to fit.
pub(super) fn held_from(span: Span, holdout: TimeDelta) -> Result<Span, ImportError> {
    let (first, last) = span;
    let from = last - holdout;
    if from <= first {
        let text =
            |d: TimeDelta| crate::units::SimDuration::from_secs_f64(d.as_seconds_f64()).to_string();
        return Err(ImportError::HoldoutTooLong {
            holdout: text(holdout),
            span: text(last - first),
        });
    }
    Ok((from, last))
}

/// Seen runs by a hash of their `runId`, with a hash of their times: 16
/// bytes a run, whatever the ids' length.
#[derive(Default)]
struct Seen {
    runs: HashMap<u64, u64>,
    duplicates: u64,
    reused_ids: u64,
}

impl Seen {
    /// Whether `run` repeats one already seen (same id, same times); a run
    /// reusing an id with other times is counted and kept.
    fn repeats(&mut self, run: &RecordedRun) -> bool {
        let Some(id) = &run.run_id else {
            return false;
        };
        let hash = |x: &dyn Fn(&mut DefaultHasher)| {
            let mut h = DefaultHasher::new();
            x(&mut h);
            h.finish()
        };
        let key = hash(&|h| id.hash(h));
        let instant = |t: Option<RunTime>| match t {
            Some(RunTime::At(t)) => (1u8, t.timestamp_micros()),
            Some(RunTime::Offset(d)) => (2, d.0 as i64),
            None => (0, 0),
        };
        let times = hash(&|h| {
            (
                instant(Some(run.created)),
                instant(run.started),
                run.duration.map(|d| d.0),
            )
                .hash(h);
        });
        match self.runs.insert(key, times) {
            Some(before) if before == times => {
                self.duplicates += 1;
                true
            }
            Some(_) => {
                self.reused_ids += 1;
                false
            }
            None => false,
        }
    }
}

/// What the exports hold, counted in a first pass that keeps no run: the
/// hold-out's span, and what the memory of the pass that fits grows with.
#[derive(Debug, Clone, Default)]
pub(super) struct Census {
    /// The first and last creation times; `None` when no run has one.
    pub span: Option<Span>,
    /// Runs with a creation time, repeats included.
    pub runs: u64,
    /// Of those, runs on a pool (the default compute's are not).
    pub pool_runs: u64,
    /// Groups (task, or run type, on a pool) and pools seen.
    pub groups: usize,
    /// See `groups`.
    pub pools: usize,
    /// The longest recorded wait and run time, milliseconds: the range a
    /// histogram of them grows to.
    pub longest_wait_ms: u64,
    /// See `longest_wait_ms`.
    pub longest_run_ms: u64,
    /// The size of the largest export, bytes: each is read whole.
    pub largest_file: u64,
}

/// A run's group: its task, or the run type of a quick run.
fn task_of(run: &RecordedRun) -> String {
    run.task
        .clone()
        .or(run.run_type.clone())
        .unwrap_or_else(|| "runs".into())
}

/// `secs` as the whole milliseconds a histogram records.
fn millis(secs: f64) -> u64 {
    (secs * 1000.0).round().max(0.0) as u64
}

/// Counts the runs of `paths` (one pass, keeping the names of groups and
/// pools only).
pub(super) fn census(paths: &[PathBuf]) -> Result<Census, ImportError> {
    let mut c = Census::default();
    let mut groups = std::collections::HashSet::new();
    for path in paths {
        let size = std::fs::metadata(path).map_or(0, |m| m.len());
        c.largest_file = c.largest_file.max(size);
        for_each_run(path, |run| {
            let RunTime::At(created) = run.created else {
                return Ok(());
            };
            c.span = Some(c.span.map_or((created, created), |(f, l)| {
                (f.min(created), l.max(created))
            }));
            c.runs += 1;
            c.pool_runs += u64::from(run.pool.is_some());
            let wait = run.wait().map_or(0, |w| millis(w.as_secs_f64()));
            c.longest_wait_ms = c.longest_wait_ms.max(wait);
            let run_ms = run.duration.map_or(0, |d| millis(d.as_secs_f64()));
            c.longest_run_ms = c.longest_run_ms.max(run_ms);
            groups.insert((task_of(&run), run.pool));
            Ok(())
        })?;
    }
    let pools: std::collections::HashSet<_> =
        groups.iter().filter_map(|(_, p)| p.as_ref()).collect();
    (c.groups, c.pools) = (groups.len(), pools.len());
    Ok(c)
}

/// Reads the exports at `paths` (one pass).
pub(super) fn collect(paths: &[PathBuf], reading: Reading) -> Result<Observed, ImportError> {
    let mut pass = Pass::new(reading.zone, reading.held_from);
    for path in paths {
        for_each_run(path, |run| {
            pass.add(run);
            Ok(())
        })?;
    }
    pass.finish()
        .ok_or_else(|| ImportError::NoRuns(super::named(paths)))
}

/// The state of the pass over the runs.
struct Pass {
    zone: Tz,
    held_from: Option<Span>,
    groups: BTreeMap<GroupKey, Group>,
    pools: BTreeMap<String, PoolSeen>,
    span: Option<Span>,
    total: u64,
    names: PoolNames,
    seen: Seen,
    has_timers: bool,
    held_out: BTreeMap<GroupKey, Recorded>,
    held_total: u64,
}

impl Pass {
    fn new(zone: Tz, held_from: Option<Span>) -> Pass {
        Pass {
            zone,
            held_from,
            groups: BTreeMap::new(),
            pools: BTreeMap::new(),
            span: None,
            total: 0,
            names: PoolNames::default(),
            seen: Seen::default(),
            has_timers: false,
            held_out: BTreeMap::new(),
            held_total: 0,
        }
    }

    fn add(&mut self, run: RecordedRun) {
        let RunTime::At(created) = run.created else {
            return;
        };
        if self.seen.repeats(&run) {
            return;
        }
        self.has_timers |= run.timer_occurrence.is_some();
        let task = task_of(&run);
        let pool = run
            .pool
            .as_deref()
            .map_or_else(|| DEFAULT_COMPUTE.to_string(), |p| self.names.of(p));
        let wait = run.wait().map(|w| w.as_secs_f64());
        let run_s = run.duration.map(|d| d.as_secs_f64());
        if self.held_from.is_some_and(|(from, _)| created >= from) {
            self.held_total += 1;
            let r = self.held_out.entry((task, pool)).or_default();
            if let Some(w) = wait {
                record_s(&mut r.waits, w);
            }
            if let Some(d) = run_s.filter(|d| *d > 0.0) {
                record_s(&mut r.run_times, d);
            }
            return;
        }
        self.total += 1;
        self.span = Some(self.span.map_or((created, created), |(f, l)| {
            (f.min(created), l.max(created))
        }));
        let g = self.groups.entry((task, pool.clone())).or_default();
        g.runs += 1;
        g.by_hour_of_week.resize(WEEK_H, 0.0);
        g.by_hour_of_week[hour_of_week(created, self.zone)] += 1.0;
        g.timer_runs += u64::from(run.timer_occurrence.is_some());
        let fired = run
            .timer_occurrence
            .unwrap_or(created)
            .timestamp()
            .div_euclid(60);
        *g.firings.entry(fired).or_default() += 1;
        if run.pool.is_none() {
            g.cpu = g.cpu.or(run.cpu);
        }
        match run_s {
            Some(d) if d > 0.0 => {
                let t = &mut g.run_times;
                t.timed += 1;
                t.sum += d;
                t.log_sum += d.ln();
                t.log_sq_sum += d.ln().powi(2);
                record_s(&mut t.histogram, d);
            }
            Some(_) => g.run_times.zero += 1,
            None => {}
        }
        if let Some(w) = wait {
            record_s(&mut g.waits, w);
        }
        if run.pool.is_some() {
            let p = self.pools.entry(pool).or_default();
            if let Some(w) = wait {
                record_s(&mut p.waits, w);
            }
            if let Some(c) = run.cpu {
                *p.cpus.entry(c).or_default() += 1;
            }
            if let (Some(RunTime::At(s)), Some(d)) = (run.started, run.duration) {
                p.intervals.push((
                    s,
                    s + TimeDelta::microseconds(d.0.min(i64::MAX as u64) as i64),
                ));
            }
        }
    }

    /// What was seen; `None` when no run had a creation time.
    fn finish(self) -> Option<Observed> {
        let (first, last) = self.span?;
        Some(Observed {
            first,
            last,
            total: self.total,
            groups: self.groups,
            pools: self.pools,
            renamed: self.names.renamed,
            has_timers: self.has_timers,
            duplicates: self.seen.duplicates,
            reused_ids: self.seen.reused_ids,
            held_out: self.held_from.map(|(from, last)| HeldOut {
                from,
                last,
                total: self.held_total,
                recorded: self.held_out,
            }),
            zone: self.zone,
        })
    }
}

#[cfg(test)]
mod names {
    use super::*;

    /// Issue 16: recorded pools whose names clean up to the same scenario
    /// name get distinct names, each said in a warning; a name seen again
    /// keeps its first answer.
    #[test]
    fn pools_colliding_after_clean_up_get_distinct_names() {
        let mut names = PoolNames::default();
        assert_eq!(names.of("a.b"), "a-b");
        assert_eq!(names.of("a_b"), "a-b-2");
        assert_eq!(names.of("a-b"), "a-b-3");
        assert_eq!(names.of("a.b"), "a-b");
        assert_eq!(names.of("buildpool"), "buildpool");
        assert_eq!(names.of("BuildPool"), "BuildPool-2");
        let long = "x".repeat(25);
        assert_eq!(names.of(&long), "x".repeat(20));
        assert_eq!(
            names.of(&format!("{long}y")),
            format!("{}-2", "x".repeat(18))
        );
        assert_eq!(names.renamed.len(), 6, "{:?}", names.renamed);
        assert!(!names.renamed.contains_key("buildpool"));
        // Each warning gives the real reason (issue 16, finding 14).
        let why = |n: &str| names.renamed[n].why.clone();
        assert!(
            why("a.b").starts_with("its name does not fit ACR's naming rule"),
            "{}",
            why("a.b")
        );
        assert!(!why("a.b").contains("case"), "{}", why("a.b"));
        assert!(
            why("BuildPool").starts_with(
                "its name differs only by case from \"buildpool\", the name of pool \"buildpool\""
            ),
            "{}",
            why("BuildPool")
        );
        assert!(
            why("a_b").ends_with("its cleaned-up name \"a-b\" is already the name of pool \"a.b\""),
            "{}",
            why("a_b")
        );
    }
}
