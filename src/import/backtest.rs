//! The back-test of an import: simulate the fitted scenario and set its
//! waits and run times beside the recorded ones, per workload and in total.
//! A fit that does not reproduce what happened says so, naming the workload.

use std::convert::Infallible;
use std::fmt::Write;
use std::sync::atomic::AtomicBool;

use chrono::{DateTime, Utc};
use hdrhistogram::Histogram;
use serde::Serialize;
use serde::ser::{SerializeStruct, Serializer};

use super::Imported;
use super::collect::{histogram, merged, quantile_s};
use super::write::{WRITTEN_DAYS, human, human_unit};
use crate::model::{Target, WorkloadId};
use crate::replication::each_replication;
use crate::results::{Estimate, HistogramCounts, Recorder};
use crate::scenario::Scenario;
use crate::units::{SimDuration, SimTime, TICKS_PER_SECOND};

/// A p95 (wait or run time) that the simulation misses by more than this
/// share of the recorded value is reported.
pub const P95_TOLERANCE: f64 = 0.25;
/// Differences below this many seconds are not reported: the model starts a
/// run the moment an instance is free, while the service takes a second or
/// so to schedule it, which is all a default-compute run ever waits.
pub const NEGLIGIBLE_S: f64 = 10.0;

/// Replications of the back-test, whatever the scenario asks for: a week's
/// p95 wait can vary by half from one week to the next (the bundled
/// export's CI workload: 21 min, standard deviation 10 min over 400
/// simulated weeks), and 40 weeks bring the interval of the simulated mean
/// to about a sixth of it (40 stretches of four weeks, to a fifteenth).
pub const BACKTEST_REPLICATIONS: u32 = 40;
/// The most days a back-test replication simulates after its warm-up.
const MAX_WINDOW_DAYS: u32 = 28;

/// The days a back-test replication simulates after its warm-up: as many
/// as the export covers (whole days), from the written scenario's week to
/// `MAX_WINDOW_DAYS`. A p95 over fewer runs than the recording's is not
/// the same statistic: the 80th of a week's 84 nightly runs sits at the
/// 94th percentile on average, which made the simulated run p95 3% short
/// of a four-week export's; and one simulated week can stray far more than
/// four recorded ones, so only a stretch as long tells whether the
/// recording is an unusual one. Beyond four weeks both effects are gone.
pub(super) fn window_days(first: DateTime<Utc>, last: DateTime<Utc>) -> u32 {
    let days = ((last - first).as_seconds_f64() / 86_400.0).ceil();
    (days.min(f64::from(MAX_WINDOW_DAYS)) as u32).max(WRITTEN_DAYS)
}

/// What a back-test compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// Queue wait (start − created).
    Wait,
    /// Run time (finish − start).
    Run,
}

/// The compared quantities, in table order.
const QUANTITIES: [(&str, Measure, f64); 5] = [
    ("wait p50", Measure::Wait, 0.50),
    ("wait p95", Measure::Wait, 0.95),
    ("wait p99", Measure::Wait, 0.99),
    ("run p50", Measure::Run, 0.50),
    ("run p95", Measure::Run, 0.95),
];

/// The quantities whose miss is warned about (and gated on).
const JUDGED: [(&str, Measure); 2] = [("wait p95", Measure::Wait), ("run p95", Measure::Run)];

/// One quantity, recorded against simulated; seconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Compared {
    /// From the export (NaN when it has none).
    pub recorded: f64,
    /// The mean over the replications, with its interval.
    pub simulated: Estimate,
    /// The lowest and highest single replication: how far one simulated
    /// stretch as long as the export strays from the mean.
    pub spread: (f64, f64),
}

impl Compared {
    /// Whether the simulation misses the recording by more than
    /// `P95_TOLERANCE` of it (and more than `NEGLIGIBLE_S`).
    pub fn missed(&self) -> bool {
        let off = (self.simulated.mean - self.recorded).abs();
        off > P95_TOLERANCE * self.recorded && off > NEGLIGIBLE_S
    }
}

/// One row of the back-test: a workload, or the total.
#[derive(Debug, Clone, PartialEq)]
pub struct BackTestRow {
    /// Workload name, or `"total"`.
    pub name: String,
    /// In table order: wait p50, p95, p99, run p50, p95.
    cells: [Compared; 5],
}

