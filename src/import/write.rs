//! The scenario text of an import: header, `[simulation]`, the commented
//! `[slo]` and `[sweep]` templates, `[quota]`, pools and workloads.

use std::fmt::Write;
use std::path::PathBuf;

use chrono::{DateTime, Datelike, Duration as TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;

use super::collect::{Observed, merged, quantile_s};
use super::pools::{PoolFit, quota_for};
use super::workload::WorkloadFit;
use crate::model::{Quota, TierKind};
use crate::scenario::MAX_SAMPLES;

/// `secs` as a duration string the scenario parser reads back.
pub(super) fn duration_text(secs: f64) -> String {
    if secs >= 10.0 {
        format!("{}s", secs.round() as u64)
    } else {
        format!("{}ms", (secs * 1000.0).round().max(1.0) as u64)
    }
}

/// Seconds for people, in the unit that reads best (s, m or h); `-` when
/// unknown.
pub(super) fn human(secs: f64) -> String {
    if secs.is_nan() {
        return "-".into();
    }
    let (div, unit) = human_unit(secs);
    format!("{:.1}{unit}", secs / div)
}

/// The divisor and unit `human` writes `secs` in.
pub(super) fn human_unit(secs: f64) -> (f64, &'static str) {
    match secs.abs() {
        s if s < 120.0 => (1.0, "s"),
        s if s < 7200.0 => (60.0, "m"),
        _ => (3600.0, "h"),
    }
}

/// `s` as a TOML string.
pub(super) fn quoted(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// The days a written scenario simulates after its warm-up: a week, Monday
/// (the warm-up) to Monday.
pub(super) const WRITTEN_DAYS: u32 = 6;
/// The warm-up, days: a queue that starts empty settles well within one.
pub(super) const WARMUP_DAYS: u32 = 1;

/// The queue sample intervals an import may write, shortest first.
pub(super) const SAMPLE_INTERVALS: [(&str, u64); 8] = [
    ("5m", 300),
    ("15m", 900),
    ("1h", 3600),
    ("6h", 21_600),
    ("1d", 86_400),
    ("7d", 604_800),
    ("28d", 2_419_200),
    ("365d", 31_536_000),
];

/// The shortest sample interval at which `pools` pools over `days` (after
/// the warm-up) stay within the queue samples a scenario may hold.
pub(super) fn sample_interval(pools: usize, days: u32) -> &'static str {
    let horizon_s = u64::from(WARMUP_DAYS + days) * 86_400;
    SAMPLE_INTERVALS
        .iter()
        .find(|(_, s)| (horizon_s / s).saturating_mul(pools.max(1) as u64) <= MAX_SAMPLES)
        .map_or("365d", |(text, _)| text)
}

/// Midnight starting the Monday of `t`'s week on the clock of `zone`, as
/// an instant (the hour after, where a daylight-saving change skips it).
fn monday_of(t: DateTime<Utc>, zone: Tz) -> DateTime<Utc> {
    let local = t.with_timezone(&zone).date_naive();
    let monday = local - TimeDelta::days(i64::from(local.weekday().num_days_from_monday()));
    let midnight = monday.and_hms_opt(0, 0, 0).unwrap_or_default();
    [midnight, midnight + TimeDelta::hours(1)]
        .into_iter()
        .find_map(|m| zone.from_local_datetime(&m).earliest())
        .map_or(t, |m| m.with_timezone(&Utc))
}

/// What the scenario text says of the export and of itself.
pub(super) struct Header<'a> {
    /// The exports.
    pub paths: &'a [PathBuf],
    /// The scenario name.
    pub name: &'a str,
    /// Its `sample_interval`.
    pub sample_interval: &'a str,
}

