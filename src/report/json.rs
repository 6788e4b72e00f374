//! `summary.json` and `run --format json`: the keys the README lists (Outputs).

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::{Map, Value, json};

use crate::forecast::{ScenarioEstimate, SweepEstimate};
use crate::model::PoolBaseline;
use crate::model::{BusiestHour, HourLoad};
use crate::model::{PriceTable, Quota, Tier, WAIT_P95};
use crate::results::{
    Estimate, Judged, Metric, MetricSet, ObjectiveKind, ObjectiveVerdict, PoolSummary,
    RECORDED_QUANTILES, RunSummary, SloVerdict, WorkloadSummary, rounded,
};

/// A number, or null when undefined (NaN).
fn num(x: f64) -> Value {
    serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number)
}

/// An estimate as `{mean, ci95}` (`ci95` null without an interval), as
/// `schedule.json` gives its costs.
pub fn estimate_value(e: Estimate) -> Value {
    json!({
        "mean": num(e.mean),
        "ci95": e.ci95.map(|(lo, hi)| [num(lo), num(hi)]),
    })
}

/// A judged value as `{mean, upper95, worst_hour}`.
pub fn judged_value(j: Judged) -> Value {
    json!({
        "mean": num(j.value),
        "upper95": num(j.value_upper95),
        "worst_hour": j.worst_hour.map(|h| h.to_string()),
    })
}

/// Adds `m` and, with an interval, `m_ci95 = [low, high]` for every metric.
fn put_metrics<M: Metric>(obj: &mut Map<String, Value>, metrics: &MetricSet<M>) {
    for (m, e) in metrics.iter() {
        let key = m.name();
        obj.insert(key.to_string(), num(e.mean));
        if let Some((lo, hi)) = e.ci95 {
            obj.insert(format!("{key}_ci95"), json!([num(lo), num(hi)]));
        }
    }
}

fn object<M: Metric>(head: &[(&str, Value)], metrics: &MetricSet<M>) -> Value {
    let mut obj: Map<String, Value> = head
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    put_metrics(&mut obj, metrics);
    Value::Object(obj)
}

/// A pool's analytic baseline (null waits where it does not apply).
pub fn analytic_json(b: &PoolBaseline) -> Value {
    json!({
        "applies": b.not_applicable.is_none(),
        "reason": b.not_applicable,
        "offered_load": num(b.offered_load),
        "utilization": num(b.utilization),
        "mean_service_s": num(b.mean_service_s),
        "service_cv": num(b.service_cv),
        "mmc_wait_probability": num(b.mmc_wait_probability),
        "mmc_wait_mean_s": num(b.mmc_wait_mean_s),
        "allen_cunneen_wait_mean_s": num(b.allen_cunneen_wait_mean_s),
    })
}

/// The busiest hour of a pool under M/M/c.
pub fn busiest_json(b: &BusiestHour) -> Value {
    json!({
        "hour_of_week": b.hour.hour_of_week,
        "offered_load": num(b.hour.steady_load),
        "instances": b.hour.instances,
        "wait_probability": num(b.wait_probability),
        "wait_mean_s": num(b.wait_mean_s),
        "wait_p95_s": num(b.wait_p95_s),
    })
}

/// `load_by_hour`: 168 hours of offered load against instances.
fn load_json(hours: &[HourLoad]) -> Value {
    hours
        .iter()
        .map(|h| json!({ "hour_of_week": h.hour_of_week, "offered_load": num(h.offered_load), "instances": h.instances }))
        .collect()
}

/// `poolcast estimate --format json`: the analytic baseline alone.
pub fn estimate_json(e: &ScenarioEstimate) -> String {
    let pools = pool_estimates(e, true);
    let root = json!({ "scenario": e.name, "pools": pools, "objectives": objective_estimates(e) });
    let mut text = serde_json::to_string_pretty(&root).expect("a JSON value serialises");
    text.push('\n');
    text
}

/// Each wait objective of `e`, estimated: the keys `slo.objectives[]`
/// has where they mean the same (`value` is the estimated p95, seconds;
/// null when unbounded or when no run is judged).
fn objective_estimates(e: &ScenarioEstimate) -> Value {
    e.objectives
        .iter()
        .map(|o| {
            let goal = &o.objective;
            json!({
                "name": WAIT_P95,
                "workload": goal.workload,
                "workloads": goal.workloads.iter().map(|(_, n)| n).collect::<Vec<_>>(),
                "per": goal.per.name(),
                "target": num(goal.target.as_secs_f64()),
                "value": num(o.p95_s),
                "unbounded": o.p95_s.is_infinite(),
                "met": o.met(),
                "window": goal.window.map(|w| w.to_string()),
                "worst_hour": o.worst_hour.map(|h| h.to_string()),
            })
        })
        .collect()
}

