//! Utilisation by hour of week, one heat map per pool, over the observed
//! window only (the warm-up is not in any cell); `utilisation_by_hour.csv`
//! holds the same cells.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::draw;
use super::palette;
use super::render::{DrawResult, Layout, Medium, PixelRect, Plot, err};
use crate::results::RunSummary;

/// Weekday names, Monday first (as `Calendar::weekday_hour` counts).
pub(in crate::report) use crate::model::WEEKDAYS;

/// Per pool, mean busy share of allocated instances by [weekday][hour]
/// (on the calendar's wall clock) over the observed window's samples; NaN where nothing was
/// allocated or the window has no sample.
pub(in crate::report) fn utilisation_by_hour(run: &RunSummary) -> Vec<[[f64; 24]; 7]> {
    (0..run.series.pools())
        .map(|p| {
            let (mut busy, mut alloc) = ([[0.0f64; 24]; 7], [[0.0f64; 24]; 7]);
            let mean = |k| run.series.mean(p, k);
            for (l, t) in super::observed(run).filter_map(|(k, t)| Some((mean(k)?, t))) {
                let (d, h) = run.context.calendar.weekday_hour(t);
                busy[d][h] += l[1];
                alloc[d][h] += l[2];
            }
            let mut cells = [[f64::NAN; 24]; 7];
            for d in 0..7 {
                for h in 0..24 {
                    if alloc[d][h] > 0.0 {
                        cells[d][h] = busy[d][h] / alloc[d][h];
                    }
                }
            }
            cells
        })
        .collect()
}

pub(super) struct HeatPlot {
    pub pool: String,
    /// The time zone of the hours.
    pub zone: chrono_tz::Tz,
    pub cells: [[f64; 24]; 7],
}

impl Plot for HeatPlot {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        _medium: Medium,
    ) -> DrawResult<Layout> {
        let (main, side) = draw::frame(
            root,
            &format!(
                "Utilisation of {} by hour of week ({}, warm-up left out)",
                self.pool, self.zone
            ),
        )?;
        let mut chart = ChartBuilder::on(&main)
            .margin(10)
            .x_label_area_size(45)
            .y_label_area_size(60)
            .build_cartesian_2d(0..24, (0..6).into_segmented())
            .map_err(err)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_desc(format!(
                "hour of day ({}); grey: nothing allocated, or outside the observed window",
                self.zone
            ))
            .y_desc("weekday")
            .x_labels(24)
            .y_labels(7)
            .y_label_formatter(&|v| match v {
                // Monday on top: row 6 is Monday.
                SegmentValue::CenterOf(row) => WEEKDAYS
                    .get(6 - (*row as usize).min(6))
                    .copied()
                    .unwrap_or("")
                    .to_string(),
                _ => String::new(),
            })
            .label_style(("sans-serif", 15))
            .draw()
            .map_err(err)?;
        chart
            .draw_series((0..7).flat_map(|d| {
                (0..24).map(move |h| {
                    let row = 6 - d as i32;
                    Rectangle::new(
                        [
                            (h as i32, SegmentValue::Exact(row)),
                            (h as i32 + 1, SegmentValue::Exact(row + 1)),
                        ],
                        palette::heat(self.cells[d][h]).filled(),
                    )
                })
            }))
            .map_err(err)?;
        let plot = PixelRect::of(chart.plotting_area());
        Ok(Layout {
            plots: vec![plot],
            keys: vec![colour_scale(&side)?],
        })
    }
}

/// The colour scale in the `side` area, from 0% busy at the foot to 100%
/// at the top; returns where it is.
fn colour_scale<DB: DrawingBackend>(side: &DrawingArea<DB, Shift>) -> DrawResult<PixelRect> {
    let steps = 10;
    let (bar, labels) = side.margin(40, 60, 30, 0).split_horizontally(50);
    let (w, h) = bar.dim_in_pixel();
    for i in 0..steps {
        let u = f64::from(i) / f64::from(steps - 1);
        let y0 = (h as f64 * (1.0 - (f64::from(i) + 1.0) / f64::from(steps))) as i32;
        let y1 = (h as f64 * (1.0 - f64::from(i) / f64::from(steps))) as i32;
        bar.draw(&Rectangle::new(
            [(0, y0), (w as i32, y1)],
            palette::heat(u).filled(),
        ))
        .map_err(err)?;
    }
    // Outlined, so that the lightest step shows on white.
    bar.draw(&Rectangle::new(
        [(0, 0), (w as i32, h as i32)],
        BLACK.stroke_width(1),
    ))
    .map_err(err)?;
    let text = ("sans-serif", 15).into_font();
    for (label, y) in [("100% busy", 0), ("0%", h as i32 - 15)] {
        labels
            .draw(&Text::new(label, (8, y), text.clone()))
            .map_err(err)?;
    }
    Ok(PixelRect::of_area(&bar))
}
