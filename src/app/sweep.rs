//! `poolcast sweep`, `poolcast merge` and `poolcast plan`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;

use super::outputs::{Kind, Outputs};
use super::{BadInput, apply_overrides, emit, progress_bar, thread_pool, write_output};
use crate::cli::{Format, RunArgs, SweepArgs};
use crate::report::{self, SweepMeta};
use crate::scenario::{self, SweepPoint, SweepSpec};
use crate::sweep::{self, Objective, Progress, SweepOptions, SweepRow, SweepTable};

/// The base scenario, its sweep and every point, validated, with the
/// command-line overrides applied to each.
struct Prepared {
    base: scenario::Scenario,
    spec: SweepSpec,
    points: Vec<SweepPoint>,
    /// Identifies the sweep (version, file, data files, seed,
    /// replications; `sweep` adds its precision settings): shards of
    /// different sweeps must not be merged.
    fingerprint: String,
}

/// The content of each file the scenario and its points read, hashed
/// (traces and durations files change a point's result as the scenario
/// text does), sorted. Read through the same capped reader as when loading.
fn data_hashes(base: &scenario::Scenario, points: &[SweepPoint]) -> Result<Vec<String>> {
    let mut files: Vec<&Path> = base.data_files.iter().map(PathBuf::as_path).collect();
    for p in points.iter().filter_map(|p| p.scenario.as_ref().ok()) {
        files.extend(p.data_files.iter().map(PathBuf::as_path));
    }
    files.sort();
    files.dedup();
    files
        .into_iter()
        .map(|f| {
            let mut input = crate::input::Input::open(f, crate::input::Limit::RUNS)
                .map_err(|e| BadInput(e.to_string()))?;
            // The content only: shards run from other folders agree.
            let mut h = report::Checksum::default();
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

fn prepare(args: &RunArgs) -> Result<Prepared> {
    let path = &args.scenario;
    let src = scenario::read_source(path)?;
    let spec = scenario::sweep_spec(&src, path)?.ok_or_else(|| {
        BadInput(format!(
            "{} has no [sweep]; add axes such as \"pool.NAME.count\" = [1, 2, 3, 4] (see README, Sweeps)",
            path.display()
        ))
    })?;
    let scope = super::file_scope(args.scope.allow_outside);
    let mut points = scenario::expand(&spec, &src, path, scope);
    for p in &mut points {
        if let Ok(s) = &mut p.scenario {
            apply_overrides(args, s)?;
        }
    }
    // The file as written need not be valid on its own (an I6 pool whose
    // quota comes from an axis, say): any valid point serves as the base.
    let base = match scenario::from_str_in(&src, path, scope) {
        Ok(mut s) => {
            apply_overrides(args, &mut s)?;
            s
        }
        Err(e) => points
            .iter()
            .find_map(|p| p.scenario.as_ref().ok())
            .cloned()
            .ok_or(e)?,
    };
    let seed = args
        .simulation
        .seed
        .map(|s| s.to_string())
        .unwrap_or_default();
    let reps = args
        .simulation
        .replications
        .map(|r| r.to_string())
        .unwrap_or_default();
    let data = data_hashes(&base, &points)?.join(",");
    let fingerprint = report::checksum(&[
        env!("CARGO_PKG_VERSION").as_bytes(),
        src.as_bytes(),
        data.as_bytes(),
        seed.as_bytes(),
        reps.as_bytes(),
    ]);
    Ok(Prepared {
        base,
        spec,
        points,
        fingerprint,
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
    let valid: Vec<&scenario::Scenario> = prepared
        .points
        .iter()
        .filter_map(|p| p.scenario.as_ref().ok())
        .collect();
    super::check_memory(
        &crate::memory::sweep_estimate(&valid, held, replications, pool.current_num_threads()),
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

/// Writes the outputs of a complete sweep and prints the summary.
fn finish(
    out: &Outputs,
    meta: &SweepMeta,
    table: &SweepTable,
    format: Format,
    quiet: bool,
) -> Result<()> {
    let (scenario, obj) = (meta.scenario.as_str(), &meta.objective);
    let recs = table.recommend(obj);
    let sweep_csv = report::sweep_csv(table, obj);
    let rec_json = report::recommendation_json(table, obj, &recs);
    out.write(Kind::Csv, "sweep.csv", &sweep_csv)?;
    out.write(Kind::Csv, "pareto.csv", &report::pareto_csv(table, obj))?;
    out.write(
        Kind::Csv,
        "sweep_cost_wait.csv",
        &report::sweep_cost_wait_csv(table, obj),
    )?;
    let charts = if out.draws_charts() {
        report::sweep_charts(table, obj, out.chart_formats())?
    } else {
        Vec::new()
    };
    out.write_charts(&charts)?;
    if out.wants(Kind::Md) || out.wants(Kind::Html) {
        let doc = report::Document::for_sweep(scenario, table, obj, &charts);
        out.write(
            Kind::Md,
            "summary.md",
            doc.markdown(out.markdown_charts()).as_bytes(),
        )?;
        out.write(Kind::Html, "report.html", doc.html().as_bytes())?;
    }
    out.write(Kind::Json, "recommendation.json", rec_json.as_bytes())?;
    out.write(
        Kind::Json,
        "sweep.json",
        report::sweep_meta_json(
            scenario,
            meta.points,
            table,
            obj,
            None,
            &meta.fingerprint,
            &sweep_csv,
        )
        .as_bytes(),
    )?;
    match format {
        Format::Table => {
            let infeasible: Vec<&SweepRow> = table.rows.iter().filter(|r| !r.feasible).collect();
            let mut text = format!(
                "{scenario}: {} points, {} infeasible (not run)\n",
                table.rows.len(),
                infeasible.len()
            );
            for r in infeasible.iter().take(5) {
                text.push_str(&format!(
                    "  point {} ({}): {}\n",
                    r.point,
                    r.params.join(", "),
                    r.reason
                ));
            }
            if infeasible.len() > 5 {
                text.push_str(&format!(
                    "  ... and {} more (see the reason column of sweep.csv)\n",
                    infeasible.len() - 5
                ));
            }
            text.push_str(&format!(
                "Pareto front (cost vs p95 wait): {} points, see pareto.csv\n",
                table.pareto(obj).len()
            ));
            text.push_str(&report::recommendation_text(table, obj, &recs));
            emit(&text)?;
        }
        Format::Json => emit(&rec_json)?,
        Format::Csv => emit(&String::from_utf8_lossy(&sweep_csv))?,
    }
    if !quiet {
        for w in report::recommendation_warnings(table, obj, &recs) {
            note!("warning: {w}");
        }
    }
    Ok(())
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
    let mut prepared = prepare(run)?;
    let precision = format!("{:?}/{}", args.precision, args.max_replications);
    prepared.fingerprint =
        report::checksum(&[prepared.fingerprint.as_bytes(), precision.as_bytes()]);
    let out = Outputs::prepare(
        &run.output,
        run.out.as_deref(),
        &prepared.base.name,
        Some("sweep"),
    )?;
    let pool = thread_pool(run.simulation.threads)?;
    let most = if args.precision.is_some() {
        args.max_replications
    } else {
        0
    };
    let held = sweep::points_held(&prepared.points, shard);
    check_points_memory(&prepared, held, most, &pool, run)?;
    let obj = Objective::of(&prepared.base.slo);
    let opts = SweepOptions {
        precision: args.precision,
        max_replications: args.max_replications,
        shard,
    };
    let axes: Vec<String> = prepared.spec.axes.iter().map(|a| a.key.clone()).collect();
    let metrics = sweep::metric_names(&prepared.base);
    let bar = bar_for(run.print.quiet, &prepared.base.name);
    let progress = on_progress(&bar);
    let bar = &bar.0;
    let table = pool.install(|| {
        sweep::run_sweep(
            &prepared.points,
            axes,
            metrics,
            opts,
            &super::INTERRUPTED,
            &progress,
        )
    });
    bar.finish_and_clear();
    if super::interrupted() {
        return Err(super::Interrupted.into());
    }
    let points = prepared.points.len();
    if let Some((k, n)) = shard {
        // A shard's two files are what merge reads: written whatever
        // --outputs says.
        let dir = out.dir_for_shard()?;
        let rows = report::sweep_csv(&table, &obj);
        write_output(dir, "sweep.csv", &rows)?;
        write_output(
            dir,
            "sweep.json",
            report::sweep_meta_json(
                &prepared.base.name,
                points,
                &table,
                &obj,
                shard,
                &prepared.fingerprint,
                &rows,
            )
            .as_bytes(),
        )?;
        if !run.print.quiet {
            note!(
                "shard {k}/{n}: {} of {points} points; join the shards with poolcast merge",
                table.rows.len()
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
        metrics: table.metrics.clone(),
        objective: obj,
    };
    finish(&out, &meta, &table, run.print.format, run.print.quiet)?;
    note_written(out.finish()?, run.print.quiet);
    Ok(ExitCode::SUCCESS)
}

/// Says where the files went, unless quiet.
fn note_written(dir: Option<PathBuf>, quiet: bool) {
    if let (Some(dir), false) = (dir, quiet) {
        note!("wrote {}", dir.display());
    }
}

pub(super) fn merge(
    files: &[PathBuf],
    out: Option<&Path>,
    output: &crate::cli::OutputArgs,
    format: Format,
    quiet: bool,
) -> Result<ExitCode> {
    let bad = |m: String| anyhow::Error::new(BadInput(m));
    let meta = report::read_sweep_meta(&files[0])?;
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
            files[0].display(),
            meta.points,
            crate::scenario::MAX_POINTS
        )));
    }
    let mut rows = Vec::new();
    for f in files {
        let m = report::read_sweep_meta(f)?;
        let same = (
            &m.scenario,
            &m.fingerprint,
            m.points,
            &m.axes,
            &m.metrics,
            m.objective,
        ) == (
            &meta.scenario,
            &meta.fingerprint,
            meta.points,
            &meta.axes,
            &meta.metrics,
            meta.objective,
        );
        if !same {
            return Err(bad(format!(
                "{} is a shard of another sweep than {}",
                f.display(),
                files[0].display()
            )));
        }
        rows.extend(report::read_sweep_rows(f, &m)?);
    }
    rows.sort_by_key(|r| r.point);
    if let Some(r) = rows.iter().find(|r| r.point >= meta.points) {
        return Err(bad(format!(
            "point {} is beyond the sweep's {} points; the shard files are damaged",
            r.point, meta.points
        )));
    }
    let seen: Vec<usize> = rows.iter().map(|r| r.point).collect();
    if let Some(w) = seen.windows(2).find(|w| w[0] == w[1]) {
        return Err(bad(format!(
            "point {} appears in two shards; merge each shard once",
            w[0]
        )));
    }
    let missing: Vec<String> = (0..meta.points)
        .filter(|p| seen.binary_search(p).is_err())
        .map(|p| p.to_string())
        .take(10)
        .collect();
    if !missing.is_empty() {
        return Err(bad(format!(
            "points {} are in no shard; merge every shard",
            missing.join(", ")
        )));
    }
    let table = SweepTable {
        axes: meta.axes.clone(),
        metrics: meta.metrics.clone(),
        rows,
    };
    let out = Outputs::prepare(output, out, &meta.scenario, Some("sweep"))?;
    finish(&out, &meta, &table, format, quiet)?;
    note_written(out.finish()?, quiet);
    Ok(ExitCode::SUCCESS)
}

pub(super) fn plan(args: &RunArgs) -> Result<ExitCode> {
    let prepared = prepare(args)?;
    let obj = Objective::of(&prepared.base.slo);
    sweep::plan_axis(&prepared.spec, &prepared.points, &obj)?;
    let out = Outputs::prepare(
        &args.output,
        args.out.as_deref(),
        &prepared.base.name,
        Some("plan"),
    )?;
    let pool = thread_pool(args.simulation.threads)?;
    // A plan simulates one point at a time.
    check_points_memory(&prepared, 1, 0, &pool, args)?;
    let bar = bar_for(args.print.quiet, &prepared.base.name);
    let progress = on_progress(&bar);
    let bar = &bar.0;
    let metrics = sweep::metric_names(&prepared.base);
    let outcome = pool.install(|| {
        sweep::plan(
            &prepared.spec,
            &prepared.points,
            metrics,
            &obj,
            &super::INTERRUPTED,
            &progress,
        )
    })?;
    bar.finish_and_clear();
    if super::interrupted() {
        return Err(super::Interrupted.into());
    }
    let table = &outcome.table;
    let recs = table.recommend(&obj);
    let rec_json = report::recommendation_json(table, &obj, &recs);
    out.write(Kind::Csv, "plan.csv", &report::sweep_csv(table, &obj))?;
    out.write(Kind::Json, "recommendation.json", rec_json.as_bytes())?;
    match args.print.format {
        Format::Table => {
            let share = outcome.simulations as f64 / outcome.grid_simulations.max(1) as f64 * 100.0;
            let mut text = format!(
                "{}: plan ran {} points, {} simulations, where the full grid needs {} ({share:.0}%)\n",
                prepared.base.name,
                table.rows.len(),
                outcome.simulations,
                outcome.grid_simulations
            );
            text.push_str(&report::recommendation_text(table, &obj, &recs));
            emit(&text)?;
        }
        Format::Json => emit(&rec_json)?,
        Format::Csv => emit(&String::from_utf8_lossy(&report::sweep_csv(table, &obj)))?,
    }
    if !args.print.quiet {
        for w in report::recommendation_warnings(table, &obj, &recs) {
            note!("warning: {w}");
        }
    }
    note_written(out.finish()?, args.print.quiet);
    Ok(ExitCode::SUCCESS)
}
