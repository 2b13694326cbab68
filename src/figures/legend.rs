//! Legends, always outside the plot and inside the canvas: a column right of the plot, in as many columns
//! as the entries need, or a block under it when that column would take too much of the width; plus an
//! optional colour bar (batch sizes on the sequential scale, or the landscape's loss bands).

use super::clip::Rect;
use super::draw::{self, Anchor, Area, Dash, Stroke};
use super::{DrawResult, INK, LABEL_SIZE, LEGEND_SIZE, Style, TICK_SIZE, fail};
use plotters::prelude::*;

/// How an entry's sample is drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Mark {
    /// A line in this pattern.
    Line(Dash),
    /// A thin faint line (raw traces).
    Thin,
    /// A filled dot.
    Dot,
    /// A shaded square (spread bands).
    Band,
    /// An "×" (where a run diverged).
    Cross,
}

/// One line of a legend.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// Text.
    pub label: String,
    /// Colour.
    pub colour: RGBColor,
    /// Sample.
    pub mark: Mark,
}

impl Entry {
    /// An entry.
    pub fn new(label: impl Into<String>, colour: RGBColor, mark: Mark) -> Entry {
        Entry { label: label.into(), colour, mark }
    }

    /// A solid-line entry.
    pub fn line(label: impl Into<String>, colour: RGBColor) -> Entry {
        Entry::new(label, colour, Mark::Line(Dash::Solid))
    }
}

/// A vertical colour bar: `colours` in equal slices from bottom to top, `ticks` at fractions of its height.
#[derive(Debug, Clone, PartialEq)]
pub struct ColourBar {
    /// Written above the bar.
    pub title: String,
    /// Slices, bottom first.
    pub colours: Vec<RGBColor>,
    /// (fraction of the height from the bottom, label).
    pub ticks: Vec<(f64, String)>,
}

/// Entries and an optional colour bar.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Legend {
    /// Entries, in order.
    pub entries: Vec<Entry>,
    /// A colour bar under the entries.
    pub bar: Option<ColourBar>,
    /// Under the plot even when a column would fit (small multiples want the width).
    pub below: bool,
}

/// Where a legend goes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Placement {
    /// Right of the plot (else under it).
    pub right: bool,
    /// Its width (right) or height (under), pixels.
    pub size: f64,
}

/// Most of the canvas width a legend column block may take before it moves under the plot.
const MAX_SHARE: f64 = 0.4;
/// Height of the colour bar itself, SVG units (less when the canvas is short).
const BAR_HEIGHT: f64 = 230.0;

impl Legend {
    /// A legend of these entries alone.
    pub fn of(entries: Vec<Entry>) -> Legend {
        Legend { entries, ..Legend::default() }
    }

    fn row(s: &Style) -> f64 {
        s.px(LEGEND_SIZE * 1.55)
    }

    /// Width of an entry: sample, gap, text, gap to the next.
    fn width(e: &Entry, s: &Style) -> f64 {
        s.px(40.0 + 22.0) + draw::measure(&e.label, LEGEND_SIZE, s).0
    }

    /// Columns of entries right of the plot, for a legend area `height` pixels high.
    fn columns(&self, height: f64, s: &Style) -> usize {
        let bar_room = if self.bar.is_some() { s.px(BAR_HEIGHT * 0.6 + 60.0) } else { 0.0 };
        let rows = (((height - bar_room - s.px(20.0)) / Self::row(s)).floor() as usize).max(1);
        self.entries.len().div_ceil(rows).max(1)
    }

    /// (x offset, row) of each entry flowing left to right under the plot, wrapping at `width` pixels.
    fn flow(&self, width: f64, s: &Style) -> Vec<(f64, usize)> {
        let (mut x, mut row) = (0.0, 0);
        self.entries
            .iter()
            .map(|e| {
                let w = Self::width(e, s);
                if x > 0.0 && x + w > width {
                    (x, row) = (0.0, row + 1);
                }
                x += w;
                (x - w, row)
            })
            .collect()
    }

    /// Decides where the legend goes within `canvas` (the area under the title): a column block on the
    /// right when it takes at most 40 % of the width (always with a colour bar), else rows under the plot.
    pub fn place(&self, canvas: Rect, s: &Style) -> Placement {
        if self.entries.is_empty() && self.bar.is_none() {
            return Placement { right: true, size: 0.0 };
        }
        let column = self.entries.iter().map(|e| Self::width(e, s)).fold(0.0, f64::max);
        let bar = self.bar.as_ref().map_or(0.0, |b| bar_width(b, s));
        let width = (self.columns(canvas.height(), s) as f64 * column).max(bar) + s.px(8.0);
        // A few long entries cost less as a row under the plot than as a wide column beside it.
        let share = if self.entries.len() > 3 { MAX_SHARE } else { MAX_SHARE * 0.6 };
        if (width <= share * canvas.width() && !self.below) || self.bar.is_some() {
            return Placement { right: true, size: width };
        }
        let rows = self.flow(canvas.width() - s.px(8.0), s).last().map_or(0, |p| p.1 + 1);
        Placement { right: false, size: rows as f64 * Self::row(s) + s.px(14.0) }
    }

