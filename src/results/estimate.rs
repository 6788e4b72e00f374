//! Means across replications with Student-t 95% confidence intervals.

use statrs::distribution::{ContinuousCDF, StudentsT};

/// The 0.975 quantile of Student's t with `df` degrees of freedom: the
/// multiplier of the standard error for a two-sided 95% interval.
///
/// ```
/// // Published table value for 9 degrees of freedom: 2.262.
/// assert!((poolcast::results::student_t_975(9) - 2.2622).abs() < 1e-4);
/// ```
pub fn student_t_975(df: u32) -> f64 {
    StudentsT::new(0.0, 1.0, f64::from(df.max(1)))
        .map(|t| t.inverse_cdf(0.975))
        .unwrap_or(f64::NAN)
}

/// A metric's mean over the replications where it is defined, and its 95%
/// interval (`None` with fewer than two). A NaN mean means "undefined in
/// every replication" (e.g. cost per task with no tasks) and is written as
/// null. Its JSON is `{mean, ci95}`, as `schedule.json` gives its costs.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Estimate {
    /// Mean over replications.
    pub mean: f64,
    /// Standard error of the mean (0 with one replication).
    #[serde(skip)]
    pub std_error: f64,
    /// Student-t 95% interval `(low, high)`.
    pub ci95: Option<(f64, f64)>,
}

impl Estimate {
    /// The estimate from one value per replication.
    ///
    /// ```
    /// use poolcast::results::Estimate;
    /// let e = Estimate::from_samples(&[1.0, 2.0, 3.0]);
    /// assert_eq!(e.mean, 2.0);
    /// let (lo, hi) = e.ci95.unwrap();
    /// // Standard error 1/sqrt(3), times t(0.975) with 2 degrees of freedom.
    /// assert!(((hi - lo) / 2.0 - 4.302_653 * (1.0f64 / 3.0).sqrt()).abs() < 1e-5);
    /// ```
    pub fn from_samples(xs: &[f64]) -> Estimate {
        // A replication where the metric is undefined (no run started, say)
        // says nothing about it; the others still do.
        let defined: Vec<f64> = xs.iter().copied().filter(|x| !x.is_nan()).collect();
        let xs = defined.as_slice();
        let n = xs.len();
        let mean = xs.iter().sum::<f64>() / n as f64;
        if xs.iter().all(|x| x.to_bits() == xs[0].to_bits()) {
            // Identical values (a fixed pool's cost): no spread, and no
            // rounding noise dressed up as an interval.
            return Estimate {
                mean: xs.first().copied().unwrap_or(f64::NAN),
                std_error: 0.0,
                ci95: (n > 1).then(|| (xs[0], xs[0])),
            };
        }
        if n < 2 {
            return Estimate {
                mean,
                std_error: 0.0,
                ci95: None,
            };
        }
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        let std_error = (var / n as f64).sqrt();
        let half = student_t_975(n as u32 - 1) * std_error;
        Estimate {
            mean,
            std_error,
            ci95: Some((mean - half, mean + half)),
        }
    }

    /// Half the width of the 95% interval (0 without one).
    pub fn half_width(&self) -> f64 {
        self.ci95.map_or(0.0, |(lo, hi)| (hi - lo) / 2.0)
    }
}

impl Estimate {
    /// The difference `a - b` of two metrics measured on the same
    /// replications with common random numbers: the estimate of the
    /// per-replication differences (paired, so the noise both share
    /// cancels; two identical runs differ by exactly 0).
    ///
    /// ```
    /// use poolcast::results::Estimate;
    /// let d = Estimate::paired_difference(&[3.0, 5.0, 4.0], &[3.0, 5.0, 4.0]);
    /// assert_eq!((d.mean, d.ci95), (0.0, Some((0.0, 0.0))));
    /// ```
    pub fn paired_difference(a: &[f64], b: &[f64]) -> Estimate {
        let d: Vec<f64> = a.iter().zip(b).map(|(x, y)| x - y).collect();
        Estimate::from_samples(&d)
    }

