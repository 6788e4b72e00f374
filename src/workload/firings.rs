//! The firings of a cron arrival over a horizon: searched on the calendar
//! one at a time, or read from a table made once per scenario and shared by
//! its replications (`sim::Timetable`), then searched past its end.

use std::sync::Arc;

use chrono::DateTime;
use chrono_tz::Tz;

use crate::model::{Calendar, next_firing};
use crate::units::SimTime;

/// A search for the firings of a schedule, one at a time, each bounded by
/// the horizon.
#[derive(Debug, Clone, Default)]
pub struct FiringSearch {
    /// The last firing found (the next search starts after it).
    fired: Option<DateTime<Tz>>,
    /// No firing is left before the horizon.
    done: bool,
}

impl FiringSearch {
    /// The next firing of `schedule` on `calendar`'s clock, or `None` when
    /// none is left up to `horizon`.
    fn next(
        &mut self,
        schedule: &croner::Cron,
        calendar: &Calendar,
        horizon: SimTime,
    ) -> Option<SimTime> {
        if self.done {
            return None;
        }
        let (from, inclusive) = match self.fired {
            None => (calendar.start(), true),
            Some(prev) => (prev, false),
        };
        let found = next_firing(schedule, from, inclusive, calendar.datetime(horizon));
        self.fired = found;
        // Firings are found from the start on, so each has a simulated
        // time; without one the firings end.
        let at = found.and_then(|t| calendar.sim_time(t));
        self.done = at.is_none();
        at
    }
}

/// The firings of one cron arrival over a horizon: the first of them in a
/// table (all of them when they fit), then the search after its last.
#[derive(Debug, Clone)]
pub struct CronFirings {
    table: Arc<[SimTime]>,
    /// Done when the table holds every firing.
    rest: FiringSearch,
}

impl CronFirings {
    /// The firings of `schedule` up to `horizon`, at most `max` of them in
    /// the table.
    pub fn new(
        schedule: &croner::Cron,
        calendar: &Calendar,
        horizon: SimTime,
        max: usize,
    ) -> CronFirings {
        let mut rest = FiringSearch::default();
        let mut table = Vec::new();
        while table.len() < max
            && let Some(at) = rest.next(schedule, calendar, horizon)
        {
            table.push(at);
        }
        CronFirings {
            table: table.into(),
            rest,
        }
    }

    /// Firings in the table.
    pub fn tabled(&self) -> usize {
        self.table.len()
    }
}

/// A stream's place in the firings of its cron arrival: in the shared
/// table, then searching (from the start, with no table).
#[derive(Debug, Default)]
pub(super) struct FiringCursor {
    table: Arc<[SimTime]>,
    next: usize,
    rest: FiringSearch,
}

impl FiringCursor {
    /// At the first of `firings`.
    pub(super) fn new(firings: &CronFirings) -> FiringCursor {
        FiringCursor {
            table: Arc::clone(&firings.table),
            next: 0,
            rest: firings.rest.clone(),
        }
    }

    /// The next firing, or `None` when none is left up to `horizon`.
    pub(super) fn next(
        &mut self,
        schedule: &croner::Cron,
        calendar: &Calendar,
        horizon: SimTime,
    ) -> Option<SimTime> {
        match self.table.get(self.next) {
            Some(&at) => {
                self.next += 1;
                Some(at)
            }
            None => self.rest.next(schedule, calendar, horizon),
        }
    }
}
