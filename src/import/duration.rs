//! The run-time distribution of a group: a lognormal or a gamma, whichever
//! the recorded run times are likelier under, each fitted by maximum
//! likelihood, with a comparison of quantiles; or a constant when the data
//! are too thin for a shape.
//!
//! Both families have two parameters, so their likelihoods compare as they
//! are. One family alone misstates some tails: run times that are a sum of
//! similar steps (a gamma) fitted as a lognormal get a p95 some 8% too
//! long, which the back-test shows as simulated run times above the
//! recorded ones.

use std::fmt::Write;

use hdrhistogram::Histogram;

use statrs::distribution::{ContinuousCDF, Gamma, LogNormal};
use statrs::function::gamma::{digamma, ln_gamma};

use super::collect::{RunTimes, quantile_s};
use super::write::duration_text;
use crate::text::parse_duration;

/// The longest p95 run time an import writes (about 116 days): a wider fit
/// says more about the data than about any build.
const MAX_FITTED_S: f64 = 1e7;
/// The run time guessed when no run of the whole export finished.
const GUESS_S: f64 = 300.0;
/// The gamma shapes the fit searches: the scenario's `cv` runs from 0.01
/// (shape 10⁴; narrower run times are written as a constant) to 100.
const SHAPES: (f64, f64) = (1e-4, 1e4);

/// A run-time family fitted by maximum likelihood.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Fit {
    /// ln(run seconds) is normal.
    LogNormal {
        /// Mean of ln(run seconds).
        mu: f64,
        /// Its standard deviation.
        sigma: f64,
    },
    /// Gamma, as the scenario writes it.
    Gamma {
        /// Shape (1/cv²).
        shape: f64,
        /// Mean, seconds.
        mean_s: f64,
    },
}

impl Fit {
    /// The lognormal of `t`'s maximum likelihood.
    fn lognormal(t: &RunTimes) -> Fit {
        let n = t.timed as f64;
        let mu = t.log_sum / n;
        Fit::LogNormal {
            mu,
            sigma: (t.log_sq_sum / n - mu * mu).max(0.0).sqrt(),
        }
    }

