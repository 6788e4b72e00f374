//! What a sweep keeps of each point's row: its replications, whether it
//! ran, and its totals, in a file addressed by point number. A sweep of
//! 100,000 points kept 35 MB of rows in memory for the decisions made at
//! its end; on disk (an anonymous temporary file, 272 bytes a point, gone
//! when the sweep ends) its memory no longer grows with its points.

use std::cell::RefCell;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};

use crate::stats::{Metric, TotalMetric};

/// The total metrics, the first columns of every row.
pub(super) const TOTALS: usize = TotalMetric::ALL.len();

/// Mean, interval low and high of each total.
pub(super) type Totals = [[f64; 3]; TOTALS];

/// Bytes a point: its state and replications (8), then its totals.
const RECORD: usize = 8 + 8 * 3 * TOTALS;

/// Records read at once: the decisions read a condition's points in point
/// order, mostly neighbours.
const BLOCK: usize = 256;

/// What is stored of a point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Stored {
    pub replications: u32,
    pub feasible: bool,
    pub totals: Totals,
}

/// The last block of records read.
#[derive(Debug, Default)]
struct Block {
    first: usize,
    bytes: Vec<u8>,
}

/// The points' records, a fixed size each at `point * RECORD`: a point
/// never written reads back as absent (a file's hole reads as zeros).
#[derive(Debug)]
pub(super) struct RowStore {
    file: File,
    read: RefCell<Block>,
}

/// The state byte of a record: 0 (a hole) is a point without a row.
const INFEASIBLE: u8 = 1;
const FEASIBLE: u8 = 2;

impl RowStore {
    /// An empty store, in the system's temporary folder.
    pub fn new() -> io::Result<RowStore> {
        Ok(RowStore {
            file: tempfile::tempfile()?,
            read: RefCell::default(),
        })
    }

    /// Stores the record of `point`.
    pub fn put(&mut self, point: usize, row: &Stored) -> io::Result<()> {
        let mut record = [0u8; RECORD];
        record[0] = if row.feasible { FEASIBLE } else { INFEASIBLE };
        record[4..8].copy_from_slice(&row.replications.to_le_bytes());
        for (slot, x) in record[8..]
            .chunks_exact_mut(8)
            .zip(row.totals.iter().flatten())
        {
            slot.copy_from_slice(&x.to_le_bytes());
        }
        self.read.get_mut().bytes.clear();
        self.file.seek(SeekFrom::Start((point * RECORD) as u64))?;
        self.file.write_all(&record)
    }

    /// The record of `point`, if it was stored.
    pub fn get(&self, point: usize) -> io::Result<Option<Stored>> {
        let mut block = self.read.borrow_mut();
        let cached =
            point >= block.first && (point - block.first + 1) * RECORD <= block.bytes.len();
        if !cached {
            block.first = point - point % BLOCK;
            block.bytes.resize(BLOCK * RECORD, 0);
            let mut file = &self.file;
            file.seek(SeekFrom::Start((block.first * RECORD) as u64))?;
            let mut filled = 0;
            // Short reads, and the end of the file before the block's.
            while filled < block.bytes.len() {
                match file.read(&mut block.bytes[filled..]) {
                    Ok(0) => break,
                    Ok(n) => filled += n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            }
            block.bytes.truncate(filled - filled % RECORD);
        }
        let at = (point - block.first) * RECORD;
        let Some(record) = block.bytes.get(at..at + RECORD) else {
            return Ok(None);
        };
        let feasible = match record[0] {
            FEASIBLE => true,
            INFEASIBLE => false,
            _ => return Ok(None),
        };
        let mut totals = [[0.0; 3]; TOTALS];
        for (x, bytes) in totals.iter_mut().flatten().zip(record[8..].chunks_exact(8)) {
            *x = f64::from_le_bytes(bytes.try_into().expect("8 bytes"));
        }
        Ok(Some(Stored {
            replications: u32::from_le_bytes(record[4..8].try_into().expect("4 bytes")),
            feasible,
            totals,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stored(i: usize) -> Stored {
        let mut totals = [[f64::NAN; 3]; TOTALS];
        totals[0] = [i as f64, -0.0, f64::INFINITY];
        Stored {
            replications: i as u32,
            feasible: !i.is_multiple_of(3),
            totals,
        }
    }

    /// Records read back bit for bit, in any order of writing and
    /// reading, across blocks; points never written are absent.
    #[test]
    fn records_read_back_as_written_and_holes_are_absent() {
        let mut store = RowStore::new().expect("temp file");
        let written: Vec<usize> = (0..3 * BLOCK).rev().filter(|i| i % 7 != 2).collect();
        for &i in &written {
            store.put(i, &stored(i)).expect("write");
        }
        let bits = |s: &Stored| s.totals.map(|t| t.map(f64::to_bits));
        for i in (0..3 * BLOCK + 10).chain([BLOCK - 1, 5, 2 * BLOCK + 3]) {
            let got = store.get(i).expect("read");
            if written.contains(&i) {
                let (got, want) = (got.expect("written"), stored(i));
                assert_eq!(
                    (got.replications, got.feasible, bits(&got)),
                    (want.replications, want.feasible, bits(&want)),
                    "point {i}"
                );
            } else {
                assert_eq!(got, None, "point {i}");
            }
        }
        // A write after a read is seen by the next read.
        store.put(2, &stored(9)).expect("write");
        assert_eq!(store.get(2).expect("read").map(|s| s.replications), Some(9));
    }
}
