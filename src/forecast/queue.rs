//! Closed-form queueing results used as a baseline for the simulation.

use crate::model::{PoolBaseline, PoolId, Scaling, Target};
use crate::scenario::Scenario;
use crate::workload::ArrivalProcess;

/// Erlang C: the probability that an arrival waits in an M/M/c queue with
/// offered load `a = λ/μ` (in Erlangs) and `c` servers. Requires `a < c`.
///
/// Computed through the Erlang B recursion `B(k) = a B(k-1) / (k + a B(k-1))`,
/// which is stable for large `c`, then `C = c B / (c - a (1 - B))`. Once
/// `B` reaches 0 it stays there, so the recursion stops: a pool of 20,000
/// instances at a small load costs a few hundred steps, not 20,000.
///
/// ```
/// // Textbook example: 2 servers, load 1 Erlang: C = 1/3.
/// assert!((poolcast::forecast::erlang_c(2, 1.0) - 1.0 / 3.0).abs() < 1e-12);
/// ```
pub fn erlang_c(c: u32, a: f64) -> f64 {
    let mut b = ErlangB::new(a);
    while b.servers < c && b.blocking > 0.0 {
        b.step();
    }
    let c = f64::from(c);
    c * b.blocking / (c - a * (1.0 - b.blocking))
}

/// The Erlang B recursion at one load, a server at a time: how
/// `Mmc::smallest_count` tries 1, 2, 3... servers in one pass.
struct ErlangB {
    load: f64,
    servers: u32,
    blocking: f64,
}

impl ErlangB {
    fn new(load: f64) -> ErlangB {
        ErlangB {
            load,
            servers: 0,
            blocking: 1.0,
        }
    }

    fn step(&mut self) {
        self.servers += 1;
        let ab = self.load * self.blocking;
        self.blocking = ab / (f64::from(self.servers) + ab);
    }

    /// Erlang C at the current servers (above the load).
    fn wait_probability(&self) -> f64 {
        let c = f64::from(self.servers);
        c * self.blocking / (c - self.load * (1.0 - self.blocking))
    }
}

/// An M/M/c queue: `servers` instances offered `offered_load` Erlangs of
/// runs whose mean is `mean_service_s` seconds. Erlang C is computed once,
/// and every figure reads it. At or above capacity every run waits,
/// without bound; with no load none does.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Mmc {
    servers: u32,
    offered_load: f64,
    mean_service_s: f64,
    wait_probability: f64,
}

/// The share of runs a p95 lets wait longer than it.
pub(crate) const P95_TAIL: f64 = 0.05;

impl Mmc {
    /// The queue of `servers` instances at `offered_load` Erlangs.
    pub fn new(servers: u32, offered_load: f64, mean_service_s: f64) -> Mmc {
        let wait_probability = if offered_load <= 0.0 {
            0.0
        } else if offered_load >= f64::from(servers) || mean_service_s <= 0.0 {
            1.0
        } else {
            erlang_c(servers, offered_load)
        };
        Mmc {
            servers,
            offered_load,
            mean_service_s,
            wait_probability,
        }
    }

    /// The queue of `servers` instances at `offered_load` Erlangs: `known`
    /// when it is that queue, so that Erlang C is computed once per pool
    /// and count.
    pub fn reusing(
        known: Option<Mmc>,
        servers: u32,
        offered_load: f64,
        mean_service_s: f64,
    ) -> Mmc {
        known
            .filter(|q| {
                q.servers == servers
                    && q.offered_load.to_bits() == offered_load.to_bits()
                    && q.mean_service_s.to_bits() == mean_service_s.to_bits()
            })
            .unwrap_or_else(|| Mmc::new(servers, offered_load, mean_service_s))
    }

    /// Whether the queue has a steady state (load below the servers).
    fn stable(&self) -> bool {
        self.offered_load <= 0.0
            || (self.offered_load < f64::from(self.servers) && self.mean_service_s > 0.0)
    }

    /// Erlang C: the share of runs that wait.
    pub fn wait_probability(&self) -> f64 {
        self.wait_probability
    }

    /// The mean wait in queue, seconds: `C * mean_service / (c - a)`.
    ///
    /// ```
    /// // M/M/1 at utilisation 0.5: Wq = ρ/(μ-λ) = 0.5 / (1 - 0.5) = 1 service time.
    /// let q = poolcast::forecast::Mmc::new(1, 0.5, 1.0);
    /// assert!((q.mean_wait_s() - 1.0).abs() < 1e-12);
    /// ```
    pub fn mean_wait_s(&self) -> f64 {
        if !self.stable() {
            return f64::INFINITY;
        }
        self.wait_probability * self.mean_service_s / (f64::from(self.servers) - self.offered_load)
    }

