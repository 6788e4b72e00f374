//! `[sweep]`: the axes of a parameter space. Each point is the scenario as
//! parsed with the axis values set in it, validated again, so every point
//! obeys every rule.

use std::fmt;
use std::path::Path;

use toml_edit::{Item, TableLike, Value};

use super::error::{Location, ScenarioError, ValidationIssue};
use super::set_key::{Parsed, Place, parsed_without_sweep, set};
use super::{DataFiles, FileScope, Scenario};
use crate::results::is_condition_axis;

/// The most points a sweep may have.
pub const MAX_POINTS: usize = 100_000;

/// One value of an axis.
#[derive(Debug, Clone, PartialEq)]
pub enum AxisValue {
    /// A whole number.
    Int(i64),
    /// A number, already rounded to the decimals of its definition.
    Float(f64),
    /// A string (a tier, a duration).
    Text(String),
}

impl fmt::Display for AxisValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AxisValue::Int(i) => write!(f, "{i}"),
            AxisValue::Float(x) => write!(f, "{x}"),
            AxisValue::Text(s) => f.write_str(s),
        }
    }
}

impl AxisValue {
    /// The value as TOML writes it: a number in Rust's shortest form
    /// (which reads back bit for bit), a string quoted.
    pub(super) fn literal(&self) -> String {
        match self {
            AxisValue::Int(i) => i.to_string(),
            AxisValue::Float(x) => format!("{x:?}"),
            AxisValue::Text(s) => toml::Value::String(s.clone()).to_string(),
        }
    }
}

/// One axis: a key path and its values.
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    /// Key path, e.g. `pool.builders.count`.
    pub key: String,
    /// Values in sweep order.
    pub values: Vec<AxisValue>,
}

/// The axes of a sweep, in file order (the first varies slowest).
#[derive(Debug, Clone, PartialEq)]
pub struct SweepSpec {
    /// Axes.
    pub axes: Vec<Axis>,
}

/// One point of a sweep: the axis values and the scenario they make, or why
/// that scenario is invalid (over quota, say).
#[derive(Debug, Clone)]
pub struct SweepPoint {
    /// Position in the full sweep, from 0.
    pub index: usize,
    /// One value per axis.
    pub values: Vec<AxisValue>,
    /// The validated scenario, or the reasons it is infeasible.
    pub scenario: Result<Scenario, String>,
}

impl SweepSpec {
    /// Number of points (the product of the axis lengths).
    pub fn len(&self) -> usize {
        self.axes.iter().map(|a| a.values.len()).product()
    }

    /// Whether the sweep has no point.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The pools whose tier an axis varies (`pool.NAME.tier`).
    pub fn tier_pools(&self) -> Vec<&str> {
        self.axes
            .iter()
            .filter_map(|a| a.key.strip_prefix("pool.")?.strip_suffix(".tier"))
            .collect()
    }

    /// Whether an axis can change the data files a valid point reads: one
    /// with text values other than tiers (a file, an arrival process, a
    /// distribution). Without one, every valid point names the same files
    /// as the first, and a shard need not build the others' points to know
    /// them.
    pub fn may_change_files(&self) -> bool {
        self.axes.iter().any(|a| {
            !a.key.ends_with(".tier") && a.values.iter().any(|v| matches!(v, AxisValue::Text(_)))
        })
    }

    /// The values of point `index` (the first axis varies slowest).
    pub fn values(&self, index: usize) -> Vec<AxisValue> {
        self.positions(index)
            .into_iter()
            .zip(&self.axes)
            .map(|(i, axis)| axis.values[i].clone())
            .collect()
    }

    /// The position of point `index`'s value in each axis's list.
    pub(super) fn positions(&self, mut index: usize) -> Vec<usize> {
        let mut out = vec![0; self.axes.len()];
        for (slot, axis) in out.iter_mut().zip(&self.axes).rev() {
            let n = axis.values.len();
            *slot = index % n;
            index /= n;
        }
        out
    }
}

