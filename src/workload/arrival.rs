//! Arrival processes (what a scenario describes) and arrival streams (their
//! state within one replication).

use std::collections::VecDeque;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use rand::RngExt;
use rand_distr::{Distribution, Exp1};

use super::{BatchSize, Calendar};
use crate::engine::SimRng;
use crate::units::{Rate, SimDuration, SimTime};

/// One recorded run of a trace, placed on the simulation clock.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TraceRun {
    /// When the run was queued.
    pub at: SimTime,
    /// How long it ran, when it ran (`None` for runs that never started or
    /// never finished).
    pub duration: Option<SimDuration>,
    /// vCPUs it ran on, when known.
    pub cpu: Option<u32>,
    /// How long it waited in the recorded system, when known.
    pub recorded_wait: Option<SimDuration>,
}

/// A replayable trace: runs sorted by arrival time.
#[derive(Debug, Clone, PartialEq)]
pub struct Trace {
    runs: Arc<[TraceRun]>,
    /// Indices of the runs that have a duration, to resample from.
    timed: Arc<[u32]>,
}

impl Trace {
    /// A trace of `runs` (sorted here); `None` when no run has a duration
    /// to replay or resample.
    pub fn new(mut runs: Vec<TraceRun>) -> Option<Trace> {
        runs.sort_by_key(|r| r.at);
        let timed: Vec<u32> = (0..runs.len() as u32)
            .filter(|&i| runs[i as usize].duration.is_some())
            .collect();
        (!timed.is_empty()).then(|| Trace {
            runs: runs.into(),
            timed: timed.into(),
        })
    }

    /// The runs, in arrival order.
    pub fn runs(&self) -> &[TraceRun] {
        &self.runs
    }
}

/// When a workload's runs arrive.
#[derive(Debug, Clone, PartialEq)]
pub enum ArrivalProcess {
    /// A homogeneous Poisson process.
    Poisson {
        /// Mean arrivals per unit time (`rate_scale` applied).
        rate: Rate,
    },
    /// A non-homogeneous Poisson process: `rate × hourly[hour] × weekly[day]`.
    Profile {
        /// Base rate (`rate_scale` applied).
        rate: Rate,
        /// Multipliers by hour of day, 0-23 (UTC).
        hourly: Box<[f64; 24]>,
        /// Multipliers by weekday, Monday first.
        weekly: Box<[f64; 7]>,
        /// Where hours and weekdays fall.
        calendar: Calendar,
    },
    /// `tasks` runs at every firing of a cron schedule.
    Cron {
        /// The schedule (UTC).
        schedule: Box<croner::Cron>,
        /// Runs per firing (`rate_scale` applied; fractions are randomised).
        tasks: f64,
        /// Each run arrives uniformly within this after the firing.
        jitter: SimDuration,
        /// Where firings fall.
        calendar: Calendar,
    },
    /// Batches arriving as a Poisson process.
    Burst {
        /// Batches per unit time (`rate_scale` applied).
        rate: Rate,
        /// Runs per batch.
        size: BatchSize,
    },
    /// Replay of recorded runs.
    Trace {
        /// The runs.
        trace: Trace,
        /// Copies of each recorded run (`rate_scale`; fractions randomised).
        scale: f64,
    },
}

/// The mean over the week of `rate × hourly × weekly`, per second.
fn profile_mean(rate: Rate, hourly: &[f64; 24], weekly: &[f64; 7]) -> f64 {
    rate.as_per_second() * hourly.iter().sum::<f64>() / 24.0 * weekly.iter().sum::<f64>() / 7.0
}

/// Firings of `schedule` in `[start, start + span)`, counting at most
/// `limit` (and extrapolating from those when the span holds more).
fn firings(schedule: &croner::Cron, calendar: &Calendar, span: SimDuration, limit: usize) -> f64 {
    let start = calendar.start();
    let end = calendar.datetime(SimTime(span.0));
    let mut n = 0usize;
    let mut last = start;
    for t in schedule.iter_from(start, croner::Direction::Forward) {
        if t >= end {
            return n as f64;
        }
        n += 1;
        last = t;
        if n == limit {
            break;
        }
    }
    let seen = (last - start).as_seconds_f64().max(1.0);
    n as f64 * span.as_secs_f64() / seen
}

