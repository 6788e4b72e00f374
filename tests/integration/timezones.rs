//! Issue 12, time zones: `[simulation] timezone` puts profile hours, cron
//! arrivals, schedule rules, `[slo] window` and the hour-of-week tables on
//! the team's wall clock, daylight-saving changes included, while the
//! simulation clock keeps counting seconds from the start.

use chrono::{TimeZone, Timelike, Utc};
use poolcast::engine::stream_rng;
use poolcast::units::SimTime;
use poolcast::workload::ArrivalStream;

use crate::support::{poolcast, refuses, run_into, scenario, write_scenario};

/// A one-pool scenario in `zone` from `start`: `pool` and `workload` are
/// the lines of the pool and the workload after their names.
fn scenario_text(zone: &str, start: &str, horizon: &str, pool: &str, workload: &str) -> String {
    format!(
        "name = \"tz\"\n[simulation]\ntimezone = \"{zone}\"\nstart = \"{start}\"\nhorizon = \"{horizon}\"\nwarmup = \"0s\"\nreplications = 2\nseed = 5\nsample_interval = \"5m\"\n\n[[pool]]\nname = \"builders\"\ntier = \"S2\"\n{pool}\n\n[[workload]]\nname = \"ci\"\npool = \"builders\"\n{workload}\n"
    )
}

/// The rows of `queue.csv` as `(time_s, time, busy, allocated)`.
fn queue_rows(dir: &std::path::Path) -> Vec<(f64, String, f64, f64)> {
    let mut r = csv::Reader::from_path(dir.join("queue.csv")).expect("queue.csv");
    r.records()
        .map(|row| {
            let row = row.expect("a row");
            let f = |i: usize| row[i].parse::<f64>().expect("a number");
            (f(0), row[1].to_string(), f(4), f(5))
        })
        .collect()
}

/// The row of `queue.csv` at `time_s`.
fn at_s(rows: &[(f64, String, f64, f64)], time_s: f64) -> &(f64, String, f64, f64) {
    rows.iter()
        .find(|r| r.0 == time_s)
        .unwrap_or_else(|| panic!("no queue sample at {time_s} s"))
}

const H: f64 = 3600.0;
const DAY: f64 = 86_400.0;

/// A daily 09:00 cron in Europe/Berlin fires at 08:00 UTC in winter and at
/// 07:00 UTC in summer: the arrival stream crosses both changes of 2025
/// (30 March, 26 October). The start has no offset, so it is read on the
/// Berlin clock.
#[test]
fn issue_12_a_berlin_cron_follows_daylight_saving() {
    for (start, change, before, after) in [
        ("2025-03-24T00:00:00", (3, 30), 8, 7),
        ("2025-10-20T00:00:00", (10, 26), 7, 8),
    ] {
        let s = scenario(&scenario_text(
            "Europe/Berlin",
            start,
            "14d",
            "count = 1",
            "arrival = { process = \"cron\", schedule = \"0 9 * * *\" }\nduration = { dist = \"constant\", value = \"10m\" }",
        ));
        let calendar = s.simulation.calendar;
        let horizon = SimTime(s.simulation.horizon.0);
        let mut stream = ArrivalStream::new(stream_rng(1, 0, 0), horizon);
        let mut seen = Vec::new();
        while let Some(a) = stream.next(&s.workloads[0].arrival) {
            seen.push(calendar.datetime(a.at).with_timezone(&Utc));
        }
        assert_eq!(seen.len(), 14, "{start}: {seen:?}");
        let change = Utc
            .with_ymd_and_hms(2025, change.0, change.1, 0, 0, 0)
            .unwrap();
        for t in &seen {
            let want = if *t < change { before } else { after };
            assert_eq!((t.hour(), t.minute()), (want, 0), "{start}: {t}");
        }
    }
}