    /// P(Wq > t): the share of runs that wait longer than `t_s` seconds,
    /// C e^{-(c mu - lambda) t} (every run at or above capacity).
    ///
    /// ```
    /// let q = poolcast::forecast::Mmc::new(4, 3.0, 60.0);
    /// assert!((q.wait_tail(q.p95_wait_s()) - 0.05).abs() < 1e-12);
    /// assert_eq!(q.wait_tail(0.0), q.wait_probability());
    /// ```
    pub fn wait_tail(&self, t_s: f64) -> f64 {
        if !self.stable() {
            return 1.0;
        }
        if self.wait_probability == 0.0 {
            return 0.0;
        }
        let drain = (f64::from(self.servers) - self.offered_load) / self.mean_service_s;
        self.wait_probability * (-drain * t_s).exp()
    }

    /// The p95 wait, seconds, from P(Wq > t) = C e^{-(c mu - lambda) t}
    /// (0 when at most 5% of runs wait).
    pub fn p95_wait_s(&self) -> f64 {
        if !self.stable() {
            return f64::INFINITY;
        }
        if self.wait_probability <= P95_TAIL {
            return 0.0;
        }
        // c mu - lambda, per second.
        let drain = (f64::from(self.servers) - self.offered_load) / self.mean_service_s;
        (self.wait_probability / P95_TAIL).ln() / drain
    }

    /// Allen-Cunneen's approximation of the mean wait of a G/G/c queue: the
    /// M/M/c wait scaled by `(ca² + cs²) / 2`, where `ca` and `cs` are the
    /// coefficients of variation of inter-arrival and service times (Allen,
    /// *Probability, Statistics and Queueing Theory*, 1990). Exact for M/M/c.
    ///
    /// ```
    /// let q = poolcast::forecast::Mmc::new(4, 3.0, 60.0);
    /// assert_eq!(q.allen_cunneen_mean_wait_s(1.0, 1.0), q.mean_wait_s());
    /// ```
    pub fn allen_cunneen_mean_wait_s(&self, ca: f64, cs: f64) -> f64 {
        self.mean_wait_s() * (ca * ca + cs * cs) / 2.0
    }

    /// The smallest count in `counts` whose p95 wait is at most `target_s`
    /// at `offered_load` Erlangs, with the Erlang B recursion run once
    /// across the counts (not again for each).
    pub fn smallest_count(
        offered_load: f64,
        mean_service_s: f64,
        target_s: f64,
        counts: std::ops::RangeInclusive<u32>,
    ) -> Option<u32> {
        if offered_load <= 0.0 || mean_service_s <= 0.0 {
            return counts.into_iter().next();
        }
        let mut b = ErlangB::new(offered_load);
        for c in counts {
            while b.servers < c {
                b.step();
            }
            if offered_load >= f64::from(c) {
                continue;
            }
            let q = Mmc {
                servers: c,
                offered_load,
                mean_service_s,
                wait_probability: b.wait_probability(),
            };
            if q.p95_wait_s() <= target_s {
                return Some(c);
            }
        }
        None
    }
}

/// Share of runs a timeout may cut before the baseline stops applying: a
/// percent barely moves the mean run time the formulas use.
const TIMEOUT_TOLERANCE: f64 = 0.01;

/// The runs offered to one pool: their mean rate, the moments of the time
/// each holds an instance (mixed by arrival rate), and why the closed forms
/// would not describe the pool.
struct Offered {
    /// Arrivals per second.
    rate: f64,
    /// Offered load, Erlangs: the sum of rate x mean run time.
    load: f64,
    /// The sum of rate x mean square run time, seconds.
    second: f64,
    reasons: Vec<String>,
}

/// What the workloads of pool `i` of `scenario` offer it.
fn offered(scenario: &Scenario, i: usize) -> Offered {
    let pool = &scenario.pools[i];
    let mut o = Offered {
        rate: 0.0,
        load: 0.0,
        second: 0.0,
        reasons: Vec::new(),
    };
    if pool.scaling != Scaling::Fixed {
        o.reasons
            .push("the pool scales, so its count is not fixed".into());
    }
    for w in scenario
        .workloads
        .iter()
        .filter(|w| w.target == Target::Pool(PoolId(i as u32)))
    {
        match &w.arrival {
            ArrivalProcess::Poisson { .. } => {}
            other => o.reasons.push(format!(
                "workload {} arrives by {}, not Poisson",
                w.name,
                process_name(other)
            )),
        }
        let f = w.runtime_factor(pool.tier.vcpu());
        let cut = w.duration.exceed_probability(w.timeout.as_secs_f64() / f);
        if cut > TIMEOUT_TOLERANCE {
            o.reasons.push(format!(
                "its timeout cuts {:.1}% of workload {}'s runs",
                cut * 100.0,
                w.name
            ));
        }
        let lambda = w.arrival.mean_rate().as_per_second();
        // A run occupies its instance until it ends or times out.
        let (mean, second) = w.duration.capped_moments(w.timeout.as_secs_f64() / f);
        o.rate += lambda;
        o.load += lambda * mean * f;
        o.second += lambda * second * f * f;
    }
    o
}

