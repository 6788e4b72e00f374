//! Sweep outputs: `sweep.csv` (one row per point), `pareto.csv`,
//! `recommendation.json`, `sweep.json` (what a merge needs), and reading
//! shard `sweep.csv` files back for `poolcast merge`.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use ::csv::{ReaderBuilder, Writer};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::csv::cell;
use super::fingerprint::Fingerprint;
use crate::input::{Input, InputError, Limit, read_text};
use crate::model::{Per, WaitObjective, WindowError};
use crate::stats::{Metric, ObjectiveKind, Objectives, TotalMetric};
use crate::sweep::{Decision, Objective, SweepRow, SweepTable, objective_id};
use crate::units::SimDuration;

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
fn objective_verdict_columns(obj: &Objective) -> Vec<String> {
    objective_ids(obj)
        .iter()
        .flat_map(|id| [format!("{id}.met"), format!("{id}.met_upper95")])
        .collect()
}

/// The columns of `sweep.csv` after the metrics (the verdict on the upper
/// bound came later, so it is last).
const SWEEP_TAIL: [&str; 4] = ["slo_met", "feasible", "reason", "slo_met_upper95"];

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

fn point_json(table: &SweepTable, r: &SweepRow, obj: &Objective) -> Value {
    let params: Map<String, Value> = table
        .axes
        .iter()
        .cloned()
        .zip(r.params.iter().map(|p| json!(p)))
        .collect();
    let num = |x: f64| serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number);
    let mean = |m| num(r.total(m).mean);
    let verdict = r.verdict(obj);
    json!({
        "point": r.point,
        "params": params,
        "replications": r.replications,
        "cost_usd": mean(TotalMetric::CostUsd),
        "cost_per_day_usd": mean(TotalMetric::CostPerDayUsd),
        "total_cost_usd": mean(TotalMetric::TotalCostUsd),
        "objective_usd": num(r.cost(obj)),
        // The deciding wait: the first objective's judged value (the
        // p95 of every run without one), what the front is drawn on.
        "wait_p95_s": num(r.wait_p95()),
        "objectives": verdict.as_ref().map_or(Value::Array(Vec::new()), |v| super::objectives_json(&v.objectives)),
        "slo_met": verdict.as_ref().map(|v| v.met),
        "slo_met_upper95": verdict.as_ref().map(|v| v.met_upper95),
    })
}

