//! Hours of the week that a run cannot tell apart: the same arrivals and
//! the same instances, in the hour and in every earlier hour whose runs or
//! queue can still be felt in it. Their waits have the same distribution,
//! so a per-hour objective judges them together (their runs pooled into
//! one p95 in each replication), instead of taking the worst of many noisy
//! estimates of one number: a flat load's 168 hours are one hour judged
//! 168 times over, and the worst of 168 upper bounds is noise above the
//! target (issue 26's flat load asked for 15 instances where 14 meet),
//! while the p95 of one hour's runs in a replication reads low.
//!
//! How far back an hour looks: the runs' reach (the hours over which an
//! hour's arrivals still hold instances, by the offered-load kernel), then
//! on through every hour in which a pool is busy (load above half its
//! instances, or runs with none), whose queue may carry over: a quiet hour
//! drains it. Hours whose histories differ in anything (a schedule's
//! change, a cron batch, another profile hour) are judged apart, as before.

use std::collections::HashMap;

use super::hours::{firing_hour, observed_week, occupancy};
use super::offered::Occupancy;
use crate::model::{HOURS_OF_WEEK, HourLoad, Target};
use crate::scenario::Scenario;

/// A load of at most this share of the instances drains a queue within
/// the hour: the history of an hour stops at such an hour.
const QUIET_SHARE: f64 = 0.5;

/// For each hour of the week, the first hour of the week alike to it (its
/// own index when none earlier is). `loads` is `load_by_hour(s)`.
///
/// ```
/// # let s = poolcast::scenario::from_str(r#"
/// # [[pool]]
/// # name = "agents"
/// # tier = "S1"
/// # count = 4
/// # [[workload]]
/// # name = "ci"
/// # pool = "agents"
/// # arrival = { process = "poisson", rate = "20/h" }
/// # duration = { dist = "exponential", mean = "3m" }
/// # "#, std::path::Path::new("x.toml")).unwrap();
/// let classes = poolcast::forecast::alike_hours(&s, &poolcast::forecast::load_by_hour(&s));
/// assert!(classes.iter().all(|&c| c == 0)); // a flat load: one hour, 168 times
/// ```
pub fn alike_hours(s: &Scenario, loads: &[(Vec<HourLoad>, f64)]) -> [usize; HOURS_OF_WEEK] {
    let signature = hour_signatures(s, loads);
    let reach = reach_hours(s);
    let busy = |h: usize| {
        loads.iter().any(|(hours, _)| {
            let l = &hours[h];
            l.offered_load > QUIET_SHARE * f64::from(l.instances)
        })
    };
    let mut first: HashMap<Vec<u64>, usize> = HashMap::new();
    let mut out = [0; HOURS_OF_WEEK];
    for (h, o) in out.iter_mut().enumerate() {
        let back = |k: usize| (h + HOURS_OF_WEEK - k % HOURS_OF_WEEK) % HOURS_OF_WEEK;
        let mut depth = reach;
        while depth < HOURS_OF_WEEK && busy(back(depth)) {
            depth += 1;
        }
        let key: Vec<u64> = (0..=depth.min(HOURS_OF_WEEK - 1))
            .flat_map(|k| {
                let sig = &signature[back(k)];
                std::iter::once(sig.len() as u64).chain(sig.iter().copied())
            })
            .collect();
        *o = *first.entry(key).or_insert(h);
    }
    out
}

/// The hours before an hour whose arrivals still hold instances in it
/// (at least 1): the longest reach of any workload's runs on its pool.
fn reach_hours(s: &Scenario) -> usize {
    s.workloads
        .iter()
        .filter_map(|w| match w.target {
            Target::Pool(p) => Some(occupancy(w, &s.pools[p.0 as usize])),
            Target::DefaultCompute => None,
        })
        .map(|o: Occupancy| o.reach_hours())
        .max()
        .unwrap_or(0)
        .max(1)
}