impl ArrivalProcess {
    /// How many runs the process brings over `horizon`, on average: what
    /// bounds the work of a replication.
    pub fn expected_runs(&self, horizon: SimDuration) -> f64 {
        match self {
            ArrivalProcess::Cron {
                schedule,
                tasks,
                calendar,
                ..
            } => firings(schedule, calendar, horizon, 100_000) * tasks,
            ArrivalProcess::Trace { trace, scale } => trace.runs().len() as f64 * scale,
            _ => self.mean_rate().as_per_second() * horizon.as_secs_f64(),
        }
    }

    /// Long-run mean arrivals per second (for a trace: over its recorded span).
    pub fn mean_rate(&self) -> Rate {
        let per_s = match self {
            ArrivalProcess::Poisson { rate } => rate.as_per_second(),
            ArrivalProcess::Profile {
                rate,
                hourly,
                weekly,
                ..
            } => profile_mean(*rate, hourly, weekly),
            ArrivalProcess::Cron {
                schedule,
                tasks,
                calendar,
                ..
            } => {
                // Four weeks: exact for daily and weekly schedules.
                let span = SimDuration::from_secs(28 * 86_400);
                firings(schedule, calendar, span, 100_000) * tasks / span.as_secs_f64()
            }
            ArrivalProcess::Burst { rate, size } => rate.as_per_second() * size.mean(),
            ArrivalProcess::Trace { trace, scale } => {
                let runs = trace.runs();
                let span = runs.last().map_or(0, |l| l.at.0) - runs.first().map_or(0, |f| f.at.0);
                if span == 0 {
                    0.0
                } else {
                    runs.len() as f64 * scale / SimDuration(span).as_secs_f64()
                }
            }
        };
        Rate::per_second(per_s)
    }

    /// Whether the process brings its own run times (a trace).
    pub fn has_durations(&self) -> bool {
        matches!(self, ArrivalProcess::Trace { .. })
    }
}

/// One arrival.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Arrival {
    /// When it arrives.
    pub at: SimTime,
    /// A recorded run time and the vCPUs it was recorded on (traces only).
    pub recorded: Option<(SimDuration, Option<u32>)>,
}

impl Arrival {
    fn at(at: SimTime) -> Arrival {
        Arrival { at, recorded: None }
    }
}

/// `n × scale` as a whole number, rounding the fraction at random so that
/// the mean is exact.
fn scaled_count(n: f64, rng: &mut SimRng) -> u64 {
    let whole = n.floor();
    whole as u64 + u64::from(rng.random_bool((n - whole).clamp(0.0, 1.0)))
}

/// The state of one workload's arrivals within one replication.
#[derive(Debug)]
pub struct ArrivalStream {
    rng: SimRng,
    /// Time of the last arrival, batch or firing drawn.
    last: SimTime,
    /// Arrivals drawn but not yet handed out, in time order.
    pending: VecDeque<Arrival>,
    /// Next trace run to replay.
    cursor: usize,
    /// Last cron firing.
    fired: Option<DateTime<Utc>>,
    /// No arrival is drawn past this, which also bounds the work of sparse
    /// processes (thinning, cron firings that draw no task).
    horizon: SimTime,
}

impl ArrivalStream {
    /// A stream drawing from `rng` that ends at `horizon`.
    pub fn new(rng: SimRng, horizon: SimTime) -> ArrivalStream {
        ArrivalStream {
            rng,
            last: SimTime::ZERO,
            pending: VecDeque::new(),
            cursor: 0,
            fired: None,
            horizon,
        }
    }

    /// The next arrival of a Poisson process at `rate`.
    fn poisson(&mut self, rate: Rate) -> Arrival {
        self.last = self.last + self.exp_gap(rate.as_per_second());
        Arrival::at(self.last)
    }

