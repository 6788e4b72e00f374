//! The metrics a run reports, as enums that carry their names: a metric
//! that does not exist is a compile error, and JSON keys and CSV columns
//! take their order from one list per scope (`Metric::ALL`).

use std::marker::PhantomData;
use std::ops::{Index, IndexMut};

use serde::ser::{Serialize, SerializeMap, Serializer};

use super::Estimate;

/// A metric of one scope (pool, workload, default compute, totals).
pub trait Metric: Copy + Eq + std::fmt::Debug + 'static {
    /// Every metric of the scope, in output order.
    const ALL: &'static [Self];
    /// The name in JSON keys and CSV columns.
    fn name(self) -> &'static str;
    /// The position in `ALL`.
    fn index(self) -> usize;
}

/// Declares a metric enum; the variants' order is the output order.
macro_rules! metrics {
    ($(#[$doc:meta])* $ty:ident { $($(#[$vdoc:meta])* $var:ident = $name:literal,)* }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $ty {
            $($(#[$vdoc])* $var,)*
        }

        impl Metric for $ty {
            const ALL: &'static [Self] = &[$($ty::$var,)*];
            fn name(self) -> &'static str {
                match self {
                    $($ty::$var => $name,)*
                }
            }
            fn index(self) -> usize {
                self as usize
            }
        }
    };
}

metrics! {
    /// Per-pool metrics (the README, Outputs; later additions at the end).
    PoolMetric {
        /// Allocated instances, time-weighted mean.
        InstancesMean = "instances_mean",
        /// Busy / allocated instance-time, 0-1.
        Utilization = "utilization",
        /// Runs waiting, time-weighted mean.
        QueueLenMean = "queue_len_mean",
        /// Runs waiting, the most held for a positive time.
        QueueLenMax = "queue_len_max",
        /// Allocated instance-hours in the observed window.
        InstanceHours = "instance_hours",
        /// Allocation cost in the observed window, USD.
        CostUsd = "cost_usd",
        /// Scale-ups the quota capped.
        ScaleUpsCapped = "scale_ups_capped",
        /// Scale-ups that got at least one instance.
        ScaleUps = "scale_ups",
        /// Instances the quota denied.
        InstancesDenied = "instances_denied",
        /// Runs stopped by a preempting scale-in.
        Preempted = "preempted",
        /// Runs that started on a fresh instance (no layer cache).
        ColdStarts = "cold_starts",
        /// Extra run time of cold starts, hours.
        ColdStartHours = "cold_start_hours",
        /// Run-hours queued while no instance was ready.
        NoCapacityWaitHours = "no_capacity_wait_hours",
        /// Mean wait of the pool's runs (all its workloads), seconds; runs
        /// still queued at the end count with their wait so far.
        WaitMeanS = "wait_mean_s",
        /// Share of the pool's runs that waited at all, 0-1.
        WaitedFraction = "waited_fraction",
        /// Runs that arrived while the pool had no instance ready: they
        /// wait for capacity that does not exist yet (a schedule at 0, a
        /// controller scaling from zero).
        StrandedRuns = "stranded_runs",
    }
}

metrics! {
    /// Per-workload metrics (the README, Outputs; later additions at the end).
    WorkloadMetric {
        /// Runs that arrived in the observed window.
        Arrived = "arrived",
        /// Runs that completed.
        Completed = "completed",
        /// Runs ended by their timeout.
        TimedOut = "timed_out",
        /// Share of runs that waited at all, 0-1.
        WaitedFraction = "waited_fraction",
        /// Mean wait, seconds.
        WaitMeanS = "wait_mean_s",
        /// Median wait, seconds.
        WaitP50S = "wait_p50_s",
        /// 90th percentile of wait, seconds.
        WaitP90S = "wait_p90_s",
        /// 95th percentile of wait, seconds.
        WaitP95S = "wait_p95_s",
        /// 99th percentile of wait, seconds.
        WaitP99S = "wait_p99_s",
        /// Longest wait, seconds.
        WaitMaxS = "wait_max_s",
        /// Mean run time of ended runs, seconds.
        RunMeanS = "run_mean_s",
        /// Mean arrival-to-end time, seconds.
        TurnaroundMeanS = "turnaround_mean_s",
        /// 95th percentile of arrival-to-end time, seconds.
        TurnaroundP95S = "turnaround_p95_s",
        /// Runs still queued at the end of the run: they count in the waits
        /// with their wait so far, a lower bound.
        Censored = "censored",
    }
}

metrics! {
    /// Default-compute metrics.
    DefaultComputeMetric {
        /// Runs on the default compute.
        Runs = "runs",
        /// Runs in progress on average.
        RunningMean = "running_mean",
        /// vCPU-hours used.
        VcpuHours = "vcpu_hours",
        /// Cost after the free grant, USD.
        CostUsd = "cost_usd",
    }
}

metrics! {
    /// Scenario-wide metrics (the README, Outputs).
    TotalMetric {
        /// Runs that arrived in the observed window.
        Tasks = "tasks",
        /// Compute cost (pools and default compute), USD.
        CostUsd = "cost_usd",
        /// Compute cost per day of the observed window, USD.
        CostPerDayUsd = "cost_per_day_usd",
        /// Compute cost per arrived run, USD.
        CostPerTaskUsd = "cost_per_task_usd",
        /// Mean wait over every run, seconds.
        WaitMeanS = "wait_mean_s",
        /// 95th percentile of wait over every run, seconds.
        WaitP95S = "wait_p95_s",
        /// Total time runs waited, hours.
        WaitHours = "wait_hours",
        /// `wait_hours` x developer cost per hour, USD.
        WaitingCostUsd = "waiting_cost_usd",
        /// Compute plus waiting cost, USD.
        TotalCostUsd = "total_cost_usd",
        /// 99th percentile of wait over every run, seconds.
        WaitP99S = "wait_p99_s",
    }
}

/// Whether the metric named `name` is a share, 0-1.
fn is_fraction(name: &str) -> bool {
    matches!(name, "utilization" | "waited_fraction")
}

/// `x` rounded to a multiple of `1 / per_unit`. Dividing by the power of
/// ten (rather than multiplying by its inverse) gives the nearest double
/// to the decimal, which prints as the short number it is.
fn round_to(x: f64, per_unit: f64) -> f64 {
    (x * per_unit).round() / per_unit
}

/// `x`, the value of a quantity named `name`, rounded to what it means:
/// money (`…_usd`) and seconds (`…_s`) to the micro-unit, anything else to
/// 1e-9. Derived figures (a cost per month, a difference) go through it as
/// the metrics do.
pub fn rounded(name: &str, x: f64) -> f64 {
    let per_unit = if name.ends_with("_usd") || name.ends_with("_s") {
        1e6
    } else {
        1e9
    };
    round_to(x, per_unit)
}

/// An estimate as what it means: money and seconds to the micro-unit,
/// everything else to 1e-9 (so a fixed pool of 2 has 2 instances, not
/// 1.9999999999999998), and intervals of quantities that cannot be
/// negative (every metric here) clamped at 0, of shares at 1.
fn tidy(name: &str, e: Estimate) -> Estimate {
    let top = if is_fraction(name) {
        1.0
    } else {
        f64::INFINITY
    };
    let clamp = |x: f64| rounded(name, x).clamp(0.0, top);
    Estimate {
        mean: clamp(e.mean),
        std_error: e.std_error,
        ci95: e.ci95.map(|(lo, hi)| (clamp(lo), clamp(hi))),
    }
}

/// One replication's value of every metric of a scope; NaN where undefined.
#[derive(Debug, Clone, PartialEq)]
pub struct Values<M> {
    values: Vec<f64>,
    metric: PhantomData<M>,
}

impl<M: Metric> Values<M> {
    /// Every metric undefined.
    pub fn undefined() -> Values<M> {
        Values {
            values: vec![f64::NAN; M::ALL.len()],
            metric: PhantomData,
        }
    }

    /// The values from a function of the metric.
    pub fn from_fn(f: impl Fn(M) -> f64) -> Values<M> {
        Values {
            values: M::ALL.iter().map(|&m| f(m)).collect(),
            metric: PhantomData,
        }
    }
}

impl<M: Metric> Index<M> for Values<M> {
    type Output = f64;
    fn index(&self, m: M) -> &f64 {
        &self.values[m.index()]
    }
}

impl<M: Metric> IndexMut<M> for Values<M> {
    fn index_mut(&mut self, m: M) -> &mut f64 {
        &mut self.values[m.index()]
    }
}

/// Every metric of a scope over the replications: mean and 95% interval.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricSet<M> {
    estimates: Vec<Estimate>,
    metric: PhantomData<M>,
}

