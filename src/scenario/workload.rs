//! Validation of `[[workload]]` tables: the target, the arrival process and
//! the run-time distribution.

use std::path::Path;

use super::raw::{Quantity, RawArrival, RawDist, RawPool, RawWorkload, S};
use super::trace::load_trace;
use super::validate::{Ctx, DEFAULT_COMPUTE};
use crate::model::{PoolId, PoolSpec, Target, Tier};
use crate::text::{parse_cron, parse_duration, parse_rate};
use crate::units::SimDuration;
use crate::workload::{
    ArrivalProcess, BatchSize, Calendar, DEFAULT_TIMEOUT, DurationDist, MAX_TIMEOUT, MIN_TIMEOUT,
    WorkloadSpec,
};

/// What a workload's validation needs to know of the rest of the scenario.
pub(super) struct PoolsEnv<'a> {
    /// The raw pools, to resolve names.
    pub raw: &'a [RawPool],
    /// The validated pools (`None` where a pool is invalid).
    pub valid: &'a [Option<PoolSpec>],
    /// The simulation calendar.
    pub calendar: Calendar,
    /// The simulated span.
    pub horizon: SimDuration,
}

/// Multipliers of the `workday` profile preset, by hour (UTC): quiet nights,
/// a ramp from 07:00, full from 09:00 to 17:00 with a lunch dip, and a tail
/// into the evening; weekends at a tenth of a weekday.
const WORKDAY_HOURLY: [f64; 24] = [
    0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.3, 0.7, 1.0, 1.0, 1.0, 0.7, 1.0, 1.0, 1.0, 1.0,
    0.7, 0.3, 0.1, 0.05, 0.05, 0.05, 0.05,
];
const WORKDAY_WEEKLY: [f64; 7] = [1.0, 1.0, 1.0, 1.0, 1.0, 0.1, 0.1];

/// The shortest time between two firings of `schedule` in its first four
/// weeks (at most 10,000 firings looked at).
fn shortest_gap(schedule: &croner::Cron, calendar: Calendar) -> Option<SimDuration> {
    let start = calendar.start();
    let times: Vec<_> = schedule
        .iter_from(start, croner::Direction::Forward)
        .take_while(|t| *t < start + chrono::TimeDelta::days(28))
        .take(10_000)
        .collect();
    times
        .windows(2)
        .map(|w| SimDuration::from_secs_f64((w[1] - w[0]).as_seconds_f64()))
        .min()
}

/// Byte offset of an optional spanned value.
fn at<T>(v: &Option<S<T>>) -> Option<usize> {
    v.as_ref().map(|s| s.span().start)
}

/// Flags every present key that `allowed` does not list.
fn only(cx: &mut Ctx, key: &str, what: &str, present: &[(&str, Option<usize>)], allowed: &[&str]) {
    for (name, offset) in present {
        if offset.is_some() && !allowed.contains(name) {
            cx.issue_at(
                *offset,
                &format!("{key}.{name}"),
                format!(
                    "`{name}` does not apply to {what}, which takes {{{}}}; remove it",
                    allowed.join(", ")
                ),
            );
        }
    }
}