/// Per pool of `e`, its analytic estimate (with the load of every hour of
/// the week when `hours_of_week` is set).
fn pool_estimates(e: &ScenarioEstimate, hours_of_week: bool) -> Vec<Value> {
    e.pools
        .iter()
        .map(|p| {
            let day = p.cost_per_day_usd;
            let mut v = json!({
                "name": p.name,
                "tier": p.tier.name(),
                "count": p.count,
                "analytic": analytic_json(&p.baseline),
                "busiest_hour": p.busiest_hour.as_ref().map_or(Value::Null, busiest_json),
                "cost_per_day_usd": num(rounded("cost_per_day_usd", day)),
                "cost_per_month_usd": num(rounded("cost_per_month_usd", day * 30.0)),
            });
            if hours_of_week {
                v["load_by_hour"] = load_json(&p.load_by_hour);
            }
            v
        })
        .collect()
}

/// `estimate --format json` on a scenario with a `[sweep]`: per point its
/// axis values and, when feasible, the estimate of every pool (as
/// `estimate` gives it, without the 168 hours), else the reason.
pub fn sweep_estimate_json(sweep: &SweepEstimate) -> String {
    let points: Vec<Value> = sweep
        .points
        .iter()
        .map(|p| {
            let params: Map<String, Value> = sweep
                .axes
                .iter()
                .zip(&p.values)
                .map(|(a, v)| (a.clone(), Value::String(v.clone())))
                .collect();
            match &p.estimate {
                Ok(s) => json!({
                    "point": p.index,
                    "params": params,
                    "feasible": true,
                    "pools": pool_estimates(s, false),
                    "objectives": objective_estimates(s),
                }),
                Err(reason) => json!({
                    "point": p.index,
                    "params": params,
                    "feasible": false,
                    "reason": reason,
                }),
            }
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&json!({
        "scenario": sweep.name,
        "axes": sweep.axes,
        "points": points,
    }))
    .expect("a JSON value serialises");
    text.push('\n');
    text
}

/// The objectives' verdicts as `summary.json`'s `slo.objectives[]` has
/// them, the shape `recommendation.json` and `schedule.json` share.
pub fn objectives_json(objectives: &[ObjectiveVerdict]) -> Value {
    objectives
        .iter()
        .map(|o| {
            json!({
                "name": o.kind.name(),
                "workload": o.workload,
                "workloads": o.workloads,
                "per": (o.kind == ObjectiveKind::WaitP95).then(|| o.per.name()),
                "target": num(o.target),
                "value": num(o.value),
                "value_upper95": num(o.value_upper95),
                "met": o.met,
                "met_upper95": o.met_upper95,
                "window": o.window.map(|w| w.to_string()),
                "worst_hour": o.worst_hour.map(|h| h.to_string()),
                "worst_hour_alike": o.worst_hour.map(|_| o.alike_hours),
            })
        })
        .collect()
}

/// The `slo` object: the targets (as before), then the verdict per
/// objective and overall on both bases.
fn slo_json(v: &SloVerdict) -> Value {
    let target = |kind| {
        v.objectives
            .iter()
            .find(|o| o.kind == kind)
            .map(|o| o.target)
    };
    json!({
        "wait_p95_s": target(ObjectiveKind::WaitP95),
        "max_cost_per_day_usd": target(ObjectiveKind::MaxCostPerDay),
        "objectives": objectives_json(&v.objectives),
        "met": v.met,
        "met_upper95": v.met_upper95,
    })
}

/// The summary object, pretty-printed with a trailing newline.
pub fn summary_json(run: &RunSummary, warnings: &[String]) -> String {
    let mut text =
        serde_json::to_string_pretty(&Summary { run, warnings }).expect("a JSON value serialises");
    text.push('\n');
    text
}

/// `summary.json`'s object, written key by key: each pool's and each
/// workload's object is built as it is written and dropped after, so a
/// run of 1,000 pools does not hold them all as a value tree (it was
/// 120 MB of such a run's heap).
struct Summary<'a> {
    run: &'a RunSummary,
    warnings: &'a [String],
}

