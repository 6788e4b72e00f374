//! `poolcast sweep`, `poolcast merge` and `poolcast plan`.

use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;
use rayon::prelude::*;

use super::outputs::Outputs;
use super::shards;
use super::{
    BadInput, apply_overrides, emit, progress_bar, thread_pool, write_output, write_output_with,
};
use crate::cli::{Format, RunArgs, SweepArgs};
use crate::forecast::memory::SweepMemory;
use crate::report;
use crate::report::Kind;
use crate::results::{self, Objective, SweepMeta, SweepMetaFile, SweepTable};
use crate::scenario::{self, SweepPoints};
use crate::sweep::{self, Progress, SweepOptions};

/// The base scenario and the sweep's points (built when run), with the
/// command-line overrides applied to each, and what a look at every point
/// up front found.
struct Prepared<'a> {
    base: scenario::Scenario,
    points: SweepPoints<'a>,
    /// What the memory estimate needs of the valid points (of the shard).
    memory: SweepMemory,
    /// Identifies the sweep (version, file, data files, seed,
    /// replications; `sweep` adds its precision settings): shards of
    /// different sweeps must not be merged.
    fingerprint: results::Fingerprint,
    /// The scenario and every point's data files: what the output must
    /// not replace.
    reads: Vec<PathBuf>,
    /// What a comparison of tiers assumes (said with the warnings).
    assumptions: Vec<String>,
}

/// What one pass over the points finds before any simulation: each point
/// is built, validated, looked at and dropped, so the pass holds one
/// point per thread however many there are.
#[derive(Default)]
struct Survey {
    /// The first valid point, in point order.
    first_valid: Option<scenario::Scenario>,
    /// The files the valid points read.
    files: BTreeSet<PathBuf>,
    memory: SweepMemory,
}

impl Survey {
    /// The survey of the points of `shard`, and what every shard must
    /// agree on (the first valid point, the files the valid points read):
    /// from every point when an axis can change the files, else from the
    /// first valid point (a shard of 1 point in 100 had built and
    /// validated all 100).
    fn of(points: &SweepPoints, shard: Option<(usize, usize)>) -> Survey {
        if shard.is_none() || points.spec().may_change_files() {
            return Survey::over(points, shard, |_| true);
        }
        let mut survey = Survey::over(points, shard, |i| sweep::in_shard(i, shard));
        let first = (0..points.len())
            .take_while(|_| !super::interrupted())
            .find_map(|i| points.point(i).scenario.ok());
        survey.files = first
            .iter()
            .flat_map(|s| s.data_files.iter().cloned())
            .collect();
        survey.first_valid = first;
        survey
    }

    /// The survey of the points `wanted` picks (the memory estimate of
    /// those of `shard` only).
    fn over(
        points: &SweepPoints,
        shard: Option<(usize, usize)>,
        wanted: impl Fn(usize) -> bool + Sync + Send,
    ) -> Survey {
        (0..points.len())
            .into_par_iter()
            .filter(|&i| wanted(i))
            .fold(Survey::default, |mut survey, i| {
                // 100,000 points take seconds: a Ctrl-C skips the rest.
                if super::interrupted() {
                    return survey;
                }
                if let Ok(s) = points.point(i).scenario {
                    survey.files.extend(s.data_files.iter().cloned());
                    if sweep::in_shard(i, shard) {
                        survey.memory.add(&s);
                    }
                    survey.first_valid.get_or_insert(s);
                }
                survey
            })
            // Folds of earlier points come first: the first valid point is
            // the same whatever the thread count.
            .reduce(Survey::default, |mut early, late| {
                early.first_valid = early.first_valid.or(late.first_valid);
                early.files.extend(late.files);
                early.memory = early.memory.join(late.memory);
                early
            })
    }
}

/// The content of each of `files` (what the scenario and its points read),
/// hashed (traces and durations files change a point's result as the
/// scenario text does), sorted. Read through the same capped reader as
/// when loading.
fn data_hashes(files: &BTreeSet<PathBuf>) -> Result<Vec<String>> {
    files
        .iter()
        .map(|f| {
            let mut input = crate::input::Input::open(f, crate::input::Limit::RUNS)
                .map_err(|e| BadInput(e.to_string()))?;
            // The content only: shards run from other folders agree.
            let mut h = results::Checksum::default();
            let mut buf = vec![0u8; 1 << 16];
            loop {
                match std::io::Read::read(&mut input, &mut buf) {
                    Ok(0) => break,
                    Ok(n) => h.update(&buf[..n]),
                    Err(e) => return Err(BadInput(input.read_error(&e).to_string()).into()),
                }
            }
            Ok(h.hex())
        })
        .collect::<Result<Vec<_>>>()
        .map(|mut hashes| {
            hashes.sort();
            hashes
        })
}

