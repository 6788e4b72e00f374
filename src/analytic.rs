//! Closed-form queueing results used as a baseline for the simulation.

use crate::model::{PoolId, Scaling, Target};
use crate::scenario::Scenario;
use crate::workload::{ArrivalProcess, DurationDist};

/// Erlang C: the probability that an arrival waits in an M/M/c queue with
/// offered load `a = λ/μ` (in Erlangs) and `c` servers. Requires `a < c`.
///
/// Computed through the Erlang B recursion `B(k) = a B(k-1) / (k + a B(k-1))`,
/// which is stable for large `c`, then `C = c B / (c - a (1 - B))`.
///
/// ```
/// // Textbook example: 2 servers, load 1 Erlang: C = 1/3.
/// assert!((poolcast::analytic::erlang_c(2, 1.0) - 1.0 / 3.0).abs() < 1e-12);
/// ```
pub fn erlang_c(c: u32, a: f64) -> f64 {
    let mut b = 1.0;
    for k in 1..=c {
        b = a * b / (f64::from(k) + a * b);
    }
    let c = f64::from(c);
    c * b / (c - a * (1.0 - b))
}

/// Mean wait in queue of an M/M/c queue, in the unit of `mean_service`:
/// `Wq = C(c, a) * mean_service / (c - a)`.
///
/// ```
/// // M/M/1 at utilisation 0.5: Wq = ρ/(μ-λ) = 0.5 / (1 - 0.5) = 1 service time.
/// assert!((poolcast::analytic::mmc_mean_wait(1, 0.5, 1.0) - 1.0).abs() < 1e-12);
/// ```
pub fn mmc_mean_wait(c: u32, a: f64, mean_service: f64) -> f64 {
    erlang_c(c, a) * mean_service / (f64::from(c) - a)
}

/// Allen-Cunneen's approximation of the mean wait of a G/G/c queue: the
/// M/M/c wait scaled by `(ca² + cs²) / 2`, where `ca` and `cs` are the
/// coefficients of variation of inter-arrival and service times (Allen,
/// *Probability, Statistics and Queueing Theory*, 1990). Exact for M/M/c.
///
/// ```
/// use poolcast::analytic::{allen_cunneen_mean_wait, mmc_mean_wait};
/// let (c, a) = (4, 3.0);
/// assert_eq!(allen_cunneen_mean_wait(c, a, 60.0, 1.0, 1.0), mmc_mean_wait(c, a, 60.0));
/// ```
pub fn allen_cunneen_mean_wait(c: u32, a: f64, mean_service: f64, ca: f64, cs: f64) -> f64 {
    mmc_mean_wait(c, a, mean_service) * (ca * ca + cs * cs) / 2.0
}

/// The analytic view of one pool.
#[derive(Debug, Clone, PartialEq)]
pub struct PoolBaseline {
    /// Mean instances the arrivals keep busy (Erlangs).
    pub offered_load: f64,
    /// Offered load per instance.
    pub utilization: f64,
    /// Mean run time on the pool, in seconds (all its workloads mixed).
    pub mean_service_s: f64,
    /// Coefficient of variation of that run time.
    pub service_cv: f64,
    /// Why the closed forms do not describe this pool; `None` when they do.
    pub not_applicable: Option<String>,
    /// Erlang C: the share of runs that wait (M/M/c).
    pub mmc_wait_probability: f64,
    /// M/M/c mean wait, seconds.
    pub mmc_wait_mean_s: f64,
    /// Allen-Cunneen M/G/c mean wait, seconds.
    pub allen_cunneen_wait_mean_s: f64,
}

/// Share of runs a timeout may cut before the baseline stops applying: a
/// percent barely moves the mean run time the formulas use.
const TIMEOUT_TOLERANCE: f64 = 0.01;

