//! Drawing shared by the charts: the frame (caption, plots, legend beside
//! them), axes with integer counts and calendar dates, lines clipped to
//! the plot, and the legend.

use std::ops::Range;

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use super::palette;
use super::render::{DrawResult, Medium, PixelRect, err};
use crate::model::Calendar;
use crate::units::{SimTime, TICKS_PER_SECOND};

/// A chart context with numeric axes.
pub(super) type Xy<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// Width of the legend column right of the plots: legends never cover data.
const LEGEND_WIDTH: u32 = 250;

/// The caption, then the plots' area and the legend's column.
pub(super) fn frame<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
) -> DrawResult<(DrawingArea<DB, Shift>, DrawingArea<DB, Shift>)> {
    let body = root
        .margin(8, 8, 8, 8)
        .titled(title, ("sans-serif", 24))
        .map_err(err)?;
    let width = body.dim_in_pixel().0;
    Ok(body.split_horizontally(width.saturating_sub(LEGEND_WIDTH)))
}

/// Small multiples: `n` panels, stacked while they stay tall enough, in
/// two columns beyond.
pub(super) fn panels<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    n: usize,
) -> Vec<DrawingArea<DB, Shift>> {
    let cols = if n > 3 { 2 } else { 1 };
    let mut areas = area.split_evenly((n.div_ceil(cols), cols));
    areas.truncate(n);
    areas
}

/// The upper end of a continuous axis: a little above `max`, never zero.
pub(super) fn top(max: f64) -> f64 {
    if max.is_finite() && max > 0.0 {
        max * 1.08
    } else {
        1.0
    }
}

/// The upper end of a count axis: a whole number a little above `max`.
pub(super) fn count_top(max: f64) -> f64 {
    top(max).ceil()
}

/// How many labels to ask of an axis from 0 to `top` so that plotters picks
/// a whole step (it never asks for more than this many).
pub(super) fn count_labels(top: f64) -> usize {
    (top as usize + 1).clamp(2, 11)
}

/// A whole number as a label; nothing between whole numbers.
pub(super) fn whole(v: &f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{v:.0}")
    } else {
        String::new()
    }
}

/// The calendar date `days` after time 0, as "Tue 7 Jan" (with the time
/// of day when it is not midnight).
pub(super) fn date_label(calendar: &Calendar, days: f64) -> String {
    let t = SimTime((days * 86_400.0 * TICKS_PER_SECOND as f64).round().max(0.0) as u64);
    let at = calendar.datetime(t);
    if at.format("%H:%M").to_string() == "00:00" {
        at.format("%a %-d %b").to_string()
    } else {
        at.format("%a %-d %b %H:%M").to_string()
    }
}

/// The part of segment `a`-`b` inside the window (Liang-Barsky), or `None`.
fn clip_segment(
    a: (f64, f64),
    b: (f64, f64),
    x: &Range<f64>,
    y: &Range<f64>,
) -> Option<((f64, f64), (f64, f64))> {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let (mut t0, mut t1) = (0.0f64, 1.0f64);
    for (p, q) in [
        (-dx, a.0 - x.start),
        (dx, x.end - a.0),
        (-dy, a.1 - y.start),
        (dy, y.end - a.1),
    ] {
        if p == 0.0 {
            if q < 0.0 {
                return None;
            }
        } else {
            let r = q / p;
            if p < 0.0 {
                t0 = t0.max(r);
            } else {
                t1 = t1.min(r);
            }
        }
    }
    (t0 <= t1).then_some((
        (a.0 + t0 * dx, a.1 + t0 * dy),
        (a.0 + t1 * dx, a.1 + t1 * dy),
    ))
}

