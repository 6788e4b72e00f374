//! Sweep outputs: `sweep.csv` (one row per point), `pareto.csv`,
//! `recommendation.json` and `sweep.json` (what a merge needs).

use std::io::{self, Write};

use ::csv::Writer;
use serde::Serialize;

use super::csv::cell;
use super::json::{Object, pretty};
use crate::model::{Per, Window};
use crate::results::{
    Checksum, Decision, Metric, Objective, ObjectiveKind, ObjectiveVerdict, SweepMetaFile,
    SweepRow, SweepTable, TotalMetric, objective_id,
};

/// A row's verdict cells, from one reading of its verdict: `slo_met` (on
/// the mean, as `summary.json` and `check` judge) and `slo_met_upper95`
/// (on the upper 95% bound, as recommendations judge), then each
/// objective's pair as `objective_verdict_columns` names them; empty for a
/// point that did not run or without objectives.
fn verdict_cells(r: &SweepRow, obj: &Objective) -> ([String; 2], Vec<String>) {
    match r.verdict(obj).filter(|_| r.feasible) {
        Some(v) => (
            [v.met.to_string(), v.met_upper95.to_string()],
            v.objectives
                .iter()
                .flat_map(|o| [o.met.to_string(), o.met_upper95.to_string()])
                .collect(),
        ),
        None => (
            [String::new(), String::new()],
            vec![String::new(); 2 * objective_ids(obj).len()],
        ),
    }
}

/// The objectives of `obj` in the judge's order (its waits, then the cost
/// cap), as their columns name them.
fn objective_ids(obj: &Objective) -> Vec<String> {
    let mut ids: Vec<String> = obj
        .slo
        .waits
        .iter()
        .map(|o| objective_id(o.workload.as_deref(), ObjectiveKind::WaitP95))
        .collect();
    if obj.slo.max_cost_per_day_usd.is_some() {
        ids.push(objective_id(None, ObjectiveKind::MaxCostPerDay));
    }
    ids
}

/// Each objective's verdict columns: `slo.wait_p95.met`,
/// `slo.wait_p95.met_upper95`, ... in the judge's order.
pub fn objective_verdict_columns(obj: &Objective) -> Vec<String> {
    objective_ids(obj)
        .iter()
        .flat_map(|id| [format!("{id}.met"), format!("{id}.met_upper95")])
        .collect()
}

/// The columns of `sweep.csv` after the metrics (the verdict on the upper
/// bound came later, so it is last).
pub const SWEEP_TAIL: [&str; 4] = ["slo_met", "feasible", "reason", "slo_met_upper95"];

/// `sweep.csv` written a row at a time, as a sweep makes them (a sweep of
/// 100,000 points never holds its rows' text), with the checksum of what
/// was written (which `sweep.json` carries): `param_<axis>`…, `point`,
/// `replications`, each metric with `_ci95_low` and `_ci95_high`, then
/// `slo_met`, `feasible`, `reason`, `slo_met_upper95`.
pub struct SweepCsv<W: Write> {
    out: Writer<Summed<W>>,
    obj: Objective,
}

/// A writer that checksums what goes through it.
struct Summed<W> {
    inner: W,
    sum: Checksum,
}

