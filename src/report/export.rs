//! Every output file of a run, a sweep, a plan, a schedule plan, a
//! frontier of them and a comparison, as one list each that `app` loops over (hyperfine's
//! `Exporter`): a file's name, the kind `--outputs` selects it by, and a
//! function writing its bytes from the results. The lists are in the order
//! the files are written, which the folder's manifest keeps.

use std::io::{self, Write};
use std::sync::OnceLock;

use super::compare::Comparison;
use super::frontier::FrontierFiles;
use super::plan::PlanFiles;
use super::schedule::ScheduleFiles;
use crate::results::{Objective, RunSummary, SweepMetaFile, SweepTable};

/// The kinds of output file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `summary.json`, `sweep.json`, `recommendation.json`.
    Json,
    /// The CSV files.
    Csv,
    /// Charts as SVG.
    Svg,
    /// Charts as PNG.
    Png,
    /// `report.html`.
    Html,
    /// `summary.md`.
    Md,
    /// `tasks.csv`, one row per run: only when asked.
    Tasks,
}

/// One step of a command's outputs.
#[derive(Debug, Clone, Copy)]
pub enum Exporter<W> {
    /// A file of its own, written by `write` when its kind is asked for.
    File {
        /// The file's name in the output folder.
        name: &'static str,
        /// What `--outputs` selects it by.
        kind: Kind,
        /// Writes its bytes.
        write: W,
    },
    /// The files a command exists to make, named from its results (a
    /// plan's recommended scenario, one per target of a frontier, and the
    /// files that apply it): written whatever `--outputs` asks for, when
    /// there is a folder.
    Named,
    /// The charts, as `NAME.svg` and `NAME.png` (drawn as asked).
    Charts,
    /// `summary.md` and `report.html`, which show the charts drawn.
    Document,
}

impl<W> Exporter<W> {
    /// The kinds `--outputs` selects this step by (none for `Named`, which
    /// is written whatever it asks for).
    pub fn kinds(&self) -> Vec<Kind> {
        match self {
            Exporter::File { kind, .. } => vec![*kind],
            Exporter::Named => Vec::new(),
            Exporter::Charts => vec![Kind::Svg, Kind::Png],
            Exporter::Document => vec![Kind::Html, Kind::Md],
        }
    }
}

/// What a run's files are written from.
pub struct RunFiles<'a> {
    /// The run's results.
    pub run: &'a RunSummary,
    /// Every warning, before and after the run.
    pub warnings: &'a [String],
    json: OnceLock<String>,
}

impl<'a> RunFiles<'a> {
    /// The files of `run`, with its `warnings`.
    pub fn new(run: &'a RunSummary, warnings: &'a [String]) -> RunFiles<'a> {
        RunFiles {
            run,
            warnings,
            json: OnceLock::new(),
        }
    }

    /// `summary.json`'s text, made once whether it is written, printed or
    /// both (and only then: for 1,000 pools its value tree was most of the
    /// run's peak memory).
    pub fn summary_json(&self) -> &str {
        self.json
            .get_or_init(|| super::summary_json(self.run, self.warnings))
    }
}

/// Writes a file of a run.
pub type RunWrite = fn(&RunFiles<'_>, &mut dyn Write) -> io::Result<()>;

/// The run's files: `summary.json`, the CSV files (`queue.csv` streamed:
/// its text is the largest, about 90 bytes a sample), the charts and the
/// documents (`tasks.csv` is the replications' own, written as they run).
pub const RUN_EXPORTERS: [Exporter<RunWrite>; 10] = [
    Exporter::File {
        name: "summary.json",
        kind: Kind::Json,
        write: |f, w| w.write_all(f.summary_json().as_bytes()),
    },
    Exporter::File {
        name: "pools.csv",
        kind: Kind::Csv,
        write: |f, w| w.write_all(&super::pools_csv(f.run)),
    },
    Exporter::File {
        name: "workloads.csv",
        kind: Kind::Csv,
        write: |f, w| w.write_all(&super::workloads_csv(f.run)),
    },
    Exporter::File {
        name: "queue.csv",
        kind: Kind::Csv,
        write: |f, w| super::write_queue_csv(w, f.run),
    },
    Exporter::File {
        name: "cost_by_day.csv",
        kind: Kind::Csv,
        write: |f, w| w.write_all(&super::cost_by_day_csv(f.run)),
    },
    Exporter::File {
        name: "wait_cdf.csv",
        kind: Kind::Csv,
        write: |f, w| w.write_all(&super::wait_cdf_csv(f.run)),
    },
    Exporter::File {
        name: "wait_by_hour.csv",
        kind: Kind::Csv,
        write: |f, w| w.write_all(&super::wait_by_hour_csv(f.run)),
    },
    Exporter::File {
        name: "utilisation_by_hour.csv",
        kind: Kind::Csv,
        write: |f, w| w.write_all(&super::utilisation_by_hour_csv(f.run)),
    },
    Exporter::Charts,
    Exporter::Document,
];

/// What a finished sweep's files are written from (`sweep.csv` goes
/// first, a row at a time as the points end).
pub struct SweepFiles<'a> {
    /// The table of every point.
    pub table: &'a SweepTable,
    /// What the sweep optimises.
    pub obj: &'a Objective,
    /// The sweep's warnings, for `recommendation.json`.
    pub warnings: &'a [String],
    /// `sweep.json`.
    pub meta: SweepMetaFile,
}

