//! Charts (plotters), each rendered twice: as SVG text and as a PNG. Text is
//! drawn with a font bundled in the binary (Ubuntu Light, from the
//! `epaint_default_fonts` crate) through plotters' pure-Rust `ab_glyph`
//! path, so nothing depends on the machine's font libraries.

use std::sync::Once;

use plotters::coord::types::RangedCoordf64;
use plotters::coord::{CoordTranslate, Shift};
use plotters::prelude::*;
use plotters::style::FontStyle;

use crate::stats::RunSummary;
use crate::sweep::{Objective, SweepTable, is_condition_axis};
use crate::units::SimTime;

/// Pixel size of every chart.
pub const SIZE: (u32, u32) = (1000, 600);

/// A chart in both formats.
#[derive(Debug, Clone)]
pub struct Chart {
    /// File stem, e.g. `queue`.
    pub name: String,
    /// What it shows, for reports.
    pub title: String,
    /// SVG document.
    pub svg: String,
    /// PNG file bytes.
    pub png: Vec<u8>,
}

type DrawResult = Result<(), String>;

/// A chart that can draw itself on any backend.
trait Plot {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult;
}

fn err<E: std::fmt::Debug>(e: E) -> String {
    format!("cannot draw the chart: {e:?}")
}

/// The SLO as a red line from `ends[0]` to `ends[1]`, with its legend entry.
fn slo_line<'a, DB: DrawingBackend + 'a>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
    ends: [(f64, f64); 2],
    slo_minutes: f64,
) -> DrawResult {
    let red = RGBColor(200, 0, 0);
    chart
        .draw_series(LineSeries::new(ends, red.stroke_width(2)))
        .map_err(err)?
        .label(format!("SLO: p95 wait <= {slo_minutes:.1} min"))
        .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], red.stroke_width(2)));
    Ok(())
}

/// Draws the series legend in the chart's usual style.
fn legend<'a, DB: DrawingBackend + 'a, CT: CoordTranslate>(
    chart: &mut ChartContext<'a, DB, CT>,
    position: SeriesLabelPosition,
) -> DrawResult {
    chart
        .configure_series_labels()
        .position(position)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font(("sans-serif", 16))
        .draw()
        .map_err(err)
}

fn ensure_font() {
    static FONT: Once = Once::new();
    FONT.call_once(|| {
        for style in [FontStyle::Normal, FontStyle::Bold] {
            // The bundled font is a valid TrueType file; if it were not, text
            // would be missing, which the chart tests catch.
            let _ = plotters::style::register_font(
                "sans-serif",
                style,
                epaint_default_fonts::UBUNTU_LIGHT,
            );
        }
    });
}

fn render(name: &str, title: &str, plot: &impl Plot) -> Result<Chart, String> {
    ensure_font();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        plot.draw(&root)?;
        root.present().map_err(err)?;
    }
    let mut rgb = vec![0u8; (SIZE.0 * SIZE.1 * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        plot.draw(&root)?;
        root.present().map_err(err)?;
    }
    let mut png = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut png, SIZE.0, SIZE.1);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().map_err(err)?;
        writer.write_image_data(&rgb).map_err(err)?;
    }
    Ok(Chart {
        name: name.to_string(),
        title: title.to_string(),
        svg,
        png,
    })
}

fn colour(i: usize) -> RGBColor {
    const PALETTE: [RGBColor; 6] = [
        RGBColor(31, 119, 180),
        RGBColor(255, 127, 14),
        RGBColor(44, 160, 44),
        RGBColor(214, 39, 40),
        RGBColor(148, 103, 189),
        RGBColor(140, 86, 75),
    ];
    PALETTE[i % PALETTE.len()]
}

/// The upper end of an axis: a little above `max`, never zero.
fn top(max: f64) -> f64 {
    if max.is_finite() && max > 0.0 {
        max * 1.08
    } else {
        1.0
    }
}

