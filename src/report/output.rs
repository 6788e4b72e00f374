//! The output folder: checked before any work, written atomically.

use std::io::Write;
use std::path::{Path, PathBuf};

/// The list of files a command wrote into its folder, kept beside them:
/// the next run of the command removes what it wrote before and does not
/// write again (a chart of a pool since renamed), and touches nothing else.
const MANIFEST: &str = ".poolcast-outputs";

/// A folder that has been created and proven writable.
#[derive(Debug)]
pub struct OutputDir {
    path: PathBuf,
    /// Names written so far, in order.
    written: std::sync::Mutex<Vec<String>>,
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
            written: std::sync::Mutex::new(Vec::new()),
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
        self.write_with(name, |out| out.write_all(bytes))
    }

    /// Writes `name` atomically, as `write`, from what `fill` writes: a
    /// file streamed rather than held in memory (`tasks.csv`).
    pub fn write_with(
        &self,
        name: &str,
        fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
    ) -> std::io::Result<PathBuf> {
        let target = self.path.join(name);
        let mut tmp = tempfile::NamedTempFile::new_in(&self.path)?;
        {
            let mut out = std::io::BufWriter::new(tmp.as_file_mut());
            fill(&mut out)?;
            out.flush()?;
        }
        // Temporary files are private (0600); outputs are ordinary files.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            tmp.as_file()
                .set_permissions(std::fs::Permissions::from_mode(0o644))?;
        }
        tmp.persist(&target).map_err(|e| e.error)?;
        self.written
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(name.to_string());
        Ok(target)
    }

    /// Ends the command's writing: removes the files the previous run of
    /// it wrote (listed in the folder's manifest) that this one did not,
    /// and records what this one wrote. Files it never wrote stay.
    pub fn finish(self) -> std::io::Result<()> {
        let written = self
            .written
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let manifest = self.path.join(MANIFEST);
        if let Ok(before) = std::fs::read_to_string(&manifest) {
            for stale in before.lines().filter(|l| !written.iter().any(|w| w == l)) {
                // Only plain names: a manifest never points outside.
                if !stale.is_empty() && !stale.contains(['/', '\\']) && stale != MANIFEST {
                    let _ = std::fs::remove_file(self.path.join(stale));
                }
            }
        }
        let mut list = written.join("\n");
        list.push('\n');
        let out = OutputDir {
            path: self.path,
            written: std::sync::Mutex::new(Vec::new()),
        };
        out.write(MANIFEST, list.as_bytes()).map(|_| ())
    }
}
