//! The frame every chart shares: a title, the plot area, a legend column on the right (so the legend never
//! covers a line), styled axes, and the mean-with-band line chart used by the convergence figures.

use super::series::Spread;
use super::{
    DrawResult, GRID, INK, LABEL_SIZE, LEGEND_SIZE, LEGEND_WIDTH, Style, TICK_SIZE, TITLE_SIZE, fail,
};
use plotters::coord::Shift;
use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::prelude::*;
use std::ops::Range;

/// How a legend entry is drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Mark {
    /// A solid line.
    Line,
    /// A dashed line.
    Dashed,
    /// A faint thin line.
    Faint,
    /// A filled dot.
    Dot,
    /// A shaded square.
    Band,
}

/// One line of a legend.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// Text.
    pub label: String,
    /// Colour.
    pub colour: RGBColor,
    /// Symbol.
    pub mark: Mark,
}

impl Entry {
    /// An entry.
    pub fn new(label: impl Into<String>, colour: RGBColor, mark: Mark) -> Self {
        Entry { label: label.into(), colour, mark }
    }
}

/// A drawing area in pixel coordinates.
pub type Area<DB> = DrawingArea<DB, Shift>;

/// Splits `root` into the area under the title and the legend column; returns (plot, legend).
pub fn layout<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    s: &Style,
) -> Result<(Area<DB>, Area<DB>), String> {
    let area = root.titled(title, s.font(TITLE_SIZE)).map_err(fail)?;
    let width = area.dim_in_pixel().0 as i32;
    Ok(area.split_horizontally(width - s.px(LEGEND_WIDTH)))
}

/// A chart builder with the house margins and label areas.
pub fn builder<'a, 'b, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    s: &Style,
) -> ChartBuilder<'a, 'b, DB> {
    let mut b = ChartBuilder::on(area);
    b.margin(s.px(12)).x_label_area_size(s.px(52)).y_label_area_size(s.px(78));
    b
}

/// Styles and draws the axes: light grid, labelled axes.
pub fn axes<DB, X, Y>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<X, Y>>,
    x: &str,
    y: &str,
    s: &Style,
) -> DrawResult
where
    DB: DrawingBackend,
    X: Ranged<ValueType = f64> + ValueFormatter<f64>,
    Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    chart
        .configure_mesh()
        .x_desc(x)
        .y_desc(y)
        .label_style(s.font(TICK_SIZE))
        .axis_desc_style(s.font(LABEL_SIZE))
        .bold_line_style(GRID.stroke_width(s.stroke(1.0)))
        .light_line_style(TRANSPARENT)
        .axis_style(INK.stroke_width(s.stroke(1.0)))
        .x_labels(8)
        .y_labels(8)
        .x_label_formatter(&|v| tick(*v))
        .y_label_formatter(&|v| tick(*v))
        .draw()
        .map_err(fail)
}

/// Draws `entries` down the legend column.
pub fn legend<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, entries: &[Entry], s: &Style) -> DrawResult {
    let (x0, x1, x2) = (s.px(6), s.px(36), s.px(44));
    for (i, e) in entries.iter().enumerate() {
        let y = s.px(34.0 + 24.0 * i as f64);
        let line = e.colour.stroke_width(s.stroke(if e.mark == Mark::Faint { 1.0 } else { 2.5 }));
        match e.mark {
            Mark::Line | Mark::Faint => area.draw(&PathElement::new(vec![(x0, y), (x1, y)], line)),
            Mark::Dashed => (0..3).try_for_each(|k| {
                let a = x0 + k * (x1 - x0) / 3;
                area.draw(&PathElement::new(vec![(a, y), (a + (x1 - x0) / 5, y)], line))
            }),
            Mark::Dot => area.draw(&Circle::new(((x0 + x1) / 2, y), s.px(4.5), e.colour.filled())),
            Mark::Band => area
                .draw(&Rectangle::new([(x0, y - s.px(7)), (x1, y + s.px(7))], e.colour.mix(0.25).filled())),
        }
        .map_err(fail)?;
        let text = s.font(LEGEND_SIZE).pos(plotters::style::text_anchor::Pos::new(
            plotters::style::text_anchor::HPos::Left,
            plotters::style::text_anchor::VPos::Center,
        ));
        area.draw_text(&e.label, &text, (x2, y)).map_err(fail)?;
    }
    Ok(())
}

/// A mean line over repeats with its band.
pub struct BandLine {
    /// Colour.
    pub colour: RGBColor,
    /// (x, spread of y) points.
    pub points: Vec<(f64, Spread)>,
    /// Dashed (test loss) instead of solid.
    pub dashed: bool,
}

