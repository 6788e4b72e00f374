//! `poolcast init`: a commented, valid scenario from what a team knows
//! (builds a day, working hours and days, build time, tier), with the pool
//! sized for the peak, an `[slo]` and a `[sweep]` ready to run.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;

use super::{BadInput, emit};
use crate::cli::InitArgs;
use crate::forecast::{load_by_hour, smallest_count_for_p95};
use crate::model::{Tier, TierKind, WEEKDAYS as DAYS};
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

/// ACR stops a run after 8 hours (28,800 s), its longest timeout.
const LONGEST_TIMEOUT: SimDuration = SimDuration::from_secs(28_800);

/// `text` as a TOML string, quoted and escaped: flag text never becomes
/// TOML of its own (`--name 'x" # comment'`).
fn quoted(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

/// The run timeout: twice the p95 run time, at least an hour, at most
/// ACR's 8 hours, in whole minutes (the 5% of runs beyond the p95 are not
/// all cut at it).
fn timeout_for(p95: SimDuration) -> String {
    let s = (2.0 * p95.as_secs_f64()).clamp(3600.0, LONGEST_TIMEOUT.as_secs_f64());
    format!("{}m", (s / 60.0).ceil())
}

/// The scenario text for `args` with `count` instances.
fn scenario_text(
    args: &InitArgs,
    tier: Tier,
    count: u32,
    (h0, h1): (usize, usize),
    (d0, d1): (usize, usize),
) -> String {
    let span = (h1 - h0) as f64;
    let rate = args.builds_per_day / span;
    let hourly: Vec<&str> = (0..24)
        .map(|h| if (h0..h1).contains(&h) { "1" } else { "0" })
        .collect();
    let weekly: Vec<&str> = (0..7)
        .map(|d| if (d0..=d1).contains(&d) { "1" } else { "0" })
        .collect();
    let sweep_to = (count * 2).max(count + 2);
    let (quota_key, quota_to) = quota_for(tier, sweep_to);
    let p95 = parse_duration(&args.p95).unwrap_or(SimDuration::ZERO);
    format!(
        r#"# Written by `poolcast init`: a starting point, to be checked against
# real runs (`poolcast import` fits one to an export of them).
#
# {builds} builds a working day ({days}), arriving between {h0:02}:00 and
# {h1:02}:00, so {rate:.1} an hour then; build time median {median}, p95 {p95}.
# The pool is sized for that peak ({count} x {tier}, by M/M/c at the busiest
# hour); `poolcast run` simulates it, `poolcast plan` searches the count.
name = {name}

[simulation]
timezone = "{zone}"{pad}# IANA name: the working hours and days below are on this clock
horizon = "8d"        # a day of warm-up and one week of traffic (what plan --schedule judges)
warmup = "1d"         # left out of every figure
replications = 10     # independent weeks: the ± intervals come from these
seed = 1

# The registry's vCPU quota: {count} x {tier} needs {needed}, and the sweep
# below up to {quota_to}. A raise beyond 16 standard vCPUs (or any
# isolated ones, for I6) is a support request in real life.
[quota]
{quota_key} = {quota_to}

[[pool]]
name = "builders"
tier = "{tier}"
count = {count}
provisioning = "5m"   # every count change takes this long

[[workload]]
name = "ci"
pool = "builders"
# {builds} builds a working day, spread over its hours ({rate:.1} an hour), none otherwise.
arrival = {{ process = "profile", daily = "{builds}/d", hourly = [{hourly}], weekly = [{weekly}] }}
duration = {{ dist = "lognormal", median = {median}, p95 = {p95} }}
timeout = "{timeout}"  # twice the p95 build, at least 1h, at most ACR's 8h

[slo]
wait_p95 = {wait}    # `poolcast check` exits 1 when the p95 wait is above this

# `poolcast sweep` runs every count from 1 to {sweep_to}; `poolcast plan`
# finds the cheapest that meets [slo] without running them all.
[sweep]
"pool.builders.count" = {{ from = 1, to = {sweep_to}, step = 1 }}
"#,
        zone = args.timezone,
        pad = " ".repeat(9usize.saturating_sub(args.timezone.len()).max(1)),
        builds = args.builds_per_day,
        days = args.days,
        median = quoted(&args.median),
        p95 = quoted(&args.p95),
        name = quoted(&args.name),
        wait = quoted(&args.wait_p95),
        timeout = timeout_for(p95),
        needed = count * tier.vcpu(),
        hourly = hourly.join(", "),
        weekly = weekly.join(", "),
    )
}

/// The `[quota]` key of `tier`'s kind and a limit that lets the sweep
/// reach `sweep_to` instances: I6 pools draw on the isolated quota, which
/// is 0 by default; a standard one is never written below its default 16.
fn quota_for(tier: Tier, sweep_to: u32) -> (&'static str, u32) {
    match tier.kind() {
        TierKind::Isolated => ("isolated_vcpu", sweep_to * tier.vcpu()),
        TierKind::Standard => ("standard_vcpu", (sweep_to * tier.vcpu()).max(16)),
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

pub(super) fn init(args: &InitArgs) -> Result<ExitCode> {
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
    // Size the pool: the scenario with one instance says what the peak
    // load is; M/M/c at that hour gives the count.
    let draft = scenario_text(args, tier, 1, hours, days);
    let s = crate::scenario::from_str(&draft, Path::new("init.toml"))
        .map_err(|e| bad(format!("these facts do not make a valid scenario: {e}")))?;
    let (load, service) = &load_by_hour(&s)[0];
    let count = smallest_count_for_p95(load, *service, wait.as_secs_f64(), MOST_INSTANCES)
        .ok_or_else(|| {
            bad(format!(
                "--builds-per-day {} with --wait-p95 {}: the busiest hour needs more than {MOST_INSTANCES} x {tier} ({} vCPUs of quota), more than init sizes; write the pool by hand or use a larger --tier",
                args.builds_per_day,
                args.wait_p95,
                MOST_INSTANCES * tier.vcpu()
            ))
        })?;
    let text = scenario_text(args, tier, count, hours, days);
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