    /// The gamma of `t`'s maximum likelihood: its mean is the sample mean,
    /// and its shape k solves ln k − ψ(k) = ln(mean) − mean(ln), whose left
    /// side falls as k grows (bisected on ln k). `None` when the shape
    /// falls outside `SHAPES`.
    fn gamma(t: &RunTimes) -> Option<Fit> {
        let n = t.timed as f64;
        let mean_s = t.sum / n;
        let gap = mean_s.ln() - t.log_sum / n;
        let excess = |k: f64| k.ln() - digamma(k) - gap;
        let (mut lo, mut hi) = (SHAPES.0.ln(), SHAPES.1.ln());
        if excess(lo.exp()) < 0.0 || excess(hi.exp()) > 0.0 {
            return None;
        }
        for _ in 0..60 {
            let mid = (lo + hi) / 2.0;
            if excess(mid.exp()) > 0.0 {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        Some(Fit::Gamma {
            shape: ((lo + hi) / 2.0).exp(),
            mean_s,
        })
    }

    /// The log-likelihood of `t`'s run times (seconds).
    fn log_likelihood(&self, t: &RunTimes) -> f64 {
        let n = t.timed as f64;
        match *self {
            Fit::LogNormal { mu, sigma } => {
                let squares = t.log_sq_sum - 2.0 * mu * t.log_sum + n * mu * mu;
                -t.log_sum
                    - n * (sigma.ln() + 0.5 * (2.0 * std::f64::consts::PI).ln())
                    - squares / (2.0 * sigma * sigma)
            }
            Fit::Gamma { shape, mean_s } => {
                let scale = mean_s / shape;
                (shape - 1.0) * t.log_sum
                    - t.sum / scale
                    - n * (shape * scale.ln() + ln_gamma(shape))
            }
        }
    }

    /// The `q` quantile, seconds.
    fn quantile_s(&self, q: f64) -> f64 {
        match *self {
            Fit::LogNormal { mu, sigma } => {
                LogNormal::new(mu, sigma).ok().map(|d| d.inverse_cdf(q))
            }
            Fit::Gamma { shape, mean_s } => Gamma::new(shape, shape / mean_s)
                .ok()
                .map(|d| d.inverse_cdf(q)),
        }
        .unwrap_or(f64::NAN)
    }

    /// The family's name in the scenario.
    fn dist(&self) -> &'static str {
        match self {
            Fit::LogNormal { .. } => "lognormal",
            Fit::Gamma { .. } => "gamma",
        }
    }

    /// The `dist = …` parameters as the scenario reads them back, or `None`
    /// when rounding them to text leaves no spread.
    fn parameters(&self) -> Option<String> {
        match *self {
            Fit::LogNormal { .. } => {
                // Median and p95 must stay apart (runs of 100 s and one of
                // 101 s round to one value); a p95 beyond any run time is
                // capped.
                let median = duration_text(self.quantile_s(0.5));
                let p95 = duration_text(self.quantile_s(0.95).min(MAX_FITTED_S));
                (parse_duration(&p95).ok() > parse_duration(&median).ok())
                    .then(|| format!("median = \"{median}\", p95 = \"{p95}\""))
            }
            Fit::Gamma { shape, mean_s } => {
                let cv = format!("{:.3}", shape.sqrt().recip());
                (cv.parse::<f64>().ok()? > 0.0)
                    .then(|| format!("mean = \"{}\", cv = {cv}", duration_text(mean_s)))
            }
        }
    }

    /// What the fit says of itself in the comment: its spread.
    fn describe(&self) -> String {
        match self {
            Fit::LogNormal { sigma, .. } => format!("sigma {sigma:.2}"),
            Fit::Gamma { shape, .. } => format!("shape {shape:.2}"),
        }
    }
}

/// The likelier of the two fits of `t` (at least two timed runs), and how
/// many units of log-likelihood it leads the other by (none when the gamma
/// has no fit).
fn best_fit(t: &RunTimes) -> (Fit, Option<f64>) {
    let lognormal = Fit::lognormal(t);
    let Some(gamma) = Fit::gamma(t) else {
        return (lognormal, None);
    };
    let lead = gamma.log_likelihood(t) - lognormal.log_likelihood(t);
    if lead > 0.0 {
        (gamma, Some(lead))
    } else {
        (lognormal, Some(-lead))
    }
}

/// The `duration = …` line (with its comments) of workload `name`.
/// `others_median_s` is the longest median run time of the other groups,
/// the guess when none of this group's runs finished.
pub(super) fn duration_line(
    t: &RunTimes,
    others_median_s: Option<f64>,
    name: &str,
    warnings: &mut Vec<String>,
) -> String {
    if t.zero > 0 {
        warnings.push(format!(
            "workload {name}: {} finished runs recorded no run time (start = finish); they are left out of its run-time fit",
            t.zero
        ));
    }
    match &t.histogram {
        Some(h) if t.timed >= 2 => fitted_line(t, h),
        Some(_) => format!(
            "duration = {{ dist = \"constant\", value = \"{}\" }}   # CHECK: only one recorded run time\n",
            duration_text(t.log_sum.exp())
        ),
        None => {
            let value = others_median_s.filter(|m| *m > 0.0).unwrap_or(GUESS_S);
            let why = if t.zero > 0 {
                "no run recorded a run time"
            } else {
                "no run finished"
            };
            warnings.push(format!(
                "workload {name}: {why}, so its run time is a guess ({})",
                duration_text(value)
            ));
            format!(
                "duration = {{ dist = \"constant\", value = \"{}\" }}   # CHECK: no recorded run time; a guess\n",
                duration_text(value)
            )
        }
    }
}

/// The `duration` line of a workload with at least two run times (`h`,
/// their histogram): the likelier of a lognormal and a gamma fit, with the
/// fit check (observed against fitted quantiles) as comments above it; a
/// constant when the run times barely vary.
fn fitted_line(t: &RunTimes, h: &Histogram<u64>) -> String {
    if let Fit::LogNormal { mu, sigma } = Fit::lognormal(t)
        && sigma < 1e-3
    {
        return format!(
            "duration = {{ dist = \"constant\", value = \"{}\" }}   # every recorded run took the same time\n",
            duration_text(mu.exp())
        );
    }
    let (fit, lead) = best_fit(t);
    let Some(parameters) = fit.parameters() else {
        return format!(
            "duration = {{ dist = \"constant\", value = \"{}\" }}   # the recorded run times barely vary\n",
            duration_text(fit.quantile_s(0.5))
        );
    };
    let against = match (fit, lead) {
        (_, None) => String::new(),
        (Fit::LogNormal { .. }, Some(l)) => {
            format!(", likelier than a gamma by {l:.1} in log-likelihood")
        }
        (Fit::Gamma { .. }, Some(l)) => {
            format!(", likelier than a lognormal by {l:.1} in log-likelihood")
        }
    };
    let mut line = format!(
        "# run time: {} by maximum likelihood ({}{against}) from {} runs; fit check, observed vs fitted:\n",
        fit.dist(),
        fit.describe(),
        t.timed
    );
    for (label, q) in [("p50", 0.5), ("p90", 0.9), ("p95", 0.95), ("p99", 0.99)] {
        let _ = writeln!(
            line,
            "#   {label} {} vs {}",
            duration_text(quantile_s(h, q)),
            duration_text(fit.quantile_s(q))
        );
    }
    let _ = writeln!(
        line,
        "duration = {{ dist = \"{}\", {parameters} }}",
        fit.dist()
    );
    line
}

#[cfg(test)]
mod tests {
    use statrs::distribution::Continuous;

