//! How a pool's instance count changes over time: fixed, on a schedule (a
//! cron job calling `az acr agentpool update --count`), or by a controller
//! that polls the queue. The service has no autoscaler; these are what teams
//! build around it.

use crate::units::{SimDuration, SimTime};

/// One rule of a schedule: at every firing of `cron`, set the count.
#[derive(Debug, Clone, PartialEq)]
pub struct ScheduleRule {
    /// When (five-field cron, on the scenario's wall clock).
    pub cron: croner::Cron,
    /// The count to set.
    pub count: u32,
}

/// A queue-polling controller's parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QueueController {
    /// Fewest instances (0 allows scale to zero).
    pub min: u32,
    /// Most instances.
    pub max: u32,
    /// Queued runs tolerated per added instance: the controller wants
    /// `running + ceil(queued / per_instance)` instances.
    pub per_instance: f64,
    /// Interval between polls of the queue count.
    pub poll: SimDuration,
    /// No scale-in within this long after any count change.
    pub cooldown: SimDuration,
    /// When the oldest queued run has waited this long, add an instance
    /// even if `per_instance` is met.
    pub target_wait: Option<SimDuration>,
}

/// What the controller sees at a poll.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueObservation {
    /// Runs waiting (what `az acr agentpool show --queue-count` reports).
    pub queued: u32,
    /// Runs running.
    pub running: u32,
    /// The count last requested.
    pub target: u32,
    /// How long the oldest queued run has waited.
    pub oldest_wait: SimDuration,
    /// When the count last changed.
    pub last_change: Option<SimTime>,
    /// Now.
    pub now: SimTime,
}

impl QueueController {
    /// The count to request at a poll, or `None` to leave it.
    ///
    /// ```
    /// use poolcast::model::{QueueController, QueueObservation};
    /// use poolcast::units::{SimDuration, SimTime};
    /// let c = QueueController { min: 0, max: 6, per_instance: 2.0, poll: SimDuration::from_secs(60),
    ///     cooldown: SimDuration::from_secs(600), target_wait: None };
    /// let seen = QueueObservation { queued: 5, running: 2, target: 2,
    ///     oldest_wait: SimDuration::ZERO, last_change: None, now: SimTime(0) };
    /// assert_eq!(c.decide(seen), Some(5)); // 2 running + ceil(5 / 2)
    /// ```
    pub fn decide(&self, seen: QueueObservation) -> Option<u32> {
        // In f64, clamped before converting: a tiny per_instance must not
        // wrap the count around.
        let extra = (f64::from(seen.queued) / self.per_instance).ceil();
        let mut want = (f64::from(seen.running) + extra).min(f64::from(self.max)) as u32;
        if self
            .target_wait
            .is_some_and(|t| seen.queued > 0 && seen.oldest_wait >= t)
        {
            want = want.max(seen.target.saturating_add(1));
        }
        let want = want.clamp(self.min, self.max);
        let cooled = seen
            .last_change
            .is_none_or(|t| seen.now.saturating_since(t) >= self.cooldown);
        match want.cmp(&seen.target) {
            std::cmp::Ordering::Greater => Some(want),
            std::cmp::Ordering::Less if cooled => Some(want),
            _ => None,
        }
    }
}

/// A pool's scaling policy.
#[derive(Debug, Clone, PartialEq)]
pub enum Scaling {
    /// The count never changes.
    Fixed,
    /// Counts set by cron rules.
    Schedule(Vec<ScheduleRule>),
    /// A queue-polling controller.
    Queue(QueueController),
}

impl Scaling {
    /// The most instances the policy can ask for, given the initial count.
    pub fn max_count(&self, initial: u32) -> u32 {
        match self {
            Scaling::Fixed => initial,
            Scaling::Schedule(rules) => rules
                .iter()
                .map(|r| r.count)
                .max()
                .unwrap_or(0)
                .max(initial),
            Scaling::Queue(c) => c.max,
        }
    }
}

/// What happens to running tasks when a pool scales in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScaleIn {
    /// An instance leaves (and stops billing) when its task ends.
    Drain,
    /// The task is ended and re-queued at the head of the queue.
    Preempt,
}

/// A fresh instance has no layer cache: its first `tasks` runs take `extra`
/// longer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ColdStart {
    /// Added run time.
    pub extra: SimDuration,
    /// How many first runs of an instance pay it.
    pub tasks: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn controller() -> QueueController {
        QueueController {
            min: 1,
            max: 4,
            per_instance: 1.0,
            poll: SimDuration::from_secs(60),
            cooldown: SimDuration::from_secs(600),
            target_wait: Some(SimDuration::from_secs(300)),
        }
    }

    fn seen(queued: u32, running: u32, target: u32) -> QueueObservation {
        QueueObservation {
            queued,
            running,
            target,
            oldest_wait: SimDuration::ZERO,
            last_change: Some(SimTime(0)),
            now: SimTime(SimDuration::from_secs(60).0),
        }
    }

    #[test]
    fn controller_scales_up_at_once_and_in_after_cooldown() {
        let c = controller();
        assert_eq!(c.decide(seen(3, 2, 2)), Some(4), "capped at max");
        assert_eq!(c.decide(seen(0, 1, 3)), None, "within the cool-down");
        let later = QueueObservation {
            now: SimTime(SimDuration::from_secs(601).0),
            ..seen(0, 1, 3)
        };
        assert_eq!(c.decide(later), Some(1));
        let idle = QueueObservation {
            now: SimTime(SimDuration::from_secs(601).0),
            ..seen(0, 0, 3)
        };
        assert_eq!(c.decide(idle), Some(1), "never below min");
    }

    #[test]
    fn controller_adds_an_instance_when_the_oldest_run_waits_too_long() {
        let c = QueueController {
            per_instance: 10.0,
            ..controller()
        };
        let old = QueueObservation {
            oldest_wait: SimDuration::from_secs(301),
            ..seen(2, 2, 2)
        };
        assert_eq!(c.decide(seen(2, 2, 2)), Some(3), "2 running + ceil(2/10)");
        assert_eq!(c.decide(old), Some(3));
        let tiny = QueueController {
            per_instance: 1e-12,
            ..controller()
        };
        assert_eq!(
            tiny.decide(seen(3, 2, 2)),
            Some(4),
            "capped at max, not wrapped"
        );
        let old3 = QueueObservation {
            oldest_wait: SimDuration::from_secs(301),
            ..seen(2, 2, 3)
        };
        assert_eq!(c.decide(old3), Some(4));
    }
}
