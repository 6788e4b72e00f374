//! The workloads of an import: one per group (a task on one pool), with its
//! arrival process and run-time distribution. A task whose runs went to
//! several pools (the default compute among them) becomes a workload per
//! pool, each with its own runs' arrivals, so that every pool gets its
//! share of the task, not the whole task.

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write;

use super::arrival::{Arrival, Window, fit_arrival, timer_triggered};
use super::collect::{GroupKey, Observed, quantile_s};
use super::duration::duration_line;
use super::pools::PoolFit;
use super::write::quoted;
use crate::scenario::safe_workload_name;

/// A fitted workload.
pub(super) struct WorkloadFit {
    /// Scenario name (unique).
    pub name: String,
    /// Its group.
    pub key: GroupKey,
    /// When its task ran on other pools too: the task's runs by pool.
    pub split: Option<Vec<(String, u64)>>,
    /// Its runs.
    pub runs: u64,
    /// Its arrival process.
    pub arrival: Arrival,
    duration: String,
    ref_cpu: u32,
}

/// The runs of each task by pool.
fn pools_by_task(observed: &Observed) -> BTreeMap<&str, Vec<(String, u64)>> {
    let mut by_task: BTreeMap<&str, Vec<(String, u64)>> = BTreeMap::new();
    for ((task, pool), g) in &observed.groups {
        by_task
            .entry(task)
            .or_default()
            .push((pool.clone(), g.runs));
    }
    by_task
}

/// `task` on `pool` as a workload name: the task's own when it ran on one
/// pool, else `task@pool`.
fn workload_name(task: &str, pool: &str, split: bool) -> String {
    if split {
        format!("{task}@{pool}")
    } else {
        task.to_string()
    }
}

/// A name the scenario accepts and no other workload has, with a warning
/// when it is not `wanted`.
fn unique_name(wanted: &str, used: &mut HashSet<String>, warnings: &mut Vec<String>) -> String {
    let clean = safe_workload_name(wanted);
    let mut name = clean.clone();
    while !used.insert(name.clone()) {
        name.push('_');
    }
    if name != wanted {
        let mut why = Vec::new();
        if clean != wanted {
            why.push("its name holds control or bidirectional-text characters, which break tables and messages".to_string());
        }
        if name != clean {
            why.push(format!("another task is already called {clean:?}"));
        }
        warnings.push(format!(
            "task {wanted:?}: {}; it is called {name:?} in the scenario",
            why.join(", and ")
        ));
    }
    name
}

/// The warning for a task split over pools.
fn split_warning(task: &str, split: &[(String, u64)]) -> String {
    let all: u64 = split.iter().map(|(_, n)| n).sum();
    let shares: Vec<String> = split
        .iter()
        .map(|(pool, n)| {
            format!(
                "{pool} {:.0}% as {}",
                100.0 * *n as f64 / all as f64,
                quoted(&workload_name(task, pool, true))
            )
        })
        .collect();
    format!(
        "task {task:?} ran on {} pools; it is a workload per pool, each fitted to its own runs: {}",
        split.len(),
        shares.join(", ")
    )
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
        zone: observed.zone,
    };
    let others_median_s = observed
        .groups
        .values()
        .filter_map(|g| g.run_times.histogram.as_ref())
        .map(|h| quantile_s(h, 0.5))
        .reduce(f64::max);
    let by_task = pools_by_task(observed);
    for (task, split) in by_task.iter().filter(|(_, s)| s.len() > 1) {
        warnings.push(split_warning(task, split));
    }
    let mut used = HashSet::new();
    observed
        .groups
        .iter()
        .map(|(key, g)| {
            let (task, pool) = key;
            let split = Some(&by_task[task.as_str()]).filter(|s| s.len() > 1);
            let name = unique_name(&workload_name(task, pool, split.is_some()), &mut used, warnings);
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
                    "workload {name}: its runs are timer-triggered, but the export does not show its schedule fire at one time on two days, so it is fitted as a {}; write its cron by hand if you know it (arrival = {{ process = \"cron\", schedule = \"…\", tasks = N, timezone = \"UTC\" }})",
                    arrival.process()
                ));
            }
            WorkloadFit {
                duration: duration_line(&g.run_times, others_median_s, &name, warnings),
                name,
                key: key.clone(),
                split: split.cloned(),
                runs: g.runs,
                arrival,
                ref_cpu,
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
            quoted(&self.key.1)
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
