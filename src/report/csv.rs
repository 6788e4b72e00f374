//! CSV files: one row per pool or workload (every metric followed by its 95%
//! interval bounds), the queue time series, the data beside every chart,
//! and a long form for stdout.

use std::io::{self, Write};

use ::csv::Writer;

use crate::forecast::{ScenarioEstimate, SweepEstimate};
use crate::model::{PriceTable, Tier};
use crate::results::{Estimate, Metric, MetricSet, Objective, RunSummary, SweepTable};
use chrono::SecondsFormat;

use crate::units::SimTime;

/// A number as a CSV cell: its shortest exact form, empty when undefined.
pub(super) fn cell(x: f64) -> String {
    if x.is_nan() {
        String::new()
    } else {
        x.to_string()
    }
}

pub(super) fn finish(w: Writer<Vec<u8>>) -> Vec<u8> {
    w.into_inner().expect("writing CSV to memory cannot fail")
}

/// Header cells for `metrics`: `m, m_ci95_low, m_ci95_high` each.
fn metric_header<M: Metric>() -> Vec<String> {
    M::ALL
        .iter()
        .map(|m| m.name())
        .flat_map(|k| {
            [
                k.to_string(),
                format!("{k}_ci95_low"),
                format!("{k}_ci95_high"),
            ]
        })
        .collect()
}

fn metric_cells<M: Metric>(metrics: &MetricSet<M>) -> Vec<String> {
    metrics
        .iter()
        .flat_map(|(_, e): (_, Estimate)| {
            let (lo, hi) = e.ci95.unwrap_or((f64::NAN, f64::NAN));
            [cell(e.mean), cell(lo), cell(hi)]
        })
        .collect()
}

fn table<'a, M: Metric>(
    head: &[&str],
    rows: impl Iterator<Item = (Vec<String>, &'a MetricSet<M>)>,
) -> Vec<u8> {
    let mut w = Writer::from_writer(Vec::new());
    // The header comes from the metric list, so a file without rows still
    // says what its columns are.
    let mut h: Vec<String> = head.iter().map(|s| s.to_string()).collect();
    h.extend(metric_header::<M>());
    w.write_record(&h).expect("in-memory CSV");
    for (labels, metrics) in rows {
        let mut cells = labels;
        cells.extend(metric_cells(metrics));
        w.write_record(&cells).expect("in-memory CSV");
    }
    finish(w)
}

/// `pools.csv`: `name, tier`, then every pool metric with its interval.
pub fn pools_csv(run: &RunSummary) -> Vec<u8> {
    table(
        &["name", "tier"],
        run.pools
            .iter()
            .map(|p| (vec![p.name.clone(), p.tier.to_string()], &p.metrics)),
    )
}

/// `workloads.csv`: `name, pool`, then every workload metric with its interval.
pub fn workloads_csv(run: &RunSummary) -> Vec<u8> {
    table(
        &["name", "pool"],
        run.workloads
            .iter()
            .map(|w| (vec![w.name.clone(), w.pool.clone()], &w.metrics)),
    )
}

/// Writes `queue.csv` to `out` a row at a time (its text is never held:
/// about 90 bytes a sample): `time_s, time (RFC 3339 on the calendar's
/// wall clock), pool, queue_len, busy, allocated, provisioning` (means over
/// replications).
pub fn write_queue_csv(out: &mut dyn Write, run: &RunSummary) -> io::Result<()> {
    let calendar = &run.context.calendar;
    let mut w = Writer::from_writer(out);
    w.write_record([
        "time_s",
        "time",
        "pool",
        "queue_len",
        "busy",
        "allocated",
        "provisioning",
    ])?;
    let step = run.series.interval;
    for (p, pool) in run.pools.iter().enumerate() {
        for (k, levels) in run.series.means(p).enumerate() {
            let t = SimTime(step.0 * k as u64);
            let when = calendar
                .datetime(t)
                .to_rfc3339_opts(SecondsFormat::Secs, true);
            let mut row = vec![cell(t.as_secs_f64()), when, pool.name.clone()];
            row.extend(levels.iter().map(|v| cell(*v)));
            w.write_record(&row)?;
        }
    }
    w.flush()
}