impl<M: Metric> MetricSet<M> {
    /// The estimates from one `Values` per replication, stated as what
    /// they mean (see `tidy`).
    pub fn from_replications<'a>(reps: impl Iterator<Item = &'a Values<M>> + Clone) -> Self {
        let estimates = M::ALL
            .iter()
            .map(|&m| {
                let xs: Vec<f64> = reps.clone().map(|r| r[m]).collect();
                tidy(m.name(), Estimate::from_samples(&xs))
            })
            .collect();
        MetricSet {
            estimates,
            metric: PhantomData,
        }
    }

    /// The estimates from a function of the metric (e.g. read back from a
    /// file).
    pub fn from_fn(f: impl Fn(M) -> Estimate) -> Self {
        MetricSet {
            estimates: M::ALL.iter().map(|&m| f(m)).collect(),
            metric: PhantomData,
        }
    }

    /// The estimate of `m`.
    pub fn get(&self, m: M) -> Estimate {
        self.estimates[m.index()]
    }

    /// `(metric, estimate)` pairs in output order.
    pub fn iter(&self) -> impl Iterator<Item = (M, Estimate)> + '_ {
        M::ALL.iter().copied().zip(self.estimates.iter().copied())
    }
}

impl<M: Metric> Serialize for MetricSet<M> {
    /// Every metric's mean as `m` and, with an interval, `m_ci95 = [low,
    /// high]`, in output order (null where undefined).
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        for (m, e) in self.iter() {
            map.serialize_entry(m.name(), &e.mean)?;
            if let Some(ci95) = e.ci95 {
                map.serialize_entry(&format_args!("{}_ci95", m.name()), &ci95)?;
            }
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names<M: Metric>() -> Vec<&'static str> {
        M::ALL.iter().map(|m| m.name()).collect()
    }

