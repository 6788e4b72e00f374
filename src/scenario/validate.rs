//! `RawScenario` -> `Scenario`: fills defaults and checks every rule, collecting
//! all problems (with key path and place) instead of stopping at the first.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::error::{Locator, ValidationIssue};
use super::pool::pool;
use super::raw::{Quantity, RawPool, RawPrices, RawScenario, S};
use super::workload::{PoolsEnv, workload};
use super::{DataFiles, ExpectedEvents, FileScope, Scenario, SimulationSpec};
use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

use crate::model::{PoolSpec, PriceBase, PriceTable, Quota, Tier, TierKind};
use crate::text::parse_duration;
use crate::units::SimDuration;
use crate::workload::{Calendar, WorkloadSpec};

/// The most replications a scenario may ask for.
pub const MAX_REPLICATIONS: u32 = 10_000;
/// The most queue-length samples per replication, over all pools (bounds
/// memory: 8 bytes each).
pub const MAX_SAMPLES: u64 = 1_000_000;
/// The most runs a replication may be expected to bring by default (about
/// two minutes and a few gigabytes at worst; `[simulation] max_runs`
/// changes it).
pub const MAX_EXPECTED_RUNS: f64 = 1e9;
/// The longest horizon: a century (calendar arithmetic stays far from
/// overflow, and no capacity question needs more).
pub const MAX_HORIZON: SimDuration = SimDuration::from_secs(36_500 * 86_400);
/// Upper bound of any number in a scenario: prices, memory, vCPUs. Far above
/// anything real, far below where sums overflow to infinity.
pub const MAX_NUMBER: f64 = 1e12;

/// The key of the horizon, whose bound (a century) is checked on its own.
const HORIZON_KEY: &str = "simulation.horizon";

/// The name that sends a workload to the default compute environment.
pub const DEFAULT_COMPUTE: &str = "default";

/// The most vCPUs a `[quota]` limit may be (standard or isolated): about a
/// million, far above any registry's, and small enough that usage sums stay
/// exact.
pub const MAX_QUOTA_VCPU: u32 = 1 << 20;

/// Validation state: the problems found and the warnings to show.
pub(super) struct Ctx<'a> {
    /// Folder of the scenario file; files it names are relative to it.
    base_dir: &'a Path,
    /// Whether those files may be outside it.
    scope: FileScope,
    /// The files resolved so far (see `Scenario::data_files`).
    files: Vec<PathBuf>,
    /// Where the data files it names are read (once per set of scenarios).
    pub data: &'a DataFiles,
    /// Problems with the byte offset of what they are about; located (line
    /// and column) once, at the end, in one pass over the source.
    issues: Vec<(Option<usize>, ValidationIssue)>,
    /// Non-fatal findings the user should see.
    pub warnings: Vec<String>,
}

