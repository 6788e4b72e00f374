//! The hour tally of `plan --schedule`: which hours of the week hold the
//! runs that wait too long, against the objective that judges each run or,
//! for a run no objective judges, against the bound on its wait.

use std::ops::AddAssign;

use crate::model::WorkloadId;
use crate::model::{HOURS_OF_WEEK, HourOfWeek, Per, PoolId, Target, Window};
use crate::results::Recorder;
use crate::scenario::Scenario;
use crate::units::{SimDuration, SimTime};

/// Runs of the scheduled pool by the hour of the week they arrived in:
/// where repair looks. Whole counts, so sums over replications are the
/// same in any order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct HourCounts {
    /// Runs an objective judges.
    pub runs: Vec<u64>,
    /// Of those, the runs that waited longer than their objective's target.
    pub over: Vec<u64>,
    /// Runs an objective judges hour by hour (`per = "hour"`).
    pub hour_runs: Vec<u64>,
    /// Of those, the runs that waited longer than the target.
    pub hour_over: Vec<u64>,
    /// Runs stranded: a run no objective judges that waited longer than
    /// the bound on its wait (`--max-stranded`), by its hour of arrival;
    /// a judged run that waited longer than the bound across an hour the
    /// schedule leaves without instances, by the first such hour.
    pub stranded: Vec<u64>,
}

impl Default for HourCounts {
    fn default() -> HourCounts {
        let zero = vec![0; HOURS_OF_WEEK];
        HourCounts {
            runs: zero.clone(),
            over: zero.clone(),
            hour_runs: zero.clone(),
            hour_over: zero.clone(),
            stranded: zero,
        }
    }
}

impl AddAssign<&HourCounts> for HourCounts {
    fn add_assign(&mut self, other: &HourCounts) {
        let pairs = [
            (&mut self.runs, &other.runs),
            (&mut self.over, &other.over),
            (&mut self.hour_runs, &other.hour_runs),
            (&mut self.hour_over, &other.hour_over),
            (&mut self.stranded, &other.stranded),
        ];
        for (sum, add) in pairs {
            for (s, a) in sum.iter_mut().zip(add) {
                *s += a;
            }
        }
    }
}

/// How a workload's runs are judged: the target of the objective that
/// judges them, where it looks, and whether hour by hour.
#[derive(Debug, Clone, Copy)]
struct Judging {
    target_ticks: u64,
    window: Option<Window>,
    hourly: bool,
}

/// The tally of one replication. It runs beside the standard statistics
/// (a `(stats, tally)` recorder), so it sees only the starts and the runs
/// still queued.
pub(super) struct HourTally<'a> {
    scenario: &'a Scenario,
    /// Per workload: `None` when it does not run on the pool; else the
    /// objective judging it, if any.
    judging: Vec<Option<Option<Judging>>>,
    from: SimTime,
    /// The bound on the wait of a run no objective judges, ticks.
    max_stranded_ticks: u64,
    /// The schedule's count in each hour of the week.
    schedule: &'a [u32],
    counts: HourCounts,
}

impl<'a> HourTally<'a> {
    /// An empty tally of the runs of pool `pool` of `s` after the warm-up,
    /// each judged by its objective (inside that objective's window), the
    /// others held to `max_stranded`; `schedule` is the pool's count in
    /// each hour of the week.
    pub(super) fn new(
        s: &'a Scenario,
        pool: PoolId,
        max_stranded: SimDuration,
        schedule: &'a [u32],
    ) -> HourTally<'a> {
        let objectives = s.objectives();
        HourTally {
            scenario: s,
            judging: s
                .workloads
                .iter()
                .enumerate()
                .map(|(i, w)| {
                    (w.target == Target::Pool(pool)).then(|| {
                        objectives.judging(i).map(|o| Judging {
                            target_ticks: o.target.0,
                            window: o.window,
                            hourly: o.per == Per::Hour,
                        })
                    })
                })
                .collect(),
            from: SimTime(s.simulation.warmup.0),
            max_stranded_ticks: max_stranded.0,
            schedule,
            counts: HourCounts::default(),
        }
    }

    /// The runs and the late runs, by hour of the week of arrival.
    pub(super) fn into_counts(self) -> HourCounts {
        self.counts
    }

    fn tally(&mut self, w: WorkloadId, arrived_at: SimTime, wait_ticks: u64) {
        let Some(judging) = self.judging[w.0 as usize] else {
            return;
        };
        if arrived_at < self.from {
            return;
        }
        let calendar = &self.scenario.simulation.calendar;
        let (day, minute) = calendar.weekday_minute(arrived_at);
        let hour = HourOfWeek::new(day, minute as usize / 60).index();
        let c = &mut self.counts;
        match judging.filter(|j| j.window.is_none_or(|win| win.contains(day, minute))) {
            Some(j) => {
                let late = u64::from(wait_ticks > j.target_ticks);
                c.runs[hour] += 1;
                c.over[hour] += late;
                if j.hourly {
                    c.hour_runs[hour] += 1;
                    c.hour_over[hour] += late;
                }
                if wait_ticks > self.max_stranded_ticks
                    && let Some(at) = self.stranded_in(arrived_at, wait_ticks)
                {
                    self.counts.stranded[at] += 1;
                }
            }
            None => c.stranded[hour] += u64::from(wait_ticks > self.max_stranded_ticks),
        }
    }

    /// The first hour of the week the schedule leaves without instances
    /// that a wait of `wait_ticks` from `arrived_at` spans, if any: a
    /// judged run queued into such an hour waits for the next scale-up,
    /// which its objective's p95 may barely see.
    fn stranded_in(&self, arrived_at: SimTime, wait_ticks: u64) -> Option<usize> {
        let calendar = &self.scenario.simulation.calendar;
        let end = arrived_at.0.saturating_add(wait_ticks);
        let hour_ticks = SimDuration::from_secs(3600).0;
        (0..)
            .map(|k| arrived_at.0.saturating_add(k * hour_ticks))
            .take_while(|&t| t <= end)
            .chain([end])
            .map(|t| {
                let (day, hour) = calendar.weekday_hour(SimTime(t));
                HourOfWeek::new(day, hour).index()
            })
            .find(|&h| self.schedule[h] == 0)
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
