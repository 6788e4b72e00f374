//! The SLO verdict in words: one wording for every output that shows it
//! (terminal table, `check`, the GitHub step summary, Markdown, HTML). The
//! verdict itself is `results::judge`'s; this only phrases it.

use crate::model::wait_words;
use crate::results::{ObjectiveKind, ObjectiveVerdict, SloVerdict};

/// One objective's verdict, phrased.
#[derive(Debug, Clone, PartialEq)]
pub struct VerdictText {
    /// `wait p95 <= 5.0 min`, `cost <= USD 30.00 per day`.
    pub objective: String,
    /// The mean that decided `met`: `13.60 min`, `USD 69.12`, or why
    /// there is none.
    pub value: String,
    /// The upper end of the 95% interval that decided `met_upper95`.
    pub value_upper95: String,
    /// Met on the mean (what `run` and `check` report).
    pub met: bool,
    /// Met on the upper 95% bound (what recommendations use).
    pub met_upper95: bool,
}

fn amount(kind: ObjectiveKind, x: f64) -> String {
    if x.is_nan() {
        return "undefined (no run arrived in the observed window)".into();
    }
    match kind {
        ObjectiveKind::WaitP95 => format!("{:.2} min", x / 60.0),
        ObjectiveKind::MaxCostPerDay => format!("USD {x:.2}"),
    }
}

/// The words for one objective.
pub fn verdict_text(o: &ObjectiveVerdict) -> VerdictText {
    let objective = match o.kind {
        ObjectiveKind::WaitP95 => wait_words(o.target, o.workload.as_deref(), o.window, o.per),
        ObjectiveKind::MaxCostPerDay => format!("cost <= USD {:.2} per day", o.target),
    };
    // The hour that decided, where an hour did.
    let hour = |x: String| match o.worst_hour {
        Some(h) if !o.value.is_nan() => match o.alike_hours {
            0 | 1 => format!("{x} (worst hour {h})"),
            2 => format!("{x} (worst hour {h} and 1 hour alike)"),
            n => format!("{x} (worst hour {h} and {} hours alike)", n - 1),
        },
        _ => x,
    };
    VerdictText {
        objective,
        value: hour(amount(o.kind, o.value)),
        value_upper95: amount(o.kind, o.value_upper95),
        met: o.met,
        met_upper95: o.met_upper95,
    }
}

/// `met` or `MISSED`.
pub fn met_word(met: bool) -> &'static str {
    if met { "met" } else { "MISSED" }
}

/// One line per objective: `MISSED: wait p95 <= 5.00 min: 13.60 min on the
/// mean, which decides; upper 95% bound 15.22 min, MISSED on it too` (with
/// one replication, which has no interval, the value alone: `... 13.60 min
/// in one replication`). Where the bound says otherwise, the line says it
/// would, and that recommendations judge on it: a mean that meets and a
/// bound that misses is a verdict, not a contradiction.
pub fn verdict_lines(v: &SloVerdict) -> Vec<String> {
    v.objectives
        .iter()
        .zip(verdict_sentences(v))
        .map(|(o, sentence)| format!("{}: {sentence}", met_word(o.met)))
        .collect()
}

/// `verdict_lines` without the leading verdict word, for outputs that show
/// it apart (the report's met/MISSED boxes).
pub fn verdict_sentences(v: &SloVerdict) -> Vec<String> {
    v.objectives
        .iter()
        .map(|o| {
            let t = verdict_text(o);
            // No value in any replication: no count of replications to
            // claim it from ("in one replication" when none of 10 had one).
            if o.value.is_nan() {
                return format!(
                    "{}: {}: no statistic in any replication",
                    t.objective, t.value
                );
            }
            if !o.has_interval {
                return format!("{}: {} in one replication", t.objective, t.value);
            }
            let bound = if t.met_upper95 == t.met {
                format!("{} on it too", met_word(t.met_upper95))
            } else {
                format!(
                    "which would be {} (sweep and plan recommendations judge on the bound)",
                    met_word(t.met_upper95)
                )
            };
            format!(
                "{}: {} on the mean, which decides; upper 95% bound {}, {bound}",
                t.objective, t.value, t.value_upper95,
            )
        })
        .collect()
}

/// A Markdown table of the verdicts (objective, mean, verdict, upper 95%
/// bound, verdict on it).
pub fn verdict_table(v: &SloVerdict) -> Vec<Vec<String>> {
    let mut rows = vec![
        [
            "objective",
            "mean",
            "met (mean)",
            "upper 95% bound",
            "met (upper 95%)",
        ]
        .map(String::from)
        .to_vec(),
    ];
    for o in &v.objectives {
        let t = verdict_text(o);
        let (upper, met_upper) = if o.has_interval {
            (t.value_upper95, met_word(t.met_upper95).to_string())
        } else {
            ("-".into(), "-".into())
        };
        rows.push(vec![
            t.objective,
            t.value,
            met_word(t.met).to_string(),
            upper,
            met_upper,
        ]);
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{HourOfWeek, Objectives, Per, WaitObjective};
    use crate::results::{Estimate, Judged, judge};
    use crate::units::SimDuration;

    fn goal(per: Per, workload: Option<&str>) -> Objectives {
        Objectives {
            waits: vec![WaitObjective {
                target: SimDuration::from_secs_f64(300.0),
                window: None,
                per,
                workload: workload.map(String::from),
                workloads: vec![(0, "ci".into())],
            }],
            max_cost_per_day_usd: None,
        }
    }

    fn estimate(mean: f64, upper: f64) -> Estimate {
        Estimate {
            mean,
            std_error: 1.0,
            ci95: Some((mean - (upper - mean), upper)),
        }
    }

    fn line(mean: f64, upper: f64) -> String {
        let j = Judged::of(estimate(mean, upper));
        let v = judge(&goal(Per::Window, None), &[j], estimate(0.0, 0.0)).expect("an objective");
        verdict_lines(&v).remove(0)
    }

    /// A workload's own objective judged hour by hour names the workload,
    /// the rule and the hour that decided.
    #[test]
    fn the_line_names_the_workload_and_the_worst_hour() {
        let j = Judged::worst_hour([(HourOfWeek::new(0, 9), estimate(400.0, 450.0))]);
        let v = judge(&goal(Per::Hour, Some("ci")), &[j], estimate(0.0, 0.0)).expect("one");
        assert_eq!(
            verdict_lines(&v)[0],
            "MISSED: wait p95 <= 5.00 min (ci, every hour on its own): 6.67 min (worst hour Mon 09:00) on the mean, which decides; upper 95% bound 7.50 min, MISSED on it too"
        );
    }

    /// A mean that meets and a bound that misses reads as one verdict with
    /// a note, not as "met ... MISSED".
    #[test]
    fn the_line_says_which_basis_decides() {
        assert_eq!(
            line(296.0, 307.0),
            "met: wait p95 <= 5.00 min: 4.93 min on the mean, which decides; upper 95% bound 5.12 min, which would be MISSED (sweep and plan recommendations judge on the bound)"
        );
        assert_eq!(
            line(240.0, 270.0),
            "met: wait p95 <= 5.00 min: 4.00 min on the mean, which decides; upper 95% bound 4.50 min, met on it too"
        );
        assert!(line(400.0, 450.0).ends_with("7.50 min, MISSED on it too"));
    }
}
