//! convergence_iteration: the mini-batch loss of every update, raw as a faint line and smoothed with a
//! debiased exponential moving average (factor `plots.smoothing` per logged point, as TensorBoard and W&B
//! smooth), first repeat of each batch size. The x axis is `plots.x_axis`: iterations (log scale, so the 30
//! updates of the full batch and the 43,110 of B = 1 both show), examples seen or training seconds. Long
//! series are decimated to the min and max of each pixel column, so the files stay small and the noise
//! envelope stays visible; the smoothed line is drawn as its mean per pixel column.

use super::frame::{Entry, Mark, axes, builder, layout, legend, loss_name, range};
use super::series::{decimate_mean, decimate_min_max, ema_debiased, groups};
use super::{Chart, Context, DrawResult, Figure, INK, Style, fail};
use crate::error::Result;
use crate::schema::IterationRecord;
use crate::spec::XAxis;
use plotters::coord::Shift;
use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::prelude::*;

/// Pixel columns the series are decimated to.
const BUCKETS: usize = 700;

struct Trace {
    colour: RGBColor,
    raw: Vec<(f64, f64)>,
    smooth: Vec<(f64, f64)>,
}

struct IterationChart {
    x_axis: XAxis,
    log_y: bool,
    x_desc: String,
    y_desc: String,
    traces: Vec<Trace>,
    legend: Vec<Entry>,
}

/// The figure, or none without iteration records.
pub fn figures(ctx: &Context<'_>) -> Result<Vec<Figure>> {
    let x_axis = ctx.plots.x_axis;
    let log_x = x_axis == XAxis::Iterations;
    let t = |x: f64| if log_x { x.max(1.0).ln() } else { x };
    let mut traces = Vec::new();
    let mut legend = Vec::new();
    for g in groups(ctx.results) {
        let records = &g.runs[0].iterations;
        if records.is_empty() {
            continue;
        }
        let xs: Vec<f64> = records.iter().map(|r| x_of(r, x_axis)).collect();
        let raw: Vec<f64> = records.iter().map(|r| r.loss).collect();
        let smooth = ema_debiased(&raw, ctx.plots.smoothing.clamp(0.0, 0.9999));
        let zip = |ys: &[f64]| xs.iter().copied().zip(ys.iter().copied()).collect::<Vec<_>>();
        traces.push(Trace {
            colour: g.colour,
            raw: decimate_min_max(&zip(&raw), BUCKETS, t),
            smooth: decimate_mean(&zip(&smooth), BUCKETS, t),
        });
        legend.push(Entry::new(&g.label, g.colour, Mark::Line));
    }
    if traces.is_empty() {
        return Ok(Vec::new());
    }
    legend.push(Entry::new("raw", INK, Mark::Faint));
    legend.push(Entry::new(format!("smoothed ({})", ctx.plots.smoothing), INK, Mark::Line));
    let chart = IterationChart {
        x_axis,
        log_y: ctx.plots.log_y,
        x_desc: x_desc(x_axis).into(),
        y_desc: format!(
            "mini-batch loss ({}{})",
            loss_name(ctx.results),
            if ctx.plots.log_y { ", log" } else { "" }
        ),
        traces,
        legend,
    };
    let caption = format!(
        "Mini-batch loss of every update (faint) and its debiased moving average (factor {} per update), \
         first repeat of each batch size.",
        ctx.plots.smoothing
    );
    Ok(vec![ctx.figure("convergence_iteration", caption, &chart)?])
}

fn x_of(r: &IterationRecord, axis: XAxis) -> f64 {
    match axis {
        XAxis::Iterations => r.iteration as f64,
        XAxis::Examples => r.examples_seen as f64,
        XAxis::Seconds => r.wall_s,
    }
}

fn x_desc(axis: XAxis) -> &'static str {
    match axis {
        XAxis::Iterations => "updates (log scale)",
        XAxis::Examples => "training examples seen",
        XAxis::Seconds => "training time (s)",
    }
}

impl Chart for IterationChart {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, s: &Style) -> DrawResult {
        let (plot, side) = layout(root, "Mini-batch loss per update: raw and smoothed, by batch size", s)?;
        let log_x = self.x_axis == XAxis::Iterations;
        let x = range(self.traces.iter().flat_map(|t| t.raw.iter().map(|p| p.0)), log_x);
        let x = if log_x { 1.0..x.end } else { x };
        // The y range follows the smoothed lines, widened a little: a single near-zero example loss must
        // not squash every curve into the top of the chart.
        let y = range(self.traces.iter().flat_map(|t| t.smooth.iter().map(|p| p.1)), self.log_y);
        let y = if self.log_y { y.start / 3.0..y.end * 1.5 } else { y };
        match (log_x, self.log_y) {
            (true, true) => self.lines(&plot, x.log_scale(), y.clone().log_scale(), &y, s)?,
            (true, false) => self.lines(&plot, x.log_scale(), y.clone(), &y, s)?,
            (false, true) => self.lines(&plot, x, y.clone().log_scale(), &y, s)?,
            (false, false) => self.lines(&plot, x, y.clone(), &y, s)?,
        }
        legend(&side, &self.legend, s)
    }
}

impl IterationChart {
    fn lines<DB, X, Y>(
        &self,
        area: &DrawingArea<DB, Shift>,
        x: X,
        y: Y,
        clip: &std::ops::Range<f64>,
        s: &Style,
    ) -> DrawResult
    where
        DB: DrawingBackend,
        X: AsRangedCoord<Value = f64>,
        X::CoordDescType: ValueFormatter<f64> + Ranged<ValueType = f64>,
        Y: AsRangedCoord<Value = f64>,
        Y::CoordDescType: ValueFormatter<f64> + Ranged<ValueType = f64>,
    {
        let mut chart = builder(area, s).build_cartesian_2d(x, y).map_err(fail)?;
        axes(&mut chart, &self.x_desc, &self.y_desc, s)?;
        let clamp = |p: &(f64, f64)| (p.0, p.1.clamp(clip.start, clip.end));
        for t in self.traces.iter().rev() {
            // One pixel wide at every scale: plotters fills wider lines as polygons, and thin steep ones overshoot.
            let style = super::tint(t.colour, 0.22).stroke_width(1);
            chart.draw_series(LineSeries::new(t.raw.iter().map(clamp), style)).map_err(fail)?;
        }
        for t in &self.traces {
            let halo = WHITE.stroke_width(s.stroke(4.5));
            chart.draw_series(LineSeries::new(t.smooth.iter().map(clamp), halo)).map_err(fail)?;
            let style = t.colour.stroke_width(s.stroke(2.2));
            chart.draw_series(LineSeries::new(t.smooth.iter().map(clamp), style)).map_err(fail)?;
        }
        Ok(())
    }
}