fn invalid(
    path: &Path,
    src: &str,
    span: Option<std::ops::Range<usize>>,
    key: &str,
    message: String,
) -> ScenarioError {
    ScenarioError::Invalid {
        path: path.to_path_buf(),
        issues: vec![ValidationIssue {
            key: key.to_string(),
            location: span.map(|s| Location::of_offset(src, s.start)),
            message,
        }],
    }
}

/// Decimal places of a number as written.
fn decimals(x: f64) -> i32 {
    let text = format!("{x}");
    text.split_once('.')
        .map_or(0, |(_, frac)| frac.len() as i32)
}

/// Values of `{ from, to, step }`, inclusive, computed from integers so that
/// 0.1 steps never drift (0.30000000000000004).
fn range(table: &dyn toml_edit::TableLike) -> Result<Vec<AxisValue>, String> {
    let num = |k: &str| -> Result<Value, String> {
        table
            .get(k)
            .and_then(|i| i.as_value())
            .cloned()
            .ok_or_else(|| format!("a range needs `{k}`: write {{ from = 1, to = 8, step = 1 }}"))
    };
    if ["from", "to", "step"]
        .iter()
        .all(|k| table.get(k).is_none())
    {
        return Err("an axis is a list or a { from, to, step } range; a dotted key path must be quoted, as in \"pool.builders.count\" = [1, 2]".into());
    }
    let (from, to, step) = (num("from")?, num("to")?, num("step")?);
    if table.len() != 3 {
        return Err("a range takes exactly from, to and step".into());
    }
    if let (Some(f), Some(t), Some(s)) = (from.as_integer(), to.as_integer(), step.as_integer()) {
        if s <= 0 || t < f {
            return Err("a range needs step > 0 and to >= from".into());
        }
        // In i128: the span of two i64 never overflows there.
        let n = (i128::from(t) - i128::from(f)) / i128::from(s) + 1;
        if n > MAX_POINTS as i128 {
            return Err(format!("the range has {n} values, more than {MAX_POINTS}"));
        }
        return Ok((0..n as i64).map(|i| AxisValue::Int(f + i * s)).collect());
    }
    let as_f = |v: &Value| v.as_float().or_else(|| v.as_integer().map(|i| i as f64));
    let (Some(f), Some(t), Some(s)) = (as_f(&from), as_f(&to), as_f(&step)) else {
        return Err("from, to and step must be numbers".into());
    };
    if !(s > 0.0 && s.is_finite() && t >= f && f.is_finite() && t.is_finite()) {
        return Err("a range needs a finite step > 0 and to >= from".into());
    }
    Ok(float_range(f, t, s)?
        .into_iter()
        .map(AxisValue::Float)
        .collect())
}

/// Decimal places that a range is computed on exactly: past 12, or past
/// 2^53 multiples of the smallest decimal, the general path decides.
const MAX_DECIMALS: i32 = 12;