    use super::*;
    use crate::import::collect::{histogram, record};

    /// The sums an import keeps of run times `xs` (seconds).
    fn run_times(xs: &[f64]) -> RunTimes {
        let mut t = RunTimes::default();
        let mut h = histogram();
        for x in xs {
            t.timed += 1;
            t.sum += x;
            t.log_sum += x.ln();
            t.log_sq_sum += x.ln().powi(2);
            record(&mut h, (x * 1000.0).round() as u64);
        }
        t.histogram = Some(h);
        t
    }

    /// `n` evenly spaced quantiles of a distribution: a sample with no luck in it.
    fn quantiles(d: &impl ContinuousCDF<f64, f64>, n: usize) -> Vec<f64> {
        (0..n)
            .map(|i| d.inverse_cdf((i as f64 + 0.5) / n as f64))
            .collect()
    }

    fn gamma_sample() -> Vec<f64> {
        // The bundled generator's nightly run times: shape 4, scale 150 s.
        quantiles(&Gamma::new(4.0, 1.0 / 150.0).unwrap(), 2000)
    }

    fn lognormal_sample() -> Vec<f64> {
        // Its CI run times: median 240 s, sigma 0.9.
        quantiles(&LogNormal::new(240f64.ln(), 0.9).unwrap(), 2000)
    }

    #[test]
    fn log_likelihoods_are_the_sums_of_log_densities() {
        let xs = [30.0, 95.0, 240.0, 241.0, 600.0, 1800.0];
        let t = run_times(&xs);
        let (Fit::LogNormal { mu, sigma }, Some(Fit::Gamma { shape, mean_s })) =
            (Fit::lognormal(&t), Fit::gamma(&t))
        else {
            panic!("both fit")
        };
        let by_density = |ln_pdf: &dyn Fn(f64) -> f64| xs.iter().map(|x| ln_pdf(*x)).sum::<f64>();
        let lognormal = LogNormal::new(mu, sigma).unwrap();
        let gamma = Gamma::new(shape, shape / mean_s).unwrap();
        for (fit, expected) in [
            (Fit::lognormal(&t), by_density(&|x| lognormal.ln_pdf(x))),
            (Fit::gamma(&t).unwrap(), by_density(&|x| gamma.ln_pdf(x))),
        ] {
            let got = fit.log_likelihood(&t);
            assert!(
                (got - expected).abs() < 1e-9 * expected.abs(),
                "{fit:?}: {got} vs {expected}"
            );
        }
    }

    #[test]
    fn the_gamma_fit_recovers_shape_and_mean() {
        let Some(Fit::Gamma { shape, mean_s }) = Fit::gamma(&run_times(&gamma_sample())) else {
            panic!("a gamma fits")
        };
        assert!((shape - 4.0).abs() < 0.05, "shape {shape}");
        assert!((mean_s - 600.0).abs() < 1.0, "mean {mean_s}");
    }

    #[test]
    fn each_sample_gets_its_own_family() {
        let (fit, _) = best_fit(&run_times(&gamma_sample()));
        assert!(matches!(fit, Fit::Gamma { .. }), "{fit:?}");
        let (fit, _) = best_fit(&run_times(&lognormal_sample()));
        assert!(matches!(fit, Fit::LogNormal { .. }), "{fit:?}");
    }

    /// The bias the choice removes: a lognormal fitted to gamma run times
    /// overstates their p95 by about 8%; the fit chosen is within 1%.
    #[test]
    fn gamma_run_times_keep_their_p95() {
        let xs = gamma_sample();
        let t = run_times(&xs);
        let recorded = Gamma::new(4.0, 1.0 / 150.0).unwrap().inverse_cdf(0.95);
        let off = |fit: Fit| fit.quantile_s(0.95) / recorded - 1.0;
        assert!(
            off(Fit::lognormal(&t)) > 0.05,
            "{}",
            off(Fit::lognormal(&t))
        );
        assert!(off(best_fit(&t).0).abs() < 0.01, "{}", off(best_fit(&t).0));
        let mut warnings = Vec::new();
        let line = duration_line(&t, None, "nightly", &mut warnings);
        assert!(
            line.contains("duration = { dist = \"gamma\", mean = \"600s\", cv = 0.50"),
            "{line}"
        );
        assert!(warnings.is_empty(), "{warnings:?}");
    }
}
