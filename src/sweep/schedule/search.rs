//! The search of `plan --schedule`: repair raises the blocks whose runs
//! wait too long until the schedule meets the objective, trim lowers them
//! while it still does; every schedule is judged on the same replication
//! sets (common random numbers) and simulated once.

use std::collections::{HashMap, HashSet};
use std::convert::Infallible;
use std::sync::atomic::AtomicBool;
use std::sync::{Mutex, PoisonError};

use super::ScheduleError;
use super::profile::{Block, blocks, changes_per_day};
use super::request::Bounds;
use super::rules::rules_of;
use super::tally::{HourCounts, HourTally};
use crate::model::HOURS_OF_WEEK;
use crate::model::{PoolId, Scaling, ScheduleRule};
use crate::replication::{RunOptions, run_recorded};
use crate::results::{ObjectiveKind, RunSummary};
use crate::scenario::{Scenario, scheduled_at_start};
use crate::sweep::Progress;
use crate::text::parse_cron;
use crate::units::SimDuration;

/// Schedules simulated at most (a bound on a search that should never
/// come near it: a workday week takes a few dozen).
const MAX_SCHEDULES: usize = 2_000;

/// The share of a block's runs that may wait longer than the target before
/// repair raises it: what a p95 objective allows overall.
const BREAK_SHARE: f64 = 0.05;

/// One set of replications a schedule is judged on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) struct ReplicationSet {
    pub seed: u64,
    pub replications: u32,
    /// Whether a run queued shortly before a scale-in to none counts as
    /// stranded by it (`tally::NEAR_MISS`: the frequent sign of a rare
    /// event, which the search's sets are too few to show), or only a run
    /// queued when it takes effect (the stranding check, long enough to
    /// show the event itself).
    pub near_misses: bool,
}

/// The worst hours of the wait objectives `run` misses hour by hour.
fn missed_hours(run: &RunSummary) -> Vec<usize> {
    run.slo
        .iter()
        .flat_map(|v| &v.objectives)
        .filter(|o| o.kind == ObjectiveKind::WaitP95 && !o.met_upper95)
        .filter_map(|o| o.worst_hour.map(|h| h.index()))
        .collect()
}

/// What confirming a schedule found.
#[derive(Debug, Clone, Copy)]
pub(super) struct Confirmation {
    /// The confirmation's set: the plan's confirmation run.
    pub set: ReplicationSet,
    /// Whether the schedule meets there (waits and strandings).
    pub meets: bool,
    /// The stranding check's set.
    pub check: ReplicationSet,
    /// Whether the stranding check found a run stranded.
    pub stranded: bool,
    /// Whether it found one stranded elsewhere than at a scale-in to none
    /// (a run no objective judges waiting too long in an hour with
    /// instances), which the memory of scale-ins does not hold.
    pub stranded_elsewhere: bool,
}

impl Confirmation {
    /// Whether the schedule is confirmed: met, and nothing stranded.
    pub(super) fn confirmed(&self) -> bool {
        self.meets && !self.stranded
    }
}

/// A schedule's simulation: whether it meets the objectives on every
/// judged set, and its runs and late runs by hour of arrival (all sets).
#[derive(Debug, Clone)]
pub(super) struct Evaluation {
    pub(super) meets: bool,
    /// Whether some judged set had no run to judge (an undefined wait).
    undefined: bool,
    /// The hours of the week that decided a wait objective missed hour by
    /// hour (its worst hour), on any judged set.
    missed_hours: Vec<usize>,
    pub(super) counts: HourCounts,
}

