//! What a sweep keeps of each point's row: its replications, whether it
//! ran, and what its decisions read (its totals and its objectives'
//! values), in a file addressed by point number. A sweep of 100,000
//! points kept 35 MB of rows in memory for the decisions made at its end;
//! on disk (an anonymous temporary file, about 300 bytes a point, gone when
//! the sweep ends) its memory no longer grows with its points.

use std::cell::RefCell;
use std::fs::File;
use std::io;
#[cfg(not(unix))]
use std::io::{Read, Seek, SeekFrom, Write};

use crate::results::{Metric, TotalMetric};

/// The total metrics, the first columns of every row.
pub(crate) const TOTALS: usize = TotalMetric::ALL.len();

/// Mean, interval low and high of each column the decisions read: the
/// totals, then the objectives' columns.
pub(super) type Judged = Vec<[f64; 3]>;

/// Bytes of a record of `columns` columns: its state and replications
/// (8), then its columns.
fn record_len(columns: usize) -> usize {
    8 + 8 * 3 * columns
}

/// Records read at once when points are read one after the other (a
/// condition's points are neighbours when its axes vary slowest); others
/// (a condition axis varying fastest puts its points a stride apart) are
/// read a record at a time, which would otherwise re-read a block each.
const BLOCK: usize = 256;

/// What is stored of a point.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Stored {
    pub replications: u32,
    pub feasible: bool,
    pub columns: Judged,
}

/// The last records read, from `first`, and the last point asked for.
#[derive(Debug, Default)]
struct Block {
    first: usize,
    bytes: Vec<u8>,
    last: Option<usize>,
}

/// The points' records, a fixed size each at `point * RECORD`: a point
/// never written reads back as absent (a file's hole reads as zeros).
#[derive(Debug)]
pub(super) struct RowStore {
    file: File,
    /// Columns a record holds.
    columns: usize,
    read: RefCell<Block>,
}

/// The state byte of a record: 0 (a hole) is a point without a row.
const INFEASIBLE: u8 = 1;
const FEASIBLE: u8 = 2;

/// `e` in words that name the file and the fix: a temporary file's
/// failure would otherwise read as one of the output files'.
fn trouble(e: io::Error) -> io::Error {
    io::Error::new(
        e.kind(),
        format!(
            "the temporary file that holds the sweep's rows (a few hundred bytes a point) in {}: {e}; set TMPDIR to an existing, writable folder with room",
            std::env::temp_dir().display()
        ),
    )
}

impl RowStore {
    /// An empty store of records of `columns` columns, in the system's
    /// temporary folder.
    pub fn new(columns: usize) -> io::Result<RowStore> {
        Ok(RowStore {
            file: tempfile::tempfile().map_err(trouble)?,
            columns,
            read: RefCell::default(),
        })
    }

    /// Columns a record holds.
    pub fn columns(&self) -> usize {
        self.columns
    }

    /// Stores the record of `point`.
    pub fn put(&mut self, point: usize, row: &Stored) -> io::Result<()> {
        debug_assert_eq!(row.columns.len(), self.columns);
        let mut record = vec![0u8; record_len(self.columns)];
        record[0] = if row.feasible { FEASIBLE } else { INFEASIBLE };
        record[4..8].copy_from_slice(&row.replications.to_le_bytes());
        for (slot, x) in record[8..]
            .chunks_exact_mut(8)
            .zip(row.columns.iter().flatten())
        {
            slot.copy_from_slice(&x.to_le_bytes());
        }
        self.read.get_mut().bytes.clear();
        write_at(&self.file, &record, self.offset(point)?).map_err(trouble)
    }

    /// The record of `point`, if it was stored.
    pub fn get(&self, point: usize) -> io::Result<Option<Stored>> {
        let record_len = record_len(self.columns);
        let mut block = self.read.borrow_mut();
        let cached =
            point >= block.first && (point - block.first + 1) * record_len <= block.bytes.len();
        if !cached {
            // A block from here when the reads go one after another, else
            // this record alone.
            let sequential = block.last.is_none_or(|l| l + 1 == point);
            let records = if sequential { BLOCK } else { 1 };
            block.first = point;
            block.bytes.resize(records * record_len, 0);
            let first = self.offset(block.first)?;
            let filled = read_at(&self.file, &mut block.bytes, first).map_err(trouble)?;
            block.bytes.truncate(filled - filled % record_len);
        }
        block.last = Some(point);
        let at = (point - block.first) * record_len;
        let Some(record) = block.bytes.get(at..at + record_len) else {
            return Ok(None);
        };
        let feasible = match record[0] {
            FEASIBLE => true,
            INFEASIBLE => false,
            _ => return Ok(None),
        };
        let value = |bytes: &[u8]| f64::from_le_bytes(bytes.try_into().expect("8 bytes"));
        let columns = record[8..]
            .chunks_exact(24)
            .map(|c| [value(&c[..8]), value(&c[8..16]), value(&c[16..])])
            .collect();
        Ok(Some(Stored {
            replications: u32::from_le_bytes(record[4..8].try_into().expect("4 bytes")),
            feasible,
            columns,
        }))
    }

    /// The place of `point`'s record.
    fn offset(&self, point: usize) -> io::Result<u64> {
        point
            .checked_mul(record_len(self.columns))
            .and_then(|o| u64::try_from(o).ok())
            .ok_or_else(|| io::Error::other(format!("point {point} is beyond any sweep")))
    }
}

/// Writes `bytes` at `offset`.
fn write_at(file: &File, bytes: &[u8], offset: u64) -> io::Result<()> {
    #[cfg(unix)]
    {
        std::os::unix::fs::FileExt::write_all_at(file, bytes, offset)
    }
    #[cfg(not(unix))]
    {
        let mut file = file;
        file.seek(SeekFrom::Start(offset))?;
        file.write_all(bytes)
    }
}

/// Reads into `buf` from `offset` up to the end of the file: the bytes
/// read.
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        #[cfg(unix)]
        let n =
            std::os::unix::fs::FileExt::read_at(file, &mut buf[filled..], offset + filled as u64);
        #[cfg(not(unix))]
        let n = {
            let mut file = file;
            file.seek(SeekFrom::Start(offset + filled as u64))
                .and_then(|_| file.read(&mut buf[filled..]))
        };
        match n {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stored(i: usize) -> Stored {
        let mut columns = vec![[f64::NAN; 3]; TOTALS + 2];
        columns[0] = [i as f64, -0.0, f64::INFINITY];
        columns[TOTALS + 1] = [-(i as f64), 1.5, 0.0];
        Stored {
            replications: i as u32,
            feasible: !i.is_multiple_of(3),
            columns,
        }
    }

    /// Records read back bit for bit, in any order of writing and
    /// reading, across blocks; points never written are absent.
    #[test]
    fn records_read_back_as_written_and_holes_are_absent() {
        let mut store = RowStore::new(TOTALS + 2).expect("temp file");
        let written: Vec<usize> = (0..3 * BLOCK).rev().filter(|i| i % 7 != 2).collect();
        for &i in &written {
            store.put(i, &stored(i)).expect("write");
        }
        let bits = |s: &Stored| -> Vec<[u64; 3]> {
            s.columns.iter().map(|t| t.map(f64::to_bits)).collect()
        };
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
