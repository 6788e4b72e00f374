//! Recorded runs: the JSON that `az acr task list-runs --output json` prints,
//! or a CSV of `time, duration[, task, start, cpu]`. The format is detected
//! by content. JSON is streamed run by run, so exports of any size are read
//! in constant memory by `for_each_run`.
//!
//! This module reads files and checks them; it knows nothing of scenarios.

use std::fmt;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde::de::{DeserializeSeed, SeqAccess, Visitor};

use crate::units::SimDuration;

/// When something happened: a calendar instant, or an offset from the start
/// of the simulation (CSV traces may use either).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum RunTime {
    /// A UTC instant.
    At(DateTime<Utc>),
    /// Time since the simulation start.
    Offset(SimDuration),
}

/// One recorded run.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedRun {
    /// Position in the file: the JSON array index from 1, or the CSV line.
    pub row: usize,
    /// `runId`, when given.
    pub run_id: Option<String>,
    /// Task name (`null` for quick runs).
    pub task: Option<String>,
    /// `QuickBuild`, `QuickRun`, `AutoBuild` or `AutoRun`, when given.
    pub run_type: Option<String>,
    /// `Succeeded`, `Failed`, `Queued`, … when given.
    pub status: Option<String>,
    /// `agentPoolName`; `None` means the default compute environment.
    pub pool: Option<String>,
    /// When the run was queued.
    pub created: RunTime,
    /// When it started, if it did.
    pub started: Option<RunTime>,
    /// How long it ran, if it finished.
    pub duration: Option<SimDuration>,
    /// `agentConfiguration.cpu`, or the CSV `cpu` column.
    pub cpu: Option<u32>,
}

impl RecordedRun {
    /// Queue wait (start − created), when both are known and of one kind.
    pub fn wait(&self) -> Option<SimDuration> {
        match (self.created, self.started?) {
            (RunTime::At(c), RunTime::At(s)) => {
                Some(SimDuration::from_secs_f64((s - c).as_seconds_f64()))
            }
            (RunTime::Offset(c), RunTime::Offset(s)) => Some(s - c),
            _ => None,
        }
    }
}

/// A problem with a runs file: the file, the row (when there is one), what
/// is wrong and how to fix it.
#[derive(Debug)]
pub struct RunsError {
    /// The file.
    pub path: PathBuf,
    /// The JSON array index from 1 or the CSV line, when the problem has one.
    pub row: Option<usize>,
    /// What is wrong and the fix.
    pub message: String,
}

impl fmt::Display for RunsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some(r) = self.row {
            write!(f, ": run {r}")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for RunsError {}

/// The largest runs file read (1 GiB); larger is surely not an export.
const MAX_FILE_BYTES: u64 = 1 << 30;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct JsonRun {
    run_id: Option<String>,
    task: Option<String>,
    run_type: Option<String>,
    status: Option<String>,
    agent_pool_name: Option<String>,
    create_time: Option<String>,
    start_time: Option<String>,
    finish_time: Option<String>,
    agent_configuration: Option<AgentConfiguration>,
}

#[derive(Deserialize)]
struct AgentConfiguration {
    cpu: Option<u32>,
}

fn timestamp(text: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(text.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| {
            format!(
                "{text:?} is not an RFC 3339 timestamp ({e}); write e.g. \"2025-03-04T09:15:02Z\""
            )
        })
}

impl JsonRun {
    fn into_run(self, row: usize) -> Result<RecordedRun, String> {
        let created = timestamp(
            self.create_time
                .as_deref()
                .ok_or("has no createTime; every run needs the time it was queued")?,
        )?;
        let started = self.start_time.as_deref().map(timestamp).transpose()?;
        let finished = self.finish_time.as_deref().map(timestamp).transpose()?;
        if let Some(s) = started.filter(|s| *s < created) {
            return Err(format!(
                "starts ({s}) before it was created ({created}); times must not run backwards"
            ));
        }
        let duration = match (started, finished) {
            (Some(s), Some(f)) if f < s => {
                return Err(format!(
                    "finishes ({f}) before it started ({s}); times must not run backwards"
                ));
            }
            (Some(s), Some(f)) => Some(SimDuration::from_secs_f64((f - s).as_seconds_f64())),
            _ => None,
        };
        Ok(RecordedRun {
            row,
            run_id: self.run_id,
            task: self.task,
            run_type: self.run_type,
            status: self.status,
            pool: self.agent_pool_name,
            created: RunTime::At(created),
            started: started.map(RunTime::At),
            duration,
            // A cpu of 0 says nothing usable about the vCPUs a run had.
            cpu: self
                .agent_configuration
                .and_then(|a| a.cpu)
                .filter(|c| *c > 0),
        })
    }
}

/// Calls `f` on each element of a JSON array without collecting them.
struct EachRun<'f, F> {
    f: &'f mut F,
}

