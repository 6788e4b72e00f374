//! The offered load by hour of the week: for every pool, how many
//! instances the arrivals keep busy in each of the 168 hours (the
//! infinite-server load of `offered`: every process's arrivals, the run
//! time a timeout leaves on the pool's tier, the lag of long runs), against
//! the instances the pool can have then. Time-varying traffic is the
//! normal case: a weekly mean hides a workday peak, and this is what
//! warnings, `estimate`, the fix hint and the planner's first guess look
//! at instead.

use super::objective::WaitModel;
use super::offered::{Batch, Occupancy, WeeklyArrivals};
use super::queue::Mmc;
use crate::model::{
    BusiestHour, Calendar, HOURS_OF_WEEK, HourLoad, HourOfWeek, PoolId, PoolSpec, Scaling, Target,
    Tier, WEEKDAYS, WaitObjective,
};
use crate::scenario::Scenario;
use crate::units::{SimDuration, SimTime, TICKS_PER_SECOND};
use crate::workload::{ArrivalProcess, WorkloadSpec};

/// Weeks of cron firings looked at, at most: exact for daily and weekly
/// schedules, and a bounded search whatever the horizon.
const CRON_WEEKS: u64 = 4;

/// Seconds in a week.
const WEEK_SECS: u64 = 7 * 86_400;

/// `Mon 09:00`-style label of an hour of the week.
pub fn hour_label(h: usize) -> String {
    HourOfWeek::from_index(h % HOURS_OF_WEEK).to_string()
}

/// A workload's arrivals over the week of the scenario's clock, averaged
/// over the weeks of `[from, to)` (a cron's over the whole weeks of it,
/// one to four: exact for daily and weekly schedules, and never firings
/// the run does not see, such as a daylight-saving change past the
/// horizon that skips one).
pub fn weekly_arrivals(
    arrival: &ArrivalProcess,
    calendar: &Calendar,
    from: SimTime,
    to: SimTime,
) -> WeeklyArrivals {
    let mut out = WeeklyArrivals {
        rates: [0.0; HOURS_OF_WEEK],
        batches: Vec::new(),
    };
    let slot = |t: SimTime| {
        let (d, h) = calendar.weekday_hour(t);
        HourOfWeek::new(d, h).index()
    };
    match arrival {
        ArrivalProcess::Poisson { .. } | ArrivalProcess::Burst { .. } => {
            out.rates = [arrival.mean_rate().as_per_second(); HOURS_OF_WEEK];
        }
        ArrivalProcess::Profile {
            rate,
            hourly,
            weekly,
            ..
        } => {
            // Its multipliers are by calendar hour and weekday, as the slots.
            for (hour, o) in HourOfWeek::all().zip(out.rates.iter_mut()) {
                *o = rate.as_per_second() * hourly[hour.hour()] * weekly[hour.day()];
            }
        }
        ArrivalProcess::Cron {
            schedule,
            tasks,
            jitter,
            calendar,
        } => {
            let weeks =
                (to.saturating_since(from).as_secs_f64() as u64 / WEEK_SECS).clamp(1, CRON_WEEKS);
            let to = from + SimDuration::from_secs(weeks * WEEK_SECS);
            let (start, end) = (calendar.datetime(from), calendar.datetime(to));
            let runs = tasks / weeks as f64;
            for t in schedule.iter_from(start, croner::Direction::Forward) {
                if t >= end {
                    break;
                }
                let (batch, even) = Batch::at(&t, runs, jitter.as_secs_f64());
                out.batches.push(batch);
                for r in &mut out.rates {
                    *r += even;
                }
            }
        }
        ArrivalProcess::Trace { trace, scale } => {
            // Hours of each slot inside the window, to turn counts into rates.
            let mut hours = [0.0f64; HOURS_OF_WEEK];
            let step = 3600 * TICKS_PER_SECOND;
            let mut t = from;
            while t < to {
                let next = SimTime(((t.0 / step) + 1) * step).min(to);
                hours[slot(t)] += (next.0 - t.0) as f64 / step as f64;
                t = next;
            }
            for r in trace.runs().iter().filter(|r| r.at >= from && r.at < to) {
                out.rates[slot(r.at)] += scale;
            }
            for (o, e) in out.rates.iter_mut().zip(hours) {
                *o = if e > 0.0 { *o / (e * 3600.0) } else { 0.0 };
            }
        }
    }
    out
}

