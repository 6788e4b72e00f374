//! `poolcast init`: a commented, valid scenario from what a team knows
//! (builds a day, working hours and days, build time, tier), with the pool
//! sized for the peak, an `[slo]` and a `[sweep]` ready to run. This reads
//! the facts from the flags and sizes the pool; `scenario::template`
//! writes the text.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;

use super::{BadInput, emit};
use crate::cli::InitArgs;
use crate::forecast::{load_by_hour, smallest_count_for_p95};
use crate::model::{Tier, WEEKDAYS as DAYS};
use crate::scenario::template::{LONGEST_TIMEOUT, TeamFacts, team_scenario};
use crate::text::parse_duration;
use crate::units::SimDuration;

/// The most instances `init` sizes a pool to: beyond this, a scenario
/// written by hand (or `plan`) is the better start.
const MOST_INSTANCES: u32 = 64;

/// `HH-HH` as the hours `[from, to)`.
fn hours(text: &str) -> Option<(usize, usize)> {
    let (a, b) = text.split_once('-')?;
    let (a, b): (usize, usize) = (a.trim().parse().ok()?, b.trim().parse().ok()?);
    (a < b && b <= 24).then_some((a, b))
}

/// `Mon-Fri` (or one day, `Sat`) as weekday indices from Monday.
fn days(text: &str) -> Option<(usize, usize)> {
    let day = |d: &str| DAYS.iter().position(|x| x.eq_ignore_ascii_case(d.trim()));
    match text.split_once('-') {
        Some((a, b)) => {
            let (a, b) = (day(a)?, day(b)?);
            (a <= b).then_some((a, b))
        }
        None => day(text).map(|d| (d, d)),
    }
}

/// Refuses a name that is no scenario name, and build times that
/// contradict each other or ACR's limit, naming the flags (the scenario's own check would name a line of a file the
/// user never wrote).
fn check_flags(args: &InitArgs) -> Result<()> {
    let bad = |m: String| -> anyhow::Error { BadInput(m).into() };
    if !crate::scenario::is_valid_name(&args.name) {
        return Err(bad(format!(
            "--name {:?}: {}",
            args.name,
            crate::scenario::NAME_RULE
        )));
    }
    let median = parse_duration(&args.median).map_err(|e| bad(format!("--median: {e}")))?;
    let p95 = parse_duration(&args.p95).map_err(|e| bad(format!("--p95: {e}")))?;
    if median >= p95 {
        return Err(bad(format!(
            "--median {} is not below --p95 {}: the 95th percentile of build time is above its median",
            args.median, args.p95
        )));
    }
    if p95 >= LONGEST_TIMEOUT {
        return Err(bad(format!(
            "--p95 {}: ACR stops a run after 8 hours (28,800 s), so builds this long time out; split the build",
            args.p95
        )));
    }
    Ok(())
}

/// The facts `args` give, checked, and the p95 wait to size the pool for.
fn facts(args: &InitArgs) -> Result<(TeamFacts<'_>, SimDuration)> {
    let bad = |m: String| -> anyhow::Error { BadInput(m).into() };
    let hours = hours(&args.hours).ok_or_else(|| {
        bad(format!(
            "--hours {:?}: write HH-HH with the first before the second, e.g. 09-18",
            args.hours
        ))
    })?;
    let days = days(&args.days).ok_or_else(|| {
        bad(format!(
            "--days {:?}: write a weekday or a range of them, e.g. Mon-Fri",
            args.days
        ))
    })?;
    if args.timezone.parse::<chrono_tz::Tz>().is_err() {
        return Err(bad(format!(
            "--timezone {:?}: unknown time zone; use an IANA name such as Europe/Berlin",
            args.timezone
        )));
    }
    let tier: Tier = args
        .tier
        .parse()
        .map_err(|_| bad(format!("--tier {:?}: one of S1, S2, S3, I6", args.tier)))?;
    if !(args.builds_per_day.is_finite() && args.builds_per_day > 0.0 && args.builds_per_day <= 1e6)
    {
        return Err(bad(format!(
            "--builds-per-day {}: give a positive number up to 1000000",
            args.builds_per_day
        )));
    }
    let wait = parse_duration(&args.wait_p95).map_err(|e| bad(format!("--wait-p95: {e}")))?;
    check_flags(args)?;
    let facts = TeamFacts {
        name: &args.name,
        timezone: &args.timezone,
        builds_per_day: args.builds_per_day,
        hours,
        days,
        days_text: &args.days,
        median: &args.median,
        p95: &args.p95,
        tier,
        wait_p95: &args.wait_p95,
    };
    Ok((facts, wait))
}

/// The pool's count for `facts`: the scenario with one instance says what
/// the peak load is; M/M/c at that hour gives the smallest count whose
/// p95 wait is within `wait`.
fn pool_count(facts: &TeamFacts, wait: SimDuration) -> Result<u32> {
    let bad = |m: String| -> anyhow::Error { BadInput(m).into() };
    let draft = team_scenario(facts, 1);
    let s = crate::scenario::from_str(&draft, Path::new("init.toml"))
        .map_err(|e| bad(format!("these facts do not make a valid scenario: {e}")))?;
    let (load, service) = &load_by_hour(&s)[0];
    smallest_count_for_p95(load, *service, wait.as_secs_f64(), MOST_INSTANCES).ok_or_else(|| {
        bad(format!(
            "--builds-per-day {} with --wait-p95 {}: the busiest hour needs more than {MOST_INSTANCES} x {tier} ({} vCPUs of quota), more than init sizes; write the pool by hand or use a larger --tier",
            facts.builds_per_day,
            facts.wait_p95,
            MOST_INSTANCES * facts.tier.vcpu(),
            tier = facts.tier,
        ))
    })
}

pub(super) fn init(args: &InitArgs) -> Result<ExitCode> {
    let bad = |m: String| -> anyhow::Error { BadInput(m).into() };
    let (facts, wait) = facts(args)?;
    let out = args
        .out
        .as_ref()
        .map(|path| super::import::checked_file_in(path, &args.name, &[]))
        .transpose()?;
    if let Some(path) = out.as_ref().filter(|p| p.exists() && !args.force) {
        return Err(bad(format!(
            "--out: {} exists; pass --force to replace it, or choose another path",
            path.display()
        )));
    }
    let text = team_scenario(&facts, pool_count(&facts, wait)?);
    // What is written must validate as it is.
    crate::scenario::from_str(&text, Path::new("init.toml")).map_err(|e| bad(format!("{e}")))?;
    match &out {
        None => emit(&text)?,
        Some(path) => {
            super::import::write_scenario(path, &text)?;
            if !args.quiet {
                note!(
                    "wrote {}; run it with poolcast run {}",
                    path.display(),
                    path.display()
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
