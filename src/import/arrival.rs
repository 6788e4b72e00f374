//! The arrival process of a group: `cron` when its runs fire at a recurring
//! time of day (or of week), `burst` when they start together at no fixed
//! time, else a `profile` fitted by hour of week.
//!
//! Runs start together when they are created in the same minute (or name
//! the same timer-trigger occurrence). Smoothing such firings into a rate
//! is what made an import understate waits: twelve runs at once queue far
//! longer than twelve spread over an hour.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use chrono::{DateTime, Duration as TimeDelta, Utc};
use chrono_tz::Tz;

use super::collect::{Group, WEEK_H, hour_of_week, wall_minute};

/// Minutes in a day.
const DAY_MIN: i64 = 1440;
/// "Most" of a task's runs: the share a schedule must cover (a few runs by
/// hand beside a nightly schedule keep it a schedule, a busy task is no
/// schedule), and the share that must name a timer for the task to count as
/// timer-triggered.
const MOST: f64 = 0.9;
/// The most firings a day a detected schedule may have (every half hour):
/// beyond that a busy task's runs hit every minute of its working hours on
/// several days and would look like a schedule of all of them.
const MAX_SLOTS: usize = 48;
/// Runs clump when they fill at most this share of the minutes a Poisson
/// process of the same hourly counts would fill.
const CLUMPED: f64 = 0.5;
/// The most batch sizes a burst lists; more are thinned to evenly spaced
/// order statistics, which keeps the distribution.
const MAX_SIZES: usize = 200;

/// The fitted arrival process of a group.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Arrival {
    /// Runs at fixed times.
    Cron {
        /// Five-field cron expression: on UTC when timer triggers back it
        /// (ACR fires timers on UTC), else on the scenario's clock.
        schedule: String,
        /// Runs per firing.
        tasks: u32,
        /// Firings seen, and the smallest and largest runs per firing.
        firings: usize,
        /// See `firings`.
        sizes: (u32, u32),
        /// Runs off the schedule (not modelled).
        strays: u64,
        /// Whether timer triggers back the schedule (it is then on UTC).
        timer: bool,
    },
    /// Batches of runs at random times.
    Burst {
        /// Batches per hour.
        rate_per_h: f64,
        /// Runs per batch (an empirical distribution).
        sizes: Vec<u32>,
    },
    /// A Poisson process at a constant rate: what an export shorter than
    /// a day tells.
    Constant {
        /// Runs per hour.
        rate_per_h: f64,
    },
    /// A Poisson process by hour of week.
    Profile {
        /// Peak runs per hour.
        rate_per_h: f64,
        /// Hour-of-day multipliers, 24 (maximum 1).
        hourly: Vec<f64>,
        /// Day-of-week multipliers, 7, Monday first (maximum 1).
        weekly: Vec<f64>,
    },
}

fn list(xs: &[f64]) -> String {
    let cells: Vec<String> = xs.iter().map(|x| format!("{x:.3}")).collect();
    format!("[{}]", cells.join(", "))
}

impl Arrival {
    /// The `process` it is written as.
    pub(super) fn process(&self) -> &'static str {
        match self {
            Arrival::Cron { .. } => "cron",
            Arrival::Burst { .. } => "burst",
            Arrival::Constant { .. } => "poisson",
            Arrival::Profile { .. } => "profile",
        }
    }

    /// The arrival's comment and `arrival = …` line of a group of `runs`.
    pub(super) fn toml(&self, runs: u64) -> String {
        match self {
            Arrival::Cron {
                schedule,
                tasks,
                firings,
                sizes,
                strays,
                timer,
            } => {
                let per_firing = match sizes {
                    (lo, hi) if lo == hi => lo.to_string(),
                    (lo, hi) => format!("{lo} to {hi}"),
                };
                let mut text = format!(
                    "# {runs} runs in {firings} firings of {per_firing} runs at a recurring time{}",
                    if *timer { " (timer-triggered)" } else { "" }
                );
                if *strays > 0 {
                    let _ = write!(text, "; {strays} runs off the schedule are left out");
                }
                // No jitter: a firing's runs are created within seconds of
                // each other, which moves waits of minutes by nothing.
                // A timer fires on UTC whatever the team's clock: the
                // schedule keeps UTC if the scenario's zone changes.
                let zone = if *timer { ", timezone = \"UTC\"" } else { "" };
                let _ = write!(
                    text,
                    "\narrival = {{ process = \"cron\", schedule = \"{schedule}\", tasks = {tasks}{zone} }}\n"
                );
                text
            }
            Arrival::Burst { rate_per_h, sizes } => {
                let values: Vec<String> = sizes.iter().map(u32::to_string).collect();
                format!(
                    "# {runs} runs in batches created in the same minute, at no fixed time\narrival = {{ process = \"burst\", rate = \"{rate_per_h:.6}/h\", size = {{ dist = \"empirical\", values = [{}] }} }}\n",
                    values.join(", ")
                )
            }
            Arrival::Constant { rate_per_h } => format!(
                "# {runs} runs over less than a day: a constant rate (CHECK: no profile by hour of the day)\narrival = {{ process = \"poisson\", rate = \"{rate_per_h:.6}/h\" }}\n"
            ),
            Arrival::Profile {
                rate_per_h,
                hourly,
                weekly,
            } => format!(
                "# {runs} runs; arrival profile fitted by hour of week (Poisson log-linear maximum likelihood)\narrival = {{ process = \"profile\", rate = \"{rate_per_h:.6}/h\", hourly = {}, weekly = {} }}\n",
                list(hourly),
                list(weekly)
            ),
        }
    }
}

