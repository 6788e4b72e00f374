//! What each wait objective's p95 would be without simulating, judged as
//! the simulation's judge judges it: only the runs of the objective's
//! workloads that arrive inside its window, all together or hour by hour.
//! Runs that arrive through an hour wait as in M/M/c at that hour's offered
//! load and instances; a cron firing is a batch that drains through the
//! instances the steady load leaves free (a run waits for the runs ahead of
//! it in the batch, not for an hour of Poisson arrivals, which would ask
//! for half as many instances again). The p95 is that of the mixture of
//! those waits over the judged runs. `estimate` and "what would fix it"
//! read it.

use serde::ser::{Serialize, SerializeStruct, Serializer};

use super::hours::{firing_hour, observed_week, occupancy};
use super::offered::WeeklyArrivals;
use super::queue::{Mmc, P95_TAIL};
use crate::model::{
    HourLoad, HourOfWeek, Per, PoolId, Target, WAIT_P95, WaitObjective, Window, meets,
};
use crate::scenario::Scenario;

/// Seconds in an hour.
const HOUR_S: f64 = 3600.0;
/// Halvings of the bracket around a p95: far below a rounded second.
const BISECTIONS: u32 = 64;

/// One wait objective, estimated.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectiveEstimate {
    /// The objective.
    pub objective: WaitObjective,
    /// Its p95 wait, seconds: of the window's runs together, or of the
    /// worst hour under `per = "hour"`; infinite when the queue has no
    /// bound, NaN when no run is judged.
    pub p95_s: f64,
    /// Under `per = "hour"`, the hour that decided.
    pub worst_hour: Option<HourOfWeek>,
}

impl ObjectiveEstimate {
    /// Whether the estimate meets the objective (no run judged meets
    /// nothing, as in the judge).
    pub fn met(&self) -> bool {
        meets(self.p95_s, self.objective.target.as_secs_f64())
    }
}

impl Serialize for ObjectiveEstimate {
    /// The keys `slo.objectives[]` of `summary.json` has where they mean
    /// the same (`value` is the estimated p95, seconds; null when unbounded
    /// or when no run is judged).
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let goal = &self.objective;
        let workloads: Vec<&str> = goal.workloads.iter().map(|(_, n)| n.as_str()).collect();
        let mut o = s.serialize_struct("ObjectiveEstimate", 10)?;
        o.serialize_field("name", WAIT_P95)?;
        o.serialize_field("workload", &goal.workload)?;
        o.serialize_field("workloads", &workloads)?;
        o.serialize_field("per", &goal.per)?;
        o.serialize_field("target", &goal.target.as_secs_f64())?;
        o.serialize_field("value", &self.p95_s)?;
        o.serialize_field("unbounded", &self.p95_s.is_infinite())?;
        o.serialize_field("met", &self.met())?;
        o.serialize_field("window", &goal.window)?;
        o.serialize_field("worst_hour", &self.worst_hour)?;
        o.end()
    }
}

/// How one group of judged runs waits.
#[derive(Debug, Clone, Copy)]
enum Tail {
    /// They start at once (the default compute has no queue).
    None,
    /// Arrivals through an hour at a pool: M/M/c at the hour's load.
    Queue(Mmc),
    /// A cron batch: with whatever else fires on the pool in that hour,
    /// `runs` runs spread over `jitter_s` seconds onto `free` instances,
    /// each holding one `run_s` seconds on average.
    Drain {
        free: f64,
        runs: f64,
        run_s: f64,
        jitter_s: f64,
    },
}

impl Tail {
    /// The share of these runs that waits longer than `t_s` seconds (at
    /// infinity: the share that waits without bound).
    fn share_over(&self, t_s: f64) -> f64 {
        match *self {
            Tail::None => 0.0,
            Tail::Queue(q) => q.wait_tail(t_s),
            Tail::Drain {
                free,
                runs,
                run_s,
                jitter_s,
            } => {
                if free <= 0.0 {
                    return 1.0;
                }
                // As a fluid: run u of the batch (from 0) arrives u
                // jitter/runs after the first and starts once u - free + 1
                // runs have ended on the free instances, one every
                // run_s/free: its wait is slope u + start.
                let slope = run_s / free - jitter_s / runs;
                let start = -(free - 1.0) * run_s / free;
                if slope <= 0.0 {
                    return if start > t_s { 1.0 } else { 0.0 };
                }
                ((runs - (t_s - start) / slope) / runs).clamp(0.0, 1.0)
            }
        }
    }
}

/// Judged runs that wait alike: `runs` a week arriving in `hour`.
#[derive(Debug, Clone, Copy)]
struct Part {
    hour: HourOfWeek,
    runs: f64,
    tail: Tail,
}