/// Reads the sweep of the scenario text `src` and looks at every point
/// (on `pool`'s threads), only those of `shard` for the memory estimate.
fn prepare<'a>(
    args: &RunArgs,
    src: &'a str,
    shard: Option<(usize, usize)>,
    pool: &rayon::ThreadPool,
) -> Result<Prepared<'a>> {
    let path = &args.scenario;
    let spec = scenario::sweep_spec(src, path)?.ok_or_else(|| {
        BadInput(format!(
            "{} has no [sweep]; add axes such as \"pool.NAME.count\" = [1, 2, 3, 4] (see README, Sweeps)",
            path.display()
        ))
    })?;
    let scope = super::file_scope(args.scope.allow_outside);
    let points =
        SweepPoints::new(spec, src, path, scope).with_edit(Box::new(super::overrides(args)?));
    let survey = pool.install(|| Survey::of(&points, shard));
    if super::interrupted() {
        return Err(super::Interrupted.into());
    }
    // The file as written need not be valid on its own (an I6 pool whose
    // quota comes from an axis, say): any valid point serves as the base.
    let base = match scenario::from_str_in(src, path, scope) {
        Ok(mut s) => {
            apply_overrides(args, &mut s)?;
            s
        }
        Err(e) => survey.first_valid.ok_or(e)?,
    };
    let mut files = survey.files;
    files.extend(base.data_files.iter().cloned());
    let given = |v: Option<String>| v.unwrap_or_else(|| "the scenario's".into());
    let fingerprint = results::Fingerprint::of([
        ("version", env!("CARGO_PKG_VERSION").to_string()),
        ("scenario text", results::checksum(&[src.as_bytes()])),
        ("data files", data_hashes(&files)?.join(",")),
        ("seed", given(args.simulation.seed.map(|s| s.to_string()))),
        (
            "replications",
            given(args.simulation.replications.map(|r| r.to_string())),
        ),
    ]);
    let reads = files.into_iter().chain([path.to_path_buf()]).collect();
    let assumptions = base.tier_assumptions(&points.spec().tier_pools());
    Ok(Prepared {
        assumptions,
        base,
        points,
        memory: survey.memory,
        fingerprint,
        reads,
    })
}

/// The memory budget for the valid points, each run up to `replications`
/// times (or their own count, when larger), `held` of them kept at once.
fn check_points_memory(
    prepared: &Prepared,
    held: usize,
    replications: u32,
    pool: &rayon::ThreadPool,
    args: &RunArgs,
) -> Result<()> {
    super::check_memory(
        &prepared
            .memory
            .estimate(held, replications, pool.current_num_threads()),
        args.max_memory.as_deref(),
    )
}

/// `K/N`, or `index:VAR/N` with a 0-based index in the environment
/// variable VAR (what job arrays hand each job), as 1-based `(K, N)`.
fn parse_shard(text: &str) -> Result<(usize, usize)> {
    let bad = |why: String| -> anyhow::Error {
        BadInput(format!(
            "--shard {text:?}: {why}; write K/N with 1 <= K <= N (e.g. --shard 2/4), or index:VAR/N with VAR holding a 0-based index (e.g. --shard index:JOB_COMPLETION_INDEX/4)"
        ))
        .into()
    };
    let (k, n) = text
        .split_once('/')
        .ok_or_else(|| bad("there is no /".into()))?;
    let n: usize = n
        .trim()
        .parse()
        .map_err(|_| bad(format!("{n:?} is not a count")))?;
    let k: usize = match k.trim().strip_prefix("index:") {
        Some(var) => {
            let value = std::env::var(var)
                .map_err(|_| bad(format!("the environment variable {var} is not set")))?;
            let index: usize = value
                .trim()
                .parse()
                .map_err(|_| bad(format!("{var}={value:?} is not an index")))?;
            // Named as the 0-based index it is ("shard 5 of 4" had read
            // as one past the end of a 1-based count).
            if n >= 1 && index >= n {
                return Err(bad(format!(
                    "{var}={index} is past the last 0-based index {} of {n} shards",
                    n.saturating_sub(1)
                )));
            }
            index + 1
        }
        None => k
            .trim()
            .parse()
            .map_err(|_| bad(format!("{k:?} is not a number")))?,
    };
    if n >= 1 && (1..=n).contains(&k) {
        Ok((k, n))
    } else {
        Err(bad(format!("shard {k} of {n} does not exist")))
    }
}

