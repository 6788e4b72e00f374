//! Command-line types (clap derive). Nothing else in the crate sees clap;
//! `app` turns these into plain values.
//!
//! The doc comments here are the `--help` text, written for a terminal:
//! `[slo]` is a TOML table and `<scenario name>` a placeholder, not rustdoc
//! links or HTML.
#![allow(rustdoc::broken_intra_doc_links, rustdoc::invalid_html_tags)]

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Capacity and cost simulator for ACR build-task agent pools.
#[derive(Debug, Parser)]
#[command(name = "poolcast", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Simulate a scenario, print a summary and write the outputs.
    #[command(
        after_help = "Examples:\n  poolcast run scenarios/default.toml\n  poolcast run team.toml --replications 20 --seed 7 --out report/\n  poolcast run team.toml --format json | jq .totals"
    )]
    Run(RunArgs),
    /// Like run, then exit 1 when an [slo] objective is missed (for CI).
    #[command(
        after_help = "Examples:\n  poolcast check team.toml --quiet\n  poolcast check team.toml --junit poolcast-junit.xml\n  GITHUB_STEP_SUMMARY=summary.md poolcast check team.toml"
    )]
    Check(CheckArgs),
    /// Run every point of the scenario's [sweep] in parallel; write the
    /// table, the Pareto front and a recommendation.
    #[command(
        after_help = "Examples:\n  poolcast sweep scenarios/sweep-tiers.toml\n  poolcast sweep team.toml --precision 0.05 --max-replications 50\n  poolcast sweep team.toml --shard 2/4 --out shard-2\n  poolcast sweep team.toml --shard index:JOB_COMPLETION_INDEX/4   # Kubernetes Indexed Job"
    )]
    Sweep(SweepArgs),
    /// Join the sweep.csv files of sweep shards into one sweep's outputs.
    #[command(after_help = "Example:\n  poolcast merge shards/*/sweep.csv --out sweep")]
    Merge {
        /// The shards' sweep.csv files (each with its sweep.json beside it).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Output folder [default: output/<scenario name>/sweep/].
        #[arg(long)]
        out: Option<PathBuf>,
        /// Which files, and whether to wait for another writer.
        #[command(flatten)]
        output: OutputArgs,
        /// How the results are printed.
        #[command(flatten)]
        print: PrintArgs,
    },
    /// Find the cheapest count (and tier) of the [sweep] that meets the SLO
    /// without running the whole grid; with --schedule POOL, design the
    /// cheapest schedule of counts for the pool over the week.
    #[command(
        after_help = "Examples:\n  poolcast plan scenarios/plan-tiers.toml\n  poolcast plan scenarios/plan-schedule.toml --schedule builders\n  poolcast plan team.toml --schedule builders --max-changes-per-day 2 --replications 20"
    )]
    Plan(PlanArgs),
    /// Parse and validate a scenario without simulating.
    #[command(after_help = "Example:\n  poolcast validate team.toml --format json")]
    Validate {
        /// The scenario TOML file.
        scenario: PathBuf,
        /// How the results are printed.
        #[command(flatten)]
        print: PrintArgs,
        /// Which files the scenario may name.
        #[command(flatten)]
        scope: ScopeArgs,
    },
    /// The analytic baseline alone (M/M/c and Allen-Cunneen per pool, and
    /// the busiest hour of the week), instantly, without simulating; on a
    /// scenario with a [sweep], for every point.
    #[command(after_help = "Example:\n  poolcast estimate team.toml --format json")]
    Estimate {
        /// The scenario TOML file.
        scenario: PathBuf,
        /// How the results are printed.
        #[command(flatten)]
        print: PrintArgs,
        /// Which files the scenario may name.
        #[command(flatten)]
        scope: ScopeArgs,
    },
    /// Run several scenarios with common random numbers and print them side
    /// by side, each against the first.
    #[command(
        after_help = "Example:\n  poolcast compare scenarios/scaling-fixed.toml scenarios/scaling-schedule.toml scenarios/scaling-queue.toml"
    )]
    Compare(CompareArgs),
    /// Write a commented, valid scenario from a few facts about a team.
    #[command(
        after_help = "Examples:\n  poolcast init > team.toml\n  poolcast init --builds-per-day 300 --hours 09-18 --days Mon-Fri --median 6m --p95 25m --tier S2 --out team.toml"
    )]
    Init(InitArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    #[command(
        after_help = "Example:\n  poolcast completions bash > ~/.local/share/bash-completion/completions/poolcast"
    )]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) on stdout.
    #[command(after_help = "Example:\n  poolcast man > ~/.local/share/man/man1/poolcast.1")]
    Man,
    /// Fit a scenario (arrival profile and run-time distribution per task)
    /// to recorded runs from `az acr task list-runs --output json`.
    #[command(
        after_help = "Example:\n  az acr task list-runs --registry myreg --top 5000 --output json > runs.json\n  poolcast import runs.json --tier buildpool=S2 --timezone Europe/Berlin --out team.toml"
    )]
    Import {
        /// The list-runs JSON exports, or folders of them (a run repeated
        /// across them counts once).
        #[arg(required = true)]
        runs: Vec<PathBuf>,
        /// Where to write the scenario [default: stdout].
        #[arg(long)]
        out: Option<PathBuf>,
        /// A pool's tier, POOL=TIER (repeatable); otherwise guessed from its name.
        #[arg(long = "tier", value_name = "POOL=TIER")]
        tiers: Vec<String>,
        /// Scenario name [default: the export's file name].
        #[arg(long)]
        name: Option<String>,
        /// The team's clock (IANA name, e.g. Europe/Berlin): profiles are
        /// fitted on it and written as `[simulation] timezone`.
        #[arg(long, value_name = "ZONE")]
        timezone: Option<String>,
        /// Fit without the export's last DURATION (e.g. 7d) and back-test on it.
        #[arg(long, value_name = "DURATION")]
        holdout: Option<String>,
        /// Memory budget of the import (e.g. 4GiB), as for run.
        #[arg(long, value_name = "SIZE")]
        max_memory: Option<String>,
        /// Worker threads of the back-test [default: one per core]. Results
        /// do not depend on it.
        #[arg(long)]
        threads: Option<usize>,
        /// No warnings on stderr.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Print the tier, price and quota table in force.
    #[command(after_help = "Examples:\n  poolcast tiers\n  poolcast tiers team.toml --format csv")]
    Tiers {
        /// Show the prices and quota of this scenario instead of the defaults.
        scenario: Option<PathBuf>,
        /// How the results are printed.
        #[command(flatten)]
        print: PrintArgs,
        /// Which files the scenario may name.
        #[command(flatten)]
        scope: ScopeArgs,
    },
}

