//! The output folder: checked before any work, written in full beside it,
//! then swapped in at once, so that a reader (or the next command) sees
//! the previous set or the new one, never a mix.

mod single_file;
mod staging;

use std::io::{self, Write};
use std::path::{Path, PathBuf};

pub use single_file::{check_file_target, write_file};
use staging::{remove_stale_staging, writers};

/// The list of files a command wrote into its folder, kept beside them:
/// the next run of the command removes what it wrote before and does not
/// write again (a chart of a pool since renamed), and touches nothing else.
const MANIFEST: &str = ".poolcast-outputs";

/// What a writer does when another poolcast holds the folder's lock.
#[derive(Debug, Clone, Copy)]
pub enum WhenLocked {
    /// Waits for it, telling the function once, with a sentence naming the
    /// folder and the other writer's pid (the library never prints; the
    /// command does).
    Wait(fn(&str)),
    /// Gives up at once with a [`Busy`] error (inside the `io::Error`)
    /// naming them: for CI, where a second writer should fail, not hang.
    Refuse,
}

/// Another poolcast is writing the folder and the writer was told not to
/// wait for it (`WhenLocked::Refuse`).
#[derive(Debug, Clone, thiserror::Error)]
#[error(
    "{who} is writing {folder} or a folder beside it, and this command does not wait for it (--no-wait); run it again when that one is done, or choose another --out"
)]
pub struct Busy {
    /// "another poolcast (pid N)".
    who: String,
    /// The folder as the user named it.
    folder: String,
}

/// Writing the output set would replace a file the command reads (`--out`
/// is the scenario's folder, and a trace there is called `queue.csv`).
#[derive(Debug, Clone, thiserror::Error)]
#[error(
    "writing {name} into {folder} would replace {input}, which this command reads; choose another --out, or rename the file"
)]
pub struct ReplacesInput {
    /// The output's name.
    name: String,
    /// The folder as the user named it.
    folder: String,
    /// The input as the command named it.
    input: String,
}

/// An output folder being written: the files go to a staging folder beside
/// the target (same parent, so one rename moves them all), which `finish`
/// swaps in. Dropped without `finish` (an error, Ctrl-C), the staging
/// folder goes and the target is as it was.
#[derive(Debug)]
pub struct OutputDir {
    /// The folder as the user named it, for messages.
    path: PathBuf,
    /// The same folder, absolute and with links resolved: the one swapped.
    target: PathBuf,
    staging: tempfile::TempDir,
    /// Names written so far, in order.
    written: std::sync::Mutex<Vec<String>>,
    /// Held (shared) from the first write to `finish`: a command swapping
    /// the parent folder moves the staging folder along, and waits until
    /// no file is being written into it.
    writing: std::sync::OnceLock<io::Result<DirLock>>,
    /// What to do when a lock is held by another writer (told the first
    /// time only when waiting).
    when_locked: WhenLocked,
    waited: std::sync::atomic::AtomicBool,
    /// The files the command reads that lie in the folder, by name, each
    /// with the path the command named it by (see `protect`).
    inputs: Vec<(String, PathBuf)>,
}

