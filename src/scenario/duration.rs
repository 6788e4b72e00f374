//! Validation of run-time distributions (`duration`), including the
//! durations files of empirical distributions and the run times a trace
//! brings.

use std::path::Path;

use super::keys::shape;
use super::raw::{Quantity, RawArrival, RawDist, S};
use super::validate::Ctx;
use crate::text::parse_duration;
use crate::units::SimDuration;
use crate::workload::{DurationDist, Trace};

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

pub(super) fn duration_dist(cx: &mut Ctx, raw: &S<RawDist>, key: &str) -> Option<DurationDist> {
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
            let values = read_values_file(&cx.base_dir.join(file.get_ref()))
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

/// The run times a trace brings, as the distribution its never-finished
/// runs draw from; a trace workload takes no `duration` of its own.
pub(super) fn recorded_durations(
    cx: &mut Ctx,
    trace: &Trace,
    duration: Option<&S<RawDist>>,
    arrival: &S<RawArrival>,
    key: &str,
) -> Option<DurationDist> {
    if let Some(d) = duration {
        cx.issue(
            Some(d),
            &format!("{key}.duration"),
            "a trace brings its own run times; remove duration",
        );
    }
    // Zero-length recorded runs are real but give the empirical
    // distribution nothing to stand on; they replay as recorded.
    let positive: Vec<f64> = trace
        .runs()
        .iter()
        .filter_map(|r| r.duration)
        .map(SimDuration::as_secs_f64)
        .filter(|s| *s > 0.0)
        .collect();
    if positive.is_empty() {
        cx.issue(Some(arrival), &format!("{key}.arrival.file"), "every recorded run time in the trace is zero; a trace needs runs with a start and a later finish");
    }
    DurationDist::empirical(positive).ok()
}
