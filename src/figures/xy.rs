//! A plain x-y chart for the gradient-noise figures: lines, dashed lines or dots, optional vertical error
//! bars, linear, log10 or log2 axes, and an optional y = x diagonal.

use super::frame::{Entry, axes, builder, layout, legend, range};
use super::{Chart, DrawResult, Style, fail};
use plotters::coord::Shift;
use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::prelude::*;
use std::ops::Range;

/// How a series is drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Draw {
    /// Solid line with dots.
    Line,
    /// Dashed line.
    Dashed,
    /// Dots only.
    Dots,
}

/// One series.
pub struct XySeries {
    /// Colour.
    pub colour: RGBColor,
    /// Points.
    pub points: Vec<(f64, f64)>,
    /// Vertical error bars: (x, low, high).
    pub errors: Vec<(f64, f64, f64)>,
    /// How it is drawn.
    pub draw: Draw,
}

/// Axis scale.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Scale {
    /// Linear.
    Linear,
    /// Logarithmic, base 10.
    Log10,
    /// Logarithmic, base 2.
    Log2,
}

/// The chart.
pub struct XyChart {
    /// Title.
    pub title: String,
    /// x axis description, with unit.
    pub x_desc: String,
    /// y axis description, with unit.
    pub y_desc: String,
    /// x scale.
    pub x: Scale,
    /// y scale.
    pub y: Scale,
    /// Series, drawn in order.
    pub series: Vec<XySeries>,
    /// Draw y = x.
    pub diagonal: bool,
    /// Legend.
    pub legend: Vec<Entry>,
}

impl Chart for XyChart {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, s: &Style) -> DrawResult {
        let (plot, side) = layout(root, &self.title, s)?;
        let xs = self.series.iter().flat_map(|l| l.points.iter().map(|p| p.0));
        let mut x = range(xs, self.x != Scale::Linear);
        let ys = self
            .series
            .iter()
            .flat_map(|l| l.points.iter().map(|p| p.1).chain(l.errors.iter().flat_map(|e| [e.1, e.2])));
        let mut y = range(ys, self.y != Scale::Linear);
        if self.diagonal {
            let both = x.start.min(y.start)..x.end.max(y.end);
            (x, y) = (both.clone(), both);
        }
        match (self.x, self.y) {
            (Scale::Linear, Scale::Linear) => self.plot(&plot, x, y, s)?,
            (Scale::Linear, _) => self.plot(&plot, x, y.log_scale(), s)?,
            (Scale::Log2, Scale::Linear) => self.plot(&plot, x.log_scale().base(2.0), y, s)?,
            (Scale::Log2, _) => self.plot(&plot, x.log_scale().base(2.0), y.log_scale(), s)?,
            (Scale::Log10, Scale::Linear) => self.plot(&plot, x.log_scale(), y, s)?,
            (Scale::Log10, _) => self.plot(&plot, x.log_scale(), y.log_scale(), s)?,
        }
        legend(&side, &self.legend, s)
    }
}

impl XyChart {
    fn plot<DB, X, Y>(&self, area: &DrawingArea<DB, Shift>, x: X, y: Y, s: &Style) -> DrawResult
    where
        DB: DrawingBackend,
        X: AsRangedCoord<Value = f64>,
        X::CoordDescType: ValueFormatter<f64> + Ranged<ValueType = f64>,
        Y: AsRangedCoord<Value = f64>,
        Y::CoordDescType: ValueFormatter<f64> + Ranged<ValueType = f64>,
    {
        let mut chart = builder(area, s).build_cartesian_2d(x, y).map_err(fail)?;
        axes(&mut chart, &self.x_desc, &self.y_desc, s)?;
        let (xr, yr): (Range<f64>, Range<f64>) = (chart.x_range(), chart.y_range());
        if self.diagonal {
            let (lo, hi) = (xr.start.max(yr.start), xr.end.min(yr.end));
            let style = super::BAND_KEY.stroke_width(s.stroke(1.5));
            chart
                .draw_series(DashedLineSeries::new([(lo, lo), (hi, hi)], s.px(6), s.px(5), style))
                .map_err(fail)?;
        }
        for l in &self.series {
            let style = l.colour.stroke_width(s.stroke(2.0));
            for &(x, lo, hi) in &l.errors {
                let (lo, hi) = (lo.max(yr.start), hi.min(yr.end));
                chart
                    .draw_series(std::iter::once(PathElement::new(vec![(x, lo), (x, hi)], style)))
                    .map_err(fail)?;
            }
            match l.draw {
                Draw::Line => chart.draw_series(LineSeries::new(l.points.iter().copied(), style)).map(|_| ()),
                Draw::Dashed => chart
                    .draw_series(DashedLineSeries::new(l.points.iter().copied(), s.px(7), s.px(5), style))
                    .map(|_| ()),
                Draw::Dots => Ok(()),
            }
            .map_err(fail)?;
            if l.draw != Draw::Dashed {
                let dots = l.points.iter().map(|&p| Circle::new(p, s.px(3.5), l.colour.filled()));
                chart.draw_series(dots).map_err(fail)?;
            }
        }
        Ok(())
    }
}
