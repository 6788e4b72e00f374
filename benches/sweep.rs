//! Sweep scaling: 100 points x 10 replications on 1 and 2 threads.
//!
//! `cargo bench --bench sweep`. The ratio of the two times is the speed-up
//! (on this 2-core machine, at most 2).

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use poolcast::scenario::{SweepPoints, from_str, sweep_spec};
use poolcast::sweep::{SweepOptions, metric_names, run_sweep};

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
                    metric_names(&base),
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

// No HTML plots (see benches/engine.rs).
criterion_group! {
    name = benches;
    config = Criterion::default().without_plots();
    targets = sweep
}
criterion_main!(benches);
