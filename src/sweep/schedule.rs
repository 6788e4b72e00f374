//! `poolcast plan --schedule POOL`: the cheapest schedule of instance
//! counts for one pool that meets the wait objective of `[slo]` (on the
//! upper end of its 95% interval), over the week of the scenario's traffic.
//!
//! The search, in the order it runs:
//!
//! 1. **First guess.** The offered load by hour of the week (`load`) gives
//!    each hour the smallest count whose M/M/c p95 wait meets the target
//!    (at least 1 in an hour where any run arrives and in the hour after,
//!    so that no run waits for the next morning; 0 elsewhere),
//!    never more than the quota leaves the pool in that hour.
//! 2. **Compression.** A dynamic programme over the 168 hours finds the
//!    cheapest count profile that covers the guess with at most N count
//!    changes a day (`--max-changes-per-day`), so the result is a handful
//!    of cron rules, not 168.
//! 3. **Repair.** The schedule is simulated (the full model: provisioning,
//!    cold starts, drain on scale-in, the shared quota); while it misses
//!    the objective, every block whose arriving runs wait longer than the
//!    target more than 5% of the time gets one instance more.
//! 4. **Trim.** Each block (a stretch of the week at one count, on every
//!    day it repeats) is lowered by one, largest saving first; a lowering
//!    that still meets the objective is kept, until no block can go.
//! 5. **Confirmation.** The result is simulated again with a seed the
//!    search never saw and at least 20 replications. If it misses there,
//!    those replications join the judge and the search goes back to 3.
//!
//! Every schedule judged ran with the same seeds (common random numbers),
//! so one schedule beats another on the same arrivals. Each rule fires
//! early by the pool's provisioning time, so its instances are ready (and
//! a scale-in takes effect) on the hour the block starts.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;

use super::{Objective, Progress, metric_names, plan, plan_axis};
use crate::load::{HOURS_OF_WEEK, load_by_hour, mmc_waits};
use crate::model::{PoolId, Scaling, ScheduleRule, Target, Tier};
use crate::scenario::{
    Axis, AxisValue, FileScope, ScalingEdit, Scenario, SweepSpec, expand, from_str_in,
    scheduled_at_start, with_pool_scaling,
};
use crate::sim::run_replication;
use crate::stats::{
    Estimate, Objectives, PoolLevels, Recorder, ReplicationStats, ReplicationSummary, RunSummary,
    TotalMetric, judge, summarise,
};
use crate::text::parse_cron;
use crate::units::{SimDuration, SimTime};
use crate::workload::WorkloadId;

/// Count changes a day when the caller does not say.
pub const DEFAULT_MAX_CHANGES_PER_DAY: u32 = 4;

/// Replications of the confirmation run, at least.
pub const CONFIRM_REPLICATIONS: u32 = 20;

/// Confirmation rounds before the search gives up confirming.
pub const CONFIRM_ROUNDS: u64 = 3;

/// Schedules simulated at most (a bound on a search that should never
/// come near it: a workday week takes a few dozen).
const MAX_SCHEDULES: usize = 2_000;

/// The share of a block's runs that may wait longer than the target before
/// repair raises it: what a p95 objective allows overall.
const BREAK_SHARE: f64 = 0.05;

const MINUTES_OF_WEEK: u32 = 7 * 24 * 60;
const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// What to plan.
#[derive(Debug, Clone, Copy)]
pub struct ScheduleRequest<'a> {
    /// The scenario's text (the recommendation is this text, edited).
    pub source: &'a str,
    /// Its path (relative files resolve from its folder).
    pub path: &'a Path,
    /// The scenario, validated, with any seed and replication overrides.
    pub scenario: &'a Scenario,
    /// The pool to schedule.
    pub pool: &'a str,
    /// The most count changes a day.
    pub max_changes_per_day: u32,
    /// Where the files the scenario names may be.
    pub scope: FileScope,
}

/// One rule of the schedule found.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedRule {
    /// When it fires (five-field cron, UTC): the provisioning lead before
    /// the count is needed.
    pub cron: String,
    /// The count it sets.
    pub count: u32,
    /// When the count is in force, in words (`Mon-Fri 09:00`).
    pub in_force: String,
}

/// The cheapest fixed count meeting the same objective (by `plan`'s
/// search over the count).
#[derive(Debug, Clone, PartialEq)]
pub struct FixedComparison {
    /// Instances.
    pub count: u32,
    /// Compute cost per day, USD (mean and interval).
    pub cost_per_day_usd: Estimate,
    /// The judged p95 wait, seconds.
    pub wait_p95_s: Estimate,
    /// Replications it ran.
    pub simulations: u64,
}

/// What `plan --schedule` found.
#[derive(Debug, Clone)]
pub struct SchedulePlan {
    /// The pool scheduled.
    pub pool: String,
    /// Its tier.
    pub tier: Tier,
    /// How early each rule fires: the pool's provisioning time, in whole
    /// minutes (cron's resolution).
    pub lead: SimDuration,
    /// The count in force in each hour of the week (Monday 00:00 first).
    pub counts: Vec<u32>,
    /// The rules, in order of their first firing in the week.
    pub rules: Vec<PlannedRule>,
    /// The scenario text with the schedule in the pool (what
    /// `recommended.toml` holds).
    pub recommended: String,
    /// The recommended scenario run with the scenario's seed and
    /// replications (what `poolcast run` on it reports).
    pub result: RunSummary,
    /// The run on a seed the search never saw, with at least
    /// `CONFIRM_REPLICATIONS` replications.
    pub confirmation: RunSummary,
    /// Whether the confirmation meets the wait objective on the upper end
    /// of its interval.
    pub confirmed: bool,
    /// The cheapest fixed count meeting the objective, or why there is no
    /// comparison.
    pub fixed: Result<FixedComparison, String>,
    /// Schedules simulated.
    pub schedules_tried: usize,
    /// Replications run, the fixed-count search and confirmation included.
    pub simulations: u64,
    /// The most count changes a day allowed.
    pub max_changes_per_day: u32,
}

