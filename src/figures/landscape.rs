//! landscape: filled contours of the training loss over the landscape plane (repeat 0), the path of every
//! batch size from the same start on top, the grid's minimum marked, and at a few well-spread points the
//! full-batch descent direction (black) with the mini-batch directions (thin, the run's colour), all at one
//! scale (see [`super::arrows`]).

use super::arrows::{self, Anchor};
use super::axis::Axis;
use super::clip::{self, Rect};
use super::contour::{Field, LEVELS, band_colour};
use super::draw::{self, Dash, Stroke};
use super::frame::Frame;
use super::legend::{ColourBar, Entry, Legend, Mark};
use super::{Chart, Context, DrawResult, INK, Rendered, Style, layout, select, ticks};
use crate::error::Result;
use crate::plan::{Settings, SourcePlan};
use crate::schema::TrajectoryRecord;
use crate::spec::Task;
use plotters::prelude::*;

const NAME: &str = "landscape";
/// Refined cells aim at this many SVG units: small enough that bands and lines agree to the eye.
const CELL: f64 = 2.5;

/// One run's path and arrows.
struct PathLine {
    colour: RGBColor,
    width: f64,
    points: Vec<TrajectoryRecord>,
    anchors: Vec<Anchor>,
}

struct LandscapeChart {
    title: String,
    field: Field,
    grey: bool,
    x_desc: String,
    y_desc: String,
    paths: Vec<PathLine>,
    legend: Legend,
}

/// Adds the figure, or says why there is none.
pub fn add(ctx: &Context<'_>, out: &mut Rendered) -> Result<()> {
    let results = ctx.results;
    let Some(grid) = results.landscapes.iter().find(|g| g.repeat == 0).or(results.landscapes.first()) else {
        if results.settings.landscape.is_some() {
            out.skip(NAME, "no landscape grid in the results folder");
        }
        return Ok(());
    };
    let Some(field) = Field::new(&grid.points) else {
        out.skip(NAME, format!("landscape/rep{}.csv is not a complete grid of finite losses", grid.repeat));
        return Ok(());
    };
    let (paths, mut legend) = paths(ctx, grid.repeat);
    let grey = ctx.palette.sequential();
    legend.bar = Some(loss_bar(&field, grey));
    let two = two_parameters(&results.settings);
    let (x_desc, y_desc) =
        if two { ("weight w0", "weight w1") } else { ("PCA direction 1", "PCA direction 2") };
    let chart = LandscapeChart {
        title: "Loss landscape: paths from the same start".into(),
        field,
        grey,
        x_desc: x_desc.into(),
        y_desc: y_desc.into(),
        paths,
        legend,
    };
    let scale = if chart.field.log { "log colour scale" } else { "linear colour scale" };
    let caption = format!(
        "Training loss over the {} plane (repeat {}, {scale}) with each batch size's path from the same start, {}. \
         Arrows, at a few points where the full-batch gradient is at least a sixth of its largest value: the \
         full-batch descent direction (black) and the mini-batch directions of the run's batch size (thin), all \
         at one scale, length proportional to the gradient in the plane; ×: the lowest loss on the grid.",
        if two { "(w0, w1)" } else { "PCA" },
        grid.repeat,
        super::rates_shown(ctx)
    );
    out.figures.push(ctx.figure(NAME, caption, &chart)?);
    Ok(())
}

