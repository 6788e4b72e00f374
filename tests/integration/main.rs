//! The single integration-test binary (one link step instead of many).

mod arrivals;
mod browser;
mod chart_data;
mod cli;
mod contract;
mod determinism;
mod fuzz;
mod golden;
mod import;
mod install;
mod invariants;
mod limits;
mod outputs;
mod peak;
mod regressions;
mod reports;
mod robustness;
mod scaling;
mod scenarios;
mod schedule;
mod support;
mod sweep_settings;
mod sweeps;
mod tasks;
mod theory;
mod timezones;