impl BackTestRow {
    /// The labels of the judged quantities it misses.
    fn missed(&self) -> Vec<&'static str> {
        JUDGED
            .iter()
            .filter(|(_, m)| self.p95(*m).missed())
            .map(|(label, _)| *label)
            .collect()
    }

    /// The p95 of `measure`.
    pub fn p95(&self, measure: Measure) -> Compared {
        let at = QUANTITIES
            .iter()
            .position(|(_, m, q)| *m == measure && *q == 0.95)
            .expect("both measures have a p95");
        self.cells[at]
    }
}

impl Serialize for Compared {
    /// `{recorded_s, simulated_s, half_width_s, spread_s}`.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut o = s.serialize_struct("Compared", 4)?;
        o.serialize_field("recorded_s", &self.recorded)?;
        o.serialize_field("simulated_s", &self.simulated.mean)?;
        o.serialize_field("half_width_s", &self.simulated.half_width())?;
        o.serialize_field("spread_s", &self.spread)?;
        o.end()
    }
}

impl Serialize for BackTestRow {
    /// `{name, missed, quantities}`, each quantity under its label
    /// (`wait_p95`).
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        struct Quantities<'a>(&'a [Compared; 5]);
        impl Serialize for Quantities<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let labels = QUANTITIES
                    .iter()
                    .map(|(label, _, _)| label.replace(' ', "_"));
                s.collect_map(labels.zip(self.0))
            }
        }
        let mut o = s.serialize_struct("BackTestRow", 3)?;
        o.serialize_field("name", &self.name)?;
        o.serialize_field("missed", &self.missed())?;
        o.serialize_field("quantities", &Quantities(&self.cells))?;
        o.end()
    }
}

/// The back-test of an import.
#[derive(Debug, Clone, PartialEq)]
pub struct BackTest {
    /// One row per workload, in scenario order, then the total.
    pub rows: Vec<BackTestRow>,
    /// Per row, when its task also ran on other pools: those pools.
    splits: Vec<Option<String>>,
    /// Which back-test it is (fit-to-self or hold-out), for people.
    pub kind: String,
    /// The simulation: replications, window and seed.
    pub setup: String,
    /// What one replication simulates after its warm-up.
    pub window: SimDuration,
}

