//! The capacity report: one document model rendered as `summary.md` and as
//! a self-contained `report.html` (charts inline as SVG, no external URL).

use std::fmt::Write;

use super::chart::Chart;
use super::sweep::SweepSummary;
use super::table::{backtest_rows, count_decimals};
use super::verdict::{met_word, verdict_sentences, verdict_table};
use crate::results::{
    Estimate, Metric, Objective, PoolMetric as P, RunSummary, SweepTable, TotalMetric as T,
    WorkloadMetric as W,
};

/// A Markdown table (the first row is the header), `|` in cells escaped:
/// one rendering for the reports and `check`'s step summary.
pub fn markdown_table(rows: &[Vec<String>]) -> String {
    let mut out = String::new();
    for (i, row) in rows.iter().enumerate() {
        let cells: Vec<String> = row.iter().map(|c| c.replace('|', "\\|")).collect();
        let _ = writeln!(out, "| {} |", cells.join(" | "));
        if i == 0 {
            let _ = writeln!(out, "|{}", "---|".repeat(row.len()));
        }
    }
    out
}

/// A block of the report.
enum Block {
    Heading(String),
    Para(String),
    /// One objective's verdict, led by a met/MISSED box.
    Verdict {
        met: bool,
        text: String,
    },
    /// Header row first.
    Table(Vec<Vec<String>>),
    /// A chart by index.
    Chart(usize),
}

