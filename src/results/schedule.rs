//! What `plan --schedule` found, as plain data: the plan the search builds
//! and every output (the printed plan, `schedule.json`, `schedule.csv`,
//! the frontier, the appliers) reads, with its verdict read once from the
//! one judge's (`stats::judge`) objectives.

use serde::Serialize;

use super::{Estimate, Judged, ObjectiveKind, RunSummary, TotalMetric};
use crate::model::Tier;
use crate::units::SimDuration;

/// The name of the bound on the wait of runs no objective judges (the
/// flag `--max-stranded`).
const MAX_STRANDED: &str = "max_stranded";

/// One rule of the schedule found (a row of `schedule.csv`, an entry of
/// `schedule.json`'s `rules`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlannedRule {
    /// When it fires (five-field cron, on the scenario's clock): a scale-up
    /// the provisioning lead before the count is needed, a scale-down on
    /// the hour its lower count is in force.
    pub cron: String,
    /// The count it sets.
    pub count: u32,
    /// When the count is in force, in words (`Mon-Fri 09:00`).
    pub in_force: String,
}

/// A fixed pool meeting the same objective: the cheapest count of one
/// tier (by `plan`'s search over the count).
#[derive(Debug, Clone, PartialEq)]
pub struct FixedComparison {
    /// The tier.
    pub tier: Tier,
    /// Instances.
    pub count: u32,
    /// Compute cost per day, USD (mean and interval).
    pub cost_per_day_usd: Estimate,
    /// The deciding objective's judged p95 wait, seconds.
    pub wait_p95_s: Judged,
}

impl FixedComparison {
    /// What a schedule costing `cost_per_day_usd` a day (mean) saves
    /// against this fixed pool, as a fraction of the pool's cost (negative
    /// when it costs more; NaN against a pool that costs nothing).
    pub fn saving(&self, cost_per_day_usd: f64) -> f64 {
        let fixed = self.cost_per_day_usd.mean;
        if fixed > 0.0 {
            1.0 - cost_per_day_usd / fixed
        } else {
            f64::NAN
        }
    }
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
    /// of its interval, and neither it nor its stranding check strands a
    /// run.
    pub confirmed: bool,
    /// The confirmation's stranding check.
    pub stranding_check: StrandingCheck,
    /// The cheapest fixed count of the pool's tier meeting the wait
    /// objectives, or why there is no comparison, in words.
    pub fixed: Result<FixedComparison, String>,
    /// The cheapest fixed pool meeting them over every tier the quota
    /// allows.
    pub cheapest_fixed: Option<FixedComparison>,
    /// Schedules simulated.
    pub schedules_tried: usize,
    /// Replications run, the fixed-count search and confirmation included.
    pub simulations: u64,
    /// The most count changes a day allowed.
    pub max_changes_per_day: u32,
    /// What the plan could not do as asked (hours outside `[slo] window`
    /// given less than their load), in words.
    pub warnings: Vec<String>,
}

impl SchedulePlan {
    /// Whether the confirmation meets every objective, the cost cap
    /// included, on the upper end of its interval: the plan's verdict.
    pub fn confirms(&self) -> bool {
        self.confirmed && !misses_cost(&self.confirmation)
    }

    /// Whether the plan misses: its confirmation misses an objective, the
    /// bound on stranded runs or the cost cap, or the judged seed the
    /// cost cap. What the table and `schedule.json` say (`MISSED`,
    /// `met_upper95`), read as exit code 1, as `check` gives.
    pub fn misses(&self) -> bool {
        !self.confirms() || misses_cost(&self.result)
    }

    /// What the confirmation missed, by the keys that set it: each
    /// objective missed on the upper bound (`wait_p95`,
    /// `max_cost_per_day`), and `max_stranded` when runs no objective
    /// judges waited longer than that bound.
    pub fn missed(&self) -> Vec<&'static str> {
        let mut missed: Vec<&'static str> = Vec::new();
        for o in self.confirmation.slo.iter().flat_map(|v| &v.objectives) {
            if !o.met_upper95 && !missed.contains(&o.kind.name()) {
                missed.push(o.kind.name());
            }
        }
        if !self.confirmed && meets_waits(&self.confirmation) {
            missed.push(MAX_STRANDED);
        }
        missed
    }

    /// The schedule's compute cost per day, USD, on the judged seed.
    pub fn cost_per_day_usd(&self) -> Estimate {
        self.result.totals.get(TotalMetric::CostPerDayUsd)
    }
}

