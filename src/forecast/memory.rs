//! Peak memory of a run or a sweep, estimated before simulating from what
//! drives it, so that a run the machine cannot hold is refused with the
//! arithmetic instead of ending in the OOM killer.
//!
//! What is counted, each from the scenario:
//! - kept per replication until the summary: the wait counts of each
//!   workload (a byte a histogram bucket, up to the longest wait, at most
//!   the horizon), the cost by day; its queue series (pools x samples) and
//!   waits by hour only while it runs, then folded into the run's one set;
//! - per replication in flight (one per thread): the queued runs of the
//!   overloaded pools (the runs they get, up to `sim::MAX_QUEUED` for all
//!   pools together), the turnaround counts;
//! - the data read (trace runs, empirical run times), once per copy held.
//!
//! The program itself is a constant; small fixed costs (events pending,
//! instances, the timetable of calendar firings, at most
//! `sim::TIMETABLE_MAX_ENTRIES` entries) are left out: the estimate is of
//! what grows.

use std::sync::Arc;

use crate::model::{HOURS_OF_WEEK, Target};
use crate::results::PoolLevels;
use crate::scenario::Scenario;
use crate::stats::HourWaits;
use crate::units::TICKS_PER_SECOND;
use crate::workload::{ArrivalProcess, DurationDist, Recorded, TraceRun};

/// One driver of memory: what it is (with its arithmetic) and its bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct Part {
    /// E.g. "queue series: 200 replications x 1 pool(s) x 10081 samples x 16 B".
    pub what: String,
    /// Bytes.
    pub bytes: f64,
}

/// An estimate of peak memory, by driver.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MemoryEstimate {
    /// The drivers, largest first.
    pub parts: Vec<Part>,
}

impl MemoryEstimate {
    /// Bytes in all.
    pub fn total(&self) -> f64 {
        self.parts.iter().map(|p| p.bytes).sum()
    }

    /// The drivers with their arithmetic, one per line, largest first.
    pub fn explain(&self) -> String {
        self.parts
            .iter()
            .filter(|p| p.bytes > 0.0)
            .map(|p| format!("  {} = {}\n", p.what, bytes_text(p.bytes)))
            .collect()
    }

    fn push(&mut self, what: String, bytes: f64) {
        self.parts.push(Part { what, bytes });
    }

    /// The estimate of a whole process: its parts, largest first, and the
    /// program itself.
    pub fn of_process(mut self) -> MemoryEstimate {
        self.push("the program itself".to_string(), PROGRAM_BYTES);
        self.parts.sort_by(|a, b| b.bytes.total_cmp(&a.bytes));
        self
    }
}

/// What the process holds before any work: its code, the C library, the
/// threads' stacks (a run of one task with `--outputs none` peaks at
/// 8.4-8.6 MiB resident on 1 or 2 threads).
const PROGRAM_BYTES: f64 = 8.0 * 1024.0 * 1024.0;

/// Bytes as KiB, MiB or GiB with one decimal.
pub fn bytes_text(bytes: f64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = bytes;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{v:.0} B")
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}

/// A size that [`parse_bytes`] cannot read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SizeError {
    /// No number where the size starts.
    #[error("{0:?} is not a size; write e.g. 4GiB or 512MiB")]
    NotASize(String),
    /// A unit other than B, K, M, G, T, P or E (with or without `B`/`iB`).
    #[error("{0:?}: unknown unit; write e.g. 4GiB or 512MiB")]
    Unit(String),
    /// Zero, or beyond what a 64-bit machine can address (16 EiB).
    #[error("{0:?}: give a size from one byte to 16EiB")]
    Range(String),
}

/// A size such as `4GiB`, `512 MiB`, `2G`, `1.5TB` or bytes, as bytes
/// (binary multiples whether written `G` or `GiB`).
pub fn parse_bytes(text: &str) -> Result<f64, SizeError> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let n: f64 = number
        .parse()
        .map_err(|_| SizeError::NotASize(text.to_string()))?;
    let shift = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        "t" | "tb" | "tib" => 40,
        "p" | "pb" | "pib" => 50,
        "e" | "eb" | "eib" => 60,
        _ => return Err(SizeError::Unit(text.to_string())),
    };
    let bytes = n * 2f64.powi(shift);
    if (1.0..=2f64.powi(64)).contains(&bytes) {
        Ok(bytes)
    } else {
        Err(SizeError::Range(text.to_string()))
    }
}

