//! Closed-form queueing results used as a baseline for the simulation.

use crate::model::Target;
use crate::scenario::Scenario;

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

/// Offered load of each pool in Erlangs: the mean number of instances its
/// arrivals keep busy, `Σ λ_w · E[run time of w on the pool's tier]`. A pool
/// needs more instances than this to be stable.
pub fn offered_load(scenario: &Scenario) -> Vec<f64> {
    let mut load = vec![0.0; scenario.pools.len()];
    for w in &scenario.workloads {
        if let Target::Pool(p) = w.target {
            let tier = scenario.pools[p.0 as usize].tier;
            let run = w.duration.mean_secs() * w.runtime_factor(tier.vcpu());
            // A run ends at its timeout, so it never holds an instance longer.
            let run = run.min(w.timeout.as_secs_f64());
            load[p.0 as usize] += w.arrival.mean_rate().as_per_second() * run;
        }
    }
    load
}

#[cfg(test)]
mod tests {
    use super::*;

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
