//! The one SLO judge. A run's verdict is computed here, once, and every
//! output (table, JSON, Markdown, HTML, `check`'s exit code, the GitHub step
//! summary, sweep and plan recommendations) reads it.
//!
//! Two bases, under distinct names: `met` judges the mean over replications
//! (what `run` and `check` report), `met_upper95` the upper end of the 95%
//! interval (what recommendations use, so that a pick is not luck).

use super::{Estimate, TotalMetric};
pub use crate::model::Objectives;
use crate::model::Window;

/// One objective of `[slo]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectiveKind {
    /// `wait_p95`: p95 queue wait, seconds.
    WaitP95,
    /// `max_cost_per_day`: compute cost per day, USD.
    MaxCostPerDay,
}

impl ObjectiveKind {
    /// The `[slo]` key, also the `name` in JSON.
    pub fn name(self) -> &'static str {
        match self {
            ObjectiveKind::WaitP95 => "wait_p95",
            ObjectiveKind::MaxCostPerDay => "max_cost_per_day",
        }
    }

    /// The total metric the objective is judged on.
    pub fn metric(self) -> TotalMetric {
        match self {
            ObjectiveKind::WaitP95 => TotalMetric::WaitP95S,
            ObjectiveKind::MaxCostPerDay => TotalMetric::CostPerDayUsd,
        }
    }
}

/// One objective's verdict: target, the values judged and the outcome on
/// each basis.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ObjectiveVerdict {
    /// Which objective.
    pub kind: ObjectiveKind,
    /// The target (seconds for waits, USD for cost); the value must not
    /// exceed it.
    pub target: f64,
    /// The mean over replications (NaN when undefined: no run arrived).
    pub value: f64,
    /// The upper end of the 95% interval (the mean without an interval).
    pub value_upper95: f64,
    /// Met on the mean.
    pub met: bool,
    /// Met on the upper end of the interval.
    pub met_upper95: bool,
    /// The window whose runs a wait objective was judged on.
    pub window: Option<Window>,
    /// Whether `value` has a 95% interval (more than one replication);
    /// without one `value_upper95` is the mean, and reports say nothing of
    /// a bound.
    pub has_interval: bool,
}

/// The verdict of a run (or a sweep point) on every objective.
#[derive(Debug, Clone, PartialEq)]
pub struct SloVerdict {
    /// Per objective, in `[slo]` order (wait, then cost).
    pub objectives: Vec<ObjectiveVerdict>,
    /// Every objective met on the mean.
    pub met: bool,
    /// Every objective met on the upper end of its interval.
    pub met_upper95: bool,
}

/// Judges `total` against `objectives`; `None` when none is set.
///
/// An undefined value (no run arrived in the window, so no wait to judge)
/// meets nothing: a verdict needs evidence. Runs still queued at the end
/// count in the waits with their wait so far, so a pool that never starts a
/// run has a long wait, not an undefined one.
///
/// ```
/// use poolcast::stats::{Estimate, Objectives, TotalMetric, judge};
/// use poolcast::units::SimDuration;
/// let goal = Objectives { wait_p95: Some(SimDuration::from_secs_f64(300.0)), max_cost_per_day_usd: None, window: None };
/// let p95 = Estimate { mean: 296.0, std_error: 5.0, ci95: Some((285.0, 307.0)) };
/// let v = judge(&goal, |_: TotalMetric| p95).unwrap();
/// assert!(v.met && !v.met_upper95);
/// assert_eq!(v.objectives[0].value_upper95, 307.0);
/// ```
pub fn judge(
    objectives: &Objectives,
    total: impl Fn(TotalMetric) -> Estimate,
) -> Option<SloVerdict> {
    let targets = [
        (
            ObjectiveKind::WaitP95,
            objectives.wait_p95.map(|d| d.as_secs_f64()),
        ),
        (
            ObjectiveKind::MaxCostPerDay,
            objectives.max_cost_per_day_usd,
        ),
    ];
    let verdicts: Vec<ObjectiveVerdict> = targets
        .into_iter()
        .filter_map(|(kind, target)| {
            let target = target?;
            // A wait objective with a window reads the window's waits.
            let window = objectives.window.filter(|_| kind == ObjectiveKind::WaitP95);
            let metric = match window {
                Some(_) => TotalMetric::WindowWaitP95S,
                None => kind.metric(),
            };
            let e = total(metric);
            let upper = e.ci95.map_or(e.mean, |(_, hi)| hi);
            // NaN compares false: undefined meets nothing.
            Some(ObjectiveVerdict {
                kind,
                target,
                value: e.mean,
                value_upper95: upper,
                met: e.mean <= target,
                met_upper95: upper <= target,
                window,
                has_interval: e.ci95.is_some(),
            })
        })
        .collect();
    (!verdicts.is_empty()).then(|| SloVerdict {
        met: verdicts.iter().all(|v| v.met),
        met_upper95: verdicts.iter().all(|v| v.met_upper95),
        objectives: verdicts,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::units::SimDuration;

    fn est(mean: f64, ci: Option<(f64, f64)>) -> Estimate {
        Estimate {
            mean,
            std_error: 0.0,
            ci95: ci,
        }
    }

    #[test]
    fn judge_needs_an_objective() {
        assert!(judge(&Objectives::default(), |_| est(1.0, None)).is_none());
    }

    #[test]
    fn judge_undefined_wait_meets_nothing() {
        let goal = Objectives {
            wait_p95: Some(SimDuration::from_secs_f64(300.0)),
            max_cost_per_day_usd: Some(100.0),
            window: None,
        };
        let v = judge(&goal, |m| match m {
            TotalMetric::WaitP95S => est(f64::NAN, None),
            _ => est(50.0, Some((40.0, 60.0))),
        })
        .unwrap();
        assert!(!v.objectives[0].met && !v.objectives[0].met_upper95);
        assert!(v.objectives[1].met && v.objectives[1].met_upper95);
        assert!(!v.met && !v.met_upper95);
    }

    #[test]
    fn judge_upper_bound_is_stricter_than_mean() {
        let goal = Objectives {
            wait_p95: None,
            max_cost_per_day_usd: Some(100.0),
            window: None,
        };
        let v = judge(&goal, |_| est(99.0, Some((97.0, 101.0)))).unwrap();
        assert_eq!(v.objectives[0].kind, ObjectiveKind::MaxCostPerDay);
        assert!(v.met);
        assert!(!v.met_upper95);
        // Without an interval the two bases agree.
        let v = judge(&goal, |_| est(101.0, None)).unwrap();
        assert!(!v.met && !v.met_upper95);
        assert_eq!(v.objectives[0].value_upper95, 101.0);
    }
}
