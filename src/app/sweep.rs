//! `poolcast sweep`: every point of the `[sweep]` space (or of one shard
//! of it), its rows written as they end; what `merge` and `plan` share
//! with it.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;

use super::outputs::{Outputs, Steps};
use super::points::{Prepared, check_points_memory, prepare};
use super::{BadInput, emit, progress_bar, thread_pool, write_output, write_output_with};
use crate::cli::{Format, SweepArgs};
use crate::report;
use crate::report::Kind;
use crate::results::{Objective, SweepMeta, SweepMetaFile, SweepTable};
use crate::scenario::{self, SweepPoints};
use crate::sweep::{self, Progress, SweepOptions};

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
pub(super) struct RowsWritten {
    pub(super) checksum: String,
    pub(super) printed: Option<Vec<u8>>,
}

/// Writes to a file and, when asked, to a copy in memory.
pub(super) struct Tee<'a> {
    pub(super) file: &'a mut dyn Write,
    pub(super) copy: Option<Vec<u8>>,
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
pub(super) fn finish(
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
        Steps {
            draw: Some(Box::new(|| {
                Ok(report::sweep_charts(table, obj, out.chart_formats())?)
            })),
            document: Some(Box::new(|charts| {
                report::Document::for_sweep(scenario, table, obj, &summary, charts)
            })),
            ..Steps::default()
        },
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
pub(super) fn new_table(table: std::io::Result<SweepTable>) -> Result<SweepTable> {
    table.map_err(|e| BadInput(e.to_string()).into())
}

/// Prints `recommendation.json` as it is made.
pub(super) fn print_recommendation(
    table: &SweepTable,
    obj: &Objective,
    warnings: &[String],
) -> Result<()> {
    let mut out = std::io::stdout().lock();
    super::on_stdout(
        report::write_recommendation_json(&mut out, table, obj, warnings)
            .and_then(|()| out.flush()),
    )
}

/// Refuses a `--precision` outside (0, 1) and a `--max-replications`
/// outside the scenario's limits.
fn check_precision(args: &SweepArgs) -> Result<()> {
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
    Ok(())
}

/// Runs the sweep, its rows going to `sweep.csv` as they are made: a
/// shard's always (merge reads it, whatever `--outputs` says), a sweep's
/// when asked for.
fn run_rows(
    out: &Outputs,
    shard: Option<(usize, usize)>,
    points: &SweepPoints,
    table: SweepTable,
    run: &SweepRun,
) -> Result<(SweepTable, RowsWritten)> {
    let mut done = None;
    let mut table = Some(table);
    let mut into_csv = |file: &mut dyn Write| {
        let table = table.take().expect("one sweep");
        done = Some(run_into(file, points, table, run)?);
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
    Ok(done.expect("the sweep ran"))
}

/// Ends shard `k` of `n`: its `sweep.json` beside its `sweep.csv`, for
/// merge.
fn finish_shard(
    out: Outputs,
    (k, n): (usize, usize),
    prepared: &Prepared,
    (table, rows): (&SweepTable, &RowsWritten),
    obj: &Objective,
    quiet: bool,
) -> Result<ExitCode> {
    let points = prepared.points.len();
    let dir = out.dir_for_shard()?;
    write_output(
        dir,
        "sweep.json",
        report::sweep_meta_json(&SweepMetaFile::new(
            &prepared.base.name,
            points,
            table,
            obj,
            Some((k, n)),
            &prepared.fingerprint,
            &rows.checksum,
        ))
        .as_bytes(),
    )?;
    if !quiet {
        note!(
            "shard {k}/{n}: {} of {points} points; join the shards with poolcast merge",
            table.len()
        );
        note!("wrote {}", dir.path().display());
    }
    out.finish()?;
    Ok(ExitCode::SUCCESS)
}

/// What a whole sweep's files are written with (`sweep.json`'s rows
/// checksum is the one `finish` is given).
fn sweep_meta(prepared: &Prepared, table: &SweepTable, obj: Objective) -> SweepMeta {
    SweepMeta {
        scenario: prepared.base.name.clone(),
        fingerprint: prepared.fingerprint.clone(),
        rows_checksum: String::new(),
        points: prepared.points.len(),
        axes: table.axes.clone(),
        axis_values: table.axis_values().to_vec(),
        metrics: table.metrics.clone(),
        objective: obj,
    }
}

pub(super) fn sweep(args: &SweepArgs) -> Result<ExitCode> {
    let shard = args.shard.as_deref().map(parse_shard).transpose()?;
    check_precision(args)?;
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
    let (table, rows) = run_rows(&out, shard, &prepared.points, table, &sweep_run)?;
    bar.0.finish_and_clear();
    if super::interrupted() {
        return Err(super::Interrupted.into());
    }
    if let Some(shard) = shard {
        return finish_shard(
            out,
            shard,
            &prepared,
            (&table, &rows),
            &obj,
            run.print.quiet,
        );
    }
    let meta = sweep_meta(&prepared, &table, obj);
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