/// Why there is no plan.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    /// The request cannot be planned; the message names the fix.
    #[error("{0}")]
    Refused(String),
    /// The cancel flag was set.
    #[error("cancelled")]
    Cancelled,
}

/// The objective a schedule is judged on: the wait objective (with its
/// window) alone; a cost cap is checked on the result (cost only falls as
/// the search trims).
fn wait_objective(s: &Scenario) -> Objectives {
    Objectives {
        max_cost_per_day_usd: None,
        ..s.slo.objectives()
    }
}

/// The judged p95 wait of a run: the window's when `[slo] window` is set.
pub fn judged_wait(run: &RunSummary, objectives: &Objectives) -> Estimate {
    let m = if objectives.window.is_some() {
        TotalMetric::WindowWaitP95S
    } else {
        TotalMetric::WaitP95S
    };
    run.totals.get(m)
}

/// Checks a request before any output folder is made, so that a refused
/// plan leaves nothing behind. Returns the pool's index.
pub fn check_request(req: &ScheduleRequest) -> Result<usize, String> {
    let s = req.scenario;
    let names = || {
        s.pools
            .iter()
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let Some(p) = s.pools.iter().position(|p| p.name == req.pool) else {
        return Err(if s.pools.is_empty() {
            format!(
                "scenario {} has no [[pool]] to schedule (its workloads run on the default compute); add a [[pool]] and route a workload to it",
                s.name
            )
        } else {
            format!(
                "scenario {} has no pool named {:?}; give --schedule one of its pools: {}",
                s.name,
                req.pool,
                names()
            )
        });
    };
    if !s
        .workloads
        .iter()
        .any(|w| w.target == Target::Pool(PoolId(p as u32)))
    {
        return Err(format!(
            "no workload of scenario {} runs on pool {}, so there is nothing to schedule; route a workload to it (pool = {:?}) or give --schedule another pool ({})",
            s.name,
            req.pool,
            req.pool,
            names()
        ));
    }
    if s.slo.wait_p95.is_none() {
        return Err(format!(
            "plan --schedule designs the cheapest schedule that meets [slo] wait_p95, and scenario {} sets none; add e.g. wait_p95 = \"5m\" to [slo]",
            s.name
        ));
    }
    if s.slo.developer_cost_per_hour_usd.is_some() {
        return Err("plan --schedule minimises compute cost; with [slo] developer_cost_per_hour it would have to minimise compute plus waiting cost, so drop that key for the plan (or use poolcast sweep)".into());
    }
    let sim = &s.simulation;
    let week = SimDuration::from_secs(7 * 86_400);
    if sim.horizon.0.saturating_sub(sim.warmup.0) < week.0 {
        return Err(format!(
            "plan --schedule judges every hour of the week, but scenario {} observes {} after its {} warm-up; set [simulation] horizon to at least {} (the warm-up and a week)",
            s.name,
            SimDuration(sim.horizon.0.saturating_sub(sim.warmup.0)),
            sim.warmup,
            SimDuration(sim.warmup.0 + week.0)
        ));
    }
    if !(1..=24).contains(&req.max_changes_per_day) {
        return Err(format!(
            "--max-changes-per-day {}: give 1 to 24 (a schedule changes the count on the hour, at most 24 times a day)",
            req.max_changes_per_day
        ));
    }
    bounds(s, p)?;
    Ok(p)
}

/// Runs of the scheduled pool by the hour of the week they arrived in,
/// and of those the runs that waited longer than the target: where
/// repair looks. It runs beside the standard statistics (a `(stats, tally)`
/// recorder), so it sees only the starts and the runs still queued.
struct HourTally<'a> {
    scenario: &'a Scenario,
    /// Per workload, whether it runs on the pool.
    on_pool: Vec<bool>,
    from: SimTime,
    target_ticks: u64,
    runs: Vec<u64>,
    over: Vec<u64>,
}

impl HourTally<'_> {
    fn tally(&mut self, w: WorkloadId, arrived_at: SimTime, wait_ticks: u64) {
        if arrived_at < self.from || !self.on_pool[w.0 as usize] {
            return;
        }
        let calendar = &self.scenario.simulation.calendar;
        if let Some(window) = &self.scenario.slo.window {
            let (day, minute) = calendar.weekday_minute(arrived_at);
            if !window.contains(day, minute) {
                return;
            }
        }
        let (d, h) = calendar.weekday_hour(arrived_at);
        self.runs[d * 24 + h] += 1;
        self.over[d * 24 + h] += u64::from(wait_ticks > self.target_ticks);
    }
}

impl Recorder for HourTally<'_> {
    fn arrived(&mut self, _w: WorkloadId, _at: SimTime) {}
    fn finished(&mut self, _: WorkloadId, _: SimTime, _: SimTime, _: SimTime, _: bool) {}
    fn pool_changed(&mut self, _p: PoolId, _at: SimTime, _levels: PoolLevels) {}
    fn sampled(&mut self, _p: PoolId, _at: SimTime, _levels: PoolLevels) {}
    fn started(
        &mut self,
        w: WorkloadId,
        _target: Target,
        arrived_at: SimTime,
        at: SimTime,
        _run: SimDuration,
    ) {
        self.tally(w, arrived_at, at.saturating_since(arrived_at).0);
    }
    fn censored(&mut self, w: WorkloadId, arrived_at: SimTime, at: SimTime) {
        self.tally(w, arrived_at, at.saturating_since(arrived_at).0);
    }
}

