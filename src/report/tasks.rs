//! `tasks.csv`: one row per run, the one output that is not a summary. It
//! cannot be computed from the results afterwards, so it is a `Recorder`
//! that writes each run's row as the run ends, to a file per replication;
//! `write_tasks_csv` then joins the files in replication order, so the
//! bytes do not depend on the threads.
//!
//! Memory stays flat: a row leaves as soon as it is known. The log keeps
//! only the runs in progress (at most one per instance, plus the default
//! compute's) and the runs a scale-in preempted that have not finished,
//! never the finished ones.

use std::collections::BTreeMap;
use std::io::{self, Read, Write};

use chrono::SecondsFormat;

use crate::model::{Calendar, PoolId, Target, WorkloadId};
use crate::results::Recorder;
use crate::units::{SimDuration, SimTime};

/// The columns of `tasks.csv`.
const HEADER: [&str; 9] = [
    "replication",
    "workload",
    "pool",
    "arrival",
    "start",
    "end",
    "wait_s",
    "run_s",
    "outcome",
];

/// How a run ended, or where it was when the replication did.
#[derive(Debug, Clone, Copy)]
enum Outcome {
    Completed,
    TimedOut,
    /// Still waiting for its first start at the end.
    StillQueued,
    /// Still running its first start at the end.
    StillRunning,
    /// Stopped by a scale-in and not finished by the end (queued or
    /// running again).
    Requeued,
}

impl Outcome {
    fn word(self) -> &'static str {
        match self {
            Outcome::Completed => "completed",
            Outcome::TimedOut => "timed_out",
            Outcome::StillQueued => "still_queued",
            Outcome::StillRunning => "still_running",
            Outcome::Requeued => "requeued",
        }
    }
}

/// What the rows name and when they start: each workload's name and its
/// pool's (`default` for the default compute), the clock, the warm-up.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskLabels {
    /// Per workload, in the scenario's order: its name and its pool's.
    pub workloads: Vec<(String, String)>,
    /// Where simulated time 0 falls in the calendar.
    pub calendar: Calendar,
    /// The warm-up: runs that arrive in it have no row.
    pub warmup: SimDuration,
}

/// One replication's rows, written as the runs end. Runs that arrived in
/// the warm-up are left out, as they are of every statistic, so the rows
/// of a replication are the tasks that its summary counts, and their waits
/// those it averages (a preempted run's wait ends at its first start).
pub struct TaskLog<W: Write> {
    out: csv::Writer<W>,
    replication: String,
    window_start: SimTime,
    calendar: Calendar,
    /// Per workload: its name and its pool's.
    names: Vec<(String, String)>,
    /// Runs started and not ended, by (workload, arrival, start): how many.
    running: BTreeMap<(u32, SimTime, SimTime), u32>,
    /// Preempted runs not ended, by (workload, arrival): their first starts.
    requeued: BTreeMap<(u32, SimTime), Vec<SimTime>>,
    /// The first write error; the log writes nothing after it.
    error: Option<io::Error>,
}

impl<W: Write> TaskLog<W> {
    /// The log of replication `replication`, written to `out` (rows only:
    /// `write_tasks_csv` adds the header).
    pub fn new(labels: &TaskLabels, replication: u32, out: W) -> TaskLog<W> {
        TaskLog {
            out: csv::WriterBuilder::new()
                .has_headers(false)
                .from_writer(out),
            replication: replication.to_string(),
            window_start: SimTime(labels.warmup.0),
            calendar: labels.calendar,
            names: labels.workloads.clone(),
            running: BTreeMap::new(),
            requeued: BTreeMap::new(),
            error: None,
        }
    }

    fn time(&self, t: SimTime) -> String {
        self.calendar
            .datetime(t)
            .to_rfc3339_opts(SecondsFormat::Micros, true)
    }

    /// Writes a row: the run's first start (`None`: it never started),
    /// the end and the last run's length (`None`: not ended), and the
    /// instant its wait ended (its first start, or the end for a run still
    /// queued).
    fn row(
        &mut self,
        w: u32,
        arrived_at: SimTime,
        first_start: Option<SimTime>,
        end: Option<(SimTime, SimDuration)>,
        wait_until: SimTime,
        outcome: Outcome,
    ) {
        if self.error.is_some() {
            return;
        }
        let secs = |d: SimDuration| format!("{:.6}", d.as_secs_f64());
        let (name, pool) = &self.names[w as usize];
        let record = [
            self.replication.clone(),
            name.clone(),
            pool.clone(),
            self.time(arrived_at),
            first_start.map_or(String::new(), |t| self.time(t)),
            end.map_or(String::new(), |(t, _)| self.time(t)),
            secs(wait_until.saturating_since(arrived_at)),
            end.map_or(String::new(), |(_, run)| secs(run)),
            outcome.word().to_string(),
        ];
        if let Err(e) = self.out.write_record(&record) {
            self.error = Some(e.into());
        }
    }

