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

/// Locates byte offsets of one source in increasing order, walking the
/// source once in all: locating every problem of a scenario costs the
/// length of the file, however many problems it has (rescanning from the
/// start for each would be quadratic).
pub(super) struct Locator<'a> {
    src: &'a str,
    /// Byte offset reached, and its location.
    pos: usize,
    at: Location,
}

impl<'a> Locator<'a> {
    /// A locator at the start of `src`.
    pub fn new(src: &'a str) -> Locator<'a> {
        Locator {
            src,
            pos: 0,
            at: Location { line: 1, column: 1 },
        }
    }

    /// The location of byte `offset`, which must not be below the last one
    /// asked (an earlier offset gives the last location).
    pub fn locate(&mut self, offset: usize) -> Location {
        let end = self.src.floor_char_boundary(offset);
        if end > self.pos {
            for c in self.src[self.pos..end].chars() {
                if c == '\n' {
                    self.at = Location {
                        line: self.at.line + 1,
                        column: 1,
                    };
                } else {
                    self.at.column += 1;
                }
            }
            self.pos = end;
        }
        self.at
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
    #[error("{}{}: {message}{}", path.display(), location.map(|l| format!(":{}:{}", l.line, l.column)).unwrap_or_default(), if rendered.is_empty() { String::new() } else { format!("\n{rendered}") })]
    Toml {
        /// The scenario file.
        path: PathBuf,
        /// Where the parser stopped.
        location: Option<Location>,
        /// The parser's one-line message.
        message: String,
        /// The parser's message with the offending line and a caret (empty
        /// when it would only repeat the message).
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
    fn locator_agrees_with_of_offset() {
        let src = "a = 1\nbé = \"ü\"\n\nc = [1,\n 2]\n";
        let mut locator = Locator::new(src);
        for offset in 0..src.len() + 3 {
            assert_eq!(
                locator.locate(offset),
                Location::of_offset(src, offset),
                "{offset}"
            );
        }
    }

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
