//! Input files read safely (and files appended to, [`open_append`]): each
//! path is opened once, checked to be a regular file (a FIFO would block forever, a device never ends, a folder
//! is a mistake), and read through a reader that stops at a byte limit while
//! reading. File sizes from metadata are not trusted: they are 0 for
//! `/proc` files and wrong for files that grow while being read.
//!
//! Messages name the file and what is wrong, once, and never quote the
//! file's content (a scenario may name any file, and its errors may end up
//! in a CI log).

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

/// Why an input file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// The operating system refused to open, read or write it.
    #[error("cannot {verb} {noun} {}: {message}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// "read", or "write" for a file appended to (the step summary).
        verb: &'static str,
        /// What the file should be ("scenario").
        noun: &'static str,
        /// Whether opening failed (else reading).
        opening: bool,
        /// What kind of failure (not found, permission denied, ...).
        kind: io::ErrorKind,
        /// The operating system's message, quoted once (the error is not
        /// chained to it, so it is not printed twice).
        message: String,
    },
    /// It is not a regular file.
    #[error("{} is {what}, not a regular file; {fix}", path.display())]
    NotAFile {
        /// The path.
        path: PathBuf,
        /// What it is: "a folder", "a named pipe (FIFO)", "a character
        /// device", "a block device", "a socket".
        what: &'static str,
        /// How to give a file instead.
        fix: &'static str,
    },
    /// It holds more than the limit of what it should be.
    #[error("{} holds more than {} bytes, the limit for a {noun}; is it the right file?", path.display(), limit)]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// The limit in bytes.
        limit: u64,
        /// What the file should be.
        noun: &'static str,
    },
    /// It is not UTF-8 text.
    #[error("{} is not UTF-8 text, which a {noun} must be (save it as UTF-8)", path.display())]
    NotText {
        /// The file.
        path: PathBuf,
        /// What the file should be.
        noun: &'static str,
    },
}

impl InputError {
    /// The same failure, on a file being written.
    fn written(mut self) -> InputError {
        if let InputError::Io { verb, .. } = &mut self {
            *verb = "write";
        }
        self
    }

    /// What is wrong, without the path: for messages that name the file
    /// already ("runs.json: it is a folder, ...").
    pub fn reason(&self) -> String {
        match self {
            InputError::Io {
                opening, message, ..
            } => {
                let verb = if *opening { "open" } else { "read" };
                format!("cannot {verb} it: {message}")
            }
            InputError::NotAFile { what, fix, .. } => {
                format!("it is {what}, not a regular file; {fix}")
            }
            InputError::TooLarge { limit, noun, .. } => {
                format!(
                    "it holds more than {limit} bytes, the limit for a {noun}; is it the right file?"
                )
            }
            InputError::NotText { noun, .. } => {
                format!("it is not UTF-8 text, which a {noun} must be (save it as UTF-8)")
            }
        }
    }

    fn io(path: &Path, limit: Limit, opening: bool, e: &io::Error) -> InputError {
        InputError::Io {
            path: path.to_path_buf(),
            verb: "read",
            noun: limit.noun,
            opening,
            kind: e.kind(),
            // The system's words ("out of memory") say neither why nor
            // what to do.
            message: if e.kind() == io::ErrorKind::OutOfMemory {
                "there is not enough memory to hold what it holds (the process's memory limit, such as ulimit -v, was reached); use a smaller file, or run where more memory is free".into()
            } else {
                e.to_string()
            },
        }
    }
}

/// What an input is and how large it may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// The most bytes read.
    pub bytes: u64,
    /// What the file is, for messages ("scenario", "runs file").
    pub noun: &'static str,
}

impl Limit {
    /// A scenario file: a hand-written scenario is a few kilobytes.
    pub const SCENARIO: Limit = Limit {
        bytes: 16 << 20,
        noun: "scenario",
    };
    /// A runs file (trace or import): larger is surely not an export.
    pub const RUNS: Limit = Limit {
        bytes: 1 << 30,
        noun: "runs file",
    };
    /// A shard's `sweep.csv` (100,000 points of a few hundred cells).
    pub const SWEEP_CSV: Limit = Limit {
        bytes: 4 << 30,
        noun: "shard table",
    };
    /// A shard's `sweep.json` (axes, their values and metric names).
    pub const SWEEP_JSON: Limit = Limit {
        bytes: 64 << 20,
        noun: "shard description",
    };
    /// A durations file of an empirical distribution (a few million run
    /// times).
    pub const DURATIONS: Limit = Limit {
        bytes: 64 << 20,
        noun: "durations file",
    };
}

