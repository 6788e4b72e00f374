//! Rendering a chart on both backends: the font, the SVG text, the PNG
//! bytes, and where the plots ended up in the picture.

use std::ops::Range;
use std::sync::Once;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::FontStyle;

use super::{Chart, Svg};

/// Pixel size of every chart.
const SIZE: (u32, u32) = (1000, 600);

pub(super) type DrawResult<T = ()> = Result<T, ChartError>;

/// A chart that could not be drawn: plotters' own error, which names the
/// backend's problem (the only one in practice is a font that fails to
/// load).
#[derive(Debug, thiserror::Error)]
#[error("cannot draw the chart: {0}")]
pub struct ChartError(String);

pub(super) fn err<E: std::fmt::Debug>(e: E) -> ChartError {
    ChartError(format!("{e:?}"))
}

/// What a chart is drawn on. Wide lines differ: the SVG backend writes one
/// polyline that the viewer strokes, while the bitmap backend fills a path
/// as one polygon whose joints spike far out of the plot at sharp turns, so
/// on PNG each segment is drawn on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Medium {
    Svg,
    Png,
}

/// A rectangle of the picture, in pixels from its top-left corner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PixelRect {
    /// Columns, left inclusive, right exclusive.
    pub x: Range<i32>,
    /// Rows, top inclusive, bottom exclusive.
    pub y: Range<i32>,
}

impl PixelRect {
    /// The pixel range of a drawing area.
    pub(super) fn of<DB: DrawingBackend, X, Y>(area: &DrawingArea<DB, Cartesian2d<X, Y>>) -> Self
    where
        X: plotters::coord::ranged1d::Ranged,
        Y: plotters::coord::ranged1d::Ranged,
    {
        let (x, y) = area.get_pixel_range();
        PixelRect { x, y }
    }

    /// The pixel range of a plain area.
    pub(super) fn of_area<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>) -> Self {
        let (x, y) = area.get_pixel_range();
        PixelRect { x, y }
    }
}

/// Where a drawing put its plots (series stay inside them) and its keys
/// (legends and colour scales, where series colours appear by design).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(super) struct Layout {
    pub plots: Vec<PixelRect>,
    pub keys: Vec<PixelRect>,
}

/// A chart that can draw itself on any backend.
pub(super) trait Plot {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        medium: Medium,
    ) -> DrawResult<Layout>;
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

/// Which picture formats to draw: a format nobody asked for (`--outputs`)
/// costs nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChartFormats {
    /// SVG (also what `report.html` inlines).
    pub svg: bool,
    /// PNG (what `summary.md` links when written).
    pub png: bool,
}

impl ChartFormats {
    /// Both formats.
    pub const ALL: ChartFormats = ChartFormats {
        svg: true,
        png: true,
    };
}

/// Draws `plot` as SVG and as PNG (those of the formats asked for).
pub(super) fn render(
    formats: ChartFormats,
    name: &str,
    title: &str,
    plot: &(impl Plot + Sync),
) -> DrawResult<Chart> {
    ensure_font();
    let svg = formats.svg.then(|| draw_svg(plot)).transpose()?;
    let png = formats.png.then(|| draw_png(plot)).transpose()?;
    // The layout comes from a drawing: the PNG one when there is one, an
    // SVG one is as good.
    let (png, layout) = match (png, &svg) {
        (Some(png), _) => png,
        (None, Some((_, layout))) => (Vec::new(), layout.clone()),
        (None, None) => (Vec::new(), draw_svg(plot)?.1),
    };
    Ok(Chart {
        name: name.to_string(),
        title: title.to_string(),
        svg: Svg::new(svg.map(|(svg, _)| svg).unwrap_or_default()),
        png,
        plots: layout.plots,
        keys: layout.keys,
    })
}

/// The SVG document of `plot`, and where its plots are.
fn draw_svg(plot: &impl Plot) -> DrawResult<(String, Layout)> {
    let mut svg = String::new();
    let layout = {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let layout = plot.draw(&root, Medium::Svg)?;
        root.present().map_err(err)?;
        layout
    };
    Ok((svg, layout))
}

/// The PNG file of `plot`, and where its plots are.
fn draw_png(plot: &impl Plot) -> DrawResult<(Vec<u8>, Layout)> {
    let mut rgb = vec![0u8; (SIZE.0 * SIZE.1 * 3) as usize];
    let layout = {
        let root = BitMapBackend::with_buffer(&mut rgb, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let layout = plot.draw(&root, Medium::Png)?;
        root.present().map_err(err)?;
        layout
    };
    let mut png = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut png, SIZE.0, SIZE.1);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        // Deflate level 1 with the default filters: on `run
        // scenarios/default.toml` it takes 37 ms of CPU against 60 ms for
        // the default level, for files 1.6 times as large (the `Fast`
        // preset is as quick but makes them 3.3 times as large).
        encoder.set_deflate_compression(png::DeflateCompression::Level(1));
        let mut writer = encoder.write_header().map_err(err)?;
        writer.write_image_data(&rgb).map_err(err)?;
    }
    Ok((png, layout))
}
