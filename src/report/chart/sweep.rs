//! The sweep charts, one panel per condition (up to `MAX_PANELS`; beyond,
//! that many conditions evenly spaced through the sweep, which the title
//! says):
//! cost versus p95 wait with the Pareto front, and p95 wait versus instance
//! count per tier. Points are coloured by tier, numbered as in `sweep.csv`,
//! and carry the 95% interval of their p95 wait (the decision is made on
//! its upper end). Waits above the axis are marked at the top edge with
//! their value, and lines leave the plot through the edge rather than run
//! flat along it. `sweep_cost_wait.csv` holds the points drawn.

use std::collections::HashSet;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::draw::{self, Key, Mark, Xy};
use super::palette;
use super::render::{DrawResult, Layout, Medium, PixelRect, Plot, err};
use crate::model::Tier;
use crate::stats::{Estimate, TotalMetric};
use crate::sweep::{Objective, SweepTable, is_condition_axis};

/// A feasible point of a sweep as the charts draw it.
#[derive(Debug, Clone, PartialEq)]
pub(in crate::report) struct SweepPoint {
    /// Position in the sweep (as in `sweep.csv`).
    pub point: usize,
    /// Index of its condition in `SweepData::conditions`.
    pub condition: usize,
    /// The value of the first tier axis, if any.
    pub tier: Option<Tier>,
    /// The value of the count axis, if any.
    pub count: Option<f64>,
    /// The minimised cost, USD.
    pub cost: f64,
    /// p95 wait over all workloads, seconds, with its interval.
    pub wait: Estimate,
    /// On the cost / wait Pareto front of its condition.
    pub pareto: bool,
    /// Recommended for its condition.
    pub recommended: bool,
}

/// What both sweep charts draw.
#[derive(Debug, Clone, PartialEq)]
pub(in crate::report) struct SweepData {
    /// Each condition in words ("workload.ci.rate_scale = 1.5"; empty
    /// without condition axes), in point order.
    pub conditions: Vec<String>,
    /// The feasible points, in point order.
    pub points: Vec<SweepPoint>,
    /// Whether the sweep has an instance-count axis.
    pub has_count: bool,
}

/// The charts' points of a sweep.
pub(in crate::report) fn sweep_data(table: &SweepTable, obj: &Objective) -> SweepData {
    // Sets: a sweep of 100,000 points has as many front points.
    let front: HashSet<usize> = table.pareto(obj).iter().map(|r| r.point).collect();
    let best: HashSet<usize> = table
        .recommend(obj)
        .iter()
        .filter_map(|r| r.best)
        .map(|r| r.point)
        .collect();
    let tier_axis = table.axes.iter().position(|a| a.ends_with(".tier"));
    let count_axis = table
        .axes
        .iter()
        .position(|a| a.ends_with(".count") && !is_condition_axis(a));
    let mut conditions = Vec::new();
    let mut points = Vec::new();
    for (i, (condition, rows)) in table.by_condition().into_iter().enumerate() {
        conditions.push(
            condition
                .iter()
                .map(|(axis, value)| format!("{axis} = {value}"))
                .collect::<Vec<_>>()
                .join(", "),
        );
        points.extend(rows.into_iter().filter(|r| r.feasible).map(|r| SweepPoint {
            point: r.point,
            condition: i,
            tier: tier_axis.and_then(|t| r.params[t].parse().ok()),
            count: count_axis.and_then(|c| r.params[c].parse().ok()),
            cost: table.cost(r, obj),
            wait: non_negative(table.total(r, TotalMetric::WaitP95S)),
            pareto: front.contains(&r.point),
            recommended: best.contains(&r.point),
        }));
    }
    SweepData {
        conditions,
        points,
        has_count: count_axis.is_some(),
    }
}

/// A wait's interval cut at 0, below which no wait can be.
fn non_negative(mut e: Estimate) -> Estimate {
    e.ci95 = e.ci95.map(|(lo, hi)| (lo.max(0.0), hi));
    e
}

impl SweepPoint {
    fn colour(&self) -> RGBColor {
        self.tier.map_or(palette::series(0), palette::tier)
    }

    fn minutes(&self) -> f64 {
        self.wait.mean / 60.0
    }
}

/// The most conditions drawn, one panel each: a 1000 x 600 chart holds
/// six readable panels (two columns of three; at nine the wait axis's
/// labels run into each other), and a sweep with a fine workload axis has
/// a condition per point (20,000 panels made a 455 MB SVG).
const MAX_PANELS: usize = 6;