fn condition_json(c: &[(&str, &str)]) -> Value {
    Value::Object(c.iter().map(|(k, v)| (k.to_string(), json!(v))).collect())
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
        slo: Value,
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
                seq.serialize_element(&json!({
                    "condition": condition_json(&d.condition),
                    "recommended": d.best.as_ref().map(|b| point_json(table, b, obj)),
                    "runner_up": d.runner_up.as_ref().map(|u| point_json(table, u, obj)),
                    "margin_usd": d.best.as_ref().zip(d.runner_up.as_ref()).map(|(b, u)| u.cost(obj) - b.cost(obj)),
                }))?;
            }
            seq.end()
        }
    }
    let doc = Doc {
        objective: if obj.with_waiting_cost {
            "compute plus waiting cost"
        } else {
            "compute cost"
        },
        slo: json!({
            "wait_p95_s": obj.slo.deciding_wait().map(|o| o.target.as_secs_f64()),
            "max_cost_per_day_usd": obj.slo.max_cost_per_day_usd,
            "objectives": obj.slo.waits.iter().map(|o| {
                let file = WaitFile::of(o);
                json!({
                    "wait_p95_s": file.wait_p95_s,
                    "window": file.window,
                    "per": file.per,
                    "workload": file.workload,
                    "workloads": o.workloads.iter().map(|(_, n)| n).collect::<Vec<_>>(),
                })
            }).collect::<Vec<_>>(),
            "judged_on": "upper end of the 95% interval",
        }),
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
            .filter(|(a, _)| !crate::sweep::is_condition_axis(a))
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

/// FNV-1a (64 bits) over `parts`, each closed by a separator byte: a
/// stable, dependency-free checksum for fingerprints and shard rows (it
/// catches edits and damage; nothing here is secret, so a forger could
/// recompute any checksum).
pub fn checksum(parts: &[&[u8]]) -> String {
    let mut h = Checksum::default();
    for part in parts {
        h.update(part);
        h.update(&[0xff]);
    }
    h.hex()
}

/// `checksum` fed piece by piece (a large data file, streamed).
#[derive(Debug, Clone, Copy)]
pub struct Checksum(u64);

impl Default for Checksum {
    fn default() -> Checksum {
        Checksum(0xcbf2_9ce4_8422_2325)
    }
}

impl Checksum {
    /// Adds `bytes`.
    pub fn update(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
    }

    /// The checksum so far, as 16 hex digits.
    pub fn hex(&self) -> String {
        format!("{:016x}", self.0)
    }
}

/// The file form of `sweep.json`. Writing and reading go through this one
/// serde mirror, so the two cannot drift apart.
#[derive(Serialize, Deserialize)]
struct MetaFile {
    scenario: String,
    #[serde(default)]
    fingerprint: String,
    /// What `fingerprint` is the checksum of, part by part, so that merge
    /// can say what differs (absent in an older poolcast's file).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    fingerprint_parts: BTreeMap<String, String>,
    /// `checksum` of the `sweep.csv` beside it, so that merge refuses
    /// edited or damaged rows.
    #[serde(default)]
    rows_checksum: String,
    points: usize,
    axes: Vec<String>,
    /// Each axis's values as written in `sweep.csv` (absent in an older
    /// poolcast's file): what merge names each point by.
    #[serde(default)]
    axis_values: Vec<Vec<String>>,
    metrics: Vec<String>,
    shard: Option<String>,
    objective: ObjectiveFile,
}

#[derive(Serialize, Deserialize)]
struct ObjectiveFile {
    waits: Vec<WaitFile>,
    max_cost_per_day_usd: Option<f64>,
    #[serde(default)]
    with_waiting_cost: bool,
}

/// A wait objective as `sweep.json` and `recommendation.json` carry it.
#[derive(Serialize, Deserialize)]
struct WaitFile {
    wait_p95_s: f64,
    window: Option<String>,
    per: String,
    workload: Option<String>,
    /// The workloads judged: index in the scenario, and name.
    workloads: Vec<(usize, String)>,
}

impl WaitFile {
    fn of(o: &WaitObjective) -> WaitFile {
        WaitFile {
            wait_p95_s: o.target.as_secs_f64(),
            window: o.window.map(|w| w.to_string()),
            per: o.per.name().to_string(),
            workload: o.workload.clone(),
            workloads: o.workloads.clone(),
        }
    }

    /// The objective, or what in it does not parse.
    fn objective(self) -> Result<WaitObjective, WindowError> {
        Ok(WaitObjective {
            target: SimDuration::from_secs_f64(self.wait_p95_s),
            window: self.window.map(|w| w.parse()).transpose()?,
            per: if self.per == Per::Hour.name() {
                Per::Hour
            } else {
                Per::Window
            },
            workload: self.workload,
            workloads: self.workloads,
        })
    }
}

/// `sweep.json`: what `poolcast merge` needs besides the rows;
/// `rows_checksum` is the `sweep.csv` written beside it's (`SweepCsv`).
pub fn sweep_meta_json(
    scenario: &str,
    points: usize,
    table: &SweepTable,
    obj: &Objective,
    shard: Option<(usize, usize)>,
    fingerprint: &Fingerprint,
    rows_checksum: &str,
) -> String {
    let file = MetaFile {
        scenario: scenario.to_string(),
        fingerprint: fingerprint.hash().to_string(),
        fingerprint_parts: fingerprint.parts().clone(),
        rows_checksum: rows_checksum.to_string(),
        points,
        axes: table.axes.clone(),
        axis_values: table.axis_values().to_vec(),
        metrics: table.metrics.clone(),
        shard: shard.map(|(k, n)| format!("{k}/{n}")),
        objective: ObjectiveFile {
            waits: obj.slo.waits.iter().map(WaitFile::of).collect(),
            max_cost_per_day_usd: obj.slo.max_cost_per_day_usd,
            with_waiting_cost: obj.with_waiting_cost,
        },
    };
    let mut text = serde_json::to_string_pretty(&file).expect("plain data serialises");
    text.push('\n');
    text
}

/// What a shard's `sweep.json` says.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepMeta {
    /// Scenario name.
    pub scenario: String,
    /// Identifies the sweep: everything that changes a point's result
    /// (scenario text, data files, seed, replications, precision settings,
    /// poolcast version).
    pub fingerprint: Fingerprint,
    /// `checksum` of the rows of the `sweep.csv` beside it.
    pub rows_checksum: String,
    /// Points in the full sweep.
    pub points: usize,
    /// Axis key paths.
    pub axes: Vec<String>,
    /// Each axis's values, as written.
    pub axis_values: Vec<Vec<String>>,
    /// Metric names.
    pub metrics: Vec<String>,
    /// The objective.
    pub objective: Objective,
}