impl Ctx<'_> {
    /// The file a scenario names at `file` (key `key`), relative to its
    /// folder; outside it (after `..` and links), unless the scope allows
    /// it, a problem saying how to allow it, and nothing is read.
    pub fn resolve(&mut self, file: &S<String>, key: &str) -> Option<PathBuf> {
        let path = self.base_dir.join(file.get_ref());
        if self.scope == FileScope::Anywhere {
            self.files.push(path.clone());
            return Some(path);
        }
        let folder = |p: &Path| {
            std::fs::canonicalize(if p.as_os_str().is_empty() {
                Path::new(".")
            } else {
                p
            })
        };
        // A path that does not resolve is read anyway: the reader says it
        // is missing, which reveals nothing.
        match (folder(self.base_dir), std::fs::canonicalize(&path)) {
            (Ok(base), Ok(real)) if !real.starts_with(&base) => {
                self.issue(
                    Some(file),
                    key,
                    format!(
                        "{} is outside the scenario's folder {}; move the file into that folder, or pass --allow-outside to read it where it is",
                        path.display(),
                        base.display()
                    ),
                );
                None
            }
            _ => {
                self.files.push(path.clone());
                Some(path)
            }
        }
    }

    /// Records a problem at byte `offset` of the source.
    pub fn issue_at(&mut self, offset: Option<usize>, key: &str, message: impl Into<String>) {
        self.issues.push((
            offset,
            ValidationIssue {
                key: key.to_string(),
                location: None,
                message: message.into(),
            },
        ));
    }

    /// Records a problem with the value `at`.
    pub fn issue<T>(&mut self, at: Option<&S<T>>, key: &str, message: impl Into<String>) {
        self.issue_at(at.map(|s| s.span().start), key, message);
    }

    /// A duration, or `None` (and an issue) when it does not parse or is zero
    /// where zero is not allowed.
    pub fn duration(&mut self, v: &S<String>, key: &str, allow_zero: bool) -> Option<SimDuration> {
        match parse_duration(v.get_ref()) {
            Ok(d) if d == SimDuration::ZERO && !allow_zero => {
                self.issue(Some(v), key, "must be longer than zero");
                None
            }
            // Far beyond any horizon (a century), and far from where
            // adding it to a time overflows. The horizon has a bound of
            // its own, checked with the value.
            Ok(d) if d.as_secs_f64() > MAX_NUMBER && key != HORIZON_KEY => {
                self.issue(
                    Some(v),
                    key,
                    format!("must be at most {MAX_NUMBER:e} s (about 31,700 years)"),
                );
                None
            }
            Ok(d) => Some(d),
            Err(e) => {
                self.issue(Some(v), key, e);
                None
            }
        }
    }

    pub fn opt_duration(
        &mut self,
        v: Option<&S<String>>,
        key: &str,
        default: SimDuration,
    ) -> Option<SimDuration> {
        v.map_or(Some(default), |v| self.duration(v, key, false))
    }

    /// A finite number in `[lo, hi]`, or the default when absent.
    pub fn number(
        &mut self,
        v: Option<&S<f64>>,
        key: &str,
        range: (f64, f64),
        default: f64,
    ) -> f64 {
        let Some(v) = v else { return default };
        let x = *v.get_ref();
        if x.is_finite() && x >= range.0 && x <= range.1 {
            x
        } else {
            let (lo, hi) = range;
            let bound = if hi == MAX_NUMBER {
                format!("at least {lo} (and at most {MAX_NUMBER:e})")
            } else {
                format!("between {lo} and {hi}")
            };
            self.issue(
                Some(v),
                key,
                format!("must be a number {bound}, got {}", shown_number(x)),
            );
            default
        }
    }

    pub fn positive(&mut self, v: Option<&S<f64>>, key: &str, default: f64) -> f64 {
        match v {
            Some(s) if *s.get_ref() <= 0.0 => {
                self.issue(
                    Some(s),
                    key,
                    format!("must be above zero, got {}", s.get_ref()),
                );
                default
            }
            _ => self.number(v, key, (0.0, MAX_NUMBER), default),
        }
    }

    /// An integer in `[lo, hi]`, or the default when absent.
    pub fn integer(
        &mut self,
        v: Option<&S<i64>>,
        key: &str,
        range: (i64, i64),
        default: i64,
    ) -> i64 {
        let Some(v) = v else { return default };
        let x = *v.get_ref();
        if (range.0..=range.1).contains(&x) {
            x
        } else {
            self.issue(
                Some(v),
                key,
                format!(
                    "must be a whole number between {} and {}, got {x}",
                    range.0, range.1
                ),
            );
            default
        }
    }
}

