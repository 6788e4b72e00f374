//! The points of a sweep: the scenario as parsed with each point's axis
//! values set in it, validated again, built when asked for.

use std::ops::Range;
use std::path::{Path, PathBuf};

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::error::ScenarioError;
use super::set_key::{Parsed, Place, parsed_without_sweep, set};
use super::sweep_spec::{AxisValue, SweepPoint, SweepSpec};
use super::{DataFiles, FileScope, Scenario};

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
