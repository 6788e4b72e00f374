//! The capacity report: one document model rendered as `summary.md` and as
//! a self-contained `report.html` (charts inline as SVG, no external URL).

use std::fmt::Write;

use super::chart::Chart;
use crate::analytic::baseline;
use crate::model::{Scaling, Target, TierKind};
use crate::replication::RunSummary;
use crate::scenario::Scenario;
use crate::stats::Estimate;
use crate::sweep::{Objective, SweepTable};
use crate::workload::{ArrivalProcess, DurationDist};

/// A block of the report.
enum Block {
    Heading(String),
    Para(String),
    /// Header row first.
    Table(Vec<Vec<String>>),
    /// A chart by index.
    Chart(usize),
}

/// A report: blocks plus the charts they show.
pub struct Document<'a> {
    title: String,
    blocks: Vec<Block>,
    charts: &'a [Chart],
}

fn est(e: Estimate, unit: &str, decimals: usize) -> String {
    if e.mean.is_nan() {
        return "-".into();
    }
    match e.ci95 {
        Some((lo, hi)) if hi > lo => format!(
            "{:.decimals$}{unit} ({:.decimals$} to {:.decimals$})",
            e.mean, lo, hi
        ),
        _ => format!("{:.decimals$}{unit}", e.mean),
    }
}

/// A number with `decimals`, or "-" when undefined.
fn fixed(x: f64, decimals: usize) -> String {
    if x.is_nan() {
        "-".into()
    } else {
        format!("{x:.decimals$}")
    }
}

fn minutes(e: Estimate) -> Estimate {
    Estimate {
        mean: e.mean / 60.0,
        std_error: e.std_error / 60.0,
        ci95: e.ci95.map(|(l, h)| (l / 60.0, h / 60.0)),
    }
}

fn arrival_words(a: &ArrivalProcess) -> String {
    match a {
        ArrivalProcess::Poisson { rate } => {
            format!("Poisson arrivals, {:.1} runs an hour", rate.as_per_hour())
        }
        ArrivalProcess::Profile { .. } => {
            format!(
                "a daily and weekly profile, {:.1} runs an hour on average",
                a.mean_rate().as_per_hour()
            )
        }
        ArrivalProcess::Cron {
            schedule, tasks, ..
        } => {
            format!("cron `{}`, {tasks} runs per firing", schedule.pattern)
        }
        ArrivalProcess::Burst { rate, size } => format!(
            "bursts of {:.1} runs on average, {:.1} bursts an hour",
            size.mean(),
            rate.as_per_hour()
        ),
        ArrivalProcess::Trace { trace, .. } => {
            format!("a replay of {} recorded runs", trace.runs().len())
        }
    }
}

fn duration_words(d: &DurationDist) -> String {
    let kind = match d {
        DurationDist::Constant { .. } => "constant",
        DurationDist::Exponential { .. } => "exponential",
        DurationDist::LogNormal { .. } => "lognormal",
        DurationDist::Gamma { .. } => "gamma",
        DurationDist::Uniform { .. } => "uniform",
        DurationDist::Empirical { .. } => "empirical",
    };
    let mean = d.mean_secs();
    format!(
        "{kind} run time, mean {:.1} min (cv {:.2})",
        mean / 60.0,
        d.variance_secs2().sqrt() / mean
    )
}