/// `weekly_arrivals` of workload `w` of `s` over its observed window
/// (after the warm-up).
pub fn observed_week(s: &Scenario, w: &WorkloadSpec) -> WeeklyArrivals {
    let sim = &s.simulation;
    weekly_arrivals(
        &w.arrival,
        &sim.calendar,
        SimTime(sim.warmup.0),
        SimTime(sim.horizon.0),
    )
}

/// Hours past a week that a schedule's table looks at: a wall clock that
/// goes back in the first week reads its last hours only in the next one.
const SPARE_HOURS: usize = 2;

/// The instances pool `p` can have in each hour of the first week, by the
/// wall clock: a schedule's count is in force `provisioning` after its rule
/// fires.
fn instances(p: &PoolSpec, calendar: &Calendar) -> [u32; HOURS_OF_WEEK] {
    match &p.scaling {
        Scaling::Fixed | Scaling::Queue(_) => [p.max_count(); HOURS_OF_WEEK],
        Scaling::Schedule(rules) => {
            let hours = HOURS_OF_WEEK + SPARE_HOURS;
            let week = SimTime(hours as u64 * 3600 * TICKS_PER_SECOND);
            let (start, end) = (calendar.datetime(SimTime::ZERO), calendar.datetime(week));
            // Every firing of the week, in time order (file order at ties,
            // as the simulation applies them).
            let mut firings: Vec<(SimTime, usize, u32)> = Vec::new();
            for (i, r) in rules.iter().enumerate() {
                for t in r.cron.iter_from(start, croner::Direction::Forward) {
                    if t >= end {
                        break;
                    }
                    if let Some(at) = calendar.sim_time(t) {
                        firings.push((at + p.provisioning, i, r.count));
                    }
                }
            }
            firings.sort();
            let mut out = [None; HOURS_OF_WEEK];
            let (mut count, mut next) = (p.count, 0);
            for k in 0..hours {
                // The count in force at the middle of the hour.
                let mid = SimTime((k as u64 * 3600 + 1800) * TICKS_PER_SECOND);
                while next < firings.len() && firings[next].0 <= mid {
                    count = firings[next].2;
                    next += 1;
                }
                // Each hour of the week as the clock first reads it (a
                // repeated hour keeps its first reading).
                let (d, h) = calendar.weekday_hour(SimTime(k as u64 * 3600 * TICKS_PER_SECOND));
                out[HourOfWeek::new(d, h).index()].get_or_insert(count);
            }
            // An hour the clock skipped has the count in force as it jumped:
            // that of the hour before.
            let mut filled = [p.count; HOURS_OF_WEEK];
            for h in 0..HOURS_OF_WEEK {
                filled[h] = out[h].unwrap_or(filled[(h + HOURS_OF_WEEK - 1) % HOURS_OF_WEEK]);
            }
            filled
        }
    }
}