    #[test]
    fn tidy_rounds_to_meaning_and_clamps_intervals() {
        let e = Estimate {
            mean: 1.999_999_999_999_999_8,
            std_error: 0.1,
            ci95: Some((-0.0058, 4.0)),
        };
        let t = tidy("instances_mean", e);
        assert_eq!(t.mean, 2.0);
        assert_eq!(t.ci95, Some((0.0, 4.0)));
        let share = tidy(
            "utilization",
            Estimate {
                mean: 0.97,
                std_error: 0.02,
                ci95: Some((0.93, 1.01)),
            },
        );
        assert_eq!(share.ci95, Some((0.93, 1.0)));
        let cost = tidy(
            "cost_usd",
            Estimate {
                mean: 414.719_999_999_999_97,
                std_error: 0.0,
                ci95: None,
            },
        );
        assert_eq!(cost.mean.to_string(), "414.72");
        // Undefined stays undefined.
        assert!(
            tidy(
                "wait_p95_s",
                Estimate {
                    mean: f64::NAN,
                    std_error: 0.0,
                    ci95: None
                }
            )
            .mean
            .is_nan()
        );
    }

    #[test]
    fn a_metric_set_writes_each_mean_then_its_interval() {
        let set = MetricSet::from_fn(|m| match m {
            DefaultComputeMetric::Runs => Estimate {
                mean: 12.0,
                std_error: 1.0,
                ci95: Some((10.0, 14.0)),
            },
            DefaultComputeMetric::CostUsd => Estimate {
                mean: f64::NAN,
                std_error: 0.0,
                ci95: None,
            },
            _ => Estimate {
                mean: 0.5,
                std_error: 0.0,
                ci95: None,
            },
        });
        assert_eq!(
            serde_json::to_string(&set).expect("serialises"),
            r#"{"runs":12.0,"runs_ci95":[10.0,14.0],"running_mean":0.5,"vcpu_hours":0.5,"cost_usd":null}"#
        );
    }

    #[test]
    fn metric_index_is_position_in_all() {
        fn check<M: Metric>() {
            for (i, m) in M::ALL.iter().enumerate() {
                assert_eq!(m.index(), i, "{m:?}");
            }
        }
        check::<PoolMetric>();
        check::<WorkloadMetric>();
        check::<DefaultComputeMetric>();
        check::<TotalMetric>();
    }

    #[test]
    fn metric_names_keep_documented_order() {
        // The documented keys come first, in their order; additions after.
        assert_eq!(
            names::<WorkloadMetric>()[..13],
            [
                "arrived",
                "completed",
                "timed_out",
                "waited_fraction",
                "wait_mean_s",
                "wait_p50_s",
                "wait_p90_s",
                "wait_p95_s",
                "wait_p99_s",
                "wait_max_s",
                "run_mean_s",
                "turnaround_mean_s",
                "turnaround_p95_s"
            ]
        );
        assert_eq!(
            names::<PoolMetric>()[..7],
            [
                "instances_mean",
                "utilization",
                "queue_len_mean",
                "queue_len_max",
                "instance_hours",
                "cost_usd",
                "scale_ups_capped"
            ]
        );
        assert_eq!(
            names::<TotalMetric>()[..6],
            [
                "tasks",
                "cost_usd",
                "cost_per_day_usd",
                "cost_per_task_usd",
                "wait_mean_s",
                "wait_p95_s"
            ]
        );
    }
}
