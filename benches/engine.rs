//! Engine benchmarks: the event queue alone, and one replication of an M/M/c
//! scenario through the full engine with all statistics on.
//!
//! Run with `cargo bench --bench engine`.

use std::hint::black_box;
use std::path::Path;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use poolcast::engine::{EventQueue, stream_rng};
use poolcast::units::SimTime;
use rand::RngExt;

/// Push/pop pairs at a steady queue size: the hold model of event-list
/// benchmarks (pop the earliest, push one a random time later).
fn event_queue(c: &mut Criterion) {
    let mut group = c.benchmark_group("event_queue_hold");
    for size in [100usize, 10_000, 1_000_000] {
        let mut rng = stream_rng(1, 0, 0);
        let mut q = EventQueue::with_capacity(size + 1);
        for _ in 0..size {
            q.push(SimTime(rng.random_range(0..1_000_000)), 0u64);
        }
        group.throughput(Throughput::Elements(1));
        group.bench_with_input(BenchmarkId::from_parameter(size), &size, |b, _| {
            b.iter(|| {
                let (t, e) = q.pop().expect("the queue is never empty");
                q.push(SimTime(t.0 + rng.random_range(0..1_000_000)), black_box(e));
            })
        });
    }
    group.finish();
}

/// M/M/8 at utilisation 0.875 with about 100,000 tasks per replication.
fn mmc_replication(c: &mut Criterion) {
    let src = r#"
[simulation]
horizon = "1389h"
warmup = "1h"
replications = 1
sample_interval = "1h"

[[pool]]
name = "mmc"
tier = "S1"
count = 8

[[workload]]
name = "jobs"
pool = "mmc"
arrival = { process = "poisson", rate = "72/h" }
duration = { dist = "exponential", mean = "350s" }
timeout = "8h"
"#;
    let s = poolcast::scenario::from_str(src, Path::new("bench.toml")).expect("valid");
    let tasks = poolcast::replication::run_one(&s, 0).workloads[0][0] as u64;
    let mut group = c.benchmark_group("mmc_replication");
    group.sample_size(20);
    group.throughput(Throughput::Elements(tasks));
    group.bench_function("m_m_8_rho_0.875_tasks", |b| {
        b.iter(|| poolcast::replication::run_one(black_box(&s), 0))
    });
    group.finish();
}

criterion_group!(benches, event_queue, mmc_replication);
criterion_main!(benches);
