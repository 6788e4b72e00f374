//! Compute cost per day of the observed window (per week past a few
//! months, so bars stay wider than their gaps), stacked by payer. The bars
//! are drawn as rectangles in payer and day order, so the picture is the
//! same bytes every time, and they add up to the reported cost.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::draw::{self, Key, Mark};
use super::palette;
use super::render::{DrawResult, Layout, Medium, PixelRect, Plot, err};
use crate::model::Calendar;
use crate::results::{CostByDay, RunSummary};

/// Past this many days, one bar per week.
const MAX_DAILY_BARS: usize = 92;

pub(super) struct CostPlot {
    /// Per bar: cost per payer (USD), in payer order.
    bars: Vec<Vec<f64>>,
    /// Days per bar: 1 or 7.
    days_per_bar: u64,
    /// Days in the window.
    days: usize,
    /// The day (from time 0) of the first bar.
    first_day: u64,
    payers: Vec<String>,
    /// Whether the last payer stands for the payers past the palette,
    /// together (see `grouped_payers`).
    others: bool,
    calendar: Calendar,
}

/// Past the palette's colours: the payers drawn one colour each (the
/// costliest, one colour kept for the rest) and how many are drawn
/// together as "the others", so that the bars still add up to the cost;
/// `None` while every payer has its colour.
pub(super) fn grouped_payers(c: &CostByDay) -> Option<(Vec<usize>, usize)> {
    let n = c.payers.len();
    (n > palette::SERIES.len()).then(|| {
        let totals: Vec<Option<f64>> = (0..n).map(|p| Some(c.days().map(|d| d[p]).sum())).collect();
        let kept = palette::largest(&totals, palette::SERIES.len() - 1);
        let others = n - kept.len();
        (kept, others)
    })
}

impl CostPlot {
    /// `None` when nothing was tallied.
    pub(super) fn of(run: &RunSummary) -> Option<CostPlot> {
        let c = &run.cost_by_day;
        let days: Vec<&[f64]> = c.days().collect();
        if days.is_empty() {
            return None;
        }
        let days_per_bar = if days.len() > MAX_DAILY_BARS { 7 } else { 1 };
        let grouped = grouped_payers(c);
        let all: Vec<usize> = (0..c.payers.len()).collect();
        let kept = grouped.as_ref().map_or(&all, |(kept, _)| kept);
        let bars = days
            .chunks(days_per_bar as usize)
            .map(|days| {
                let cost = |p: usize| days.iter().map(|d| d[p]).sum::<f64>();
                let mut bar: Vec<f64> = kept.iter().map(|&p| cost(p)).collect();
                if grouped.is_some() {
                    let rest = (0..c.payers.len()).filter(|p| !kept.contains(p));
                    bar.push(rest.map(cost).sum());
                }
                bar
            })
            .collect();
        let mut payers: Vec<String> = kept
            .iter()
            .map(
                |&p| match run.pools.iter().find(|pool| pool.name == c.payers[p]) {
                    Some(pool) => format!("{} ({})", pool.name, pool.tier),
                    None => "default compute".into(),
                },
            )
            .collect();
        if let Some((_, others)) = grouped {
            payers.push(format!("{others} others, together"));
        }
        Some(CostPlot {
            bars,
            days_per_bar,
            days: days.len(),
            first_day: c.first_day,
            payers,
            others: grouped.is_some(),
            calendar: run.context.calendar,
        })
    }
}

impl Plot for CostPlot {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        _medium: Medium,
    ) -> DrawResult<Layout> {
        let zone = self.calendar.zone();
        let missing = self.bars.len() as u64 * self.days_per_bar - self.days as u64;
        let (unit, x_desc) = match (self.days_per_bar, self.days_per_bar - missing) {
            (1, _) => ("day", format!("date ({zone})")),
            (per, last) if last == per => ("week", format!("week from date ({zone})")),
            (_, last) => (
                "week",
                format!("week from date ({zone}); the last has {last} days"),
            ),
        };
        let (area, side) = draw::frame(
            root,
            &format!("Compute cost per {unit} of the observed window, by pool"),
        )?;
        let ymax = self
            .bars
            .iter()
            .map(|b| b.iter().sum::<f64>())
            .fold(0.0, f64::max);
        let n = self.bars.len();
        let mut chart = ChartBuilder::on(&area)
            .margin(10)
            .x_label_area_size(45)
            .y_label_area_size(80)
            .build_cartesian_2d(-0.5..n as f64 - 0.5, 0.0..draw::top(ymax))
            .map_err(err)?;
        let day_of = |i: f64| self.first_day as f64 + i * self.days_per_bar as f64;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_desc(x_desc)
            .y_desc(format!("cost per {unit} (USD)"))
            .x_labels(n.clamp(1, 8))
            .x_label_formatter(&|x| match draw::whole(x) {
                s if s.is_empty() => s,
                _ => draw::date_label(&self.calendar, day_of(x.round())),
            })
            .label_style(("sans-serif", 15))
            .draw()
            .map_err(err)?;
        // A fixed share of each slot: the gap scales with the bar.
        let half = 0.4;
        let mut keys = Vec::new();
        for (p, name) in self.payers.iter().enumerate() {
            let c = if self.others && p + 1 == self.payers.len() {
                palette::OTHERS
            } else {
                palette::series(p)
            };
            chart
                .draw_series(self.bars.iter().enumerate().map(|(i, costs)| {
                    let below: f64 = costs[..p].iter().sum();
                    let x = i as f64;
                    Rectangle::new(
                        [(x - half, below), (x + half, below + costs[p])],
                        c.filled(),
                    )
                }))
                .map_err(err)?;
            keys.push(Key::new(name.clone(), Mark::Block(c)));
        }
        Ok(Layout {
            plots: vec![PixelRect::of(chart.plotting_area())],
            keys: vec![draw::legend(&side, &keys)?],
        })
    }
}
