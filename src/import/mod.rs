//! `poolcast import`: fit a scenario to recorded runs, and back-test it.
//!
//! Runs are streamed (`collect`); the fits work on what was kept: pools
//! (`pools`), arrivals (`arrival`: cron, burst or profile), run times
//! (`duration`), then the text (`write`), which is validated before it is
//! returned. `backtest` simulates the result against the recording. Nothing
//! here prints: warnings and the back-test table are returned.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono_tz::Tz;

use crate::forecast::memory::MemoryEstimate;
use crate::model::Tier;
use crate::runs::RunsError;
use crate::scenario::{Scenario, ScenarioError};
use crate::units::SimDuration;

mod arrival;
mod backtest;
mod collect;
mod coverage;
mod duration;
mod memory;
mod pools;
mod workload;
mod write;

pub use backtest::{
    BACKTEST_REPLICATIONS, BackTest, BackTestRow, Compared, Measure, NEGLIGIBLE_S, P95_TOLERANCE,
    backtest,
};
pub use memory::backtest_estimate;

/// Why an import failed.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The runs file is unreadable or malformed.
    #[error(transparent)]
    Runs(#[from] RunsError),
    /// The files hold no run with a timestamp.
    #[error(
        "{0}: no run has a createTime; give a list-runs JSON export (CSV offsets cannot be placed on a calendar), or `az acr task list-runs` with a longer --top if it printed `[]`"
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
    /// `--holdout` leaves nothing to fit.
    #[error(
        "--holdout {holdout}: the export covers only {span} from its first run to its last, which leaves nothing to fit; hold out less, or export more runs (a longer --top, or several exports)"
    )]
    HoldoutTooLong {
        /// The hold-out asked for.
        holdout: String,
        /// What the export covers.
        span: String,
    },
    /// The generated scenario did not validate: a bug, reported with the text.
    #[error("the generated scenario does not validate (please report this)")]
    Invalid(#[from] ScenarioError),
}

/// What to import and how.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// Tiers of pools the user knows, by name (as the export or the
    /// scenario spells it).
    pub tiers: BTreeMap<String, Tier>,
    /// The scenario's name.
    pub name: String,
    /// The team's clock: profiles are fitted on it and the scenario runs on it.
    pub timezone: Tz,
    /// The stretch at the end of the export held out of the fit and
    /// back-tested on, when asked for.
    pub holdout: Option<SimDuration>,
}

impl ImportOptions {
    /// Options for `name`: no tiers given, UTC, no hold-out.
    pub fn named(name: &str) -> ImportOptions {
        ImportOptions {
            tiers: BTreeMap::new(),
            name: name.to_string(),
            timezone: Tz::UTC,
            holdout: None,
        }
    }
}

/// What a workload's back-test row compares with.
#[derive(Debug, Clone)]
struct Reference {
    /// The workload's name (or, for runs of the hold-out no workload
    /// stands for, `None`: they count in the total only).
    name: Option<String>,
    /// What the runs recorded.
    recorded: collect::Recorded,
    /// When its task also ran on other pools: a note for the back-test.
    split: Option<String>,
}

/// The result of an import: scenario text and warnings for the user.
#[derive(Debug, Clone)]
pub struct Imported {
    /// A scenario that validates.
    pub toml: String,
    /// Guesses the user should check.
    pub warnings: Vec<String>,
    /// `toml` simulating as many days as the back-test compares.
    backtest_scenario: Scenario,
    /// Per workload (scenario order), then runs no workload stands for,
    /// what the compared runs recorded.
    recorded: Vec<Reference>,
    /// Whether the back-test compares with held-out runs.
    holdout: Option<SimDuration>,
}

/// Every export file of `paths`: the files given, and the `.json` and
/// `.csv` files of a folder given, in name order.
pub fn export_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, ImportError> {
    let mut files = Vec::new();
    for path in paths {
        if !path.is_dir() {
            files.push(path.clone());
            continue;
        }
        let err = |e: std::io::Error| RunsError {
            path: path.clone(),
            row: None,
            message: format!("cannot list the folder: {e}"),
        };
        let mut found: Vec<PathBuf> = std::fs::read_dir(path)
            .map_err(err)?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "json" || x == "csv"))
            .collect();
        if found.is_empty() {
            return Err(RunsError {
                path: path.clone(),
                row: None,
                message: "the folder holds no .json or .csv export; give the files, or a folder of list-runs exports".into(),
            }
            .into());
        }
        found.sort();
        files.extend(found);
    }
    Ok(files)
}

