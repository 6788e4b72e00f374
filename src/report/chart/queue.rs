//! Queued runs over the observed window, one panel per pool. A long series
//! is decimated to the plot's pixel columns: per column the mean line and
//! a band from the least to the most runs queued in any replication, so
//! that a peak of one replication stays visible (the mean over
//! replications would flatten it).

use plotters::coord::Shift;
use plotters::prelude::*;

use super::draw::{self, Key, Mark};
use super::palette;
use super::render::{DrawResult, Layout, Medium, PixelRect, Plot, err};
use crate::results::{RunSummary, SampleSum};
use crate::units::{SimTime, TICKS_PER_SECOND};

/// One pixel column of a pool's series.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Column {
    /// Mean sample time, days from time 0.
    day: f64,
    /// Fewest and most runs queued at a sample, over replications.
    min: f64,
    max: f64,
    /// Mean runs queued.
    mean: f64,
    /// Mean instances allocated.
    allocated: f64,
}

/// One sample time over the replications that reached it: its day, the
/// fewest and most runs queued, the sums of runs queued and instances
/// allocated, and how many replications.
type Sample = (f64, f64, f64, f64, f64, u32);

/// Samples in `bins` equal columns of `days`, empty ones left out.
fn columns(
    samples: impl Iterator<Item = Sample>,
    days: std::ops::Range<f64>,
    bins: usize,
) -> Vec<Column> {
    let bins = bins.max(1);
    let empty = (0.0, f64::INFINITY, f64::NEG_INFINITY, 0.0, 0.0, 0u64);
    let mut acc = vec![empty; bins];
    let width = (days.end - days.start).max(1e-12);
    for (day, min, max, queued, allocated, reps) in samples {
        let b = (((day - days.start) / width * bins as f64) as usize).min(bins - 1);
        let a = &mut acc[b];
        a.0 += day * f64::from(reps);
        a.1 = a.1.min(min);
        a.2 = a.2.max(max);
        a.3 += queued;
        a.4 += allocated;
        a.5 += u64::from(reps);
    }
    acc.into_iter()
        .filter(|a| a.5 > 0)
        .map(|(day, min, max, queued, allocated, n)| {
            let n = n as f64;
            Column {
                day: day / n,
                min,
                max,
                mean: queued / n,
                allocated: allocated / n,
            }
        })
        .collect()
}

struct Panel<'a> {
    title: String,
    pool: usize,
    scales: bool,
    run: &'a RunSummary,
}

impl Panel<'_> {
    /// The samples of the observed window, over the replications (folded
    /// as each one ended: the run keeps no replication's series).
    fn samples(&self) -> impl Iterator<Item = Sample> + '_ {
        let day = (86_400 * TICKS_PER_SECOND) as f64;
        self.spread().map(move |(t, s)| {
            (
                t.0 as f64 / day,
                f64::from(s.queued_min),
                f64::from(s.queued_max),
                s.sum[0] as f64,
                s.sum[2] as f64,
                s.replications,
            )
        })
    }

    /// The samples of the observed window that a replication reached, with
    /// their times.
    fn spread(&self) -> impl Iterator<Item = (SimTime, SampleSum)> + '_ {
        let series = &self.run.series;
        super::observed(self.run).filter_map(move |(k, t)| {
            let s = series.sample(self.pool, k)?;
            (s.replications > 0).then_some((t, s))
        })
    }

    fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        medium: Medium,
    ) -> DrawResult<PixelRect> {
        let cx = &self.run.context;
        let day = |d: crate::units::SimDuration| d.as_secs_f64() / 86_400.0;
        let days = day(cx.warmup)..day(cx.horizon).max(day(cx.warmup) + 1e-9);
        let ymax = self
            .spread()
            // The most queued, or allocated, in a replication.
            .map(|(_, s)| {
                let queued = f64::from(s.queued_max);
                if self.scales {
                    queued.max(f64::from(s.allocated_max))
                } else {
                    queued
                }
            })
            .fold(0.0, f64::max);
        let ytop = draw::count_top(ymax);
        let calendar = cx.calendar;
        // A date label ("Wed 8 Jan") takes about 70 px: at most one per
        // 90 px, so that half-width panels (four pools or more) do not
        // run their labels together.
        let x_labels = (area.dim_in_pixel().0 as usize / 90).clamp(2, 8);
        let mut chart = ChartBuilder::on(area)
            .caption(&self.title, ("sans-serif", 17))
            .margin(6)
            .x_label_area_size(28)
            .y_label_area_size(60)
            .build_cartesian_2d(days.clone(), 0.0..ytop)
            .map_err(err)?;
        chart
            .configure_mesh()
            .y_desc(if self.scales {
                "runs / instances"
            } else {
                "queued runs"
            })
            .y_labels(draw::count_labels(ytop))
            .y_label_formatter(&draw::whole)
            .x_labels(x_labels)
            .x_label_formatter(&|d| draw::date_label(&calendar, *d))
            .label_style(("sans-serif", 14))
            .draw()
            .map_err(err)?;
        let bins = chart.plotting_area().dim_in_pixel().0 as usize;
        let columns = columns(self.samples(), days, bins);
        let queued = palette::series(0);
        // The band: along the maxima, back along the minima.
        let band: Vec<(f64, f64)> = columns
            .iter()
            .map(|c| (c.day, c.max))
            .chain(columns.iter().rev().map(|c| (c.day, c.min)))
            .collect();
        if columns.len() > 1 {
            chart
                .draw_series(std::iter::once(Polygon::new(
                    band,
                    queued.mix(0.3).filled(),
                )))
                .map_err(err)?;
        }
        draw::line(
            &mut chart,
            columns.iter().map(|c| (c.day, c.mean)),
            queued.stroke_width(2),
            medium,
        )?;
        if self.scales {
            draw::line(
                &mut chart,
                columns.iter().map(|c| (c.day, c.allocated)),
                palette::series(1).stroke_width(2),
                medium,
            )?;
        }
        Ok(PixelRect::of(chart.plotting_area()))
    }
}

