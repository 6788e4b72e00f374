//! Validation of arrival processes (`arrival`): the process, its keys, its
//! rates and multipliers, cron schedules and trace files.

use super::batch::{MAX_BATCH, batch_size};
use super::cron::cron_firing_in;
use super::keys::{at, only};
use super::raw::{RawArrival, S};
use super::trace::load_trace;
use super::validate::{Ctx, MAX_NUMBER, time_zone};
use super::workload::PoolsEnv;
use crate::model::Calendar;
use crate::text::parse_rate;
use crate::units::{Rate, SimDuration, SimTime};
use crate::workload::ArrivalProcess;
use chrono::Utc;

/// Multipliers of the `workday` profile preset, by hour of the wall clock: quiet nights,
/// a ramp from 07:00, full from 09:00 to 17:00 with a lunch dip, and a tail
/// into the evening; weekends at a tenth of a weekday.
const WORKDAY_HOURLY: [f64; 24] = [
    0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.3, 0.7, 1.0, 1.0, 1.0, 0.7, 1.0, 1.0, 1.0, 1.0,
    0.7, 0.3, 0.1, 0.05, 0.05, 0.05, 0.05,
];
const WORKDAY_WEEKLY: [f64; 7] = [1.0, 1.0, 1.0, 1.0, 1.0, 0.1, 0.1];

fn required_rate(
    cx: &mut Ctx,
    a: &S<RawArrival>,
    key: &str,
    process: &str,
    scale: f64,
) -> Option<Rate> {
    let Some(rate) = &a.get_ref().rate else {
        cx.issue(
            Some(a),
            &format!("{key}.rate"),
            format!("a {process} arrival needs a rate, e.g. rate = \"30/h\""),
        );
        return None;
    };
    parse_rate(rate.get_ref())
        .map(|r| r.scaled(scale))
        .map_err(|e| cx.issue(Some(rate), &format!("{key}.rate"), e))
        .ok()
}

/// A profile's rate from its daily volume: `daily = "300/d"` means 300
/// runs on a day whose weekly multiplier is 1, spread by the hourly shape
/// (the rate is the volume over the sum of the hourly multipliers).
fn daily_rate(
    cx: &mut Ctx,
    daily: &S<String>,
    key: &str,
    hourly: Option<&[f64; 24]>,
    scale: f64,
) -> Option<Rate> {
    let per_day = parse_rate(daily.get_ref())
        .map_err(|e| cx.issue(Some(daily), key, e))
        .ok()?
        .as_per_hour()
        * 24.0;
    let hours: f64 = hourly?.iter().sum();
    if hours <= 0.0 {
        cx.issue(
            Some(daily),
            key,
            "daily needs some hour with a multiplier above 0 in hourly",
        );
        return None;
    }
    Some(Rate::per_second(per_day / hours / 3600.0).scaled(scale))
}

/// Arrivals per second above which a scenario is refused: a thousandth of a
/// second between runs is far beyond any registry, and keeps simulated time
/// moving in microsecond ticks.
const MAX_RATE_PER_S: f64 = 1000.0;

/// The highest instantaneous rate of `process`, where it has one.
fn peak_per_second(process: &ArrivalProcess) -> Option<f64> {
    let max = |xs: &[f64]| xs.iter().copied().fold(0.0, f64::max);
    match process {
        ArrivalProcess::Poisson { rate } | ArrivalProcess::Burst { rate, .. } => {
            Some(rate.as_per_second())
        }
        ArrivalProcess::Profile {
            rate,
            hourly,
            weekly,
            ..
        } => Some(rate.as_per_second() * max(&hourly[..]) * max(&weekly[..])),
        ArrivalProcess::Cron { .. } | ArrivalProcess::Trace { .. } => None,
    }
}

/// `len` non-negative multipliers, not all zero.
fn multipliers<const N: usize>(
    cx: &mut Ctx,
    v: &Option<S<Vec<f64>>>,
    key: &str,
    default: [f64; N],
) -> Option<[f64; N]> {
    let Some(v) = v else { return Some(default) };
    let xs = v.get_ref();
    let what = if N == 24 {
        "hour of the day, 00 to 23 on the [simulation] timezone clock"
    } else {
        "weekday, Monday first"
    };
    let Ok(arr) = <[f64; N]>::try_from(xs.as_slice()) else {
        cx.issue(
            Some(v),
            key,
            format!("needs exactly {N} values, one per {what}; got {}", xs.len()),
        );
        return None;
    };
    if arr
        .iter()
        .any(|x| !(x.is_finite() && (0.0..=MAX_NUMBER).contains(x)))
    {
        cx.issue(
            Some(v),
            key,
            format!("multipliers must be numbers from 0 to {MAX_NUMBER:e}"),
        );
        return None;
    }
    if arr.iter().all(|x| *x == 0.0) {
        cx.issue(
            Some(v),
            key,
            "all multipliers are zero, so nothing would ever arrive",
        );
        return None;
    }
    Some(arr)
}

