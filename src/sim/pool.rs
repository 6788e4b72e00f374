//! A pool's runtime state: its instances (provisioning, idle, busy,
//! draining), its FIFO queue and its requested count.

use std::collections::VecDeque;

use super::event::Task;
use crate::model::{ColdStart, ScaleIn, TierKind};
use crate::stats::PoolLevels;
use crate::units::{SimDuration, SimTime};

/// What an instance slot holds.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Slot {
    /// Released; the slot can be reused.
    Free,
    /// Allocated (and billed), not ready yet.
    Provisioning,
    /// Ready, no task.
    Idle,
    /// Running `task` since `started_at`; `draining` instances leave when it ends.
    Busy {
        task: Task,
        started_at: SimTime,
        draining: bool,
    },
}

#[derive(Debug, Clone, Copy)]
struct Instance {
    slot: Slot,
    /// Bumped whenever a pending event about this instance becomes stale
    /// (a preempted run's finish, a cancelled provisioning).
    generation: u32,
    /// Runs started on this instance since it was provisioned.
    runs: u32,
}

/// A run that has just started on an instance.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Started {
    pub slot: u32,
    pub generation: u32,
    /// How long it will run (cold start included, capped by the timeout).
    pub run: SimDuration,
    /// The cold-start time it pays, if any.
    pub cold: Option<SimDuration>,
}

/// A task that has just been taken off an instance.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ended {
    pub task: Task,
    pub started_at: SimTime,
}

/// The runtime state of one pool.
#[derive(Debug)]
pub(crate) struct PoolState {
    instances: Vec<Instance>,
    free: Vec<u32>,
    idle: Vec<u32>,
    /// Runs waiting, in arrival order (preempted runs go back to the front).
    pub queue: VecDeque<Task>,
    /// The count after every requested change.
    pub target: u32,
    /// When the count was last changed.
    pub last_change: Option<SimTime>,
    /// Instances that requested scale-ins will remove when they take effect.
    pub pending_scale_in: u32,
    allocated: u32,
    provisioning: u32,
    busy: u32,
    /// vCPUs per instance and the quota they count against.
    pub vcpu: u32,
    pub kind: TierKind,
}

impl PoolState {
    pub fn new(vcpu: u32, kind: TierKind) -> PoolState {
        PoolState {
            instances: Vec::new(),
            free: Vec::new(),
            idle: Vec::new(),
            queue: VecDeque::new(),
            target: 0,
            last_change: None,
            pending_scale_in: 0,
            allocated: 0,
            provisioning: 0,
            busy: 0,
            vcpu,
            kind,
        }
    }

    pub fn levels(&self) -> PoolLevels {
        PoolLevels {
            queued: self.queue.len() as u32,
            busy: self.busy,
            allocated: self.allocated,
            provisioning: self.provisioning,
        }
    }

    /// Instances allocated (and billed), whatever their state.
    pub fn allocated(&self) -> u32 {
        self.allocated
    }

    /// Allocates one instance; returns its slot and generation (for the
    /// ready event). An `initial` instance exists before the simulation
    /// starts: it is ready at once and its layer cache is warm.
    pub fn allocate(&mut self, initial: bool) -> (u32, u32) {
        let ready = initial;
        let state = if ready {
            Slot::Idle
        } else {
            Slot::Provisioning
        };
        // Runs since provisioning; a pre-existing instance counts as having
        // run plenty (no cold start).
        let runs = if initial { u32::MAX } else { 0 };
        let slot = match self.free.pop() {
            Some(s) => {
                self.instances[s as usize].slot = state;
                self.instances[s as usize].runs = runs;
                s
            }
            None => {
                self.instances.push(Instance {
                    slot: state,
                    generation: 0,
                    runs,
                });
                (self.instances.len() - 1) as u32
            }
        };
        self.allocated += 1;
        if ready {
            self.idle.push(slot);
        } else {
            self.provisioning += 1;
        }
        (slot, self.instances[slot as usize].generation)
    }

