//! `poolcast plan --schedule POOL`: the cheapest schedule of instance
//! counts for one pool that meets every wait objective of the scenario (on
//! the upper end of its 95% interval; the caller writes the judging rule,
//! hour by hour by default, into the text), with no run that no objective
//! judges waiting longer than `max_stranded`, over the week of the
//! scenario's traffic.
//!
//! The search, in the order it runs:
//!
//! 1. **First guess.** The offered load by hour of the week (`load`) gives
//!    each hour the smallest count whose M/M/c p95 wait meets the target
//!    (at least 1 in an hour where any run arrives and in the hour after:
//!    a floor that guides the search, not a verdict; 0 elsewhere),
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
//!    that still meets the objective is kept, until no block can go: down
//!    to the floor first, then each floor block once, then down to none,
//!    so no single-block decrement of the result meets, the floor's
//!    included. A judged run queued into an hour without instances for
//!    longer than `max_stranded` is stranded, and misses; so is a run
//!    queued at a scale-in, or in the half hour before it (a near miss), on
//!    any day alike to one that scales to 0 there (a rare event, judged
//!    over alike days as the waits are), and no schedule that scales to 0
//!    where a scale-in to 0 stranded runs before meets (the memory).
//! 5. **Confirmation.** The result is simulated again with a seed the
//!    search never saw and at least 20 replications; if it misses there,
//!    those replications join the judge and the search goes back to 3.
//!    Its stranding check simulates 2,000 more days on another new seed,
//!    for strandings alone: one found there at a scale-in to 0 is
//!    remembered, one found elsewhere joins its replications to the judge,
//!    and the search goes back to 3.
//!
//! Every schedule judged ran with the same seeds (common random numbers),
//! so one schedule beats another on the same arrivals. Each scale-up fires
//! early by the pool's provisioning time, so its instances are ready on the
//! hour the block starts; a scale-down fires on that hour, never taking
//! instances from the end of the hour before.

mod fixed;
mod profile;
mod request;
mod rules;
mod search;
mod tally;

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::atomic::AtomicBool;

pub use fixed::{FixedPools, NoFixedCount};
pub use request::{RequestError, check_request};

use super::Progress;
use crate::model::Objectives;
use crate::model::{Tier, TierKind};
use crate::results::schedule::{FixedComparison, PlannedRule, SchedulePlan, StrandingCheck};
use crate::scenario::{
    EditError, FileScope, MAX_QUOTA_VCPU, MAX_REPLICATIONS, ScalingEdit, Scenario, ScenarioError,
    SimulationSpec, from_str_in, with_pool_scaling,
};
// The search reads the one judge's verdict through these (`super::`).
use crate::results::schedule::meets_waits;
use crate::results::{ObjectiveKind, RunSummary};
use crate::units::SimDuration;
use fixed::cheapest_fixed;
use profile::compress;
use request::bounds;
use rules::rules_of;
use search::{Confirmation, ReplicationSet, Search};

/// Count changes a day when the caller does not say.
pub const DEFAULT_MAX_CHANGES_PER_DAY: u32 = 4;

/// Replications of the confirmation run, at least.
pub const CONFIRM_REPLICATIONS: u32 = 20;

/// Days the stranding check of a confirmation simulates after the
/// warm-up. A stranding at a scale-in to 0 is a rare event that the
/// search's own replications may not show (the bundled team's plan,
/// judged on 50 weekday evenings, had stranded builds overnight on 1
/// evening in 160 of new seeds; a 20-minute frontier plan on 1 in 400):
/// 2,000 days of that team hold 1,430 weekday evenings, on which a risk of
/// 1 in 400 shows with a probability of 97%.
pub const STRANDING_CHECK_DAYS: u64 = 2_000;

/// The replications of the stranding check of `sim`: enough to simulate
/// `STRANDING_CHECK_DAYS` days after the warm-up (capped at
/// `MAX_REPLICATIONS`).
pub fn stranding_check_replications(sim: &SimulationSpec) -> u32 {
    let day = SimDuration::from_secs(86_400).0;
    let judged = sim.horizon.0.saturating_sub(sim.warmup.0).max(1);
    let for_days = (STRANDING_CHECK_DAYS * day).div_ceil(judged);
    u32::try_from(for_days)
        .unwrap_or(u32::MAX)
        .clamp(1, MAX_REPLICATIONS)
}

/// The most replications `plan --schedule` of `sim` holds at once: its
/// result beside its confirmation, or the stranding check alone.
pub fn held_replications(sim: &SimulationSpec) -> u32 {
    let confirmation = sim.replications.max(CONFIRM_REPLICATIONS);
    (sim.replications + confirmation).max(stranding_check_replications(sim))
}