/// The same through the command line: `queue.csv` shows the run busy at
/// 09:05 on the Berlin clock both sides of the spring change, which is
/// 08:05 UTC on Friday 28 March and 07:05 UTC on Monday 31 March; its
/// `time` column carries the offset.
#[test]
fn issue_12_queue_csv_reads_the_berlin_clock() {
    let text = scenario_text(
        "Europe/Berlin",
        "2025-03-24T00:00:00",
        "9d",
        "count = 1",
        "arrival = { process = \"cron\", schedule = \"0 9 * * *\" }\nduration = { dist = \"constant\", value = \"30m\" }",
    );
    let (dir, path) = write_scenario(&text, "tz.toml");
    let out = run_into(
        &dir.path().join("out"),
        &["run", path.to_str().unwrap(), "--outputs", "csv"],
    );
    let rows = queue_rows(&out);
    // Time 0 is Monday 24 March 00:00 CET, 23:00 UTC the day before.
    let friday = at_s(&rows, 4.0 * DAY + 9.0 * H + 300.0);
    assert_eq!(friday.1, "2025-03-28T09:05:00+01:00");
    assert_eq!(friday.2, 1.0, "{friday:?}");
    assert_eq!(at_s(&rows, 4.0 * DAY + 8.0 * H + 3300.0).2, 0.0);
    // After the change the Berlin day is 23 hours old by 31 March: 09:05
    // CEST is 7 days and 8 h 05 min after the start.
    let monday = at_s(&rows, 7.0 * DAY + 8.0 * H + 300.0);
    assert_eq!(monday.1, "2025-03-31T09:05:00+02:00");
    assert_eq!(monday.2, 1.0, "{monday:?}");
    let utc_nine = at_s(&rows, 7.0 * DAY + 9.0 * H + 300.0);
    assert_eq!(utc_nine.1, "2025-03-31T10:05:00+02:00");
    assert_eq!(utc_nine.2, 0.0, "{utc_nine:?}");
}