/// The export's window: the first and last creation times.
#[derive(Debug, Clone, Copy)]
pub(super) struct Window {
    /// First creation time.
    pub first: DateTime<Utc>,
    /// Last creation time.
    pub last: DateTime<Utc>,
    /// Whether the export carries timer triggers at all.
    pub has_timers: bool,
    /// The clock of profiles and of schedules without timer triggers.
    pub zone: Tz,
}

/// Whether most runs of `g` name a timer-trigger occurrence.
pub(super) fn timer_triggered(g: &Group) -> bool {
    g.timer_runs as f64 >= MOST * g.runs as f64
}

/// The arrival process of `g`.
pub(super) fn fit_arrival(g: &Group, window: Window) -> Arrival {
    // Timer triggers are evidence both ways: a task the export shows as
    // timer-triggered is read as a schedule, and in an export that has
    // timer triggers a task without them is not one, whatever its timing.
    let timer = timer_triggered(g);
    // A timer's occurrences are read on UTC, other runs on the team's clock.
    let zone = if timer { Tz::UTC } else { window.zone };
    let on_clock: BTreeMap<i64, u32> = if zone == Tz::UTC {
        g.firings.clone()
    } else {
        let mut local = BTreeMap::new();
        for (minute, n) in &g.firings {
            let at = DateTime::from_timestamp(minute * 60, 0).unwrap_or(window.first);
            *local.entry(wall_minute(at, zone)).or_default() += n;
        }
        local
    };
    let bounds = (
        wall_minute(window.first, zone),
        wall_minute(window.last, zone),
    );
    if (timer || !window.has_timers)
        && let Some(cron) = cron_of(&on_clock, g.runs, bounds, timer)
    {
        return cron;
    }
    let exposure = hour_of_week_exposure(window.first, window.last, window.zone);
    burst_of(&g.firings, exposure.iter().sum()).unwrap_or_else(|| {
        let (rate_per_h, hourly, weekly) = fit_profile(&g.by_hour_of_week, &exposure);
        Arrival::Profile {
            rate_per_h,
            hourly: hourly.to_vec(),
            weekly: weekly.to_vec(),
        }
    })
}

/// A cron field for a set of values: `*` when it holds every value in
/// `all`, else a list in which three or more consecutive values are a range
/// (`1-5`, `0,30`, `8-12,14`).
fn cron_field(values: &BTreeSet<i64>, all: std::ops::RangeInclusive<i64>) -> String {
    if all.clone().all(|v| values.contains(&v)) {
        return "*".into();
    }
    let mut parts = Vec::new();
    let mut it = values.iter().copied().peekable();
    while let Some(lo) = it.next() {
        let mut hi = lo;
        while it.peek() == Some(&(hi + 1)) {
            hi = it.next().unwrap_or(hi);
        }
        match hi - lo {
            0 => parts.push(lo.to_string()),
            1 => parts.push(format!("{lo},{hi}")),
            _ => parts.push(format!("{lo}-{hi}")),
        }
    }
    parts.join(",")
}

/// Cron's day of week (0 = Sunday) of a day since the Unix epoch (a Thursday).
fn cron_weekday(day: i64) -> i64 {
    (day + 4).rem_euclid(7)
}

