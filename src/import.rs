//! `poolcast import`: fit a scenario from recorded runs.
//!
//! Runs are streamed: per group (task, or run type for quick runs) it keeps
//! counts by hour of week and a histogram of run times; per pool, the run
//! intervals (to find how many instances were busy at once) and a histogram
//! of waits. The result is TOML text that is validated before it is returned.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::Path;

use chrono::{DateTime, Datelike, Duration as TimeDelta, DurationRound, Timelike, Utc};
use hdrhistogram::Histogram;

use crate::model::{Quota, Tier, TierKind};
use crate::runs::{RunTime, RunsError, for_each_run};
use crate::scenario::{DEFAULT_COMPUTE, ScenarioError};
use crate::text::parse_duration;

/// z of the standard normal's 95th percentile.
const Z95: f64 = 1.644_853_626_951_472_2;
/// The longest p95 run time an import writes (about 116 days): a wider fit
/// says more about the data than about any build.
const MAX_FITTED_S: f64 = 1e7;
/// Hours in a week.
const WEEK_H: usize = 168;

/// Why an import failed.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The runs file is unreadable or malformed.
    #[error(transparent)]
    Runs(#[from] RunsError),
    /// The file holds no run with a timestamp.
    #[error(
        "{0}: no run has a createTime; give a list-runs JSON export (CSV offsets cannot be placed on a calendar)"
    )]
    NoRuns(String),
    /// A `--tier POOL=TIER` option is malformed.
    #[error("--tier {0:?}: write POOL=TIER, e.g. --tier buildpool=S2 (tiers S1, S2, S3, I6)")]
    TierOption(String),
    /// The generated scenario did not validate: a bug, reported with the text.
    #[error("the generated scenario does not validate (please report this)")]
    Invalid(#[from] ScenarioError),
}

/// The most instances an imported pool gets: the scenario limits.
const MAX_IMPORT_COUNT: u32 = 100_000;
const MAX_IMPORT_VCPU: u32 = 1 << 20;

/// The scenario name of a recorded pool: the same when it obeys ACR's rule
/// (3-20 letters, digits, hyphens; not "default"), else a cleaned-up name,
/// remembered in `renamed` for a warning.
fn pool_name(recorded: &str, renamed: &mut BTreeMap<String, String>) -> String {
    let mut name: String = recorded
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '-'
            }
        })
        .take(20)
        .collect();
    if name == DEFAULT_COMPUTE {
        name = "default-pool".into();
    }
    while name.len() < 3 {
        name.push('-');
    }
    if name != recorded {
        renamed.insert(recorded.to_string(), name.clone());
    }
    name
}

/// A histogram of milliseconds (3 significant digits, auto-resizing).
fn ms_histogram() -> Histogram<u64> {
    Histogram::new(3).expect("3 significant figures is a valid histogram precision")
}

fn record(h: &mut Histogram<u64>, secs: f64) {
    let ms = (secs * 1000.0).round().max(0.0) as u64;
    if h.record(ms).is_err() {
        h.saturating_record(ms);
    }
}

#[derive(Default)]
struct Group {
    runs: u64,
    by_hour_of_week: Vec<f64>,
    pools: BTreeMap<String, u64>,
    /// Σ ln(run seconds) and Σ ln² over runs with a positive run time.
    log_sum: f64,
    log_sq_sum: f64,
    timed: u64,
    durations: Option<Histogram<u64>>,
    cpu: Option<u32>,
}

#[derive(Default)]
struct PoolSeen {
    intervals: Vec<(DateTime<Utc>, DateTime<Utc>)>,
    waits: Option<Histogram<u64>>,
}

/// Most runs at once on a pool: a sweep over start (+1) and finish (−1).
fn max_concurrent(intervals: &[(DateTime<Utc>, DateTime<Utc>)]) -> u32 {
    let mut edges: Vec<(DateTime<Utc>, i32)> = intervals
        .iter()
        .flat_map(|(s, f)| [(*s, 1), (*f, -1)])
        .collect();
    // Finishes before starts at equal times: a run that ends as another starts
    // frees its instance.
    edges.sort();
    let (mut now, mut most) = (0i32, 0i32);
    for (_, d) in edges {
        now += d;
        most = most.max(now);
    }
    most.max(0) as u32
}

