//! A pool's runtime state: its instances (provisioning, idle, busy,
//! draining), its FIFO queue and its requested count.

use std::collections::VecDeque;

use super::event::Task;
use crate::model::{ColdStart, ScaleIn, TierKind};
use crate::results::PoolLevels;
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

impl Instance {
    /// An instance that exists before the simulation starts: ready, and
    /// counted as having run plenty (its layer cache is warm: no cold
    /// start).
    const INITIAL: Instance = Instance {
        slot: Slot::Idle,
        generation: 0,
        runs: u32::MAX,
    };
}

/// Initial instances stored at least at a time when a run first reaches
/// one below those stored.
const MIN_STORED: u32 = 64;

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
///
/// The initial instances hold slots `0..count`, idle and at the bottom of
/// the idle stack; those no run has reached yet are a count, not stored:
/// a sweep over the count simulates point k with k instances and a dozen
/// runs, and storing each instance made the sweep quadratic (a third of
/// its time).
#[derive(Debug)]
pub(crate) struct PoolState {
    /// Slots `stored_from..`, at `slot - stored_from`.
    instances: Vec<Instance>,
    /// The lowest slot stored: those below are initial instances no run
    /// has reached.
    stored_from: u32,
    /// Initial instances no run has reached: slots `0..untouched`, idle,
    /// the bottom of the idle stack (the top of it, `untouched - 1`, is
    /// taken first), stored or not.
    untouched: u32,
    free: Vec<u32>,
    /// The idle stack above the untouched instances.
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
            stored_from: 0,
            untouched: 0,
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

    /// Adds `count` initial instances to a pool without any: they exist
    /// before the simulation starts, ready at once, their layer cache
    /// warm. They are counted, not stored, until a run reaches them.
    pub fn add_initial(&mut self, count: u32) {
        debug_assert!(
            self.instances.is_empty() && self.untouched == 0,
            "initial instances come first"
        );
        self.stored_from = count;
        self.untouched = count;
        self.allocated += count;
    }

    /// Where the instance at `slot` is in `instances`: it is stored, as
    /// only untouched initial instances are not, and no event or list
    /// names them.
    #[inline(always)]
    fn at(&self, slot: u32) -> usize {
        (slot - self.stored_from) as usize
    }

    /// The slots stored, ascending.
    fn stored(&self) -> std::ops::Range<u32> {
        self.stored_from..self.stored_from + self.instances.len() as u32
    }

    /// Allocates one instance, provisioning; returns its slot and
    /// generation (for the ready event).
    pub fn allocate(&mut self) -> (u32, u32) {
        let slot = match self.free.pop() {
            Some(s) => {
                let i = self.at(s);
                let inst = &mut self.instances[i];
                inst.slot = Slot::Provisioning;
                inst.runs = 0;
                s
            }
            None => {
                self.instances.push(Instance {
                    slot: Slot::Provisioning,
                    generation: 0,
                    runs: 0,
                });
                self.stored().end - 1
            }
        };
        self.allocated += 1;
        self.provisioning += 1;
        (slot, self.instances[self.at(slot)].generation)
    }

    /// Takes the idle instance on top of the idle stack, an untouched
    /// initial one below the others (stored first), if any.
    #[inline(always)]
    fn pop_idle(&mut self) -> Option<u32> {
        if let Some(slot) = self.idle.pop() {
            return Some(slot);
        }
        let slot = self.untouched.checked_sub(1)?;
        self.untouched = slot;
        if slot < self.stored_from {
            self.store_from(slot);
        }
        Some(slot)
    }

    /// Stores the untouched instances from `slot` up to those stored, and
    /// as many below again as are stored (at least `MIN_STORED`): each
    /// instance is copied a bounded number of times on average.
    #[cold]
    fn store_from(&mut self, slot: u32) {
        let more = (self.instances.len() as u32).max(MIN_STORED);
        let from = (slot + 1).saturating_sub(more);
        let added = (self.stored_from - from) as usize;
        self.instances
            .splice(0..0, std::iter::repeat_n(Instance::INITIAL, added));
        self.stored_from = from;
    }

