//! Figures: every chart of a results folder rendered with plotters to SVG (text as `<text>`) and PNG.
//!
//! Style lives here and nowhere else: text sizes, line colours, and (in [`palette`]) the colours keyed by
//! batch size, the same in every figure. Sizes are SVG units of a 960-wide figure and scale with
//! `plots.width`, so text prints at about 10 pt whatever the width when a figure spans a page. Text uses
//! the bundled DejaVu Sans through plotters' pure-Rust ab_glyph renderer, so no system font is needed.
//! Charts draw through [`frame`] (axes, clipping) and [`legend`]; [`select`] decides which runs a chart
//! shows. Each chart file adds its figure, or says why it has none, and never touches the file system
//! (`records` writes the files).

mod arrows;
mod axis;
mod band;
mod by_batch;
mod captions;
mod clip;
mod contour;
mod convergence_epoch;
mod convergence_iteration;
mod convergence_time;
mod draw;
mod frame;
mod generalisation;
mod gradient_noise;
mod keys;
mod landscape;
mod layout;
mod legend;
mod memory;
mod noise_cosine;
mod noise_scale_curvature;
mod output;
pub mod palette;
mod select;
pub mod series;
mod sharpness;
mod sharpness_batch;
mod sharpness_gap;
mod steps_to_target;
mod steps_vs_examples;
mod ticks;
mod time_to_target;
mod xy;

pub use captions::{band_name, failed_note, rates_shown, repeats_note};
pub use palette::Palette;
pub use select::{Config, configs};

use crate::analysis::Analysis;
use crate::error::{Error, Result};
use crate::records::Results;
use crate::spec::{Format, PlotsSpec};
use plotters::prelude::*;

/// Font family name the bundled font is registered under (also written into the SVGs).
pub const FONT: &str = "sans-serif";

/// Title size, SVG units (the em of the text at a 960-wide figure).
pub const TITLE_SIZE: f64 = 22.0;
/// Axis description size.
pub const LABEL_SIZE: f64 = 20.0;
/// Tick label size.
pub const TICK_SIZE: f64 = 19.0;
/// Legend text size.
pub const LEGEND_SIZE: f64 = 19.0;
/// Width the sizes above are given for.
const REFERENCE_WIDTH: f64 = 960.0;
/// plotters sizes text by the height from ascent to descent and writes font-size = size / 1.24 into SVGs;
/// sizes here are ems, so they are multiplied by this before reaching plotters.
const PLOTTERS_EM: f64 = 1.24;

/// Text and axis colour.
pub const INK: RGBColor = RGBColor(40, 40, 40);
/// Grid line colour.
pub const GRID: RGBColor = RGBColor(228, 228, 228);
/// Guide lines (perfect scaling, asymptotes, the diagonal) and the spread swatch.
pub const GUIDE: RGBColor = RGBColor(150, 150, 150);
/// Fitted curves: a colour no batch size has.
pub const FIT: RGBColor = RGBColor(128, 128, 0);

/// One rendered chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    /// File stem under figures/.
    pub name: String,
    /// One paragraph for the report.
    pub caption: String,
    /// The SVG document (always rendered: the HTML report inlines it).
    pub svg: String,
    /// The PNG file, when PNG is among the formats.
    pub png: Option<Vec<u8>>,
}

/// Every figure of a results folder, and the charts left out with the reason.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Rendered {
    /// Figures in report order.
    pub figures: Vec<Figure>,
    /// (figure name, why it was not drawn).
    pub skipped: Vec<(String, String)>,
}

impl Rendered {
    /// Records that `name` was not drawn, and why.
    pub fn skip(&mut self, name: &str, reason: impl Into<String>) {
        self.skipped.push((name.to_string(), reason.into()));
    }
}

/// Sizes for one output.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    /// Backend pixels per SVG unit: 1 for SVG, dpi / 100 for PNG.
    pub scale: f64,
    /// The figure width over the reference width: every size scales with it.
    pub unit: f64,
}

impl Style {
    /// `v` SVG units (at the reference width) in backend pixels.
    pub fn px(&self, v: f64) -> f64 {
        v * self.unit * self.scale
    }
    /// The height of a line of text of `size` units, pixels.
    pub fn line(&self, size: f64) -> f64 {
        self.px(size * 1.2)
    }
    /// A line width of `v` units, at least one pixel.
    pub fn stroke(&self, v: f64) -> u32 {
        self.px(v).round().max(1.0) as u32
    }
    /// The bundled font with an em of `size` units.
    pub fn font(&self, size: f64) -> TextStyle<'static> {
        (FONT, self.px(size * PLOTTERS_EM)).into_font().color(&INK)
    }
}

