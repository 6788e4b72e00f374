//! The p95 wait by hour of the week of arrival, per workload: when in the
//! week the queue hurts (a night without instances, a Monday peak). Drawn
//! from `RunSummary::wait_by_hour`, the rows of `wait_by_hour.csv`.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::draw::{self, Key, Mark};
use super::palette;
use super::render::{DrawResult, Layout, Medium, PixelRect, Plot, err};
use super::utilisation::WEEKDAYS;
use crate::stats::{HOURS_OF_WEEK, HourWait, RunSummary};

pub(super) struct HourPlot {
    /// Per workload with runs: its name and its 168 hours.
    workloads: Vec<(String, Vec<HourWait>)>,
    slo_minutes: Option<f64>,
    /// The time zone of the hours.
    zone: chrono_tz::Tz,
}

impl HourPlot {
    /// `None` when no run arrived in the observed window.
    pub(super) fn of(run: &RunSummary) -> Option<HourPlot> {
        let workloads: Vec<_> = run
            .workloads
            .iter()
            .zip(&run.wait_by_hour)
            .filter(|(_, hours)| hours.iter().any(|h| h.runs > 0))
            .map(|(w, hours)| (w.name.clone(), hours.clone()))
            .collect();
        (!workloads.is_empty()).then(|| HourPlot {
            workloads,
            slo_minutes: run
                .context
                .objectives
                .wait_p95
                .map(|d| d.as_secs_f64() / 60.0),
            zone: run.context.calendar.zone(),
        })
    }
}

/// The top of the wait axis, minutes: above every p95 and the SLO.
fn wait_top(hours: &[Vec<HourWait>], slo_minutes: Option<f64>) -> f64 {
    let max = hours
        .iter()
        .flatten()
        .map(|h| h.wait_p95_s / 60.0)
        .filter(|m| m.is_finite())
        .fold(slo_minutes.unwrap_or(0.0), f64::max);
    draw::top(max)
}

impl Plot for HourPlot {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        medium: Medium,
    ) -> DrawResult<Layout> {
        let (area, side) = draw::frame(
            root,
            &format!(
                "p95 wait by hour of the week of arrival ({}, observed window)",
                self.zone
            ),
        )?;
        let hours: Vec<Vec<HourWait>> = self.workloads.iter().map(|(_, h)| h.clone()).collect();
        let ytop = wait_top(&hours, self.slo_minutes);
        // The x axis counts days from Monday 00:00, so that its labels fall
        // on midnights (plotters picks round values).
        let week = HOURS_OF_WEEK as f64 / 24.0;
        let mut chart = ChartBuilder::on(&area)
            .margin(10)
            .x_label_area_size(45)
            .y_label_area_size(70)
            .build_cartesian_2d(0.0..week, 0.0..ytop)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc(format!(
                "day and hour of the week ({}, from 00:00); gaps: no run arrived in that hour",
                self.zone
            ))
            .y_desc("p95 wait (minutes)")
            .x_labels(8)
            .x_label_formatter(&|x| match draw::whole(x).parse::<usize>() {
                Ok(d) if d < WEEKDAYS.len() => WEEKDAYS[d].to_string(),
                _ => String::new(),
            })
            .label_style(("sans-serif", 15))
            .draw()
            .map_err(err)?;
        let mut keys = Vec::new();
        for (i, (name, hours)) in self.workloads.iter().enumerate() {
            let c = palette::series(i);
            // One step per hour, from its start to its end; an hour
            // without runs breaks the line.
            let steps = hours.iter().flat_map(|h| {
                let (x, y) = (h.hour_of_week as f64 / 24.0, h.wait_p95_s / 60.0);
                [(x, y), (x + 1.0 / 24.0, y)]
            });
            draw::line(&mut chart, steps, c.stroke_width(2), medium)?;
            keys.push(Key::new(name.clone(), Mark::Line(c)));
        }
        if let Some(slo) = self.slo_minutes {
            draw::slo_line(&mut chart, (0.0, slo), (week, slo), medium)?;
            keys.push(draw::slo_key(slo));
        }
        Ok(Layout {
            plots: vec![PixelRect::of(chart.plotting_area())],
            keys: vec![draw::legend(&side, &keys)?],
        })
    }
}
