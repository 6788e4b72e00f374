//! poolcast: a discrete-event capacity and cost simulator for ACR build-task
//! agent pools.
//!
//! Layers, lowest first: a module uses modules of lower layers only
//! (`.ci/layers.allow` lists every edge and its exceptions; CI checks it).
//!
//! - `units`: simulated time and rates.
//! - `engine`, `input`, `text`: the domain-free event kernel and seeded
//!   streams; input files read safely; unit strings and cron expressions.
//! - `model`: tiers, pools, quota, prices, timeouts and the scenario's
//!   clock (`Calendar`).
//! - `results`: what a run and a sweep produced, as plain data: the run
//!   summary, the verdicts of the one SLO judge, the sweep table and its
//!   decisions, and the `Recorder` a simulation reports to.
//! - `runs`, `workload`: recorded runs (list-runs JSON, CSV); arrival
//!   processes and run-time distributions.
//! - `scenario`: TOML in, validated.
//! - `stats`: streaming statistics that make the results (the run summary
//!   carries the forecast it is handed).
//! - `sim`: one replication.
//! - `forecast`: what the model says before simulating, computed once a
//!   run: closed-form queueing (M/M/c, Allen-Cunneen), the offered load by
//!   hour of the week, the objectives' estimates, peak memory.
//! - `replication`: many replications in parallel.
//! - `import`, `sweep`: a scenario fitted to recorded runs; sweeps.
//! - `report`: files out (it reads `results` and the forecast, never the
//!   scenario, the statistics or the simulation).
//! - `cli`: the command line's types (clap).
//! - `app`: orchestration; nothing below it prints.
//!
//! ```no_run
//! use std::path::Path;
//! let scenario = poolcast::scenario::load(Path::new("scenarios/default.toml")).unwrap();
//! let summary = poolcast::replication::run(&scenario, &Default::default());
//! println!("{}", summary.totals.get(poolcast::results::TotalMetric::WaitP95S).mean);
//! ```
#![warn(missing_docs)]

#[cfg(feature = "cli")]
pub mod app;
#[cfg(feature = "cli")]
pub mod cli;
pub mod engine;
pub mod forecast;
pub mod import;
pub mod input;
pub mod model;
pub mod replication;
pub mod report;
pub mod results;
pub mod runs;
pub mod scenario;
pub mod sim;
pub mod stats;
pub mod sweep;
pub mod text;
pub mod units;
pub mod workload;