/// A pool's name and its (day, queued, allocated) samples.
type PoolSeries = (String, Vec<(f64, f64, f64)>);

struct QueuePlot {
    pools: Vec<PoolSeries>,
    show_allocated: bool,
}

impl Plot for QueuePlot {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult {
        let days = self
            .pools
            .iter()
            .flat_map(|(_, s)| s.last())
            .map(|p| p.0)
            .fold(0.0, f64::max)
            .max(1e-9);
        let ymax = self
            .pools
            .iter()
            .flat_map(|(_, s)| s.iter())
            .map(|p| p.1.max(if self.show_allocated { p.2 } else { 0.0 }))
            .fold(0.0, f64::max);
        let mut chart = ChartBuilder::on(root)
            .caption(
                "Queue length over time (mean over replications)",
                ("sans-serif", 26),
            )
            .margin(15)
            .x_label_area_size(50)
            .y_label_area_size(70)
            .build_cartesian_2d(0.0..days, 0.0..top(ymax))
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc("simulated time (days)")
            .y_desc(if self.show_allocated {
                "queued runs / allocated instances"
            } else {
                "queued runs"
            })
            .label_style(("sans-serif", 16))
            .draw()
            .map_err(err)?;
        for (i, (name, samples)) in self.pools.iter().enumerate() {
            let c = colour(i);
            chart
                .draw_series(LineSeries::new(
                    samples.iter().map(|p| (p.0, p.1)),
                    c.stroke_width(2),
                ))
                .map_err(err)?
                .label(format!("{name}: queued runs"))
                .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], c.stroke_width(2)));
            if self.show_allocated {
                let light = c.mix(0.5);
                chart
                    .draw_series(LineSeries::new(
                        samples.iter().map(|p| (p.0, p.2)),
                        light.stroke_width(1),
                    ))
                    .map_err(err)?
                    .label(format!("{name}: allocated instances"))
                    .legend(move |(x, y)| {
                        PathElement::new([(x, y), (x + 20, y)], light.stroke_width(1))
                    });
            }
        }
        legend(&mut chart, SeriesLabelPosition::MiddleRight)
    }
}

struct CdfPlot {
    /// Per workload: name, (wait minutes, share).
    workloads: Vec<(String, Vec<(f64, f64)>)>,
    slo_minutes: Option<f64>,
}

impl Plot for CdfPlot {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult {
        // Up to the 99.5th percentile, so one extreme wait does not flatten
        // the curve, but never hiding the SLO line.
        let xmax = self
            .workloads
            .iter()
            .filter_map(|(_, c)| c.iter().find(|p| p.1 >= 0.995).or(c.last()))
            .map(|p| p.0)
            .fold(self.slo_minutes.unwrap_or(0.0), f64::max);
        let mut chart = ChartBuilder::on(root)
            .caption(
                "Wait before a run starts: cumulative share of runs",
                ("sans-serif", 26),
            )
            .margin(15)
            .x_label_area_size(50)
            .y_label_area_size(70)
            .build_cartesian_2d(0.0..top(xmax), 0.0..1.0)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc("wait (minutes)")
            .y_desc("share of runs that waited at most this long")
            .y_label_formatter(&|y| format!("{:.0}%", y * 100.0))
            .label_style(("sans-serif", 16))
            .draw()
            .map_err(err)?;
        for (i, (name, cdf)) in self.workloads.iter().enumerate() {
            let c = colour(i);
            chart
                .draw_series(LineSeries::new(cdf.iter().copied(), c.stroke_width(2)))
                .map_err(err)?
                .label(name.clone())
                .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], c.stroke_width(2)));
        }
        if let Some(slo) = self.slo_minutes {
            slo_line(&mut chart, [(slo, 0.0), (slo, 1.0)], slo)?;
            let red = RGBColor(200, 0, 0);
            chart
                .draw_series(LineSeries::new(
                    [(0.0, 0.95), (top(xmax), 0.95)],
                    red.mix(0.4).stroke_width(1),
                ))
                .map_err(err)?;
        }
        legend(&mut chart, SeriesLabelPosition::LowerRight)
    }
}