/// The arrival process of the workload at `key`, its rates multiplied by
/// `scale` (`rate_scale`).
pub(super) fn arrival(
    cx: &mut Ctx,
    raw: &S<RawArrival>,
    key: &str,
    scale: f64,
    env: &PoolsEnv,
) -> Option<ArrivalProcess> {
    let key = format!("{key}.arrival");
    let arrival = process(cx, raw, &key, scale, env)?;
    if let Some(peak) = peak_per_second(&arrival).filter(|p| *p > MAX_RATE_PER_S) {
        cx.issue(Some(raw), &key, format!(
            "peaks at {peak:.3e} runs per second (rate_scale included), above the limit of {MAX_RATE_PER_S}; lower the rate"
        ));
    }
    Some(arrival)
}

/// The process `raw` describes, its keys checked against the process.
fn process(
    cx: &mut Ctx,
    raw: &S<RawArrival>,
    key: &str,
    scale: f64,
    env: &PoolsEnv,
) -> Option<ArrivalProcess> {
    let a = raw.get_ref();
    let process = a.process.get_ref().as_str();
    let present = [
        ("rate", at(&a.rate)),
        ("hourly", at(&a.hourly)),
        ("weekly", at(&a.weekly)),
        ("preset", at(&a.preset)),
        ("daily", at(&a.daily)),
        ("schedule", at(&a.schedule)),
        ("tasks", at(&a.tasks)),
        ("jitter", at(&a.jitter)),
        ("timezone", at(&a.timezone)),
        ("size", at(&a.size)),
        ("file", at(&a.file)),
        ("task", at(&a.task)),
    ];
    let allowed: &[&str] =
        match process {
            "poisson" => &["rate"],
            "profile" => &["rate", "daily", "hourly", "weekly", "preset"],
            "cron" => &["schedule", "tasks", "jitter", "timezone"],
            "burst" => &["rate", "size"],
            "trace" => &["file", "task"],
            other => {
                cx.issue(Some(&a.process), &format!("{key}.process"), format!(
                "unknown arrival process {other:?}; use poisson, profile, cron, burst or trace"
            ));
                return None;
            }
        };
    only(cx, key, &format!("a {process} arrival"), &present, allowed);
    match process {
        "poisson" => Some(ArrivalProcess::Poisson {
            rate: required_rate(cx, raw, key, process, scale)?,
        }),
        "profile" => profile(cx, raw, key, scale, env),
        "cron" => cron(cx, raw, key, scale, env),
        "burst" => {
            let rate = required_rate(cx, raw, key, process, scale);
            let size = match &a.size {
                Some(s) => batch_size(cx, s, &format!("{key}.size")),
                None => {
                    cx.issue(Some(raw), &format!("{key}.size"), "a burst arrival needs a batch size, e.g. size = { dist = \"uniform\", min = 5, max = 20 }");
                    None
                }
            };
            Some(ArrivalProcess::Burst {
                rate: rate?,
                size: size?,
            })
        }
        _ => {
            let Some(file) = &a.file else {
                cx.issue(
                    Some(raw),
                    &format!("{key}.file"),
                    "a trace arrival needs a file, e.g. file = \"runs.json\"",
                );
                return None;
            };
            let trace = load_trace(cx, file, a.task.as_ref(), key, env)?;
            Some(ArrivalProcess::Trace { trace, scale })
        }
    }
}

