//! Validation of `[[pool]]` tables: tier, count, scaling policy, provisioning
//! delay, scale-in behaviour and cold starts.

use chrono::TimeDelta;

use super::cron::cron_firing_in;
use super::raw::{RawColdStart, RawPool, RawScaling, S};
use super::validate::{Ctx, DEFAULT_COMPUTE};
use crate::model::{
    Calendar, ColdStart, DEFAULT_PROVISIONING, PoolSpec, QueueController, ScaleIn, Scaling,
    ScheduleRule, previous_firing, valid_pool_name,
};
use crate::units::{SimDuration, SimTime};

/// The shortest poll interval of a queue controller.
const MIN_POLL: SimDuration = SimDuration::from_secs(10);

/// Most instances one pool may have (far above any quota).
pub const MAX_POOL_COUNT: u32 = 100_000;
const MAX_COUNT: i64 = MAX_POOL_COUNT as i64;

/// The pool, or `None` when its tier or policy is invalid (so later checks
/// that need them do not pile spurious problems on top).
pub(super) fn pool(
    cx: &mut Ctx,
    raw: &RawPool,
    calendar: Calendar,
    horizon: SimDuration,
) -> Option<PoolSpec> {
    let name = raw.name.get_ref();
    let key = format!("pool.{name}");
    check_pool_name(cx, &raw.name, &key);
    let tier = raw
        .tier
        .get_ref()
        .parse()
        .map_err(|e| cx.issue(Some(&raw.tier), &format!("{key}.tier"), format!("{e}")));
    let scaling = match &raw.scaling {
        None => Some(Scaling::Fixed),
        Some(s) => scaling(cx, s, &format!("{key}.scaling"), calendar, horizon),
    };
    let min_count = if matches!(scaling, Some(Scaling::Fixed) | None) {
        1
    } else {
        0
    };
    let given = raw
        .count
        .as_ref()
        .map(|c| cx.integer(Some(c), &format!("{key}.count"), (min_count, MAX_COUNT), 1) as u32);
    let count = match (&scaling, given) {
        (Some(Scaling::Queue(c)), Some(n)) => n.clamp(c.min, c.max),
        (Some(Scaling::Queue(c)), None) => c.min,
        (Some(Scaling::Schedule(rules)), None) => scheduled_at_start(rules, calendar),
        (_, n) => n.unwrap_or(1),
    };
    let provisioning = cx.opt_duration(
        raw.provisioning.as_ref(),
        &format!("{key}.provisioning"),
        DEFAULT_PROVISIONING,
    );
    let scale_in = raw
        .scale_in
        .as_ref()
        .map_or(ScaleIn::Drain, |s| scale_in(cx, s, &key));
    let cold_start = raw
        .cold_start
        .as_ref()
        .and_then(|c| cold_start(cx, c.get_ref(), &key));
    Some(PoolSpec {
        name: name.clone(),
        tier: tier.ok()?,
        count,
        scaling: scaling?,
        provisioning: provisioning?,
        scale_in,
        cold_start,
    })
}

/// A problem when `name` (of the pool at `key`) names the default compute
/// environment or breaks ACR's rule for pool names.
fn check_pool_name(cx: &mut Ctx, name: &S<String>, key: &str) {
    let problem = if name.get_ref() == DEFAULT_COMPUTE {
        "\"default\" names the default compute environment; choose another pool name"
    } else if !valid_pool_name(name.get_ref()) {
        "a pool name has 3 to 20 letters, digits or hyphens (ACR's rule)"
    } else {
        return;
    };
    cx.issue(Some(name), &format!("{key}.name"), problem);
}

/// `scale_in`: what happens to a busy instance when the pool shrinks.
fn scale_in(cx: &mut Ctx, s: &S<String>, key: &str) -> ScaleIn {
    match s.get_ref().as_str() {
        "drain" => ScaleIn::Drain,
        "preempt" => ScaleIn::Preempt,
        other => {
            cx.issue(Some(s), &format!("{key}.scale_in"), format!(
                "unknown scale-in {other:?}; use \"drain\" (an instance leaves when its run ends) or \"preempt\" (its run is stopped and re-queued)"
            ));
            ScaleIn::Drain
        }
    }
}

/// `cold_start`: how much longer a fresh instance's first runs take.
fn cold_start(cx: &mut Ctx, c: &RawColdStart, key: &str) -> Option<ColdStart> {
    let extra = cx.duration(&c.extra, &format!("{key}.cold_start.extra"), true)?;
    let tasks = cx.integer(
        c.tasks.as_ref(),
        &format!("{key}.cold_start.tasks"),
        (1, 1_000_000),
        1,
    ) as u32;
    Some(ColdStart { extra, tasks })
}

/// How far before the start a schedule rule's last firing still sets the
/// starting count.
const LOOK_BACK: TimeDelta = TimeDelta::days(28);

/// The count a schedule leaves in force at the start: that of the rule that
/// fired last in the four weeks before it (0 when none did).
pub(crate) fn scheduled_at_start(rules: &[ScheduleRule], calendar: Calendar) -> u32 {
    let start = calendar.start();
    rules
        .iter()
        .filter_map(|r| {
            let before = previous_firing(&r.cron, start, start - LOOK_BACK)?;
            Some((before, r.count))
        })
        // The latest firing wins; among equal times, the later rule (as a
        // crontab applies them in order).
        .max_by_key(|(t, _)| *t)
        .map_or(0, |(_, n)| n)
}

