//! The plot frame every chart shares: data to pixels through two [`Axis`]es, the grid, the axes with their
//! tick labels (thinned where they would overlap) and descriptions, and clipped lines, bands, error bars
//! and dots. Nothing drawn through a frame leaves its rectangle; nothing non-finite is drawn.

use super::axis::Axis;
use super::clip::{self, Rect};
use super::draw::{self, Anchor, Area, Stroke};
use super::{DrawResult, GRID, INK, LABEL_SIZE, Style, TICK_SIZE, fail};
use plotters::prelude::*;

/// Length of a tick mark, SVG units.
const TICK: f64 = 5.0;
/// Gap between a tick mark and its label, SVG units.
const GAP: f64 = 4.0;

/// A plot rectangle with its two axes.
#[derive(Debug, Clone)]
pub struct Frame {
    /// The plot rectangle, pixels.
    pub rect: Rect,
    /// Horizontal axis.
    pub x: Axis,
    /// Vertical axis.
    pub y: Axis,
}

/// Which tick labels and descriptions a frame draws (small multiples label only their outer edges).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Labels {
    /// Tick labels under the frame.
    pub x: bool,
    /// Tick labels left of the frame.
    pub y: bool,
    /// Grid lines across the frame.
    pub grid: bool,
}

/// Room the tick labels and axis descriptions need around a frame, pixels: (left, bottom, right, top).
pub fn margins(x: &Axis, y: &Axis, s: &Style) -> (f64, f64, f64, f64) {
    let widest = y.ticks.iter().map(|t| draw::measure(&t.1, TICK_SIZE, s).0).fold(0.0, f64::max);
    let label_h = s.line(TICK_SIZE);
    let desc_h = s.line(LABEL_SIZE);
    let last_x = x.ticks.last().map_or(0.0, |t| draw::measure(&t.1, TICK_SIZE, s).0);
    let left = widest + s.px(TICK + GAP) + desc_h + s.px(10.0);
    let bottom = label_h + s.px(TICK + GAP) + desc_h + s.px(10.0);
    (left, bottom, last_x / 2.0 + s.px(4.0), label_h / 2.0 + s.px(2.0))
}

/// `body` less the margins of `x` and `y`: where the data go.
pub fn inside(body: Rect, x: &Axis, y: &Axis, s: &Style) -> Rect {
    let (left, bottom, right, top) = margins(x, y, s);
    Rect { x0: body.x0 + left, y0: body.y0 + top, x1: body.x1 - right, y1: body.y1 - bottom }
}

impl Frame {
    /// The pixel position of (x, y), which may lie outside the rectangle; none for a value an axis cannot
    /// place.
    pub fn at(&self, x: f64, y: f64) -> Option<(f64, f64)> {
        let (fx, fy) = (self.x.frac(x)?, self.y.frac(y)?);
        let r = &self.rect;
        Some((r.x0 + fx * r.width(), r.y1 - fy * r.height()))
    }

    /// Where to mark the end of a curve that ends at its last finite point `points`' last: the end of its
    /// last visible piece, else that point pulled onto the frame (a run that left the plot for good).
    pub fn end_mark(&self, pieces: &[Vec<(f64, f64)>], points: &[(f64, f64)]) -> Option<(f64, f64)> {
        if let Some(end) = pieces.last().and_then(|p| p.last()) {
            return Some(*end);
        }
        let last = points.iter().rev().find(|p| p.0.is_finite() && p.1.is_finite())?;
        let r = self.rect;
        let x = self.x.frac(last.0).map(|f| r.x0 + f.clamp(0.0, 1.0) * r.width())?;
        let y = self.y.frac(last.1).map_or(r.y1, |f| r.y1 - f.clamp(0.0, 1.0) * r.height());
        Some((x, y))
    }

    /// The grid, the axis lines, the ticks and (as `labels` says) their labels.
    pub fn axes<DB: DrawingBackend>(&self, area: &Area<DB>, labels: Labels, s: &Style) -> DrawResult {
        let r = self.rect;
        let grid = GRID.stroke_width(s.stroke(1.0));
        let ink = INK.stroke_width(s.stroke(1.0));
        let line = |a: (f64, f64), b: (f64, f64), style: ShapeStyle| {
            let path =
                vec![(a.0.round() as i32, a.1.round() as i32), (b.0.round() as i32, b.1.round() as i32)];
            area.draw(&PathElement::new(path, style)).map_err(fail)
        };
        let xs: Vec<(f64, &str)> = self.ticks(&self.x, true);
        let ys: Vec<(f64, &str)> = self.ticks(&self.y, false);
        for &(px, _) in xs.iter().filter(|_| labels.grid) {
            line((px, r.y0), (px, r.y1), grid)?;
        }
        for &(py, _) in ys.iter().filter(|_| labels.grid) {
            line((r.x0, py), (r.x1, py), grid)?;
        }
        line((r.x0, r.y1), (r.x1, r.y1), ink)?;
        line((r.x0, r.y0), (r.x0, r.y1), ink)?;
        let (tick, gap) = (s.px(TICK), s.px(TICK + GAP));
        for &(px, _) in &xs {
            line((px, r.y1), (px, r.y1 + tick), ink)?;
        }
        for &(py, _) in &ys {
            line((r.x0 - tick, py), (r.x0, py), ink)?;
        }
        if labels.x {
            let widths: Vec<f64> =
                xs.iter().map(|t| draw::measure(t.1, TICK_SIZE, s).0 + s.px(8.0)).collect();
            for (i, &(px, label)) in xs.iter().enumerate().filter(|(i, _)| i % stride(&xs, &widths) == 0) {
                let _ = i;
                draw::text(area, label, (px, r.y1 + gap), TICK_SIZE, Anchor::Top, s)?;
            }
        }
        if labels.y {
            let heights = vec![s.line(TICK_SIZE); ys.len()];
            for &(py, label) in
                ys.iter().enumerate().filter(|(i, _)| i % stride(&ys, &heights) == 0).map(|(_, t)| t)
            {
                draw::text(area, label, (r.x0 - gap, py), TICK_SIZE, Anchor::Right, s)?;
            }
        }
        Ok(())
    }

