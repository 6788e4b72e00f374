//! The single integration-test binary (one link step instead of many).

// The appliers' reconcile script runs where its appliers run: Linux, with
// GNU date (ubuntu-latest, the Azure CLI image).
#[cfg(target_os = "linux")]
mod appliers;
mod arrivals;
mod browser;
mod calendar_days;
mod chart_data;
mod cli;
mod command_fuzz;
mod contract;
mod determinism;
mod docs;
mod exit_codes;
mod forecast;
mod fuzz;
mod golden;
mod import;
mod import_registry;
mod init_flags;
mod inputs_kept;
mod install;
mod invariants;
mod limits;
mod merge;
mod messages;
mod objectives;
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
mod terminal;
mod theory;
mod timezones;