/// Bytes of a wait histogram (hdrhistogram at 3 significant digits: 2,048
/// sub-buckets, half of them again per doubling of the range, 8 bytes a
/// count) that has grown to hold `max_ticks`.
pub fn histogram_bytes(max_ticks: f64) -> f64 {
    let doublings = (max_ticks.max(2048.0) / 2048.0).log2().ceil() + 1.0;
    (doublings + 1.0) * 1024.0 * 8.0
}

/// What `replications` replications of `s` keep until the summary, and
/// what `in_flight` of them hold while running (their own queue series
/// among it: a run folds each into its one as it ends, a sweep drops it),
/// with the arithmetic.
fn per_replication(s: &Scenario, replications: f64, in_flight: f64, est: &mut MemoryEstimate) {
    let sim = &s.simulation;
    let pools = s.pools.len() as f64;
    let workloads = s.workloads.len() as f64;
    let samples = samples(s);
    // Packed (`stats::LevelBlock`), a sample takes at most a
    // `PoolLevels` (2 B for a steady pool under 256 runs queued): the
    // estimate takes the most.
    let level = std::mem::size_of::<PoolLevels>() as f64;
    est.push(
        format!(
            "queue series: {in_flight} replication(s) in flight x {pools} pool(s) x {samples} samples x {level} B"
        ),
        in_flight * pools * samples * level,
    );
    let horizon_ticks = sim.horizon.as_secs_f64() * TICKS_PER_SECOND as f64;
    let hist = histogram_bytes(horizon_ticks);
    // Counted a byte a bucket (`results::HistogramCounts`): each replication
    // keeps its waits so, for the CDF's interval.
    let counts = hist / 8.0;
    est.push(
        format!(
            "wait counts: {replications} replication(s) x {workloads} workload(s) x {}",
            bytes_text(counts)
        ),
        replications * workloads * counts,
    );
    // In flight: the turnarounds' counts beside the waits' (the metrics
    // are read off both, no histogram built); a scenario of `compare` that
    // is not the one in flight has none.
    if in_flight > 0.0 {
        est.push(
            format!(
                "turnaround counts: {in_flight} replication(s) in flight x {workloads} workload(s) x {}",
                bytes_text(counts)
            ),
            in_flight * workloads * counts,
        );
    }
    // The waits by hour of the week, per workload 168 cells while a
    // replication runs (a run folds them into its one set as it ends, a
    // sweep drops them).
    let cell = HourWaits::bytes_at_most(sim.horizon);
    est.push(
        format!(
            "waits by hour: {in_flight} replication(s) in flight x {workloads} workload(s) x {HOURS_OF_WEEK} hours x {cell} B (at most)"
        ),
        in_flight * workloads * HOURS_OF_WEEK as f64 * cell,
    );
    let days = (sim.horizon.as_secs_f64() / 86_400.0).ceil();
    est.push(
        format!(
            "cost by day: {replications} replication(s) x {} payers x {days} days x 8 B",
            pools + 1.0
        ),
        replications * (pools + 1.0) * days * 8.0,
    );
    if in_flight > 0.0 {
        queued_runs(s, in_flight, est);
    }
}