/// Options of `poolcast compare`.
#[derive(Debug, Args)]
pub struct CompareArgs {
    /// The scenario TOML files; the first is the baseline.
    #[arg(required = true, num_args = 2..)]
    pub scenarios: Vec<PathBuf>,
    /// Output folder [default: output/compare/].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Which files, and whether to wait for another writer.
    #[command(flatten)]
    pub output: OutputArgs,
    /// Seed, replications and threads, for every scenario alike.
    #[command(flatten)]
    pub simulation: SimulationArgs,
    /// How the results are printed.
    #[command(flatten)]
    pub print: PrintArgs,
    /// Which files the scenarios may name.
    #[command(flatten)]
    pub scope: ScopeArgs,
    /// Memory budget (e.g. 4GiB), as for run.
    #[arg(long, value_name = "SIZE")]
    pub max_memory: Option<String>,
}

/// Options of `poolcast init`: what a team knows about its builds.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Scenario name.
    #[arg(long, default_value = "team")]
    pub name: String,
    /// Builds on a working day.
    #[arg(long, default_value_t = 300.0)]
    pub builds_per_day: f64,
    /// Working hours, HH-HH (most builds arrive then).
    #[arg(long, default_value = "09-18")]
    pub hours: String,
    /// Working days, e.g. Mon-Fri or Mon-Sat.
    #[arg(long, default_value = "Mon-Fri")]
    pub days: String,
    /// The team's time zone (an IANA name such as Europe/Berlin): the
    /// working hours and days are on its clock.
    #[arg(long, default_value = "UTC")]
    pub timezone: String,
    /// Median build time.
    #[arg(long, default_value = "6m")]
    pub median: String,
    /// 95th percentile of build time.
    #[arg(long, default_value = "25m")]
    pub p95: String,
    /// Tier of the pool (S1, S2, S3, I6).
    #[arg(long, default_value = "S2")]
    pub tier: String,
    /// The p95 wait to aim for.
    #[arg(long, default_value = "5m")]
    pub wait_p95: String,
    /// Where to write the scenario [default: stdout].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// No note on stderr (the "wrote" line).
    #[arg(long, short)]
    pub quiet: bool,
    /// Replace the file `--out` names when it exists.
    #[arg(long)]
    pub force: bool,
}

/// How results are printed on stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned tables for people.
    Table,
    /// One JSON object (the README, Outputs).
    Json,
    /// CSV.
    Csv,
}

/// Options of `poolcast sweep`.
#[derive(Debug, Args)]
pub struct SweepArgs {
    /// The options shared with run.
    #[command(flatten)]
    pub run: RunArgs,
    /// Add replications until the 95% half-width of cost and p95 wait is
    /// within this fraction of the mean (e.g. 0.05), per point.
    #[arg(long, value_name = "FRACTION")]
    pub precision: Option<f64>,
    /// The most replications per point with --precision.
    #[arg(long, default_value_t = 100)]
    pub max_replications: u32,
    /// Run only shard K of N (e.g. 2/4), for a job matrix; join with merge.
    /// `index:VAR/N` reads a 0-based index from the environment variable
    /// VAR (JOB_COMPLETION_INDEX in a Kubernetes Indexed Job,
    /// SLURM_ARRAY_TASK_ID in a Slurm array started at 0).
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
}