    /// A provisioning instance becomes ready; false when the event is stale.
    pub fn ready(&mut self, slot: u32, generation: u32) -> bool {
        let i = self.at(slot);
        let inst = &mut self.instances[i];
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
        !self.idle.is_empty() || self.untouched > 0
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
            .pop_idle()
            .expect("callers check has_idle before starting a run");
        let i = self.at(slot);
        let inst = &mut self.instances[i];
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
        let i = self.at(slot);
        let inst = &mut self.instances[i];
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
        let i = self.at(slot);
        let inst = &mut self.instances[i];
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
        for slot in self.stored().rev() {
            if count == 0 {
                break;
            }
            if self.instances[self.at(slot)].slot == Slot::Provisioning {
                self.provisioning -= 1;
                self.release(slot);
                count -= 1;
            }
        }
        while count > 0 {
            let Some(slot) = self.pop_idle() else { break };
            self.release(slot);
            count -= 1;
        }
        for slot in self.stored().rev() {
            if count == 0 {
                break;
            }
            let i = self.at(slot);
            let inst = &mut self.instances[i];
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
    use crate::model::WorkloadId;

    /// One call on a pool; `Ready` and `Finish` replay an event issued
    /// earlier, stale or not.
    #[derive(Debug, Clone)]
    enum Op {
        Allocate,
        Ready(Index),
        Start { service_s: u64 },
        Finish(Index),
        ScaleIn { count: u32, mode: ScaleIn },
        Undrain(u32),
    }

    fn op() -> impl Strategy<Value = Op> {
        let mode = prop_oneof![Just(ScaleIn::Drain), Just(ScaleIn::Preempt)];
        prop_oneof![
            2 => Just(Op::Allocate),
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

    impl PoolState {
        /// Every slot's instance, the untouched initial ones not stored
        /// included.
        fn every_instance(&self) -> Vec<Instance> {
            let mut all = vec![Instance::INITIAL; self.stored_from as usize];
            all.extend(&self.instances);
            all
        }

        /// The idle stack, bottom first, the untouched instances included.
        fn idle_stack(&self) -> Vec<u32> {
            (0..self.untouched)
                .chain(self.idle.iter().copied())
                .collect()
        }

        /// The instance at `slot`, stored or not.
        fn slot(&self, slot: u32) -> Instance {
            self.every_instance()[slot as usize]
        }

        /// A pool of `initial` instances laid out as before they were
        /// counted: each stored, and listed on the idle stack.
        fn stored_pool(initial: u32) -> PoolState {
            let mut pool = PoolState::new(2, TierKind::Standard);
            pool.add_initial(initial);
            if initial > 0 {
                pool.store_from(0);
            }
            pool.idle = (0..initial).collect();
            pool.untouched = 0;
            pool
        }
    }

    impl Census {
        fn of(pool: &PoolState) -> Census {
            let mut c = Census::default();
            for inst in &pool.every_instance() {
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
            pool.idle_stack().len() as u32 + pool.busy + pool.provisioning
        );
        prop_assert_eq!(
            (
                pool.allocated,
                pool.provisioning,
                pool.busy,
                pool.idle_stack().len() as u32
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
            let every = pool.every_instance();
            let all = every.iter().filter(|i| want(&i.slot)).count();
            sorted.len() == list.len()
                && list.len() == all
                && list.iter().all(|&s| want(&every[s as usize].slot))
        };
        prop_assert!(holds_exactly(&pool.free, |s| *s == Slot::Free));
        prop_assert!(holds_exactly(&pool.idle_stack(), |s| *s == Slot::Idle));
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
                Op::Allocate => {
                    self.readies.push(pool.allocate());
                    want.provisioning += 1;
                    // A free slot is reused before a new one is made.
                    want.free = want.free.saturating_sub(1);
                }
                Op::Ready(i) if !self.readies.is_empty() => {
                    let (slot, generation) = *i.get(&self.readies);
                    let inst = pool.slot(slot);
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
                    let inst = pool.slot(slot);
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

    impl Run {
        fn of(pool: PoolState) -> Run {
            Run {
                pool,
                readies: Vec::new(),
                finishes: Vec::new(),
            }
        }
    }

    proptest! {
        /// Any sequence of allocations, ready and finish events (stale
        /// ones included), starts, scale-ins and undrains, from any count
        /// of initial instances, keeps the invariant, and each call moves
        /// the census as it says.
        #[test]
        fn every_operation_keeps_the_census(
            initial in 0u32..5,
            ops in prop::collection::vec(op(), 1..200),
        ) {
            let mut pool = PoolState::new(2, TierKind::Standard);
            pool.add_initial(initial);
            let mut run = Run::of(pool);
            let mut census = check_invariant(&run.pool)?;
            prop_assert_eq!(census.idle, initial);
            for op in ops {
                let want = run.apply(op, census)?;
                census = check_invariant(&run.pool)?;
                prop_assert_eq!(census, want);
            }
        }

        /// Initial instances kept as a count until a run reaches them
        /// behave as when each was stored and listed idle: the same slots
        /// taken in the same order, the same events, the same instances
        /// after every call (well past the first stored chunk).
        #[test]
        fn counted_initial_instances_act_as_stored_ones(
            initial in prop_oneof![0u32..5, 60u32..300],
            ops in prop::collection::vec(op(), 1..400),
        ) {
            let mut counted = PoolState::new(2, TierKind::Standard);
            counted.add_initial(initial);
            let (mut counted, mut stored) = (Run::of(counted), Run::of(PoolState::stored_pool(initial)));
            let mut census = check_invariant(&stored.pool)?;
            for op in ops {
                let was = census;
                census = counted.apply(op.clone(), was)?;
                prop_assert_eq!(stored.apply(op, was)?, census);
                prop_assert_eq!((&counted.readies, &counted.finishes), (&stored.readies, &stored.finishes));
                let view = |p: &PoolState| (
                    format!("{:?}", p.every_instance()),
                    p.idle_stack(),
                    p.free.clone(),
                    p.levels(),
                );
                prop_assert_eq!(view(&counted.pool), view(&stored.pool));
            }
        }
    }
}