/// The runs the overloaded pools of `s` queue, in each of `in_flight`
/// replications.
fn queued_runs(s: &Scenario, in_flight: f64, est: &mut MemoryEstimate) {
    let sim = &s.simulation;
    // A pool whose load reaches its most instances queues what it cannot
    // run, up to the bound; one with headroom keeps a short queue.
    let loads = super::offered_loads(s);
    let mut queued = 0.0;
    for (i, pool) in s.pools.iter().enumerate() {
        let overloaded = loads
            .get(i)
            .is_none_or(|&a| a.is_nan() || a >= f64::from(pool.max_count()));
        if !overloaded {
            continue;
        }
        let runs: f64 = s
            .workloads
            .iter()
            .filter(|w| w.target == Target::Pool(crate::model::PoolId(i as u32)))
            .map(|w| w.arrival.expected_runs(sim.horizon))
            .sum();
        queued += runs;
    }
    // The bound is on the queues together (the replication stops past it).
    let queued = queued.min(crate::sim::MAX_QUEUED as f64);
    let task = crate::sim::QUEUED_RUN_BYTES as f64;
    est.push(
        format!(
            "queued runs of overloaded pools: {in_flight} replication(s) in flight x {queued:.0} runs x {task} B"
        ),
        in_flight * queued * task,
    );
}

/// Samples of each pool's queue series over the horizon.
fn samples(s: &Scenario) -> f64 {
    let sim = &s.simulation;
    (sim.horizon.0 / sim.sample_interval.0.max(1)) as f64 + 1.0
}

/// A trace run, and its index among the timed runs.
const TRACE_RUN_BYTES: f64 = (std::mem::size_of::<TraceRun>() + 4) as f64;

/// The data `scenarios` read: trace runs and empirical run times, each
/// allocation once (the points of a sweep share one copy of a durations
/// file, but each places its own trace).
fn data<'a>(scenarios: impl IntoIterator<Item = &'a Scenario>, est: &mut MemoryEstimate) {
    let mut seen = std::collections::HashSet::new();
    let (mut runs, mut values) = (0.0, 0.0);
    for s in scenarios {
        for w in &s.workloads {
            if let ArrivalProcess::Trace { trace, .. } = &w.arrival
                && seen.insert(trace.runs().as_ptr().cast::<u8>())
            {
                runs += trace.runs().len() as f64;
            }
            if let DurationDist::Empirical { values: v } = &w.duration
                && seen.insert(std::sync::Arc::as_ptr(v).cast::<u8>())
            {
                values += v.values().len() as f64;
            }
        }
    }
    est.push(
        format!("trace runs: {runs} runs x {TRACE_RUN_BYTES} B"),
        runs * TRACE_RUN_BYTES,
    );
    let value = Recorded::BYTES_PER_VALUE;
    est.push(
        format!("empirical run times: {values} values x {value} B"),
        values * value as f64,
    );
}

/// Peak memory of `in_flight` replications of `s` at once whose recorder
/// holds `recorder` (its parts, as its caller counts them): beside them the
/// engine's queued runs, the data read and the program.
pub fn recorder_estimate(s: &Scenario, in_flight: f64, recorder: Vec<Part>) -> MemoryEstimate {
    let mut est = MemoryEstimate { parts: recorder };
    queued_runs(s, in_flight, &mut est);
    data([s], &mut est);
    est.of_process()
}

/// Peak memory of `run` (or `check`) of `s` on `threads` threads.
pub fn run_estimate(s: &Scenario, threads: usize) -> MemoryEstimate {
    let reps = f64::from(s.simulation.replications);
    let mut est = MemoryEstimate::default();
    let in_flight = reps.min(threads.max(1) as f64);
    per_replication(s, reps, in_flight, &mut est);
    folded(s, 1.0, &mut est);
    data([s], &mut est);
    est.of_process()
}

/// Peak memory of `plan --schedule` of `s` on `threads` threads, which
/// holds at most `held` replications at once (its result beside its
/// confirmation, or the confirmation's stranding check alone; the
/// schedules judged before keep their hour tallies only, left out), and
/// the folded runs of `plans` plans (a frontier holds one per target, each
/// its result and confirmation: 8 targets of a two-week scenario had
/// peaked 9 MiB above the estimate of one). One run counted alone, 10,000
/// replications were estimated at 314 MiB and peaked at 440 MiB (763 MiB
/// on the tester's machine).
pub fn schedule_estimate(s: &Scenario, held: u32, plans: usize, threads: usize) -> MemoryEstimate {
    let in_flight = f64::from(held).min(threads.max(1) as f64);
    let held = f64::from(held);
    let mut est = MemoryEstimate::default();
    per_replication(s, held, in_flight, &mut est);
    folded(s, 2.0 * plans.max(1) as f64, &mut est);
    data([s], &mut est);
    est.of_process()
}