/// Per pool, the 168 hours of the week over the observed window, and the
/// mean run time on the pool (seconds).
pub fn load_by_hour(s: &Scenario) -> Vec<(Vec<HourLoad>, f64)> {
    let sim = &s.simulation;
    s.pools
        .iter()
        .enumerate()
        .map(|(i, pool)| {
            let (mut load, mut steady, mut fired) = (
                [0.0; HOURS_OF_WEEK],
                [0.0; HOURS_OF_WEEK],
                [0.0; HOURS_OF_WEEK],
            );
            let (mut rate, mut busy) = (0.0, 0.0);
            for w in s
                .workloads
                .iter()
                .filter(|w| w.target == Target::Pool(PoolId(i as u32)))
            {
                let occupancy = occupancy(w, pool);
                let service = occupancy.mean_s();
                let week = observed_week(s, w);
                let all = week.offered_load(&occupancy);
                // Without batches the steady load is all of it.
                let stream = if week.batches.is_empty() {
                    all
                } else {
                    let stream = WeeklyArrivals {
                        rates: week.rates,
                        batches: Vec::new(),
                    };
                    stream.offered_load(&occupancy)
                };
                for h in 0..HOURS_OF_WEEK {
                    load[h] += all[h];
                    steady[h] += stream[h];
                }
                for b in &week.batches {
                    fired[firing_hour(b.at_s)] += b.runs;
                }
                let mean = w.arrival.mean_rate().as_per_second();
                rate += mean;
                busy += mean * service;
            }
            let count = instances(pool, &sim.calendar);
            let hours = (0..HOURS_OF_WEEK)
                .map(|h| HourLoad {
                    hour_of_week: h,
                    offered_load: load[h],
                    steady_load: steady[h],
                    batch_runs: fired[h],
                    instances: count[h],
                })
                .collect();
            (hours, if rate > 0.0 { busy / rate } else { 0.0 })
        })
        .collect()
}

/// The hour of the week (its index) a firing `at_s` seconds after Monday
/// 00:00 is in.
pub(super) fn firing_hour(at_s: f64) -> usize {
    (at_s / 3600.0) as usize % HOURS_OF_WEEK
}

/// How long a run of `w` holds an instance of `pool`: its run time on the
/// pool's tier, cut at its timeout.
pub(super) fn occupancy<'a>(w: &'a WorkloadSpec, pool: &PoolSpec) -> Occupancy<'a> {
    Occupancy {
        dist: &w.duration,
        factor: w.runtime_factor(pool.tier.vcpu()),
        timeout_s: w.timeout.as_secs_f64(),
    }
}

/// Runs arriving at pool `p` in each hour of the week, over the observed
/// window of `s`.
pub fn arrivals_by_hour(s: &Scenario, p: usize) -> [f64; HOURS_OF_WEEK] {
    let mut out = [0.0; HOURS_OF_WEEK];
    for w in s
        .workloads
        .iter()
        .filter(|w| w.target == Target::Pool(PoolId(p as u32)))
    {
        let week = observed_week(s, w);
        for (n, r) in out.iter_mut().zip(week.rates_by_hour()) {
            *n += r * 3600.0;
        }
    }
    out
}

/// Compute cost per day of a pool whose instances follow `hours`, at
/// `usd_per_hour` an instance (a controller at its maximum: an upper
/// bound).
pub fn cost_per_day_usd(hours: &[HourLoad], usd_per_hour: f64) -> f64 {
    let instance_hours: f64 = hours.iter().map(|h| f64::from(h.instances)).sum();
    instance_hours / 7.0 * usd_per_hour
}

/// A workload's expected runs on a weekday and on a weekend day (means
/// over Monday-Friday and Saturday-Sunday), and its busiest hour of the
/// week with its rate per hour, over the observed window of `s`.
pub fn daily_runs(s: &Scenario, w: usize) -> (f64, f64, usize, f64) {
    let per_s = observed_week(s, &s.workloads[w]).rates_by_hour();
    let day = |d: usize| {
        let first = HourOfWeek::new(d, 0).index();
        per_s[first..first + 24].iter().sum::<f64>() * 3600.0
    };
    let weekday = (0..5).map(day).sum::<f64>() / 5.0;
    let weekend = (5..7).map(day).sum::<f64>() / 2.0;
    let (peak, rate) =
        per_s.iter().enumerate().fold(
            (0, 0.0),
            |best, (h, &r)| if r > best.1 { (h, r) } else { best },
        );
    (weekday, weekend, peak, rate * 3600.0)
}

/// The busiest hour of `hours` under M/M/c at its steady load (the first
/// at equal loads): M/M/c is of a steady stream, and a cron batch drains
/// (each objective's estimate counts it).
pub fn busiest_hour(hours: &[HourLoad], mean_service_s: f64) -> Option<BusiestHour> {
    busiest_hour_of(hours, mean_service_s, None)
}

