//! Bytes summed a word at a time.

/// Buckets added or summed at a time: a few vector registers' worth.
pub(super) const CHUNK: usize = 64;

/// Words of 8 bytes whose byte pairs add up in 16-bit lanes before the
/// four lanes' sum could pass 2^16: 32 x 8 x 255 < 2^16.
pub(super) const SUM_WORDS: usize = 32;

/// The sum of `bytes`, eight at a time: the byte pairs of each word added
/// in four 16-bit lanes, the lanes summed by a multiply. The compiler
/// left the plain sum a byte at a time (two instructions a byte), and the
/// quantiles of a replication sum its wait and turnaround counts, tens
/// of thousands of buckets for a few runs: 13% of the instructions of a
/// sweep of short points.
#[inline]
pub(super) fn byte_sum(bytes: &[u8]) -> u64 {
    /// The low byte of each 16-bit lane.
    const LOW: u64 = 0x00ff_00ff_00ff_00ff;
    let (words, rest) = bytes.as_chunks::<8>();
    let mut total: u64 = rest.iter().map(|&b| u64::from(b)).sum();
    for block in words.chunks(SUM_WORDS) {
        let mut lanes = 0u64;
        for &word in block {
            let w = u64::from_le_bytes(word);
            lanes += (w & LOW) + ((w >> 8) & LOW);
        }
        // The four lanes' sum lands in the top one, without carries.
        total += lanes.wrapping_mul(0x0001_0001_0001_0001) >> 48;
    }
    total
}
