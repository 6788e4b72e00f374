//! The bucket layout of an hdrhistogram as constants: where a value
//! falls, and what a bucket holds.

use hdrhistogram::Histogram;

/// 3 significant digits: percentiles within 0.1%. The histogram grows to the
/// largest value recorded (logarithmically: a few kB per decade of ticks).
pub(crate) fn histogram() -> Histogram<u64> {
    Histogram::new(3).expect("3 significant figures is a valid histogram precision")
}

/// The layout of `histogram()` (3 significant digits, lowest value 1):
/// 2^11 sub-buckets (the least power of two above 2 x 10^3), each bucket
/// after the first using its upper half.
pub(crate) const SUB_BUCKET_BITS: u32 = 11;

/// The index of `value` in an hdrhistogram whose buckets have 2^`BITS`
/// sub-buckets: its bucket is the number of doublings above the first
/// bucket's range, then the sub-bucket.
pub(crate) const fn bucket_index<const BITS: u32>(value: u64) -> usize {
    let half = 1usize << (BITS - 1);
    let bucket = (64 - BITS) - (value | ((1 << BITS) - 1)).leading_zeros();
    let sub_bucket = (value >> bucket) as usize;
    ((bucket as usize + 1) * half) + sub_bucket - half
}

/// The lowest value of the bucket at `index`: the inverse of
/// `bucket_index`.
pub(crate) fn bucket_value<const BITS: u32>(index: usize) -> u64 {
    let half = 1usize << (BITS - 1);
    let (bucket, sub_bucket) = if index < 2 * half {
        (0, index)
    } else {
        let bucket = index / half - 1;
        (bucket, index - bucket * half)
    };
    (sub_bucket as u64) << bucket
}

/// How many values the bucket at `index` holds: 1 in the first bucket,
/// doubling with each bucket after it.
pub(super) fn bucket_width<const BITS: u32>(index: usize) -> u64 {
    let half = 1usize << (BITS - 1);
    if index < 2 * half {
        1
    } else {
        1 << (index / half - 1)
    }
}

/// The highest value of the bucket at `index`.
pub(super) fn highest_value<const BITS: u32>(index: usize) -> u64 {
    bucket_value::<BITS>(index) + bucket_width::<BITS>(index) - 1
}
