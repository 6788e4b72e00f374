//! A workload's state in a replication: its arrival stream and the random
//! stream of its run times.

use std::sync::atomic::AtomicBool;

use super::Timetable;
use crate::engine::{SimRng, stream_rng};
use crate::model::Target;
use crate::scenario::Scenario;
use crate::units::{SimDuration, SimTime};
use crate::workload::{ArrivalStream, WorkloadSpec};

/// Random streams per workload: arrivals and run times are independent, so a
/// change of one workload's rate leaves the others' draws untouched.
const STREAMS_PER_WORKLOAD: u64 = 2;

/// A workload's arrivals and run-time draws in one replication.
pub(super) struct WorkloadState {
    /// Its pending arrival was the last one drawn (its time and place in
    /// the event order are in `Replication::arrivals`).
    pub(super) arrivals: ArrivalStream,
    pub(super) durations: SimRng,
    /// Amdahl factor of the workload's target tier.
    pub(super) runtime_factor: f64,
}

impl WorkloadState {
    /// Workload `i` of `scenario` in replication `replication`: its own
    /// two random streams, so a change of one workload's rate leaves the
    /// others' draws untouched, and its firings read from `timetable`.
    pub(super) fn new(
        scenario: &Scenario,
        timetable: &Timetable,
        i: usize,
        replication: u32,
    ) -> WorkloadState {
        let (spec, w) = (&scenario.simulation, &scenario.workloads[i]);
        let stream = i as u64 * STREAMS_PER_WORKLOAD;
        let cpu = match w.target {
            Target::Pool(p) => scenario.pools[p.0 as usize].tier.vcpu(),
            Target::DefaultCompute => scenario.prices.default_compute.vcpu,
        };
        let mut arrivals = ArrivalStream::new(
            stream_rng(spec.seed, u64::from(replication), stream),
            SimTime(spec.horizon.0),
        );
        if let Some(firings) = &timetable.arrivals[i] {
            arrivals = arrivals.with_firings(firings);
        }
        WorkloadState {
            arrivals,
            durations: stream_rng(spec.seed, u64::from(replication), stream + 1),
            runtime_factor: w.runtime_factor(cpu),
        }
    }

    /// Draws the next arrival's time (none when `cancel` is set while
    /// drawing: the run is over). Inlined into `on_arrival`, as the draw is
    /// (see `ArrivalStream::next_or_stop`).
    #[inline(always)]
    pub(super) fn schedule_next(
        &mut self,
        spec: &WorkloadSpec,
        cancel: &AtomicBool,
    ) -> Option<SimTime> {
        self.arrivals.next_or_stop(&spec.arrival, cancel)
    }

    /// The run time of the pending arrival on this workload's target: its
    /// recorded run time rescaled from the vCPUs it was recorded on, or a
    /// fresh draw. Inlined into `on_arrival`, with the draw.
    #[inline(always)]
    pub(super) fn service(&mut self, spec: &WorkloadSpec) -> SimDuration {
        let (reference, factor) = match self.arrivals.recorded() {
            Some((recorded, cpu)) => {
                let rescale = spec
                    .recorded_cpu
                    .or(cpu)
                    .map_or(1.0, |c| self.runtime_factor / spec.runtime_factor(c));
                (recorded, rescale)
            }
            None => {
                let drawn = spec.duration.sample(&mut self.durations);
                // Ticks -> seconds -> ticks with a factor of 1 gives the same
                // ticks back (exactly, below 2^51 ticks: 71 years), so the
                // common unscaled workload skips two conversions a run.
                if self.runtime_factor == 1.0 {
                    return drawn;
                }
                (drawn, self.runtime_factor)
            }
        };
        SimDuration::from_secs_f64(reference.as_secs_f64() * factor)
    }
}