/// A schedule fitting `firings`, when the runs fire at recurring minutes of
/// the day: minutes seen on two or more days that hold most runs, few and
/// forming a grid of minutes × hours that one cron line can express. Weekdays
/// on which the export never saw it fire are left out of the schedule.
fn cron_of(
    firings: &BTreeMap<i64, u32>,
    runs: u64,
    (first, last): (i64, i64),
    timer: bool,
) -> Option<Arrival> {
    let mut days_by_slot: BTreeMap<i64, BTreeSet<i64>> = BTreeMap::new();
    for minute in firings.keys() {
        days_by_slot
            .entry(minute.rem_euclid(DAY_MIN))
            .or_default()
            .insert(minute.div_euclid(DAY_MIN));
    }
    days_by_slot.retain(|_, days| days.len() >= 2);
    let on: Vec<(&i64, &u32)> = firings
        .iter()
        .filter(|(m, _)| days_by_slot.contains_key(&m.rem_euclid(DAY_MIN)))
        .collect();
    let scheduled: u64 = on.iter().map(|(_, n)| u64::from(**n)).sum();
    if days_by_slot.is_empty()
        || days_by_slot.len() > MAX_SLOTS
        || (scheduled as f64) < MOST * runs as f64
    {
        return None;
    }
    let minutes: BTreeSet<i64> = days_by_slot.keys().map(|s| s % 60).collect();
    let hours: BTreeSet<i64> = days_by_slot.keys().map(|s| s / 60).collect();
    if minutes.len() * hours.len() != days_by_slot.len() {
        return None;
    }
    let fired_days: BTreeSet<i64> = on.iter().map(|(m, _)| m.div_euclid(DAY_MIN)).collect();
    let fired: BTreeSet<i64> = fired_days.iter().map(|d| cron_weekday(*d)).collect();
    // A weekday counts as observed when one of the schedule's times on it
    // falls inside the export; only then does "never fired" mean something.
    let observed: BTreeSet<i64> = (first.div_euclid(DAY_MIN)..=last.div_euclid(DAY_MIN))
        .filter(|d| {
            days_by_slot
                .keys()
                .any(|s| (first..=last).contains(&(d * DAY_MIN + s)))
        })
        .map(cron_weekday)
        .collect();
    let weekdays = if observed.is_subset(&fired) {
        "*".into()
    } else {
        cron_field(&fired, 0..=6)
    };
    let sizes = on.iter().map(|(_, n)| **n);
    Some(Arrival::Cron {
        schedule: format!(
            "{} {} * * {weekdays}",
            cron_field(&minutes, 0..=59),
            cron_field(&hours, 0..=23)
        ),
        tasks: ((scheduled as f64 / on.len() as f64).round() as u32).max(1),
        firings: on.len(),
        sizes: (sizes.clone().min().unwrap_or(1), sizes.max().unwrap_or(1)),
        strays: runs - scheduled,
        timer,
    })
}

/// Batches, when runs clump into far fewer minutes than a Poisson process
/// with the same count in each hour would fill (`60·(1 − e^(−n/60))` of an
/// hour's minutes for `n` runs), and come two or more at a time.
fn burst_of(firings: &BTreeMap<i64, u32>, exposure_h: f64) -> Option<Arrival> {
    let mut by_hour: BTreeMap<i64, f64> = BTreeMap::new();
    for (minute, n) in firings {
        *by_hour.entry(minute.div_euclid(60)).or_default() += f64::from(*n);
    }
    let poisson_minutes: f64 = by_hour
        .values()
        .map(|n| 60.0 * (1.0 - (-n / 60.0).exp()))
        .sum();
    let runs: f64 = by_hour.values().sum();
    let batches = firings.len();
    if batches < 2 || runs < 2.0 * batches as f64 || batches as f64 > CLUMPED * poisson_minutes {
        return None;
    }
    let mut sizes: Vec<u32> = firings.values().copied().collect();
    sizes.sort_unstable();
    if sizes.len() > MAX_SIZES {
        let n = sizes.len();
        sizes = (0..MAX_SIZES)
            .map(|i| sizes[(2 * i + 1) * n / (2 * MAX_SIZES)])
            .collect();
    }
    Some(Arrival::Burst {
        rate_per_h: batches as f64 / exposure_h.max(1.0),
        sizes,
    })
}