fn scenario_words(s: &Scenario) -> Vec<Block> {
    let sim = &s.simulation;
    let mut out = vec![Block::Para(format!(
        "{} replications of {} each, starting {} UTC; the first {} of each is a warm-up and is left out of every figure.",
        sim.replications,
        sim.horizon,
        sim.calendar.start().format("%A %Y-%m-%d %H:%M"),
        sim.warmup
    ))];
    for p in &s.pools {
        let policy = match &p.scaling {
            Scaling::Fixed => format!("{} instances, fixed", p.count),
            Scaling::Schedule(rules) => format!(
                "a schedule of {} rules (starting at {})",
                rules.len(),
                p.count
            ),
            Scaling::Queue(c) => format!(
                "a queue controller between {} and {} instances, polling every {}",
                c.min, c.max, c.poll
            ),
        };
        out.push(Block::Para(format!(
            "Pool **{}**: tier {} ({} vCPU, {} GB per instance), {policy}; count changes take {}.",
            p.name,
            p.tier,
            p.tier.vcpu(),
            p.tier.memory_gb(),
            p.provisioning
        )));
    }
    for w in &s.workloads {
        let target = match w.target {
            Target::Pool(id) => format!("pool {}", s.pools[id.0 as usize].name),
            Target::DefaultCompute => "the default compute environment".into(),
        };
        out.push(Block::Para(format!(
            "Workload **{}** on {target}: {}; {}, measured on {} vCPU with parallel fraction {}; timeout {}.",
            w.name,
            arrival_words(&w.arrival),
            duration_words(&w.duration),
            w.ref_cpu,
            w.parallel_fraction,
            w.timeout
        )));
    }
    out
}

fn quota_words(s: &Scenario) -> Block {
    let used = s.quota.usage(&s.pools);
    let most = |kind| -> u32 {
        s.pools
            .iter()
            .filter(|p| p.tier.kind() == kind)
            .map(|p| p.max_count() * p.tier.vcpu())
            .sum()
    };
    Block::Para(format!(
        "Standard quota: {} of {} vCPUs at the start, up to {} if every pool scales to its maximum. Isolated quota: {} of {} vCPUs (up to {}). A quota increase is a support request.",
        used.standard_vcpu,
        s.quota.standard_vcpu,
        most(TierKind::Standard),
        used.isolated_vcpu,
        s.quota.isolated_vcpu,
        most(TierKind::Isolated)
    ))
}