/// The values `from, from + step, ...` up to `to` inclusive (`step > 0`,
/// `to >= from`, all finite): exactly the decimals written when the three
/// numbers are whole multiples of 10^-d (d <= 12) below 2^53 of them, so
/// that 0.1 steps never drift; otherwise `from + k x step` in binary
/// floating point, the end kept when rounding overshoots it. Refused when
/// there would be more than `MAX_POINTS` values, or when two neighbours
/// round to the same number (a step below the values' precision).
fn float_range(f: f64, t: f64, s: f64) -> Result<Vec<f64>, String> {
    // (t - f) overflows for ends near +-1.8e308; t/s - f/s does not (it
    // overflows only when the count is beyond any limit anyway).
    let span = if (t - f).is_finite() {
        (t - f) / s
    } else {
        t / s - f / s
    };
    let n = (span * (1.0 + 1e-12)).floor() + 1.0;
    if !(n.is_finite() && n <= MAX_POINTS as f64) {
        return Err(format!(
            "the range has {n:e} values, more than {MAX_POINTS}"
        ));
    }
    let d = decimals(f).max(decimals(t)).max(decimals(s));
    let scale = 10f64.powi(d);
    let whole = |x: f64| {
        let w = (x * scale).round();
        (d <= MAX_DECIMALS && w.abs() < 2f64.powi(53) && w / scale == x).then_some(w as i64)
    };
    let values: Vec<f64> = match (whole(f), whole(t), whole(s)) {
        (Some(fi), Some(ti), Some(si)) if si > 0 => (0..=(ti - fi) / si)
            .map(|i| (fi + i * si) as f64 / scale)
            .collect(),
        _ => (0..n as u32)
            .map(|k| (f + f64::from(k) * s).min(t))
            .collect(),
    };
    if let Some(w) = values.windows(2).find(|w| w[1] <= w[0]) {
        return Err(format!(
            "a step of {s} is below the precision of values near {} (about 16 significant digits): neighbouring values round to the same number; use a larger step",
            w[0]
        ));
    }
    Ok(values)
}

fn axis_values(item: &Item) -> Result<Vec<AxisValue>, String> {
    if let Some(t) = item.as_table_like() {
        return range(t);
    }
    let Some(array) = item.as_array() else {
        return Err("an axis is a list of values, e.g. [1, 2, 4], or a range { from = 1, to = 8, step = 1 }".into());
    };
    let values: Result<Vec<AxisValue>, String> = array
        .iter()
        .map(|v| match v {
            Value::Integer(i) => Ok(AxisValue::Int(*i.value())),
            Value::Float(x) if x.value().is_finite() => Ok(AxisValue::Float(*x.value())),
            Value::String(s) => Ok(AxisValue::Text(s.value().clone())),
            other => Err(format!(
                "axis values are numbers or strings, not {}",
                other.type_name()
            )),
        })
        .collect();
    let values = values?;
    if values.is_empty() {
        return Err("an axis needs at least one value".into());
    }
    Ok(values)
}

/// Reads `[sweep]` from the scenario text; `None` when there is none.
pub fn sweep_spec(src: &str, path: &Path) -> Result<Option<SweepSpec>, ScenarioError> {
    let doc = toml_edit::Document::parse(src.to_string()).map_err(|e| {
        // Not TOML: said as every command says it, located (a key nested
        // past the recursion limit too: "sweep: recursion limit" was not).
        match toml::from_str::<toml::Table>(src) {
            Err(e) => super::toml_error(src, path, &e),
            Ok(_) => invalid(path, src, e.span(), "sweep", e.message().to_string()),
        }
    })?;
    let Some(sweep) = doc.as_table().get("sweep") else {
        return misplaced_sweep(&doc, src, path).map_or(Ok(None), Err);
    };
    let refused = |m: String| invalid(path, src, sweep.span(), "sweep", m);
    let Some(table) = sweep.as_table_like() else {
        return Err(refused("[sweep] must be a table of axes".into()));
    };
    let mut axes = Vec::new();
    for (key, item) in table.iter() {
        let values = axis_values(item)
            .map_err(|m| invalid(path, src, item.span(), &format!("sweep.\"{key}\""), m))?;
        axes.push(Axis {
            key: key.to_string(),
            values,
        });
    }
    if axes.is_empty() {
        return Err(refused(
            "[sweep] has no axes; add e.g. \"pool.builders.count\" = [1, 2, 4]".into(),
        ));
    }
    let spec = SweepSpec { axes };
    let points = spec
        .axes
        .iter()
        .try_fold(1usize, |n, a| n.checked_mul(a.values.len()));
    if points.is_none_or(|n| n > MAX_POINTS) {
        return Err(refused(format!(
            "the sweep has {} points, more than {MAX_POINTS}; use fewer values or split it into several sweeps",
            points.map_or("too many".to_string(), |n| n.to_string())
        )));
    }
    let base = parsed_without_sweep(src);
    for (axis, (_, item)) in spec.axes.iter().zip(table.iter()) {
        check_axis(axis, item, &base, src, path).map_err(|m| {
            invalid(
                path,
                src,
                item.span(),
                &format!("sweep.\"{}\"", axis.key),
                m,
            )
        })?;
    }
    Ok(Some(spec))
}