/// The queue series and waits by hour of `runs` runs, into which each
/// replication's are folded as it ends (`stats::ReplicationFold`): one set
/// per run, however many replications.
fn folded(s: &Scenario, runs: f64, est: &mut MemoryEstimate) {
    let pools = s.pools.len() as f64;
    let samples = samples(s);
    let sample = std::mem::size_of::<crate::results::SampleSum>() as f64;
    let each = if runs == 1.0 {
        String::new()
    } else {
        format!("{runs} runs x ")
    };
    // A run of one replication keeps that replication's series, counted
    // in flight; sums are made from the second on.
    if runs > 1.0 || s.simulation.replications > 1 {
        est.push(
            format!(
                "queue series, all replications together: {each}{pools} pool(s) x {samples} samples x {sample} B"
            ),
            runs * pools * samples * sample,
        );
    }
    let workloads = s.workloads.len() as f64;
    let cell = HourWaits::bytes_at_most(s.simulation.horizon);
    est.push(
        format!(
            "waits by hour, all replications together: {each}{workloads} workload(s) x {HOURS_OF_WEEK} hours x {cell} B (at most)"
        ),
        runs * workloads * HOURS_OF_WEEK as f64 * cell,
    );
}

/// Peak memory of `compare` of `scenarios` on `threads` threads: they run
/// one after the other, and each one's replications are kept until the
/// table is printed, so all are counted; one scenario's replications are in
/// flight at a time (the largest stands for it).
pub fn compare_estimate(scenarios: &[Scenario], threads: usize) -> MemoryEstimate {
    let mut est = MemoryEstimate::default();
    let totals: Vec<f64> = scenarios
        .iter()
        .map(|s| run_estimate(s, threads).total())
        .collect();
    let largest = (0..scenarios.len()).max_by(|&a, &b| totals[a].total_cmp(&totals[b]));
    for (i, s) in scenarios.iter().enumerate() {
        let reps = f64::from(s.simulation.replications);
        let in_flight = if Some(i) == largest {
            reps.min(threads.max(1) as f64)
        } else {
            0.0
        };
        let mut own = MemoryEstimate::default();
        per_replication(s, reps, in_flight, &mut own);
        folded(s, 1.0, &mut own);
        for part in own.parts {
            est.push(format!("{}: {}", s.name, part.what), part.bytes);
        }
    }
    data(scenarios, &mut est);
    est.of_process()
}

/// What a sweep's memory estimate needs to know of its points, gathered
/// one point at a time (the points are built, looked at and dropped, so
/// the look costs no memory per point).
#[derive(Debug, Default)]
pub struct SweepMemory {
    /// The valid point whose run needs the most, which stands for every
    /// point held, with that need.
    largest: Option<(f64, Scenario)>,
    /// Valid points seen.
    points: usize,
    /// The most data a point holds of its own (its trace runs, its inline
    /// run times), bytes.
    own_data: f64,
    /// Run times every point shares (a durations file is read once), each
    /// kept here so that one is never mistaken for another.
    shared: Vec<Arc<Recorded>>,
}

impl SweepMemory {
    /// Adds a valid point.
    pub fn add(&mut self, s: &Scenario) {
        let need = run_estimate(s, 1).total();
        if self.needs_less_than(need) {
            self.largest = Some((need, s.clone()));
        }
        self.points += 1;
        let mut own = 0.0;
        for w in &s.workloads {
            if let ArrivalProcess::Trace { trace, .. } = &w.arrival {
                own += trace.runs().len() as f64 * TRACE_RUN_BYTES;
            }
            if let DurationDist::Empirical { values } = &w.duration {
                // Held by the points' cache of data files as well as by
                // this point: one copy for the whole sweep.
                if Arc::strong_count(values) > 1 {
                    self.share(values);
                } else {
                    own += values.values().len() as f64 * Recorded::BYTES_PER_VALUE as f64;
                }
            }
        }
        self.own_data = self.own_data.max(own);
    }