impl BackTest {
    /// The table: per row and quantity, recorded → simulated.
    pub fn table(&self) -> String {
        let mut cells = vec![
            std::iter::once("workload".to_string())
                .chain(
                    QUANTITIES
                        .iter()
                        .map(|(l, _, _)| format!("{l} recorded → simulated")),
                )
                .collect::<Vec<_>>(),
        ];
        for row in &self.rows {
            let mut line = vec![row.name.clone()];
            for c in &row.cells {
                line.push(format!("{} → {}", human(c.recorded), estimate(c.simulated)));
            }
            cells.push(line);
        }
        let widths: Vec<usize> = (0..cells[0].len())
            .map(|c| {
                cells
                    .iter()
                    .map(|l| l[c].chars().count())
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let mut out = format!(
            "back-test, {}: the recorded runs against the fitted scenario ({}); ± is the 95% interval half-width\n",
            self.kind, self.setup
        );
        for line in cells {
            let padded: Vec<String> = line
                .iter()
                .zip(&widths)
                .map(|(cell, w)| format!("{cell:<w$}"))
                .collect();
            let _ = writeln!(out, "{}", padded.join("  ").trim_end());
        }
        out
    }

    /// A warning for every p95 the simulation misses by more than
    /// `P95_TOLERANCE`, naming the workload.
    pub fn warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (row, split) in self.rows.iter().zip(&self.splits) {
            let what = if row.name == TOTAL {
                "all workloads together".to_string()
            } else {
                format!("workload {}", row.name)
            };
            for (label, measure) in JUDGED {
                let c = row.p95(measure);
                if !c.missed() {
                    continue;
                }
                let (r, s, (lo, hi)) = (c.recorded, c.simulated.mean, c.spread);
                // Whether one simulated stretch as long as the export can
                // look like the recording tells a poor fit from a
                // recording of an unusual stretch.
                let window = self.window;
                let mut judgement = if (lo..=hi).contains(&r) {
                    format!(
                        "the recording is within the spread of single simulated {window} stretches, so it may be an unusual stretch; an export of more weeks tells"
                    )
                } else {
                    format!(
                        "no simulated {window} stretch comes that close, so check the workload's arrival, run time and pool count"
                    )
                };
                // A task split over pools is simulated as independent
                // shares: a service that sends a run elsewhere when its
                // pool is busy is not.
                if let Some(others) = split {
                    let _ = write!(
                        judgement,
                        "; its task also ran on {others}, a workload of its own each: if the service moved runs between them by load, the split explains the difference"
                    );
                }
                out.push(format!(
                    "back-test: {what}: simulated {label} {} is {:.0}% {} than the recorded {} (single {window} stretches {} to {}); {judgement}",
                    human(s),
                    100.0 * (s - r).abs() / r,
                    if s < r { "lower" } else { "higher" },
                    human(r),
                    human(lo),
                    human(hi)
                ));
            }
        }
        out
    }

    /// The figures for a machine (`backtest.json`): per row and quantity,
    /// the recorded value, the simulated mean with its interval and
    /// spread, and whether it is missed, all in seconds (`null` where
    /// undefined); the tolerances; the warnings.
    pub fn json(&self) -> String {
        #[derive(Serialize)]
        struct Doc<'a> {
            kind: &'a str,
            setup: &'a str,
            window_s: f64,
            p95_tolerance: f64,
            negligible_s: f64,
            missed: bool,
            rows: &'a [BackTestRow],
            warnings: Vec<String>,
        }
        let doc = Doc {
            kind: &self.kind,
            setup: &self.setup,
            window_s: self.window.as_secs_f64(),
            p95_tolerance: P95_TOLERANCE,
            negligible_s: NEGLIGIBLE_S,
            missed: self.rows.iter().any(|r| !r.missed().is_empty()),
            rows: &self.rows,
            warnings: self.warnings(),
        };
        let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
        text.push('\n');
        text
    }

    /// `toml` with the table (and the warnings, which explain it) as a
    /// comment block on top.
    pub fn annotate(&self, toml: &str) -> String {
        let mut out = String::new();
        for line in self.table().lines() {
            let _ = writeln!(out, "# {line}");
        }
        for w in self.warnings() {
            let _ = writeln!(out, "# warning: {w}");
        }
        out.push_str("#\n");
        out.push_str(toml);
        out
    }
}

/// The name of the total row.
const TOTAL: &str = "total";

/// A mean in `human` form with its half-width in the same unit.
fn estimate(e: Estimate) -> String {
    let (div, unit) = human_unit(e.mean);
    match e.half_width() {
        h if h > 0.0 => format!("{} ±{:.1}{unit}", human(e.mean), h / div),
        _ => human(e.mean),
    }
}

/// What the back-test needs of a replication and no more: per workload,
/// the waits (of runs started or still queued at the end) and run times
/// of runs that arrived after the warm-up, as byte counts. The waits are
/// counted as `ReplicationStats` counts them, so the figures are the
/// standard statistics'; the rest of those (hourly waits, queue series,
/// two full histograms a workload at its end) took 1.6 MB a workload.
struct Tally {
    from: SimTime,
    waits: Vec<HistogramCounts>,
    run_times: Vec<HistogramCounts>,
}

impl Recorder for Tally {
    fn started(
        &mut self,
        w: WorkloadId,
        _target: Target,
        arrived_at: SimTime,
        at: SimTime,
        run: SimDuration,
    ) {
        if arrived_at >= self.from {
            self.waits[w.0 as usize].record(at.saturating_since(arrived_at).0);
            self.run_times[w.0 as usize].record(run.0);
        }
    }

    fn censored(&mut self, w: WorkloadId, arrived_at: SimTime, at: SimTime) {
        if arrived_at >= self.from {
            self.waits[w.0 as usize].record(at.saturating_since(arrived_at).0);
        }
    }
}

