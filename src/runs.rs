//! Recorded runs: the JSON that `az acr task list-runs --output json` prints,
//! or a CSV of `time, duration[, task, start, cpu]`. The format is detected
//! by content. JSON is streamed run by run, so exports of any size are read
//! in constant memory by `for_each_run`.
//!
//! This module reads files and checks them; it knows nothing of scenarios.

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde::de::{DeserializeSeed, SeqAccess, Visitor};

use crate::input::{Input, Limit};
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
    /// `timerTrigger.scheduleOccurrence`: the firing of the task's timer
    /// schedule that started it, when it names one as a timestamp.
    pub timer_occurrence: Option<DateTime<Utc>>,
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
    /// Read as any value: a trigger of another shape is no evidence of a
    /// schedule, not a reason to refuse the export.
    timer_trigger: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct AgentConfiguration {
    cpu: Option<u32>,
}

/// `text` of the field `name` as an instant. Messages name the field, not
/// its text: errors never quote the file (see `input`).
fn timestamp(name: &str, text: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(text.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| {
            format!(
                "{name} is not an RFC 3339 timestamp ({e}); write e.g. \"2025-03-04T09:15:02Z\""
            )
        })
}

impl JsonRun {
    fn into_run(self, row: usize) -> Result<RecordedRun, String> {
        let created = timestamp(
            "createTime",
            self.create_time
                .as_deref()
                .ok_or("has no createTime; every run needs the time it was queued")?,
        )?;
        let started = self
            .start_time
            .as_deref()
            .map(|t| timestamp("startTime", t))
            .transpose()?;
        let finished = self
            .finish_time
            .as_deref()
            .map(|t| timestamp("finishTime", t))
            .transpose()?;
        if started.is_some_and(|s| s < created) {
            return Err(
                "its startTime is before its createTime; times must not run backwards".into(),
            );
        }
        let duration = match (started, finished) {
            (Some(s), Some(f)) if f < s => {
                return Err(
                    "its finishTime is before its startTime; times must not run backwards".into(),
                );
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
            // An occurrence that is not a timestamp is no evidence of a time.
            timer_occurrence: self
                .timer_trigger
                .as_ref()
                .and_then(|t| t.get("scheduleOccurrence")?.as_str())
                .and_then(|t| DateTime::parse_from_rfc3339(t.trim()).ok())
                .map(|t| t.with_timezone(&Utc)),
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

/// The most seconds a CSV cell may give (about 31,700 years), as a
/// scenario refuses numbers above 10^12.
const MAX_SECONDS: f64 = 1e12;

/// The CSV cell `name` as an instant or an offset: RFC 3339, seconds, or a
/// duration.
fn csv_time(name: &str, text: &str) -> Result<RunTime, String> {
    let t = text.trim();
    if let Ok(secs) = t.parse::<f64>() {
        return if secs.is_finite() && (0.0..=MAX_SECONDS).contains(&secs) {
            Ok(RunTime::Offset(SimDuration::from_secs_f64(secs)))
        } else {
            Err(format!(
                "the {name} must be a number of seconds from 0 to {MAX_SECONDS:e}"
            ))
        };
    }
    if t.contains('T') && t.contains(':') {
        return timestamp(name, t).map(RunTime::At);
    }
    crate::text::parse_duration(t)
        .map(RunTime::Offset)
        .map_err(|_| {
            format!(
                "the {name} is neither seconds, a duration like \"90s\", nor an RFC 3339 timestamp"
            )
        })
}

fn csv_duration(text: &str) -> Result<SimDuration, String> {
    let t = text.trim();
    match t.parse::<f64>() {
        Ok(secs) if secs.is_finite() && (0.0..=MAX_SECONDS).contains(&secs) => {
            Ok(SimDuration::from_secs_f64(secs))
        }
        Ok(_) => Err(format!(
            "the duration must be a number of seconds from 0 to {MAX_SECONDS:e}"
        )),
        Err(_) => crate::text::parse_duration(t)
            .map_err(|_| "the duration is neither seconds nor a duration like \"90s\"".to_string()),
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
        let created = csv_time(
            "time",
            cell(Some(time_col)).ok_or_else(|| at("the time cell is empty".into()))?,
        )
        .map_err(at)?;
        if last.is_some_and(|l| created < l) {
            return Err(err(
                Some(line),
                "times go backwards; sort the file by the time column".into(),
            ));
        }
        last = Some(created);
        let started = cell(start_col)
            .map(|t| csv_time("start", t))
            .transpose()
            .map_err(at)?;
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
                    .ok_or("the cpu must be a whole number of vCPUs".to_string())
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
            timer_occurrence: None,
        })?;
    }
    Ok(())
}

/// Calls `f` on every run of the file at `path`, in file order. The file
/// must be a regular file of at most 1 GiB: refused by its size before
/// reading, and counted while reading (see `input`). It is parsed from
/// memory: reading through `serde_json`'s byte-at-a-time `io::Read` path
/// took 40% of an import. Messages give the run or line but never quote
/// the file.
pub fn for_each_run(
    path: &Path,
    mut f: impl FnMut(RecordedRun) -> Result<(), RunsError>,
) -> Result<(), RunsError> {
    let err = |message: String| RunsError {
        path: path.to_path_buf(),
        row: None,
        message,
    };
    let input = Input::open(path, Limit::RUNS).map_err(|e| err(e.reason()))?;
    let too_large = |input: &Input| {
        err(format!(
            "{} (split the export by time)",
            input.too_large().reason()
        ))
    };
    if std::fs::metadata(path).is_ok_and(|m| m.len() > Limit::RUNS.bytes) {
        return Err(too_large(&input));
    }
    let bytes = match input.read_bytes() {
        Ok(bytes) => bytes,
        Err(e @ crate::input::InputError::TooLarge { .. }) => {
            return Err(err(format!("{} (split the export by time)", e.reason())));
        }
        Err(e) => return Err(err(e.reason())),
    };
    read_any(path, &bytes, &mut f)
}

/// Reads `bytes` as JSON or CSV, by their first character.
fn read_any(
    path: &Path,
    bytes: &[u8],
    f: &mut dyn FnMut(RecordedRun) -> Result<(), RunsError>,
) -> Result<(), RunsError> {
    let err = |message: String| RunsError {
        path: path.to_path_buf(),
        row: None,
        message,
    };
    // A byte-order mark (Windows tools write one) is not content.
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let head = &bytes[..bytes.len().min(1024)];
    if head.contains(&0) || std::str::from_utf8(head).is_err_and(|e| e.error_len().is_some()) {
        return Err(err(
            "this is not text (binary or not UTF-8); give a list-runs JSON export or a CSV".into(),
        ));
    }
    match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
        None => Err(err("the file is empty".into())),
        Some(b'[') => read_json(path, bytes, f),
        // A JSON value other than an array is not a CSV without a `time`
        // column: a file holding `null` is an answer without runs.
        Some(first) => match serde_json::from_slice::<serde_json::Value>(bytes) {
            Ok(value) => Err(err(format!(
                "not a list-runs JSON export: it holds {}, where an export is an array of runs (`[]` when there are none); produce it with `az acr task list-runs --output json`",
                json_kind(&value)
            ))),
            Err(_) if *first == b'{' => read_json(path, bytes, f),
            Err(_) => read_csv(path, bytes, f),
        },
    }
}

/// What a JSON value is, for a message (never its content).
fn json_kind(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "a JSON object",
    }
}

