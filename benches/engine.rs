//! Engine benchmarks: the event queue alone; one M/M/8 replication of a
//! million tasks (`benches/mmc.toml`) through the full engine with all
//! statistics on, next to two hand-written M/M/c loops; and a realistic
//! scenario per simulated week.
//!
//! `cargo bench --bench engine` (add `-- --quick` for a fast pass). Before
//! criterion's runs it prints, from one process with the variants
//! alternated (best of 9 each), the engine and the whole `poolcast run`
//! process against the plain loop of issue 15, and the engine against the
//! tighter speed-of-light loop.

use std::cmp::{Ordering, Reverse};
use std::collections::{BinaryHeap, VecDeque};
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group};
use poolcast::engine::{EventQueue, stream_rng};
use poolcast::scenario::Scenario;
use poolcast::stats::ReplicationStats;
use poolcast::units::{SimDuration, SimTime};
use rand::{RngExt, SeedableRng};
use rand_distr::{Distribution, Exp};
use rand_xoshiro::Xoshiro256PlusPlus;

/// The model of `benches/mmc.toml`: M/M/8 at utilisation 0.875, so
/// 8 x 0.875 / 350 s = 0.02 arrivals a second, and a million tasks take
/// 5 x 10^7 s (about 579 days).
const SERVERS: u32 = 8;
const MEAN_SERVICE_S: f64 = 350.0;
const LAMBDA: f64 = 0.875 * SERVERS as f64 / MEAN_SERVICE_S;
const TASKS: f64 = 1_000_000.0;

fn mmc_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/mmc.toml")
}

fn mmc_scenario() -> Scenario {
    poolcast::scenario::load(&mmc_path()).expect("benches/mmc.toml is valid")
}

/// One event of the plain loop: ordered by time, then insertion number.
#[derive(Clone, Copy)]
struct PlainEvent {
    time: f64,
    seq: u64,
    departure: bool,
}

impl PartialEq for PlainEvent {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for PlainEvent {}
impl PartialOrd for PlainEvent {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for PlainEvent {
    /// Reversed, so that the max-heap pops the earliest event first.
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .time
            .total_cmp(&self.time)
            .then_with(|| other.seq.cmp(&self.seq))
    }
}

/// The plain loop of issue 15 (and of `/work/shared/reference/handwritten-mmc`,
/// whose loop this is, except that it keeps every wait in a `Vec` where this
/// keeps their sum): a `BinaryHeap` of (time, event) holding arrivals and
/// departures, a `VecDeque` FIFO of arrival times, Xoshiro256++ with
/// `rand_distr::Exp`, `f64` seconds. Runs until `tasks` have completed;
/// returns the mean wait in seconds.
fn plain_mmc(tasks: u64) -> f64 {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
    let gap = Exp::new(LAMBDA).expect("a rate");
    let service = Exp::new(1.0 / MEAN_SERVICE_S).expect("a rate");
    let mut heap: BinaryHeap<PlainEvent> = BinaryHeap::with_capacity(64);
    let mut waiting: VecDeque<f64> = VecDeque::with_capacity(1024);
    let (mut seq, mut busy, mut completed, mut started) = (0u64, 0u32, 0u64, 0u64);
    let mut wait_sum = 0.0;
    let mut push = |heap: &mut BinaryHeap<PlainEvent>, time: f64, departure: bool| {
        heap.push(PlainEvent {
            time,
            seq,
            departure,
        });
        seq += 1;
    };
    push(&mut heap, gap.sample(&mut rng), false);
    while let Some(ev) = heap.pop() {
        let now = ev.time;
        if !ev.departure {
            push(&mut heap, now + gap.sample(&mut rng), false);
            if busy < SERVERS {
                busy += 1;
                started += 1;
                push(&mut heap, now + service.sample(&mut rng), true);
            } else {
                waiting.push_back(now);
            }
        } else {
            completed += 1;
            if completed == tasks {
                break;
            }
            if let Some(arrived) = waiting.pop_front() {
                wait_sum += now - arrived;
                started += 1;
                push(&mut heap, now + service.sample(&mut rng), true);
            } else {
                busy -= 1;
            }
        }
    }
    wait_sum / started as f64
}

/// The speed-of-light loop, tighter than the plain one (about 1.4x faster):
/// the next arrival is kept outside the heap, the heap holds only 8-byte
/// departure ticks, on integer microsecond ticks with the engine's random
/// streams. Returns the mean wait in seconds.
fn tight_mmc(tasks: u64) -> f64 {
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
    let mut stats = ReplicationStats::with(s, &poolcast::forecast::stats_setup(s));
    let events = poolcast::sim::run_replication(
        s,
        0,
        &mut stats,
        &std::sync::atomic::AtomicBool::new(false),
    );
    (
        stats.finish().totals[poolcast::results::TotalMetric::Tasks],
        events,
    )
}

/// The whole `poolcast run benches/mmc.toml` process, default outputs.
fn whole_run(out: &Path) {
    let status = Command::new(env!("CARGO_BIN_EXE_poolcast"))
        .arg("run")
        .arg(mmc_path())
        .arg("--out")
        .arg(out)
        .arg("--quiet")
        .stdout(Stdio::null())
        .status()
        .expect("poolcast runs");
    assert!(status.success(), "poolcast run failed: {status}");
}

/// Wall-clock seconds of one call of `f`.
fn seconds(f: &mut dyn FnMut()) -> f64 {
    let t = Instant::now();
    f();
    t.elapsed().as_secs_f64()
}

/// A named thing to time.
type Variant<'a> = (&'static str, Box<dyn FnMut() + 'a>);

/// Prints the engine's and the whole process's speed against the plain
/// loop, and the engine's against the tight loop: each variant's best of 9,
/// the variants alternated within each round so that load from other
/// processes on this shared machine falls on all of them alike.
fn print_ratio() {
    const ROUNDS: usize = 9;
    let s = mmc_scenario();
    let (tasks, events) = replicate(&s);
    let out = tempfile::tempdir().expect("a temporary folder");
    let mut variants: [Variant; 4] = [
        (
            "engine",
            Box::new(|| {
                black_box(replicate(&s));
            }),
        ),
        (
            "plain loop",
            Box::new(|| {
                black_box(plain_mmc(TASKS as u64));
            }),
        ),
        (
            "tight loop",
            Box::new(|| {
                black_box(tight_mmc(TASKS as u64));
            }),
        ),
        ("poolcast run", Box::new(|| whole_run(out.path()))),
    ];
    let mut best = [f64::INFINITY; 4];
    for _ in 0..ROUNDS {
        for (b, (_, f)) in best.iter_mut().zip(variants.iter_mut()) {
            *b = b.min(seconds(f.as_mut()));
        }
    }
    for ((name, _), b) in variants.iter().zip(best) {
        println!(
            "M/M/8 rho 0.875, 1e6 tasks, {name}: {:.1} ms, {:.2} M tasks/s",
            b * 1e3,
            TASKS / b / 1e6
        );
    }
    let [engine, plain, tight, whole] = best;
    println!(
        "engine: {tasks} tasks, {:.2} M events/s; engine / plain loop = {:.2} (target 1.0); poolcast run / plain loop = {:.2} (target 0.8); engine / tight loop = {:.2}",
        events as f64 / engine / 1e6,
        plain / engine,
        plain / whole,
        tight / engine
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
    group.bench_function("plain_loop_tasks", |b| {
        b.iter(|| plain_mmc(black_box(TASKS as u64)))
    });
    group.bench_function("tight_loop_tasks", |b| {
        b.iter(|| tight_mmc(black_box(TASKS as u64)))
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