/// A progress bar driven by `Progress` events. It stays out of sight until
/// the first simulations are announced, so its first frame is never 0/0.
pub(super) fn bar_for(quiet: bool, name: &str) -> (indicatif::ProgressBar, bool) {
    let bar = progress_bar(0, quiet, "simulations");
    let shown = !bar.is_hidden();
    bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    bar.set_message(name.to_string());
    (bar, shown)
}

pub(super) fn on_progress(
    (bar, shown): &(indicatif::ProgressBar, bool),
) -> impl Fn(Progress) + Sync + '_ {
    move |p| match p {
        Progress::Added(n) => {
            bar.inc_length(n);
            if *shown && bar.is_hidden() {
                bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
            }
        }
        Progress::Done => bar.inc(1),
    }
}

/// The `sweep.csv` of a sweep, once written: its checksum (for
/// `sweep.json`), and its bytes when they are to be printed (`--format
/// csv`).
struct RowsWritten {
    checksum: String,
    printed: Option<Vec<u8>>,
}

/// Writes to a file and, when asked, to a copy in memory.
struct Tee<'a> {
    file: &'a mut dyn Write,
    copy: Option<Vec<u8>>,
}

impl Write for Tee<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.file.write(buf)?;
        if let Some(copy) = &mut self.copy {
            copy.extend_from_slice(&buf[..n]);
        }
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

/// What a sweep needs to run besides its points.
struct SweepRun<'a> {
    pool: &'a rayon::ThreadPool,
    opts: SweepOptions,
    obj: Objective,
    /// `--format csv`: the rows are printed too.
    print_rows: bool,
    progress: &'a (dyn Fn(Progress) + Sync),
}

/// Runs the sweep, writing `sweep.csv` to `file` a chunk of rows at a
/// time.
fn run_into(
    file: &mut dyn Write,
    points: &SweepPoints,
    table: SweepTable,
    run: &SweepRun,
) -> std::io::Result<(SweepTable, RowsWritten)> {
    let axes: Vec<String> = points.spec().axes.iter().map(|a| a.key.clone()).collect();
    let tee = Tee {
        file,
        copy: run.print_rows.then(Vec::new),
    };
    let mut csv = report::SweepCsv::new(tee, &axes, &table.metrics, run.obj.clone())?;
    let table = sweep::run_sweep(
        run.pool,
        points,
        table,
        run.opts,
        &super::INTERRUPTED,
        run.progress,
        &mut |row| csv.row(row),
    )?;
    let (tee, checksum) = csv.finish()?;
    Ok((
        table,
        RowsWritten {
            checksum,
            printed: tee.copy,
        },
    ))
}

/// Writes the outputs of a complete sweep (but `sweep.csv`, already
/// written) and prints the summary.
fn finish(
    out: &Outputs,
    meta: &SweepMeta,
    table: &SweepTable,
    rows: &RowsWritten,
    assumptions: &[String],
    format: Format,
    quiet: bool,
) -> Result<()> {
    let (scenario, obj) = (meta.scenario.as_str(), &meta.objective);
    // Each file is written as the conditions are decided, one at a time;
    // the words read this summary of them.
    let mut summary = report::sweep_summary(table, obj)?;
    summary.warnings.splice(0..0, assumptions.iter().cloned());
    let files = report::SweepFiles {
        table,
        obj,
        warnings: &summary.warnings,
        meta: SweepMetaFile::new(
            scenario,
            meta.points,
            table,
            obj,
            None,
            &meta.fingerprint,
            &rows.checksum,
        ),
    };
    out.export(
        &report::SWEEP_EXPORTERS,
        |write, w| write(&files, w),
        || Ok(report::sweep_charts(table, obj, out.chart_formats())?),
        |charts| report::Document::for_sweep(scenario, table, obj, &summary, charts),
    )?;
    match format {
        Format::Table => {
            // Where the rest is, when it was written.
            let csv = out.wants(Kind::Csv) && out.dir().is_some();
            emit(&report::sweep_text(scenario, table, obj, &summary, csv))?;
        }
        Format::Json => print_recommendation(table, obj, &summary.warnings)?,
        Format::Csv => emit(&String::from_utf8_lossy(
            rows.printed.as_deref().unwrap_or_default(),
        ))?,
    }
    if !quiet {
        for w in &summary.warnings {
            note!("warning: {w}");
        }
    }
    Ok(())
}

