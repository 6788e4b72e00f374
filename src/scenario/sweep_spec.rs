//! `[sweep]`: the axes of a parameter space. Each point is the scenario as
//! parsed with the axis values set in it, validated again, so every point
//! obeys every rule.

use std::fmt;
use std::path::{Path, PathBuf};

use std::borrow::Cow;
use std::ops::Range;

use toml::Spanned;
use toml::de::{DeTable, DeValue};
use toml_edit::{Item, TableLike, Value};

use super::error::{Location, ScenarioError, ValidationIssue};
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
    fn literal(&self) -> String {
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
    fn positions(&self, mut index: usize) -> Vec<usize> {
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
    let Some(table) = sweep.as_table_like() else {
        return Err(invalid(
            path,
            src,
            sweep.span(),
            "sweep",
            "[sweep] must be a table of axes".into(),
        ));
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
        return Err(invalid(
            path,
            src,
            sweep.span(),
            "sweep",
            "[sweep] has no axes; add e.g. \"pool.builders.count\" = [1, 2, 4]".into(),
        ));
    }
    let spec = SweepSpec { axes };
    let points = spec
        .axes
        .iter()
        .try_fold(1usize, |n, a| n.checked_mul(a.values.len()));
    if points.is_none_or(|n| n > MAX_POINTS) {
        return Err(invalid(
            path,
            src,
            sweep.span(),
            "sweep",
            format!(
                "the sweep has {} points, more than {MAX_POINTS}; use fewer values or split it into several sweeps",
                points.map_or("too many".to_string(), |n| n.to_string())
            ),
        ));
    }
    // Every key path must lead to a key of the schema: write each axis's
    // first value alone into the file and parse it (validation problems are
    // fine: they make points infeasible; a schema error is a typo).
    let base = parsed_without_sweep(src);
    for (axis, (_, item)) in spec.axes.iter().zip(table.iter()) {
        let here = |m: String| {
            invalid(
                path,
                src,
                item.span(),
                &format!("sweep.\"{}\"", axis.key),
                m,
            )
        };
        // `"sweep" = [1, 2]` replaced the [sweep] of each point, which no
        // point reads: two identical points.
        let first = axis.key.split('.').next();
        if matches!(first, Some("slo" | "sweep" | "name")) {
            return Err(here(
                "a sweep cannot vary [slo], [sweep] or the name; run one sweep per objective"
                    .into(),
            ));
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
                return Err(here(format!(
                    "lists {twice} twice; a condition axis names each condition by its value, so list each value once"
                )));
            }
        }
        let mut trial: Parsed<'_> = base.clone();
        let first = axis.values[0].literal();
        let at = item.span().unwrap_or_default();
        set(trial.get_mut(), &axis.key, &first, at, Place::Sweep).map_err(&here)?;
        let files = DataFiles::default();
        let read = super::from_table_sharing(trial, src, path, FileScope::default(), &files);
        if let Err(ScenarioError::Toml { message, .. }) = read {
            return Err(here(format!(
                "writing this key makes the scenario unreadable ({message}); check the key path"
            )));
        }
    }
    Ok(Some(spec))
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

/// A scenario parsed once, with its spans in the file: each point of a
/// sweep is a copy with the axis values set in it, read into the schema
/// without writing text and parsing it again (that round trip was a third
/// of a 20,000-point sweep's time). Problems stay located in the file.
type Parsed<'a> = Spanned<DeTable<'a>>;

/// The scenario text `src` parsed, without its `[sweep]` (which no point
/// reads); an empty table when it is not TOML (every point is then
/// infeasible with the reason, rather than a panic).
fn parsed_without_sweep(src: &str) -> Parsed<'_> {
    let mut root = DeTable::parse(src).unwrap_or_else(|_| Spanned::new(0..0, DeTable::new()));
    root.get_mut().remove("sweep");
    root
}

/// Writes the TOML value `literal` at the key path `key` of `root`.
/// `pool.NAME…` and `workload.NAME…` select the list entry with that name;
/// a missing top-level table (`[quota]`, say) is created. A value takes
/// the place (span) of the one it replaces when `place` is `Replaced`, so
/// that problems are found in the order of the file; a new one (and a new
/// table), where the sweep writes it.
fn set<'t>(
    root: &mut DeTable<'t>,
    key: &str,
    literal: &'t str,
    at: Range<usize>,
    place: Place,
) -> Result<(), String> {
    let parts: Vec<&str> = key.split('.').collect();
    let (leaf, path) = parts.split_last().ok_or("an empty key path")?;
    let value = DeValue::parse(literal)
        .map_err(|e| e.message().to_string())?
        .into_inner();
    let to_set = ToSet {
        leaf,
        value,
        at,
        place,
    };
    set_in(root, path, to_set, true)
}