/// Validates `raw` (parsed from `src`), naming it `default_name` when the file
/// gives no name.
pub(super) fn validate(
    raw: RawScenario,
    src: &str,
    default_name: &str,
    base_dir: &Path,
    scope: FileScope,
    data: &DataFiles,
) -> Result<Scenario, Vec<ValidationIssue>> {
    let mut cx = Ctx {
        base_dir,
        scope,
        files: Vec::new(),
        data,
        issues: Vec::new(),
        warnings: Vec::new(),
    };
    let name = match &raw.name {
        Some(n) if !is_valid_name(n.get_ref()) => {
            cx.issue(
                Some(n),
                "name",
                format!("{NAME_RULE}; remove it to use the file name"),
            );
            default_name.to_string()
        }
        Some(n) => n.get_ref().clone(),
        None => default_name.to_string(),
    };
    let simulation = simulation(&mut cx, &raw);
    let refused_before = cx.issues.len();
    let quota = Quota {
        standard_vcpu: cx.integer(
            raw.quota.standard_vcpu.as_ref(),
            "quota.standard_vcpu",
            (0, i64::from(MAX_QUOTA_VCPU)),
            16,
        ) as u32,
        isolated_vcpu: cx.integer(
            raw.quota.isolated_vcpu.as_ref(),
            "quota.isolated_vcpu",
            (0, i64::from(MAX_QUOTA_VCPU)),
            0,
        ) as u32,
    };
    // A refused limit stands in as its default, which the pools would be
    // checked against: "the quota is 0" right after "got 2097152".
    let quota_refused = cx.issues.len() > refused_before;
    let prices = prices(&mut cx, &raw.prices);
    let pools: Vec<Option<PoolSpec>> = raw
        .pools
        .iter()
        .map(|p| pool(&mut cx, p, simulation.calendar, simulation.horizon))
        .collect();
    check_unique(&mut cx, raw.pools.iter().map(|p| &p.name), "pool", true);
    if !quota_refused {
        check_quota(&mut cx, &raw.pools, &pools, quota);
    }
    if raw.workloads.is_empty() {
        cx.issue::<()>(
            None,
            "workload",
            "the scenario has no [[workload]]; add at least one (see README, Scenario reference)",
        );
    }
    let env = PoolsEnv {
        // The first pool of a name (a second is an issue of its own).
        by_name: raw
            .pools
            .iter()
            .enumerate()
            .rev()
            .map(|(i, p)| (p.name.get_ref().as_str(), i))
            .collect(),
        raw: &raw.pools,
        valid: &pools,
        calendar: simulation.calendar,
        horizon: simulation.horizon,
    };
    let workloads: Vec<WorkloadSpec> = raw
        .workloads
        .iter()
        .filter_map(|w| workload(&mut cx, w, &env))
        .collect();
    check_unique(
        &mut cx,
        raw.workloads.iter().map(|w| &w.name),
        "workload",
        false,
    );
    let max_runs = cx.number(
        raw.simulation.max_runs.as_ref(),
        "simulation.max_runs",
        (1.0, 1e12),
        MAX_EXPECTED_RUNS,
    );
    check_expected_runs(&mut cx, &workloads, simulation.horizon, max_runs);
    warn_nearly_empty(&mut cx, &workloads, simulation.horizon);
    let events = expected_events(&workloads, &pools, simulation.horizon);
    check_expected_events(&mut cx, &events, simulation.horizon, max_runs);
    let slo = super::slo::slo(&mut cx, &raw.slo, &workloads);
    if !cx.issues.is_empty() {
        return Err(located(src, cx.issues));
    }
    Ok(Scenario {
        name,
        simulation,
        quota,
        prices,
        // No issue means every pool validated.
        pools: pools.into_iter().flatten().collect(),
        workloads,
        slo,
        warnings: cx.warnings,
        data_files: cx.files,
        expected_events: events,
    })
}

/// The issues with their line and column, in file order (those without a
/// place first), in one pass over the source.
fn located(src: &str, mut issues: Vec<(Option<usize>, ValidationIssue)>) -> Vec<ValidationIssue> {
    // A stable sort: problems at one place keep the order they were found in.
    issues.sort_by_key(|(offset, _)| *offset);
    let mut locator = Locator::new(src);
    issues
        .into_iter()
        .map(|(offset, mut issue)| {
            issue.location = offset.map(|o| locator.locate(o));
            issue
        })
        .collect()
}

