//! Orchestration: load → validate → simulate → report. The only module that
//! knows every other one, and (with `main`) the only one that prints.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{Context, Result};
use clap::CommandFactory;
use indicatif::{ProgressBar, ProgressStyle};

use crate::cli::{Cli, Command, RunArgs};
use crate::report::{OutputDir, WhenLocked};
use crate::scenario::{self, MAX_REPLICATIONS, Scenario, ScenarioError};

/// Writes a line to stderr, ignoring a closed stderr (never a panic).
macro_rules! note {
    ($($arg:tt)*) => {{
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

mod compare;
mod frontier;
mod import;
mod init;
mod inspect;
mod merge;
mod outputs;
mod plan;
mod points;
mod run;
mod schedule;
pub mod shards;
mod sweep;

/// Set by the first Ctrl-C (or SIGTERM): running simulations stop at their
/// next check (they are handed it as their cancel flag) and the command
/// writes nothing. Process-wide because an interrupt is.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Set while an output set is being swapped in: a second Ctrl-C then waits
/// for the swap (a few renames) instead of ending the process halfway.
static COMMITTING: AtomicBool = AtomicBool::new(false);

/// Whether the user interrupted: results computed since are incomplete.
pub(super) fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::Relaxed)
}

/// Ends the command with `Interrupted` when the user interrupted: called
/// between the long stretches after the simulation (summaries, charts,
/// reports, a back-test), whose results since are incomplete.
pub(super) fn stop_if_interrupted() -> Result<()> {
    if interrupted() {
        return Err(Interrupted.into());
    }
    Ok(())
}

/// The user interrupted the run (Ctrl-C): exit code 130, nothing written.
#[derive(Debug, thiserror::Error)]
#[error("interrupted; no output was written (the previous output is as it was)")]
pub struct Interrupted;

/// Bad input from the user (flags, files): exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BadInput(pub String);

/// Whether an error in a chain is the user's input (exit code 2): a
/// scenario, a flag, or a file the command cannot use.
fn is_bad_input(c: &(dyn std::error::Error + 'static)) -> bool {
    c.is::<ScenarioError>()
        || c.is::<BadInput>()
        || c.is::<crate::sweep::PlanError>()
        || c.is::<crate::sweep::ScheduleError>()
        || c.is::<crate::sweep::schedule::RequestError>()
        || c.is::<shards::ShardError>()
        // Another writer, and `--no-wait`: what to do is the user's call.
        || c.downcast_ref::<std::io::Error>()
            .and_then(std::io::Error::get_ref)
            .is_some_and(|inner| {
                // `--out` replacing an input is the user's to fix too.
                inner.is::<crate::report::Busy>() || inner.is::<crate::report::ReplacesInput>()
            })
}

/// Whether the error is a closed stdout (`| head`, `| true`): the reader
/// has all it wanted, so the command exits 0 and says nothing.
pub fn is_closed_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Exit code for an error: 130 when interrupted, 0 for a closed stdout,
/// 2 for bad input, 1 otherwise.
pub fn exit_code(e: &anyhow::Error) -> ExitCode {
    if e.chain().any(|c| c.is::<Interrupted>()) {
        return ExitCode::from(130);
    }
    if is_closed_pipe(e) {
        return ExitCode::SUCCESS;
    }
    if e.chain().any(is_bad_input) {
        ExitCode::from(2)
    } else {
        ExitCode::FAILURE
    }
}

/// The first Ctrl-C (or SIGTERM, SIGHUP) asks the simulation to stop (the
/// command then exits with 130 and writes nothing); a second one ends the
/// process at once, unless outputs are being swapped in.
fn stop_on_interrupt() {
    let _ = ctrlc::set_handler(|| {
        if interrupted() && !COMMITTING.load(Ordering::SeqCst) {
            std::process::exit(130);
        }
        INTERRUPTED.store(true, Ordering::Relaxed);
    });
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Result<ExitCode> {
    stop_on_interrupt();
    match cli.command {
        Command::Run(args) => run::run(&args),
        Command::Check(args) => run::check(&args),
        Command::Sweep(args) => sweep::sweep(&args),
        Command::Merge {
            files,
            out,
            output,
            print,
        } => merge::merge(&files, out.as_deref(), &output, print.format, print.quiet),
        Command::Plan(args) => match &args.schedule {
            Some(pool) => schedule::plan_schedule_cmd(&args, pool),
            None => plan::plan(&args.run),
        },
        Command::Validate {
            scenario,
            print,
            scope,
        } => inspect::validate(&scenario, &print, file_scope(scope.allow_outside)),
        Command::Estimate {
            scenario,
            print,
            scope,
        } => inspect::estimate(&scenario, print.format, file_scope(scope.allow_outside)),
        Command::Compare(args) => compare::compare(&args),
        Command::Init(args) => init::init(&args),
        Command::Completions { shell } => {
            // Written to memory first: clap_complete panics on a failed
            // write (a closed pipe, a full disk).
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "poolcast", &mut script);
            emit(&String::from_utf8_lossy(&script))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Man => {
            let mut page = Vec::new();
            clap_mangen::Man::new(Cli::command()).render(&mut page)?;
            emit(&String::from_utf8_lossy(&page))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Import {
            runs,
            out,
            tiers,
            name,
            timezone,
            holdout,
            max_memory,
            threads,
            quiet,
        } => import::import_runs(
            &runs,
            out.as_deref(),
            import::Flags {
                tiers: &tiers,
                name,
                timezone: timezone.as_deref(),
                holdout: holdout.as_deref(),
                max_memory: max_memory.as_deref(),
                threads,
                quiet,
            },
        ),
        Command::Tiers {
            scenario,
            print,
            scope,
        } => inspect::tiers(
            scenario.as_deref(),
            print.format,
            file_scope(scope.allow_outside),
        ),
    }
}

/// Writes to stdout; a failure says "stdout" (a full disk: `stdout: No
/// space left on device`).
pub(super) fn emit(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    on_stdout(out.write_all(text.as_bytes()).and_then(|()| out.flush()))
}

/// A write to stdout's result, its error saying "stdout".
pub(super) fn on_stdout(written: std::io::Result<()>) -> Result<()> {
    written.context("stdout")
}

/// Where the files a scenario names may be: `--allow-outside` lets them
/// leave its folder.
pub(super) fn file_scope(allow_outside: bool) -> scenario::FileScope {
    if allow_outside {
        scenario::FileScope::Anywhere
    } else {
        scenario::FileScope::ScenarioFolder
    }
}

/// The files a command reads for the scenario `s` loaded from `path`:
/// the scenario and its data files.
pub(super) fn files_read(path: &Path, s: &Scenario) -> Vec<PathBuf> {
    let mut files = s.data_files.clone();
    files.push(path.to_path_buf());
    files
}

/// Loads the scenario and applies the command-line overrides.
pub(super) fn load_with_overrides(args: &RunArgs) -> Result<Scenario> {
    let mut s = scenario::load_in(&args.scenario, file_scope(args.scope.allow_outside))?;
    apply_overrides(args, &mut s)?;
    Ok(s)
}

/// Applies `--seed` and `--replications` to a validated scenario.
pub(super) fn apply_overrides(args: &RunArgs, s: &mut Scenario) -> Result<()> {
    overrides(args)?(s);
    Ok(())
}

/// `--seed` and `--replications`, checked, as an edit of a validated
/// scenario (a sweep applies it to each point as it builds it).
pub(super) fn overrides(args: &RunArgs) -> Result<impl Fn(&mut Scenario) + Send + Sync + 'static> {
    let (seed, replications) = (args.simulation.seed, args.simulation.replications);
    if let Some(r) = replications.filter(|r| !(1..=MAX_REPLICATIONS).contains(r)) {
        return Err(BadInput(format!(
            "--replications must be between 1 and {MAX_REPLICATIONS}, got {r}"
        ))
        .into());
    }
    Ok(move |s: &mut Scenario| {
        if let Some(seed) = seed {
            s.simulation.seed = seed;
        }
        if let Some(r) = replications {
            s.simulation.replications = r;
        }
    })
}

/// `--out`, or `output/<name>/` (`output/<name>/<sub>/` for a command that
/// keeps its own folder, so `sweep` and `plan` never mix their files with
/// `run`'s), created and checked for writing before any long work; with
/// `no_wait`, another writer there makes the command fail instead of wait.
pub(super) fn output_dir(
    out: Option<&Path>,
    name: &str,
    sub: Option<&str>,
    no_wait: bool,
) -> Result<OutputDir> {
    let default = || {
        let base = PathBuf::from("output").join(name);
        sub.map_or_else(|| base.clone(), |s| base.join(s))
    };
    let path = out.map_or_else(default, Path::to_path_buf);
    let when_locked = if no_wait {
        WhenLocked::Refuse
    } else {
        WhenLocked::Wait(|waiting| note!("{waiting}"))
    };
    OutputDir::prepare(&path, when_locked).map_err(|e| {
        BadInput(format!(
            "cannot write to output folder {}: {e}; choose another with --out",
            path.display()
        ))
        .into()
    })
}

/// Refuses, before any simulation, work whose estimated peak memory is
/// above the budget: `--max-memory`, or by default the least of half of
/// the machine's memory (`MemTotal` of `/proc/meminfo`) and 80% of the
/// limits the process runs under (`ulimit -v`, `ulimit -d`, the cgroup's
/// memory limit): under a 4 GB `ulimit -v` on a 24 GB machine, a sweep
/// estimated at 9.7 GB was let through and aborted. No default budget
/// where none of these is known.
pub(super) fn check_memory(
    est: &crate::forecast::memory::MemoryEstimate,
    flag: Option<&str>,
) -> Result<()> {
    check_memory_or(
        est,
        flag,
        "fewer replications, a longer sample_interval, a shorter horizon or fewer threads bring it down",
    )
}

/// `check_memory`, with `fix` saying what brings the estimate down.
pub(super) fn check_memory_or(
    est: &crate::forecast::memory::MemoryEstimate,
    flag: Option<&str>,
    fix: &str,
) -> Result<()> {
    use crate::forecast::memory::{bytes_text, parse_bytes};
    let (budget, why) = match flag {
        Some(text) => (
            parse_bytes(text).map_err(|e| BadInput(format!("--max-memory: {e}")))?,
            format!("--max-memory {text}"),
        ),
        None => match default_budget() {
            Some(budget) => budget,
            None => return Ok(()),
        },
    };
    let need = est.total();
    // A budget given above a limit of the process cannot raise it: past
    // the limit the allocation fails and the process aborts, so the
    // limit is said instead (the default budget stays below every limit).
    if flag.is_some()
        && let Some((limit, what)) = process_limits()
            .into_iter()
            .filter(|&(limit, _)| limit < need)
            .min_by(|a, b| a.0.total_cmp(&b.0))
    {
        return Err(BadInput(format!(
            "this needs about {} of memory, above the {what} of {}, which --max-memory cannot raise:\n{}{fix}; or raise the limit",
            bytes_text(need),
            bytes_text(limit),
            est.explain()
        ))
        .into());
    }
    if need <= budget {
        return Ok(());
    }
    Err(BadInput(format!(
        "this needs about {} of memory, above the budget of {} ({why}):\n{}{fix}; --max-memory SIZE sets the budget",
        bytes_text(need),
        bytes_text(budget),
        est.explain()
    ))
    .into())
}

/// The default memory budget and where it comes from: the least of half
/// the machine's memory and 80% of each limit on the process (the rest is
/// the program, its stacks and what the estimate leaves out).
fn default_budget() -> Option<(f64, String)> {
    use crate::forecast::memory::bytes_text;
    let machine = machine_memory().map(|total| {
        (
            total / 2.0,
            format!("half of this machine's {}", bytes_text(total)),
        )
    });
    let limits = process_limits().into_iter().map(|(limit, what)| {
        (
            0.8 * limit,
            format!("80% of the {what} of {}", bytes_text(limit)),
        )
    });
    machine
        .into_iter()
        .chain(limits)
        .min_by(|a, b| a.0.total_cmp(&b.0))
}

/// The machine's memory in bytes, from `/proc/meminfo`.
fn machine_memory() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024.0)
}

/// The memory limits this process runs under, in bytes, each with its
/// name: the soft `ulimit -v` and `ulimit -d` (`/proc/self/limits`) and
/// the cgroup's limit (v2 `memory.max`, v1 `memory.limit_in_bytes`).
fn process_limits() -> Vec<(f64, &'static str)> {
    let mut out = Vec::new();
    if let Ok(text) = std::fs::read_to_string("/proc/self/limits") {
        for (row, what) in [
            ("Max address space", "address-space limit (ulimit -v)"),
            ("Max data size", "data-size limit (ulimit -d)"),
        ] {
            let soft = text
                .lines()
                .find_map(|l| l.strip_prefix(row))
                .and_then(|rest| rest.split_whitespace().next())
                .and_then(|v| v.parse::<f64>().ok());
            out.extend(soft.map(|bytes| (bytes, what)));
        }
    }
    if let Ok(groups) = std::fs::read_to_string("/proc/self/cgroup") {
        for line in groups.lines() {
            let mut parts = line.splitn(3, ':');
            let (_, controllers, path) = (parts.next(), parts.next(), parts.next());
            let file = match (controllers, path) {
                (Some(""), Some(path)) => format!("/sys/fs/cgroup{path}/memory.max"),
                (Some(c), Some(path)) if c.split(',').any(|c| c == "memory") => {
                    format!("/sys/fs/cgroup/memory{path}/memory.limit_in_bytes")
                }
                _ => continue,
            };
            // "max" (v2) and a number near 2^63 (v1) both mean no limit.
            let limit = std::fs::read_to_string(&file)
                .ok()
                .and_then(|v| v.trim().parse::<f64>().ok())
                .filter(|&b| b < 2f64.powi(60));
            out.extend(limit.map(|bytes| (bytes, "cgroup's memory limit")));
        }
    }
    out
}

pub(super) fn thread_pool(threads: Option<usize>) -> Result<rayon::ThreadPool> {
    /// More threads than any machine's cores only cost memory and start-up
    /// (`--threads 100000` spent minutes starting threads and ran nothing).
    const MAX_THREADS: usize = 1024;
    if threads == Some(0) {
        return Err(BadInput("--threads must be at least 1".into()).into());
    }
    if let Some(n) = threads.filter(|&n| n > MAX_THREADS) {
        return Err(BadInput(format!(
            "--threads {n}: at most {MAX_THREADS}; one per core (the default) is fastest"
        ))
        .into());
    }
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads.unwrap_or(0))
        .build()
        .context("cannot start worker threads")
}