impl<W: Write> Write for Summed<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.sum.update(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl<W: Write> SweepCsv<W> {
    /// Starts the file with its header.
    pub fn new(out: W, axes: &[String], metrics: &[String], obj: Objective) -> io::Result<Self> {
        let mut out = Writer::from_writer(Summed {
            inner: out,
            sum: Checksum::default(),
        });
        let mut head: Vec<String> = axes.iter().map(|a| format!("param_{a}")).collect();
        head.extend(["point".into(), "replications".into()]);
        for m in metrics {
            head.extend([m.clone(), format!("{m}_ci95_low"), format!("{m}_ci95_high")]);
        }
        head.extend(SWEEP_TAIL.map(String::from));
        head.extend(objective_verdict_columns(&obj));
        out.write_record(&head)?;
        Ok(SweepCsv { out, obj })
    }

    /// Writes a row (with every metric: before `SweepRow::keep_totals`).
    pub fn row(&mut self, r: &SweepRow) -> io::Result<()> {
        debug_assert!(!r.values.is_empty(), "a row written out keeps no metrics");
        let mut cells = r.params.clone();
        cells.extend([r.point.to_string(), r.replications.to_string()]);
        cells.extend(r.values.iter().flat_map(|v| v.map(cell)));
        let ([met, met_upper95], each) = verdict_cells(r, &self.obj);
        cells.extend([met, r.feasible.to_string(), r.reason.clone(), met_upper95]);
        cells.extend(each);
        self.out.write_record(&cells)?;
        Ok(())
    }

    /// Ends the file: the writer and the rows' checksum (as `checksum` of
    /// the whole file's bytes).
    pub fn finish(self) -> io::Result<(W, String)> {
        let mut summed = self.out.into_inner().map_err(|e| e.into_error())?;
        summed.flush()?;
        summed.sum.update(&[0xff]);
        Ok((summed.inner, summed.sum.hex()))
    }
}

/// `sweep.csv` of rows in memory (every metric of each: as made, or read
/// from shards), in the table's columns.
pub fn sweep_csv(table: &SweepTable, rows: &[SweepRow], obj: &Objective) -> io::Result<Vec<u8>> {
    let mut csv = SweepCsv::new(Vec::new(), &table.axes, &table.metrics, obj.clone())?;
    for r in rows {
        csv.row(r)?;
    }
    Ok(csv.finish()?.0)
}

/// `pareto.csv`: the points on the cost / p95-wait front, condition by
/// condition, cheapest first.
pub fn write_pareto_csv(
    out: &mut dyn Write,
    table: &SweepTable,
    obj: &Objective,
) -> io::Result<()> {
    let mut w = Writer::from_writer(out);
    let cost = obj.cost_metric();
    let mut head: Vec<String> = table.axes.iter().map(|a| format!("param_{a}")).collect();
    head.extend([
        "point".into(),
        cost.name().to_string(),
        "wait_p95_s".into(),
        "wait_p95_s_ci95_high".into(),
        "slo_met".into(),
        "slo_met_upper95".into(),
    ]);
    head.extend(objective_verdict_columns(obj));
    w.write_record(&head)?;
    for decision in table.decisions(obj) {
        for r in decision?.front {
            let wait = r.deciding_wait();
            let ([met, met_upper95], each) = verdict_cells(&r, obj);
            let mut cells = r.params.clone();
            cells.extend([
                r.point.to_string(),
                cell(r.cost(obj)),
                cell(wait.value),
                cell(if wait.has_interval {
                    wait.value_upper95
                } else {
                    f64::NAN
                }),
                met,
                met_upper95,
            ]);
            cells.extend(each);
            w.write_record(&cells)?;
        }
    }
    w.flush()
}

/// A sweep point as `recommendation.json` gives it: its axis values, its
/// costs and its verdict.
#[derive(Serialize)]
struct PointJson<'a> {
    point: usize,
    params: Object<&'a str, &'a str>,
    replications: u32,
    cost_usd: f64,
    cost_per_day_usd: f64,
    total_cost_usd: f64,
    objective_usd: f64,
    /// The deciding wait: the first objective's judged value (the p95 of
    /// every run without one), what the front is drawn on.
    wait_p95_s: f64,
    objectives: Vec<ObjectiveVerdict>,
    slo_met: Option<bool>,
    slo_met_upper95: Option<bool>,
}

impl<'a> PointJson<'a> {
    fn of(table: &'a SweepTable, r: &'a SweepRow, obj: &Objective) -> PointJson<'a> {
        let mean = |m| r.total(m).mean;
        let verdict = r.verdict(obj);
        let met = verdict.as_ref().map(|v| (v.met, v.met_upper95));
        PointJson {
            point: r.point,
            params: Object::zip(&table.axes, &r.params),
            replications: r.replications,
            cost_usd: mean(TotalMetric::CostUsd),
            cost_per_day_usd: mean(TotalMetric::CostPerDayUsd),
            total_cost_usd: mean(TotalMetric::TotalCostUsd),
            objective_usd: r.cost(obj),
            wait_p95_s: r.wait_p95(),
            objectives: verdict.map_or_else(Vec::new, |v| v.objectives),
            slo_met: met.map(|m| m.0),
            slo_met_upper95: met.map(|m| m.1),
        }
    }
}

/// One condition's decision as `recommendation.json` gives it.
#[derive(Serialize)]
struct DecisionJson<'a> {
    condition: Object<&'a str, &'a str>,
    recommended: Option<PointJson<'a>>,
    runner_up: Option<PointJson<'a>>,
    margin_usd: Option<f64>,
}

/// A wait objective as `recommendation.json`'s `slo.objectives[]` gives it.
#[derive(Serialize)]
struct WaitJson<'a> {
    wait_p95_s: f64,
    window: Option<Window>,
    per: Per,
    workload: Option<&'a str>,
    workloads: Vec<&'a str>,
}

/// The objectives a recommendation is judged on.
#[derive(Serialize)]
struct SloJson<'a> {
    wait_p95_s: Option<f64>,
    max_cost_per_day_usd: Option<f64>,
    objectives: Vec<WaitJson<'a>>,
    judged_on: &'static str,
}

