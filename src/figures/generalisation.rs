//! generalisation: final test accuracy and final test loss against batch size (Keskar et al. 2017 report
//! that large batches generalise worse), one line per learning rate and the best rate in ink, with the
//! repeats as min-max error bars.

use super::by_batch::{Value, lines};
use super::frame::{Entry, Mark, loss_name};
use super::xy::{Scale, XyChart};
use super::{Context, Figure};
use crate::analysis::Analysis;
use crate::error::Result;

/// Two figures (accuracy, loss), each only when some run has its value.
pub fn figures(ctx: &Context<'_>, analysis: &Analysis) -> Result<Vec<Figure>> {
    let log = if ctx.plots.log_y { Scale::Log10 } else { Scale::Linear };
    let loss_desc =
        format!("final test loss ({}{})", loss_name(ctx.results), if ctx.plots.log_y { ", log" } else { "" });
    let charts: [(&str, &str, String, Scale, Value); 2] = [
        (
            "generalisation_accuracy",
            "Final test accuracy",
            "final test accuracy".into(),
            Scale::Linear,
            |r| r.final_test_accuracy.filter(|_| !r.failed),
        ),
        ("generalisation_loss", "Final test loss", loss_desc, log, |r| {
            r.final_test_loss.filter(|l| l.is_finite() && !r.failed)
        }),
    ];
    let mut out = Vec::new();
    for (name, what, y_desc, y, value) in charts {
        let drawn = lines(analysis, &ctx.results.settings.sweep, value, true);
        if drawn.is_empty() {
            continue;
        }
        let legend = drawn.iter().map(|(s, label)| Entry::new(label, s.colour, Mark::Line)).collect();
        let chart = XyChart {
            title: format!("{what} against batch size"),
            x_desc: "batch size B (log2)".into(),
            y_desc,
            x: Scale::Log2,
            y,
            series: drawn.into_iter().map(|(s, _)| s).collect(),
            diagonal: false,
            legend,
        };
        let caption = format!(
            "{what} after the last epoch, mean over repeats with error bars from the lowest to the highest \
             repeat (best rate in ink); configurations with a repeat that diverged or ended above its initial training loss are left out. Keskar et al. 2017 report that large batches generalise worse."
        );
        out.push(ctx.figure(name, caption, &chart)?);
    }
    Ok(out)
}