/// The one place simulated figures are read: the `q` quantile, in seconds,
/// of a replication's histogram of ticks (NaN when it is empty).
fn simulated_s(h: &Histogram<u64>, q: f64) -> f64 {
    if h.is_empty() {
        return f64::NAN;
    }
    h.value_at_quantile(q) as f64 / TICKS_PER_SECOND as f64
}

/// One replication's figures of a row: the `QUANTITIES`, in seconds.
type Figures = [f64; 5];

/// The figures of a row from its waits and run times, tick histograms.
fn figures(waits: &Histogram<u64>, run_times: &Histogram<u64>) -> Figures {
    QUANTITIES.map(|(_, measure, q)| match measure {
        Measure::Wait => simulated_s(waits, q),
        Measure::Run => simulated_s(run_times, q),
    })
}

/// The back-test's recorder of a replication of `scenario`: waits and run
/// times per workload after the warm-up.
fn tally(scenario: &Scenario) -> Tally {
    let workloads = scenario.workloads.len();
    Tally {
        from: SimTime(scenario.simulation.warmup.0),
        waits: vec![HistogramCounts::default(); workloads],
        run_times: vec![HistogramCounts::default(); workloads],
    }
}

/// A replication's tally reduced at once to its figures per workload,
/// then the total's: a replication's histograms are dropped as it ends,
/// so memory holds the replications in flight (one a thread), not all 40
/// of them (16.5 MB a workload, which aborted an import of 300 tasks).
fn replication_figures(tally: &Tally) -> Vec<Figures> {
    let (mut all_waits, mut all_runs) = (histogram(), histogram());
    // One workload's histograms at a time.
    let mut out: Vec<Figures> = tally
        .waits
        .iter()
        .zip(&tally.run_times)
        .map(|(waits, run_times)| {
            let (waits, run_times) = (waits.histogram(), run_times.histogram());
            // Equal precision and auto-resizing: adding cannot fail.
            let _ = all_waits.add(&waits);
            let _ = all_runs.add(&run_times);
            figures(&waits, &run_times)
        })
        .collect();
    out.push(figures(&all_waits, &all_runs));
    out
}

/// Per replication (in replication order: the same figures whatever the
/// number of threads), the figures of each workload and of the total.
fn simulate(
    imported: &Imported,
    cancel: &AtomicBool,
    progress: &(dyn Fn() + Sync),
) -> Vec<Vec<Figures>> {
    let scenario = &imported.backtest_scenario;
    let jobs: Vec<(&Scenario, u32)> = (0..BACKTEST_REPLICATIONS).map(|r| (scenario, r)).collect();
    let open = |_| Ok(Some(tally(scenario)));
    let close = |_, tally: Tally| {
        let figures = replication_figures(&tally);
        progress();
        Ok(figures)
    };
    let Ok(figures) = each_replication::<_, _, Infallible>(&jobs, cancel, open, close);
    figures
}

/// A row from recorded millisecond histograms and, per replication, the
/// simulated figures.
fn row(
    name: &str,
    recorded: (Option<&Histogram<u64>>, Option<&Histogram<u64>>),
    simulated: &[Figures],
) -> BackTestRow {
    let mut at = 0;
    BackTestRow {
        name: name.to_string(),
        cells: QUANTITIES.map(|(_, measure, q)| {
            let rec = match measure {
                Measure::Wait => recorded.0,
                Measure::Run => recorded.1,
            };
            let per_replication: Vec<f64> = simulated.iter().map(|f| f[at]).collect();
            at += 1;
            let defined = per_replication.iter().copied().filter(|x| !x.is_nan());
            Compared {
                recorded: rec
                    .filter(|h| !h.is_empty())
                    .map_or(f64::NAN, |h| quantile_s(h, q)),
                simulated: Estimate::from_samples(&per_replication),
                spread: (
                    defined.clone().fold(f64::INFINITY, f64::min),
                    defined.fold(f64::NEG_INFINITY, f64::max),
                ),
            }
        }),
    }
}