/// The stranding check of a plan's confirmation: strandings alone, judged
/// over many more days than the waits (a rare event).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct StrandingCheck {
    /// Its seed.
    pub seed: u64,
    /// Its replications.
    pub replications: u32,
    /// The days it simulated after the warm-ups.
    pub days: f64,
    /// Whether a run was stranded.
    pub stranded: bool,
}

/// Whether a run meets every wait objective on the upper 95% bound (the
/// one judge's verdict, read).
pub fn meets_waits(run: &RunSummary) -> bool {
    run.slo.as_ref().is_some_and(|v| {
        v.objectives
            .iter()
            .filter(|o| o.kind == ObjectiveKind::WaitP95)
            .all(|o| o.met_upper95)
    })
}

/// Whether a run misses the cost cap on the upper 95% bound (the one
/// judge's verdict, read): the plan's verdict then, exit code 1.
pub fn misses_cost(run: &RunSummary) -> bool {
    run.slo.as_ref().is_some_and(|v| {
        v.objectives
            .iter()
            .any(|o| o.kind == ObjectiveKind::MaxCostPerDay && !o.met_upper95)
    })
}

/// The deciding wait objective's judged value of a run (the first wait
/// objective's; NaN without one), read from its verdict.
pub fn judged_wait(run: &RunSummary) -> Judged {
    run.slo
        .iter()
        .flat_map(|v| &v.objectives)
        .find(|o| o.kind == ObjectiveKind::WaitP95)
        .map_or_else(
            || Judged::of(Estimate::from_samples(&[])),
            |o| Judged {
                value: o.value,
                value_upper95: o.value_upper95,
                has_interval: o.has_interval,
                worst_hour: o.worst_hour,
                thin_hours: o.thin_hours,
                alike_hours: o.alike_hours,
            },
        )
}

/// One target of `plan --schedule --targets` and what planning for it
/// gave.
#[derive(Debug, Clone)]
pub struct TargetPlan {
    /// The `[slo] wait_p95` target.
    pub target: SimDuration,
    /// The plan, or why there is none, in words.
    pub plan: Result<SchedulePlan, String>,
    /// The tighter target whose schedule this target's plan is, when that
    /// costs less than the schedule searched for this one.
    pub same_as: Option<SimDuration>,
}

impl TargetPlan {
    /// The target as file names and the table write it (`5m`, `1h30m`).
    pub fn label(&self) -> String {
        target_label(self.target)
    }
}

/// A wait target as file names and the table write it (`5m`, `1h30m`).
pub fn target_label(target: SimDuration) -> String {
    target.to_string().replace(' ', "")
}

/// `plan --schedule --targets`: a schedule for each wait target, in
/// rising order of the target (the cost-wait frontier).
#[derive(Debug, Clone)]
pub struct Frontier {
    /// The scenario's name.
    pub scenario: String,
    /// The pool scheduled.
    pub pool: String,
    /// Its tier in the scenario (`None` when it has no such pool: then no
    /// target has a plan either).
    pub tier: Option<Tier>,
    /// Each target's plan.
    pub targets: Vec<TargetPlan>,
}

impl Frontier {
    /// The frontier's verdict: missed when a target has no plan or a plan
    /// misses (`SchedulePlan::misses`: exit code 1, as `check` gives).
    pub fn missed(&self) -> bool {
        self.targets.iter().any(|t| match &t.plan {
            Ok(p) => p.misses(),
            Err(_) => true,
        })
    }

    /// The targets that have a plan, with it.
    pub fn plans(&self) -> impl Iterator<Item = (&TargetPlan, &SchedulePlan)> {
        self.targets
            .iter()
            .filter_map(|t| t.plan.as_ref().ok().map(|p| (t, p)))
    }
}
