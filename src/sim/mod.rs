//! One replication: the domain's state transitions on top of the engine's
//! event queue. It reports through a `Recorder` and keeps no statistics of its
//! own; it never prints and never reads files.

mod event;
mod pool;
mod timetable;
mod workload_state;

use std::sync::atomic::{AtomicBool, Ordering};

use event::{Event, Task};
use pool::{Ended, PoolState};
pub use timetable::{TIMETABLE_MAX_ENTRIES, Timetable};
use timetable::{count_at, next_change};
use workload_state::WorkloadState;

use crate::engine::{EventQueue, Lane};
use crate::model::{PoolId, QueueObservation, Scaling, Target, TierKind, WorkloadId};
use crate::results::Recorder;
use crate::scenario::Scenario;
use crate::units::{SimDuration, SimTime};

/// Events between two looks at the cancel flag: a relaxed load is about a
/// nanosecond, and even slow events (a schedule's calendar search) then
/// leave Ctrl-C answered within milliseconds.
const CANCEL_CHECK_EVENTS: u64 = 1 << 10;

// The queue bound lives in the model, where the warnings read it too.
pub use crate::model::MAX_QUEUED;

/// Bytes a queued run takes (for the memory estimate).
pub const QUEUED_RUN_BYTES: usize = std::mem::size_of::<Task>();

/// vCPUs allocated per quota kind, against the limits.
struct QuotaState {
    used: [u32; 2],
    limit: [u32; 2],
}

fn kind_index(kind: TierKind) -> usize {
    match kind {
        TierKind::Standard => 0,
        TierKind::Isolated => 1,
    }
}

struct Replication<'a, R> {
    scenario: &'a Scenario,
    horizon: SimTime,
    queue: EventQueue<Event>,
    pools: Vec<PoolState>,
    workloads: Vec<WorkloadState>,
    quota: QuotaState,
    recorder: &'a mut R,
    /// Set to stop (Ctrl-C): looked at between events and while drawing.
    cancel: &'a AtomicBool,
    /// Scratch space for preempted runs (reused, no allocation per event).
    preempted: Vec<Ended>,
    /// Runs queued, all pools together (kept beside the queues: summing
    /// them per arrival would cost a pass over every pool).
    queued: usize,
    /// The queues together outgrew `MAX_QUEUED`.
    overflowed: bool,
    /// Each workload's pending arrival, in the event order.
    arrivals: Lane<WorkloadId>,
    /// The scenario's firings, made once for all its replications.
    timetable: &'a Timetable,
    /// By pool: the next count change of its schedule to read from the
    /// timetable.
    schedule_read: Vec<usize>,
}

/// Runs replication `replication` of `scenario`, reporting to `recorder`,
/// until the horizon or until `cancel` is set (the results are incomplete
/// then).
///
/// Arrivals stop at the horizon, and so does the run: runs still running
/// then are not completed (the recorder saw them arrive and start), and
/// runs still queued are reported as censored with their wait so far.
/// Returns the number of events it handled (for throughput figures).
pub fn run_replication<R: Recorder>(
    scenario: &Scenario,
    replication: u32,
    recorder: &mut R,
    cancel: &AtomicBool,
) -> u64 {
    run_timetabled(
        scenario,
        &Timetable::of(scenario),
        replication,
        recorder,
        cancel,
    )
}

/// `run_replication`, reading the firings of `timetable`, the scenario's
/// (made once for all its replications).
pub fn run_timetabled<R: Recorder>(
    scenario: &Scenario,
    timetable: &Timetable,
    replication: u32,
    recorder: &mut R,
    cancel: &AtomicBool,
) -> u64 {
    let spec = &scenario.simulation;
    let workloads = (0..scenario.workloads.len())
        .map(|i| WorkloadState::new(scenario, timetable, i, replication))
        .collect();
    let mut sim = Replication {
        scenario,
        horizon: SimTime(spec.horizon.0),
        queue: EventQueue::with_capacity(1024),
        pools: scenario
            .pools
            .iter()
            .map(|p| PoolState::new(p.tier.vcpu(), p.tier.kind()))
            .collect(),
        workloads,
        quota: QuotaState {
            used: [0, 0],
            limit: [scenario.quota.standard_vcpu, scenario.quota.isolated_vcpu],
        },
        recorder,
        cancel,
        preempted: Vec::new(),
        queued: 0,
        overflowed: false,
        arrivals: Lane::with_capacity(scenario.workloads.len()),
        timetable,
        schedule_read: vec![0; scenario.pools.len()],
    };
    if cancel.load(Ordering::Relaxed) {
        return 0;
    }
    sim.start();
    let mut events = 0u64;
    let mut end = sim.horizon;
    // Time never runs backwards: arrival streams hand out ascending times
    // and events are scheduled at or after the present.
    let mut last = SimTime(0);
    loop {
        // The earlier of the next queued event and the next arrival, ties
        // broken by insertion order as in one queue.
        let arrival = sim.arrivals.next_before(&mut sim.queue);
        let now = if let Some((now, w)) = arrival {
            if now > sim.horizon {
                break;
            }
            sim.on_arrival(now, w);
            now
        } else {
            let Some((now, event)) = sim.queue.pop() else {
                break;
            };
            if now > sim.horizon {
                break;
            }
            sim.handle(now, event);
            now
        };
        debug_assert!(now >= last, "time ran backwards: {last:?} then {now:?}");
        last = now;
        events += 1;
        if events.is_multiple_of(CANCEL_CHECK_EVENTS) && cancel.load(Ordering::Relaxed) {
            return events;
        }
        if sim.overflowed {
            sim.recorder.stopped(now);
            end = now;
            break;
        }
    }
    sim.censor_queued(end);
    events
}