impl OutputDir {
    /// Checks that `path` can become the output folder: it is a folder or
    /// does not exist yet (its parents are created), and files can be
    /// written beside it (64 KiB, synced, then removed), so an unwritable
    /// place or a full disk fails before a long simulation. The one sync of
    /// a run: some file systems report a full disk only when the data is
    /// flushed. `when_locked` says what to do when the lock is held by
    /// another writer (see `finish`).
    pub fn prepare(path: &Path, when_locked: WhenLocked) -> io::Result<OutputDir> {
        let target = absolute(path)?;
        if let Ok(meta) = std::fs::metadata(&target)
            && !meta.is_dir()
        {
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                "it is a file, not a folder",
            ));
        }
        let parent = target.parent().unwrap_or(Path::new("/"));
        // Else creating the parents fails with "File exists".
        nearest_folder(&target)?;
        std::fs::create_dir_all(parent)?;
        remove_stale_staging(parent);
        let stem = target
            .file_name()
            .map_or_else(|| "out".into(), |n| n.to_string_lossy().into_owned());
        // The pid in the name tells a second writer who it waits for.
        let prefix = format!(".{stem}.poolcast-{}-", std::process::id());
        let mut builder = tempfile::Builder::new();
        builder.prefix(&prefix);
        // Created as any folder is (umask applies), not private.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            builder.permissions(std::fs::Permissions::from_mode(0o777));
        }
        let staging = match builder.tempdir_in(parent) {
            // A folder whose parent is closed to us (`--out .` in a
            // read-only place): staged inside it, and moved in file by
            // file.
            Err(e) if e.kind() == io::ErrorKind::PermissionDenied && target.is_dir() => {
                builder.tempdir_in(&target).map_err(without_path)?
            }
            other => other.map_err(without_path)?,
        };
        if target.is_dir() {
            // The files are moved into it, or its own files out of it.
            tempfile::tempfile_in(&target)?;
        }
        let mut probe = tempfile::NamedTempFile::new_in(staging.path())?;
        probe
            .write_all(&[0u8; 64 << 10])
            .and_then(|()| probe.as_file().sync_all())
            .map_err(without_path)?;
        drop(probe);
        Ok(OutputDir {
            path: path.to_path_buf(),
            target,
            staging,
            written: std::sync::Mutex::new(Vec::new()),
            writing: std::sync::OnceLock::new(),
            when_locked,
            waited: std::sync::atomic::AtomicBool::new(false),
            inputs: Vec::new(),
        })
    }

    /// Refuses to replace any of `inputs`, the files the command reads:
    /// at once when the folder's manifest lists one (the previous set would
    /// be replaced or removed), else when the command writes a file of its
    /// name (a [`ReplacesInput`] error inside the `io::Error`).
    pub fn protect(&mut self, inputs: &[PathBuf]) -> io::Result<()> {
        for input in inputs {
            let Ok(path) = std::fs::canonicalize(input) else {
                continue;
            };
            if let (Some(folder), Some(name)) = (path.parent(), path.file_name())
                && folder == self.target
            {
                self.inputs
                    .push((name.to_string_lossy().into_owned(), input.clone()));
            }
        }
        let listed = manifest(&self.target);
        match listed.iter().find_map(|name| self.replaces(name).err()) {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// An error when writing `name` would replace an input.
    fn replaces(&self, name: &str) -> io::Result<()> {
        match self.inputs.iter().find(|(n, _)| n == name) {
            Some((_, input)) => Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                ReplacesInput {
                    name: name.to_string(),
                    folder: self.path.display().to_string(),
                    input: input.display().to_string(),
                },
            )),
            None => Ok(()),
        }
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes `name` into the set. Nobody sees it before `finish`.
    ///
    /// Not synced: outputs that a rerun reproduces bit for bit do not need
    /// durability across a power cut, and an fsync per file (15 a run) cost
    /// 2-7 ms each on a quiet disk and up to 300 ms on a busy one, more than
    /// the simulation. The full-disk check is `prepare`'s probe.
    pub fn write(&self, name: &str, bytes: &[u8]) -> io::Result<PathBuf> {
        self.write_with(name, |out| out.write_all(bytes))
    }

    /// Writes `name` into the set, as `write`, from what `fill` writes: a
    /// file streamed rather than held in memory (`tasks.csv`).
    pub fn write_with(
        &self,
        name: &str,
        fill: impl FnOnce(&mut dyn Write) -> io::Result<()>,
    ) -> io::Result<PathBuf> {
        let file = self.create(name)?;
        let mut out = io::BufWriter::new(file);
        fill(&mut out)?;
        out.flush()?;
        self.written
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(name.to_string());
        Ok(self.path.join(name))
    }

    /// A scratch file for work in progress (a replication's rows before
    /// they are joined), on the output's file system, removed when dropped
    /// and never part of the set.
    pub fn scratch(&self) -> io::Result<tempfile::NamedTempFile> {
        self.lock_for_writing()?;
        tempfile::Builder::new()
            .prefix(".scratch-")
            .tempfile_in(self.staging.path())
    }

    /// Creates `name` in the staging folder, once the writer's lock is
    /// held.
    fn create(&self, name: &str) -> io::Result<std::fs::File> {
        self.replaces(name)?;
        self.lock_for_writing()?;
        std::fs::File::create(self.staging.path().join(name))
    }

    fn lock_for_writing(&self) -> io::Result<()> {
        match self
            .writing
            .get_or_init(|| self.lock(parent(&self.target), false))
        {
            Ok(_) => Ok(()),
            // The same error for every file, with its type (a refusal is
            // the user's to act on, see `Busy`).
            Err(e) => Err(match e.get_ref().and_then(|i| i.downcast_ref::<Busy>()) {
                Some(busy) => io::Error::new(e.kind(), busy.clone()),
                None => io::Error::new(e.kind(), e.to_string()),
            }),
        }
    }

    /// Ends the command's writing: the new set replaces the files the
    /// previous run of the command wrote (listed in the folder's manifest);
    /// files it did not write, and other commands' folders inside, stay.
    ///
    /// Under a lock on the parent folder (a second writer of the same
    /// folder waits) and on the folder itself (a command writing into a
    /// folder inside it, `sweep/` in `run`'s, finishes first). A folder
    /// poolcast wrote is swapped with the staging folder in one rename;
    /// one it did not write (or a mount point, or the working directory)
    /// is not replaced: the files are moved into it one by one.
    pub fn finish(mut self) -> io::Result<()> {
        let written = std::mem::take(
            self.written
                .get_mut()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        );
        let mut list = written.join("\n");
        list.push('\n');
        std::fs::write(self.staging.path().join(MANIFEST), list)?;
        // Shared to exclusive: let go first (two writers converting at
        // once would otherwise wait for each other).
        self.writing.take();
        let _parent = self.lock(parent(&self.target), true)?;
        if !self.target.exists() {
            return std::fs::rename(self.staging.path(), &self.target);
        }
        let _own = self.lock(&self.target, true)?;
        let (staging, target) = (self.staging, self.target);
        if replaceable(&target)? && exchange(staging.path(), &target).is_ok() {
            // The staging folder now holds the previous set: bring over
            // what the previous run did not write, drop the rest with it.
            let owned = manifest(staging.path());
            let moved = std::fs::read_dir(staging.path()).and_then(|entries| {
                for entry in entries {
                    let name = entry?.file_name();
                    let keep = name != MANIFEST && !owned.iter().any(|o| name == o.as_str());
                    if keep && !target.join(&name).exists() {
                        std::fs::rename(staging.path().join(&name), target.join(&name))?;
                    }
                }
                Ok(())
            });
            return moved.map_err(|e| {
                // Never delete what could not be brought over, nor let a
                // later run take it for a dead writer's staging folder.
                let kept = staging.keep();
                let name = kept.file_name().map_or_else(String::new, |n| {
                    n.to_string_lossy()
                        .replacen(".poolcast-", ".poolcast-kept-", 1)
                });
                let safe = kept.with_file_name(name);
                let kept = if std::fs::rename(&kept, &safe).is_ok() {
                    safe
                } else {
                    kept
                };
                io::Error::new(
                    e.kind(),
                    format!(
                        "{e}; the previous files are in {}, move them back by hand",
                        kept.display()
                    ),
                )
            });
        }
        let before = manifest(&target);
        for name in &written {
            std::fs::rename(staging.path().join(name), target.join(name))?;
        }
        for stale in before.iter().filter(|b| !written.contains(b)) {
            // Only plain names: a manifest never points outside.
            if !stale.is_empty() && !stale.contains(['/', '\\']) && stale != MANIFEST {
                let _ = std::fs::remove_file(target.join(stale));
            }
        }
        std::fs::rename(staging.path().join(MANIFEST), target.join(MANIFEST))
    }
}

