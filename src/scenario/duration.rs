//! Validation of run-time distributions (`duration`), including the
//! durations files of empirical distributions and the run times a trace
//! brings.

use std::io::{BufRead, BufReader};
use std::path::Path;

use super::keys::shape;
use super::raw::{Quantity, RawArrival, RawDist, S};
use super::validate::{Ctx, MAX_NUMBER, shown_quantity};
use crate::input::{Input, Limit};
use crate::text::parse_duration;
use crate::units::SimDuration;
use crate::workload::{DurationDist, Recorded, Trace};

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
    if secs.is_finite() && secs > 0.0 && secs <= MAX_NUMBER {
        Some(secs)
    } else {
        // A string as written: its seconds can carry a rounding artefact
        // ("1000000000001s" parses to 1000000000000.9999 s).
        cx.issue(
            Some(q),
            key,
            format!(
                "must be longer than zero and at most {MAX_NUMBER:e} s, got {}",
                shown_quantity(q.get_ref(), " s")
            ),
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
            let file_key = format!("{key}.file");
            let path = cx.resolve(file, &file_key)?;
            let values = cx
                .data
                .durations(&path, read_values_file)
                .map_err(|e| cx.issue(Some(file), &file_key, e))
                .ok()?;
            Ok(DurationDist::recorded(values))
        }
    };
    built
        .map_err(|e| cx.issue(Some(raw), key, e.to_string()))
        .ok()
}

/// Run times, one per line: seconds or a duration string; `#` starts a
/// comment. Read as a capped regular file (see `input`); messages give the
/// line but never quote it, as the file may be any file on the machine.
fn read_values_file(path: &Path) -> Result<Recorded, String> {
    let relative = "the path is relative to the scenario file";
    let mut input = Input::open(path, Limit::DURATIONS).map_err(|e| format!("{e}; {relative}"))?;
    let mut values = Vec::new();
    let mut line = String::new();
    let mut reader = BufReader::new(&mut input);
    for number in 1.. {
        line.clear();
        match reader.read_line(&mut line) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
                return Err(format!(
                    "{}:{number}: not UTF-8 text; a durations file holds one run time per line",
                    path.display()
                ));
            }
            Err(e) => {
                drop(reader);
                return Err(input.read_error(&e).to_string());
            }
        }
        let text = line.split('#').next().unwrap_or("").trim();
        if text.is_empty() {
            continue;
        }
        let secs = text
            .parse::<f64>()
            .ok()
            .or_else(|| parse_duration(text).ok().map(SimDuration::as_secs_f64));
        match secs {
            Some(s) if s.is_finite() && s > 0.0 && s <= MAX_NUMBER => values.push(s),
            Some(_) => {
                return Err(format!(
                    "{}:{number}: a run time must be above zero and at most {MAX_NUMBER:e} seconds",
                    path.display()
                ));
            }
            None => {
                return Err(format!(
                    "{}:{number}: not a run time; write one per line, in seconds (90) or as a duration (\"90s\", \"1h30m\")",
                    path.display()
                ));
            }
        }
    }
    if values.is_empty() {
        return Err(format!(
            "{} holds no run times; write one per line, like \"90s\" or 90",
            path.display()
        ));
    }
    Recorded::new(values).map_err(|e| format!("{}: {e}", path.display()))
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
