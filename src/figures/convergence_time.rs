//! convergence_time: full training loss against training seconds, the chart that shows which batch size
//! gets low fastest on this machine. Mean over repeats of both time and loss at each epoch.

use super::frame::{BandChart, BandLine, Entry, Mark, band_name, loss_name};
use super::series::{groups, mean_series};
use super::{BAND_KEY, Context, Figure};
use crate::error::Result;

/// The figure, or none without epoch records.
pub fn figures(ctx: &Context<'_>) -> Result<Vec<Figure>> {
    let band = ctx.plots.band;
    let mut lines = Vec::new();
    let mut legend = Vec::new();
    for g in groups(ctx.results) {
        let per_run: Vec<Vec<(f64, f64)>> = g
            .runs
            .iter()
            .map(|r| r.epochs.iter().map(|e| (e.train_time_s, e.train_loss)).collect())
            .collect();
        lines.push(BandLine { colour: g.colour, points: mean_series(&per_run, band), dashed: false });
        legend.push(Entry::new(&g.label, g.colour, Mark::Line));
    }
    if lines.iter().all(|l| l.points.is_empty()) {
        return Ok(Vec::new());
    }
    legend.push(Entry::new(band_name(band), BAND_KEY, Mark::Band));
    let chart = BandChart {
        title: "Training loss against wall-clock training time".into(),
        x_desc: "training time (s, evaluation excluded)".into(),
        y_desc: format!(
            "training loss ({}{})",
            loss_name(ctx.results),
            if ctx.plots.log_y { ", log" } else { "" }
        ),
        log_y: ctx.plots.log_y,
        lines,
        legend,
    };
    let caption = "Full training loss against training seconds, one point per epoch: which batch size is \
                   fastest in practice on this machine."
        .to_string();
    Ok(vec![ctx.figure("convergence_time", caption, &chart)?])
}