    /// The axis descriptions: `x` centred under the tick labels of `plot`, `y` rotated at the left edge of
    /// `body` (the room [`margins`] left for it); each shrunk, if need be, to fit along its side.
    pub fn descriptions<DB: DrawingBackend>(
        area: &Area<DB>,
        body: Rect,
        plot: Rect,
        x: &str,
        y: &str,
        s: &Style,
    ) -> DrawResult {
        let label_h = s.line(TICK_SIZE);
        let desc_h = s.line(LABEL_SIZE);
        let x_size = draw::fitting(x, LABEL_SIZE, plot.width() + 2.0 * s.px(40.0), s);
        let x_at = ((plot.x0 + plot.x1) / 2.0, plot.y1 + s.px(TICK + GAP) + label_h + s.px(5.0));
        draw::text(area, x, x_at, x_size, Anchor::Top, s)?;
        let y_size = draw::fitting(y, LABEL_SIZE, plot.height() + s.px(20.0), s);
        let y_at = (body.x0 + s.px(4.0) + desc_h / 2.0, (plot.y0 + plot.y1) / 2.0);
        draw::vertical_text(area, y, y_at, y_size, s)
    }

    /// Tick positions in pixels (along the axis) with their labels, the ticks inside the range only.
    fn ticks<'a>(&self, axis: &'a Axis, horizontal: bool) -> Vec<(f64, &'a str)> {
        let r = self.rect;
        axis.ticks
            .iter()
            .filter_map(|(v, label)| {
                let f = axis.frac(*v).filter(|f| (-1e-9..=1.0 + 1e-9).contains(f))?;
                Some((if horizontal { r.x0 + f * r.width() } else { r.y1 - f * r.height() }, label.as_str()))
            })
            .collect()
    }

    /// A line through `points`, clipped to the frame and broken at values it cannot place; returns the
    /// visible pieces.
    pub fn line<DB: DrawingBackend>(
        &self,
        area: &Area<DB>,
        points: &[(f64, f64)],
        stroke: Stroke,
        s: &Style,
    ) -> Result<Vec<Vec<(f64, f64)>>, String> {
        let mapped: Vec<Option<(f64, f64)>> = points.iter().map(|p| self.at(p.0, p.1)).collect();
        let pieces = clip::polyline(&mapped, self.rect);
        draw::pieces(area, &pieces, stroke, s)?;
        Ok(pieces)
    }

    /// A shaded band between `low` and `high` at each x, clipped to the frame; a low edge a log axis cannot
    /// place (<= 0) runs off the bottom.
    pub fn band<DB: DrawingBackend>(
        &self,
        area: &Area<DB>,
        points: &[(f64, f64, f64)],
        colour: RGBColor,
    ) -> DrawResult {
        const BAND_ALPHA: f64 = 0.16;
        let below = self.rect.y1 + 10.0 * self.rect.height();
        let edge = |x: f64, y: f64| {
            let px = self.at(x, self.y.lo)?.0;
            Some((px, self.at(x, y).map_or(below, |p| p.1)))
        };
        let usable: Vec<&(f64, f64, f64)> =
            points.iter().filter(|p| p.0.is_finite() && p.1.is_finite() && p.2.is_finite()).collect();
        let mut polygon: Vec<(f64, f64)> = usable.iter().filter_map(|p| edge(p.0, p.2)).collect();
        polygon.extend(usable.iter().rev().filter_map(|p| edge(p.0, p.1)));
        draw::fill_alpha(area, &clip::polygon(&polygon, self.rect), colour, BAND_ALPHA)
    }

    /// Vertical error bars (x, low, high), clipped to the frame.
    pub fn error_bars<DB: DrawingBackend>(
        &self,
        area: &Area<DB>,
        bars: &[(f64, f64, f64)],
        stroke: Stroke,
        s: &Style,
    ) -> DrawResult {
        for &(x, lo, hi) in bars {
            let low = if self.y.log && lo <= 0.0 { self.y.lo } else { lo };
            self.line(area, &[(x, low), (x, hi)], stroke, s)?;
        }
        Ok(())
    }

    /// Dots of `radius` at the points inside the frame.
    pub fn dots<DB: DrawingBackend>(
        &self,
        area: &Area<DB>,
        points: &[(f64, f64)],
        radius: f64,
        colour: RGBColor,
        s: &Style,
    ) -> DrawResult {
        for p in points.iter().filter_map(|p| self.at(p.0, p.1)).filter(|p| self.rect.contains(*p)) {
            draw::dot(area, p, radius, colour, s)?;
        }
        Ok(())
    }
}

/// The smallest k such that labelling every k-th tick leaves no two labels overlapping: ticks at pixel
/// positions `ticks[i].0`, labels `sizes[i]` long along the axis.
fn stride(ticks: &[(f64, &str)], sizes: &[f64]) -> usize {
    (1..ticks.len().max(1))
        .find(|&k| {
            let kept: Vec<usize> = (0..ticks.len()).step_by(k).collect();
            kept.windows(2)
                .all(|w| (ticks[w[1]].0 - ticks[w[0]].0).abs() >= (sizes[w[0]] + sizes[w[1]]) / 2.0)
        })
        .unwrap_or(1)
}