pub(super) fn progress_bar(len: u64, quiet: bool, unit: &str) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len);
    bar.set_style(
        ProgressStyle::with_template(&format!(
            "{{msg}} [{{bar:30}}] {{pos}}/{{len}} {unit}, ETA {{eta}}"
        ))
        .expect("a valid template")
        .progress_chars("=> "),
    );
    bar
}

/// Ends a command's writing (see `OutputDir::finish`): nothing of it
/// shows when the user interrupted before this point.
pub(super) fn finish_output(out: OutputDir) -> Result<()> {
    let path = out.path().to_path_buf();
    COMMITTING.store(true, Ordering::SeqCst);
    if interrupted() {
        COMMITTING.store(false, Ordering::SeqCst);
        return Err(Interrupted.into());
    }
    let done = out.finish();
    COMMITTING.store(false, Ordering::SeqCst);
    done.with_context(|| format!("cannot finish writing {}", path.display()))
}

/// Writes `name` into the set, unless the user interrupted (then nothing
/// more is written: the set is dropped).
pub(super) fn write_output(out: &OutputDir, name: &str, bytes: &[u8]) -> Result<PathBuf> {
    write_output_with(out, name, |w| w.write_all(bytes))
}

/// `write_output` of what `fill` streams.
pub(super) fn write_output_with(
    out: &OutputDir,
    name: &str,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<PathBuf> {
    stop_if_interrupted()?;
    out.write_with(name, fill).map_err(|e| {
        // A refusal already names the file and the folder: said once.
        let refused = e.get_ref().is_some_and(|i| {
            i.is::<crate::report::ReplacesInput>() || i.is::<crate::report::Busy>()
        });
        let cause = anyhow::Error::new(e);
        if refused {
            cause
        } else {
            let file = Path::new(out.path()).join(name);
            cause.context(format!("cannot write {}", file.display()))
        }
    })
}
