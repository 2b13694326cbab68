//! convergence_iteration, the smoothness picture: the mini-batch loss of every update, one panel per batch
//! size with shared axes (first repeat). Each panel shows its raw trace (light; min and max per pixel
//! column, so the noise envelope stays) and a debiased moving average whose window is a fixed number of
//! examples (`plots.smoothing` of an epoch), so the smoothing means the same at every batch size; the
//! other batch sizes' averages are drawn in grey for comparison. The x axis is `plots.x_axis`: updates
//! (log scale, so the 30 updates of the full batch and the 43,110 of B = 1 both show), examples, epochs or
//! training seconds.

use super::axis::Axis;
use super::draw::{self, Anchor, Dash, Stroke};
use super::legend::{Entry, Legend, Mark};
use super::palette::tint;
use super::select::Config;
use super::series::{decimate_mean, decimate_min_max, smooth_by_examples};
use super::{Chart, Context, DrawResult, INK, LEGEND_SIZE, Rendered, Style, keys, layout, select};
use crate::error::Result;
use crate::records::RunRecords;
use crate::spec::XAxis;
use plotters::prelude::*;

const NAME: &str = "convergence_iteration";
/// Pixel columns the series are decimated to.
const BUCKETS: usize = 500;
/// Grey of the other batch sizes' averages.
const OTHERS: RGBColor = RGBColor(200, 200, 200);

/// One configuration's traces.
struct Trace {
    colour: RGBColor,
    width: f64,
    /// The chosen (or only) rate of its batch size: its raw trace is drawn, and it is the grey reference in
    /// the other panels.
    main: bool,
    raw: Vec<(f64, f64)>,
    smooth: Vec<(f64, f64)>,
    /// Its run failed: an "×" marks where the average ends or leaves the plot.
    failed: bool,
}

/// The traces of one panel (one batch size).
struct Panel {
    title: String,
    traces: Vec<Trace>,
}

struct IterationChart {
    x_axis: XAxis,
    log_y: bool,
    x_desc: String,
    y_desc: String,
    panels: Vec<Panel>,
    legend: Legend,
}

/// Adds the figure, or says why there is none.
pub fn add(ctx: &Context<'_>, out: &mut Rendered) -> Result<()> {
    let configs = select::configs(ctx);
    let tau = ctx.plots.smoothing * train_examples(ctx) as f64;
    let mut panels: Vec<Panel> = Vec::new();
    for c in configs.iter().filter(|c| !c.runs[0].iterations.is_empty()) {
        let trace = trace(c, ctx.plots.x_axis, tau, train_examples(ctx) as f64);
        match panels.last_mut() {
            Some(p) if p.title == panel_title(c) => p.traces.push(trace),
            _ => panels.push(Panel { title: panel_title(c), traces: vec![trace] }),
        }
    }
    if panels.is_empty() {
        out.skip(NAME, "no run has per-update records");
        return Ok(());
    }
    let mut legend = Legend { below: true, ..Legend::default() };
    legend.entries.push(Entry::new("mini-batch loss (first repeat)", tint(INK, 0.35), Mark::Thin));
    legend.entries.push(Entry::line("moving average", INK));
    if panels.len() > 1 {
        legend.entries.push(Entry::new("other batch sizes", OTHERS, Mark::Line(Dash::Solid)));
    }
    let ranks = configs.iter().map(|c| c.ranks).max().unwrap_or(1);
    if ranks > 1 {
        legend.entries.extend(keys::rates(&ctx.results.settings.sweep, ranks, Mark::Line(Dash::Solid)));
    }
    legend.entries.extend(keys::failures(&configs));
    let chart = IterationChart {
        x_axis: ctx.plots.x_axis,
        log_y: ctx.plots.log_y,
        x_desc: x_desc(ctx.plots.x_axis).into(),
        y_desc: format!("mini-batch loss ({}{})", ctx.loss_name(), ctx.log_note()),
        panels,
        legend,
    };
    out.figures.push(ctx.figure(NAME, caption(ctx, tau, &configs), &chart)?);
    Ok(())
}

fn caption(ctx: &Context<'_>, tau: f64, configs: &[Config<'_>]) -> String {
    let smoothing = if tau > 0.0 {
        format!(
            "a debiased exponential moving average with a time constant of {} epoch ({} examples) at every batch \
             size, so the smoothing means the same whatever the batch size, drawn from the update where it first \
             spans that many examples",
            ctx.plots.smoothing,
            tau.round()
        )
    } else {
        "no moving average (plots.smoothing = 0)".into()
    };
    format!(
        "Mini-batch loss of every update, one panel per batch size with shared axes, first repeat, {}: light, the \
         raw loss (lowest and highest per pixel column); dark, {smoothing}; grey, the averages of the other batch sizes that did not fail.{}",
        super::rates_shown(ctx),
        super::failed_note(configs)
    )
}

fn panel_title(c: &Config<'_>) -> String {
    if c.ranks > 1 { select::batch_label(c.batch_size, c.full) } else { c.label.clone() }
}

/// Training examples N, from the run records.
fn train_examples(ctx: &Context<'_>) -> usize {
    ctx.results.runs.first().map_or(1, |r| {
        let s = r.summary();
        let n = r.file.train_examples;
        if n > 0 { n } else { s.updates_per_epoch.saturating_sub(1) * s.batch_size + s.last_batch_size }
    })
}