pub(super) fn workload(cx: &mut Ctx, raw: &RawWorkload, env: &PoolsEnv) -> Option<WorkloadSpec> {
    let key = format!("workload.{}", raw.name.get_ref());
    let pool_name = raw.pool.get_ref();
    let target = if pool_name == DEFAULT_COMPUTE {
        Some(Target::DefaultCompute)
    } else if let Some(i) = env.raw.iter().position(|p| p.name.get_ref() == pool_name) {
        Some(Target::Pool(PoolId(i as u32)))
    } else {
        let known: Vec<&str> = env.raw.iter().map(|p| p.name.get_ref().as_str()).collect();
        cx.issue(Some(&raw.pool), &format!("{key}.pool"), format!(
            "no pool is named {pool_name:?}; use one of [{}] or \"default\" for the default compute environment",
            known.join(", ")
        ));
        None
    };
    let pool_spec = match target {
        Some(Target::Pool(id)) => env.valid[id.0 as usize].as_ref(),
        _ => None,
    };
    let rate_scale = cx.positive(raw.rate_scale.as_ref(), &format!("{key}.rate_scale"), 1.0);
    let arrival = arrival(cx, &raw.arrival, &key, rate_scale, env);
    if let Some(peak) = arrival
        .as_ref()
        .and_then(peak_per_second)
        .filter(|p| *p > MAX_RATE_PER_S)
    {
        cx.issue(Some(&raw.arrival), &format!("{key}.arrival"), format!(
            "peaks at {peak:.3e} runs per second (rate_scale included), above the limit of {MAX_RATE_PER_S}; lower the rate"
        ));
    }
    let duration = match (&arrival, &raw.duration) {
        (Some(ArrivalProcess::Trace { trace, .. }), d) => {
            if let Some(d) = d {
                cx.issue(
                    Some(d),
                    &format!("{key}.duration"),
                    "a trace brings its own run times; remove duration",
                );
            }
            let secs = trace
                .runs()
                .iter()
                .filter_map(|r| r.duration)
                .map(SimDuration::as_secs_f64);
            // Zero-length recorded runs are real but give the empirical
            // distribution nothing to stand on; they replay as recorded.
            let positive: Vec<f64> = secs.filter(|s| *s > 0.0).collect();
            if positive.is_empty() {
                cx.issue(Some(&raw.arrival), &format!("{key}.arrival.file"), "every recorded run time in the trace is zero; a trace needs runs with a start and a later finish");
            }
            DurationDist::empirical(positive).ok()
        }
        (_, Some(d)) => duration_dist(
            cx,
            d,
            &format!("{key}.duration"),
            cx.base_dir.to_path_buf().as_path(),
        ),
        (None, None) => None,
        (Some(_), None) => {
            cx.issue::<()>(None, &format!("{key}.duration"), format!(
                "workload {:?} has no duration; add e.g. duration = {{ dist = \"lognormal\", median = \"3m\", p95 = \"20m\" }}",
                raw.name.get_ref()
            ));
            None
        }
    };
    let ref_cpu = cx.positive(raw.ref_cpu.as_ref(), &format!("{key}.ref_cpu"), 2.0);
    let parallel_fraction = cx.number(
        raw.parallel_fraction.as_ref(),
        &format!("{key}.parallel_fraction"),
        (0.0, 1.0),
        0.0,
    );
    let recorded_cpu = raw
        .recorded_cpu
        .as_ref()
        .map(|c| cx.integer(Some(c), &format!("{key}.recorded_cpu"), (1, 1024), 2) as u32);
    let memory_gb = raw
        .memory_gb
        .as_ref()
        .map(|m| cx.positive(Some(m), &format!("{key}.memory_gb"), 0.0));
    if let (Some(mem), Some(pool)) = (memory_gb, pool_spec)
        && mem > pool.tier.memory_gb()
    {
        let fits: Vec<&str> = Tier::ALL
            .iter()
            .filter(|t| t.memory_gb() >= mem)
            .map(|t| t.name())
            .collect();
        cx.issue(raw.memory_gb.as_ref(), &format!("{key}.memory_gb"), format!(
            "a run needs {mem} GB but pool {:?} is {} with {} GB; use a pool of tier {} or lower memory_gb",
            pool.name, pool.tier, pool.tier.memory_gb(), fits.join(" or ")
        ));
    }
    let timeout = cx.opt_duration(
        raw.timeout.as_ref(),
        &format!("{key}.timeout"),
        DEFAULT_TIMEOUT,
    );
    if let Some(t) = timeout.filter(|t| !(MIN_TIMEOUT..=MAX_TIMEOUT).contains(t)) {
        cx.issue(
            raw.timeout.as_ref(),
            &format!("{key}.timeout"),
            format!("the service accepts run timeouts from \"5m\" to \"8h\", got {t}"),
        );
    }
    Some(WorkloadSpec {
        name: raw.name.get_ref().clone(),
        target: target?,
        arrival: arrival?,
        duration: duration?,
        ref_cpu,
        parallel_fraction,
        memory_gb,
        timeout: timeout?,
        recorded_cpu,
    })
}