/// One set of replications a schedule is judged on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ReplicationSet {
    seed: u64,
    replications: u32,
}

/// A schedule's simulation: whether it meets the objective on every
/// judged set, and its runs and late runs by hour of arrival (all sets).
#[derive(Debug, Clone)]
struct Evaluation {
    meets: bool,
    runs: Vec<u64>,
    over: Vec<u64>,
}

/// A stretch of the week at one count, on every day it repeats: what
/// repair raises and trim lowers as one.
#[derive(Debug, Clone, PartialEq)]
struct Block {
    /// Its stretches: (first hour of the week, hours), one per day.
    runs: Vec<(usize, usize)>,
    count: u32,
}

impl Block {
    /// Every hour of the week it covers.
    fn hours(&self) -> Vec<usize> {
        self.runs
            .iter()
            .flat_map(|&(s, len)| (0..len).map(move |i| (s + i) % HOURS_OF_WEEK))
            .collect()
    }

    /// The first hour of each stretch, then the last (empty for stretches
    /// of one hour, whose edge is the whole block).
    fn edges(&self) -> [Vec<usize>; 2] {
        if self.runs.iter().any(|&(_, len)| len < 2) {
            return [Vec::new(), Vec::new()];
        }
        [
            self.runs.iter().map(|&(s, _)| s).collect(),
            self.runs
                .iter()
                .map(|&(s, len)| (s + len - 1) % HOURS_OF_WEEK)
                .collect(),
        ]
    }
}

/// The blocks of a weekly count profile: its maximal runs of one count
/// (cyclic over the week), grouped by hour of day, length and count.
fn blocks(counts: &[u32]) -> Vec<Block> {
    let n = counts.len();
    let start = (0..n).find(|&h| counts[h] != counts[(h + n - 1) % n]);
    let Some(start) = start else {
        return vec![Block {
            runs: vec![(0, n)],
            count: counts[0],
        }];
    };
    let mut runs: Vec<(usize, usize)> = Vec::new();
    let mut h = start;
    while runs.iter().map(|r| r.1).sum::<usize>() < n {
        let mut len = 1;
        while len < n && counts[(h + len) % n] == counts[h] {
            len += 1;
        }
        runs.push((h, len));
        h = (h + len) % n;
    }
    let mut groups: BTreeMap<(usize, usize, u32), Vec<(usize, usize)>> = BTreeMap::new();
    for (s, len) in runs {
        groups
            .entry((s % 24, len, counts[s]))
            .or_default()
            .push((s, len));
    }
    groups
        .into_iter()
        .map(|((_, _, count), runs)| Block { runs, count })
        .collect()
}

/// The cheapest profile (fewest instance-hours) with `counts[h] >= need[h]`
/// for every hour and at most `per_day` changes in each day, the week
/// taken as a cycle (a change at Monday 00:00 counts on Monday).
fn compress(need: &[u32], per_day: u32) -> Vec<u32> {
    let n = need.len();
    let mut values: Vec<u32> = need.to_vec();
    values.sort_unstable();
    values.dedup();
    let v = values.len();
    let k_max = per_day as usize;
    const INF: u64 = u64::MAX;
    let idx = |v_i: usize, k: usize| v_i * (k_max + 1) + k;
    let states = v * (k_max + 1);
    let mut best: Option<(u64, Vec<u32>)> = None;
    for c0 in 0..v {
        // The count at the end of Sunday, in force when Monday begins.
        if values[c0] < need[n - 1] {
            continue;
        }
        let mut cost = vec![vec![INF; states]; n];
        let mut parent = vec![vec![usize::MAX; states]; n];
        for vi in 0..v {
            if values[vi] < need[0] {
                continue;
            }
            let k = usize::from(vi != c0);
            if k <= k_max {
                cost[0][idx(vi, k)] = u64::from(values[vi]);
            }
        }
        for h in 1..n {
            let day_start = h % 24 == 0;
            for pv in 0..v {
                for pk in 0..=k_max {
                    let c = cost[h - 1][idx(pv, pk)];
                    if c == INF {
                        continue;
                    }
                    let base = if day_start { 0 } else { pk };
                    for (vi, &value) in values.iter().enumerate() {
                        if value < need[h] {
                            continue;
                        }
                        let k = base + usize::from(vi != pv);
                        if k > k_max {
                            continue;
                        }
                        let total = c + u64::from(value);
                        let slot = idx(vi, k);
                        if total < cost[h][slot] {
                            cost[h][slot] = total;
                            parent[h][slot] = idx(pv, pk);
                        }
                    }
                }
            }
        }
        let end = (0..=k_max)
            .map(|k| (cost[n - 1][idx(c0, k)], idx(c0, k)))
            .filter(|(c, _)| *c != INF)
            .min();
        if let Some((total, mut slot)) = end
            && best.as_ref().is_none_or(|(b, _)| total < *b)
        {
            let mut profile = vec![0; n];
            for h in (0..n).rev() {
                profile[h] = values[slot / (k_max + 1)];
                slot = parent[h][slot];
            }
            best = Some((total, profile));
        }
    }
    // Covering the need with its own values always exists at 24 changes a
    // day; with fewer, the largest value all week does.
    best.map(|(_, p)| p).unwrap_or_else(|| {
        let top = need.iter().copied().max().unwrap_or(0);
        vec![top; n]
    })
}

/// Count changes in each day of a weekly profile (a change counts on the
/// day its count comes into force).
fn changes_per_day(counts: &[u32]) -> [u32; 7] {
    let n = counts.len();
    let mut out = [0; 7];
    for h in 0..n {
        if counts[h] != counts[(h + n - 1) % n] {
            out[h / 24] += 1;
        }
    }
    out
}

