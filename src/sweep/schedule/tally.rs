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
    /// Runs of the pool (all workloads) queued when a scale-in fired at
    /// the end of each hour would take effect, or up to `NEAR_MISS`
    /// before when near misses count: those a scale-in to none there
    /// would strand, or nearly.
    pub carried: Vec<u64>,
}

impl Default for HourCounts {
    fn default() -> HourCounts {
        let zero = vec![0; HOURS_OF_WEEK];
        HourCounts {
            runs: zero.clone(),
            over: zero.clone(),
            hour_runs: zero.clone(),
            hour_over: zero.clone(),
            stranded: zero.clone(),
            carried: zero,
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
            (&mut self.carried, &other.carried),
        ];
        for (sum, add) in pairs {
            for (s, a) in sum.iter_mut().zip(add) {
                *s += a;
            }
        }
    }
}

impl HourCounts {
    /// Counts as stranded, at each scale-in to none that lasts at least
    /// `bound`, the runs `carried` by every hour alike to the hour before
    /// it (`alike`: the same arrivals and instances, so the
    /// same chance of a queue there). Stranding is a rare event judged
    /// over alike hours, as the wait objectives are: where Monday to
    /// Thursday keep an instance after the last builds because runs were
    /// queued at 18:00, a Friday that scales to none at 18:00 strands a
    /// run over the weekend as soon as one is queued then, whether or not
    /// the judged seeds showed it (issue 26's 10-minute frontier plan).
    pub(super) fn strand_at_scale_ins(
        &mut self,
        schedule: &[u32],
        alike: &[usize; HOURS_OF_WEEK],
        bound: SimDuration,
    ) {
        let mut by_class = [0u64; HOURS_OF_WEEK];
        for (h, &carried) in self.carried.iter().enumerate() {
            by_class[alike[h]] += carried;
        }
        let hour = SimDuration::from_secs(3600).0;
        for z in 0..HOURS_OF_WEEK {
            let before = (z + HOURS_OF_WEEK - 1) % HOURS_OF_WEEK;
            if schedule[z] != 0 || schedule[before] == 0 {
                continue;
            }
            let none = (0..HOURS_OF_WEEK)
                .take_while(|k| schedule[(z + k) % HOURS_OF_WEEK] == 0)
                .count() as u64;
            if none * hour >= bound.0 {
                self.stranded[z] = self.stranded[z].max(by_class[alike[before]]);
            }
        }
    }
}

