//! time_to_target: training seconds until the target against batch size, the chosen rate of each batch
//! size with min-max error bars over repeats; left out when the times are at the timer's noise level.

use super::by_batch::{lines, sizes};
use super::convergence_time::TIMER_NOISE_S;
use super::legend::Legend;
use super::xy::{XScale, XyChart};
use super::{Context, Rendered};
use crate::error::Result;

const NAME: &str = "time_to_target";

/// Adds the figure, or says why there is none.
pub fn add(ctx: &Context<'_>, out: &mut Rendered) -> Result<()> {
    let (series, entries) = lines(ctx, |r| r.seconds_to_target.filter(|s| *s > 0.0), true);
    let shown = sizes(&series);
    let chosen: Vec<f64> = ctx
        .analysis
        .batch_sizes
        .iter()
        .filter(|b| shown.contains(&b.batch_size))
        .filter_map(|b| b.seconds_to_target)
        .collect();
    let fastest = chosen.iter().copied().fold(f64::INFINITY, f64::min);
    if chosen.len() < 2 {
        let why = format!(
            "{} batch size(s) reached the target in every repeat at their chosen rate; a curve needs two",
            chosen.len()
        );
        out.skip(NAME, why);
        return Ok(());
    }
    if fastest < TIMER_NOISE_S {
        let why = format!(
            "the fastest batch size reached the target in {fastest:.4} s, below the timer's noise level \
             ({TIMER_NOISE_S} s): differences that small are scheduling and frequency noise, not speed"
        );
        out.skip(NAME, why);
        return Ok(());
    }
    let chart = XyChart {
        title: "Training time to the target against batch size".into(),
        x_desc: "batch size B (log scale)".into(),
        y_desc: "training seconds to the target (log scale)".into(),
        x: XScale::Batch(shown),
        y_log: true,
        series,
        diagonal: false,
        legend: Legend::of(entries),
    };
    let caption = format!(
        "Training seconds (evaluation and probes excluded) until the {}, {}; mean over repeats, error bars min \
         to max. Wall time depends on the machine and its load.",
        ctx.analysis.target.describe(),
        super::rates_shown(ctx)
    );
    out.figures.push(ctx.figure(NAME, caption, &chart)?);
    Ok(())
}