/// The M/M/c and Allen-Cunneen baseline of every pool. Poisson arrivals mix
/// into one Poisson stream (`ca = 1`); run times mix by arrival rate.
pub fn baseline(scenario: &Scenario) -> Vec<PoolBaseline> {
    scenario
        .pools
        .iter()
        .enumerate()
        .map(|(i, pool)| {
            let mut reasons: Vec<String> = Vec::new();
            if pool.scaling != Scaling::Fixed {
                reasons.push("the pool scales, so its count is not fixed".into());
            }
            let (mut rate, mut m1, mut m2) = (0.0, 0.0, 0.0);
            for w in scenario.workloads.iter().filter(|w| w.target == Target::Pool(PoolId(i as u32))) {
                match &w.arrival {
                    ArrivalProcess::Poisson { .. } => {}
                    other => reasons.push(format!("workload {} arrives by {}, not Poisson", w.name, process_name(other))),
                }
                let f = w.runtime_factor(pool.tier.vcpu());
                let cut = w.duration.exceed_probability(w.timeout.as_secs_f64() / f);
                if cut > TIMEOUT_TOLERANCE {
                    reasons.push(format!("its timeout cuts {:.1}% of workload {}'s runs", cut * 100.0, w.name));
                }
                let lambda = w.arrival.mean_rate().as_per_second();
                // A run occupies its instance until it ends or times out.
                let (mean, second) = capped_moments(&w.duration, w.timeout.as_secs_f64() / f);
                rate += lambda;
                m1 += lambda * mean * f;
                m2 += lambda * second * f * f;
            }
            let mean_service_s = if rate > 0.0 { m1 / rate } else { 0.0 };
            let second = if rate > 0.0 { m2 / rate } else { 0.0 };
            let service_cv = if mean_service_s > 0.0 { (second / (mean_service_s * mean_service_s) - 1.0).max(0.0).sqrt() } else { 0.0 };
            let c = pool.count;
            let a = m1;
            if rate == 0.0 {
                reasons.push("no workload runs on it".into());
            } else if pool.scaling == Scaling::Fixed && a >= f64::from(c) {
                reasons.push(format!("the offered load {a:.2} is not below its {c} instances: there is no steady state"));
            }
            let applies = reasons.is_empty();
            let nan_unless = |x: f64| if applies { x } else { f64::NAN };
            PoolBaseline {
                offered_load: a,
                utilization: a / f64::from(c.max(1)),
                mean_service_s,
                service_cv,
                mmc_wait_probability: nan_unless(erlang_c(c, a)),
                mmc_wait_mean_s: nan_unless(mmc_mean_wait(c, a, mean_service_s)),
                allen_cunneen_wait_mean_s: nan_unless(allen_cunneen_mean_wait(c, a, mean_service_s, 1.0, service_cv)),
                not_applicable: (!applies).then(|| reasons.join("; ")),
            }
        })
        .collect()
}

/// E[min(X, cap)] and E[min(X, cap)^2] of a run time X, in seconds (and
/// seconds squared): what an instance is busy for when a timeout ends the
/// longest runs. Exact without a cut and for recorded values; otherwise
/// from the survival function, E[min(X, c)] = int_0^c S(x) dx and
/// E[min(X, c)^2] = int_0^c 2x S(x) dx (Simpson's rule).
pub fn capped_moments(d: &DurationDist, cap: f64) -> (f64, f64) {
    let mean = d.mean_secs();
    if d.exceed_probability(cap) == 0.0 {
        return (mean, d.variance_secs2() + mean * mean);
    }
    if let DurationDist::Empirical { values } = d {
        return values.capped_moments(cap);
    }
    const STEPS: usize = 1024;
    let h = cap / STEPS as f64;
    let (mut m1, mut m2) = (0.0, 0.0);
    for k in 0..=STEPS {
        let x = k as f64 * h;
        let weight = if k == 0 || k == STEPS {
            1.0
        } else if k % 2 == 1 {
            4.0
        } else {
            2.0
        };
        let sf = d.exceed_probability(x);
        m1 += weight * sf;
        m2 += weight * 2.0 * x * sf;
    }
    (m1 * h / 3.0, m2 * h / 3.0)
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
    fn capped_moments_match_closed_forms() {
        // Constant 600 s cut at 300 s: every run lasts 300 s.
        let c = DurationDist::constant(600.0).unwrap();
        assert_eq!(capped_moments(&c, 300.0), (300.0, 90_000.0));
        // Exponential, mean m, cut at c: E[min] = m (1 - e^{-c/m}).
        let m = 600.0;
        let e = DurationDist::exponential(m).unwrap();
        let (m1, m2) = capped_moments(&e, 300.0);
        let q = (-0.5f64).exp();
        assert!((m1 - m * (1.0 - q)).abs() < 1e-6, "{m1}");
        // E[min^2] = 2 m^2 (1 - e^{-c/m} (1 + c/m)).
        assert!((m2 - 2.0 * m * m * (1.0 - q * 1.5)).abs() < 1e-3, "{m2}");
        // No cut: the plain moments.
        assert_eq!(capped_moments(&e, 1e9).0, m);
    }

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
                (erlang_c(c, a) - exact).abs() < 1e-9,
                "C({c}, {a}) = {} not {exact}",
                erlang_c(c, a)
            );
        }
        // M/M/1: Wq = ρ/(μ−λ): ρ = 0.75, mean service 4 s gives 12 s.
        assert!((mmc_mean_wait(1, 0.75, 4.0) - 12.0).abs() < 1e-9);
    }

    #[test]
    fn allen_cunneen_reduces_to_erlang_c_at_cv_one() {
        for (c, a) in [(1u32, 0.5f64), (2, 1.8), (8, 7.0), (16, 12.5)] {
            assert!(
                (allen_cunneen_mean_wait(c, a, 100.0, 1.0, 1.0) - mmc_mean_wait(c, a, 100.0)).abs()
                    < 1e-9
            );
        }
        // Constant run times (cs = 0) halve the M/M/c wait.
        assert!(
            (allen_cunneen_mean_wait(2, 1.0, 10.0, 1.0, 0.0) - mmc_mean_wait(2, 1.0, 10.0) / 2.0)
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
}