/// Where a value set by a sweep is placed in the file (its problems are
/// located there).
#[derive(Clone, Copy, PartialEq)]
enum Place {
    /// Where the value it replaces is written (a new one: in the sweep).
    Replaced,
    /// Where the sweep writes it.
    Sweep,
}

/// A value on its way to its key: the key's last part, the value, where
/// the sweep writes it, where to place it.
struct ToSet<'k, 't> {
    leaf: &'k str,
    value: DeValue<'t>,
    at: Range<usize>,
    place: Place,
}

impl<'t> ToSet<'_, 't> {
    /// The value into `slot`, placed as asked.
    fn replace(self, slot: &mut Spanned<DeValue<'t>>) {
        let at = match self.place {
            Place::Replaced => slot.span(),
            Place::Sweep => self.at,
        };
        *slot = Spanned::new(at, self.value);
    }
}

/// `name[K]` as `(name, Some(K))`, a plain `name` as `(name, None)`; an
/// error for a bracket that is not a whole index.
fn indexed(part: &str) -> Result<(&str, Option<usize>), String> {
    let Some((name, rest)) = part.split_once('[') else {
        return Ok((part, None));
    };
    let index = rest
        .strip_suffix(']')
        .and_then(|i| i.parse::<usize>().ok())
        .ok_or_else(|| {
            format!("`{part}` is not `name[K]` with a whole index K from 0, as in rules[0]")
        })?;
    Ok((name, Some(index)))
}

/// The entry `index` of the list at `item` (of tables, inline or not).
fn entry_of<'i, 't>(
    item: &'i mut DeValue<'t>,
    name: &str,
    index: usize,
) -> Result<&'i mut DeTable<'t>, String> {
    let DeValue::Array(list) = item else {
        return Err(format!(
            "`{name}` is not a list, so `{name}[{index}]` selects nothing"
        ));
    };
    let len = list.len();
    match list.get_mut(index).map(Spanned::get_mut) {
        Some(DeValue::Table(t)) => Ok(t),
        Some(_) => Err(format!("{name}[{index}] is not a table")),
        None => Err(format!(
            "`{name}` has {len} entr{}; {name}[{index}] is past the end (entries count from 0)",
            if len == 1 { "y" } else { "ies" }
        )),
    }
}

fn set_in<'t>(
    table: &mut DeTable<'t>,
    path: &[&str],
    to_set: ToSet<'_, 't>,
    top: bool,
) -> Result<(), String> {
    let (leaf, at) = (to_set.leaf, to_set.at.clone());
    let new_key = |name: &str| Spanned::new(at.clone(), Cow::Owned(name.to_string()));
    match path {
        [] => match indexed(leaf)? {
            (name, None) => {
                match table.get_mut(name) {
                    Some(slot) => to_set.replace(slot),
                    None => {
                        table.insert(new_key(name), Spanned::new(at, to_set.value));
                    }
                }
                Ok(())
            }
            (name, Some(index)) => {
                let Some(DeValue::Array(list)) = table.get_mut(name).map(Spanned::get_mut) else {
                    return Err(format!("there is no list `{name}` to set {leaf} in"));
                };
                let len = list.len();
                let slot = list.get_mut(index).ok_or_else(|| {
                    format!(
                        "`{name}` has {len} values; {leaf} is past the end (values count from 0)"
                    )
                })?;
                to_set.replace(slot);
                Ok(())
            }
        },
        [part @ ("pool" | "workload"), name, rest @ ..] if top => {
            let Some(DeValue::Array(list)) = table.get_mut(*part).map(Spanned::get_mut) else {
                return Err(format!("the scenario has no [[{part}]]"));
            };
            let entry = list
                .iter_mut()
                .find_map(|t| match t.get_mut() {
                    DeValue::Table(t)
                        if t.get("name").and_then(|n| n.get_ref().as_str()) == Some(*name) =>
                    {
                        Some(t)
                    }
                    _ => None,
                })
                .ok_or_else(|| format!("no {part} is named {name:?}"))?;
            set_in(entry, rest, to_set, false)
        }
        [part, rest @ ..] => {
            let (name, index) = indexed(part)?;
            if let Some(index) = index {
                let item = table.get_mut(name).ok_or_else(|| {
                    format!(
                        "there is no `{name}` to select {part} from; add it to the scenario first"
                    )
                })?;
                let inner = entry_of(item.get_mut(), name, index)?;
                return set_in(inner, rest, to_set, false);
            }
            if table.get(*part).is_none() {
                if !top {
                    return Err(format!(
                        "there is no `{part}` to set `{leaf}` in; add it to the scenario first"
                    ));
                }
                let empty = DeValue::Table(DeTable::new());
                table.insert(new_key(part), Spanned::new(at, empty));
            }
            match table.get_mut(*part).map(Spanned::get_mut) {
                Some(DeValue::Table(inner)) => set_in(inner, rest, to_set, false),
                _ => Err(format!("`{part}` is not a table")),
            }
        }
    }
}