/// Confirmation rounds before the search gives up confirming: each that
/// misses adds its replications to the judge, and a rare stranding may
/// take several new seeds to show (with three, 3 of 16 seeds of the
/// bundled team left a frontier target unconfirmed; with six, none of 22).
pub const CONFIRM_ROUNDS: u64 = 6;

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
    /// The longest a run no objective judges may wait (outside the hours
    /// sized to what the quota leaves).
    pub max_stranded: SimDuration,
    /// Where the files the scenario names may be.
    pub scope: FileScope,
}

/// Why there is no plan.
#[derive(Debug, thiserror::Error)]
pub enum ScheduleError {
    /// The request cannot be planned; the message names the fix.
    #[error(transparent)]
    Refused(#[from] RequestError),
    /// The search did not settle within its bound on schedules.
    #[error(
        "the search simulated {0} schedules without settling; lower --max-changes-per-day or shorten [simulation] horizon"
    )]
    Unsettled(usize),
    /// The hours whose runs wait too long have all the quota leaves.
    #[error("no schedule of {tier} within the quota meets [slo] wait_p95 on the upper end of its 95% interval ({} replications), and no fixed count of {tier} within it does: the hours whose runs wait too long already have all the {tier} instances the {kind} quota leaves pool {pool}; {}raise [quota] {kind}_vcpu to at least {vcpus} (for a real registry a quota increase is a support request), or add --replications (more narrow the interval){}", joined(.replications), other_tier_fix(.other_tier.as_deref(), pool), if *.others_miss_too { "; beyond that, runs that the pool does not serve miss it too, which no quota for it fixes: schedule or size the pools whose runs wait" } else { "" })]
    QuotaCapped {
        /// Replications of each judged set.
        replications: Vec<u32>,
        /// The pool's quota kind.
        kind: TierKind,
        /// The pool.
        pool: String,
        /// Its tier.
        tier: Tier,
        /// The quota that would give the late hours one instance more, or
        /// what M/M/c wants there, beside the other pools.
        vcpus: u32,
        /// The cheapest fixed pool of another tier that meets within the
        /// quota (its instances are smaller, so the quota holds more of
        /// them), when one does.
        other_tier: Option<Box<FixedComparison>>,
        /// Whether, with the quota raised, the objective is still missed
        /// by runs of other pools.
        others_miss_too: bool,
    },
    /// No run arrived where the objective looks.
    #[error("no run arrives {} in any of the {} replications, so there is no wait to judge (an undefined p95 meets nothing); check the workloads' arrivals, widen [slo] window, or lengthen [simulation] horizon", .window.as_ref().map_or_else(|| "after the warm-up".to_string(), |w| format!("inside [slo] window \"{w}\"")), joined(.replications))]
    NoRunsToJudge {
        /// Replications of each judged set.
        replications: Vec<u32>,
        /// `[slo] window`, when set.
        window: Option<String>,
    },
    /// The runs that wait too long are not the pool's.
    #[error(
        "the wait objective is missed by runs that pool {0} does not serve (its own runs wait within the target); schedule the pools whose runs wait, or check them with poolcast run"
    )]
    OtherPools(String),
    /// The scenario's text could not be edited (it validated, so a bug).
    #[error("the scenario's text cannot take the schedule ({0}); this is a bug, please report it")]
    Edit(#[from] EditError),
    /// The recommended scenario does not validate (a bug).
    #[error("the recommended scenario does not validate ({0}); this is a bug, please report it")]
    RecommendedInvalid(Box<ScenarioError>),
    /// The cancel flag was set.
    #[error("cancelled")]
    Cancelled,
}

/// The fix a fixed pool of another tier gives, as the start of the
/// quota refusal's advice (empty when no other tier meets).
fn other_tier_fix(other: Option<&FixedComparison>, pool: &str) -> String {
    other.map_or_else(String::new, |f| {
        format!(
            "a fixed pool of {count} x {tier} meets it within the quota (USD {day:.2} a day): set tier = \"{tier}\" on pool {pool} and plan again, or ",
            count = f.count,
            tier = f.tier,
            day = f.cost_per_day_usd.mean,
        )
    })
}

/// Replication counts as `10 + 20`.
fn joined(replications: &[u32]) -> String {
    let parts: Vec<String> = replications.iter().map(u32::to_string).collect();
    parts.join(" + ")
}

/// The objectives a schedule is judged on: the wait objectives (each
/// with its window and rule) alone; a cost cap is checked on the result
/// (cost only falls as the search trims).
pub(super) fn wait_objective(s: &Scenario) -> Objectives {
    Objectives {
        max_cost_per_day_usd: None,
        ..s.objectives()
    }
}

