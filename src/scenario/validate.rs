//! `RawScenario` -> `Scenario`: fills defaults and checks every rule, collecting
//! all problems (with key path and place) instead of stopping at the first.

use std::path::{Path, PathBuf};

use chrono_tz::Tz;

use super::error::{Locator, ValidationIssue};
use super::names::{NAME_RULE, check_unique, is_valid_name};
use super::pool::pool;
use super::prices::prices;
use super::raw::{Quantity, RawPool, RawScenario, S};
use super::simulation::simulation;
use super::workload::{PoolsEnv, workload};
use super::{DataFiles, ExpectedEvents, FileScope, Scenario, SimulationSpec};
use crate::model::{PoolSpec, Quota, TierKind};
use crate::text::parse_duration;
use crate::units::SimDuration;
use crate::workload::WorkloadSpec;

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
pub(super) const HORIZON_KEY: &str = "simulation.horizon";

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
    let name = scenario_name(&mut cx, &raw, default_name);
    let simulation = simulation(&mut cx, &raw);
    let quota = quota(&mut cx, &raw);
    let prices = prices(&mut cx, &raw.prices);
    let pools: Vec<Option<PoolSpec>> = raw
        .pools
        .iter()
        .map(|p| pool(&mut cx, p, simulation.calendar, simulation.horizon))
        .collect();
    check_unique(&mut cx, raw.pools.iter().map(|p| &p.name), "pool", true);
    if let Some(quota) = quota {
        check_quota(&mut cx, &raw.pools, &pools, quota);
    }
    let workloads = workloads(&mut cx, &raw, &pools, &simulation);
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
        // No issue means the quota validated.
        quota: quota.unwrap_or_default(),
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

/// The scenario's name: the file's, or `default_name` when it gives none
/// (or one that cannot name a folder, with an issue).
fn scenario_name(cx: &mut Ctx, raw: &RawScenario, default_name: &str) -> String {
    match &raw.name {
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
    }
}

/// `[quota]`, or `None` when a limit is refused: a refused limit would
/// stand in as its default, which the pools would then be checked
/// against ("the quota is 0" right after "got 2097152").
fn quota(cx: &mut Ctx, raw: &RawScenario) -> Option<Quota> {
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
    (cx.issues.len() == refused_before).then_some(quota)
}

/// The `[[workload]]`s that validate, each against the pools that did,
/// and an issue when there is none or a name is used twice.
fn workloads(
    cx: &mut Ctx,
    raw: &RawScenario,
    pools: &[Option<PoolSpec>],
    simulation: &SimulationSpec,
) -> Vec<WorkloadSpec> {
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
        valid: pools,
        calendar: simulation.calendar,
        horizon: simulation.horizon,
    };
    let workloads: Vec<WorkloadSpec> = raw
        .workloads
        .iter()
        .filter_map(|w| workload(cx, w, &env))
        .collect();
    check_unique(cx, raw.workloads.iter().map(|w| &w.name), "workload", false);
    workloads
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
