//! `Lane`: a second queue beside the `EventQueue`, for streams that each
//! keep exactly one pending item (a workload's next arrival), ordered with
//! the queue's events as if every item had been pushed there.
//!
//! Why a lane: a source that always has one pending item would push and
//! pop that item through the event heap once per item; kept apart, the
//! item that is again the earliest (always so with one source) moves
//! nothing through any heap, and the queue's heap stays the size of the
//! other events.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;
use std::collections::binary_heap::PeekMut;

use super::EventQueue;
use crate::units::SimTime;

/// A pending item: its time, its place in the shared event order, itself.
#[derive(Clone, Copy)]
struct Pending<K> {
    at: SimTime,
    seq: u64,
    item: K,
}

// Ordered by time, then by insertion number (unique): the item itself is
// never compared, so it needs no ordering of its own.
impl<K> PartialEq for Pending<K> {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}
impl<K> Eq for Pending<K> {}
impl<K> PartialOrd for Pending<K> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<K> Ord for Pending<K> {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.at, self.seq).cmp(&(other.at, other.seq))
    }
}

/// One pending item per source, earliest first: the earliest kept apart,
/// the others in a heap. Finding the next costs a sift of log(sources),
/// not a pass over them (20,000 workloads made every arrival 20,000
/// comparisons).
///
/// Items and the queue's events interleave in one order: by time, and
/// among equal times in the order they were added to either.
///
/// ```
/// use poolcast::engine::{EventQueue, Lane};
/// use poolcast::units::SimTime;
/// let mut q = EventQueue::new();
/// let mut lane = Lane::with_capacity(2);
/// q.push(SimTime(1), "event");
/// lane.push(&mut q, SimTime(1), "arrival");
/// assert_eq!(lane.next_before(&mut q), None); // the event came first
/// assert_eq!(q.pop(), Some((SimTime(1), "event")));
/// assert_eq!(lane.next_before(&mut q), Some((SimTime(1), "arrival")));
/// lane.replace_next(&mut q, Some((SimTime(3), "later")));
/// assert_eq!(lane.next_before(&mut q), Some((SimTime(3), "later")));
/// ```
pub struct Lane<K> {
    next: Option<Pending<K>>,
    rest: BinaryHeap<Reverse<Pending<K>>>,
}

impl<K: Copy> Lane<K> {
    /// An empty lane with room for `sources` pending items.
    pub fn with_capacity(sources: usize) -> Lane<K> {
        Lane {
            next: None,
            rest: BinaryHeap::with_capacity(sources.saturating_sub(1)),
        }
    }

    /// Adds a source's first item, at `at`, after everything added to the
    /// lane or to `queue` so far among equal times.
    pub fn push<E: Copy>(&mut self, queue: &mut EventQueue<E>, at: SimTime, item: K) {
        let new = Pending {
            at,
            seq: queue.take_seq(),
            item,
        };
        match self.next {
            Some(next) if next > new => {
                self.rest.push(Reverse(next));
                self.next = Some(new);
            }
            Some(_) => self.rest.push(Reverse(new)),
            None => self.next = Some(new),
        }
    }

    /// The earliest item, when it comes before every event pending in
    /// `queue`. Inlined: an event loop asks once an event.
    #[inline(always)]
    pub fn next_before<E: Copy>(&self, queue: &mut EventQueue<E>) -> Option<(SimTime, K)> {
        // A match, not `Option::filter`: the filter's closure was left a
        // call per event (9% of a run's instructions in callgrind).
        match self.next {
            Some(p) if queue.precedes(p.at, p.seq) => Some((p.at, p.item)),
            _ => None,
        }
    }

    /// Replaces the earliest item, just handled, with its source's next
    /// one (`None`: the source has no more), ordered after everything
    /// added so far among equal times.
    #[inline(always)]
    pub fn replace_next<E: Copy>(
        &mut self,
        queue: &mut EventQueue<E>,
        following: Option<(SimTime, K)>,
    ) {
        let following = following.map(|(at, item)| Pending {
            at,
            seq: queue.take_seq(),
            item,
        });
        self.next = match (following, self.rest.peek_mut()) {
            (Some(f), Some(mut top)) if top.0 < f => {
                Some(std::mem::replace(&mut *top, Reverse(f)).0)
            }
            (Some(f), _) => Some(f),
            (None, Some(top)) => Some(PeekMut::pop(top).0),
            (None, None) => None,
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};
    use std::collections::BTreeMap;

    /// Shadow-model check of both lanes together: one `BTreeMap` keyed by
    /// (time, insertion number) holds the queue's events and the lane's
    /// items; interleaved random pushes to either, pops of the earliest
    /// (from whichever holds it) and replacements of a lane item must
    /// come out in the model's order. Each source keeps one item pending.
    #[test]
    fn lane_and_queue_match_one_ordered_model() {
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(11);
        let mut q: EventQueue<(bool, u32)> = EventQueue::new();
        let mut lane: Lane<(bool, u32)> = Lane::with_capacity(8);
        let mut model: BTreeMap<(SimTime, u64), (bool, u32)> = BTreeMap::new();
        let mut seq = 0u64;
        let mut now = SimTime(0);
        let mut sources = 0u32;
        for step in 0..20_000u32 {
            let roll = rng.random_range(0..10);
            if roll < 3 {
                // An event, at or after the present (narrow: many ties).
                let at = SimTime(now.0 + rng.random_range(0..5));
                q.push(at, (false, step));
                model.insert((at, seq), (false, step));
                seq += 1;
            } else if roll < 4 && sources < 8 {
                let at = SimTime(now.0 + rng.random_range(0..5));
                lane.push(&mut q, at, (true, sources));
                model.insert((at, seq), (true, sources));
                seq += 1;
                sources += 1;
            } else {
                let Some((&(at, _), &want)) = model.first_key_value() else {
                    continue;
                };
                model.pop_first();
                now = at;
                if let Some((t, item)) = lane.next_before(&mut q) {
                    assert_eq!((t, item), (at, want));
                    // Its source's next item, or none (the source ends).
                    let following = rng.random_bool(0.9).then(|| {
                        let next = SimTime(at.0 + rng.random_range(0..5));
                        model.insert((next, seq), item);
                        seq += 1;
                        (next, item)
                    });
                    lane.replace_next(&mut q, following);
                } else {
                    assert_eq!(q.pop(), Some((at, want)));
                }
            }
        }
        assert!(seq > 5_000);
    }
}