/// A chart of mean lines with bands.
pub struct BandChart {
    /// Title.
    pub title: String,
    /// x axis description, with unit.
    pub x_desc: String,
    /// y axis description, with unit.
    pub y_desc: String,
    /// Logarithmic y axis.
    pub log_y: bool,
    /// The lines, drawn in order.
    pub lines: Vec<BandLine>,
    /// The legend.
    pub legend: Vec<Entry>,
}

impl super::Chart for BandChart {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, s: &Style) -> DrawResult {
        let (plot, side) = layout(root, &self.title, s)?;
        let all = || self.lines.iter().flat_map(|l| l.points.iter());
        let x = range(all().map(|p| p.0), false);
        let y = range(all().flat_map(|p| [p.1.low, p.1.high, p.1.mean]), self.log_y);
        if self.log_y {
            self.draw_lines(&plot, x, y.clone().log_scale(), y.start, s)?;
        } else {
            self.draw_lines(&plot, x, y.clone(), y.start, s)?;
        }
        legend(&side, &self.legend, s)
    }
}

impl BandChart {
    fn draw_lines<DB, Y>(
        &self,
        area: &DrawingArea<DB, Shift>,
        x: Range<f64>,
        y: Y,
        floor: f64,
        s: &Style,
    ) -> DrawResult
    where
        DB: DrawingBackend,
        Y: AsRangedCoord<Value = f64>,
        Y::CoordDescType: ValueFormatter<f64> + Ranged<ValueType = f64>,
    {
        let mut chart = builder(area, s).build_cartesian_2d(x, y).map_err(fail)?;
        axes(&mut chart, &self.x_desc, &self.y_desc, s)?;
        let clamp = |v: f64| v.max(floor);
        for line in &self.lines {
            let mut band: Vec<(f64, f64)> = line.points.iter().map(|(x, p)| (*x, clamp(p.high))).collect();
            band.extend(line.points.iter().rev().map(|(x, p)| (*x, clamp(p.low))));
            chart
                .draw_series(std::iter::once(Polygon::new(band, line.colour.mix(0.15).filled())))
                .map_err(fail)?;
        }
        for line in &self.lines {
            let points = line.points.iter().map(|(x, p)| (*x, clamp(p.mean)));
            let style = line.colour.stroke_width(s.stroke(2.0));
            if line.dashed {
                chart.draw_series(DashedLineSeries::new(points, s.px(7), s.px(5), style)).map_err(fail)?;
            } else {
                chart.draw_series(LineSeries::new(points, style)).map_err(fail)?;
            }
        }
        Ok(())
    }
}

/// The range of `values` with a margin: 5 % on a linear axis, a fifth of a decade on a log axis (where
/// values <= 0 are ignored).
pub fn range(values: impl Iterator<Item = f64>, log: bool) -> Range<f64> {
    let (lo, hi) = values
        .filter(|v| v.is_finite() && (!log || *v > 0.0))
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if !lo.is_finite() {
        return if log { 0.1..1.0 } else { 0.0..1.0 };
    }
    if log {
        let (lo, hi) = (lo.log10() - 0.2, hi.log10() + 0.2);
        10f64.powf(lo)..10f64.powf(hi.max(lo + 0.5))
    } else {
        let pad = ((hi - lo) * 0.05).max(hi.abs().max(1e-9) * 1e-3);
        (lo - pad)..(hi + pad)
    }
}

/// A tick label: integers without decimals, others with up to four significant digits.
pub fn tick(v: f64) -> String {
    // Linear ticks are sums of steps, so zero can arrive as -2e-16; no chart here plots below 1e-12.
    if v.abs() < 1e-12 || !v.is_finite() {
        return "0".into();
    }
    if (v.abs() >= 1e5 || v.abs() < 1e-3) && v.fract() != 0.0 || v.abs() >= 1e7 {
        return format!("{v:.0e}");
    }
    let decimals = (3 - v.abs().log10().floor() as i32).clamp(0, 8) as usize;
    let text = format!("{v:.decimals$}");
    if text.contains('.') { text.trim_end_matches('0').trim_end_matches('.').to_string() } else { text }
}

/// What the loss is, for axis labels.
pub fn loss_name(results: &crate::records::Results) -> &'static str {
    match results.settings.data.task {
        crate::spec::Task::Classification => "cross-entropy",
        crate::spec::Task::Regression => "mean squared error",
    }
}

/// "min-max" or "+-1 std", for captions.
pub fn band_name(band: crate::spec::Band) -> &'static str {
    match band {
        crate::spec::Band::Minmax => "min to max",
        crate::spec::Band::Std => "mean ± 1 std",
    }
}