fn required_rate(
    cx: &mut Ctx,
    a: &S<RawArrival>,
    key: &str,
    process: &str,
    scale: f64,
) -> Option<crate::units::Rate> {
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
        "hour of the day, 00 to 23 UTC"
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
    if arr.iter().any(|x| !(x.is_finite() && *x >= 0.0)) {
        cx.issue(Some(v), key, "multipliers must be finite and not negative");
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

fn arrival(
    cx: &mut Ctx,
    raw: &S<RawArrival>,
    key: &str,
    scale: f64,
    env: &PoolsEnv,
) -> Option<ArrivalProcess> {
    let a = raw.get_ref();
    let key = format!("{key}.arrival");
    let process = a.process.get_ref().as_str();
    let present = [
        ("rate", at(&a.rate)),
        ("hourly", at(&a.hourly)),
        ("weekly", at(&a.weekly)),
        ("preset", at(&a.preset)),
        ("schedule", at(&a.schedule)),
        ("tasks", at(&a.tasks)),
        ("jitter", at(&a.jitter)),
        ("size", at(&a.size)),
        ("file", at(&a.file)),
        ("task", at(&a.task)),
    ];
    let allowed: &[&str] =
        match process {
            "poisson" => &["rate"],
            "profile" => &["rate", "hourly", "weekly", "preset"],
            "cron" => &["schedule", "tasks", "jitter"],
            "burst" => &["rate", "size"],
            "trace" => &["file", "task"],
            other => {
                cx.issue(Some(&a.process), &format!("{key}.process"), format!(
                "unknown arrival process {other:?}; use poisson, profile, cron, burst or trace"
            ));
                return None;
            }
        };
    only(cx, &key, &format!("a {process} arrival"), &present, allowed);
    match process {
        "poisson" => Some(ArrivalProcess::Poisson {
            rate: required_rate(cx, raw, &key, process, scale)?,
        }),
        "profile" => {
            let (mut hourly, mut weekly) = ([1.0; 24], [1.0; 7]);
            if let Some(p) = &a.preset {
                match p.get_ref().as_str() {
                    "workday" => (hourly, weekly) = (WORKDAY_HOURLY, WORKDAY_WEEKLY),
                    "flat" => {}
                    other => cx.issue(Some(p), &format!("{key}.preset"), format!(
                        "unknown preset {other:?}; use \"workday\" (09-17 on weekdays) or \"flat\""
                    )),
                }
            }
            let rate = required_rate(cx, raw, &key, process, scale);
            let hourly = multipliers(cx, &a.hourly, &format!("{key}.hourly"), hourly);
            let weekly = multipliers(cx, &a.weekly, &format!("{key}.weekly"), weekly);
            Some(ArrivalProcess::Profile {
                rate: rate?,
                hourly: Box::new(hourly?),
                weekly: Box::new(weekly?),
                calendar: env.calendar,
            })
        }
        "cron" => {
            let Some(text) = &a.schedule else {
                cx.issue(
                    Some(raw),
                    &format!("{key}.schedule"),
                    "a cron arrival needs a schedule, e.g. schedule = \"0 21 * * *\"",
                );
                return None;
            };
            let tasks = cx.number(a.tasks.as_ref(), &format!("{key}.tasks"), (1.0, 1e6), 1.0);
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
            let schedule = parse_cron(text.get_ref())
                .map_err(|e| cx.issue(Some(text), &format!("{key}.schedule"), e))
                .ok()?;
            if let (Some(j), Some(gap)) = (jitter, shortest_gap(&schedule, env.calendar))
                && j > gap
            {
                cx.issue(a.jitter.as_ref(), &format!("{key}.jitter"), format!(
                    "a jitter of {j} is longer than the {gap} between two firings; runs of one firing must arrive before the next firing, so shorten the jitter"
                ));
            }
            Some(ArrivalProcess::Cron {
                schedule: Box::new(schedule),
                tasks: tasks * scale,
                jitter: jitter?,
                calendar: env.calendar,
            })
        }
        "burst" => {
            let rate = required_rate(cx, raw, &key, process, scale);
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
            let trace = load_trace(cx, file, a.task.as_ref(), &key, env)?;
            Some(ArrivalProcess::Trace { trace, scale })
        }
    }
}

/// The keys of a distribution table that are set.
fn given(d: &RawDist) -> Vec<(&'static str, Option<usize>)> {
    [
        ("value", at(&d.value)),
        ("mean", at(&d.mean)),
        ("cv", at(&d.cv)),
        ("median", at(&d.median)),
        ("p95", at(&d.p95)),
        ("min", at(&d.min)),
        ("max", at(&d.max)),
        ("values", at(&d.values)),
        ("file", at(&d.file)),
    ]
    .into_iter()
    .filter(|(_, o)| o.is_some())
    .collect()
}

/// The parameter set of `kind` that `d` matches exactly, or an issue.
fn shape<'s>(
    cx: &mut Ctx,
    raw: &S<RawDist>,
    key: &str,
    kind: &str,
    shapes: &'s [&'s [&'s str]],
) -> Option<&'s [&'s str]> {
    let names: Vec<&str> = given(raw.get_ref()).into_iter().map(|(n, _)| n).collect();
    let found = shapes
        .iter()
        .find(|s| s.len() == names.len() && s.iter().all(|k| names.contains(k)));
    if found.is_none() {
        let want: Vec<String> = shapes
            .iter()
            .map(|s| format!("{{{}}}", s.join(", ")))
            .collect();
        cx.issue(
            Some(raw),
            key,
            format!(
                "{kind} takes {}, but got {{{}}}",
                want.join(" or "),
                names.join(", ")
            ),
        );
    }
    found.copied()
}

/// A duration in seconds: a string like "90s", or a bare number of seconds.
fn seconds(cx: &mut Ctx, q: &S<Quantity>, key: &str) -> Option<f64> {
    let secs = match q.get_ref() {
        Quantity::Number(x) => *x,
        Quantity::Text(t) => match parse_duration(t) {
            Ok(d) => d.as_secs_f64(),
            Err(e) => {
                cx.issue(Some(q), key, e);
                return None;
            }
        },
    };
    if secs.is_finite() && secs > 0.0 {
        Some(secs)
    } else {
        cx.issue(
            Some(q),
            key,
            format!("must be longer than zero, got {secs} s"),
        );
        None
    }
}

fn duration_dist(
    cx: &mut Ctx,
    raw: &S<RawDist>,
    key: &str,
    base_dir: &Path,
) -> Option<DurationDist> {
    let d = raw.get_ref();
    let kind = d.dist.get_ref().as_str();
    let shapes: &[&[&str]] = match kind {
        "constant" => &[&["value"]],
        "exponential" => &[&["mean"]],
        "lognormal" => &[&["mean", "cv"], &["median", "p95"]],
        "gamma" => &[&["mean", "cv"]],
        "uniform" => &[&["min", "max"]],
        "empirical" => &[&["values"], &["file"]],
        other => {
            cx.issue(Some(&d.dist), &format!("{key}.dist"), format!(
                "unknown distribution {other:?}; use constant, exponential, lognormal, gamma, uniform or empirical"
            ));
            return None;
        }
    };
    let shape = shape(cx, raw, key, kind, shapes)?;
    let mut secs =
        |v: &Option<S<Quantity>>, name: &str| seconds(cx, v.as_ref()?, &format!("{key}.{name}"));
    let built = match (kind, shape) {
        ("constant", _) => DurationDist::constant(secs(&d.value, "value")?),
        ("exponential", _) => DurationDist::exponential(secs(&d.mean, "mean")?),
        ("lognormal", ["mean", "cv"]) => {
            DurationDist::lognormal_mean_cv(secs(&d.mean, "mean")?, *d.cv.as_ref()?.get_ref())
        }
        ("lognormal", _) => {
            let (median, p95) = (secs(&d.median, "median"), secs(&d.p95, "p95"));
            DurationDist::lognormal_median_p95(median?, p95?)
        }
        ("gamma", _) => DurationDist::gamma(secs(&d.mean, "mean")?, *d.cv.as_ref()?.get_ref()),
        ("uniform", _) => {
            let (min, max) = (secs(&d.min, "min"), secs(&d.max, "max"));
            DurationDist::uniform(min?, max?)
        }
        (_, ["values"]) => {
            let values = d.values.as_ref()?;
            let xs: Vec<Option<f64>> = values
                .get_ref()
                .iter()
                .enumerate()
                .map(|(i, q)| {
                    let spanned = S::new(values.span(), q.clone());
                    seconds(cx, &spanned, &format!("{key}.values[{i}]"))
                })
                .collect();
            DurationDist::empirical(xs.into_iter().collect::<Option<Vec<f64>>>()?)
        }
        _ => {
            let file = d.file.as_ref()?;
            let values = read_values_file(&base_dir.join(file.get_ref()))
                .map_err(|e| cx.issue(Some(file), &format!("{key}.file"), e))
                .ok()?;
            DurationDist::empirical(values)
        }
    };
    built
        .map_err(|e| cx.issue(Some(raw), key, e.to_string()))
        .ok()
}

/// Run times, one per line: seconds or a duration string; `#` starts a comment.
fn read_values_file(path: &Path) -> Result<Vec<f64>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        format!(
            "cannot read {}: {e}; the path is relative to the scenario file",
            path.display()
        )
    })?;
    let mut values = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let secs = match line.parse::<f64>() {
            Ok(x) => x,
            Err(_) => parse_duration(line)
                .map_err(|e| format!("{}:{}: {e}", path.display(), i + 1))?
                .as_secs_f64(),
        };
        if !(secs.is_finite() && secs > 0.0) {
            return Err(format!(
                "{}:{}: run times must be positive, got {line:?}",
                path.display(),
                i + 1
            ));
        }
        values.push(secs);
    }
    if values.is_empty() {
        return Err(format!(
            "{} holds no run times; write one per line, like \"90s\" or 90",
            path.display()
        ));
    }
    Ok(values)
}

