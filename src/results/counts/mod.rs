//! Histogram counts kept the cheap way while a replication runs: the
//! bucket arithmetic of an hdrhistogram with the layout as constants.

mod entry;
mod layout;
mod reach;
mod sum;

use hdrhistogram::Histogram;

use entry::{Entry, TOO_MANY, list_add};
pub(crate) use layout::{SUB_BUCKET_BITS, bucket_index, bucket_value, histogram};
use layout::{bucket_width, highest_value};
use reach::Reach;
use sum::{CHUNK, byte_sum};

/// Counts by bucket index: a sorted list while few buckets are counted,
/// then one byte per bucket over the buckets counted but their sparse
/// ends, the bytes' overflows and the ends' counts kept apart.
///
/// The counts are touched once or twice a run at indices scattered over a
/// few thousand buckets per histogram, and there are 168 of them per
/// workload for the waits by hour of the week: as `u32` or `u64` cells they
/// outgrow the core's cache and nearly every increment misses it (9% of a
/// run of 10^6 tasks). One byte per bucket keeps them cached; a byte wraps
/// once every 256 increments of its bucket, and the wrap is counted in a
/// short sorted list.
///
/// The bytes span the buckets counted but the outliers (`offset` on): a
/// run time of seconds is thousands of buckets up, and a zero byte for
/// each bucket below it had been half of a workload's memory; the
/// longest and shortest values of a replication are sparse, a few
/// thousand buckets of a 3-digit histogram for a dozen values. A bucket
/// outside the bytes is listed with its whole count (on the cold path);
/// one counted there again joins them, as do the nearest to them when more
/// than `OUTSIDE` are listed so. The zero waits a replication adds in bulk as
/// it ends stay listed: the waits' bytes start near the shortest wait
/// above 0.
///
/// Until `FEW` buckets are counted the counts are that list alone, whole
/// (`low` empty): most of the 168 hour cells of a workload see a few runs
/// a replication, and a byte a bucket up to each cell's longest wait (a
/// kilobyte or so) had made a workload about 0.2 MB. The event loop's
/// increment reaches the list through the path that grows `low`, so the
/// bytes' path is as it was.
///
/// `FROM_ZERO` counts start their bytes at bucket 0, sparing the event
/// loop's increment the offset's load and subtraction: the hour cells',
/// whose 2-digit buckets of 10 ms start near 0 anyway (the offset there
/// too had made a run of 10^6 tasks 1% slower).
#[derive(Debug, Clone)]
pub(crate) struct ByteCounts<const FROM_ZERO: bool = false> {
    /// The count modulo 256 of each bucket from `offset` on, as far as
    /// the bytes reach (a box of that length: the hour cells' 64 B hold
    /// it and the offset); empty while the counts are few.
    low: Box<[u8]>,
    /// By index, each bucket's `n`: outside the bytes its whole count
    /// (every bucket's while `low` is empty), inside them `count / 256` of
    /// a bucket that wrapped.
    wraps: Vec<Entry>,
    /// The bucket of `low[0]`; `NO_BYTES` while `low` is empty.
    offset: u32,
}

/// The sorted list of `ByteCounts::wraps`.
type List = [Entry];

/// `ByteCounts::offset` without bytes: above every bucket, so the whole
/// list is whole counts.
const NO_BYTES: u32 = u32::MAX;

/// Buckets counted in the sorted list at most: a binary search of up to
/// 5 steps and an insert of up to 256 bytes a new bucket, where the
/// bytes of a cell take a kilobyte or so.
const FEW: usize = 32;

/// Buckets listed outside the bytes at most: 512 B of list, where each of
/// the farthest outliers of a replication's 3-digit waits or turnarounds
/// spares hundreds of bytes (at 32 a workload of `benches/pools1000.toml`
/// took 1.1 KiB more; at 64 the list's searches and inserts add 0.6% to
/// the instructions of `scenarios/default.toml`).
const OUTSIDE: usize = 64;

impl<const FROM_ZERO: bool> Default for ByteCounts<FROM_ZERO> {
    /// No counts.
    fn default() -> Self {
        ByteCounts {
            low: Box::default(),
            wraps: Vec::new(),
            offset: NO_BYTES,
        }
    }
}

impl<const FROM_ZERO: bool> ByteCounts<FROM_ZERO> {
    /// Counts one more at bucket `i`.
    #[inline(always)]
    pub(crate) fn increment(&mut self, i: usize) {
        // Below `offset` the index wraps around, past the bytes' end.
        let k = if FROM_ZERO {
            i
        } else {
            i.wrapping_sub(self.offset as usize)
        };
        match self.low.get_mut(k) {
            Some(c) => {
                let (n, wrapped) = c.overflowing_add(1);
                *c = n;
                if wrapped {
                    self.wrap(i);
                }
            }
            None => self.record_outside(i),
        }
    }