/// A profile in Berlin peaks at its local hours: `load_by_hour` in
/// summary.json has load in the 09:00 hours and the runs that spill into
/// 10:00 (those arriving after 09:56 run past 10:00: 30/h x (4 min)^2 /
/// 2 h = 1/15 of an instance), and the simulated runs arrive then on the
/// Berlin clock (08:00-09:00 UTC in January).
#[test]
fn issue_12_a_berlin_profile_peaks_at_local_hours() {
    let mut hourly = vec!["0"; 24];
    hourly[9] = "1";
    let text = scenario_text(
        "Europe/Berlin",
        "2025-01-06T00:00:00",
        "3d",
        "count = 4",
        &format!(
            "arrival = {{ process = \"profile\", rate = \"30/h\", hourly = [{}], weekly = [1, 1, 1, 1, 1, 1, 1] }}\nduration = {{ dist = \"constant\", value = \"4m\" }}",
            hourly.join(", ")
        ),
    );
    let (dir, path) = write_scenario(&text, "tz.toml");
    let out = run_into(
        &dir.path().join("out"),
        &["run", path.to_str().unwrap(), "--outputs", "csv,json"],
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let hours = json["pools"][0]["load_by_hour"]
        .as_array()
        .expect("load_by_hour");
    assert_eq!(hours.len(), 168);
    for h in hours {
        let (at, load) = (
            h["hour_of_week"].as_u64().unwrap(),
            h["offered_load"].as_f64().unwrap(),
        );
        match at % 24 {
            9 => assert!(
                (load - 30.0 / 3600.0 * (240.0 - 8.0)).abs() < 1e-12,
                "hour {at}: load {load}"
            ),
            10 => assert!((load - 1.0 / 15.0).abs() < 1e-12, "hour {at}: load {load}"),
            _ => assert_eq!(load, 0.0, "hour {at}"),
        }
    }
    let rows = queue_rows(&out);
    let busy: Vec<_> = rows.iter().filter(|r| r.2 > 0.0).collect();
    assert!(busy.len() > 20, "{} busy samples", busy.len());
    for r in busy {
        // Time 0 is 23:00 UTC; a run that arrives by 09:00 UTC ends by 09:04.
        let utc_hour = ((r.0 / H) as u64 + 23) % 24;
        assert!(
            r.1.contains("T09:") || r.1.contains("T10:00:00+01:00"),
            "{r:?}"
        );
        assert!(utc_hour == 8 || utc_hour == 9, "{r:?}");
    }
    // `estimate` names the clock of its busiest hour, and that hour is the
    // local 09:00.
    let est = poolcast().args(["estimate"]).arg(&path).output().unwrap();
    let table = String::from_utf8_lossy(&est.stdout);
    assert!(
        table.contains("the busiest hour of the week, Europe/Berlin time"),
        "{table}"
    );
    assert!(table.contains("Mon 09:00"), "{table}");
}

/// A schedule rule follows the Berlin clock: `0 8 * * *` sets the count at
/// 07:00 UTC in winter, so at 07:05 UTC the pool has its instances; at
/// 06:55 UTC it has none yet (read in UTC it would have none until 08:00).
#[test]
fn issue_12_a_schedule_rule_follows_local_time() {
    let text = scenario_text(
        "Europe/Berlin",
        "2025-01-06T00:00:00",
        "2d",
        "count = 0\nprovisioning = \"1s\"\nscaling = { policy = \"schedule\", rules = [{ cron = \"0 8 * * *\", count = 2 }, { cron = \"0 20 * * *\", count = 0 }] }",
        "arrival = { process = \"poisson\", rate = \"1/h\" }\nduration = { dist = \"constant\", value = \"1m\" }",
    );
    let (dir, path) = write_scenario(&text, "tz.toml");
    let out = run_into(
        &dir.path().join("out"),
        &["run", path.to_str().unwrap(), "--outputs", "csv"],
    );
    let rows = queue_rows(&out);
    // Time 0 is 23:00 UTC: 07:05 UTC is 8 h 05 min later (08:05 CET).
    let on = at_s(&rows, 8.0 * H + 300.0);
    assert_eq!(on.1, "2025-01-06T08:05:00+01:00");
    assert_eq!(on.3, 2.0, "{on:?}");
    assert_eq!(at_s(&rows, 7.0 * H + 3300.0).3, 0.0);
    // 20:00 CET (19:00 UTC) scales to zero.
    assert_eq!(at_s(&rows, 20.0 * H + 300.0).3, 0.0);
    assert_eq!(at_s(&rows, 19.0 * H + 3300.0).3, 2.0);
}

/// `[slo] window` is read on the Berlin clock: a pool scheduled for
/// 07:00-19:00 Berlin time meets a "Mon-Fri 08:00-19:00" objective there,
/// although the runs of the busy 19:00 hour wait for the morning. Read in
/// UTC the window would run to 20:00 Berlin time and take in that hour
/// (a twelfth of the window's runs), and the objective would be missed.
#[test]
fn issue_12_the_slo_window_uses_local_time() {
    let text = |window: &str| {
        format!(
            "name = \"office\"\n[simulation]\ntimezone = \"Europe/Berlin\"\nhorizon = \"7d\"\nwarmup = \"0s\"\nreplications = 4\nseed = 3\n\n[quota]\nstandard_vcpu = 32\n\n[[pool]]\nname = \"builders\"\ntier = \"S2\"\ncount = 0\nprovisioning = \"5m\"\nscaling = {{ policy = \"schedule\", rules = [{{ cron = \"0 7 * * 1-5\", count = 8 }}, {{ cron = \"0 9 * * 1-5\", count = 4 }}, {{ cron = \"0 19 * * 1-5\", count = 0 }}] }}\n\n[[workload]]\nname = \"ci\"\npool = \"builders\"\narrival = {{ process = \"profile\", rate = \"20/h\", hourly = [0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0.1, 0.1, 0.1, 0.1], weekly = [1, 1, 1, 1, 1, 0.1, 0.1] }}\nduration = {{ dist = \"exponential\", mean = \"5m\" }}\n\n[slo]\nwait_p95 = \"5m\"\nwindow = \"{window}\"\n"
        )
    };
    let dir = tempfile::tempdir().expect("dir");
    let check = |window: &str, name: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text(window)).unwrap();
        poolcast()
            .arg("check")
            .arg(&path)
            .arg("--out")
            .arg(dir.path().join(format!("{name}.out")))
            .output()
            .unwrap()
    };
    let local = check("Mon-Fri 08:00-19:00", "local.toml");
    assert!(
        String::from_utf8_lossy(&local.stderr).contains("(runs arriving Mon-Fri 08:00-19:00)"),
        "{}",
        String::from_utf8_lossy(&local.stderr)
    );
    assert_eq!(
        local.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&local.stderr)
    );
    // What the window would be if it were read in UTC.
    let shifted = check("Mon-Fri 09:00-20:00", "shifted.toml");
    assert_eq!(
        shifted.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&shifted.stderr)
    );
}

