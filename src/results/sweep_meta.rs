//! `sweep.json`: what a sweep writes beside its `sweep.csv` for `poolcast
//! merge`, as one serde mirror that writing and reading share.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Fingerprint, Objective, SweepTable};
use crate::model::{Objectives, Per, WaitObjective, WindowError};
use crate::units::SimDuration;

/// The file form of `sweep.json`. Writing (`report`) and reading (`merge`)
/// go through this one serde mirror, so the two cannot drift apart.
#[derive(Serialize, Deserialize)]
pub struct SweepMetaFile {
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

/// A wait objective as `sweep.json` carries it.
#[derive(Serialize, Deserialize)]
pub struct WaitFile {
    /// The target, seconds.
    pub wait_p95_s: f64,
    /// The window judged, as written in the scenario.
    pub window: Option<String>,
    /// `window` or `hour`.
    pub per: String,
    /// The workload whose own objective it is (`None`: `[slo]`'s).
    pub workload: Option<String>,
    /// The workloads judged: index in the scenario, and name.
    pub workloads: Vec<(usize, String)>,
}

impl WaitFile {
    /// The file form of `o`.
    pub fn of(o: &WaitObjective) -> WaitFile {
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

impl SweepMetaFile {
    /// The file of a sweep of `points` (or of shard `(k, n)` of it) with
    /// `table`'s axes and metrics; `rows_checksum` is the `sweep.csv`
    /// written beside it's (`report::SweepCsv`).
    pub fn new(
        scenario: &str,
        points: usize,
        table: &SweepTable,
        obj: &Objective,
        shard: Option<(usize, usize)>,
        fingerprint: &Fingerprint,
        rows_checksum: &str,
    ) -> SweepMetaFile {
        SweepMetaFile {
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
        }
    }

    /// What the file says, or why its objective's window does not parse.
    pub fn into_meta(self) -> Result<SweepMeta, WindowError> {
        let o = self.objective;
        Ok(SweepMeta {
            scenario: self.scenario,
            fingerprint: Fingerprint::read(self.fingerprint, self.fingerprint_parts),
            rows_checksum: self.rows_checksum,
            points: self.points,
            axes: self.axes,
            axis_values: self.axis_values,
            metrics: self.metrics,
            objective: Objective {
                slo: Objectives {
                    waits: o
                        .waits
                        .into_iter()
                        .map(WaitFile::objective)
                        .collect::<Result<_, _>>()?,
                    max_cost_per_day_usd: o.max_cost_per_day_usd,
                },
                with_waiting_cost: o.with_waiting_cost,
            },
        })
    }
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
