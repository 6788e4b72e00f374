//! `[simulation]`: the horizon, the warm-up, replications and seed, the
//! queue's sample interval and the clock (start and time zone), checked.

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

use super::SimulationSpec;
use super::raw::RawScenario;
use super::validate::{Ctx, HORIZON_KEY, MAX_HORIZON, MAX_REPLICATIONS, MAX_SAMPLES, time_zone};
use crate::model::Calendar;
use crate::units::SimDuration;

/// The `[simulation]` table of `raw`, with an issue for each value refused.
pub(super) fn simulation(cx: &mut Ctx, raw: &RawScenario) -> SimulationSpec {
    let s = &raw.simulation;
    let horizon = cx
        .opt_duration(
            s.horizon.as_ref(),
            HORIZON_KEY,
            SimDuration::from_secs(7 * 86_400),
        )
        .unwrap_or(SimDuration::from_secs(86_400));
    if horizon > MAX_HORIZON {
        cx.issue(s.horizon.as_ref(), HORIZON_KEY, format!("must be at most {MAX_HORIZON} (a century); simulate a representative week or month instead"));
    }
    // A tenth of the horizon, at most a day: enough for a queue that starts
    // empty to forget its start, without wasting a short run.
    let default_warmup = SimDuration((horizon.0 / 10).min(SimDuration::from_secs(86_400).0));
    let warmup = match &s.warmup {
        Some(w) => cx
            .duration(w, "simulation.warmup", true)
            .unwrap_or_default(),
        None => default_warmup,
    };
    if warmup >= horizon {
        cx.issue(
            s.warmup.as_ref(),
            "simulation.warmup",
            format!("the warm-up ({warmup}) must be shorter than the horizon ({horizon}); shorten warmup or lengthen horizon"),
        );
    }
    let replications = cx.integer(
        s.replications.as_ref(),
        "simulation.replications",
        (1, i64::from(MAX_REPLICATIONS)),
        10,
    ) as u32;
    let seed = cx.integer(s.seed.as_ref(), "simulation.seed", (0, i64::MAX), 1) as u64;
    let sample_interval = cx
        .opt_duration(
            s.sample_interval.as_ref(),
            "simulation.sample_interval",
            SimDuration::from_secs(60),
        )
        .unwrap_or(SimDuration::from_secs(60));
    let pools = raw.pools.len().max(1) as u64;
    if (horizon.0 / sample_interval.0.max(1)).saturating_mul(pools) > MAX_SAMPLES {
        cx.issue(
            s.sample_interval.as_ref(),
            "simulation.sample_interval",
            format!("{sample_interval} over a {horizon} horizon for {pools} pool(s) gives more than {MAX_SAMPLES} queue samples; use a longer sample_interval"),
        );
    }
    let zone = s.timezone.as_ref().map_or(Tz::UTC, |name| {
        time_zone(cx, name, "simulation.timezone").unwrap_or(Tz::UTC)
    });
    let start = match &s.start {
        None => Calendar::default_start(zone),
        Some(text) => start_instant(text.get_ref().trim(), zone)
            .and_then(|start| within_dates(start, horizon, zone))
            .unwrap_or_else(|e| {
                cx.issue(Some(text), "simulation.start", e);
                Calendar::default_start(zone)
            }),
    };
    SimulationSpec {
        horizon,
        warmup,
        replications,
        seed,
        sample_interval,
        calendar: Calendar::new(start, zone),
    }
}

/// `[simulation] start`: an RFC 3339 instant, or a date and time without an
/// offset, read on the wall clock of `zone` (the first of a repeated time;
/// a time that a daylight-saving change skips is refused).
fn start_instant(text: &str, zone: Tz) -> Result<DateTime<Utc>, String> {
    let rfc = match DateTime::parse_from_rfc3339(text) {
        Ok(t) => return Ok(t.with_timezone(&Utc)),
        Err(e) => e,
    };
    let wall = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S")
        .map_err(|_| format!("{text:?} is not an RFC 3339 instant ({rfc}); write e.g. \"2025-03-03T00:00:00Z\", or \"2025-03-03T00:00:00\" on the wall clock of [simulation] timezone"))?;
    zone.from_local_datetime(&wall)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| format!("{text:?} does not exist in {zone}: the clock skips it for daylight saving; start an hour later"))
}

/// `start` when the simulation ends by the last day an RFC 3339 timestamp
/// can name (9999-12-31, on the UTC and the local clock): `queue.csv`
/// wrote `+10000-01-02T23:59:00Z`, which no reader of its format parses.
fn within_dates(
    start: DateTime<Utc>,
    horizon: SimDuration,
    zone: Tz,
) -> Result<DateTime<Utc>, String> {
    use chrono::Datelike;
    // A horizon past chrono's range is refused on its own (over a century).
    let Some(end) = chrono::Duration::try_seconds(horizon.as_secs_f64().ceil() as i64)
        .and_then(|d| start.checked_add_signed(d))
        .map(|end| end.with_timezone(&zone))
    else {
        return Ok(start);
    };
    if end.year().max(end.to_utc().year()) <= 9999 {
        return Ok(start);
    }
    Err(format!(
        "the simulation would end on {}, past 9999-12-31, the last day the outputs' timestamps (RFC 3339) can name; start it earlier or shorten the horizon",
        end.format("%Y-%m-%d").to_string().trim_start_matches('+')
    ))
}
