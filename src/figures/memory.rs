//! memory: peak bytes a run held against batch size, measured by the counting allocator (mean over the
//! runs of a batch size, error bars min to max) and by the analytic count.

use super::by_batch::{points, sizes};
use super::draw::Dash;
use super::legend::{Entry, Legend, Mark};
use super::xy::{XScale, XyChart, XySeries};
use super::{Context, FIT, INK, Rendered};
use crate::error::Result;

const NAME: &str = "memory";

fn kib(bytes: Option<u64>) -> Option<f64> {
    bytes.map(|b| b as f64 / 1024.0)
}

/// Adds the figure, or says why there is none.
pub fn add(ctx: &Context<'_>, out: &mut Rendered) -> Result<()> {
    let measured = points(ctx.analysis.runs.iter(), |r| kib(r.peak_bytes));
    let analytic = points(ctx.analysis.runs.iter(), |r| kib(r.analytic_bytes));
    let mut line = XySeries::line(INK, measured.iter().map(|p| (p.0, p.1)).collect());
    line.errors = measured.iter().map(|p| (p.0, p.2, p.3)).collect();
    line.dot_colours = measured.iter().map(|p| ctx.palette.colour(p.0 as usize)).collect();
    line.dots = 5.0;
    let count = XySeries::line(FIT, analytic.iter().map(|p| (p.0, p.1)).collect()).dashed(Dash::Dashed);
    let series = vec![line, count];
    let shown = sizes(&series);
    if measured.is_empty() || shown.len() < 2 {
        out.skip(
            NAME,
            if measured.is_empty() {
                "no run has a memory measurement"
            } else {
                "a single batch size: a single point"
            },
        );
        return Ok(());
    }
    let chart = XyChart {
        title: "Memory of a training run against batch size".into(),
        x_desc: "batch size B (log scale)".into(),
        y_desc: "peak memory held (KiB, log scale)".into(),
        x: XScale::Batch(shown),
        y_log: true,
        series,
        diagonal: false,
        legend: Legend::of(vec![
            Entry::line("measured peak", INK),
            Entry::new("analytic count", FIT, Mark::Line(Dash::Dashed)),
        ]),
    };
    let caption = "Peak bytes held during each run above what its thread held before (counting allocator, \
                   thread-local; mean over runs, error bars min to max) and the analytic count: parameters, \
                   gradients, optimiser state, batch activations and errors, evaluation and probe buffers."
        .to_string();
    out.figures.push(ctx.figure(NAME, caption, &chart)?);
    Ok(())
}
