//! Invariants of the event loop, checked with a recorder that sees every
//! event: time never runs backwards, a pool never runs more tasks than it
//! has instances, each pool is FIFO, and every arrival is accounted for.

use std::collections::HashMap;

use poolcast::model::{PoolId, Target, WorkloadId};
use poolcast::results::{PoolLevels, Recorder};
use poolcast::sim::run_replication;
use poolcast::units::{SimDuration, SimTime};

use crate::support::scenario;

#[derive(Default)]
struct Audit {
    now: SimTime,
    arrived: u64,
    /// Started and finished runs per workload.
    started: Vec<u64>,
    finished: Vec<u64>,
    timeouts: Vec<SimDuration>,
    timed_out: u64,
    last_levels: HashMap<PoolId, PoolLevels>,
    /// Arrival time of the last run started per target, to check FIFO.
    last_start: HashMap<u32, SimTime>,
    capacity: Vec<u32>,
}

impl Audit {
    fn tick(&mut self, at: SimTime) {
        assert!(
            at >= self.now,
            "time ran backwards: {at:?} after {:?}",
            self.now
        );
        self.now = at;
    }
}

impl Recorder for Audit {
    fn arrived(&mut self, _w: WorkloadId, at: SimTime) {
        self.tick(at);
        self.arrived += 1;
    }

    fn started(
        &mut self,
        w: WorkloadId,
        target: Target,
        arrived_at: SimTime,
        at: SimTime,
        run: SimDuration,
    ) {
        self.tick(at);
        assert!(arrived_at <= at, "a run started before it arrived");
        assert!(
            run <= self.timeouts[w.0 as usize],
            "run not capped by its timeout"
        );
        if let Target::Pool(p) = target {
            let last = self.last_start.insert(p.0, arrived_at).unwrap_or_default();
            assert!(arrived_at >= last, "pool {p:?} is not FIFO");
        }
        self.started[w.0 as usize] += 1;
    }

    fn finished(
        &mut self,
        w: WorkloadId,
        arrived_at: SimTime,
        started_at: SimTime,
        at: SimTime,
        timed_out: bool,
    ) {
        self.tick(at);
        assert!(arrived_at <= started_at && started_at <= at);
        self.finished[w.0 as usize] += 1;
        self.timed_out += u64::from(timed_out);
    }

    fn pool_changed(&mut self, p: PoolId, at: SimTime, levels: PoolLevels) {
        self.tick(at);
        assert!(
            levels.busy <= levels.allocated,
            "{p:?} runs more tasks than instances"
        );
        assert_eq!(levels.allocated, self.capacity[p.0 as usize]);
        // Work conservation: nobody waits while an instance is idle.
        assert!(
            levels.queued == 0 || levels.busy == levels.allocated,
            "{p:?} idles with a queue"
        );
        self.last_levels.insert(p, levels);
    }

    fn sampled(&mut self, _p: PoolId, at: SimTime, _levels: PoolLevels) {
        self.tick(at);
    }
}

#[test]
fn event_loop_keeps_invariants_and_conserves_tasks() {
    let s = scenario(
        r#"
[simulation]
horizon = "3d"
replications = 3
seed = 11

[[pool]]
name = "small"
tier = "S1"
count = 2

[[pool]]
name = "big"
tier = "S3"
count = 1

[[workload]]
name = "a"
pool = "small"
arrival = { process = "poisson", rate = "40/h" }
duration = { dist = "lognormal", median = "2m", p95 = "30m" }
timeout = "1h"

[[workload]]
name = "b"
pool = "big"
arrival = { process = "poisson", rate = "10/h" }
duration = { dist = "uniform", min = "1m", max = "90m" }
parallel_fraction = 0.9
timeout = "1h"

[[workload]]
name = "c"
pool = "default"
arrival = { process = "poisson", rate = "5/h" }
duration = { dist = "gamma", mean = "20m", cv = 2.0 }
timeout = "1h"
"#,
    );
    for replication in 0..s.simulation.replications {
        let n = s.workloads.len();
        let mut audit = Audit {
            capacity: s.pools.iter().map(|p| p.count).collect(),
            started: vec![0; n],
            finished: vec![0; n],
            timeouts: s.workloads.iter().map(|w| w.timeout).collect(),
            ..Audit::default()
        };
        run_replication(
            &s,
            replication,
            &mut audit,
            &std::sync::atomic::AtomicBool::new(false),
        );
        let queued: u64 = audit
            .last_levels
            .values()
            .map(|l| u64::from(l.queued))
            .sum();
        let running_in_pools: u64 = audit.last_levels.values().map(|l| u64::from(l.busy)).sum();
        assert!(audit.arrived > 1000, "too few arrivals to mean anything");
        assert!(
            audit.timed_out > 0,
            "the uniform workload must hit its 1h timeout sometimes"
        );
        // Every arrival is queued, running or finished: the pools' runs in
        // flight are exactly those their workloads started and did not finish.
        let started: u64 = audit.started.iter().sum();
        assert_eq!(audit.arrived, started + queued);
        let on_pools = |v: &[u64]| -> u64 {
            s.workloads
                .iter()
                .zip(v)
                .filter(|(w, _)| w.target != Target::DefaultCompute)
                .map(|(_, n)| n)
                .sum()
        };
        assert_eq!(
            on_pools(&audit.started),
            on_pools(&audit.finished) + running_in_pools
        );
    }
}