    /// Drops the room the list grew beyond its entries (up to as much
    /// again, as a vector doubles): for counts kept past their
    /// replication.
    pub(crate) fn shrink_to_fit(&mut self) {
        self.wraps.shrink_to_fit();
    }

    /// Counts `n` more at bucket `i`: outside the bytes, listed whole.
    pub(crate) fn increment_by(&mut self, i: usize, n: u64) {
        if n == 0 {
            return;
        }
        if self.is_few() {
            self.increment_few(i, n);
            return;
        }
        let (from, to) = self.span();
        if !(from..to).contains(&i) {
            self.list_outside(i, n);
            return;
        }
        let byte = &mut self.low[i - self.offset as usize];
        // The low byte takes `n mod 256`, with a carry when it passes 255;
        // the rest are whole wraps.
        let (low, carried) = byte.overflowing_add((n & 0xff) as u8);
        *byte = low;
        let wraps = (n >> 8) + u64::from(carried);
        if wraps > 0 {
            self.wraps_add(i, wraps);
        }
    }

    #[cold]
    fn wrap(&mut self, i: usize) {
        self.wraps_add(i, 1);
    }

    /// Counts one more at bucket `i`, outside the bytes: listed, or
    /// joining them if listed already.
    #[cold]
    fn record_outside(&mut self, i: usize) {
        if self.is_few() {
            self.increment_few(i, 1);
        } else if self.wraps.binary_search_by_key(&i, |e| e.index()).is_ok() {
            self.cover(i, i + 1);
            self.increment_by(i, 1);
        } else {
            self.list_outside(i, 1);
        }
    }

    /// Counts `n` more at bucket `i` outside the bytes, whole in the list;
    /// past `OUTSIDE` buckets listed so, those nearest the bytes join them
    /// until half are left.
    fn list_outside(&mut self, i: usize, n: u64) {
        self.wraps_add(i, n);
        let (below, _, above) = self.split();
        if below.len() + above.len() <= OUTSIDE {
            return;
        }
        let (from, to) = self.span();
        // Listed are `below[..b]` and `above[a..]`.
        let (mut b, mut a) = (below.len(), 0);
        while b + above.len() - a > OUTSIDE / 2 {
            let down = below[..b].last().map(|e| from - e.index());
            let up = above.get(a).map(|e| e.index() + 1 - to);
            match (down, up) {
                (Some(d), Some(u)) if d > u => a += 1,
                (Some(_), _) => b -= 1,
                (None, _) => a += 1,
            }
        }
        let from = below.get(b).map_or(from, |e| e.index());
        let to = above[..a].last().map_or(to, |e| e.index() + 1);
        self.cover(from, to);
    }

    /// The buckets the bytes hold, `from..to` (from `NO_BYTES`: none,
    /// while the counts are few).
    fn span(&self) -> (usize, usize) {
        let from = self.offset as usize;
        (from, from + self.low.len())
    }

    /// Whether the counts are the sorted list alone (`FEW`).
    fn is_few(&self) -> bool {
        self.low.is_empty()
    }

    /// Counts `n` more at bucket `i` of the sorted list, turned into bytes
    /// when it would list more than `FEW` buckets.
    fn increment_few(&mut self, i: usize, n: u64) {
        let full = self.wraps.len() == FEW;
        if full && self.wraps.binary_search_by_key(&i, |e| e.index()).is_err() {
            self.make_bytes();
            self.increment_by(i, n);
        } else {
            self.wraps_add(i, n);
        }
    }

    /// Turns the sorted list into bytes from its first bucket to its last,
    /// and wraps.
    #[cold]
    fn make_bytes(&mut self) {
        if let (Some(first), Some(last)) = (self.wraps.first(), self.wraps.last()) {
            self.cover(first.index(), last.index() + 1);
        }
    }