/// Whether a wait objective of a run has no value (no run arrived where it
/// looks): nothing to judge, which the search must not read as a miss to
/// repair.
pub(super) fn undefined_wait(run: &RunSummary) -> bool {
    run.slo
        .iter()
        .flat_map(|v| &v.objectives)
        .any(|o| o.kind == ObjectiveKind::WaitP95 && o.value.is_nan())
}

/// Designs the cheapest schedule for `req.pool` (see the module's notes
/// for how, and what it guarantees).
pub fn plan_schedule(
    req: &ScheduleRequest,
    cancel: &AtomicBool,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<SchedulePlan, ScheduleError> {
    let (mut search, first, most) = prepared(req, cancel, progress)?;
    let fixed = cheapest_fixed(req, search.pool, most, cancel, progress)?;
    let searched = confirmed_search(&mut search, first);
    let (counts, confirmation) = match with_constant_candidate(&mut search, searched, &fixed) {
        Err(capped @ ScheduleError::QuotaCapped { .. }) => {
            return Err(with_quota_that_meets(req, capped, cancel, progress));
        }
        found => found?,
    };
    finished(req, search, counts, confirmation, fixed)
}

/// The quota refusal `capped` naming the quota within which a schedule
/// meets, found by the search with the pool's quota raised to the most a
/// scenario may have (the refusal had named what M/M/c wants in the hours
/// capped: 84 vCPUs where a release burst of 40 builds at 17:45 needed
/// 140), or as it was when that search finds none or is interrupted.
fn with_quota_that_meets(
    req: &ScheduleRequest,
    mut capped: ScheduleError,
    cancel: &AtomicBool,
    progress: &(dyn Fn(Progress) + Sync),
) -> ScheduleError {
    let ScheduleError::QuotaCapped {
        kind,
        tier,
        vcpus,
        others_miss_too,
        ..
    } = &mut capped
    else {
        return capped;
    };
    let mut raised = req.scenario.clone();
    match kind {
        TierKind::Standard => raised.quota.standard_vcpu = MAX_QUOTA_VCPU,
        TierKind::Isolated => raised.quota.isolated_vcpu = MAX_QUOTA_VCPU,
    }
    let raised_req = ScheduleRequest {
        scenario: &raised,
        ..*req
    };
    let found = prepared(&raised_req, cancel, progress).and_then(|(mut search, first, _)| {
        let (counts, confirmation) = confirmed_search(&mut search, first)?;
        let held = &search.bounds.held;
        let needed = counts.iter().zip(held).map(|(&c, &h)| h + c * tier.vcpu());
        Ok(confirmation.confirmed().then(|| needed.max()).flatten())
    });
    match found {
        Ok(Some(meets)) => *vcpus = meets.max(*vcpus),
        Err(ScheduleError::Cancelled) => return ScheduleError::Cancelled,
        Err(ScheduleError::OtherPools(_)) => *others_miss_too = true,
        _ => {}
    }
    capped
}

/// The plan of `req` on the schedule `counts` found for a tighter wait
/// target (with the same seeds and replications): it meets this target
/// too, so a looser target is never planned dearer than a tighter one (the
/// search is a heuristic, and may find a dearer schedule for the looser
/// one). `None` when `counts` does not meet `req`'s objectives after all.
pub fn plan_schedule_from(
    req: &ScheduleRequest,
    counts: &[u32],
    cancel: &AtomicBool,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Option<SchedulePlan>, ScheduleError> {
    let (mut search, _, most) = prepared(req, cancel, progress)?;
    if counts.len() != HOURS || !search.meets_every_set(counts)? {
        return Ok(None);
    }
    let fixed = cheapest_fixed(req, search.pool, most, cancel, progress)?;
    let confirmation = search.confirm(counts, 1)?;
    finished(req, search, counts.to_vec(), confirmation, fixed).map(Some)
}

/// The search of `req`, before it runs: its bounds and judged set, the
/// first guess, and the most instances a constant count is tried with.
fn prepared<'a>(
    req: &ScheduleRequest<'a>,
    cancel: &'a AtomicBool,
    progress: &'a (dyn Fn(Progress) + Sync),
) -> Result<(Search<'a>, Vec<u32>, u32), ScheduleError> {
    let p = check_request(req)?;
    let s = req.scenario;
    let spec = &s.pools[p];
    let bounds = bounds(s, p)?;
    let first = compress(&bounds.need, req.max_changes_per_day);
    let lead_min = spec.provisioning.as_secs_f64().div_euclid(60.0) as u32
        + u32::from(spec.provisioning.as_secs_f64() % 60.0 > 0.0);
    let first_set = ReplicationSet {
        seed: s.simulation.seed,
        replications: s.simulation.replications,
        near_misses: true,
    };
    // The constant counts worth trying: what fits every hour, and not far
    // above what the busiest hour needs.
    let most = bounds
        .ceiling
        .iter()
        .copied()
        .min()
        .unwrap_or(0)
        .min(2 * first.iter().copied().max().unwrap_or(0) + 2);
    let search = Search {
        base: s,
        pool: p,
        lead_min,
        bounds,
        max_changes_per_day: req.max_changes_per_day,
        sets: vec![first_set],
        max_stranded: req.max_stranded,
        cache: HashMap::new(),
        failed: HashSet::new(),
        stranding_scale_ins: HashSet::new(),
        tried: 0,
        simulations: 0,
        cancel,
        progress,
    };
    Ok((search, first, most))
}

/// The plan of the schedule `counts` the search settled on, as its
/// `confirmation` found it: its rules, the recommended text, and its runs
/// on the judged seed and the confirmation's, simulated from that text.
fn finished(
    req: &ScheduleRequest,
    mut search: Search,
    counts: Vec<u32>,
    confirmation: Confirmation,
    fixed: FixedPools,
) -> Result<SchedulePlan, ScheduleError> {
    let s = req.scenario;
    let spec = &s.pools[search.pool];
    let mut warnings = search.bounds.warnings.clone();
    let judged = search.judged_runs_per_replication(&counts)?;
    if judged < THIN_JUDGE_RUNS {
        warnings.push(thin_judge(judged, spec.name.as_str(), s.slo.window));
    }
    let steps_down = counts
        .iter()
        .zip(counts.iter().cycle().skip(1))
        .any(|(a, b)| b < a);
    if spec.scale_in == crate::model::ScaleIn::Preempt && steps_down {
        warnings.push(format!(
            "pool {} stops its runs at a scale-in (scale_in = \"preempt\"): each step down of this schedule restarts the builds then running, and their wait after the restart is in no judged wait (a wait is counted when a run first starts); the plan only keeps them from being stranded across hours without instances. A scheduled pool is better drained (scale_in = \"drain\")",
            spec.name
        ));
    }
    let lead_min = search.lead_min;
    let rules = rules_of(&counts, lead_min);
    let recommended = recommended_text(req, &rules, lead_min)?;
    // The numbers printed are those of the recommended file itself.
    let mut chosen = from_str_in(&recommended, req.path, req.scope)
        .map_err(|e| ScheduleError::RecommendedInvalid(Box::new(e)))?;
    let first_set = search.sets[0];
    chosen.simulation.seed = first_set.seed;
    chosen.simulation.replications = first_set.replications;
    let (result, _) = search.simulate(&chosen, &counts, first_set.near_misses)?;
    let confirmed = confirmation.confirmed();
    let Confirmation {
        set,
        check,
        stranded,
        ..
    } = confirmation;
    chosen.simulation.seed = set.seed;
    chosen.simulation.replications = set.replications;
    let (confirmation, _) = search.simulate(&chosen, &counts, set.near_misses)?;
    let judged = SimDuration(s.simulation.horizon.0.saturating_sub(s.simulation.warmup.0));
    let stranding_check = StrandingCheck {
        seed: check.seed,
        replications: check.replications,
        days: f64::from(check.replications) * judged.as_secs_f64() / 86_400.0,
        stranded,
    };
    let simulations = search.simulations + fixed.simulations;
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
        stranding_check,
        fixed: fixed.same_tier.map_err(|why| why.to_string()),
        cheapest_fixed: fixed.cheapest,
        schedules_tried: search.tried,
        simulations,
        max_changes_per_day: req.max_changes_per_day,
        warnings,
    })
}

