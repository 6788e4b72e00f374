//! `plan --schedule`'s outputs: the printed plan, `schedule.json` (by
//! serde, in the order of the README's keys) and `schedule.csv`, from the
//! plan as `results` holds it. The verdicts are the one judge's, read.

use serde::Serialize;

use super::json::pretty;
use super::verdict::{met_word, verdict_lines};
use crate::model::Tier;
use crate::results::schedule::{
    FixedComparison, PlannedRule, SchedulePlan, StrandingCheck, judged_wait,
};
use crate::results::{Estimate, Judged, ObjectiveKind, ObjectiveVerdict, RunSummary};
use crate::text::counted;

/// What `plan --schedule`'s files are written from.
pub struct ScheduleFiles<'a> {
    /// The plan.
    pub plan: &'a SchedulePlan,
    /// The scenario's name.
    pub scenario: &'a str,
    /// `recommended.toml`: the scenario with the plan's schedule, as it
    /// runs from the output folder.
    pub recommended: String,
}

impl ScheduleFiles<'_> {
    /// The files named from the plan (`Exporter::Named`): the recommended
    /// scenario, then the files that apply it to a real pool.
    pub fn named(&self) -> Vec<(String, String)> {
        let recommended = ("recommended.toml".to_string(), self.recommended.clone());
        let appliers = super::apply::applier_files(self.plan, self.scenario);
        let appliers = appliers.into_iter().map(|(n, t)| (n.to_string(), t));
        std::iter::once(recommended).chain(appliers).collect()
    }
}

/// Seconds as minutes with two decimals.
pub(super) fn minutes(s: f64) -> String {
    format!("{:.2} min", s / 60.0)
}

/// The confirmation's verdict in words: `met`, or `MISSED` and what it
/// missed, by the keys that set it (`MISSED (max_cost_per_day)`).
pub(super) fn confirmed_words(plan: &SchedulePlan) -> String {
    let missed = plan.missed();
    if missed.is_empty() {
        met_word(true).to_string()
    } else {
        format!("{} ({})", met_word(false), missed.join(", "))
    }
}

/// A run's verdict lines, indented under a heading.
fn verdict_block(t: &mut String, heading: &str, run: &RunSummary) {
    t.push_str(heading);
    t.push('\n');
    for line in run.slo.iter().flat_map(verdict_lines) {
        t.push_str(&format!("  {line}\n"));
    }
}

/// The rules as a table: number, cron (on the scenario's clock), count,
/// and when the count is in force, left-aligned.
fn rules_table(plan: &SchedulePlan) -> String {
    let cron_head = format!("cron ({})", plan.result.context.calendar.zone());
    let head = ["rule", cron_head.as_str(), "count", "in force from"];
    let rows: Vec<[String; 4]> = plan
        .rules
        .iter()
        .enumerate()
        .map(|(i, r)| {
            [
                (i + 1).to_string(),
                r.cron.clone(),
                r.count.to_string(),
                r.in_force.clone(),
            ]
        })
        .collect();
    let width = |c: usize| {
        rows.iter()
            .map(|r| r[c].len())
            .chain([head[c].len()])
            .max()
            .unwrap_or(0)
    };
    let widths: Vec<usize> = (0..4).map(width).collect();
    let line = |cells: [&str; 4]| {
        let mut l = String::new();
        for (i, c) in cells.iter().enumerate() {
            if i + 1 < cells.len() {
                l.push_str(&format!("{c:<w$}  ", w = widths[i]));
            } else {
                l.push_str(c);
            }
        }
        l.push('\n');
        l
    };
    let mut t = line(head);
    for r in &rows {
        t.push_str(&line([&r[0], &r[1], &r[2], &r[3]]));
    }
    t
}

/// What `plan --schedule` prints: the rules, the cost, the wait against
/// the target (and on the confirmation seed), and the fixed count compared.
pub fn schedule_text(plan: &SchedulePlan, name: &str) -> String {
    let mut t = format!(
        "{name}: a schedule for pool {} ({}), at most {} a day; {} simulated ({})\n\n",
        plan.pool,
        plan.tier,
        counted(plan.max_changes_per_day, "count change"),
        counted(plan.schedules_tried as u64, "schedule"),
        counted(plan.simulations, "simulation")
    );
    t.push_str(&rules_table(plan));
    t.push_str(&lead_line(plan));
    let cost = plan.cost_per_day_usd();
    t.push_str(&format!(
        "cost: USD {:.2} a day, about USD {:.0} a month (30 days)\n",
        cost.mean,
        cost.mean * 30.0
    ));
    verdicts(&mut t, plan);
    t.push_str(&fixed_lines(plan, cost.mean));
    t
}

