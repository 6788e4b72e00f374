//! Reading a shard's `sweep.json` and `sweep.csv` back for `poolcast
//! merge`, each cell checked, and what is wrong named by file and line.

use std::path::{Path, PathBuf};

use ::csv::ReaderBuilder;

use crate::input::{Input, InputError, Limit, read_text};
use crate::model::WindowError;
use crate::report::{SWEEP_TAIL, objective_verdict_columns};
use crate::results::{Checksum, SweepMeta, SweepMetaFile, SweepRow, judged_columns};

/// Why a shard's `sweep.json` or `sweep.csv` cannot be merged (each names
/// the file, and the line where there is one).
#[derive(Debug, thiserror::Error)]
pub enum ShardError {
    /// The `sweep.json` beside the `sweep.csv` cannot be read.
    #[error("{0} (it is written beside every sweep.csv)")]
    NoMeta(#[source] InputError),
    /// The `sweep.json` is not one this poolcast writes.
    #[error("{}: not a sweep.json of this poolcast: {source}", path.display())]
    NotMeta {
        /// The `sweep.json`.
        path: PathBuf,
        /// What the parser found.
        source: serde_json::Error,
    },
    /// The objective's window does not parse.
    #[error("{}: objective window: {source}", path.display())]
    Window {
        /// The `sweep.json`.
        path: PathBuf,
        /// Why.
        source: WindowError,
    },
    /// The `sweep.csv` cannot be read.
    #[error(transparent)]
    Rows(InputError),
    /// The `sweep.json` carries no checksum of the rows.
    #[error("{}: its sweep.json has no checksum of the rows (an older poolcast wrote it); run the shard again", .0.display())]
    NoChecksum(PathBuf),
    /// The rows do not match their checksum.
    #[error("{}: the rows do not match the checksum in sweep.json: the file was edited or damaged; run the shard again", .0.display())]
    Checksum(PathBuf),
    /// A line of the `sweep.csv` is wrong.
    #[error("{}:{line}: {problem}", path.display())]
    Line {
        /// The `sweep.csv`.
        path: PathBuf,
        /// Its line, from 1.
        line: u64,
        /// What is wrong there.
        problem: LineProblem,
    },
}

/// What is wrong on a line of a shard's `sweep.csv`.
#[derive(Debug, thiserror::Error)]
pub enum LineProblem {
    /// Not CSV (the reader's message).
    #[error("{0}")]
    Csv(String),
    /// The header is not this sweep's.
    #[error(
        "not a sweep.csv of this sweep (the columns differ); merge shards of one scenario and one poolcast version"
    )]
    Columns,
    /// A metric cell that is not a number.
    #[error("column {column}: {cell:?} is not a number")]
    NotANumber {
        /// The column's header.
        column: String,
        /// The cell.
        cell: String,
    },
    /// A metric cell that no sweep writes: every metric is a finite
    /// quantity at least 0 (or empty, undefined).
    #[error(
        "column {column}: {cell:?} is not a finite number at least 0, which no sweep writes; the shard was edited or damaged, run it again"
    )]
    OutOfRange {
        /// The column's header.
        column: String,
        /// The cell.
        cell: String,
    },
    /// A yes-or-no cell that is not `true` or `false` as a sweep writes it.
    #[error("column {column}: {cell:?} is not true or false (lowercase, as a sweep writes it)")]
    NotABool {
        /// The column's header.
        column: String,
        /// The cell.
        cell: String,
    },
    /// The `point` or `replications` cell is not a whole number.
    #[error("column {column}: {cell:?} is not a whole number")]
    NotACount {
        /// The column's header.
        column: &'static str,
        /// The cell.
        cell: String,
    },
}

/// Reads the `sweep.json` beside a shard's `sweep.csv`.
pub fn read_sweep_meta(csv_path: &Path) -> Result<SweepMeta, ShardError> {
    let path = csv_path.with_file_name("sweep.json");
    let text = read_text(&path, Limit::SWEEP_JSON).map_err(ShardError::NoMeta)?;
    let file: SweepMetaFile =
        serde_json::from_str(&text).map_err(|source| ShardError::NotMeta {
            path: path.clone(),
            source,
        })?;
    file.into_meta()
        .map_err(|source| ShardError::Window { path, source })
}