/// The tier a pool name suggests (`build-s2`, `poolS3`, …), if any.
fn tier_from_name(name: &str) -> Option<Tier> {
    let lower = name.to_ascii_lowercase();
    Tier::ALL.into_iter().find(|t| {
        let tag = t.name().to_ascii_lowercase();
        lower.match_indices(&tag).any(|(i, _)| {
            let after = lower[i + tag.len()..].chars().next();
            after.is_none_or(|c| !c.is_ascii_digit())
        })
    })
}

/// `secs` as a duration string the scenario parser reads back.
fn duration_text(secs: f64) -> String {
    if secs >= 10.0 {
        format!("{}s", secs.round() as u64)
    } else {
        format!("{}ms", (secs * 1000.0).round().max(1.0) as u64)
    }
}

fn quoted(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

fn list(xs: &[f64]) -> String {
    let cells: Vec<String> = xs.iter().map(|x| format!("{x:.3}")).collect();
    format!("[{}]", cells.join(", "))
}

/// The result of an import: scenario text and warnings for the user.
#[derive(Debug, Clone)]
pub struct Imported {
    /// A scenario that validates.
    pub toml: String,
    /// Guesses the user should check.
    pub warnings: Vec<String>,
}

/// Fits a scenario to the runs in `path`; `tiers` maps pool names to tiers
/// where the user knows them. `name` names the scenario.
pub fn import(
    path: &Path,
    tiers: &BTreeMap<String, Tier>,
    name: &str,
) -> Result<Imported, ImportError> {
    let mut groups: BTreeMap<String, Group> = BTreeMap::new();
    let mut pools: BTreeMap<String, PoolSeen> = BTreeMap::new();
    let (mut first, mut last): (Option<DateTime<Utc>>, Option<DateTime<Utc>>) = (None, None);
    let mut total = 0u64;
    let mut renamed: BTreeMap<String, String> = BTreeMap::new();
    for_each_run(path, |run| {
        let RunTime::At(created) = run.created else {
            return Ok(());
        };
        total += 1;
        first = Some(first.map_or(created, |f| f.min(created)));
        last = Some(last.map_or(created, |l| l.max(created)));
        let key = run
            .task
            .clone()
            .or(run.run_type.clone())
            .unwrap_or_else(|| "runs".into());
        let pool = run.pool.as_deref().map_or_else(
            || DEFAULT_COMPUTE.to_string(),
            |p| pool_name(p, &mut renamed),
        );
        let g = groups.entry(key).or_default();
        g.runs += 1;
        g.by_hour_of_week.resize(WEEK_H, 0.0);
        let how = created.weekday().num_days_from_monday() as usize * 24 + created.hour() as usize;
        g.by_hour_of_week[how] += 1.0;
        *g.pools.entry(pool.clone()).or_default() += 1;
        if run.pool.is_none() {
            g.cpu = g.cpu.or(run.cpu);
        }
        if let Some(d) = run.duration.map(|d| d.as_secs_f64()).filter(|d| *d > 0.0) {
            g.timed += 1;
            g.log_sum += d.ln();
            g.log_sq_sum += d.ln().powi(2);
            record(g.durations.get_or_insert_with(ms_histogram), d);
        }
        if run.pool.is_some() {
            let p = pools.entry(pool).or_default();
            if let Some(w) = run.wait() {
                record(p.waits.get_or_insert_with(ms_histogram), w.as_secs_f64());
            }
            if let (Some(RunTime::At(s)), Some(d)) = (run.started, run.duration) {
                p.intervals.push((
                    s,
                    s + TimeDelta::microseconds(d.0.min(i64::MAX as u64) as i64),
                ));
            }
        }
        Ok(())
    })?;
    let (Some(first), Some(last)) = (first, last) else {
        return Err(ImportError::NoRuns(path.display().to_string()));
    };
    let exposure = hour_of_week_exposure(first, last);
    let mut warnings = Vec::new();
    let mut out = String::new();
    let span_h = ((last - first).as_seconds_f64() / 3600.0).max(1.0);
    let _ = writeln!(
        out,
        "# Imported by poolcast from {} ({total} runs, {first} to {last}, {span_h:.1} h).",
        path.display()
    );
    let _ = writeln!(
        out,
        "# Review the guesses marked CHECK before relying on the numbers."
    );
    let _ = writeln!(out, "name = {}\n", quoted(name));
    let monday = (first - TimeDelta::days(i64::from(first.weekday().num_days_from_monday())))
        .duration_trunc(TimeDelta::days(1))
        .unwrap_or(first);
    let _ = writeln!(
        out,
        "[simulation]\nstart = \"{}\"\nhorizon = \"7d\"\nwarmup = \"1d\"\nreplications = 10\nseed = 1\nsample_interval = \"5m\"\n",
        monday.format("%Y-%m-%dT%H:%M:%SZ")
    );

    for (from, to) in &renamed {
        warnings.push(format!(
            "pool {from:?} does not fit ACR's naming rule; it is called {to:?} in the scenario"
        ));
    }
    // Pools, with tiers given or guessed and counts from observed concurrency
    // (within the limits a scenario accepts).
    let count_of = |p: &PoolSeen, tier: Tier| {
        max_concurrent(&p.intervals).clamp(1, MAX_IMPORT_COUNT.min(MAX_IMPORT_VCPU / tier.vcpu()))
    };
    let mut pool_tiers: BTreeMap<String, Tier> = BTreeMap::new();
    let mut pool_text = String::new();
    for (pname, seen) in &pools {
        let tier = match (tiers.get(pname), tier_from_name(pname)) {
            (Some(t), _) => *t,
            (None, Some(t)) => {
                warnings.push(format!("pool {pname}: tier {t} guessed from its name; pass --tier {pname}=TIER if that is wrong"));
                t
            }
            (None, None) => {
                warnings.push(format!(
                    "pool {pname}: tier unknown, assumed S1; pass --tier {pname}=TIER"
                ));
                Tier::S1
            }
        };
        pool_tiers.insert(pname.clone(), tier);
        let count = count_of(seen, tier);
        let _ = writeln!(
            pool_text,
            "[[pool]]\nname = {}\ntier = \"{tier}\"   # CHECK: {}\ncount = {count}   # most runs seen at once",
            quoted(pname),
            if tiers.contains_key(pname) {
                "given with --tier"
            } else {
                "guessed"
            }
        );
        if let Some(w) = &seen.waits {
            let q = |p: f64| duration_text(w.value_at_quantile(p) as f64 / 1000.0);
            let _ = writeln!(
                pool_text,
                "# observed waits on {pname} ({} runs): p50 {}, p90 {}, p95 {}, p99 {}, max {}",
                w.len(),
                q(0.5),
                q(0.9),
                q(0.95),
                q(0.99),
                duration_text(w.max() as f64 / 1000.0)
            );
        }
        pool_text.push('\n');
    }
    let quota = quota_for(
        &pools
            .keys()
            .map(|p| (pool_tiers[p], count_of(&pools[p], pool_tiers[p])))
            .collect::<Vec<_>>(),
    );
    if quota != Quota::default() {
        let _ = writeln!(
            out,
            "# The observed pools need more than the default quota; your registry must have a raised one.\n[quota]\nstandard_vcpu = {}\nisolated_vcpu = {}\n",
            quota.standard_vcpu, quota.isolated_vcpu
        );
    }
    out.push_str(&pool_text);

    let all_durations: Vec<&Histogram<u64>> = groups
        .values()
        .filter_map(|g| g.durations.as_ref())
        .collect();
    let mut used_names = std::collections::HashSet::new();
    for (key, g) in &groups {
        let mut wname = key.clone();
        while !used_names.insert(wname.clone()) {
            wname.push('_');
        }
        let (pool, _) = g
            .pools
            .iter()
            .max_by_key(|(_, n)| **n)
            .expect("a group has runs");
        let cpu = match pool_tiers.get(pool) {
            Some(t) => t.vcpu(),
            None => g.cpu.unwrap_or(2),
        };
        let (rate, hourly, weekly) = fit_profile(&g.by_hour_of_week, &exposure);
        let _ = writeln!(
            out,
            "[[workload]]\nname = {}\npool = {}",
            quoted(&wname),
            quoted(pool)
        );
        if g.pools.len() > 1 {
            warnings.push(format!(
                "workload {wname}: ran on {} pools; all its runs go to {pool}, where most ran",
                g.pools.len()
            ));
        }
        let _ = writeln!(
            out,
            "# {} runs; arrival profile fitted by hour of week (Poisson log-linear maximum likelihood)",
            g.runs
        );
        let _ = writeln!(
            out,
            "arrival = {{ process = \"profile\", rate = \"{:.6}/h\", hourly = {}, weekly = {} }}",
            rate,
            list(&hourly),
            list(&weekly)
        );
        out.push_str(&duration_line(g, &all_durations, &wname, &mut warnings));
        let _ = writeln!(
            out,
            "ref_cpu = {cpu}   # vCPUs the run times were recorded on\nparallel_fraction = 0   # CHECK: how much a bigger tier speeds a run up (0 to 1)\n"
        );
    }
    let checked = crate::scenario::from_str(&out, Path::new("imported.toml"))?;
    debug_assert_eq!(checked.workloads.len(), groups.len());
    Ok(Imported {
        toml: out,
        warnings,
    })
}

/// The smallest quota that fits the given (tier, count) pools, never below
/// the service default.
fn quota_for(pools: &[(Tier, u32)]) -> Quota {
    let need = |kind| {
        pools
            .iter()
            .filter(|(t, _)| t.kind() == kind)
            .map(|(t, c)| t.vcpu() * c)
            .sum::<u32>()
    };
    let d = Quota::default();
    Quota {
        standard_vcpu: d.standard_vcpu.max(need(TierKind::Standard)),
        isolated_vcpu: d.isolated_vcpu.max(need(TierKind::Isolated)),
    }
}

/// Hours of each hour-of-week slot covered by the export, taken as the
/// whole hours from the first run's to the last run's: an export ends at a
/// run, and counting only the seconds up to it would make a batch of runs
/// at the last hour's start look like an enormous rate.
fn hour_of_week_exposure(first: DateTime<Utc>, last: DateTime<Utc>) -> Vec<f64> {
    let mut exposure = vec![0.0; WEEK_H];
    let hour = TimeDelta::hours(1);
    let end = last.duration_trunc(hour).unwrap_or(last) + hour;
    let mut t = first.duration_trunc(hour).unwrap_or(first);
    while t < end {
        let next_hour = (t + TimeDelta::hours(1))
            .duration_trunc(TimeDelta::hours(1))
            .unwrap_or(end)
            .min(end);
        let slot = t.weekday().num_days_from_monday() as usize * 24 + t.hour() as usize;
        exposure[slot] += (next_hour - t).as_seconds_f64() / 3600.0;
        t = next_hour;
    }
    exposure
}

/// Fits `rate × hourly[h] × weekly[d]` to counts by hour of week with the
/// given exposure (hours observed per slot), by iterative proportional
/// fitting, the maximum-likelihood estimate of a Poisson log-linear model.
/// Multipliers are scaled so that each has a maximum of 1.
fn fit_profile(counts: &[f64], exposure: &[f64]) -> (f64, [f64; 24], [f64; 7]) {
    let (mut hourly, mut weekly) = ([1.0f64; 24], [1.0f64; 7]);
    let slot = |d: usize, h: usize| d * 24 + h;
    for _ in 0..100 {
        for (h, m) in hourly.iter_mut().enumerate() {
            let n: f64 = (0..7).map(|d| counts[slot(d, h)]).sum();
            let e: f64 = (0..7).map(|d| weekly[d] * exposure[slot(d, h)]).sum();
            *m = if e > 0.0 { n / e } else { 0.0 };
        }
        for (d, m) in weekly.iter_mut().enumerate() {
            let n: f64 = (0..24).map(|h| counts[slot(d, h)]).sum();
            let e: f64 = (0..24).map(|h| hourly[h] * exposure[slot(d, h)]).sum();
            *m = if e > 0.0 { n / e } else { 0.0 };
        }
    }
    // An hour or weekday the export never covered has no evidence either
    // way: give it the mean of the observed ones rather than zero.
    let covered_h: [bool; 24] = std::array::from_fn(|h| (0..7).any(|d| exposure[slot(d, h)] > 0.0));
    let covered_d: [bool; 7] = std::array::from_fn(|d| (0..24).any(|h| exposure[slot(d, h)] > 0.0));
    fill_uncovered(&mut hourly, &covered_h);
    fill_uncovered(&mut weekly, &covered_d);
    let hmax = hourly.iter().copied().fold(0.0, f64::max);
    let wmax = weekly.iter().copied().fold(0.0, f64::max);
    let rate = hmax * wmax;
    (
        rate,
        hourly.map(|x| x / hmax.max(f64::MIN_POSITIVE)),
        weekly.map(|x| x / wmax.max(f64::MIN_POSITIVE)),
    )
}

fn fill_uncovered(m: &mut [f64], covered: &[bool]) {
    let seen: Vec<f64> = m
        .iter()
        .zip(covered)
        .filter(|(_, c)| **c)
        .map(|(x, _)| *x)
        .collect();
    let mean = seen.iter().sum::<f64>() / seen.len().max(1) as f64;
    for (x, c) in m.iter_mut().zip(covered) {
        if !c {
            *x = mean;
        }
    }
}

/// The duration line of a group: lognormal fitted by maximum likelihood
/// (with a comparison of quantiles), or a fallback when the data are thin.
fn duration_line(
    g: &Group,
    all: &[&Histogram<u64>],
    name: &str,
    warnings: &mut Vec<String>,
) -> String {
    let n = g.timed as f64;
    match &g.durations {
        Some(h) if g.timed >= 2 => {
            let mu = g.log_sum / n;
            let sigma = (g.log_sq_sum / n - mu * mu).max(0.0).sqrt();
            if sigma < 1e-3 {
                return format!(
                    "duration = {{ dist = \"constant\", value = \"{}\" }}   # every recorded run took the same time\n",
                    duration_text(mu.exp())
                );
            }
            let fitted = |z: f64| (mu + sigma * z).exp();
            let observed = |q: f64| h.value_at_quantile(q) as f64 / 1000.0;
            let mut line = format!(
                "# run time: lognormal by maximum likelihood (sigma {sigma:.2}) from {} runs; fit check, observed vs fitted:\n",
                g.timed
            );
            for (label, q, z) in [
                ("p50", 0.5, 0.0),
                ("p90", 0.9, 1.281_551_565_5),
                ("p95", 0.95, Z95),
                ("p99", 0.99, 2.326_347_874),
            ] {
                let _ = writeln!(
                    line,
                    "#   {label} {} vs {}",
                    duration_text(observed(q)),
                    duration_text(fitted(z))
                );
            }
            // Written as text and read back, median and p95 must stay apart
            // (runs of 100 s and one of 101 s round to one value); a p95
            // beyond any run time is capped.
            let (median, p95) = (
                duration_text(fitted(0.0)),
                duration_text(fitted(Z95).min(MAX_FITTED_S)),
            );
            if parse_duration(&p95).ok() <= parse_duration(&median).ok() {
                return format!(
                    "duration = {{ dist = \"constant\", value = \"{median}\" }}   # the recorded run times barely vary\n"
                );
            }
            let _ = writeln!(
                line,
                "duration = {{ dist = \"lognormal\", median = \"{median}\", p95 = \"{p95}\" }}"
            );
            line
        }
        Some(_) => format!(
            "duration = {{ dist = \"constant\", value = \"{}\" }}   # CHECK: only one recorded run time\n",
            duration_text(g.log_sum.exp())
        ),
        None => {
            let median = all
                .iter()
                .map(|h| h.value_at_quantile(0.5) as f64 / 1000.0)
                .fold(f64::NAN, f64::max);
            let value = if median.is_finite() && median > 0.0 {
                median
            } else {
                300.0
            };
            warnings.push(format!(
                "workload {name}: no run finished, so its run time is a guess ({})",
                duration_text(value)
            ));
            format!(
                "duration = {{ dist = \"constant\", value = \"{}\" }}   # CHECK: no recorded run time; a guess\n",
                duration_text(value)
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tier_guess_reads_the_name() {
        assert_eq!(tier_from_name("buildpool-s2"), Some(Tier::S2));
        assert_eq!(tier_from_name("S3pool"), Some(Tier::S3));
        assert_eq!(tier_from_name("i6-big"), Some(Tier::I6));
        assert_eq!(tier_from_name("s21"), None);
        assert_eq!(tier_from_name("builders"), None);
    }

    #[test]
    fn profile_fit_recovers_a_product_rate() {
        // Two weeks of exposure, counts exactly rate x hourly x weekly x 2.
        let exposure = vec![2.0; WEEK_H];
        let hourly: [f64; 24] =
            std::array::from_fn(|h| if (9..17).contains(&h) { 1.0 } else { 0.25 });
        let weekly = [1.0, 1.0, 1.0, 1.0, 0.5, 0.1, 0.1];
        let counts: Vec<f64> = (0..WEEK_H)
            .map(|s| 12.0 * hourly[s % 24] * weekly[s / 24] * 2.0)
            .collect();
        let (rate, h, w) = fit_profile(&counts, &exposure);
        assert!((rate - 12.0).abs() < 1e-9, "rate {rate}");
        assert!(h.iter().zip(hourly).all(|(a, b)| (a - b).abs() < 1e-9));
        assert!(w.iter().zip(weekly).all(|(a, b)| (a - b).abs() < 1e-9));
    }

    #[test]
    fn concurrency_counts_overlaps_only() {
        let t = |m: i64| DateTime::from_timestamp(m * 60, 0).unwrap();
        assert_eq!(
            max_concurrent(&[(t(0), t(10)), (t(10), t(20)), (t(5), t(12))]),
            2
        );
        assert_eq!(max_concurrent(&[]), 0);
    }
}