const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

struct HeatPlot {
    pool: String,
    /// Mean utilisation by [weekday][hour], NaN where never allocated.
    cells: [[f64; 24]; 7],
}

impl Plot for HeatPlot {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult {
        let (main, legend) = root.split_horizontally(880);
        let mut chart = ChartBuilder::on(&main)
            .caption(
                format!("Utilisation of {} by hour of week (UTC)", self.pool),
                ("sans-serif", 26),
            )
            .margin(15)
            .x_label_area_size(50)
            .y_label_area_size(60)
            .build_cartesian_2d(0..24, (0..6).into_segmented())
            .map_err(err)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_desc("hour of day (UTC); grey: no instance allocated")
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
        let shade = |u: f64| {
            if u.is_nan() {
                RGBColor(235, 235, 235)
            } else {
                let u = u.clamp(0.0, 1.0);
                RGBColor(
                    (255.0 - 225.0 * u) as u8,
                    (255.0 - 150.0 * u) as u8,
                    (255.0 - 75.0 * u) as u8,
                )
            }
        };
        chart
            .draw_series((0..7).flat_map(|d| {
                (0..24).map(move |h| {
                    // Monday on top: row 6 is Monday.
                    let row = 6 - d as i32;
                    Rectangle::new(
                        [
                            (h as i32, SegmentValue::Exact(row)),
                            (h as i32 + 1, SegmentValue::Exact(row + 1)),
                        ],
                        shade(self.cells[d][h]).filled(),
                    )
                })
            }))
            .map_err(err)?;
        // Colour scale.
        let steps = 10;
        let bar = legend.margin(80, 80, 10, 40);
        let (w, h) = bar.dim_in_pixel();
        for i in 0..steps {
            let u = f64::from(i) / f64::from(steps - 1);
            let y0 = (h as f64 * (1.0 - (f64::from(i) + 1.0) / f64::from(steps))) as i32;
            let y1 = (h as f64 * (1.0 - f64::from(i) / f64::from(steps))) as i32;
            bar.draw(&Rectangle::new(
                [(0, y0), (w as i32 / 3, y1)],
                shade(u).filled(),
            ))
            .map_err(err)?;
        }
        let text = ("sans-serif", 15).into_font();
        bar.draw(&Text::new("100%", (w as i32 / 3 + 4, 0), text.clone()))
            .map_err(err)?;
        bar.draw(&Text::new(
            "0%",
            (w as i32 / 3 + 4, h as i32 - 15),
            text.clone(),
        ))
        .map_err(err)?;
        bar.draw(&Text::new("busy", (0, h as i32 + 8), text))
            .map_err(err)?;
        Ok(())
    }
}

struct CostPlot {
    /// Per day of the observed window: cost per payer (USD), in order.
    days: Vec<Vec<f64>>,
    /// The simulated day (from 1) of the first entry.
    first_day: u32,
    pools: Vec<String>,
}