/// The search's schedule, or the cheapest constant count that meets when
/// the search found nothing (a quota it could not plan within, other
/// pools' runs, no settling) or nothing cheaper: a constant count needs no
/// scale-up, so long provisioning or cold starts do not hurt it. A quota
/// refusal names the cheapest fixed pool of another tier that meets, when
/// one does.
fn with_constant_candidate(
    search: &mut Search,
    searched: Result<(Vec<u32>, Confirmation), ScheduleError>,
    fixed: &FixedPools,
) -> Result<(Vec<u32>, Confirmation), ScheduleError> {
    Ok(match (searched, &fixed.same_tier) {
        (Ok(found), Ok(f)) if instance_hours(&found.0) <= u64::from(f.count) * HOURS as u64 => {
            found
        }
        (
            Ok(_)
            | Err(
                ScheduleError::QuotaCapped { .. }
                | ScheduleError::OtherPools(_)
                | ScheduleError::Unsettled(_),
            ),
            Ok(f),
        ) => constant_schedule(search, f.count)?,
        (
            Err(ScheduleError::QuotaCapped {
                tier,
                other_tier: _,
                replications,
                kind,
                pool,
                vcpus,
                others_miss_too,
            }),
            _,
        ) => {
            return Err(ScheduleError::QuotaCapped {
                other_tier: fixed
                    .cheapest
                    .clone()
                    .filter(|f| f.tier != tier)
                    .map(Box::new),
                replications,
                kind,
                pool,
                tier,
                vcpus,
                others_miss_too,
            });
        }
        (found, _) => found?,
    })
}

