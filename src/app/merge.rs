//! `poolcast merge`: the shards of a sweep joined into one, each checked
//! to be of the same sweep and every point in exactly one shard before
//! anything is written.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;

use super::BadInput;
use super::outputs::Outputs;
use super::shards;
use super::sweep::{RowsWritten, Tee, finish, new_table};
use crate::cli::Format;
use crate::report::{self, Kind};
use crate::results::{self, SweepTable};

/// The files of the shards `files` (each sweep.csv with its sweep.json),
/// which a merge into a shard's folder would replace.
fn shard_files(files: &[PathBuf]) -> Vec<PathBuf> {
    files
        .iter()
        .flat_map(|f| [f.clone(), f.with_file_name("sweep.json")])
        .collect()
}

/// Refuses the first shard's `sweep.json` (beside `first`, as `meta`)
/// when its name, its count of points or its axis values could not have
/// come from poolcast sweep.
fn check_first_meta(first: &Path, meta: &results::SweepMeta) -> Result<()> {
    let file = first.with_file_name("sweep.json");
    // The name makes the output folder's: a damaged one could point
    // anywhere.
    if !crate::scenario::is_valid_name(&meta.scenario) {
        return Err(BadInput(format!("{}: no valid scenario name", file.display())).into());
    }
    if meta.points > crate::scenario::MAX_POINTS {
        return Err(BadInput(format!(
            "{}: a sweep of {} points is more than the limit of {}; it was not written by poolcast sweep",
            file.display(),
            meta.points,
            crate::scenario::MAX_POINTS
        ))
        .into());
    }
    let named = meta.axis_values.len() == meta.axes.len()
        && meta
            .axis_values
            .iter()
            .try_fold(1usize, |n, values| n.checked_mul(values.len()))
            == Some(meta.points);
    if !named {
        return Err(BadInput(format!(
            "{}: the values of its axes do not make its {} points (an older poolcast wrote it, or it was edited); run the shards again",
            file.display(),
            meta.points
        ))
        .into());
    }
    Ok(())
}

/// The `sweep.json` of each of `files`, refused unless it is of the same
/// sweep as `meta` (the first's). The axis values (as many as the
/// points, for one axis listed value by value) are kept once, in `meta`.
fn shard_metas(files: &[PathBuf], meta: &results::SweepMeta) -> Result<Vec<results::SweepMeta>> {
    let mut metas = Vec::new();
    for f in files {
        let m = shards::read_sweep_meta(f)?;
        let same = (
            &m.scenario,
            &m.fingerprint,
            m.points,
            &m.axes,
            &m.axis_values,
            &m.metrics,
            &m.objective,
        ) == (
            &meta.scenario,
            &meta.fingerprint,
            meta.points,
            &meta.axes,
            &meta.axis_values,
            &meta.metrics,
            &meta.objective,
        );
        if !same {
            let what = meta
                .fingerprint
                .differences(&m.fingerprint)
                .map_or_else(String::new, |d| format!(" ({d})"));
            return Err(BadInput(format!(
                "{} is a shard of another sweep than {}{what}",
                f.display(),
                files[0].display()
            ))
            .into());
        }
        metas.push(results::SweepMeta {
            axis_values: Vec::new(),
            ..m
        });
    }
    Ok(metas)
}

pub(super) fn merge(
    files: &[PathBuf],
    out: Option<&Path>,
    output: &crate::cli::OutputArgs,
    format: Format,
    quiet: bool,
) -> Result<ExitCode> {
    // Checked before the shards are read, in merge's name.
    super::outputs::kinds_without_tasks(output, "merge")?;
    let meta = shards::read_sweep_meta(&files[0])?;
    check_first_meta(&files[0], &meta)?;
    let metas = shard_metas(files, &meta)?;
    let shards: Vec<(&Path, &results::SweepMeta)> =
        files.iter().map(PathBuf::as_path).zip(&metas).collect();
    let axes = meta
        .axes
        .iter()
        .cloned()
        .zip(meta.axis_values.iter().cloned());
    let mut table = new_table(SweepTable::new(axes.collect(), meta.metrics.clone()))?;
    check_merged_rows(&shards, &meta, &mut table)?;
    let out = Outputs::prepare(output, out, &meta.scenario, Some("sweep"))?
        .protect(&shard_files(files))?;
    // The rows go to sweep.csv as they are read again, in point order.
    let mut written = None;
    let mut into_csv = |file: &mut dyn Write| {
        written = Some(write_merged_rows(
            file,
            &shards,
            &meta,
            format == Format::Csv,
        )?);
        Ok(())
    };
    if out.wants(Kind::Csv) && out.dir().is_some() {
        out.write_with(Kind::Csv, "sweep.csv", &mut into_csv)?;
    } else {
        into_csv(&mut std::io::sink())?;
    }
    let rows = written.expect("the rows were written");
    // A merge has no scenario to read its assumptions from: each shard
    // said them.
    finish(&out, &meta, &table, &rows, &[], format, quiet)?;
    out.finish_noted(quiet)?;
    Ok(ExitCode::SUCCESS)
}

