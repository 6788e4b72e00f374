//! The tables of `poolcast estimate`: the closed forms, no simulation.

use std::fmt::Write;

use super::{duration, exact, header, percent, render};
use crate::forecast::{ObjectiveEstimate, ScenarioEstimate, SweepEstimate, hour_label};
use crate::report::met_word;

/// `poolcast estimate`: the analytic baseline alone.
pub fn estimate_table(e: &ScenarioEstimate) -> String {
    let (rows, notes) = baseline_rows(e);
    let mut out = format!(
        "{}: analytic baseline (M/M/c by Erlang C, M/G/c by Allen-Cunneen), no simulation\n\n",
        e.name
    );
    out.push_str(&render(&rows));
    if !notes.is_empty() {
        out.push('\n');
        out.push_str(&notes);
    }
    out.push_str(&format!(
        "\nthe busiest hour of the week, {} time (M/M/c at its offered load; cost from the instances by hour):\n",
        e.zone
    ));
    out.push_str(&render(&busiest_hour_rows(e)));
    if !e.objectives.is_empty() {
        out.push_str("\neach wait objective, judged as a run judges it (its window, its workloads, per hour when asked; M/M/c hour by hour, cron batches draining through the free instances):\n");
        out.push_str(&render(&objective_rows(e)));
    }
    out
}

/// Per pool, its closed-form baseline; with a note for each pool the
/// closed forms do not apply to.
fn baseline_rows(e: &ScenarioEstimate) -> (Vec<Vec<String>>, String) {
    let mut rows = vec![header(&[
        "pool",
        "tier",
        "count",
        "load",
        "utilisation",
        "run mean (min)",
        "run cv",
        "P(wait)",
        "wait M/M/c (min)",
        "wait Allen-Cunneen (min)",
    ])];
    let mut notes = String::new();
    for p in &e.pools {
        let b = &p.baseline;
        rows.push(vec![
            p.name.clone(),
            p.tier.to_string(),
            p.count.to_string(),
            format!("{:.2}", b.offered_load),
            percent(exact(b.utilization)),
            duration(exact(b.mean_service_s)),
            format!("{:.2}", b.service_cv),
            percent(exact(b.mmc_wait_probability)),
            duration(exact(b.mmc_wait_mean_s)),
            duration(exact(b.allen_cunneen_wait_mean_s)),
        ]);
        if let Some(reason) = &b.not_applicable {
            let _ = writeln!(notes, "{}: the closed forms do not apply: {reason}", p.name);
        }
    }
    (rows, notes)
}

/// Per pool, its busiest hour of the week under M/M/c and its cost.
fn busiest_hour_rows(e: &ScenarioEstimate) -> Vec<Vec<String>> {
    let mut rows = vec![header(&[
        "pool",
        "busiest hour",
        "load",
        "instances",
        "P(wait)",
        "wait mean (min)",
        "wait p95 (min)",
        "USD/day",
        "USD/month",
    ])];
    for p in &e.pools {
        let day = p.cost_per_day_usd;
        let mut row = vec![p.name.clone()];
        match &p.busiest_hour {
            Some(h) => row.extend([
                hour_label(h.hour.hour_of_week),
                format!("{:.2}", h.hour.steady_load),
                h.hour.instances.to_string(),
                percent(exact(h.wait_probability)),
                duration_or_unbounded(h.wait_mean_s),
                duration_or_unbounded(h.wait_p95_s),
            ]),
            None => row.extend([
                "no runs".into(),
                "0".into(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
            ]),
        }
        row.extend([format!("{day:.2}"), format!("{:.2}", day * 30.0)]);
        rows.push(row);
    }
    rows
}

/// Per wait objective, its estimated p95 and verdict.
fn objective_rows(e: &ScenarioEstimate) -> Vec<Vec<String>> {
    let mut rows = vec![header(&[
        "objective",
        "p95 estimate (min)",
        "worst hour",
        "verdict",
    ])];
    for o in &e.objectives {
        rows.push(vec![
            o.objective.described(),
            objective_p95(o),
            o.worst_hour.map_or(String::new(), |h| h.to_string()),
            met_word(o.met()).to_string(),
        ]);
    }
    rows
}

/// An objective's estimated p95 in minutes, `unbounded`, or why there is
/// none.
fn objective_p95(o: &ObjectiveEstimate) -> String {
    if o.p95_s.is_nan() {
        "no run judged".into()
    } else {
        duration_or_unbounded(o.p95_s)
    }
}

/// The rows of `estimate` on a scenario with a `[sweep]`: per point and
/// pool, the busiest hour under M/M/c (its load, instances and p95 wait),
/// the cost per day, and each wait objective's estimated p95 with its
/// verdict; an infeasible point gets one row with its reason.
pub(in crate::report) fn sweep_estimate_rows(sweep: &SweepEstimate) -> Vec<Vec<String>> {
    let mut head = vec!["point".to_string()];
    head.extend(sweep.axes.iter().cloned());
    head.extend(
        [
            "pool",
            "busiest hour",
            "load",
            "instances",
            "wait p95 (min)",
            "USD/day",
        ]
        .map(String::from),
    );
    // One column per objective, named as in the first feasible point (a
    // sweep's points share their objectives).
    let objectives = sweep.points.iter().find_map(|p| p.estimate.as_ref().ok());
    head.extend(
        objectives
            .iter()
            .flat_map(|s| &s.objectives)
            .map(|o| format!("SLO {} (min)", o.objective.label())),
    );
    let mut rows = vec![head];
    for point in &sweep.points {
        let mut lead = vec![point.index.to_string()];
        lead.extend(point.values.iter().cloned());
        let s = match &point.estimate {
            Ok(s) => s,
            Err(_) => {
                let mut row = lead;
                row.push("infeasible (below)".into());
                rows.push(row);
                continue;
            }
        };
        for p in &s.pools {
            let mut row = lead.clone();
            row.push(p.name.clone());
            let peak = &p.busiest_hour;
            match peak {
                Some(h) => row.extend([
                    hour_label(h.hour.hour_of_week),
                    format!("{:.2}", h.hour.steady_load),
                    h.hour.instances.to_string(),
                    duration_or_unbounded(h.wait_p95_s),
                ]),
                None => row.extend(["no runs".into(), "0".into(), String::new(), String::new()]),
            }
            row.push(format!("{:.2}", p.cost_per_day_usd));
            row.extend(
                s.objectives
                    .iter()
                    .map(|o| format!("{} {}", objective_p95(o), met_word(o.met()))),
            );
            rows.push(row);
        }
    }
    rows
}

/// `estimate` on a scenario with a `[sweep]`: every point at once, no
/// simulation.
pub fn sweep_estimate_table(sweep: &SweepEstimate) -> String {
    let mut out = format!(
        "{}: {} sweep points, the busiest hour of the week of each under M/M/c (Erlang C, arrivals through the hours) and each wait objective judged as a run judges it (cron batches draining), no simulation; confirm a pick with poolcast sweep or plan\n\n",
        sweep.name,
        sweep.points.len()
    );
    out.push_str(&render(&sweep_estimate_rows(sweep)));
    for p in &sweep.points {
        if let Err(reason) = &p.estimate {
            let _ = writeln!(out, "point {} is infeasible: {reason}", p.index);
        }
    }
    out
}

/// A wait, or `unbounded` when the load reaches the instances.
fn duration_or_unbounded(secs: f64) -> String {
    if secs.is_infinite() {
        "unbounded".into()
    } else {
        duration(exact(secs))
    }
}