/// `busiest_hour`, reading `known` when it is the hour's queue.
pub(super) fn busiest_hour_of(
    hours: &[HourLoad],
    mean_service_s: f64,
    known: Option<Mmc>,
) -> Option<BusiestHour> {
    let hour = *hours
        .iter()
        .filter(|h| h.steady_load > 0.0)
        .max_by(|a, b| {
            a.steady_load
                .total_cmp(&b.steady_load)
                .then(b.hour_of_week.cmp(&a.hour_of_week))
        })?;
    let q = Mmc::reusing(known, hour.instances, hour.steady_load, mean_service_s);
    Some(BusiestHour {
        hour,
        mean_service_s,
        wait_probability: q.wait_probability(),
        wait_mean_s: q.mean_wait_s(),
        wait_p95_s: q.p95_wait_s(),
    })
}

/// The smallest fixed count whose busiest hour meets a p95 wait of
/// `target_s` under M/M/c, up to `limit` instances: a quick analytic
/// search for "what would fix it" (a simulation, `poolcast plan`, should
/// confirm it: bursts and heavy tails wait longer than M/M/c).
pub fn smallest_count_for_p95(
    hours: &[HourLoad],
    mean_service_s: f64,
    target_s: f64,
    limit: u32,
) -> Option<u32> {
    let peak = hours.iter().map(|h| h.steady_load).fold(0.0, f64::max);
    Mmc::smallest_count(peak, mean_service_s, target_s, 1..=limit)
}

/// What would fix the missed objectives, in words: for each missed wait
/// objective and each fixed pool its runs use, the smallest count at which
/// the objective's analytic estimate meets (within the quota: judged as the
/// judge judges, in its window, per workload, cron batches draining); for
/// a pool that scales, the command to run; for a missed cost cap, the most
/// instances it allows. Each line names the objective it fixes. `loads`
/// is `load_by_hour(s)`, computed once by the caller; something is missed.
pub fn advice(
    s: &Scenario,
    loads: &[(Vec<HourLoad>, f64)],
    missed_waits: &[&WaitObjective],
    cost_missed: bool,
) -> Vec<String> {
    let mut out = Vec::new();
    let model = WaitModel::new(s, loads);
    // A pool that scales has no count to give: one line says what to try.
    let mut told = Vec::new();
    let mut scales = |out: &mut Vec<String>, p: usize| {
        if !told.contains(&p) {
            told.push(p);
            let name = &s.pools[p].name;
            out.push(format!(
                "pool {name}: it scales, so try its settings with poolcast sweep (axes over pool.{name}.count and its scaling), or read the load by hour in poolcast estimate"
            ));
        }
    };
    for o in missed_waits {
        let what = o.described();
        for (p, pool) in s.pools.iter().enumerate() {
            let serves = o
                .workloads
                .iter()
                .any(|&(w, _)| s.workloads[w].target == Target::Pool(PoolId(p as u32)));
            if !serves {
                continue;
            }
            if pool.scaling != Scaling::Fixed {
                scales(&mut out, p);
                continue;
            }
            let fits = quota_fits(s, pool);
            out.push(match model.smallest_count(o, p, fits.max(1)) {
                // `plan` needs a [sweep], which a scenario may not have:
                // the advice says what to add.
                Some(c) if c > pool.count => format!(
                    "{what}: pool {}: about {c} x {} would meet it (analytic: M/M/c hour by hour, cron batches draining; confirm with poolcast run after setting count = {c}, or add [sweep] \"pool.{}.count\" = [{}, {c}, {}] and run poolcast plan)",
                    pool.name, pool.tier, pool.name, pool.count, c + 1
                ),
                Some(_) => format!(
                    "{what}: pool {}: the analytic estimate says its count suffices, so bursts or heavy tails cause the wait: run poolcast plan or sweep",
                    pool.name
                ),
                None => format!(
                    "{what}: pool {}: even {fits} x {} (all the quota allows) would not meet it: {}a raised quota or a schedule",
                    pool.name,
                    pool.tier,
                    if smaller_tier_fits(s, p) {
                        "a smaller tier (more instances in the same vCPUs), "
                    } else {
                        ""
                    }
                ),
            });
        }
    }
    if let Some(cap) = s.slo.max_cost_per_day_usd.filter(|_| cost_missed) {
        for (p, pool) in s.pools.iter().enumerate() {
            if pool.scaling != Scaling::Fixed {
                scales(&mut out, p);
                continue;
            }
            let per_instance = s.prices.instance_hour_usd(pool.tier) * 24.0;
            let most = (cap / per_instance).floor();
            out.push(format!(
                "max_cost_per_day: pool {}: a cap of USD {cap:.2} a day allows at most {most:.0} x {} around the clock; a schedule that scales in at night costs less",
                pool.name, pool.tier
            ));
        }
    }
    out
}