/// A polyline cut to the window: the pieces inside it. Points that are not
/// finite break the line.
pub(super) fn clip(
    points: impl IntoIterator<Item = (f64, f64)>,
    x: &Range<f64>,
    y: &Range<f64>,
) -> Vec<Vec<(f64, f64)>> {
    let mut pieces: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut last: Option<(f64, f64)> = None;
    for p in points {
        if !(p.0.is_finite() && p.1.is_finite()) {
            last = None;
            continue;
        }
        if let Some(a) = last
            && let Some((from, to)) = clip_segment(a, p, x, y)
        {
            match pieces.last_mut() {
                Some(piece) if piece.last() == Some(&from) => piece.push(to),
                _ => pieces.push(vec![from, to]),
            }
        }
        last = Some(p);
    }
    pieces
}

/// Draws a polyline, clipped to the plot (see `Medium` for why PNG draws
/// segment by segment).
pub(super) fn line<DB: DrawingBackend>(
    chart: &mut Xy<'_, DB>,
    points: impl IntoIterator<Item = (f64, f64)>,
    style: ShapeStyle,
    medium: Medium,
) -> DrawResult {
    let pieces = clip(points, &chart.x_range(), &chart.y_range());
    for piece in pieces {
        match medium {
            Medium::Svg => chart
                .draw_series(std::iter::once(PathElement::new(piece, style)))
                .map_err(err)?,
            Medium::Png => chart
                .draw_series(
                    piece
                        .windows(2)
                        .map(|w| PathElement::new(vec![w[0], w[1]], style)),
                )
                .map_err(err)?,
        };
    }
    Ok(())
}

/// A dashed line from `a` to `b`, clipped to the plot.
pub(super) fn dashed<DB: DrawingBackend>(
    chart: &mut Xy<'_, DB>,
    a: (f64, f64),
    b: (f64, f64),
    style: ShapeStyle,
    medium: Medium,
) -> DrawResult {
    const DASHES: usize = 40;
    for i in (0..2 * DASHES).step_by(2) {
        let at = |k: usize| {
            let f = k as f64 / (2 * DASHES - 1) as f64;
            (a.0 + f * (b.0 - a.0), a.1 + f * (b.1 - a.1))
        };
        line(chart, [at(i), at(i + 1)], style, medium)?;
    }
    Ok(())
}

/// The SLO on the wait axis: a dashed line at `minutes`, from `a` to `b`.
pub(super) fn slo_line<DB: DrawingBackend>(
    chart: &mut Xy<'_, DB>,
    a: (f64, f64),
    b: (f64, f64),
    medium: Medium,
) -> DrawResult {
    dashed(chart, a, b, palette::SLO.stroke_width(2), medium)
}

/// The legend entry for the SLO.
pub(super) fn slo_key(minutes: f64) -> Key {
    Key::new(
        format!("SLO: p95 wait <= {minutes:.1} min"),
        Mark::Dash(palette::SLO),
    )
}

/// On a wait CDF (wait in minutes across, share of runs up to 1): the
/// SLO's wait as a vertical line and the 95% share as a faint one, so a
/// curve meets the objective where it crosses 95% left of the SLO; their
/// legend entries are added to `keys`.
pub(super) fn cdf_objective<DB: DrawingBackend>(
    chart: &mut Xy<'_, DB>,
    slo_minutes: f64,
    keys: &mut Vec<Key>,
    medium: Medium,
) -> DrawResult {
    let xtop = chart.x_range().end;
    slo_line(chart, (slo_minutes, 0.0), (slo_minutes, 1.0), medium)?;
    dashed(
        chart,
        (0.0, 0.95),
        (xtop, 0.95),
        palette::SLO.mix(0.4).stroke_width(1),
        medium,
    )?;
    keys.push(slo_key(slo_minutes));
    keys.push(Key::new("p95: 95% of runs", Mark::Dash(palette::FRONT)));
    Ok(())
}

/// How a legend entry is marked.
#[derive(Debug, Clone, Copy)]
pub(super) enum Mark {
    Line(RGBColor),
    Dash(RGBColor),
    Band(RGBColor),
    Block(RGBColor),
    Dot(RGBColor),
    Ring(RGBColor),
    Above(RGBColor),
}

/// A legend entry.
#[derive(Debug, Clone)]
pub(super) struct Key {
    pub label: String,
    pub mark: Mark,
}