    /// Grows the bytes to cover buckets `from..to` as well as their own,
    /// and no more; a bucket listed whole inside them moves into them.
    /// (While the counts are few, `from..to` must hold every bucket
    /// listed.) Exactly: a new largest or least value comes a few dozen
    /// times in a million, and doubling the room each time had left up to
    /// half of it empty.
    fn cover(&mut self, from: usize, to: usize) {
        let from = if FROM_ZERO { 0 } else { from };
        let (old_from, old_to) = self.span();
        let (from, to) = if self.is_few() {
            (from, to)
        } else {
            (from.min(old_from), to.max(old_to))
        };
        if (from, to) == (old_from, old_to) {
            return;
        }
        // Reallocated, extended in place where the allocator can, and only
        // what is new zeroed (a new box each time, zeroed whole, had been
        // 5% of the instructions of `scenarios/default.toml`).
        let mut low = std::mem::take(&mut self.low).into_vec();
        let (len, below) = (low.len(), old_from.saturating_sub(from));
        low.reserve_exact(to - from - len);
        low.resize(to - from, 0);
        if below > 0 && len > 0 {
            low.copy_within(..len, below);
            low[..below].fill(0);
        }
        (self.low, self.offset) = (low.into_boxed_slice(), from as u32);
        let low = &mut self.low;
        // A whole count now inside: its low byte there, the rest wraps.
        self.wraps.retain_mut(|e| {
            let i = e.index();
            if !(old_from..old_to).contains(&i) && (from..to).contains(&i) {
                low[i - from] = e.n() as u8;
                *e = Entry::new(i, e.n() >> 8).expect("a smaller count fits");
            }
            e.n() > 0
        });
    }

    /// Adds the counts of `other`, bucket by bucket: exact, and the same
    /// whatever order counts are added in. The bytes are added a chunk at
    /// a time in a loop the compiler vectorises, the carries looked for
    /// only in a chunk where one happened (adding 168 hour cells byte by
    /// byte was a sixth of a replication of `scenarios/default.toml`).
    pub(crate) fn add(&mut self, other: &Self) {
        let (below, wrapped, above) = other.split();
        if !other.is_few() {
            if self.is_few() {
                self.make_bytes();
            }
            let from = other.offset as usize;
            self.cover(from, from + other.low.len());
            let start = from - self.offset as usize;
            let ByteCounts { low, wraps, .. } = self;
            let mine = &mut low[start..start + other.low.len()];
            let chunks = mine.chunks_mut(CHUNK).zip(other.low.chunks(CHUNK));
            for (c, (mine, theirs)) in chunks.enumerate() {
                let mut carried = false;
                for (m, &t) in mine.iter_mut().zip(theirs) {
                    let (sum, carry) = m.overflowing_add(t);
                    *m = sum;
                    carried |= carry;
                }
                if carried {
                    // A byte carried where its sum is below what was added.
                    for (j, (&m, &t)) in mine.iter().zip(theirs).enumerate() {
                        if m < t {
                            list_add(wraps, from + c * CHUNK + j, 1).expect(TOO_MANY);
                        }
                    }
                }
            }
            for e in wrapped {
                self.wraps_add(e.index(), e.n());
            }
        }
        // Only the buckets counted are touched.
        for e in below.iter().chain(above) {
            self.increment_by(e.index(), e.n());
        }
    }

    /// Counts `n` more wraps of bucket `i`, or `n` more of a bucket listed
    /// whole. A whole count past an entry's 48 bits moves into the bytes,
    /// where its entry counts wraps.
    fn wraps_add(&mut self, i: usize, n: u64) {
        if list_add(&mut self.wraps, i, n).is_none() {
            let (from, to) = self.span();
            assert!(!(from..to).contains(&i), "{TOO_MANY}");
            if self.is_few() {
                self.make_bytes();
            }
            self.cover(i, i + 1);
            self.increment_by(i, n);
        }
    }

    /// The list's entries below the bytes and above them (whole counts),
    /// and within them (wraps): `(below, within, above)`.
    fn split(&self) -> (&List, &List, &List) {
        let (from, to) = self.span();
        let below = self.wraps.partition_point(|e| e.index() < from);
        let (below, rest) = self.wraps.split_at(below);
        let (within, above) = rest.split_at(rest.partition_point(|e| e.index() < to));
        (below, within, above)
    }

    /// Counts in all: the whole counts, the bytes summed (`byte_sum`) and
    /// the wraps.
    pub(crate) fn total(&self) -> u64 {
        let (below, wrapped, above) = self.split();
        let sum = |list: &List| list.iter().map(|e| e.n()).sum::<u64>();
        sum(below) + sum(above) + byte_sum(&self.low) + (sum(wrapped) << 8)
    }

    /// The highest bucket counted, if any.
    fn last(&self) -> Option<usize> {
        let low = self.low.iter().rposition(|&b| b != 0);
        let low = low.map(|k| self.offset as usize + k);
        low.max(self.wraps.last().map(|e| e.index()))
    }