fn simulation(cx: &mut Ctx, raw: &RawScenario) -> SimulationSpec {
    let s = &raw.simulation;
    let horizon = cx
        .opt_duration(
            s.horizon.as_ref(),
            HORIZON_KEY,
            SimDuration::from_secs(7 * 86_400),
        )
        .unwrap_or(SimDuration::from_secs(86_400));
    if horizon > MAX_HORIZON {
        cx.issue(s.horizon.as_ref(), HORIZON_KEY, format!("must be at most {MAX_HORIZON} (a century); simulate a representative week or month instead"));
    }
    // A tenth of the horizon, at most a day: enough for a queue that starts
    // empty to forget its start, without wasting a short run.
    let default_warmup = SimDuration((horizon.0 / 10).min(SimDuration::from_secs(86_400).0));
    let warmup = match &s.warmup {
        Some(w) => cx
            .duration(w, "simulation.warmup", true)
            .unwrap_or_default(),
        None => default_warmup,
    };
    if warmup >= horizon {
        cx.issue(
            s.warmup.as_ref(),
            "simulation.warmup",
            format!("the warm-up ({warmup}) must be shorter than the horizon ({horizon}); shorten warmup or lengthen horizon"),
        );
    }
    let replications = cx.integer(
        s.replications.as_ref(),
        "simulation.replications",
        (1, i64::from(MAX_REPLICATIONS)),
        10,
    ) as u32;
    let seed = cx.integer(s.seed.as_ref(), "simulation.seed", (0, i64::MAX), 1) as u64;
    let sample_interval = cx
        .opt_duration(
            s.sample_interval.as_ref(),
            "simulation.sample_interval",
            SimDuration::from_secs(60),
        )
        .unwrap_or(SimDuration::from_secs(60));
    let pools = raw.pools.len().max(1) as u64;
    if (horizon.0 / sample_interval.0.max(1)).saturating_mul(pools) > MAX_SAMPLES {
        cx.issue(
            s.sample_interval.as_ref(),
            "simulation.sample_interval",
            format!("{sample_interval} over a {horizon} horizon for {pools} pool(s) gives more than {MAX_SAMPLES} queue samples; use a longer sample_interval"),
        );
    }
    let zone = s.timezone.as_ref().map_or(Tz::UTC, |name| {
        time_zone(cx, name, "simulation.timezone").unwrap_or(Tz::UTC)
    });
    let start = match &s.start {
        None => Calendar::default_start(zone),
        Some(text) => start_instant(text.get_ref().trim(), zone)
            .and_then(|start| within_dates(start, horizon, zone))
            .unwrap_or_else(|e| {
                cx.issue(Some(text), "simulation.start", e);
                Calendar::default_start(zone)
            }),
    };
    SimulationSpec {
        horizon,
        warmup,
        replications,
        seed,
        sample_interval,
        calendar: Calendar::new(start, zone),
    }
}

/// The IANA time zone `name` (of the key `key`), or `None` and an issue.
pub(super) fn time_zone(cx: &mut Ctx, name: &S<String>, key: &str) -> Option<Tz> {
    let zone = name.get_ref().trim().parse::<Tz>().ok();
    if zone.is_none() {
        cx.issue(
            Some(name),
            key,
            format!(
                "unknown time zone {:?}; use an IANA name such as Europe/Berlin",
                name.get_ref()
            ),
        );
    }
    zone
}

/// `[simulation] start`: an RFC 3339 instant, or a date and time without an
/// offset, read on the wall clock of `zone` (the first of a repeated time;
/// a time that a daylight-saving change skips is refused).
fn start_instant(text: &str, zone: Tz) -> Result<DateTime<Utc>, String> {
    let rfc = match DateTime::parse_from_rfc3339(text) {
        Ok(t) => return Ok(t.with_timezone(&Utc)),
        Err(e) => e,
    };
    let wall = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S")
        .map_err(|_| format!("{text:?} is not an RFC 3339 instant ({rfc}); write e.g. \"2025-03-03T00:00:00Z\", or \"2025-03-03T00:00:00\" on the wall clock of [simulation] timezone"))?;
    zone.from_local_datetime(&wall)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| format!("{text:?} does not exist in {zone}: the clock skips it for daylight saving; start an hour later"))
}