fn scaling(
    cx: &mut Ctx,
    raw: &S<RawScaling>,
    key: &str,
    calendar: Calendar,
    horizon: SimDuration,
) -> Option<Scaling> {
    let s = raw.get_ref();
    let present = [
        ("min", s.min.as_ref().map(|v| v.span().start)),
        ("max", s.max.as_ref().map(|v| v.span().start)),
        (
            "per_instance",
            s.per_instance.as_ref().map(|v| v.span().start),
        ),
        ("poll", s.poll.as_ref().map(|v| v.span().start)),
        ("cooldown", s.cooldown.as_ref().map(|v| v.span().start)),
        (
            "target_wait",
            s.target_wait.as_ref().map(|v| v.span().start),
        ),
        ("rules", s.rules.as_ref().map(|v| v.span().start)),
    ];
    let policy = s.policy.get_ref().as_str();
    let allowed: &[&str] = match policy {
        "fixed" => &[],
        "schedule" => &["rules"],
        "queue" => &[
            "min",
            "max",
            "per_instance",
            "poll",
            "cooldown",
            "target_wait",
        ],
        other => {
            cx.issue(
                Some(&s.policy),
                &format!("{key}.policy"),
                format!(
                    "unknown scaling policy {other:?}; use \"fixed\", \"schedule\" or \"queue\""
                ),
            );
            return None;
        }
    };
    for (name, offset) in present {
        if offset.is_some() && !allowed.contains(&name) {
            cx.issue_at(
                offset,
                &format!("{key}.{name}"),
                format!(
                    "`{name}` does not apply to the {policy} policy, which takes {{{}}}; remove it",
                    allowed.join(", ")
                ),
            );
        }
    }
    match policy {
        "fixed" => Some(Scaling::Fixed),
        "schedule" => schedule_scaling(cx, raw, key, calendar, horizon),
        _ => queue_scaling(cx, raw, key),
    }
}

/// A `policy = "schedule"` scaling: its rules, each of whose cron
/// expressions must fire within the run (or the four weeks before it).
fn schedule_scaling(
    cx: &mut Ctx,
    raw: &S<RawScaling>,
    key: &str,
    calendar: Calendar,
    horizon: SimDuration,
) -> Option<Scaling> {
    let s = raw.get_ref();
    let Some(rules) = &s.rules else {
        cx.issue(Some(raw), &format!("{key}.rules"), "a schedule needs rules, e.g. rules = [{ cron = \"0 8 * * 1-5\", count = 4 }, { cron = \"0 20 * * *\", count = 0 }]");
        return None;
    };
    if rules.get_ref().is_empty() {
        cx.issue(
            Some(rules),
            &format!("{key}.rules"),
            "a schedule needs at least one rule",
        );
        return None;
    }
    let start = calendar.start();
    let window = (start - LOOK_BACK, calendar.datetime(SimTime(horizon.0)));
    let parsed: Vec<Option<ScheduleRule>> = rules
        .get_ref()
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let k = format!("{key}.rules[{i}]");
            let count =
                cx.integer(Some(&r.count), &format!("{k}.count"), (0, MAX_COUNT), 0) as u32;
            let cron = cron_firing_in(
                cx,
                &r.cron,
                &format!("{k}.cron"),
                window,
                "this rule never sets the count (the window includes the four weeks before the start, whose last firing sets the starting count)",
            )?;
            Some(ScheduleRule { cron, count })
        })
        .collect();
    Some(Scaling::Schedule(
        parsed.into_iter().collect::<Option<_>>()?,
    ))
}

/// A `policy = "queue"` scaling: the controller's bounds, poll, cooldown
/// and target.
fn queue_scaling(cx: &mut Ctx, raw: &S<RawScaling>, key: &str) -> Option<Scaling> {
    let s = raw.get_ref();
    let Some(max_raw) = &s.max else {
        cx.issue(
            Some(raw),
            &format!("{key}.max"),
            "a queue controller needs max, the most instances it may ask for",
        );
        return None;
    };
    let min = cx.integer(s.min.as_ref(), &format!("{key}.min"), (0, MAX_COUNT), 0) as u32;
    let max = cx.integer(Some(max_raw), &format!("{key}.max"), (1, MAX_COUNT), 1) as u32;
    if max < min {
        cx.issue(
            Some(max_raw),
            &format!("{key}.max"),
            format!("max ({max}) must not be below min ({min})"),
        );
    }
    let per_instance = cx.positive(s.per_instance.as_ref(), &format!("{key}.per_instance"), 1.0);
    let poll = cx.opt_duration(
        s.poll.as_ref(),
        &format!("{key}.poll"),
        SimDuration::from_secs(60),
    );
    if let Some(p) = poll.filter(|p| *p < MIN_POLL) {
        cx.issue(s.poll.as_ref(), &format!("{key}.poll"), format!(
            "polls every {p}: a controller calling `az acr agentpool show --queue-count` polls at most every {MIN_POLL}; use a longer poll"
        ));
    }
    let cooldown = match &s.cooldown {
        Some(c) => cx.duration(c, &format!("{key}.cooldown"), true),
        None => Some(SimDuration::from_secs(600)),
    };
    let target_wait = match &s.target_wait {
        Some(t) => Some(cx.duration(t, &format!("{key}.target_wait"), false)?),
        None => None,
    };
    Some(Scaling::Queue(QueueController {
        min,
        max: max.max(min),
        per_instance,
        poll: poll?,
        cooldown: cooldown?,
        target_wait,
    }))
}
