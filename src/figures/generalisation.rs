//! generalisation: final test accuracy and final test loss against batch size, and the generalisation gap
//! (test minus training loss) where each run crossed the target, i.e. at comparable training loss; the
//! chosen rate of each batch size (every rate in grey with `plots.learning_rates = "all"`), with the
//! repeats as min-max error bars. Keskar et al. 2017's claim is cited only when the analysis supports it.

use super::by_batch::{Value, lines, sizes};
use super::keys;
use super::legend::Legend;
use super::xy::{XScale, XyChart};
use super::{Context, Rendered, select};
use crate::error::Result;

/// Adds the two figures (accuracy, loss), or says why one is missing.
pub fn add(ctx: &Context<'_>, out: &mut Rendered) -> Result<()> {
    let loss_desc = format!("final test loss ({}{})", ctx.loss_name(), ctx.log_note());
    let charts: [(&str, &str, String, bool, Value); 3] = [
        ("generalisation_accuracy", "Final test accuracy", "final test accuracy".into(), false, |r| {
            r.final_test_accuracy.filter(|_| !r.failed)
        }),
        ("generalisation_loss", "Final test loss", loss_desc, ctx.plots.log_y, |r| {
            r.final_test_loss.filter(|l| l.is_finite() && !r.failed)
        }),
        (
            "generalisation_gap",
            "Generalisation gap at the target",
            "test minus training loss at the target".into(),
            false,
            |r| r.gap_at_target.filter(|g| g.is_finite() && !r.failed),
        ),
    ];
    let failed = keys::failures(&select::configs(ctx));
    for (name, what, y_desc, y_log, value) in charts {
        let regression = ctx.results.settings.data.task == crate::spec::Task::Regression;
        if regression && name == "generalisation_accuracy" {
            continue;
        }
        let (series, entries) = lines(ctx, value, true);
        let shown = sizes(&series);
        if shown.len() < 2 {
            let why = if ctx.analysis.runs.iter().all(|r| value(r).is_none()) {
                "no run has it (regression, no test split, or every run failed)".to_string()
            } else {
                format!("only {} batch size has it: a single point", shown.len())
            };
            out.skip(name, format!("{what}: {why}"));
            continue;
        }
        let chart = XyChart {
            title: format!("{what} against batch size"),
            x_desc: "batch size B (log scale)".into(),
            y_desc,
            x: XScale::Batch(shown),
            y_log,
            series,
            diagonal: false,
            legend: Legend::of(entries.into_iter().chain(failed.iter().cloned()).collect()),
        };
        let when = if name == "generalisation_gap" {
            "where each run crossed the target (comparable training loss)"
        } else {
            "after the last epoch (a fixed budget: batch sizes may differ in how far they trained)"
        };
        let keskar = if ctx.analysis.generalisation.claim == crate::analysis::Claim::SmallerAtSmallBatch {
            " The gap grows with the batch size beyond its interval, as Keskar et al. 2017 report."
        } else {
            ""
        };
        let caption = format!(
            "{what} {when}, {}: mean over repeats, error bars from the lowest to the highest repeat; \
             configurations with a repeat that diverged or ended above its initial training loss are left \
             out.{keskar}",
            super::rates_shown(ctx)
        );
        out.figures.push(ctx.figure(name, caption, &chart)?);
    }
    Ok(())
}
