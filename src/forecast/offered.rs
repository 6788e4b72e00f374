//! The offered load by hour of the week from the infinite-server model
//! (Eick, Massey & Whitt 1993): the mean number of runs in progress at t is
//! m(t) = int_0^inf lambda(t - x) P(min(S, timeout) > x) dx, so a run that
//! arrives at 16:50 still loads 17:00 and a long build's load lags its
//! arrivals. Each hour gets the mean of m over the hour, in closed form:
//! with G(u) = int_0^u P(min(S, timeout) > x) dx = E[min(S, timeout, u)]
//! and I(u) = int_0^u G = u G(u) - E[min(S, timeout, u)^2] / 2, runs spread
//! uniformly over [0, J) load an hour starting at t by differences of I
//! (of G for a batch that arrives at once). The run-time moments are the
//! distribution's closed forms, so nothing here is approximated beyond
//! rounding. The week is a cycle on the scenario's wall clock (a change of
//! clock moves an hour's runs, not their number).

use std::collections::HashMap;

use chrono::{Datelike, Timelike};

use crate::model::HOURS_OF_WEEK;
use crate::workload::DurationDist;

/// Seconds in an hour.
const HOUR_S: f64 = 3600.0;
/// Seconds in a week.
const WEEK_S: f64 = HOURS_OF_WEEK as f64 * HOUR_S;

/// How long one run holds an instance: `factor` times a draw of `dist`,
/// cut at `timeout_s` seconds.
#[derive(Debug, Clone, Copy)]
pub struct Occupancy<'a> {
    /// Run time at the workload's reference vCPUs.
    pub dist: &'a DurationDist,
    /// The tier's run-time factor.
    pub factor: f64,
    /// The timeout, seconds on the pool.
    pub timeout_s: f64,
}

impl Occupancy<'_> {
    /// E[min(R, u)] and E[min(R, u)^2] of the run time R on the pool
    /// (timeout applied), seconds and seconds squared.
    fn moments(&self, u: f64) -> (f64, f64) {
        let f = self.factor;
        let (m1, m2) = self.dist.capped_moments(u.min(self.timeout_s) / f);
        (m1 * f, m2 * f * f)
    }

    /// The mean time a run holds its instance, seconds.
    pub fn mean_s(&self) -> f64 {
        self.moments(self.timeout_s).0
    }

    /// G(u): the instance-seconds a run that arrived u seconds ago has
    /// used so far (0 before it arrives).
    fn busy(&self, u: f64) -> f64 {
        if u <= 0.0 { 0.0 } else { self.moments(u).0 }
    }

    /// I(u) = int_0^u G(v) dv.
    fn busy_integral(&self, u: f64) -> f64 {
        if u <= 0.0 {
            return 0.0;
        }
        let (m1, m2) = self.moments(u);
        u * m1 - m2 / 2.0
    }

    /// The mean load over an hour that starts `start` seconds after the
    /// first of one run's possible arrival times, the run arriving
    /// uniformly over `jitter` seconds (at once for 0).
    fn hour_share(&self, start: f64, jitter: f64) -> f64 {
        let end = start + HOUR_S;
        if jitter == 0.0 {
            return (self.busy(end) - self.busy(start)) / HOUR_S;
        }
        let i = |u: f64| self.busy_integral(u);
        (i(end) - i(start) - i(end - jitter) + i(start - jitter)) / (jitter * HOUR_S)
    }

    /// The hours over which the runs arriving in one hour hold instances,
    /// but for a thousandth of their load: how far back an hour can feel
    /// the runs of an earlier one.
    pub fn reach_hours(&self) -> usize {
        let kernel = self.shares(0.0, HOUR_S);
        let total: f64 = kernel.iter().sum();
        let mut left = total;
        kernel
            .iter()
            .take_while(|&&share| {
                let felt = left > 1e-3 * total;
                left -= share;
                felt
            })
            .count()
    }

    /// The mean load per run over each hour from the one in which runs
    /// spread over `[offset, offset + jitter)` (seconds into it) start
    /// arriving, until the last of them is over.
    fn shares(&self, offset: f64, jitter: f64) -> Vec<f64> {
        let reach = jitter + self.timeout_s;
        (0..)
            .map(|k| f64::from(k) * HOUR_S - offset)
            .take_while(|&start| start < reach)
            .map(|start| self.hour_share(start, jitter))
            .collect()
    }
}