/// The rows of `shards` (each a `sweep.csv` and its `sweep.json`), in
/// point order, one row a shard held at a time: each shard's rows are in
/// point order, as a sweep writes them.
fn rows_in_point_order<'s>(
    shards: &'s [(&'s Path, &'s results::SweepMeta)],
) -> Result<impl Iterator<Item = Result<results::SweepRow>> + 's> {
    let mut readers = Vec::new();
    for (path, meta) in shards {
        readers.push(shards::ShardRows::open(path, meta)?);
    }
    let mut heads: Vec<Option<results::SweepRow>> = Vec::new();
    let mut order = BinaryHeap::new();
    let mut pending = None;
    for (i, r) in readers.iter_mut().enumerate() {
        let head = r.next().transpose()?;
        if let Some(row) = &head {
            order.push(Reverse((row.point, i)));
        }
        heads.push(head);
    }
    Ok(std::iter::from_fn(move || {
        if let Some(e) = pending.take() {
            return Some(Err(e));
        }
        let Reverse((point, i)) = order.pop()?;
        let row = heads[i].take()?;
        match readers[i].next().transpose() {
            Ok(Some(next)) if next.point <= point => {
                pending = Some(anyhow::Error::new(BadInput(format!(
                    "{}: point {} comes after point {point}; a sweep writes its rows in point order, so the file was edited or damaged: run the shard again",
                    shards[i].0.display(),
                    next.point
                ))));
            }
            Ok(Some(next)) => {
                order.push(Reverse((next.point, i)));
                heads[i] = Some(next);
            }
            Ok(None) => {}
            Err(e) => pending = Some(e.into()),
        }
        Some(Ok(row))
    }))
}

/// Reads the rows of `shards` in point order into `table`, refusing rows
/// beyond the sweep, a point in two shards, points in none and rows
/// whose names are not the axis values' (each said as the first in point
/// order, in that order of precedence), before anything is written.
fn check_merged_rows(
    shards: &[(&Path, &results::SweepMeta)],
    meta: &results::SweepMeta,
    table: &mut SweepTable,
) -> Result<()> {
    let bad = |m: String| anyhow::Error::new(BadInput(m));
    let (mut beyond, mut twice, mut misnamed) = (None, None, None);
    let (mut missing, mut next, mut last) = (Vec::new(), 0usize, None);
    for row in rows_in_point_order(shards)? {
        let r = row?;
        if r.point >= meta.points {
            beyond.get_or_insert(r.point);
            continue;
        }
        if last == Some(r.point) {
            twice.get_or_insert(r.point);
            continue;
        }
        missing.extend((next..r.point).take(10 - missing.len().min(10)));
        (next, last) = (r.point + 1, Some(r.point));
        // The names of a point are sweep.json's, which the rows' checksum
        // does not cover: a shard's rows must agree with them.
        let names = table.params(r.point);
        if misnamed.is_none() && r.params != names {
            misnamed = Some(format!(
                "point {} is ({}) in its sweep.csv but ({}) by the axis values of {}; the shard files were edited or damaged, run the shards again",
                r.point,
                r.params.join(", "),
                names.join(", "),
                shards[0].0.with_file_name("sweep.json").display()
            ));
        }
        table.insert(&r)?;
    }
    missing.extend((next..meta.points).take(10 - missing.len().min(10)));
    if let Some(p) = beyond {
        return Err(bad(format!(
            "point {p} is beyond the sweep's {} points; the shard files are damaged",
            meta.points
        )));
    }
    if let Some(p) = twice {
        return Err(bad(format!(
            "point {p} appears in two shards; merge each shard once"
        )));
    }
    if !missing.is_empty() {
        let list: Vec<String> = missing.iter().map(usize::to_string).collect();
        return Err(bad(format!(
            "points {} are in no shard; merge every shard",
            list.join(", ")
        )));
    }
    misnamed.map_or(Ok(()), |m| Err(bad(m)))
}

/// Writes the rows of `shards` as one `sweep.csv` to `file`, in point
/// order (read again: none is held), copied in memory when `print`.
fn write_merged_rows(
    file: &mut dyn Write,
    shards: &[(&Path, &results::SweepMeta)],
    meta: &results::SweepMeta,
    print: bool,
) -> std::io::Result<RowsWritten> {
    let tee = Tee {
        file,
        copy: print.then(Vec::new),
    };
    let mut csv = report::SweepCsv::new(tee, &meta.axes, &meta.metrics, meta.objective.clone())?;
    let rows = rows_in_point_order(shards).map_err(std::io::Error::other)?;
    for row in rows {
        csv.row(&row.map_err(std::io::Error::other)?)?;
    }
    let (tee, checksum) = csv.finish()?;
    Ok(RowsWritten {
        checksum,
        printed: tee.copy,
    })
}