    /// A provisioning instance becomes ready; false when the event is stale.
    pub fn ready(&mut self, slot: u32, generation: u32) -> bool {
        let inst = &mut self.instances[slot as usize];
        if inst.generation != generation || inst.slot != Slot::Provisioning {
            return false;
        }
        inst.slot = Slot::Idle;
        self.provisioning -= 1;
        self.idle.push(slot);
        true
    }

    /// Whether an instance is ready and free to start a run.
    pub fn has_idle(&self) -> bool {
        !self.idle.is_empty()
    }

    /// Starts `task` on an idle instance (callers check `has_idle` first,
    /// so that a task leaves the queue only when it can start): its run
    /// takes the task's service time, plus `cold_start.extra` on a fresh
    /// instance, ended at `timeout`.
    pub fn start(
        &mut self,
        mut task: Task,
        now: SimTime,
        cold_start: Option<ColdStart>,
        timeout: SimDuration,
    ) -> Started {
        let slot = self
            .idle
            .pop()
            .expect("callers check has_idle before starting a run");
        let inst = &mut self.instances[slot as usize];
        let cold = cold_start.filter(|c| inst.runs < c.tasks).map(|c| c.extra);
        let wanted = task.service + cold.unwrap_or(SimDuration::ZERO);
        task.times_out = wanted > timeout;
        inst.slot = Slot::Busy {
            task,
            started_at: now,
            draining: false,
        };
        inst.runs = inst.runs.saturating_add(1);
        self.busy += 1;
        Started {
            slot,
            generation: inst.generation,
            run: wanted.min(timeout),
            cold,
        }
    }

    /// The run on `slot` ended; `None` when the event is stale. A draining
    /// instance is released, any other becomes idle. Inlined into the
    /// event loop (once a run): as a call it hands its 40-byte result back
    /// through memory.
    #[inline(always)]
    pub fn finish(&mut self, slot: u32, generation: u32) -> Option<Ended> {
        let inst = &mut self.instances[slot as usize];
        let Slot::Busy {
            task,
            started_at,
            draining,
        } = inst.slot
        else {
            return None;
        };
        if inst.generation != generation {
            return None;
        }
        self.busy -= 1;
        if draining {
            self.release(slot);
        } else {
            inst.slot = Slot::Idle;
            self.idle.push(slot);
        }
        Some(Ended { task, started_at })
    }

    fn release(&mut self, slot: u32) {
        let inst = &mut self.instances[slot as usize];
        inst.slot = Slot::Free;
        inst.generation = inst.generation.wrapping_add(1);
        self.allocated -= 1;
        self.free.push(slot);
    }

    /// Removes `count` instances: provisioning ones first, then idle ones,
    /// then busy ones, which drain or are preempted. Preempted runs are
    /// returned (the caller re-queues them at the head).
    pub fn scale_in(&mut self, mut count: u32, mode: ScaleIn, preempted: &mut Vec<Ended>) {
        // Instances not serving yet go first (newest first: the most recent
        // requests are the ones being undone), then idle ones, then busy ones.
        for slot in (0..self.instances.len() as u32).rev() {
            if count == 0 {
                break;
            }
            if self.instances[slot as usize].slot == Slot::Provisioning {
                self.provisioning -= 1;
                self.release(slot);
                count -= 1;
            }
        }
        while count > 0 {
            let Some(slot) = self.idle.pop() else { break };
            self.release(slot);
            count -= 1;
        }
        for slot in (0..self.instances.len() as u32).rev() {
            if count == 0 {
                break;
            }
            let inst = &mut self.instances[slot as usize];
            if let Slot::Busy {
                task,
                started_at,
                draining: false,
            } = inst.slot
            {
                match mode {
                    ScaleIn::Drain => {
                        inst.slot = Slot::Busy {
                            task,
                            started_at,
                            draining: true,
                        };
                    }
                    ScaleIn::Preempt => {
                        self.busy -= 1;
                        self.release(slot);
                        preempted.push(Ended { task, started_at });
                    }
                }
                count -= 1;
            }
        }
    }