impl Plot for CostPlot {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult {
        let ymax = self
            .days
            .iter()
            .map(|d| d.iter().sum::<f64>())
            .fold(0.0, f64::max);
        let n = self.days.len().max(1) as u32;
        let mut chart = ChartBuilder::on(root)
            .caption(
                "Pool cost per simulated day, by pool (mean over replications)",
                ("sans-serif", 26),
            )
            .margin(15)
            .x_label_area_size(50)
            .y_label_area_size(80)
            // Headroom above the bars for the legend.
            .build_cartesian_2d((1..n).into_segmented(), 0.0..top(ymax) * 1.25)
            .map_err(err)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_desc("simulated day")
            .y_desc("cost (USD)")
            .x_labels(n.min(31) as usize)
            .x_label_formatter(&|v| match v {
                SegmentValue::CenterOf(d) => (d + self.first_day - 1).to_string(),
                _ => String::new(),
            })
            .label_style(("sans-serif", 16))
            .draw()
            .map_err(err)?;
        for (p, name) in self.pools.iter().enumerate() {
            let c = colour(p);
            let below = move |day: &SegmentValue<u32>| -> f64 {
                match day {
                    SegmentValue::Exact(d) | SegmentValue::CenterOf(d) => self
                        .days
                        .get(*d as usize - 1)
                        .map_or(0.0, |c| c[..p].iter().sum()),
                    SegmentValue::Last => 0.0,
                }
            };
            chart
                .draw_series(
                    Histogram::vertical(&chart)
                        .style(c.filled())
                        .margin(8)
                        .baseline_func(below)
                        .data(
                            self.days
                                .iter()
                                .enumerate()
                                .map(|(d, costs)| (d as u32 + 1, costs[..=p].iter().sum::<f64>())),
                        ),
                )
                .map_err(err)?
                .label(name.clone())
                .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 14, y + 6)], c.filled()));
        }
        legend(&mut chart, SeriesLabelPosition::MiddleRight)
    }
}

