//! What the collector keeps for each wait objective, and its value at the end.

use super::quantiles;
use crate::model::{HOURS_OF_WEEK, HourOfWeek, Objectives, Per, Window};
use crate::results::HistogramCounts;
use crate::stats::HourWaits;

/// What a wait objective keeps of a replication.
#[derive(Debug)]
pub(super) struct ObjectiveTally {
    /// The workloads it judges.
    pub(super) members: Vec<usize>,
    pub(super) window: Option<Window>,
    pub(super) per: Per,
    /// Under a window and `per = "window"`: the waits of the runs that
    /// arrived inside it.
    pub(super) window_waits: HistogramCounts,
}

/// A wait objective's value in one replication: the p95 wait of the runs
/// it judges, seconds, over its window or in each hour of the week (NaN
/// where no run arrived: nothing to judge).
#[derive(Debug, Clone, PartialEq)]
pub enum ObjectiveWaits {
    /// `per = "window"`.
    Window(f64),
    /// `per = "hour"`: 168 values, Monday 00:00 first; NaN outside the
    /// window too.
    Hours(Vec<f64>),
}

/// Each wait objective's value: from the runs of its window, or from the
/// waits by hour of its workloads (hours `alike` pooled).
pub(super) fn objective_waits(
    objectives: &[ObjectiveTally],
    waits: &[HistogramCounts],
    by_hour: &[Vec<HourWaits>],
    all_p95: f64,
    alike: Option<&[usize; HOURS_OF_WEEK]>,
) -> Vec<ObjectiveWaits> {
    objectives
        .iter()
        .map(|o| match (o.per, o.window) {
            (Per::Hour, window) => ObjectiveWaits::Hours(hourly_p95(o, window, by_hour, alike)),
            (Per::Window, Some(_)) => ObjectiveWaits::Window(quantiles(&o.window_waits, [0.95])[0]),
            // Every workload: the p95 the totals have.
            (Per::Window, None) if o.members.len() == waits.len() => {
                ObjectiveWaits::Window(all_p95)
            }
            (Per::Window, None) => {
                let mut pooled = HistogramCounts::default();
                for &w in &o.members {
                    pooled.add(&waits[w]);
                }
                ObjectiveWaits::Window(quantiles(&pooled, [0.95])[0])
            }
        })
        .collect()
}

/// A per-hour objective's p95 wait in each hour of the week (NaN outside
/// its window and where no run arrived): of the runs of its workloads that
/// arrived in the hour and in every judged hour alike to it.
fn hourly_p95(
    o: &ObjectiveTally,
    window: Option<Window>,
    by_hour: &[Vec<HourWaits>],
    alike: Option<&[usize; HOURS_OF_WEEK]>,
) -> Vec<f64> {
    let judged = |h: usize| window.is_none_or(|w| w.overlaps(HourOfWeek::from_index(h)));
    let class = |h: usize| alike.map_or(h, |a| a[h]);
    // By class (its first hour), computed at its first judged hour.
    let mut p95: [Option<f64>; HOURS_OF_WEEK] = [None; HOURS_OF_WEEK];
    (0..HOURS_OF_WEEK)
        .map(|h| {
            if !judged(h) {
                return f64::NAN;
            }
            *p95[class(h)].get_or_insert_with(|| {
                let cells: Vec<&HourWaits> = (0..HOURS_OF_WEEK)
                    .filter(|&k| class(k) == class(h) && judged(k))
                    .flat_map(|k| o.members.iter().map(move |&w| &by_hour[w][k]))
                    .collect();
                HourWaits::quantile_of(&cells, 0.95)
            })
        })
        .collect()
}

/// Per workload, the objectives with a window that judge its runs.
pub(super) fn windowed(objectives: &Objectives, workloads: usize) -> Vec<Vec<usize>> {
    let mut out = vec![Vec::new(); workloads];
    for (i, o) in objectives.waits.iter().enumerate() {
        if o.window.is_some() && o.per == Per::Window {
            for (w, _) in &o.workloads {
                out[*w].push(i);
            }
        }
    }
    out
}
