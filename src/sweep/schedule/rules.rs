//! A weekly count profile as cron rules: one per change of count, a
//! scale-up firing early by the provisioning lead and a scale-down on the
//! hour, the days a rule repeats merged.

use std::collections::BTreeMap;

use crate::model::HourOfWeek;
use crate::model::WEEKDAYS as DAYS;
use crate::results::schedule::PlannedRule;

const MINUTES_OF_WEEK: u32 = 7 * 24 * 60;

/// A cron day-of-week field for weekdays `days` (Monday = 0): `*`, a range
/// such as `1-5` or a list such as `0,6` (cron counts from Sunday = 0).
fn cron_days(days: &[usize]) -> String {
    let nums: Vec<usize> = days.iter().map(|d| (d + 1) % 7).collect();
    day_list(&nums, "*", |d| d.to_string())
}

/// Weekdays in words: `Mon-Fri`, `Sat,Sun`, `every day`.
fn day_words(days: &[usize]) -> String {
    day_list(days, "every day", |d| DAYS[d].to_string())
}

/// `days` (of one week, any order, repeats allowed) as `all` when they are
/// every day, else as a comma-separated list in which three or more
/// consecutive days are a range `first-last`, each day named by `name`.
fn day_list(days: &[usize], all: &str, name: impl Fn(usize) -> String) -> String {
    let mut days = days.to_vec();
    days.sort_unstable();
    days.dedup();
    if days.len() == 7 {
        return all.into();
    }
    let mut parts = Vec::new();
    let mut i = 0;
    while i < days.len() {
        let mut j = i;
        while j + 1 < days.len() && days[j + 1] == days[j] + 1 {
            j += 1;
        }
        if j - i >= 2 {
            parts.push(format!("{}-{}", name(days[i]), name(days[j])));
        } else {
            parts.extend(days[i..=j].iter().map(|&d| name(d)));
        }
        i = j + 1;
    }
    parts.join(",")
}

/// The cron rules of a weekly profile: one per change of count (a rule a
/// day when the count never changes), rules with the same time and count
/// on several days merged into one. A scale-up fires `lead_min` minutes
/// before the hour it is needed, so its instances are ready then; a
/// scale-down fires on the hour, since fired early it would take
/// instances from the end of the hour before, which was judged with them.
pub(super) fn rules_of(counts: &[u32], lead_min: u32) -> Vec<PlannedRule> {
    let n = counts.len();
    let mut changes: Vec<usize> = (0..n)
        .filter(|&h| counts[h] != counts[(h + n - 1) % n])
        .collect();
    if changes.is_empty() {
        changes = (0..7).map(|d| d * 24).collect();
    }
    // (firing minute of the day, count) -> (firing days, days in force,
    // first firing in the week, hour in force).
    type Firings = (Vec<usize>, Vec<usize>, u32, usize);
    let mut merged: BTreeMap<(u32, u32), Firings> = BTreeMap::new();
    for h in changes {
        let lead = if counts[h] > counts[(h + n - 1) % n] {
            lead_min % MINUTES_OF_WEEK
        } else {
            0
        };
        let fire = (h as u32 * 60 + MINUTES_OF_WEEK - lead) % MINUTES_OF_WEEK;
        let e = merged.entry((fire % 1440, counts[h])).or_insert_with(|| {
            (
                Vec::new(),
                Vec::new(),
                fire,
                HourOfWeek::from_index(h).hour(),
            )
        });
        e.0.push((fire / 1440) as usize);
        e.1.push(HourOfWeek::from_index(h).day());
        e.2 = e.2.min(fire);
    }
    let mut rules: Vec<(u32, PlannedRule)> = merged
        .into_iter()
        .map(|((minute, count), (fire_days, force_days, first, hour))| {
            (
                first,
                PlannedRule {
                    cron: format!(
                        "{} {} * * {}",
                        minute % 60,
                        minute / 60,
                        cron_days(&fire_days)
                    ),
                    count,
                    in_force: format!("{} {hour:02}:00", day_words(&force_days)),
                },
            )
        })
        .collect();
    rules.sort_by_key(|(first, _)| *first);
    rules.into_iter().map(|(_, r)| r).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::HOURS_OF_WEEK;
    use crate::sweep::schedule::profile::tests::workday;

    #[test]
    fn a_workday_makes_two_rules_the_scale_up_fired_early() {
        let rules = rules_of(&workday(7, 1), 5);
        let got: Vec<(&str, u32, &str)> = rules
            .iter()
            .map(|r| (r.cron.as_str(), r.count, r.in_force.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("55 8 * * 1-5", 7, "Mon-Fri 09:00"),
                ("0 18 * * 1-5", 1, "Mon-Fri 18:00")
            ]
        );
        // A scale-up at Monday 00:00 fires on Sunday; the scale-down at
        // Tuesday 00:00 on the hour.
        let mut c = vec![2; HOURS_OF_WEEK];
        for x in &mut c[..24] {
            *x = 3;
        }
        let rules = rules_of(&c, 5);
        assert_eq!(rules[0].cron, "0 0 * * 2");
        assert_eq!(rules[1].cron, "55 23 * * 0");
        assert_eq!(rules_of(&[4; HOURS_OF_WEEK], 0)[0].cron, "0 0 * * *");
    }

    #[test]
    fn cron_days_use_ranges_and_lists() {
        assert_eq!(cron_days(&[0, 1, 2, 3, 4]), "1-5");
        assert_eq!(cron_days(&[5, 6]), "0,6");
        assert_eq!(cron_days(&[1, 2, 3, 4, 5, 6]), "0,2-6");
        assert_eq!(cron_days(&(0..7).collect::<Vec<_>>()), "*");
        assert_eq!(day_words(&[0, 1, 2, 3, 4]), "Mon-Fri");
        assert_eq!(day_words(&[5, 6]), "Sat,Sun");
    }
}
