//! A sweep's points, prepared for `sweep` and `plan`: the base scenario,
//! one look at every point before any simulation (the files they read,
//! the memory they need), and the fingerprint that keeps shards of
//! different sweeps apart.

use std::collections::BTreeSet;
use std::path::PathBuf;

use anyhow::Result;
use rayon::prelude::*;

use super::{BadInput, apply_overrides};
use crate::cli::RunArgs;
use crate::forecast::memory::SweepMemory;
use crate::results;
use crate::scenario::{self, SweepPoints};
use crate::sweep;

/// The base scenario and the sweep's points (built when run), with the
/// command-line overrides applied to each, and what a look at every point
/// up front found.
pub(super) struct Prepared<'a> {
    pub(super) base: scenario::Scenario,
    pub(super) points: SweepPoints<'a>,
    /// What the memory estimate needs of the valid points (of the shard).
    pub(super) memory: SweepMemory,
    /// Identifies the sweep (version, file, data files, seed,
    /// replications; `sweep` adds its precision settings): shards of
    /// different sweeps must not be merged.
    pub(super) fingerprint: results::Fingerprint,
    /// The scenario and every point's data files: what the output must
    /// not replace.
    pub(super) reads: Vec<PathBuf>,
    /// What a comparison of tiers assumes (said with the warnings).
    pub(super) assumptions: Vec<String>,
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
pub(super) fn prepare<'a>(
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
pub(super) fn check_points_memory(
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