/// What a run sees of each hour of the week: every workload's arrivals
/// (the rate, and each cron batch's instant, size and spread, as bits) and
/// every pool's instances.
fn hour_signatures(s: &Scenario, loads: &[(Vec<HourLoad>, f64)]) -> Vec<Vec<u64>> {
    let mut out = vec![Vec::new(); HOURS_OF_WEEK];
    for w in &s.workloads {
        let week = observed_week(s, w);
        for (sig, rate) in out.iter_mut().zip(week.rates_by_hour()) {
            sig.push(rate.to_bits());
        }
        for b in &week.batches {
            let hour = firing_hour(b.at_s);
            let into_hour = b.at_s % 3600.0;
            out[hour].extend([into_hour.to_bits(), b.runs.to_bits(), b.jitter_s.to_bits()]);
        }
    }
    for (hours, _) in loads {
        for (sig, l) in out.iter_mut().zip(hours) {
            sig.push(u64::from(l.instances));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forecast::load_by_hour;
    use crate::model::HourOfWeek;

    /// A workday team (30 runs an hour Mon-Fri 08:00-19:00, 5-minute runs)
    /// on `count` instances, with `extra` TOML in the pool's table and
    /// `more` after the workload.
    fn team(count: u32, extra: &str, more: &str) -> [usize; HOURS_OF_WEEK] {
        let src = format!(
            r#"
[simulation]
horizon = "8d"
[quota]
standard_vcpu = 64
[[pool]]
name = "agents"
tier = "S1"
count = {count}
{extra}
[[workload]]
name = "ci"
pool = "agents"
arrival = {{ process = "profile", rate = "30/h", hourly = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0], weekly = [1, 1, 1, 1, 1, 0, 0] }}
duration = {{ dist = "exponential", mean = "5m" }}
{more}
"#
        );
        let s = crate::scenario::from_str(&src, std::path::Path::new("t.toml")).expect("valid");
        alike_hours(&s, &load_by_hour(&s))
    }

    fn classes(count: u32, extra: &str) -> [usize; HOURS_OF_WEEK] {
        team(count, extra, "")
    }

    fn at(day: usize, hour: usize) -> usize {
        HourOfWeek::new(day, hour).index()
    }

    #[test]
    fn the_same_hour_of_every_workday_is_alike_and_the_weekend_is_not() {
        let c = classes(4, "");
        for d in 1..5 {
            assert_eq!(c[at(d, 10)], at(0, 10), "day {d}");
            assert_eq!(c[at(d, 8)], at(0, 8), "day {d}");
        }
        assert_ne!(c[at(0, 10)], c[at(0, 11)]);
        // Saturday has no runs.
        assert_ne!(c[at(5, 10)], c[at(0, 10)]);
    }

    #[test]
    fn a_schedule_sets_apart_the_hours_it_changes_and_those_after() {
        // Wednesday from 10:00 to 12:00 at 5 instances: 10:00 and 11:00
        // differ, and so does 12:00 (its runs from 11:00 still run on 5).
        let rule = r#"provisioning = "1m"
scaling = { policy = "schedule", rules = [{ cron = "0 10 * * 3", count = 5 }, { cron = "0 12 * * 3", count = 4 }] }"#;
        let c = classes(4, rule);
        assert_eq!(c[at(1, 10)], at(0, 10));
        assert_ne!(c[at(2, 10)], at(0, 10));
        assert_ne!(c[at(2, 11)], at(0, 11));
        assert_ne!(c[at(2, 12)], at(0, 12));
        assert_eq!(c[at(3, 10)], at(0, 10));
    }

    #[test]
    fn a_busy_pool_carries_its_history_and_a_quiet_one_does_not() {
        // 10 runs at Monday 07:00. On 4 instances the workday's 2.5
        // Erlangs are above half of them: Monday 10:00 looks back through
        // the busy hours to 07:00 and its batch, and is unlike Tuesday's.
        // On 8 the workday hours are quiet: 10:00 looks back over its runs'
        // reach only, and Monday's is Tuesday's.
        let batch = r#"[[workload]]
name = "weekly"
pool = "agents"
arrival = { process = "cron", schedule = "0 7 * * 1", tasks = 10 }
duration = { dist = "exponential", mean = "5m" }"#;
        let busy = team(4, "", batch);
        assert_ne!(busy[at(1, 10)], busy[at(0, 10)]);
        assert_eq!(busy[at(2, 10)], busy[at(1, 10)]);
        let quiet = team(8, "", batch);
        assert_eq!(quiet[at(1, 10)], at(0, 10));
        assert_ne!(quiet[at(1, 7)], quiet[at(0, 7)]);
        assert_ne!(quiet[at(0, 8)], at(0, 8) + 24, "08:00 feels 07:00's runs");
    }
}
