//! The one SLO judge. A run's verdict is computed here, once, and every
//! output (table, JSON, Markdown, HTML, `check`'s exit code, the GitHub step
//! summary, sweep and plan recommendations) reads it.
//!
//! Two bases, under distinct names: `met` judges the mean over replications
//! (what `run` and `check` report), `met_upper95` the upper end of the 95%
//! interval (what recommendations use, so that a pick is not luck).

use serde::ser::{Serialize, SerializeStruct, Serializer};

use super::Estimate;
use crate::model::{
    HourOfWeek, Objectives, Per, WAIT_P95, WaitObjective, Window, meets, objective_label,
};

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
            ObjectiveKind::WaitP95 => WAIT_P95,
            ObjectiveKind::MaxCostPerDay => "max_cost_per_day",
        }
    }
}

/// The value a wait objective is judged on, over the replications: the
/// p95 of the window's runs, or under `per = "hour"` the worst hour's.
/// Its JSON is `{mean, upper95, worst_hour}`.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Judged {
    /// The mean over replications (NaN when undefined: no run to judge).
    #[serde(rename = "mean")]
    pub value: f64,
    /// The upper end of its 95% interval (the mean without one); under
    /// `per = "hour"`, the highest upper end of any judged hour.
    #[serde(rename = "upper95")]
    pub value_upper95: f64,
    /// Whether `value` has a 95% interval.
    #[serde(skip)]
    pub has_interval: bool,
    /// Under `per = "hour"`, the hour whose mean is `value`.
    pub worst_hour: Option<HourOfWeek>,
    /// Under `per = "hour"`, the judged hours with runs in fewer than half
    /// of the replications (each judged on the replications it has).
    #[serde(skip)]
    pub thin_hours: u32,
    /// Under `per = "hour"`, the judged hours alike to the worst one
    /// (`forecast::alike_hours`: judged together), itself included.
    #[serde(skip)]
    pub alike_hours: u32,
}

impl Judged {
    /// The value of an estimate over the replications.
    pub fn of(e: Estimate) -> Judged {
        Judged {
            value: e.mean,
            value_upper95: e.ci95.map_or(e.mean, |(_, hi)| hi),
            has_interval: e.ci95.is_some(),
            worst_hour: None,
            thin_hours: 0,
            alike_hours: 0,
        }
    }

    /// The worst of the judged hours: the highest mean, and the highest
    /// upper bound (of any hour: each hour must meet on its own). NaN
    /// (nothing to judge) when no hour has a value.
    ///
    /// ```
    /// use poolcast::model::HourOfWeek;
    /// use poolcast::results::{Estimate, Judged};
    /// let e = |m: f64, hi: f64| Estimate { mean: m, std_error: 0.0, ci95: Some((m, hi)) };
    /// let hours = [(HourOfWeek::new(0, 9), e(100.0, 400.0)), (HourOfWeek::new(0, 10), e(200.0, 250.0))];
    /// let j = Judged::worst_hour(hours);
    /// assert_eq!((j.value, j.value_upper95), (200.0, 400.0));
    /// assert_eq!(j.worst_hour.unwrap().to_string(), "Mon 10:00");
    /// ```
    pub fn worst_hour(hours: impl IntoIterator<Item = (HourOfWeek, Estimate)>) -> Judged {
        let mut worst = Judged {
            value: f64::NAN,
            value_upper95: f64::NAN,
            has_interval: false,
            worst_hour: None,
            thin_hours: 0,
            alike_hours: 0,
        };
        for (hour, e) in hours {
            if e.mean.is_nan() {
                continue;
            }
            let j = Judged::of(e);
            if worst.worst_hour.is_none() || j.value > worst.value {
                (worst.value, worst.worst_hour) = (j.value, Some(hour));
            }
            // `max` skips NaN: the first defined hour sets it.
            worst.value_upper95 = worst.value_upper95.max(j.value_upper95);
            worst.has_interval |= j.has_interval;
        }
        worst
    }
}

/// One objective's verdict: target, the values judged and the outcome on
/// each basis.
#[derive(Debug, Clone, PartialEq)]
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
    /// The workload whose own objective this is; `None` for `[slo]`'s.
    pub workload: Option<String>,
    /// The workloads whose runs a wait objective judges (empty for cost).
    pub workloads: Vec<String>,
    /// How a wait objective is judged over the window.
    pub per: Per,
    /// Under `per = "hour"`, the hour that decided.
    pub worst_hour: Option<HourOfWeek>,
    /// Under `per = "hour"`, the judged hours with runs in fewer than half
    /// of the replications.
    pub thin_hours: u32,
    /// Under `per = "hour"`, the judged hours alike to the worst one,
    /// itself included (judged together: the verdict is theirs).
    pub alike_hours: u32,
}

impl ObjectiveVerdict {
    /// The objective's name in words: `wait_p95`, `nightly wait_p95`.
    pub fn label(&self) -> String {
        objective_label(self.workload.as_deref(), self.kind.name())
    }
}