/// Why a shard's `sweep.json` or `sweep.csv` cannot be merged (each names
/// the file, and the line where there is one).
#[derive(Debug, thiserror::Error)]
pub enum ShardError {
    /// The `sweep.json` beside the `sweep.csv` cannot be read.
    #[error("{0} (it is written beside every sweep.csv)")]
    NoMeta(#[source] InputError),
    /// The `sweep.json` is not one this poolcast writes.
    #[error("{}: not a sweep.json of this poolcast: {source}", path.display())]
    NotMeta {
        /// The `sweep.json`.
        path: PathBuf,
        /// What the parser found.
        source: serde_json::Error,
    },
    /// The objective's window does not parse.
    #[error("{}: objective window: {source}", path.display())]
    Window {
        /// The `sweep.json`.
        path: PathBuf,
        /// Why.
        source: WindowError,
    },
    /// The `sweep.csv` cannot be read.
    #[error(transparent)]
    Rows(InputError),
    /// The `sweep.json` carries no checksum of the rows.
    #[error("{}: its sweep.json has no checksum of the rows (an older poolcast wrote it); run the shard again", .0.display())]
    NoChecksum(PathBuf),
    /// The rows do not match their checksum.
    #[error("{}: the rows do not match the checksum in sweep.json: the file was edited or damaged; run the shard again", .0.display())]
    Checksum(PathBuf),
    /// A line of the `sweep.csv` is wrong.
    #[error("{}:{line}: {problem}", path.display())]
    Line {
        /// The `sweep.csv`.
        path: PathBuf,
        /// Its line, from 1.
        line: u64,
        /// What is wrong there.
        problem: LineProblem,
    },
}

/// What is wrong on a line of a shard's `sweep.csv`.
#[derive(Debug, thiserror::Error)]
pub enum LineProblem {
    /// Not CSV (the reader's message).
    #[error("{0}")]
    Csv(String),
    /// The header is not this sweep's.
    #[error(
        "not a sweep.csv of this sweep (the columns differ); merge shards of one scenario and one poolcast version"
    )]
    Columns,
    /// A metric cell that is not a number.
    #[error("column {column}: {cell:?} is not a number")]
    NotANumber {
        /// The column's header.
        column: String,
        /// The cell.
        cell: String,
    },
    /// A metric cell that no sweep writes: every metric is a finite
    /// quantity at least 0 (or empty, undefined).
    #[error(
        "column {column}: {cell:?} is not a finite number at least 0, which no sweep writes; the shard was edited or damaged, run it again"
    )]
    OutOfRange {
        /// The column's header.
        column: String,
        /// The cell.
        cell: String,
    },
    /// A yes-or-no cell that is not `true` or `false` as a sweep writes it.
    #[error("column {column}: {cell:?} is not true or false (lowercase, as a sweep writes it)")]
    NotABool {
        /// The column's header.
        column: String,
        /// The cell.
        cell: String,
    },
    /// The `point` or `replications` cell is not a whole number.
    #[error("column {column}: {cell:?} is not a whole number")]
    NotACount {
        /// The column's header.
        column: &'static str,
        /// The cell.
        cell: String,
    },
}

/// Reads the `sweep.json` beside a shard's `sweep.csv`.
pub fn read_sweep_meta(csv_path: &Path) -> Result<SweepMeta, ShardError> {
    let path = csv_path.with_file_name("sweep.json");
    let text = read_text(&path, Limit::SWEEP_JSON).map_err(ShardError::NoMeta)?;
    let file: MetaFile = serde_json::from_str(&text).map_err(|source| ShardError::NotMeta {
        path: path.clone(),
        source,
    })?;
    let o = file.objective;
    Ok(SweepMeta {
        scenario: file.scenario,
        fingerprint: Fingerprint::read(file.fingerprint, file.fingerprint_parts),
        rows_checksum: file.rows_checksum,
        points: file.points,
        axes: file.axes,
        axis_values: file.axis_values,
        metrics: file.metrics,
        objective: Objective {
            slo: Objectives {
                waits: o
                    .waits
                    .into_iter()
                    .map(WaitFile::objective)
                    .collect::<Result<_, _>>()
                    .map_err(|source| ShardError::Window { path, source })?,
                max_cost_per_day_usd: o.max_cost_per_day_usd,
            },
            with_waiting_cost: o.with_waiting_cost,
        },
    })
}

