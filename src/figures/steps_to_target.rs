//! steps_to_target: updates to the target against batch size on log-log axes, the chosen rate of each
//! batch size (every rate in grey with `plots.learning_rates = "all"`), with the perfect-scaling guide
//! (each doubling of B halves the steps, through the smallest batch size) and the fitted
//! S = S_min + E_min / B with B_crit marked. Guides are clipped to the data's range.

use super::by_batch::{lines, log_grid, sizes};
use super::draw::Dash;
use super::legend::{Entry, Legend, Mark};
use super::palette::tint;
use super::xy::{XScale, XyChart, XySeries};
use super::{Context, FIT, GUIDE, Rendered};
use crate::analysis::text::significant;
use crate::error::Result;

const NAME: &str = "steps_to_target";

/// Adds the figure, or says why there is none.
pub fn add(ctx: &Context<'_>, out: &mut Rendered) -> Result<()> {
    let analysis = ctx.analysis;
    let best: Vec<(f64, f64)> = analysis
        .batch_sizes
        .iter()
        .filter_map(|b| b.steps_to_target.filter(|s| *s > 0.0).map(|s| (b.batch_size as f64, s)))
        .collect();
    let (mut series, mut entries) = lines(ctx, |r| r.steps_to_target.filter(|s| *s > 0.0), true);
    let shown = sizes(&series);
    let best: Vec<(f64, f64)> = best.into_iter().filter(|p| shown.contains(&(p.0 as usize))).collect();
    if best.len() < 2 {
        let why = format!(
            "{} batch size(s) reached the target in every repeat at their chosen rate after at least one update; \
             a curve needs two",
            best.len()
        );
        out.skip(NAME, why);
        return Ok(());
    }
    guides(ctx, &best, &mut series, &mut entries);
    let chart = XyChart {
        title: "Steps to the target against batch size".into(),
        x_desc: "batch size B (log scale)".into(),
        y_desc: "updates to the target (log scale)".into(),
        x: XScale::Batch(shown),
        y_log: true,
        series,
        diagonal: false,
        legend: Legend::of(entries),
    };
    let caption = format!(
        "Updates until the {}, {}; mean over repeats, error bars min to max. Grey: perfect scaling through the \
         smallest batch size; olive: S = S_min + E_min/B fitted with weights 1/S² (McCandlish et al. 2018).",
        analysis.target.describe(),
        super::rates_shown(ctx)
    );
    out.figures.push(ctx.figure(NAME, caption, &chart)?);
    Ok(())
}

/// The perfect-scaling line through the smallest batch size of `best` (B, S), the fitted curve and B_crit:
/// guides, clipped to the data's range.
fn guides(ctx: &Context<'_>, best: &[(f64, f64)], series: &mut Vec<XySeries>, entries: &mut Vec<Entry>) {
    let (b0, s0) = best[0];
    let b_max = best.iter().map(|p| p.0).fold(b0, f64::max);
    let grid = log_grid(b0, b_max, 60);
    series.push(XySeries::guide(GUIDE, grid.iter().map(|&b| (b, s0 * b0 / b)).collect()));
    entries.push(Entry::new("perfect scaling", GUIDE, Mark::Line(Dash::Dashed)));
    let Some(fit) = &ctx.analysis.critical.fit else { return };
    series.push(XySeries::guide(FIT, grid.iter().map(|&b| (b, fit.steps(b))).collect()));
    entries.push(Entry::new("fit S_min + E_min/B", FIT, Mark::Line(Dash::Dashed)));
    if let Some(b_crit) = fit.b_crit.filter(|b| *b >= b0 && *b <= b_max) {
        let colour = tint(FIT, 0.55);
        series.push(XySeries::guide(colour, vec![(b_crit, 1e-300), (b_crit, 1e300)]).dashed(Dash::Dotted));
        entries.push(Entry::new(
            format!("B_crit = {}", significant(b_crit)),
            colour,
            Mark::Line(Dash::Dotted),
        ));
    }
}
