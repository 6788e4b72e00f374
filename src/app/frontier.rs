//! `poolcast plan SCENARIO --schedule POOL --targets 3m,5m,10m`: a
//! schedule designed for each `[slo] wait_p95` target, and cost per day
//! against the target (a table, `frontier.csv`, `frontier.json` and the
//! `frontier` chart), the way cost/performance presets are offered, but
//! with simulated waits.

use std::process::ExitCode;

use anyhow::Result;

use super::outputs::Outputs;
use super::schedule::{
    confirmed_words, exit_code, json_value, minutes, notes, recommended_file, replan, request,
    saving, scenario_of, search, threads_for,
};
use super::{BadInput, emit};
use crate::cli::{Format, PlanArgs};
use crate::report::Kind;
use crate::report::{self, FrontierPoint};
use crate::results::TotalMetric;
use crate::scenario::{self, Scenario};
use crate::sweep::schedule::{check_request, judged_wait, misses_cost};
use crate::sweep::{ScheduleError, SchedulePlan};
use crate::text::parse_duration;
use crate::units::SimDuration;

/// One target and what planning for it gave.
struct Target {
    /// The target as the file names write it (`5m`, `1h30m`).
    label: String,
    target: SimDuration,
    /// Its scenario (the text with the target in `[slo] wait_p95`).
    scenario: Scenario,
    plan: Option<Result<SchedulePlan, ScheduleError>>,
    /// The tighter target whose schedule this target's plan is, when that
    /// costs less than the schedule searched for this one.
    same_as: Option<SimDuration>,
}

/// The targets of `--targets`, in rising order; refused when one is not a
/// duration or one is given twice.
fn targets(list: &[String]) -> Result<Vec<SimDuration>> {
    let mut out = Vec::new();
    for t in list {
        let d = parse_duration(t.trim()).map_err(|e| {
            BadInput(format!(
                "--targets {t:?}: {e}; give p95 wait targets such as 3m,5m,10m"
            ))
        })?;
        if out.contains(&d) {
            return Err(
                BadInput(format!("--targets gives {d} twice; give each target once")).into(),
            );
        }
        out.push(d);
    }
    out.sort_unstable();
    Ok(out)
}

pub(super) fn frontier_cmd(
    args: &PlanArgs,
    pool: &str,
    source: &str,
    max_stranded: SimDuration,
) -> Result<ExitCode> {
    let run = &args.run;
    let base = scenario_of(args, source)?;
    if base.slo.wait_p95.is_none() {
        return Err(BadInput(format!(
            "--targets sets [slo] wait_p95 for each plan, and {} sets none; add [slo] wait_p95 (its workloads' own objectives keep theirs)",
            run.scenario.display()
        ))
        .into());
    }
    let mut points = target_scenarios(args, pool, source, max_stranded)?;
    let threads = threads_for(args, &base)?;
    let out = Outputs::prepare(&run.output, run.out.as_deref(), &base.name, Some("plan"))?
        .protect(&super::files_read(&run.scenario, &base))?;
    for (t, text) in &mut points {
        let req = request(args, pool, text, &t.scenario, max_stranded);
        t.plan = Some(search(&threads, &req, run.print.quiet)?);
    }
    monotone(&mut points, args, pool, max_stranded, &threads)?;
    let points: Vec<Target> = points.into_iter().map(|(t, _)| t).collect();
    if !points.iter().any(|t| matches!(t.plan, Some(Ok(_)))) {
        // Nothing planned, nothing written: the refusal, as without --targets.
        return Err(nothing_planned(&points).into());
    }
    for t in &points {
        if let Some(Ok(plan)) = &t.plan {
            let (recommended, reads_outside) = recommended_file(plan, args, &out);
            out.write_always(
                &format!("recommended-{}.toml", t.label),
                recommended.as_bytes(),
            )?;
            if !run.print.quiet {
                notes(plan, &t.scenario, &run.scenario, reads_outside);
            }
        }
    }
    let name = &base.name;
    let tier = base
        .pools
        .iter()
        .find(|p| p.name == pool)
        .map_or(String::new(), |p| p.tier.to_string());
    out.write(Kind::Json, "frontier.json", json(&points, name).as_bytes())?;
    out.write(Kind::Csv, "frontier.csv", csv(&points).as_bytes())?;
    if out.draws_charts() {
        let chart = report::frontier_chart(&chart_points(&points), &tier, out.chart_formats())?;
        out.write_charts(&[chart])?;
    }
    match run.print.format {
        Format::Table => emit(&text(&points, name, pool, &tier))?,
        Format::Json => emit(&json(&points, name))?,
        Format::Csv => emit(&csv(&points))?,
    }
    out.finish_noted(run.print.quiet)?;
    // A target without a plan, or a plan that misses its cost cap, is a
    // missed objective: exit 1, as `check` gives (the others are written).
    let missed = points.iter().any(|t| match &t.plan {
        Some(Ok(p)) => misses_cost(&p.result),
        _ => true,
    });
    Ok(exit_code(missed))
}

