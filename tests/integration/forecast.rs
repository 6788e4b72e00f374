//! The forecast (baseline, load by hour, busiest hour, alike hours) is
//! computed once a run and handed to the summary, which carries it.

use std::path::Path;

use poolcast::forecast::{self, built_on_this_thread};
use poolcast::replication::{self, RunOptions};

/// A fixed pool under a per-hour objective it misses (so the alike hours
/// and the fix hint are read too).
const SCENARIO: &str = r#"
[simulation]
horizon = "2d"
warmup = "1h"
replications = 2
seed = 7

[[pool]]
name = "builders"
tier = "S1"
count = 2

[[workload]]
name = "ci"
pool = "builders"
arrival = { process = "poisson", rate = "20/h" }
duration = { dist = "exponential", mean = "5m" }

[slo]
wait_p95 = "1s"
per = "hour"
"#;

#[test]
fn a_run_builds_its_forecast_once_and_its_summary_carries_it() {
    let s = poolcast::scenario::from_str(SCENARIO, Path::new("f.toml")).expect("a valid scenario");
    let before = built_on_this_thread();
    let run = replication::run(&s, &RunOptions::default());
    assert_eq!(
        built_on_this_thread() - before,
        1,
        "forecasts built by a run"
    );
    assert!(
        !run.advice.is_empty(),
        "the objective is missed: a fix is named"
    );

    let f = forecast::of(&s);
    let before = built_on_this_thread();
    let handed =
        replication::run_unless_cancelled(&s, &f, &RunOptions::default()).expect("not cancelled");
    assert_eq!(
        built_on_this_thread(),
        before,
        "a forecast handed over is not rebuilt"
    );
    assert_eq!(handed.advice, run.advice);
    let pool = &handed.pools[0];
    assert_eq!(pool.analytic, f.pools[0].baseline);
    assert_eq!(pool.load_by_hour, f.pools[0].load_by_hour);
    assert_eq!(pool.busiest_hour, f.pools[0].busiest_hour);
    assert!(
        f.alike_hours.is_some(),
        "judged per hour: the alike hours are forecast"
    );
}
