//! The run-time distribution of a group: a lognormal fitted by maximum
//! likelihood, with a comparison of quantiles, or a constant when the data
//! are too thin for a shape.

use std::fmt::Write;

use super::collect::{RunTimes, quantile_s};
use super::write::duration_text;
use crate::text::parse_duration;

/// z of the standard normal's 95th percentile.
const Z95: f64 = 1.644_853_626_951_472_2;
/// The longest p95 run time an import writes (about 116 days): a wider fit
/// says more about the data than about any build.
const MAX_FITTED_S: f64 = 1e7;
/// The run time guessed when no run of the whole export finished.
const GUESS_S: f64 = 300.0;

/// The `duration = …` line (with its comments) of workload `name`.
/// `others_median_s` is the longest median run time of the other groups,
/// the guess when none of this group's runs finished.
pub(super) fn duration_line(
    t: &RunTimes,
    others_median_s: Option<f64>,
    name: &str,
    warnings: &mut Vec<String>,
) -> String {
    let n = t.timed as f64;
    match &t.histogram {
        Some(h) if t.timed >= 2 => {
            let mu = t.log_sum / n;
            let sigma = (t.log_sq_sum / n - mu * mu).max(0.0).sqrt();
            if sigma < 1e-3 {
                return format!(
                    "duration = {{ dist = \"constant\", value = \"{}\" }}   # every recorded run took the same time\n",
                    duration_text(mu.exp())
                );
            }
            let fitted = |z: f64| (mu + sigma * z).exp();
            let mut line = format!(
                "# run time: lognormal by maximum likelihood (sigma {sigma:.2}) from {} runs; fit check, observed vs fitted:\n",
                t.timed
            );
            for (label, q, z) in [
                ("p50", 0.5, 0.0),
                ("p90", 0.9, 1.281_551_565_5),
                ("p95", 0.95, Z95),
                ("p99", 0.99, 2.326_347_874),
            ] {
                let _ = writeln!(
                    line,
                    "#   {label} {} vs {}",
                    duration_text(quantile_s(h, q)),
                    duration_text(fitted(z))
                );
            }
            // Written as text and read back, median and p95 must stay apart
            // (runs of 100 s and one of 101 s round to one value); a p95
            // beyond any run time is capped.
            let (median, p95) = (
                duration_text(fitted(0.0)),
                duration_text(fitted(Z95).min(MAX_FITTED_S)),
            );
            if parse_duration(&p95).ok() <= parse_duration(&median).ok() {
                return format!(
                    "duration = {{ dist = \"constant\", value = \"{median}\" }}   # the recorded run times barely vary\n"
                );
            }
            let _ = writeln!(
                line,
                "duration = {{ dist = \"lognormal\", median = \"{median}\", p95 = \"{p95}\" }}"
            );
            line
        }
        Some(_) => format!(
            "duration = {{ dist = \"constant\", value = \"{}\" }}   # CHECK: only one recorded run time\n",
            duration_text(t.log_sum.exp())
        ),
        None => {
            let value = others_median_s.filter(|m| *m > 0.0).unwrap_or(GUESS_S);
            warnings.push(format!(
                "workload {name}: no run finished, so its run time is a guess ({})",
                duration_text(value)
            ));
            format!(
                "duration = {{ dist = \"constant\", value = \"{}\" }}   # CHECK: no recorded run time; a guess\n",
                duration_text(value)
            )
        }
    }
}
