//! memory: peak bytes a run held against batch size, measured by the counting allocator (mean over the
//! runs of a batch size, error bars min to max) and by the analytic count.

use super::by_batch::{points, series};
use super::frame::{Entry, Mark};
use super::xy::{Draw, Scale, XyChart};
use super::{Context, FIT, Figure, INK};
use crate::analysis::Analysis;
use crate::error::Result;

fn kib(bytes: Option<u64>) -> Option<f64> {
    bytes.map(|b| b as f64 / 1024.0)
}

/// The figure, or none when no run has a memory measurement.
pub fn figures(ctx: &Context<'_>, analysis: &Analysis) -> Result<Vec<Figure>> {
    let measured = points(analysis.runs.iter(), |r| kib(r.peak_bytes));
    if measured.is_empty() {
        return Ok(Vec::new());
    }
    let analytic = points(analysis.runs.iter(), |r| kib(r.analytic_bytes));
    let chart = XyChart {
        title: "Memory of a training run against batch size".into(),
        x_desc: "batch size B (log2)".into(),
        y_desc: "peak memory held (KiB, log)".into(),
        x: Scale::Log2,
        y: Scale::Log10,
        series: vec![series(&measured, INK, Draw::Line, true), series(&analytic, FIT, Draw::Dashed, false)],
        diagonal: false,
        legend: vec![
            Entry::new("measured peak", INK, Mark::Line),
            Entry::new("analytic count", FIT, Mark::Dashed),
        ],
    };
    let caption = "Peak bytes held during each run above what its thread held before (counting allocator, \
                   thread-local; mean over runs, error bars min to max) and the analytic count: parameters, \
                   gradients, optimiser state, batch activations and errors, evaluation and probe buffers."
        .to_string();
    Ok(vec![ctx.figure("memory", caption, &chart)?])
}