/// An open regular file, read through a cap of `limit` bytes: reading past
/// it fails (and [`Input::over_limit`] says so), however large the file
/// claims to be.
#[derive(Debug)]
pub struct Input {
    file: File,
    path: PathBuf,
    limit: Limit,
    read: u64,
}

/// What a non-regular file is, for the message, and how to give a file.
fn describe(kind: &std::fs::FileType) -> (&'static str, &'static str) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let pipe = "save what it gives to a file first (e.g. `cmd > file`) and give that file";
        if kind.is_fifo() {
            return ("a named pipe (FIFO)", pipe);
        }
        if kind.is_socket() {
            return ("a socket", pipe);
        }
        if kind.is_char_device() {
            return ("a character device", "give the path of a regular file");
        }
        if kind.is_block_device() {
            return ("a block device", "give the path of a regular file");
        }
    }
    if kind.is_dir() {
        return ("a folder", "give the path of a file in it");
    }
    ("not a file", "give the path of a regular file")
}

impl Input {
    /// Opens `path` (following links), refusing anything but a regular
    /// file. Opening does not block on a FIFO: it is opened non-blocking and
    /// refused by its type.
    pub fn open(path: &Path, limit: Limit) -> Result<Input, InputError> {
        let mut options = std::fs::OpenOptions::new();
        options.read(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.custom_flags(libc::O_NONBLOCK);
        }
        let file = options
            .open(path)
            .map_err(|e| InputError::io(path, limit, true, &e))?;
        // The type of what was opened, not of what the path names now.
        let kind = file
            .metadata()
            .map_err(|e| InputError::io(path, limit, true, &e))?
            .file_type();
        if !kind.is_file() {
            let (what, fix) = describe(&kind);
            return Err(InputError::NotAFile {
                path: path.to_path_buf(),
                what,
                fix,
            });
        }
        Ok(Input {
            file,
            path: path.to_path_buf(),
            limit,
            read: 0,
        })
    }

    /// The path it was opened by.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether reading stopped at the limit.
    pub fn over_limit(&self) -> bool {
        self.read > self.limit.bytes
    }

    /// The error for reading past the limit.
    pub fn too_large(&self) -> InputError {
        InputError::TooLarge {
            path: self.path.clone(),
            limit: self.limit.bytes,
            noun: self.limit.noun,
        }
    }

    /// The error for a read that failed: past the limit, or the system's.
    pub fn read_error(&self, e: &io::Error) -> InputError {
        if self.over_limit() {
            self.too_large()
        } else {
            InputError::io(&self.path, self.limit, false, e)
        }
    }

    /// The whole file as bytes.
    pub fn read_bytes(mut self) -> Result<Vec<u8>, InputError> {
        let mut bytes = Vec::new();
        self.read_to_end(&mut bytes)
            .map_err(|e| self.read_error(&e))?;
        Ok(bytes)
    }

    /// The whole file as UTF-8 text.
    pub fn read_text(self) -> Result<String, InputError> {
        let (path, noun) = (self.path.clone(), self.limit.noun);
        String::from_utf8(self.read_bytes()?).map_err(|_| InputError::NotText { path, noun })
    }
}

impl Read for Input {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.over_limit() {
            return Err(io::Error::other("past the size limit"));
        }
        // One byte past the limit tells a file of exactly the limit from a
        // larger one.
        let room = self.limit.bytes - self.read + 1;
        let take = buf.len().min(usize::try_from(room).unwrap_or(usize::MAX));
        let n = self.file.read(&mut buf[..take])?;
        self.read += n as u64;
        if self.over_limit() {
            return Err(io::Error::other("past the size limit"));
        }
        Ok(n)
    }
}

