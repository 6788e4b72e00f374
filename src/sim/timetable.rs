//! The calendar work of a scenario done once for all its replications: the
//! firings of each cron arrival and the count changes of each scheduled
//! pool over the horizon, found by the same searches a replication would
//! make, and read in turn by every replication.

use chrono::TimeDelta;

use crate::model::{Calendar, next_firing, previous_firing};
use crate::model::{Scaling, ScheduleRule};
use crate::scenario::Scenario;
use crate::units::SimTime;
use crate::workload::{ArrivalProcess, CronFirings};

/// Firings and count changes held in a scenario's timetable, at most (8 or
/// 16 B each: at most 2 MiB). A schedule that fires more often over its
/// horizon (a minutely cron over a year) is tabled this far, then searched
/// by each replication past the table's end.
pub const TIMETABLE_MAX_ENTRIES: usize = 1 << 17;

/// The count changes of one scheduled pool: the first of them (all of them
/// when `complete`), in time order.
#[derive(Debug, Clone)]
pub(super) struct ScheduleTable {
    /// When a rule fires, and the count it sets then (`None` where the
    /// search found a firing no rule claims at that exact time).
    pub(super) changes: Vec<(SimTime, Option<u32>)>,
    /// Every change up to the horizon is in `changes`.
    pub(super) complete: bool,
}

/// A scenario's firings over its horizon, shared by its replications.
#[derive(Debug, Clone)]
pub struct Timetable {
    /// By workload: the firings of a cron arrival.
    pub(super) arrivals: Vec<Option<CronFirings>>,
    /// By pool: the count changes of a schedule.
    pub(super) schedules: Vec<Option<ScheduleTable>>,
}

impl Timetable {
    /// The timetable of `scenario`, at most `TIMETABLE_MAX_ENTRIES` long.
    pub fn of(scenario: &Scenario) -> Timetable {
        Timetable::within(scenario, TIMETABLE_MAX_ENTRIES)
    }

    /// The timetable of `scenario`, at most `room` entries long.
    fn within(scenario: &Scenario, mut room: usize) -> Timetable {
        let calendar = &scenario.simulation.calendar;
        let horizon = SimTime(scenario.simulation.horizon.0);
        let schedules = scenario
            .pools
            .iter()
            .map(|p| match &p.scaling {
                Scaling::Schedule(rules) => {
                    let table = schedule_table(rules, calendar, horizon, room);
                    room -= table.changes.len();
                    Some(table)
                }
                _ => None,
            })
            .collect();
        let arrivals = scenario
            .workloads
            .iter()
            .map(|w| match &w.arrival {
                ArrivalProcess::Cron {
                    schedule, calendar, ..
                } => {
                    let firings = CronFirings::new(schedule, calendar, horizon, room);
                    room -= firings.tabled();
                    Some(firings)
                }
                _ => None,
            })
            .collect();
        Timetable {
            arrivals,
            schedules,
        }
    }
}

/// The first `max` count changes of a pool scheduled by `rules`.
fn schedule_table(
    rules: &[ScheduleRule],
    calendar: &Calendar,
    horizon: SimTime,
    max: usize,
) -> ScheduleTable {
    let mut changes = Vec::new();
    let mut next = next_change(rules, calendar, SimTime::ZERO, true, horizon);
    while changes.len() < max
        && let Some(at) = next
    {
        changes.push((at, count_at(rules, calendar, at)));
        next = next_change(rules, calendar, at, false, horizon);
    }
    ScheduleTable {
        changes,
        complete: next.is_none(),
    }
}

/// The earliest firing of any of `rules` after `now` (at `now` itself when
/// `inclusive`), up to `horizon`.
pub(super) fn next_change(
    rules: &[ScheduleRule],
    calendar: &Calendar,
    now: SimTime,
    inclusive: bool,
    horizon: SimTime,
) -> Option<SimTime> {
    let from = calendar.datetime(now);
    // A search bounded by the horizon: a rule that fires rarely costs
    // no more than one that fires often.
    let until = calendar.datetime(horizon);
    rules
        .iter()
        .filter_map(|r| next_firing(&r.cron, from, inclusive, until))
        .min()
        .and_then(|t| calendar.sim_time(t))
        .filter(|t| *t <= horizon)
}

/// The count `rules` set at `now`: that of the last rule (in file order)
/// firing then, as a crontab would apply them.
pub(super) fn count_at(rules: &[ScheduleRule], calendar: &Calendar, now: SimTime) -> Option<u32> {
    let at = calendar.datetime(now);
    // Searched backwards from just after `now`: a fixed time that a
    // daylight-saving change skips fires when the clock jumps, and only
    // a search that crosses the skipped hours moves it there.
    let after = at + TimeDelta::seconds(1);
    rules
        .iter()
        .filter(|r| previous_firing(&r.cron, after, at) == Some(at))
        .map(|r| r.count)
        .next_back()
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicBool;

    use super::*;
    use crate::model::WorkloadId;
    use crate::model::{PoolId, Target};
    use crate::results::{PoolLevels, Recorder};
    use crate::sim::run_timetabled;
    use crate::units::SimDuration;

    /// Every arrival and every count change, in order.
    #[derive(Default, PartialEq, Debug)]
    struct Log(Vec<(SimTime, Option<u32>)>);

    impl Recorder for Log {
        fn arrived(&mut self, _: WorkloadId, at: SimTime) {
            self.0.push((at, None));
        }
        fn started(&mut self, _: WorkloadId, _: Target, _: SimTime, _: SimTime, _: SimDuration) {}
        fn finished(&mut self, _: WorkloadId, _: SimTime, _: SimTime, _: SimTime, _: bool) {}
        fn pool_changed(&mut self, _: PoolId, at: SimTime, levels: PoolLevels) {
            self.0.push((at, Some(levels.allocated)));
        }
        fn sampled(&mut self, _: PoolId, _: SimTime, _: PoolLevels) {}
    }

    /// A replication reading the firings from a whole timetable, from one
    /// cut short (searching past its end) and from none sees the same
    /// arrivals and count changes: a jittered 20-minute cron and a
    /// schedule with a fixed time the Berlin spring-forward skips (02:30
    /// on 30 March), over ten days across it.
    #[test]
    fn a_timetable_gives_what_the_searches_give() {
        let src = r#"
[simulation]
start = "2025-03-24T00:00:00"
timezone = "Europe/Berlin"
horizon = "10d"
warmup = "0s"
replications = 1

[[pool]]
name = "builders"
tier = "S1"
count = 1
scaling = { policy = "schedule", rules = [{ cron = "0 9 * * 1-5", count = 3 }, { cron = "30 2 * * *", count = 2 }, { cron = "0 18 * * *", count = 1 }] }

[[workload]]
name = "ci"
pool = "builders"
arrival = { process = "cron", schedule = "*/20 * * * *", tasks = 2, jitter = "5m" }
duration = { dist = "constant", value = "1m" }
"#;
        let scenario = crate::scenario::from_str(src, std::path::Path::new("t.toml")).unwrap();
        let log = |room: usize| {
            let mut log = Log::default();
            let table = Timetable::within(&scenario, room);
            run_timetabled(&scenario, &table, 0, &mut log, &AtomicBool::new(false));
            log
        };
        let whole = log(TIMETABLE_MAX_ENTRIES);
        assert_eq!(
            whole.0.iter().filter(|e| e.1.is_none()).count(),
            10 * 72 * 2
        );
        assert!(whole.0.iter().filter(|e| e.1.is_some()).count() > 30);
        for room in [0, 1, 7, 200] {
            assert!(log(room) == whole, "a timetable of {room} entries");
        }
    }
}