impl<R: Recorder> Replication<'_, R> {
    fn start(&mut self) {
        let scenario = self.scenario;
        for (i, spec) in scenario.pools.iter().enumerate() {
            let id = PoolId(i as u32);
            let p = &mut self.pools[i];
            // The pool exists before the simulation starts: its initial
            // instances are ready at once (validation checked the quota).
            p.add_initial(spec.count);
            p.target = spec.count;
            p.last_change = Some(SimTime::ZERO);
            self.quota.used[kind_index(p.kind)] += spec.count * p.vcpu;
            self.recorder.pool_changed(id, SimTime::ZERO, p.levels());
            match &spec.scaling {
                Scaling::Fixed => {}
                Scaling::Schedule(_) => self.schedule_next(id, SimTime::ZERO, true),
                Scaling::Queue(_) => self.queue.push(SimTime::ZERO, Event::Poll(id)),
            }
        }
        for (i, (w, state)) in scenario
            .workloads
            .iter()
            .zip(&mut self.workloads)
            .enumerate()
        {
            if let Some(at) = state.schedule_next(w, self.cancel) {
                self.arrivals
                    .push(&mut self.queue, at, WorkloadId(i as u32));
            }
        }
        self.queue.push(SimTime::ZERO, Event::Sample);
    }

    /// Reports the runs still queued at `end` (their first wait not over;
    /// a preempted run's wait was counted when it first started).
    fn censor_queued(&mut self, end: SimTime) {
        for pool in &self.pools {
            for task in pool.queue.iter().filter(|t| !t.restarted) {
                self.recorder.censored(task.workload, task.arrived_at, end);
            }
        }
    }

    /// Forced into the event loop, with the handlers of a run's end and of
    /// an arrival (each once a run). A bench build (which unwinds) left
    /// this a call, its replication slower than the binary's.
    #[inline(always)]
    fn handle(&mut self, now: SimTime, event: Event) {
        match event {
            Event::PoolFinish {
                pool,
                slot,
                generation,
            } => self.on_pool_finish(now, pool, slot, generation),
            Event::DefaultFinish {
                workload,
                arrived_at,
                times_out,
            } => {
                self.recorder
                    .finished(workload, arrived_at, arrived_at, now, times_out);
            }
            Event::Ready {
                pool,
                slot,
                generation,
            } => {
                if self.pools[pool.0 as usize].ready(slot, generation) {
                    self.dispatch(pool, now);
                }
            }
            Event::ScaleIn { pool, count } => self.on_scale_in(now, pool, count),
            Event::Schedule(pool) => {
                let count = self.scheduled_count(pool, now);
                if let Some(count) = count {
                    self.set_count(pool, count, now);
                }
                self.schedule_next(pool, now, false);
            }
            Event::Poll(pool) => self.on_poll(now, pool),
            Event::Sample => {
                for (i, p) in self.pools.iter().enumerate() {
                    self.recorder.sampled(PoolId(i as u32), now, p.levels());
                }
                self.queue.push(
                    now + self.scenario.simulation.sample_interval,
                    Event::Sample,
                );
            }
        }
    }

    #[inline(always)]
    fn on_arrival(&mut self, now: SimTime, w: WorkloadId) {
        let spec = &self.scenario.workloads[w.0 as usize];
        let state = &mut self.workloads[w.0 as usize];
        let task = Task {
            workload: w,
            arrived_at: now,
            service: state.service(spec),
            times_out: false,
            restarted: false,
        };
        let next = state.schedule_next(spec, self.cancel);
        // The arrival just handled is the earliest: replaced by the
        // workload's next one (other events never move arrivals), or gone.
        self.arrivals
            .replace_next(&mut self.queue, next.map(|at| (at, w)));
        self.recorder.arrived(w, now);
        match spec.target {
            Target::DefaultCompute => {
                let run = task.service.min(spec.timeout);
                self.recorder
                    .started(w, Target::DefaultCompute, now, now, run);
                let times_out = task.service > spec.timeout;
                self.queue.push(
                    now + run,
                    Event::DefaultFinish {
                        workload: w,
                        arrived_at: now,
                        times_out,
                    },
                );
            }
            Target::Pool(p) => {
                let pool = &mut self.pools[p.0 as usize];
                if pool.queue.is_empty() && pool.has_idle() {
                    // What `dispatch` would do, without the trip through
                    // the queue: most runs of a pool with headroom.
                    self.start_run(p, task, now);
                    let levels = self.pools[p.0 as usize].levels();
                    self.recorder.pool_changed(p, now, levels);
                } else {
                    pool.queue.push_back(task);
                    self.queued += 1;
                    self.overflowed |= self.queued > MAX_QUEUED;
                    self.dispatch(p, now);
                }
            }
        }
    }

    /// Starts queued runs on idle instances, then reports the pool's levels.
    /// Inlined, as `start_run`: it runs once or twice per run.
    #[inline(always)]
    fn dispatch(&mut self, p: PoolId, now: SimTime) {
        while self.pools[p.0 as usize].has_idle()
            && let Some(task) = self.pools[p.0 as usize].queue.pop_front()
        {
            self.queued -= 1;
            self.start_run(p, task, now);
        }
        let levels = self.pools[p.0 as usize].levels();
        self.recorder.pool_changed(p, now, levels);
    }

    /// Starts `task` on an idle instance of pool `p` and schedules its end.
    /// Inlined into its two callers (once per run): the call's register
    /// saves cost more than the code it would share.
    #[inline(always)]
    fn start_run(&mut self, p: PoolId, task: Task, now: SimTime) {
        let spec = &self.scenario.pools[p.0 as usize];
        let timeout = self.scenario.workloads[task.workload.0 as usize].timeout;
        let started = self.pools[p.0 as usize].start(task, now, spec.cold_start, timeout);
        if !task.restarted {
            self.recorder.started(
                task.workload,
                Target::Pool(p),
                task.arrived_at,
                now,
                started.run,
            );
        }
        if let Some(extra) = started.cold {
            self.recorder.cold_started(p, now, extra);
        }
        self.queue.push(
            now + started.run,
            Event::PoolFinish {
                pool: p,
                slot: started.slot,
                generation: started.generation,
            },
        );
    }

    #[inline(always)]
    fn on_pool_finish(&mut self, now: SimTime, p: PoolId, slot: u32, generation: u32) {
        let pool = &mut self.pools[p.0 as usize];
        let before = pool.allocated();
        let Some(ended) = pool.finish(slot, generation) else {
            return; // preempted or released since: a stale event
        };
        // Only a draining instance leaves when its run ends: the quota's
        // update is skipped for the others (most runs).
        if pool.allocated() != before {
            self.release_quota(p, before);
        }
        let t = ended.task;
        self.recorder
            .finished(t.workload, t.arrived_at, ended.started_at, now, t.times_out);
        self.dispatch(p, now);
    }

    /// Returns the vCPUs of instances released since `before` to the quota.
    fn release_quota(&mut self, p: PoolId, before: u32) {
        let pool = &self.pools[p.0 as usize];
        let released = before - pool.allocated();
        self.quota.used[kind_index(pool.kind)] -= released * pool.vcpu;
    }

    fn on_scale_in(&mut self, now: SimTime, p: PoolId, count: u32) {
        let mode = self.scenario.pools[p.0 as usize].scale_in;
        let pool = &mut self.pools[p.0 as usize];
        let before = pool.allocated();
        // Whatever later scale-ups cancelled of this request is not removed.
        let count = count.min(pool.pending_scale_in);
        pool.pending_scale_in -= count;
        self.preempted.clear();
        pool.scale_in(count, mode, &mut self.preempted);
        // Back to the head of the queue, in their original order.
        for ended in self.preempted.iter().rev() {
            pool.queue.push_front(Task {
                restarted: true,
                ..ended.task
            });
        }
        self.queued += self.preempted.len();
        for ended in &self.preempted {
            self.recorder.preempted(
                ended.task.workload,
                ended.task.arrived_at,
                p,
                now,
                now.saturating_since(ended.started_at),
            );
        }
        self.release_quota(p, before);
        self.dispatch(p, now);
    }

    /// Requests count `want` for pool `p`: a scale-up allocates (and bills)
    /// at once, capped by the quota, and is ready after the provisioning
    /// delay; a scale-in takes effect after the delay.
    fn set_count(&mut self, p: PoolId, want: u32, now: SimTime) {
        let spec = &self.scenario.pools[p.0 as usize];
        let pool = &mut self.pools[p.0 as usize];
        if want == pool.target {
            return;
        }
        if want > pool.target {
            let mut asked = want - pool.target;
            // A later request supersedes a scale-in still in flight: those
            // instances simply stay (and stay billed).
            let mut kept = asked.min(pool.pending_scale_in);
            pool.pending_scale_in -= kept;
            asked -= kept;
            // Then instances draining away stay.
            let undrained = pool.undrain(asked);
            asked -= undrained;
            kept += undrained;
            pool.target += kept;
            let k = kind_index(pool.kind);
            let fits = (self.quota.limit[k].saturating_sub(self.quota.used[k])) / pool.vcpu;
            let granted = asked.min(fits);
            if asked > 0 {
                self.recorder.scaled_up(p, now, asked, granted);
            }
            for _ in 0..granted {
                let (slot, generation) = pool.allocate();
                self.queue.push(
                    now + spec.provisioning,
                    Event::Ready {
                        pool: p,
                        slot,
                        generation,
                    },
                );
            }
            self.quota.used[k] += granted * pool.vcpu;
            if granted + kept == 0 {
                return;
            }
            pool.target += granted;
        } else {
            let count = pool.target - want;
            pool.pending_scale_in += count;
            self.queue
                .push(now + spec.provisioning, Event::ScaleIn { pool: p, count });
            pool.target = want;
        }
        pool.last_change = Some(now);
        self.recorder.pool_changed(p, now, pool.levels());
    }

    fn on_poll(&mut self, now: SimTime, p: PoolId) {
        let Scaling::Queue(controller) = &self.scenario.pools[p.0 as usize].scaling else {
            return;
        };
        let pool = &self.pools[p.0 as usize];
        let levels = pool.levels();
        let seen = QueueObservation {
            queued: levels.queued,
            running: levels.busy,
            target: pool.target,
            oldest_wait: pool
                .queue
                .front()
                .map_or(SimDuration::ZERO, |t| now.saturating_since(t.arrived_at)),
            last_change: pool.last_change,
            now,
        };
        if let Some(want) = controller.decide(seen) {
            self.set_count(p, want, now);
        }
        self.queue.push(now + controller.poll, Event::Poll(p));
    }

    /// Schedules pool `p`'s next schedule event: the earliest firing of any
    /// of its rules after `now` (at `now` itself when `inclusive`), read
    /// from the timetable while it lasts.
    fn schedule_next(&mut self, p: PoolId, now: SimTime, inclusive: bool) {
        let i = p.0 as usize;
        let Scaling::Schedule(rules) = &self.scenario.pools[i].scaling else {
            return;
        };
        let next = match &self.timetable.schedules[i] {
            Some(t) if self.schedule_read[i] < t.changes.len() => {
                Some(t.changes[self.schedule_read[i]].0)
            }
            Some(t) if t.complete => None,
            _ => next_change(
                rules,
                &self.scenario.simulation.calendar,
                now,
                inclusive,
                self.horizon,
            ),
        };
        if let Some(at) = next {
            self.queue.push(at, Event::Schedule(p));
        }
    }

    /// The count a schedule sets at `now` (its schedule event, due now),
    /// read from the timetable while it lasts.
    fn scheduled_count(&mut self, p: PoolId, now: SimTime) -> Option<u32> {
        let i = p.0 as usize;
        let Scaling::Schedule(rules) = &self.scenario.pools[i].scaling else {
            return None;
        };
        let read = self.schedule_read[i];
        if let Some(&(at, count)) = self.timetable.schedules[i]
            .as_ref()
            .and_then(|t| t.changes.get(read))
        {
            debug_assert_eq!(at, now, "schedule events come in the timetable's order");
            self.schedule_read[i] = read + 1;
            return count;
        }
        count_at(rules, &self.scenario.simulation.calendar, now)
    }
}
