//! The forecast: what the model says before anything is simulated, one
//! home for it. Per pool its steady-state baseline (M/M/c, Allen-Cunneen),
//! its offered load by hour of the week and its busiest hour; the hours a
//! per-hour objective judges together; each wait objective's estimate; what
//! would fix a missed objective; the peak memory of a run. A run computes
//! its forecast once ([`of`]): the warnings before it, the statistics'
//! setup and the summary (which carries it to the reports) all read that
//! one.
//!
//! - `queue`: the M/M/c queue (Erlang B and C) and each pool's baseline.
//! - `offered`: the infinite-server load of arrivals through the week.
//! - `hours`: the load by hour of the week, the busiest hour, the fix hint.
//! - `alike`: hours of the week a run cannot tell apart.
//! - `objective`: each wait objective estimated as the judge judges it.
//! - `estimates`: `poolcast estimate`'s view of a scenario or a sweep.
//! - `memory`: peak memory, estimated before simulating.

mod alike;
mod estimates;
mod hours;
pub mod memory;
mod objective;
mod offered;
mod queue;

use std::cell::Cell;

pub use alike::alike_hours;
pub use estimates::{PointEstimate, PoolEstimate, ScenarioEstimate, SweepEstimate};
pub use hours::{
    arrivals_by_hour, batch_hours, busiest_hour, cost_per_day_usd, daily_runs, hour_label,
    load_by_hour, loaded_hours, observed_week, overloaded_hours, smallest_count_for_p95,
    weekly_arrivals,
};
pub use objective::{ObjectiveEstimate, WaitModel};
pub use offered::{Batch, Occupancy, WeeklyArrivals};
pub use queue::{Mmc, baseline, erlang_c, offered_loads};

use crate::model::{Forecast, HOURS_OF_WEEK, HourLoad, Per, PoolForecast, WaitObjective};
use crate::results::{ObjectiveKind, SloVerdict};
use crate::scenario::Scenario;
use crate::stats::StatsSetup;

thread_local! {
    /// Forecasts built on this thread: how a test sees that a run builds
    /// one.
    static BUILT: Cell<u64> = const { Cell::new(0) };
}

/// Forecasts built on the calling thread so far.
pub fn built_on_this_thread() -> u64 {
    BUILT.with(Cell::get)
}

/// The forecast of `s`. Erlang C is computed once per pool and count: the
/// busiest hour reads the baseline's queue when it is the same one.
pub fn of(s: &Scenario) -> Forecast {
    BUILT.with(|b| b.set(b.get() + 1));
    let loads = load_by_hour(s);
    let alike_hours = judges_per_hour(s).then(|| Box::new(alike_hours(s, &loads)));
    let pools = loads
        .into_iter()
        .enumerate()
        .map(|(i, (hours, service_s))| {
            let (baseline, queue) = queue::pool_baseline(s, i);
            PoolForecast {
                busiest_hour: hours::busiest_hour_of(&hours, service_s, queue),
                baseline,
                load_by_hour: hours,
                mean_service_s: service_s,
            }
        })
        .collect();
    Forecast { pools, alike_hours }
}

/// For each hour of the week of `s`, the first hour alike to it: the
/// judge's classes under a per-hour objective, else made from `forecast`'s
/// loads (the planner reads them for the runs a scale-in would strand).
pub fn alike_hours_of(s: &Scenario, forecast: &Forecast) -> Box<[usize; HOURS_OF_WEEK]> {
    forecast
        .alike_hours
        .clone()
        .unwrap_or_else(|| Box::new(alike_hours(s, &loads(forecast))))
}

/// Whether an objective of `s` is judged per hour (and needs the alike
/// hours).
fn judges_per_hour(s: &Scenario) -> bool {
    s.objectives().waits.iter().any(|o| o.per == Per::Hour)
}

/// The statistics' setup of a scenario's replications, from its `forecast`.
pub fn stats_setup_of(forecast: &Forecast) -> StatsSetup {
    StatsSetup::new(forecast.alike_hours.clone())
}

/// The statistics' setup of `s`'s replications without the rest of the
/// forecast (a sweep point's, whose summary forecasts it later): the alike
/// hours, computed only under a per-hour objective.
pub fn stats_setup(s: &Scenario) -> StatsSetup {
    StatsSetup::new(judges_per_hour(s).then(|| Box::new(alike_hours(s, &load_by_hour(s)))))
}

/// Per pool, its hours and mean run time, as `load_by_hour` gives them.
fn loads(f: &Forecast) -> Vec<(Vec<HourLoad>, f64)> {
    f.pools
        .iter()
        .map(|p| (p.load_by_hour.clone(), p.mean_service_s))
        .collect()
}

/// What would fix the objectives `verdict` says are missed, in words
/// (`hours::advice`); empty when all are met.
pub fn advice(s: &Scenario, forecast: &Forecast, verdict: Option<&SloVerdict>) -> Vec<String> {
    // The verdicts list the wait objectives first, in the same order.
    let verdicts = verdict.map_or(&[][..], |v| &v.objectives[..]);
    let objectives = s.objectives();
    let missed_waits: Vec<&WaitObjective> = objectives
        .waits
        .iter()
        .zip(verdicts)
        .filter(|(_, v)| !v.met)
        .map(|(o, _)| o)
        .collect();
    let cost_missed = verdicts
        .iter()
        .any(|v| v.kind == ObjectiveKind::MaxCostPerDay && !v.met);
    if missed_waits.is_empty() && !cost_missed {
        return Vec::new();
    }
    hours::advice(s, &loads(forecast), &missed_waits, cost_missed)
}