/// Every pool's offered load, Erlangs (the baseline's, without its queue).
pub fn offered_loads(scenario: &Scenario) -> Vec<f64> {
    (0..scenario.pools.len())
        .map(|i| offered(scenario, i).load)
        .collect()
}

/// The M/M/c and Allen-Cunneen baseline of every pool. Poisson arrivals mix
/// into one Poisson stream (`ca = 1`); run times mix by arrival rate.
pub fn baseline(scenario: &Scenario) -> Vec<PoolBaseline> {
    (0..scenario.pools.len())
        .map(|i| pool_baseline(scenario, i).0)
        .collect()
}

/// The baseline of pool `i`, and its M/M/c queue where the closed forms
/// apply (Erlang C is computed only there).
pub(super) fn pool_baseline(scenario: &Scenario, i: usize) -> (PoolBaseline, Option<Mmc>) {
    let pool = &scenario.pools[i];
    let Offered {
        rate,
        load: a,
        second: m2,
        mut reasons,
    } = offered(scenario, i);
    let mean_service_s = if rate > 0.0 { a / rate } else { 0.0 };
    let second = if rate > 0.0 { m2 / rate } else { 0.0 };
    let service_cv = if mean_service_s > 0.0 {
        (second / (mean_service_s * mean_service_s) - 1.0)
            .max(0.0)
            .sqrt()
    } else {
        0.0
    };
    let c = pool.count;
    if rate == 0.0 {
        reasons.push("no workload runs on it".into());
    } else if pool.scaling == Scaling::Fixed && a >= f64::from(c) {
        reasons.push(format!(
            "the offered load {a:.2} is not below its {c} instances: there is no steady state"
        ));
    }
    let mmc = reasons.is_empty().then(|| Mmc::new(c, a, mean_service_s));
    let figure = |f: fn(&Mmc) -> f64| mmc.as_ref().map_or(f64::NAN, f);
    let baseline = PoolBaseline {
        offered_load: a,
        utilization: a / f64::from(c.max(1)),
        mean_service_s,
        service_cv,
        mmc_wait_probability: figure(Mmc::wait_probability),
        mmc_wait_mean_s: figure(Mmc::mean_wait_s),
        allen_cunneen_wait_mean_s: mmc
            .map_or(f64::NAN, |q| q.allen_cunneen_mean_wait_s(1.0, service_cv)),
        not_applicable: (!reasons.is_empty()).then(|| reasons.join("; ")),
    };
    (baseline, mmc)
}

