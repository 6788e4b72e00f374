//! Streaming statistics: how a replication's events (`results::Recorder`)
//! are summarised in bounded memory (`ReplicationStats`), and how
//! replications combine into means with Student-t confidence intervals
//! (`summarise`, a `results::RunSummary`).
//!
//! Nothing here knows the event loop; the simulation calls a `Recorder`.

mod collector;
mod hourly;
mod summary;
mod tally;

pub use collector::{ObjectiveWaits, ReplicationStats, ReplicationSummary, StatsSetup};
pub use hourly::{HourWaits, WaitsByHourSum};
pub use summary::{ReplicationFold, summarise, summarise_with};
pub use tally::{DailyArea, TimeWeighted, day_span};
