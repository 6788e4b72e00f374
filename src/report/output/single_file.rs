//! A file written on its own, outside an output folder: checked before any
//! work, then written atomically.

use std::io::{self, Write};
use std::path::Path;

use super::{absolute, nearest_folder};

/// Why a file cannot be written at `path`, if it cannot: checked before
/// any work, so a bad `--out` fails at once, not after a long fit. It is
/// refused when it exists and is not a regular file (a folder, a device
/// such as `/dev/null`, a link), when it is one of `inputs` (the file being
/// read), when the nearest existing folder on its way is a file, or when a
/// file cannot be created there (created and removed at once).
pub fn check_file_target(path: &Path, inputs: &[&Path]) -> Result<(), String> {
    if let Some(why) = refuse_file_target(path, inputs) {
        return Err(why);
    }
    let absolute = absolute(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let existing = nearest_folder(&absolute)
        .map_err(|e| format!("{e}, so {} cannot be written under it", path.display()))?;
    let probe = existing.join(format!(".poolcast-probe-{}", std::process::id()));
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)
        .and_then(|_| std::fs::remove_file(&probe))
        .map_err(|e| format!("cannot write a file in {}: {e}", existing.display()))
}

/// Why `path` may not be replaced by a file written there, if it may not:
/// it exists and is not a regular file (a folder, a device such as
/// `/dev/null`, a link), or it is one of `inputs` (the file being read).
fn refuse_file_target(path: &Path, inputs: &[&Path]) -> Option<String> {
    let meta = std::fs::symlink_metadata(path).ok()?;
    if !meta.is_file() {
        let what = if meta.is_dir() {
            "a folder"
        } else if meta.is_symlink() {
            "a symbolic link"
        } else {
            "not a regular file (a device, a pipe or a socket)"
        };
        return Some(format!(
            "{} is {what}; poolcast replaces only regular files: give the path of a new file",
            path.display()
        ));
    }
    let same = |input: &&&Path| match (absolute(path), absolute(input)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    inputs.iter().find(same).map(|input| {
        format!(
            "{} is the input file {}; writing there would replace what is read: give another path",
            path.display(),
            input.display()
        )
    })
}

/// Writes the file `path` atomically: a temporary file beside it, renamed
/// over it, so a reader sees the old file or the new one. Check the path
/// with `check_file_target` first.
pub fn write_file(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(bytes)?;
    // Temporary files are private (0600); outputs are ordinary files.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))?;
    }
    tmp.persist(path).map(|_| ()).map_err(|e| e.error)
}
