//! `poolcast import`: fit, back-test, write.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;

use super::{BadInput, emit};
use chrono_tz::Tz;

use crate::import::{self, ImportError, ImportOptions};
use crate::model::Tier;
use crate::report;
use crate::scenario;

/// The file `--out PATH` names: PATH, or NAME.toml inside it when PATH
/// ends with a slash or is a folder (`--out scenarios/`).
pub(super) fn file_in(path: &Path, name: &str) -> std::path::PathBuf {
    let text = path.as_os_str().to_string_lossy();
    if text.ends_with('/') || text.ends_with(std::path::MAIN_SEPARATOR) || path.is_dir() {
        path.join(format!("{name}.toml"))
    } else {
        path.to_path_buf()
    }
}

/// `file_in(path, name)`, checked for writing before any work (exit 2
/// when it cannot be written; `inputs` are files it must not replace).
pub(super) fn checked_file_in(path: &Path, name: &str, inputs: &[&Path]) -> Result<PathBuf> {
    let file = file_in(path, name);
    report::check_file_target(&file, inputs).map_err(|why| BadInput(format!("--out: {why}")))?;
    Ok(file)
}

/// Writes scenario `text` to the checked `path`; a failure is the user's
/// path (exit 2), as in the check.
pub(super) fn write_scenario(path: &Path, text: &str) -> Result<()> {
    report::write_file(path, text.as_bytes())
        .map_err(|e| BadInput(format!("--out: cannot write {}: {e}", path.display())).into())
}

/// The options of `poolcast import` beside the exports and `--out`.
pub(super) struct Flags<'a> {
    pub tiers: &'a [String],
    pub name: Option<String>,
    pub timezone: Option<&'a str>,
    pub holdout: Option<&'a str>,
    pub max_memory: Option<&'a str>,
    pub threads: Option<usize>,
    pub quiet: bool,
}

/// The import options of `flags`, each checked (exit 2 naming the flag).
fn options(runs: &[PathBuf], flags: &Flags) -> Result<ImportOptions> {
    let mut tiers = BTreeMap::new();
    for t in flags.tiers {
        let parsed = t
            .split_once('=')
            .and_then(|(pool, tier)| Some((pool, tier.parse::<Tier>().ok()?)));
        let (pool, tier) =
            parsed.ok_or_else(|| BadInput(ImportError::TierOption(t.clone()).to_string()))?;
        tiers.insert(pool.to_string(), tier);
    }
    let name = match &flags.name {
        Some(n) if !scenario::is_valid_name(n) => {
            return Err(BadInput(format!("--name {n:?}: a scenario name has 1 to 64 letters, digits, '.', '_' or '-' and does not start with '.'")).into());
        }
        Some(n) => n.clone(),
        None => runs.first().and_then(|r| r.file_stem()).map_or_else(
            || "imported".into(),
            |s| scenario::name_from_stem(&s.to_string_lossy()),
        ),
    };
    let timezone = match flags.timezone {
        None => Tz::UTC,
        Some(zone) => zone.trim().parse::<Tz>().map_err(|_| {
            BadInput(format!(
                "--timezone {zone:?}: unknown time zone; use an IANA name such as Europe/Berlin"
            ))
        })?,
    };
    let holdout = flags
        .holdout
        .map(|h| {
            crate::text::parse_duration(h)
                .ok()
                .filter(|d| d.0 > 0)
                .ok_or_else(|| BadInput(format!("--holdout {h:?}: give a duration such as 7d")))
        })
        .transpose()?;
    Ok(ImportOptions {
        tiers,
        name,
        timezone,
        holdout,
    })
}

pub(super) fn import_runs(runs: &[PathBuf], out: Option<&Path>, flags: Flags) -> Result<ExitCode> {
    let options = options(runs, &flags)?;
    let inputs: Vec<&Path> = runs.iter().map(PathBuf::as_path).collect();
    let out = out
        .map(|path| checked_file_in(path, &options.name, &inputs))
        .transpose()?;
    let pool = super::thread_pool(flags.threads)?;
    let refused = |e: ImportError| match e {
        ImportError::Invalid(_) => anyhow::Error::new(e),
        other => anyhow::Error::new(BadInput(other.to_string())),
    };
    // Each phase's memory is checked before it starts: reading and fitting
    // (from the exports' census), then the back-test (from the scenario).
    let exports = import::Exports::survey(runs, &options).map_err(refused)?;
    super::check_memory_or(
        &exports.memory_estimate(),
        flags.max_memory,
        "an export of fewer tasks or runs (a shorter --top, or one pool's runs) brings it down",
    )?;
    let imported = exports.fit().map_err(refused)?;
    super::stop_if_interrupted()?;
    super::check_memory_or(
        &import::backtest_estimate(&imported, pool.current_num_threads()),
        flags.max_memory,
        "fewer --threads bring it down (the back-test holds a replication a thread)",
    )?;
    let bar = super::progress_bar(
        u64::from(import::BACKTEST_REPLICATIONS),
        flags.quiet,
        "replications",
    );
    bar.set_message("back-test");
    let backtest =
        pool.install(|| import::backtest(&imported, &super::INTERRUPTED, &|| bar.inc(1)));
    bar.finish_and_clear();
    // An interrupted back-test is incomplete: nothing is written.
    super::stop_if_interrupted()?;
    if !flags.quiet {
        for w in imported.warnings.iter().chain(&backtest.warnings()) {
            note!("warning: {w}");
        }
    }
    let text = backtest.annotate(&imported.toml);
    match out {
        Some(path) => {
            write_scenario(&path, &text)?;
            // The figures for a machine beside the scenario.
            let json = path.with_extension("backtest.json");
            report::write_file(&json, backtest.json().as_bytes())
                .map_err(|e| BadInput(format!("--out: cannot write {}: {e}", json.display())))?;
            // With the scenario in a file, stdout carries the back-test
            // (without --out it is the comment on top of the scenario).
            emit(&backtest.table())?;
            if !flags.quiet {
                note!("wrote {} and {}", path.display(), json.display());
            }
        }
        None => emit(&text)?,
    }
    Ok(ExitCode::SUCCESS)
}