/// The instances of `pool`'s tier the quota leaves beside the other pools
/// of its kind.
fn quota_fits(s: &Scenario, pool: &PoolSpec) -> u32 {
    let kind = pool.tier.kind();
    let used_by_others = s.quota.usage(&s.pools).of(kind) - pool.vcpu();
    s.quota.limit(kind).saturating_sub(used_by_others) / pool.tier.vcpu()
}

/// Whether a smaller tier of pool `p`'s kind holds every run of its
/// workloads in memory. Within a vCPU quota a smaller tier holds more
/// instances and does no less work per vCPU (Amdahl), and more, slower
/// instances queue less: a larger tier never helps, a smaller one may.
fn smaller_tier_fits(s: &Scenario, p: usize) -> bool {
    let tier = s.pools[p].tier;
    let most_gb = s
        .workloads
        .iter()
        .filter(|w| w.target == Target::Pool(PoolId(p as u32)))
        .filter_map(|w| w.memory_gb)
        .fold(0.0, f64::max);
    Tier::ALL
        .iter()
        .any(|t| t.kind() == tier.kind() && t.vcpu() < tier.vcpu() && t.memory_gb() >= most_gb)
}

/// The stretches of the week where the steady load reaches the instances
/// (a queue that grows through them), in words: `weekdays 09:00-18:00` or
/// `Mon 21:00-22:00, Sat 10:00-12:00`.
pub fn overloaded_hours(hours: &[HourLoad]) -> Option<String> {
    hours_where(hours, |h| {
        h.steady_load > 0.0 && h.steady_load >= f64::from(h.instances)
    })
}

/// The stretches of the week where the whole load, cron batches too,
/// reaches the instances, in words as `overloaded_hours`.
pub fn loaded_hours(hours: &[HourLoad]) -> Option<String> {
    hours_where(hours, |h| {
        h.offered_load > 0.0 && h.offered_load >= f64::from(h.instances)
    })
}

/// The stretches of the week where cron batches bring more work than the
/// instances the steady load leaves can do in the hour (they queue, then
/// drain), but the steady load alone fits.
pub fn batch_hours(hours: &[HourLoad]) -> Option<String> {
    hours_where(hours, |h| {
        h.batch_runs > 0.0
            && h.offered_load >= f64::from(h.instances)
            && h.steady_load < f64::from(h.instances)
    })
}