/// Writes a file of a sweep.
pub type SweepWrite = fn(&SweepFiles<'_>, &mut dyn Write) -> io::Result<()>;

/// A sweep's files after `sweep.csv`, in the order they are written.
pub const SWEEP_EXPORTERS: [Exporter<SweepWrite>; 6] = [
    Exporter::File {
        name: "pareto.csv",
        kind: Kind::Csv,
        write: |f, w| super::write_pareto_csv(w, f.table, f.obj),
    },
    Exporter::File {
        name: "sweep_cost_wait.csv",
        kind: Kind::Csv,
        write: |f, w| super::write_sweep_cost_wait_csv(w, f.table, f.obj),
    },
    Exporter::Charts,
    Exporter::Document,
    Exporter::File {
        name: "recommendation.json",
        kind: Kind::Json,
        write: |f, w| super::write_recommendation_json(w, f.table, f.obj, f.warnings),
    },
    Exporter::File {
        name: "sweep.json",
        kind: Kind::Json,
        write: |f, w| w.write_all(super::sweep_meta_json(&f.meta).as_bytes()),
    },
];

/// Writes a file of a plan.
pub type PlanWrite = fn(&PlanFiles<'_>, &mut dyn Write) -> io::Result<()>;

/// A plan's files (`plan --schedule` has its own), in the order they are
/// written.
pub const PLAN_EXPORTERS: [Exporter<PlanWrite>; 2] = [
    Exporter::File {
        name: "plan.csv",
        kind: Kind::Csv,
        write: |f, w| w.write_all(&f.csv()?),
    },
    Exporter::File {
        name: "recommendation.json",
        kind: Kind::Json,
        write: |f, w| {
            super::write_recommendation_json(w, &f.outcome.table, f.obj, &f.summary.warnings)
        },
    },
];

/// Writes a file of a schedule plan.
pub type ScheduleWrite = fn(&ScheduleFiles<'_>, &mut dyn Write) -> io::Result<()>;

/// `plan --schedule`'s files, in the order they are written: the
/// recommended scenario and the files that apply it, then the plan.
pub const SCHEDULE_EXPORTERS: [Exporter<ScheduleWrite>; 3] = [
    Exporter::Named,
    Exporter::File {
        name: "schedule.json",
        kind: Kind::Json,
        write: |f, w| w.write_all(super::schedule::schedule_json(f.plan, f.scenario).as_bytes()),
    },
    Exporter::File {
        name: "schedule.csv",
        kind: Kind::Csv,
        write: |f, w| w.write_all(super::schedule::schedule_csv(f.plan).as_bytes()),
    },
];

/// Writes a file of a frontier.
pub type FrontierWrite = fn(&FrontierFiles<'_>, &mut dyn Write) -> io::Result<()>;

/// `plan --schedule --targets`' files, in the order they are written:
/// each planned target's recommended scenario, the frontier, its chart.
pub const FRONTIER_EXPORTERS: [Exporter<FrontierWrite>; 4] = [
    Exporter::Named,
    Exporter::File {
        name: "frontier.json",
        kind: Kind::Json,
        write: |f, w| w.write_all(super::frontier::frontier_json(f.frontier).as_bytes()),
    },
    Exporter::File {
        name: "frontier.csv",
        kind: Kind::Csv,
        write: |f, w| w.write_all(super::frontier::frontier_csv(f.frontier).as_bytes()),
    },
    Exporter::Charts,
];

/// What a comparison's files are written from.
pub struct CompareFiles<'a> {
    /// The comparison.
    pub cmp: &'a Comparison<'a>,
    csv: OnceLock<Vec<u8>>,
}

impl<'a> CompareFiles<'a> {
    /// The files of `cmp`.
    pub fn new(cmp: &'a Comparison<'a>) -> CompareFiles<'a> {
        CompareFiles {
            cmp,
            csv: OnceLock::new(),
        }
    }

    /// `compare.csv`'s bytes, made once whether written, printed or both.
    pub fn csv(&self) -> &[u8] {
        self.csv.get_or_init(|| self.cmp.csv())
    }
}

/// Writes a file of a comparison.
pub type CompareWrite = fn(&CompareFiles<'_>, &mut dyn Write) -> io::Result<()>;

/// `compare`'s files, in the order they are written.
pub const COMPARE_EXPORTERS: [Exporter<CompareWrite>; 6] = [
    Exporter::File {
        name: "compare.csv",
        kind: Kind::Csv,
        write: |f, w| w.write_all(f.csv()),
    },
    Exporter::File {
        name: "compare_wait_cdf.csv",
        kind: Kind::Csv,
        write: |f, w| w.write_all(&f.cmp.wait_cdf_csv()),
    },
    Exporter::File {
        name: "compare_workloads.csv",
        kind: Kind::Csv,
        write: |f, w| w.write_all(&f.cmp.workloads_csv()),
    },
    Exporter::File {
        name: "compare_objectives.csv",
        kind: Kind::Csv,
        write: |f, w| w.write_all(&f.cmp.objectives_csv()),
    },
    Exporter::Charts,
    Exporter::Document,
];