/// Each target of `--targets`, with the scenario text and scenario that
/// set it as `[slo] wait_p95`, checked as a request before any folder is
/// made.
fn target_scenarios(
    args: &PlanArgs,
    pool: &str,
    source: &str,
    max_stranded: SimDuration,
) -> Result<Vec<(Target, String)>> {
    let mut points = Vec::new();
    for target in targets(&args.targets)? {
        let label = target.to_string().replace(' ', "");
        let text = scenario::with_wait_target(source, &label)?;
        let s = scenario_of(args, &text)?;
        check_request(&request(args, pool, &text, &s, max_stranded))?;
        points.push((
            Target {
                label,
                target,
                scenario: s,
                plan: None,
                same_as: None,
            },
            text,
        ));
    }
    Ok(points)
}

/// Makes the frontier monotone: a tighter target's schedule meets every
/// looser target too, so a looser target whose own search found a dearer
/// schedule (or none) takes the cheapest tighter one, judged and confirmed
/// against its own objectives.
fn monotone(
    points: &mut [(Target, String)],
    args: &PlanArgs,
    pool: &str,
    max_stranded: SimDuration,
    threads: &rayon::ThreadPool,
) -> Result<()> {
    let cost = |p: &SchedulePlan| p.result.totals.get(TotalMetric::CostPerDayUsd).mean;
    // The cheapest plan so far: its target, cost per day and counts.
    let mut cheapest: Option<(SimDuration, f64, Vec<u32>)> = None;
    for (t, text) in points.iter_mut() {
        if let Some((tighter, day, counts)) = &cheapest {
            let dearer = match &t.plan {
                Some(Ok(own)) => cost(own) > *day,
                _ => true,
            };
            let req = request(args, pool, text, &t.scenario, max_stranded);
            if dearer && let Some(plan) = replan(threads, &req, counts)? {
                t.plan = Some(Ok(plan));
                t.same_as = Some(*tighter);
            }
        }
        if let Some(Ok(p)) = &t.plan
            && cheapest.as_ref().is_none_or(|(_, day, _)| cost(p) < *day)
        {
            cheapest = Some((t.target, cost(p), p.counts.clone()));
        }
    }
    Ok(())
}

/// Why no target has a plan: each target's refusal.
fn nothing_planned(points: &[Target]) -> BadInput {
    let why: Vec<String> = points
        .iter()
        .map(|t| format!("{}: {}", t.label, why_none(t).unwrap_or_default()))
        .collect();
    BadInput(format!("no target has a schedule; {}", why.join("; ")))
}

/// The plans found, with their targets.
fn plans(points: &[Target]) -> impl Iterator<Item = (&Target, &SchedulePlan)> {
    points.iter().filter_map(|t| match &t.plan {
        Some(Ok(p)) => Some((t, p)),
        _ => None,
    })
}

fn chart_points(points: &[Target]) -> Vec<FrontierPoint> {
    plans(points)
        .map(|(t, p)| FrontierPoint {
            target_s: t.target.as_secs_f64(),
            cost_per_day_usd: p.result.totals.get(TotalMetric::CostPerDayUsd),
            fixed_per_day_usd: p.fixed.as_ref().ok().map(|f| f.cost_per_day_usd.mean),
        })
        .collect()
}

/// Why target `t` has no plan, in words.
fn why_none(t: &Target) -> Option<String> {
    match &t.plan {
        Some(Err(e)) => Some(e.to_string()),
        _ => None,
    }
}

