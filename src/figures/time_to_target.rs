//! time_to_target: training seconds until the target against batch size, one line per learning rate and
//! the best rate in ink with min-max error bars over repeats.

use super::by_batch::lines;
use super::frame::{Entry, Mark};
use super::xy::{Scale, XyChart};
use super::{Context, Figure};
use crate::analysis::Analysis;
use crate::error::Result;

/// The figure, or none when no run reached the target.
pub fn figures(ctx: &Context<'_>, analysis: &Analysis) -> Result<Vec<Figure>> {
    let drawn =
        lines(analysis, &ctx.results.settings.sweep, |r| r.seconds_to_target.filter(|s| *s > 0.0), true);
    if drawn.is_empty() {
        return Ok(Vec::new());
    }
    let legend = drawn.iter().map(|(s, label)| Entry::new(label, s.colour, Mark::Line)).collect();
    let chart = XyChart {
        title: "Training time to the target against batch size".into(),
        x_desc: "batch size B (log2)".into(),
        y_desc: "training seconds to the target (log)".into(),
        x: Scale::Log2,
        y: Scale::Log10,
        series: drawn.into_iter().map(|(s, _)| s).collect(),
        diagonal: false,
        legend,
    };
    let caption = format!(
        "Training seconds (evaluation and probes excluded) until the {}; mean over repeats, error bars min to \
         max at the best rate. Wall time depends on the machine and its load.",
        analysis.target.describe()
    );
    Ok(vec![ctx.figure("time_to_target", caption, &chart)?])
}