/// The search's state: the scenario, the pool, what bounds each hour, and
/// the judged replication sets.
pub(super) struct Search<'a> {
    pub base: &'a Scenario,
    pub pool: usize,
    /// How early each rule fires, whole minutes.
    pub lead_min: u32,
    /// The fewest and the most instances each hour may have.
    pub bounds: Bounds,
    pub max_changes_per_day: u32,
    /// The replication sets every schedule is judged on.
    pub sets: Vec<ReplicationSet>,
    /// The bound on the wait of a run no objective judges.
    pub max_stranded: SimDuration,
    pub cache: HashMap<(Vec<u32>, ReplicationSet), Evaluation>,
    /// Lowerings that missed since the last raise: the hours lowered and
    /// the counts they were lowered from. Trim lowers only, and fewer
    /// instances elsewhere do not make a lowering meet, so one that
    /// missed is not simulated again until a raise (a judged set that
    /// joins leaves it: a miss on one set is a miss on all).
    pub failed: HashSet<Vec<(usize, u32)>>,
    /// Hours of the week at which a scale-in to none stranded runs in a
    /// schedule simulated (on any judged set, the confirmations' and their
    /// stranding checks' too): a rare event, which the judged sets of a
    /// later schedule may not show again, so no schedule scaling to none
    /// there meets (`remembered_strandings`).
    pub stranding_scale_ins: HashSet<usize>,
    /// Schedules simulated.
    pub tried: usize,
    /// Replications run.
    pub simulations: u64,
    pub cancel: &'a AtomicBool,
    pub progress: &'a (dyn Fn(Progress) + Sync),
}

