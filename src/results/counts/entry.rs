//! The sorted list of `ByteCounts`: a bucket and its count in 8 B.

use super::SUB_BUCKET_BITS;
use super::layout::bucket_index;

/// A bucket of `ByteCounts`' sorted list in 8 B, where an `(u32, u64)`
/// pair took 16 (the lists of a workload's 168 hour cells were a fifth of
/// its memory): its index in the top 16 bits, so that entries sort as
/// their buckets, and its count (whole, or its byte's wraps) below.
#[derive(Debug, Clone, Copy)]
pub(super) struct Entry(u64);

/// Bits of an entry's count.
pub(super) const COUNT_BITS: u32 = 48;

// Every bucket of a `u64` value in the finest layout (3 digits) fits an
// entry's 16 bits of index.
const _: () = assert!(bucket_index::<SUB_BUCKET_BITS>(u64::MAX) < 1 << (64 - COUNT_BITS));

/// What a bucket's wraps cannot pass: 2^48 entries' worth of 256.
pub(super) const TOO_MANY: &str =
    "a histogram bucket counted 2^56 times (70 years of events on one core)";

impl Entry {
    /// Bucket `i` counting `n`, if `n` fits in 48 bits.
    pub(super) fn new(i: usize, n: u64) -> Option<Entry> {
        debug_assert!(
            i < 1 << (64 - COUNT_BITS),
            "bucket {i} past an entry's index"
        );
        (n < 1 << COUNT_BITS).then_some(Entry(((i as u64) << COUNT_BITS) | n))
    }

    /// The bucket's index.
    pub(super) fn index(self) -> usize {
        (self.0 >> COUNT_BITS) as usize
    }

    /// The bucket's count (whole, or its byte's wraps).
    pub(super) fn n(self) -> u64 {
        self.0 & ((1 << COUNT_BITS) - 1)
    }
}

/// Counts `n` more at bucket `i` of `list` (sorted; a new bucket is
/// inserted in its place); `None`, and nothing counted, where the count
/// would pass an entry's 48 bits. Inlined: each run of an hour cell whose
/// counts are few comes here.
#[inline]
pub(super) fn list_add(list: &mut Vec<Entry>, i: usize, n: u64) -> Option<()> {
    match list.binary_search_by_key(&i, |e| e.index()) {
        Ok(k) => {
            // The count is the entry's low bits: added in place.
            let e = &mut list[k];
            (n < 1 << COUNT_BITS && e.n() + n < 1 << COUNT_BITS).then(|| e.0 += n)
        }
        Err(k) => Entry::new(i, n).map(|e| list.insert(k, e)),
    }
}
