//! Peak memory of an import, by phase, each estimated before the phase
//! starts: reading the exports and fitting (from their census), then the
//! back-test (from the fitted scenario and what it is compared with). The
//! phases do not overlap but for what the first leaves the second (the
//! recorded histograms), which the second counts.

use super::Imported;
use super::backtest::BACKTEST_REPLICATIONS;
use super::collect::{Census, WEEK_H};
use crate::forecast::memory::{MemoryEstimate, Part, bytes_text, histogram_bytes};
use crate::units::TICKS_PER_SECOND;

/// What a workload of an imported scenario takes as text and parsed (with
/// the parser's own transient tree): `validate` of an imported scenario of
/// 600 profile workloads (0.9 MB of text) peaks 9.2 MB above a scenario of
/// one, of 200 workloads 1.9 MB above.
const SCENARIO_BYTES_PER_WORKLOAD: f64 = 16.0 * 1024.0;

/// A run in the table that finds repeats: a hash of its id and of its
/// times, and the table's control byte.
const SEEN_SLOT_BYTES: f64 = 17.0;

/// A firing minute of a group (`BTreeMap<i64, u32>`): a B-tree leaf of 144
/// bytes holds 5 to 11 of them.
const FIRING_BYTES: f64 = 144.0 / 5.0;

/// Slots of the table of `runs` seen runs: a power of two at most 7/8 full.
fn seen_slots(runs: u64) -> f64 {
    let needed = (runs.max(1) * 8).div_ceil(7);
    needed.next_power_of_two() as f64
}

/// Peak memory of reading the exports of `census` and fitting a scenario
/// to them; `held_out` when a hold-out keeps the recorded waits and run
/// times of its runs apart (counted as if every group had some).
pub(super) fn fit_estimate(census: &Census, held_out: bool) -> MemoryEstimate {
    let (runs, groups, pools) = (census.runs, census.groups as f64, census.pools as f64);
    let run_hist = histogram_bytes(census.longest_run_ms as f64);
    let wait_hist = histogram_bytes(census.longest_wait_ms as f64);
    let copies = if held_out { 2.0 } else { 1.0 };
    let held = if held_out {
        " x 2 (fitted and held out)"
    } else {
        ""
    };
    let slots = seen_slots(runs);
    let interval =
        std::mem::size_of::<(chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>)>();
    let parts = vec![
        Part {
            what: "the largest export, read whole".to_string(),
            bytes: census.largest_file as f64,
        },
        Part {
            what: format!(
                "runs seen, to drop repeats: {runs} runs in {slots} slots x {SEEN_SLOT_BYTES} B"
            ),
            bytes: slots * SEEN_SLOT_BYTES,
        },
        Part {
            what: format!(
                "run intervals: {} runs on pools x {interval} B",
                census.pool_runs
            ),
            bytes: census.pool_runs as f64 * interval as f64,
        },
        Part {
            what: format!("firing minutes: up to {runs} x {FIRING_BYTES:.0} B"),
            bytes: runs as f64 * FIRING_BYTES,
        },
        Part {
            what: format!("runs by hour of week: {groups} task-pool groups x {WEEK_H} hours x 8 B"),
            bytes: groups * WEEK_H as f64 * 8.0,
        },
        Part {
            what: format!(
                "recorded run times: {groups} groups{held} x {} (up to the longest, {} ms)",
                bytes_text(run_hist),
                census.longest_run_ms
            ),
            bytes: copies * groups * run_hist,
        },
        Part {
            what: format!(
                "recorded waits: ({groups} groups{held} + {pools} pools) x {} (up to the longest, {} ms)",
                bytes_text(wait_hist),
                census.longest_wait_ms
            ),
            bytes: (copies * groups + pools) * wait_hist,
        },
        scenario_part(groups),
    ];
    MemoryEstimate { parts }.of_process()
}

/// The scenario of `workloads` workloads, as text and parsed.
fn scenario_part(workloads: f64) -> Part {
    Part {
        what: format!(
            "the scenario, as text and parsed: {workloads} workload(s) x {}",
            bytes_text(SCENARIO_BYTES_PER_WORKLOAD)
        ),
        bytes: workloads * SCENARIO_BYTES_PER_WORKLOAD,
    }
}

/// Peak memory of the back-test of `imported` on `threads` threads: the
/// recorded waits and run times it compares with and the scenario, kept
/// from the fit; the replications in flight (one a thread), each with its
/// counts (`Tally`) and, at its end, one workload's two histograms and
/// the total's two; nothing is kept of a replication but its figures.
pub fn backtest_estimate(imported: &Imported, threads: usize) -> MemoryEstimate {
    let s = &imported.backtest_scenario;
    let in_flight = f64::from(BACKTEST_REPLICATIONS.min(threads.max(1) as u32));
    let workloads = s.workloads.len() as f64;
    let hist = histogram_bytes(s.simulation.horizon.as_secs_f64() * TICKS_PER_SECOND as f64);
    // A byte a bucket (`HistogramCounts`).
    let counts = hist / 8.0;
    let recorded: Vec<_> = imported
        .recorded
        .iter()
        .flat_map(|r| [&r.recorded.waits, &r.recorded.run_times])
        .flatten()
        .collect();
    let recorded_bytes: usize = recorded.iter().map(|h| h.distinct_values() * 8).sum();
    let parts = vec![
        Part {
            what: format!(
                "recorded waits and run times compared with: {} histograms",
                recorded.len()
            ),
            bytes: recorded_bytes as f64,
        },
        scenario_part(workloads),
        Part {
            what: format!(
                "back-test waits and run times: {in_flight} replication(s) in flight x {workloads} workload(s) x 2 x {}",
                bytes_text(counts)
            ),
            bytes: in_flight * workloads * 2.0 * counts,
        },
        Part {
            what: format!(
                "back-test histograms read at the end: {in_flight} replication(s) in flight x 4 x {}",
                bytes_text(hist)
            ),
            bytes: in_flight * 4.0 * hist,
        },
    ];
    crate::forecast::memory::recorder_estimate(s, in_flight, parts)
}