/// The verdict of a run (or a sweep point) on every objective.
#[derive(Debug, Clone, PartialEq)]
pub struct SloVerdict {
    /// Per objective: the wait objectives (`[slo]`'s, then each
    /// workload's), then the cost.
    pub objectives: Vec<ObjectiveVerdict>,
    /// Every objective met on the mean.
    pub met: bool,
    /// Every objective met on the upper end of its interval.
    pub met_upper95: bool,
}

fn verdict(kind: ObjectiveKind, target: f64, j: Judged) -> ObjectiveVerdict {
    ObjectiveVerdict {
        kind,
        target,
        value: j.value,
        value_upper95: j.value_upper95,
        met: meets(j.value, target),
        met_upper95: meets(j.value_upper95, target),
        window: None,
        has_interval: j.has_interval,
        workload: None,
        workloads: Vec::new(),
        per: Per::Window,
        worst_hour: j.worst_hour,
        thin_hours: j.thin_hours,
        alike_hours: j.alike_hours,
    }
}

/// Judges the wait objectives on `waits` (one judged value each, in
/// `objectives.waits` order) and the cost cap on `cost_per_day`; `None`
/// when no objective is set.
///
/// An undefined value (no run arrived in the window, so no wait to judge)
/// meets nothing: a verdict needs evidence. Runs still queued at the end
/// count in the waits with their wait so far, so a pool that never starts a
/// run has a long wait, not an undefined one.
///
/// ```
/// use poolcast::model::{Objectives, Per, WaitObjective};
/// use poolcast::results::{Estimate, Judged, judge};
/// use poolcast::units::SimDuration;
/// let wait = WaitObjective { target: SimDuration::from_secs_f64(300.0), window: None, per: Per::Window, workload: None, workloads: vec![(0, "ci".into())] };
/// let goal = Objectives { waits: vec![wait], max_cost_per_day_usd: None };
/// let p95 = Estimate { mean: 296.0, std_error: 5.0, ci95: Some((285.0, 307.0)) };
/// let v = judge(&goal, &[Judged::of(p95)], Estimate::from_samples(&[1.0])).unwrap();
/// assert!(v.met && !v.met_upper95);
/// assert_eq!(v.objectives[0].value_upper95, 307.0);
/// ```
pub fn judge(
    objectives: &Objectives,
    waits: &[Judged],
    cost_per_day: Estimate,
) -> Option<SloVerdict> {
    debug_assert_eq!(objectives.waits.len(), waits.len());
    let wait = |(o, j): (&WaitObjective, &Judged)| ObjectiveVerdict {
        window: o.window,
        workload: o.workload.clone(),
        workloads: o.workloads.iter().map(|(_, n)| n.clone()).collect(),
        per: o.per,
        ..verdict(ObjectiveKind::WaitP95, o.target.as_secs_f64(), *j)
    };
    let verdicts: Vec<ObjectiveVerdict> = objectives
        .waits
        .iter()
        .zip(waits)
        .map(wait)
        .chain(
            objectives
                .max_cost_per_day_usd
                .map(|cap| verdict(ObjectiveKind::MaxCostPerDay, cap, Judged::of(cost_per_day))),
        )
        .collect();
    (!verdicts.is_empty()).then(|| SloVerdict {
        met: verdicts.iter().all(|v| v.met),
        met_upper95: verdicts.iter().all(|v| v.met_upper95),
        objectives: verdicts,
    })
}

impl Serialize for ObjectiveVerdict {
    /// `summary.json`'s `slo.objectives[]`, the shape `recommendation.json`
    /// and `schedule.json` share: `per` only for a wait objective, the
    /// alike hours only with a worst hour.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut o = s.serialize_struct("ObjectiveVerdict", 12)?;
        o.serialize_field("name", self.kind.name())?;
        o.serialize_field("workload", &self.workload)?;
        o.serialize_field("workloads", &self.workloads)?;
        let per = (self.kind == ObjectiveKind::WaitP95).then_some(self.per);
        o.serialize_field("per", &per)?;
        o.serialize_field("target", &self.target)?;
        o.serialize_field("value", &self.value)?;
        o.serialize_field("value_upper95", &self.value_upper95)?;
        o.serialize_field("met", &self.met)?;
        o.serialize_field("met_upper95", &self.met_upper95)?;
        o.serialize_field("window", &self.window)?;
        o.serialize_field("worst_hour", &self.worst_hour)?;
        let alike = self.worst_hour.map(|_| self.alike_hours);
        o.serialize_field("worst_hour_alike", &alike)?;
        o.end()
    }
}