impl<'de, F: FnMut(usize, JsonRun) -> Result<(), String>> Visitor<'de> for EachRun<'_, F> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON array of runs, as `az acr task list-runs --output json` prints")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut row = 0;
        while let Some(run) = seq.next_element::<JsonRun>()? {
            row += 1;
            (self.f)(row, run).map_err(serde::de::Error::custom)?;
        }
        Ok(())
    }
}

impl<'de, F: FnMut(usize, JsonRun) -> Result<(), String>> DeserializeSeed<'de> for EachRun<'_, F> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

/// A CSV cell as an instant or an offset: RFC 3339, seconds, or a duration.
fn csv_time(text: &str) -> Result<RunTime, String> {
    let t = text.trim();
    if let Ok(secs) = t.parse::<f64>() {
        return if secs.is_finite() && secs >= 0.0 {
            Ok(RunTime::Offset(SimDuration::from_secs_f64(secs)))
        } else {
            Err(format!(
                "time {t:?} must be a non-negative number of seconds"
            ))
        };
    }
    if t.contains('T') && t.contains(':') {
        return timestamp(t).map(RunTime::At);
    }
    crate::text::parse_duration(t)
        .map(RunTime::Offset)
        .map_err(|_| {
            format!(
                "time {t:?} is neither seconds, a duration like \"90s\", nor an RFC 3339 timestamp"
            )
        })
}

fn csv_duration(text: &str) -> Result<SimDuration, String> {
    let t = text.trim();
    match t.parse::<f64>() {
        Ok(secs) if secs.is_finite() && secs >= 0.0 => Ok(SimDuration::from_secs_f64(secs)),
        Ok(secs) => Err(format!(
            "duration {secs} must be a non-negative number of seconds"
        )),
        Err(_) => crate::text::parse_duration(t).map_err(String::from),
    }
}

fn read_csv(
    path: &Path,
    reader: impl Read,
    f: &mut dyn FnMut(RecordedRun) -> Result<(), RunsError>,
) -> Result<(), RunsError> {
    let err = |row: Option<usize>, message: String| RunsError {
        path: path.to_path_buf(),
        row,
        message,
    };
    let mut csv = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(reader);
    let headers = csv
        .headers()
        .map_err(|e| err(None, format!("cannot read the CSV header: {e}")))?
        .clone();
    let col = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
    let time_col = col("time").ok_or_else(|| err(None, "a CSV trace needs a `time` column (seconds, a duration or an RFC 3339 timestamp), and usually `duration`".into()))?;
    let (dur_col, task_col, start_col, cpu_col) =
        (col("duration"), col("task"), col("start"), col("cpu"));
    let mut last: Option<RunTime> = None;
    for record in csv.records() {
        let record = record.map_err(|e| {
            err(
                e.position().map(|p| p.line() as usize),
                format!("malformed CSV: {e}"),
            )
        })?;
        let line = record.position().map_or(0, |p| p.line() as usize);
        let cell = |c: Option<usize>| c.and_then(|c| record.get(c)).filter(|s| !s.is_empty());
        let at = |e: String| err(Some(line), e);
        let created =
            csv_time(cell(Some(time_col)).ok_or_else(|| at("the time cell is empty".into()))?)
                .map_err(at)?;
        if last.is_some_and(|l| created < l) {
            return Err(err(
                Some(line),
                "times go backwards; sort the file by the time column".into(),
            ));
        }
        last = Some(created);
        let started = cell(start_col).map(csv_time).transpose().map_err(at)?;
        if started.is_some_and(|s| s < created) {
            return Err(err(
                Some(line),
                "start is before time; times must not run backwards".into(),
            ));
        }
        let cpu = cell(cpu_col)
            .map(|c| {
                c.parse::<u32>()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or(format!("cpu {c:?} must be a whole number of vCPUs"))
            })
            .transpose()
            .map_err(at)?;
        f(RecordedRun {
            row: line,
            run_id: None,
            task: cell(task_col).map(str::to_string),
            run_type: None,
            status: None,
            pool: None,
            created,
            started,
            duration: cell(dur_col).map(csv_duration).transpose().map_err(at)?,
            cpu,
        })?;
    }
    Ok(())
}

