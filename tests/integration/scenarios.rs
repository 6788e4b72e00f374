//! Every bundled scenario validates and runs.

use poolcast::replication::run;
use poolcast::results::TotalMetric;
use poolcast::units::SimDuration;

use crate::support::scenarios_dir;

#[test]
fn every_bundled_scenario_validates_and_runs() {
    let mut seen = 0;
    for entry in std::fs::read_dir(scenarios_dir()).expect("scenarios/ exists") {
        let path = entry.expect("a directory entry").path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        let mut s = poolcast::scenario::load(&path).unwrap_or_else(|e| panic!("{e}"));
        // A short run: the point is that it runs and produces numbers.
        s.simulation.horizon = SimDuration::from_secs(2 * 86_400);
        s.simulation.warmup = SimDuration::from_secs(3_600);
        s.simulation.replications = 2;
        let summary = run(&s, &Default::default());
        let tasks = summary.totals.get(TotalMetric::Tasks).mean;
        assert!(tasks > 0.0, "{}: no tasks arrived", path.display());
        assert!(
            summary.totals.get(TotalMetric::CostUsd).mean > 0.0,
            "{}: free?",
            path.display()
        );
        seen += 1;
    }
    assert!(
        seen >= 3,
        "expected at least three bundled scenarios, found {seen}"
    );
}
