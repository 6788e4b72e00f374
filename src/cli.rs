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
    Run(RunArgs),
    /// Like run, then exit 1 when an [slo] objective is missed (for CI).
    Check(RunArgs),
    /// Run every point of the scenario's [sweep] in parallel; write the
    /// table, the Pareto front and a recommendation.
    Sweep(SweepArgs),
    /// Join the sweep.csv files of sweep shards into one sweep's outputs.
    Merge {
        /// The shards' sweep.csv files (each with its sweep.json beside it).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Output folder [default: output/<scenario name>/].
        #[arg(long)]
        out: Option<PathBuf>,
        /// Output format on stdout.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// Print nothing but the results.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Find the cheapest count (and tier) of the [sweep] that meets the SLO
    /// without running the whole grid.
    Plan(RunArgs),
    /// Parse and validate a scenario without simulating.
    Validate {
        /// The scenario TOML file.
        scenario: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// The analytic baseline alone (M/M/c and Allen-Cunneen per pool),
    /// instantly, without simulating.
    Estimate {
        /// The scenario TOML file.
        scenario: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Fit a scenario (arrival profile and run-time distribution per task)
    /// to recorded runs from `az acr task list-runs --output json`.
    Import {
        /// The list-runs JSON export.
        runs: PathBuf,
        /// Where to write the scenario [default: stdout].
        #[arg(long)]
        out: Option<PathBuf>,
        /// A pool's tier, POOL=TIER (repeatable); otherwise guessed from its name.
        #[arg(long = "tier", value_name = "POOL=TIER")]
        tiers: Vec<String>,
        /// Scenario name [default: the export's file name].
        #[arg(long)]
        name: Option<String>,
        /// No warnings on stderr.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Print the tier, price and quota table in force.
    Tiers {
        /// Show the prices and quota of this scenario instead of the defaults.
        scenario: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

/// How results are printed on stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned tables for people.
    Table,
    /// One JSON object (DESIGN section 5).
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
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
}

/// Options of `poolcast run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The scenario TOML file.
    pub scenario: PathBuf,
    /// Output folder [default: output/<scenario name>/].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Base seed, overriding [simulation] seed.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Replications, overriding [simulation] replications.
    #[arg(long)]
    pub replications: Option<u32>,
    /// Worker threads [default: one per core]. Results do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Print nothing but the results (no progress, no notes on stderr).
    #[arg(long, short)]
    pub quiet: bool,
}
