//! The charts of `compare`: the scenarios' wait distributions overlaid, and
//! their cost per day and p95 wait side by side with 95% intervals. One
//! colour per scenario, in the order given, in both charts.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::draw::{self, Key, Mark, Xy};
use super::palette;
use super::render::{DrawResult, Layout, Medium, PixelRect, Plot, err};
use super::wait_cdf::{Curve, draw_curves};
use crate::report::compare::Comparison;
use crate::results::{Estimate, TotalMetric};

/// Every scenario's wait CDF (all workloads), as (minutes, share of runs
/// that waited at most that).
pub(super) struct WaitsPlot {
    curves: Vec<Curve>,
    slo_minutes: Option<f64>,
}

/// The SLO on the wait, in minutes, when every scenario has the same one
/// (a line for one scenario's objective would mislead on the others').
fn common_slo_minutes(cmp: &Comparison) -> Option<f64> {
    let slo = |i: usize| {
        let run = &cmp.runs[i].1;
        run.context.objectives.whole_run_target(run.workloads.len())
    };
    let first = slo(0)?;
    (1..cmp.runs.len())
        .all(|i| slo(i) == Some(first))
        .then(|| first.as_secs_f64() / 60.0)
}

impl WaitsPlot {
    pub(super) fn of(cmp: &Comparison) -> WaitsPlot {
        WaitsPlot {
            curves: cmp
                .runs
                .iter()
                .map(|(name, run)| Curve {
                    name: name.to_string(),
                    points: run
                        .total_wait_cdf()
                        .into_iter()
                        .map(|(secs, share)| (secs / 60.0, share))
                        .collect(),
                })
                .collect(),
            slo_minutes: common_slo_minutes(cmp),
        }
    }
}

impl Plot for WaitsPlot {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        medium: Medium,
    ) -> DrawResult<Layout> {
        draw_curves(
            root,
            "Wait before a run starts, every workload",
            &self.curves,
            self.slo_minutes,
            medium,
        )
    }
}

/// Cost per day and p95 wait per scenario, with their intervals.
pub(super) struct CostsPlot {
    names: Vec<String>,
    cost_per_day: Vec<Estimate>,
    /// Minutes.
    wait_p95: Vec<Estimate>,
    slo_minutes: Option<f64>,
}

impl CostsPlot {
    pub(super) fn of(cmp: &Comparison) -> CostsPlot {
        let each = |m: TotalMetric, div: f64| -> Vec<Estimate> {
            cmp.runs
                .iter()
                .map(|(_, r)| {
                    let e = r.totals.get(m);
                    Estimate {
                        mean: e.mean / div,
                        std_error: e.std_error / div,
                        ci95: e.ci95.map(|(lo, hi)| (lo / div, hi / div)),
                    }
                })
                .collect()
        };
        CostsPlot {
            names: cmp.runs.iter().map(|(n, _)| n.to_string()).collect(),
            cost_per_day: each(TotalMetric::CostPerDayUsd, 1.0),
            wait_p95: each(TotalMetric::WaitP95S, 60.0),
            slo_minutes: common_slo_minutes(cmp),
        }
    }
}

/// One bar per scenario with its interval as a whisker; `limit` is drawn
/// as the SLO line.
fn bars<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    y_desc: &str,
    values: &[Estimate],
    limit: Option<f64>,
    medium: Medium,
) -> DrawResult<PixelRect> {
    let high = |e: &Estimate| e.ci95.map_or(e.mean, |(_, hi)| hi.max(e.mean));
    let ymax = values
        .iter()
        .map(high)
        .filter(|v| v.is_finite())
        .fold(limit.unwrap_or(0.0), f64::max);
    let n = values.len();
    let mut chart: Xy<'_, DB> = ChartBuilder::on(area)
        .margin(10)
        .x_label_area_size(20)
        .y_label_area_size(70)
        .build_cartesian_2d(-0.5..n as f64 - 0.5, 0.0..draw::top(ymax))
        .map_err(err)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(0)
        .y_desc(y_desc)
        .label_style(("sans-serif", 15))
        .draw()
        .map_err(err)?;
    for (i, e) in values
        .iter()
        .enumerate()
        .filter(|(_, e)| e.mean.is_finite())
    {
        let (x, c) = (i as f64, palette::series(i));
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [(x - 0.35, 0.0), (x + 0.35, e.mean)],
                c.filled(),
            )))
            .map_err(err)?;
        if let Some((lo, hi)) = e.ci95 {
            let whisker = palette::FRONT.stroke_width(2);
            draw::line(&mut chart, [(x, lo), (x, hi)], whisker, medium)?;
            for y in [lo, hi] {
                draw::line(&mut chart, [(x - 0.1, y), (x + 0.1, y)], whisker, medium)?;
            }
        }
    }
    if let Some(limit) = limit {
        draw::slo_line(&mut chart, (-0.5, limit), (n as f64 - 0.5, limit), medium)?;
    }
    Ok(PixelRect::of(chart.plotting_area()))
}

impl Plot for CostsPlot {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        medium: Medium,
    ) -> DrawResult<Layout> {
        let (area, side) = draw::frame(
            root,
            "Compute cost per day and p95 wait, with 95% intervals",
        )?;
        let width = area.dim_in_pixel().0;
        let (left, right) = area.split_horizontally(width / 2);
        let plots = vec![
            bars(
                &left,
                "cost per day (USD)",
                &self.cost_per_day,
                None,
                medium,
            )?,
            bars(
                &right,
                "p95 wait of every run (minutes)",
                &self.wait_p95,
                self.slo_minutes,
                medium,
            )?,
        ];
        let mut keys: Vec<Key> = self
            .names
            .iter()
            .enumerate()
            .map(|(i, n)| Key::new(n.clone(), Mark::Block(palette::series(i))))
            .collect();
        keys.push(Key::new("95% interval", Mark::Line(palette::FRONT)));
        if let Some(slo) = self.slo_minutes {
            keys.push(draw::slo_key(slo));
        }
        Ok(Layout {
            plots,
            keys: vec![draw::legend(&side, &keys)?],
        })
    }
}
