//! Sweep scaling: 100 points x 10 replications on 1 and 2 threads, and the
//! building of one point of an axis listed value by value (2,000 and 20,000
//! values).
//!
//! `cargo bench --bench sweep`. The ratio of the first two times is the
//! speed-up (on this 2-core machine, at most 2); a point should take as
//! long to build however long the list (it took 10 times as long at 10
//! times the values when each point parsed the `[sweep]` table again).

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use poolcast::scenario::{SweepPoints, from_str, sweep_spec};
use poolcast::sweep::{SweepOptions, metric_names, run_sweep, table_of};

const SCENARIO: &str = r#"
[simulation]
horizon = "1d"
warmup = "2h"
replications = 10
sample_interval = "15m"

[[pool]]
name = "builders"
tier = "S1"
count = 6

[[workload]]
name = "ci"
pool = "builders"
arrival = { process = "poisson", rate = "60/h" }
duration = { dist = "lognormal", median = "3m", p95 = "18m" }

[slo]
wait_p95 = "5m"

[sweep]
"workload.ci.rate_scale" = { from = 0.5, to = 1.49, step = 0.01 }
"#;

fn sweep(c: &mut Criterion) {
    let path = Path::new("bench-sweep.toml");
    let base = from_str(SCENARIO, path).expect("valid");
    let spec = sweep_spec(SCENARIO, path).expect("valid").expect("a sweep");
    let points = SweepPoints::new(spec, SCENARIO, path, Default::default());
    assert_eq!(points.len(), 100);
    let opts = SweepOptions {
        precision: None,
        max_replications: 10,
        shard: None,
    };
    let mut group = c.benchmark_group("sweep_100_points_x_10");
    group.sample_size(10);
    group.throughput(Throughput::Elements(100));
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("threads");
        group.bench_function(format!("threads_{threads}"), |b| {
            b.iter(|| {
                black_box(run_sweep(
                    &pool,
                    &points,
                    table_of(points.spec(), metric_names(&base)).expect("temp file"),
                    opts,
                    &std::sync::atomic::AtomicBool::new(false),
                    &|_| {},
                    &mut |_| Ok(()),
                ))
            })
        });
    }
    group.finish();
}

fn listed_axis(c: &mut Criterion) {
    let mut group = c.benchmark_group("point_of_a_listed_axis");
    for n in [2_000, 20_000] {
        let values: Vec<String> = (0..n)
            .map(|i| format!("{:.6}", 0.5 + i as f64 / n as f64))
            .collect();
        let src = SCENARIO.replace(
            "{ from = 0.5, to = 1.49, step = 0.01 }",
            &format!("[{}]", values.join(", ")),
        );
        let path = Path::new("bench-sweep.toml");
        let spec = sweep_spec(&src, path).expect("valid").expect("a sweep");
        let points = SweepPoints::new(spec, &src, path, Default::default());
        assert_eq!(points.len(), n);
        group.bench_function(format!("values_{n}"), |b| {
            b.iter(|| black_box(points.point(n / 2)))
        });
    }
    group.finish();
}

// No HTML plots (see benches/engine.rs).
criterion_group! {
    name = benches;
    config = Criterion::default().without_plots();
    targets = sweep, listed_axis
}
criterion_main!(benches);