/// The exports named for people: their paths, comma-separated.
fn named(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Fits a scenario to the runs in the exports `paths` (files, or folders
/// of them; a run repeated across them counts once).
pub fn import(paths: &[PathBuf], options: &ImportOptions) -> Result<Imported, ImportError> {
    Exports::survey(paths, options)?.fit()
}

/// The exports of an import, surveyed: their files, and their runs counted
/// in a first pass that keeps none, so that the memory of the fit is known
/// before it is taken.
#[derive(Debug)]
pub struct Exports {
    paths: Vec<PathBuf>,
    options: ImportOptions,
    census: collect::Census,
    reading: collect::Reading,
}

impl Exports {
    /// The exports `paths` (files, or folders of them) to import as
    /// `options` say, counted; refused when no run has a creation time or
    /// the hold-out leaves nothing to fit.
    pub fn survey(paths: &[PathBuf], options: &ImportOptions) -> Result<Exports, ImportError> {
        let paths = export_files(paths)?;
        let census = collect::census(&paths)?;
        let span = census
            .span
            .ok_or_else(|| ImportError::NoRuns(named(&paths)))?;
        let held_from = options
            .holdout
            .map(|h| {
                let ms = (h.as_secs_f64() * 1000.0) as i64;
                collect::held_from(span, chrono::Duration::milliseconds(ms))
            })
            .transpose()?;
        Ok(Exports {
            paths,
            options: options.clone(),
            census,
            reading: collect::Reading {
                zone: options.timezone,
                held_from,
            },
        })
    }

    /// Peak memory of reading the exports and fitting the scenario (the
    /// back-test's is [`backtest_estimate`], once the scenario is known).
    pub fn memory_estimate(&self) -> MemoryEstimate {
        memory::fit_estimate(&self.census, self.reading.held_from.is_some())
    }

    /// Fits the scenario.
    pub fn fit(self) -> Result<Imported, ImportError> {
        let (paths, options) = (&self.paths, &self.options);
        let observed = collect::collect(paths, self.reading)?;
        pools::check_tier_options(&options.tiers, &observed, &named(paths))?;
        let mut warnings = read_warnings(&observed);
        let pools = pools::fit_pools(&observed, &options.tiers, &mut warnings);
        let mut workloads = workload::fit_workloads(&observed, &pools, &mut warnings);
        coverage::check(&observed, &mut workloads, &mut warnings);
        let (from, until) = match &observed.held_out {
            Some(h) => (h.from, h.last),
            None => (observed.first, observed.last),
        };
        let backtest_days = backtest::window_days(from, until);
        let sample_interval =
            write::sample_interval(pools.len(), backtest_days.max(write::WRITTEN_DAYS));
        if sample_interval != write::SAMPLE_INTERVALS[0].0 {
            warnings.push(format!(
                "{} pools: sample_interval = \"{sample_interval}\" keeps the queue series within the {} samples a scenario may hold; a shorter one needs fewer pools",
                pools.len(),
                crate::scenario::MAX_SAMPLES
            ));
        }
        let header = write::Header {
            paths,
            name: &options.name,
            sample_interval,
        };
        let text = |days| write::scenario_text(&header, &observed, &pools, &workloads, days);
        let parse = |toml: &str| crate::scenario::from_str(toml, Path::new("imported.toml"));
        let toml = text(write::WRITTEN_DAYS);
        parse(&toml)?;
        let backtest_scenario = parse(&text(backtest_days))?;
        debug_assert_eq!(backtest_scenario.workloads.len(), workloads.len());
        Ok(Imported {
            toml,
            warnings,
            backtest_scenario,
            recorded: references(observed, workloads),
            holdout: options.holdout,
        })
    }
}

/// Warnings about the runs read: repeated and reused run ids, renamed pools.
fn read_warnings(observed: &collect::Observed) -> Vec<String> {
    let mut warnings = Vec::new();
    if observed.duplicates > 0 {
        warnings.push(format!(
            "{} runs repeat another run (the same runId and times, as overlapping list-runs pages give); each is counted once",
            observed.duplicates
        ));
    }
    if observed.reused_ids > 0 {
        warnings.push(format!(
            "{} runs have the runId of another run but other times; they are kept as different runs, so check that the exports come from one registry",
            observed.reused_ids
        ));
    }
    if let Some(h) = &observed.held_out {
        warnings.push(format!(
            "{} runs created from {} on are held out of the fit, for the back-test",
            h.total, h.from
        ));
        let unseen: Vec<String> = h
            .recorded
            .keys()
            .filter(|k| !observed.groups.contains_key(*k))
            .map(|(task, pool)| format!("{task} on {pool}"))
            .collect();
        if !unseen.is_empty() {
            warnings.push(format!(
                "the hold-out has runs of {}, which the fitted runs never had: no workload stands for them, and the back-test counts them only in the total",
                unseen.join(", ")
            ));
        }
    }
    warnings.extend(observed.renamed.iter().map(|(from, r)| {
        format!(
            "pool {from:?}: {}; it is called {:?} in the scenario",
            r.why, r.to
        )
    }));
    warnings
}

/// What each workload's back-test row compares with: its own runs, or
/// with a hold-out the held-out runs of its group (and, in the total,
/// those of groups the fit never saw). Taken out of `observed`, whose
/// histograms are its largest part: a copy doubled an import's memory.
fn references(
    observed: collect::Observed,
    workloads: Vec<workload::WorkloadFit>,
) -> Vec<Reference> {
    let mut groups = observed.groups;
    let mut held = observed.held_out.map(|h| h.recorded);
    let mut out: Vec<Reference> = workloads
        .into_iter()
        .map(|w| {
            let split = w.split.as_ref().map(|s| {
                let others: Vec<String> = s
                    .iter()
                    .filter(|(pool, _)| *pool != w.key.1)
                    .map(|(pool, n)| format!("{pool} ({n} runs)"))
                    .collect();
                others.join(", ")
            });
            let recorded = match held.as_mut() {
                Some(h) => h.remove(&w.key).unwrap_or_default(),
                None => {
                    groups
                        .remove(&w.key)
                        .map_or_else(Default::default, |g| collect::Recorded {
                            waits: g.waits,
                            run_times: g.run_times.histogram,
                        })
                }
            };
            Reference {
                name: Some(w.name),
                recorded,
                split,
            }
        })
        .collect();
    out.extend(held.into_iter().flatten().map(|(_, recorded)| Reference {
        name: None,
        recorded,
        split: None,
    }));
    out
}