    /// Draws the legend into `rect` as `placed` says.
    pub fn draw<DB: DrawingBackend>(
        &self,
        area: &Area<DB>,
        rect: Rect,
        placed: Placement,
        s: &Style,
    ) -> DrawResult {
        let row = Self::row(s);
        let top = rect.y0 + s.px(if placed.right { 14.0 } else { 8.0 });
        let at: Vec<(f64, f64)> = if placed.right {
            let columns = self.columns(rect.height(), s);
            let rows = self.entries.len().div_ceil(columns);
            let column = self.entries.iter().map(|e| Self::width(e, s)).fold(0.0, f64::max);
            (0..self.entries.len()).map(|i| ((i / rows) as f64 * column, (i % rows) as f64)).collect()
        } else {
            self.flow(rect.width() - s.px(8.0), s).into_iter().map(|(x, r)| (x, r as f64)).collect()
        };
        for (e, (dx, r)) in self.entries.iter().zip(&at) {
            let (x, y) = (rect.x0 + s.px(4.0) + dx, top + (r + 0.5) * row);
            sample(area, e, (x, y), s)?;
            draw::text(area, &e.label, (x + s.px(40.0), y), LEGEND_SIZE, Anchor::Left, s)?;
        }
        if let Some(bar) = &self.bar {
            let rows = at.iter().map(|p| p.1 as usize + 1).max().unwrap_or(0);
            let y0 = top + rows as f64 * row + s.px(18.0);
            let bottom = (rect.y1 - s.px(16.0)).min(y0 + s.px(BAR_HEIGHT) + s.px(30.0));
            draw_bar(area, bar, (rect.x0 + s.px(6.0), y0, bottom), s)?;
        }
        Ok(())
    }
}

/// The entry's sample, centred vertically on `at.1`, starting at `at.0`.
fn sample<DB: DrawingBackend>(area: &Area<DB>, e: &Entry, at: (f64, f64), s: &Style) -> DrawResult {
    let (x0, x1, y) = (at.0, at.0 + s.px(32.0), at.1);
    match e.mark {
        Mark::Line(dash) => {
            draw::pieces(area, &[vec![(x0, y), (x1, y)]], Stroke::solid(e.colour, 2.5).with(dash), s)
        }
        Mark::Thin => draw::pieces(area, &[vec![(x0, y), (x1, y)]], Stroke::solid(e.colour, 1.0), s),
        Mark::Dot => draw::dot(area, ((x0 + x1) / 2.0, y), 4.5, e.colour, s),
        Mark::Cross => draw::cross(area, ((x0 + x1) / 2.0, y), 5.0, e.colour, s),
        Mark::Band => {
            let square = [(x0, y - s.px(7.0)), (x1, y - s.px(7.0)), (x1, y + s.px(7.0)), (x0, y + s.px(7.0))];
            draw::fill(area, &square, e.colour)
        }
    }
}

fn bar_width(bar: &ColourBar, s: &Style) -> f64 {
    let labels = bar.ticks.iter().map(|t| draw::measure(&t.1, TICK_SIZE, s).0).fold(0.0, f64::max);
    let title = draw::measure(&bar.title, LABEL_SIZE, s).0;
    (s.px(22.0 + 14.0) + labels).max(title) + s.px(12.0)
}

/// The bar at `x`, from `top` (its title above) to `bottom`, ticks labelled on its right.
fn draw_bar<DB: DrawingBackend>(
    area: &Area<DB>,
    bar: &ColourBar,
    (x, top, bottom): (f64, f64, f64),
    s: &Style,
) -> DrawResult {
    let title_h = draw::measure(&bar.title, LABEL_SIZE, s).1;
    draw::text(area, &bar.title, (x, top + title_h / 2.0), LABEL_SIZE, Anchor::Left, s)?;
    let (y0, y1, x1) = (top + title_h + s.px(12.0), bottom, x + s.px(22.0));
    if y1 - y0 < s.px(40.0) || bar.colours.is_empty() {
        return Ok(());
    }
    let n = bar.colours.len() as f64;
    let y_of = |f: f64| y1 - f * (y1 - y0);
    for (k, colour) in bar.colours.iter().enumerate() {
        let (a, b) = (y_of(k as f64 / n), y_of((k + 1) as f64 / n));
        draw::fill(area, &[(x, b), (x1, b), (x1, a), (x, a)], *colour)?;
    }
    let frame = vec![(x, y0), (x1, y0), (x1, y1), (x, y1), (x, y0)];
    let frame: Vec<(i32, i32)> =
        frame.into_iter().map(|p| (p.0.round() as i32, p.1.round() as i32)).collect();
    area.draw(&PathElement::new(frame, INK.stroke_width(s.stroke(1.0)))).map_err(fail)?;
    // Label from the bottom up, always keeping the top label (the largest batch size, the full batch).
    let mut ticks: Vec<&(f64, String)> = bar.ticks.iter().collect();
    ticks.sort_by(|a, b| a.0.total_cmp(&b.0));
    let h = s.line(TICK_SIZE);
    let top = ticks.last().map_or(f64::NEG_INFINITY, |t| y_of(t.0));
    let mut last = f64::INFINITY;
    for (i, (f, label)) in ticks.iter().map(|t| (t.0, &t.1)).enumerate() {
        let y = y_of(f);
        draw::pieces(area, &[vec![(x1, y), (x1 + s.px(5.0), y)]], Stroke::solid(INK, 1.0), s)?;
        let is_top = i + 1 == ticks.len();
        if is_top || (y + h / 2.0 < last && y - h / 2.0 > top + h / 2.0) {
            draw::text(area, label, (x1 + s.px(9.0), y), TICK_SIZE, Anchor::Left, s)?;
            last = y - h / 2.0;
        }
    }
    Ok(())
}
