//! The analytic estimate of a scenario, computed once from the model: per
//! pool its steady-state baseline, its load by hour of the week, its
//! busiest hour and its cost per day; per wait objective, its p95 judged
//! as the simulation's judge judges it. `poolcast estimate` (table, JSON,
//! CSV, and per sweep point) and the warnings shown before a run read it,
//! so the reports see numbers, not the scenario.

use std::sync::atomic::{AtomicBool, Ordering};

use serde::ser::{Serialize, SerializeStruct, Serializer};

use super::{ObjectiveEstimate, WaitModel, cost_per_day_usd};
use crate::model::{BusiestHour, Forecast, HourLoad, PoolBaseline, Tier};
use crate::results::rounded;
use crate::scenario::{Scenario, SweepPoint, SweepSpec};
use crate::units::SimDuration;

/// One pool's estimate.
#[derive(Debug, Clone, PartialEq)]
pub struct PoolEstimate {
    /// The pool's name.
    pub name: String,
    /// Its tier.
    pub tier: Tier,
    /// Its configured count.
    pub count: u32,
    /// The most instances its policy can ask for.
    pub max_count: u32,
    /// The steady-state baseline (M/M/c, Allen-Cunneen).
    pub baseline: PoolBaseline,
    /// The 168 hours of the week over the observed window.
    pub load_by_hour: Vec<HourLoad>,
    /// Its busiest hour under M/M/c; `None` when no run arrives.
    pub busiest_hour: Option<BusiestHour>,
    /// Compute cost per day from the instances by hour, USD.
    pub cost_per_day_usd: f64,
}

/// A scenario's estimate, and what the warnings before a run need.
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioEstimate {
    /// The scenario's name.
    pub name: String,
    /// Validation's warnings.
    pub warnings: Vec<String>,
    /// The time zone whose clock the hours of the week are on (an IANA
    /// name, `UTC` by default).
    pub zone: String,
    /// The warm-up left out of every statistic.
    pub warmup: SimDuration,
    /// Replications a run makes.
    pub replications: u32,
    /// Each wait objective's p95, estimated as the judge judges it (in
    /// its window, per workload, per hour when asked; cron batches
    /// draining).
    pub objectives: Vec<ObjectiveEstimate>,
    /// Per pool, in the scenario's order.
    pub pools: Vec<PoolEstimate>,
}

impl ScenarioEstimate {
    /// The estimate of `s`.
    pub fn of(s: &Scenario) -> ScenarioEstimate {
        ScenarioEstimate::with(s, &super::of(s))
    }

    /// The estimate of `s`, whose forecast is `forecast`.
    pub fn with(s: &Scenario, forecast: &Forecast) -> ScenarioEstimate {
        let loads = super::loads(forecast);
        let model = WaitModel::new(s, &loads);
        let objectives = s
            .objectives()
            .waits
            .iter()
            .map(|o| model.estimate(o))
            .collect();
        let pools = s
            .pools
            .iter()
            .zip(&forecast.pools)
            .map(|(p, f)| PoolEstimate {
                name: p.name.clone(),
                tier: p.tier,
                count: p.count,
                max_count: p.max_count(),
                busiest_hour: f.busiest_hour,
                cost_per_day_usd: cost_per_day_usd(
                    &f.load_by_hour,
                    s.prices.instance_hour_usd(p.tier),
                ),
                baseline: f.baseline.clone(),
                load_by_hour: f.load_by_hour.clone(),
            })
            .collect();
        ScenarioEstimate {
            name: s.name.clone(),
            warnings: s.warnings.clone(),
            zone: s.simulation.calendar.zone().name().to_string(),
            warmup: s.simulation.warmup,
            replications: s.simulation.replications,
            objectives,
            pools,
        }
    }
}

/// One point of a sweep, estimated.
#[derive(Debug, Clone, PartialEq)]
pub struct PointEstimate {
    /// Position in the full sweep, from 0.
    pub index: usize,
    /// One value per axis, as written.
    pub values: Vec<String>,
    /// The estimate, or the reasons the point is infeasible.
    pub estimate: Result<ScenarioEstimate, String>,
}

/// Every point of a sweep, estimated.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepEstimate {
    /// The scenario's name.
    pub name: String,
    /// Axis key paths.
    pub axes: Vec<String>,
    /// The points, in order.
    pub points: Vec<PointEstimate>,
}

impl SweepEstimate {
    /// The estimate of `points` of `spec`, for scenario `name`. Once
    /// `cancel` is set (a Ctrl-C), no further point is estimated and the
    /// list is incomplete: the caller discards it (100,000 points take
    /// seconds to a minute).
    pub fn of(
        name: &str,
        spec: &SweepSpec,
        points: &[SweepPoint],
        cancel: &AtomicBool,
    ) -> SweepEstimate {
        SweepEstimate {
            name: name.to_string(),
            axes: spec.axes.iter().map(|a| a.key.clone()).collect(),
            points: points
                .iter()
                .take_while(|_| !cancel.load(Ordering::Relaxed))
                .map(|p| PointEstimate {
                    index: p.index,
                    values: p.values.iter().map(ToString::to_string).collect(),
                    estimate: p
                        .scenario
                        .as_ref()
                        .map(ScenarioEstimate::of)
                        .map_err(Clone::clone),
                })
                .collect(),
        }
    }
}

impl Serialize for PoolEstimate {
    /// A pool of `estimate --format json` without its 168 hours (a file
    /// that shows them adds `load_by_hour`): the baseline as `analytic`,
    /// the cost per day and per 30-day month.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let day = self.cost_per_day_usd;
        let mut o = s.serialize_struct("PoolEstimate", 7)?;
        o.serialize_field("name", &self.name)?;
        o.serialize_field("tier", &self.tier)?;
        o.serialize_field("count", &self.count)?;
        o.serialize_field("analytic", &self.baseline)?;
        o.serialize_field("busiest_hour", &self.busiest_hour)?;
        o.serialize_field("cost_per_day_usd", &rounded("cost_per_day_usd", day))?;
        let month = rounded("cost_per_month_usd", day * 30.0);
        o.serialize_field("cost_per_month_usd", &month)?;
        o.end()
    }
}
