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
