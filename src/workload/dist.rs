//! Duration distributions, parameterised the way users know them (mean and
//! coefficient of variation, or median and p95 for lognormal). Each sampler is
//! built once; sampling does no parameter work.

use std::sync::Arc;

use rand::RngExt;
use rand_distr::{Distribution, Exp, Gamma, LogNormal, Uniform};

use super::empirical::Recorded;
use crate::engine::SimRng;
use crate::units::SimDuration;

/// z of the standard normal's 95th percentile.
const Z95: f64 = 1.644_853_626_951_472_2;

/// A run-time distribution, in seconds.
#[derive(Debug, Clone, PartialEq)]
pub enum DurationDist {
    /// Always `value` seconds.
    Constant {
        /// Seconds.
        value: f64,
    },
    /// Exponential.
    Exponential {
        /// The sampler.
        dist: Exp<f64>,
        /// Seconds.
        mean: f64,
    },
    /// Lognormal.
    LogNormal {
        /// The sampler.
        dist: LogNormal<f64>,
        /// Location of ln(X).
        mu: f64,
        /// Scale of ln(X).
        sigma: f64,
    },
    /// Gamma.
    Gamma {
        /// The sampler.
        dist: Gamma<f64>,
        /// Seconds.
        mean: f64,
        /// Coefficient of variation.
        cv: f64,
    },
    /// Uniform between `min` and `max` seconds.
    Uniform {
        /// The sampler.
        dist: Uniform<f64>,
        /// Seconds.
        min: f64,
        /// Seconds.
        max: f64,
    },
    /// One of the recorded `values` (seconds), each equally likely.
    Empirical {
        /// Seconds, at least one, shared by the scenarios that read them.
        values: Arc<Recorded>,
    },
}

/// A parameter combination that defines no distribution.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct DistError(pub String);

fn positive(name: &str, v: f64) -> Result<f64, DistError> {
    if v.is_finite() && v > 0.0 {
        Ok(v)
    } else {
        Err(DistError(format!(
            "{name} must be positive and finite, got {v}"
        )))
    }
}

/// A coefficient of variation in (0, 100]; beyond that the distributions
/// degenerate numerically (and no build-time data looks like that).
fn cv_bounded(cv: f64) -> Result<f64, DistError> {
    let cv = positive("cv", cv)?;
    if cv > 100.0 {
        return Err(DistError(format!("cv must be at most 100, got {cv}")));
    }
    Ok(cv)
}

impl DurationDist {
    /// A constant `secs`.
    pub fn constant(secs: f64) -> Result<Self, DistError> {
        Ok(DurationDist::Constant {
            value: positive("value", secs)?,
        })
    }

    /// Exponential with mean `mean` seconds.
    pub fn exponential(mean: f64) -> Result<Self, DistError> {
        let mean = positive("mean", mean)?;
        let dist = Exp::new(1.0 / mean).map_err(|e| DistError(e.to_string()))?;
        Ok(DurationDist::Exponential { dist, mean })
    }

    /// Lognormal with the given mean (seconds) and coefficient of variation.
    pub fn lognormal_mean_cv(mean: f64, cv: f64) -> Result<Self, DistError> {
        let (mean, cv) = (positive("mean", mean)?, cv_bounded(cv)?);
        let sigma2 = (1.0 + cv * cv).ln();
        Self::lognormal(mean.ln() - sigma2 / 2.0, sigma2.sqrt())
    }

    /// Lognormal with the given median and 95th percentile (seconds).
    ///
    pub fn lognormal_median_p95(median: f64, p95: f64) -> Result<Self, DistError> {
        let (median, p95) = (positive("median", median)?, positive("p95", p95)?);
        if p95 <= median {
            return Err(DistError(format!(
                "p95 ({p95} s) must be above the median ({median} s)"
            )));
        }
        Self::lognormal(median.ln(), (p95.ln() - median.ln()) / Z95)
    }

    fn lognormal(mu: f64, sigma: f64) -> Result<Self, DistError> {
        let dist = LogNormal::new(mu, sigma).map_err(|e| DistError(e.to_string()))?;
        Ok(DurationDist::LogNormal { dist, mu, sigma })
    }

