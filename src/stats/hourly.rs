//! The waits by hour of the week of arrival, per workload: 168 cells each,
//! kept as 2-digit histogram counts (what `wait_by_hour` and the heat map
//! read).

use crate::model::{Calendar, HOURS_OF_WEEK, HourOfWeek, WorkloadId};
use crate::results::counts::{ByteCounts, bucket_index};
use crate::units::{SimDuration, SimTime, TICKS_PER_SECOND};

/// Ticks per unit of the waits by hour: 10 ms, below anything a queue
/// wait is read to, and 13 fewer bits of range to cover.
const HOURLY_UNIT_TICKS: u64 = TICKS_PER_SECOND / 100;

/// The layout of an hdrhistogram of 2 significant digits (2^8 above
/// 2 x 10^2): the waits by hour of the week, where 168 cells per workload
/// make 1% resolution the affordable one.
const HOURLY_SUB_BUCKET_BITS: u32 = 8;

/// The bucket of a wait of `ticks`.
fn bucket(ticks: u64) -> usize {
    bucket_index::<HOURLY_SUB_BUCKET_BITS>(ticks / HOURLY_UNIT_TICKS)
}

/// Per workload, the 168 hour cells of one replication. (Recording a
/// batch of runs at a time, so that the cache misses of the cells' counts
/// overlap, measured 2% slower end to end than one increment a run.)
#[derive(Debug)]
pub(super) struct HourlyWaits {
    /// The calendar that gives a run's hour of the week.
    calendar: Calendar,
    /// The stretch of time `[from, to)` of the last run's hour of the week
    /// of arrival, and that hour.
    last_hour: (SimTime, SimTime, usize),
    /// Cell `workload * HOURS_OF_WEEK + hour`, Monday 00:00 first.
    cells: Vec<HourWaits>,
}

impl HourlyWaits {
    /// Empty cells for `workloads` workloads on `calendar`.
    pub(super) fn new(calendar: Calendar, workloads: usize) -> HourlyWaits {
        HourlyWaits {
            calendar,
            last_hour: (SimTime::ZERO, SimTime::ZERO, 0),
            cells: vec![HourWaits::default(); workloads * HOURS_OF_WEEK],
        }
    }

    /// Tallies `wait` ticks of a run of `w` by its hour of arrival.
    /// Forced inline: as a call, its register saves and restores cost a
    /// fifth of the recorder's instructions (callgrind).
    #[inline(always)]
    pub(super) fn record(&mut self, w: WorkloadId, arrived_at: SimTime, wait: u64) {
        // The hour of the last run is nearly always this one's (the
        // calendar read 16% of a run's time when asked each run).
        let (from, to, hour) = &mut self.last_hour;
        if !(*from..*to).contains(&arrived_at) {
            let (f, t, (day, h)) = self.calendar.wall_hour(arrived_at);
            (*from, *to, *hour) = (f, t, HourOfWeek::new(day, h).index());
        }
        let cell = &mut self.cells[w.0 as usize * HOURS_OF_WEEK + *hour];
        cell.sum_ticks += u128::from(wait);
        cell.counts.increment(bucket(wait));
    }

    /// Per workload, its 168 cells (moved: the counts stay as they were
    /// filled, a byte a bucket). Split off the end one workload at a time,
    /// the rest shrunk as it goes: a whole second set of cells at once
    /// (64 B a cell, 10.75 KB a workload) was the peak of a replication of
    /// many workloads.
    pub(super) fn finish(self) -> Vec<Vec<HourWaits>> {
        let mut cells = self.cells;
        let mut workloads = Vec::with_capacity(cells.len() / HOURS_OF_WEEK);
        while cells.len() >= HOURS_OF_WEEK {
            let mut hours = cells.split_off(cells.len() - HOURS_OF_WEEK);
            cells.shrink_to_fit();
            // The first replication's become the run's.
            hours.iter_mut().for_each(|c| c.counts.shrink_to_fit());
            workloads.push(hours);
        }
        workloads.reverse();
        workloads
    }
}

/// The waits by hour of replications folded together as each one ends
/// (bucket counts and sums added, exact whatever the order): a run keeps
/// one set of cells, however many replications it has.
#[derive(Debug, Clone, Default)]
pub struct WaitsByHourSum {
    /// Per workload, its 168 cells.
    workloads: Vec<Vec<HourWaits>>,
}

