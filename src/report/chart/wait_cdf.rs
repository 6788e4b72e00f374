//! The wait distribution per workload: the chart shows the share of runs
//! that waited at most `t`, and `wait_cdf.csv` the share that waited longer,
//! both from the same points (`survival`).

use plotters::coord::Shift;
use plotters::prelude::*;

use super::draw::{self, Key, Mark};
use super::palette;
use super::render::{DrawResult, Layout, Medium, PixelRect, Plot, err};
use crate::results::{Estimate, RunSummary};
use crate::units::TICKS_PER_SECOND;

/// A workload's share of runs waiting longer than each wait.
#[derive(Debug, Clone, PartialEq)]
pub(in crate::report) struct Survival {
    /// Workload name.
    pub workload: String,
    /// (wait in seconds, share of a replication's runs that waited longer,
    /// over replications, its interval clamped to [0, 1]).
    pub points: Vec<(f64, Estimate)>,
}

/// Per workload with runs: the share of runs that waited longer than each
/// wait of the pooled CDF's 201 quantiles (repeats dropped), estimated per
/// replication and then over replications, like every other metric.
pub(in crate::report) fn survival(run: &RunSummary) -> Vec<Survival> {
    run.workloads
        .iter()
        .zip(run.wait_cdf())
        .enumerate()
        .filter(|(_, (_, cdf))| !cdf.is_empty())
        .map(|(w, (wl, cdf))| {
            let mut waits: Vec<f64> = cdf.iter().map(|p| p.0).collect();
            waits.dedup();
            let ticks: Vec<u64> = waits
                .iter()
                .map(|secs| (secs * TICKS_PER_SECOND as f64).round() as u64)
                .collect();
            // Per replication, the share longer than each wait (one pass
            // over its counts), or NaN without runs.
            let longer: Vec<Vec<f64>> = run
                .per_replication
                .iter()
                .map(|r| {
                    let h = &r.waits[w];
                    let runs = h.len() as f64;
                    h.counts_at_most(&ticks)
                        .into_iter()
                        .map(|at_most| {
                            if runs == 0.0 {
                                f64::NAN
                            } else {
                                1.0 - at_most as f64 / runs
                            }
                        })
                        .collect()
                })
                .collect();
            let points = waits
                .into_iter()
                .enumerate()
                .map(|(i, secs)| {
                    let shares: Vec<f64> = longer.iter().map(|r| r[i]).collect();
                    let mut e = Estimate::from_samples(&shares);
                    e.ci95 = e.ci95.map(|(lo, hi)| (lo.max(0.0), hi.min(1.0)));
                    (secs, e)
                })
                .collect();
            Survival {
                workload: wl.name.clone(),
                points,
            }
        })
        .collect()
}

pub(super) struct CdfPlot {
    workloads: Vec<Survival>,
    slo_minutes: Option<f64>,
}

impl CdfPlot {
    pub(super) fn of(run: &RunSummary) -> CdfPlot {
        let drawn: Vec<&str> = super::drawn_workloads(run)
            .into_iter()
            .map(|w| run.workloads[w].name.as_str())
            .collect();
        let mut workloads = survival(run);
        workloads.retain(|s| drawn.contains(&s.workload.as_str()));
        CdfPlot {
            workloads,
            slo_minutes: run
                .context
                .objectives
                .whole_run_target(run.workloads.len())
                .map(|d| d.as_secs_f64() / 60.0),
        }
    }
}

impl Plot for CdfPlot {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        medium: Medium,
    ) -> DrawResult<Layout> {
        let curves: Vec<Curve> = self
            .workloads
            .iter()
            .map(|s| Curve {
                name: s.workload.clone(),
                points: s
                    .points
                    .iter()
                    .map(|(secs, e)| (secs / 60.0, 1.0 - e.mean))
                    .collect(),
            })
            .collect();
        draw_curves(
            root,
            "Wait before a run starts: share of runs",
            &curves,
            self.slo_minutes,
            medium,
        )
    }
}

/// A wait CDF to draw: (wait in minutes, share of runs that waited at most
/// that), rising.
pub(super) struct Curve {
    pub name: String,
    pub points: Vec<(f64, f64)>,
}

/// Wait CDFs on one chart, a colour each, with the SLO when there is one.
pub(super) fn draw_curves<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    curves: &[Curve],
    slo_minutes: Option<f64>,
    medium: Medium,
) -> DrawResult<Layout> {
    let (area, side) = draw::frame(root, title)?;
    // Up to the 99.5th percentile, so one extreme wait does not flatten the
    // curve, but never hiding the SLO line.
    let xmax = curves
        .iter()
        .filter_map(|c| c.points.iter().find(|p| p.1 >= 0.995).or(c.points.last()))
        .map(|p| p.0)
        .fold(slo_minutes.unwrap_or(0.0), f64::max);
    let mut chart = ChartBuilder::on(&area)
        .margin(10)
        .x_label_area_size(45)
        .y_label_area_size(70)
        .build_cartesian_2d(0.0..draw::top(xmax), 0.0..1.0)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc("wait (minutes)")
        .y_desc("share of runs that waited at most this long")
        .y_label_formatter(&|y| format!("{:.0}%", y * 100.0))
        .label_style(("sans-serif", 15))
        .draw()
        .map_err(err)?;
    let mut keys = Vec::new();
    for (i, curve) in curves.iter().enumerate() {
        let c = palette::series(i);
        draw::line(
            &mut chart,
            curve.points.iter().copied(),
            c.stroke_width(2),
            medium,
        )?;
        keys.push(Key::new(curve.name.clone(), Mark::Line(c)));
    }
    if let Some(slo) = slo_minutes {
        draw::cdf_objective(&mut chart, slo, &mut keys, medium)?;
    }
    Ok(Layout {
        plots: vec![PixelRect::of(chart.plotting_area())],
        keys: vec![draw::legend(&side, &keys)?],
    })
}