impl<'a> Document<'a> {
    /// The capacity report of a run.
    pub fn for_run(s: &Scenario, run: &RunSummary, charts: &'a [Chart]) -> Document<'a> {
        let mut b = vec![Block::Heading("Scenario".into())];
        b.extend(scenario_words(s));
        b.push(Block::Heading("Quota".into()));
        b.push(quota_words(s));
        b.push(Block::Heading("Service level".into()));
        let t = &run.totals;
        let verdict = match run.slo_met {
            None => "No [slo] is set.".to_string(),
            Some(met) => {
                let mut goals = Vec::new();
                if let Some(w) = s.slo.wait_p95 {
                    goals.push(format!("p95 wait at most {w}"));
                }
                if let Some(c) = s.slo.max_cost_per_day_usd {
                    goals.push(format!("compute cost at most USD {c:.2} a day"));
                }
                format!(
                    "Objective: {}. Verdict (on the mean over replications): **{}**.",
                    goals.join(", "),
                    if met { "met" } else { "missed" }
                )
            }
        };
        b.push(Block::Para(format!(
            "{verdict} Over all runs, the p95 wait is {} and the mean wait {} (95% intervals in brackets).",
            est(minutes(t.get("wait_p95_s")), " min", 1),
            est(minutes(t.get("wait_mean_s")), " min", 1)
        )));
        b.push(Block::Heading("Cost".into()));
        let day = t.get("cost_per_day_usd");
        b.push(Block::Para(format!(
            "USD {} a day, about USD {:.0} a month (30 days); USD {} per run. Pool prices are estimates (see the README).",
            est(day, "", 2),
            day.mean * 30.0,
            est(t.get("cost_per_task_usd"), "", 4)
        )));
        if !run.pools.is_empty() {
            b.push(Block::Heading("Pools".into()));
            let mut rows = vec![
                [
                    "pool",
                    "tier",
                    "instances",
                    "utilisation",
                    "queue mean",
                    "instance-hours",
                    "cost USD",
                    "scale-ups",
                    "capped",
                ]
                .map(String::from)
                .to_vec(),
            ];
            for p in &run.pools {
                let m = &p.metrics;
                let pct = |e: Estimate| {
                    est(
                        Estimate {
                            mean: e.mean * 100.0,
                            std_error: 0.0,
                            ci95: e.ci95.map(|(l, h)| (l * 100.0, h * 100.0)),
                        },
                        "%",
                        1,
                    )
                };
                rows.push(vec![
                    p.name.clone(),
                    p.tier.to_string(),
                    est(m.get("instances_mean"), "", 2),
                    pct(m.get("utilization")),
                    est(m.get("queue_len_mean"), "", 2),
                    est(m.get("instance_hours"), "", 1),
                    est(m.get("cost_usd"), "", 2),
                    est(m.get("scale_ups"), "", 1),
                    est(m.get("scale_ups_capped"), "", 1),
                ]);
            }
            b.push(Block::Table(rows));
            let mut rows = vec![
                [
                    "pool",
                    "offered load",
                    "P(wait) M/M/c",
                    "wait M/M/c (min)",
                    "wait Allen-Cunneen (min)",
                    "applies",
                ]
                .map(String::from)
                .to_vec(),
            ];
            for (p, a) in s.pools.iter().zip(baseline(s)) {
                rows.push(vec![
                    p.name.clone(),
                    format!("{:.2}", a.offered_load),
                    fixed(a.mmc_wait_probability, 3),
                    fixed(a.mmc_wait_mean_s / 60.0, 2),
                    fixed(a.allen_cunneen_wait_mean_s / 60.0, 2),
                    a.not_applicable
                        .clone()
                        .map_or("yes".into(), |r| format!("no: {r}")),
                ]);
            }
            b.push(Block::Para(
                "The analytic baseline (steady state, Erlang C and Allen-Cunneen) for comparison:"
                    .into(),
            ));
            b.push(Block::Table(rows));
        }
        b.push(Block::Heading("Workloads".into()));
        let mut rows = vec![
            [
                "workload",
                "pool",
                "runs",
                "waited",
                "wait mean (min)",
                "wait p95 (min)",
                "run mean (min)",
                "timed out",
            ]
            .map(String::from)
            .to_vec(),
        ];
        for w in &run.workloads {
            let m = &w.metrics;
            rows.push(vec![
                w.name.clone(),
                w.pool.clone(),
                est(m.get("arrived"), "", 0),
                est(
                    Estimate {
                        mean: m.get("waited_fraction").mean * 100.0,
                        std_error: 0.0,
                        ci95: None,
                    },
                    "%",
                    1,
                ),
                est(minutes(m.get("wait_mean_s")), "", 2),
                est(minutes(m.get("wait_p95_s")), "", 2),
                est(minutes(m.get("run_mean_s")), "", 2),
                est(m.get("timed_out"), "", 1),
            ]);
        }
        b.push(Block::Table(rows));
        if !charts.is_empty() {
            b.push(Block::Heading("Charts".into()));
            b.extend((0..charts.len()).map(Block::Chart));
        }
        Document {
            title: format!("Capacity report: {}", run.scenario),
            blocks: b,
            charts,
        }
    }

    /// The report of a sweep.
    pub fn for_sweep(
        scenario: &str,
        table: &SweepTable,
        obj: &Objective,
        charts: &'a [Chart],
    ) -> Document<'a> {
        let mut b = vec![Block::Heading("Sweep".into())];
        let infeasible = table.rows.iter().filter(|r| !r.feasible).count();
        b.push(Block::Para(format!(
            "{} points over {}; {infeasible} are infeasible (listed in sweep.csv with the reason) and were not run. Points meet the SLO on the upper end of their 95% interval.",
            table.rows.len(),
            table.axes.join(", ")
        )));
        b.push(Block::Heading("Recommendation".into()));
        b.push(Block::Para(
            super::sweep::recommendation_text(table, obj, &table.recommend(obj))
                .replace('\n', "  \n"),
        ));
        b.push(Block::Heading("Pareto front".into()));
        let mut head: Vec<String> = vec!["point".into()];
        head.extend(table.axes.iter().cloned());
        head.extend([
            format!("{} USD", obj.cost_metric()),
            "p95 wait (min)".into(),
            "meets SLO".into(),
        ]);
        let mut rows = vec![head];
        for r in table.pareto(obj) {
            let mut row = vec![r.point.to_string()];
            row.extend(r.params.iter().cloned());
            row.push(format!("{:.2}", table.cost(r, obj)));
            row.push(format!("{:.2}", table.value(r, "wait_p95_s")[0] / 60.0));
            row.push(if table.meets(r, obj) { "yes" } else { "no" }.into());
            rows.push(row);
        }
        b.push(Block::Table(rows));
        if !charts.is_empty() {
            b.push(Block::Heading("Charts".into()));
            b.extend((0..charts.len()).map(Block::Chart));
        }
        Document {
            title: format!("Sweep report: {scenario}"),
            blocks: b,
            charts,
        }
    }