impl WaitsByHourSum {
    /// Adds the cells of a replication, taking them (the first
    /// replication's are moved in as they are).
    pub fn add(&mut self, cells: &mut Vec<Vec<HourWaits>>) {
        let cells = std::mem::take(cells);
        if self.workloads.is_empty() {
            self.workloads = cells;
            return;
        }
        for (sums, hours) in self.workloads.iter_mut().zip(&cells) {
            for (sum, cell) in sums.iter_mut().zip(hours) {
                sum.sum_ticks += cell.sum_ticks;
                sum.counts.add(&cell.counts);
            }
        }
    }

    /// Per workload, its 168 cells (Monday 00:00 first); none when
    /// nothing was added.
    pub fn into_workloads(self) -> Vec<Vec<HourWaits>> {
        self.workloads
    }
}

/// The waits of the runs that arrived in one hour of the week: their sum,
/// and their counts by bucket of a 2-digit hdrhistogram of 10-ms units, a
/// byte a bucket up to the longest wait (overflows kept apart): a few
/// kilobytes a cell whatever the runs, and a run folds its replications'
/// into one set (`WaitsByHourSum`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HourWaits {
    /// All waits, ticks.
    sum_ticks: u128,
    /// Runs by bucket.
    counts: ByteCounts<true>,
}

impl HourWaits {
    /// The most a cell takes, bytes, when no wait is longer than
    /// `longest`: its sum, its two vectors, and a byte a bucket up to that
    /// wait's (the wraps, a few per thousand runs, left out).
    pub fn bytes_at_most(longest: SimDuration) -> f64 {
        let buckets = bucket(longest.0) + 1;
        (std::mem::size_of::<HourWaits>() + buckets) as f64
    }

    /// Runs recorded.
    pub fn runs(&self) -> u64 {
        self.counts.total()
    }

    /// All waits, seconds.
    pub fn sum_secs(&self) -> f64 {
        self.sum_ticks as f64 / TICKS_PER_SECOND as f64
    }

    /// The `q` quantile of the waits of `cells` together, seconds (as
    /// `quantile` reads it), or NaN without runs.
    pub fn quantile_of(cells: &[&HourWaits], q: f64) -> f64 {
        match cells {
            [] => f64::NAN,
            [one] => one.quantile(q),
            [first, rest @ ..] => {
                let mut all = (*first).clone();
                for c in rest {
                    all.counts.add(&c.counts);
                }
                all.quantile(q)
            }
        }
    }