impl Key {
    pub(super) fn new(label: impl Into<String>, mark: Mark) -> Key {
        Key {
            label: label.into(),
            mark,
        }
    }
}

/// Characters per legend line before it wraps.
const LEGEND_CHARS: usize = 27;

fn wrap(label: &str) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for word in label.split(' ') {
        match lines.last_mut() {
            Some(l) if l.len() + 1 + word.len() <= LEGEND_CHARS => {
                l.push(' ');
                l.push_str(word);
            }
            _ => lines.push(word.to_string()),
        }
    }
    lines
}

/// Draws the legend in its column; returns where it went.
pub(super) fn legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    keys: &[Key],
) -> DrawResult<PixelRect> {
    const LINE: i32 = 19;
    let area = area.margin(30, 0, 12, 0);
    let font = ("sans-serif", 15).into_font();
    let mut y = 0;
    for key in keys {
        let mid = y + LINE / 2;
        let mark: Vec<DynElement<'static, DB, (i32, i32)>> = match key.mark {
            Mark::Line(c) => {
                vec![PathElement::new([(0, mid), (24, mid)], c.stroke_width(2)).into_dyn()]
            }
            Mark::Dash(c) => vec![
                PathElement::new([(0, mid), (9, mid)], c.stroke_width(2)).into_dyn(),
                PathElement::new([(15, mid), (24, mid)], c.stroke_width(2)).into_dyn(),
            ],
            Mark::Band(c) => {
                vec![Rectangle::new([(0, mid - 6), (24, mid + 6)], c.mix(0.3).filled()).into_dyn()]
            }
            Mark::Block(c) => {
                vec![Rectangle::new([(4, mid - 7), (20, mid + 7)], c.filled()).into_dyn()]
            }
            Mark::Dot(c) => vec![Circle::new((12, mid), 5, c.filled()).into_dyn()],
            Mark::Ring(c) => vec![Circle::new((12, mid), 9, c.stroke_width(2)).into_dyn()],
            Mark::Above(c) => vec![TriangleMarker::new((12, mid), 7, c.filled()).into_dyn()],
        };
        for m in mark {
            area.draw(&m).map_err(err)?;
        }
        for text in wrap(&key.label) {
            area.draw(&Text::new(text, (32, y + 2), font.clone()))
                .map_err(err)?;
            y += LINE;
        }
        y += 6;
    }
    let mut rect = PixelRect::of_area(&area);
    rect.y.end = rect.y.start + y;
    Ok(rect)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_are_cut_at_the_window() {
        let (x, y) = (0.0..10.0, 0.0..1.0);
        // Up through the top edge and back: two pieces, none above 1.
        let pieces = clip([(0.0, 0.5), (2.0, 3.0), (4.0, 0.5), (5.0, 0.5)], &x, &y);
        assert_eq!(pieces.len(), 2);
        assert!(pieces.iter().flatten().all(|p| p.1 <= 1.0 + 1e-12));
        assert_eq!(pieces[0][0], (0.0, 0.5));
        assert_eq!(pieces[1].last(), Some(&(5.0, 0.5)));
        assert!(clip([(11.0, 0.5), (12.0, 0.5)], &x, &y).is_empty());
    }

    #[test]
    fn count_axes_have_whole_labels() {
        assert_eq!(count_top(0.9), 1.0);
        assert_eq!(count_top(6.7), 8.0);
        assert_eq!(whole(&3.0), "3");
        assert_eq!(whole(&0.5), "");
        assert_eq!(count_labels(8.0), 9);
    }

    #[test]
    fn dates_name_the_weekday() {
        let c = Calendar::new(
            Calendar::default_start(chrono_tz::Tz::UTC),
            chrono_tz::Tz::UTC,
        );
        assert_eq!(date_label(&c, 1.0), "Tue 7 Jan");
        assert_eq!(date_label(&c, 1.5), "Tue 7 Jan 12:00");
    }
}