/// A table for a sweep's rows, or why its temporary file cannot be made
/// (the message names `TMPDIR`).
fn new_table(table: std::io::Result<SweepTable>) -> Result<SweepTable> {
    table.map_err(|e| BadInput(e.to_string()).into())
}

/// Prints `recommendation.json` as it is made.
fn print_recommendation(table: &SweepTable, obj: &Objective, warnings: &[String]) -> Result<()> {
    let mut out = std::io::stdout().lock();
    super::on_stdout(
        report::write_recommendation_json(&mut out, table, obj, warnings)
            .and_then(|()| out.flush()),
    )
}

pub(super) fn sweep(args: &SweepArgs) -> Result<ExitCode> {
    let shard = args.shard.as_deref().map(parse_shard).transpose()?;
    if let Some(p) = args
        .precision
        .filter(|p| !(p.is_finite() && *p > 0.0 && *p < 1.0))
    {
        return Err(BadInput(format!(
            "--precision {p}: give a fraction between 0 and 1, e.g. 0.05"
        ))
        .into());
    }
    if !(1..=crate::scenario::MAX_REPLICATIONS).contains(&args.max_replications) {
        return Err(BadInput(format!(
            "--max-replications must be between 1 and {}, got {}",
            crate::scenario::MAX_REPLICATIONS,
            args.max_replications
        ))
        .into());
    }
    let run = &args.run;
    let pool = thread_pool(run.simulation.threads)?;
    let src = scenario::read_source(&run.scenario)?;
    let mut prepared = prepare(run, &src, shard, &pool)?;
    // --max-replications changes nothing without --precision.
    if let Some(p) = args.precision {
        prepared.fingerprint = prepared.fingerprint.with(
            "precision",
            format!("{p}, at most {} replications", args.max_replications),
        );
    }
    let table = new_table(sweep::table_of(
        prepared.points.spec(),
        sweep::metric_names(&prepared.base),
    ))?;
    let out = Outputs::prepare(
        &run.output,
        run.out.as_deref(),
        &prepared.base.name,
        Some("sweep"),
    )?
    .protect(&prepared.reads)?;
    let most = if args.precision.is_some() {
        args.max_replications
    } else {
        0
    };
    check_points_memory(&prepared, sweep::POINTS_PER_CHUNK, most, &pool, run)?;
    let obj = sweep::objective_of(&prepared.base);
    let bar = bar_for(run.print.quiet, &prepared.base.name);
    let progress = on_progress(&bar);
    let sweep_run = SweepRun {
        pool: &pool,
        opts: SweepOptions {
            precision: args.precision,
            max_replications: args.max_replications,
            shard,
        },
        obj: obj.clone(),
        print_rows: run.print.format == Format::Csv && shard.is_none(),
        progress: &progress,
    };
    // The rows go to sweep.csv as they are made: a shard's always (merge
    // reads it, whatever --outputs says), a sweep's when asked for.
    let mut done = None;
    {
        let mut table = Some(table);
        let mut into_csv = |file: &mut dyn Write| {
            let table = table.take().expect("one sweep");
            done = Some(run_into(file, &prepared.points, table, &sweep_run)?);
            Ok(())
        };
        if shard.is_some() {
            let dir = out.dir_for_shard()?;
            write_output_with(dir, "sweep.csv", &mut into_csv)?;
        } else if out.wants(Kind::Csv) && out.dir().is_some() {
            out.write_with(Kind::Csv, "sweep.csv", &mut into_csv)?;
        } else {
            into_csv(&mut std::io::sink())?;
        }
    }
    let (table, rows) = done.expect("the sweep ran");
    bar.0.finish_and_clear();
    if super::interrupted() {
        return Err(super::Interrupted.into());
    }
    let points = prepared.points.len();
    if let Some((k, n)) = shard {
        let dir = out.dir_for_shard()?;
        write_output(
            dir,
            "sweep.json",
            report::sweep_meta_json(&SweepMetaFile::new(
                &prepared.base.name,
                points,
                &table,
                &obj,
                shard,
                &prepared.fingerprint,
                &rows.checksum,
            ))
            .as_bytes(),
        )?;
        if !run.print.quiet {
            note!(
                "shard {k}/{n}: {} of {points} points; join the shards with poolcast merge",
                table.len()
            );
            note!("wrote {}", dir.path().display());
        }
        out.finish()?;
        return Ok(ExitCode::SUCCESS);
    }
    let meta = SweepMeta {
        scenario: prepared.base.name.clone(),
        fingerprint: prepared.fingerprint.clone(),
        rows_checksum: String::new(),
        points,
        axes: table.axes.clone(),
        axis_values: table.axis_values().to_vec(),
        metrics: table.metrics.clone(),
        objective: obj,
    };
    finish(
        &out,
        &meta,
        &table,
        &rows,
        &prepared.assumptions,
        run.print.format,
        run.print.quiet,
    )?;
    out.finish_noted(run.print.quiet)?;
    Ok(ExitCode::SUCCESS)
}

