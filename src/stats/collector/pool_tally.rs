//! What the collector keeps of a pool's levels and scaling.

use super::{DAY_TICKS, hours, mean_secs, ratio};
use crate::results::{LevelRecorder, PoolMetric, Values};
use crate::stats::{DailyArea, TimeWeighted};
use crate::units::SimTime;

#[derive(Debug)]
pub(super) struct PoolTally {
    pub(super) queued: TimeWeighted,
    pub(super) busy: TimeWeighted,
    pub(super) allocated: TimeWeighted,
    /// Queued runs while no instance was ready: waiting for capacity that
    /// did not exist.
    pub(super) queued_without_capacity: TimeWeighted,
    /// Allocated instances by day, for the cost per day.
    pub(super) allocated_by_day: DailyArea,
    pub(super) price_per_hour_usd: f64,
    pub(super) scale_ups: u64,
    pub(super) capped: u64,
    pub(super) denied: u64,
    pub(super) preempted: u64,
    pub(super) cold_starts: u64,
    pub(super) cold_extra: u128,
    pub(super) series: LevelRecorder,
    /// Instances ready now (set at time 0 and on every change).
    pub(super) ready: u32,
    /// Runs that arrived while no instance was ready, by hour of the week
    /// of arrival (empty until the first).
    pub(super) stranded_by_hour: Vec<u64>,
}

impl PoolTally {
    /// An empty tally over the window [`start`, `end`] of a pool whose
    /// instance costs `price_per_hour_usd`, with room for `samples`
    /// samples of its levels.
    pub(super) fn new(
        start: SimTime,
        end: SimTime,
        price_per_hour_usd: f64,
        samples: usize,
    ) -> Self {
        PoolTally {
            queued: TimeWeighted::new(start),
            busy: TimeWeighted::new(start),
            allocated: TimeWeighted::new(start),
            queued_without_capacity: TimeWeighted::new(start),
            allocated_by_day: DailyArea::new(start, end, DAY_TICKS),
            price_per_hour_usd,
            scale_ups: 0,
            capped: 0,
            denied: 0,
            preempted: 0,
            cold_starts: 0,
            cold_extra: 0,
            series: LevelRecorder::with_capacity(samples),
            ready: 0,
            stranded_by_hour: Vec::new(),
        }
    }

    /// The pool's metrics over the window ending at `end`, with the waits
    /// of its workloads (runs, runs that waited, wait ticks), and its cost
    /// by day.
    pub(super) fn finish(
        &mut self,
        end: SimTime,
        (runs, waited, wait_sum): (u64, u64, u128),
    ) -> (Values<PoolMetric>, Vec<f64>) {
        use PoolMetric as M;
        let (_, qmax) = self.queued.finish(end);
        let (busy, _) = self.busy.finish(end);
        let (alloc, _) = self.allocated.finish(end);
        let (starved, _) = self.queued_without_capacity.finish(end);
        let instance_hours = hours(alloc);
        let daily = self
            .allocated_by_day
            .finish(end)
            .iter()
            .map(|&a| hours(a) * self.price_per_hour_usd)
            .collect();
        let mut m = Values::undefined();
        m[M::InstancesMean] = self.allocated.mean(end);
        m[M::Utilization] = if m[M::InstancesMean].is_nan() {
            // An empty window (stopped at the end of the warm-up).
            f64::NAN
        } else if alloc == 0 {
            0.0
        } else {
            busy as f64 / alloc as f64
        };
        m[M::QueueLenMean] = self.queued.mean(end);
        m[M::QueueLenMax] = f64::from(qmax);
        m[M::InstanceHours] = instance_hours;
        m[M::CostUsd] = instance_hours * self.price_per_hour_usd;
        m[M::ScaleUpsCapped] = self.capped as f64;
        m[M::ScaleUps] = self.scale_ups as f64;
        m[M::InstancesDenied] = self.denied as f64;
        m[M::Preempted] = self.preempted as f64;
        m[M::ColdStarts] = self.cold_starts as f64;
        m[M::ColdStartHours] = hours(self.cold_extra);
        m[M::NoCapacityWaitHours] = hours(starved);
        m[M::WaitMeanS] = mean_secs(wait_sum, runs);
        m[M::WaitedFraction] = ratio(waited, runs);
        m[M::StrandedRuns] = self.stranded_by_hour.iter().sum::<u64>() as f64;
        (m, daily)
    }
}
