//! convergence_time: full training loss against training seconds, the chart that shows which batch size
//! gets low fastest on this machine. Mean over repeats of both time and loss at each epoch; left out when
//! the runs are too short for the timer to tell them apart.

use super::band::{BandChart, curves};
use super::draw::Dash;
use super::legend::{Entry, Mark};
use super::{Context, GUIDE, Rendered, keys, select};
use crate::error::Result;
use crate::records::RunRecords;

const NAME: &str = "convergence_time";
/// Runs shorter than this are at the timer's noise level on a loaded machine (scheduling, frequency).
pub const TIMER_NOISE_S: f64 = 0.01;

/// Adds the figure, or says why there is none.
pub fn add(ctx: &Context<'_>, out: &mut Rendered) -> Result<()> {
    let configs = select::configs(ctx);
    let longest = ctx.results.runs.iter().map(|r| r.summary().train_time_s).fold(0.0, f64::max);
    if longest < TIMER_NOISE_S {
        out.skip(NAME, format!("the longest run trained for {longest:.4} s, below the timer's noise level ({TIMER_NOISE_S} s)"));
        return Ok(());
    }
    let band = ctx.plots.band;
    let all: Vec<_> = configs
        .iter()
        .flat_map(|c| {
            curves(c, band, Dash::Solid, |r: &RunRecords| {
                r.epochs.iter().map(|e| (e.train_time_s, e.train_loss)).collect()
            })
        })
        .collect();
    if all.is_empty() {
        out.skip(NAME, "no run has per-epoch records");
        return Ok(());
    }
    let mut legend = keys::configs(ctx, &configs, Mark::Line(Dash::Solid));
    let at = legend.entries.iter().position(|e| e.mark == Mark::Cross).unwrap_or(legend.entries.len());
    legend.entries.insert(at, Entry::new(super::band_name(band), GUIDE, Mark::Band));
    let chart = BandChart {
        title: "Training loss against training time".into(),
        x_desc: "training time (s, evaluation and probes excluded)".into(),
        y_desc: format!("training loss ({}{})", ctx.loss_name(), ctx.log_note()),
        log_y: ctx.plots.log_y,
        curves: all,
        legend,
    };
    let caption = format!(
        "Full training loss against training seconds, one point per epoch, {}; {}. Which batch size gets low \
         fastest on this machine; wall time depends on the machine and its load.{}",
        super::rates_shown(ctx),
        super::repeats_note(ctx),
        super::failed_note(&configs)
    );
    out.figures.push(ctx.figure(NAME, caption, &chart)?);
    Ok(())
}
