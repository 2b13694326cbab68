//! Figures: every chart of a results folder rendered with plotters to SVG (text as `<text>`) and PNG.
//!
//! Style lives here and nowhere else: sizes, fonts, the palette keyed by batch size (the same colour for a
//! batch size in every figure). Text uses the bundled DejaVu Sans through plotters' pure-Rust ab_glyph
//! renderer, so no system font or fontconfig is needed. One file per chart; each returns [`Figure`]s and
//! never touches the file system (`records` writes them).

mod by_batch;
mod contour;
mod convergence_epoch;
mod convergence_iteration;
mod convergence_time;
mod frame;
mod generalisation;
mod gradient_noise;
mod landscape;
mod memory;
pub mod series;
mod steps_to_target;
mod steps_vs_examples;
mod time_to_target;
mod xy;

use crate::analysis::Analysis;
use crate::error::{Error, Result};
use crate::records::Results;
use crate::spec::{Format, PlotsSpec};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::sync::Once;

/// Font family name the bundled font is registered under (also written into the SVGs).
pub const FONT: &str = "sans-serif";
/// DejaVu Sans, licence in assets/fonts/.
static FONT_BYTES: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// Title size, in SVG units (scaled for PNGs).
pub const TITLE_SIZE: f64 = 21.0;
/// Axis description size.
pub const LABEL_SIZE: f64 = 17.0;
/// Tick label size.
pub const TICK_SIZE: f64 = 14.0;
/// Legend text size.
pub const LEGEND_SIZE: f64 = 15.0;
/// Width of the legend column right of the plot.
pub const LEGEND_WIDTH: f64 = 200.0;
/// Text and axis colour.
pub const INK: RGBColor = RGBColor(40, 40, 40);
/// Grid line colour.
pub const GRID: RGBColor = RGBColor(225, 225, 225);
/// Legend swatch of the spread bands.
pub const BAND_KEY: RGBColor = RGBColor(120, 120, 120);
/// Colours of the batch sizes, smallest first; the full batch is always [`FULL_BATCH`].
pub const BATCH_COLOURS: [RGBColor; 8] = [
    RGBColor(214, 39, 40),   // red
    RGBColor(255, 127, 14),  // orange
    RGBColor(44, 160, 44),   // green
    RGBColor(23, 190, 207),  // teal
    RGBColor(31, 119, 180),  // blue
    RGBColor(148, 103, 189), // purple
    RGBColor(140, 86, 75),   // brown
    RGBColor(227, 119, 194), // pink
];
/// Colour of the full batch.
pub const FULL_BATCH: RGBColor = RGBColor(30, 30, 30);
/// The fitted curve of the trade-off charts.
pub const FIT: RGBColor = RGBColor(214, 39, 40);
/// Series that are not batch sizes (checkpoint epochs), light to dark.
pub const EPOCH_COLOURS: [RGBColor; 3] =
    [RGBColor(158, 202, 225), RGBColor(66, 146, 198), RGBColor(8, 48, 107)];

/// `colour` blended with white, `weight` of it kept: an opaque stand-in for transparency (the bitmap
/// backend's blended lines of steep segments can overshoot the plot area).
pub fn tint(colour: RGBColor, weight: f64) -> RGBColor {
    let mix = |c: u8| (f64::from(c) * weight + 255.0 * (1.0 - weight)).round() as u8;
    RGBColor(mix(colour.0), mix(colour.1), mix(colour.2))
}

/// One rendered chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    /// File stem under figures/.
    pub name: String,
    /// One line for the report.
    pub caption: String,
    /// The SVG document (always rendered: the HTML report inlines it).
    pub svg: String,
    /// The PNG file, when PNG is among the formats.
    pub png: Option<Vec<u8>>,
}

/// Sizes for one output: 1 for SVG, dpi / 100 for PNG.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    /// Pixels per SVG unit.
    pub scale: f64,
}

impl Style {
    /// `v` SVG units in pixels.
    pub fn px(&self, v: impl Into<f64>) -> i32 {
        let v: f64 = v.into();
        (v * self.scale).round() as i32
    }
    /// A line width of `v` SVG units.
    pub fn stroke(&self, v: f64) -> u32 {
        (v * self.scale).round().max(1.0) as u32
    }
    /// The bundled font at `size` SVG units.
    pub fn font(&self, size: f64) -> TextStyle<'static> {
        (FONT, size * self.scale).into_font().color(&INK)
    }
}