/// The p95 of the waits of `parts` together: the t at which the share of
/// runs waiting longer falls to 5% (NaN without runs, infinite when more
/// than 5% wait without bound).
fn mixture_p95(parts: &[Part]) -> f64 {
    let total: f64 = parts.iter().map(|p| p.runs).sum();
    if total <= 0.0 {
        return f64::NAN;
    }
    let over = |t: f64| {
        parts
            .iter()
            .map(|p| p.runs * p.tail.share_over(t))
            .sum::<f64>()
            / total
    };
    if over(0.0) <= P95_TAIL {
        return 0.0;
    }
    if over(f64::INFINITY) >= P95_TAIL {
        return f64::INFINITY;
    }
    let (mut lo, mut hi) = (0.0, HOUR_S);
    while over(hi) > P95_TAIL {
        (lo, hi) = (hi, hi * 2.0);
    }
    for _ in 0..BISECTIONS {
        let mid = (lo + hi) / 2.0;
        if over(mid) > P95_TAIL {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    hi
}

/// The share of `hour` inside `window` (all of it without one).
fn window_share(window: Option<&Window>, hour: HourOfWeek) -> f64 {
    window.map_or(1.0, |w| {
        let start = hour.hour() as u32 * 60;
        (start..start + 60)
            .filter(|&m| w.contains(hour.day(), m))
            .count() as f64
            / 60.0
    })
}

/// A scenario's pools and workloads as the objectives' estimates need
/// them, computed once: a sweep of counts or "what would fix it" estimates
/// the same objective at many counts.
#[derive(Debug)]
pub struct WaitModel<'a> {
    scenario: &'a Scenario,
    /// Per pool, `load_by_hour`'s hours and mean run time.
    loads: &'a [(Vec<HourLoad>, f64)],
    /// Per workload, its arrivals over the week.
    weeks: Vec<WeeklyArrivals>,
    /// Per workload, the mean time a run holds an instance of its pool,
    /// seconds (0 on the default compute).
    run_s: Vec<f64>,
}

impl<'a> WaitModel<'a> {
    /// The model of `s`, whose `load_by_hour` is `loads`.
    pub fn new(s: &'a Scenario, loads: &'a [(Vec<HourLoad>, f64)]) -> WaitModel<'a> {
        let mut model = WaitModel {
            scenario: s,
            loads,
            weeks: Vec::with_capacity(s.workloads.len()),
            run_s: Vec::with_capacity(s.workloads.len()),
        };
        for w in &s.workloads {
            let week = observed_week(s, w);
            let run_s = match w.target {
                Target::Pool(PoolId(p)) => occupancy(w, &s.pools[p as usize]).mean_s(),
                Target::DefaultCompute => 0.0,
            };
            model.weeks.push(week);
            model.run_s.push(run_s);
        }
        model
    }

    /// The estimate of `o` at the scenario's instances.
    pub fn estimate(&self, o: &WaitObjective) -> ObjectiveEstimate {
        self.estimate_with(o, None)
    }

    /// The smallest fixed count of pool `pool`, up to `limit`, at which
    /// `o` is estimated to meet (the other pools as they are). Waits only
    /// fall as instances are added, so a bisection finds it in a few
    /// estimates (a sweep asks at every point that misses).
    pub fn smallest_count(&self, o: &WaitObjective, pool: usize, limit: u32) -> Option<u32> {
        let meets = |c: u32| self.estimate_with(o, Some((pool, c))).met();
        if !meets(limit) {
            return None;
        }
        // `meets(hi)` holds, `meets(lo)` does not (or lo is 0).
        let (mut lo, mut hi) = (0, limit);
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if meets(mid) {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        Some(hi)
    }

    /// The estimate of `o`, pool `count.0` fixed at `count.1` instances
    /// when given.
    fn estimate_with(&self, o: &WaitObjective, count: Option<(usize, u32)>) -> ObjectiveEstimate {
        let parts = self.parts(o, count);
        let (p95_s, worst_hour) = match o.per {
            Per::Window => (mixture_p95(&parts), None),
            Per::Hour => {
                let mut worst: Option<(f64, HourOfWeek)> = None;
                for hour in HourOfWeek::all() {
                    let here: Vec<Part> =
                        parts.iter().filter(|p| p.hour == hour).copied().collect();
                    let p95 = mixture_p95(&here);
                    // NaN (no run in the hour) never decides.
                    if worst.is_none_or(|(w, _)| p95 > w) && !p95.is_nan() {
                        worst = Some((p95, hour));
                    }
                }
                worst.map_or((f64::NAN, None), |(p95, h)| (p95, Some(h)))
            }
        };
        ObjectiveEstimate {
            objective: o.clone(),
            p95_s,
            worst_hour,
        }
    }

    /// The judged runs of `o`, grouped by how they wait.
    fn parts(&self, o: &WaitObjective, count: Option<(usize, u32)>) -> Vec<Part> {
        let mut parts = Vec::new();
        for &(w, _) in &o.workloads {
            let week = &self.weeks[w];
            let Target::Pool(PoolId(p)) = self.scenario.workloads[w].target else {
                let rates = week.rates_by_hour();
                parts.extend(HourOfWeek::all().map(|hour| Part {
                    hour,
                    runs: rates[hour.index()] * HOUR_S * window_share(o.window.as_ref(), hour),
                    tail: Tail::None,
                }));
                continue;
            };
            let p = p as usize;
            let (hours, service_s) = &self.loads[p];
            let instances = |h: usize| match count {
                Some((q, c)) if q == p => c,
                _ => hours[h].instances,
            };
            for hour in HourOfWeek::all() {
                let h = hour.index();
                let runs = week.rates[h] * HOUR_S * window_share(o.window.as_ref(), hour);
                if runs > 0.0 {
                    let queue = Mmc::new(instances(h), hours[h].offered_load, *service_s);
                    parts.push(Part {
                        hour,
                        runs,
                        tail: Tail::Queue(queue),
                    });
                }
            }
            for b in &week.batches {
                let hour = HourOfWeek::from_index(firing_hour(b.at_s));
                let minute = (b.at_s % 86_400.0 / 60.0) as u32;
                if o.window
                    .is_some_and(|win| !win.contains(hour.day(), minute))
                {
                    continue;
                }
                let h = hour.index();
                parts.push(Part {
                    hour,
                    runs: b.runs,
                    tail: Tail::Drain {
                        free: f64::from(instances(h)) - hours[h].steady_load,
                        runs: hours[h].batch_runs,
                        run_s: self.run_s[w],
                        jitter_s: b.jitter_s,
                    },
                });
            }
        }
        parts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_queue_alone_has_its_mmc_p95() {
        let q = Mmc::new(4, 3.0, 300.0);
        let part = Part {
            hour: HourOfWeek::new(0, 9),
            runs: 100.0,
            tail: Tail::Queue(q),
        };
        let p95 = mixture_p95(&[part]);
        assert!(
            (p95 - q.p95_wait_s()).abs() < 1e-6,
            "{p95} vs {}",
            q.p95_wait_s()
        );
    }

    #[test]
    fn a_batch_drains_one_wave_of_free_instances_at_a_time() {
        // 60 runs of 300 s at once onto 4 free instances: run 57 (the
        // p95's) waits for 54 endings, one every 75 s: 4,050 s.
        let tail = Tail::Drain {
            free: 4.0,
            runs: 60.0,
            run_s: 300.0,
            jitter_s: 0.0,
        };
        let p95 = mixture_p95(&[Part {
            hour: HourOfWeek::new(0, 2),
            runs: 60.0,
            tail,
        }]);
        assert!((p95 - 4050.0).abs() < 1e-6, "{p95}");
        // Spread over an hour they arrive slower than 4 instances end
        // them (60/h against 48/h), and wait less.
        let drain = |runs: f64, jitter_s: f64| Tail::Drain {
            free: 4.0,
            runs,
            run_s: 300.0,
            jitter_s,
        };
        assert!(drain(60.0, 3600.0).share_over(600.0) < tail.share_over(600.0));
        // Arriving slower than the instances end them, nobody waits.
        let slow = drain(10.0, 3600.0);
        assert_eq!(slow.share_over(0.0), 0.0);
    }

    #[test]
    fn unbounded_waits_beyond_the_tail_make_the_p95_infinite() {
        let stuck = Part {
            hour: HourOfWeek::new(0, 2),
            runs: 6.0,
            tail: Tail::Queue(Mmc::new(2, 3.0, 60.0)),
        };
        let fine = Part {
            runs: 94.0,
            tail: Tail::None,
            ..stuck
        };
        assert_eq!(mixture_p95(&[stuck, fine]), f64::INFINITY);
        // 4% stuck: the p95 is among the runs that start at once.
        let few = Part { runs: 4.0, ..stuck };
        assert_eq!(mixture_p95(&[few, fine]), 0.0);
        assert!(mixture_p95(&[]).is_nan());
    }

    #[test]
    fn a_window_takes_the_share_of_an_hour_inside_it() {
        let w: Window = "Mon-Fri 08:30-19:00".parse().unwrap();
        assert_eq!(window_share(Some(&w), HourOfWeek::new(0, 8)), 0.5);
        assert_eq!(window_share(Some(&w), HourOfWeek::new(0, 9)), 1.0);
        assert_eq!(window_share(Some(&w), HourOfWeek::new(5, 9)), 0.0);
        assert_eq!(window_share(None, HourOfWeek::new(5, 9)), 1.0);
    }
}