impl Serialize for SloVerdict {
    /// The `slo` object: the targets of `[slo]` (null when unset), then the
    /// verdict per objective and overall on both bases.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let target = |kind| {
            self.objectives
                .iter()
                .find(|o| o.kind == kind)
                .map(|o| o.target)
        };
        let mut o = s.serialize_struct("SloVerdict", 5)?;
        o.serialize_field("wait_p95_s", &target(ObjectiveKind::WaitP95))?;
        o.serialize_field(
            "max_cost_per_day_usd",
            &target(ObjectiveKind::MaxCostPerDay),
        )?;
        o.serialize_field("objectives", &self.objectives)?;
        o.serialize_field("met", &self.met)?;
        o.serialize_field("met_upper95", &self.met_upper95)?;
        o.end()
    }
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

    fn wait(target_s: f64) -> WaitObjective {
        WaitObjective {
            target: SimDuration::from_secs_f64(target_s),
            window: None,
            per: Per::Window,
            workload: None,
            workloads: vec![(0, "ci".into())],
        }
    }

    #[test]
    fn judge_needs_an_objective() {
        assert!(judge(&Objectives::default(), &[], est(1.0, None)).is_none());
    }

    #[test]
    fn judge_undefined_wait_meets_nothing() {
        let goal = Objectives {
            waits: vec![wait(300.0)],
            max_cost_per_day_usd: Some(100.0),
        };
        let v = judge(
            &goal,
            &[Judged::of(est(f64::NAN, None))],
            est(50.0, Some((40.0, 60.0))),
        )
        .unwrap();
        assert!(!v.objectives[0].met && !v.objectives[0].met_upper95);
        assert!(v.objectives[1].met && v.objectives[1].met_upper95);
        assert!(!v.met && !v.met_upper95);
    }

    #[test]
    fn judge_upper_bound_is_stricter_than_mean() {
        let goal = Objectives {
            waits: Vec::new(),
            max_cost_per_day_usd: Some(100.0),
        };
        let v = judge(&goal, &[], est(99.0, Some((97.0, 101.0)))).unwrap();
        assert_eq!(v.objectives[0].kind, ObjectiveKind::MaxCostPerDay);
        assert!(v.met);
        assert!(!v.met_upper95);
        // Without an interval the two bases agree.
        let v = judge(&goal, &[], est(101.0, None)).unwrap();
        assert!(!v.met && !v.met_upper95);
        assert_eq!(v.objectives[0].value_upper95, 101.0);
    }

    #[test]
    fn each_wait_objective_is_judged_on_its_own_value() {
        let mut nightly = wait(3600.0);
        nightly.workload = Some("nightly".into());
        nightly.workloads = vec![(1, "nightly".into())];
        let goal = Objectives {
            waits: vec![wait(300.0), nightly],
            max_cost_per_day_usd: None,
        };
        // The working-hours runs meet 5 min; the nightly batch misses its
        // hour: one verdict each, and the run misses.
        let v = judge(
            &goal,
            &[
                Judged::of(est(200.0, Some((180.0, 220.0)))),
                Judged::of(est(4000.0, Some((3900.0, 4100.0)))),
            ],
            est(1.0, None),
        )
        .unwrap();
        assert!(v.objectives[0].met_upper95 && !v.objectives[1].met);
        assert_eq!(v.objectives[1].label(), "nightly wait_p95");
        assert_eq!(v.objectives[1].workloads, vec!["nightly".to_string()]);
        assert!(!v.met && !v.met_upper95);
    }

    #[test]
    fn the_worst_hour_decides_on_both_bases() {
        let hours = [
            (HourOfWeek::new(0, 0), est(f64::NAN, None)),
            (HourOfWeek::new(0, 1), est(60.0, Some((50.0, 290.0)))),
            (HourOfWeek::new(2, 9), est(250.0, Some((240.0, 260.0)))),
        ];
        let j = Judged::worst_hour(hours);
        assert_eq!(j.worst_hour, Some(HourOfWeek::new(2, 9)));
        assert_eq!((j.value, j.value_upper95), (250.0, 290.0));
        // A thin hour's wide interval misses on the bound though its mean
        // is the lowest.
        let goal = Objectives {
            waits: vec![WaitObjective {
                per: Per::Hour,
                ..wait(280.0)
            }],
            max_cost_per_day_usd: None,
        };
        let v = judge(&goal, &[j], est(0.0, None)).unwrap();
        assert!(v.met && !v.met_upper95);
        assert!(Judged::worst_hour([]).value.is_nan());
    }

    /// A target is a maximum ("must not exceed"): a value exactly at it
    /// meets, on both bases, for a wait and for the cost; an upper bound
    /// a microsecond or a micro-dollar above it misses.
    #[test]
    fn a_value_at_the_target_meets() {
        let goal = Objectives {
            waits: vec![wait(300.0)],
            max_cost_per_day_usd: Some(100.0),
        };
        let v = |wait_hi: f64, cost_hi: f64| {
            let wait = Judged::of(est(300.0, Some((290.0, wait_hi))));
            judge(&goal, &[wait], est(100.0, Some((95.0, cost_hi)))).unwrap()
        };
        let at = v(300.0, 100.0);
        assert!(at.objectives.iter().all(|o| o.met && o.met_upper95));
        let above = v(300.000_001, 100.000_001);
        assert!(above.objectives.iter().all(|o| o.met && !o.met_upper95));
    }
}
