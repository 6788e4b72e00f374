//! The output folder: checked before any work, written atomically.

use std::io::Write;
use std::path::{Path, PathBuf};

/// A folder that has been created and proven writable.
#[derive(Debug, Clone)]
pub struct OutputDir {
    path: PathBuf,
}

impl OutputDir {
    /// Creates `path` (and parents) and checks that files can be written
    /// there (64 KiB, synced, then removed), so an unwritable folder or a
    /// full disk fails before a long simulation. The one sync of a run: some
    /// file systems report a full disk only when the data is flushed.
    pub fn prepare(path: &Path) -> std::io::Result<OutputDir> {
        std::fs::create_dir_all(path)?;
        let mut probe = tempfile::NamedTempFile::new_in(path)?;
        probe.write_all(&[0u8; 64 << 10])?;
        probe.as_file().sync_all()?;
        Ok(OutputDir {
            path: path.to_path_buf(),
        })
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes `name` atomically: a temporary file in the same folder, renamed
    /// over the target, so a reader never sees a half-written file.
    ///
    /// Not synced: the rename alone gives readers that guarantee, and an
    /// fsync per file (15 a run) cost 2-7 ms each on a quiet disk and up to
    /// 300 ms on a busy one, more than the simulation. What a sync would add
    /// is durability across a power cut, which outputs that a rerun
    /// reproduces bit for bit do not need; after a crash a file is either
    /// the old one, the new one, or (at worst, on some file systems) empty,
    /// never a mix. The full-disk check is `prepare`'s probe, before the work.
    pub fn write(&self, name: &str, bytes: &[u8]) -> std::io::Result<PathBuf> {
        let target = self.path.join(name);
        let mut tmp = tempfile::NamedTempFile::new_in(&self.path)?;
        tmp.write_all(bytes)?;
        // Temporary files are private (0600); outputs are ordinary files.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            tmp.as_file()
                .set_permissions(std::fs::Permissions::from_mode(0o644))?;
        }
        tmp.persist(&target).map_err(|e| e.error)?;
        Ok(target)
    }
}
