//! The hour tally of `plan --schedule`: which hours of the week hold the
//! runs that wait too long.

use crate::load::HOURS_OF_WEEK;
use crate::model::{PoolId, Target};
use crate::scenario::Scenario;
use crate::stats::Recorder;
use crate::units::{SimDuration, SimTime};
use crate::workload::WorkloadId;

/// Runs of the scheduled pool by the hour of the week they arrived in,
/// and of those the runs that waited longer than the target: where
/// repair looks. It runs beside the standard statistics (a `(stats, tally)`
/// recorder), so it sees only the starts and the runs still queued.
pub(super) struct HourTally<'a> {
    scenario: &'a Scenario,
    /// Per workload, whether it runs on the pool.
    on_pool: Vec<bool>,
    from: SimTime,
    target_ticks: u64,
    runs: Vec<u64>,
    over: Vec<u64>,
}

impl<'a> HourTally<'a> {
    /// An empty tally of the runs of pool `pool` of `s` (after the warm-up;
    /// within `[slo] window` when it is set).
    pub(super) fn new(s: &'a Scenario, pool: PoolId) -> HourTally<'a> {
        HourTally {
            scenario: s,
            on_pool: s
                .workloads
                .iter()
                .map(|w| w.target == Target::Pool(pool))
                .collect(),
            from: SimTime(s.simulation.warmup.0),
            target_ticks: s.slo.wait_p95.map_or(u64::MAX, |t| t.0),
            runs: vec![0; HOURS_OF_WEEK],
            over: vec![0; HOURS_OF_WEEK],
        }
    }

    /// The runs and the late runs, by hour of the week of arrival.
    pub(super) fn into_counts(self) -> (Vec<u64>, Vec<u64>) {
        (self.runs, self.over)
    }

    fn tally(&mut self, w: WorkloadId, arrived_at: SimTime, wait_ticks: u64) {
        if arrived_at < self.from || !self.on_pool[w.0 as usize] {
            return;
        }
        let calendar = &self.scenario.simulation.calendar;
        if let Some(window) = &self.scenario.slo.window {
            let (day, minute) = calendar.weekday_minute(arrived_at);
            if !window.contains(day, minute) {
                return;
            }
        }
        let (d, h) = calendar.weekday_hour(arrived_at);
        self.runs[d * 24 + h] += 1;
        self.over[d * 24 + h] += u64::from(wait_ticks > self.target_ticks);
    }
}

impl Recorder for HourTally<'_> {
    fn started(
        &mut self,
        w: WorkloadId,
        _target: Target,
        arrived_at: SimTime,
        at: SimTime,
        _run: SimDuration,
    ) {
        self.tally(w, arrived_at, at.saturating_since(arrived_at).0);
    }
    fn censored(&mut self, w: WorkloadId, arrived_at: SimTime, at: SimTime) {
        self.tally(w, arrived_at, at.saturating_since(arrived_at).0);
    }
}