    /// The `q` quantile of the waits, seconds (to 2 significant digits, at
    /// least 10 ms apart), or NaN without runs.
    pub fn quantile(&self, q: f64) -> f64 {
        self.counts
            .values_at_quantiles::<HOURLY_SUB_BUCKET_BITS, 1>([q])
            .map_or(f64::NAN, |[units]| {
                (units * HOURLY_UNIT_TICKS) as f64 / TICKS_PER_SECOND as f64
            })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::results::counts::bucket_value;
    use chrono_tz::Tz;
    use hdrhistogram::Histogram;
    use proptest::prelude::*;

    fn berlin() -> Calendar {
        let zone: Tz = "Europe/Berlin".parse().expect("a zone");
        Calendar::new(Calendar::default_start(zone), zone)
    }

    fn two_digits(values: &[u64]) -> Histogram<u64> {
        let mut h = Histogram::<u64>::new(2).expect("a precision");
        for v in values {
            h.record(v / HOURLY_UNIT_TICKS)
                .expect("the histogram resizes");
        }
        h
    }

    /// A cell takes at most 64 B beside its counts' allocations: 168 a
    /// workload.
    #[test]
    fn a_cell_takes_64_bytes() {
        assert!(std::mem::size_of::<HourWaits>() <= 64);
    }

    #[test]
    fn bucket_index_inverts_value() {
        for i in 0..50 << (HOURLY_SUB_BUCKET_BITS - 1) {
            let v = bucket_value::<HOURLY_SUB_BUCKET_BITS>(i);
            assert_eq!(bucket_index::<HOURLY_SUB_BUCKET_BITS>(v), i);
        }
    }

    /// A run arriving at hh:00:00 exactly is in hour hh, one a tick
    /// earlier in hh - 1, whichever hour the recorder read last (it keeps
    /// the stretch of the last run's hour): at 09:00 on a Monday, and at
    /// the next Monday's 00:00, hour 0 after hour 167.
    #[test]
    fn a_run_on_the_hour_is_in_that_hour() {
        let secs = |s: u64| s * TICKS_PER_SECOND;
        for (on, hour) in [(9, 9), (7 * 24, 0)] {
            let on = SimTime(secs(on * 3600));
            let before = SimTime(on.0 - 1);
            let hour_before = (hour + HOURS_OF_WEEK - 1) % HOURS_OF_WEEK;
            for order in [[before, on], [on, before]] {
                let mut hourly = HourlyWaits::new(berlin(), 1);
                for at in order {
                    // A wait of 1 s before the hour, 2 s on it.
                    hourly.record(WorkloadId(0), at, secs(1 + u64::from(at == on)));
                }
                let cells = hourly.finish();
                let runs = |h: usize| (cells[0][h].runs(), cells[0][h].sum_secs());
                assert_eq!(
                    (runs(hour_before), runs(hour)),
                    ((1, 1.0), (1, 2.0)),
                    "{order:?}"
                );
            }
        }
    }

    proptest! {
        /// Replications' cells folded together, in either order, are the
        /// cells of one replication that recorded every run: the same
        /// sums and the same counts in every bucket.
        #[test]
        fn folded_cells_match_one_recording(runs in prop::collection::vec(
            (0u32..2, 0u64..(24 * 14 * 3600), prop_oneof![0u64..300_000, 0u64..1 << 42], 0usize..3),
            1..800,
        )) {
            let calendar = berlin();
            let mut all = HourlyWaits::new(calendar, 2);
            let mut reps: Vec<HourlyWaits> = (0..3).map(|_| HourlyWaits::new(calendar, 2)).collect();
            for &(w, secs, wait, r) in &runs {
                let at = SimTime(secs * TICKS_PER_SECOND);
                all.record(WorkloadId(w), at, wait);
                reps[r].record(WorkloadId(w), at, wait);
            }
            let cells: Vec<_> = reps.into_iter().map(HourlyWaits::finish).collect();
            let all = all.finish();
            for order in [[0, 1, 2], [2, 1, 0]] {
                let mut sum = WaitsByHourSum::default();
                for r in order {
                    sum.add(&mut cells[r].clone());
                }
                let sum = sum.into_workloads();
                for (w, hours) in all.iter().enumerate() {
                    for (h, cell) in hours.iter().enumerate() {
                        prop_assert_eq!(&sum[w][h], cell);
                        prop_assert_eq!(sum[w][h].counts.nonzero().collect::<Vec<_>>(),
                            cell.counts.nonzero().collect::<Vec<_>>());
                    }
                }
            }
        }

        /// Runs of three workloads arriving out of order over weeks: every
        /// cell holds the runs of its (workload, hour of the week),
        /// their exact sum and the quantiles of a 2-digit hdrhistogram that
        /// recorded each wait in 10-ms units.
        #[test]
        fn cells_match_recording_each_wait(runs in prop::collection::vec(
            (0u32..3, 0u64..(24 * 21 * 3600), prop_oneof![Just(0u64), 1u64..50_000, 0u64..1 << 40]),
            1..600,
        )) {
            let calendar = berlin();
            let mut hourly = HourlyWaits::new(calendar, 3);
            let mut each: BTreeMap<(usize, usize), Vec<u64>> = BTreeMap::new();
            for &(w, secs, wait) in &runs {
                let at = SimTime(secs * TICKS_PER_SECOND);
                hourly.record(WorkloadId(w), at, wait);
                let (_, _, (day, hour)) = calendar.wall_hour(at);
                each.entry((w as usize, HourOfWeek::new(day, hour).index()))
                    .or_default()
                    .push(wait);
            }
            let cells = hourly.finish();
            prop_assert_eq!(cells.len(), 3);
            for (w, hours) in cells.iter().enumerate() {
                prop_assert_eq!(hours.len(), HOURS_OF_WEEK);
                for (h, cell) in hours.iter().enumerate() {
                    let values = each.get(&(w, h)).cloned().unwrap_or_default();
                    prop_assert_eq!(cell.runs(), values.len() as u64);
                    let sum: u128 = values.iter().map(|v| u128::from(*v)).sum();
                    prop_assert_eq!(cell.sum_ticks, sum);
                    if values.is_empty() {
                        prop_assert!(cell.quantile(0.95).is_nan());
                    } else {
                        let h = two_digits(&values);
                        for q in [0.0, 0.5, 0.95, 1.0] {
                            let expected = h.value_at_quantile(q);
                            prop_assert_eq!(cell.quantile(q), (expected * HOURLY_UNIT_TICKS) as f64 / 1e6);
                        }
                    }
                }
            }
        }
    }
}