    /// `summary.md`; charts are linked as the PNG files beside it.
    pub fn markdown(&self) -> String {
        let mut out = format!("# {}\n", self.title);
        for block in &self.blocks {
            match block {
                Block::Heading(h) => {
                    let _ = write!(out, "\n## {h}\n");
                }
                Block::Para(p) => {
                    let _ = write!(out, "\n{p}\n");
                }
                Block::Table(rows) => {
                    out.push('\n');
                    for (i, row) in rows.iter().enumerate() {
                        let cells: Vec<String> =
                            row.iter().map(|c| c.replace('|', "\\|")).collect();
                        let _ = writeln!(out, "| {} |", cells.join(" | "));
                        if i == 0 {
                            let _ = writeln!(out, "|{}", "---|".repeat(row.len()));
                        }
                    }
                }
                Block::Chart(i) => {
                    let c = &self.charts[*i];
                    let _ = write!(out, "\n![{}]({}.png)\n", c.title, c.name);
                }
            }
        }
        out
    }

    /// `report.html`: self-contained, charts inline as SVG.
    pub fn html(&self) -> String {
        let esc = |s: &str| {
            s.replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;")
        };
        // The Markdown emphasis the paragraphs use.
        let inline = |s: &str| {
            let mut out = String::new();
            for (i, part) in esc(s).split("**").enumerate() {
                if i % 2 == 1 {
                    let _ = write!(out, "<strong>{part}</strong>");
                } else {
                    out.push_str(part);
                }
            }
            out.replace("  \n", "<br>\n")
        };
        let mut out = format!(
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>\nbody {{ font-family: sans-serif; max-width: 1050px; margin: 2em auto; color: #222; }}\ntable {{ border-collapse: collapse; margin: 1em 0; }}\nth, td {{ border: 1px solid #ccc; padding: 4px 8px; text-align: right; }}\nth:first-child, td:first-child {{ text-align: left; }}\nfigure {{ margin: 1.5em 0; }}\n</style>\n</head>\n<body>\n<h1>{}</h1>\n",
            esc(&self.title),
            esc(&self.title)
        );
        for block in &self.blocks {
            match block {
                Block::Heading(h) => {
                    let _ = writeln!(out, "<h2>{}</h2>", esc(h));
                }
                Block::Para(p) => {
                    let _ = writeln!(out, "<p>{}</p>", inline(p));
                }
                Block::Table(rows) => {
                    out.push_str("<table>\n");
                    for (i, row) in rows.iter().enumerate() {
                        let tag = if i == 0 { "th" } else { "td" };
                        let cells: String = row
                            .iter()
                            .map(|c| format!("<{tag}>{}</{tag}>", esc(c)))
                            .collect();
                        let _ = writeln!(out, "<tr>{cells}</tr>");
                    }
                    out.push_str("</table>\n");
                }
                Block::Chart(i) => {
                    let c = &self.charts[*i];
                    // The SVG document minus its XML prologue, inline.
                    let svg = c.svg.trim_start_matches(|ch| ch != '<');
                    let svg = if svg.starts_with("<?xml") {
                        svg.split_once("?>").map_or(svg, |(_, rest)| rest)
                    } else {
                        svg
                    };
                    let _ = writeln!(
                        out,
                        "<figure>\n{}\n<figcaption>{}</figcaption>\n</figure>",
                        svg.trim(),
                        esc(&c.title)
                    );
                }
            }
        }
        out.push_str("</body>\n</html>\n");
        out
    }
}
