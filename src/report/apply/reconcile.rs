//! The reconcile script: the one home of how a planned schedule is applied
//! to a real pool. Both appliers (the GitHub Actions workflow and the ACR
//! timer task) run this text as it is; it is level-triggered, so a late,
//! early or dropped trigger leaves the pool wrong only until the next run.

use crate::results::schedule::SchedulePlan;
use crate::units::SimDuration;

/// How often the appliers run the script. Every ten minutes keeps a late
/// or dropped run's harm to ten minutes (when the next run is on time) at
/// six light runs an hour, which change the pool only on a count change.
pub const TRIGGER_PERIOD: SimDuration = SimDuration::from_secs(600);

/// How long a run may take before its applier stops it: the update waits
/// for the pool's change, which ACR says takes several minutes.
pub const RUN_TIMEOUT: SimDuration = SimDuration::from_secs(1800);

/// The appliers' trigger: every `TRIGGER_PERIOD` from minute 3 of the
/// hour, off the start of the hour, when GitHub's scheduled runs are
/// most delayed (GitHub advises another minute). Read as UTC by both
/// GitHub and ACR: the script, not the trigger, knows the clock.
pub fn trigger_cron() -> String {
    let period_min = TRIGGER_PERIOD.as_secs_f64() / 60.0;
    format!("3-59/{period_min} * * * *")
}

/// The template: `@NAME@` marks what `reconcile_script` fills in.
const TEMPLATE: &str = include_str!("reconcile.sh");

/// `name` fit for a comment in a shell script or YAML file that a
/// template engine reads: GitHub evaluates `${{ }}` anywhere in a step's
/// script, ACR `{{ }}` anywhere in a task file.
pub(super) fn comment_safe(name: &str) -> String {
    name.replace('{', "(").replace('}', ")")
}

/// The counts of the week as bash array lines, a day a line.
fn count_lines(counts: &[u32]) -> String {
    counts
        .chunks(24)
        .zip(crate::model::WEEKDAYS)
        .map(|(day, name)| {
            let cells: Vec<String> = day.iter().map(u32::to_string).collect();
            format!("  {} # {name}", cells.join(" "))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The reconcile script for `plan`: the rule table as the count in force
/// in each hour of the week on the scenario's clock, the pool, the
/// provisioning lead and the trigger period filled into the template.
pub fn reconcile_script(plan: &SchedulePlan, scenario: &str) -> String {
    let secs = |d: SimDuration| (d.as_secs_f64().round() as u64).to_string();
    let mins = |d: SimDuration| (d.as_secs_f64() / 60.0).round().to_string();
    let zone = plan.result.context.calendar.zone();
    [
        ("@POOL@", plan.pool.clone()),
        ("@SCENARIO@", comment_safe(scenario)),
        ("@ZONE@", zone.name().to_string()),
        ("@TIER@", format!("{} instances", plan.tier)),
        ("@LEAD_S@", secs(plan.lead)),
        ("@LEAD_MIN@", mins(plan.lead)),
        ("@PERIOD_S@", secs(TRIGGER_PERIOD)),
        ("@PERIOD_MIN@", mins(TRIGGER_PERIOD)),
        ("@COUNTS@", count_lines(&plan.counts)),
    ]
    .iter()
    .fold(TEMPLATE.to_string(), |text, (mark, value)| {
        text.replace(mark, value)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_trigger_fires_every_period_off_the_hour() {
        assert_eq!(trigger_cron(), "3-59/10 * * * *");
    }

    #[test]
    fn the_template_has_no_mark_left_and_nothing_a_template_engine_reads() {
        let counts: Vec<u32> = (0..168).map(|h| h % 5).collect();
        let lines = count_lines(&counts);
        assert_eq!(lines.lines().count(), 7);
        assert!(lines.starts_with("  0 1 2 3 4 0"), "{lines}");
        assert!(lines.lines().nth(6).unwrap().ends_with("# Sun"));
        // GitHub reads `${{`, ACR `{{`, in the script's text.
        assert!(!TEMPLATE.contains("{{"));
        assert_eq!(comment_safe("a ${{ b }}"), "a $(( b ))");
    }
}
