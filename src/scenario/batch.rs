//! Validation of a burst's batch size (`arrival.size`).

use super::keys::shape;
use super::raw::{Quantity, RawDist, S};
use super::validate::{Ctx, shown_number, shown_quantity};
use crate::workload::BatchSize;

/// The most runs that arrive together (a burst's batch, a cron firing's
/// `tasks`), fixed or on average: each is held until its last run arrives.
pub(super) const MAX_BATCH: u32 = 1_000_000;

fn count(cx: &mut Ctx, q: &S<Quantity>, key: &str) -> Option<u32> {
    match q.get_ref() {
        Quantity::Number(x) if x.fract() == 0.0 && (1.0..=f64::from(MAX_BATCH)).contains(x) => {
            Some(*x as u32)
        }
        other => {
            cx.issue(
                Some(q),
                key,
                format!(
                    "a batch size is a whole number from 1 to {MAX_BATCH}, got {}",
                    shown_quantity(other, "")
                ),
            );
            None
        }
    }
}

pub(super) fn batch_size(cx: &mut Ctx, raw: &S<RawDist>, key: &str) -> Option<BatchSize> {
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
        "uniform" => uniform(cx, raw, key),
        "geometric" => geometric(cx, d.mean.as_ref()?, key),
        _ => empirical(cx, d.values.as_ref()?, key),
    }
}

/// A uniform batch size between `min` and `max` of `raw`.
fn uniform(cx: &mut Ctx, raw: &S<RawDist>, key: &str) -> Option<BatchSize> {
    let d = raw.get_ref();
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

/// A geometric batch size of mean `mean`, at most `MAX_BATCH` like a
/// fixed one.
fn geometric(cx: &mut Ctx, mean: &S<Quantity>, key: &str) -> Option<BatchSize> {
    let m = match mean.get_ref() {
        Quantity::Number(x) => *x,
        Quantity::Text(_) => f64::NAN,
    };
    if m > f64::from(MAX_BATCH) {
        cx.issue(
            Some(mean),
            &format!("{key}.mean"),
            format!(
                "a mean batch size is at most {MAX_BATCH}, like a fixed one, got {}",
                shown_number(m)
            ),
        );
        return None;
    }
    BatchSize::geometric(m)
        .map_err(|e| cx.issue(Some(mean), &format!("{key}.mean"), e.to_string()))
        .ok()
}

/// A batch size drawn from the listed `values`, each a count.
fn empirical(cx: &mut Ctx, values: &S<Vec<Quantity>>, key: &str) -> Option<BatchSize> {
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
