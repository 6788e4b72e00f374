//! Timer triggers: the runs a task's schedule started, and the occurrence
//! of the schedule that started each.
//!
//! `runs` reads what a replay needs and drops the trigger fields, so they
//! are read here in a second streaming pass. This pass never fails: a file
//! it cannot read is reported, with the file and the fix, by the main pass.

use std::collections::HashMap;
use std::fmt;
use std::io::{BufRead, BufReader};
use std::path::Path;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde::de::{DeserializeSeed, SeqAccess, Visitor};

/// The schedule occurrence of every timer-triggered run, by the run's
/// position in the file (the JSON array index from 1, as `RecordedRun::row`).
pub(super) type Occurrences = HashMap<usize, DateTime<Utc>>;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Triggers {
    timer_trigger: Option<TimerTrigger>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TimerTrigger {
    schedule_occurrence: Option<String>,
}

struct EachTrigger<'a>(&'a mut Occurrences);

impl<'de> Visitor<'de> for EachTrigger<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON array of runs")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut row = 0;
        while let Some(run) = seq.next_element::<Triggers>()? {
            row += 1;
            // An occurrence that is not a timestamp is no evidence of a time.
            let at = run
                .timer_trigger
                .and_then(|t| t.schedule_occurrence)
                .and_then(|s| DateTime::parse_from_rfc3339(s.trim()).ok());
            if let Some(at) = at {
                self.0.insert(row, at.with_timezone(&Utc));
            }
        }
        Ok(())
    }
}

impl<'de> DeserializeSeed<'de> for EachTrigger<'_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

/// The timer occurrences in the list-runs export at `path`; empty for a CSV
/// (it has no trigger fields) and for anything the main pass will refuse.
pub(super) fn timer_occurrences(path: &Path) -> Occurrences {
    let mut found = Occurrences::new();
    // Through the capped reader of regular files, as the main pass reads:
    // a FIFO or a device is refused there, never read here.
    let Ok(file) = crate::input::Input::open(path, crate::input::Limit::RUNS) else {
        return found;
    };
    let mut reader = BufReader::new(file);
    let is_array = reader
        .fill_buf()
        .is_ok_and(|head| head.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'['));
    if is_array {
        let mut de = serde_json::Deserializer::from_reader(reader);
        if EachTrigger(&mut found).deserialize(&mut de).is_err() {
            // Half an answer would be biased evidence: none at all instead.
            found.clear();
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timer_occurrences_are_keyed_by_row() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("runs.json");
        std::fs::write(
            &p,
            r#"[{"timerTrigger": null}, {"timerTrigger": {"scheduleOccurrence": "2025-03-04T21:00:00+00:00", "timerTriggerName": "t1"}}, {}]"#,
        )
        .unwrap();
        let found = timer_occurrences(&p);
        assert_eq!(found.len(), 1);
        assert_eq!(found[&2].to_rfc3339(), "2025-03-04T21:00:00+00:00");
        std::fs::write(&p, "time,duration\n0,60\n").unwrap();
        assert!(timer_occurrences(&p).is_empty());
    }
}