fn trace(c: &Config<'_>, axis: XAxis, tau: f64, n: f64) -> Trace {
    let run: &RunRecords = c.runs[0];
    let records = &run.iterations;
    let xs: Vec<f64> = records
        .iter()
        .map(|r| match axis {
            XAxis::Iterations => r.iteration as f64,
            XAxis::Examples => r.examples_seen as f64,
            XAxis::Epochs => r.examples_seen as f64 / n,
            XAxis::Seconds => r.wall_s,
        })
        .collect();
    let mut previous = 0.0;
    let batches: Vec<f64> = records
        .iter()
        .map(|r| {
            let b = r.examples_seen as f64 - previous;
            previous = r.examples_seen as f64;
            b
        })
        .collect();
    let losses: Vec<f64> = records.iter().map(|r| r.loss).collect();
    let smooth = smooth_by_examples(&batches, &losses, tau);
    let log = axis == XAxis::Iterations;
    let t = |x: f64| if log { x.max(1.0).ln() } else { x };
    let raw: Vec<(f64, f64)> =
        xs.iter().copied().zip(losses.iter().copied()).filter(|p| p.1.is_finite()).collect();
    let smooth: Vec<(f64, f64)> = xs.iter().zip(&smooth).map(|(&x, s)| (x, s.unwrap_or(f64::NAN))).collect();
    let failed = c.failures.iter().any(|f| f.repeat == run.summary().repeat);
    Trace {
        colour: c.colour,
        width: c.width() * 0.9,
        main: c.chosen || c.ranks <= 1,
        raw: decimate_min_max(&raw, BUCKETS, t),
        smooth: decimate_mean(&smooth, BUCKETS, t),
        failed,
    }
}

fn x_desc(axis: XAxis) -> &'static str {
    match axis {
        XAxis::Iterations => "updates (log scale)",
        XAxis::Examples => "training examples seen",
        XAxis::Epochs => "epochs (examples seen / N)",
        XAxis::Seconds => "training time (s)",
    }
}

impl IterationChart {
    fn axes(&self) -> (Axis, Axis) {
        let log_x = self.x_axis == XAxis::Iterations;
        let traces = || self.panels.iter().flat_map(|p| p.traces.iter());
        let xs = traces().flat_map(|t| t.raw.iter().map(|p| p.0));
        let healthy: Vec<&Trace> = traces().filter(|t| !t.failed).collect();
        let ys: Vec<f64> = if healthy.is_empty() { traces().collect::<Vec<_>>() } else { healthy }
            .iter()
            .flat_map(|t| {
                t.smooth.iter().chain(if t.smooth.iter().all(|p| p.1.is_nan()) { &t.raw[..] } else { &[] })
            })
            .map(|p| p.1)
            .collect();
        let x = Axis::auto(xs, log_x, &self.x_desc);
        let x = if log_x { Axis::fixed(1.0, x.hi, true, &self.x_desc) } else { x };
        // The range follows the averages, widened a little: one near-zero example loss must not squash the
        // curves; the raw traces are clipped at the frame.
        let (lo, hi) = super::axis::extent(ys.iter().copied(), self.log_y).unwrap_or((0.1, 1.0));
        let y = if self.log_y {
            Axis::fixed(lo / 3.0, hi * 1.6, true, &self.y_desc)
        } else {
            Axis::auto([lo - (hi - lo) * 0.3, hi + (hi - lo) * 0.1], false, &self.y_desc)
        };
        (x, y)
    }

    fn columns(&self, width: f64, height: f64) -> usize {
        layout::grid_shape(self.panels.len(), width / height).0
    }
}

impl Chart for IterationChart {
    fn legend(&self) -> Option<&Legend> {
        Some(&self.legend)
    }

    fn height(&self, width: u32, height: u32) -> u32 {
        let columns = self.columns(f64::from(width) * 0.8, f64::from(height) * 0.8);
        let rows = self.panels.len().div_ceil(columns) as f64;
        height.max((f64::from(width) / 960.0 * (110.0 + rows * 190.0)).round() as u32)
    }

    fn draw<DB: DrawingBackend>(&self, root: &draw::Area<DB>, s: &Style) -> DrawResult {
        let title = "Mini-batch loss per update: raw and averaged over a fixed number of examples";
        let body = layout::canvas(root, title, &self.legend, s)?;
        let (x, y) = self.axes();
        let columns = self.columns(body.width(), body.height());
        let frames = layout::grid(root, body, (self.panels.len(), columns), &x, &y, s)?;
        for (frame, panel) in frames.iter().zip(&self.panels) {
            for other in self.panels.iter().filter(|p| p.title != panel.title) {
                for t in other.traces.iter().filter(|t| t.main && !t.failed) {
                    frame.line(root, &t.smooth, Stroke::solid(OTHERS, 1.2), s)?;
                }
            }
            for t in &panel.traces {
                if t.main || panel.traces.len() == 1 {
                    frame.line(root, &t.raw, Stroke::solid(tint(t.colour, 0.35), 0.6), s)?;
                }
            }
            for t in &panel.traces {
                let pieces = frame.line(root, &t.smooth, Stroke::solid(t.colour, t.width), s)?;
                let ends = if t.smooth.iter().any(|p| p.1.is_finite()) { &t.smooth } else { &t.raw };
                if let Some(end) = frame.end_mark(&pieces, ends).filter(|_| t.failed) {
                    draw::cross(root, end, 5.0, t.colour, s)?;
                }
            }
            let at = (frame.rect.x0 + s.px(2.0), frame.rect.y0 - s.px(3.0));
            let size = draw::fitting(&panel.title, LEGEND_SIZE, frame.rect.width(), s);
            draw::text(root, &panel.title, at, size, Anchor::BottomLeft, s)?;
        }
        Ok(())
    }
}