/// The conditions drawn, of `n`: all of them up to `MAX_PANELS`, else that
/// many evenly spaced, the first and the last among them.
fn shown_conditions(n: usize) -> Vec<usize> {
    if n <= MAX_PANELS {
        return (0..n).collect();
    }
    (0..MAX_PANELS)
        .map(|k| k * (n - 1) / (MAX_PANELS - 1))
        .collect()
}

/// Which of the two charts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    CostWait,
    WaitCount,
}

pub(super) struct SweepPlot<'a> {
    pub data: &'a SweepData,
    pub kind: Kind,
    pub slo_minutes: Option<f64>,
    pub cost_label: &'static str,
}

impl SweepPlot<'_> {
    fn x(&self, p: &SweepPoint) -> f64 {
        match self.kind {
            Kind::CostWait => p.cost,
            Kind::WaitCount => p.count.unwrap_or(f64::NAN),
        }
    }

    /// The top of the wait axis, shared by the panels: waits of overloaded
    /// points run to days, so with an SLO the axis stops at 4x the SLO and
    /// taller points are marked at the edge.
    fn wait_top(&self) -> f64 {
        let ymax = self
            .data
            .points
            .iter()
            .map(SweepPoint::minutes)
            .filter(|y| y.is_finite())
            .fold(self.slo_minutes.unwrap_or(0.0), f64::max);
        draw::top(
            self.slo_minutes
                .map_or(ymax, |s| ymax.min(4.0 * s.max(1.0))),
        )
    }

    fn panel<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        condition: usize,
        (xtop, ytop): (f64, f64),
        medium: Medium,
    ) -> DrawResult<PixelRect> {
        let points: Vec<&SweepPoint> = self
            .data
            .points
            .iter()
            // An undefined wait (no run started) has no place on the chart;
            // sweep_cost_wait.csv lists the point with an empty wait.
            .filter(|p| p.condition == condition && self.x(p).is_finite())
            .filter(|p| p.minutes().is_finite())
            .collect();
        let mut chart = ChartBuilder::on(area)
            .caption(&self.data.conditions[condition], ("sans-serif", 15))
            .margin(8)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d(0.0..xtop, 0.0..ytop)
            .map_err(err)?;
        let mut mesh = chart.configure_mesh();
        mesh.y_desc("p95 wait (min)")
            .label_style(("sans-serif", 14));
        match self.kind {
            Kind::CostWait => mesh
                .x_desc(self.cost_label)
                .x_labels(6)
                .x_label_formatter(&|c| format!("{c:.0}")),
            Kind::WaitCount => mesh
                .x_desc("instances")
                .x_labels(draw::count_labels(xtop))
                .x_label_formatter(&draw::whole),
        };
        mesh.draw().map_err(err)?;
        if let Some(slo) = self.slo_minutes {
            draw::slo_line(&mut chart, (0.0, slo), (xtop, slo), medium)?;
        }
        match self.kind {
            Kind::CostWait => {
                let front = points
                    .iter()
                    .filter(|p| p.pareto)
                    .map(|p| (p.cost, p.minutes()));
                draw::line(&mut chart, front, palette::FRONT.stroke_width(2), medium)?;
            }
            Kind::WaitCount => {
                for tier in Tier::ALL.map(Some).into_iter().chain([None]) {
                    let mut line: Vec<(f64, f64)> = points
                        .iter()
                        .filter(|p| p.tier == tier)
                        .map(|p| (self.x(p), p.minutes()))
                        .collect();
                    line.sort_by(|a, b| a.0.total_cmp(&b.0));
                    let c = tier.map_or(palette::series(0), palette::tier);
                    draw::line(&mut chart, line, c.stroke_width(2), medium)?;
                }
            }
        }
        // Labels of points above the axis stack down from the top edge, so
        // that points of about the same x stay readable.
        let mut above = 0;
        for p in &points {
            let stack = if p.minutes() <= ytop {
                0
            } else {
                above += 1;
                above - 1
            };
            mark(&mut chart, p, (self.x(p), ytop), stack, medium)?;
        }
        Ok(PixelRect::of(chart.plotting_area()))
    }

    fn keys(&self) -> Vec<Key> {
        let mut keys: Vec<Key> = Tier::ALL
            .into_iter()
            .filter(|t| self.data.points.iter().any(|p| p.tier == Some(*t)))
            .map(|t| Key::new(t.name(), Mark::Dot(palette::tier(t))))
            .collect();
        if self.kind == Kind::CostWait && self.data.points.iter().any(|p| p.pareto) {
            keys.push(Key::new("Pareto front", Mark::Line(palette::FRONT)));
        }
        if self.data.points.iter().any(|p| p.recommended) {
            keys.push(Key::new("recommended", Mark::Ring(palette::SLO)));
        }
        if self.data.points.iter().any(|p| p.wait.ci95.is_some()) {
            keys.push(Key::new(
                "bar: 95% interval of the p95 wait",
                Mark::Line(palette::FRONT),
            ));
        }
        let top = self.wait_top();
        if self.data.points.iter().any(|p| p.minutes() > top) {
            keys.push(Key::new(
                "above the axis: at the top edge, with its wait",
                Mark::Above(palette::FRONT),
            ));
        }
        keys.push(Key::new(
            "#n: point in sweep.csv",
            Mark::Dot(palette::NOTHING),
        ));
        if let Some(slo) = self.slo_minutes {
            keys.push(draw::slo_key(slo));
        }
        keys
    }
}

