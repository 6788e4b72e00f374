//! The sweep charts, one panel per condition (up to `MAX_PANELS`; beyond,
//! that many conditions evenly spaced through the sweep, which the title
//! says):
//! cost versus p95 wait with the Pareto front, and p95 wait versus instance
//! count per tier. Points are coloured by tier, numbered as in `sweep.csv`,
//! and plot the deciding p95 wait (the first wait objective's judged value,
//! the one the SLO line is its target of; every run's p95 without one) with
//! a bar up to the upper 95% bound the decision is made on. Waits above
//! the axis are marked at the top edge with
//! their value, and lines leave the plot through the edge rather than run
//! flat along it. `sweep_cost_wait.csv` holds the points drawn.

use std::collections::HashSet;
use std::io;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::draw::{self, Key, Mark, Xy};
use super::palette;
use super::render::{DrawResult, Layout, Medium, PixelRect, Plot, err};
use crate::model::Tier;
use crate::results::{Estimate, Objective, SweepTable, is_condition_axis};

/// A feasible point of a sweep as the charts draw it.
#[derive(Debug, Clone, PartialEq)]
pub(in crate::report) struct SweepPoint {
    /// Position in the sweep (as in `sweep.csv`).
    pub point: usize,
    /// The value of the first tier axis, if any.
    pub tier: Option<Tier>,
    /// The value of the count axis, if any.
    pub count: Option<f64>,
    /// The minimised cost, USD.
    pub cost: f64,
    /// The deciding p95 wait, seconds (the first wait objective's judged
    /// value, or the p95 of every run without one), with its interval
    /// where both ends are known.
    pub wait: Estimate,
    /// Its upper 95% bound, the one that decided (`sweep.csv`'s
    /// `_ci95_high`).
    pub upper95: f64,
    /// On the cost / wait Pareto front of its condition.
    pub pareto: bool,
    /// Recommended for its condition.
    pub recommended: bool,
}

/// One panel: a condition and the points drawn of it.
#[derive(Debug, Clone, PartialEq)]
pub(in crate::report) struct Panel {
    /// The condition in words ("workload.ci.rate_scale = 1.5"; empty
    /// without condition axes), and how many of its points are drawn when
    /// not all.
    pub caption: String,
    /// The points drawn, in point order.
    pub points: Vec<SweepPoint>,
}

/// What the axes and the key of the charts read: every feasible point's,
/// drawn or not, so that they are the same whichever panels are drawn.
#[derive(Debug, Clone, PartialEq)]
pub(in crate::report) struct Extent {
    /// Whether there is a feasible point.
    pub any: bool,
    /// The highest finite cost.
    pub cost: f64,
    /// The highest instance count (at least 1).
    pub count: f64,
    /// The longest finite p95 wait and the longest of all, minutes.
    pub finite_minutes: f64,
    pub minutes: f64,
    /// The tiers of the points.
    pub tiers: Vec<Tier>,
    /// Whether a point is on a front, recommended, has an interval.
    pub pareto: bool,
    pub recommended: bool,
    pub interval: bool,
}

impl Default for Extent {
    fn default() -> Extent {
        Extent {
            any: false,
            cost: 0.0,
            count: 1.0,
            finite_minutes: 0.0,
            minutes: f64::NEG_INFINITY,
            tiers: Vec::new(),
            pareto: false,
            recommended: false,
            interval: false,
        }
    }
}

impl Extent {
    fn add(&mut self, p: &SweepPoint) {
        self.any = true;
        if p.cost.is_finite() {
            self.cost = self.cost.max(p.cost);
        }
        if let Some(c) = p.count {
            self.count = self.count.max(c);
        }
        let y = p.minutes();
        if y.is_finite() {
            self.finite_minutes = self.finite_minutes.max(y);
        }
        if !y.is_nan() {
            self.minutes = self.minutes.max(y);
        }
        if let Some(t) = p.tier.filter(|t| !self.tiers.contains(t)) {
            self.tiers.push(t);
        }
        self.pareto |= p.pareto;
        self.recommended |= p.recommended;
        self.interval |= p.bar().is_some();
    }
}

/// What both sweep charts draw.
#[derive(Debug, Clone, PartialEq)]
pub(in crate::report) struct SweepData {
    /// Conditions in the sweep (one without condition axes).
    pub conditions: usize,
    /// The panels drawn (`shown_conditions`).
    pub panels: Vec<Panel>,
    /// Whether the sweep has an instance-count axis.
    pub has_count: bool,
    pub extent: Extent,
}

/// What `visit_points` meets.
pub(in crate::report) enum Visit {
    /// A condition begins.
    Condition,
    /// A feasible point.
    Point(SweepPoint),
}