/// `cost_by_day.csv`: `day, pool, cost_usd` for every day of the observed
/// window (the date of time 0 plus whole days) and every payer (the pools,
/// then `default` for the default compute). It adds up to the run's cost.
pub fn cost_by_day_csv(run: &RunSummary) -> Vec<u8> {
    let mut w = Writer::from_writer(Vec::new());
    w.write_record(["day", "pool", "cost_usd"])
        .expect("in-memory CSV");
    let c = &run.cost_by_day;
    let first = run.context.calendar.start().date_naive();
    for (d, costs) in c.days().enumerate() {
        let day = first + chrono::Days::new(c.first_day + d as u64);
        for (payer, usd) in c.payers.iter().zip(costs) {
            w.write_record([day.to_string(), payer.clone(), cell(*usd)])
                .expect("in-memory CSV");
        }
    }
    finish(w)
}

/// Every metric in long form, for `--format csv` on stdout:
/// `scope, name, metric, mean, ci95_low, ci95_high`.
pub fn metrics_long_csv(run: &RunSummary) -> Vec<u8> {
    let mut w = Writer::from_writer(Vec::new());
    w.write_record(["scope", "name", "metric", "mean", "ci95_low", "ci95_high"])
        .expect("in-memory CSV");
    fn rows<M: Metric>(w: &mut Writer<Vec<u8>>, scope: &str, name: &str, metrics: &MetricSet<M>) {
        for (m, e) in metrics.iter() {
            let (lo, hi) = e.ci95.unwrap_or((f64::NAN, f64::NAN));
            w.write_record([scope, name, m.name(), &cell(e.mean), &cell(lo), &cell(hi)])
                .expect("in-memory CSV");
        }
    }
    for p in &run.pools {
        rows(&mut w, "pool", &p.name, &p.metrics);
    }
    for wl in &run.workloads {
        rows(&mut w, "workload", &wl.name, &wl.metrics);
    }
    if let Some(dc) = &run.default_compute {
        rows(&mut w, "default_compute", "default", dc);
    }
    rows(&mut w, "totals", "all", &run.totals);
    finish(w)
}

/// `poolcast tiers --format csv`: one row per tier.
pub fn tiers_csv(prices: &PriceTable) -> Vec<u8> {
    let mut w = Writer::from_writer(Vec::new());
    w.write_record(["tier", "kind", "vcpu", "memory_gb", "usd_per_instance_hour"])
        .expect("in-memory CSV");
    for t in Tier::ALL {
        w.write_record([
            t.name().to_string(),
            t.kind().to_string(),
            t.vcpu().to_string(),
            t.memory_gb().to_string(),
            cell(prices.instance_hour_usd(t)),
        ])
        .expect("in-memory CSV");
    }
    finish(w)
}

/// `estimate --format csv` on a scenario with a `[sweep]`: the rows of
/// its table.
pub fn sweep_estimate_csv(sweep: &SweepEstimate) -> Vec<u8> {
    let mut w = Writer::from_writer(Vec::new());
    let mut rows = super::table::sweep_estimate_rows(sweep).into_iter();
    let Some(mut head) = rows.next() else {
        return finish(w);
    };
    // The table lists an infeasible point's reason below it; a CSV row
    // carries it in a column of its own, the other cells empty.
    let width = head.len();
    head.push("reason".into());
    w.write_record(&head).expect("in-memory CSV");
    let lead = 1 + sweep.axes.len();
    // A row's first cell is its point's index.
    let reason_of = |row: &[String]| -> String {
        let index = row.first().and_then(|i| i.parse::<usize>().ok());
        sweep
            .points
            .iter()
            .find(|p| Some(p.index) == index)
            .and_then(|p| p.estimate.as_ref().err().cloned())
            .unwrap_or_default()
    };
    for mut row in rows {
        let reason = if row.len() < width {
            let reason = reason_of(&row);
            row.truncate(lead);
            row.resize(width, String::new());
            reason
        } else {
            String::new()
        };
        row.push(reason);
        w.write_record(&row).expect("in-memory CSV");
    }
    finish(w)
}

/// `poolcast estimate --format csv`: one row per pool.
pub fn estimate_csv(e: &ScenarioEstimate) -> Vec<u8> {
    let mut w = Writer::from_writer(Vec::new());
    w.write_record([
        "pool",
        "tier",
        "count",
        "offered_load",
        "utilization",
        "mean_service_s",
        "service_cv",
        "mmc_wait_probability",
        "mmc_wait_mean_s",
        "allen_cunneen_wait_mean_s",
        "applies",
        "reason",
    ])
    .expect("in-memory CSV");
    for p in &e.pools {
        let b = &p.baseline;
        w.write_record([
            p.name.clone(),
            p.tier.to_string(),
            p.count.to_string(),
            cell(b.offered_load),
            cell(b.utilization),
            cell(b.mean_service_s),
            cell(b.service_cv),
            cell(b.mmc_wait_probability),
            cell(b.mmc_wait_mean_s),
            cell(b.allen_cunneen_wait_mean_s),
            b.not_applicable.is_none().to_string(),
            b.not_applicable.clone().unwrap_or_default(),
        ])
        .expect("in-memory CSV");
    }
    finish(w)
}

