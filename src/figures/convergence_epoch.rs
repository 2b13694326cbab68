//! convergence_epoch: full training loss (solid) and test loss (dashed) after every epoch, one colour per
//! batch size, mean over repeats with a shaded band.

use super::frame::{BandChart, BandLine, Entry, Mark, band_name, loss_name};
use super::series::{Group, groups, mean_series};
use super::{BAND_KEY, Context, Figure};
use crate::error::Result;
use crate::spec::Band;

/// The figure, or none without epoch records.
pub fn figures(ctx: &Context<'_>) -> Result<Vec<Figure>> {
    let groups = groups(ctx.results);
    let band = ctx.plots.band;
    let mut lines = Vec::new();
    let mut legend = Vec::new();
    let mut has_test = false;
    for g in &groups {
        lines.push(BandLine {
            colour: g.colour,
            points: series(g, band, |e| Some(e.train_loss)),
            dashed: false,
        });
        let test = series(g, band, |e| e.test_loss);
        if !test.is_empty() {
            has_test = true;
            lines.push(BandLine { colour: g.colour, points: test, dashed: true });
        }
        legend.push(Entry::new(&g.label, g.colour, Mark::Line));
    }
    if lines.iter().all(|l| l.points.is_empty()) {
        return Ok(Vec::new());
    }
    legend.push(Entry::new("training loss", super::INK, Mark::Line));
    if has_test {
        legend.push(Entry::new("test loss", super::INK, Mark::Dashed));
    }
    legend.push(Entry::new(band_name(band), BAND_KEY, Mark::Band));
    let repeats = groups.iter().map(|g| g.runs.len()).max().unwrap_or(0);
    let chart = BandChart {
        title: "Training and test loss per epoch, by batch size".into(),
        x_desc: "epoch (passes over the training set)".into(),
        y_desc: format!("loss ({}{})", loss_name(ctx.results), if ctx.plots.log_y { ", log" } else { "" }),
        log_y: ctx.plots.log_y,
        lines,
        legend,
    };
    let caption = format!(
        "Full training loss (solid) and test loss (dashed) after each epoch; mean of {repeats} repeat(s), band {}.",
        band_name(band)
    );
    Ok(vec![ctx.figure("convergence_epoch", caption, &chart)?])
}

fn series(
    g: &Group<'_>,
    band: Band,
    value: impl Fn(&crate::schema::EpochRecord) -> Option<f64>,
) -> Vec<(f64, super::series::Spread)> {
    let per_run: Vec<Vec<(f64, f64)>> = g
        .runs
        .iter()
        .map(|r| r.epochs.iter().filter_map(|e| value(e).map(|v| (e.epoch as f64, v))).collect())
        .collect();
    mean_series(&per_run, band)
}