/// The charts of a run: queue length, wait CDF, utilisation heat map per
/// pool, cost per day.
pub fn run_charts(run: &RunSummary) -> Result<Vec<Chart>, String> {
    let mut charts = Vec::new();
    let step = run.series.interval;
    let at = |k: usize| SimTime(step.0 * k as u64);
    if !run.pools.is_empty() {
        let pools = run
            .pools
            .iter()
            .zip(&run.series.pools)
            .map(|(p, s)| {
                (
                    p.name.clone(),
                    s.iter()
                        .enumerate()
                        .map(|(k, l)| (at(k).as_secs_f64() / 86_400.0, l[0], l[2]))
                        .collect(),
                )
            })
            .collect();
        let show_allocated = run.pools.iter().any(|p| p.scales);
        charts.push(render(
            "queue",
            "Queue length over time",
            &QueuePlot {
                pools,
                show_allocated,
            },
        )?);
    }
    let workloads = run
        .workloads
        .iter()
        .zip(run.wait_cdf())
        .filter(|(_, c)| !c.is_empty())
        .map(|(w, c)| {
            (
                w.name.clone(),
                c.iter().map(|(s, q)| (s / 60.0, *q)).collect(),
            )
        })
        .collect();
    let slo_minutes = run
        .context
        .objectives
        .wait_p95
        .map(|d| d.as_secs_f64() / 60.0);
    charts.push(render(
        "wait_cdf",
        "Wait-time CDF per workload",
        &CdfPlot {
            workloads,
            slo_minutes,
        },
    )?);
    let calendar = run.context.calendar;
    for (p, series) in run.pools.iter().zip(&run.series.pools) {
        let (mut busy, mut alloc) = ([[0.0f64; 24]; 7], [[0.0f64; 24]; 7]);
        for (k, l) in series.iter().enumerate() {
            let (d, h) = calendar.weekday_hour(at(k));
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
        let name = format!("utilisation-{}", p.name);
        charts.push(render(
            &name,
            &format!("Utilisation of {} by hour of week", p.name),
            &HeatPlot {
                pool: p.name.clone(),
                cells,
            },
        )?);
    }
    if !run.cost_by_day.usd.is_empty() {
        // Tallied by the simulation over the observed window: the bars add
        // up to the reported cost.
        let c = &run.cost_by_day;
        let pools = c
            .payers
            .iter()
            .map(|name| match run.pools.iter().find(|p| &p.name == name) {
                Some(p) => format!("{} ({})", p.name, p.tier),
                None => "default compute".into(),
            })
            .collect();
        charts.push(render(
            "cost",
            "Cost per day by pool",
            &CostPlot {
                days: c.usd.clone(),
                first_day: c.first_day as u32 + 1,
                pools,
            },
        )?);
    }
    Ok(charts)
}

struct FrontPlot {
    /// (cost, p95 wait minutes, on the front, recommended) per feasible point.
    points: Vec<(f64, f64, bool, bool)>,
    slo_minutes: Option<f64>,
    cost_label: &'static str,
}

impl Plot for FrontPlot {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult {
        let finite = |x: &f64| x.is_finite();
        let xmax = self
            .points
            .iter()
            .map(|p| p.0)
            .filter(finite)
            .fold(0.0, f64::max);
        let ymax = self
            .points
            .iter()
            .map(|p| p.1)
            .filter(finite)
            .fold(self.slo_minutes.unwrap_or(0.0), f64::max);
        // Waits of overloaded points run to days: cap the axis at 4x the SLO
        // (or the largest wait) and pin taller points to the top edge.
        let ycap = self
            .slo_minutes
            .map_or(ymax, |s| ymax.min(4.0 * s.max(1.0)));
        let mut chart = ChartBuilder::on(root)
            .caption("Sweep: cost versus p95 wait", ("sans-serif", 26))
            .margin(15)
            .x_label_area_size(50)
            .y_label_area_size(70)
            .build_cartesian_2d(0.0..top(xmax), 0.0..top(ycap))
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc(self.cost_label)
            .y_desc("p95 wait (min, mean over replications; higher ones at the top edge)")
            .label_style(("sans-serif", 16))
            .draw()
            .map_err(err)?;
        let clip = |y: f64| y.min(top(ycap));
        let grey = RGBColor(120, 120, 120);
        chart
            .draw_series(
                self.points
                    .iter()
                    .map(|p| Circle::new((p.0, clip(p.1)), 4, grey.filled())),
            )
            .map_err(err)?
            .label("configuration")
            .legend(move |(x, y)| Circle::new((x + 10, y), 4, grey.filled()));
        let mut front: Vec<(f64, f64)> = self
            .points
            .iter()
            .filter(|p| p.2)
            .map(|p| (p.0, clip(p.1)))
            .collect();
        front.sort_by(|a, b| a.0.total_cmp(&b.0));
        let blue = colour(0);
        chart
            .draw_series(LineSeries::new(front.clone(), blue.stroke_width(2)))
            .map_err(err)?
            .label("Pareto front")
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], blue.stroke_width(2)));
        chart
            .draw_series(front.iter().map(|p| Circle::new(*p, 5, blue.filled())))
            .map_err(err)?;
        if let Some(slo) = self.slo_minutes {
            slo_line(&mut chart, [(0.0, slo), (top(xmax), slo)], slo)?;
        }
        let green = RGBColor(0, 150, 0);
        chart
            .draw_series(
                self.points
                    .iter()
                    .filter(|p| p.3)
                    .map(|p| TriangleMarker::new((p.0, clip(p.1)), 12, green.filled())),
            )
            .map_err(err)?
            .label("recommended")
            .legend(move |(x, y)| TriangleMarker::new((x + 10, y), 8, green.filled()));
        legend(&mut chart, SeriesLabelPosition::MiddleRight)
    }
}

struct CountPlot {
    /// Per tier (or other series): name, (count, p95 wait minutes).
    lines: Vec<(String, Vec<(f64, f64)>)>,
    slo_minutes: Option<f64>,
}