    /// Gamma with the given mean (seconds) and coefficient of variation.
    pub fn gamma(mean: f64, cv: f64) -> Result<Self, DistError> {
        let (mean, cv) = (positive("mean", mean)?, cv_bounded(cv)?);
        let shape = 1.0 / (cv * cv);
        let dist = Gamma::new(shape, mean / shape).map_err(|e| DistError(e.to_string()))?;
        Ok(DurationDist::Gamma { dist, mean, cv })
    }

    /// Uniform on `[min, max]` seconds.
    pub fn uniform(min: f64, max: f64) -> Result<Self, DistError> {
        let min = positive("min", min)?;
        let max = positive("max", max)?;
        if max < min {
            return Err(DistError(format!(
                "max ({max} s) must not be below min ({min} s)"
            )));
        }
        let dist = Uniform::new_inclusive(min, max).map_err(|e| DistError(e.to_string()))?;
        Ok(DurationDist::Uniform { dist, min, max })
    }

    /// Resamples recorded run times (seconds); at least one, all positive.
    pub fn empirical(values: Vec<f64>) -> Result<Self, DistError> {
        Ok(Self::recorded(Arc::new(Recorded::new(values)?)))
    }

    /// Resamples run times already checked, and shared.
    pub fn recorded(values: Arc<Recorded>) -> Self {
        DurationDist::Empirical { values }
    }

    /// Draws one run time. Inlined into the event loop (once a run): the
    /// call's register saves cost more than most distributions' draws.
    #[inline(always)]
    pub fn sample(&self, rng: &mut SimRng) -> SimDuration {
        let secs = match self {
            DurationDist::Constant { value } => *value,
            DurationDist::Exponential { dist, .. } => dist.sample(rng),
            DurationDist::LogNormal { dist, .. } => dist.sample(rng),
            DurationDist::Gamma { dist, .. } => dist.sample(rng),
            DurationDist::Uniform { dist, .. } => dist.sample(rng),
            DurationDist::Empirical { values } => {
                let values = values.values();
                values[rng.random_range(0..values.len())]
            }
        };
        SimDuration::from_secs_f64(secs)
    }

    /// The exact mean, in seconds.
    pub fn mean_secs(&self) -> f64 {
        match self {
            DurationDist::Constant { value } => *value,
            DurationDist::Exponential { mean, .. } | DurationDist::Gamma { mean, .. } => *mean,
            DurationDist::LogNormal { mu, sigma, .. } => (mu + sigma * sigma / 2.0).exp(),
            DurationDist::Uniform { min, max, .. } => (min + max) / 2.0,
            DurationDist::Empirical { values } => values.mean(),
        }
    }

    /// The probability that a run takes longer than `secs` (how often a
    /// timeout cuts it short).
    pub fn exceed_probability(&self, secs: f64) -> f64 {
        use statrs::distribution::{ContinuousCDF, Gamma as GammaCdf, LogNormal as LogNormalCdf};
        match self {
            DurationDist::Constant { value } => f64::from(u8::from(*value > secs)),
            DurationDist::Exponential { mean, .. } => (-secs / mean).exp(),
            DurationDist::LogNormal { mu, sigma, .. } => {
                LogNormalCdf::new(*mu, *sigma).map_or(0.0, |d| d.sf(secs))
            }
            DurationDist::Gamma { mean, cv, .. } => {
                let shape = 1.0 / (cv * cv);
                GammaCdf::new(shape, shape / mean).map_or(0.0, |d| d.sf(secs))
            }
            DurationDist::Uniform { min, max, .. } => ((max - secs) / (max - min)).clamp(0.0, 1.0),
            DurationDist::Empirical { values } => values.exceed_probability(secs),
        }
    }

