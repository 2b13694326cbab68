//! The canvas of a chart: the title on top, the legend right of or under the plot, and the body left for
//! one frame ([`single`]) or a grid of small multiples ([`grid`]) sharing their axes.

use super::axis::Axis;
use super::clip::Rect;
use super::draw::{self, Anchor, Area};
use super::frame::{self, Frame, Labels};
use super::legend::Legend;
use super::{LEGEND_SIZE, Style, TITLE_SIZE};
use plotters::prelude::*;

/// Draws the title and the legend; returns the body rectangle left for the plot.
pub fn canvas<DB: DrawingBackend>(
    area: &Area<DB>,
    title: &str,
    legend: &Legend,
    s: &Style,
) -> Result<Rect, String> {
    let (w, h) = area.dim_in_pixel();
    let (w, h) = (f64::from(w), f64::from(h));
    let room = w - s.px(20.0);
    let size = draw::fitting(title, TITLE_SIZE, room, s);
    let title_h = if title.is_empty() { s.px(8.0) } else { s.line(size) + s.px(16.0) };
    if !title.is_empty() {
        draw::text(area, title, (w / 2.0, s.px(8.0)), size, Anchor::Top, s)?;
    }
    let under = Rect { x0: 0.0, y0: title_h, x1: w, y1: h };
    let placed = legend.place(under, s);
    let (body, room) = if placed.right {
        (Rect { x1: w - placed.size, ..under }, Rect { x0: w - placed.size, ..under })
    } else {
        (Rect { y1: h - placed.size, ..under }, Rect { y0: h - placed.size, ..under })
    };
    legend.draw(area, room, placed, s)?;
    Ok(Rect { x0: body.x0 + s.px(4.0), y0: body.y0, x1: body.x1 - s.px(8.0), y1: body.y1 - s.px(4.0) })
}

/// One frame filling `body`, with its grid, axes and descriptions drawn.
pub fn single<DB: DrawingBackend>(
    area: &Area<DB>,
    body: Rect,
    x: Axis,
    y: Axis,
    s: &Style,
) -> Result<Frame, String> {
    let f = place(area, body, x, y, s)?;
    f.axes(area, Labels { x: true, y: true, grid: true }, s)?;
    Ok(f)
}

/// One frame filling `body` with its descriptions drawn; the caller draws the axes (after a filled
/// background, say).
pub fn place<DB: DrawingBackend>(
    area: &Area<DB>,
    body: Rect,
    x: Axis,
    y: Axis,
    s: &Style,
) -> Result<Frame, String> {
    let rect = frame::inside(body, &x, &y, s);
    let f = Frame { rect, x, y };
    Frame::descriptions(area, body, rect, &f.x.desc, &f.y.desc, s)?;
    Ok(f)
}

/// Columns and rows for `n` panels on a `body` of this aspect (width over height).
pub fn grid_shape(n: usize, aspect: f64) -> (usize, usize) {
    let n = n.max(1);
    let columns = ((n as f64 * aspect * 0.8).sqrt().round() as usize).clamp(1, n).min(5);
    (columns, n.div_ceil(columns))
}

/// `n` frames in a grid over `body`, all with axes `x` and `y`: tick labels only on the left column and
/// under the lowest panel of each column; one pair of descriptions for the whole grid; room for a one-line
/// header above every panel.
pub fn grid<DB: DrawingBackend>(
    area: &Area<DB>,
    body: Rect,
    (n, columns): (usize, usize),
    x: &Axis,
    y: &Axis,
    s: &Style,
) -> Result<Vec<Frame>, String> {
    let mut block = frame::inside(body, x, y, s);
    let header = s.line(LEGEND_SIZE) + s.px(6.0);
    block.y0 += header;
    let rows = n.div_ceil(columns.max(1));
    let (gap_x, gap_y) = (s.px(16.0), s.px(10.0) + header);
    let (cw, ch) = (
        (block.width() - gap_x * (columns - 1) as f64) / columns as f64,
        (block.height() - gap_y * (rows - 1) as f64) / rows as f64,
    );
    let mut frames = Vec::with_capacity(n);
    for i in 0..n {
        let (c, r) = (i % columns, i / columns);
        let (x0, y0) = (block.x0 + c as f64 * (cw + gap_x), block.y0 + r as f64 * (ch + gap_y));
        let rect = Rect { x0, y0, x1: x0 + cw, y1: y0 + ch };
        let f = Frame { rect, x: x.clone(), y: y.clone() };
        let lowest = i + columns >= n;
        f.axes(area, Labels { x: lowest, y: c == 0, grid: true }, s)?;
        frames.push(f);
    }
    Frame::descriptions(area, body, block, &x.desc, &y.desc, s)?;
    Ok(frames)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grids_hold_every_panel_in_at_most_five_columns() {
        for n in 1..=24 {
            let (c, r) = grid_shape(n, 1.6);
            assert!(c * r >= n && c <= 5 && c * (r - 1) < n, "{n}: {c} x {r}");
        }
        assert_eq!(grid_shape(5, 1.6), (3, 2));
        assert_eq!(grid_shape(1, 1.6), (1, 1));
    }
}