/// Hours of each hour-of-week slot (on the clock of `zone`) covered by
/// the export, taken as the whole hours from the first run's to the last
/// run's: an export ends at a run, and counting only the seconds up to it
/// would make a batch of runs at the last hour's start look like an
/// enormous rate. Counted by quarter hours, the step of every zone's
/// offset, so that an hour a daylight-saving change repeats counts twice
/// and one it skips not at all.
pub(super) fn hour_of_week_exposure(
    first: DateTime<Utc>,
    last: DateTime<Utc>,
    zone: Tz,
) -> Vec<f64> {
    let mut exposure = vec![0.0; WEEK_H];
    let quarter = TimeDelta::minutes(15);
    // The start of the wall-clock hour an instant is in.
    let hour_start = |t: DateTime<Utc>| {
        let minute = t.timestamp().div_euclid(60) - wall_minute(t, zone).rem_euclid(60);
        DateTime::from_timestamp(minute * 60, 0).unwrap_or(t)
    };
    let end = hour_start(last) + TimeDelta::hours(1);
    let mut t = hour_start(first);
    while t < end {
        exposure[hour_of_week(t, zone)] += 0.25;
        t += quarter;
    }
    exposure
}

/// Fits `rate × hourly[h] × weekly[d]` to counts by hour of week with the
/// given exposure (hours observed per slot), by iterative proportional
/// fitting, the maximum-likelihood estimate of a Poisson log-linear model.
/// Multipliers are scaled so that each has a maximum of 1.
fn fit_profile(counts: &[f64], exposure: &[f64]) -> (f64, [f64; 24], [f64; 7]) {
    let (mut hourly, mut weekly) = ([1.0f64; 24], [1.0f64; 7]);
    let slot = |d: usize, h: usize| d * 24 + h;
    for _ in 0..100 {
        for (h, m) in hourly.iter_mut().enumerate() {
            let n: f64 = (0..7).map(|d| counts[slot(d, h)]).sum();
            let e: f64 = (0..7).map(|d| weekly[d] * exposure[slot(d, h)]).sum();
            *m = if e > 0.0 { n / e } else { 0.0 };
        }
        for (d, m) in weekly.iter_mut().enumerate() {
            let n: f64 = (0..24).map(|h| counts[slot(d, h)]).sum();
            let e: f64 = (0..24).map(|h| hourly[h] * exposure[slot(d, h)]).sum();
            *m = if e > 0.0 { n / e } else { 0.0 };
        }
    }
    // An hour or weekday the export never covered has no evidence either
    // way: give it the mean of the observed ones rather than zero.
    let covered_h: [bool; 24] = std::array::from_fn(|h| (0..7).any(|d| exposure[slot(d, h)] > 0.0));
    let covered_d: [bool; 7] = std::array::from_fn(|d| (0..24).any(|h| exposure[slot(d, h)] > 0.0));
    fill_uncovered(&mut hourly, &covered_h);
    fill_uncovered(&mut weekly, &covered_d);
    let hmax = hourly.iter().copied().fold(0.0, f64::max);
    let wmax = weekly.iter().copied().fold(0.0, f64::max);
    let rate = hmax * wmax;
    (
        rate,
        hourly.map(|x| x / hmax.max(f64::MIN_POSITIVE)),
        weekly.map(|x| x / wmax.max(f64::MIN_POSITIVE)),
    )
}