/// `wait_cdf.csv`: `workload, wait_s, fraction_longer, fraction_longer_ci95_low,
/// fraction_longer_ci95_high`: the share of a replication's runs that waited
/// longer than `wait_s` (mean over replications, interval clamped to [0, 1]),
/// at the waits the CDF chart draws.
pub fn wait_cdf_csv(run: &RunSummary) -> Vec<u8> {
    let mut w = Writer::from_writer(Vec::new());
    w.write_record([
        "workload",
        "wait_s",
        "fraction_longer",
        "fraction_longer_ci95_low",
        "fraction_longer_ci95_high",
    ])
    .expect("in-memory CSV");
    for s in super::chart::survival(run) {
        for (wait_s, e) in &s.points {
            let (lo, hi) = e.ci95.unwrap_or((f64::NAN, f64::NAN));
            w.write_record([
                s.workload.clone(),
                cell(*wait_s),
                cell(e.mean),
                cell(lo),
                cell(hi),
            ])
            .expect("in-memory CSV");
        }
    }
    finish(w)
}

/// `utilisation_by_hour.csv`: `pool, weekday, hour, utilisation`: the busy
/// share of allocated instances by hour of week (on the calendar's wall clock) over the observed
/// window, as the heat maps draw it; empty where nothing was allocated.
pub fn utilisation_by_hour_csv(run: &RunSummary) -> Vec<u8> {
    let mut w = Writer::from_writer(Vec::new());
    w.write_record(["pool", "weekday", "hour", "utilisation"])
        .expect("in-memory CSV");
    for (pool, cells) in run.pools.iter().zip(super::chart::utilisation_by_hour(run)) {
        for (day, hours) in super::chart::WEEKDAYS.iter().zip(cells) {
            for (hour, u) in hours.iter().enumerate() {
                w.write_record([
                    pool.name.clone(),
                    day.to_string(),
                    hour.to_string(),
                    cell(*u),
                ])
                .expect("in-memory CSV");
            }
        }
    }
    finish(w)
}

/// `wait_by_hour.csv`: `workload, hour_of_week, runs, wait_mean_s,
/// wait_p95_s`, 168 rows per workload (hours from Monday 00:00; the
/// waits empty where no run arrived): the data of the `wait_by_hour`
/// chart, all replications together, observed window only.
pub fn wait_by_hour_csv(run: &RunSummary) -> Vec<u8> {
    let mut w = Writer::from_writer(Vec::new());
    w.write_record([
        "workload",
        "hour_of_week",
        "runs",
        "wait_mean_s",
        "wait_p95_s",
    ])
    .expect("in-memory CSV");
    for (wl, hours) in run.workloads.iter().zip(&run.wait_by_hour) {
        for h in hours {
            w.write_record([
                wl.name.clone(),
                h.hour_of_week.to_string(),
                h.runs.to_string(),
                cell(h.wait_mean_s),
                cell(h.wait_p95_s),
            ])
            .expect("in-memory CSV");
        }
    }
    finish(w)
}

/// `sweep_cost_wait.csv`: the feasible points both sweep charts draw:
/// `condition, point, tier, count`, the minimised cost, `wait_p95_s` with
/// its interval, `pareto`, `recommended`.
pub fn write_sweep_cost_wait_csv(
    out: &mut dyn Write,
    table: &SweepTable,
    obj: &Objective,
) -> io::Result<()> {
    let mut w = Writer::from_writer(out);
    w.write_record([
        "condition",
        "point",
        "tier",
        "count",
        obj.cost_metric().name(),
        "wait_p95_s",
        "wait_p95_s_ci95_low",
        "wait_p95_s_ci95_high",
        "pareto",
        "recommended",
    ])?;
    super::chart::visit_points(table, obj, |_, condition, visit| {
        let super::chart::Visit::Point(p) = visit else {
            return Ok(());
        };
        let lo = p.wait.ci95.map_or(f64::NAN, |(lo, _)| lo);
        w.write_record([
            condition.to_string(),
            p.point.to_string(),
            p.tier.map_or(String::new(), |t| t.to_string()),
            p.count.map_or(String::new(), cell),
            cell(p.cost),
            cell(p.wait.mean),
            cell(lo),
            cell(p.upper95),
            p.pareto.to_string(),
            p.recommended.to_string(),
        ])?;
        Ok(())
    })?;
    w.flush()
}
