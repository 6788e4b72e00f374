//! The workloads of an import: one per group, sent to the pool where most
//! of its runs ran, with its arrival process and run-time distribution.

use std::collections::HashSet;
use std::fmt::Write;

use hdrhistogram::Histogram;

use super::arrival::{Arrival, Window, fit_arrival, timer_triggered};
use super::collect::{Observed, quantile_s};
use super::duration::duration_line;
use super::pools::PoolFit;
use super::write::quoted;
use crate::scenario::safe_workload_name;

/// What a group recorded, for the back-test.
#[derive(Debug, Clone)]
pub(super) struct Recorded {
    /// Waits, milliseconds.
    pub waits: Option<Histogram<u64>>,
    /// Run times, milliseconds.
    pub run_times: Option<Histogram<u64>>,
}

/// A fitted workload.
pub(super) struct WorkloadFit {
    /// Scenario name (unique).
    pub name: String,
    pool: String,
    runs: u64,
    arrival: Arrival,
    duration: String,
    ref_cpu: u32,
    /// What its runs recorded.
    pub recorded: Recorded,
}

/// Fits a workload per group of `observed`, in group order.
pub(super) fn fit_workloads(
    observed: &Observed,
    pools: &[PoolFit],
    warnings: &mut Vec<String>,
) -> Vec<WorkloadFit> {
    let window = Window {
        first: observed.first,
        last: observed.last,
        has_timers: observed.has_timers,
    };
    let others_median_s = observed
        .groups
        .values()
        .filter_map(|g| g.run_times.histogram.as_ref())
        .map(|h| quantile_s(h, 0.5))
        .reduce(f64::max);
    let mut used = HashSet::new();
    observed
        .groups
        .iter()
        .map(|(key, g)| {
            let clean = safe_workload_name(key);
            let mut name = clean.clone();
            while !used.insert(name.clone()) {
                name.push('_');
            }
            if &name != key {
                let mut why = Vec::new();
                if &clean != key {
                    why.push("its name holds control or bidirectional-text characters, which break tables and messages".to_string());
                }
                if name != clean {
                    why.push(format!("another task is already called {clean:?}"));
                }
                warnings.push(format!(
                    "task {key:?}: {}; it is called {name:?} in the scenario",
                    why.join(", and ")
                ));
            }
            let (pool, _) = g
                .pools
                .iter()
                .max_by_key(|(_, n)| **n)
                .expect("a group has runs");
            if g.pools.len() > 1 {
                warnings.push(format!(
                    "workload {name}: ran on {} pools; all its runs go to {pool}, where most ran",
                    g.pools.len()
                ));
            }
            // The run times were recorded on the pool's tier (on the default
            // compute, on what the runs say, else its 2 vCPUs).
            let ref_cpu = pools
                .iter()
                .find(|p| &p.name == pool)
                .map_or(g.cpu.unwrap_or(2), |p| p.tier.vcpu());
            let arrival = fit_arrival(g, window);
            if timer_triggered(g) && !matches!(arrival, Arrival::Cron { .. }) {
                // The export names the firings but not the schedule, and a
                // time seen on one day only gives no period.
                warnings.push(format!(
                    "workload {name}: its runs are timer-triggered, but the export does not show its schedule fire at one time on two days, so it is fitted as a {}; write its cron by hand if you know it (arrival = {{ process = \"cron\", schedule = \"…\", tasks = N }})",
                    arrival.process()
                ));
            }
            WorkloadFit {
                duration: duration_line(&g.run_times, others_median_s, &name, warnings),
                name,
                pool: pool.clone(),
                runs: g.runs,
                arrival,
                ref_cpu,
                recorded: Recorded {
                    waits: g.waits.clone(),
                    run_times: g.run_times.histogram.clone(),
                },
            }
        })
        .collect()
}

impl WorkloadFit {
    /// The `[[workload]]` table.
    pub(super) fn toml(&self) -> String {
        let mut text = format!(
            "[[workload]]\nname = {}\npool = {}\n",
            quoted(&self.name),
            quoted(&self.pool)
        );
        text.push_str(&self.arrival.toml(self.runs));
        text.push_str(&self.duration);
        let _ = writeln!(
            text,
            "ref_cpu = {}   # vCPUs the run times were recorded on\nparallel_fraction = 0   # CHECK: how much a bigger tier speeds a run up (0 to 1)",
            self.ref_cpu
        );
        text
    }
}
