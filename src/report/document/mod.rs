//! The capacity report: one document model rendered as `summary.md` and as
//! a self-contained `report.html` (charts inline as SVG, no external URL).

use std::fmt::Write as _;
use std::io;

mod html;
mod run_sections;

use super::chart::Chart;
use super::sweep::SweepSummary;
use super::verdict::{met_word, verdict_table};
use crate::results::{Metric, Objective, SweepTable};

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

impl<'a> Document<'a> {
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

    /// Writes `summary.md`; charts are linked as the files beside it with
    /// extension `chart_ext` (`png` or `svg`), or left out without one.
    pub fn write_markdown(
        &self,
        out: &mut dyn io::Write,
        chart_ext: Option<&str>,
    ) -> io::Result<()> {
        writeln!(out, "# {}", self.title)?;
        for block in &self.blocks {
            match block {
                Block::Heading(h) => write!(out, "\n## {h}\n")?,
                Block::Para(p) => write!(out, "\n{p}\n")?,
                Block::Verdict { met, text } => {
                    let word = if *met { "MET" } else { "MISSED" };
                    write!(out, "\n**{word}** {text}\n")?;
                }
                Block::Table(rows) => write!(out, "\n{}", markdown_table(rows))?,
                Block::Chart(i) => {
                    if let Some(ext) = chart_ext {
                        let c = &self.charts[*i];
                        write!(out, "\n![{}]({}.{ext})\n", c.title, c.name)?;
                    }
                }
            }
        }
        Ok(())
    }
}