/// Simulates the imported scenario and compares it with the export (or,
/// with a hold-out, with the held-out runs). Once `cancel` is set (a
/// Ctrl-C), the replications stop at their next check and the figures are
/// incomplete: the caller discards them. `progress` is called as each
/// replication ends.
pub fn backtest(
    imported: &Imported,
    cancel: &AtomicBool,
    progress: &(dyn Fn() + Sync),
) -> BackTest {
    let reps = simulate(imported, cancel, progress);
    let sim = &imported.backtest_scenario.simulation;
    let window = SimDuration(sim.horizon.0 - sim.warmup.0);
    let mut rows: Vec<BackTestRow> = Vec::new();
    let mut splits = Vec::new();
    for (w, reference) in imported.recorded.iter().enumerate() {
        let Some(name) = &reference.name else {
            continue;
        };
        let per_rep: Vec<Figures> = reps.iter().map(|r| r[w]).collect();
        let rec = &reference.recorded;
        rows.push(row(
            name,
            (rec.waits.as_ref(), rec.run_times.as_ref()),
            &per_rep,
        ));
        splits.push(reference.split.clone());
    }
    let totals: Vec<Figures> = reps.iter().filter_map(|r| r.last().copied()).collect();
    let recorded = &imported.recorded;
    let (waits, runs) = (
        merged(recorded.iter().filter_map(|r| r.recorded.waits.as_ref())),
        merged(
            recorded
                .iter()
                .filter_map(|r| r.recorded.run_times.as_ref()),
        ),
    );
    rows.push(row(TOTAL, (waits.as_ref(), runs.as_ref()), &totals));
    splits.push(None);
    let kind = match imported.holdout {
        Some(h) => format!(
            "hold-out: fitted without the export's last {h}, compared with the runs of those {h}"
        ),
        None => "fit-to-self: compared with the runs it was fitted to".to_string(),
    };
    BackTest {
        rows,
        splits,
        kind,
        setup: format!(
            "{BACKTEST_REPLICATIONS} replications of {window} after a {} warm-up, seed {}",
            sim.warmup, sim.seed
        ),
        window,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_replication_is_as_long_as_the_export_from_a_week_to_four() {
        let at = |days: f64| {
            DateTime::<Utc>::from_timestamp(1_740_960_000 + (days * 86_400.0) as i64, 0)
                .expect("a time")
        };
        for (span_days, window) in [
            (0.5, WRITTEN_DAYS),
            (6.25, 7),
            (13.0, 13),
            (27.8, 28),
            (364.0, MAX_WINDOW_DAYS),
        ] {
            assert_eq!(window_days(at(0.0), at(span_days)), window, "{span_days} d");
        }
    }

    /// Issue 27: a missed p95 of a workload whose task also ran on other
    /// pools names them as a possible cause; the same miss without a split
    /// does not, and the machine-readable figures list the miss.
    #[test]
    fn a_missed_p95_names_the_pool_split() {
        let compared = |recorded: f64, simulated: &[f64]| Compared {
            recorded,
            simulated: Estimate::from_samples(simulated),
            spread: (simulated[0], simulated[simulated.len() - 1]),
        };
        let row = BackTestRow {
            name: "ci@pool-a".into(),
            cells: [
                compared(10.0, &[10.0, 10.0]),
                compared(600.0, &[1200.0, 1300.0]),
                compared(900.0, &[900.0, 900.0]),
                compared(60.0, &[60.0, 60.0]),
                compared(300.0, &[300.0, 300.0]),
            ],
        };
        let bt = |split: Option<&str>| BackTest {
            rows: vec![row.clone()],
            splits: vec![split.map(str::to_string)],
            kind: "fit-to-self".into(),
            setup: String::new(),
            window: SimDuration::from_secs(7 * 86_400),
        };
        let split = bt(Some("default (40 runs)")).warnings();
        assert_eq!(split.len(), 1, "{split:?}");
        assert!(
            split[0].starts_with("back-test: workload ci@pool-a: simulated wait p95 20.8m is 108% higher than the recorded 10.0m")
                && split[0].ends_with("; its task also ran on default (40 runs), a workload of its own each: if the service moved runs between them by load, the split explains the difference"),
            "{}",
            split[0]
        );
        assert!(!bt(None).warnings()[0].contains("its task also ran"));
        let json: serde_json::Value = serde_json::from_str(&bt(None).json()).expect("JSON");
        assert_eq!(json["missed"], true);
        assert_eq!(json["rows"][0]["missed"], serde_json::json!(["wait p95"]));
    }
}
