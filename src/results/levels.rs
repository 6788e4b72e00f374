//! A pool's queue series, stored compactly: the samples in blocks of
//! `BLOCK`, each of the four levels of a block stored as its offset from
//! the block's least value, in as few bytes as the block's range needs (0
//! for a level that does not change, 1 up to 255, 2 up to 65,535, else 4).
//! A pool of 8 instances with under 256 runs queued takes 2 B a sample
//! where `PoolLevels` takes 16: the series is what grows with the horizon.

use super::PoolLevels;

/// Samples in a block: a replication holds one block's samples as they
/// come (1 KiB a pool) before packing them. Blocks of 256 had held 4 KiB
/// a pool, a twentieth of a workload's memory in a run of many pools; a
/// block's header and allocation, about 60 B, cost a sample 1 B here.
pub const BLOCK: usize = 64;

/// Up to `BLOCK` consecutive samples of a pool, packed.
#[derive(Debug, Clone, PartialEq)]
pub struct LevelBlock {
    /// The least value of each level (queued, busy, allocated,
    /// provisioning) in the block.
    base: [u32; 4],
    /// Bytes per value of each level.
    width: [u8; 4],
    /// Samples in the block.
    len: u16,
    /// Each level's offsets from its base in turn, little-endian.
    bytes: Box<[u8]>,
}

/// The four levels of `l`, in the order a block stores them.
fn fields(l: &PoolLevels) -> [u32; 4] {
    [l.queued, l.busy, l.allocated, l.provisioning]
}

/// Bytes that hold every offset up to `range`.
fn width_of(range: u32) -> u8 {
    match range {
        0 => 0,
        1..=0xFF => 1,
        0x100..=0xFFFF => 2,
        _ => 4,
    }
}

impl LevelBlock {
    /// The block of `levels` (1 to `BLOCK` samples).
    fn new(levels: &[PoolLevels]) -> LevelBlock {
        let (mut base, mut top) = ([u32::MAX; 4], [0u32; 4]);
        for l in levels {
            for (f, v) in fields(l).into_iter().enumerate() {
                base[f] = base[f].min(v);
                top[f] = top[f].max(v);
            }
        }
        let width: [u8; 4] = std::array::from_fn(|f| width_of(top[f] - base[f]));
        let per_sample: usize = width.iter().map(|&w| usize::from(w)).sum();
        let mut bytes = Vec::with_capacity(levels.len() * per_sample);
        for f in 0..4 {
            // A loop of each width: a copy of `width` bytes a value was
            // most of the packing's time.
            let offsets = levels.iter().map(|l| fields(l)[f] - base[f]);
            match width[f] {
                0 => {}
                1 => bytes.extend(offsets.map(|v| v as u8)),
                2 => offsets.for_each(|v| bytes.extend_from_slice(&(v as u16).to_le_bytes())),
                _ => offsets.for_each(|v| bytes.extend_from_slice(&v.to_le_bytes())),
            }
        }
        LevelBlock {
            base,
            width,
            len: levels.len() as u16,
            bytes: bytes.into_boxed_slice(),
        }
    }

    /// Samples in the block.
    fn len(&self) -> usize {
        usize::from(self.len)
    }

    /// Level `f`'s values, from its base, one `width[f]`-byte offset
    /// each, at `self.bytes[start..]`.
    fn offsets(&self, f: usize) -> &[u8] {
        let before: usize = self.width[..f].iter().map(|&w| usize::from(w)).sum();
        &self.bytes[before * self.len()..]
    }

    /// Sample `i` of the block (`i < len`).
    fn get(&self, i: usize) -> PoolLevels {
        let v: [u32; 4] = std::array::from_fn(|f| {
            let w = usize::from(self.width[f]);
            let mut le = [0u8; 4];
            le[..w].copy_from_slice(&self.offsets(f)[i * w..(i + 1) * w]);
            self.base[f] + u32::from_le_bytes(le)
        });
        PoolLevels {
            queued: v[0],
            busy: v[1],
            allocated: v[2],
            provisioning: v[3],
        }
    }

