//! The commands that read a scenario without simulating: `validate`,
//! `estimate` and `tiers`.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;

use super::emit;
use crate::cli::{Format, PrintArgs};
use crate::forecast::{ScenarioEstimate, SweepEstimate};
use crate::model::{PriceTable, Quota};
use crate::report;
use crate::report::validity::{Arrivals, Validity, validity_csv, validity_json, validity_text};
use crate::scenario::{self, FileScope, Scenario};

/// `poolcast validate`: the scenario's pools and workloads, what its
/// arrivals add up to, and the warnings `run` (or, with a `[sweep]`,
/// `sweep`) would give before simulating, on stderr unless `quiet` and in
/// the JSON; valid with warnings is still valid (exit 0).
pub(super) fn validate(scenario: &Path, print: &PrintArgs, scope: FileScope) -> Result<ExitCode> {
    let src = scenario::read_source(scenario)?;
    // The scenario's parser first: it locates what the sweep's cannot (a
    // key nested past the recursion limit).
    let s = scenario::from_str_in(&src, scenario, scope)?;
    let spec = scenario::sweep_spec(&src, scenario)?;
    let mut warnings =
        super::run::warnings_before_run(&s, &crate::forecast::of(&s), rayon::current_num_threads());
    if let Some(spec) = &spec {
        warnings.extend(s.tier_assumptions(&spec.tier_pools()));
    }
    if !print.quiet {
        for w in &warnings {
            note!("warning: {w}");
        }
    }
    let v = validity(scenario, &s, warnings);
    emit(&match print.format {
        Format::Table => validity_text(&v),
        Format::Json => validity_json(&v),
        Format::Csv => validity_csv(&v),
    })?;
    Ok(ExitCode::SUCCESS)
}

/// What `validate` found in `s`, read from `scenario`: its counts, the
/// warnings and what each workload's arrivals add up to.
fn validity(scenario: &Path, s: &Scenario, warnings: Vec<String>) -> Validity {
    Validity {
        file: scenario.display().to_string(),
        pools: s.pools.len(),
        workloads: s.workloads.len(),
        warnings,
        arrivals: (0..s.workloads.len())
            .map(|i| {
                let (weekday_runs, weekend_runs, busiest_hour, busiest_per_hour) =
                    crate::forecast::daily_runs(s, i);
                Arrivals {
                    workload: s.workloads[i].name.clone(),
                    weekday_runs,
                    weekend_runs,
                    busiest_hour,
                    busiest_per_hour,
                }
            })
            .collect(),
    }
}

/// `poolcast estimate`: the analytic baseline; with a `[sweep]`, of every
/// point at once (each validated as a sweep would run it).
pub(super) fn estimate(scenario: &Path, format: Format, scope: FileScope) -> Result<ExitCode> {
    let src = scenario::read_source(scenario)?;
    if let Some(spec) = scenario::sweep_spec(&src, scenario)? {
        let points = scenario::expand(&spec, &src, scenario, scope);
        let name = points
            .iter()
            .find_map(|p| p.scenario.as_ref().ok())
            .map_or_else(|| scenario.display().to_string(), |s| s.name.clone());
        super::stop_if_interrupted()?;
        let e = SweepEstimate::of(&name, &spec, &points, &super::INTERRUPTED);
        super::stop_if_interrupted()?;
        if let Some(base) = points.iter().find_map(|p| p.scenario.as_ref().ok()) {
            for w in base.tier_assumptions(&spec.tier_pools()) {
                note!("warning: {w}");
            }
        }
        match format {
            Format::Table => emit(&report::sweep_estimate_table(&e))?,
            Format::Json => emit(&report::sweep_estimate_json(&e))?,
            Format::Csv => emit(&String::from_utf8_lossy(&report::sweep_estimate_csv(&e)))?,
        }
        return Ok(ExitCode::SUCCESS);
    }
    let e = ScenarioEstimate::of(&scenario::from_str_in(&src, scenario, scope)?);
    super::stop_if_interrupted()?;
    match format {
        Format::Table => emit(&report::estimate_table(&e))?,
        Format::Json => emit(&report::estimate_json(&e))?,
        Format::Csv => emit(&String::from_utf8_lossy(&report::estimate_csv(&e)))?,
    }
    Ok(ExitCode::SUCCESS)
}

/// `poolcast tiers`: the tier, price and quota table of the scenario, or
/// the defaults.
pub(super) fn tiers(scenario: Option<&Path>, format: Format, scope: FileScope) -> Result<ExitCode> {
    let (prices, quota) = match scenario {
        Some(path) => {
            let s = scenario::load_in(path, scope)?;
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
