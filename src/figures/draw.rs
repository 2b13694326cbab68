//! Drawing primitives in pixel space, shared by every chart: strokes with dash patterns, dots, crosses,
//! filled polygons and text placed by its anchor and measured with the bundled font. Coordinates arrive as
//! f64 pixels, already clipped (see [`super::clip`]), and are rounded once here.

use super::{DrawResult, Style, fail};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// A drawing area in backend pixels.
pub type Area<DB> = DrawingArea<DB, Shift>;

/// A line pattern.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Dash {
    /// Unbroken.
    Solid,
    /// Long dashes.
    Dashed,
    /// Dots.
    Dotted,
}

/// How a line is drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stroke {
    /// Colour.
    pub colour: RGBColor,
    /// Width in SVG units.
    pub width: f64,
    /// Pattern.
    pub dash: Dash,
}

impl Stroke {
    /// A solid line.
    pub fn solid(colour: RGBColor, width: f64) -> Stroke {
        Stroke { colour, width, dash: Dash::Solid }
    }

    /// The same line with pattern `dash`.
    pub fn with(self, dash: Dash) -> Stroke {
        Stroke { dash, ..self }
    }
}

fn round(p: (f64, f64)) -> (i32, i32) {
    (p.0.round() as i32, p.1.round() as i32)
}

/// Draws each piece (already inside the frame) with `stroke`.
pub fn pieces<DB: DrawingBackend>(
    area: &Area<DB>,
    pieces: &[Vec<(f64, f64)>],
    stroke: Stroke,
    s: &Style,
) -> DrawResult {
    let style = stroke.colour.stroke_width(s.stroke(stroke.width));
    let (on, off) = match stroke.dash {
        Dash::Solid => (0.0, 0.0),
        Dash::Dashed => (s.px(7.0 + stroke.width), s.px(4.0 + stroke.width)),
        Dash::Dotted => (s.px(1.0 + stroke.width * 0.5), s.px(2.5 + stroke.width)),
    };
    let wide = s.stroke(stroke.width) > 1;
    for piece in pieces {
        let parts = if on > 0.0 { dashes(piece, on, off) } else { vec![piece.clone()] };
        let parts = if wide { parts.iter().flat_map(|p| unfold(p)).collect() } else { parts };
        for part in parts {
            let part: Vec<(i32, i32)> = part.into_iter().map(round).collect();
            area.draw(&PathElement::new(part, style)).map_err(fail)?;
        }
    }
    Ok(())
}

/// `points` cut at sharp turns (more than 120 degrees), each piece starting where the last ended: the
/// bitmap backend draws wide lines as polygons with mitred corners, and the mitre of a near-reversal
/// spikes far out of the plot.
pub fn unfold(points: &[(f64, f64)]) -> Vec<Vec<(f64, f64)>> {
    let mut pieces = Vec::new();
    let mut piece: Vec<(f64, f64)> = Vec::new();
    for &p in points {
        if let [.., a, b] = piece[..] {
            let (u, v) = (b.0 - a.0, b.1 - a.1);
            let (x, y) = (p.0 - b.0, p.1 - b.1);
            let cos = (u * x + v * y) / (u.hypot(v) * x.hypot(y));
            if cos < -0.5 {
                pieces.push(std::mem::replace(&mut piece, vec![b]));
            }
        }
        piece.push(p);
    }
    if piece.len() > 1 {
        pieces.push(piece);
    }
    pieces
}

/// `piece` cut into dashes of `on` pixels with gaps of `off`.
pub fn dashes(piece: &[(f64, f64)], on: f64, off: f64) -> Vec<Vec<(f64, f64)>> {
    let mut out = Vec::new();
    let mut current: Vec<(f64, f64)> = Vec::new();
    let (mut drawing, mut left) = (true, on);
    for pair in piece.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        let length = (b.0 - a.0).hypot(b.1 - a.1);
        let mut t = 0.0;
        if drawing && current.is_empty() {
            current.push(a);
        }
        while length - t > left {
            t += left;
            let p = (a.0 + (b.0 - a.0) * t / length, a.1 + (b.1 - a.1) * t / length);
            if drawing {
                current.push(p);
                out.push(std::mem::take(&mut current));
            } else {
                current = vec![p];
            }
            drawing = !drawing;
            left = if drawing { on } else { off };
        }
        left -= length - t;
        if drawing {
            current.push(b);
        }
    }
    if current.len() > 1 {
        out.push(current);
    }
    out
}

/// A filled polygon (already clipped).
pub fn fill<DB: DrawingBackend>(area: &Area<DB>, points: &[(f64, f64)], colour: RGBColor) -> DrawResult {
    fill_alpha(area, points, colour, 1.0)
}

/// A filled polygon with `alpha` opacity, so overlapping bands stay visible.
pub fn fill_alpha<DB: DrawingBackend>(
    area: &Area<DB>,
    points: &[(f64, f64)],
    colour: RGBColor,
    alpha: f64,
) -> DrawResult {
    if points.len() < 3 {
        return Ok(());
    }
    let points: Vec<(i32, i32)> = points.iter().copied().map(round).collect();
    area.draw(&Polygon::new(points, colour.mix(alpha).filled())).map_err(fail)
}