impl OutputDir {
    /// Locks `folder` (the output folder or its parent) when another
    /// writer holds it: waits (saying so once) or refuses, as asked.
    fn lock(&self, folder: &Path, exclusive: bool) -> io::Result<DirLock> {
        DirLock::acquire(folder, exclusive, || {
            let ours = self.staging.path().file_name();
            let who = match writers(folder, ours).as_slice() {
                [] => "another poolcast".to_string(),
                [pid] => format!("another poolcast (pid {pid})"),
                pids => format!("other poolcasts (pids {})", pids.join(", ")),
            };
            match self.when_locked {
                WhenLocked::Refuse => Err(io::Error::new(
                    io::ErrorKind::WouldBlock,
                    Busy {
                        who,
                        folder: self.path.display().to_string(),
                    },
                )),
                WhenLocked::Wait(tell) => {
                    if !self.waited.swap(true, std::sync::atomic::Ordering::Relaxed) {
                        tell(&format!(
                            "waiting for {who} writing {} or a folder beside it",
                            self.path.display()
                        ));
                    }
                    Ok(())
                }
            }
        })
    }
}

/// The folder the absolute `path` goes in, or the nearest one on its way
/// that exists (the rest are created when it is written); an error when
/// that nearest existing entry is a file.
fn nearest_folder(path: &Path) -> io::Result<&Path> {
    let existing = path
        .ancestors()
        .skip(1)
        .find(|a| a.exists())
        .unwrap_or(Path::new("/"));
    if existing.is_dir() {
        Ok(existing)
    } else {
        Err(io::Error::new(
            io::ErrorKind::NotADirectory,
            format!("{} is a file, not a folder", existing.display()),
        ))
    }
}