/// Every point of `spec` applied to `src` and validated (in point order),
/// reading the files it names within `scope`.
pub fn expand(spec: &SweepSpec, src: &str, path: &Path, scope: FileScope) -> Vec<SweepPoint> {
    let points = SweepPoints::new(spec.clone(), src, path, scope);
    (0..points.len()).map(|index| points.point(index)).collect()
}

/// An edit applied to every point once it is validated (the command
/// line's `--seed` and `--replications`).
pub type PointEdit = Box<dyn Fn(&mut Scenario) + Send + Sync>;

/// The points of a sweep, each built when asked for: a sweep of 100,000
/// points holds the scenarios of the points it is running, not all of them
/// (2.5 KB each, kept from expansion to the end, were most of a long
/// sweep's memory). The scenario is parsed once and data files are read
/// once, shared by every point.
pub struct SweepPoints<'a> {
    spec: SweepSpec,
    src: &'a str,
    base: Parsed<'a>,
    /// Where each axis writes each value in `[sweep]` (a range: where it
    /// is written; not in the file: its end).
    axis_spans: Vec<Vec<Range<usize>>>,
    path: PathBuf,
    scope: FileScope,
    files: DataFiles,
    edit: Option<PointEdit>,
}

impl<'a> SweepPoints<'a> {
    /// The points of `spec` over the scenario text `src` (read from
    /// `path`).
    pub fn new(spec: SweepSpec, src: &'a str, path: &Path, scope: FileScope) -> SweepPoints<'a> {
        // A point is the scenario with its axes' values set, which no point
        // reads its `[sweep]` for: kept, the table (as long as the axes'
        // values) was copied for every point, quadratic in the points.
        let base = parsed_without_sweep(src);
        let sweep = DeTable::parse(src).ok().and_then(|mut root| {
            let (_, sweep) = root.get_mut().remove_entry("sweep")?;
            match sweep.into_inner() {
                DeValue::Table(t) => Some(t),
                _ => None,
            }
        });
        let axis_spans = spec
            .axes
            .iter()
            .map(
                |a| match sweep.as_ref().and_then(|t| t.get(a.key.as_str())) {
                    Some(item) => match item.get_ref() {
                        DeValue::Array(list) => list.iter().map(Spanned::span).collect(),
                        _ => vec![item.span()],
                    },
                    None => std::iter::once(src.len()..src.len()).collect(),
                },
            )
            .collect();
        SweepPoints {
            spec,
            src,
            base,
            axis_spans,
            path: path.to_path_buf(),
            scope,
            files: DataFiles::default(),
            edit: None,
        }
    }

    /// The same points, each edited by `edit` once it is valid.
    pub fn with_edit(self, edit: PointEdit) -> SweepPoints<'a> {
        SweepPoints {
            edit: Some(edit),
            ..self
        }
    }

    /// The axes.
    pub fn spec(&self) -> &SweepSpec {
        &self.spec
    }

    /// Number of points.
    pub fn len(&self) -> usize {
        self.spec.len()
    }

    /// Whether there is no point.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Point `index` (below `len`): its values set in the parsed scenario,
    /// validated again.
    pub fn point(&self, index: usize) -> SweepPoint {
        let values = self.spec.values(index);
        let literals: Vec<String> = values.iter().map(AxisValue::literal).collect();
        // A value of the wrong type: said where the sweep writes it.
        let scenario = match self.scenario(index, &literals, Place::Replaced) {
            Ok(Err(ScenarioError::Toml { .. })) => self.scenario(index, &literals, Place::Sweep),
            other => other,
        }
        .and_then(|read| read.map_err(|e| reasons(&e)))
        .map(|mut s| {
            if let Some(edit) = &self.edit {
                edit(&mut s);
            }
            s
        });
        SweepPoint {
            index,
            values,
            scenario,
        }
    }

    /// The scenario of point `index`, whose values are `literals`, placed
    /// as `place` says; the outer error when a value cannot be set (its
    /// key path leads nowhere).
    fn scenario(
        &self,
        index: usize,
        literals: &[String],
        place: Place,
    ) -> Result<Result<Scenario, ScenarioError>, String> {
        let mut root: Parsed<'_> = self.base.clone();
        let spans = self.spec.positions(index).into_iter().zip(&self.axis_spans);
        for ((axis, literal), (i, at)) in self.spec.axes.iter().zip(literals).zip(spans) {
            let at = at.get(i).unwrap_or(&at[0]).clone();
            set(root.get_mut(), &axis.key, literal, at, place)?;
        }
        Ok(super::from_table_sharing(
            root,
            self.src,
            &self.path,
            self.scope,
            &self.files,
        ))
    }
}

/// A one-line reason from a validation failure.
fn reasons(e: &ScenarioError) -> String {
    match e {
        ScenarioError::Invalid { issues, .. } => issues
            .iter()
            .map(|i| format!("{}: {}", i.key, i.message))
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

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