/// A `process = "profile"` arrival: the peak rate (or the runs of a day)
/// shaped by hourly and weekly multipliers, from a preset or given.
fn profile(
    cx: &mut Ctx,
    raw: &S<RawArrival>,
    key: &str,
    scale: f64,
    env: &PoolsEnv,
) -> Option<ArrivalProcess> {
    let a = raw.get_ref();
    let process = "profile";
    let (mut hourly, mut weekly) = ([1.0; 24], [1.0; 7]);
    if let Some(p) = &a.preset {
        match p.get_ref().as_str() {
            "workday" => (hourly, weekly) = (WORKDAY_HOURLY, WORKDAY_WEEKLY),
            "flat" => {}
            other => cx.issue(
                Some(p),
                &format!("{key}.preset"),
                format!(
                    "unknown preset {other:?}; use \"workday\" (09-17 on weekdays) or \"flat\""
                ),
            ),
        }
    }
    let hourly = multipliers(cx, &a.hourly, &format!("{key}.hourly"), hourly);
    let weekly = multipliers(cx, &a.weekly, &format!("{key}.weekly"), weekly);
    let rate = match (&a.daily, &a.rate) {
        (Some(d), Some(_)) => {
            cx.issue(
                Some(d),
                &format!("{key}.daily"),
                "give either rate (the peak rate) or daily (the runs of a day), not both",
            );
            None
        }
        (Some(d), None) => daily_rate(cx, d, &format!("{key}.daily"), hourly.as_ref(), scale),
        (None, _) => required_rate(cx, raw, key, process, scale),
    };
    Some(ArrivalProcess::Profile {
        rate: rate?,
        hourly: Box::new(hourly?),
        weekly: Box::new(weekly?),
        calendar: env.calendar,
    })
}

/// The most cron firings whose runs may be pending at once (a jitter longer
/// than the gap between firings makes them overlap): each costs a few words
/// in the arrival stream, so this bounds its memory to tens of megabytes.
const MAX_OVERLAPPING_FIRINGS: f64 = 1e6;

/// A cron arrival: its schedule must fire (see `cron_firing_in`), and its
/// jitter may overlap later firings up to a bound.
fn cron(
    cx: &mut Ctx,
    raw: &S<RawArrival>,
    key: &str,
    scale: f64,
    env: &PoolsEnv,
) -> Option<ArrivalProcess> {
    let a = raw.get_ref();
    let Some(text) = &a.schedule else {
        cx.issue(
            Some(raw),
            &format!("{key}.schedule"),
            "a cron arrival needs a schedule, e.g. schedule = \"0 21 * * *\"",
        );
        return None;
    };
    let tasks = cx.number(
        a.tasks.as_ref(),
        &format!("{key}.tasks"),
        (1.0, f64::from(MAX_BATCH)),
        1.0,
    );
    if tasks.fract() != 0.0 {
        cx.issue(
            a.tasks.as_ref(),
            &format!("{key}.tasks"),
            "must be a whole number of runs per firing",
        );
    }
    let jitter = match &a.jitter {
        Some(j) => cx.duration(j, &format!("{key}.jitter"), true),
        None => Some(SimDuration::ZERO),
    };
    // Its own clock when it names one (an ACR timer fires on UTC whatever
    // the team's clock), else the scenario's.
    let calendar = match &a.timezone {
        None => env.calendar,
        Some(name) => Calendar::new(
            env.calendar.start().with_timezone(&Utc),
            time_zone(cx, name, &format!("{key}.timezone"))?,
        ),
    };
    let start = calendar.start();
    let end = calendar.datetime(SimTime(env.horizon.0));
    let schedule = cron_firing_in(
        cx,
        text,
        &format!("{key}.schedule"),
        (start, end),
        "this workload brings no runs",
    )?;
    let process = ArrivalProcess::Cron {
        schedule: Box::new(schedule),
        tasks: tasks * scale,
        jitter: jitter?,
        calendar,
    };
    // A jitter longer than the gap between firings is fine (the stream
    // merges the firings' runs in time order), but every overlapping
    // firing is held until its last run arrives.
    let firings = process.expected_runs(env.horizon) / (tasks * scale);
    let spread = jitter?.min(env.horizon).as_secs_f64() / env.horizon.as_secs_f64().max(1.0);
    let overlapping = firings * spread;
    if overlapping > MAX_OVERLAPPING_FIRINGS {
        cx.issue(a.jitter.as_ref(), &format!("{key}.jitter"), format!(
            "a jitter of {:?} spreads each firing's runs over about {overlapping:.2e} later firings, more than the {MAX_OVERLAPPING_FIRINGS:e} that may be pending at once; shorten the jitter or fire less often",
            a.jitter.as_ref().map_or("", |j| j.get_ref().as_str())
        ));
    }
    Some(process)
}