/// How long before a scale-in to none takes effect a queued run counts as
/// stranded by it: a near miss, which the same evening with a little more
/// load would have turned into a run left queued all night. Stranding is
/// rare (the bundled team's plan, judged on 50 weekday evenings, stranded
/// builds on 1 evening in 160 of new seeds), a queue in the last half hour
/// several times as frequent, so the search sees the risk on the evenings
/// it simulates and keeps an instance an hour longer, where the
/// stranding check (`STRANDING_CHECK_DAYS`) would otherwise find it a round
/// later.
const NEAR_MISS: SimDuration = SimDuration::from_secs(30 * 60);

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
    /// How long after its rule fires a scale-in takes effect.
    scale_in_delay: SimDuration,
    /// How long before a scale-in takes effect a queued run counts as
    /// carried by it (`NEAR_MISS`, or none).
    near_miss: SimDuration,
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
            scale_in_delay: s.pools[pool.0 as usize].provisioning,
            near_miss: NEAR_MISS,
            counts: HourCounts::default(),
        }
    }

    /// The tally counting near misses as carried (`NEAR_MISS`), or only the
    /// runs queued when a scale-in takes effect.
    pub(super) fn with_near_misses(mut self, near_misses: bool) -> HourTally<'a> {
        self.near_miss = if near_misses {
            NEAR_MISS
        } else {
            SimDuration::ZERO
        };
        self
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
        if wait_ticks > 0 {
            self.carry(arrived_at, wait_ticks);
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

    /// Counts a run that waited `wait_ticks` from `arrived_at` in
    /// `carried` of every hour at whose end it would have been queued when
    /// a scale-in fired then took effect (the pool's provisioning time
    /// later: instances serve the queue until then), or up to
    /// `near_miss` before.
    fn carry(&mut self, arrived_at: SimTime, wait_ticks: u64) {
        let calendar = &self.scenario.simulation.calendar;
        let started = arrived_at.0.saturating_add(wait_ticks);
        let counted_until = started.saturating_add(self.near_miss.0);
        let delay = self.scale_in_delay.0;
        let (_, mut end, mut hour) =
            calendar.wall_hour(SimTime(arrived_at.0.saturating_sub(delay)));
        while end.0.saturating_add(delay) < counted_until {
            self.counts.carried[HourOfWeek::new(hour.0, hour.1).index()] += 1;
            let (_, next_end, next) = calendar.wall_hour(end);
            (end, hour) = (next_end, next);
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
    /// A run a scale-in stopped (`scale_in = "preempt"`) is queued again
    /// where the scale-in took effect: carried by the hour before the one
    /// its rule fired at, as a run still waiting then is. Its wait after
    /// the restart is not reported (its wait was counted when it first
    /// started), so this is where the search sees it.
    fn preempted(
        &mut self,
        w: WorkloadId,
        arrived_at: SimTime,
        _p: PoolId,
        at: SimTime,
        _lost: SimDuration,
    ) {
        if self.judging[w.0 as usize].is_none() || arrived_at < self.from {
            return;
        }
        let fired = at.0.saturating_sub(self.scale_in_delay.0);
        let calendar = &self.scenario.simulation.calendar;
        let (_, _, (day, hour)) = calendar.wall_hour(SimTime(fired.saturating_sub(1)));
        self.counts.carried[HourOfWeek::new(day, hour).index()] += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sweep::schedule::profile::tests::workday;

    fn at(day: usize, hour: usize) -> usize {
        HourOfWeek::new(day, hour).index()
    }

    /// Every weekday's hour alike to Monday's, the weekend apart.
    fn weekdays_alike() -> [usize; HOURS_OF_WEEK] {
        std::array::from_fn(|h| {
            let h = HourOfWeek::from_index(h);
            if h.day() < 5 { h.hour() } else { h.index() }
        })
    }

    /// A workday at 8 with an instance from 18:00 to 20:00 on Monday to
    /// Thursday only.
    fn friday_without_the_evening() -> Vec<u32> {
        let mut counts = workday(8, 0);
        for day in 0..4 {
            counts[at(day, 18)] = 1;
            counts[at(day, 19)] = 1;
        }
        counts
    }

    #[test]
    fn a_run_queued_at_one_weekday_scale_in_strands_the_alike_day_that_drops_to_none() {
        let mut c = HourCounts::default();
        // One run queued at Tuesday 18:00, when the scale-in took effect.
        c.carried[at(1, 17)] = 1;
        let bound = SimDuration::from_secs(3600);
        c.strand_at_scale_ins(&friday_without_the_evening(), &weekdays_alike(), bound);
        // Friday scales to none at 18:00 until Monday: stranded there.
        assert_eq!(c.stranded[at(4, 18)], 1);
        // Monday to Thursday keep an instance at 18:00; their scale-in to
        // none at 20:00 follows an hour no run was queued at.
        assert_eq!(c.stranded.iter().sum::<u64>(), 1);
    }

    #[test]
    fn a_stretch_without_instances_shorter_than_the_bound_strands_no_one() {
        let mut c = HourCounts::default();
        c.carried[at(1, 17)] = 2;
        let mut counts = workday(8, 0);
        // Friday's evening without instances lasts until Monday 09:00:
        // 63 hours, within a bound of 100 hours but over one of 60.
        counts[at(0, 18)] = 1;
        c.strand_at_scale_ins(
            &counts,
            &weekdays_alike(),
            SimDuration::from_secs(100 * 3600),
        );
        assert_eq!(c.stranded.iter().sum::<u64>(), 0);
        c.strand_at_scale_ins(
            &counts,
            &weekdays_alike(),
            SimDuration::from_secs(60 * 3600),
        );
        assert_eq!(c.stranded[at(4, 18)], 2);
        assert_eq!(c.stranded[at(0, 19)], 0, "Monday's 19:00: 14 hours");
    }
}