/// `recommendation.json`: per condition (the values of workload and
/// simulation axes; one entry without such axes), the recommended point,
/// the runner-up and the margin between them (null when nothing meets).
/// Written an entry at a time, as each condition is decided: with a
/// workload axis every point is its own condition.
pub fn write_recommendation_json(
    out: &mut dyn Write,
    table: &SweepTable,
    obj: &Objective,
    warnings: &[String],
) -> io::Result<()> {
    /// The document, in its keys' order; the entries are made as they are
    /// written.
    #[derive(Serialize)]
    struct Doc<'a> {
        objective: &'static str,
        slo: SloJson<'a>,
        warnings: &'a [String],
        recommendations: Entries<'a>,
    }
    struct Entries<'a> {
        table: &'a SweepTable,
        obj: &'a Objective,
    }
    impl Serialize for Entries<'_> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            use serde::ser::{Error, SerializeSeq};
            let (table, obj) = (self.table, self.obj);
            let mut seq = s.serialize_seq(None)?;
            for d in table.decisions(obj) {
                let d = d.map_err(S::Error::custom)?;
                let point = |r| PointJson::of(table, r, obj);
                seq.serialize_element(&DecisionJson {
                    condition: Object(d.condition),
                    recommended: d.best.as_ref().map(point),
                    runner_up: d.runner_up.as_ref().map(point),
                    margin_usd: d
                        .best
                        .as_ref()
                        .zip(d.runner_up.as_ref())
                        .map(|(b, u)| u.cost(obj) - b.cost(obj)),
                })?;
            }
            seq.end()
        }
    }
    let waits = obj.slo.waits.iter().map(|o| WaitJson {
        wait_p95_s: o.target.as_secs_f64(),
        window: o.window,
        per: o.per,
        workload: o.workload.as_deref(),
        workloads: o.workloads.iter().map(|(_, n)| n.as_str()).collect(),
    });
    let doc = Doc {
        objective: if obj.with_waiting_cost {
            "compute plus waiting cost"
        } else {
            "compute cost"
        },
        slo: SloJson {
            wait_p95_s: obj.slo.deciding_wait().map(|o| o.target.as_secs_f64()),
            max_cost_per_day_usd: obj.slo.max_cost_per_day_usd,
            objectives: waits.collect(),
            judged_on: "upper end of the 95% interval",
        },
        warnings,
        recommendations: Entries { table, obj },
    };
    let mut out = io::BufWriter::new(out);
    serde_json::to_writer_pretty(&mut out, &doc)?;
    out.write_all(b"\n")?;
    out.flush()
}

/// What a sweep's words say (the terminal, the report, the warnings), from
/// one pass over its decisions: the first conditions' in full, counts of
/// the rest.
#[derive(Debug)]
pub struct SweepSummary<'a> {
    /// The decisions of the first `LISTED` conditions.
    pub listed: Vec<Decision<'a>>,
    /// Conditions decided.
    pub conditions: usize,
    /// Points on the Pareto front, over every condition.
    pub front: usize,
    /// The first `LISTED` of them, in `pareto.csv`'s order.
    pub front_listed: Vec<SweepRow>,
    /// How far the recommendations can be trusted: too few replications,
    /// or an upper 95% bound within 10% of an objective (another seed may
    /// pick another point).
    pub warnings: Vec<String>,
}

/// What `sweep` prints: the points and the infeasible ones (the first few
/// with their reasons), the Pareto front, and the recommendation; where
/// the rest is read depends on whether the CSV files were written
/// (`csv_written`).
pub fn sweep_text(
    scenario: &str,
    table: &SweepTable,
    obj: &Objective,
    summary: &SweepSummary,
    csv_written: bool,
) -> String {
    let (infeasible, listed) = table.infeasible();
    let see = |written: &'static str, asked: &'static str| {
        if csv_written { written } else { asked }
    };
    let mut text = format!(
        "{scenario}: {} points, {infeasible} infeasible (not run)\n",
        table.len(),
    );
    for (point, reason) in listed {
        text.push_str(&format!(
            "  point {point} ({}): {reason}\n",
            table.params(*point).join(", "),
        ));
    }
    if infeasible > listed.len() {
        text.push_str(&format!(
            "  ... and {} more ({})\n",
            infeasible - listed.len(),
            see(
                "see the reason column of sweep.csv",
                "--outputs csv writes each one's reason to sweep.csv"
            )
        ));
    }
    text.push_str(&format!(
        "Pareto front (cost vs p95 wait): {} points, {}\n",
        summary.front,
        see("see pareto.csv", "--outputs csv lists them in pareto.csv")
    ));
    text.push_str(&recommendation_text(table, obj, summary));
    text
}

