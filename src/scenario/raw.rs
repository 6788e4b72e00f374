//! The serde mirror of the scenario TOML. Every table rejects unknown keys so
//! a typo is reported with its line and column; every leaf keeps its span so
//! validation can point at the offending value. Numbers are read wide (i64,
//! f64) and checked in `validate`, so all problems are reported at once.

use serde::Deserialize;
use toml::Spanned;

/// A leaf with its byte span in the source.
pub(super) type S<T> = Spanned<T>;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawScenario {
    pub name: Option<S<String>>,
    #[serde(default)]
    pub simulation: RawSimulation,
    #[serde(default)]
    pub quota: RawQuota,
    #[serde(default)]
    pub prices: RawPrices,
    #[serde(default, rename = "pool")]
    pub pools: Vec<RawPool>,
    #[serde(default, rename = "workload")]
    pub workloads: Vec<RawWorkload>,
    #[serde(default)]
    pub slo: RawSlo,
    /// Read by `sweep_spec` (with its own parser); accepted here so that a
    /// scenario with a sweep also runs as a single point.
    #[serde(default, rename = "sweep")]
    pub _sweep: Option<serde::de::IgnoredAny>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSimulation {
    pub horizon: Option<S<String>>,
    pub warmup: Option<S<String>>,
    pub replications: Option<S<i64>>,
    pub seed: Option<S<i64>>,
    pub sample_interval: Option<S<String>>,
    pub start: Option<S<String>>,
    pub timezone: Option<S<String>>,
    pub max_runs: Option<S<f64>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawQuota {
    pub standard_vcpu: Option<S<i64>>,
    pub isolated_vcpu: Option<S<i64>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPrices {
    pub base: Option<S<String>>,
    #[serde(rename = "S1")]
    pub s1: Option<S<f64>>,
    #[serde(rename = "S2")]
    pub s2: Option<S<f64>>,
    #[serde(rename = "S3")]
    pub s3: Option<S<f64>>,
    #[serde(rename = "I6")]
    pub i6: Option<S<f64>>,
    pub default_vcpu_second: Option<S<f64>>,
    pub default_free_vcpu_seconds_per_month: Option<S<f64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPool {
    pub name: S<String>,
    pub tier: S<String>,
    pub count: Option<S<i64>>,
    pub scaling: Option<S<RawScaling>>,
    pub provisioning: Option<S<String>>,
    pub scale_in: Option<S<String>>,
    pub cold_start: Option<S<RawColdStart>>,
}

/// One flat table for every scaling policy (see `RawArrival`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawScaling {
    pub policy: S<String>,
    pub min: Option<S<i64>>,
    pub max: Option<S<i64>>,
    pub per_instance: Option<S<f64>>,
    pub poll: Option<S<String>>,
    pub cooldown: Option<S<String>>,
    pub target_wait: Option<S<String>>,
    pub rules: Option<S<Vec<RawRule>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRule {
    pub cron: S<String>,
    pub count: S<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawColdStart {
    pub extra: S<String>,
    pub tasks: Option<S<i64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawWorkload {
    pub name: S<String>,
    pub pool: S<String>,
    pub arrival: S<RawArrival>,
    pub duration: Option<S<RawDist>>,
    pub ref_cpu: Option<S<f64>>,
    pub parallel_fraction: Option<S<f64>>,
    pub memory_gb: Option<S<f64>>,
    pub timeout: Option<S<String>>,
    pub rate_scale: Option<S<f64>>,
    pub recorded_cpu: Option<S<i64>>,
}

/// One flat table for every arrival process, so that a key that does not
/// belong to the chosen process gets a message naming the process's keys.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawArrival {
    pub process: S<String>,
    pub rate: Option<S<String>>,
    pub hourly: Option<S<Vec<f64>>>,
    pub weekly: Option<S<Vec<f64>>>,
    pub preset: Option<S<String>>,
    pub daily: Option<S<String>>,
    pub schedule: Option<S<String>>,
    pub tasks: Option<S<f64>>,
    pub jitter: Option<S<String>>,
    /// A cron arrival's own clock (default: the scenario's).
    pub timezone: Option<S<String>>,
    pub size: Option<S<RawDist>>,
    pub file: Option<S<String>>,
    pub task: Option<S<String>>,
}

/// A number, or a string such as a duration.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Quantity {
    Number(f64),
    Text(String),
}

impl<'de> Deserialize<'de> for Quantity {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Quantity;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a duration string such as \"90s\" or a number")
            }
            fn visit_i64<E>(self, v: i64) -> Result<Quantity, E> {
                Ok(Quantity::Number(v as f64))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Quantity, E> {
                Ok(Quantity::Number(v as f64))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Quantity, E> {
                Ok(Quantity::Number(v))
            }
            fn visit_str<E>(self, v: &str) -> Result<Quantity, E> {
                Ok(Quantity::Text(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

/// One flat table for every distribution, so that a missing or superfluous
/// parameter gets a message naming the distribution's keys.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawDist {
    pub dist: S<String>,
    pub value: Option<S<Quantity>>,
    pub mean: Option<S<Quantity>>,
    pub cv: Option<S<f64>>,
    pub median: Option<S<Quantity>>,
    pub p95: Option<S<Quantity>>,
    pub min: Option<S<Quantity>>,
    pub max: Option<S<Quantity>>,
    pub values: Option<S<Vec<Quantity>>>,
    pub file: Option<S<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSlo {
    pub wait_p95: Option<S<String>>,
    pub max_cost_per_day: Option<S<f64>>,
    pub developer_cost_per_hour: Option<S<f64>>,
    pub window: Option<S<String>>,
    pub per: Option<S<String>>,
    /// `[slo.workloads.NAME]`: a workload's own wait objectives.
    pub workloads: Option<std::collections::BTreeMap<S<String>, RawWaitSlo>>,
}

/// The wait objectives of one workload's `[slo.workloads.NAME]` table.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawWaitSlo {
    pub wait_p95: Option<S<String>>,
    pub window: Option<S<String>>,
    pub per: Option<S<String>>,
}