/// The stretches of the week of the hours `over` picks, in words.
fn hours_where(hours: &[HourLoad], over: impl Fn(&HourLoad) -> bool) -> Option<String> {
    // Per weekday, its ranges of overloaded hours.
    let ranges: Vec<Vec<(usize, usize)>> = (0..7)
        .map(|d| {
            let mut r = Vec::new();
            let mut h = 0;
            while h < 24 {
                let at = |h: usize| &hours[HourOfWeek::new(d, h).index()];
                if over(at(h)) {
                    let start = h;
                    while h < 24 && over(at(h)) {
                        h += 1;
                    }
                    r.push((start, h));
                } else {
                    h += 1;
                }
            }
            r
        })
        .collect();
    let words = |r: &[(usize, usize)]| {
        r.iter()
            .map(|(a, b)| format!("{a:02}:00-{b:02}:00"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if ranges.iter().all(Vec::is_empty) {
        return None;
    }
    if ranges.iter().all(|r| *r == ranges[0]) {
        return Some(format!("every day {}", words(&ranges[0])));
    }
    let weekdays_alike = ranges[..5].iter().all(|r| *r == ranges[0]) && !ranges[0].is_empty();
    let mut parts = Vec::new();
    let first = if weekdays_alike {
        parts.push(format!("weekdays {}", words(&ranges[0])));
        5
    } else {
        0
    };
    for (d, r) in ranges.iter().enumerate().skip(first) {
        if !r.is_empty() {
            parts.push(format!("{} {}", WEEKDAYS[d], words(r)));
        }
    }
    Some(parts.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hours(load: impl Fn(usize) -> f64, instances: u32) -> Vec<HourLoad> {
        (0..HOURS_OF_WEEK)
            .map(|h| HourLoad {
                hour_of_week: h,
                offered_load: load(h),
                steady_load: load(h),
                batch_runs: 0.0,
                instances,
            })
            .collect()
    }

    #[test]
    fn overloaded_hours_names_weekday_stretches() {
        let workday = hours(
            |h| {
                if h / 24 < 5 && (9..18).contains(&(h % 24)) {
                    4.5
                } else {
                    0.2
                }
            },
            3,
        );
        assert_eq!(overloaded_hours(&workday).unwrap(), "weekdays 09:00-18:00");
        let nightly = hours(|h| if h % 24 == 21 { 3.0 } else { 0.0 }, 2);
        assert_eq!(overloaded_hours(&nightly).unwrap(), "every day 21:00-22:00");
        assert!(overloaded_hours(&hours(|_| 1.0, 2)).is_none());
    }

    #[test]
    fn busiest_hour_is_the_most_loaded_under_mmc() {
        let h = hours(|k| if k == 10 { 1.0 } else { 0.5 }, 2);
        let b = busiest_hour(&h, 60.0).unwrap();
        assert_eq!(b.hour.hour_of_week, 10);
        let q = Mmc::new(2, 1.0, 60.0);
        assert_eq!(
            (b.wait_probability, b.wait_mean_s, b.wait_p95_s),
            (q.wait_probability(), q.mean_wait_s(), q.p95_wait_s())
        );
    }

    /// A Berlin team's Sunday 02:00 batch, on an 8-day horizon that starts
    /// 3 March 2025: the observed week holds one firing of 10 runs. Four
    /// weeks of firings from there reach 30 March, when 02:00 does not
    /// exist in Berlin (the clocks go to 03:00), and averaged three
    /// firings over four weeks: 7.5 runs at Sunday 02:00.
    #[test]
    fn cron_firings_are_counted_over_the_observed_weeks() {
        let s = crate::scenario::from_str(
            "[simulation]\ntimezone = \"Europe/Berlin\"\nstart = \"2025-03-03T00:00:00\"\nhorizon = \"8d\"\nwarmup = \"1d\"\n\n[[pool]]\nname = \"builders\"\ntier = \"S1\"\ncount = 2\n\n[[workload]]\nname = \"batch\"\npool = \"builders\"\narrival = { process = \"cron\", schedule = \"0 2 * * 0\", tasks = 10 }\nduration = { dist = \"exponential\", mean = \"10m\" }\n",
            std::path::Path::new("t.toml"),
        )
        .expect("a valid scenario");
        let runs = arrivals_by_hour(&s, 0);
        let sunday_2am = 6 * 24 + 2;
        assert!(
            (runs[sunday_2am] - 10.0).abs() < 1e-9,
            "{}",
            runs[sunday_2am]
        );
        assert!((runs.iter().sum::<f64>() - 10.0).abs() < 1e-9);
    }
}