/// Runs a replication's p95 needs to be more than its largest wait.
const THIN_JUDGE_RUNS: f64 = 20.0;

/// The warning for a verdict that rests on few runs.
fn thin_judge(runs: f64, pool: &str, window: Option<crate::model::Window>) -> String {
    let place = window.map_or_else(
        || "after the warm-up".to_string(),
        |w| format!("inside [slo] window \"{w}\""),
    );
    format!(
        "the verdict rests on {runs:.1} runs of pool {pool} a replication {place}: a p95 of fewer than {THIN_JUDGE_RUNS:.0} runs is their largest wait; widen the window or lengthen [simulation] horizon"
    )
}

/// Hours in the week a profile spans.
const HOURS: usize = crate::model::HOURS_OF_WEEK;

/// Instance-hours of a weekly profile.
fn instance_hours(counts: &[u32]) -> u64 {
    counts.iter().map(|&c| u64::from(c)).sum()
}

/// The constant schedule from `count` up: the first count that meets on
/// every judged set (the fixed count's search saw the first alone), then
/// confirmed on a seed the search never saw.
fn constant_schedule(
    search: &mut Search,
    count: u32,
) -> Result<(Vec<u32>, Confirmation), ScheduleError> {
    let top = search.bounds.ceiling.iter().copied().min().unwrap_or(count);
    let mut counts = vec![count; HOURS];
    while counts[0] < top && !search.meets_every_set(&counts)? {
        counts = vec![counts[0] + 1; HOURS];
    }
    let confirmation = search.confirm(&counts, 1)?;
    Ok((counts, confirmation))
}

/// Repair, trim and confirmation from `first`, for up to `CONFIRM_ROUNDS`
/// rounds: the counts found and their last confirmation.
fn confirmed_search(
    search: &mut Search,
    first: Vec<u32>,
) -> Result<(Vec<u32>, Confirmation), ScheduleError> {
    let mut counts = first;
    let mut round = 1;
    loop {
        counts = search.repair(counts)?;
        counts = search.trim(counts)?;
        let confirmation = search.confirm(&counts, round)?;
        if confirmation.confirmed() || round == CONFIRM_ROUNDS {
            return Ok((counts, confirmation));
        }
        if !confirmation.meets {
            // Judge on these replications too from now on.
            search.sets.push(confirmation.set);
        }
        if confirmation.stranded_elsewhere {
            // Only then the check's: a stranding at a scale-in to 0 is
            // remembered instead, and its many replications would
            // multiply the cost of every later schedule (a 60-minute
            // plan of long builds had taken 28,862 simulations).
            search.sets.push(confirmation.check);
        }
        round += 1;
    }
}