/// Colours keyed by batch size, ordered by batch size.
pub struct Palette {
    sizes: Vec<usize>,
    full: Option<usize>,
}

impl Palette {
    /// The colour of `batch_size`.
    pub fn colour(&self, batch_size: usize) -> RGBColor {
        if Some(batch_size) == self.full {
            return FULL_BATCH;
        }
        let rank = self.sizes.iter().position(|&b| b == batch_size).unwrap_or(self.sizes.len());
        BATCH_COLOURS[rank % BATCH_COLOURS.len()]
    }
}

/// The palette of a results folder: its batch sizes in increasing order.
pub fn palette(results: &Results) -> Palette {
    let full =
        results.runs.iter().find(|r| r.summary().batch_label == "full").map(|r| r.summary().batch_size);
    let mut sizes: Vec<usize> =
        results.runs.iter().map(|r| r.summary().batch_size).filter(|&b| Some(b) != full).collect();
    sizes.sort_unstable();
    sizes.dedup();
    Palette { sizes, full }
}

/// What a chart draws, whatever the backend.
pub trait Chart {
    /// Draws onto `root` (already filled white).
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, s: &Style) -> DrawResult;
}

/// Drawing errors, as text.
pub type DrawResult = std::result::Result<(), String>;

/// Turns any plotters error into text.
pub fn fail<E: std::fmt::Display>(e: E) -> String {
    e.to_string()
}

/// What every chart needs: the records, the settings and the palette.
pub struct Context<'a> {
    /// The results folder.
    pub results: &'a Results,
    /// The `[plots]` settings.
    pub plots: &'a PlotsSpec,
}

impl Context<'_> {
    /// Renders `chart` to SVG, and to PNG when asked for.
    pub fn figure(&self, name: &str, caption: String, chart: &impl Chart) -> Result<Figure> {
        let (w, h) = (self.plots.width.max(200), self.plots.height.max(150));
        let at = |e: String| Error::records(self.results.dir.join("figures").join(name), e);
        let svg = render_svg(chart, (w, h)).map_err(at)?;
        let png = if self.plots.formats.contains(&Format::Png) {
            Some(render_png(chart, (w, h), f64::from(self.plots.dpi.max(50)) / 100.0).map_err(at)?)
        } else {
            None
        };
        Ok(Figure { name: name.to_string(), caption, svg, png })
    }
}

/// Every figure the records allow, in report order; charts without data are skipped.
pub fn render(results: &Results, plots: &PlotsSpec, analysis: &Analysis) -> Result<Vec<Figure>> {
    register_font();
    let ctx = Context { results, plots };
    let mut figures = Vec::new();
    figures.extend(convergence_epoch::figures(&ctx)?);
    figures.extend(convergence_iteration::figures(&ctx)?);
    figures.extend(convergence_time::figures(&ctx)?);
    figures.extend(gradient_noise::figures(&ctx)?);
    figures.extend(landscape::figures(&ctx)?);
    figures.extend(steps_to_target::figures(&ctx, analysis)?);
    figures.extend(steps_vs_examples::figures(&ctx, analysis)?);
    figures.extend(time_to_target::figures(&ctx, analysis)?);
    figures.extend(memory::figures(&ctx, analysis)?);
    figures.extend(generalisation::figures(&ctx, analysis)?);
    Ok(figures)
}

/// Registers the bundled font with plotters, once.
pub fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The bytes are a valid TrueType file compiled in; a failure would show as missing text.
        let _ = plotters::style::register_font(FONT, FontStyle::Normal, FONT_BYTES);
    });
}

fn render_svg(chart: &impl Chart, size: (u32, u32)) -> std::result::Result<String, String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE).map_err(fail)?;
        chart.draw(&root, &Style { scale: 1.0 })?;
        root.present().map_err(fail)?;
    }
    Ok(svg)
}

fn render_png(chart: &impl Chart, size: (u32, u32), scale: f64) -> std::result::Result<Vec<u8>, String> {
    let (w, h) = ((f64::from(size.0) * scale) as u32, (f64::from(size.1) * scale) as u32);
    let mut rgb = vec![0u8; w as usize * h as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area();
        root.fill(&WHITE).map_err(fail)?;
        chart.draw(&root, &Style { scale })?;
        root.present().map_err(fail)?;
    }
    let mut png = Vec::new();
    let mut encoder = png::Encoder::new(&mut png, w, h);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(fail)?;
    writer.write_image_data(&rgb).map_err(fail)?;
    writer.finish().map_err(fail)?;
    Ok(png)
}