/// Runs that a cron firing brings every week: `runs` of them spread
/// uniformly over `jitter_s` seconds from `at_s` seconds after Monday
/// 00:00 on the wall clock.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Batch {
    /// Seconds into the week.
    pub at_s: f64,
    /// Runs a week.
    pub runs: f64,
    /// Seconds, less than a week.
    pub jitter_s: f64,
}

impl Batch {
    /// The batch of `runs` a week fired at `at` on its wall clock, spread
    /// over `jitter_s`; whole weeks of the jitter spread evenly over
    /// every hour, returned as arrivals per second.
    pub fn at<Z: chrono::TimeZone>(
        at: &chrono::DateTime<Z>,
        runs: f64,
        jitter_s: f64,
    ) -> (Batch, f64) {
        let at_s = f64::from(
            at.weekday().num_days_from_monday() * 86_400 + at.num_seconds_from_midnight(),
        ) + f64::from(at.nanosecond()) / 1e9;
        let weeks = (jitter_s / WEEK_S).floor();
        let rest = jitter_s - weeks * WEEK_S;
        let even = if jitter_s > 0.0 {
            runs * weeks * WEEK_S / jitter_s
        } else {
            0.0
        };
        (
            Batch {
                at_s,
                runs: runs - even,
                jitter_s: rest,
            },
            even / WEEK_S,
        )
    }

    /// Adds its arrivals per second, by the hour they arrive in, to
    /// `rates`.
    fn spread(&self, rates: &mut [f64; HOURS_OF_WEEK]) {
        let first = (self.at_s / HOUR_S).floor();
        if self.jitter_s == 0.0 {
            rates[first as usize % HOURS_OF_WEEK] += self.runs / HOUR_S;
            return;
        }
        let end = self.at_s + self.jitter_s;
        let mut hour = first;
        while hour * HOUR_S < end {
            let part = end.min((hour + 1.0) * HOUR_S) - self.at_s.max(hour * HOUR_S);
            rates[hour as usize % HOURS_OF_WEEK] += self.runs * part / self.jitter_s / HOUR_S;
            hour += 1.0;
        }
    }
}

/// A workload's arrivals over the week: a rate by hour (Poisson, profile,
/// bursts, a trace's mean week; uniform within the hour) and the batches
/// cron firings bring at their instants.
#[derive(Debug, Clone, PartialEq)]
pub struct WeeklyArrivals {
    /// Arrivals per second, by hour of the week.
    pub rates: [f64; HOURS_OF_WEEK],
    /// Cron firings.
    pub batches: Vec<Batch>,
}

impl WeeklyArrivals {
    /// Arrivals per second by the hour they arrive in, batches spread.
    pub fn rates_by_hour(&self) -> [f64; HOURS_OF_WEEK] {
        let mut out = self.rates;
        for b in &self.batches {
            b.spread(&mut out);
        }
        out
    }