/// The whole number in cell `i` of `record`, the `column`.
fn whole<T: std::str::FromStr>(
    record: &::csv::StringRecord,
    i: usize,
    column: &'static str,
) -> Result<T, LineProblem> {
    let c = record.get(i).unwrap_or("");
    c.parse().map_err(|_| LineProblem::NotACount {
        column,
        cell: c.to_string(),
    })
}

/// Reads the rows of a `sweep.csv` written by `sweep_csv` with `meta`'s
/// axes and metrics.
pub fn read_sweep_rows(path: &Path, meta: &SweepMeta) -> Result<Vec<SweepRow>, ShardError> {
    ShardRows::open(path, meta)?.collect()
}

/// The rows of a shard's `sweep.csv`, read one at a time (a merge holds
/// one row a shard, however many points): its checksum is checked in a
/// first pass over the file, which keeps nothing.
pub struct ShardRows {
    path: std::path::PathBuf,
    rows: ::csv::StringRecordsIntoIter<std::io::BufReader<Input>>,
    headers: ::csv::StringRecord,
    axes: usize,
    metrics: Vec<String>,
}

impl ShardRows {
    /// The rows of the `sweep.csv` at `path`, written with `meta`'s axes,
    /// metrics and objective; refused when its checksum or its header is
    /// not `meta`'s.
    pub fn open(path: &Path, meta: &SweepMeta) -> Result<ShardRows, ShardError> {
        let err = |line: u64, problem: LineProblem| ShardError::Line {
            path: path.to_path_buf(),
            line,
            problem,
        };
        if meta.rows_checksum.is_empty() {
            return Err(ShardError::NoChecksum(path.to_path_buf()));
        }
        let mut input = Input::open(path, Limit::SWEEP_CSV).map_err(ShardError::Rows)?;
        let mut sum = Checksum::default();
        let mut buf = vec![0u8; 1 << 16];
        loop {
            match std::io::Read::read(&mut input, &mut buf) {
                Ok(0) => break,
                Ok(n) => sum.update(&buf[..n]),
                Err(e) => return Err(ShardError::Rows(input.read_error(&e))),
            }
        }
        // The file as one part of `checksum`, closed as it closes one.
        sum.update(&[0xff]);
        if sum.hex() != meta.rows_checksum {
            return Err(ShardError::Checksum(path.to_path_buf()));
        }
        let input = Input::open(path, Limit::SWEEP_CSV).map_err(ShardError::Rows)?;
        let mut rdr = ReaderBuilder::new().from_reader(std::io::BufReader::new(input));
        // The tail's flags, then each objective's verdicts (which a merge
        // judges again from the values, so they are checked, not read).
        let tail = 1 + meta.axes.len() + 1 + 3 * meta.metrics.len() + SWEEP_TAIL.len();
        let width = tail + objective_verdict_columns(&meta.objective).len();
        let headers = rdr
            .headers()
            .map_err(|e| err(1, LineProblem::Csv(e.to_string())))?
            .clone();
        let a = meta.axes.len();
        if headers.len() != width || headers.get(a) != Some("point") {
            return Err(err(1, LineProblem::Columns));
        }
        Ok(ShardRows {
            path: path.to_path_buf(),
            rows: rdr.into_records(),
            headers,
            axes: a,
            metrics: meta.metrics.clone(),
        })
    }

