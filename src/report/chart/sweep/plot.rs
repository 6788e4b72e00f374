//! The two sweep charts drawn: the panels, their lines and the points'
//! marks and labels, and the key.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{LABEL_ROW, Panel, SweepData, SweepPoint};
use crate::model::Tier;
use crate::report::chart::draw::{self, Key, Mark, Xy};
use crate::report::chart::palette;
use crate::report::chart::render::{DrawResult, Layout, Medium, PixelRect, Plot, err};

/// Which of the two charts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(in crate::report::chart) enum Kind {
    CostWait,
    WaitCount,
}

pub(in crate::report::chart) struct SweepPlot<'a> {
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
            .extent
            .finite_minutes
            .max(self.slo_minutes.unwrap_or(0.0));
        draw::top(
            self.slo_minutes
                .map_or(ymax, |s| ymax.min(4.0 * s.max(1.0))),
        )
    }

    fn panel<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        panel: &Panel,
        (xtop, ytop): (f64, f64),
        medium: Medium,
    ) -> DrawResult<PixelRect> {
        let points: Vec<&SweepPoint> = panel
            .points
            .iter()
            // An undefined wait (no run started) has no place on the chart;
            // sweep_cost_wait.csv lists the point with an empty wait.
            .filter(|p| self.x(p).is_finite())
            .filter(|p| p.minutes().is_finite())
            .collect();
        let mut chart = ChartBuilder::on(area)
            .caption(&panel.caption, ("sans-serif", 15))
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
        self.lines(&mut chart, &points, medium)?;
        self.marks(&mut chart, &points, ytop, medium)?;
        Ok(PixelRect::of(chart.plotting_area()))
    }

    /// The Pareto front (cost against wait), or a line per tier (wait
    /// against count).
    fn lines<DB: DrawingBackend>(
        &self,
        chart: &mut Xy<'_, DB>,
        points: &[&SweepPoint],
        medium: Medium,
    ) -> DrawResult {
        match self.kind {
            Kind::CostWait => {
                let front = points
                    .iter()
                    .filter(|p| p.pareto)
                    .map(|p| (p.cost, p.minutes()));
                draw::line(chart, front, palette::FRONT.stroke_width(2), medium)?;
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
                    draw::line(chart, line, c.stroke_width(2), medium)?;
                }
            }
        }
        Ok(())
    }

    /// Each point's mark and label. Labels of points above the axis stack
    /// down from the top edge, so that points of about the same x stay
    /// readable, down to half the plot (a sweep of repeated counts stacked
    /// hundreds past its foot); beyond, the points keep their marks.
    fn marks<DB: DrawingBackend>(
        &self,
        chart: &mut Xy<'_, DB>,
        points: &[&SweepPoint],
        ytop: f64,
        medium: Medium,
    ) -> DrawResult {
        let rows = i32::try_from(chart.plotting_area().dim_in_pixel().1 / 2 / LABEL_ROW)
            .unwrap_or(i32::MAX);
        let mut above = 0;
        for p in points {
            let stack = if p.minutes() <= ytop {
                Some(0)
            } else {
                above += 1;
                (above <= rows).then_some(above - 1)
            };
            mark(chart, p, (self.x(p), ytop), stack, medium)?;
        }
        // The marks without a label are counted where the labels end.
        if above > rows {
            let first = points
                .iter()
                .filter(|p| p.minutes() > ytop)
                .nth(rows as usize)
                .map_or(0.0, |p| self.x(p));
            let note = format!("+{} more above the axis", above - rows);
            let font = ("sans-serif", 12).into_font();
            let dy = 2 + LABEL_ROW as i32 * rows;
            chart
                .plotting_area()
                .draw(&(EmptyElement::at((first, ytop)) + Text::new(note, (8, dy), font)))
                .map_err(err)?;
        }
        Ok(())
    }

    fn keys(&self) -> Vec<Key> {
        let extent = &self.data.extent;
        let mut keys: Vec<Key> = Tier::ALL
            .into_iter()
            .filter(|t| extent.tiers.contains(t))
            .map(|t| Key::new(t.name(), Mark::Dot(palette::tier(t))))
            .collect();
        if self.kind == Kind::CostWait && extent.pareto {
            keys.push(Key::new("Pareto front", Mark::Line(palette::FRONT)));
        }
        if extent.recommended {
            keys.push(Key::new("recommended", Mark::Ring(palette::SLO)));
        }
        if extent.interval {
            keys.push(Key::new(
                "bar: up to the upper 95% bound that decides",
                Mark::Line(palette::FRONT),
            ));
        }
        let top = self.wait_top();
        if extent.minutes > top {
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
    stack: Option<i32>,
    medium: Medium,
) -> DrawResult {
    let c = p.colour();
    if let Some((lo, hi)) = p.bar() {
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
        if let Some(stack) = stack {
            let dy = 2 + LABEL_ROW as i32 * stack;
            area.draw(&(EmptyElement::at((x, ytop)) + Text::new(label, (8, dy), font)))
                .map_err(err)?;
        }
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
        let all = self.data.conditions;
        let shown = &self.data.panels;
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
            Kind::CostWait => draw::top(self.data.extent.cost),
            Kind::WaitCount => self.data.extent.count + 1.0,
        };
        let areas = draw::panels(&plots, shown.len());
        let mut layout = Layout::default();
        for (panel, area) in shown.iter().zip(&areas) {
            layout
                .plots
                .push(self.panel(area, panel, (xtop, self.wait_top()), medium)?);
        }
        layout.keys.push(draw::legend(&side, &self.keys())?);
        Ok(layout)
    }
}