/// The scenario's text with `rules` as the pool's scaling, and a comment
/// that says where they came from.
fn recommended_text(
    req: &ScheduleRequest,
    rules: &[PlannedRule],
    lead_min: u32,
) -> Result<String, ScheduleError> {
    let comment = format!(
        "Designed by `poolcast plan --schedule {}` (at most {} changes a day): each\nscale-up fires {lead_min} min early, the pool's provisioning time, so its\ninstances are ready on the hour; a scale-down fires on the hour. Apply it\nwith apply-schedule.yml.",
        req.pool, req.max_changes_per_day
    );
    Ok(with_pool_scaling(
        req.source,
        req.pool,
        &ScalingEdit::Schedule {
            rules: rules.iter().map(|r| (r.cron.clone(), r.count)).collect(),
            comment: Some(comment),
        },
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Per;
    use crate::scenario::with_default_per;

    /// The bundled team's scenario file.
    const TEAM: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/plan-schedule.toml");

    /// The bundled team's text and scenario, judged hour by hour.
    fn bundled_team() -> (String, Scenario) {
        let path = Path::new(TEAM);
        let text = std::fs::read_to_string(path).expect("the bundled scenario");
        let source = with_default_per(&text, Per::Hour).expect("editable");
        let s = crate::scenario::from_str(&source, path).expect("valid");
        (source, s)
    }

    /// The request to plan its pool with the default bounds.
    fn request<'a>(source: &'a str, s: &'a Scenario) -> ScheduleRequest<'a> {
        ScheduleRequest {
            source,
            path: Path::new(TEAM),
            scenario: s,
            pool: "builders",
            max_changes_per_day: DEFAULT_MAX_CHANGES_PER_DAY,
            max_stranded: SimDuration::from_secs(3600),
            scope: FileScope::Anywhere,
        }
    }

    /// A lowering of an hour already at 0 (a block dropped before its own
    /// edge, listed earlier) is no lowering: nothing is simulated, no
    /// count wraps round.
    #[test]
    fn no_hour_is_lowered_below_zero() {
        let (source, s) = bundled_team();
        let req = request(&source, &s);
        let cancel = AtomicBool::new(false);
        let (mut search, _, _) = prepared(&req, &cancel, &|_| {}).expect("a request");
        let mut counts = vec![1; HOURS];
        counts[18] = 0;
        let lowered = search.lowered(&counts, &[17, 18]).expect("no error");
        assert_eq!(lowered, None);
        assert_eq!(search.simulations, 0);
    }

    /// A schedule that misses on the first judged set is not simulated on
    /// the others (a miss on one is a miss on all): trim's failed
    /// lowerings cost the search's own set alone.
    #[test]
    fn a_miss_on_the_first_set_simulates_no_other() {
        let (source, s) = bundled_team();
        let req = request(&source, &s);
        let cancel = AtomicBool::new(false);
        let (mut search, _, _) = prepared(&req, &cancel, &|_| {}).expect("a request");
        let first = search.sets[0];
        search.sets.push(ReplicationSet {
            seed: first.seed + 1,
            replications: CONFIRM_REPLICATIONS,
            near_misses: true,
        });
        // One instance all week: the workday's runs wait for hours.
        let meets = search.meets_every_set(&[1; HOURS]).expect("simulated");
        assert!(!meets);
        assert_eq!(search.simulations, u64::from(first.replications));
    }

    /// Issue 26: no single-block decrement of the schedule found still
    /// meets on the sets it was judged on, the instance after the last
    /// builds included (it had been kept as a floor, although dropping it
    /// met the same judge).
    #[test]
    fn no_single_block_decrement_of_the_plan_meets() {
        let (source, s) = bundled_team();
        let req = request(&source, &s);
        let cancel = AtomicBool::new(false);
        let (mut search, first, _) = prepared(&req, &cancel, &|_| {}).expect("a request");
        let (counts, _) = confirmed_search(&mut search, first).expect("a schedule");
        let mut tried = 0;
        for hours in search::decrements(&counts, &[0; HOURS]) {
            let mut lower = counts.clone();
            for &h in &hours {
                lower[h] -= 1;
            }
            if profile::changes_per_day(&lower)
                .iter()
                .any(|&c| c > req.max_changes_per_day)
            {
                continue;
            }
            tried += 1;
            let e = search.evaluate(&lower).expect("simulated");
            assert!(
                !e.meets,
                "lowering hours {hours:?} of {counts:?} still meets"
            );
        }
        assert!(tried > 0);
    }

    /// Issue 26: with a 10-minute target the search had scaled to none at
    /// 18:00 on Fridays while Monday to Thursday kept an instance until
    /// 20:00 (runs queued at their 18:00 scale-in); a build queued into
    /// Friday's waited for Monday on a seed the search never saw. A
    /// scale-in is judged on the runs queued at it on every alike day.
    #[test]
    fn a_weekday_that_scales_in_earlier_than_its_alike_days_misses() {
        let (source, s) = bundled_team();
        let source = source.replace("wait_p95 = \"5m\"", "wait_p95 = \"10m\"");
        let s10 = crate::scenario::from_str(&source, Path::new(TEAM)).expect("valid");
        assert_ne!(s10.slo.wait_p95, s.slo.wait_p95);
        let req = request(&source, &s10);
        let cancel = AtomicBool::new(false);
        let (mut search, _, _) = prepared(&req, &cancel, &|_| {}).expect("a request");
        // Judged as at the search's last round: its own set and the two
        // confirmations that had missed.
        let first = search.sets[0];
        for round in 1..3 {
            search.sets.push(ReplicationSet {
                seed: first.seed + round,
                replications: CONFIRM_REPLICATIONS,
                near_misses: true,
            });
        }
        let at = |d: usize, h: usize| crate::model::HourOfWeek::new(d, h).index();
        // That plan: 7 from 09:00, 8 from 15:00, 1 from 18:00 to 20:00 on
        // Monday to Thursday, none from 18:00 on Friday.
        let mut counts = profile::tests::workday(7, 0);
        for d in 0..5 {
            for h in 15..18 {
                counts[at(d, h)] = 8;
            }
        }
        let mut every_day = counts.clone();
        for d in 0..5 {
            every_day[at(d, 18)] = 1;
            every_day[at(d, 19)] = 1;
        }
        let mut friday_apart = every_day.clone();
        friday_apart[at(4, 18)] = 0;
        friday_apart[at(4, 19)] = 0;
        let apart = search.evaluate(&friday_apart).expect("simulated");
        assert!(!apart.meets);
        assert!(apart.counts.stranded[at(4, 18)] > 0);
        assert!(search.evaluate(&every_day).expect("simulated").meets);
        // Nor does trim bring that scale-in back under another schedule,
        // whose judged sets may not show the rare stranding again (seed
        // 21's 5-minute plan did so three times, and missed): refused
        // without a simulation.
        let mut busier = every_day.clone();
        for h in 9..15 {
            busier[at(2, h)] = 8;
        }
        let simulations = search.simulations;
        let lowered = search.lowered(&busier, &[at(4, 18), at(4, 19)]);
        assert_eq!(lowered.expect("no error"), None);
        assert_eq!(search.simulations, simulations);
    }

    /// A run queued in the half hour before a scale-in to none takes
    /// effect is a near miss, stranded as a run queued then is: the
    /// bundled team's plan of the last stop (8 from 09:00, 9 from 13:00,
    /// none from 18:00) met on its 50 judged evenings, and stranded builds
    /// overnight on 1 evening in 160 of new seeds.
    #[test]
    fn a_queue_in_the_half_hour_before_a_scale_in_to_none_strands() {
        let (source, s) = bundled_team();
        let req = request(&source, &s);
        let cancel = AtomicBool::new(false);
        let (mut search, _, _) = prepared(&req, &cancel, &|_| {}).expect("a request");
        let at = |d: usize, h: usize| crate::model::HourOfWeek::new(d, h).index();
        let mut counts = profile::tests::workday(8, 0);
        for d in 0..5 {
            for h in 13..18 {
                counts[at(d, h)] = 9;
            }
        }
        let e = search.evaluate(&counts).expect("simulated");
        assert!(!e.meets);
        assert!((0..5).all(|d| e.counts.stranded[at(d, 18)] > 0));
        // An instance an hour longer: its queue is gone by 18:35.
        let mut longer = counts.clone();
        for d in 0..5 {
            longer[at(d, 18)] = 1;
        }
        assert!(search.evaluate(&longer).expect("simulated").meets);
        // The stranding check counts only the runs queued when a scale-in
        // takes effect: the same evenings show none.
        search.sets[0].near_misses = false;
        search.stranding_scale_ins.clear();
        assert!(search.evaluate(&counts).expect("simulated").meets);
    }

    /// An objective over two pools missed in hours where the scheduled
    /// pool has no run (another pool's thin night hours) is missed by the
    /// other pool's runs: no count of this pool changes it (the planner
    /// had asked to raise the quota to 68 vCPUs).
    #[test]
    fn an_objective_missed_only_where_the_pool_has_no_runs_names_the_other_pools() {
        let (source, _) = bundled_team();
        let heavy = "[[pool]]\nname = \"heavy\"\ntier = \"S3\"\nscaling = { policy = \"schedule\", rules = [ { cron = \"0 9 * * 1-5\", count = 3 }, { cron = \"0 17 * * 1-5\", count = 2 } ] }\n\n[[workload]]\nname = \"big\"\npool = \"heavy\"\narrival = { process = \"poisson\", rate = \"1/h\" }\nduration = { dist = \"exponential\", mean = \"20m\" }\n\n[slo]";
        let source = source
            .replace("standard_vcpu = 40", "standard_vcpu = 64")
            .replace("[slo]", heavy);
        let s = crate::scenario::from_str(&source, Path::new(TEAM)).expect("valid");
        assert_eq!(s.pools.len(), 2);
        let req = request(&source, &s);
        let cancel = AtomicBool::new(false);
        let planned = plan_schedule(&req, &cancel, &|_| {});
        assert!(
            matches!(planned, Err(ScheduleError::OtherPools(ref p)) if p == "builders"),
            "{planned:?}"
        );
    }

    /// Repair keeps to the changes a day: a run stranded at a scale-in
    /// to 0 moves it an hour later, or gets an instance over the stretch
    /// without instances, where one instance more in its first hour would
    /// be a change too many. A release burst of 40 builds at 17:45 had
    /// been planned with five rules a weekday under "at most 4"; a late
    /// team (14:00-23:00, the burst at 22:45) under "at most 3" with four
    /// changes on Wednesday to Friday, the scale-in carried past midnight.
    #[test]
    fn repair_keeps_to_the_changes_a_day() {
        let (team, _) = bundled_team();
        let late_hours =
            "hourly = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0]";
        let cases = [("45 17", 4, None), ("45 22", 3, Some(late_hours))];
        for (at, most, hours) in cases {
            let release = format!(
                "[[workload]]\nname = \"release\"\npool = \"builders\"\narrival = {{ process = \"cron\", schedule = \"{at} * * 1-5\", tasks = 40 }}\nduration = {{ dist = \"lognormal\", median = \"6m\", p95 = \"25m\" }}\n\n[slo]"
            );
            let mut source = team
                .replace("standard_vcpu = 40", "standard_vcpu = 160")
                .replace("[slo]", &release);
            if let Some(hours) = hours {
                let workday = source.lines().find_map(|l| {
                    l.find("hourly = [")
                        .map(|i| l[i..].split(']').next().unwrap_or("").to_string() + "]")
                });
                source = source.replacen(&workday.expect("an hourly profile"), hours, 1);
            }
            let s = crate::scenario::from_str(&source, Path::new(TEAM)).expect("valid");
            assert_eq!(s.workloads.len(), 2);
            let mut req = request(&source, &s);
            req.max_changes_per_day = most;
            let cancel = AtomicBool::new(false);
            let plan = plan_schedule(&req, &cancel, &|_| {}).expect("a plan");
            let changes = profile::changes_per_day(&plan.counts);
            assert!(
                changes.iter().all(|&c| c <= most),
                "{at}: {changes:?}: {:?}",
                plan.rules
            );
            assert!(plan.confirmed, "{at}");
        }
    }

    /// The stranding check simulates `STRANDING_CHECK_DAYS` days past the
    /// warm-up, whatever the scenario's replications; `plan --schedule`
    /// holds at most its result beside its confirmation, or the check.
    #[test]
    fn the_stranding_check_simulates_its_days() {
        let (_, s) = bundled_team();
        let mut sim = s.simulation.clone();
        // 8 days, 1 of them warm-up: 7 judged days a replication.
        let days = u32::try_from(STRANDING_CHECK_DAYS).expect("a few thousand");
        assert_eq!(stranding_check_replications(&sim), days.div_ceil(7));
        assert_eq!(held_replications(&sim), days.div_ceil(7));
        sim.replications = days;
        assert_eq!(stranding_check_replications(&sim), days.div_ceil(7));
        assert_eq!(held_replications(&sim), 2 * days);
        sim.horizon = SimDuration::from_secs(u64::from(days) * 86_400);
        assert_eq!(stranding_check_replications(&sim), 2);
    }

    /// A pool that stops its runs at a scale-in (`scale_in = "preempt"`)
    /// queues them again there: a scale-in to none strands them until the
    /// morning, though none of them was waiting when it fired (the review
    /// of issue 26 found builds restarted 15 hours later under a plan that
    /// had met).
    #[test]
    fn runs_stopped_by_a_scale_in_to_none_are_stranded() {
        let (source, _) = bundled_team();
        let source = source.replace("provisioning = ", "scale_in = \"preempt\"\nprovisioning = ");
        let s = crate::scenario::from_str(&source, Path::new(TEAM)).expect("valid");
        assert_eq!(s.pools[0].scale_in, crate::model::ScaleIn::Preempt);
        let req = request(&source, &s);
        let cancel = AtomicBool::new(false);
        let (mut search, _, _) = prepared(&req, &cancel, &|_| {}).expect("a request");
        let at = |d: usize, h: usize| crate::model::HourOfWeek::new(d, h).index();
        // Nine through the workday, none from 18:00: busy instances at
        // 18:05 stop their runs.
        let counts = profile::tests::workday(9, 0);
        let e = search.evaluate(&counts).expect("simulated");
        assert!(!e.meets);
        assert!((0..5).all(|d| e.counts.stranded[at(d, 18)] > 0));
    }

    /// A plan whose confirmation missed is a missed plan, whatever missed
    /// (the exit code reads `misses`, as the table's `MISSED` does): it had
    /// exited 0 unless it missed its cost cap.
    #[test]
    fn a_plan_whose_confirmation_missed_misses() {
        let (source, s) = bundled_team();
        let req = request(&source, &s);
        let cancel = AtomicBool::new(false);
        let plan = |confirmed: bool| {
            let (search, first, _) = prepared(&req, &cancel, &|_| {}).expect("a request");
            let set = search.sets[0];
            let why = fixed::NoFixedCount::NoneMeets {
                most: 1,
                tier: crate::model::Tier::S2,
            };
            let fixed = FixedPools::none(why);
            let confirmation = Confirmation {
                set,
                meets: confirmed,
                check: set,
                stranded: false,
                stranded_elsewhere: false,
            };
            finished(&req, search, first, confirmation, fixed).expect("a plan")
        };
        assert!(plan(false).misses());
        assert!(!plan(true).misses());
    }
}
