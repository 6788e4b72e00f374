//! `poolcast plan SCENARIO --schedule POOL`: the search is
//! `sweep::plan_schedule`; this wires it to the command line (progress bar,
//! Ctrl-C, the printed plan and the files).

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;

use anyhow::Result;

use super::outputs::Outputs;
use super::{BadInput, Interrupted, apply_overrides, emit, thread_pool};
use crate::cli::{Format, PerArg, PlanArgs};
use crate::model::Per;
use crate::report::Kind;
use crate::report::{self, met_word};
use crate::scenario::{self, Scenario};
use crate::sweep::schedule::plan_schedule_from;
use crate::sweep::schedule::{
    CONFIRM_REPLICATIONS, CONFIRM_ROUNDS, FixedComparison, check_request, judged_wait, misses_cost,
};
use crate::sweep::{
    Progress, ScheduleError, SchedulePlan, ScheduleRequest, applier_files, plan_schedule,
};
use crate::text::{counted, parse_duration};
use crate::units::SimDuration;

/// Seconds as minutes with two decimals.
pub(super) fn minutes(s: f64) -> String {
    format!("{:.2} min", s / 60.0)
}

/// A run's verdict lines, indented under a heading.
fn verdict_block(t: &mut String, heading: &str, run: &crate::results::RunSummary) {
    t.push_str(heading);
    t.push('\n');
    for line in run.slo.iter().flat_map(report::verdict_lines) {
        t.push_str(&format!("  {line}\n"));
    }
}

