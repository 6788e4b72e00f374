//! The moments of a run time cut at a cap, min(X, cap): what an instance
//! is busy for when a timeout ends the longest runs, and the building block
//! of the lagged offered load. Closed forms for every distribution (a
//! finite sum for recorded values), so the figures are exact to rounding:
//! a gamma of cv above 1 has a survival function singular at 0, which a
//! fixed-step quadrature gets badly wrong.

use statrs::function::erf::erfc;
use statrs::function::gamma::{gamma_lr, gamma_ur};

use super::DurationDist;

/// The standard normal's upper tail, P(Z > z).
fn normal_sf(z: f64) -> f64 {
    0.5 * erfc(z / std::f64::consts::SQRT_2)
}

impl DurationDist {
    /// E[min(X, cap)] and E[min(X, cap)^2] of a run time X, in seconds and
    /// seconds squared; (0, 0) for a cap at or below 0.
    ///
    /// ```
    /// use poolcast::workload::DurationDist;
    /// // Exponential, mean 600 s, cut at 300 s: E[min] = 600 (1 - e^{-1/2}).
    /// let e = DurationDist::exponential(600.0).unwrap();
    /// let exact = 600.0 * (1.0 - (-0.5f64).exp());
    /// assert!((e.capped_moments(300.0).0 - exact).abs() < 1e-9 * exact);
    /// ```
    pub fn capped_moments(&self, cap: f64) -> (f64, f64) {
        if cap.is_nan() || cap <= 0.0 {
            return (0.0, 0.0);
        }
        match self {
            DurationDist::Constant { value } => {
                let v = value.min(cap);
                (v, v * v)
            }
            DurationDist::Exponential { mean, .. } => {
                // E[min] = m (1 - e^{-x}), E[min^2] = 2 m^2 (1 - e^{-x} (1 + x)),
                // x = cap / m.
                let x = cap / mean;
                let below = -(-x).exp_m1();
                (mean * below, 2.0 * mean * mean * (below - x * (-x).exp()))
            }
            DurationDist::Uniform { min, max, .. } => uniform(*min, *max, cap),
            DurationDist::LogNormal { mu, sigma, .. } => lognormal(*mu, *sigma, cap),
            DurationDist::Gamma { mean, cv, .. } => gamma(*mean, *cv, cap),
            DurationDist::Empirical { values } => values.capped_moments(cap),
        }
    }
}

/// Uniform on [a, b]: the part below the cap integrated, the rest at it.
fn uniform(a: f64, b: f64, cap: f64) -> (f64, f64) {
    if cap <= a {
        return (cap, cap * cap);
    }
    if cap >= b {
        let mean = (a + b) / 2.0;
        return (mean, (a * a + a * b + b * b) / 3.0);
    }
    let (width, above) = (b - a, (b - cap) / (b - a));
    (
        (cap * cap - a * a) / 2.0 / width + cap * above,
        (cap.powi(3) - a.powi(3)) / 3.0 / width + cap * cap * above,
    )
}

/// Lognormal: E[X^k; X <= c] = e^{k mu + k^2 sigma^2 / 2} Phi((ln c - mu -
/// k sigma^2) / sigma), and c^k times the share above c.
fn lognormal(mu: f64, sigma: f64, cap: f64) -> (f64, f64) {
    let z = (cap.ln() - mu) / sigma;
    let partial = |k: f64| (k * mu + k * k * sigma * sigma / 2.0).exp() * normal_sf(k * sigma - z);
    let above = normal_sf(z);
    (partial(1.0) + cap * above, partial(2.0) + cap * cap * above)
}