    /// The buckets where the running count first reaches each of
    /// `targets` (ascending, each from 1 to the total), in one pass: the
    /// whole counts below the bytes, the bytes, where a chunk whose counts
    /// fall short of the next target is summed and stepped over, the
    /// others walked bucket by bucket, and the whole counts above them.
    fn reaching<const N: usize>(&self, targets: [u64; N]) -> [usize; N] {
        debug_assert!(targets.is_sorted(), "targets ascending");
        let (below, wrapped, above) = self.split();
        let mut reach = Reach::new(targets);
        below.iter().for_each(|e| reach.count(e.index(), e.n()));
        let mut w = 0;
        for (c, chunk) in self.low.chunks(CHUNK).enumerate() {
            if reach.done() {
                break;
            }
            let base = self.offset as usize + c * CHUNK;
            let wraps_end = w + wrapped[w..].partition_point(|e| e.index() < base + CHUNK);
            let wraps: u64 = wrapped[w..wraps_end].iter().map(|e| e.n()).sum();
            if reach.step_over(byte_sum(chunk) + (wraps << 8)) {
                w = wraps_end;
                continue;
            }
            for (j, &low) in chunk.iter().enumerate() {
                let i = base + j;
                let mut n = u64::from(low);
                if w < wraps_end && wrapped[w].index() == i {
                    n += wrapped[w].n() << 8;
                    w += 1;
                }
                reach.count(i, n);
            }
        }
        above.iter().for_each(|e| reach.count(e.index(), e.n()));
        reach.at
    }

    /// The values at the `qs` quantiles (ascending) in a histogram of
    /// 2^`BITS` sub-buckets, or `None` without counts: for each, the
    /// highest value of the bucket where the counts reach it (its lowest
    /// value for `q` = 0), what an hdrhistogram of the same layout holding
    /// these counts gives for `value_at_quantile(q)` (the same target
    /// count, the same bucket, the same end of it), read off the bytes in
    /// one pass without building one (building and resizing two for each
    /// workload, then scanning them once a quantile, was a third of a run
    /// of `scenarios/default.toml`).
    pub(crate) fn values_at_quantiles<const BITS: u32, const N: usize>(
        &self,
        qs: [f64; N],
    ) -> Option<[u64; N]> {
        let total = self.total();
        if total == 0 {
            return None;
        }
        let targets = qs.map(|q| ((q.min(1.0) * total as f64).ceil() as u64).max(1));
        let at = self.reaching(targets);
        Some(std::array::from_fn(|k| {
            if qs[k] == 0.0 {
                bucket_value::<BITS>(at[k])
            } else {
                highest_value::<BITS>(at[k])
            }
        }))
    }

    /// The highest value of the highest bucket counted in a histogram of
    /// 2^`BITS` sub-buckets (an hdrhistogram's `max`), or `None` without
    /// counts.
    pub(crate) fn max<const BITS: u32>(&self) -> Option<u64> {
        self.last().map(highest_value::<BITS>)
    }

    /// The buckets counted, `(index, count)` by ascending index.
    pub(crate) fn nonzero(&self) -> impl Iterator<Item = (usize, u64)> + '_ {
        let (below, wrapped, above) = self.split();
        let mut wraps = wrapped.iter().peekable();
        let offset = self.offset as usize;
        let bytes = self.low.iter().enumerate().filter_map(move |(k, &low)| {
            let i = offset + k;
            let high = wraps.next_if(|e| e.index() == i).map_or(0, |e| e.n());
            let n = u64::from(low) + (high << 8);
            (n > 0).then_some((i, n))
        });
        // Whole counts are never 0.
        let whole = |e: &Entry| (e.index(), e.n());
        below
            .iter()
            .map(whole)
            .chain(bytes)
            .chain(above.iter().map(whole))
    }
}

/// Equal when every bucket counts the same (however far each has grown).
impl<const FROM_ZERO: bool> PartialEq for ByteCounts<FROM_ZERO> {
    fn eq(&self, other: &Self) -> bool {
        self.nonzero().eq(other.nonzero())
    }
}

/// The counts of a `histogram()` while a replication runs, recorded with
/// its bucket arithmetic inlined, and turned into one where quantiles are
/// read. A replication keeps its waits in this form: a byte a bucket, an
/// eighth of the histogram's `u64` cells (248 KiB for the waits of a 7-day
/// horizon), which had made the waits of 2,000 replications half a
/// gigabyte.
///
/// `Histogram::record` is a call that reads the layout from memory and
/// checks for a resize, about 60 instructions, twice a run: a tenth of the
/// engine. Here the layout is constants. The histogram built by
/// `histogram` holds the same counts as one that recorded each value;
/// everything it reports (quantiles, min, max, mean) goes by bucket, so it
/// reports the same figures.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HistogramCounts {
    counts: ByteCounts,
}