/// Why `axis` (written at `item`) cannot be swept, if it cannot: it varies
/// what a sweep cannot, names a condition twice, or leads to no key of the
/// schema. Each axis's first value is set alone in the scenario as parsed
/// (`base`) and read: validation problems are fine (they make points
/// infeasible); a schema error is a typo.
fn check_axis(
    axis: &Axis,
    item: &Item,
    base: &Parsed<'_>,
    src: &str,
    path: &Path,
) -> Result<(), String> {
    // `"sweep" = [1, 2]` replaced the [sweep] of each point, which no
    // point reads: two identical points.
    if matches!(axis.key.split('.').next(), Some("slo" | "sweep" | "name")) {
        return Err(
            "a sweep cannot vary [slo], [sweep] or the name; run one sweep per objective".into(),
        );
    }
    if is_condition_axis(&axis.key) {
        // A condition is named by its values: two alike would be two
        // conditions of one name, each recommended apart.
        let mut seen = std::collections::HashSet::new();
        if let Some(twice) = axis
            .values
            .iter()
            .map(|v| v.to_string())
            .find(|v| !seen.insert(v.clone()))
        {
            return Err(format!(
                "lists {twice} twice; a condition axis names each condition by its value, so list each value once"
            ));
        }
    }
    let mut trial: Parsed<'_> = base.clone();
    let first = axis.values[0].literal();
    let at = item.span().unwrap_or_default();
    set(trial.get_mut(), &axis.key, &first, at, Place::Sweep)?;
    let files = DataFiles::default();
    let read = super::from_table_sharing(trial, src, path, FileScope::default(), &files);
    if let Err(ScenarioError::Toml { message, .. }) = read {
        return Err(format!(
            "writing this key makes the scenario unreadable ({message}); check the key path"
        ));
    }
    Ok(())
}

/// A `sweep` key inside a top-level table (`sweep = {…}` written after
/// `[slo]` belongs to `[slo]`), located and said where it goes; `None`
/// when there is none, or when `src` is not TOML. Every command that reads
/// the scenario says this (`run` and `validate` said only "unknown field").
pub(super) fn misplaced_sweep_in(src: &str, path: &Path) -> Option<ScenarioError> {
    let doc = toml_edit::Document::parse(src.to_string()).ok()?;
    misplaced_sweep(&doc, src, path)
}