/// A cron day-of-week field for weekdays `days` (Monday = 0): `*`, a range
/// such as `1-5` or a list such as `0,6` (cron counts from Sunday = 0).
fn cron_days(days: &[usize]) -> String {
    let mut nums: Vec<usize> = days.iter().map(|d| (d + 1) % 7).collect();
    nums.sort_unstable();
    nums.dedup();
    if nums.len() == 7 {
        return "*".into();
    }
    let mut parts = Vec::new();
    let mut i = 0;
    while i < nums.len() {
        let mut j = i;
        while j + 1 < nums.len() && nums[j + 1] == nums[j] + 1 {
            j += 1;
        }
        if j - i >= 2 {
            parts.push(format!("{}-{}", nums[i], nums[j]));
        } else {
            parts.extend(nums[i..=j].iter().map(usize::to_string));
        }
        i = j + 1;
    }
    parts.join(",")
}

/// Weekdays in words: `Mon-Fri`, `Sat,Sun`, `every day`.
fn day_words(days: &[usize]) -> String {
    let mut days = days.to_vec();
    days.sort_unstable();
    days.dedup();
    if days.len() == 7 {
        return "every day".into();
    }
    let mut parts = Vec::new();
    let mut i = 0;
    while i < days.len() {
        let mut j = i;
        while j + 1 < days.len() && days[j + 1] == days[j] + 1 {
            j += 1;
        }
        if j - i >= 2 {
            parts.push(format!("{}-{}", DAYS[days[i]], DAYS[days[j]]));
        } else {
            parts.extend(days[i..=j].iter().map(|&d| DAYS[d].to_string()));
        }
        i = j + 1;
    }
    parts.join(",")
}

/// The cron rules of a weekly profile: one per change of count (a rule a
/// day when the count never changes), firing `lead_min` minutes before
/// the hour it is needed, rules with the same time and count on several
/// days merged into one.
fn rules_of(counts: &[u32], lead_min: u32) -> Vec<PlannedRule> {
    let n = counts.len();
    let mut changes: Vec<usize> = (0..n)
        .filter(|&h| counts[h] != counts[(h + n - 1) % n])
        .collect();
    if changes.is_empty() {
        changes = (0..7).map(|d| d * 24).collect();
    }
    // (firing minute of the day, count) -> (firing days, days in force,
    // first firing in the week, hour in force).
    type Firings = (Vec<usize>, Vec<usize>, u32, usize);
    let mut merged: BTreeMap<(u32, u32), Firings> = BTreeMap::new();
    for h in changes {
        let fire = (h as u32 * 60 + MINUTES_OF_WEEK - lead_min % MINUTES_OF_WEEK) % MINUTES_OF_WEEK;
        let e = merged
            .entry((fire % 1440, counts[h]))
            .or_insert_with(|| (Vec::new(), Vec::new(), fire, h % 24));
        e.0.push((fire / 1440) as usize);
        e.1.push(h / 24);
        e.2 = e.2.min(fire);
    }
    let mut rules: Vec<(u32, PlannedRule)> = merged
        .into_iter()
        .map(|((minute, count), (fire_days, force_days, first, hour))| {
            (
                first,
                PlannedRule {
                    cron: format!(
                        "{} {} * * {}",
                        minute % 60,
                        minute / 60,
                        cron_days(&fire_days)
                    ),
                    count,
                    in_force: format!("{} {hour:02}:00", day_words(&force_days)),
                },
            )
        })
        .collect();
    rules.sort_by_key(|(first, _)| *first);
    rules.into_iter().map(|(_, r)| r).collect()
}

/// The search's state: the scenario, the pool, what bounds each hour, and
/// the judged replication sets.
struct Search<'a> {
    base: &'a Scenario,
    pool: usize,
    lead_min: u32,
    objectives: Objectives,
    /// The fewest instances each hour may have.
    floor: Vec<u32>,
    /// The most the quota leaves the pool in each hour.
    ceiling: Vec<u32>,
    max_changes_per_day: u32,
    sets: Vec<ReplicationSet>,
    cache: HashMap<Vec<u32>, Evaluation>,
    tried: usize,
    simulations: u64,
    cancel: &'a AtomicBool,
    progress: &'a (dyn Fn(Progress) + Sync),
}

