//! Issue 28, the calendar: a date or hours that a zone's clock skips never
//! end a cron's firings. The firing searches are checked against an oracle
//! built from chrono-tz alone, in every IANA zone around every change of
//! offset from 1970 to 2037 and in a seeded sample of plain weeks.

use chrono::{
    DateTime, Datelike, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Timelike,
};
use chrono::{Offset, TimeZone, Utc};
use chrono_tz::Tz;
use poolcast::engine::stream_rng;
use poolcast::model::{next_firing, previous_firing};
use poolcast::text::parse_cron;
use poolcast::units::SimTime;
use poolcast::workload::ArrivalStream;
use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

use crate::support::scenario;

/// The instants at which a fixed-time cron fires on the wall clock of
/// `zone` between the dates `first` and `last`: on each date the clock
/// reads and the pattern's `weekdays` hold, at `time`; where `time` repeats,
/// the first time; where the clock skips it, when the clock jumps, if the
/// date it jumps to is one of `weekdays` (croner's rules). A date the clock
/// skips whole has no firing.
fn oracle(
    zone: Tz,
    first: NaiveDate,
    last: NaiveDate,
    time: NaiveTime,
    weekdays: &[u32],
) -> Vec<DateTime<Utc>> {
    let on = |d: NaiveDate| weekdays.contains(&d.weekday().num_days_from_sunday());
    first
        .iter_days()
        .take_while(|d| *d <= last)
        .filter(|d| date_exists(zone, *d) && on(*d))
        .filter_map(|d| match zone.from_local_datetime(&d.and_time(time)) {
            LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => Some(t),
            LocalResult::None => {
                let jump = jump_after(zone, d.and_time(time));
                on(jump.date_naive()).then_some(jump)
            }
        })
        .map(|t| t.with_timezone(&Utc))
        .collect()
}

/// Whether some instant reads the date `d` in `zone`: a probe at every
/// hour of it and at its last second.
fn date_exists(zone: Tz, d: NaiveDate) -> bool {
    let last = d.and_hms_opt(23, 59, 59).unwrap();
    (0..24)
        .map(|h| d.and_hms_opt(h, 0, 0).unwrap())
        .chain([last])
        .any(|t| zone.from_local_datetime(&t) != LocalResult::None)
}

/// The first instant that reads `at` or later on the wall clock of `zone`.
fn first_reading(zone: Tz, at: NaiveDateTime) -> DateTime<Tz> {
    zone.from_local_datetime(&at)
        .earliest()
        .unwrap_or_else(|| jump_after(zone, at))
}

/// The first instant after the skipped wall-clock time `at`: a walk over
/// the wall clock by the minute, then back by the second.
fn jump_after(zone: Tz, at: NaiveDateTime) -> DateTime<Tz> {
    let resolves = |t: NaiveDateTime| zone.from_local_datetime(&t).earliest();
    assert!(resolves(at).is_none(), "{at} is not skipped in {zone}");
    let mut t = at;
    while resolves(t).is_none() {
        t += TimeDelta::minutes(1);
    }
    while resolves(t - TimeDelta::seconds(1)).is_some() {
        t -= TimeDelta::seconds(1);
    }
    resolves(t).unwrap()
}

/// Checks one fixed-time cron over `[first, last]` on the wall clock of
/// `zone`: the forward search (arrivals, the next schedule event) and the
/// backward one (the count a schedule rule sets, the count in force at the
/// start) each find exactly the oracle's firings, and each firing sets a
/// schedule rule's count at its instant.
fn check(zone: Tz, first: NaiveDate, last: NaiveDate, time: NaiveTime, weekdays: &[u32]) {
    let days: Vec<String> = weekdays.iter().map(u32::to_string).collect();
    let text = format!(
        "{} {} * * {}",
        time.format("%-M"),
        time.format("%-H"),
        days.join(",")
    );
    let cron = parse_cron(&text).unwrap();
    // From the first instant of `first` to the last of `last`; a firing of
    // the dates either side may be moved into them by a skip.
    let day = TimeDelta::days(1);
    let want = oracle(zone, first - day, last + day, time, weekdays);
    let from = first_reading(zone, first.and_time(NaiveTime::MIN));
    let until = first_reading(zone, (last + day).and_time(NaiveTime::MIN)) - TimeDelta::seconds(1);
    let want: Vec<_> = want
        .into_iter()
        .filter(|t| *t >= from && *t <= until)
        .collect();
    let mut forward = Vec::new();
    let mut cursor = (from, true);
    while let Some(t) = next_firing(&cron, cursor.0, cursor.1, until) {
        forward.push(t.with_timezone(&Utc));
        cursor = (t, false);
    }
    assert_eq!(forward, want, "{text:?} in {zone} from {first} to {last}");
    let mut backward = Vec::new();
    let mut before = until + TimeDelta::seconds(1);
    while let Some(t) = previous_firing(&cron, before, from) {
        backward.push(t.with_timezone(&Utc));
        before = t;
    }
    backward.reverse();
    assert_eq!(backward, want, "{text:?} in {zone} backwards to {first}");
    for t in &want {
        let at = t.with_timezone(&zone);
        let found = previous_firing(&cron, at + TimeDelta::seconds(1), at);
        assert_eq!(found, Some(at), "{text:?} in {zone}: the rule at {at}");
    }
}