/// When the rules fire: or, when no hour differs, that a fixed pool is
/// the same plan.
fn lead_line(plan: &SchedulePlan) -> String {
    match plan.counts.split_first() {
        // No hour differs: the rules change nothing, a fixed pool is it.
        Some((&n, rest)) if rest.iter().all(|&c| c == n) => format!(
            "the count is {n} in every hour: a fixed pool of {n} x {} is the same plan, with no schedule to apply\n\n",
            plan.tier
        ),
        _ => format!(
            "each scale-up fires {} before its count is needed (the pool's provisioning time), each scale-down on the hour\n\n",
            plan.lead
        ),
    }
}

/// The verdicts on the judged seed and on the confirmation's.
fn verdicts(t: &mut String, plan: &SchedulePlan) {
    verdict_block(
        t,
        &format!(
            "judged ({}, seed {}); a schedule must meet every objective on its upper 95% bound:",
            counted(plan.result.replications, "replication"),
            plan.result.seed
        ),
        &plan.result,
    );
    verdict_block(
        t,
        &format!(
            "confirmed on a new seed ({}, {} replications): {}",
            plan.confirmation.seed,
            plan.confirmation.replications,
            confirmed_words(plan)
        ),
        &plan.confirmation,
    );
    let check = &plan.stranding_check;
    t.push_str(&format!(
        "stranding check on {:.0} more days (seed {}, {} replications): {}\n",
        check.days,
        check.seed,
        check.replications,
        if check.stranded {
            "runs stranded, MISSED"
        } else {
            "no run stranded"
        }
    ));
}

/// The fixed pools compared: of the pool's tier, and the cheapest of any
/// tier when that is another.
fn fixed_lines(plan: &SchedulePlan, cost: f64) -> String {
    let mut t = match &plan.fixed {
        Ok(f) => compared(
            &format!("cheapest fixed count of {} that meets it", plan.tier),
            f,
            cost,
        ),
        Err(why) => format!("no fixed count to compare with: {why}\n"),
    };
    match &plan.cheapest_fixed {
        Some(f) if f.tier != plan.tier => {
            t.push_str(&compared(
                "cheapest fixed pool of any tier the quota allows",
                f,
                cost,
            ));
            // The schedule is of the scenario's tier; the same search on
            // the cheaper one may save as much again (the bundled team's
            // schedule on S1 costs half its schedule on S2).
            t.push_str(&format!(
                "a schedule of {tier} may cost less still: set tier = \"{tier}\" on pool {} and plan again\n",
                plan.pool,
                tier = f.tier
            ));
        }
        Some(_) => t.push_str(&format!(
            "no other tier the quota allows is cheaper as a fixed pool than {}\n",
            plan.tier
        )),
        None => {}
    }
    t
}

/// A line comparing the schedule's cost per day with fixed pool `f`: what
/// it saves, or what it costs more (a negative saving read as one).
fn compared(what: &str, f: &FixedComparison, cost: f64) -> String {
    let day = f.cost_per_day_usd.mean;
    let (verb, share, usd) = if cost > day {
        ("costs", -f.saving(cost), cost - day)
    } else {
        ("saves", f.saving(cost), day - cost)
    };
    let more = if cost > day { " more" } else { "" };
    format!(
        "{what}: {} x {} at USD {day:.2} a day (wait p95 {}); the schedule {verb} {:.1}%{more} (USD {usd:.2} a day, about USD {:.0} a month)\n",
        f.count,
        f.tier,
        minutes(f.wait_p95_s.value),
        share * 100.0,
        usd * 30.0
    )
}

/// `schedule.json` and `plan --schedule --format json`.
pub fn schedule_json(plan: &SchedulePlan, name: &str) -> String {
    pretty(&PlanJson::of(plan, name))
}

