//! A plain x-y chart: lines (solid, dashed or dotted), dots (optionally one colour per point), vertical
//! error bars, linear, log or batch-size axes, and guide lines (the diagonal, perfect scaling, asymptotes)
//! that are clipped to the data's range and never widen it.

use super::axis::{Axis, extent};
use super::draw::{self, Dash, Stroke};
use super::layout;
use super::legend::Legend;
use super::{Chart, DrawResult, GUIDE, Style};
use plotters::prelude::*;

/// One series.
#[derive(Debug, Clone)]
pub struct XySeries {
    /// Colour of the line, the error bars and (unless `dot_colours` says otherwise) the dots.
    pub colour: RGBColor,
    /// Points.
    pub points: Vec<(f64, f64)>,
    /// Vertical error bars: (x, low, high).
    pub errors: Vec<(f64, f64, f64)>,
    /// The line through the points, if any.
    pub line: Option<Dash>,
    /// Dot radius, SVG units; 0 for no dots.
    pub dots: f64,
    /// One colour per point for the dots (empty: `colour`).
    pub dot_colours: Vec<RGBColor>,
    /// Line width, SVG units.
    pub width: f64,
    /// A guide: drawn within the range the data set, never widening it.
    pub guide: bool,
    /// A failed configuration's line: an "×" where it ends or leaves the plot.
    pub marked: bool,
}

impl XySeries {
    /// A solid line with dots.
    pub fn line(colour: RGBColor, points: Vec<(f64, f64)>) -> XySeries {
        XySeries {
            colour,
            points,
            errors: Vec::new(),
            line: Some(Dash::Solid),
            dots: 3.5,
            dot_colours: Vec::new(),
            width: 2.2,
            guide: false,
            marked: false,
        }
    }

    /// Dots only.
    pub fn dots(colour: RGBColor, points: Vec<(f64, f64)>) -> XySeries {
        XySeries { line: None, dots: 4.0, ..XySeries::line(colour, points) }
    }

    /// A dashed guide line.
    pub fn guide(colour: RGBColor, points: Vec<(f64, f64)>) -> XySeries {
        XySeries {
            line: Some(Dash::Dashed),
            dots: 0.0,
            guide: true,
            width: 1.8,
            ..XySeries::line(colour, points)
        }
    }

    /// The same series with pattern `dash` and no dots.
    pub fn dashed(self, dash: Dash) -> XySeries {
        XySeries { line: Some(dash), dots: 0.0, ..self }
    }
}

/// The horizontal axis.
#[derive(Debug, Clone, PartialEq)]
pub enum XScale {
    /// Linear.
    Linear,
    /// Logarithmic.
    Log,
    /// Logarithmic, ticked at these batch sizes.
    Batch(Vec<usize>),
}

/// The chart.
pub struct XyChart {
    /// Title.
    pub title: String,
    /// x axis description, with unit.
    pub x_desc: String,
    /// y axis description, with unit.
    pub y_desc: String,
    /// x axis.
    pub x: XScale,
    /// Logarithmic y axis.
    pub y_log: bool,
    /// Series, drawn in order.
    pub series: Vec<XySeries>,
    /// Draw y = x, with equal ranges on both axes.
    pub diagonal: bool,
    /// Legend.
    pub legend: Legend,
}

impl XyChart {
    fn axes(&self) -> (Axis, Axis) {
        // Guides never set the range, unless nothing else has a value.
        let any = self
            .series
            .iter()
            .any(|l| !l.guide && l.points.iter().any(|p| p.0.is_finite() && p.1.is_finite()));
        let data = || self.series.iter().filter(move |l| !l.guide || !any);
        let xs: Vec<f64> = data().flat_map(|l| l.points.iter().map(|p| p.0)).collect();
        let ys: Vec<f64> = data()
            .flat_map(|l| l.points.iter().map(|p| p.1).chain(l.errors.iter().flat_map(|e| [e.1, e.2])))
            .collect();
        let x_log = self.x != XScale::Linear;
        if self.diagonal {
            let both = extent(xs.iter().chain(&ys).copied(), x_log || self.y_log);
            let (lo, hi) = both.unwrap_or((0.1, 1.0));
            return (
                Axis::auto([lo, hi], x_log, &self.x_desc),
                Axis::auto([lo, hi], self.y_log, &self.y_desc),
            );
        }
        let x = match &self.x {
            XScale::Batch(sizes) => Axis::batch_sizes(sizes, &self.x_desc),
            _ => Axis::auto(xs, x_log, &self.x_desc),
        };
        (x, Axis::auto(ys, self.y_log, &self.y_desc))
    }
}

impl Chart for XyChart {
    fn legend(&self) -> Option<&Legend> {
        Some(&self.legend)
    }

    fn draw<DB: DrawingBackend>(&self, root: &draw::Area<DB>, s: &Style) -> DrawResult {
        let body = layout::canvas(root, &self.title, &self.legend, s)?;
        let (x, y) = self.axes();
        let frame = layout::single(root, body, x, y, s)?;
        if self.diagonal {
            let (lo, hi) = (frame.x.lo.max(frame.y.lo), frame.x.hi.min(frame.y.hi));
            let diagonal: Vec<(f64, f64)> = (0..=64)
                .map(|k| {
                    let v = if frame.x.log {
                        lo * (hi / lo).powf(k as f64 / 64.0)
                    } else {
                        lo + (hi - lo) * k as f64 / 64.0
                    };
                    (v, v)
                })
                .collect();
            frame.line(root, &diagonal, Stroke::solid(GUIDE, 1.5).with(Dash::Dashed), s)?;
        }
        for l in &self.series {
            let stroke = Stroke::solid(l.colour, l.width);
            frame.error_bars(root, &l.errors, Stroke::solid(l.colour, 1.5), s)?;
            if let Some(dash) = l.line {
                let pieces = frame.line(root, &l.points, stroke.with(dash), s)?;
                if let Some(end) = frame.end_mark(&pieces, &l.points).filter(|_| l.marked) {
                    draw::cross(root, end, 5.0, l.colour, s)?;
                }
            }
            if l.dots > 0.0 {
                for (i, p) in l.points.iter().enumerate() {
                    let colour = l.dot_colours.get(i).copied().unwrap_or(l.colour);
                    frame.dots(root, &[*p], l.dots, colour, s)?;
                }
            }
        }
        Ok(())
    }
}
