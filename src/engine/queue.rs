//! `EventQueue`: a binary heap keyed by `(tick, insertion sequence)`.
//!
//! Push and pop are O(log n). The heap keeps its capacity, so a simulation in
//! steady state allocates nothing per event.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use crate::units::SimTime;

struct Entry<E> {
    at: SimTime,
    seq: u64,
    event: E,
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}

impl<E> Eq for Entry<E> {}

impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<E> Ord for Entry<E> {
    /// Reversed, because `BinaryHeap` is a max-heap and we want the earliest.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.at, other.seq).cmp(&(self.at, self.seq))
    }
}

/// A queue of pending events, earliest first, FIFO among equal times.
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
    heap: BinaryHeap<Entry<E>>,
    next_seq: u64,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> EventQueue<E> {
    /// An empty queue.
    pub fn new() -> Self {
        EventQueue {
            heap: BinaryHeap::new(),
            next_seq: 0,
        }
    }

    /// An empty queue with room for `capacity` pending events.
    pub fn with_capacity(capacity: usize) -> Self {
        EventQueue {
            heap: BinaryHeap::with_capacity(capacity),
            next_seq: 0,
        }
    }

    /// Schedules `event` at `at`. O(log n).
    pub fn push(&mut self, at: SimTime, event: E) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.heap.push(Entry { at, seq, event });
    }

    /// Removes and returns the earliest event. O(log n).
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        self.heap.pop().map(|e| (e.at, e.event))
    }

    /// How many events are pending.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// Whether no event is pending.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};
    use std::collections::BTreeMap;

    /// Shadow-model check: a `BTreeMap` keyed by (time, seq) is the obvious
    /// correct queue; interleaved random pushes and pops must agree with it.
    #[test]
    fn queue_matches_btreemap_model() {
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(7);
        let mut q = EventQueue::new();
        let mut model = BTreeMap::new();
        let mut seq = 0u64;
        for _ in 0..20_000 {
            if rng.random_bool(0.55) {
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
