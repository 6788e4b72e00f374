//! Arrival processes (what a scenario describes) and arrival streams (their
//! state within one replication).

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use rand::RngExt;
use rand_distr::{Distribution, Exp1};

use super::BatchSize;
use super::firings::{CronFirings, FiringCursor};
use crate::engine::SimRng;
use crate::model::{Calendar, next_firing};
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
    /// A `Vec` behind the `Arc`, not a slice: turning the runs read into an
    /// `Arc<[_]>` copied them, twice the trace's memory at its peak.
    runs: Arc<Vec<TraceRun>>,
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
            runs: Arc::new(runs),
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
        /// Multipliers by hour of day, 0-23, on the calendar's wall clock.
        hourly: Box<[f64; 24]>,
        /// Multipliers by weekday, Monday first.
        weekly: Box<[f64; 7]>,
        /// Where hours and weekdays fall.
        calendar: Calendar,
    },
    /// `tasks` runs at every firing of a cron schedule.
    Cron {
        /// The schedule, on the calendar's wall clock.
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
/// `limit` (and extrapolating from those when the span holds more). Each
/// search is bounded by the span (see `next_firing`).
fn firings(schedule: &croner::Cron, calendar: &Calendar, span: SimDuration, limit: usize) -> f64 {
    let start = calendar.start();
    // Firings fall on whole seconds: a tick before the end excludes it.
    let end = calendar.datetime(SimTime(span.0.saturating_sub(1)));
    let mut n = 0usize;
    let mut from = (start, true);
    while let Some(t) = next_firing(schedule, from.0, from.1, end) {
        n += 1;
        if n == limit {
            let seen = (t - start).as_seconds_f64().max(1.0);
            return n as f64 * span.as_secs_f64() / seen;
        }
        from = (t, false);
    }
    n as f64
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

    /// How many wall-clock hours a profile's stream walks over `horizon`
    /// (0 for other processes): each is a look at the calendar, whether it
    /// brings runs or, at a zero multiplier, none.
    pub fn expected_hours(&self, horizon: SimDuration) -> f64 {
        match self {
            ArrivalProcess::Profile { .. } => horizon.as_secs_f64() / 3600.0,
            _ => 0.0,
        }
    }

    /// How many times a cron schedule fires over `horizon` (0 for other
    /// processes): each firing is an event, whether it brings runs or,
    /// at a tiny `rate_scale`, none.
    pub fn expected_firings(&self, horizon: SimDuration) -> f64 {
        match self {
            ArrivalProcess::Cron {
                schedule, calendar, ..
            } => firings(schedule, calendar, horizon, 100_000),
            _ => 0.0,
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

/// Draws that bring no run between two looks at the cancel flag within
/// one call (about a millisecond of calendar searches).
const CANCEL_CHECK_DRAWS: u32 = 1 << 10;

/// The runs of one cron firing not yet handed out. Their jittered times are
/// drawn one at a time in ascending order (sequential order statistics), so
/// a firing of any size costs a few words, however many runs it brings.
#[derive(Debug)]
struct Firing {
    /// Time of the run drawn last (the next to hand out).
    at: SimTime,
    /// Firings in the order they fired: breaks ties between firings.
    seq: u64,
    /// The firing time.
    base: SimTime,
    /// Runs still to draw after the one at `at`.
    left: u64,
    /// Where the run at `at` falls within the jitter, as a fraction.
    pos: f64,
}

impl Firing {
    /// Draws the next of the `left + 1` runs still pending (ascending), the
    /// smallest of them uniform on `[pos, 1)` of the jitter.
    fn draw(&mut self, jitter: SimDuration, rng: &mut SimRng) {
        let span = jitter.0;
        let offset = if span == 0 {
            0
        } else if self.left == 0 {
            // The last run is uniform over what remains; as an integer draw,
            // a firing of one run draws exactly as a single uniform offset.
            let from = ((self.pos * span as f64) as u64).min(span - 1);
            rng.random_range(from..span)
        } else {
            // The smallest of k uniforms on [pos, 1) is pos + (1 - pos) *
            // (1 - V^(1/k)) with V uniform on (0, 1]; expm1 keeps the
            // precision when k is large.
            let k = (self.left + 1) as f64;
            let v = 1.0 - rng.random::<f64>();
            self.pos += (1.0 - self.pos) * -(v.ln() / k).exp_m1();
            ((self.pos * span as f64) as u64).min(span - 1)
        };
        self.at = SimTime(self.base.0 + offset);
    }
}

impl PartialEq for Firing {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}

impl Eq for Firing {}

impl PartialOrd for Firing {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Firing {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.at, self.seq).cmp(&(other.at, other.seq))
    }
}

/// The state of a cron arrival: the next firing and the runs of firings
/// that are still jittering. A jitter longer than the gap between firings
/// makes firings overlap; their runs are merged in time order, so the
/// stream never hands out a time earlier than one it handed out before.
#[derive(Debug, Default)]
struct CronState {
    /// Where the firings are read.
    firings: FiringCursor,
    /// The next firing not yet opened, when searched and inside the horizon.
    next: Option<SimTime>,
    /// No firing is left before the horizon.
    done: bool,
    /// Firings with runs still pending, earliest next run first.
    open: BinaryHeap<Reverse<Firing>>,
    /// Firings opened so far.
    opened: u64,
}

/// The state of one workload's arrivals within one replication.
#[derive(Debug)]
pub struct ArrivalStream {
    rng: SimRng,
    /// Time of the last arrival or batch drawn.
    last: SimTime,
    /// The batch being handed out (burst, trace): `repeat` more copies of it.
    batch: Arrival,
    repeat: u64,
    /// Next trace run to replay.
    cursor: usize,
    cron: CronState,
    /// The end of the wall-clock hour the last profile arrival fell in, and
    /// the profile's rate (per second) until then.
    hour: (SimTime, f64),
    /// No arrival is drawn past this, which also bounds the work of sparse
    /// processes (a profile's quiet hours, cron firings that draw no task).
    horizon: SimTime,
}

impl ArrivalStream {
    /// A stream drawing from `rng` that ends at `horizon`.
    pub fn new(rng: SimRng, horizon: SimTime) -> ArrivalStream {
        ArrivalStream {
            rng,
            last: SimTime::ZERO,
            batch: Arrival::at(SimTime::ZERO),
            repeat: 0,
            cursor: 0,
            cron: CronState::default(),
            hour: (SimTime::ZERO, 0.0),
            horizon,
        }
    }

    /// The stream, reading a cron arrival's firings from `firings` (made
    /// once for every replication) instead of searching the calendar.
    pub fn with_firings(mut self, firings: &CronFirings) -> ArrivalStream {
        self.cron.firings = FiringCursor::new(firings);
        self
    }

    /// Inlined into its callers: a Poisson arrival is little more than
    /// this draw, and as a call its register saves and restores are a
    /// fifth of it.
    #[inline(always)]
    fn exp_gap(&mut self, per_second: f64) -> SimDuration {
        let e: f64 = Exp1.sample(&mut self.rng);
        SimDuration::from_secs_f64(e / per_second)
    }

    /// The next arrival of `process`, in time order (never earlier than the
    /// one before); `None` when there are no more before the horizon.
    /// Batches are handed out one run at a time, never held in memory.
    pub fn next(&mut self, process: &ArrivalProcess) -> Option<Arrival> {
        let at = self.next_or_stop(process, &AtomicBool::new(false))?;
        Some(Arrival {
            at,
            recorded: self.recorded(),
        })
    }

    /// The recorded run time of the arrival handed out last, and the vCPUs
    /// it was recorded on (traces only: only their batches carry one).
    pub fn recorded(&self) -> Option<(SimDuration, Option<u32>)> {
        self.batch.recorded
    }

    /// The time of `next`, giving up (`None`) when `cancel` is set (the
    /// arrival's recorded run time is `recorded`): one call may pass
    /// over many draws that bring no run (a minutely cron whose
    /// `rate_scale` leaves one run in a million firings, a trace scaled
    /// to nearly nothing), so it looks at the flag every
    /// `CANCEL_CHECK_DRAWS` of them, as the engine does between events.
    ///
    /// Inlined into the event loop for a Poisson process, the common one,
    /// and a time alone, in registers: an `Arrival` came back through
    /// memory, and reading it back at once stalled the loop (4% of a run of
    /// 10^6 tasks, perf). The other processes draw out of line.
    #[inline(always)]
    pub fn next_or_stop(
        &mut self,
        process: &ArrivalProcess,
        cancel: &AtomicBool,
    ) -> Option<SimTime> {
        match process {
            ArrivalProcess::Poisson { rate } => self.poisson(*rate),
            _ => self.next_drawn(process, cancel),
        }
        .map(|a| a.at)
    }

    /// The next arrival of a Poisson process at `rate`.
    #[inline(always)]
    fn poisson(&mut self, rate: Rate) -> Option<Arrival> {
        self.last = self.last + self.exp_gap(rate.as_per_second());
        self.inside(Arrival::at(self.last))
    }

    /// `arrival`, unless it falls past the horizon.
    #[inline(always)]
    fn inside(&self, arrival: Arrival) -> Option<Arrival> {
        Some(arrival).filter(|a| a.at <= self.horizon)
    }

    /// `next_or_stop`, out of line.
    #[inline(never)]
    fn next_drawn(&mut self, process: &ArrivalProcess, cancel: &AtomicBool) -> Option<Arrival> {
        let mut empty = 0u32;
        let mut stop = || {
            empty = empty.wrapping_add(1);
            empty.is_multiple_of(CANCEL_CHECK_DRAWS) && cancel.load(Ordering::Relaxed)
        };
        let next = match process {
            // `next_or_stop` draws these inline; the same draw here keeps
            // this a complete `next` of its own.
            ArrivalProcess::Poisson { rate } => return self.poisson(*rate),
            ArrivalProcess::Profile {
                rate,
                hourly,
                weekly,
                calendar,
            } => {
                let rate_at =
                    |(day, hour): (usize, usize)| rate.as_per_second() * hourly[hour] * weekly[day];
                self.next_profile(calendar, rate_at, &mut stop)?
            }
            ArrivalProcess::Cron {
                schedule,
                tasks,
                jitter,
                calendar,
            } => self.next_cron(schedule, *tasks, *jitter, calendar, &mut stop)?,
            ArrivalProcess::Burst { rate, size } => {
                if self.repeat == 0 {
                    self.last = self.last + self.exp_gap(rate.as_per_second());
                    self.repeat = u64::from(size.sample(&mut self.rng));
                    self.batch = Arrival::at(self.last);
                }
                self.repeat -= 1;
                self.batch
            }
            ArrivalProcess::Trace { trace, scale } => {
                while self.repeat == 0 {
                    if stop() {
                        return None;
                    }
                    let run = *trace.runs.get(self.cursor)?;
                    self.cursor += 1;
                    let recorded = match run.duration {
                        Some(d) => (d, run.cpu),
                        None => {
                            // A run that never ran: assume it would have run
                            // like a random recorded run of the same trace.
                            let pick = trace.timed[self.rng.random_range(0..trace.timed.len())];
                            let r = trace.runs[pick as usize];
                            (r.duration.unwrap_or_default(), r.cpu)
                        }
                    };
                    self.repeat = scaled_count(*scale, &mut self.rng);
                    self.batch = Arrival {
                        at: run.at,
                        recorded: Some(recorded),
                    };
                }
                self.repeat -= 1;
                self.batch
            }
        };
        self.inside(next)
    }

    /// The next arrival of a profile whose rate at a wall-clock `(weekday,
    /// hour)` is `rate_at`, by inverting its cumulative rate: an Exp(1) of
    /// cumulative hazard is spent hour by hour from the last arrival on,
    /// and the arrival falls where it runs out. The rate is constant within
    /// each stretch `Calendar::wall_hour` gives (an hour, or a second where
    /// the zone's offset changes), so each costs one step, and hours at rate
    /// 0 are passed over at that cost. `None` past the horizon.
    fn next_profile(
        &mut self,
        calendar: &Calendar,
        rate_at: impl Fn((usize, usize)) -> f64,
        stop: &mut impl FnMut() -> bool,
    ) -> Option<Arrival> {
        let mut hazard: f64 = Exp1.sample(&mut self.rng);
        let mut t = self.last;
        loop {
            if t >= self.hour.0 {
                if t > self.horizon || stop() {
                    return None;
                }
                let (_, end, weekday_hour) = calendar.wall_hour(t);
                self.hour = (end, rate_at(weekday_hour));
            }
            let (end, per_second) = self.hour;
            if per_second > 0.0 {
                let gap = SimDuration::from_secs_f64(hazard / per_second);
                if gap.0 < end.0 - t.0 {
                    self.last = t + gap;
                    return Some(Arrival::at(self.last));
                }
                hazard = (hazard - per_second * SimDuration(end.0 - t.0).as_secs_f64()).max(0.0);
            }
            t = end;
        }
    }

    /// The next run of a cron arrival: the earliest pending run of the open
    /// firings, unless the next firing comes first (its runs arrive at or
    /// after it), in which case that firing is opened.
    fn next_cron(
        &mut self,
        schedule: &croner::Cron,
        tasks: f64,
        jitter: SimDuration,
        calendar: &Calendar,
        stop: &mut impl FnMut() -> bool,
    ) -> Option<Arrival> {
        let cron = &mut self.cron;
        loop {
            if stop() {
                return None;
            }
            if cron.next.is_none() && !cron.done {
                cron.next = cron.firings.next(schedule, calendar, self.horizon);
                cron.done = cron.next.is_none();
            }
            let head = cron.open.peek().map(|Reverse(f)| f.at);
            if head.is_some_and(|at| cron.next.is_none_or(|n| at <= n))
                && let Some(Reverse(mut firing)) = cron.open.pop()
            {
                let at = firing.at;
                if firing.left > 0 {
                    firing.left -= 1;
                    firing.draw(jitter, &mut self.rng);
                    cron.open.push(Reverse(firing));
                }
                return Some(Arrival::at(at));
            }
            // No run is pending before the next firing: open it (or end).
            let base = cron.next.take()?;
            let n = scaled_count(tasks, &mut self.rng);
            if n > 0 {
                let mut firing = Firing {
                    at: base,
                    seq: cron.opened,
                    base,
                    left: n - 1,
                    pos: 0.0,
                };
                firing.draw(jitter, &mut self.rng);
                cron.open.push(Reverse(firing));
            }
            cron.opened += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::stream_rng;
    use crate::text::parse_cron;
    use chrono_tz::Tz;

    const DAY: u64 = 86_400;

    fn cron(schedule: &str, tasks: f64, jitter_s: u64) -> ArrivalProcess {
        ArrivalProcess::Cron {
            schedule: Box::new(parse_cron(schedule).unwrap()),
            tasks,
            jitter: SimDuration::from_secs(jitter_s),
            calendar: Calendar::new(Calendar::default_start(Tz::UTC), Tz::UTC),
        }
    }

    /// Every arrival of `process` over `horizon_s`, checking that time never
    /// runs backwards.
    fn times(process: &ArrivalProcess, horizon_s: u64) -> Vec<SimTime> {
        let horizon = SimTime(SimDuration::from_secs(horizon_s).0);
        let mut stream = ArrivalStream::new(stream_rng(7, 0, 0), horizon);
        let mut out: Vec<SimTime> = Vec::new();
        while let Some(a) = stream.next(process) {
            assert!(out.last().is_none_or(|l| *l <= a.at), "time ran backwards");
            assert!(a.at <= horizon);
            out.push(a.at);
        }
        out
    }

    /// Firings whose jitter overlaps the next firings are merged in time
    /// order, and every run inside the horizon arrives: five-minutely with a
    /// 30-minute jitter over a day is 289 firings (00:00 to 24:00) of 3 runs;
    /// a run of the firing k x 5 minutes before the end arrives inside with
    /// probability k / 6, so on average 3 x 3.5 = 10.5 runs are lost.
    #[test]
    fn cron_jitter_longer_than_the_gap_stays_in_time_order() {
        let t = times(&cron("*/5 * * * *", 3.0, 1800), DAY);
        let expected = 289.0 * 3.0 - 10.5;
        // Standard deviation 1.7.
        assert!(
            (t.len() as f64 - expected).abs() < 8.0,
            "{} runs, expected about {expected}",
            t.len()
        );
    }

    /// Runs jittered past the horizon do not end the stream: the later
    /// firings' runs inside it still arrive. Monthly with a 60-day jitter
    /// over 100 days from 6 January: the firings of 1 February (day 26),
    /// 1 March (day 54) and 1 April (day 85) bring 1,000 x (1 + 46/60 +
    /// 15/60) = 2,017 runs inside the horizon on average.
    #[test]
    fn cron_runs_past_the_horizon_do_not_end_the_stream() {
        let t = times(&cron("0 0 1 * *", 1000.0, 60 * DAY), 100 * DAY);
        let expected = 1000.0 * (1.0 + 46.0 / 60.0 + 15.0 / 60.0);
        // Binomial standard deviation about 19.
        assert!((t.len() as f64 - expected).abs() < 80.0, "{} runs", t.len());
        let after_day_86 = t
            .iter()
            .filter(|x| x.0 > SimDuration::from_secs(86 * DAY).0)
            .count();
        assert!(after_day_86 > 300, "the April firing's runs are missing");
    }

    /// The sequential order statistics are uniform over the jitter: a
    /// firing of 100,000 runs over 1,000 s puts a tenth in each tenth.
    #[test]
    fn cron_jittered_runs_are_uniform() {
        let t = times(&cron("0 12 * * *", 100_000.0, 1000), DAY);
        assert_eq!(t.len(), 100_000);
        let noon = SimDuration::from_secs(12 * 3600).0;
        let mut deciles = [0u32; 10];
        for x in &t {
            deciles[((x.0 - noon) / SimDuration::from_secs(100).0) as usize] += 1;
        }
        // Each decile is binomial(100,000, 0.1): standard deviation 95.
        assert!(
            deciles.iter().all(|d| d.abs_diff(10_000) < 400),
            "{deciles:?}"
        );
    }

    /// Profile arrivals per wall-clock hour of the week match the profile:
    /// 13 weeks from 6 January in Berlin (the clock goes forward on 30
    /// March), a rate that differs from each hour to the next and is 0 at
    /// 03:00 and on Sundays. The expected count of each hour of the week is
    /// its rate times the time the clock shows it (tallied by the minute,
    /// independently of the stream's hour stretches); hours at rate 0 get
    /// no run, and the others pass a chi-square test at the 0.999 quantile
    /// of their degrees of freedom (Wilson-Hilferty). A rate read one hour
    /// off, or kept across the end of its hour, fails by thousands.
    #[test]
    fn profile_counts_per_hour_match_the_profile() {
        let zone: Tz = "Europe/Berlin".parse().unwrap();
        let calendar = Calendar::new(Calendar::default_start(zone), zone);
        let hourly: [f64; 24] =
            std::array::from_fn(|h| if h == 3 { 0.0 } else { (h % 5 + 1) as f64 });
        let weekly = [1.0, 0.5, 2.0, 1.0, 1.5, 0.25, 0.0];
        let rate = Rate::per_second(20.0 / 3600.0);
        let process = ArrivalProcess::Profile {
            rate,
            hourly: Box::new(hourly),
            weekly: Box::new(weekly),
            calendar,
        };
        let horizon_s = 13 * 7 * DAY;
        let mut observed = [[0u64; 24]; 7];
        for t in times(&process, horizon_s) {
            let (d, h) = calendar.weekday_hour(t);
            observed[d][h] += 1;
        }
        let mut expected = [[0.0f64; 24]; 7];
        for minute in 0..horizon_s / 60 {
            let (d, h) = calendar.weekday_hour(SimTime(SimDuration::from_secs(minute * 60).0));
            expected[d][h] += rate.as_per_second() * 60.0 * hourly[h] * weekly[d];
        }
        let (mut chi2, mut cells) = (0.0, 0.0f64);
        for (d, h) in (0..7).flat_map(|d| (0..24).map(move |h| (d, h))) {
            let (o, e) = (observed[d][h] as f64, expected[d][h]);
            if e == 0.0 {
                assert_eq!(o, 0.0, "runs at {d} {h}:00, whose rate is 0");
            } else {
                chi2 += (o - e) * (o - e) / e;
                cells += 1.0;
            }
        }
        // Wilson-Hilferty: the 0.999 quantile of chi-square (z = 3.090).
        let k = cells;
        let q999 = k * (1.0 - 2.0 / (9.0 * k) + 3.090 * (2.0 / (9.0 * k)).sqrt()).powi(3);
        assert!(
            chi2 < q999,
            "chi-square {chi2:.1} over {k} hours, 0.999 quantile {q999:.1}"
        );
    }

    /// A firing of 2 x 10^8 runs is drawn one run at a time: the first
    /// thousand come at once, in order, without the batch being built.
    #[test]
    fn huge_batches_are_streamed() {
        let horizon = SimTime(SimDuration::from_secs(DAY).0);
        for process in [
            cron("0 12 * * *", 2e8, 3600),
            ArrivalProcess::Burst {
                rate: Rate::per_second(1e-4),
                size: BatchSize::geometric(2e8).unwrap(),
            },
            ArrivalProcess::Trace {
                trace: Trace::new(vec![TraceRun {
                    at: SimTime(1),
                    duration: Some(SimDuration::from_secs(60)),
                    cpu: None,
                    recorded_wait: None,
                }])
                .unwrap(),
                scale: 2e8,
            },
        ] {
            let mut stream = ArrivalStream::new(stream_rng(7, 0, 0), horizon);
            let first: Vec<SimTime> = (0..1000)
                .filter_map(|_| stream.next(&process))
                .map(|a| a.at)
                .collect();
            assert_eq!(first.len(), 1000, "{process:?}");
            assert!(first.windows(2).all(|w| w[0] <= w[1]));
        }
    }
}