fn count(cx: &mut Ctx, q: &S<Quantity>, key: &str) -> Option<u32> {
    match q.get_ref() {
        Quantity::Number(x) if x.fract() == 0.0 && (1.0..=1e6).contains(x) => Some(*x as u32),
        other => {
            cx.issue(
                Some(q),
                key,
                format!("a batch size is a whole number from 1 to 1000000, got {other:?}"),
            );
            None
        }
    }
}

fn batch_size(cx: &mut Ctx, raw: &S<RawDist>, key: &str) -> Option<BatchSize> {
    let d = raw.get_ref();
    let kind = d.dist.get_ref().as_str();
    let shapes: &[&[&str]] = match kind {
        "constant" => &[&["value"]],
        "uniform" => &[&["min", "max"]],
        "geometric" => &[&["mean"]],
        "empirical" => &[&["values"]],
        other => {
            cx.issue(Some(&d.dist), &format!("{key}.dist"), format!(
                "unknown batch-size distribution {other:?}; use constant, uniform, geometric or empirical"
            ));
            return None;
        }
    };
    shape(cx, raw, key, kind, shapes)?;
    match kind {
        "constant" => Some(BatchSize::Constant(count(
            cx,
            d.value.as_ref()?,
            &format!("{key}.value"),
        )?)),
        "uniform" => {
            let (min, max) = (
                count(cx, d.min.as_ref()?, &format!("{key}.min")),
                count(cx, d.max.as_ref()?, &format!("{key}.max")),
            );
            let (min, max) = (min?, max?);
            if max < min {
                cx.issue(
                    Some(raw),
                    key,
                    format!("max ({max}) must not be below min ({min})"),
                );
                return None;
            }
            Some(BatchSize::Uniform { min, max })
        }
        "geometric" => {
            let mean = d.mean.as_ref()?;
            let m = match mean.get_ref() {
                Quantity::Number(x) => *x,
                Quantity::Text(_) => f64::NAN,
            };
            BatchSize::geometric(m)
                .map_err(|e| cx.issue(Some(mean), &format!("{key}.mean"), e))
                .ok()
        }
        _ => {
            let values = d.values.as_ref()?;
            let xs: Vec<Option<u32>> = values
                .get_ref()
                .iter()
                .enumerate()
                .map(|(i, q)| {
                    count(
                        cx,
                        &S::new(values.span(), q.clone()),
                        &format!("{key}.values[{i}]"),
                    )
                })
                .collect();
            let xs: Vec<u32> = xs.into_iter().collect::<Option<_>>()?;
            if xs.is_empty() {
                cx.issue(
                    Some(values),
                    key,
                    "an empirical batch size needs at least one value",
                );
                return None;
            }
            Some(BatchSize::Empirical(xs))
        }
    }
}
