//! Histogram counts kept the cheap way while a replication runs: the
//! bucket arithmetic of an hdrhistogram with the layout as constants.

use hdrhistogram::Histogram;

/// 3 significant digits: percentiles within 0.1%. The histogram grows to the
/// largest value recorded (logarithmically: a few kB per decade of ticks).
pub(super) fn histogram() -> Histogram<u64> {
    Histogram::new(3).expect("3 significant figures is a valid histogram precision")
}

/// The layout of `histogram()` (3 significant digits, lowest value 1):
/// 2^11 sub-buckets (the least power of two above 2 x 10^3), each bucket
/// after the first using its upper half.
pub(super) const SUB_BUCKET_BITS: u32 = 11;

/// The index of `value` in an hdrhistogram whose buckets have 2^`BITS`
/// sub-buckets: its bucket is the number of doublings above the first
/// bucket's range, then the sub-bucket.
pub(super) const fn bucket_index<const BITS: u32>(value: u64) -> usize {
    let half = 1usize << (BITS - 1);
    let bucket = (64 - BITS) - (value | ((1 << BITS) - 1)).leading_zeros();
    let sub_bucket = (value >> bucket) as usize;
    ((bucket as usize + 1) * half) + sub_bucket - half
}

/// The lowest value of the bucket at `index`: the inverse of
/// `bucket_index`.
pub(super) fn bucket_value<const BITS: u32>(index: usize) -> u64 {
    let half = 1usize << (BITS - 1);
    let (bucket, sub_bucket) = if index < 2 * half {
        (0, index)
    } else {
        let bucket = index / half - 1;
        (bucket, index - bucket * half)
    };
    (sub_bucket as u64) << bucket
}

/// The counts of a `histogram()` while a replication runs, recorded with
/// its bucket arithmetic inlined, and turned into one at the end.
///
/// `Histogram::record` is a call that reads the layout from memory and
/// checks for a resize, about 60 instructions, twice a run: a tenth of the
/// engine. Here the layout is constants. The histogram built by
/// `into_histogram` holds the same counts as one that recorded each value;
/// everything it reports (quantiles, min, max, mean) goes by bucket, so it
/// reports the same figures.
#[derive(Debug, Default)]
pub(super) struct Counts {
    /// Per bucket index of `histogram()`; grows with the largest value.
    counts: Vec<u64>,
}

impl Counts {
    pub(super) fn index(value: u64) -> usize {
        bucket_index::<SUB_BUCKET_BITS>(value)
    }

    pub(super) fn value(index: usize) -> u64 {
        bucket_value::<SUB_BUCKET_BITS>(index)
    }

    pub(super) fn record(&mut self, value: u64) {
        let i = Self::index(value);
        match self.counts.get_mut(i) {
            Some(c) => *c += 1,
            None => self.grow_and_record(i),
        }
    }

    #[cold]
    fn grow_and_record(&mut self, i: usize) {
        self.counts.resize(i + 1, 0);
        self.counts[i] += 1;
    }

    pub(super) fn into_histogram(self) -> Histogram<u64> {
        let mut h = histogram();
        for (i, &n) in self.counts.iter().enumerate().filter(|(_, n)| **n > 0) {
            // Auto-resizing only fails where `usize` is too small for the
            // counts array, and clamping to the highest value is the best
            // left then.
            if h.record_n(Self::value(i), n).is_err() {
                h.saturating_record_n(Self::value(i), n);
            }
        }
        h
    }
}

#[cfg(test)]
mod tests {
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
            let (mut counts, mut each) = (Counts::default(), histogram());
            for &v in &values {
                counts.record(v);
                each.record(v).expect("the histogram resizes");
            }
            let built = counts.into_histogram();
            prop_assert!(built == each);
            prop_assert_eq!(built.len(), each.len());
            prop_assert_eq!(built.max(), each.max());
            prop_assert_eq!(built.min_nz(), each.min_nz());
            prop_assert_eq!(built.value_at_quantile(0.95), each.value_at_quantile(0.95));
        }
    }

    #[test]
    fn counts_index_inverts_value() {
        for i in 0..40 << (SUB_BUCKET_BITS - 1) {
            assert_eq!(Counts::index(Counts::value(i)), i);
        }
    }
}