/// The files of the shards `files` (each sweep.csv with its sweep.json),
/// which a merge into a shard's folder would replace.
fn shard_files(files: &[PathBuf]) -> Vec<PathBuf> {
    files
        .iter()
        .flat_map(|f| [f.clone(), f.with_file_name("sweep.json")])
        .collect()
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
    let bad = |m: String| anyhow::Error::new(BadInput(m));
    let meta = shards::read_sweep_meta(&files[0])?;
    // The name makes the output folder's: a damaged one could point
    // anywhere.
    if !crate::scenario::is_valid_name(&meta.scenario) {
        return Err(bad(format!(
            "{}: no valid scenario name",
            files[0].with_file_name("sweep.json").display()
        )));
    }
    if meta.points > crate::scenario::MAX_POINTS {
        return Err(bad(format!(
            "{}: a sweep of {} points is more than the limit of {}; it was not written by poolcast sweep",
            files[0].with_file_name("sweep.json").display(),
            meta.points,
            crate::scenario::MAX_POINTS
        )));
    }
    let named = meta.axis_values.len() == meta.axes.len()
        && meta
            .axis_values
            .iter()
            .try_fold(1usize, |n, values| n.checked_mul(values.len()))
            == Some(meta.points);
    if !named {
        return Err(bad(format!(
            "{}: the values of its axes do not make its {} points (an older poolcast wrote it, or it was edited); run the shards again",
            files[0].with_file_name("sweep.json").display(),
            meta.points
        )));
    }
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
            return Err(bad(format!(
                "{} is a shard of another sweep than {}{what}",
                f.display(),
                files[0].display()
            )));
        }
        // The axis values (as many as the points, for one axis listed
        // value by value) are kept once, in `meta`.
        metas.push(results::SweepMeta {
            axis_values: Vec::new(),
            ..m
        });
    }
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

pub(super) fn plan(args: &RunArgs) -> Result<ExitCode> {
    let pool = thread_pool(args.simulation.threads)?;
    let src = scenario::read_source(&args.scenario)?;
    let prepared = prepare(args, &src, None, &pool)?;
    let obj = sweep::objective_of(&prepared.base);
    // A plan's grid is one capacity axis (by tier): small, built whole.
    let points: Vec<_> = (0..prepared.points.len())
        .map(|i| prepared.points.point(i))
        .collect();
    let spec = prepared.points.spec();
    sweep::plan_axis(spec, &points, &obj)?;
    super::outputs::check_writes_some(&args.output, "plan", &[Kind::Csv, Kind::Json])?;
    let out = Outputs::prepare(
        &args.output,
        args.out.as_deref(),
        &prepared.base.name,
        Some("plan"),
    )?
    .protect(&prepared.reads)?;
    // A plan simulates one point at a time.
    check_points_memory(&prepared, 1, 0, &pool, args)?;
    let bar = bar_for(args.print.quiet, &prepared.base.name);
    let progress = on_progress(&bar);
    let bar = &bar.0;
    let metrics = sweep::metric_names(&prepared.base);
    let outcome =
        pool.install(|| sweep::plan(spec, &points, metrics, &obj, &super::INTERRUPTED, &progress))?;
    bar.finish_and_clear();
    if super::interrupted() {
        return Err(super::Interrupted.into());
    }
    let mut summary = report::sweep_summary(&outcome.table, &obj)?;
    summary
        .warnings
        .splice(0..0, prepared.assumptions.iter().cloned());
    let files = report::PlanFiles {
        scenario: &prepared.base.name,
        outcome: &outcome,
        obj: &obj,
        summary: &summary,
    };
    out.export_files(&report::PLAN_EXPORTERS, |write, w| write(&files, w))?;
    match args.print.format {
        Format::Table => emit(&files.text())?,
        Format::Json => print_recommendation(&outcome.table, &obj, &summary.warnings)?,
        Format::Csv => emit(&String::from_utf8_lossy(&files.csv()?))?,
    }
    if !args.print.quiet {
        for w in &summary.warnings {
            note!("warning: {w}");
        }
    }
    out.finish_noted(args.print.quiet)?;
    Ok(ExitCode::SUCCESS)
}
