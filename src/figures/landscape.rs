//! landscape: filled contours of the training loss over the landscape plane (repeat 0), the path of every
//! batch size from the same start on top, and at a few points along each path the full-batch descent
//! direction (thick black) with the mini-batch directions (thin, the run's colour), all at one length.

use super::contour::{Field, LEVELS, band_colour};
use super::frame::{Entry, Mark, axes, builder, layout, legend, tick};
use super::series::groups;
use super::{Chart, Context, DrawResult, FULL_BATCH, Figure, INK, LABEL_SIZE, Style, TICK_SIZE, fail, tint};
use crate::error::Result;
use crate::plan::{Settings, SourcePlan};
use crate::schema::{ArrowRecord, TrajectoryRecord};
use crate::spec::Task;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Arrow length as a share of the plot width.
const ARROW: f64 = 0.08;

/// The figure, or none without a landscape grid.
pub fn figures(ctx: &Context<'_>) -> Result<Vec<Figure>> {
    let results = ctx.results;
    let Some(grid) = results.landscapes.iter().find(|g| g.repeat == 0).or(results.landscapes.first()) else {
        return Ok(Vec::new());
    };
    let Some(field) = Field::new(&grid.points) else {
        return Ok(Vec::new());
    };
    let mut paths = Vec::new();
    let mut legend = Vec::new();
    let mut mini_arrows = 0;
    let mut sizes = Vec::new();
    for g in groups(results) {
        let Some(run) = g.runs.iter().find(|r| r.summary().repeat == grid.repeat) else { continue };
        let summary = run.summary();
        sizes.push(if summary.batch_label == "full" {
            "full batch".to_string()
        } else {
            format!("{}", summary.batch_size)
        });
        let full = g.colour == FULL_BATCH;
        let thin = g.batch_size == 1;
        let arrows = run.arrows.clone().unwrap_or_default();
        mini_arrows = mini_arrows.max(arrows.iter().filter(|a| a.kind == "mini" && a.point == 0).count());
        legend.push(Entry::new(&g.label, g.colour, if thin { Mark::Faint } else { Mark::Line }));
        paths.push(PathLine {
            colour: g.colour,
            width: if thin {
                1.0
            } else if full {
                2.5
            } else {
                1.8
            },
            dots: full,
            points: run.trajectory.clone().unwrap_or_default(),
            arrows,
        });
    }
    legend.push(Entry::new("start", INK, Mark::Dot));
    legend.push(Entry::new("full-batch direction", INK, Mark::Line));
    legend.push(Entry::new("mini-batch directions", super::BAND_KEY, Mark::Faint));
    let two = two_parameters(&results.settings);
    let (x_desc, y_desc) = if two { ("w0", "w1") } else { ("PCA direction 1", "PCA direction 2") };
    let chart = LandscapeChart {
        title: format!("Loss landscape: paths of B = {} from the same start", list(&sizes)),
        x_desc: x_desc.into(),
        y_desc: y_desc.into(),
        field,
        paths,
        legend,
    };
    let scale = if chart.field.log { "log colour scale" } else { "linear colour scale" };
    let caption = format!(
        "Training loss over the {} plane (repeat {}, {scale}) with each batch size's path from the same \
         start; arrows: full-batch descent direction (black) and {mini_arrows} mini-batch directions (thin), \
         all drawn at one length.",
        if two { "(w0, w1)" } else { "PCA" },
        grid.repeat
    );
    Ok(vec![ctx.figure("landscape", caption, &chart)?])
}

/// Whether the network is a linear regression on two features without bias: then the landscape plane is
/// the parameter space itself (train/landscape.rs), and its axes are the two weights.
fn two_parameters(settings: &Settings) -> bool {
    let features = match &settings.data.source {
        SourcePlan::Synthetic(s) => Some(s.features),
        _ => None,
    };
    features == Some(2)
        && settings.data.task == Task::Regression
        && settings.model.hidden.is_empty()
        && !settings.model.bias
}

/// One run's path and arrows.
struct PathLine {
    colour: RGBColor,
    width: f64,
    dots: bool,
    points: Vec<TrajectoryRecord>,
    arrows: Vec<ArrowRecord>,
}

struct LandscapeChart {
    title: String,
    x_desc: String,
    y_desc: String,
    field: Field,
    paths: Vec<PathLine>,
    legend: Vec<Entry>,
}