impl Search<'_> {
    /// The base scenario with `counts` as the pool's schedule.
    fn scenario(&self, counts: &[u32], set: ReplicationSet) -> Scenario {
        let mut s = self.base.clone();
        let rules: Vec<ScheduleRule> = rules_of(counts, self.lead_min)
            .into_iter()
            .map(|r| ScheduleRule {
                cron: parse_cron(&r.cron).expect("the planner writes valid cron"),
                count: r.count,
            })
            .collect();
        let pool = &mut s.pools[self.pool];
        pool.count = scheduled_at_start(&rules, s.simulation.calendar);
        pool.scaling = Scaling::Schedule(rules);
        s.simulation.seed = set.seed;
        s.simulation.replications = set.replications;
        s
    }

    /// Runs every replication of `s` with the hour tallies.
    fn simulate(
        &mut self,
        s: &Scenario,
    ) -> Result<(RunSummary, Vec<u64>, Vec<u64>), ScheduleError> {
        let reps = s.simulation.replications;
        (self.progress)(Progress::Added(u64::from(reps)));
        let on_pool: Vec<bool> = s
            .workloads
            .iter()
            .map(|w| w.target == Target::Pool(PoolId(self.pool as u32)))
            .collect();
        let target = s.slo.wait_p95.map_or(u64::MAX, |t| t.0);
        let cancel = self.cancel;
        let progress = self.progress;
        let results: Vec<(ReplicationSummary, Vec<u64>, Vec<u64>)> = (0..reps)
            .into_par_iter()
            .map(|r| {
                let mut both = (
                    ReplicationStats::new(s),
                    HourTally {
                        scenario: s,
                        on_pool: on_pool.clone(),
                        from: SimTime(s.simulation.warmup.0),
                        target_ticks: target,
                        runs: vec![0; HOURS_OF_WEEK],
                        over: vec![0; HOURS_OF_WEEK],
                    },
                );
                run_replication(s, r, &mut both, cancel);
                progress(Progress::Done);
                let (stats, t) = both;
                (stats.finish(), t.runs, t.over)
            })
            .collect();
        if cancel.load(Ordering::Relaxed) {
            return Err(ScheduleError::Cancelled);
        }
        self.simulations += u64::from(reps);
        let (mut runs, mut over) = (vec![0; HOURS_OF_WEEK], vec![0; HOURS_OF_WEEK]);
        let mut summaries = Vec::with_capacity(results.len());
        for (summary, r, o) in results {
            for h in 0..HOURS_OF_WEEK {
                runs[h] += r[h];
                over[h] += o[h];
            }
            summaries.push(summary);
        }
        Ok((summarise(s, summaries), runs, over))
    }

    /// Whether `run` meets the wait objective on the upper end of its
    /// interval.
    fn meets(&self, run: &RunSummary) -> bool {
        judge(&self.objectives, |m| run.totals.get(m)).is_some_and(|v| v.met_upper95)
    }

    /// Simulates `counts` on every judged set (once: results are cached).
    fn evaluate(&mut self, counts: &[u32]) -> Result<Evaluation, ScheduleError> {
        if let Some(e) = self.cache.get(counts) {
            return Ok(e.clone());
        }
        if self.tried >= MAX_SCHEDULES {
            return Err(ScheduleError::Refused(format!(
                "the search simulated {MAX_SCHEDULES} schedules without settling; lower --max-changes-per-day or shorten [simulation] horizon"
            )));
        }
        self.tried += 1;
        let mut e = Evaluation {
            meets: true,
            runs: vec![0; HOURS_OF_WEEK],
            over: vec![0; HOURS_OF_WEEK],
        };
        for set in self.sets.clone() {
            let s = self.scenario(counts, set);
            let (run, runs, over) = self.simulate(&s)?;
            e.meets &= self.meets(&run);
            for h in 0..HOURS_OF_WEEK {
                e.runs[h] += runs[h];
                e.over[h] += over[h];
            }
        }
        self.cache.insert(counts.to_vec(), e.clone());
        Ok(e)
    }

    /// Raises the blocks that break the objective until the schedule meets
    /// it.
    fn repair(&mut self, mut counts: Vec<u32>) -> Result<Vec<u32>, ScheduleError> {
        loop {
            let e = self.evaluate(&counts)?;
            if e.meets {
                return Ok(counts);
            }
            let blocks = blocks(&counts);
            let room = |b: &Block| b.hours().iter().all(|&h| b.count < self.ceiling[h]);
            let late = |b: &Block| {
                let runs: u64 = b.hours().iter().map(|&h| e.runs[h]).sum();
                let over: u64 = b.hours().iter().map(|&h| e.over[h]).sum();
                (runs, over)
            };
            let mut raise: Vec<&Block> = blocks
                .iter()
                .filter(|b| {
                    let (runs, over) = late(b);
                    runs > 0 && over as f64 > BREAK_SHARE * runs as f64 && room(b)
                })
                .collect();
            if raise.is_empty() {
                // None breaks on its own: the one with the most late runs.
                raise.extend(
                    blocks
                        .iter()
                        .filter(|b| late(b).1 > 0 && room(b))
                        .max_by_key(|b| late(b).1),
                );
            }
            if raise.is_empty() {
                let capped = blocks.iter().any(|b| late(b).1 > 0 && !room(b));
                return Err(ScheduleError::Refused(if capped {
                    let kind = self.base.pools[self.pool].tier.kind();
                    let reps: Vec<String> = self
                        .sets
                        .iter()
                        .map(|s| s.replications.to_string())
                        .collect();
                    format!(
                        "no schedule within the quota meets [slo] wait_p95 on the upper end of its 95% interval ({} replications): the hours whose runs wait too long already have all the instances the {kind} quota leaves pool {}; raise [quota] {kind}_vcpu (for a real registry a quota increase is a support request), choose a larger tier, or add --replications (more narrow the interval)",
                        reps.join(" + "),
                        self.base.pools[self.pool].name
                    )
                } else {
                    format!(
                        "the wait objective is missed by runs that pool {} does not serve (its own runs wait within the target); schedule the pools whose runs wait, or check them with poolcast run",
                        self.base.pools[self.pool].name
                    )
                }));
            }
            let mut next = counts.clone();
            for b in raise {
                for h in b.hours() {
                    next[h] = b.count + 1;
                }
            }
            counts = next;
        }
    }

    /// Lowers blocks by one, largest saving first, while the schedule
    /// still meets the objective: a whole block, or the first or the last
    /// hour of its stretches (which moves a boundary, or adds a change
    /// where the day has changes to spare). Ends when none can go.
    fn trim(&mut self, mut counts: Vec<u32>) -> Result<Vec<u32>, ScheduleError> {
        'outer: loop {
            let mut candidates: Vec<Vec<usize>> = Vec::new();
            for b in blocks(&counts) {
                let [first, last] = b.edges();
                candidates.extend([b.hours(), first, last]);
            }
            candidates.retain(|hours| {
                !hours.is_empty() && hours.iter().all(|&h| counts[h] > self.floor[h])
            });
            // The most instance-hours first (then the earliest in the week).
            candidates
                .sort_by_key(|hours| (std::cmp::Reverse(hours.len()), hours.iter().min().copied()));
            candidates.dedup();
            for hours in candidates {
                let mut next = counts.clone();
                for &h in &hours {
                    next[h] -= 1;
                }
                if changes_per_day(&next)
                    .iter()
                    .any(|&c| c > self.max_changes_per_day)
                {
                    continue;
                }
                if self.evaluate(&next)?.meets {
                    counts = next;
                    continue 'outer;
                }
            }
            return Ok(counts);
        }
    }
}