/// `start` when the simulation ends by the last day an RFC 3339 timestamp
/// can name (9999-12-31, on the UTC and the local clock): `queue.csv`
/// wrote `+10000-01-02T23:59:00Z`, which no reader of its format parses.
fn within_dates(
    start: DateTime<Utc>,
    horizon: SimDuration,
    zone: Tz,
) -> Result<DateTime<Utc>, String> {
    use chrono::Datelike;
    // A horizon past chrono's range is refused on its own (over a century).
    let Some(end) = chrono::Duration::try_seconds(horizon.as_secs_f64().ceil() as i64)
        .and_then(|d| start.checked_add_signed(d))
        .map(|end| end.with_timezone(&zone))
    else {
        return Ok(start);
    };
    if end.year().max(end.to_utc().year()) <= 9999 {
        return Ok(start);
    }
    Err(format!(
        "the simulation would end on {}, past 9999-12-31, the last day the outputs' timestamps (RFC 3339) can name; start it earlier or shorten the horizon",
        end.format("%Y-%m-%d").to_string().trim_start_matches('+')
    ))
}

fn prices(cx: &mut Ctx, raw: &RawPrices) -> PriceTable {
    let base = match &raw.base {
        None => PriceBase::Allocation,
        Some(b) => match b.get_ref().as_str() {
            "allocation" => PriceBase::Allocation,
            "vm" => PriceBase::Vm,
            other => {
                cx.issue(Some(b), "prices.base", format!("unknown price base {other:?}; use \"allocation\" (vCPUs at the task rate) or \"vm\" (equivalent VM prices)"));
                PriceBase::Allocation
            }
        },
    };
    let mut table = PriceTable::new(base);
    for (tier, v) in [
        (Tier::S1, &raw.s1),
        (Tier::S2, &raw.s2),
        (Tier::S3, &raw.s3),
        (Tier::I6, &raw.i6),
    ] {
        let key = format!("prices.{tier}");
        let usd = cx.number(
            v.as_ref(),
            &key,
            (0.0, MAX_NUMBER),
            table.instance_hour_usd(tier),
        );
        table.set_instance_hour_usd(tier, usd);
    }
    let dc = &mut table.default_compute;
    dc.vcpu_second_usd = cx.number(
        raw.default_vcpu_second.as_ref(),
        "prices.default_vcpu_second",
        (0.0, MAX_NUMBER),
        dc.vcpu_second_usd,
    );
    dc.free_vcpu_seconds_per_month = cx.number(
        raw.default_free_vcpu_seconds_per_month.as_ref(),
        "prices.default_free_vcpu_seconds_per_month",
        (0.0, MAX_NUMBER),
        dc.free_vcpu_seconds_per_month,
    );
    table
}

/// `x` for a message: a whole number without a fraction (`200000000`, not
/// `200000000.0`), else the shortest form that reads back as `x` (`1.5`,
/// `1.7e308`).
pub(super) fn shown_number(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e16 {
        format!("{x:.0}")
    } else {
        format!("{x:?}")
    }
}

/// `q` as the user wrote it, for a message: a number (with `unit` after
/// it, `" s"` say), or the string quoted.
pub(super) fn shown_quantity(q: &Quantity, unit: &str) -> String {
    match q {
        Quantity::Number(x) => format!("{}{unit}", shown_number(*x)),
        Quantity::Text(t) => format!("{t:?}"),
    }
}

/// What [`is_valid_name`] asks of a scenario name, for messages.
pub const NAME_RULE: &str = "names the output folder, so it takes 1 to 64 letters, digits, '.', '_' or '-' and does not start with '.'";

/// Whether `name` is safe as a scenario name (it names a folder under
/// `output/`): 1 to 64 letters, digits, `.`, `_` or `-`, not starting with `.`.
pub fn is_valid_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
}

