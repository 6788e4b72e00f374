//! Engine benchmarks: the event queue alone; one M/M/8 replication of a
//! million tasks through the full engine with all statistics on, next to a
//! minimal hand-written M/M/c loop (the speed-of-light reference); and a
//! realistic scenario per simulated week.
//!
//! `cargo bench --bench engine` (add `-- --quick` for a fast pass). Before
//! criterion's runs it prints the engine / reference ratio, measured
//! best-of-5 in one process.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::hint::black_box;
use std::path::Path;
use std::time::Instant;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group};
use poolcast::engine::{EventQueue, stream_rng};
use poolcast::scenario::Scenario;
use poolcast::stats::ReplicationStats;
use poolcast::units::{SimDuration, SimTime};
use rand::RngExt;
use rand_distr::{Distribution, Exp};

/// M/M/8 at utilisation 0.875: 8 x 0.875 / 350 s = 0.02 arrivals a second,
/// so a million tasks take 5 x 10^7 s (about 579 days).
const SERVERS: u32 = 8;
const MEAN_SERVICE_S: f64 = 350.0;
const LAMBDA: f64 = 0.875 * SERVERS as f64 / MEAN_SERVICE_S;
const TASKS: f64 = 1_000_000.0;

fn mmc_scenario() -> Scenario {
    let horizon = (TASKS / LAMBDA) as u64;
    let src = format!(
        r#"
[simulation]
horizon = "{horizon}s"
warmup = "1d"
replications = 1
sample_interval = "1d"

[quota]
standard_vcpu = 64

[[pool]]
name = "mmc"
tier = "S1"
count = {SERVERS}

[[workload]]
name = "jobs"
pool = "mmc"
arrival = {{ process = "poisson", rate = "{}/h" }}
duration = {{ dist = "exponential", mean = "{MEAN_SERVICE_S}s" }}
timeout = "8h"
"#,
        LAMBDA * 3600.0
    );
    poolcast::scenario::from_str(&src, Path::new("mmc.toml")).expect("a valid scenario")
}

/// The speed-of-light reference: an M/M/c loop with nothing but a binary
/// heap of departures and a FIFO queue, on integer microsecond ticks, with
/// the same random streams. Returns the mean wait in seconds.
fn reference_mmc(tasks: u64) -> f64 {
    let (mut arrivals, mut services) = (stream_rng(1, 0, 0), stream_rng(1, 0, 1));
    let gap = Exp::new(LAMBDA).expect("a rate");
    let service = Exp::new(1.0 / MEAN_SERVICE_S).expect("a rate");
    let ticks = |secs: f64| (secs * 1e6).round() as u64;
    let mut departures: BinaryHeap<Reverse<u64>> = BinaryHeap::with_capacity(SERVERS as usize);
    let mut waiting: VecDeque<u64> = VecDeque::new();
    let (mut busy, mut arrived, mut started, mut wait_sum) = (0u32, 0u64, 0u64, 0u64);
    let mut next_arrival = ticks(gap.sample(&mut arrivals));
    while arrived < tasks {
        match departures.peek() {
            Some(&Reverse(d)) if d <= next_arrival => {
                departures.pop();
                match waiting.pop_front() {
                    Some(a) => {
                        wait_sum += d - a;
                        started += 1;
                        departures.push(Reverse(d + ticks(service.sample(&mut services))));
                    }
                    None => busy -= 1,
                }
            }
            _ => {
                let now = next_arrival;
                arrived += 1;
                if busy < SERVERS {
                    busy += 1;
                    started += 1;
                    departures.push(Reverse(now + ticks(service.sample(&mut services))));
                } else {
                    waiting.push_back(now);
                }
                next_arrival = now + ticks(gap.sample(&mut arrivals));
            }
        }
    }
    wait_sum as f64 / started as f64 / 1e6
}

/// One replication with the standard statistics; returns (tasks arrived
/// after the warm-up, events handled).
fn replicate(s: &Scenario) -> (f64, u64) {
    let mut stats = ReplicationStats::new(s);
    let events = poolcast::sim::run_replication(
        s,
        0,
        &mut stats,
        &std::sync::atomic::AtomicBool::new(false),
    );
    (
        stats.finish().totals[poolcast::stats::TotalMetric::Tasks],
        events,
    )
}

/// Best of 5 wall-clock seconds of `f`.
fn best_of_5(mut f: impl FnMut()) -> f64 {
    (0..5)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min)
}

/// Prints tasks per second of the engine and the reference, and the ratio.
fn print_ratio() {
    let s = mmc_scenario();
    let (tasks, events) = replicate(&s);
    let engine = best_of_5(|| {
        black_box(replicate(&s));
    });
    let reference = best_of_5(|| {
        black_box(reference_mmc(TASKS as u64));
    });
    println!(
        "M/M/8 rho 0.875, 1e6 tasks: engine {:.2} M tasks/s ({:.2} M events/s), reference loop {:.2} M tasks/s; engine / reference = {:.2}",
        tasks / engine / 1e6,
        events as f64 / engine / 1e6,
        TASKS / reference / 1e6,
        reference / engine
    );
}

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
                q.push(
                    t + SimDuration(rng.random_range(0..1_000_000)),
                    black_box(e),
                );
            })
        });
    }
    group.finish();
}

fn mmc(c: &mut Criterion) {
    let s = mmc_scenario();
    let (tasks, events) = replicate(&s);
    let mut group = c.benchmark_group("mmc_1e6_tasks");
    group.sample_size(10);
    group.throughput(Throughput::Elements(tasks as u64));
    group.bench_function("engine_tasks", |b| b.iter(|| replicate(black_box(&s))));
    group.throughput(Throughput::Elements(events));
    group.bench_function("engine_events", |b| b.iter(|| replicate(black_box(&s))));
    group.throughput(Throughput::Elements(TASKS as u64));
    group.bench_function("reference_loop_tasks", |b| {
        b.iter(|| reference_mmc(black_box(TASKS as u64)))
    });
    group.finish();
}

/// A week of a realistic registry: working-day CI (lognormal), nightly cron
/// batches, monorepo bursts and quick builds on the default compute, on a
/// queue-controlled pool with cold starts and a fixed pool.
fn realistic(c: &mut Criterion) {
    let s = poolcast::scenario::load(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/realistic.toml"),
    )
    .expect("benches/realistic.toml is valid");
    let (tasks, _) = replicate(&s);
    let mut group = c.benchmark_group("realistic_week");
    group.sample_size(20);
    group.throughput(Throughput::Elements(tasks as u64));
    group.bench_function("tasks", |b| b.iter(|| replicate(black_box(&s))));
    group.finish();
}

// No HTML plots: the crate renders text with plotters' bundled-font path,
// which criterion's plots do not register a font for.
criterion_group! {
    name = benches;
    config = Criterion::default().without_plots();
    targets = event_queue, mmc, realistic
}

fn main() {
    print_ratio();
    benches();
    Criterion::default()
        .without_plots()
        .configure_from_args()
        .final_summary();
}