/// What bounds each hour of the schedule: the first guess, the fewest
/// instances and the most the quota leaves the pool.
struct Bounds {
    need: Vec<u32>,
    floor: Vec<u32>,
    ceiling: Vec<u32>,
}

/// The bounds of pool `p`'s hours; an error when the quota leaves it less
/// than the work offered in some hour (the queue would grow without end).
fn bounds(s: &Scenario, p: usize) -> Result<Bounds, String> {
    let spec = &s.pools[p];
    let target_s = s.slo.wait_p95.map_or(f64::INFINITY, |t| t.as_secs_f64());
    let loads = load_by_hour(s);
    let (hours, service_s) = &loads[p];
    // What the quota leaves the pool in each hour, beside the other pools
    // of its kind at the counts they can have then.
    let kind = spec.tier.kind();
    let limit = s.quota.limit(kind);
    let held: Vec<u32> = (0..HOURS_OF_WEEK)
        .map(|h| {
            s.pools
                .iter()
                .zip(&loads)
                .enumerate()
                .filter(|(q, (o, _))| *q != p && o.tier.kind() == kind)
                .map(|(_, (o, (l, _)))| l[h].instances.saturating_mul(o.tier.vcpu()))
                .sum()
        })
        .collect();
    let ceiling: Vec<u32> = held
        .iter()
        .map(|&used| limit.saturating_sub(used) / spec.tier.vcpu())
        .collect();
    // The first guess: the smallest count whose M/M/c p95 meets the target
    // in each hour, at least one where runs arrive.
    let mut need = vec![0u32; HOURS_OF_WEEK];
    let mut floor = vec![0u32; HOURS_OF_WEEK];
    for h in 0..HOURS_OF_WEEK {
        let a = hours[h].offered_load;
        if a <= 0.0 {
            continue;
        }
        floor[h] = 1;
        if f64::from(ceiling[h]) <= a {
            let wanted = (1..=100_000)
                .find(|&c| mmc_waits(c, a, *service_s).2 <= target_s)
                .unwrap_or(a.ceil() as u32 + 1);
            return Err(format!(
                "the {kind} quota is too small for the peak: at {} pool {} is offered {a:.1} instances of work, but the quota ({limit} vCPUs{}) leaves it {} x {}; raise [quota] {kind}_vcpu to at least {} (about {wanted} x {} by M/M/c; for a real registry a quota increase is a support request) or choose a larger tier",
                crate::load::hour_label(h),
                spec.name,
                if held[h] > 0 {
                    format!(", {} of them held by the other pools then", held[h])
                } else {
                    String::new()
                },
                ceiling[h],
                spec.tier,
                held[h] + wanted * spec.tier.vcpu(),
                spec.tier,
            ));
        }
        let lowest = (a.floor() as u32 + 1).max(1);
        need[h] = (lowest..=ceiling[h])
            .find(|&c| mmc_waits(c, a, *service_s).2 <= target_s)
            .unwrap_or(ceiling[h]);
    }
    // And one instance in the hour after any hour where runs arrive: runs
    // that arrive just before a scale-in to 0 (and those still queued then)
    // would otherwise wait for the next morning, hours that a p95 over the
    // week barely sees.
    let busy: Vec<bool> = hours.iter().map(|h| h.offered_load > 0.0).collect();
    for h in 0..HOURS_OF_WEEK {
        let next = (h + 1) % HOURS_OF_WEEK;
        if busy[h] && !busy[next] && ceiling[next] >= 1 {
            floor[next] = 1;
            need[next] = need[next].max(1);
        }
    }
    Ok(Bounds {
        need,
        floor,
        ceiling,
    })
}