impl Serialize for Summary<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let run = self.run;
        let cx = &run.context;
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("scenario", &run.scenario)?;
        map.serialize_entry("replications", &run.replications)?;
        map.serialize_entry("seed", &run.seed)?;
        map.serialize_entry("horizon_s", &num(cx.horizon.as_secs_f64()))?;
        map.serialize_entry("warmup_s", &num(cx.warmup.as_secs_f64()))?;
        map.serialize_entry("start", &cx.calendar.start().to_rfc3339())?;
        map.serialize_entry("pools", &Each(&run.pools, pool_json))?;
        map.serialize_entry("workloads", &Each(&run.workloads, workload_json))?;
        if let Some(dc) = &run.default_compute {
            map.serialize_entry("default_compute", &object(&[], dc))?;
        }
        let mut totals = Map::new();
        put_metrics(&mut totals, &run.totals);
        totals.insert(
            "slo_met".into(),
            run.slo_met().map_or(Value::Null, Value::Bool),
        );
        map.serialize_entry("totals", &totals)?;
        let (low, high) = run.cost_per_day_range_usd;
        map.serialize_entry(
            "cost_per_day_usd_range",
            &json!({ "vm": num(low), "allocation": num(high) }),
        )?;
        map.serialize_entry("warnings", self.warnings)?;
        // What would fix a missed objective, each line naming it.
        map.serialize_entry("advice", &run.advice)?;
        if let Some(v) = &run.slo {
            map.serialize_entry("slo", &slo_json(v))?;
        }
        map.end()
    }
}

/// A JSON array of `items`, each element built by the function as it is
/// written.
struct Each<'a, T>(&'a [T], fn(&T) -> Value);

impl<T> Serialize for Each<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for item in self.0 {
            seq.serialize_element(&(self.1)(item))?;
        }
        seq.end()
    }
}

/// A pool's object in `summary.json`.
fn pool_json(p: &PoolSummary) -> Value {
    let mut obj = object(
        &[("name", json!(p.name)), ("tier", json!(p.tier.name()))],
        &p.metrics,
    );
    if let Value::Object(map) = &mut obj {
        map.insert("analytic".into(), analytic_json(&p.analytic));
        map.insert(
            "busiest_hour".into(),
            p.busiest_hour.as_ref().map_or(Value::Null, busiest_json),
        );
        map.insert("load_by_hour".into(), load_json(&p.load_by_hour));
    }
    obj
}

/// A workload's object in `summary.json`, with the waits a replayed trace
/// recorded when it has them.
fn workload_json(w: &WorkloadSummary) -> Value {
    let mut obj = object(
        &[("name", json!(w.name)), ("pool", json!(w.pool))],
        &w.metrics,
    );
    if let (Some(rec), Value::Object(map)) = (&w.recorded, &mut obj) {
        map.insert("recorded_runs".into(), json!(rec.runs));
        map.insert("recorded_wait_mean_s".into(), num(rec.mean_s));
        for ((_, m), v) in RECORDED_QUANTILES.iter().zip(rec.quantiles_s) {
            map.insert(format!("recorded_{}", m.name()), num(v));
        }
    }
    obj
}

/// `poolcast tiers --format json`: tiers with prices, default compute, quota.
pub fn tiers_json(prices: &PriceTable, quota: Quota) -> String {
    let tiers: Vec<Value> = Tier::ALL
        .iter()
        .map(|t| {
            json!({
                "tier": t.name(),
                "kind": t.kind().to_string(),
                "vcpu": t.vcpu(),
                "memory_gb": t.memory_gb(),
                "usd_per_instance_hour": num(prices.instance_hour_usd(*t)),
            })
        })
        .collect();
    let dc = &prices.default_compute;
    let value = json!({
        "tiers": tiers,
        "default_compute": {
            "vcpu": dc.vcpu,
            "usd_per_vcpu_second": num(dc.vcpu_second_usd),
            "free_vcpu_seconds_per_month": num(dc.free_vcpu_seconds_per_month),
        },
        "quota": { "standard_vcpu": quota.standard_vcpu, "isolated_vcpu": quota.isolated_vcpu },
    });
    let mut text = serde_json::to_string_pretty(&value).expect("a JSON value serialises");
    text.push('\n');
    text
}