    /// Writes the runs still in progress or preempted at the end, flushes,
    /// and returns the writer, or the first error.
    pub fn finish(mut self) -> io::Result<W> {
        for ((w, arrived_at, started_at), n) in std::mem::take(&mut self.running) {
            for _ in 0..n {
                self.row(
                    w,
                    arrived_at,
                    Some(started_at),
                    None,
                    started_at,
                    Outcome::StillRunning,
                );
            }
        }
        for ((w, arrived_at), starts) in std::mem::take(&mut self.requeued) {
            for first in starts {
                self.row(w, arrived_at, Some(first), None, first, Outcome::Requeued);
            }
        }
        if let Some(e) = self.error {
            return Err(e);
        }
        self.out.into_inner().map_err(|e| e.into_error())
    }
}

impl<W: Write> Recorder for TaskLog<W> {
    fn started(
        &mut self,
        w: WorkloadId,
        _target: Target,
        arrived_at: SimTime,
        at: SimTime,
        _run: SimDuration,
    ) {
        if arrived_at >= self.window_start {
            *self.running.entry((w.0, arrived_at, at)).or_default() += 1;
        }
    }

    fn finished(
        &mut self,
        w: WorkloadId,
        arrived_at: SimTime,
        started_at: SimTime,
        at: SimTime,
        timed_out: bool,
    ) {
        if arrived_at < self.window_start {
            return;
        }
        let first = if take(&mut self.running, (w.0, arrived_at, started_at)) {
            started_at
        } else {
            // A preempted run that ran again: its wait ended at its first
            // start. (Of several runs of a workload that arrived in one
            // tick and were all preempted, each takes one of their first
            // starts: the same set of waits.)
            let key = (w.0, arrived_at);
            let first = self.requeued.get_mut(&key).and_then(Vec::pop);
            if self.requeued.get(&key).is_some_and(Vec::is_empty) {
                self.requeued.remove(&key);
            }
            first.unwrap_or(started_at)
        };
        let outcome = if timed_out {
            Outcome::TimedOut
        } else {
            Outcome::Completed
        };
        // The run time is the last run's, as `run_mean_s` counts it.
        let run = at.saturating_since(started_at);
        self.row(
            w.0,
            arrived_at,
            Some(first),
            Some((at, run)),
            first,
            outcome,
        );
    }

    fn censored(&mut self, w: WorkloadId, arrived_at: SimTime, at: SimTime) {
        if arrived_at >= self.window_start {
            self.row(w.0, arrived_at, None, None, at, Outcome::StillQueued);
        }
    }

    fn preempted(
        &mut self,
        w: WorkloadId,
        arrived_at: SimTime,
        _p: PoolId,
        at: SimTime,
        lost: SimDuration,
    ) {
        // A first start moves from the running runs to the preempted ones;
        // a run preempted again has its first start there already.
        let started_at = SimTime(at.0.saturating_sub(lost.0));
        if take(&mut self.running, (w.0, arrived_at, started_at)) {
            self.requeued
                .entry((w.0, arrived_at))
                .or_default()
                .push(started_at);
        }
    }
}

/// Takes one run of `key` from `counts`; whether there was one.
fn take<K: Ord>(counts: &mut BTreeMap<K, u32>, key: K) -> bool {
    match counts.get_mut(&key) {
        Some(n) if *n > 1 => {
            *n -= 1;
            true
        }
        Some(_) => {
            counts.remove(&key);
            true
        }
        None => false,
    }
}

/// Writes `tasks.csv` to `out`: the header, then each replication's rows
/// (`parts`, in replication order), streamed.
pub fn write_tasks_csv(
    out: &mut dyn Write,
    parts: impl IntoIterator<Item = io::Result<impl Read>>,
) -> io::Result<()> {
    let mut header = csv::Writer::from_writer(Vec::new());
    header.write_record(HEADER)?;
    out.write_all(&header.into_inner().map_err(|e| e.into_error())?)?;
    for part in parts {
        io::copy(&mut part?, out)?;
    }
    Ok(())
}