/// The path and arrows of every configuration shown, in `repeat`, with the legend entries.
fn paths(ctx: &Context<'_>, repeat: u64) -> (Vec<PathLine>, Legend) {
    let mut paths = Vec::new();
    let mut legend = Legend::default();
    for c in &select::configs(ctx) {
        let Some(run) = c.runs.iter().find(|r| r.summary().repeat == repeat) else { continue };
        // B = 1 wanders: a thin line keeps the others visible; the full batch's few steps stand out.
        let width = if c.batch_size == 1 {
            1.0
        } else if c.full {
            2.6
        } else {
            1.9
        };
        let mark = if width < 1.5 { Mark::Thin } else { Mark::Line(Dash::Solid) };
        legend.entries.push(Entry::new(&c.label, c.colour, mark));
        let anchors = arrows::anchors(run.arrows.as_deref().unwrap_or_default(), c.colour, c.full);
        paths.push(PathLine {
            colour: c.colour,
            width,
            points: run.trajectory.clone().unwrap_or_default(),
            anchors,
        });
    }
    legend.entries.push(Entry::new("start", INK, Mark::Dot));
    legend.entries.push(Entry::new("grid minimum", INK, Mark::Cross));
    legend.entries.push(Entry::line("full-batch direction", INK));
    legend.entries.push(Entry::new("mini-batch directions", super::GUIDE, Mark::Thin));
    (paths, legend)
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

/// The colour bar of the loss bands, ticked at round losses.
fn loss_bar(f: &Field, grey: bool) -> ColourBar {
    let (lo, hi) = (f.loss(f.lo), f.loss(f.hi));
    let values = if f.log { ticks::log(lo, hi) } else { ticks::linear(lo, hi) };
    let labels = if f.log { ticks::log_labels(&values) } else { ticks::linear_labels(&values).0 };
    let frac = |v: f64| if f.log { (v.ln() - f.lo) / (f.hi - f.lo) } else { (v - f.lo) / (f.hi - f.lo) };
    ColourBar {
        title: "training loss".into(),
        colours: (0..LEVELS).map(|k| band_colour(k, grey)).collect(),
        ticks: values.iter().zip(labels).map(|(v, l)| (frac(*v), l)).rev().collect(),
    }
}

impl Chart for LandscapeChart {
    fn legend(&self) -> Option<&Legend> {
        Some(&self.legend)
    }

    fn draw<DB: DrawingBackend>(&self, root: &draw::Area<DB>, s: &Style) -> DrawResult {
        let body = layout::canvas(root, &self.title, &self.legend, s)?;
        let f = &self.field;
        let x = Axis::fixed(f.xs[0], f.xs[f.xs.len() - 1], false, &self.x_desc);
        let y = Axis::fixed(f.ys[0], f.ys[f.ys.len() - 1], false, &self.y_desc);
        let frame = layout::place(root, body, x, y, s)?;
        let cells = f.xs.len().max(f.ys.len()) as f64;
        let fine = f.refined(((frame.rect.width() / s.px(CELL)) / cells).ceil() as usize);
        self.field(root, &frame, &fine, s)?;
        frame.axes(root, super::frame::Labels { x: true, y: true, grid: false }, s)?;
        for p in &self.paths {
            let points: Vec<(f64, f64)> = p.points.iter().map(|t| (t.w0, t.w1)).collect();
            if p.width > 1.2 {
                frame.line(root, &points, Stroke::solid(WHITE, p.width + 2.0), s)?;
            }
            frame.line(root, &points, Stroke::solid(p.colour, p.width), s)?;
        }
        let candidates: Vec<Anchor> = self.paths.iter().flat_map(|p| p.anchors.iter().cloned()).collect();
        let (kept, scale) = arrows::choose(&candidates, &frame, f.minimum());
        for a in &kept {
            self.arrows(root, &frame, a, scale, s)?;
        }
        if let Some(start) =
            self.paths.iter().find_map(|p| p.points.first()).and_then(|t| frame.at(t.w0, t.w1))
        {
            draw::dot(root, start, 7.5, WHITE, s)?;
            draw::dot(root, start, 5.5, INK, s)?;
        }
        if let Some(m) = frame.at(f.minimum().0, f.minimum().1).filter(|m| frame.rect.contains(*m)) {
            draw::cross(root, m, 6.0, INK, s)?;
        }
        Ok(())
    }
}

impl LandscapeChart {
    /// The filled bands and the contour lines of every second level, both from the refined grid.
    fn field<DB: DrawingBackend>(
        &self,
        root: &draw::Area<DB>,
        frame: &Frame,
        fine: &Field,
        s: &Style,
    ) -> DrawResult {
        for (a, b, k) in fine.bands() {
            let (Some(p), Some(q)) = (frame.at(a.0, a.1), frame.at(b.0, b.1)) else { continue };
            let (x0, x1, y0, y1) = (p.0.min(q.0), p.0.max(q.0), p.1.min(q.1), p.1.max(q.1));
            draw::fill(root, &[(x0, y0), (x1, y0), (x1, y1), (x0, y1)], band_colour(k, self.grey))?;
        }
        let line = Stroke::solid(RGBColor(255, 255, 255), 0.8);
        for k in (2..LEVELS).step_by(2) {
            let pieces: Vec<Vec<(f64, f64)>> = fine
                .contour(fine.threshold(k))
                .iter()
                .filter_map(|[a, b]| clip::segment(frame.at(a.0, a.1)?, frame.at(b.0, b.1)?, frame.rect))
                .map(|(p, q)| vec![p, q])
                .collect();
            draw::pieces(root, &pieces, line, s)?;
        }
        Ok(())
    }

    fn arrows<DB: DrawingBackend>(
        &self,
        root: &draw::Area<DB>,
        frame: &Frame,
        a: &Anchor,
        scale: f64,
        s: &Style,
    ) -> DrawResult {
        let Some(from) = frame.at(a.at.0, a.at.1) else { return Ok(()) };
        let rect: Rect = frame.rect;
        for g in &a.minis {
            if let Some((shaft, head)) = arrows::shape(from, *g, scale, s.px(6.0), rect) {
                draw::pieces(root, &[shaft, head], Stroke::solid(a.colour, 1.2), s)?;
            }
        }
        if let Some((shaft, head)) = arrows::shape(from, a.full, scale, s.px(11.0), rect) {
            draw::pieces(root, std::slice::from_ref(&shaft), Stroke::solid(WHITE, 5.0), s)?;
            draw::pieces(root, &[shaft], Stroke::solid(INK, 3.0), s)?;
            draw::fill(root, &head, INK)?;
        }
        Ok(())
    }
}