    /// Keeps up to `count` draining instances (a scale-up while they drain):
    /// they stay, already allocated and billed. Returns how many.
    pub fn undrain(&mut self, count: u32) -> u32 {
        let mut kept = 0;
        for inst in self.instances.iter_mut().rev() {
            if kept == count {
                break;
            }
            if let Slot::Busy {
                draining: draining @ true,
                ..
            } = &mut inst.slot
            {
                *draining = false;
                kept += 1;
            }
        }
        kept
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use proptest::sample::Index;

    use super::*;
    use crate::workload::WorkloadId;

    /// One call on a pool; `Ready` and `Finish` replay an event issued
    /// earlier, stale or not.
    #[derive(Debug, Clone)]
    enum Op {
        Allocate { initial: bool },
        Ready(Index),
        Start { service_s: u64 },
        Finish(Index),
        ScaleIn { count: u32, mode: ScaleIn },
        Undrain(u32),
    }

    fn op() -> impl Strategy<Value = Op> {
        let mode = prop_oneof![Just(ScaleIn::Drain), Just(ScaleIn::Preempt)];
        prop_oneof![
            3 => any::<bool>().prop_map(|initial| Op::Allocate { initial }),
            3 => any::<Index>().prop_map(Op::Ready),
            3 => (1u64..600).prop_map(|service_s| Op::Start { service_s }),
            3 => any::<Index>().prop_map(Op::Finish),
            1 => (0u32..5, mode).prop_map(|(count, mode)| Op::ScaleIn { count, mode }),
            1 => (0u32..4).prop_map(Op::Undrain),
        ]
    }

    /// The instances by state, counted slot by slot.
    #[derive(Debug, Clone, Copy, PartialEq, Default)]
    struct Census {
        free: u32,
        provisioning: u32,
        idle: u32,
        /// Busy, draining ones included.
        busy: u32,
        draining: u32,
    }

    impl Census {
        fn of(pool: &PoolState) -> Census {
            let mut c = Census::default();
            for inst in &pool.instances {
                match inst.slot {
                    Slot::Free => c.free += 1,
                    Slot::Provisioning => c.provisioning += 1,
                    Slot::Idle => c.idle += 1,
                    Slot::Busy { draining, .. } => {
                        c.busy += 1;
                        c.draining += u32::from(draining);
                    }
                }
            }
            c
        }
    }

    /// The invariant: allocated = idle + busy + provisioning, the counters
    /// are the slots' census, and the free and idle lists hold exactly the
    /// free and idle slots, once each.
    fn check_invariant(pool: &PoolState) -> Result<Census, TestCaseError> {
        let c = Census::of(pool);
        prop_assert_eq!(
            pool.allocated,
            pool.idle.len() as u32 + pool.busy + pool.provisioning
        );
        prop_assert_eq!(
            (
                pool.allocated,
                pool.provisioning,
                pool.busy,
                pool.idle.len() as u32
            ),
            (
                c.provisioning + c.idle + c.busy,
                c.provisioning,
                c.busy,
                c.idle
            )
        );
        prop_assert_eq!(pool.free.len() as u32, c.free);
        // Each slot once, and every slot of that state.
        let holds_exactly = |list: &[u32], want: fn(&Slot) -> bool| {
            let mut sorted = list.to_vec();
            sorted.sort_unstable();
            sorted.dedup();
            let all = pool.instances.iter().filter(|i| want(&i.slot)).count();
            sorted.len() == list.len()
                && list.len() == all
                && list.iter().all(|&s| want(&pool.instances[s as usize].slot))
        };
        prop_assert!(holds_exactly(&pool.free, |s| *s == Slot::Free));
        prop_assert!(holds_exactly(&pool.idle, |s| *s == Slot::Idle));
        let levels = pool.levels();
        prop_assert_eq!((levels.allocated, levels.busy), (pool.allocated, pool.busy));
        prop_assert_eq!(levels.provisioning, pool.provisioning);
        prop_assert_eq!(levels.ready(), c.idle + c.busy);
        Ok(c)
    }

    fn task(service_s: u64) -> Task {
        Task {
            workload: WorkloadId(0),
            arrived_at: SimTime::ZERO,
            service: SimDuration::from_secs(service_s),
            times_out: false,
            restarted: false,
        }
    }

    /// A pool under test, with the ready and finish events it issued.
    struct Run {
        pool: PoolState,
        readies: Vec<(u32, u32)>,
        finishes: Vec<(u32, u32)>,
    }

    impl Run {
        /// Applies `op`; returns the census it should leave, from `was`.
        fn apply(&mut self, op: Op, was: Census) -> Result<Census, TestCaseError> {
            let pool = &mut self.pool;
            let mut want = was;
            match op {
                Op::Allocate { initial } => {
                    let event = pool.allocate(initial);
                    if initial {
                        want.idle += 1;
                    } else {
                        want.provisioning += 1;
                        self.readies.push(event);
                    }
                    // A free slot is reused before a new one is made.
                    want.free = want.free.saturating_sub(1);
                }
                Op::Ready(i) if !self.readies.is_empty() => {
                    let (slot, generation) = *i.get(&self.readies);
                    let inst = pool.instances[slot as usize];
                    let live = inst.slot == Slot::Provisioning && inst.generation == generation;
                    prop_assert_eq!(pool.ready(slot, generation), live);
                    if live {
                        (want.provisioning, want.idle) = (want.provisioning - 1, want.idle + 1);
                    }
                }
                Op::Start { service_s } if pool.has_idle() => {
                    let limit = SimDuration::from_secs(3600);
                    let started = pool.start(task(service_s), SimTime::ZERO, None, limit);
                    prop_assert_eq!(started.run, SimDuration::from_secs(service_s));
                    self.finishes.push((started.slot, started.generation));
                    (want.idle, want.busy) = (want.idle - 1, want.busy + 1);
                }
                Op::Finish(i) if !self.finishes.is_empty() => {
                    let (slot, generation) = *i.get(&self.finishes);
                    let inst = pool.instances[slot as usize];
                    let draining = match inst.slot {
                        Slot::Busy { draining, .. } if inst.generation == generation => {
                            Some(draining)
                        }
                        _ => None,
                    };
                    prop_assert_eq!(pool.finish(slot, generation).is_some(), draining.is_some());
                    want.busy -= u32::from(draining.is_some());
                    match draining {
                        Some(true) => {
                            (want.draining, want.free) = (want.draining - 1, want.free + 1)
                        }
                        Some(false) => want.idle += 1,
                        None => {}
                    }
                }
                Op::ScaleIn { count, mode } => {
                    let mut preempted = Vec::new();
                    pool.scale_in(count, mode, &mut preempted);
                    // Instances not serving yet go first, then idle ones,
                    // then busy ones not draining already.
                    let provisioning = count.min(want.provisioning);
                    let idle = (count - provisioning).min(want.idle);
                    let busy = (count - provisioning - idle).min(want.busy - want.draining);
                    want.provisioning -= provisioning;
                    want.idle -= idle;
                    want.free += provisioning + idle;
                    let preempt = match mode {
                        ScaleIn::Drain => {
                            want.draining += busy;
                            0
                        }
                        ScaleIn::Preempt => {
                            (want.busy, want.free) = (want.busy - busy, want.free + busy);
                            busy
                        }
                    };
                    prop_assert_eq!(preempted.len() as u32, preempt);
                }
                Op::Undrain(count) => {
                    let kept = count.min(want.draining);
                    prop_assert_eq!(pool.undrain(count), kept);
                    want.draining -= kept;
                }
                // A ready or finish before any was issued, a start without
                // an idle instance: nothing to call.
                _ => {}
            }
            Ok(want)
        }
    }

    proptest! {
        /// Any sequence of allocations, ready and finish events (stale
        /// ones included), starts, scale-ins and undrains keeps the
        /// invariant, and each call moves the census as it says.
        #[test]
        fn every_operation_keeps_the_census(ops in prop::collection::vec(op(), 1..200)) {
            let mut run = Run {
                pool: PoolState::new(2, TierKind::Standard),
                readies: Vec::new(),
                finishes: Vec::new(),
            };
            let mut census = check_invariant(&run.pool)?;
            for op in ops {
                let want = run.apply(op, census)?;
                census = check_invariant(&run.pool)?;
                prop_assert_eq!(census, want);
            }
        }
    }
}