impl HistogramCounts {
    pub(crate) fn index(value: u64) -> usize {
        bucket_index::<SUB_BUCKET_BITS>(value)
    }

    pub(crate) fn value(index: usize) -> u64 {
        bucket_value::<SUB_BUCKET_BITS>(index)
    }

    /// Counts `value`.
    // Forced, as the other pieces of the recorder the event loop calls once
    // a run: a bench build (which unwinds) left them calls, and its
    // replication ran 1.3x as long as the binary's.
    #[inline(always)]
    pub fn record(&mut self, value: u64) {
        self.counts.increment(Self::index(value));
    }

    /// Drops the room grown beyond the counts (see `ByteCounts`).
    pub(crate) fn shrink_to_fit(&mut self) {
        self.counts.shrink_to_fit();
    }

    /// Counts `n` more values of `value`.
    pub(crate) fn record_n(&mut self, value: u64, n: u64) {
        self.counts.increment_by(Self::index(value), n);
    }

    /// Values counted.
    pub fn len(&self) -> u64 {
        self.counts.total()
    }

    /// Whether no value was counted.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The values at the `qs` quantiles (ascending), as a `histogram()`
    /// holding these counts gives them (`value_at_quantile`), in one pass
    /// over the counts; `None` when no value was counted.
    pub(crate) fn quantiles<const N: usize>(&self, qs: [f64; N]) -> Option<[u64; N]> {
        self.counts.values_at_quantiles::<SUB_BUCKET_BITS, N>(qs)
    }

    /// The largest value counted, to the histogram's resolution (a
    /// `histogram()`'s `max`); `None` when no value was counted.
    pub(crate) fn max(&self) -> Option<u64> {
        self.counts.max::<SUB_BUCKET_BITS>()
    }

    /// The values counted at most each of `values` (ascending), to the
    /// histogram's resolution (what `Histogram::count_between(0, value)`
    /// gives each), in one pass over the counts: the wait CDF's interval
    /// asks at 201 waits per replication.
    pub fn counts_at_most(&self, values: &[u64]) -> Vec<u64> {
        debug_assert!(values.is_sorted(), "values ascending");
        let mut buckets = self.counts.nonzero().peekable();
        let mut seen = 0;
        values
            .iter()
            .map(|&v| {
                let last = Self::index(v);
                while let Some((_, n)) = buckets.next_if(|&(i, _)| i <= last) {
                    seen += n;
                }
                seen
            })
            .collect()
    }

    /// Adds the counts of `other`, bucket by bucket (exact).
    pub(crate) fn add(&mut self, other: &HistogramCounts) {
        self.counts.add(&other.counts);
    }