/// Opens the regular file at `path` for appending (creating it when
/// missing), for files such as `GITHUB_STEP_SUMMARY` that a tool adds to:
/// anything else is refused by name without blocking (a FIFO with no reader
/// fails at once, one with a reader is refused by its type). `noun` names
/// the file in messages.
pub fn open_append(path: &Path, noun: &'static str) -> Result<File, InputError> {
    let limit = Limit { bytes: 0, noun };
    let mut options = std::fs::OpenOptions::new();
    options.append(true).create(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    // A FIFO without a reader is refused by the system (ENXIO) before any
    // type can be checked: say what it is rather than the system's words.
    let refused = |e: io::Error| match std::fs::metadata(path) {
        Ok(m) if !m.is_file() => {
            let (what, fix) = describe(&m.file_type());
            InputError::NotAFile {
                path: path.to_path_buf(),
                what,
                fix,
            }
        }
        _ => InputError::io(path, limit, true, &e).written(),
    };
    let file = options.open(path).map_err(refused)?;
    let kind = file
        .metadata()
        .map_err(|e| InputError::io(path, limit, true, &e).written())?
        .file_type();
    if !kind.is_file() {
        let (what, fix) = describe(&kind);
        return Err(InputError::NotAFile {
            path: path.to_path_buf(),
            what,
            fix,
        });
    }
    Ok(file)
}

/// Reads the regular file at `path` as UTF-8 text of at most `limit`.
///
/// ```
/// use poolcast::input::{Limit, read_text};
/// let dir = tempfile::tempdir().unwrap();
/// assert!(read_text(dir.path(), Limit::SCENARIO).unwrap_err().to_string().contains("is a folder"));
/// ```
pub fn read_text(path: &Path, limit: Limit) -> Result<String, InputError> {
    Input::open(path, limit)?.read_text()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TINY: Limit = Limit {
        bytes: 10,
        noun: "test file",
    };

    #[test]
    fn running_out_of_memory_says_why_and_what_to_do() {
        let e = io::Error::from(io::ErrorKind::OutOfMemory);
        let reason = InputError::io(Path::new("big.csv"), TINY, false, &e).reason();
        assert!(
            reason.starts_with("cannot read it: there is not enough memory"),
            "{reason}"
        );
        assert!(reason.contains("use a smaller file"), "{reason}");
        // Other failures keep the system's words.
        let e = io::Error::from(io::ErrorKind::PermissionDenied);
        let reason = InputError::io(Path::new("big.csv"), TINY, true, &e).reason();
        assert_eq!(reason, format!("cannot open it: {e}"));
    }

    #[test]
    fn input_reads_up_to_the_limit_and_no_further() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        std::fs::write(&p, "0123456789").unwrap();
        assert_eq!(read_text(&p, TINY).unwrap(), "0123456789");
        std::fs::write(&p, "0123456789x").unwrap();
        let e = read_text(&p, TINY).unwrap_err().to_string();
        assert!(
            e.contains("holds more than 10 bytes, the limit for a test file"),
            "{e}"
        );
    }

    /// Devices and FIFOs are refused by what they are, without blocking or
    /// reading forever; the OS message appears once.
    #[cfg(unix)]
    #[test]
    fn input_refuses_what_is_not_a_regular_file() {
        let e = read_text(Path::new("/dev/zero"), TINY)
            .unwrap_err()
            .to_string();
        assert!(e.contains("/dev/zero is a character device"), "{e}");
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if made.is_ok_and(|s| s.success()) {
            let e = read_text(&fifo, TINY).unwrap_err().to_string();
            assert!(
                e.contains("is a named pipe (FIFO), not a regular file"),
                "{e}"
            );
        }
        let e = read_text(&dir.path().join("missing"), TINY)
            .unwrap_err()
            .to_string();
        assert_eq!(e.matches("No such file").count(), 1, "{e}");
        std::fs::write(dir.path().join("bin"), [0xff, 0xfe]).unwrap();
        let e = read_text(&dir.path().join("bin"), TINY)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("is not UTF-8 text, which a test file must be"),
            "{e}"
        );
    }

    /// Appending refuses what is not a regular file, without blocking.
    #[cfg(unix)]
    #[test]
    fn open_append_refuses_what_is_not_a_regular_file() {
        let dir = tempfile::tempdir().unwrap();
        let summary = dir.path().join("summary.md");
        open_append(&summary, "step summary").unwrap();
        assert!(summary.is_file());
        let e = open_append(dir.path(), "step summary")
            .unwrap_err()
            .to_string();
        assert!(e.contains("is a folder, not a regular file"), "{e}");
        // A file that cannot be created is one that cannot be written.
        let e = open_append(&dir.path().join("no/such/folder.md"), "step summary")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("cannot write step summary "), "{e}");
        let fifo = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if made.is_ok_and(|s| s.success()) {
            let e = open_append(&fifo, "step summary").unwrap_err().to_string();
            assert!(
                e.contains("is a named pipe (FIFO), not a regular file"),
                "{e}"
            );
        }
    }

    /// /proc files say they are empty; the cap is counted while reading.
    #[cfg(target_os = "linux")]
    #[test]
    fn input_cap_does_not_trust_metadata() {
        let p = Path::new("/proc/self/maps");
        assert_eq!(std::fs::metadata(p).unwrap().len(), 0);
        let e = read_text(p, TINY).unwrap_err().to_string();
        assert!(e.contains("holds more than 10 bytes"), "{e}");
    }
}
