//! `poolcast import`: fit a scenario to recorded runs, and back-test it.
//!
//! Runs are streamed (`collect`); the fits work on what was kept: pools
//! (`pools`), arrivals (`arrival`: cron, burst or profile), run times
//! (`duration`), then the text (`write`), which is validated before it is
//! returned. `backtest` simulates the result against the recording. Nothing
//! here prints: warnings and the back-test table are returned.

use std::collections::BTreeMap;
use std::path::Path;

use crate::model::Tier;
use crate::runs::RunsError;
use crate::scenario::{Scenario, ScenarioError};

mod arrival;
mod backtest;
mod collect;
mod duration;
mod pools;
mod triggers;
mod workload;
mod write;

pub use backtest::{
    BACKTEST_REPLICATIONS, BackTest, BackTestRow, Compared, Measure, NEGLIGIBLE_S, P95_TOLERANCE,
    backtest,
};

/// Why an import failed.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The runs file is unreadable or malformed.
    #[error(transparent)]
    Runs(#[from] RunsError),
    /// The file holds no run with a timestamp.
    #[error(
        "{0}: no run has a createTime; give a list-runs JSON export (CSV offsets cannot be placed on a calendar)"
    )]
    NoRuns(String),
    /// A `--tier POOL=TIER` option is malformed.
    #[error("--tier {0:?}: write POOL=TIER, e.g. --tier buildpool=S2 (tiers S1, S2, S3, I6)")]
    TierOption(String),
    /// A `--tier` option names a pool the export does not have.
    #[error("--tier {option}: {path} has no pool {pool:?}; {hint}")]
    UnknownPool {
        /// The option as given.
        option: String,
        /// The export.
        path: String,
        /// The pool it names.
        pool: String,
        /// The known pools and the fix.
        hint: String,
    },
    /// The generated scenario did not validate: a bug, reported with the text.
    #[error("the generated scenario does not validate (please report this)")]
    Invalid(#[from] ScenarioError),
}

/// The result of an import: scenario text and warnings for the user.
#[derive(Debug, Clone)]
pub struct Imported {
    /// A scenario that validates.
    pub toml: String,
    /// Guesses the user should check.
    pub warnings: Vec<String>,
    /// `toml` simulating as many days as the export covers: what the
    /// back-test runs.
    backtest_scenario: Scenario,
    /// Per workload (scenario order), what its runs recorded.
    recorded: Vec<(String, workload::Recorded)>,
}

/// Fits a scenario to the runs in `path`; `tiers` maps pool names (as the
/// export or the scenario spells them) to tiers where the user knows them.
/// `name` names the scenario.
pub fn import(
    path: &Path,
    tiers: &BTreeMap<String, Tier>,
    name: &str,
) -> Result<Imported, ImportError> {
    let observed = collect::collect(path)?;
    pools::check_tier_options(tiers, &observed, &path.display().to_string())?;
    let mut warnings: Vec<String> = observed
        .renamed
        .iter()
        .map(|(from, r)| {
            format!(
                "pool {from:?}: {}; it is called {:?} in the scenario",
                r.why, r.to
            )
        })
        .collect();
    let pools = pools::fit_pools(&observed, tiers, &mut warnings);
    let workloads = workload::fit_workloads(&observed, &pools, &mut warnings);
    let text = |days| write::scenario_text(path, name, &observed, &pools, &workloads, days);
    let parse = |toml: &str| crate::scenario::from_str(toml, Path::new("imported.toml"));
    let toml = text(write::WRITTEN_DAYS);
    parse(&toml)?;
    let backtest_scenario = parse(&text(backtest::window_days(observed.first, observed.last)))?;
    debug_assert_eq!(backtest_scenario.workloads.len(), workloads.len());
    Ok(Imported {
        toml,
        warnings,
        backtest_scenario,
        recorded: workloads
            .into_iter()
            .map(|w| (w.name, w.recorded))
            .collect(),
    })
}