fn fill_uncovered(m: &mut [f64], covered: &[bool]) {
    let seen: Vec<f64> = m
        .iter()
        .zip(covered)
        .filter(|(_, c)| **c)
        .map(|(x, _)| *x)
        .collect();
    let mean = seen.iter().sum::<f64>() / seen.len().max(1) as f64;
    for (x, c) in m.iter_mut().zip(covered) {
        if !c {
            *x = mean;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2025-03-03 (a Monday) at `h:m`, plus `day` days and `s` seconds.
    fn at(day: i64, h: i64, m: i64, s: i64) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2025-03-03T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
            + TimeDelta::seconds(day * 86_400 + h * 3600 + m * 60 + s)
    }

    fn group(created: &[DateTime<Utc>]) -> Group {
        let mut g = Group::default();
        for c in created {
            g.runs += 1;
            *g.firings.entry(c.timestamp().div_euclid(60)).or_default() += 1;
        }
        g.by_hour_of_week = vec![0.0; WEEK_H];
        g
    }

    fn window(first: DateTime<Utc>, last: DateTime<Utc>) -> Window {
        Window {
            first,
            last,
            has_timers: false,
            zone: Tz::UTC,
        }
    }

    #[test]
    fn runs_starting_together_nightly_become_a_cron() {
        let runs: Vec<_> = (0..7)
            .flat_map(|d| (0..12).map(move |k| at(d, 21, 0, k % 3)))
            .collect();
        let a = fit_arrival(&group(&runs), window(at(0, 1, 0, 0), at(6, 23, 0, 0)));
        let Arrival::Cron {
            schedule, tasks, ..
        } = a
        else {
            panic!("{a:?}")
        };
        assert_eq!((schedule.as_str(), tasks), ("0 21 * * *", 12));
    }

    #[test]
    fn weekday_only_runs_keep_their_weekdays() {
        // Two weeks of a single 06:30 run on Monday to Friday.
        let runs: Vec<_> = (0..14)
            .filter(|d| d % 7 < 5)
            .map(|d| at(d, 6, 30, 0))
            .collect();
        let a = fit_arrival(&group(&runs), window(at(0, 0, 0, 0), at(13, 23, 0, 0)));
        assert!(
            matches!(&a, Arrival::Cron { schedule, tasks: 1, .. } if schedule == "30 6 * * 1-5"),
            "{a:?}"
        );
    }

    #[test]
    fn a_weekly_firing_becomes_a_cron_on_its_weekday() {
        // Four runs at 03:00 on three Sundays (2025-03-09 is one).
        let runs: Vec<_> = (0..3)
            .flat_map(|w| (0..4).map(move |_| at(6 + 7 * w, 3, 0, 0)))
            .collect();
        let a = fit_arrival(&group(&runs), window(at(0, 0, 0, 0), at(20, 23, 0, 0)));
        assert!(
            matches!(&a, Arrival::Cron { schedule, tasks: 4, .. } if schedule == "0 3 * * 0"),
            "{a:?}"
        );
    }

    #[test]
    fn batches_at_random_times_become_a_burst() {
        // Eight runs at once, at a different minute every day.
        let runs: Vec<_> = (0..7)
            .flat_map(|d| (0..8).map(move |_| at(d, 9 + d, 7 * d, 0)))
            .collect();
        let a = fit_arrival(&group(&runs), window(at(0, 0, 0, 0), at(6, 23, 0, 0)));
        assert!(
            matches!(&a, Arrival::Burst { sizes, .. } if sizes == &[8; 7]),
            "{a:?}"
        );
    }

    #[test]
    fn spread_out_runs_stay_a_profile() {
        // One run every 7 minutes and 13 seconds for a week: busy, never together.
        let runs: Vec<_> = (0..1400).map(|k| at(0, 0, 0, k * 433)).collect();
        let a = fit_arrival(&group(&runs), window(runs[0], runs[1399]));
        assert!(matches!(a, Arrival::Profile { .. }), "{a:?}");
    }

    #[test]
    fn timer_triggers_in_the_export_veto_untriggered_schedules() {
        let runs: Vec<_> = (0..7).map(|d| at(d, 21, 0, 0)).collect();
        let mut w = window(at(0, 1, 0, 0), at(6, 23, 0, 0));
        w.has_timers = true;
        assert!(matches!(
            fit_arrival(&group(&runs), w),
            Arrival::Profile { .. }
        ));
    }

    #[test]
    fn profile_fit_recovers_a_product_rate() {
        // Two weeks of exposure, counts exactly rate x hourly x weekly x 2.
        let exposure = vec![2.0; WEEK_H];
        let hourly: [f64; 24] =
            std::array::from_fn(|h| if (9..17).contains(&h) { 1.0 } else { 0.25 });
        let weekly = [1.0, 1.0, 1.0, 1.0, 0.5, 0.1, 0.1];
        let counts: Vec<f64> = (0..WEEK_H)
            .map(|s| 12.0 * hourly[s % 24] * weekly[s / 24] * 2.0)
            .collect();
        let (rate, h, w) = fit_profile(&counts, &exposure);
        assert!((rate - 12.0).abs() < 1e-9, "rate {rate}");
        assert!(h.iter().zip(hourly).all(|(a, b)| (a - b).abs() < 1e-9));
        assert!(w.iter().zip(weekly).all(|(a, b)| (a - b).abs() < 1e-9));
    }
}