/// A point: its interval, its dot (or a triangle at the top edge when its
/// wait is above the axis, labelled with the wait), its number, and a ring
/// when recommended.
fn mark<DB: DrawingBackend>(
    chart: &mut Xy<'_, DB>,
    p: &SweepPoint,
    (x, ytop): (f64, f64),
    stack: i32,
    medium: Medium,
) -> DrawResult {
    let c = p.colour();
    if let Some((lo, hi)) = p.wait.ci95 {
        draw::line(
            chart,
            [(x, lo / 60.0), (x, hi / 60.0)],
            c.stroke_width(1),
            medium,
        )?;
    }
    let y = p.minutes();
    let font = ("sans-serif", 12).into_font();
    let area = chart.plotting_area();
    if y.is_finite() && y <= ytop {
        area.draw(&Circle::new((x, y), 4, c.filled()))
            .map_err(err)?;
        area.draw(&(EmptyElement::at((x, y)) + Text::new(format!("#{}", p.point), (5, -14), font)))
            .map_err(err)?;
    } else {
        let label = format!("#{}: {:.0} min", p.point, y);
        area.draw(&(EmptyElement::at((x, ytop)) + TriangleMarker::new((0, 7), 6, c.filled())))
            .map_err(err)?;
        area.draw(&(EmptyElement::at((x, ytop)) + Text::new(label, (8, 2 + 14 * stack), font)))
            .map_err(err)?;
    }
    if p.recommended && y.is_finite() {
        chart
            .plotting_area()
            .draw(&Circle::new(
                (x, y.min(ytop)),
                9,
                palette::SLO.stroke_width(2),
            ))
            .map_err(err)?;
    }
    Ok(())
}

impl Plot for SweepPlot<'_> {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        medium: Medium,
    ) -> DrawResult<Layout> {
        let title = match self.kind {
            Kind::CostWait => "Sweep: cost versus p95 wait, per condition",
            Kind::WaitCount => "Sweep: p95 wait versus instance count, per tier and condition",
        };
        let all = self.data.conditions.len();
        let shown = shown_conditions(all);
        let title = if shown.len() < all {
            format!(
                "{title} ({} of {all} conditions, evenly spaced)",
                shown.len()
            )
        } else {
            title.to_string()
        };
        let (plots, side) = draw::frame(root, &title)?;
        let xtop = match self.kind {
            Kind::CostWait => draw::top(
                self.data
                    .points
                    .iter()
                    .map(|p| p.cost)
                    .filter(|c| c.is_finite())
                    .fold(0.0, f64::max),
            ),
            Kind::WaitCount => {
                self.data
                    .points
                    .iter()
                    .filter_map(|p| p.count)
                    .fold(1.0, f64::max)
                    + 1.0
            }
        };
        let areas = draw::panels(&plots, shown.len());
        let mut layout = Layout::default();
        for (&condition, area) in shown.iter().zip(&areas) {
            layout
                .plots
                .push(self.panel(area, condition, (xtop, self.wait_top()), medium)?);
        }
        layout.keys.push(draw::legend(&side, &self.keys())?);
        Ok(layout)
    }
}
