//! `poolcast import`: fit, back-test, write.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;

use super::{BadInput, emit};
use crate::import::{self, ImportError};
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

pub(super) fn import_runs(
    runs: &Path,
    out: Option<&Path>,
    tiers: &[String],
    name: Option<String>,
    quiet: bool,
) -> Result<ExitCode> {
    let mut given = BTreeMap::new();
    for t in tiers {
        let parsed = t
            .split_once('=')
            .and_then(|(pool, tier)| Some((pool, tier.parse::<Tier>().ok()?)));
        let (pool, tier) =
            parsed.ok_or_else(|| BadInput(ImportError::TierOption(t.clone()).to_string()))?;
        given.insert(pool.to_string(), tier);
    }
    let name = match name {
        Some(n) if !scenario::is_valid_name(&n) => {
            return Err(BadInput(format!("--name {n:?}: a scenario name has 1 to 64 letters, digits, '.', '_' or '-' and does not start with '.'")).into());
        }
        Some(n) => n,
        None => runs.file_stem().map_or_else(
            || "imported".into(),
            |s| scenario::name_from_stem(&s.to_string_lossy()),
        ),
    };
    let out = out
        .map(|path| checked_file_in(path, &name, &[runs]))
        .transpose()?;
    let imported = import::import(runs, &given, &name).map_err(|e| match e {
        ImportError::Invalid(_) => anyhow::Error::new(e),
        other => anyhow::Error::new(BadInput(other.to_string())),
    })?;
    super::stop_if_interrupted()?;
    let backtest = import::backtest(&imported, &super::INTERRUPTED);
    // An interrupted back-test is incomplete: nothing is written.
    super::stop_if_interrupted()?;
    if !quiet {
        for w in imported.warnings.iter().chain(&backtest.warnings()) {
            note!("warning: {w}");
        }
    }
    let text = backtest.annotate(&imported.toml);
    match out {
        Some(path) => {
            write_scenario(&path, &text)?;
            // With the scenario in a file, stdout carries the back-test
            // (without --out it is the comment on top of the scenario).
            emit(&backtest.table())?;
            if !quiet {
                note!("wrote {}", path.display());
            }
        }
        None => emit(&text)?,
    }
    Ok(ExitCode::SUCCESS)
}