/// `e` without the ` at path "…"` tempfile appends (its error keeps the
/// OS error only as text): the name of a staging folder never made, which
/// only confuses.
fn without_path(e: io::Error) -> io::Error {
    match e.to_string().rsplit_once(" at path \"") {
        Some((message, _)) => io::Error::new(e.kind(), message.to_string()),
        None => e,
    }
}

/// `path` made absolute, links resolved as far as it exists.
fn absolute(path: &Path) -> io::Result<PathBuf> {
    if let Ok(p) = std::fs::canonicalize(path) {
        return Ok(p);
    }
    let abs = std::path::absolute(path)?;
    match (abs.parent(), abs.file_name()) {
        (Some(parent), Some(name)) => Ok(absolute(parent)?.join(name)),
        _ => Ok(abs),
    }
}

fn parent(target: &Path) -> &Path {
    target.parent().unwrap_or(Path::new("/"))
}

/// The names listed in `dir`'s manifest.
fn manifest(dir: &Path) -> Vec<String> {
    std::fs::read_to_string(dir.join(MANIFEST))
        .map(|t| t.lines().map(str::to_string).collect())
        .unwrap_or_default()
}

/// Whether the existing folder `dir` may be replaced by a new one: poolcast
/// wrote it (a manifest), it is empty, or it holds only poolcast folders
/// (`sweep/` with nothing else); never the working directory.
fn replaceable(dir: &Path) -> io::Result<bool> {
    if std::env::current_dir().is_ok_and(|cwd| absolute(&cwd).is_ok_and(|c| c == dir)) {
        return Ok(false);
    }
    if dir.join(MANIFEST).is_file() {
        return Ok(true);
    }
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if !(entry.file_type()?.is_dir() && entry.path().join(MANIFEST).is_file()) {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Swaps two folders in one step (Linux `renameat2(RENAME_EXCHANGE)`);
/// fails where the system cannot, and the caller moves file by file.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    let a = std::ffi::CString::new(a.as_os_str().as_bytes())?;
    let b = std::ffi::CString::new(b.as_os_str().as_bytes())?;
    // SAFETY: two NUL-terminated paths that live across the call.
    let done = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if done == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> io::Result<()> {
    Err(io::ErrorKind::Unsupported.into())
}

/// An advisory lock (`flock`) on a folder, released when dropped.
#[derive(Debug)]
struct DirLock {
    #[cfg(unix)]
    _file: std::fs::File,
}

impl DirLock {
    /// Locks the folder at `path`, waiting for other holders unless
    /// `held` (called first, once, when another holder has it) says not
    /// to with an error. Checked again once held: a swap meanwhile may
    /// have put another folder there, whose lock is the one that counts.
    #[cfg(unix)]
    fn acquire(
        path: &Path,
        exclusive: bool,
        held: impl FnOnce() -> io::Result<()>,
    ) -> io::Result<DirLock> {
        use std::fs::TryLockError;
        use std::os::unix::fs::MetadataExt;
        let mut held = Some(held);
        loop {
            let file = std::fs::File::open(path)?;
            let tried = if exclusive {
                file.try_lock()
            } else {
                file.try_lock_shared()
            };
            match tried {
                Ok(()) => {}
                Err(TryLockError::WouldBlock) => {
                    if let Some(held) = held.take() {
                        held()?;
                    }
                    if exclusive {
                        file.lock()?;
                    } else {
                        file.lock_shared()?;
                    }
                }
                Err(TryLockError::Error(e)) => return Err(e),
            }
            let (held, now) = (file.metadata()?, std::fs::metadata(path)?);
            if (held.dev(), held.ino()) == (now.dev(), now.ino()) {
                return Ok(DirLock { _file: file });
            }
        }
    }

    /// Folders cannot be opened as files here: no lock.
    #[cfg(not(unix))]
    fn acquire(_: &Path, _: bool, _: impl FnOnce() -> io::Result<()>) -> io::Result<DirLock> {
        Ok(DirLock {})
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    /// Nothing shows before `finish`; then the set replaces the previous
    /// one, keeping what the command does not own.
    #[test]
    fn the_set_appears_at_once_and_keeps_foreign_files() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        let first = OutputDir::prepare(&out, WhenLocked::Wait(|_| {})).unwrap();
        first.write("a.txt", b"1").unwrap();
        first.write("old.txt", b"1").unwrap();
        assert!(!out.exists(), "the folder appeared before finish");
        first.finish().unwrap();
        assert_eq!(names(&out), [MANIFEST, "a.txt", "old.txt"]);
        std::fs::write(out.join("mine.txt"), "user").unwrap();
        std::fs::create_dir(out.join("sweep")).unwrap();
        std::fs::write(out.join("sweep").join(MANIFEST), "").unwrap();
        let second = OutputDir::prepare(&out, WhenLocked::Wait(|_| {})).unwrap();
        second.write("a.txt", b"2").unwrap();
        assert_eq!(std::fs::read_to_string(out.join("a.txt")).unwrap(), "1");
        second.finish().unwrap();
        assert_eq!(names(&out), [MANIFEST, "a.txt", "mine.txt", "sweep"]);
        assert_eq!(std::fs::read_to_string(out.join("a.txt")).unwrap(), "2");
        assert_eq!(names(tmp.path()), ["out"], "staging left behind");
    }

    /// Dropped unfinished (an error, Ctrl-C), the folder is untouched and
    /// no staging folder stays.
    #[test]
    fn an_unfinished_set_leaves_the_previous_one() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        let first = OutputDir::prepare(&out, WhenLocked::Wait(|_| {})).unwrap();
        first.write("a.txt", b"1").unwrap();
        first.finish().unwrap();
        let second = OutputDir::prepare(&out, WhenLocked::Wait(|_| {})).unwrap();
        second.write("a.txt", b"2").unwrap();
        second.write("b.txt", b"2").unwrap();
        drop(second);
        assert_eq!(names(&out), [MANIFEST, "a.txt"]);
        assert_eq!(std::fs::read_to_string(out.join("a.txt")).unwrap(), "1");
        assert_eq!(names(tmp.path()), ["out"]);
    }

    /// Told not to wait, a second writer fails with `Busy` where it would
    /// wait (here: to swap in while the first is writing), and leaves
    /// nothing; the first one is unaffected.
    #[test]
    fn a_writer_told_not_to_wait_refuses() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        let first = OutputDir::prepare(&out, WhenLocked::Wait(|_| {})).unwrap();
        first.write("a.txt", b"1").unwrap();
        let second = OutputDir::prepare(&out, WhenLocked::Refuse).unwrap();
        second.write("a.txt", b"2").unwrap();
        let e = second.finish().unwrap_err();
        let busy = e.get_ref().and_then(|i| i.downcast_ref::<Busy>());
        assert!(busy.is_some(), "{e}");
        let pid = format!("another poolcast (pid {})", std::process::id());
        assert!(e.to_string().starts_with(&pid), "{e}");
        first.finish().unwrap();
        assert_eq!(std::fs::read_to_string(out.join("a.txt")).unwrap(), "1");
        assert_eq!(names(tmp.path()), ["out"], "staging left behind");
    }

    /// Issue 28: a writer waiting for one writing a folder inside its own
    /// (a run for a sweep of the same scenario: its lock is on the run's
    /// folder, its staging folder inside it) names that one's pid.
    #[test]
    fn a_writer_names_the_pid_of_one_writing_inside_its_folder() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        let inner = OutputDir::prepare(&out.join("sweep"), WhenLocked::Wait(|_| {})).unwrap();
        inner.write("a.txt", b"1").unwrap();
        let outer = OutputDir::prepare(&out, WhenLocked::Refuse).unwrap();
        outer.write("b.txt", b"2").unwrap();
        let e = outer.finish().unwrap_err();
        let pid = format!("another poolcast (pid {})", std::process::id());
        assert!(e.to_string().starts_with(&pid), "{e}");
        inner.finish().unwrap();
    }

    /// A pid no process has: above Linux's highest (2^22), so the test
    /// cannot meet a reused one.
    fn dead_pid() -> u32 {
        i32::MAX as u32
    }

    /// Issue 16 (finding 9): a staging folder whose writer died (SIGKILL,
    /// an abort) is removed by the next writer beside it and no longer
    /// named as a writer to wait for; live writers' folders, and folders
    /// not named as poolcast names them, stay.
    #[test]
    fn staging_folders_of_dead_writers_go() {
        let tmp = tempfile::tempdir().unwrap();
        let dead = format!(".out.poolcast-{}-Ab12", dead_pid());
        let live = format!(".other.poolcast-{}-Cd34", std::process::id());
        let kept = format!(".out.poolcast-kept-{}-Ef56", dead_pid());
        for name in [&dead, &live, &kept, &".out.poolcast-mine".to_string()] {
            std::fs::create_dir(tmp.path().join(name)).unwrap();
            std::fs::write(tmp.path().join(name).join("summary.json"), "{}").unwrap();
        }
        assert_eq!(
            writers(tmp.path(), None),
            [std::process::id().to_string()],
            "the dead writer is listed"
        );
        let out = OutputDir::prepare(&tmp.path().join("out"), WhenLocked::Wait(|_| {})).unwrap();
        out.write("a.txt", b"1").unwrap();
        out.finish().unwrap();
        let mut want = vec![".out.poolcast-mine".to_string(), kept, live, "out".into()];
        want.sort();
        assert_eq!(names(tmp.path()), want);
    }

    /// A folder poolcast did not write is written into, not replaced.
    #[test]
    fn a_foreign_folder_is_written_into() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("notes.txt"), "user").unwrap();
        let dir = OutputDir::prepare(tmp.path(), WhenLocked::Wait(|_| {})).unwrap();
        dir.write("a.txt", b"1").unwrap();
        dir.finish().unwrap();
        assert_eq!(names(tmp.path()), [MANIFEST, "a.txt", "notes.txt"]);
        let file = tmp.path().join("notes.txt");
        assert!(
            OutputDir::prepare(&file, WhenLocked::Wait(|_| {})).is_err(),
            "a file became a folder"
        );
    }
}