/// A filled dot of `radius` SVG units at `p`.
pub fn dot<DB: DrawingBackend>(
    area: &Area<DB>,
    p: (f64, f64),
    radius: f64,
    colour: RGBColor,
    s: &Style,
) -> DrawResult {
    area.draw(&Circle::new(round(p), s.px(radius).round() as i32, colour.filled())).map_err(fail)
}

/// An "×" of half-width `size` SVG units at `p`, on a white halo.
pub fn cross<DB: DrawingBackend>(
    area: &Area<DB>,
    p: (f64, f64),
    size: f64,
    colour: RGBColor,
    s: &Style,
) -> DrawResult {
    let d = s.px(size);
    for (style, grow) in [(WHITE.stroke_width(s.stroke(5.0)), 1.0), (colour.stroke_width(s.stroke(2.5)), 0.0)]
    {
        let d = d + s.px(grow);
        for (a, b) in [((-d, -d), (d, d)), ((-d, d), (d, -d))] {
            let line = vec![round((p.0 + a.0, p.1 + a.1)), round((p.0 + b.0, p.1 + b.1))];
            area.draw(&PathElement::new(line, style)).map_err(fail)?;
        }
    }
    Ok(())
}

/// Where a text's anchor sits relative to the text.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Anchor {
    /// Left edge, vertical centre.
    Left,
    /// Right edge, vertical centre.
    Right,
    /// Horizontal centre, top edge.
    Top,
    /// Left edge, bottom edge.
    BottomLeft,
}

/// Draws `text` at `p` in `size` (SVG units), anchored as `anchor` says; rotated a quarter turn
/// anticlockwise when `vertical` (y axis descriptions).
pub fn text<DB: DrawingBackend>(
    area: &Area<DB>,
    text: &str,
    p: (f64, f64),
    size: f64,
    anchor: Anchor,
    s: &Style,
) -> DrawResult {
    let (h, v) = match anchor {
        Anchor::Left => (HPos::Left, VPos::Center),
        Anchor::Right => (HPos::Right, VPos::Center),
        Anchor::Top => (HPos::Center, VPos::Top),
        Anchor::BottomLeft => (HPos::Left, VPos::Bottom),
    };
    area.draw_text(text, &s.font(size).pos(Pos::new(h, v)), round(p)).map_err(fail)
}

/// Draws `text` rotated a quarter turn anticlockwise, centred on `p`.
pub fn vertical_text<DB: DrawingBackend>(
    area: &Area<DB>,
    text: &str,
    p: (f64, f64),
    size: f64,
    s: &Style,
) -> DrawResult {
    let font = s.font(size).transform(FontTransform::Rotate270).pos(Pos::new(HPos::Center, VPos::Center));
    area.draw_text(text, &font, round(p)).map_err(fail)
}

/// The largest size up to `size` at which `text` fits `room` pixels (at least 60 % of `size`).
pub fn fitting(text: &str, size: f64, room: f64, s: &Style) -> f64 {
    let width = measure(text, size, s).0;
    if width <= room { size } else { size * (room / width).max(0.6) }
}

/// Width and height of `text` in `size` (SVG units), in backend pixels, from the bundled font's metrics
/// (the same for every backend).
pub fn measure(text: &str, size: f64, s: &Style) -> (f64, f64) {
    // The bundled font always measures; a failure would only make the layout generous.
    let fallback = (s.px(size * 0.65 * text.chars().count() as f64) as u32, s.line(size) as u32);
    let (w, h) = s.font(size).font.box_size(text).unwrap_or(fallback);
    (f64::from(w), f64::from(h))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_lines_are_cut_at_reversals_only() {
        let zigzag = [(0.0, 0.0), (10.0, 0.0), (0.0, 1.0), (10.0, 2.0)];
        let pieces = unfold(&zigzag);
        assert_eq!(
            pieces,
            vec![vec![(0.0, 0.0), (10.0, 0.0)], vec![(10.0, 0.0), (0.0, 1.0)], vec![(0.0, 1.0), (10.0, 2.0)]]
        );
        let bend = [(0.0, 0.0), (10.0, 0.0), (10.0, 10.0)];
        assert_eq!(unfold(&bend), vec![bend.to_vec()]);
    }

    #[test]
    fn dashes_alternate_along_the_line_and_keep_its_length() {
        let parts = dashes(&[(0.0, 0.0), (10.0, 0.0), (10.0, 10.0)], 3.0, 2.0);
        let drawn: f64 = parts
            .iter()
            .map(|p| p.windows(2).map(|w| (w[1].0 - w[0].0).hypot(w[1].1 - w[0].1)).sum::<f64>())
            .sum();
        // 20 pixels of path: dashes at 0-3, 5-8, 10-13, 15-18: 12 pixels drawn.
        assert!((drawn - 12.0).abs() < 1e-9, "{drawn}");
        assert_eq!(parts.len(), 4);
    }
}