impl Search<'_> {
    /// The base scenario with `counts` as the pool's schedule.
    pub(super) fn scenario(&self, counts: &[u32], set: ReplicationSet) -> Scenario {
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

    /// Runs every replication of `s` with the hour tallies, each folded
    /// into the run as it ends (`replication::run_recorded`: the waits by
    /// hour of 500 replications had been held until the last one ended).
    /// `schedule` is the pool's count in each hour of the week that `s`
    /// holds as rules; each of its scale-ins to none strands the runs
    /// queued when a scale-in took effect after any hour alike to the one
    /// before it, or shortly before with `near_misses`
    /// (`HourCounts::strand_at_scale_ins`).
    pub(super) fn simulate(
        &mut self,
        s: &Scenario,
        schedule: &[u32],
        near_misses: bool,
    ) -> Result<(RunSummary, HourCounts), ScheduleError> {
        let reps = s.simulation.replications;
        let progress = self.progress;
        progress(Progress::Added(u64::from(reps)));
        let pool = PoolId(self.pool as u32);
        let done = || progress(Progress::Done);
        let opts = RunOptions {
            cancel: self.cancel,
            progress: &done,
        };
        let max_stranded = self.max_stranded;
        let hours = Mutex::new(HourCounts::default());
        let forecast = crate::forecast::of(s);
        let run = run_recorded(
            s,
            &forecast,
            &opts,
            |_| {
                let tally = HourTally::new(s, pool, max_stranded, schedule);
                Ok::<_, Infallible>(tally.with_near_misses(near_misses))
            },
            |_, tally| {
                *hours.lock().unwrap_or_else(PoisonError::into_inner) += &tally.into_counts();
                Ok(())
            },
        );
        let Ok(Some(run)) = run else {
            return Err(ScheduleError::Cancelled);
        };
        self.simulations += u64::from(reps);
        let mut hours = hours.into_inner().unwrap_or_else(PoisonError::into_inner);
        let alike = crate::forecast::alike_hours_of(s, &forecast);
        hours.strand_at_scale_ins(schedule, &alike, max_stranded);
        Ok((run, hours))
    }

    /// Whether `run` meets every wait objective on the upper end of its
    /// interval, and no run its objectives leave unjudged (`counts`)
    /// waited longer than `max_stranded`, but in hours sized to what the
    /// quota leaves (which the plan warns about).
    pub(super) fn meets(&self, run: &RunSummary, counts: &HourCounts) -> bool {
        super::meets_waits(run) && self.stranded_hours(counts).next().is_none()
    }

    /// The hours in which runs no objective judges waited longer than the
    /// bound, outside the hours the quota caps.
    fn stranded_hours<'c>(&'c self, counts: &'c HourCounts) -> impl Iterator<Item = usize> + 'c {
        (0..HOURS_OF_WEEK).filter(|&h| counts.stranded[h] > 0 && !self.bounds.capped[h])
    }

    /// The scale-ins to none of `schedule` at hours where one stranded
    /// runs in a schedule simulated before (`stranding_scale_ins`): they
    /// strand, whether or not the judged sets show it this time.
    fn remembered_strandings<'c>(
        &'c self,
        schedule: &'c [u32],
    ) -> impl Iterator<Item = usize> + 'c {
        scale_ins_to_none(schedule).filter(|z| self.stranding_scale_ins.contains(z))
    }

    /// Confirms `counts` on seeds the search never saw: the wait
    /// objectives and strandings on the scenario's seed plus `round`, with
    /// its replications and at least `CONFIRM_REPLICATIONS` (the interval
    /// of a run a team makes to check it); strandings alone over
    /// `stranding_check_replications` more, on the seed plus
    /// `CONFIRM_ROUNDS` plus `round`. A stranding found there at a
    /// scale-in to none is remembered (`stranding_scale_ins`), which
    /// judges every later schedule, so those replications need not join
    /// the judge; one found elsewhere makes them join it.
    pub(super) fn confirm(
        &mut self,
        counts: &[u32],
        round: u64,
    ) -> Result<Confirmation, ScheduleError> {
        let sim = &self.base.simulation;
        let set = ReplicationSet {
            seed: sim.seed.wrapping_add(round),
            replications: sim.replications.max(super::CONFIRM_REPLICATIONS),
            near_misses: true,
        };
        let check = ReplicationSet {
            seed: sim.seed.wrapping_add(super::CONFIRM_ROUNDS + round),
            replications: super::stranding_check_replications(sim),
            near_misses: false,
        };
        let meets = self.evaluate_on(counts, set)?.meets;
        let checked = self.evaluate_on(counts, check)?;
        let at_scale_ins: HashSet<usize> = scale_ins_to_none(counts).collect();
        let stranded: Vec<usize> = self.stranded_hours(&checked.counts).collect();
        Ok(Confirmation {
            set,
            meets,
            check,
            stranded: !stranded.is_empty(),
            stranded_elsewhere: stranded.iter().any(|h| !at_scale_ins.contains(h)),
        })
    }

    /// Simulates `counts` on every judged set (each schedule once a set:
    /// results are cached by schedule and set, so a set that joins the
    /// judge costs only its own replications).
    pub(super) fn evaluate(&mut self, counts: &[u32]) -> Result<Evaluation, ScheduleError> {
        self.count_tried(counts)?;
        let sets = self.sets.clone();
        let mut e = Evaluation {
            meets: true,
            undefined: false,
            missed_hours: Vec::new(),
            counts: HourCounts::default(),
        };
        for set in sets {
            let one = self.evaluate_on(counts, set)?;
            e.meets &= one.meets;
            e.undefined |= one.undefined;
            e.missed_hours.extend(one.missed_hours);
            e.counts += &one.counts;
        }
        e.meets &= self.remembered_strandings(counts).next().is_none();
        Ok(e)
    }

    /// Whether `counts` meets on every judged set, simulated set after set
    /// (the first, the search's own, then the confirmations that joined)
    /// until one misses: a miss on one set is a miss on all, so a lowering
    /// that misses on the first set costs that set alone (trim tries many;
    /// most miss).
    pub(super) fn meets_every_set(&mut self, counts: &[u32]) -> Result<bool, ScheduleError> {
        // Refused by the memory without a simulation.
        if self.remembered_strandings(counts).next().is_some() {
            return Ok(false);
        }
        self.count_tried(counts)?;
        for set in self.sets.clone() {
            if !self.evaluate_on(counts, set)?.meets {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Counts `counts` as a schedule tried when it is new, up to
    /// `MAX_SCHEDULES`.
    fn count_tried(&mut self, counts: &[u32]) -> Result<(), ScheduleError> {
        if !self.cache.contains_key(&(counts.to_vec(), self.sets[0])) {
            if self.tried >= MAX_SCHEDULES {
                return Err(ScheduleError::Unsettled(MAX_SCHEDULES));
            }
            self.tried += 1;
        }
        Ok(())
    }

    /// Simulates `counts` on the replication set `set`, once.
    fn evaluate_on(
        &mut self,
        counts: &[u32],
        set: ReplicationSet,
    ) -> Result<Evaluation, ScheduleError> {
        let key = (counts.to_vec(), set);
        if let Some(e) = self.cache.get(&key) {
            return Ok(e.clone());
        }
        let s = self.scenario(counts, set);
        let (run, hours) = self.simulate(&s, counts, set.near_misses)?;
        Ok(self.judged(counts, set, &run, hours))
    }

    /// The evaluation of `counts` on `set` from its run and hours, cached,
    /// its scale-ins to none that stranded runs remembered.
    fn judged(
        &mut self,
        counts: &[u32],
        set: ReplicationSet,
        run: &RunSummary,
        hours: HourCounts,
    ) -> Evaluation {
        self.stranding_scale_ins.extend(
            scale_ins_to_none(counts).filter(|&z| hours.stranded[z] > 0 && !self.bounds.capped[z]),
        );
        let e = Evaluation {
            meets: self.meets(run, &hours),
            undefined: super::undefined_wait(run),
            missed_hours: missed_hours(run),
            counts: hours,
        };
        self.cache.insert((counts.to_vec(), set), e.clone());
        e
    }

    /// Raises the blocks that break the objectives until the schedule
    /// meets them: a block whose judged runs wait longer than their target
    /// more than 5% of the time (over the block, or in one of its hours
    /// for an objective judged hour by hour), or that holds a run no
    /// objective judges waiting longer than the bound.
    pub(super) fn repair(&mut self, mut counts: Vec<u32>) -> Result<Vec<u32>, ScheduleError> {
        loop {
            let e = self.evaluate(&counts)?;
            if e.meets {
                return Ok(counts);
            }
            self.failed.clear();
            let c = &e.counts;
            let stranded: Vec<usize> = self
                .stranded_hours(c)
                .chain(self.remembered_strandings(&counts))
                .collect();
            let blocks = blocks(&counts);
            let room = |b: &Block| b.hours().iter().all(|&h| b.count < self.bounds.ceiling[h]);
            let late =
                |b: &Block| -> u64 { b.hours().iter().map(|&h| c.over[h] + c.stranded[h]).sum() };
            // Whether a block's judged runs wait longer than their target
            // more than the objective allows, over the block or in an hour.
            let late_share = |b: &Block| {
                let hours = b.hours();
                let runs: u64 = hours.iter().map(|&h| c.runs[h]).sum();
                let over: u64 = hours.iter().map(|&h| c.over[h]).sum();
                let share =
                    |over: u64, runs: u64| runs > 0 && over as f64 > BREAK_SHARE * runs as f64;
                share(over, runs) || hours.iter().any(|&h| share(c.hour_over[h], c.hour_runs[h]))
            };
            let breaks =
                |b: &Block| late_share(b) || b.hours().iter().any(|h| stranded.contains(h));
            let mut raise: Vec<&Block> = blocks.iter().filter(|b| breaks(b) && room(b)).collect();
            if raise.is_empty() {
                // None breaks on its own: the one with the most late runs.
                raise.extend(
                    blocks
                        .iter()
                        .filter(|b| late(b) > 0 && room(b))
                        .max_by_key(|b| late(b)),
                );
            }
            if raise.is_empty() {
                return Err(self.refusal(&e));
            }
            // The blocks raised whole first, then the stretches without
            // instances that strand runs, each against the counts around
            // it as raised (the count before one may have just grown).
            let stranding = |b: &&Block| b.count == 0 && !late_share(b) && !b.edges()[0].is_empty();
            let (at_scale_ins, whole): (Vec<&Block>, Vec<&Block>) =
                raise.into_iter().partition(stranding);
            let mut next = counts.clone();
            for b in whole {
                for h in b.hours() {
                    next[h] = b.count + 1;
                }
            }
            for b in at_scale_ins {
                self.raise_stranding_block(&mut next, b, &b.edges()[0]);
            }
            counts = next;
        }
    }

    /// Raises block `b` (without instances; it strands runs and breaks
    /// nothing else) in `next`: one instance in its first hours `first`,
    /// where the runs queued at the scale-in to 0 wait (the hour after the
    /// last builds, not the whole night); where that is a change more than
    /// a day may have, the cheaper of the count before it carried on an
    /// hour (the scale-in to 0 an hour later) and one instance over the
    /// whole block, among those that keep to the changes (the first had
    /// added a change: five rules a day under "at most 4"; carrying the
    /// count on across midnight had added one to the next day).
    fn raise_stranding_block(&self, next: &mut [u32], b: &Block, first: &[usize]) {
        let fits = |c: &[u32]| {
            changes_per_day(c)
                .iter()
                .all(|&n| n <= self.max_changes_per_day)
        };
        let with = |hours: &[usize], count: &dyn Fn(usize) -> u32| {
            let mut c = next.to_vec();
            for &h in hours {
                c[h] = count(h);
            }
            c
        };
        let one = with(first, &|_| 1);
        let pick = if fits(&one) {
            one
        } else {
            // The hour before as raised so far: a block raised before
            // this one may be that hour (carrying its old count on had
            // made a change at midnight).
            let before = |h: usize| next[(h + HOURS_OF_WEEK - 1) % HOURS_OF_WEEK].max(1);
            let carried = with(first, &before);
            let whole = with(&b.hours(), &|_| 1);
            let cost = |c: &[u32]| c.iter().map(|&n| u64::from(n)).sum::<u64>();
            if fits(&carried) && cost(&carried) < cost(&whole) {
                carried
            } else {
                whole
            }
        };
        next.copy_from_slice(&pick);
    }

    /// The judged runs of the pool (inside `[slo] window` when set) per
    /// replication on the sets `counts` was judged on.
    pub(super) fn judged_runs_per_replication(
        &mut self,
        counts: &[u32],
    ) -> Result<f64, ScheduleError> {
        let runs: u64 = self.evaluate(counts)?.counts.runs.iter().sum();
        let replications: u32 = self.sets.iter().map(|s| s.replications).sum();
        Ok(runs as f64 / f64::from(replications.max(1)))
    }

    /// Why repair cannot go on: no run to judge, the quota (with the
    /// vCPUs that would let the late blocks grow), or other pools' runs.
    fn refusal(&self, e: &Evaluation) -> ScheduleError {
        let pool = &self.base.pools[self.pool];
        let replications = self.sets.iter().map(|s| s.replications).collect();
        if e.undefined {
            return ScheduleError::NoRunsToJudge {
                replications,
                window: self.base.slo.window.map(|w| w.to_string()),
            };
        }
        // Repair raises every late block with room: those left are capped.
        // An objective missed in hours without a run of the pool is missed
        // by other pools' runs, which no count of this pool changes (an
        // objective over two pools had asked for more quota).
        // Not when the pool's own runs wait too long somewhere too (a burst
        // capped by the quota beside another pool's thin nights).
        let c = &e.counts;
        let own_late = (0..HOURS_OF_WEEK).any(|h| {
            let share = |over: u64, runs: u64| runs > 0 && over as f64 > BREAK_SHARE * runs as f64;
            share(c.over[h], c.runs[h]) || share(c.hour_over[h], c.hour_runs[h])
        });
        if !own_late && !e.missed_hours.is_empty() && e.missed_hours.iter().all(|&h| c.runs[h] == 0)
        {
            return ScheduleError::OtherPools(pool.name.clone());
        }
        let capped: Vec<usize> = (0..HOURS_OF_WEEK)
            .filter(|&h| c.over[h] > 0 || c.stranded[h] > 0)
            .collect();
        if capped.is_empty() {
            return ScheduleError::OtherPools(pool.name.clone());
        }
        ScheduleError::QuotaCapped {
            replications,
            kind: pool.tier.kind(),
            pool: pool.name.clone(),
            tier: pool.tier,
            vcpus: self
                .bounds
                .vcpus_to_serve(capped.into_iter(), pool.tier.vcpu()),
            other_tier: None,
            others_miss_too: false,
        }
    }

    /// Lowers blocks by one, largest saving first, while the schedule
    /// still meets the objectives and strands no run: first down to the
    /// floor that guides the search (an instance where runs are in
    /// progress and in the hour after the last arrivals), then each block
    /// at that floor once, then every block again down to none, so that no
    /// single-block decrement of the result meets, the floor's included.
    pub(super) fn trim(&mut self, counts: Vec<u32>) -> Result<Vec<u32>, ScheduleError> {
        let floor = self.bounds.floor.clone();
        let mut counts = self.trim_above(counts, &floor)?;
        // One try each, without starting over: a dropped floor block makes
        // the others no easier to drop, and the last pass checks them all.
        for hours in decrements(&counts, &[0; HOURS_OF_WEEK]) {
            if hours.iter().all(|&h| counts[h] <= floor[h])
                && let Some(next) = self.lowered(&counts, &hours)?
            {
                counts = next;
            }
        }
        self.trim_above(counts, &[0; HOURS_OF_WEEK])
    }

    /// `counts` with `hours` one lower, when each is above 0, the day
    /// keeps to its changes and the schedule still meets.
    pub(super) fn lowered(
        &mut self,
        counts: &[u32],
        hours: &[usize],
    ) -> Result<Option<Vec<u32>>, ScheduleError> {
        let lowering: Vec<(usize, u32)> = hours.iter().map(|&h| (h, counts[h])).collect();
        let mut next = counts.to_vec();
        for &h in hours {
            // None below 0: a block dropped before its own edge (a
            // candidate listed earlier) leaves that edge at 0.
            let Some(lower) = counts[h].checked_sub(1) else {
                return Ok(None);
            };
            next[h] = lower;
        }
        if self.failed.contains(&lowering)
            || changes_per_day(&next)
                .iter()
                .any(|&c| c > self.max_changes_per_day)
        {
            return Ok(None);
        }
        if self.meets_every_set(&next)? {
            return Ok(Some(next));
        }
        self.failed.insert(lowering);
        Ok(None)
    }

    /// Lowers blocks by one above `floor`, largest saving first, while the
    /// schedule still meets: a whole block, or the first or the last hour
    /// of its stretches (which moves a boundary, or adds a change where
    /// the day has changes to spare). Ends when none can go.
    fn trim_above(
        &mut self,
        mut counts: Vec<u32>,
        floor: &[u32],
    ) -> Result<Vec<u32>, ScheduleError> {
        'outer: loop {
            for hours in decrements(&counts, floor) {
                if let Some(next) = self.lowered(&counts, &hours)? {
                    counts = next;
                    continue 'outer;
                }
            }
            return Ok(counts);
        }
    }
}

/// The single-block decrements of `counts` above `floor`: each block, and
/// the first and the last hour of its stretches; the most instance-hours
/// first (then the earliest in the week).
pub(super) fn decrements(counts: &[u32], floor: &[u32]) -> Vec<Vec<usize>> {
    let mut candidates: Vec<Vec<usize>> = Vec::new();
    for b in blocks(counts) {
        let [first, last] = b.edges();
        candidates.extend([b.hours(), first, last]);
    }
    candidates.retain(|hours| !hours.is_empty() && hours.iter().all(|&h| counts[h] > floor[h]));
    candidates.sort_by_key(|hours| (std::cmp::Reverse(hours.len()), hours.iter().min().copied()));
    candidates.dedup();
    candidates
}

/// The hours of the week at which `counts` scales in to none (0 after an
/// hour with instances).
fn scale_ins_to_none(counts: &[u32]) -> impl Iterator<Item = usize> + '_ {
    (0..counts.len())
        .filter(|&z| counts[z] == 0 && counts[(z + counts.len() - 1) % counts.len()] > 0)
}