/// The whole scenario, simulating `days` after its warm-up.
pub(super) fn scenario_text(
    header: &Header,
    observed: &Observed,
    pools: &[PoolFit],
    workloads: &[WorkloadFit],
    days: u32,
) -> String {
    let (first, last) = (observed.first, observed.last);
    let span_h = ((last - first).as_seconds_f64() / 3600.0).max(1.0);
    let files: Vec<String> = header
        .paths
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    let mut out = format!(
        "# Imported by poolcast from {} ({} runs, {first} to {last}, {span_h:.1} h).\n# Review the guesses marked CHECK before relying on the numbers.\nname = {}\n\n",
        files.join(", "),
        observed.total,
        quoted(header.name)
    );
    out.push_str(&templates(observed, pools, workloads));
    // The simulated week starts on the Monday of the first run, so profiles
    // and schedules by weekday line up with the calendar they were fitted on.
    let zone = observed.zone;
    let clock = if zone == Tz::UTC {
        "the export's times are UTC, and so are the hours and crons fitted to them"
    } else {
        "given with --timezone: profiles and crons are read on this clock, but crons of ACR timer triggers on UTC (their own timezone key), where ACR fires them"
    };
    let _ = writeln!(
        out,
        "[simulation]\nstart = \"{}\"\ntimezone = {}   # {clock}\nhorizon = \"{}d\"\nwarmup = \"{WARMUP_DAYS}d\"\nreplications = 10\nseed = 1\nsample_interval = \"{}\"\n",
        monday_of(first, zone).format("%Y-%m-%dT%H:%M:%SZ"),
        quoted(zone.name()),
        WARMUP_DAYS + days,
        header.sample_interval
    );
    let quota = quota_for(pools);
    if quota != Quota::default() {
        let _ = writeln!(
            out,
            "# The observed pools need more than the default quota; your registry must have a raised one.\n[quota]\nstandard_vcpu = {}\nisolated_vcpu = {}\n",
            quota.standard_vcpu, quota.isolated_vcpu
        );
    }
    for p in pools {
        out.push_str(&p.toml(&observed.pools[&p.name]));
        out.push('\n');
    }
    for w in workloads {
        out.push_str(&w.toml());
        out.push('\n');
    }
    out
}

/// Commented one-line `slo` and `sweep` tables. Written as top-level inline
/// tables (`slo = { … }` is TOML for `[slo]`) so that uncommenting one line
/// is enough; that is also why they come before the first `[table]`.
fn templates(observed: &Observed, pools: &[PoolFit], workloads: &[WorkloadFit]) -> String {
    let mut out = String::new();
    let recorded_p95 = merged(observed.groups.values().filter_map(|g| g.waits.as_ref()))
        .map(|h| quantile_s(&h, 0.95));
    // A target at the recorded p95, rounded up to whole minutes: what the
    // team lives with today, a starting point to tighten.
    let target_min = recorded_p95.map_or(5.0, |s| (s / 60.0).ceil().max(1.0));
    let _ = writeln!(
        out,
        "# For `poolcast check`, uncomment the next line and set your objective{}:\n# slo = {{ wait_p95 = \"{target_min}m\" }}",
        recorded_p95.map_or(String::new(), |s| format!(
            " (the recorded wait p95 over all runs is {})",
            human(s)
        ))
    );
    let mut axes: Vec<String> = Vec::new();
    for p in pools {
        let counts: Vec<String> = (1..=p.count + 2).map(|c| c.to_string()).collect();
        axes.push(format!(
            "{} = [{}]",
            quoted(&format!("pool.{}.count", p.name)),
            counts.join(", ")
        ));
        if p.tier.kind() == TierKind::Standard {
            axes.push(format!(
                "{} = [\"S1\", \"S2\", \"S3\"]",
                quoted(&format!("pool.{}.tier", p.name))
            ));
        }
    }
    if axes.is_empty() {
        // Only the default compute: no pool to size, but the load can grow.
        if let Some(w) = workloads.first() {
            axes.push(format!(
                "{} = [1.0, 1.5, 2.0]",
                quoted(&format!("workload.{}.rate_scale", w.name))
            ));
        }
    }
    let _ = writeln!(
        out,
        "# For `poolcast sweep`, uncomment the next line (the counts run to two above the observed):\n# sweep = {{ {} }}\n",
        axes.join(", ")
    );
    out
}