    fn exp_gap(&mut self, per_second: f64) -> SimDuration {
        let e: f64 = Exp1.sample(&mut self.rng);
        SimDuration::from_secs_f64(e / per_second)
    }

    /// The next arrival of `process`, in time order; `None` when there are
    /// no more before the horizon.
    pub fn next(&mut self, process: &ArrivalProcess) -> Option<Arrival> {
        if let ArrivalProcess::Poisson { rate } = process {
            // The common case, without the batch buffer.
            return Some(self.poisson(*rate)).filter(|a| a.at <= self.horizon);
        }
        while self.pending.is_empty() {
            if self.last > self.horizon {
                return None;
            }
            self.refill(process)?;
        }
        self.pending.pop_front().filter(|a| a.at <= self.horizon)
    }

    /// Draws the next arrival, batch or firing into `pending`; `None` when
    /// the process has ended.
    fn refill(&mut self, process: &ArrivalProcess) -> Option<()> {
        match process {
            ArrivalProcess::Poisson { rate } => {
                let next = self.poisson(*rate);
                self.pending.push_back(next);
            }
            ArrivalProcess::Profile {
                rate,
                hourly,
                weekly,
                calendar,
            } => {
                // Thinning (Lewis & Shedler): candidates at the peak rate,
                // each kept with probability rate(t) / peak.
                let max = |xs: &[f64]| xs.iter().copied().fold(0.0, f64::max);
                let peak = rate.as_per_second() * max(&hourly[..]) * max(&weekly[..]);
                if peak <= 0.0 {
                    return None;
                }
                while self.last <= self.horizon {
                    self.last = self.last + self.exp_gap(peak);
                    let (day, hour) = calendar.weekday_hour(self.last);
                    let here = rate.as_per_second() * hourly[hour] * weekly[day];
                    if self.rng.random::<f64>() * peak < here {
                        break;
                    }
                }
                self.pending.push_back(Arrival::at(self.last));
            }
            ArrivalProcess::Cron {
                schedule,
                tasks,
                jitter,
                calendar,
            } => {
                let firing = match self.fired {
                    None => schedule.find_next_occurrence(&calendar.start(), true),
                    Some(prev) => schedule.find_next_occurrence(&prev, false),
                }
                .ok()?;
                self.fired = Some(firing);
                let base = calendar.sim_time(firing)?;
                self.last = base;
                let n = scaled_count(*tasks, &mut self.rng);
                let mut batch: Vec<SimTime> = (0..n)
                    .map(|_| {
                        let offset = if jitter.0 == 0 {
                            0
                        } else {
                            self.rng.random_range(0..jitter.0)
                        };
                        SimTime(base.0 + offset)
                    })
                    .collect();
                batch.sort_unstable();
                self.pending.extend(batch.into_iter().map(Arrival::at));
            }
            ArrivalProcess::Burst { rate, size } => {
                self.last = self.last + self.exp_gap(rate.as_per_second());
                let n = size.sample(&mut self.rng);
                self.pending.extend((0..n).map(|_| Arrival::at(self.last)));
            }
            ArrivalProcess::Trace { trace, scale } => {
                let run = *trace.runs.get(self.cursor)?;
                self.cursor += 1;
                self.last = run.at;
                let recorded = match run.duration {
                    Some(d) => (d, run.cpu),
                    None => {
                        // A run that never ran: assume it would have run like
                        // a random recorded run of the same trace.
                        let pick = trace.timed[self.rng.random_range(0..trace.timed.len())];
                        let r = trace.runs[pick as usize];
                        (r.duration.unwrap_or_default(), r.cpu)
                    }
                };
                let copies = scaled_count(*scale, &mut self.rng);
                self.pending.extend((0..copies).map(|_| Arrival {
                    at: run.at,
                    recorded: Some(recorded),
                }));
            }
        }
        Some(())
    }
}
