//! Orchestration: load → validate → simulate → report. The only module that
//! knows every other one, and (with `main`) the only one that prints.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressStyle};

use std::collections::BTreeMap;

use crate::analytic::offered_load;
use crate::cli::{Cli, Command, Format, RunArgs};
use crate::import::{self, ImportError};
use crate::model::Tier;
use crate::model::{PriceTable, Quota};
use crate::report::{self, OutputDir};
use crate::scenario::{self, MAX_REPLICATIONS, Scenario, ScenarioError};

/// Writes a line to stderr, ignoring a closed stderr (never a panic).
macro_rules! note {
    ($($arg:tt)*) => {{
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

/// Bad input from the user (flags, files): exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BadInput(pub String);

/// Exit code for an error: 2 for bad input, 1 otherwise; a closed stdout
/// (e.g. `| head`) is not an error.
pub fn exit_code(e: &anyhow::Error) -> ExitCode {
    let input = e
        .chain()
        .any(|c| c.is::<ScenarioError>() || c.is::<BadInput>());
    let broken_pipe = e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    });
    match (broken_pipe, input) {
        (true, _) => ExitCode::SUCCESS,
        (_, true) => ExitCode::from(2),
        _ => ExitCode::FAILURE,
    }
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Run(args) => run_scenario(&args),
        Command::Validate { scenario } => {
            let s = scenario::load(&scenario)?;
            let workloads = s.workloads.len();
            emit(&format!(
                "{}: valid ({} pool{}, {} workload{})\n",
                scenario.display(),
                s.pools.len(),
                if s.pools.len() == 1 { "" } else { "s" },
                workloads,
                if workloads == 1 { "" } else { "s" },
            ))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Import {
            runs,
            out,
            tiers,
            name,
            quiet,
        } => import_runs(&runs, out.as_deref(), &tiers, name, quiet),
        Command::Tiers { scenario, format } => {
            let (prices, quota) = match scenario {
                Some(path) => {
                    let s = scenario::load(&path)?;
                    (s.prices, s.quota)
                }
                None => (PriceTable::default(), Quota::default()),
            };
            match format {
                Format::Table => emit(&report::tiers_table(&prices, quota))?,
                Format::Json => emit(&report::tiers_json(&prices, quota))?,
                Format::Csv => emit(&String::from_utf8_lossy(&report::tiers_csv(&prices)))?,
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn import_runs(
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
    let name = name.unwrap_or_else(|| {
        runs.file_stem()
            .map_or_else(|| "imported".into(), |s| s.to_string_lossy().into_owned())
    });
    let imported = import::import(runs, &given, &name).map_err(|e| match e {
        ImportError::Invalid(_) => anyhow::Error::new(e),
        other => anyhow::Error::new(BadInput(other.to_string())),
    })?;
    if !quiet {
        for w in &imported.warnings {
            note!("warning: {w}");
        }
    }
    match out {
        Some(path) => {
            let dir = path
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            let file = path
                .file_name()
                .ok_or_else(|| BadInput(format!("--out {} names no file", path.display())))?;
            let dir = OutputDir::prepare(dir)
                .map_err(|e| BadInput(format!("cannot write to {}: {e}", dir.display())))?;
            write_output(&dir, &file.to_string_lossy(), imported.toml.as_bytes())?;
            if !quiet {
                note!("wrote {}", path.display());
            }
        }
        None => emit(&imported.toml)?,
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes to stdout.
fn emit(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}

/// Loads the scenario and applies the command-line overrides.
fn load_with_overrides(args: &RunArgs) -> Result<Scenario> {
    let mut s = scenario::load(&args.scenario)?;
    if let Some(seed) = args.seed {
        s.simulation.seed = seed;
    }
    if let Some(r) = args.replications {
        if !(1..=MAX_REPLICATIONS).contains(&r) {
            return Err(BadInput(format!(
                "--replications must be between 1 and {MAX_REPLICATIONS}, got {r}"
            ))
            .into());
        }
        s.simulation.replications = r;
    }
    Ok(s)
}

fn output_dir(args: &RunArgs, s: &Scenario) -> Result<OutputDir> {
    let path = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("output").join(&s.name));
    OutputDir::prepare(&path).map_err(|e| {
        BadInput(format!(
            "cannot write to output folder {}: {e}; choose another with --out",
            path.display()
        ))
        .into()
    })
}

fn thread_pool(threads: Option<usize>) -> Result<rayon::ThreadPool> {
    if threads == Some(0) {
        return Err(BadInput("--threads must be at least 1".into()).into());
    }
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads.unwrap_or(0))
        .build()
        .context("cannot start worker threads")
}

fn progress_bar(len: u64, quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len);
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} replications, ETA {eta}")
            .expect("a valid template")
            .progress_chars("=> "),
    );
    bar
}

/// Warnings a user must see before trusting the numbers.
fn warnings(s: &Scenario) -> Vec<String> {
    let mut out = s.warnings.clone();
    for (pool, load) in s.pools.iter().zip(offered_load(s)) {
        let most = pool.max_count();
        if load >= f64::from(most) {
            out.push(format!(
                "pool {}: arrivals need {load:.2} instances of {} on average but the pool has at most {most}; the queue grows without bound, so waits depend on the horizon (add instances or lower the rate)",
                pool.name, pool.tier
            ));
        }
    }
    if s.simulation.replications < 2 {
        out.push(
            "one replication gives no confidence interval; use --replications 10 or more".into(),
        );
    }
    out
}

fn run_scenario(args: &RunArgs) -> Result<ExitCode> {
    let s = load_with_overrides(args)?;
    let out = output_dir(args, &s)?;
    let pool = thread_pool(args.threads)?;
    if !args.quiet {
        for w in warnings(&s) {
            note!("warning: {w}");
        }
    }
    let bar = progress_bar(u64::from(s.simulation.replications), args.quiet);
    bar.set_message(s.name.clone());
    let run = pool.install(|| crate::replication::run(&s, &|| bar.inc(1)));
    bar.finish_and_clear();

    let json = report::summary_json(&s, &run);
    let files: [(&str, Vec<u8>); 4] = [
        ("summary.json", json.clone().into_bytes()),
        ("pools.csv", report::pools_csv(&run)),
        ("workloads.csv", report::workloads_csv(&run)),
        ("queue.csv", report::queue_csv(&s.simulation.calendar, &run)),
    ];
    for (name, bytes) in &files {
        write_output(&out, name, bytes)?;
    }
    match args.format {
        Format::Table => emit(&report::summary_table(&s, &run))?,
        Format::Json => emit(&json)?,
        Format::Csv => emit(&String::from_utf8_lossy(&report::metrics_long_csv(&run)))?,
    }
    if !args.quiet {
        note!("wrote {}", out.path().display());
    }
    Ok(ExitCode::SUCCESS)
}

fn write_output(out: &OutputDir, name: &str, bytes: &[u8]) -> Result<PathBuf> {
    out.write(name, bytes).with_context(|| {
        format!(
            "cannot write {}",
            Path::new(out.path()).join(name).display()
        )
    })
}