/// Calls `f` on every run of the file at `path`, in file order.
pub fn for_each_run(
    path: &Path,
    mut f: impl FnMut(RecordedRun) -> Result<(), RunsError>,
) -> Result<(), RunsError> {
    let err = |message: String| RunsError {
        path: path.to_path_buf(),
        row: None,
        message,
    };
    let file =
        std::fs::File::open(path).map_err(|e| err(format!("cannot open the runs file: {e}")))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    if size > MAX_FILE_BYTES {
        return Err(err(format!(
            "the file is {size} bytes; runs files over 1 GiB are refused (split the export by time)"
        )));
    }
    let mut reader = BufReader::new(file);
    let head = reader
        .fill_buf()
        .map_err(|e| err(format!("cannot read: {e}")))?;
    if head.contains(&0)
        || std::str::from_utf8(&head[..head.len().min(1024)])
            .is_err_and(|e| e.error_len().is_some())
    {
        return Err(err(
            "this is not text (binary or not UTF-8); give a list-runs JSON export or a CSV".into(),
        ));
    }
    match head.iter().find(|b| !b.is_ascii_whitespace()) {
        None => Err(err("the file is empty".into())),
        Some(b'[') | Some(b'{') => {
            let mut de = serde_json::Deserializer::from_reader(reader);
            let mut failed: Option<RunsError> = None;
            let mut each = |row: usize, run: JsonRun| -> Result<(), String> {
                let run = run.into_run(row)?;
                f(run).map_err(|e| {
                    let msg = e.message.clone();
                    failed = Some(e);
                    msg
                })
            };
            let result = EachRun { f: &mut each }
                .deserialize(&mut de)
                .and_then(|()| de.end());
            if let Some(e) = failed {
                return Err(e);
            }
            result.map_err(|e| err(format!(
                "not a list-runs JSON export (line {}, column {}): {e}; produce it with `az acr task list-runs --output json`",
                e.line(),
                e.column()
            )))
        }
        Some(_) => read_csv(path, reader, &mut f),
    }
}

/// Every run of the file at `path`, in file order.
pub fn read_runs(path: &Path) -> Result<Vec<RecordedRun>, RunsError> {
    let mut runs = Vec::new();
    for_each_run(path, |r| {
        runs.push(r);
        Ok(())
    })?;
    Ok(runs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(text: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("runs");
        std::fs::write(&p, text).unwrap();
        (dir, p)
    }

    #[test]
    fn runs_csv_reads_offsets_and_durations() {
        let (_d, p) = write("time,duration,task,start\n0,60,a,0\n30s,2m,b,90\n");
        let runs = read_runs(&p).unwrap();
        assert_eq!(runs.len(), 2);
        assert_eq!(runs[1].created, RunTime::Offset(SimDuration::from_secs(30)));
        assert_eq!(runs[1].duration, Some(SimDuration::from_secs(120)));
        assert_eq!(runs[1].wait(), Some(SimDuration::from_secs(60)));
        assert_eq!(runs[1].task.as_deref(), Some("b"));
    }

    #[test]
    fn runs_csv_rejects_bad_rows_with_their_line() {
        for (text, needle) in [
            ("time,duration\n10,5\n5,5\n", "run 3: times go backwards"),
            ("time,duration\n10,-5\n", "run 2: duration -5"),
            ("time,duration\nsoon,5\n", "run 2: time \"soon\""),
            ("when,duration\n1,1\n", "needs a `time` column"),
        ] {
            let (_d, p) = write(text);
            let e = read_runs(&p).unwrap_err().to_string();
            assert!(e.contains(needle), "{e} lacks {needle}");
        }
    }

    #[test]
    fn runs_json_rejects_non_exports_and_backwards_times() {
        let (_d, p) = write("{\"value\": 3}");
        assert!(
            read_runs(&p)
                .unwrap_err()
                .to_string()
                .contains("not a list-runs JSON export")
        );
        let (_d, p) = write(
            r#"[{"createTime": "2025-01-01T10:00:00Z", "startTime": "2025-01-01T09:00:00Z"}]"#,
        );
        assert!(
            read_runs(&p)
                .unwrap_err()
                .to_string()
                .contains("before it was created")
        );
        let (_d, p) = write("\u{0}\u{1}binary");
        assert!(read_runs(&p).unwrap_err().to_string().contains("not text"));
    }
}