    /// Every sample of the block into `out` (at least `len` long): a level
    /// at a time, each in a loop of its own width, as folding replications
    /// reads them (sample by sample took a third of a run's time).
    fn unpack(&self, out: &mut [PoolLevels]) {
        let out = &mut out[..self.len()];
        let setters: [fn(&mut PoolLevels, u32); 4] = [
            |l, v| l.queued = v,
            |l, v| l.busy = v,
            |l, v| l.allocated = v,
            |l, v| l.provisioning = v,
        ];
        for (f, set) in setters.into_iter().enumerate() {
            let (base, bytes) = (self.base[f], self.offsets(f));
            match self.width[f] {
                0 => out.iter_mut().for_each(|l| set(l, base)),
                1 => out
                    .iter_mut()
                    .zip(bytes)
                    .for_each(|(l, &b)| set(l, base + u32::from(b))),
                2 => out
                    .iter_mut()
                    .zip(bytes.chunks_exact(2))
                    .for_each(|(l, b)| set(l, base + u32::from(u16::from_le_bytes([b[0], b[1]])))),
                _ => out
                    .iter_mut()
                    .zip(bytes.chunks_exact(4))
                    .for_each(|(l, b)| set(l, base + u32::from_le_bytes([b[0], b[1], b[2], b[3]]))),
            }
        }
    }
}

/// A pool's series as a replication records it: whole blocks, and the
/// samples of the next.
#[derive(Debug, Default)]
pub struct LevelRecorder {
    blocks: Vec<LevelBlock>,
    pending: Vec<PoolLevels>,
}

impl LevelRecorder {
    /// A recorder with room for `samples`.
    pub fn with_capacity(samples: usize) -> LevelRecorder {
        LevelRecorder {
            blocks: Vec::with_capacity(samples.div_ceil(BLOCK)),
            pending: Vec::with_capacity(samples.min(BLOCK)),
        }
    }

    /// Adds the next sample.
    pub fn push(&mut self, levels: PoolLevels) {
        self.pending.push(levels);
        if self.pending.len() == BLOCK {
            self.blocks.push(LevelBlock::new(&self.pending));
            self.pending.clear();
        }
    }

    /// The series recorded, packed.
    pub fn finish(mut self) -> Vec<LevelBlock> {
        if !self.pending.is_empty() {
            self.blocks.push(LevelBlock::new(&self.pending));
        }
        self.blocks
    }
}

/// Sample `k` of a packed series, if it has one (every block but the last
/// is whole).
pub fn sample(blocks: &[LevelBlock], k: usize) -> Option<PoolLevels> {
    let block = blocks.get(k / BLOCK)?;
    (k % BLOCK < block.len()).then(|| block.get(k % BLOCK))
}

/// Samples in a packed series.
pub fn samples(blocks: &[LevelBlock]) -> usize {
    blocks.iter().map(LevelBlock::len).sum()
}

/// The samples of a packed series, in order, a block at a time.
pub fn for_each_block(blocks: &[LevelBlock], mut each: impl FnMut(&[PoolLevels])) {
    let mut all = [PoolLevels::default(); BLOCK];
    for b in blocks {
        b.unpack(&mut all);
        each(&all[..b.len()]);
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Pool levels, each from constant to the full range, so that blocks
    /// take every width.
    pub(in crate::results) fn levels() -> impl Strategy<Value = PoolLevels> {
        let level = prop_oneof![Just(7u32), 0u32..200, 0u32..70_000, any::<u32>()];
        (level.clone(), level.clone(), level.clone(), level).prop_map(
            |(queued, busy, allocated, provisioning)| PoolLevels {
                queued,
                busy,
                allocated,
                provisioning,
            },
        )
    }

    proptest! {
        /// A series reads back sample by sample as it was recorded, over
        /// block boundaries and a last block of any length.
        #[test]
        fn a_packed_series_reads_back_as_recorded(
            series in prop::collection::vec(levels(), 0..3 * BLOCK + 5)
        ) {
            let mut recorder = LevelRecorder::with_capacity(series.len());
            for &l in &series {
                recorder.push(l);
            }
            let packed = recorder.finish();
            prop_assert_eq!(samples(&packed), series.len());
            for (k, l) in series.iter().enumerate() {
                prop_assert_eq!(sample(&packed, k), Some(*l), "sample {}", k);
            }
            prop_assert_eq!(sample(&packed, series.len()), None);
            let mut unpacked = Vec::new();
            for_each_block(&packed, |b| unpacked.extend_from_slice(b));
            prop_assert_eq!(unpacked, series);
        }
    }

    /// An M/M/8 pool's levels (under 256 queued, 8 allocated, none
    /// provisioning) take 2 B a sample.
    #[test]
    fn a_steady_pool_takes_two_bytes_a_sample() {
        let block = LevelBlock::new(
            &(0..BLOCK as u32)
                .map(|k| PoolLevels {
                    queued: k % 200,
                    busy: k % 9,
                    allocated: 8,
                    provisioning: 0,
                })
                .collect::<Vec<_>>(),
        );
        assert_eq!(block.bytes.len(), 2 * BLOCK);
    }
}