/// Calls `f` with each condition of a sweep and each of its feasible
/// points as the charts see them, in point order: with the condition's
/// number and its words.
pub(in crate::report) fn visit_points(
    table: &SweepTable,
    obj: &Objective,
    mut f: impl FnMut(usize, &str, Visit) -> io::Result<()>,
) -> io::Result<()> {
    let tier_axis = table.axes.iter().position(|a| a.ends_with(".tier"));
    let count_axis = count_axis(table);
    for (i, decision) in table.decisions(obj).enumerate() {
        let d = decision?;
        let words = d
            .condition
            .iter()
            .map(|(axis, value)| format!("{axis} = {value}"))
            .collect::<Vec<_>>()
            .join(", ");
        // Sets: a sweep's front may hold most of its points.
        let front: HashSet<usize> = d.front.iter().map(|r| r.point).collect();
        let best = d.best.as_ref().map(|b| b.point);
        f(i, &words, Visit::Condition)?;
        for point in table.condition_points(d.index) {
            let Some(r) = table.row(point)?.filter(|r| r.feasible) else {
                continue;
            };
            let p = SweepPoint {
                point,
                tier: tier_axis.and_then(|t| r.params[t].parse().ok()),
                count: count_axis.and_then(|c| r.params[c].parse().ok()),
                cost: r.cost(obj),
                // The value the SLO line is drawn against: the deciding
                // objective's, not the p95 of every run.
                wait: non_negative(r.deciding_estimate()),
                upper95: r.deciding_wait().value_upper95,
                pareto: front.contains(&point),
                recommended: best == Some(point),
            };
            f(i, &words, Visit::Point(p))?;
        }
    }
    Ok(())
}

/// The instance-count axis, if any.
fn count_axis(table: &SweepTable) -> Option<usize> {
    table
        .axes
        .iter()
        .position(|a| a.ends_with(".count") && !is_condition_axis(a))
}

/// The height of a point's label, pixels.
const LABEL_ROW: u32 = 14;

/// The most points drawn of a panel besides its front and recommended
/// point (a sweep of 20,000 counts drew 20,000 numbered dots on one
/// panel); `sweep_cost_wait.csv` has every one.
const MAX_MARKS: usize = 250;

/// Whether a panel thinned to one in `every` (a power of two) keeps
/// `point`: picked by a hash of its number, so that no axis's values
/// alias with the pick (every k-th point of a grid whose tier varies
/// fastest drew one tier only).
fn picked(point: usize, every: u64) -> bool {
    // splitmix64's finaliser.
    let mut z = (point as u64).wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    (z ^ (z >> 31)) & (every - 1) == 0
}

/// The points of a panel as they come, thinned whenever more than
/// `MAX_MARKS` others than the front and the recommended are kept.
struct Thinned {
    points: Vec<SweepPoint>,
    /// Points kept that are neither on the front nor recommended.
    others: usize,
    every: u64,
    feasible: usize,
}

impl Thinned {
    fn add(&mut self, p: SweepPoint) {
        self.feasible += 1;
        let flagged = |p: &SweepPoint| p.pareto || p.recommended;
        if !(flagged(&p) || picked(p.point, self.every)) {
            return;
        }
        self.others += usize::from(!flagged(&p));
        self.points.push(p);
        while self.others > MAX_MARKS {
            self.every *= 2;
            let every = self.every;
            self.points.retain(|p| flagged(p) || picked(p.point, every));
            self.others = self.points.iter().filter(|p| !flagged(p)).count();
        }
    }

    /// The panel, captioned with the condition and what was drawn of it.
    fn panel(self, words: String) -> Panel {
        let (drawn, all) = (self.points.len(), self.feasible);
        let caption = match (self.every > 1, words.is_empty()) {
            (false, _) => words,
            (true, true) => format!("{drawn} of {all} points drawn, with the front"),
            (true, false) => format!("{words} ({drawn} of {all} drawn)"),
        };
        Panel {
            caption,
            points: self.points,
        }
    }
}

/// The charts' points of a sweep.
pub(in crate::report) fn sweep_data(table: &SweepTable, obj: &Objective) -> io::Result<SweepData> {
    let conditions = table.conditions();
    let shown = shown_conditions(conditions);
    let mut panels: Vec<(String, Thinned)> = Vec::with_capacity(shown.len());
    let mut extent = Extent::default();
    visit_points(table, obj, |i, words, visit| {
        let shown_here = shown.contains(&i);
        match visit {
            Visit::Condition if shown_here => panels.push((
                words.to_string(),
                Thinned {
                    points: Vec::new(),
                    others: 0,
                    every: 1,
                    feasible: 0,
                },
            )),
            Visit::Condition => {}
            Visit::Point(p) => {
                extent.add(&p);
                if let Some((_, thinned)) = panels.last_mut().filter(|_| shown_here) {
                    thinned.add(p);
                }
            }
        }
        Ok(())
    })?;
    let panels = panels
        .into_iter()
        .map(|(words, thinned)| thinned.panel(words))
        .collect();
    Ok(SweepData {
        conditions,
        panels,
        has_count: count_axis(table).is_some(),
        extent,
    })
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

    /// The bar drawn through the point, seconds: its interval, or from
    /// the value up to the bound that decided.
    fn bar(&self) -> Option<(f64, f64)> {
        let (lo, hi) = self.wait.ci95.unwrap_or((self.wait.mean, self.upper95));
        (hi > lo).then_some((lo, hi))
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