/// The printed frontier: a line per target.
fn text(points: &[Target], name: &str, pool: &str, tier: &str) -> String {
    let rules = |plan: &SchedulePlan, same_as: Option<SimDuration>| match same_as {
        Some(tighter) => format!(
            "{} (the {} plan)",
            plan.rules.len(),
            tighter.to_string().replace(' ', "")
        ),
        None => plan.rules.len().to_string(),
    };
    let cells: Vec<Option<(String, String)>> = points
        .iter()
        .map(|p| match &p.plan {
            Some(Ok(plan)) => Some((rules(plan, p.same_as), confirmed_words(plan))),
            _ => None,
        })
        .collect();
    let width = |f: fn(&(String, String)) -> usize, head: &str| {
        cells
            .iter()
            .flatten()
            .map(f)
            .chain([head.len()])
            .max()
            .unwrap_or(0)
    };
    let (w, c) = (
        width(|x| x.0.len(), "rules"),
        width(|x| x.1.len(), "confirmed"),
    );
    let mut t = format!(
        "{name}: the cheapest schedule for pool {pool} ({tier}) by p95 wait target\n\ntarget     cost a day (USD, 95% interval)  judged wait p95 (upper 95%)  {:<w$}  {:<c$}  fixed {tier} a day  saves\n",
        "rules", "confirmed"
    );
    for (p, cells) in points.iter().zip(&cells) {
        let head = format!("{:<10} ", minutes(p.target.as_secs_f64()));
        match (&p.plan, cells) {
            (Some(Ok(plan)), Some((rules, confirmed))) => {
                let cost = plan.result.totals.get(TotalMetric::CostPerDayUsd);
                let interval = cost
                    .ci95
                    .map_or_else(String::new, |(lo, hi)| format!(" [{lo:.2}, {hi:.2}]"));
                let wait = judged_wait(&plan.result);
                let (fixed, saves) =
                    plan.fixed
                        .as_ref()
                        .map_or(("none".to_string(), String::new()), |f| {
                            let day = f.cost_per_day_usd.mean;
                            (
                                format!("{day:.2}"),
                                format!("{:.1}%", saving(cost.mean, day) * 100.0),
                            )
                        });
                t.push_str(&format!(
                    "{head}{:<31} {:<28} {rules:<w$}  {confirmed:<c$}  {fixed:<14} {saves}\n",
                    format!("{:.2}{interval}", cost.mean),
                    format!("{} ({})", minutes(wait.value), minutes(wait.value_upper95)),
                ));
            }
            _ => t.push_str(&format!(
                "{head}no schedule: {}\n",
                why_none(p).unwrap_or_default()
            )),
        }
    }
    t
}

/// `frontier.json`: per target, the plan as `schedule.json` holds it, or
/// why there is none.
fn json(points: &[Target], name: &str) -> String {
    let targets: Vec<serde_json::Value> = points
        .iter()
        .map(|t| {
            serde_json::json!({
                "target_s": t.target.as_secs_f64(),
                "plan": match &t.plan {
                    Some(Ok(p)) => json_value(p, name),
                    _ => serde_json::Value::Null,
                },
                "error": why_none(t),
                "same_schedule_as_target_s": t.same_as.map(|d| d.as_secs_f64()),
            })
        })
        .collect();
    let doc = serde_json::json!({ "scenario": name, "targets": targets });
    format!(
        "{}\n",
        serde_json::to_string_pretty(&doc).unwrap_or_default()
    )
}

/// `frontier.csv`: a row per target (empty cells where it has no plan).
fn csv(points: &[Target]) -> String {
    let mut c = String::from(
        "target_s,cost_per_day_usd,cost_per_day_usd_ci95_low,cost_per_day_usd_ci95_high,wait_p95_s,wait_p95_s_upper95,confirmed,fixed_count,fixed_cost_per_day_usd,saving_percent\n",
    );
    for t in points {
        let row = match &t.plan {
            Some(Ok(p)) => {
                let cost = p.result.totals.get(TotalMetric::CostPerDayUsd);
                let (lo, hi) = cost.ci95.unwrap_or((f64::NAN, f64::NAN));
                let wait = judged_wait(&p.result);
                let fixed = p.fixed.as_ref().map_or(",,".to_string(), |f| {
                    let day = f.cost_per_day_usd.mean;
                    format!("{},{day},{}", f.count, saving(cost.mean, day) * 100.0)
                });
                format!(
                    ",{},{},{},{},{},{},{fixed}",
                    cost.mean,
                    lo,
                    hi,
                    wait.value,
                    wait.value_upper95,
                    p.confirms()
                )
            }
            _ => ",,,,,,,,,".to_string(),
        };
        c.push_str(&format!("{}{row}\n", t.target.as_secs_f64()));
    }
    c
}