/// Gamma of shape k and scale theta: E[X; X <= c] = k theta P(k + 1, c /
/// theta), E[X^2; X <= c] = k (k + 1) theta^2 P(k + 2, c / theta), and c^k
/// times Q(k, c / theta) above.
fn gamma(mean: f64, cv: f64, cap: f64) -> (f64, f64) {
    let shape = 1.0 / (cv * cv);
    let scale = mean / shape;
    let x = cap / scale;
    let above = gamma_ur(shape, x);
    (
        mean * gamma_lr(shape + 1.0, x) + cap * above,
        mean * (shape + 1.0) * scale * gamma_lr(shape + 2.0, x) + cap * cap * above,
    )
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

    /// E[min(X, c)] and E[min(X, c)^2] by composite Gauss-Legendre over
    /// the survival function, int_0^c S(x) dx and int_0^c 2x S(x) dx, on a
    /// grid fine enough near 0 for the lognormal's smooth tail: an
    /// independent check of the closed forms.
    fn by_quadrature(d: &DurationDist, cap: f64) -> (f64, f64) {
        // 5-point Gauss-Legendre nodes and weights on [-1, 1].
        const NODES: [(f64, f64); 5] = [
            (0.0, 0.568_888_888_888_888_9),
            (-0.538_469_310_105_683_1, 0.478_628_670_499_366_5),
            (0.538_469_310_105_683_1, 0.478_628_670_499_366_5),
            (-0.906_179_845_938_664, 0.236_926_885_056_189_08),
            (0.906_179_845_938_664, 0.236_926_885_056_189_08),
        ];
        let pieces = 20_000;
        let (mut m1, mut m2) = (0.0, 0.0);
        for i in 0..pieces {
            let (lo, hi) = (
                cap * i as f64 / pieces as f64,
                cap * (i + 1) as f64 / pieces as f64,
            );
            let (mid, half) = ((lo + hi) / 2.0, (hi - lo) / 2.0);
            for (t, w) in NODES {
                let x = mid + half * t;
                let s = d.exceed_probability(x);
                m1 += w * half * s;
                m2 += w * half * 2.0 * x * s;
            }
        }
        (m1, m2)
    }

    #[test]
    fn capped_moments_match_closed_forms() {
        // Constant 600 s cut at 300 s: every run lasts 300 s.
        let c = DurationDist::constant(600.0).unwrap();
        assert_eq!(c.capped_moments(300.0), (300.0, 90_000.0));
        // Exponential, mean m, cut at c.
        let m = 600.0;
        let e = DurationDist::exponential(m).unwrap();
        let (m1, m2) = e.capped_moments(300.0);
        let q = (-0.5f64).exp();
        close(m1, m * (1.0 - q), "exponential mean");
        close(m2, 2.0 * m * m * (1.0 - q * 1.5), "exponential square");
        // Gamma with cv 1 is that exponential.
        let g = DurationDist::gamma(m, 1.0).unwrap().capped_moments(300.0);
        close(g.0, m1, "gamma cv 1 mean");
        close(g.1, m2, "gamma cv 1 square");
        // Gamma of shape 2 (cv 1/sqrt 2), scale t = m / 2: P(X > x) = e^{-x/t}
        // (1 + x/t), so E[min] = t (2 - e^{-u} (2 + u)), u = c / t.
        let t = m / 2.0;
        let u = 300.0 / t;
        let g2 = DurationDist::gamma(m, 0.5f64.sqrt()).unwrap();
        close(
            g2.capped_moments(300.0).0,
            t * (2.0 - (-u).exp() * (2.0 + u)),
            "gamma shape 2",
        );
        // Uniform on [60, 120] cut at 90: half the runs at 60-90 (mean 75),
        // half at 90.
        let un = DurationDist::uniform(60.0, 120.0).unwrap();
        assert_eq!(un.capped_moments(90.0).0, 82.5);
        close(
            un.capped_moments(90.0).1,
            (90f64.powi(3) - 60f64.powi(3)) / 3.0 / 60.0 + 8100.0 / 2.0,
            "uniform square",
        );
        // No cut: the plain moments.
        assert_eq!(e.capped_moments(1e9).0, m);
        close(
            un.capped_moments(500.0).1,
            un.variance_secs2() + 90.0 * 90.0,
            "uniform uncut",
        );
        assert_eq!(e.capped_moments(0.0), (0.0, 0.0));
    }

    #[test]
    fn lognormal_and_gamma_match_quadrature() {
        for (d, cap) in [
            (DurationDist::lognormal_mean_cv(300.0, 1.2).unwrap(), 600.0),
            (
                DurationDist::lognormal_median_p95(360.0, 1500.0).unwrap(),
                3600.0,
            ),
            (DurationDist::gamma(900.0, 0.5).unwrap(), 1200.0),
            (DurationDist::gamma(900.0, 0.3).unwrap(), 600.0),
        ] {
            let (q1, q2) = by_quadrature(&d, cap);
            let (m1, m2) = d.capped_moments(cap);
            close(m1, q1, &format!("{d:?} mean"));
            close(m2, q2, &format!("{d:?} square"));
        }
    }

    /// Issue 26's case: a gamma run time of mean 20 s and cv 2 under an
    /// 8 h timeout, which the cap cuts with probability e^{-360}-ish, has
    /// its own mean and second moment (a 1,024-step Simpson sum says 24.2 s).
    #[test]
    fn a_far_cap_leaves_a_heavy_gamma_alone() {
        let g = DurationDist::gamma(20.0, 2.0).unwrap();
        let (m1, m2) = g.capped_moments(28_800.0);
        close(m1, 20.0, "mean");
        close(m2, g.variance_secs2() + 400.0, "second moment");
    }
}