    /// Joins what was gathered from later points.
    pub fn join(mut self, later: SweepMemory) -> SweepMemory {
        if let Some((need, s)) = later.largest
            && self.needs_less_than(need)
        {
            self.largest = Some((need, s));
        }
        self.points += later.points;
        self.own_data = self.own_data.max(later.own_data);
        for v in &later.shared {
            self.share(v);
        }
        self
    }

    /// Whether the largest point so far needs less than `need` (or there
    /// is none).
    fn needs_less_than(&self, need: f64) -> bool {
        self.largest.as_ref().is_none_or(|(most, _)| need > *most)
    }

    /// Counts `values` once among the shared run times.
    fn share(&mut self, values: &Arc<Recorded>) {
        if !self.shared.iter().any(|v| Arc::ptr_eq(v, values)) {
            self.shared.push(values.clone());
        }
    }

    /// Peak memory of a sweep or plan of the points added, each run up to
    /// `replications` times (or its own count, when larger), `held` of them
    /// built and their replications kept at once (a sweep's chunk, one
    /// point for plan), `threads` replications in flight.
    pub fn estimate(&self, held: usize, replications: u32, threads: usize) -> MemoryEstimate {
        let mut est = MemoryEstimate::default();
        let Some((_, largest)) = &self.largest else {
            return est;
        };
        let mut point = largest.clone();
        point.simulation.replications = replications.max(point.simulation.replications);
        let held = held.min(self.points) as f64;
        let kept = held * f64::from(point.simulation.replications);
        let in_flight = (threads.max(1) as f64).min(kept);
        // A sweep's rows read no queue series: each is dropped as its
        // replication ends (`sweep::run_jobs`), nothing is folded.
        per_replication(&point, kept, in_flight, &mut est);
        est.push(
            format!(
                "data of the points held: {held} points x {}",
                bytes_text(self.own_data)
            ),
            held * self.own_data,
        );
        let values: usize = self.shared.iter().map(|v| v.values().len()).sum();
        let value = Recorded::BYTES_PER_VALUE;
        est.push(
            format!(
                "empirical run times: {values} values x {value} B (one copy, shared by the points)"
            ),
            values as f64 * value as f64,
        );
        est.of_process()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_in_binary_units() {
        assert_eq!(parse_bytes("4GiB"), Ok(4.0 * 1024.0 * 1024.0 * 1024.0));
        assert_eq!(parse_bytes("512 MiB"), Ok(512.0 * 1024.0 * 1024.0));
        assert_eq!(parse_bytes("1.5k"), Ok(1536.0));
        assert_eq!(parse_bytes("100"), Ok(100.0));
        assert_eq!(parse_bytes("lots"), Err(SizeError::NotASize("lots".into())));
        assert_eq!(
            parse_bytes("4 parsecs"),
            Err(SizeError::Unit("4 parsecs".into()))
        );
        assert_eq!(parse_bytes("0"), Err(SizeError::Range("0".into())));
        // Issue 28: 16EiB was an unknown unit while 10^23 bytes passed.
        assert_eq!(parse_bytes("16EiB"), Ok(2f64.powi(64)));
        assert_eq!(parse_bytes("2PiB"), Ok(2f64.powi(51)));
        let huge = "100000000000000000000000";
        assert_eq!(parse_bytes(huge), Err(SizeError::Range(huge.into())));
        assert_eq!(bytes_text(1536.0 * 1024.0 * 1024.0), "1.5 GiB");
    }

    /// The histogram grows by 8 KiB per doubling of its range: a day of
    /// microsecond ticks (8.64e10, 2^36.3) needs 27 buckets (2,048 x 2^26
    /// passes it), 28 halves of 1,024 counts.
    #[test]
    fn histogram_size_follows_its_range() {
        assert_eq!(histogram_bytes(2048.0), 2.0 * 1024.0 * 8.0);
        assert_eq!(histogram_bytes(86_400e6), 28.0 * 1024.0 * 8.0);
    }
}
