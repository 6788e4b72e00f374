//! `plan --schedule --targets`' outputs: the printed frontier (a line per
//! target), `frontier.json` (by serde: per target the plan as
//! `schedule.json` holds it), `frontier.csv` and the `frontier` chart,
//! from the frontier as `results` holds it.

use serde::Serialize;

use super::json::pretty;
use super::schedule::{PlanJson, confirmed_words, minutes};
use super::{Chart, ChartError, ChartFormats, FrontierPoint, frontier_chart};
use crate::results::schedule::{Frontier, SchedulePlan, TargetPlan, judged_wait, target_label};

/// What `plan --schedule --targets`' files are written from.
pub struct FrontierFiles<'a> {
    /// The frontier.
    pub frontier: &'a Frontier,
    /// Each planned target's recommended scenario, in the order of
    /// `Frontier::plans`, as it runs from the output folder.
    pub recommended: Vec<String>,
}

impl FrontierFiles<'_> {
    /// The files named from the frontier (`Exporter::Named`): each planned
    /// target's recommended scenario, as `recommended-TARGET.toml`.
    pub fn named(&self) -> Vec<(String, String)> {
        self.frontier
            .plans()
            .zip(&self.recommended)
            .map(|((t, _), text)| (format!("recommended-{}.toml", t.label()), text.clone()))
            .collect()
    }

    /// The `frontier` chart (see `frontier_plot`), as the one chart of the
    /// `Exporter::Charts` step.
    pub fn charts(&self, formats: ChartFormats) -> Result<Vec<Chart>, ChartError> {
        Ok(vec![frontier_plot(self.frontier, formats)?])
    }
}

/// The pool's tier by name (nothing without one).
fn tier_name(f: &Frontier) -> String {
    f.tier.map_or_else(String::new, |t| t.to_string())
}

/// The rules and confirmation cells of a target with a plan.
fn cells(t: &TargetPlan, plan: &SchedulePlan) -> (String, String) {
    let rules = match t.same_as {
        Some(tighter) => format!("{} (the {} plan)", plan.rules.len(), target_label(tighter)),
        None => plan.rules.len().to_string(),
    };
    (rules, confirmed_words(plan))
}

/// A target's plan with its rules and confirmation cells, or why it has
/// none.
type Cells<'a> = Result<(&'a SchedulePlan, (String, String)), &'a String>;

/// The printed frontier: a line per target.
pub fn frontier_text(f: &Frontier) -> String {
    let tier = tier_name(f);
    let rows: Vec<Cells> = f
        .targets
        .iter()
        .map(|t| t.plan.as_ref().map(|p| (p, cells(t, p))))
        .collect();
    let width = |w: fn(&(String, String)) -> usize, head: &str| {
        rows.iter()
            .flatten()
            .map(|(_, c)| w(c))
            .chain([head.len()])
            .max()
            .unwrap_or(0)
    };
    let widths = (
        width(|x| x.0.len(), "rules"),
        width(|x| x.1.len(), "confirmed"),
    );
    let (w, c) = widths;
    let mut t = format!(
        "{}: the cheapest schedule for pool {} ({tier}) by p95 wait target\n\ntarget     cost a day (USD, 95% interval)  judged wait p95 (upper 95%)  {:<w$}  {:<c$}  fixed {tier} a day  saves\n",
        f.scenario, f.pool, "rules", "confirmed"
    );
    for (p, row) in f.targets.iter().zip(&rows) {
        t.push_str(&format!("{:<10} ", minutes(p.target.as_secs_f64())));
        t.push_str(&match row {
            Ok((plan, cells)) => planned_row(plan, cells, widths),
            Err(why) => format!("no schedule: {why}\n"),
        });
    }
    t
}

/// The rest of a planned target's line: cost, judged wait, rules,
/// confirmation and the fixed pool compared, in columns `widths` wide.
fn planned_row(
    plan: &SchedulePlan,
    (rules, confirmed): &(String, String),
    (w, c): (usize, usize),
) -> String {
    let cost = plan.cost_per_day_usd();
    let interval = cost
        .ci95
        .map_or_else(String::new, |(lo, hi)| format!(" [{lo:.2}, {hi:.2}]"));
    let wait = judged_wait(&plan.result);
    let (fixed, saves) = plan
        .fixed
        .as_ref()
        .map_or(("none".to_string(), String::new()), |f| {
            (
                format!("{:.2}", f.cost_per_day_usd.mean),
                format!("{:.1}%", f.saving(cost.mean) * 100.0),
            )
        });
    format!(
        "{:<31} {:<28} {rules:<w$}  {confirmed:<c$}  {fixed:<14} {saves}\n",
        format!("{:.2}{interval}", cost.mean),
        format!("{} ({})", minutes(wait.value), minutes(wait.value_upper95)),
    )
}

/// `frontier.json`: per target, the plan as `schedule.json` holds it, or
/// why there is none.
pub fn frontier_json(f: &Frontier) -> String {
    #[derive(Serialize)]
    struct Doc<'a> {
        scenario: &'a str,
        targets: Vec<TargetJson<'a>>,
    }
    #[derive(Serialize)]
    struct TargetJson<'a> {
        target_s: f64,
        plan: Option<PlanJson<'a>>,
        error: Option<&'a str>,
        same_schedule_as_target_s: Option<f64>,
    }
    let targets = f
        .targets
        .iter()
        .map(|t| TargetJson {
            target_s: t.target.as_secs_f64(),
            plan: t.plan.as_ref().ok().map(|p| PlanJson::of(p, &f.scenario)),
            error: t.plan.as_ref().err().map(String::as_str),
            same_schedule_as_target_s: t.same_as.map(|d| d.as_secs_f64()),
        })
        .collect();
    pretty(&Doc {
        scenario: &f.scenario,
        targets,
    })
}

/// `frontier.csv`: a row per target (empty cells where it has no plan).
pub fn frontier_csv(f: &Frontier) -> String {
    let mut c = String::from(
        "target_s,cost_per_day_usd,cost_per_day_usd_ci95_low,cost_per_day_usd_ci95_high,wait_p95_s,wait_p95_s_upper95,confirmed,fixed_count,fixed_cost_per_day_usd,saving_percent\n",
    );
    for t in &f.targets {
        let row = match &t.plan {
            Ok(p) => csv_cells(p),
            Err(_) => ",,,,,,,,,".to_string(),
        };
        c.push_str(&format!("{}{row}\n", t.target.as_secs_f64()));
    }
    c
}

/// A planned target's cells of `frontier.csv`, each after a comma.
fn csv_cells(p: &SchedulePlan) -> String {
    let cost = p.cost_per_day_usd();
    let (lo, hi) = cost.ci95.unwrap_or((f64::NAN, f64::NAN));
    let wait = judged_wait(&p.result);
    let fixed = p.fixed.as_ref().map_or(",,".to_string(), |f| {
        let day = f.cost_per_day_usd.mean;
        format!("{},{day},{}", f.count, f.saving(cost.mean) * 100.0)
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

/// The `frontier` chart: each planned target's cost per day with its
/// interval, and the cheapest fixed pool of the same tier.
fn frontier_plot(f: &Frontier, formats: ChartFormats) -> Result<Chart, ChartError> {
    let points: Vec<FrontierPoint> = f
        .plans()
        .map(|(t, p)| FrontierPoint {
            target_s: t.target.as_secs_f64(),
            cost_per_day_usd: p.cost_per_day_usd(),
            fixed_per_day_usd: p.fixed.as_ref().ok().map(|f| f.cost_per_day_usd.mean),
        })
        .collect();
    frontier_chart(&points, &tier_name(f), formats)
}