/// [`misplaced_sweep_in`] of a parsed `doc`.
fn misplaced_sweep(
    doc: &toml_edit::Document<String>,
    src: &str,
    path: &Path,
) -> Option<ScenarioError> {
    let (table, header, span) = doc.as_table().iter().find_map(|(name, item)| {
        let (tables, header): (Vec<&dyn TableLike>, String) = match item {
            Item::ArrayOfTables(a) => (
                a.iter().map(|t| t as &dyn TableLike).collect(),
                format!("[[{name}]]"),
            ),
            other => (
                other.as_table_like().into_iter().collect(),
                format!("[{name}]"),
            ),
        };
        tables.into_iter().find_map(|t| {
            let (key, _) = t.get_key_value("sweep")?;
            Some((name.to_string(), header.clone(), key.span()))
        })
    })?;
    Some(invalid(
        path,
        src,
        span,
        &format!("{table}.sweep"),
        format!(
            "`sweep` written after {header} is a key of {header}, not a sweep; a sweep is run by `poolcast sweep` (other commands run the scenario without it) and is written above the first table header or as its own [sweep] table at the end: move it there"
        ),
    ))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::scenario::SweepPoints;

    #[test]
    fn decimal_steps_never_drift() {
        assert_eq!(float_range(0.0, 0.3, 0.1), Ok(vec![0.0, 0.1, 0.2, 0.3]));
        assert_eq!(float_range(0.5, 2.0, 0.5), Ok(vec![0.5, 1.0, 1.5, 2.0]));
        // Beyond 12 decimals, exactly the numbers written.
        assert_eq!(
            float_range(1e-20, 3e-20, 1e-20),
            Ok(vec![1e-20, 1e-20 + 1e-20, 1e-20 + 2.0 * 1e-20])
        );
    }

    #[test]
    fn the_extremes_expand_or_are_refused() {
        // Ends near the largest f64: the span overflows, the count does not.
        assert_eq!(
            float_range(-1e308, 1e308, 1e308),
            Ok(vec![-1e308, 0.0, 1e308])
        );
        assert_eq!(float_range(0.0, 1e39, 1e38).map(|v| v.len()), Ok(11));
        // A step above the span: the start alone.
        assert_eq!(float_range(0.0, 1.0, 1e300), Ok(vec![0.0]));
        // Too many points, counted without overflow.
        assert!(
            float_range(-1e308, 1e308, 1e-308)
                .unwrap_err()
                .contains("more than 100000")
        );
        assert!(
            float_range(0.0, 1e6, 1e-300)
                .unwrap_err()
                .contains("more than 100000")
        );
        // A step below the values' precision: 1e16 + 1 is 1e16.
        assert!(
            float_range(1e16, 1e16 + 4.0, 1.0)
                .unwrap_err()
                .contains("below the precision of values near 10000000000000000")
        );
    }

    #[test]
    fn odd_ranges_are_refused_where_they_are_written() {
        let refused = |axis: &str| {
            let src = format!("[sweep]\n\"workload.ci.rate_scale\" = {axis}\n");
            sweep_spec(&src, Path::new("s.toml"))
                .unwrap_err()
                .to_string()
        };
        for (axis, why) in [
            ("{ from = 1, to = 2, step = nan }", "a finite step > 0"),
            ("{ from = 1, to = 2, step = inf }", "a finite step > 0"),
            ("{ from = 1, to = 2, step = -0.5 }", "a finite step > 0"),
            ("{ from = 2.0, to = 1, step = 0.5 }", "to >= from"),
            ("{ from = -inf, to = 1, step = 0.5 }", "a finite step > 0"),
            (
                "{ from = 1e16, to = 1.0000000000000004e16, step = 1.0 }",
                "below the precision",
            ),
            ("{ from = 0.0, to = 1e300, step = 1.0 }", "more than 100000"),
        ] {
            let message = refused(axis);
            assert!(message.contains("s.toml:2:"), "{axis}: {message}");
            assert!(message.contains(why), "{axis}: {message}");
        }
    }

    /// Each point is the scenario the text with its values written in
    /// makes (a count, a tier, a float range, a rule's count, a table the
    /// file lacks), but for where its problems are located.
    #[test]
    fn a_point_is_the_scenario_its_text_makes() {
        let base = "[simulation]\nhorizon = \"2h\"\n\n[[pool]]\nname = \"bld\"\ntier = \"S1\"\ncount = 2\n\n[[pool]]\nname = \"sch\"\ntier = \"S1\"\nscaling = { policy = \"schedule\", rules = [{ cron = \"0 8 * * *\", count = 2 }] }\n\n[[workload]]\nname = \"ci\"\npool = \"bld\"\narrival = { process = \"poisson\", rate = \"6/h\" }\nduration = { dist = \"exponential\", mean = \"5m\" }\n";
        let axes = "\n[sweep]\n\"pool.bld.count\" = [1, 3]\n\"pool.bld.tier\" = [\"S2\"]\n\"workload.ci.rate_scale\" = { from = 0.1, to = 0.3, step = 0.1 }\n\"pool.sch.scaling.rules[0].count\" = [4]\n\"quota.standard_vcpu\" = [64]\n";
        let src = format!("{base}{axes}");
        let path = Path::new("p.toml");
        let spec = sweep_spec(&src, path).unwrap().unwrap();
        let points = SweepPoints::new(spec.clone(), &src, path, FileScope::default());
        assert_eq!(points.len(), 6);
        for index in 0..points.len() {
            let values = spec.values(index);
            let text = base
                .replace("count = 2\n", &format!("count = {}\n", values[0]))
                .replace("tier = \"S1\"\ncount", "tier = \"S2\"\ncount")
                .replace("count = 2 }", "count = 4 }")
                + &format!(
                    "rate_scale = {}\n\n[quota]\nstandard_vcpu = 64\n",
                    values[2]
                );
            let want = super::super::from_str(&text, path).unwrap();
            let got = points.point(index).scenario.unwrap();
            assert_eq!(format!("{got:?}"), format!("{want:?}"), "point {index}");
        }
    }

    /// A value of the wrong type is an infeasible point whose reason
    /// names the line and column where the sweep writes it.
    #[test]
    fn a_value_of_the_wrong_type_is_located_in_the_sweep() {
        let src = "[[pool]]\nname = \"bld\"\ntier = \"S1\"\ncount = 2\n\n[[workload]]\nname = \"ci\"\npool = \"bld\"\narrival = { process = \"poisson\", rate = \"6/h\" }\nduration = { dist = \"exponential\", mean = \"5m\" }\n\n[sweep]\n\"pool.bld.count\" = [1, \"x\"]\n";
        let path = Path::new("t.toml");
        let spec = sweep_spec(src, path).unwrap().unwrap();
        let points = SweepPoints::new(spec, src, path, FileScope::default());
        points.point(0).scenario.unwrap();
        let why = points.point(1).scenario.unwrap_err();
        assert!(
            why.starts_with("t.toml:13:24: invalid type: string \"x\""),
            "{why}"
        );
    }

    proptest! {
        /// Any range expands to values that start at `from`, rise strictly
        /// by about `step`, end at most at `to` and within a step of it, and
        /// are no more than the limit; or it is refused.
        #[test]
        fn ranges_rise_by_the_step_to_the_end(
            from_mantissa in -1000i64..1000,
            from_exp in -320i32..308,
            step_mantissa in 1i64..1000,
            step_exp in -320i32..308,
            count in 0u32..200_000,
        ) {
            let from = from_mantissa as f64 * 10f64.powi(from_exp);
            let step = step_mantissa as f64 * 10f64.powi(step_exp);
            let to = from + f64::from(count) * step;
            prop_assume!(from.is_finite() && step.is_finite() && step > 0.0 && to.is_finite() && to >= from);
            match float_range(from, to, step) {
                Ok(v) => {
                    prop_assert!(!v.is_empty() && v.len() <= MAX_POINTS);
                    prop_assert_eq!(v[0], from);
                    prop_assert!(v.windows(2).all(|w| w[1] > w[0]));
                    let last = *v.last().unwrap();
                    prop_assert!(last <= to);
                    // Each value is within a few roundings (ulps of the
                    // largest magnitude) of from + k x step.
                    let ulp = from.abs().max(to.abs()) * f64::EPSILON;
                    let slack = 4.0 * ulp + 1e-12 * step;
                    prop_assert!(to - last < step + slack, "{} short of {}", last, to);
                    for (k, x) in v.iter().enumerate() {
                        let want = from + k as f64 * step;
                        prop_assert!((x - want).abs() <= slack, "value {} is {} not {}", k, x, want);
                    }
                }
                Err(e) => prop_assert!(
                    e.contains("more than 100000") || e.contains("below the precision"),
                    "{}", e
                ),
            }
        }
    }
}
