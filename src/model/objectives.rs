//! What a run is judged against: the objectives of `[slo]` and of each
//! `[slo.workloads.NAME]`, as plain data (the judge is `results::judge`).

use std::fmt;

use super::Window;
use crate::units::SimDuration;

/// How a wait objective is judged over the week.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Per {
    /// Every run of the window together (`per = "window"`, the default).
    #[default]
    Window,
    /// Every hour of the week inside the window on its own: the worst hour
    /// decides (`per = "hour"`).
    Hour,
}

impl Per {
    /// The scenario's word for it.
    pub fn name(self) -> &'static str {
        match self {
            Per::Window => "window",
            Per::Hour => "hour",
        }
    }
}

impl fmt::Display for Per {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A p95 wait objective over a set of workloads.
#[derive(Debug, Clone, PartialEq)]
pub struct WaitObjective {
    /// The p95 queue wait must not exceed this.
    pub target: SimDuration,
    /// Only runs arriving inside this part of the week are judged.
    pub window: Option<Window>,
    /// All the window's runs together, or hour by hour.
    pub per: Per,
    /// The workload whose own table this is (`[slo.workloads.NAME]`);
    /// `None` for `[slo]`, the default set.
    pub workload: Option<String>,
    /// The workloads judged (indices into the scenario's workloads, in
    /// its order), with their names.
    pub workloads: Vec<(usize, String)>,
}

impl WaitObjective {
    /// Its name: `wait_p95`, `nightly wait_p95`.
    pub fn label(&self) -> String {
        objective_label(self.workload.as_deref(), WAIT_P95)
    }

    /// The objective in words, as every output phrases it.
    pub fn described(&self) -> String {
        wait_words(
            self.target.as_secs_f64(),
            self.workload.as_deref(),
            self.window,
            self.per,
        )
    }
}

/// The `[slo]` key of a p95 wait objective.
pub const WAIT_P95: &str = "wait_p95";

/// The verdict rule, for the judge and the estimates alike: a value meets
/// its target when it is at most the target; an undefined one (NaN:
/// nothing to judge) meets nothing.
///
/// ```
/// use poolcast::model::meets;
/// assert!(meets(300.0, 300.0) && !meets(300.1, 300.0) && !meets(f64::NAN, 300.0));
/// ```
pub fn meets(value: f64, target: f64) -> bool {
    value <= target
}

/// An objective's name: its key, after the workload whose own it is.
pub fn objective_label(workload: Option<&str>, key: &str) -> String {
    match workload {
        Some(w) => format!("{w} {key}"),
        None => key.to_string(),
    }
}

/// A wait objective in words: `wait p95 <= 5.00 min (nightly, runs
/// arriving Mon-Fri 08:00-19:00, every hour on its own)`, the scope left
/// out for `[slo]`'s objective over every run.
///
/// ```
/// use poolcast::model::{Per, wait_words};
/// let w = "Mon-Fri 08:00-19:00".parse().ok();
/// assert_eq!(wait_words(300.0, None, w, Per::Hour), "wait p95 <= 5.00 min (runs arriving Mon-Fri 08:00-19:00, every hour on its own)");
/// assert_eq!(wait_words(3600.0, Some("nightly"), None, Per::Window), "wait p95 <= 60.00 min (nightly)");
/// ```
pub fn wait_words(
    target_s: f64,
    workload: Option<&str>,
    window: Option<Window>,
    per: Per,
) -> String {
    let mut parts = Vec::new();
    if let Some(w) = workload {
        parts.push(w.to_string());
    }
    if let Some(w) = window {
        parts.push(format!("runs arriving {w}"));
    }
    if per == Per::Hour {
        parts.push("every hour on its own".into());
    }
    let scope = if parts.is_empty() {
        String::new()
    } else {
        format!(" ({})", parts.join(", "))
    };
    format!("wait p95 <= {:.2} min{scope}", target_s / 60.0)
}

/// What a run is judged against.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Objectives {
    /// Wait objectives: `[slo]`'s first (judging the workloads without a
    /// table of their own), then each workload's, in workload order.
    pub waits: Vec<WaitObjective>,
    /// Compute cost per day must not exceed this, USD (scenario-wide).
    pub max_cost_per_day_usd: Option<f64>,
}

impl Objectives {
    /// Whether any objective is set.
    pub fn is_set(&self) -> bool {
        !self.waits.is_empty() || self.max_cost_per_day_usd.is_some()
    }

    /// The wait objective whose value decides where one wait is shown
    /// (the Pareto front, the sweep charts): the first.
    pub fn deciding_wait(&self) -> Option<&WaitObjective> {
        self.waits.first()
    }

    /// The wait objective that judges workload `w`, if any.
    pub fn judging(&self, w: usize) -> Option<&WaitObjective> {
        self.waits
            .iter()
            .find(|o| o.workloads.iter().any(|(i, _)| *i == w))
    }

    /// The target of the one wait objective when it judges every run of
    /// `workloads` workloads together (no window, `per = "window"`): the
    /// only objective a distribution of all runs can be held against.
    pub fn whole_run_target(&self, workloads: usize) -> Option<SimDuration> {
        match self.waits.as_slice() {
            [o] if o.window.is_none() && o.per == Per::Window && o.workloads.len() == workloads => {
                Some(o.target)
            }
            _ => None,
        }
    }
}