impl Chart for LandscapeChart {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, s: &Style) -> DrawResult {
        let (plot, side) = layout(root, &self.title, s)?;
        let f = &self.field;
        let (x, y) = (f.xs[0]..f.xs[f.xs.len() - 1], f.ys[0]..f.ys[f.ys.len() - 1]);
        let mut chart = builder(&plot, s).build_cartesian_2d(x.clone(), y.clone()).map_err(fail)?;
        // Axes first: the bands then cover the grid lines, which the contours make redundant.
        axes(&mut chart, &self.x_desc, &self.y_desc, s)?;
        let bands = f.bands().into_iter().map(|(a, b, k)| Rectangle::new([a, b], band_colour(k).filled()));
        chart.draw_series(bands).map_err(fail)?;
        let line = tint(WHITE, 1.0).stroke_width(s.stroke(0.8));
        for k in (2..LEVELS).step_by(2) {
            let segments = f.contour(f.threshold(k));
            chart
                .draw_series(segments.into_iter().map(|seg| PathElement::new(seg.to_vec(), line)))
                .map_err(fail)?;
        }
        let (w, h) = chart.plotting_area().dim_in_pixel();
        let (sx, sy) = (f64::from(w) / (x.end - x.start), f64::from(h) / (y.end - y.start));
        let clip = |p: (f64, f64)| (p.0.clamp(x.start, x.end), p.1.clamp(y.start, y.end));
        for p in &self.paths {
            let points: Vec<(f64, f64)> = p.points.iter().map(|t| clip((t.w0, t.w1))).collect();
            let pieces = unfold(&points, (sx, sy));
            if p.width > 1.0 {
                let halo = WHITE.stroke_width(s.stroke(p.width + 2.0));
                let halos = pieces.iter().map(|piece| PathElement::new(piece.clone(), halo));
                chart.draw_series(halos).map_err(fail)?;
            }
            let style = p.colour.stroke_width(s.stroke(p.width));
            chart
                .draw_series(pieces.into_iter().map(|piece| PathElement::new(piece, style)))
                .map_err(fail)?;
            if p.dots {
                let dots = points.iter().map(|&q| Circle::new(q, s.px(3.5), p.colour.filled()));
                let rims = points.iter().map(|&q| Circle::new(q, s.px(4.5), WHITE.filled()));
                chart.draw_series(rims).map_err(fail)?;
                chart.draw_series(dots).map_err(fail)?;
            }
        }
        // Arrows, drawn in pixel proportions: a direction (g0, g1) in data units points along
        // (g0 * sx, g1 * sy) on screen.
        let length = ARROW * f64::from(w);
        let arrow = |a: &ArrowRecord, head: f64| -> Option<Vec<Vec<(f64, f64)>>> {
            let (u, v) = (a.g0 * sx, a.g1 * sy);
            let norm = u.hypot(v);
            if !norm.is_finite() || norm == 0.0 {
                return None;
            }
            let (u, v) = (u / norm, v / norm);
            let to = |du: f64, dv: f64| (a.w0 + du / sx, a.w1 + dv / sy);
            let tip = to(u * length, v * length);
            let (c, sn) = (0.42f64.cos(), 0.42f64.sin());
            let wing = |sign: f64| {
                let (ru, rv) = (u * c - sign * v * sn, sign * u * sn + v * c);
                to(u * length - ru * head, v * length - rv * head)
            };
            Some(vec![vec![(a.w0, a.w1), tip], vec![wing(1.0), tip, wing(-1.0)]])
        };
        for p in &self.paths {
            if p.colour == FULL_BATCH {
                continue;
            }
            let style = p.colour.stroke_width(s.stroke(1.2));
            for a in p.arrows.iter().filter(|a| a.kind == "mini") {
                for part in arrow(a, s.px(6) as f64).unwrap_or_default() {
                    chart.draw_series(std::iter::once(PathElement::new(part, style))).map_err(fail)?;
                }
            }
        }
        for p in &self.paths {
            for a in p.arrows.iter().filter(|a| a.kind == "full") {
                let Some(parts) = arrow(a, s.px(11) as f64) else { continue };
                let halo = WHITE.stroke_width(s.stroke(5.0));
                chart.draw_series(std::iter::once(PathElement::new(parts[0].clone(), halo))).map_err(fail)?;
                let style = INK.stroke_width(s.stroke(3.0));
                chart
                    .draw_series(std::iter::once(PathElement::new(parts[0].clone(), style)))
                    .map_err(fail)?;
                chart
                    .draw_series(std::iter::once(Polygon::new(parts[1].clone(), INK.filled())))
                    .map_err(fail)?;
            }
        }
        let starts = self.paths.iter().filter_map(|p| p.points.first()).take(1);
        for t in starts {
            chart
                .draw_series(std::iter::once(Circle::new((t.w0, t.w1), s.px(7.5), WHITE.filled())))
                .map_err(fail)?;
            chart
                .draw_series(std::iter::once(Circle::new((t.w0, t.w1), s.px(5.5), INK.filled())))
                .map_err(fail)?;
        }
        legend(&side, &self.legend, s)?;
        self.colour_bar(&side, s)
    }
}

