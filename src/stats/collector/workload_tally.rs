//! What the collector keeps of a workload's runs.

use super::{mean_secs, quantiles, ratio, secs};
use crate::results::{HistogramCounts, Values, WorkloadMetric};

#[derive(Debug)]
pub(super) struct WorkloadTally {
    pub(super) arrived: u64,
    pub(super) started: u64,
    pub(super) waited: u64,
    pub(super) completed: u64,
    pub(super) timed_out: u64,
    /// Still queued at the end: counted in the waits with their wait so far.
    pub(super) censored: u64,
    pub(super) wait_sum: u128,
    pub(super) run_sum: u128,
    pub(super) turnaround_sum: u128,
    /// Waits above zero; the zero waits (`waiting_runs() - waited`) are
    /// added in one step by `close`, sparing a record per run that did not
    /// wait.
    pub(super) wait: HistogramCounts,
    pub(super) turnaround: HistogramCounts,
}

impl WorkloadTally {
    pub(super) fn new() -> Self {
        WorkloadTally {
            arrived: 0,
            started: 0,
            waited: 0,
            completed: 0,
            timed_out: 0,
            censored: 0,
            wait_sum: 0,
            run_sum: 0,
            turnaround_sum: 0,
            wait: HistogramCounts::default(),
            turnaround: HistogramCounts::default(),
        }
    }

    /// Runs whose wait is known or bounded: started, or still queued.
    pub(super) fn waiting_runs(&self) -> u64 {
        self.started + self.censored
    }

    /// Records a wait of `ticks` (started or censored).
    #[inline(always)]
    pub(super) fn wait(&mut self, ticks: u64) {
        self.waited += u64::from(ticks > 0);
        self.wait_sum += u128::from(ticks);
        if ticks > 0 {
            self.wait.record(ticks);
        }
    }

    /// The wait counts, the zero waits added (the same counts as recording
    /// each wait as it happened).
    pub(super) fn close(&mut self) -> HistogramCounts {
        let mut wait = std::mem::take(&mut self.wait);
        let zeros = self.waiting_runs() - self.waited;
        if zeros > 0 {
            wait.record_n(0, zeros);
        }
        // Kept until the summary, without the room it grew into.
        wait.shrink_to_fit();
        wait
    }

    /// The metrics, with `wait` the counts `close` gave.
    pub(super) fn metrics(&self, wait: &HistogramCounts) -> Values<WorkloadMetric> {
        use WorkloadMetric as M;
        let [p50, p90, p95, p99] = quantiles(wait, [0.5, 0.9, 0.95, 0.99]);
        let ended = self.completed + self.timed_out;
        let mut m = Values::undefined();
        m[M::Arrived] = self.arrived as f64;
        m[M::Completed] = self.completed as f64;
        m[M::TimedOut] = self.timed_out as f64;
        m[M::WaitedFraction] = ratio(self.waited, self.waiting_runs());
        m[M::WaitMeanS] = mean_secs(self.wait_sum, self.waiting_runs());
        m[M::WaitP50S] = p50;
        m[M::WaitP90S] = p90;
        m[M::WaitP95S] = p95;
        m[M::WaitP99S] = p99;
        if let Some(max) = wait.max() {
            m[M::WaitMaxS] = secs(max);
        }
        m[M::RunMeanS] = mean_secs(self.run_sum, ended);
        m[M::TurnaroundMeanS] = mean_secs(self.turnaround_sum, ended);
        m[M::TurnaroundP95S] = quantiles(&self.turnaround, [0.95])[0];
        m[M::Censored] = self.censored as f64;
        m
    }
}