/// `schedule.csv` and `plan --schedule --format csv`: the rules.
pub fn schedule_csv(plan: &SchedulePlan) -> String {
    let mut c = String::from("cron,count,in_force\n");
    for r in &plan.rules {
        c.push_str(&format!("{},{},{}\n", r.cron, r.count, r.in_force));
    }
    c
}

/// The plan as `schedule.json` holds it, key by key in its order.
#[derive(Serialize)]
pub(super) struct PlanJson<'a> {
    scenario: &'a str,
    pool: &'a str,
    tier: Tier,
    max_changes_per_day: u32,
    lead_s: f64,
    rules: &'a [PlannedRule],
    count_by_hour_of_week: &'a [u32],
    cost_per_day_usd: Estimate,
    cost_per_month_usd: f64,
    wait_p95_target_s: Option<f64>,
    wait_p95_s: Judged,
    objectives: &'a [ObjectiveVerdict],
    met_upper95: bool,
    replications: u32,
    seed: u64,
    confirmation: ConfirmationJson<'a>,
    fixed: FixedJson<'a>,
    cheapest_fixed: Option<ComparedJson>,
    schedules_tried: usize,
    simulations: u64,
}

/// `schedule.json`'s `confirmation`.
#[derive(Serialize)]
struct ConfirmationJson<'a> {
    seed: u64,
    replications: u32,
    wait_p95_s: Judged,
    objectives: &'a [ObjectiveVerdict],
    met_upper95: bool,
    stranding_check: StrandingCheck,
}

/// `schedule.json`'s `fixed`: the fixed pool compared, or why none.
#[derive(Serialize)]
#[serde(untagged)]
enum FixedJson<'a> {
    Compared(ComparedJson),
    None { none: &'a str },
}

/// A fixed pool compared with the schedule.
#[derive(Serialize)]
struct ComparedJson {
    tier: Tier,
    count: u32,
    cost_per_day_usd: Estimate,
    wait_p95_s: Judged,
    saving_percent: f64,
}

impl ComparedJson {
    fn of(f: &FixedComparison, cost_per_day_usd: f64) -> ComparedJson {
        ComparedJson {
            tier: f.tier,
            count: f.count,
            cost_per_day_usd: f.cost_per_day_usd,
            wait_p95_s: f.wait_p95_s,
            saving_percent: f.saving(cost_per_day_usd) * 100.0,
        }
    }
}

/// A run's objective verdicts (none without an `[slo]`).
fn verdicts_of(run: &RunSummary) -> &[ObjectiveVerdict] {
    run.slo.as_ref().map_or(&[], |v| &v.objectives)
}

impl PlanJson<'_> {
    pub(super) fn of<'a>(plan: &'a SchedulePlan, name: &'a str) -> PlanJson<'a> {
        let cost = plan.cost_per_day_usd();
        let run = &plan.result;
        PlanJson {
            scenario: name,
            pool: &plan.pool,
            tier: plan.tier,
            max_changes_per_day: plan.max_changes_per_day,
            lead_s: plan.lead.as_secs_f64(),
            rules: &plan.rules,
            count_by_hour_of_week: &plan.counts,
            cost_per_day_usd: cost,
            cost_per_month_usd: cost.mean * 30.0,
            wait_p95_target_s: verdicts_of(run)
                .iter()
                .find(|o| o.kind == ObjectiveKind::WaitP95)
                .map(|o| o.target),
            wait_p95_s: judged_wait(run),
            objectives: verdicts_of(run),
            met_upper95: run.slo.as_ref().is_some_and(|v| v.met_upper95),
            replications: run.replications,
            seed: run.seed,
            confirmation: ConfirmationJson {
                seed: plan.confirmation.seed,
                replications: plan.confirmation.replications,
                wait_p95_s: judged_wait(&plan.confirmation),
                objectives: verdicts_of(&plan.confirmation),
                met_upper95: plan.confirms(),
                stranding_check: plan.stranding_check,
            },
            fixed: match &plan.fixed {
                Ok(f) => FixedJson::Compared(ComparedJson::of(f, cost.mean)),
                Err(why) => FixedJson::None { none: why },
            },
            cheapest_fixed: plan
                .cheapest_fixed
                .as_ref()
                .map(|f| ComparedJson::of(f, cost.mean)),
            schedules_tried: plan.schedules_tried,
            simulations: plan.simulations,
        }
    }
}
