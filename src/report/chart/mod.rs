//! Charts (plotters), each rendered twice: as SVG text and as a PNG. Text is
//! drawn with a font bundled in the binary (Ubuntu Light, from the
//! `epaint_default_fonts` crate) through plotters' pure-Rust `ab_glyph`
//! path, so nothing depends on the machine's font libraries. One module per
//! chart; the palette, the frame, axes, clipping and legends are shared.

mod compare;
mod cost;
mod draw;
mod frontier;
mod palette;
mod queue;
mod render;
mod svg;
mod sweep;
mod utilisation;
mod wait_by_hour;
mod wait_cdf;

pub use frontier::FrontierPoint;
pub use render::{ChartError, ChartFormats, PixelRect};
pub use svg::{Svg, SvgSpill};
use sweep::sweep_data;
pub(super) use sweep::{Visit, visit_points};
pub(super) use utilisation::{WEEKDAYS, utilisation_by_hour};
pub(super) use wait_cdf::survival;

use render::{DrawResult, render};

use std::sync::atomic::{AtomicBool, Ordering};

use super::compare::Comparison;
use crate::results::{Objective, RunSummary, SweepTable, WorkloadMetric};
use crate::units::SimTime;

/// The samples of the queue series in the observed window [warm-up,
/// horizon), as (index, time): charts and their files leave the warm-up
/// out, as every statistic does. (A sample at the horizon itself stands for
/// no time after it.)
fn observed(run: &RunSummary) -> impl Iterator<Item = (usize, SimTime)> + Clone + use<> {
    let step = run.series.interval.0.max(1);
    let (from, to) = (run.context.warmup.0, run.context.horizon.0);
    (from.div_ceil(step)..to.div_ceil(step)).map(move |k| (k as usize, SimTime(k * step)))
}

/// The workloads the wait charts (`wait_cdf`, `wait_by_hour`) draw, by
/// index: those with runs in the observed window, one colour each, the
/// highest p95 waits when there are more than colours (see
/// `palette::largest`).
fn drawn_workloads(run: &RunSummary) -> Vec<usize> {
    let p95: Vec<Option<f64>> = run
        .workloads
        .iter()
        .zip(&run.wait_by_hour)
        .map(|(w, hours)| {
            let ran = hours.iter().any(|h| h.runs > 0);
            ran.then(|| w.metrics.get(WorkloadMetric::WaitP95S).mean)
        })
        .collect();
    palette::largest(&p95, palette::SERIES.len())
}

/// What the run's charts leave out past the palette's colours, a sentence
/// per chart that does (for stderr and the reports); empty when every
/// series has its colour.
pub fn run_charts_left_out(run: &RunSummary) -> Vec<String> {
    let mut out = Vec::new();
    let with_runs = run
        .wait_by_hour
        .iter()
        .filter(|hours| hours.iter().any(|h| h.runs > 0))
        .count();
    let drawn = drawn_workloads(run).len();
    if drawn < with_runs {
        out.push(format!(
            "the charts wait_cdf and wait_by_hour draw the {drawn} workloads with the highest p95 wait (one colour each), not all {with_runs}; every workload is in wait_cdf.csv and wait_by_hour.csv"
        ));
    }
    if let Some((kept, others)) = cost::grouped_payers(&run.cost_by_day) {
        out.push(format!(
            "the chart cost draws the {} costliest payers one colour each and the other {others} as one grey stack; each payer's cost per day is in cost_by_day.csv",
            kept.len()
        ));
    }
    out
}

/// A chart in both formats.
#[derive(Debug)]
pub struct Chart {
    /// File stem, e.g. `queue`.
    pub name: String,
    /// What it shows, for reports.
    pub title: String,
    /// SVG document (empty when not drawn), in memory or moved to a
    /// scratch file (see `Svg::spill`).
    pub svg: Svg,
    /// PNG file bytes.
    pub png: Vec<u8>,
    /// Where the plots are in the picture: every series stays inside them.
    pub plots: Vec<PixelRect>,
    /// Where the legends and colour scales are (series colours appear there
    /// by design).
    pub keys: Vec<PixelRect>,
}

/// Charts drawn one after another until a Ctrl-C: once `cancel` is set,
/// the rest are neither built nor drawn, and the list is incomplete (the
/// caller discards it; a thousand pools' heat maps take seconds).
struct Drawing<'a> {
    formats: ChartFormats,
    cancel: &'a AtomicBool,
    charts: Vec<Chart>,
}

impl<'a> Drawing<'a> {
    fn new(formats: ChartFormats, cancel: &'a AtomicBool) -> Self {
        Drawing {
            formats,
            cancel,
            charts: Vec::new(),
        }
    }

    /// Builds and draws the chart `plot` makes, if it makes one.
    fn add<P: render::Plot + Sync>(
        &mut self,
        name: &str,
        title: &str,
        plot: impl FnOnce() -> Option<P>,
    ) -> Result<(), ChartError> {
        if self.cancel.load(Ordering::Relaxed) {
            return Ok(());
        }
        if let Some(plot) = plot() {
            self.charts.push(render(self.formats, name, title, &plot)?);
        }
        Ok(())
    }
}

/// One chart of a run, drawn when asked (`None`: nothing to draw). The
/// charts of a run are independent of each other: the caller may draw
/// them in parallel: `report` spreads no work of its own.
pub struct ChartJob<'a>(Box<dyn Fn() -> DrawResult<Option<Chart>> + Send + Sync + 'a>);

impl ChartJob<'_> {
    /// Draws the chart.
    pub fn draw(&self) -> Result<Option<Chart>, ChartError> {
        (self.0)()
    }
}