/// Designs the cheapest schedule for `req.pool` (see the module's notes
/// for how, and what it guarantees).
pub fn plan_schedule(
    req: &ScheduleRequest,
    cancel: &AtomicBool,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<SchedulePlan, ScheduleError> {
    let p = check_request(req).map_err(ScheduleError::Refused)?;
    let s = req.scenario;
    let spec = &s.pools[p];
    let objectives = wait_objective(s);
    let Bounds {
        need,
        floor,
        ceiling,
    } = bounds(s, p).map_err(ScheduleError::Refused)?;
    let first = compress(&need, req.max_changes_per_day);
    let lead_min = spec.provisioning.as_secs_f64().div_euclid(60.0) as u32
        + u32::from(spec.provisioning.as_secs_f64() % 60.0 > 0.0);
    let first_set = ReplicationSet {
        seed: s.simulation.seed,
        replications: s.simulation.replications,
    };
    let mut search = Search {
        base: s,
        pool: p,
        lead_min,
        objectives,
        floor,
        ceiling,
        max_changes_per_day: req.max_changes_per_day,
        sets: vec![first_set],
        cache: HashMap::new(),
        tried: 0,
        simulations: 0,
        cancel,
        progress,
    };
    let mut counts = first;
    let mut confirmed = false;
    let mut confirm_set = first_set;
    for round in 1..=CONFIRM_ROUNDS {
        counts = search.repair(counts)?;
        counts = search.trim(counts)?;
        confirm_set = ReplicationSet {
            seed: s.simulation.seed.wrapping_add(round),
            replications: s.simulation.replications.max(CONFIRM_REPLICATIONS),
        };
        let check = search.scenario(&counts, confirm_set);
        let (run, _, _) = search.simulate(&check)?;
        if search.meets(&run) {
            confirmed = true;
            break;
        }
        if round < CONFIRM_ROUNDS {
            // Judge on these replications too from now on.
            search.sets.push(confirm_set);
            search.cache.clear();
        }
    }
    debug_assert!(
        changes_per_day(&counts)
            .iter()
            .all(|&c| c <= req.max_changes_per_day)
    );
    let rules = rules_of(&counts, lead_min);
    let comment = format!(
        "Designed by `poolcast plan --schedule {}` (at most {} changes a day): each\nrule fires {lead_min} min early, the pool's provisioning time, so the count\nis in force on the hour. Apply it with apply-schedule.yml.",
        spec.name, req.max_changes_per_day
    );
    let recommended = with_pool_scaling(
        req.source,
        &spec.name,
        &ScalingEdit::Schedule {
            rules: rules.iter().map(|r| (r.cron.clone(), r.count)).collect(),
            comment: Some(comment),
        },
    )
    .map_err(ScheduleError::Refused)?;
    // The numbers printed are those of the recommended file itself.
    let mut chosen = from_str_in(&recommended, req.path, req.scope).map_err(|e| {
        ScheduleError::Refused(format!(
            "the recommended scenario does not validate ({e}); this is a bug, please report it"
        ))
    })?;
    chosen.simulation.seed = first_set.seed;
    chosen.simulation.replications = first_set.replications;
    let (result, _, _) = search.simulate(&chosen)?;
    chosen.simulation.seed = confirm_set.seed;
    chosen.simulation.replications = confirm_set.replications;
    let (confirmation, _, _) = search.simulate(&chosen)?;
    let fixed = cheapest_fixed(req, &counts, cancel, progress)?;
    let simulations = search.simulations + fixed.as_ref().map_or(0, |f| f.simulations);
    Ok(SchedulePlan {
        pool: spec.name.clone(),
        tier: spec.tier,
        lead: SimDuration::from_secs(u64::from(lead_min) * 60),
        counts,
        rules,
        recommended,
        result,
        confirmation,
        confirmed,
        fixed,
        schedules_tried: search.tried,
        simulations,
        max_changes_per_day: req.max_changes_per_day,
    })
}

/// The cheapest fixed count of the pool that meets the wait objective,
/// by `plan`'s binary search over the count (with the scenario's seed and
/// replications, as the schedule ran).
fn cheapest_fixed(
    req: &ScheduleRequest,
    counts: &[u32],
    cancel: &AtomicBool,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Result<FixedComparison, String>, ScheduleError> {
    let s = req.scenario;
    let fixed_src = match with_pool_scaling(req.source, req.pool, &ScalingEdit::Fixed) {
        Ok(t) => t,
        Err(e) => return Ok(Err(e)),
    };
    let peak = counts.iter().copied().max().unwrap_or(1);
    let most = (2 * peak + 2).clamp(1, 400);
    let spec = SweepSpec {
        axes: vec![Axis {
            key: format!("pool.{}.count", req.pool),
            values: (1..=i64::from(most)).map(AxisValue::Int).collect(),
        }],
    };
    let mut points = expand(&spec, &fixed_src, req.path, req.scope);
    for point in &mut points {
        if let Ok(ps) = &mut point.scenario {
            ps.simulation.seed = s.simulation.seed;
            ps.simulation.replications = s.simulation.replications;
        }
    }
    let obj = Objective {
        slo: wait_objective(s),
        with_waiting_cost: false,
    };
    if let Err(why) = plan_axis(&spec, &points, &obj) {
        return Ok(Err(why));
    }
    let outcome = match plan(&spec, &points, metric_names(s), &obj, cancel, progress) {
        Ok(o) => o,
        Err(why) => return Ok(Err(why)),
    };
    if cancel.load(Ordering::Relaxed) {
        return Err(ScheduleError::Cancelled);
    }
    let table = &outcome.table;
    let best = table.recommend(&obj).into_iter().find_map(|r| r.best);
    Ok(match best {
        Some(row) => Ok(FixedComparison {
            count: row.params[0].parse().unwrap_or(0),
            cost_per_day_usd: table.total(row, TotalMetric::CostPerDayUsd),
            wait_p95_s: table.total(
                row,
                if obj.slo.window.is_some() {
                    TotalMetric::WindowWaitP95S
                } else {
                    TotalMetric::WaitP95S
                },
            ),
            simulations: outcome.simulations,
        }),
        None => Err(format!(
            "no fixed count of 1 to {most} x {} within the quota meets the objective",
            s.pools
                .iter()
                .find(|p| p.name == req.pool)
                .map_or(String::new(), |p| p.tier.to_string())
        )),
    })
}

/// The GitHub Actions workflow that applies `plan`'s rules: one schedule
/// trigger per rule (its cron, already early by the provisioning lead, on
/// the scenario's clock: GitHub reads a trigger's `timezone` as the
/// scenario does, daylight saving included, and UTC without one), and a
/// step per trigger that sets the count.
pub fn workflow_yaml(plan: &SchedulePlan, scenario: &str) -> String {
    let zone = plan.result.context.calendar.zone();
    let mut y = String::new();
    y.push_str(&format!(
        "# Applies the schedule `poolcast plan --schedule {pool}` designed for\n# scenario {scenario}: pool {pool} ({tier}). Each trigger fires {lead} before\n# its count is needed (the pool's provisioning time), on the {zone} clock. GitHub may\n# start scheduled workflows some minutes late under load.\n#\n# Needs: the repository variable ACR_REGISTRY (the registry name) and an\n# Azure login allowed to update the agent pool (here OpenID Connect with\n# the secrets AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_SUBSCRIPTION_ID).\nname: apply-schedule-{pool}\n\non:\n  schedule:\n",
        pool = plan.pool,
        tier = plan.tier,
        lead = plan.lead,
    ));
    for r in &plan.rules {
        y.push_str(&format!(
            "    - cron: '{}' # {} x {} from {}\n",
            r.cron, r.count, plan.tier, r.in_force
        ));
        if zone != chrono_tz::UTC {
            y.push_str(&format!("      timezone: '{zone}'\n"));
        }
    }
    y.push_str(
        "\npermissions:\n  id-token: write\n  contents: read\n\nenv:\n  REGISTRY: ${{ vars.ACR_REGISTRY }}\n\njobs:\n  scale:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: azure/login@v2\n        with:\n          client-id: ${{ secrets.AZURE_CLIENT_ID }}\n          tenant-id: ${{ secrets.AZURE_TENANT_ID }}\n          subscription-id: ${{ secrets.AZURE_SUBSCRIPTION_ID }}\n",
    );
    for r in &plan.rules {
        y.push_str(&format!(
            "      - name: {count} x {tier} from {when}\n        if: github.event.schedule == '{cron}'\n        run: az acr agentpool update --registry \"$REGISTRY\" --name {pool} --count {count}\n",
            count = r.count,
            tier = plan.tier,
            when = r.in_force,
            cron = r.cron,
            pool = plan.pool,
        ));
    }
    y
}

#[cfg(test)]
mod tests {
    use super::*;

    fn workday(peak: u32, night: u32) -> Vec<u32> {
        (0..HOURS_OF_WEEK)
            .map(|h| {
                if h / 24 < 5 && (9..18).contains(&(h % 24)) {
                    peak
                } else {
                    night
                }
            })
            .collect()
    }

    #[test]
    fn a_workday_makes_two_rules_fired_early() {
        let rules = rules_of(&workday(7, 1), 5);
        let got: Vec<(&str, u32, &str)> = rules
            .iter()
            .map(|r| (r.cron.as_str(), r.count, r.in_force.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("55 8 * * 1-5", 7, "Mon-Fri 09:00"),
                ("55 17 * * 1-5", 1, "Mon-Fri 18:00")
            ]
        );
        // A change at Monday 00:00 fires on Sunday.
        let mut c = vec![2; HOURS_OF_WEEK];
        for x in &mut c[..24] {
            *x = 3;
        }
        let rules = rules_of(&c, 5);
        assert_eq!(rules[0].cron, "55 23 * * 1");
        assert_eq!(rules[1].cron, "55 23 * * 0");
        assert_eq!(rules_of(&[4; HOURS_OF_WEEK], 0)[0].cron, "0 0 * * *");
    }

    #[test]
    fn cron_days_use_ranges_and_lists() {
        assert_eq!(cron_days(&[0, 1, 2, 3, 4]), "1-5");
        assert_eq!(cron_days(&[5, 6]), "0,6");
        assert_eq!(cron_days(&[1, 2, 3, 4, 5, 6]), "0,2-6");
        assert_eq!(cron_days(&(0..7).collect::<Vec<_>>()), "*");
        assert_eq!(day_words(&[0, 1, 2, 3, 4]), "Mon-Fri");
        assert_eq!(day_words(&[5, 6]), "Sat,Sun");
    }

    #[test]
    fn compression_covers_the_need_within_the_changes() {
        // A ragged workday: 09-10 needs 5, 10-17 needs 8, 17-18 needs 3,
        // evenings 1, nights 0.
        let need: Vec<u32> = (0..HOURS_OF_WEEK)
            .map(|h| match (h / 24, h % 24) {
                (0..5, 9) => 5,
                (0..5, 10..17) => 8,
                (0..5, 17) => 3,
                (0..5, 18..21) => 1,
                _ => 0,
            })
            .collect();
        for per_day in [1, 2, 4, 24] {
            let c = compress(&need, per_day);
            assert!(c.iter().zip(&need).all(|(c, n)| c >= n), "{per_day}");
            assert!(
                changes_per_day(&c).iter().all(|&k| k <= per_day),
                "{per_day}: {c:?}"
            );
        }
        assert_eq!(compress(&need, 24), need);
        // Two changes a day: one block 09-21 at 8 would cost more than
        // 09-18 at 8 then 1 till 21 then 0... which needs three; with two,
        // the cheapest drops to 0 at 18 only if the evening is covered.
        let two = compress(&need, 2);
        let day: Vec<u32> = two[..24].to_vec();
        assert_eq!(day[10], 8);
        let four = compress(&need, 4);
        let cost = |c: &[u32]| c.iter().map(|&x| u64::from(x)).sum::<u64>();
        assert!(cost(&four) <= cost(&two));
        assert!(cost(&two) <= cost(&compress(&need, 1)));
    }

    #[test]
    fn blocks_group_the_days_a_stretch_repeats() {
        let b = blocks(&workday(7, 1));
        // Weekday days at 7; Mon-Thu nights (15 h); the weekend night
        // (Fri 18:00 to Mon 09:00, 63 h).
        assert_eq!(b.len(), 3);
        let day = b.iter().find(|b| b.count == 7).unwrap();
        assert_eq!(day.hours().len(), 45);
        assert_eq!(day.edges()[0], [9, 33, 57, 81, 105]);
        assert_eq!(day.edges()[1], [17, 41, 65, 89, 113]);
        let lens: Vec<usize> = b
            .iter()
            .filter(|b| b.count == 1)
            .map(|b| b.hours().len())
            .collect();
        assert_eq!(lens.iter().sum::<usize>(), 168 - 45);
        assert_eq!(blocks(&[2; HOURS_OF_WEEK]).len(), 1);
    }
}