    /// The row of `record`, each cell checked.
    fn row(&self, record: &::csv::StringRecord) -> Result<SweepRow, ShardError> {
        let line = record.position().map_or(0, |p| p.line());
        let err = |problem: LineProblem| ShardError::Line {
            path: self.path.clone(),
            line,
            problem,
        };
        let headers = &self.headers;
        let num = |i: usize| -> Result<f64, ShardError> {
            let c = record.get(i).unwrap_or("");
            if c.is_empty() {
                return Ok(f64::NAN);
            }
            let (column, cell) = (headers.get(i).unwrap_or("").to_string(), c.to_string());
            match c.parse::<f64>() {
                Ok(x) if x.is_finite() && x >= 0.0 => Ok(x),
                Ok(_) => Err(err(LineProblem::OutOfRange { column, cell })),
                Err(_) => Err(err(LineProblem::NotANumber { column, cell })),
            }
        };
        // A yes-or-no column, strictly (`TRUE` had been read as false).
        let flag = |i: usize, empty_ok: bool| match record.get(i).unwrap_or("") {
            "true" => Ok(true),
            "false" => Ok(false),
            "" if empty_ok => Ok(false),
            cell => Err(err(LineProblem::NotABool {
                column: headers.get(i).unwrap_or("").to_string(),
                cell: cell.to_string(),
            })),
        };
        let (a, width) = (self.axes, headers.len());
        let tail = 1 + a + 1 + 3 * self.metrics.len() + SWEEP_TAIL.len();
        flag(tail - 4, true)?;
        flag(tail - 1, true)?;
        for i in tail..width {
            flag(i, true)?;
        }
        let values = (0..self.metrics.len())
            .map(|m| {
                Ok([
                    num(2 + a + 3 * m)?,
                    num(3 + a + 3 * m)?,
                    num(4 + a + 3 * m)?,
                ])
            })
            .collect::<Result<Vec<_>, ShardError>>()?;
        Ok(SweepRow::new(
            whole(record, a, "point").map_err(err)?,
            (0..a)
                .map(|i| record.get(i).unwrap_or("").to_string())
                .collect(),
            whole(record, 1 + a, "replications").map_err(err)?,
            values,
            judged_columns(&self.metrics),
            flag(tail - 3, false)?,
            record.get(tail - 2).unwrap_or("").to_string(),
        ))
    }
}

impl Iterator for ShardRows {
    type Item = Result<SweepRow, ShardError>;

    fn next(&mut self) -> Option<Self::Item> {
        let record = match self.rows.next()? {
            Ok(record) => record,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                return Some(Err(ShardError::Line {
                    path: self.path.clone(),
                    line,
                    problem: LineProblem::Csv(e.to_string()),
                }));
            }
        };
        Some(self.row(&record))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Objectives;
    use crate::results::{Fingerprint, Objective, checksum};

    /// A shard's rows with one damaged line, and the message naming it.
    fn error_of(row: &str) -> String {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sweep.csv");
        let text = format!(
            "pool.a.count,point,replications,x,x_ci95_low,x_ci95_high,{}\n3,0,10,1,0.5,1.5,true,true,,true\n{row}\n",
            SWEEP_TAIL.join(",")
        );
        std::fs::write(&path, &text).unwrap();
        let meta = SweepMeta {
            scenario: "t".into(),
            fingerprint: Fingerprint::default(),
            rows_checksum: checksum(&[text.as_bytes()]),
            points: 2,
            axes: vec!["pool.a.count".into()],
            axis_values: vec![vec!["3".into(), "4".into()]],
            metrics: vec!["x".into()],
            objective: Objective {
                slo: Objectives::default(),
                with_waiting_cost: false,
            },
        };
        let e = read_sweep_rows(&path, &meta).unwrap_err();
        assert!(matches!(e, ShardError::Line { line: 3, .. }), "{e:?}");
        e.to_string()
            .strip_prefix(&format!("{}:3: ", path.display()))
            .unwrap()
            .to_string()
    }

    #[test]
    fn a_damaged_cell_is_named_by_line_and_column() {
        assert_eq!(
            error_of("4,1,10,abc,0.5,1.5,true,true,,true"),
            "column x: \"abc\" is not a number"
        );
        assert_eq!(
            error_of("4,one,10,1,0.5,1.5,true,true,,true"),
            "column point: \"one\" is not a whole number"
        );
        assert_eq!(
            error_of("4,1,-2,1,0.5,1.5,true,true,,true"),
            "column replications: \"-2\" is not a whole number"
        );
        for cell in ["inf", "NaN", "-1", "-0.5"] {
            assert_eq!(
                error_of(&format!("4,1,10,{cell},0.5,1.5,true,true,,true")),
                format!(
                    "column x: {cell:?} is not a finite number at least 0, which no sweep writes; the shard was edited or damaged, run it again"
                )
            );
        }
        assert_eq!(
            error_of("4,1,10,1,0.5,1.5,true,TRUE,,true"),
            "column feasible: \"TRUE\" is not true or false (lowercase, as a sweep writes it)"
        );
        assert_eq!(
            error_of("4,1,10,1,0.5,1.5,yes,true,,true"),
            "column slo_met: \"yes\" is not true or false (lowercase, as a sweep writes it)"
        );
    }
}
