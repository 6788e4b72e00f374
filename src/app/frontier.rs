//! `poolcast plan SCENARIO --schedule POOL --targets 3m,5m,10m`: a
//! schedule designed for each `[slo] wait_p95` target, and cost per day
//! against the target (a table, `frontier.csv`, `frontier.json` and the
//! `frontier` chart), the way cost/performance presets are offered, but
//! with simulated waits.

use std::process::ExitCode;

use anyhow::Result;

use super::outputs::{Outputs, Steps};
use super::schedule::{
    exit_code, notes, recommended_file, replan, request, scenario_of, search, threads_for,
};
use super::{BadInput, emit};
use crate::cli::{Format, PlanArgs};
use crate::report::FRONTIER_EXPORTERS;
use crate::report::frontier::{FrontierFiles, frontier_csv, frontier_json, frontier_text};
use crate::results::schedule::{Frontier, SchedulePlan, TargetPlan, target_label};
use crate::scenario::{self, Scenario};
use crate::sweep::ScheduleError;
use crate::sweep::schedule::check_request;
use crate::text::parse_duration;
use crate::units::SimDuration;

/// One target's scenario: the text with the target in `[slo] wait_p95`,
/// and the scenario of that text.
struct TargetScenario {
    target: SimDuration,
    text: String,
    scenario: Scenario,
}

/// What planning for a target gave, while the frontier is made monotone.
struct Planned {
    plan: Result<SchedulePlan, ScheduleError>,
    /// The tighter target whose schedule this target's plan is, when that
    /// costs less than the schedule searched for this one.
    same_as: Option<SimDuration>,
}