impl LandscapeChart {
    /// The colour bar under the legend: the bands, ticks at round losses, "training loss" above.
    fn colour_bar<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>, s: &Style) -> DrawResult {
        let f = &self.field;
        let height = area.dim_in_pixel().1 as i32;
        let top = s.px(34.0 + 24.0 * self.legend.len() as f64 + 34.0);
        let bottom = height - s.px(64);
        let (x0, x1) = (s.px(8), s.px(30));
        if bottom - top < s.px(60) {
            return Ok(());
        }
        let left = s.font(LABEL_SIZE).pos(Pos::new(HPos::Left, VPos::Bottom));
        area.draw_text("training loss", &left, (x0, top - s.px(8))).map_err(fail)?;
        let y_of = |v: f64| bottom - ((v - f.lo) / (f.hi - f.lo) * f64::from(bottom - top)).round() as i32;
        for k in 0..LEVELS {
            let (a, b) = (y_of(f.threshold(k)), y_of(f.threshold(k + 1)));
            area.draw(&Rectangle::new([(x0, b), (x1, a)], band_colour(k).filled())).map_err(fail)?;
        }
        area.draw(&Rectangle::new([(x0, top), (x1, bottom)], INK.stroke_width(s.stroke(1.0))))
            .map_err(fail)?;
        let label = s.font(TICK_SIZE).pos(Pos::new(HPos::Left, VPos::Center));
        for loss in ticks(f.loss(f.lo), f.loss(f.hi), f.log) {
            let y = y_of(f.value(loss));
            let mark = INK.stroke_width(s.stroke(1.0));
            area.draw(&PathElement::new(vec![(x1, y), (x1 + s.px(5), y)], mark)).map_err(fail)?;
            area.draw_text(&tick(loss), &label, (x1 + s.px(9), y)).map_err(fail)?;
        }
        Ok(())
    }
}

/// Round values between `lo` and `hi`: 1, 2, 5 times powers of ten (decades only over a wide log range),
/// or about five evenly spaced round steps on a linear scale.
fn ticks(lo: f64, hi: f64, log: bool) -> Vec<f64> {
    if log {
        let decades = (hi / lo).log10();
        let steps: &[f64] = if decades > 3.5 {
            &[1.0]
        } else if decades > 1.5 {
            &[1.0, 3.0]
        } else {
            &[1.0, 2.0, 5.0]
        };
        let mut out = Vec::new();
        for e in lo.log10().floor() as i32..=hi.log10().ceil() as i32 {
            for m in steps {
                let v = m * 10f64.powi(e);
                if v >= lo && v <= hi {
                    out.push(v);
                }
            }
        }
        out
    } else {
        let raw = (hi - lo) / 5.0;
        let mag = 10f64.powf(raw.log10().floor());
        let step = [1.0, 2.0, 5.0, 10.0].into_iter().map(|m| m * mag).find(|&st| st >= raw).unwrap_or(raw);
        let first = (lo / step).ceil() as i64;
        (first..).map(|k| k as f64 * step).take_while(|&v| v <= hi).collect()
    }
}

/// `points` cut into pieces at sharp turns (as seen on screen with `scale` pixels per unit), so that no
/// mitred corner of a wide line spikes out of a reversal.
fn unfold(points: &[(f64, f64)], scale: (f64, f64)) -> Vec<Vec<(f64, f64)>> {
    let mut pieces = Vec::new();
    let mut piece: Vec<(f64, f64)> = Vec::new();
    for &p in points {
        if let [.., a, b] = piece[..] {
            let (u, v) = ((b.0 - a.0) * scale.0, (b.1 - a.1) * scale.1);
            let (s, t) = ((p.0 - b.0) * scale.0, (p.1 - b.1) * scale.1);
            let cos = (u * s + v * t) / (u.hypot(v) * s.hypot(t));
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

/// "1, 16 and full batch"
fn list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}
