//! poolcast: a discrete-event capacity and cost simulator for ACR build-task
//! agent pools.
//!
//! Layers, lowest first (a layer never imports a higher one):
//! `units`, `text`, `input` (unit strings, input files read safely),
//! `engine` (domain-free kernel) → `model`, `workload` (the domain)
//! → `scenario` (TOML in), `stats` (streaming statistics) → `sim` (one
//! replication) → `replication` (many, in parallel), `estimate` (the
//! analytic view) → `report` (files out: it reads results and estimates,
//! never the scenario or the simulation) → `app` and `cli` (the command
//! line). Nothing below `app` prints.
//!
//! ```no_run
//! use std::path::Path;
//! let scenario = poolcast::scenario::load(Path::new("scenarios/default.toml")).unwrap();
//! let summary = poolcast::replication::run(&scenario, &Default::default());
//! println!("{}", summary.totals.get(poolcast::stats::TotalMetric::WaitP95S).mean);
//! ```
#![warn(missing_docs)]

pub mod analytic;
#[cfg(feature = "cli")]
pub mod app;
#[cfg(feature = "cli")]
pub mod cli;
pub mod engine;
pub mod estimate;
pub mod import;
pub mod input;
pub mod load;
pub mod memory;
pub mod model;
pub mod replication;
pub mod report;
pub mod runs;
pub mod scenario;
pub mod sim;
pub mod stats;
pub mod sweep;
pub mod text;
pub mod units;
pub mod workload;