/// Why `name` cannot name a workload, if it cannot: names head table rows
/// and key paths, so characters that break a line or reorder the text
/// around them (bidirectional controls, the "Trojan Source" trick) are
/// refused.
pub(super) fn name_problem(name: &str) -> Option<&'static str> {
    if name.chars().any(char::is_control) {
        Some(
            "contains a control character (a NUL, newline or tab, say), which breaks tables and messages",
        )
    } else if name.chars().any(is_bidi_control) {
        Some(
            "contains a bidirectional-text control, which reorders the text that tables and messages show",
        )
    } else {
        None
    }
}

/// Whether `c` is a bidirectional-text control (the "Trojan Source" trick).
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `name` with every character `name_problem` refuses replaced by `-`: a
/// workload name that validates, for names that come from elsewhere (an
/// import's task names).
pub fn safe_workload_name(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_control() || is_bidi_control(c) {
                '-'
            } else {
                c
            }
        })
        .collect()
}

/// `name` as it may stand in a key path: itself, or quoted with escapes
/// when it holds characters that would break the message.
pub(super) fn shown_name(name: &str) -> String {
    if name_problem(name).is_some() {
        format!("{name:?}")
    } else {
        name.to_string()
    }
}

/// A file stem made safe as a scenario name.
pub fn name_from_stem(stem: &str) -> String {
    let name: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '-'
            }
        })
        .take(64)
        .collect();
    let name = name.trim_start_matches('.');
    if name.is_empty() {
        "scenario".to_string()
    } else {
        name.to_string()
    }
}

/// Names used twice are refused; with `case_blind`, names differing only
/// by case too (a pool's name becomes a chart's file name, and macOS and
/// Windows file systems do not tell `Builders` from `builders`).
fn check_unique<'a>(
    cx: &mut Ctx,
    names: impl Iterator<Item = &'a S<String>>,
    what: &str,
    case_blind: bool,
) {
    let mut seen: HashMap<String, &str> = HashMap::new();
    for n in names {
        let name = n.get_ref().as_str();
        let key = if case_blind {
            name.to_lowercase()
        } else {
            name.to_string()
        };
        let Some(first) = seen.get(&key).copied() else {
            seen.insert(key, name);
            continue;
        };
        let message = if first == name {
            format!("the {what} name {name:?} is used twice; give each {what} its own name")
        } else {
            format!(
                "the {what} names {first:?} and {name:?} differ only by case; their chart files would collide on case-insensitive file systems (macOS, Windows): rename one"
            )
        };
        cx.issue(
            Some(n),
            &format!("{what}.{}.name", shown_name(name)),
            message,
        );
    }
}

/// Refuses scenarios whose arrivals would take hours and gigabytes per
/// replication, before anything runs.
fn check_expected_runs(
    cx: &mut Ctx,
    workloads: &[WorkloadSpec],
    horizon: SimDuration,
    max_runs: f64,
) {
    let runs: f64 = workloads
        .iter()
        .map(|w| w.arrival.expected_runs(horizon))
        .sum();
    if runs > max_runs {
        cx.issue_at(None, "workload", format!(
            "the workloads would bring about {runs:.2e} runs per replication over {horizon}, more than the limit of {max_runs:e}; shorten [simulation] horizon, lower the rates, or raise [simulation] max_runs if the machine can take it"
        ));
    }
}

/// Warns about workloads that bring less than one run a replication (a
/// rate, profile multipliers or a `rate_scale` of 1e-12 or 5e-324 ran with
/// no run and no word): their figures have no statistic. A cron that
/// does not fire in the window has its own warning.
fn warn_nearly_empty(cx: &mut Ctx, workloads: &[WorkloadSpec], horizon: SimDuration) {
    for w in workloads {
        let runs = w.arrival.expected_runs(horizon);
        let unfired = matches!(w.arrival, crate::workload::ArrivalProcess::Cron { .. })
            && w.arrival.expected_firings(horizon) == 0.0;
        if runs < 1.0 && !unfired {
            let about = if runs > 0.0 {
                format!("about {runs:.1e}")
            } else {
                "effectively no".into()
            };
            cx.warnings.push(format!(
                "workload {}: {about} runs a replication over the {horizon} horizon, so nearly every replication has none and its figures have no statistic (a rate, multiplier or rate_scale near zero, such as 1e-12, is read as written); raise it, or remove the workload",
                w.name
            ));
        }
    }
}