/// The queue chart of a run, one panel per pool.
pub(super) struct QueuePlot<'a> {
    panels: Vec<Panel<'a>>,
    replications: u32,
}

impl<'a> QueuePlot<'a> {
    /// `None` without pools.
    pub(super) fn of(run: &'a RunSummary) -> Option<QueuePlot<'a>> {
        let panels: Vec<Panel> = run
            .pools
            .iter()
            .enumerate()
            .map(|(i, p)| Panel {
                title: format!("{} ({})", p.name, p.tier),
                pool: i,
                scales: p.scales,
                run,
            })
            .collect();
        (!panels.is_empty()).then_some(QueuePlot {
            panels,
            replications: run.replications,
        })
    }
}

impl Plot for QueuePlot<'_> {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        medium: Medium,
    ) -> DrawResult<Layout> {
        let (plots, side) = draw::frame(
            root,
            "Queued runs over the observed window (warm-up left out)",
        )?;
        let areas = draw::panels(&plots, self.panels.len());
        let mut layout = Layout::default();
        for (panel, area) in self.panels.iter().zip(&areas) {
            layout.plots.push(panel.draw(area, medium)?);
        }
        let (mean, band) = if self.replications > 1 {
            (
                "queued runs, mean over replications",
                "queued runs, least to most in any replication",
            )
        } else {
            ("queued runs", "queued runs, least to most")
        };
        let mut keys = vec![
            Key::new(mean, Mark::Line(palette::series(0))),
            Key::new(
                format!("{band} (per pixel column)"),
                Mark::Band(palette::series(0)),
            ),
        ];
        if self.panels.iter().any(|p| p.scales) {
            keys.push(Key::new(
                "allocated instances (mean)",
                Mark::Line(palette::series(1)),
            ));
        }
        layout.keys.push(draw::legend(&side, &keys)?);
        Ok(layout)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimation_keeps_peaks_and_the_pixel_count() {
        // Two replications of 10 000 samples over 10 days, folded: 0 queued
        // but for one peak of 7 in the second, 2 allocated in each.
        let samples = (0..10_000).map(|k| {
            let most = if k == 4321 { 7.0 } else { 0.0 };
            (k as f64 / 1000.0, 0.0, most, most, 4.0, 2)
        });
        let cols = columns(samples, 0.0..10.0, 100);
        assert_eq!(cols.len(), 100);
        let peak = cols
            .iter()
            .find(|c| c.max > 0.0)
            .expect("the peak is drawn");
        assert_eq!((peak.min, peak.max), (0.0, 7.0));
        assert!((peak.mean - 7.0 / 200.0).abs() < 1e-12, "{}", peak.mean);
        assert!(cols.iter().all(|c| c.allocated == 2.0));
    }
}