/// An unknown time zone is bad input, located; a start that the spring
/// change skips is too.
#[test]
fn issue_12_an_unknown_time_zone_is_refused() {
    let text = scenario_text(
        "Europe/Berln",
        "2025-01-06T00:00:00",
        "1d",
        "count = 1",
        "arrival = { process = \"poisson\", rate = \"1/h\" }\nduration = { dist = \"constant\", value = \"1m\" }",
    );
    let (_dir, path) = write_scenario(&text, "tz.toml");
    refuses(
        "validate",
        &path,
        "tz.toml:3:12: simulation.timezone: unknown time zone \"Europe/Berln\"; use an IANA name such as Europe/Berlin",
    );
    let text = text
        .replace("Europe/Berln", "Europe/Berlin")
        .replace("2025-01-06T00:00:00", "2025-03-30T02:30:00");
    let (_dir, path) = write_scenario(&text, "gap.toml");
    refuses("validate", &path, "gap.toml:4:9: simulation.start");
}

/// `init --timezone` writes the key, and the scenario it writes validates;
/// an unknown zone is bad input.
#[test]
fn issue_12_init_writes_the_time_zone() {
    let out = poolcast()
        .args(["init", "--timezone", "Europe/Berlin"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("\ntimezone = \"Europe/Berlin\" # IANA name"),
        "{text}"
    );
    let (_dir, path) = write_scenario(&text, "team.toml");
    poolcast().arg("validate").arg(&path).assert().success();
    poolcast()
        .args(["init", "--timezone", "Mars/Olympus"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--timezone \"Mars/Olympus\""));
}

/// `load_by_hour` reads the Berlin clock in weeks that cross the spring
/// change (Sunday 30 March 2025, 02:00 skipped) and the autumn one (Sunday
/// 26 October, 02:00 repeated): a schedule and a 09:00 cron are in the same
/// wall-clock hours every day, the changing Sundays included; the skipped
/// hour has the count in force as the clock jumps (that of 01:00).
#[test]
fn issue_12_load_by_hour_reads_the_wall_clock_across_the_changes() {
    for start in ["2025-03-24T00:00:00", "2025-10-20T00:00:00"] {
        let s = scenario(&scenario_text(
            "Europe/Berlin",
            start,
            "8d",
            "count = 0\nprovisioning = \"1s\"\nscaling = { policy = \"schedule\", rules = [{ cron = \"0 1 * * *\", count = 2 }, { cron = \"0 4 * * *\", count = 0 }, { cron = \"0 8 * * *\", count = 4 }, { cron = \"0 20 * * *\", count = 0 }] }",
            "arrival = { process = \"cron\", schedule = \"0 9 * * *\", tasks = 3 }\nduration = { dist = \"constant\", value = \"10m\" }",
        ));
        let (hours, _) = &poolcast::forecast::load_by_hour(&s)[0];
        assert_eq!(hours.len(), 168);
        for h in hours {
            let hour = h.hour_of_week % 24;
            let want = match hour {
                1..4 => 2,
                8..20 => 4,
                _ => 0,
            };
            assert_eq!(h.instances, want, "{start}: {h:?}");
            assert_eq!(h.offered_load > 0.0, hour == 9, "{start}: {h:?}");
        }
    }
}

/// A run arriving at 09:00:00 on the Berlin clock is in the Monday 09:00
/// row of the waits by hour, one arriving a microsecond earlier in the
/// 08:00 row: from a trace's timestamps to the table. The 09:00 run waits
/// for the 08:59:59.999999 one (one instance, 30 s runs), so the rows also
/// tell the two apart by their waits.
#[test]
fn a_run_on_the_hour_is_in_that_hours_row() {
    let (dir, path) = write_scenario(
        &scenario_text(
            "Europe/Berlin",
            "2025-01-06T00:00:00",
            "1d",
            "count = 1",
            "arrival = { process = \"trace\", file = \"runs.csv\" }",
        ),
        "tz.toml",
    );
    std::fs::write(
        dir.path().join("runs.csv"),
        "time,duration\n2025-01-06T08:59:59.999999+01:00,30\n2025-01-06T09:00:00+01:00,30\n",
    )
    .expect("write the trace");
    let s = poolcast::scenario::load(&path).unwrap_or_else(|e| panic!("{e}"));
    let summary = poolcast::replication::run(&s, &Default::default());
    let hour = |h: usize| {
        let row = &summary.wait_by_hour[0][h];
        (row.hour_of_week, row.runs, row.wait_mean_s)
    };
    // Two replications, each with both runs.
    assert_eq!(hour(8), (8, 2, 0.0));
    assert_eq!(hour(9), (9, 2, 29.999_999));
}