/// A "Charts" section showing each of `charts`; nothing without charts.
fn chart_blocks(charts: &[Chart]) -> Vec<Block> {
    if charts.is_empty() {
        return Vec::new();
    }
    let mut b = vec![Block::Heading("Charts".into())];
    b.extend((0..charts.len()).map(Block::Chart));
    b
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

/// A count's mean over replications, whole when it is (see
/// `count_decimals`).
fn count(e: Estimate) -> String {
    est(e, "", count_decimals(e))
}

fn minutes(e: Estimate) -> Estimate {
    Estimate {
        mean: e.mean / 60.0,
        std_error: e.std_error / 60.0,
        ci95: e.ci95.map(|(l, h)| (l / 60.0, h / 60.0)),
    }
}

/// A percentage of a 0-1 estimate.
fn pct(e: Estimate) -> String {
    est(
        Estimate {
            mean: e.mean * 100.0,
            std_error: e.std_error * 100.0,
            ci95: e.ci95.map(|(l, h)| (l * 100.0, h * 100.0)),
        },
        "%",
        1,
    )
}

/// What the cost lines say when no replication observed any time: every
/// one stopped inside the warm-up.
const NO_STATISTIC: &str = "Cost: no statistic: every replication stopped inside the warm-up, before the observed window began (a queue outgrew its bound; see the warnings).";

/// A table: the header, then one row per item.
fn table<T>(head: &[&str], items: &[T], row: impl Fn(&T) -> Vec<String>) -> Block {
    let mut rows = vec![head.iter().map(|h| h.to_string()).collect()];
    rows.extend(items.iter().map(row));
    Block::Table(rows)
}

/// The answer first: the verdict per objective with the value that decided
/// it, the cost per day and month, the p95 wait, and what would fix a
/// miss.
fn answer_blocks(run: &RunSummary) -> Vec<Block> {
    let t = &run.totals;
    let mut b = vec![Block::Heading("Answer".into())];
    // Each objective first, with the value that decided it.
    if let Some(v) = &run.slo {
        for (o, line) in v.objectives.iter().zip(verdict_sentences(v)) {
            b.push(Block::Verdict {
                met: o.met,
                text: line,
            });
        }
    }
    let day = t.get(T::CostPerDayUsd).mean;
    let (low, high) = run.cost_per_day_range_usd;
    let mut lines = vec![if day.is_nan() {
        // Every replication stopped before the observed window began.
        NO_STATISTIC.to_string()
    } else {
        format!(
            "Cost USD {day:.2} a day, about USD {:.0} a month (USD {low:.2} to {high:.2} a day under the two documented price estimates, VM and allocation; the verdict uses the prices in force); p95 wait over every run {}.",
            day * 30.0,
            est(minutes(t.get(T::WaitP95S)), " min", 1)
        )
    }];
    lines.extend(
        run.advice
            .iter()
            .map(|a| format!("What would fix it: {a}.")),
    );
    b.push(Block::Para(lines.join("  \n")));
    b
}

/// The verdict per objective (read from the run, never re-judged) and the
/// waits over all runs.
fn service_blocks(run: &RunSummary) -> Vec<Block> {
    let t = &run.totals;
    let mut b = vec![Block::Heading("Service level".into())];
    match &run.slo {
        None => b.push(Block::Para("No [slo] is set.".into())),
        Some(v) => {
            b.push(Block::Para(if run.replications > 1 {
                format!(
                    "Verdict on the mean over replications: **{}**; on the upper end of the 95% intervals (as sweeps and plans judge): **{}**.",
                    met_word(v.met),
                    met_word(v.met_upper95)
                )
            } else {
                format!(
                    "Verdict on one replication: **{}** (with one replication there is no interval, so both bases read the same value; run more to judge on the upper bound).",
                    met_word(v.met)
                )
            }));
            b.push(Block::Table(verdict_table(v)));
        }
    }
    let censored: f64 = run
        .workloads
        .iter()
        .map(|w| w.metrics.get(W::Censored).mean)
        .sum();
    let lower_bound = if censored > 0.0 {
        format!(
            " {censored:.1} runs per replication were still queued at the end; they count with their wait so far, so the waits are lower bounds."
        )
    } else {
        String::new()
    };
    let intervals = if run.replications > 1 {
        " (95% intervals in brackets)"
    } else {
        ""
    };
    b.push(Block::Para(format!(
        "Over all runs, the p95 wait is {} and the mean wait {}{intervals}.{lower_bound}",
        est(minutes(t.get(T::WaitP95S)), " min", 1),
        est(minutes(t.get(T::WaitMeanS)), " min", 1)
    )));
    b
}

fn cost_blocks(run: &RunSummary) -> Vec<Block> {
    let t = &run.totals;
    let day = t.get(T::CostPerDayUsd);
    let text = if day.mean.is_nan() {
        NO_STATISTIC.to_string()
    } else {
        format!(
            "USD {} a day, about USD {:.0} a month (30 days); USD {} per run. Pool prices are estimates (see the README).",
            est(day, "", 2),
            day.mean * 30.0,
            est(t.get(T::CostPerTaskUsd), "", 4)
        )
    };
    vec![Block::Heading("Cost".into()), Block::Para(text)]
}

fn pool_blocks(run: &RunSummary) -> Vec<Block> {
    if run.pools.is_empty() {
        return Vec::new();
    }
    let mut b = vec![
        Block::Heading("Pools".into()),
        table(
            &[
                "pool",
                "tier",
                "instances",
                "utilisation",
                "queue mean",
                "instance-hours",
                "cost USD",
            ],
            &run.pools,
            |p| {
                let m = &p.metrics;
                vec![
                    p.name.clone(),
                    p.tier.to_string(),
                    est(m.get(P::InstancesMean), "", 2),
                    pct(m.get(P::Utilization)),
                    est(m.get(P::QueueLenMean), "", 2),
                    est(m.get(P::InstanceHours), "", 1),
                    est(m.get(P::CostUsd), "", 2),
                ]
            },
        ),
    ];
    if run.pools.iter().any(|p| p.scales || p.cold_starts) {
        b.push(Block::Para(
            "What scaling cost (per replication, observed window):".into(),
        ));
        b.push(table(
            &[
                "pool",
                "scale-ups",
                "capped",
                "instances denied",
                "preempted",
                "cold starts",
                "cold-start hours",
                "no-capacity wait hours",
            ],
            &run.pools,
            |p| {
                let m = &p.metrics;
                vec![
                    p.name.clone(),
                    count(m.get(P::ScaleUps)),
                    count(m.get(P::ScaleUpsCapped)),
                    count(m.get(P::InstancesDenied)),
                    count(m.get(P::Preempted)),
                    count(m.get(P::ColdStarts)),
                    est(m.get(P::ColdStartHours), "", 2),
                    est(m.get(P::NoCapacityWaitHours), "", 2),
                ]
            },
        ));
    }
    b.push(Block::Para(
        "The analytic baseline (steady state, Erlang C and Allen-Cunneen) beside the simulated waits:"
            .into(),
    ));
    b.push(table(
        &[
            "pool",
            "offered load",
            "P(wait) M/M/c",
            "P(wait) simulated",
            "wait M/M/c (min)",
            "wait Allen-Cunneen (min)",
            "wait simulated (min)",
            "applies",
        ],
        &run.pools,
        |p| {
            let a = &p.analytic;
            vec![
                p.name.clone(),
                format!("{:.2}", a.offered_load),
                fixed(a.mmc_wait_probability, 3),
                fixed(p.metrics.get(P::WaitedFraction).mean, 3),
                fixed(a.mmc_wait_mean_s / 60.0, 2),
                fixed(a.allen_cunneen_wait_mean_s / 60.0, 2),
                fixed(p.metrics.get(P::WaitMeanS).mean / 60.0, 2),
                a.not_applicable
                    .clone()
                    .map_or("yes".into(), |r| format!("no: {r}")),
            ]
        },
    ));
    b
}

fn workload_blocks(run: &RunSummary) -> Vec<Block> {
    vec![
        Block::Heading("Workloads".into()),
        table(
            &[
                "workload",
                "pool",
                "runs",
                "waited",
                "wait mean (min)",
                "wait p95 (min)",
                "run mean (min)",
                "timed out",
                "still queued at the end",
            ],
            &run.workloads,
            |w| {
                let m = &w.metrics;
                vec![
                    w.name.clone(),
                    w.pool.clone(),
                    est(m.get(W::Arrived), "", 0),
                    pct(m.get(W::WaitedFraction)),
                    est(minutes(m.get(W::WaitMeanS)), "", 2),
                    est(minutes(m.get(W::WaitP95S)), "", 2),
                    est(minutes(m.get(W::RunMeanS)), "", 2),
                    count(m.get(W::TimedOut)),
                    count(m.get(W::Censored)),
                ]
            },
        ),
    ]
}

/// Cells longer than this are prose (a reason, a description): they wrap
/// and read from the left; shorter ones are figures and stay on one line.
const PROSE_CHARS: usize = 24;

/// The report's style sheet: it reads from phone to desktop width (checked
/// in headless Chromium at 360, 800 and 1600 px). Charts scale to the
/// column (their SVG keeps its view box, so its aspect ratio); a table
/// wider than the screen scrolls on its own rather than the page, so a
/// figure with its interval stays on one line instead of breaking in three.
const STYLE: &str = "\
body { font-family: sans-serif; max-width: 1050px; margin: 1em auto; padding: 0 1em; color: #222; line-height: 1.4; overflow-wrap: break-word; }
.table { overflow-x: auto; margin: 1em 0; }
table { border-collapse: collapse; }
th, td { border: 1px solid #ccc; padding: 4px 8px; text-align: right; }
td { white-space: nowrap; }
th:first-child, td:first-child, td.prose { text-align: left; }
td.prose { white-space: normal; min-width: 14em; }
code { font-size: 0.95em; background: #f3f3f3; padding: 0 0.2em; }
figure { margin: 1.5em 0; }
.chart { overflow-x: auto; }
.chart svg { display: block; width: 100%; min-width: 720px; height: auto; }
.verdict .box { display: inline-block; min-width: 4.5em; text-align: center; font-weight: bold; padding: 0.1em 0.4em; margin-right: 0.5em; border-radius: 3px; color: #fff; }
.verdict.met .box { background: #2e7d32; }
.verdict.missed .box { background: #c62828; }
";

impl<'a> Document<'a> {
    /// The capacity report of a run: read from the run's summary alone,
    /// with the warnings of the run (the same list as `summary.json`'s)
    /// first, where a reader cannot miss them.
    pub fn for_run(run: &RunSummary, warnings: &[String], charts: &'a [Chart]) -> Document<'a> {
        let cx = &run.context;
        let mut b = answer_blocks(run);
        if !warnings.is_empty() {
            b.push(Block::Heading("Warnings".into()));
            b.extend(warnings.iter().map(|w| Block::Para(format!("⚠ {w}"))));
        }
        b.push(Block::Heading("Scenario".into()));
        b.extend(cx.description.iter().cloned().map(Block::Para));
        if let Some(observed) = super::warnings::observed_window(run) {
            b.push(Block::Para(format!("Replications: {observed}.")));
        }
        b.push(Block::Heading("Quota".into()));
        b.push(Block::Para(cx.quota.clone()));
        b.extend(service_blocks(run));
        b.extend(cost_blocks(run));
        b.extend(pool_blocks(run));
        b.extend(workload_blocks(run));
        if run.workloads.iter().any(|w| w.recorded.is_some()) {
            // A replay's point: do the recorded waits come out again?
            b.push(Block::Heading("Back-test".into()));
            b.push(Block::Para(
                "The waits the trace recorded beside the simulated ones (observed window; ± is the 95% interval half-width). Replayed on the configuration that recorded them, the two should agree.".into(),
            ));
            b.push(Block::Table(backtest_rows(run)));
        }
        b.extend(chart_blocks(charts));
        if !charts.is_empty() {
            let left_out = super::run_charts_left_out(run);
            b.extend(
                left_out
                    .iter()
                    .map(|why| Block::Para(format!("Left out: {why}."))),
            );
        }
        Document {
            title: format!("Capacity report: {}", run.scenario),
            blocks: b,
            charts,
        }
    }

    /// The report of `poolcast compare`: the runs side by side, each with
    /// its verdict lines, and the differences from the first.
    pub fn for_compare(cmp: &super::compare::Comparison, charts: &'a [Chart]) -> Document<'a> {
        let first = cmp.runs.first().map_or("", |(n, _)| *n);
        let mut b = vec![
            Block::Heading("Comparison".into()),
            Block::Para(format!(
                "Each scenario against {first}; ± is the 95% interval half-width. {}",
                if cmp.paired {
                    "They share their random numbers (same seed, replications and workloads), so the differences are paired across replications: the noise both see cancels."
                } else {
                    "Their workloads, seeds or replications differ, so the differences are of independent estimates (standard errors in quadrature)."
                }
            )),
            Block::Table(cmp.rows()),
        ];
        for (name, run) in &cmp.runs {
            if let Some(v) = &run.slo {
                b.push(Block::Heading(format!("{name}: verdict")));
                b.push(Block::Table(verdict_table(v)));
            }
        }
        // What a choice between them must weigh beside the numbers.
        for ((name, _), warnings) in cmp.runs.iter().zip(&cmp.warnings) {
            if !warnings.is_empty() {
                b.push(Block::Heading(format!("{name}: warnings")));
                b.extend(warnings.iter().map(|w| Block::Para(format!("⚠ {w}"))));
            }
        }
        b.extend(chart_blocks(charts));
        if let Some(why) = super::compare_charts_left_out(cmp) {
            b.push(Block::Para(format!("No charts: {why}.")));
        }
        Document {
            title: format!(
                "Comparison: {}",
                cmp.runs
                    .iter()
                    .map(|(n, _)| *n)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            blocks: b,
            charts,
        }
    }

    /// The report of a sweep.
    pub fn for_sweep(
        scenario: &str,
        table: &SweepTable,
        obj: &Objective,
        summary: &SweepSummary,
        charts: &'a [Chart],
    ) -> Document<'a> {
        let mut b = vec![Block::Heading("Sweep".into())];
        let (infeasible, _) = table.infeasible();
        b.push(Block::Para(format!(
            "{} points over {}; {infeasible} are infeasible (listed in sweep.csv with the reason) and were not run. Points meet the SLO on the upper end of their 95% interval.",
            table.len(),
            table.axes.join(", ")
        )));
        b.push(Block::Heading("Recommendation".into()));
        b.push(Block::Para(
            super::sweep::recommendation_text(table, obj, summary).replace('\n', "  \n"),
        ));
        if !summary.warnings.is_empty() {
            b.push(Block::Heading("Warnings".into()));
            b.extend(
                summary
                    .warnings
                    .iter()
                    .map(|w| Block::Para(format!("⚠ {w}"))),
            );
        }
        b.push(Block::Heading("Pareto front".into()));
        let mut head: Vec<String> = vec!["point".into()];
        head.extend(table.axes.iter().cloned());
        head.extend([
            format!("{} USD", obj.cost_metric().name()),
            "p95 wait (min)".into(),
            "p95 wait, upper 95% bound (min)".into(),
            "met (mean)".into(),
            "met (upper 95%)".into(),
        ]);
        let mut rows = vec![head];
        for r in &summary.front_listed {
            let mut row = vec![r.point.to_string()];
            row.extend(r.params.iter().cloned());
            row.push(format!("{:.2}", r.cost(obj)));
            let wait = r.deciding_wait();
            row.push(format!("{:.2}", wait.value / 60.0));
            row.push(format!("{:.2}", wait.value_upper95 / 60.0));
            let v = r.verdict(obj);
            for met in [v.as_ref().map(|v| v.met), v.as_ref().map(|v| v.met_upper95)] {
                row.push(met.map_or("-", met_word).into());
            }
            rows.push(row);
        }
        b.push(Block::Table(rows));
        if summary.front > summary.front_listed.len() {
            b.push(Block::Para(format!(
                "... and {} more points on the front: every one is in pareto.csv.",
                summary.front - summary.front_listed.len()
            )));
        }
        b.extend(chart_blocks(charts));
        Document {
            title: format!("Sweep report: {scenario}"),
            blocks: b,
            charts,
        }
    }

    /// `summary.md`; charts are linked as the files beside it with
    /// extension `chart_ext` (`png` or `svg`), or left out without one.
    pub fn markdown(&self, chart_ext: Option<&str>) -> String {
        let mut out = format!("# {}\n", self.title);
        for block in &self.blocks {
            match block {
                Block::Heading(h) => {
                    let _ = write!(out, "\n## {h}\n");
                }
                Block::Para(p) => {
                    let _ = write!(out, "\n{p}\n");
                }
                Block::Verdict { met, text } => {
                    let word = if *met { "MET" } else { "MISSED" };
                    let _ = write!(out, "\n**{word}** {text}\n");
                }
                Block::Table(rows) => {
                    out.push('\n');
                    out.push_str(&markdown_table(rows));
                }
                Block::Chart(i) => {
                    if let Some(ext) = chart_ext {
                        let c = &self.charts[*i];
                        let _ = write!(out, "\n![{}]({}.{ext})\n", c.title, c.name);
                    }
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
        // The Markdown the paragraphs use: `code` spans (a cron pattern,
        // a command), **emphasis** outside them, and hard line breaks.
        let inline = |s: &str| {
            let mut out = String::new();
            for (i, span) in esc(s).split('`').enumerate() {
                if i % 2 == 1 {
                    let _ = write!(out, "<code>{span}</code>");
                    continue;
                }
                for (j, part) in span.split("**").enumerate() {
                    if j % 2 == 1 {
                        let _ = write!(out, "<strong>{part}</strong>");
                    } else {
                        out.push_str(part);
                    }
                }
            }
            out.replace("  \n", "<br>\n")
        };
        let mut out = format!(
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n<h1>{}</h1>\n",
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
                Block::Verdict { met, text } => {
                    let (class, word) = if *met {
                        ("met", "MET")
                    } else {
                        ("missed", "MISSED")
                    };
                    let _ = writeln!(
                        out,
                        "<p class=\"verdict {class}\"><span class=\"box\">{word}</span>{}</p>",
                        inline(text)
                    );
                }
                Block::Table(rows) => {
                    out.push_str("<div class=\"table\"><table>\n");
                    for (i, row) in rows.iter().enumerate() {
                        let tag = if i == 0 { "th" } else { "td" };
                        // The first column names the row: it stays on
                        // one line whatever its length.
                        let cells: String = row
                            .iter()
                            .enumerate()
                            .map(|(k, c)| {
                                let prose = i > 0 && k > 0 && c.chars().count() > PROSE_CHARS;
                                let class = if prose { " class=\"prose\"" } else { "" };
                                format!("<{tag}{class}>{}</{tag}>", esc(c))
                            })
                            .collect();
                        let _ = writeln!(out, "<tr>{cells}</tr>");
                    }
                    out.push_str("</table></div>\n");
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
                        "<figure>\n<div class=\"chart\">\n{}\n</div>\n<figcaption>{}</figcaption>\n</figure>",
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