    /// The buckets counted, by ascending value: the highest value of each
    /// (what a `histogram()`'s `iter_recorded` gives as `value_iterated_to`)
    /// and its count.
    pub(crate) fn buckets(&self) -> impl Iterator<Item = (u64, u64)> + '_ {
        self.counts
            .nonzero()
            .map(|(i, n)| (Self::value(i) + bucket_width::<SUB_BUCKET_BITS>(i) - 1, n))
    }

    /// The counts as a `histogram()`.
    pub fn histogram(&self) -> Histogram<u64> {
        let mut h = histogram();
        self.record_into(&mut h);
        h
    }

    /// Adds the counts to `h`, a histogram of the same precision (3
    /// significant digits, auto-resizing).
    pub fn record_into(&self, h: &mut Histogram<u64>) {
        for (i, n) in self.counts.nonzero() {
            // Auto-resizing only fails where `usize` is too small for the
            // counts array, and clamping to the highest value is the best
            // left then.
            if h.record_n(Self::value(i), n).is_err() {
                h.saturating_record_n(Self::value(i), n);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::entry::COUNT_BITS;
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Counts turned into a histogram equal the histogram that recorded
        /// each value (same counts, total, min and max), from zero through
        /// values far past a day of ticks.
        #[test]
        fn counts_match_recording_each_value(values in prop::collection::vec(
            prop_oneof![0u64..5_000, 0u64..1 << 40, any::<u64>().prop_map(|v| v >> 8)],
            0..400,
        )) {
            let (mut counts, mut each) = (HistogramCounts::default(), histogram());
            for &v in &values {
                counts.record(v);
                each.record(v).expect("the histogram resizes");
            }
            let built = counts.histogram();
            prop_assert_eq!(counts.len(), each.len());
            let mut asked: Vec<u64> = values.iter().take(20).copied().collect();
            asked.sort_unstable();
            let wanted: Vec<u64> = asked.iter().map(|&v| each.count_between(0, v)).collect();
            prop_assert_eq!(counts.counts_at_most(&asked), wanted);
            prop_assert!(built == each);
            prop_assert_eq!(built.len(), each.len());
            prop_assert_eq!(built.max(), each.max());
            prop_assert_eq!(built.min_nz(), each.min_nz());
            prop_assert_eq!(built.value_at_quantile(0.95), each.value_at_quantile(0.95));
            let recorded: Vec<(u64, u64)> = each
                .iter_recorded()
                .map(|v| (v.value_iterated_to(), v.count_at_value()))
                .collect();
            prop_assert_eq!(counts.buckets().collect::<Vec<_>>(), recorded);
            let qs = [0.0, 0.01, 0.5, 0.9, 0.95, 0.99, 0.999, 1.0];
            let wanted = (!each.is_empty()).then(|| qs.map(|q| each.value_at_quantile(q)));
            prop_assert_eq!(counts.quantiles(qs), wanted);
            prop_assert_eq!(counts.max(), (!each.is_empty()).then(|| each.max()));
        }
    }

    proptest! {
        /// Quantiles and the largest value read off counts that wrapped
        /// their bytes, many times over in some buckets, equal those of a
        /// histogram that recorded the same counts.
        #[test]
        fn quantiles_match_past_a_byte(counted in prop::collection::vec(
            (prop_oneof![0u64..300, 0u64..5_000, 0u64..1 << 40], 1u64..3_000),
            1..60,
        )) {
            let (mut counts, mut each) = (HistogramCounts::default(), histogram());
            for &(v, n) in &counted {
                counts.record_n(v, n);
                each.record_n(v, n).expect("the histogram resizes");
            }
            prop_assert_eq!(counts.len(), each.len());
            let qs = [0.0, 0.001, 0.25, 0.5, 0.9, 0.95, 0.99, 1.0];
            prop_assert_eq!(counts.quantiles(qs), Some(qs.map(|q| each.value_at_quantile(q))));
            prop_assert_eq!(counts.max(), Some(each.max()));
        }
    }

    proptest! {
        /// Counting `n` at once is counting one `n` times: carries out of
        /// the low byte and whole wraps alike.
        #[test]
        fn counting_n_at_once_matches_one_by_one(
            steps in prop::collection::vec((0usize..50, 0u64..2_000), 0..80)
        ) {
            let (mut at_once, mut one_by_one) = (<ByteCounts>::default(), <ByteCounts>::default());
            for &(i, n) in &steps {
                at_once.increment_by(i, n);
                for _ in 0..n {
                    one_by_one.increment(i);
                }
            }
            prop_assert_eq!(
                at_once.nonzero().collect::<Vec<_>>(),
                one_by_one.nonzero().collect::<Vec<_>>()
            );
        }
    }

    /// Buckets counted past their byte, some many times over, alongside
    /// buckets that never wrap, some left at an exact multiple of 256,
    /// and enough buckets counted once that the list turned into bytes.
    #[test]
    fn byte_counts_keep_counts_past_a_byte() {
        let mut counts = <ByteCounts>::default();
        let mut wanted = vec![
            (0usize, 70_000u64),
            (3, 255),
            (4, 256),
            (5, 1),
            (9, 512),
            (700, 257),
        ];
        wanted.extend((800..800 + FEW).map(|i| (i, 1)));
        for &(i, n) in wanted.iter().rev() {
            for _ in 0..n {
                counts.increment(i);
            }
        }
        assert!(!counts.is_few());
        assert_eq!(counts.nonzero().collect::<Vec<_>>(), wanted);
    }

    /// Up to `FEW` buckets the counts are a list, whatever their values
    /// (far apart, past a byte), taking no byte a bucket; one more bucket
    /// turns them into bytes holding the same counts.
    #[test]
    fn few_buckets_are_a_list() {
        let mut counts = <ByteCounts>::default();
        let wanted: Vec<(usize, u64)> = (0..FEW).map(|k| (k * 997, 300 + k as u64)).collect();
        for &(i, n) in wanted.iter().rev() {
            for _ in 0..n {
                counts.increment(i);
            }
        }
        assert!(counts.is_few() && counts.low.is_empty());
        assert_eq!(counts.nonzero().collect::<Vec<_>>(), wanted);
        let total: u64 = wanted.iter().map(|w| w.1).sum();
        assert_eq!(counts.total(), total);
        counts.increment(5);
        assert!(!counts.is_few());
        let mut more = wanted.clone();
        more.insert(1, (5, 1));
        assert_eq!(counts.nonzero().collect::<Vec<_>>(), more);
        assert_eq!(counts.total(), total + 1);
    }

    proptest! {
        /// Counts added together, whichever is added to which, are the
        /// counts of one that counted every increment: carries out of a
        /// byte and wraps of either side included.
        #[test]
        fn added_counts_match_one_count(increments in prop::collection::vec(
            (prop_oneof![0usize..4, 0usize..600], 1u64..700, any::<bool>()),
            0..40,
        )) {
            let (mut a, mut b, mut each) =
                (<ByteCounts>::default(), <ByteCounts>::default(), <ByteCounts>::default());
            for &(i, n, to_a) in &increments {
                for _ in 0..n {
                    if to_a { a.increment(i) } else { b.increment(i) }
                    each.increment(i);
                }
            }
            let wanted: Vec<_> = each.nonzero().collect();
            let mut ab = a.clone();
            ab.add(&b);
            let mut ba = b;
            ba.add(&a);
            prop_assert_eq!(ab.nonzero().collect::<Vec<_>>(), wanted.clone());
            prop_assert_eq!(ba.nonzero().collect::<Vec<_>>(), wanted);
        }
    }

    /// The figures `counts` gives (total, quantiles, max, buckets) are
    /// those of `each`, a histogram that recorded the same values.
    fn assert_reads_as(counts: &HistogramCounts, each: &Histogram<u64>) {
        assert_eq!(counts.len(), each.len());
        let qs = [0.0, 0.01, 0.5, 0.9, 0.95, 0.99, 1.0];
        assert_eq!(
            counts.quantiles(qs),
            Some(qs.map(|q| each.value_at_quantile(q)))
        );
        assert_eq!(counts.max(), Some(each.max()));
        let recorded: Vec<(u64, u64)> = each
            .iter_recorded()
            .map(|v| (v.value_iterated_to(), v.count_at_value()))
            .collect();
        assert_eq!(counts.buckets().collect::<Vec<_>>(), recorded);
    }

    /// Waits of 10 to 20 s, in a scrambled order and each counted twice,
    /// take a byte a bucket over that span alone: a few far shorter and
    /// longer waits, and zero waits added in bulk (as a replication adds
    /// them at its end), are listed apart; counted again, a listed wait
    /// joins the bytes. The figures stay a histogram's throughout.
    #[test]
    fn bytes_span_the_buckets_counted_but_outliers() {
        fn record(counts: &mut HistogramCounts, each: &mut Histogram<u64>, v: u64) {
            counts.record(v);
            each.record(v).expect("the histogram resizes");
        }
        let secs = |s: u64| s * 1_000_000;
        let (mut counts, mut each) = (HistogramCounts::default(), histogram());
        // 997 is prime to 1,000: every step of 10 ms, scrambled.
        for k in (0..2_000).map(|k| k * 997 % 1_000) {
            record(&mut counts, &mut each, secs(10) + k * secs(10) / 1_000);
        }
        for v in [1_000, secs(2), secs(3), secs(3_600), secs(7_200)] {
            record(&mut counts, &mut each, v);
        }
        counts.record_n(0, 70_000);
        each.record_n(0, 70_000).expect("the histogram resizes");
        let (from, to) = counts.counts.span();
        let index = |s| HistogramCounts::index(secs(s));
        assert!(index(10) <= from && to <= index(20) + 1, "{from}..{to}");
        assert_reads_as(&counts, &each);
        record(&mut counts, &mut each, secs(2));
        assert_eq!(counts.counts.span(), (index(2), to));
        assert_reads_as(&counts, &each);
    }

    /// Past `OUTSIDE` buckets listed outside the bytes, those nearest to
    /// them join them until half are left: the farthest stay listed, and no
    /// count is lost.
    #[test]
    fn the_nearest_outliers_join_the_bytes() {
        let mut counts = <ByteCounts>::default();
        // The last bucket is listed outside the first bytes, then joins.
        (1_000..=1_000 + FEW).for_each(|i| counts.increment(i));
        counts.increment(1_000 + FEW);
        assert_eq!(counts.span(), (1_000, 1_000 + FEW + 1));
        // Alternately below and above, each farther than the last.
        let outliers: Vec<usize> = (1..=OUTSIDE + 1)
            .map(|k| match k % 2 {
                0 => 1_000 - 10 * k,
                _ => 1_000 + FEW + 10 * k,
            })
            .collect();
        outliers.iter().for_each(|&i| counts.increment(i));
        let (below, _, above) = counts.split();
        let listed: Vec<usize> = below.iter().chain(above).map(|e| e.index()).collect();
        let mut farthest = outliers[outliers.len() - OUTSIDE / 2..].to_vec();
        farthest.sort_unstable();
        assert_eq!(listed, farthest);
        assert_eq!(counts.total(), (FEW + OUTSIDE) as u64 + 3);
    }

    proptest! {
        /// Counts of values in different ranges (so bytes at different
        /// offsets, or a list), with zero values added in bulk, added
        /// together either way round read as the histogram that recorded
        /// every value.
        #[test]
        fn added_counts_read_as_one_histogram(
            a in prop::collection::vec(1u64 << 20..1 << 24, 0..200),
            b in prop::collection::vec(prop_oneof![1u64..5_000, 1u64 << 22..1 << 30], 0..200),
            zeros in (0u64..300, 0u64..300),
        ) {
            let mut each = histogram();
            let mut counts = [(&a, zeros.0), (&b, zeros.1)].map(|(values, zeros)| {
                let mut c = HistogramCounts::default();
                for &v in values {
                    c.record(v);
                    each.record(v).expect("the histogram resizes");
                }
                c.record_n(0, zeros);
                each.record_n(0, zeros).expect("the histogram resizes");
                c
            });
            prop_assume!(!each.is_empty());
            let [a, b] = &mut counts;
            let mut ab = a.clone();
            ab.add(b);
            b.add(a);
            assert_reads_as(&ab, &each);
            assert_reads_as(b, &each);
        }
    }

    /// A whole count past an entry's 48 bits moves into the bytes, where
    /// its entry counts wraps: while the counts are few, and below the
    /// bytes; nothing is lost either way.
    #[test]
    fn whole_counts_past_an_entry_move_into_the_bytes() {
        let most = (1u64 << COUNT_BITS) - 1;
        let mut few = <ByteCounts>::default();
        few.increment_by(9, most);
        few.increment(40);
        assert!(few.is_few());
        few.increment_by(9, 3);
        assert!(!few.is_few());
        assert_eq!(few.nonzero().collect::<Vec<_>>(), [(9, most + 3), (40, 1)]);
        let mut below = <ByteCounts>::default();
        (0..=FEW).for_each(|i| below.increment(100 + i));
        below.increment_by(7, most);
        below.increment_by(2, 5);
        assert_eq!(below.offset, 100);
        below.increment_by(7, most);
        assert_eq!(below.offset, 7);
        let mut wanted = vec![(2, 5), (7, 2 * most)];
        wanted.extend((100..=100 + FEW).map(|i| (i, 1)));
        assert_eq!(below.nonzero().collect::<Vec<_>>(), wanted);
        assert_eq!(below.total(), 2 * most + 5 + FEW as u64 + 1);
    }

    /// A listed bucket takes 8 B.
    #[test]
    fn an_entry_takes_8_bytes() {
        assert_eq!(std::mem::size_of::<Entry>(), 8);
    }

    /// Counts `FROM_ZERO` hold their bytes from bucket 0, whatever the
    /// least bucket counted, and read as the others do.
    #[test]
    fn counts_from_zero_start_at_bucket_0() {
        let (mut zero, mut offset) = (ByteCounts::<true>::default(), <ByteCounts>::default());
        for i in (100..=100 + FEW).chain([90, 90, 1_000, 1_000]) {
            zero.increment(i);
            offset.increment(i);
        }
        assert_eq!((zero.span(), offset.span()), ((0, 1_001), (90, 1_001)));
        assert!(zero.nonzero().eq(offset.nonzero()));
    }

    #[test]
    fn counts_index_inverts_value() {
        for i in 0..40 << (SUB_BUCKET_BITS - 1) {
            assert_eq!(HistogramCounts::index(HistogramCounts::value(i)), i);
        }
    }

    /// Every length around the blocks, every byte at its largest (where
    /// a lane would overflow first) and mixed.
    #[test]
    fn byte_sum_is_the_plain_sum() {
        for len in [0, 1, 7, 8, 9, 63, 64, 255, 256, 257, 1_000, 30_001] {
            let full = vec![255u8; len];
            let mixed: Vec<u8> = (0..len).map(|i| (i * 37 % 256) as u8).collect();
            for bytes in [full, mixed] {
                let plain: u64 = bytes.iter().map(|&b| u64::from(b)).sum();
                assert_eq!(byte_sum(&bytes), plain, "{len} bytes");
            }
        }
    }
}
