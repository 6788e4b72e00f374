//! The cost-wait frontier of `plan --schedule --targets`: each target's
//! schedule as its cost per day with the interval, joined in target
//! order, and the cheapest fixed pool of the same tier for each target.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::draw::{self, Key, Mark};
use super::palette;
use super::render::{DrawResult, Layout, Medium, PixelRect, Plot, err};
use crate::results::Estimate;

/// One target's plan.
#[derive(Debug, Clone, PartialEq)]
pub struct FrontierPoint {
    /// The p95 wait target, seconds.
    pub target_s: f64,
    /// The schedule's compute cost per day, USD (mean and interval).
    pub cost_per_day_usd: Estimate,
    /// The cheapest fixed pool of the same tier meeting the same target,
    /// USD a day, when there is one.
    pub fixed_per_day_usd: Option<f64>,
}

pub(super) struct FrontierPlot<'a> {
    pub points: &'a [FrontierPoint],
    /// The pool's tier, for the legend.
    pub tier: String,
}

impl FrontierPlot<'_> {
    /// The x and y ranges that hold every point and interval.
    fn extent(&self) -> (f64, f64) {
        let minutes = |p: &FrontierPoint| p.target_s / 60.0;
        let xmax = self.points.iter().map(minutes).fold(0.0, f64::max);
        let ymax = self
            .points
            .iter()
            .flat_map(|p| {
                let hi = p.cost_per_day_usd.ci95.map_or(f64::NAN, |c| c.1);
                [
                    p.cost_per_day_usd.mean,
                    hi,
                    p.fixed_per_day_usd.unwrap_or(0.0),
                ]
            })
            .filter(|y| y.is_finite())
            .fold(0.0, f64::max);
        (draw::top(xmax), draw::top(ymax))
    }
}

impl Plot for FrontierPlot<'_> {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        medium: Medium,
    ) -> DrawResult<Layout> {
        let (area, side) = draw::frame(
            root,
            "Cost per day of the cheapest schedule, by p95 wait target",
        )?;
        let (xmax, ymax) = self.extent();
        let mut chart = ChartBuilder::on(&area)
            .margin(10)
            .x_label_area_size(45)
            .y_label_area_size(80)
            .build_cartesian_2d(0.0..xmax, 0.0..ymax)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc("p95 wait target (min)")
            .y_desc("compute cost per day (USD)")
            .label_style(("sans-serif", 15))
            .draw()
            .map_err(err)?;
        let (c, f) = (palette::series(0), palette::series(1));
        let xy = |p: &FrontierPoint, y: f64| (p.target_s / 60.0, y);
        let mut keys = Vec::new();
        let fixed: Vec<(f64, f64)> = self
            .points
            .iter()
            .filter_map(|p| p.fixed_per_day_usd.map(|y| xy(p, y)))
            .collect();
        if !fixed.is_empty() {
            for w in fixed.windows(2) {
                draw::dashed(&mut chart, w[0], w[1], f.stroke_width(2), medium)?;
            }
            chart
                .draw_series(fixed.iter().map(|&p| Cross::new(p, 5, f.stroke_width(2))))
                .map_err(err)?;
            keys.push(Key::new(
                format!("cheapest fixed pool of {}", self.tier),
                Mark::Dash(f),
            ));
        }
        let means: Vec<(f64, f64)> = self
            .points
            .iter()
            .map(|p| xy(p, p.cost_per_day_usd.mean))
            .collect();
        draw::line(&mut chart, means.iter().copied(), c.stroke_width(2), medium)?;
        // Each plan's interval: a bar with caps 0.2 min wide.
        let cap = 0.02 * xmax;
        for p in self.points {
            let Some((lo, hi)) = p.cost_per_day_usd.ci95 else {
                continue;
            };
            let x = p.target_s / 60.0;
            for piece in [
                [(x, lo), (x, hi)],
                [(x - cap, lo), (x + cap, lo)],
                [(x - cap, hi), (x + cap, hi)],
            ] {
                draw::line(&mut chart, piece, c.stroke_width(2), medium)?;
            }
        }
        chart
            .draw_series(means.iter().map(|&p| Circle::new(p, 5, c.filled())))
            .map_err(err)?;
        keys.push(Key::new("schedule (mean, 95% interval)", Mark::Dot(c)));
        Ok(Layout {
            plots: vec![PixelRect::of(chart.plotting_area())],
            keys: vec![draw::legend(&side, &keys)?],
        })
    }
}
