//! `EventQueue`: a binary min-heap keyed by `(tick, insertion sequence)`.
//!
//! Push and pop are O(log n). The heap keeps its capacity, so a simulation in
//! steady state allocates nothing per event.

use crate::units::SimTime;

#[derive(Clone, Copy)]
struct Entry<E> {
    /// The ordering key, time then insertion order, packed as
    /// `tick << 64 | seq`: one branch-free 128-bit comparison where a
    /// tuple takes two compares and a branch.
    key: u128,
    event: E,
}

/// The ordering key of an event at `at` numbered `seq`.
#[inline(always)]
fn key(at: SimTime, seq: u64) -> u128 {
    (u128::from(at.0) << 64) | u128::from(seq)
}

impl<E> Entry<E> {
    fn at(&self) -> SimTime {
        SimTime((self.key >> 64) as u64)
    }
}

/// A queue of pending events, earliest first, FIFO among equal times.
///
/// A binary min-heap written for `Copy` events: the element being placed
/// stays in registers while parents or children move, so a push or pop
/// never reads back an entry it has just written (which the standard
/// library's heap does, stalling on store forwarding in profiles).
///
/// A pop leaves its entry's place at the root empty until the next call:
/// an event handler that schedules one event (a run ends, the next one
/// starts) fills the hole with it in one sift down, where a pop and a push
/// each walk the heap; any other call fills it with the last entry, as a
/// pop would have. The order of events is the keys' either way.
///
/// ```
/// use poolcast::engine::EventQueue;
/// use poolcast::units::SimTime;
/// let mut q = EventQueue::new();
/// q.push(SimTime(5), "late");
/// q.push(SimTime(1), "first");
/// q.push(SimTime(1), "second");
/// assert_eq!(q.pop(), Some((SimTime(1), "first")));
/// assert_eq!(q.pop(), Some((SimTime(1), "second")));
/// assert_eq!(q.pop(), Some((SimTime(5), "late")));
/// assert_eq!(q.pop(), None);
/// ```
pub struct EventQueue<E> {
    heap: Vec<Entry<E>>,
    /// The root is the place of the entry popped last, not an entry.
    hole: bool,
    next_seq: u64,
}

impl<E: Copy> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E: Copy> EventQueue<E> {
    /// An empty queue.
    pub fn new() -> Self {
        Self::with_capacity(0)
    }

    /// An empty queue with room for `capacity` pending events.
    pub fn with_capacity(capacity: usize) -> Self {
        EventQueue {
            heap: Vec::with_capacity(capacity),
            hole: false,
            next_seq: 0,
        }
    }

    /// Schedules `event` at `at`. O(log n).
    #[inline(always)]
    pub fn push(&mut self, at: SimTime, event: E) {
        let new = Entry {
            key: key(at, self.next_seq),
            event,
        };
        self.next_seq += 1;
        if self.hole {
            self.hole = false;
            self.sift_down(new);
            return;
        }
        let mut i = self.heap.len();
        self.heap.push(new);
        while i > 0 {
            let parent = (i - 1) / 2;
            if self.heap[parent].key <= new.key {
                break;
            }
            self.heap[i] = self.heap[parent];
            i = parent;
        }
        self.heap[i] = new;
    }

    /// Removes and returns the earliest event. O(log n). Inlined, as
    /// `push` is: an event loop calls it once an event.
    #[inline(always)]
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        self.fill_hole();
        let &top = self.heap.first()?;
        self.hole = true;
        Some((top.at(), top.event))
    }

    /// Fills the hole a pop left, if any, with the last entry.
    #[inline(always)]
    fn fill_hole(&mut self) {
        if self.hole {
            self.hole = false;
            let last = self.heap.pop().expect("a hole is a place in the heap");
            if !self.heap.is_empty() {
                self.sift_down(last);
            }
        }
    }

    /// Places `entry` in the hole at the root, or below it, moving smaller
    /// children up, holding `entry` in registers.
    #[inline(always)]
    fn sift_down(&mut self, entry: Entry<E>) {
        let n = self.heap.len();
        let mut i = 0;
        loop {
            let left = 2 * i + 1;
            let right = left + 1;
            let child = if right < n {
                // Which child is smaller is a coin toss for random times:
                // chosen by arithmetic, not a branch.
                left + usize::from(self.heap[right].key < self.heap[left].key)
            } else if left < n {
                left
            } else {
                break;
            };
            if self.heap[child].key >= entry.key {
                break;
            }
            self.heap[i] = self.heap[child];
            i = child;
        }
        self.heap[i] = entry;
    }

    /// Takes the next insertion number without queueing anything, for an
    /// item a `Lane` keeps: `precedes(time, number)` orders it against
    /// queued events exactly as if it had been pushed now.
    #[inline(always)]
    pub(super) fn take_seq(&mut self) -> u64 {
        let seq = self.next_seq;
        self.next_seq += 1;
        seq
    }

    /// `(time, insertion number)` of the earliest pending event (filling
    /// the hole of a pop first).
    #[cfg(test)]
    fn peek_key(&mut self) -> Option<(SimTime, u64)> {
        self.fill_hole();
        self.heap.first().map(|e| (e.at(), e.key as u64))
    }

    /// Whether an item a `Lane` keeps at `at`, numbered `seq` by
    /// `take_seq`, comes before every pending event (filling the hole of a
    /// pop first). One 128-bit comparison of the packed keys, where
    /// comparing a `(time, number)` pair takes two and a branch; the event
    /// loop asks once an event.
    #[inline(always)]
    pub(super) fn precedes(&mut self, at: SimTime, seq: u64) -> bool {
        self.fill_hole();
        self.heap.first().is_none_or(|e| key(at, seq) < e.key)
    }

    /// How many events are pending.
    pub fn len(&self) -> usize {
        self.heap.len() - usize::from(self.hole)
    }

    /// Whether no event is pending.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};
    use std::collections::BTreeMap;

    /// Shadow-model check: a `BTreeMap` keyed by (time, seq) is the obvious
    /// correct queue; interleaved random pushes, pops and peeks (a pop's
    /// hole filled by a push, by a peek or by the next pop) must agree with
    /// it.
    #[test]
    fn queue_matches_btreemap_model() {
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(7);
        let mut q = EventQueue::new();
        let mut model = BTreeMap::new();
        let mut seq = 0u64;
        for _ in 0..20_000 {
            if rng.random_bool(0.2) {
                let expected = model.first_key_value().map(|(&(at, seq), _)| (at, seq));
                assert_eq!(q.peek_key(), expected);
                let (at, seq) = (
                    SimTime(rng.random_range(0..50)),
                    rng.random_range(0..seq + 1),
                );
                let before = expected.is_none_or(|first| (at, seq) < first);
                assert_eq!(q.precedes(at, seq), before);
            } else if rng.random_bool(0.55) {
                // A narrow time range forces many equal-time ties.
                let at = SimTime(rng.random_range(0..50));
                q.push(at, seq);
                model.insert((at, seq), seq);
                seq += 1;
            } else {
                let expected = model.pop_first().map(|((at, _), v)| (at, v));
                assert_eq!(q.pop(), expected);
            }
            assert_eq!(q.len(), model.len());
        }
    }

    #[test]
    fn queue_pops_equal_times_fifo() {
        let mut q = EventQueue::with_capacity(4);
        for i in 0..100 {
            q.push(SimTime(10), i);
        }
        let order: Vec<i32> = std::iter::from_fn(|| q.pop().map(|(_, e)| e)).collect();
        assert_eq!(order, (0..100).collect::<Vec<_>>());
        assert!(q.is_empty());
    }
}