/// The changes of offset of `zone` from 1970 to 2037, each as the
/// wall-clock reading just before it and the change in seconds (positive
/// when the clock jumps forward). Looked for a week at a time (a change
/// undone within the week would be missed; none is).
fn changes(zone: Tz) -> Vec<(NaiveDateTime, i64)> {
    let offset = |s: i64| {
        let t = DateTime::from_timestamp(s, 0).unwrap();
        i64::from(
            zone.offset_from_utc_datetime(&t.naive_utc())
                .fix()
                .local_minus_utc(),
        )
    };
    let end = Utc
        .with_ymd_and_hms(2038, 1, 1, 0, 0, 0)
        .unwrap()
        .timestamp();
    let mut found = Vec::new();
    let mut s = 0;
    while s < end {
        let next = s + 7 * 86_400;
        if offset(s) == offset(next) {
            s = next;
            continue;
        }
        // The first change after `s`: the offset at `lo` is the one at `s`.
        let (mut lo, mut hi) = (s, next);
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if offset(mid) == offset(s) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        let reading = DateTime::from_timestamp(hi + offset(lo), 0)
            .unwrap()
            .naive_utc();
        found.push((reading, offset(hi) - offset(lo)));
        s = hi;
    }
    found
}

/// Every IANA zone (one of each set of aliases), every change of offset
/// from 1970 to 2037, over the three days around it: a daily, a weekday or
/// a weekly cron (drawn with a fixed seed) at a time inside the skipped or
/// repeated span or at a random time; all six where the change is longer
/// than croner searches past a gap (two hours) or skips a date.
#[test]
fn issue_28_firings_around_every_change_in_every_zone() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(28);
    let mut seen = std::collections::HashSet::new();
    let (mut changed, mut checked) = (0, 0);
    for zone in chrono_tz::TZ_VARIANTS {
        let list = changes(zone);
        if !seen.insert(list.clone()) {
            continue;
        }
        for (reading, change) in list {
            changed += 1;
            let day = reading.date();
            let inside = (reading + TimeDelta::seconds(change / 2))
                .time()
                .with_second(0);
            let random =
                NaiveTime::from_hms_opt(rng.random_range(0..24), rng.random_range(0..60), 0);
            let weekday = day.weekday().num_days_from_sunday();
            let kinds = [&[0, 1, 2, 3, 4, 5, 6][..], &[1, 2, 3, 4, 5], &[weekday]];
            let mut cases: Vec<_> = [inside, random]
                .into_iter()
                .flat_map(|t| kinds.map(|k| (t.unwrap(), k)))
                .collect();
            if change.abs() <= 2 * 3600 {
                cases = vec![cases[rng.random_range(0..cases.len())]];
            }
            for (time, weekdays) in cases {
                check(
                    zone,
                    day - TimeDelta::days(1),
                    day + TimeDelta::days(1),
                    time,
                    weekdays,
                );
                checked += 1;
            }
        }
    }
    assert!(
        changed > 10_000 && checked >= changed,
        "{changed} changes, {checked} checks"
    );
}

/// A seeded sample of zones and years from 1970 to 2037: a daily cron over
/// three weeks at a random time.
#[test]
fn issue_28_firings_in_sampled_weeks() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(2037);
    let zones = chrono_tz::TZ_VARIANTS;
    for _ in 0..300 {
        let zone = zones[rng.random_range(0..zones.len())];
        let first =
            NaiveDate::from_ymd_opt(rng.random_range(1970..=2037), rng.random_range(1..=12), 1)
                .unwrap();
        let time =
            NaiveTime::from_hms_opt(rng.random_range(0..24), rng.random_range(0..60), 0).unwrap();
        check(
            zone,
            first,
            first + TimeDelta::days(20),
            time,
            &[0, 1, 2, 3, 4, 5, 6],
        );
    }
}

/// The tester's case: a daily 08:55 cron over 14 days from 2011-12-26 in
/// the zones that skipped a date brings a run on each date their clocks
/// read (it brought 4 and stopped at the skipped date). The clocks jump
/// from -10 to +14 hours, so the 14 days of simulated time end at 00:00 on
/// the 15th date: 14 dates with an 08:55, the skipped one not among them.
#[test]
fn issue_28_a_skipped_date_does_not_stop_a_daily_cron() {
    for (zone, start, skipped) in [
        ("Pacific/Apia", "2011-12-26T00:00:00", "2011-12-30"),
        ("Pacific/Fakaofo", "2011-12-26T00:00:00", "2011-12-30"),
        ("Pacific/Kiritimati", "1994-12-27T00:00:00", "1994-12-31"),
        ("Pacific/Kanton", "1994-12-27T00:00:00", "1994-12-31"),
    ] {
        let s = scenario(&format!(
            "name = \"skip\"\n[simulation]\ntimezone = \"{zone}\"\nstart = \"{start}\"\nhorizon = \"14d\"\nwarmup = \"0s\"\nreplications = 1\n\n[[pool]]\nname = \"builders\"\ntier = \"S2\"\ncount = 1\n\n[[workload]]\nname = \"ci\"\npool = \"builders\"\narrival = {{ process = \"cron\", schedule = \"55 8 * * *\" }}\nduration = {{ dist = \"constant\", value = \"10m\" }}\n"
        ));
        let calendar = s.simulation.calendar;
        let mut stream = ArrivalStream::new(stream_rng(1, 0, 0), SimTime(s.simulation.horizon.0));
        let mut seen = Vec::new();
        while let Some(a) = stream.next(&s.workloads[0].arrival) {
            seen.push(calendar.datetime(a.at).format("%F %R").to_string());
        }
        assert_eq!(seen.len(), 14, "{zone}: {seen:?}");
        assert!(
            seen.iter().all(|t| t.ends_with("08:55")),
            "{zone}: {seen:?}"
        );
        assert!(
            !seen.iter().any(|t| t.starts_with(skipped)),
            "{zone}: {seen:?}"
        );
    }
}