/// The targets of `--targets`, in rising order; refused when one is not a
/// duration of whole seconds above 0 or one is given twice.
fn targets(list: &[String]) -> Result<Vec<SimDuration>> {
    let mut out = Vec::new();
    for t in list {
        let d = parse_duration(t.trim()).map_err(|e| {
            BadInput(format!(
                "--targets {t:?}: {e}; give p95 wait targets such as 3m,5m,10m"
            ))
        })?;
        // A target names its file and is written into it as text, which
        // keeps whole seconds: 90.5 s would be planned, then judged as
        // 1m30s. A target of 0 is met by no schedule.
        if d == SimDuration::ZERO || d.0 % SimDuration::from_secs(1).0 != 0 {
            return Err(BadInput(format!(
                "--targets {t:?}: give a p95 wait target of a whole number of seconds above 0, such as 90s or 5m"
            ))
            .into());
        }
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
    super::outputs::check_writes_some(&run.output, "plan --targets", &FRONTIER_EXPORTERS)?;
    let scenarios = target_scenarios(args, pool, source, max_stranded)?;
    let threads = threads_for(args, &base, scenarios.len())?;
    let out = Outputs::prepare(&run.output, run.out.as_deref(), &base.name, Some("plan"))?
        .protect(&super::files_read(&run.scenario, &base))?;
    let planned = planned(&scenarios, args, pool, max_stranded, &threads)?;
    let frontier = frontier_of(&base, pool, &scenarios, planned);
    if frontier.plans().next().is_none() {
        // Nothing planned, nothing written: the refusal, as without --targets.
        return Err(nothing_planned(&frontier).into());
    }
    written(&frontier, &scenarios, args, out)?;
    // A target without a plan, or a plan that misses its cost cap, is a
    // missed objective: exit 1, as `check` gives (the others are written).
    Ok(exit_code(frontier.missed()))
}

/// Each target's plan: its own search's, then the frontier made monotone.
fn planned(
    scenarios: &[TargetScenario],
    args: &PlanArgs,
    pool: &str,
    max_stranded: SimDuration,
    threads: &rayon::ThreadPool,
) -> Result<Vec<Planned>> {
    let mut planned = Vec::new();
    for t in scenarios {
        let req = request(args, pool, &t.text, &t.scenario, max_stranded);
        planned.push(Planned {
            plan: search(threads, &req, args.run.print.quiet)?,
            same_as: None,
        });
    }
    monotone(scenarios, &mut planned, args, pool, max_stranded, threads)?;
    Ok(planned)
}

/// Writes the frontier's files into `out` (each planned target's
/// recommended scenario, frontier.json, frontier.csv, the chart), prints
/// it, notes each plan and finishes `out`.
fn written(
    frontier: &Frontier,
    scenarios: &[TargetScenario],
    args: &PlanArgs,
    out: Outputs,
) -> Result<()> {
    let run = &args.run;
    // Each planned target's recommended file, and its plan, scenario and
    // whether that file reads outside the folder, for the notes.
    let (recommended, planned): (Vec<String>, Vec<_>) = frontier
        .targets
        .iter()
        .zip(scenarios)
        .filter_map(|(t, s)| t.plan.as_ref().ok().map(|p| (p, &s.scenario)))
        .map(|(p, s)| {
            let (text, reads_outside) = recommended_file(p, args, &out);
            (text, (p, s, reads_outside))
        })
        .unzip();
    let files = FrontierFiles {
        frontier,
        recommended,
    };
    out.export(
        &FRONTIER_EXPORTERS,
        |write, w| write(&files, w),
        Steps {
            named: files.named(),
            draw: Some(Box::new(|| Ok(files.charts(out.chart_formats())?))),
            ..Steps::default()
        },
    )?;
    if !run.print.quiet {
        for (plan, s, reads_outside) in &planned {
            notes(plan, s, &run.scenario, *reads_outside);
        }
    }
    match run.print.format {
        Format::Table => emit(&frontier_text(frontier))?,
        Format::Json => emit(&frontier_json(frontier))?,
        Format::Csv => emit(&frontier_csv(frontier))?,
    }
    out.finish_noted(run.print.quiet)
}

/// The frontier of `base`'s pool `pool`: each target's plan, or its
/// refusal in words.
fn frontier_of(
    base: &Scenario,
    pool: &str,
    scenarios: &[TargetScenario],
    planned: Vec<Planned>,
) -> Frontier {
    Frontier {
        scenario: base.name.clone(),
        pool: pool.to_string(),
        tier: base.pools.iter().find(|p| p.name == pool).map(|p| p.tier),
        targets: scenarios
            .iter()
            .zip(planned)
            .map(|(s, p)| TargetPlan {
                target: s.target,
                plan: p.plan.map_err(|e| e.to_string()),
                same_as: p.same_as,
            })
            .collect(),
    }
}

/// Each target of `--targets`, with the scenario text and scenario that
/// set it as `[slo] wait_p95`, checked as a request before any folder is
/// made.
fn target_scenarios(
    args: &PlanArgs,
    pool: &str,
    source: &str,
    max_stranded: SimDuration,
) -> Result<Vec<TargetScenario>> {
    let mut scenarios = Vec::new();
    for target in targets(&args.targets)? {
        let text = scenario::with_wait_target(source, &target_label(target))?;
        let scenario = scenario_of(args, &text)?;
        check_request(&request(args, pool, &text, &scenario, max_stranded))?;
        scenarios.push(TargetScenario {
            target,
            text,
            scenario,
        });
    }
    Ok(scenarios)
}

/// Makes the frontier monotone: a tighter target's schedule meets every
/// looser target too, so a looser target whose own search found a dearer
/// schedule (or none) takes the cheapest tighter one, judged and confirmed
/// against its own objectives.
fn monotone(
    scenarios: &[TargetScenario],
    planned: &mut [Planned],
    args: &PlanArgs,
    pool: &str,
    max_stranded: SimDuration,
    threads: &rayon::ThreadPool,
) -> Result<()> {
    let cost = |p: &SchedulePlan| p.cost_per_day_usd().mean;
    // The cheapest plan so far: its target, cost per day and counts.
    let mut cheapest: Option<(SimDuration, f64, Vec<u32>)> = None;
    for (t, p) in scenarios.iter().zip(planned.iter_mut()) {
        if let Some((tighter, day, counts)) = &cheapest {
            let dearer = match &p.plan {
                Ok(own) => cost(own) > *day,
                Err(_) => true,
            };
            let req = request(args, pool, &t.text, &t.scenario, max_stranded);
            if dearer && let Some(plan) = replan(threads, &req, counts)? {
                p.plan = Ok(plan);
                p.same_as = Some(*tighter);
            }
        }
        if let Ok(plan) = &p.plan
            && cheapest
                .as_ref()
                .is_none_or(|(_, day, _)| cost(plan) < *day)
        {
            cheapest = Some((t.target, cost(plan), plan.counts.clone()));
        }
    }
    Ok(())
}

/// Why no target has a plan: each target's refusal.
fn nothing_planned(f: &Frontier) -> BadInput {
    let why: Vec<String> = f
        .targets
        .iter()
        .map(|t| {
            format!(
                "{}: {}",
                t.label(),
                t.plan.as_ref().err().map_or("", String::as_str)
            )
        })
        .collect();
    BadInput(format!("no target has a schedule; {}", why.join("; ")))
}