    /// The mean instances busy in each hour of the week (Erlangs) when
    /// every run holds one for `occupancy`.
    pub fn offered_load(&self, occupancy: &Occupancy) -> [f64; HOURS_OF_WEEK] {
        let mut out = [0.0; HOURS_OF_WEEK];
        if self.rates.iter().all(|&r| r == self.rates[0]) {
            // A steady stream keeps rate x mean run time busy.
            out = [self.rates[0] * occupancy.mean_s(); HOURS_OF_WEEK];
        } else {
            // A whole hour of arrivals at rate r loads hour k after it by
            // r H share(k).
            let kernel = occupancy.shares(0.0, HOUR_S);
            for (j, &rate) in self.rates.iter().enumerate() {
                for (k, share) in kernel.iter().enumerate() {
                    out[(j + k) % HOURS_OF_WEEK] += rate * HOUR_S * share;
                }
            }
        }
        // Batches at the same offset into their hour share their loads.
        let mut kernels: HashMap<(u64, u64), Vec<f64>> = HashMap::new();
        for b in &self.batches {
            let first = (b.at_s / HOUR_S).floor();
            let offset = b.at_s - first * HOUR_S;
            let kernel = kernels
                .entry((offset.to_bits(), b.jitter_s.to_bits()))
                .or_insert_with(|| occupancy.shares(offset, b.jitter_s));
            for (k, share) in kernel.iter().enumerate() {
                out[(first as usize + k) % HOURS_OF_WEEK] += b.runs * share;
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(got: f64, want: f64, what: &str) {
        assert!(
            (got - want).abs() <= 1e-9 * want.abs().max(1.0),
            "{what}: {got} != {want}"
        );
    }

    fn occupancy(d: &DurationDist, timeout_s: f64) -> Occupancy<'_> {
        Occupancy {
            dist: d,
            factor: 1.0,
            timeout_s,
        }
    }

    /// Every run's instance-seconds land in the week: the hours' loads
    /// add up to runs x mean run time, whatever the lag.
    #[test]
    fn the_load_of_a_week_is_its_runs_times_the_mean() {
        let d = DurationDist::gamma(1800.0, 2.0).unwrap();
        let occ = occupancy(&d, 28_800.0);
        let mut rates = [0.0; HOURS_OF_WEEK];
        rates[30] = 10.0 / HOUR_S;
        rates[167] = 4.0 / HOUR_S;
        let week = WeeklyArrivals {
            rates,
            batches: vec![Batch {
                at_s: 100_000.5,
                runs: 7.0,
                jitter_s: 5_000.0,
            }],
        };
        let load = week.offered_load(&occ);
        let total: f64 = load.iter().sum::<f64>() * HOUR_S;
        close(total, 21.0 * occ.mean_s(), "instance-seconds");
        // Hour 167's runs load Monday's first hours: the week is a cycle.
        assert!(load[0] > 0.0 && load[29] > 0.0);
        assert_eq!(load[29 - 20], 0.0);
    }

    /// Exponential run times of mean m, no timeout within reach: a batch
    /// of n at the start of an hour loads that hour by n m (1 - e^{-H/m})
    /// / H and the next by n m e^{-H/m} (1 - e^{-H/m}) / H; a run arriving
    /// uniformly over the hour loads it by int_0^H int_0^t e^{-(t - s)/m}
    /// ds dt / H^2 = m/H - (m/H)^2 (1 - e^{-H/m}).
    #[test]
    fn hour_shares_match_the_exponential_closed_forms() {
        let m = 1800.0;
        let d = DurationDist::exponential(m).unwrap();
        let occ = occupancy(&d, 1e12);
        let q = (-HOUR_S / m).exp();
        close(
            occ.hour_share(0.0, 0.0) * HOUR_S,
            m * (1.0 - q),
            "batch hour",
        );
        close(
            occ.hour_share(HOUR_S, 0.0) * HOUR_S,
            m * q * (1.0 - q),
            "batch next hour",
        );
        let x = m / HOUR_S;
        close(
            occ.hour_share(0.0, HOUR_S),
            x - x * x * (1.0 - q),
            "uniform hour",
        );
        // Constant 10-minute runs in a batch at :30 sit in that hour only.
        let c = DurationDist::constant(600.0).unwrap();
        let occ = occupancy(&c, 3600.0);
        assert_eq!(occ.shares(1800.0, 0.0), vec![600.0 / HOUR_S, 0.0]);
    }

    /// Arrivals 12 + 8 sin(2 pi (t - 6) / 24) an hour with 60-minute
    /// exponential runs: the load peaks about an hour after the arrivals
    /// (Eick, Massey & Whitt: m(t) = 12 + 8 (sin(w (t - 6)) - w cos(w (t -
    /// 6))) / (1 + w^2), w = 2 pi / 24, for t in hours), so 17:00 carries
    /// more than 06:00 at the same arrival rate.
    #[test]
    fn a_sinusoid_s_load_lags_its_arrivals() {
        let w = 2.0 * std::f64::consts::PI / 24.0;
        let lambda = |t: f64| 12.0 + 8.0 * (w * (t - 6.0)).sin();
        let mut rates = [0.0; HOURS_OF_WEEK];
        for (h, r) in rates.iter_mut().enumerate() {
            // The hour's mean rate, per second.
            let t = h as f64;
            *r = (12.0 - 8.0 / w * ((w * (t + 1.0 - 6.0)).cos() - (w * (t - 6.0)).cos())) / HOUR_S;
        }
        let d = DurationDist::exponential(HOUR_S).unwrap();
        let load = WeeklyArrivals {
            rates,
            batches: Vec::new(),
        }
        .offered_load(&occupancy(&d, 28_800.0));
        assert!((rates[6] - rates[17]).abs() < 1e-12 && (lambda(6.5) - lambda(17.5)).abs() < 1e-9);
        // The same load by brute force: m(t) = sum over hours j of rate_j
        // int e^{-(t - s) / m} ds over the arrival times s of hour j within
        // 8 h before t, averaged over 3,600 instants of the hour.
        let m = HOUR_S;
        let at = |t: f64| -> f64 {
            (0..HOURS_OF_WEEK * 2)
                .map(|j| {
                    let (a, b) = (j as f64 * HOUR_S, (j + 1) as f64 * HOUR_S);
                    let (lo, hi) = (a.max(t - 28_800.0), b.min(t));
                    let r = rates[j % HOURS_OF_WEEK];
                    if hi <= lo {
                        0.0
                    } else {
                        r * m * ((-(t - hi) / m).exp() - (-(t - lo) / m).exp())
                    }
                })
                .sum()
        };
        for h in [6, 17, 30] {
            let t0 = (h + HOURS_OF_WEEK) as f64 * HOUR_S;
            let mean = (0..3600).map(|i| at(t0 + i as f64 + 0.5)).sum::<f64>() / 3600.0;
            assert!((load[h] - mean).abs() < 1e-6, "{h}: {} vs {mean}", load[h]);
        }
        // And the exact m(t) of the sinusoid, which moves within the hour
        // (the hour-mean rates put 17:00 0.02 low).
        let exact = |t: f64| {
            12.0 + 8.0 * ((w * (t - 6.0)).sin() - w * (w * (t - 6.0)).cos()) / (1.0 + w * w)
        };
        assert!((load[17] - exact(17.5)).abs() < 0.05, "{}", load[17]);
        assert!(load[17] > load[6] + 3.0, "{} vs {}", load[17], load[6]);
    }

    #[test]
    fn batches_spread_into_the_hours_they_arrive_in() {
        let (b, even) = Batch::at(
            &chrono::DateTime::parse_from_rfc3339("2025-01-06T09:30:00Z").unwrap(),
            24.0,
            7_200.0,
        );
        assert_eq!((b.at_s, even), (34_200.0, 0.0));
        let mut rates = [0.0; HOURS_OF_WEEK];
        b.spread(&mut rates);
        close(rates[9] * HOUR_S, 6.0, "09:00");
        close(rates[10] * HOUR_S, 12.0, "10:00");
        close(rates[11] * HOUR_S, 6.0, "11:00");
        // Eight days of jitter: seven of them over every hour alike.
        let (b, even) = Batch::at(
            &chrono::DateTime::parse_from_rfc3339("2025-01-06T09:30:00Z").unwrap(),
            8.0,
            8.0 * 86_400.0,
        );
        close(even * WEEK_S, 7.0, "even");
        assert_eq!((b.runs, b.jitter_s), (1.0, 86_400.0));
    }
}