/// The whole number in cell `i` of `record`, the `column`.
fn whole<T: std::str::FromStr>(
    record: &::csv::StringRecord,
    i: usize,
    column: &'static str,
) -> Result<T, LineProblem> {
    let c = record.get(i).unwrap_or("");
    c.parse().map_err(|_| LineProblem::NotACount {
        column,
        cell: c.to_string(),
    })
}

/// Reads the rows of a `sweep.csv` written by `sweep_csv` with `meta`'s
/// axes and metrics.
pub fn read_sweep_rows(path: &Path, meta: &SweepMeta) -> Result<Vec<SweepRow>, ShardError> {
    ShardRows::open(path, meta)?.collect()
}

/// The rows of a shard's `sweep.csv`, read one at a time (a merge holds
/// one row a shard, however many points): its checksum is checked in a
/// first pass over the file, which keeps nothing.
pub struct ShardRows {
    path: std::path::PathBuf,
    rows: ::csv::StringRecordsIntoIter<std::io::BufReader<Input>>,
    headers: ::csv::StringRecord,
    axes: usize,
    metrics: Vec<String>,
}

impl ShardRows {
    /// The rows of the `sweep.csv` at `path`, written with `meta`'s axes,
    /// metrics and objective; refused when its checksum or its header is
    /// not `meta`'s.
    pub fn open(path: &Path, meta: &SweepMeta) -> Result<ShardRows, ShardError> {
        let err = |line: u64, problem: LineProblem| ShardError::Line {
            path: path.to_path_buf(),
            line,
            problem,
        };
        if meta.rows_checksum.is_empty() {
            return Err(ShardError::NoChecksum(path.to_path_buf()));
        }
        let mut input = Input::open(path, Limit::SWEEP_CSV).map_err(ShardError::Rows)?;
        let mut sum = Checksum::default();
        let mut buf = vec![0u8; 1 << 16];
        loop {
            match std::io::Read::read(&mut input, &mut buf) {
                Ok(0) => break,
                Ok(n) => sum.update(&buf[..n]),
                Err(e) => return Err(ShardError::Rows(input.read_error(&e))),
            }
        }
        // The file as one part of `checksum`, closed as it closes one.
        sum.update(&[0xff]);
        if sum.hex() != meta.rows_checksum {
            return Err(ShardError::Checksum(path.to_path_buf()));
        }
        let input = Input::open(path, Limit::SWEEP_CSV).map_err(ShardError::Rows)?;
        let mut rdr = ReaderBuilder::new().from_reader(std::io::BufReader::new(input));
        // The tail's flags, then each objective's verdicts (which a merge
        // judges again from the values, so they are checked, not read).
        let tail = 1 + meta.axes.len() + 1 + 3 * meta.metrics.len() + SWEEP_TAIL.len();
        let width = tail + objective_verdict_columns(&meta.objective).len();
        let headers = rdr
            .headers()
            .map_err(|e| err(1, LineProblem::Csv(e.to_string())))?
            .clone();
        let a = meta.axes.len();
        if headers.len() != width || headers.get(a) != Some("point") {
            return Err(err(1, LineProblem::Columns));
        }
        Ok(ShardRows {
            path: path.to_path_buf(),
            rows: rdr.into_records(),
            headers,
            axes: a,
            metrics: meta.metrics.clone(),
        })
    }