/// The summary of `table`'s decisions.
pub fn sweep_summary<'a>(
    table: &'a SweepTable,
    obj: &'a Objective,
) -> io::Result<SweepSummary<'a>> {
    let mut summary = SweepSummary {
        listed: Vec::new(),
        conditions: 0,
        front: 0,
        front_listed: Vec::new(),
        warnings: Vec::new(),
    };
    let (mut few_replications, mut close) = (false, 0);
    for d in table.decisions(obj) {
        let d = d?;
        summary.conditions += 1;
        summary.front += d.front.len();
        let room = LISTED - summary.front_listed.len().min(LISTED);
        summary
            .front_listed
            .extend(d.front.iter().take(room).cloned());
        if let Some(b) = &d.best {
            few_replications |= b.replications < 5;
            let objectives = b.verdict(obj).map_or_else(Vec::new, |v| v.objectives);
            for o in objectives
                .iter()
                .filter(|o| o.value_upper95 >= 0.9 * o.target)
            {
                close += 1;
                if close > LISTED {
                    continue;
                }
                let t = super::verdict::verdict_text(o);
                summary.warnings.push(format!(
                    "point {} is recommended with an upper 95% bound of {} against {}: within 10% of the objective, so another seed may pick another point; use --precision 0.05 to narrow the intervals",
                    b.point, t.value_upper95, t.objective
                ));
            }
        }
        if summary.listed.len() < LISTED {
            summary.listed.push(d);
        }
    }
    if few_replications {
        summary.warnings.insert(0, "the recommendation rests on fewer than 5 replications per point; use --replications 10 or --precision 0.05".to_string());
    }
    if close > LISTED {
        summary.warnings.push(format!(
            "{} more recommended points are within 10% of an objective (recommendation.json has each one's bounds); use --precision 0.05 to narrow the intervals",
            close - LISTED
        ));
    }
    Ok(summary)
}

/// The recommendations in words, for the terminal.
pub fn recommendation_text(table: &SweepTable, obj: &Objective, summary: &SweepSummary) -> String {
    let describe = |r: &SweepRow| {
        let params: Vec<String> = table
            .axes
            .iter()
            .zip(&r.params)
            .filter(|(a, _)| !crate::results::is_condition_axis(a))
            .map(|(a, p)| format!("{a} = {p}"))
            .collect();
        let j = r.deciding_wait();
        let (wait, hi) = (j.value, j.value_upper95);
        let which = obj
            .slo
            .deciding_wait()
            .map_or(String::new(), |o| match &o.workload {
                Some(w) => format!(" of {w}"),
                None => o.window.map_or(String::new(), |w| format!(" in {w}")),
            });
        format!(
            "{} (point {}): {} USD {:.2}, p95 wait{which} {:.1} min (upper 95% bound {:.1} min, which decided)",
            params.join(", "),
            r.point,
            if obj.with_waiting_cost {
                "compute plus waiting cost"
            } else {
                "cost"
            },
            r.cost(obj),
            wait / 60.0,
            if hi.is_nan() { wait / 60.0 } else { hi / 60.0 }
        )
    };
    let mut out = String::new();
    for rec in &summary.listed {
        if !rec.condition.is_empty() {
            let c: Vec<String> = rec
                .condition
                .iter()
                .map(|(k, v)| format!("{k} = {v}"))
                .collect();
            out.push_str(&format!("when {}:\n", c.join(", ")));
        }
        let Some(best) = &rec.best else {
            out.push_str("  no feasible point meets the SLO (judged on the upper end of each 95% interval); widen the sweep or relax [slo]\n");
            continue;
        };
        out.push_str(&format!("  recommended: {}\n", describe(best)));
        match &rec.runner_up {
            Some(u) => out.push_str(&format!(
                "  runner-up:   {}\n  margin: USD {:.2}\n",
                describe(u),
                u.cost(obj) - best.cost(obj)
            )),
            None => out.push_str("  runner-up:   none (no other point meets the SLO)\n"),
        }
    }
    if summary.conditions > LISTED {
        out.push_str(&format!(
            "... and {} more conditions: every one is in recommendation.json\n",
            summary.conditions - LISTED
        ));
    }
    out
}

/// The most conditions (or points) listed in words, on the terminal and
/// in the report: a sweep with a fine workload axis has a condition per
/// point, and 20,000 of them made 42,000 lines; the files hold them all.
pub(super) const LISTED: usize = 20;

/// `sweep.json`: what `poolcast merge` needs besides the rows.
pub fn sweep_meta_json(file: &SweepMetaFile) -> String {
    pretty(file)
}
