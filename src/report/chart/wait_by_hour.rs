//! The p95 wait by hour of the week of arrival, per workload: when in the
//! week the queue hurts (a night without instances, a Monday peak), of the
//! workloads the wait charts draw. Drawn from `RunSummary::wait_by_hour`,
//! the rows of `wait_by_hour.csv`.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::draw::{self, Key, Mark};
use super::palette;
use super::render::{DrawResult, Layout, Medium, PixelRect, Plot, err};
use crate::model::{HOURS_OF_WEEK, HourOfWeek, WEEKDAYS, Window};
use crate::results::{HourWait, RunSummary};

/// A workload drawn: name, hours, and its objective's target (minutes)
/// with the window it judges.
type Drawn = (String, Vec<HourWait>, Option<(f64, Option<Window>)>);

pub(super) struct HourPlot {
    /// Per workload with runs: its name, its 168 hours, and the target of
    /// the objective that judges it (minutes) with the hours it judges.
    workloads: Vec<Drawn>,
    /// The one target when every drawn workload has the same: one SLO
    /// line, not one per workload.
    slo_minutes: Option<f64>,
    /// The time zone of the hours.
    zone: chrono_tz::Tz,
}

impl HourPlot {
    /// `None` when no run arrived in the observed window.
    pub(super) fn of(run: &RunSummary) -> Option<HourPlot> {
        let objectives = &run.context.objectives;
        let drawn = super::drawn_workloads(run);
        let workloads: Vec<_> = run
            .workloads
            .iter()
            .zip(&run.wait_by_hour)
            .enumerate()
            .filter(|(i, _)| drawn.contains(i))
            .map(|(i, (w, hours))| {
                let target = objectives
                    .judging(i)
                    .map(|o| (o.target.as_secs_f64() / 60.0, o.window));
                (w.name.clone(), hours.clone(), target)
            })
            .collect();
        let first = workloads.first().and_then(|w| w.2);
        // One line for all only where every workload is judged alike, over
        // the whole week.
        let common =
            workloads.iter().all(|w| w.2 == first) && first.is_some_and(|(_, w)| w.is_none());
        let first = first.map(|(t, _)| t);
        (!workloads.is_empty()).then(|| HourPlot {
            slo_minutes: first.filter(|_| common),
            workloads,
            zone: run.context.calendar.zone(),
        })
    }
}

/// The stretches of hours `[from, to)` of the week that `window` judges
/// (the whole week without one).
fn judged_spans(window: Option<Window>) -> Vec<(usize, usize)> {
    let mut spans: Vec<(usize, usize)> = Vec::new();
    for h in HourOfWeek::all().filter(|&h| window.is_none_or(|w| w.overlaps(h))) {
        match spans.last_mut() {
            Some((_, to)) if *to == h.index() => *to += 1,
            _ => spans.push((h.index(), h.index() + 1)),
        }
    }
    spans
}

/// The top of the wait axis, minutes: above every p95 and every target.
fn wait_top(workloads: &[Drawn]) -> f64 {
    let max = workloads
        .iter()
        .flat_map(|(_, hours, target)| {
            let target = target.map(|(t, _)| t);
            hours.iter().map(|h| h.wait_p95_s / 60.0).chain(target)
        })
        .filter(|m| m.is_finite())
        .fold(0.0, f64::max);
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
        let ytop = wait_top(&self.workloads);
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
        for (i, (name, hours, target)) in self.workloads.iter().enumerate() {
            let c = palette::series(i);
            // One step per hour, from its start to its end; an hour
            // without runs breaks the line.
            let steps = hours.iter().flat_map(|h| {
                let (x, y) = (h.hour_of_week as f64 / 24.0, h.wait_p95_s / 60.0);
                [(x, y), (x + 1.0 / 24.0, y)]
            });
            draw::line(&mut chart, steps, c.stroke_width(2), medium)?;
            keys.push(Key::new(name.clone(), Mark::Line(c)));
            // Targets that differ: each workload's own, in its colour,
            // over the hours its objective judges.
            if let Some((t, window)) = target.filter(|_| self.slo_minutes.is_none()) {
                for (from, to) in judged_spans(window) {
                    let (a, b) = (from as f64 / 24.0, to as f64 / 24.0);
                    draw::dashed(&mut chart, (a, t), (b, t), c.stroke_width(2), medium)?;
                }
                keys.push(Key::new(
                    format!("{name}: p95 wait <= {t:.1} min"),
                    Mark::Dash(c),
                ));
            }
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