/// What a chart draws, whatever the backend.
pub trait Chart {
    /// Draws onto `root` (already filled white).
    fn draw<DB: DrawingBackend>(&self, root: &draw::Area<DB>, s: &Style) -> DrawResult;
    /// The canvas height for the spec's `width` and `height`; small multiples grow with their panels.
    fn height(&self, _width: u32, height: u32) -> u32 {
        height
    }
    /// The legend, when the canvas should grow by the rows it takes under the plot.
    fn legend(&self) -> Option<&legend::Legend> {
        None
    }
}

/// Drawing errors, as text.
pub type DrawResult = std::result::Result<(), String>;

/// Turns any plotters error into text.
pub fn fail<E: std::fmt::Display>(e: E) -> String {
    e.to_string()
}

/// What every chart needs: the records, the settings, the analysis and the palette.
pub struct Context<'a> {
    /// The results folder.
    pub results: &'a Results,
    /// The `[plots]` settings.
    pub plots: &'a PlotsSpec,
    /// The trade-off analysis (chosen learning rates, failed runs, the target).
    pub analysis: &'a Analysis,
    /// Colours of the batch sizes.
    pub palette: Palette,
}

impl Context<'_> {
    /// Renders `chart` to SVG, and to PNG when asked for.
    pub fn figure(&self, name: &str, caption: String, chart: &impl Chart) -> Result<Figure> {
        let width = self.plots.width;
        let unit = f64::from(width) / REFERENCE_WIDTH;
        let mut height = chart.height(width, self.plots.height);
        if let Some(legend) = chart.legend() {
            // A legend under the plot adds its rows to the canvas instead of taking them from the plot.
            let canvas = clip::Rect { x0: 0.0, y0: 0.0, x1: f64::from(width), y1: f64::from(height) };
            let placed = legend.place(canvas, &Style { scale: 1.0, unit });
            if !placed.right {
                height += placed.size.ceil() as u32;
            }
        }
        let size = (width, height);
        let at = |e: String| Error::records(self.results.dir.join("figures").join(name), e);
        let svg = output::svg(chart, size, unit).map_err(at)?;
        let png = if self.plots.formats.contains(&Format::Png) {
            Some(output::png(chart, size, unit, f64::from(self.plots.dpi) / 100.0).map_err(at)?)
        } else {
            None
        };
        Ok(Figure { name: name.to_string(), caption, svg, png })
    }

    /// The loss the task trains on, for axis descriptions: "cross-entropy" or "mean squared error".
    pub fn loss_name(&self) -> &'static str {
        match self.results.settings.data.task {
            crate::spec::Task::Classification => "cross-entropy",
            crate::spec::Task::Regression => "mean squared error",
        }
    }

    /// ", log" when loss axes are logarithmic.
    pub fn log_note(&self) -> &'static str {
        if self.plots.log_y { ", log" } else { "" }
    }
}

/// Every figure the records allow, in report order, and the charts left out with the reason.
pub fn render(results: &Results, plots: &PlotsSpec, analysis: &Analysis) -> Result<Rendered> {
    output::register_font();
    let ctx = Context { results, plots, analysis, palette: palette_of(results) };
    let mut out = Rendered::default();
    convergence_epoch::add(&ctx, &mut out)?;
    convergence_iteration::add(&ctx, &mut out)?;
    convergence_time::add(&ctx, &mut out)?;
    noise_cosine::add(&ctx, &mut out)?;
    gradient_noise::add(&ctx, &mut out)?;
    landscape::add(&ctx, &mut out)?;
    steps_to_target::add(&ctx, &mut out)?;
    steps_vs_examples::add(&ctx, &mut out)?;
    time_to_target::add(&ctx, &mut out)?;
    memory::add(&ctx, &mut out)?;
    generalisation::add(&ctx, &mut out)?;
    sharpness::add(&ctx, &mut out)?;
    sharpness_batch::add(&ctx, &mut out)?;
    sharpness_gap::add(&ctx, &mut out)?;
    noise_scale_curvature::add(&ctx, &mut out)?;
    Ok(out)
}

/// The palette of a results folder: its batch sizes and every probed batch size.
pub fn palette_of(results: &Results) -> Palette {
    let summaries = results.runs.iter().map(|r| r.summary());
    let full = summaries.clone().find(|s| s.batch_label == "full").map(|s| s.batch_size);
    let probed = results.runs.iter().filter_map(|r| r.noise.as_ref()).flatten().map(|n| n.probe_batch_size);
    Palette::new(summaries.map(|s| s.batch_size).chain(probed), full)
}
