//! Seeded random streams.
//!
//! There is no global RNG. Every random source of a replication (say, the
//! arrivals of one workload) gets its own stream, seeded from
//! `(base seed, replication, stream)`. Seeds do not depend on anything else,
//! so two configurations of the same scenario see the same arrivals and
//! durations (common random numbers).

use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

/// The generator used for every stream: fast, small, and with a documented,
/// portable output sequence (unlike `rand::rngs::SmallRng`).
pub type SimRng = Xoshiro256PlusPlus;

/// SplitMix64's finaliser: a bijective mix that spreads nearby inputs apart.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The seed of stream `stream` in replication `replication`.
///
/// ```
/// use poolcast::engine::derive_seed;
/// assert_ne!(derive_seed(42, 0, 0), derive_seed(42, 1, 0));
/// assert_ne!(derive_seed(42, 0, 0), derive_seed(42, 0, 1));
/// assert_eq!(derive_seed(42, 3, 2), derive_seed(42, 3, 2));
/// ```
pub fn derive_seed(base: u64, replication: u64, stream: u64) -> u64 {
    mix(mix(mix(base) ^ replication) ^ stream)
}

/// A generator for stream `stream` of replication `replication`.
pub fn stream_rng(base: u64, replication: u64, stream: u64) -> SimRng {
    SimRng::seed_from_u64(derive_seed(base, replication, stream))
}