/// Reads a list-runs JSON export run by run.
fn read_json(
    path: &Path,
    bytes: &[u8],
    f: &mut dyn FnMut(RecordedRun) -> Result<(), RunsError>,
) -> Result<(), RunsError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let mut failed: Option<RunsError> = None;
    let mut each = |row: usize, run: JsonRun| -> Result<(), String> {
        let at_row = |message: String| RunsError {
            path: path.to_path_buf(),
            row: Some(row),
            message,
        };
        let run = run
            .into_run(row)
            .inspect_err(|m| failed = Some(at_row(m.clone())))?;
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
    // serde's own messages quote the offending value, so only the kind of
    // problem and its place are reported.
    result.map_err(|e| {
        let (line, column) = (e.line(), e.column());
        RunsError {
            path: path.to_path_buf(),
            row: None,
            message: if e.is_io() {
                format!("cannot read it: {e}")
            } else if e.is_data() {
                format!("not a list-runs JSON export: line {line}, column {column} holds a value of the wrong type or shape; produce it with `az acr task list-runs --output json`")
            } else {
                format!("not valid JSON at line {line}, column {column}; a list-runs export is what `az acr task list-runs --output json` prints")
            },
        }
    })
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

    /// Issue 16: a JSON export with a UTF-8 byte-order mark is read as
    /// JSON (it was taken for a CSV), and so is a CSV with one.
    #[test]
    fn a_byte_order_mark_is_skipped() {
        let (_d, p) = write(
            "\u{feff}[{\"createTime\": \"2025-01-01T00:00:00Z\", \"startTime\": \"2025-01-01T00:01:00Z\", \"finishTime\": \"2025-01-01T00:03:00Z\"}]",
        );
        let runs = read_runs(&p).unwrap();
        assert_eq!(runs[0].duration, Some(SimDuration::from_secs(120)));
        let (_d, p) = write("\u{feff}time,duration\n0,60\n");
        assert_eq!(
            read_runs(&p).unwrap()[0].duration,
            Some(SimDuration::from_secs(60))
        );
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
            ("time,duration\n10,-5\n", "run 2: the duration must be"),
            ("time,duration\nsoon,5\n", "run 2: the time is neither"),
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
                .contains("run 1: its startTime is before its createTime")
        );
        let (_d, p) = write("\u{0}\u{1}binary");
        assert!(read_runs(&p).unwrap_err().to_string().contains("not text"));
    }
}

#[cfg(test)]
mod quoting {
    use super::*;

    /// A runs file may be any file on the machine (a scenario names it):
    /// messages say where (the row or line) and what, never what the file
    /// holds, a CSV trace's cells included.
    #[test]
    fn runs_errors_never_quote_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("runs");
        for text in [
            "when,duration\nhunter2-secret,5\n",
            "hunter2-secret\n5,5\n",
            "time,duration\nhunter2-secret,5\n",
            "time,duration\n5,hunter2-secret\n",
            "time,duration,cpu\n5,5,hunter2-secret\n",
            "time,duration\n5e99,5\n5,5e99-hunter2\n",
            r#"[{"createTime": "hunter2-secret"}]"#,
            r#"[{"createTime": "2025-01-01T00:00:00Z", "agentConfiguration": {"cpu": "hunter2-secret"}}]"#,
            r#"[{"createTime": 5, "task": "hunter2-secret"}]"#,
            r#"["hunter2-secret"]"#,
        ] {
            std::fs::write(&p, text).unwrap();
            let e = read_runs(&p).unwrap_err().to_string();
            assert!(!e.contains("hunter2"), "{text}: {e}");
        }
    }
}