/// Counts what one replication's event loop handles, from the rates:
/// runs, wall-clock hours walked by profile arrivals, cron firings (an event even when a tiny `rate_scale` leaves
/// it no run) and queue-controller polls.
fn expected_events(
    workloads: &[WorkloadSpec],
    pools: &[Option<PoolSpec>],
    horizon: SimDuration,
) -> ExpectedEvents {
    let sum = |f: &dyn Fn(&WorkloadSpec) -> f64| workloads.iter().map(f).sum::<f64>() + 0.0;
    let polls: f64 = pools
        .iter()
        .flatten()
        .filter_map(|p| match &p.scaling {
            crate::model::Scaling::Queue(c) => {
                Some(horizon.as_secs_f64() / c.poll.as_secs_f64().max(1.0))
            }
            _ => None,
        })
        .sum();
    // (An empty float sum is -0.0, which would print as such: hence + 0.0.)
    ExpectedEvents {
        runs: sum(&|w| w.arrival.expected_runs(horizon)),
        hours: sum(&|w| w.arrival.expected_hours(horizon)),
        firings: sum(&|w| w.arrival.expected_firings(horizon)),
        polls: polls + 0.0,
    }
}

/// Refuses replications whose event loop could not finish in reasonable
/// time although the runs are within `max_runs`: cron firings that bring
/// no run, and controller polls, counted as `max_runs`
/// counts runs, against ten times that limit.
fn check_expected_events(
    cx: &mut Ctx,
    events: &ExpectedEvents,
    horizon: SimDuration,
    max_runs: f64,
) {
    let ExpectedEvents {
        runs,
        hours,
        firings,
        polls,
    } = *events;
    let limit = 10.0 * max_runs;
    let events = events.total();
    if events > limit && runs <= max_runs {
        cx.issue_at(None, "workload", format!(
            "a replication would handle about {events:.2e} events over {horizon} ({runs:.2e} runs + {hours:.2e} hours walked by profile arrivals + {firings:.2e} cron firings + {polls:.2e} controller polls), more than the limit of {limit:e} (10 x [simulation] max_runs); poll less often, fire less often, shorten the horizon, or raise max_runs if the machine can take it"
        ));
    }
}

fn check_quota(cx: &mut Ctx, raw: &[RawPool], pools: &[Option<PoolSpec>], quota: Quota) {
    let (raw, pools): (Vec<&RawPool>, Vec<PoolSpec>) = raw
        .iter()
        .zip(pools)
        .filter_map(|(r, p)| Some((r, p.clone()?)))
        .unzip();
    let (used, peak) = (quota.usage(&pools), quota.peak_usage(&pools));
    for kind in [TierKind::Standard, TierKind::Isolated] {
        let (have, limit) = (used.of(kind), quota.limit(kind));
        let most = peak.of(kind);
        if have <= limit && most > limit {
            cx.warnings.push(format!(
                "the {kind} pools can scale to {most} vCPUs together but the {kind} quota is {limit}: when they all scale up at once, some scale-ups will be capped (counted in scale_ups_capped)"
            ));
        }
        if have <= limit {
            continue;
        }
        let parts: Vec<String> = pools
            .iter()
            .filter(|p| p.tier.kind() == kind)
            .map(|p| format!("{} {} x {} = {}", p.name, p.count, p.tier, p.vcpu()))
            .collect();
        let first = raw.iter().zip(&pools).find(|(_, p)| p.tier.kind() == kind);
        cx.issue_at(
            first.map(|(r, _)| r.count.as_ref().map_or(r.tier.span().start, |c| c.span().start)),
            &format!("quota.{kind}_vcpu"),
            format!(
                "the {kind} pools start with {have} vCPUs ({}) but the {kind} quota is {limit}; lower the counts (or scaling minimums) or raise [quota] {kind}_vcpu (for a real registry a quota increase is a support request)",
                parts.join(", ")
            ),
        );
    }
}