    /// The row of `record`, each cell checked.
    fn row(&self, record: &::csv::StringRecord) -> Result<SweepRow, ShardError> {
        let line = record.position().map_or(0, |p| p.line());
        let err = |problem: LineProblem| ShardError::Line {
            path: self.path.clone(),
            line,
            problem,
        };
        let headers = &self.headers;
        let num = |i: usize| -> Result<f64, ShardError> {
            let c = record.get(i).unwrap_or("");
            if c.is_empty() {
                return Ok(f64::NAN);
            }
            let (column, cell) = (headers.get(i).unwrap_or("").to_string(), c.to_string());
            match c.parse::<f64>() {
                Ok(x) if x.is_finite() && x >= 0.0 => Ok(x),
                Ok(_) => Err(err(LineProblem::OutOfRange { column, cell })),
                Err(_) => Err(err(LineProblem::NotANumber { column, cell })),
            }
        };
        // A yes-or-no column, strictly (`TRUE` had been read as false).
        let flag = |i: usize, empty_ok: bool| match record.get(i).unwrap_or("") {
            "true" => Ok(true),
            "false" => Ok(false),
            "" if empty_ok => Ok(false),
            cell => Err(err(LineProblem::NotABool {
                column: headers.get(i).unwrap_or("").to_string(),
                cell: cell.to_string(),
            })),
        };
        let (a, width) = (self.axes, headers.len());
        let tail = 1 + a + 1 + 3 * self.metrics.len() + SWEEP_TAIL.len();
        flag(tail - 4, true)?;
        flag(tail - 1, true)?;
        for i in tail..width {
            flag(i, true)?;
        }
        let values = (0..self.metrics.len())
            .map(|m| {
                Ok([
                    num(2 + a + 3 * m)?,
                    num(3 + a + 3 * m)?,
                    num(4 + a + 3 * m)?,
                ])
            })
            .collect::<Result<Vec<_>, ShardError>>()?;
        Ok(SweepRow::new(
            whole(record, a, "point").map_err(err)?,
            (0..a)
                .map(|i| record.get(i).unwrap_or("").to_string())
                .collect(),
            whole(record, 1 + a, "replications").map_err(err)?,
            values,
            crate::sweep::judged_columns(&self.metrics),
            flag(tail - 3, false)?,
            record.get(tail - 2).unwrap_or("").to_string(),
        ))
    }
}

impl Iterator for ShardRows {
    type Item = Result<SweepRow, ShardError>;

    fn next(&mut self) -> Option<Self::Item> {
        let record = match self.rows.next()? {
            Ok(record) => record,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                return Some(Err(ShardError::Line {
                    path: self.path.clone(),
                    line,
                    problem: LineProblem::Csv(e.to_string()),
                }));
            }
        };
        Some(self.row(&record))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A shard's rows with one damaged line, and the message naming it.
    fn error_of(row: &str) -> String {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sweep.csv");
        let text = format!(
            "pool.a.count,point,replications,x,x_ci95_low,x_ci95_high,{}\n3,0,10,1,0.5,1.5,true,true,,true\n{row}\n",
            SWEEP_TAIL.join(",")
        );
        std::fs::write(&path, &text).unwrap();
        let meta = SweepMeta {
            scenario: "t".into(),
            fingerprint: Fingerprint::default(),
            rows_checksum: checksum(&[text.as_bytes()]),
            points: 2,
            axes: vec!["pool.a.count".into()],
            axis_values: vec![vec!["3".into(), "4".into()]],
            metrics: vec!["x".into()],
            objective: Objective {
                slo: Objectives::default(),
                with_waiting_cost: false,
            },
        };
        let e = read_sweep_rows(&path, &meta).unwrap_err();
        assert!(matches!(e, ShardError::Line { line: 3, .. }), "{e:?}");
        e.to_string()
            .strip_prefix(&format!("{}:3: ", path.display()))
            .unwrap()
            .to_string()
    }

    #[test]
    fn a_damaged_cell_is_named_by_line_and_column() {
        assert_eq!(
            error_of("4,1,10,abc,0.5,1.5,true,true,,true"),
            "column x: \"abc\" is not a number"
        );
        assert_eq!(
            error_of("4,one,10,1,0.5,1.5,true,true,,true"),
            "column point: \"one\" is not a whole number"
        );
        assert_eq!(
            error_of("4,1,-2,1,0.5,1.5,true,true,,true"),
            "column replications: \"-2\" is not a whole number"
        );
        for cell in ["inf", "NaN", "-1", "-0.5"] {
            assert_eq!(
                error_of(&format!("4,1,10,{cell},0.5,1.5,true,true,,true")),
                format!(
                    "column x: {cell:?} is not a finite number at least 0, which no sweep writes; the shard was edited or damaged, run it again"
                )
            );
        }
        assert_eq!(
            error_of("4,1,10,1,0.5,1.5,true,TRUE,,true"),
            "column feasible: \"TRUE\" is not true or false (lowercase, as a sweep writes it)"
        );
        assert_eq!(
            error_of("4,1,10,1,0.5,1.5,yes,true,,true"),
            "column slo_met: \"yes\" is not true or false (lowercase, as a sweep writes it)"
        );
    }
}