    /// The exact variance, in seconds squared.
    pub fn variance_secs2(&self) -> f64 {
        match self {
            DurationDist::Constant { .. } => 0.0,
            DurationDist::Exponential { mean, .. } => mean * mean,
            DurationDist::Gamma { mean, cv, .. } => (mean * cv).powi(2),
            DurationDist::LogNormal { sigma, .. } => {
                ((sigma * sigma).exp() - 1.0) * self.mean_secs().powi(2)
            }
            DurationDist::Uniform { min, max, .. } => (max - min).powi(2) / 12.0,
            DurationDist::Empirical { values } => values.variance(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::stream_rng;

    /// Sample mean and variance of `n` draws.
    fn moments(d: &DurationDist, n: usize) -> (f64, f64) {
        let mut rng = stream_rng(1, 0, 0);
        let xs: Vec<f64> = (0..n).map(|_| d.sample(&mut rng).as_secs_f64()).collect();
        let mean = xs.iter().sum::<f64>() / n as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n as f64 - 1.0);
        (mean, var)
    }

    /// Sample means agree with the analytic mean within 4 standard errors
    /// (SE = sqrt(variance / n) from the analytic variance): a fixed seed makes
    /// the test deterministic, the 4-SE band keeps it honest.
    #[test]
    fn dist_sample_means_match_analytic() {
        let n = 200_000;
        for d in [
            DurationDist::exponential(300.0).unwrap(),
            DurationDist::lognormal_mean_cv(300.0, 1.2).unwrap(),
            DurationDist::lognormal_median_p95(180.0, 1200.0).unwrap(),
            DurationDist::gamma(900.0, 0.5).unwrap(),
            DurationDist::uniform(60.0, 120.0).unwrap(),
            DurationDist::empirical(vec![30.0, 60.0, 600.0, 45.0]).unwrap(),
        ] {
            let (mean, _) = moments(&d, n);
            let se = (d.variance_secs2() / n as f64).sqrt();
            assert!(
                (mean - d.mean_secs()).abs() <= 4.0 * se,
                "{d:?}: sample mean {mean}, analytic {}",
                d.mean_secs()
            );
        }
    }

    #[test]
    fn dist_parameterisations_agree() {
        let d = DurationDist::lognormal_mean_cv(600.0, 0.8).unwrap();
        assert!((d.mean_secs() - 600.0).abs() < 1e-9);
        assert!((d.variance_secs2().sqrt() / d.mean_secs() - 0.8).abs() < 1e-12);
        let g = DurationDist::gamma(600.0, 0.5).unwrap();
        let (mean, var) = moments(&g, 200_000);
        assert!(
            (var.sqrt() / mean - 0.5).abs() < 0.01,
            "gamma cv {}",
            var.sqrt() / mean
        );
        // median 180 s, sigma 1.1: p95 = 180 * e^(1.1 * 1.645)
        let p95 = 180.0 * (1.1 * Z95).exp();
        match DurationDist::lognormal_median_p95(180.0, p95).unwrap() {
            DurationDist::LogNormal { sigma, .. } => assert!((sigma - 1.1).abs() < 1e-12),
            other => panic!("not lognormal: {other:?}"),
        }
    }

    #[test]
    fn dist_tail_probabilities_match_closed_forms() {
        let e = DurationDist::exponential(100.0).unwrap();
        assert!((e.exceed_probability(100.0) - (-1.0f64).exp()).abs() < 1e-12);
        // A lognormal exceeds its median half the time and its p95 5% of it.
        let l = DurationDist::lognormal_median_p95(180.0, 1080.0).unwrap();
        assert!((l.exceed_probability(180.0) - 0.5).abs() < 1e-9);
        assert!((l.exceed_probability(1080.0) - 0.05).abs() < 1e-9);
        // Gamma with cv 1 is exponential.
        let g = DurationDist::gamma(100.0, 1.0).unwrap();
        assert!((g.exceed_probability(250.0) - (-2.5f64).exp()).abs() < 1e-9);
        assert_eq!(
            DurationDist::uniform(10.0, 20.0)
                .unwrap()
                .exceed_probability(15.0),
            0.5
        );
    }

    #[test]
    fn dist_rejects_nonsense() {
        assert!(DurationDist::constant(0.0).is_err());
        assert!(DurationDist::exponential(-1.0).is_err());
        assert!(DurationDist::lognormal_median_p95(100.0, 50.0).is_err());
        assert!(DurationDist::uniform(10.0, 5.0).is_err());
        assert!(DurationDist::gamma(f64::NAN, 1.0).is_err());
        assert!(DurationDist::gamma(60.0, 1e6).is_err());
        assert!(DurationDist::empirical(vec![]).is_err());
        assert!(DurationDist::empirical(vec![1.0, -2.0]).is_err());
    }
}
