//! convergence_epoch: full training loss (solid) and test loss (dashed) after every epoch, one colour per
//! batch size at its chosen learning rate (or every rate), mean over repeats with a shaded band; failed
//! configurations repeat by repeat, marked where they diverged.

use super::band::{BandChart, curves};
use super::draw::Dash;
use super::legend::{Entry, Mark};
use super::{Context, GUIDE, INK, Rendered, keys, select};
use crate::error::Result;
use crate::records::RunRecords;

const NAME: &str = "convergence_epoch";

/// Adds the figure, or says why there is none.
pub fn add(ctx: &Context<'_>, out: &mut Rendered) -> Result<()> {
    let configs = select::configs(ctx);
    let band = ctx.plots.band;
    let mut all = Vec::new();
    let mut has_test = false;
    for c in &configs {
        all.extend(curves(c, band, Dash::Solid, |r: &RunRecords| {
            r.epochs.iter().map(|e| (e.epoch as f64, e.train_loss)).collect()
        }));
        let test = curves(c, band, Dash::Dashed, |r: &RunRecords| {
            r.epochs.iter().filter_map(|e| Some((e.epoch as f64, e.test_loss?))).collect()
        });
        has_test |= !test.is_empty();
        all.extend(test);
    }
    if all.is_empty() {
        out.skip(NAME, "no run has per-epoch records");
        return Ok(());
    }
    let mut legend = keys::configs(ctx, &configs, Mark::Line(Dash::Solid));
    let at = legend.entries.iter().position(|e| e.mark == Mark::Cross).unwrap_or(legend.entries.len());
    let mut styles = vec![Entry::line("training loss", INK)];
    if has_test {
        styles.push(Entry::new("test loss", INK, Mark::Line(Dash::Dashed)));
    }
    styles.push(Entry::new(super::band_name(band), GUIDE, Mark::Band));
    legend.entries.splice(at..at, styles);
    let chart = BandChart {
        title: "Training and test loss per epoch".into(),
        x_desc: "epoch (passes over the training set)".into(),
        y_desc: format!("loss ({}{})", ctx.loss_name(), ctx.log_note()),
        log_y: ctx.plots.log_y,
        curves: all,
        legend,
    };
    let caption = format!(
        "Full training loss (solid) and test loss (dashed) after each epoch, {}; {}.{}",
        super::rates_shown(ctx),
        super::repeats_note(ctx),
        super::failed_note(&configs)
    );
    out.figures.push(ctx.figure(NAME, caption, &chart)?);
    Ok(())
}