/// The charts of a run, drawn one after the other, in order. Incomplete
/// once `cancel` is set: the charts not begun are not drawn (see
/// `Drawing`).
pub fn run_charts(
    run: &RunSummary,
    formats: ChartFormats,
    cancel: &AtomicBool,
) -> Result<Vec<Chart>, ChartError> {
    let drawn: Vec<Option<Chart>> = run_chart_jobs(run, formats)
        .iter()
        .take_while(|_| !cancel.load(Ordering::Relaxed))
        .map(ChartJob::draw)
        .collect::<Result<_, _>>()?;
    Ok(drawn.into_iter().flatten().collect())
}

/// The charts of a run, to be drawn: queued runs, wait CDF, p95 wait by
/// hour of the week, utilisation heat map per pool, cost per day; all
/// over the observed window.
pub fn run_chart_jobs(run: &RunSummary, formats: ChartFormats) -> Vec<ChartJob<'_>> {
    let mut charts: Vec<ChartJob> = vec![
        ChartJob(Box::new(move || {
            queue::QueuePlot::of(run)
                .map(|plot| render(formats, "queue", "Queued runs over time", &plot))
                .transpose()
        })),
        ChartJob(Box::new(move || {
            let plot = wait_cdf::CdfPlot::of(run);
            render(formats, "wait_cdf", "Wait-time CDF per workload", &plot).map(Some)
        })),
        ChartJob(Box::new(move || {
            wait_by_hour::HourPlot::of(run)
                .map(|plot| {
                    let title = "p95 wait by hour of the week";
                    render(formats, "wait_by_hour", title, &plot)
                })
                .transpose()
        })),
    ];
    for (p, cells) in run.pools.iter().zip(utilisation_by_hour(run)) {
        let plot = utilisation::HeatPlot {
            pool: p.name.clone(),
            zone: run.context.calendar.zone(),
            cells,
        };
        charts.push(ChartJob(Box::new(move || {
            let name = format!("utilisation-{}", p.name);
            let title = format!("Utilisation of {} by hour of week", p.name);
            render(formats, &name, &title, &plot).map(Some)
        })));
    }
    charts.push(ChartJob(Box::new(move || {
        cost::CostPlot::of(run)
            .map(|plot| render(formats, "cost", "Cost per day by pool", &plot))
            .transpose()
    })));
    charts
}

/// The charts of a sweep: cost versus p95 wait with the Pareto front, the
/// SLO and the recommendation; and p95 wait versus count per tier when the
/// sweep has a count axis. Every condition has its panel.
pub fn sweep_charts(
    table: &SweepTable,
    obj: &Objective,
    formats: ChartFormats,
) -> Result<Vec<Chart>, ChartError> {
    let data = sweep_data(table, obj).map_err(render::err)?;
    if !data.extent.any {
        return Ok(Vec::new());
    }
    // The points plot the deciding objective's value (`SweepRow::wait_p95`).
    let slo_minutes = obj
        .slo
        .deciding_wait()
        .map(|o| o.target.as_secs_f64() / 60.0);
    let cost_label = if obj.with_waiting_cost {
        "compute plus waiting cost (USD)"
    } else {
        "compute cost (USD)"
    };
    let plot = |kind| sweep::SweepPlot {
        data: &data,
        kind,
        slo_minutes,
        cost_label,
    };
    let mut charts = vec![render(
        formats,
        "sweep_cost_wait",
        "Cost versus p95 wait",
        &plot(sweep::Kind::CostWait),
    )?];
    if data.has_count {
        charts.push(render(
            formats,
            "sweep_wait_count",
            "p95 wait versus instance count",
            &plot(sweep::Kind::WaitCount),
        )?);
    }
    Ok(charts)
}

/// Why a comparison's charts are not drawn: more scenarios than the
/// palette has colours (past 20 the legend stopped at the 20th and every
/// colour stood for several scenarios); `None` when they are.
pub fn compare_charts_left_out(cmp: &Comparison) -> Option<String> {
    let (n, most) = (cmp.runs.len(), palette::SERIES.len());
    (n > most).then(|| {
        format!(
            "the charts compare_wait and compare_cost are drawn for at most {most} scenarios (one colour each), not {n}; their data is in compare.csv and compare_wait_cdf.csv (compare fewer scenarios at once for the charts)"
        )
    })
}

/// The charts of a comparison: the wait distributions overlaid, and cost
/// per day and p95 wait side by side; none past the palette's colours
/// (see `compare_charts_left_out`). Incomplete once `cancel` is set (see
/// `Drawing`).
pub fn compare_charts(
    cmp: &Comparison,
    formats: ChartFormats,
    cancel: &AtomicBool,
) -> Result<Vec<Chart>, ChartError> {
    let mut d = Drawing::new(formats, cancel);
    if compare_charts_left_out(cmp).is_some() {
        return Ok(d.charts);
    }
    d.add("compare_wait", "Wait-time CDF of each scenario", || {
        Some(compare::WaitsPlot::of(cmp))
    })?;
    d.add(
        "compare_cost",
        "Cost per day and p95 wait of each scenario",
        || Some(compare::CostsPlot::of(cmp)),
    )?;
    Ok(d.charts)
}

/// The chart of `plan --schedule --targets`: each target's schedule as
/// cost per day with its interval, and the cheapest fixed pool of `tier`
/// meeting the same target.
pub fn frontier_chart(
    points: &[FrontierPoint],
    tier: &str,
    formats: ChartFormats,
) -> Result<Chart, ChartError> {
    let plot = frontier::FrontierPlot {
        points,
        tier: tier.to_string(),
    };
    render(
        formats,
        "frontier",
        "Cost per day against the p95 wait target",
        &plot,
    )
}