fn process_name(p: &ArrivalProcess) -> &'static str {
    match p {
        ArrivalProcess::Poisson { .. } => "poisson",
        ArrivalProcess::Profile { .. } => "a daily profile",
        ArrivalProcess::Cron { .. } => "a cron schedule",
        ArrivalProcess::Burst { .. } => "bursts",
        ArrivalProcess::Trace { .. } => "a replayed trace",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Exact textbook values, worked by hand as fractions:
    /// C(1, ρ) = ρ; C(2, 1) = 1/3; C(2, 1.5) = 4.5 / (2.5 + 4.5) = 9/14;
    /// C(3, 2) = 4 / (5 + 4) = 4/9; C(4, 2) = (16/24 · 2) / (1 + 2 + 2 + 4/3 + 4/3) = 4/23.
    #[test]
    fn erlang_c_matches_published_values() {
        let cases = [
            (1, 0.3, 0.3),
            (2, 1.0, 1.0 / 3.0),
            (2, 1.5, 9.0 / 14.0),
            (3, 2.0, 4.0 / 9.0),
            (4, 2.0, 4.0 / 23.0),
        ];
        for (c, a, exact) in cases {
            assert!(
                (erlang_c(c, a) - exact).abs() < 1e-12,
                "C({c}, {a}) = {} not {exact}",
                erlang_c(c, a)
            );
        }
        // M/M/1: Wq = ρ/(μ−λ): ρ = 0.75, mean service 4 s gives 12 s.
        assert!((Mmc::new(1, 0.75, 4.0).mean_wait_s() - 12.0).abs() < 1e-12);
    }

    #[test]
    fn allen_cunneen_reduces_to_erlang_c_at_cv_one() {
        for (c, a) in [(1u32, 0.5f64), (2, 1.8), (8, 7.0), (16, 12.5)] {
            assert!(
                (Mmc::new(c, a, 100.0).allen_cunneen_mean_wait_s(1.0, 1.0)
                    - Mmc::new(c, a, 100.0).mean_wait_s())
                .abs()
                    < 1e-12 * Mmc::new(c, a, 100.0).mean_wait_s()
            );
        }
        // Constant run times (cs = 0) halve the M/M/c wait.
        assert!(
            (Mmc::new(2, 1.0, 10.0).allen_cunneen_mean_wait_s(1.0, 0.0)
                - Mmc::new(2, 1.0, 10.0).mean_wait_s() / 2.0)
                .abs()
                < 1e-12
        );
    }

    #[test]
    fn erlang_c_matches_direct_formula() {
        // Direct sum: C = (a^c/c!)(c/(c-a)) / (Σ_{k<c} a^k/k! + (a^c/c!)(c/(c-a))).
        for (c, a) in [(1u32, 0.5f64), (2, 1.8), (8, 7.0), (5, 2.5)] {
            let fact = |n: u32| (1..=n).map(f64::from).product::<f64>();
            let top = a.powi(c as i32) / fact(c) * f64::from(c) / (f64::from(c) - a);
            let sum: f64 = (0..c).map(|k| a.powi(k as i32) / fact(k)).sum();
            let direct = top / (sum + top);
            assert!((erlang_c(c, a) - direct).abs() < 1e-12, "c={c} a={a}");
        }
        // M/M/1: P(wait) = ρ.
        assert!((erlang_c(1, 0.9) - 0.9).abs() < 1e-12);
    }

    /// The recursion run to the end, without the stop at 0.
    fn erlang_c_full(c: u32, a: f64) -> f64 {
        let mut b = 1.0;
        for k in 1..=c {
            b = a * b / (f64::from(k) + a * b);
        }
        let c = f64::from(c);
        c * b / (c - a * (1.0 - b))
    }

    #[test]
    fn stopping_at_zero_is_bit_identical() {
        for (c, a) in [
            (2u32, 1.0f64),
            (150, 0.2),
            (400, 0.2),
            (20_000, 0.1),
            (20_000, 30.0),
        ] {
            assert_eq!(
                erlang_c(c, a).to_bits(),
                erlang_c_full(c, a).to_bits(),
                "c={c} a={a}"
            );
        }
    }

    #[test]
    fn smallest_count_is_the_first_count_that_meets() {
        for (a, mean, target) in [
            (0.5f64, 60.0f64, 0.0f64),
            (13.0, 3600.0, 300.0),
            (9.5, 180.0, 72.0),
            (40.0, 20.0, 1.0),
        ] {
            let slow = (1..=200u32).find(|&c| {
                a < f64::from(c) && {
                    let q = Mmc::new(c, a, mean);
                    assert_eq!(
                        q.wait_probability().to_bits(),
                        erlang_c_full(c, a).to_bits()
                    );
                    q.p95_wait_s() <= target
                }
            });
            assert_eq!(Mmc::smallest_count(a, mean, target, 1..=200), slow, "a={a}");
            assert!(slow.is_some());
        }
        assert_eq!(Mmc::smallest_count(5.0, 60.0, 1.0, 1..=5), None);
    }

    #[test]
    fn mmc_waits_match_the_tail_and_say_unstable() {
        // M/M/2 at a = 1, mean 60 s: C = 1/3, c mu - lambda = 1/60 per s,
        // P(Wq > t) = C e^{-t/60}: p95 at 60 ln(20/3), mean 20 s.
        let q = Mmc::new(2, 1.0, 60.0);
        assert!((q.wait_probability() - 1.0 / 3.0).abs() < 1e-12);
        assert!((q.p95_wait_s() / (60.0 * (20.0f64 / 3.0).ln()) - 1.0).abs() < 1e-12);
        assert!((q.mean_wait_s() / 20.0 - 1.0).abs() < 1e-12);
        let full = Mmc::new(2, 2.0, 60.0);
        assert_eq!(
            (full.wait_probability(), full.p95_wait_s()),
            (1.0, f64::INFINITY)
        );
        assert_eq!(Mmc::new(2, 0.0, 60.0).p95_wait_s(), 0.0);
    }
}