impl Plot for CountPlot {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult {
        let xmax = self
            .lines
            .iter()
            .flat_map(|(_, l)| l.iter())
            .map(|p| p.0)
            .fold(1.0, f64::max);
        let ymax = self
            .lines
            .iter()
            .flat_map(|(_, l)| l.iter())
            .map(|p| p.1)
            .filter(|y| y.is_finite())
            .fold(self.slo_minutes.unwrap_or(0.0), f64::max);
        let ycap = self
            .slo_minutes
            .map_or(ymax, |s| ymax.min(4.0 * s.max(1.0)));
        let mut chart = ChartBuilder::on(root)
            .caption(
                "Sweep: p95 wait versus instance count, per tier",
                ("sans-serif", 26),
            )
            .margin(15)
            .x_label_area_size(50)
            .y_label_area_size(70)
            .build_cartesian_2d(0.0..xmax + 1.0, 0.0..top(ycap))
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc("instances")
            .y_desc("p95 wait (min; higher ones drawn at the top edge)")
            .label_style(("sans-serif", 16))
            .draw()
            .map_err(err)?;
        let clip = |y: f64| y.min(top(ycap));
        for (i, (name, line)) in self.lines.iter().enumerate() {
            let c = colour(i);
            let pts: Vec<(f64, f64)> = line.iter().map(|p| (p.0, clip(p.1))).collect();
            chart
                .draw_series(LineSeries::new(pts.clone(), c.stroke_width(2)))
                .map_err(err)?
                .label(name.clone())
                .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], c.stroke_width(2)));
            chart
                .draw_series(pts.iter().map(|p| Circle::new(*p, 4, c.filled())))
                .map_err(err)?;
        }
        if let Some(slo) = self.slo_minutes {
            slo_line(&mut chart, [(0.0, slo), (xmax + 1.0, slo)], slo)?;
        }
        legend(&mut chart, SeriesLabelPosition::MiddleRight)
    }
}

/// The charts of a sweep: cost versus p95 wait with the Pareto front, the
/// SLO and the recommendation; and p95 wait versus count per tier when the
/// sweep has a count axis. Only the first condition is drawn.
pub fn sweep_charts(table: &SweepTable, obj: &Objective) -> Result<Vec<Chart>, String> {
    let groups = table.by_condition();
    let Some((_, rows)) = groups.first() else {
        return Ok(Vec::new());
    };
    let front: Vec<usize> = table.pareto(obj).iter().map(|r| r.point).collect();
    let best = table
        .recommend(obj)
        .first()
        .and_then(|r| r.best)
        .map(|r| r.point);
    let points = rows
        .iter()
        .filter(|r| r.feasible)
        .map(|r| {
            (
                table.cost(r, obj),
                table.wait_p95(r) / 60.0,
                front.contains(&r.point),
                Some(r.point) == best,
            )
        })
        .collect();
    let slo_minutes = obj.slo.wait_p95.map(|d| d.as_secs_f64() / 60.0);
    let cost_label = if obj.with_waiting_cost {
        "compute plus waiting cost (USD)"
    } else {
        "compute cost (USD)"
    };
    let mut charts = vec![render(
        "sweep_cost_wait",
        "Cost versus p95 wait",
        &FrontPlot {
            points,
            slo_minutes,
            cost_label,
        },
    )?];
    let count_axis = table
        .axes
        .iter()
        .position(|a| a.ends_with(".count") && !is_condition_axis(a));
    if let Some(ci) = count_axis {
        let tier_axis = table.axes.iter().position(|a| a.ends_with(".tier"));
        let mut lines: Vec<(String, Vec<(f64, f64)>)> = Vec::new();
        for r in rows.iter().filter(|r| r.feasible) {
            let series = tier_axis.map_or_else(|| "all".to_string(), |t| r.params[t].clone());
            let x: f64 = r.params[ci].parse().unwrap_or(f64::NAN);
            let y = table.wait_p95(r) / 60.0;
            match lines.iter_mut().find(|(n, _)| *n == series) {
                Some((_, l)) => l.push((x, y)),
                None => lines.push((series, vec![(x, y)])),
            }
        }
        for (_, l) in &mut lines {
            l.sort_by(|a, b| a.0.total_cmp(&b.0));
        }
        charts.push(render(
            "sweep_wait_count",
            "p95 wait versus instance count",
            &CountPlot { lines, slo_minutes },
        )?);
    }
    Ok(charts)
}
