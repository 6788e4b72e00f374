//! The data files a scenario names (run-time files), read once per set of
//! scenarios. A sweep's points are one scenario with a few values changed;
//! without sharing, each point read and held its own copy of every file: a
//! 10^6-value durations file over 2,000 points took 80 s to expand and
//! 15.8 GB of memory.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use crate::workload::Recorded;

/// A file's run times, or why it could not be read.
type RunTimes = Result<Arc<Recorded>, String>;

/// Files already read, by the path the scenario gave (joined to its folder).
#[derive(Debug, Default)]
pub(crate) struct DataFiles {
    durations: Mutex<HashMap<PathBuf, RunTimes>>,
}

impl DataFiles {
    /// The run times of the durations file at `path`, read with `read` the
    /// first time and shared after. A failed read is kept too: every
    /// scenario naming the file gets the same message.
    pub(super) fn durations(
        &self,
        path: &Path,
        read: impl FnOnce(&Path) -> Result<Recorded, String>,
    ) -> RunTimes {
        // A panic while holding the lock cannot leave a half-written entry
        // (insertion is the last step), so a poisoned map is still sound.
        let mut files = self
            .durations
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        files
            .entry(path.to_path_buf())
            .or_insert_with(|| read(path).map(Arc::new))
            .clone()
    }
}
