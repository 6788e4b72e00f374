//! The staging folders of the writers of an output folder: who holds it,
//! and which were left by a writer that is gone.

use std::io;
use std::path::Path;

use super::parent;

/// The pid in a staging folder's name (`.NAME.poolcast-PID-XXXXXX`, see
/// `prepare`), if `name` is one.
fn staging_pid(name: &std::ffi::OsStr) -> Option<u32> {
    let (_, rest) = name.to_str()?.strip_prefix('.')?.split_once(".poolcast-")?;
    let (pid, _) = rest.split_once('-')?;
    if pid.bytes().all(|b| b.is_ascii_digit()) {
        pid.parse().ok()
    } else {
        None
    }
}

/// The staging folders in `parent` (name, pid), `ours` left out.
fn staging_folders(
    parent: &Path,
    ours: Option<&std::ffi::OsStr>,
) -> impl Iterator<Item = (std::fs::DirEntry, u32)> {
    std::fs::read_dir(parent)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter(move |e| Some(e.file_name().as_os_str()) != ours)
        .filter_map(|e| {
            let pid = staging_pid(&e.file_name())?;
            Some((e, pid))
        })
}

/// Whether process `pid` exists (`kill(pid, 0)`: only "no such process"
/// says it does not; a process of another user is alive too).
#[cfg(unix)]
fn alive(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    // SAFETY: signal 0 only checks that the process exists.
    let found = unsafe { libc::kill(pid, 0) } == 0;
    found || io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
}

/// Without a way to tell, every writer is taken to be alive.
#[cfg(not(unix))]
fn alive(_: u32) -> bool {
    true
}

/// Removes the staging folders in `parent` whose writer is gone: one
/// killed (SIGKILL, an abort, a second Ctrl-C) cannot remove its own, and
/// left there it would be named in "waiting for another poolcast" ever
/// after. Only folders named as `prepare` names them; errors are ignored
/// (another writer may be removing the same folder).
pub(super) fn remove_stale_staging(parent: &Path) {
    for (entry, pid) in staging_folders(parent, None) {
        if !alive(pid) && entry.file_type().is_ok_and(|t| t.is_dir()) {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// The pids of the other live poolcast processes that may hold `folder`'s
/// lock (from their staging folders' names), in order; `ours` is left
/// out. Those writing beside it stage inside it (it is their parent: a
/// sweep's `sweep/` in a run's folder), those writing it stage beside it
/// under its name.
pub(super) fn writers(folder: &Path, ours: Option<&std::ffi::OsStr>) -> Vec<String> {
    let name = folder
        .file_name()
        .map(|n| format!(".{}.", n.to_string_lossy()));
    let of_folder = staging_folders(parent(folder), ours).filter(|(e, _)| {
        name.as_ref()
            .is_some_and(|n| e.file_name().to_string_lossy().starts_with(n.as_str()))
    });
    let mut pids: Vec<u32> = staging_folders(folder, ours)
        .chain(of_folder)
        .map(|(_, pid)| pid)
        .filter(|pid| alive(*pid))
        .collect();
    pids.sort_unstable();
    pids.dedup();
    pids.into_iter().map(|p| p.to_string()).collect()
}
