//! Errors of loading a scenario. Every message names the file and, where the
//! problem has a place, its line and column, what is wrong and how to fix it.

use std::fmt;
use std::path::PathBuf;

/// A line and column in a source file, both counted from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location {
    /// Line, from 1.
    pub line: usize,
    /// Column in characters, from 1.
    pub column: usize,
}

impl Location {
    /// The location of byte `offset` in `src`.
    pub fn of_offset(src: &str, offset: usize) -> Location {
        let before = &src[..src.floor_char_boundary(offset)];
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        Location {
            line: before.matches('\n').count() + 1,
            column: before[line_start..].chars().count() + 1,
        }
    }
}

/// One problem found by validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationIssue {
    /// The key path, e.g. `pool.builders.count`.
    pub key: String,
    /// Where the offending value stands, when it stands anywhere.
    pub location: Option<Location>,
    /// What is wrong and how to fix it.
    pub message: String,
}

/// Why a scenario could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The file could not be read (missing, not a regular file, too large,
    /// not text).
    #[error(transparent)]
    Input(#[from] crate::input::InputError),
    /// The file is not valid TOML or does not fit the schema (unknown key,
    /// wrong type).
    #[error("{}{}: {message}\n{rendered}", path.display(), location.map(|l| format!(":{}:{}", l.line, l.column)).unwrap_or_default())]
    Toml {
        /// The scenario file.
        path: PathBuf,
        /// Where the parser stopped.
        location: Option<Location>,
        /// The parser's one-line message.
        message: String,
        /// The parser's message with the offending line and a caret.
        rendered: String,
    },
    /// The file parsed but describes an impossible scenario.
    #[error("{}", Issues { path, issues })]
    Invalid {
        /// The scenario file.
        path: PathBuf,
        /// Every problem found, in file order.
        issues: Vec<ValidationIssue>,
    },
}

struct Issues<'a> {
    path: &'a PathBuf,
    issues: &'a [ValidationIssue],
}

impl fmt::Display for Issues<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.issues.len();
        write!(
            f,
            "{} is invalid ({n} problem{}):",
            self.path.display(),
            if n == 1 { "" } else { "s" }
        )?;
        for issue in self.issues {
            write!(f, "\n  {}", self.path.display())?;
            if let Some(l) = issue.location {
                write!(f, ":{}:{}", l.line, l.column)?;
            }
            write!(f, ": {}: {}", issue.key, issue.message)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn location_counts_lines_and_chars() {
        let src = "a = 1\nbé = 2\n";
        assert_eq!(Location::of_offset(src, 0), Location { line: 1, column: 1 });
        let off = src.find('2').unwrap();
        assert_eq!(
            Location::of_offset(src, off),
            Location { line: 2, column: 6 }
        );
        assert_eq!(
            Location::of_offset(src, 10_000),
            Location { line: 3, column: 1 }
        );
    }
}