/// Options of `poolcast check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The options shared with run.
    #[command(flatten)]
    pub run: RunArgs,
    /// Also write a JUnit XML report here: a testcase per objective, a
    /// failure where it is missed (for GitLab's artifacts:reports:junit
    /// and other CI servers).
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
}

/// Options of `poolcast plan`.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// The options shared with run.
    #[command(flatten)]
    pub run: RunArgs,
    /// Design the cheapest schedule of instance counts for this pool that
    /// meets [slo] wait_p95 over the week (no [sweep] needed); writes
    /// recommended.toml and apply-schedule.yml.
    #[arg(long, value_name = "POOL")]
    pub schedule: Option<String>,
    /// With --schedule: the most count changes a day (fewer rules, a
    /// little more cost).
    #[arg(long, value_name = "N", default_value_t = 4, requires = "schedule")]
    pub max_changes_per_day: u32,
    /// With --schedule: judge each wait objective that does not set `per`
    /// itself every hour of the week on its own (hour) or over its whole
    /// window (window); recommended.toml records the rule.
    #[arg(long, value_enum, default_value_t = PerArg::Hour, requires = "schedule")]
    pub per: PerArg,
    /// With --schedule: the longest a run that no objective judges (outside
    /// every window, or of a workload without an objective) may wait for
    /// an instance, and a judged run across an hour without instances,
    /// e.g. 30m or 2h.
    #[arg(
        long,
        value_name = "DURATION",
        default_value = "1h",
        requires = "schedule"
    )]
    pub max_stranded: String,
    /// With --schedule: design a schedule for each of these [slo] wait_p95
    /// targets (e.g. 3m,5m,10m) and print and plot cost per day against
    /// the target.
    #[arg(
        long,
        value_name = "LIST",
        value_delimiter = ',',
        requires = "schedule"
    )]
    pub targets: Vec<String>,
}

/// How `plan --schedule` judges a wait objective that does not say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PerArg {
    /// Every hour of the week inside the window on its own.
    Hour,
    /// Every run of the window together.
    Window,
}

/// Options of `poolcast run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The scenario TOML file.
    pub scenario: PathBuf,
    /// Output folder [default: output/<scenario name>/].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Seed, replications and threads.
    #[command(flatten)]
    pub simulation: SimulationArgs,
    /// How the results are printed.
    #[command(flatten)]
    pub print: PrintArgs,
    /// Which files, and whether to wait for another writer.
    #[command(flatten)]
    pub output: OutputArgs,
    /// Which files the scenario may name.
    #[command(flatten)]
    pub scope: ScopeArgs,
    /// Memory budget (e.g. 4GiB): a run whose estimated peak is above it
    /// is refused before simulating [default: half of the machine's memory].
    #[arg(long, value_name = "SIZE")]
    pub max_memory: Option<String>,
}

/// What a command writes into its output folder, and what it does when
/// another poolcast is writing there: the same flags for every command
/// that writes a folder.
#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Files to write: a comma-separated list of json, csv, svg, png, html,
    /// md, tasks (tasks.csv, one row per run; run and check only), default
    /// (json,csv,svg,html,md: add png for the charts as PNG too), or none
    /// alone (no folder at all).
    #[arg(long, value_name = "LIST", default_value = "default")]
    pub outputs: String,
    /// Exit 2 instead of waiting when another poolcast is writing the
    /// output folder (or a folder beside it).
    #[arg(long)]
    pub no_wait: bool,
}

/// Overrides of `[simulation]`: the same flags for every command that
/// simulates.
#[derive(Debug, Args)]
pub struct SimulationArgs {
    /// Base seed, overriding [simulation] seed; compare gives every
    /// scenario the same one (the first scenario's by default).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Replications, overriding [simulation] replications; compare gives
    /// every scenario the same number (the first scenario's by default).
    #[arg(long)]
    pub replications: Option<u32>,
    /// Worker threads [default: one per core]. Results do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
}

/// How a command prints its results on stdout.
#[derive(Debug, Args)]
pub struct PrintArgs {
    /// Output format on stdout.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Print nothing but the results (no progress, no notes on stderr).
    #[arg(long, short)]
    pub quiet: bool,
}

/// Where the files a scenario names may be.
#[derive(Debug, Args)]
pub struct ScopeArgs {
    /// Let the scenario name files outside its folder (a durations
    /// `file`, a trace); by default they must be inside it.
    #[arg(long)]
    pub allow_outside: bool,
}
