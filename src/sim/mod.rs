//! One replication: the domain's state transitions on top of the engine's
//! event queue. It reports through a `Recorder` and keeps no statistics of its
//! own; it never prints and never reads files.

mod event;

use std::collections::VecDeque;

use event::{Event, Task};

use crate::engine::{EventQueue, SimRng, stream_rng};
use crate::model::{PoolId, Target};
use crate::scenario::Scenario;
use crate::stats::{PoolLevels, Recorder};
use crate::units::{SimDuration, SimTime};
use crate::workload::{Arrival, ArrivalStream, WorkloadId, WorkloadSpec};

/// Random streams per workload: arrivals and run times are independent, so a
/// change of one workload's rate leaves the others' draws untouched.
const STREAMS_PER_WORKLOAD: u64 = 2;

struct PoolState {
    instances: u32,
    busy: u32,
    queue: VecDeque<Task>,
}

impl PoolState {
    fn levels(&self) -> PoolLevels {
        PoolLevels {
            queued: self.queue.len() as u32,
            busy: self.busy,
            allocated: self.instances,
        }
    }
}

struct WorkloadState {
    arrivals: ArrivalStream,
    /// The arrival already scheduled as this workload's `Arrival` event.
    next: Option<Arrival>,
    durations: SimRng,
    /// Amdahl factor of the workload's target tier.
    runtime_factor: f64,
}

impl WorkloadState {
    /// Draws the next arrival and schedules it.
    fn schedule_next(
        &mut self,
        spec: &WorkloadSpec,
        id: WorkloadId,
        queue: &mut EventQueue<Event>,
    ) {
        self.next = self.arrivals.next(&spec.arrival);
        if let Some(a) = self.next {
            queue.push(a.at, Event::Arrival(id));
        }
    }

    /// The run time of `arrival` on this workload's target: a recorded run
    /// time rescaled from the vCPUs it was recorded on, or a fresh draw.
    fn service(&mut self, spec: &WorkloadSpec, arrival: Arrival) -> SimDuration {
        let (reference, factor) = match arrival.recorded {
            Some((recorded, cpu)) => {
                let rescale = spec
                    .recorded_cpu
                    .or(cpu)
                    .map_or(1.0, |c| self.runtime_factor / spec.runtime_factor(c));
                (recorded, rescale)
            }
            None => (
                spec.duration.sample(&mut self.durations),
                self.runtime_factor,
            ),
        };
        SimDuration::from_secs_f64(reference.as_secs_f64() * factor)
    }
}

/// Runs replication `replication` of `scenario`, reporting to `recorder`.
///
/// Arrivals stop at the horizon, and so does the run: tasks still queued or
/// running then are not completed (the recorder saw them arrive and start).
pub fn run_replication<R: Recorder>(scenario: &Scenario, replication: u32, recorder: &mut R) {
    let spec = &scenario.simulation;
    let horizon = SimTime(spec.horizon.0);
    let mut queue = EventQueue::with_capacity(1024);
    let mut pools: Vec<PoolState> = scenario
        .pools
        .iter()
        .map(|p| PoolState {
            instances: p.count,
            busy: 0,
            queue: VecDeque::new(),
        })
        .collect();
    let mut workloads: Vec<WorkloadState> = scenario
        .workloads
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let stream = i as u64 * STREAMS_PER_WORKLOAD;
            let cpu = match w.target {
                Target::Pool(p) => scenario.pools[p.0 as usize].tier.vcpu(),
                Target::DefaultCompute => scenario.prices.default_compute.vcpu,
            };
            WorkloadState {
                arrivals: ArrivalStream::new(
                    stream_rng(spec.seed, u64::from(replication), stream),
                    horizon,
                ),
                next: None,
                durations: stream_rng(spec.seed, u64::from(replication), stream + 1),
                runtime_factor: w.runtime_factor(cpu),
            }
        })
        .collect();

    for (i, p) in pools.iter().enumerate() {
        recorder.pool_changed(PoolId(i as u32), SimTime::ZERO, p.levels());
    }
    for (i, (w, state)) in scenario.workloads.iter().zip(&mut workloads).enumerate() {
        state.schedule_next(w, WorkloadId(i as u32), &mut queue);
    }
    queue.push(SimTime::ZERO, Event::Sample);

    let start = |queue: &mut EventQueue<Event>,
                 target: Target,
                 task: Task,
                 now: SimTime,
                 recorder: &mut R| {
        let timeout = scenario.workloads[task.workload.0 as usize].timeout;
        let run = task.service.min(timeout);
        recorder.started(task.workload, target, task.arrived_at, now, run);
        queue.push(
            now + run,
            Event::Finish {
                target,
                task,
                started_at: now,
            },
        );
    };

    while let Some((now, event)) = queue.pop() {
        if now > horizon {
            break;
        }
        match event {
            Event::Arrival(w) => {
                let spec_w = &scenario.workloads[w.0 as usize];
                let state = &mut workloads[w.0 as usize];
                // An Arrival event is only ever scheduled with its arrival.
                let Some(arrival) = state.next.take() else {
                    debug_assert!(false, "Arrival event without an arrival");
                    continue;
                };
                let service = state.service(spec_w, arrival);
                let task = Task {
                    workload: w,
                    arrived_at: now,
                    service,
                };
                state.schedule_next(spec_w, w, &mut queue);
                recorder.arrived(w, now);
                match spec_w.target {
                    Target::DefaultCompute => {
                        start(&mut queue, Target::DefaultCompute, task, now, recorder)
                    }
                    Target::Pool(p) => {
                        let pool = &mut pools[p.0 as usize];
                        if pool.busy < pool.instances {
                            pool.busy += 1;
                            start(&mut queue, spec_w.target, task, now, recorder);
                        } else {
                            pool.queue.push_back(task);
                        }
                        recorder.pool_changed(p, now, pool.levels());
                    }
                }
            }
            Event::Finish {
                target,
                task,
                started_at,
            } => {
                let timed_out = task.service > scenario.workloads[task.workload.0 as usize].timeout;
                recorder.finished(task.workload, task.arrived_at, started_at, now, timed_out);
                if let Target::Pool(p) = target {
                    let pool = &mut pools[p.0 as usize];
                    match pool.queue.pop_front() {
                        Some(next) => start(&mut queue, target, next, now, recorder),
                        None => pool.busy -= 1,
                    }
                    recorder.pool_changed(p, now, pool.levels());
                }
            }
            Event::Sample => {
                for (i, p) in pools.iter().enumerate() {
                    recorder.sampled(PoolId(i as u32), now, p.levels());
                }
                queue.push(now + spec.sample_interval, Event::Sample);
            }
        }
    }
}