    /// The difference `a - b` of two independent estimates from `na` and
    /// `nb` replications: standard errors added in quadrature, with the
    /// smaller sample's degrees of freedom (conservative, Welch's bound).
    pub fn unpaired_difference(a: Estimate, na: usize, b: Estimate, nb: usize) -> Estimate {
        let mean = a.mean - b.mean;
        let std_error = (a.std_error.powi(2) + b.std_error.powi(2)).sqrt();
        let df = na.min(nb).saturating_sub(1);
        let ci95 = (df >= 1).then(|| {
            let half = student_t_975(df as u32) * std_error;
            (mean - half, mean + half)
        });
        Estimate {
            mean,
            std_error,
            ci95,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The 0.975 quantile of Student's t in closed form, where there is
    /// one: 1, 2 and 4 degrees of freedom (Hill, 1970).
    fn t_975_closed_form(df: u32) -> f64 {
        let p: f64 = 0.975;
        match df {
            1 => (std::f64::consts::PI * (p - 0.5)).tan(),
            2 => (2.0 * p - 1.0) / (2.0 * p * (1.0 - p)).sqrt(),
            4 => {
                let a = 4.0 * p * (1.0 - p);
                let theta = a.sqrt().acos();
                2.0 * ((theta / 3.0).cos() / a.sqrt() - 1.0).sqrt()
            }
            _ => unreachable!("no closed form for {df} degrees of freedom"),
        }
    }

    /// Equal to 12 significant digits: what statrs' inverse CDF holds to,
    /// and far inside the 10% or more between neighbouring degrees of
    /// freedom at these sizes.
    fn assert_same(got: f64, want: f64, what: &str) {
        assert!(
            ((got - want) / want).abs() < 1e-12,
            "{what}: {got} is not {want}"
        );
    }

    #[test]
    fn the_multiplier_is_the_t_quantile() {
        for df in [1, 2, 4] {
            assert_same(student_t_975(df), t_975_closed_form(df), "t(0.975)");
        }
    }

    /// n samples give n - 1 degrees of freedom and the standard error
    /// s / sqrt(n), s with the n - 1 denominator: the interval is exactly
    /// mean +- t(n - 1) s / sqrt(n), neither narrower (n degrees of
    /// freedom, or s over n) nor wider (n - 2).
    #[test]
    fn interval_has_n_minus_one_degrees_of_freedom() {
        // (samples, their mean, their variance with the n - 1 denominator)
        let cases: [(&[f64], f64, f64); 3] = [
            (&[4.0, 6.0], 5.0, 2.0),
            (&[1.0, 2.0, 3.0], 2.0, 1.0),
            (&[2.0, 4.0, 4.0, 5.0, 10.0], 5.0, 9.0),
        ];
        for (xs, mean, var) in cases {
            let n = xs.len();
            let e = Estimate::from_samples(xs);
            assert_eq!(e.mean, mean);
            let std_error = (var / n as f64).sqrt();
            assert_same(e.std_error, std_error, "standard error");
            let half = t_975_closed_form(n as u32 - 1) * std_error;
            assert_same(e.half_width(), half, "half-width");
            let (lo, hi) = e.ci95.expect("an interval from two samples or more");
            assert_same(lo, mean - half, "low end");
            assert_same(hi, mean + half, "high end");
        }
    }

    /// A paired difference has the interval of the differences; an
    /// unpaired one the smaller sample's n - 1 degrees of freedom.
    #[test]
    fn differences_have_the_right_degrees_of_freedom() {
        let d = Estimate::paired_difference(&[5.0, 7.0, 9.0], &[4.0, 5.0, 6.0]);
        assert_eq!(d.mean, 2.0);
        assert_same(
            d.half_width(),
            t_975_closed_form(2) * (1.0f64 / 3.0).sqrt(),
            "paired",
        );
        let a = Estimate::from_samples(&[1.0, 2.0, 3.0]);
        let b = Estimate::from_samples(&[2.0, 4.0, 4.0, 5.0, 10.0]);
        let std_error = (1.0f64 / 3.0 + 9.0 / 5.0).sqrt();
        for (x, nx, y, ny) in [(a, 3, b, 5), (b, 5, a, 3)] {
            let d = Estimate::unpaired_difference(x, nx, y, ny);
            assert_same(d.std_error, std_error, "unpaired standard error");
            assert_same(d.half_width(), t_975_closed_form(2) * std_error, "unpaired");
        }
        let one = Estimate::from_samples(&[1.0]);
        assert_eq!(Estimate::unpaired_difference(one, 1, a, 3).ci95, None);
    }
}