/// The saving of `schedule` against `fixed` per day, as a fraction.
pub(super) fn saving(schedule: f64, fixed: f64) -> f64 {
    if fixed > 0.0 {
        1.0 - schedule / fixed
    } else {
        f64::NAN
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
fn text(plan: &SchedulePlan, name: &str) -> String {
    let mut t = format!(
        "{name}: a schedule for pool {} ({}), at most {} a day; {} simulated ({})\n\n",
        plan.pool,
        plan.tier,
        counted(plan.max_changes_per_day, "count change"),
        counted(plan.schedules_tried as u64, "schedule"),
        counted(plan.simulations, "simulation")
    );
    t.push_str(&rules_table(plan));
    match plan.counts.split_first() {
        // No hour differs: the rules change nothing, a fixed pool is it.
        Some((&n, rest)) if rest.iter().all(|&c| c == n) => t.push_str(&format!(
            "the count is {n} in every hour: a fixed pool of {n} x {} is the same plan, with no schedule to apply\n\n",
            plan.tier
        )),
        _ => t.push_str(&format!(
            "each scale-up fires {} before its count is needed (the pool's provisioning time), each scale-down on the hour\n\n",
            plan.lead
        )),
    }
    let cost = plan
        .result
        .totals
        .get(crate::results::TotalMetric::CostPerDayUsd);
    t.push_str(&format!(
        "cost: USD {:.2} a day, about USD {:.0} a month (30 days)\n",
        cost.mean,
        cost.mean * 30.0
    ));
    verdict_block(
        &mut t,
        &format!(
            "judged ({}, seed {}); a schedule must meet every objective on its upper 95% bound:",
            counted(plan.result.replications, "replication"),
            plan.result.seed
        ),
        &plan.result,
    );
    verdict_block(
        &mut t,
        &format!(
            "confirmed on a new seed ({}, {} replications): {}",
            plan.confirmation.seed,
            plan.confirmation.replications,
            confirmed_words(plan)
        ),
        &plan.confirmation,
    );
    match &plan.fixed {
        Ok(f) => t.push_str(&compared(
            &format!("cheapest fixed count of {} that meets it", plan.tier),
            f,
            cost.mean,
        )),
        Err(why) => t.push_str(&format!("no fixed count to compare with: {why}\n")),
    }
    match &plan.cheapest_fixed {
        Some(f) if f.tier != plan.tier => t.push_str(&compared(
            "cheapest fixed pool of any tier the quota allows",
            f,
            cost.mean,
        )),
        Some(_) => t.push_str(&format!(
            "no other tier the quota allows is cheaper as a fixed pool than {}\n",
            plan.tier
        )),
        None => {}
    }
    t
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

/// A line comparing the schedule's cost per day with fixed pool `f`: what
/// it saves, or what it costs more (a negative saving read as one).
fn compared(what: &str, f: &FixedComparison, cost: f64) -> String {
    let day = f.cost_per_day_usd.mean;
    let (verb, share, usd) = if cost > day {
        ("costs", -saving(cost, day), cost - day)
    } else {
        ("saves", saving(cost, day), day - cost)
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

fn json(plan: &SchedulePlan, name: &str) -> String {
    format!(
        "{}\n",
        serde_json::to_string_pretty(&json_value(plan, name)).unwrap_or_default()
    )
}

/// The plan as `schedule.json` holds it.
pub(super) fn json_value(plan: &SchedulePlan, name: &str) -> serde_json::Value {
    let cost = plan
        .result
        .totals
        .get(crate::results::TotalMetric::CostPerDayUsd);
    let wait = judged_wait(&plan.result);
    let check = judged_wait(&plan.confirmation);
    let objectives = |run: &crate::results::RunSummary| {
        run.slo
            .as_ref()
            .map_or(serde_json::Value::Array(Vec::new()), |v| {
                report::objectives_json(&v.objectives)
            })
    };
    let target = plan.result.slo.as_ref().and_then(|v| {
        v.objectives
            .iter()
            .find(|o| o.kind == crate::results::ObjectiveKind::WaitP95)
            .map(|o| o.target)
    });
    let fixed_json = |f: &FixedComparison| {
        serde_json::json!({
            "tier": f.tier.to_string(),
            "count": f.count,
            "cost_per_day_usd": report::estimate_value(f.cost_per_day_usd),
            "wait_p95_s": report::judged_value(f.wait_p95_s),
            "saving_percent": saving(cost.mean, f.cost_per_day_usd.mean) * 100.0,
        })
    };
    let fixed = match &plan.fixed {
        Ok(f) => fixed_json(f),
        Err(why) => serde_json::json!({ "none": why.to_string() }),
    };
    serde_json::json!({
        "scenario": name,
        "pool": plan.pool,
        "tier": plan.tier.to_string(),
        "max_changes_per_day": plan.max_changes_per_day,
        "lead_s": plan.lead.as_secs_f64(),
        "rules": plan.rules.iter().map(|r| serde_json::json!({
            "cron": r.cron, "count": r.count, "in_force": r.in_force,
        })).collect::<Vec<_>>(),
        "count_by_hour_of_week": plan.counts,
        "cost_per_day_usd": report::estimate_value(cost),
        "cost_per_month_usd": cost.mean * 30.0,
        "wait_p95_target_s": target,
        "wait_p95_s": report::judged_value(wait),
        "objectives": objectives(&plan.result),
        "met_upper95": plan.result.slo.as_ref().is_some_and(|v| v.met_upper95),
        "replications": plan.result.replications,
        "seed": plan.result.seed,
        "confirmation": {
            "seed": plan.confirmation.seed,
            "replications": plan.confirmation.replications,
            "wait_p95_s": report::judged_value(check),
            "objectives": objectives(&plan.confirmation),
            "met_upper95": plan.confirms(),
        },
        "fixed": fixed,
        "cheapest_fixed": plan.cheapest_fixed.as_ref().map(fixed_json),
        "schedules_tried": plan.schedules_tried,
        "simulations": plan.simulations,
    })
}

fn rules_csv(plan: &SchedulePlan) -> String {
    let mut c = String::from("cron,count,in_force\n");
    for r in &plan.rules {
        c.push_str(&format!("{},{},{}\n", r.cron, r.count, r.in_force));
    }
    c
}

/// The scenario's text as the plan judges it and the bound on stranded
/// runs, from the command line: validated as written (problems at the
/// user's lines), then with `--per` wherever an objective does not set its
/// own rule.
pub(super) fn judged_source(args: &PlanArgs) -> Result<(String, SimDuration)> {
    let run = &args.run;
    let scope = super::file_scope(run.scope.allow_outside);
    let max_stranded = parse_duration(&args.max_stranded).map_err(|e| {
        BadInput(format!(
            "--max-stranded {:?}: {e}; give a duration such as 30m or 2h",
            args.max_stranded
        ))
    })?;
    let source = scenario::read_source(&run.scenario)?;
    scenario::from_str_in(&source, &run.scenario, scope)?;
    let per = match args.per {
        PerArg::Hour => Per::Hour,
        PerArg::Window => Per::Window,
    };
    Ok((scenario::with_default_per(&source, per)?, max_stranded))
}

/// The scenario of `source` with the command line's overrides.
pub(super) fn scenario_of(args: &PlanArgs, source: &str) -> Result<Scenario> {
    let run = &args.run;
    let scope = super::file_scope(run.scope.allow_outside);
    let mut s = scenario::from_str_in(source, &run.scenario, scope)?;
    apply_overrides(run, &mut s)?;
    Ok(s)
}

/// The request to plan `s` (the scenario of `source`).
pub(super) fn request<'a>(
    args: &'a PlanArgs,
    pool: &'a str,
    source: &'a str,
    s: &'a Scenario,
    max_stranded: SimDuration,
) -> ScheduleRequest<'a> {
    ScheduleRequest {
        source,
        path: &args.run.scenario,
        scenario: s,
        pool,
        max_changes_per_day: args.max_changes_per_day,
        max_stranded,
        scope: super::file_scope(args.run.scope.allow_outside),
    }
}

/// The thread pool, after checking the memory budget: each candidate
/// schedule is simulated as a run of the scenario, the confirmation with
/// at least its own replications; what the largest of those runs needs,
/// one at a time.
pub(super) fn threads_for(args: &PlanArgs, s: &Scenario) -> Result<rayon::ThreadPool> {
    let run = &args.run;
    let threads = thread_pool(run.simulation.threads)?;
    // The result is held while the confirmation (at least its own
    // replications) runs: two runs at once.
    let confirm = s.simulation.replications.max(CONFIRM_REPLICATIONS);
    super::check_memory(
        &crate::forecast::memory::schedule_estimate(s, confirm, threads.current_num_threads()),
        run.max_memory.as_deref(),
    )?;
    Ok(threads)
}

/// Runs the search with a progress bar: the plan, the search's refusal,
/// or `Interrupted` on Ctrl-C.
pub(super) fn search(
    threads: &rayon::ThreadPool,
    req: &ScheduleRequest,
    quiet: bool,
) -> Result<Result<SchedulePlan, ScheduleError>> {
    with_bar(threads, req, quiet, |cancel, progress| {
        plan_schedule(req, cancel, progress)
    })
}

/// The plan of `req` on `counts`, a tighter target's schedule, with a
/// progress bar: `None` when it does not meet `req` after all (see
/// `plan_schedule_from`); a refusal is an error, as the search's is.
pub(super) fn replan(
    threads: &rayon::ThreadPool,
    req: &ScheduleRequest,
    counts: &[u32],
) -> Result<Option<SchedulePlan>> {
    Ok(with_bar(threads, req, true, |cancel, progress| {
        plan_schedule_from(req, counts, cancel, progress)
    })??)
}

/// Runs `plan` in `threads` with a progress bar (unless `quiet`) and
/// Ctrl-C: what it gave, or `Interrupted`.
fn with_bar<T>(
    threads: &rayon::ThreadPool,
    req: &ScheduleRequest,
    quiet: bool,
    plan: impl FnOnce(&AtomicBool, &(dyn Fn(Progress) + Sync)) -> Result<T, ScheduleError> + Send,
) -> Result<Result<T, ScheduleError>>
where
    T: Send,
{
    let bar = super::sweep::bar_for(quiet, &req.scenario.name);
    let progress = super::sweep::on_progress(&bar);
    let found = threads.install(|| plan(&super::INTERRUPTED, &progress));
    bar.0.finish_and_clear();
    if super::interrupted() || matches!(found, Err(ScheduleError::Cancelled)) {
        return Err(Interrupted.into());
    }
    Ok(found)
}

/// `recommended.toml` as written into `out`: run as the plan ran, with the
/// command line's seed and replications and its data files found from the
/// output folder; and whether those files are outside it.
pub(super) fn recommended_file(
    plan: &SchedulePlan,
    args: &PlanArgs,
    out: &Outputs,
) -> (String, bool) {
    let run = &args.run;
    let judged = scenario::with_simulation(
        &plan.recommended,
        run.simulation.seed,
        run.simulation.replications,
    );
    let recommended = match out.dir() {
        Some(dir) => scenario::with_files_rebased(
            &judged,
            run.scenario.parent().unwrap_or(Path::new("")),
            dir,
        ),
        None => judged.clone(),
    };
    let reads_outside = recommended != judged;
    (recommended, reads_outside)
}

pub(super) fn plan_schedule_cmd(args: &PlanArgs, pool: &str) -> Result<ExitCode> {
    let (source, max_stranded) = judged_source(args)?;
    if !args.targets.is_empty() {
        return super::frontier::frontier_cmd(args, pool, &source, max_stranded);
    }
    let run = &args.run;
    let s = scenario_of(args, &source)?;
    let req = request(args, pool, &source, &s, max_stranded);
    // Refused before any folder is made.
    check_request(&req)?;
    let threads = threads_for(args, &s)?;
    let out = Outputs::prepare(&run.output, run.out.as_deref(), &s.name, Some("plan"))?
        .protect(&super::files_read(&run.scenario, &s))?;
    let plan = search(&threads, &req, run.print.quiet)??;
    let (recommended, reads_outside) = recommended_file(&plan, args, &out);
    out.write_always("recommended.toml", recommended.as_bytes())?;
    for (file, text) in applier_files(&plan, &s.name) {
        out.write_always(file, text.as_bytes())?;
    }
    out.write(Kind::Json, "schedule.json", json(&plan, &s.name).as_bytes())?;
    out.write(Kind::Csv, "schedule.csv", rules_csv(&plan).as_bytes())?;
    match run.print.format {
        Format::Table => emit(&text(&plan, &s.name))?,
        Format::Json => emit(&json(&plan, &s.name))?,
        Format::Csv => emit(&rules_csv(&plan))?,
    }
    if !run.print.quiet {
        notes(&plan, &s, &run.scenario, reads_outside);
    }
    out.finish_noted(run.print.quiet)?;
    // A missed cost cap is the plan's verdict, as `check` gives it.
    Ok(exit_code(misses_cost(&plan.result)))
}

/// Exit code 1 when a plan misses its cost cap (as `check` gives for a
/// missed objective), else 0.
pub(super) fn exit_code(missed_cost: bool) -> ExitCode {
    if missed_cost {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// The notes on stderr after a plan: where recommended.toml finds its
/// data, and what would make the plan more trustworthy.
pub(super) fn notes(plan: &SchedulePlan, s: &Scenario, path: &Path, reads_outside: bool) {
    if reads_outside {
        note!(
            "note: recommended.toml reads its data files from {}; run it with --allow-outside, or copy it beside {}",
            // A scenario named without a folder is in the working one.
            path.parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."))
                .display(),
            path.display()
        );
    }
    for w in &plan.warnings {
        note!("warning: {w}");
    }
    if !plan.confirmed {
        note!(
            "warning: the schedule missed the objective on a seed the search never saw ({} replications), after {} tries; run poolcast plan --schedule with more --replications",
            plan.confirmation.replications.max(CONFIRM_REPLICATIONS),
            CONFIRM_ROUNDS
        );
    }
    if misses_cost(&plan.result) {
        note!(
            "warning: the cheapest schedule that meets the wait misses [slo] max_cost_per_day; no schedule meets both"
        );
    }
    if s.simulation.replications < 10 {
        note!(
            "warning: the search judged on {} replications; use --replications 20 or more for a schedule you deploy",
            s.simulation.replications
        );
    }
}
