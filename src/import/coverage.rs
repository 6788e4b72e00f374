//! What an export covers of the week: a profile is fitted by hour of the
//! week, and an export shorter than a week leaves hours it never saw. They
//! are named, with how the profile fills them; an export shorter than a
//! day cannot give a profile at all.

use super::arrival::{Arrival, hour_of_week_exposure};
use super::collect::{Observed, WEEK_H};
use super::workload::WorkloadFit;
use crate::model::{HOURS_OF_WEEK, HourOfWeek};
use crate::units::SimDuration;

/// An hour of the week as `Mon 09:00`.
fn hour_text(slot: usize) -> String {
    HourOfWeek::from_index(slot % HOURS_OF_WEEK).to_string()
}

/// The uncovered slots as ranges (`Sat 00:00-Mon 09:00`), from the first
/// uncovered hour after a covered one, so that a range across the end of
/// the week reads as one.
fn uncovered_ranges(exposure: &[f64]) -> Vec<String> {
    let covered = |s: usize| exposure[s % WEEK_H] > 0.0;
    let Some(start) = (0..WEEK_H).find(|s| covered(*s)) else {
        return Vec::new();
    };
    let mut ranges = Vec::new();
    let mut open: Option<usize> = None;
    for s in start..=start + WEEK_H {
        match (open, covered(s)) {
            (None, false) => open = Some(s),
            (Some(from), true) => {
                ranges.push(format!("{}-{}", hour_text(from), hour_text(s)));
                open = None;
            }
            _ => {}
        }
    }
    ranges
}

/// Whether a span is too short for a profile: under a day, which hours
/// of the day are busy is not seen.
const MIN_PROFILE_SPAN: SimDuration = SimDuration::from_secs(86_400);

/// Replaces the profiles of an export shorter than a day by a constant
/// rate, and warns of the hours of the week an export shorter than a week
/// does not cover; both say how to fix the export.
pub(super) fn check(
    observed: &Observed,
    workloads: &mut [WorkloadFit],
    warnings: &mut Vec<String>,
) {
    let span = SimDuration::from_secs_f64((observed.last - observed.first).as_seconds_f64());
    let exposure = hour_of_week_exposure(observed.first, observed.last, observed.zone);
    let profiles: Vec<&mut WorkloadFit> = workloads
        .iter_mut()
        .filter(|w| matches!(w.arrival, Arrival::Profile { .. }))
        .collect();
    if profiles.is_empty() {
        return;
    }
    let names: Vec<String> = profiles.iter().map(|w| w.name.clone()).collect();
    let names = names.join(", ");
    let fix = "export more runs (`az acr task list-runs --top N` with a larger N, or several exports given together)";
    if span < MIN_PROFILE_SPAN {
        let hours: f64 = exposure.iter().sum();
        for w in profiles {
            w.arrival = Arrival::Constant {
                rate_per_h: w.runs as f64 / hours.max(1.0),
            };
        }
        warnings.push(format!(
            "the runs span only {span}, less than a day, so the arrivals of {names} are not fitted a profile by hour of the day but a constant rate over the span; {fix} to fit when in the day and week runs come"
        ));
        return;
    }
    let ranges = uncovered_ranges(&exposure);
    if !ranges.is_empty() {
        let missing = exposure.iter().filter(|e| **e == 0.0).count();
        warnings.push(format!(
            "the export covers {span}, less than a week: it has no hour of {} ({missing} of the week's {WEEK_H} hours, on the {} clock), so the profiles of {names} give an hour of the day it never saw the mean of the hours it saw, and a weekday likewise; {fix} to fit them",
            ranges.join(", "),
            observed.zone,
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uncovered_hours_read_as_ranges_across_the_week_end() {
        let mut exposure = vec![0.0; WEEK_H];
        // Covered: Monday 09:00 to Friday 17:00.
        exposure[9..4 * 24 + 17].fill(1.0);
        assert_eq!(uncovered_ranges(&exposure), ["Fri 17:00-Mon 09:00"]);
        exposure[5 * 24 + 10] = 1.0;
        assert_eq!(
            uncovered_ranges(&exposure),
            ["Fri 17:00-Sat 10:00", "Sat 11:00-Mon 09:00"]
        );
        assert!(uncovered_ranges(&vec![1.0; WEEK_H]).is_empty());
    }
}
