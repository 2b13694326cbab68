//! sharpness_batch: the final sharpness lambda_max against batch size, mean over repeats with 95 % t
//! intervals (min to max with fewer than three repeats), dots in the batch sizes' colours. With
//! `plots.learning_rates = "all"` one grey line per learning rate (lighter for smaller rates), else the
//! chosen rate of each batch size; each line's stability threshold (2/lr for SGD) dashed in its colour.
//! Failed runs are left out.

use super::by_batch::{chosen, sizes};
use super::draw::Dash;
use super::legend::{Entry, Legend, Mark};
use super::select::rate_key;
use super::xy::{XScale, XyChart, XySeries};
use super::{Context, INK, Rendered, sharpness};
use crate::analysis::{RunAnalysis, stats};
use crate::error::Result;
use crate::spec::RateChoice;
use plotters::style::RGBColor;
use std::collections::HashMap;

const NAME: &str = "sharpness_batch";

/// Adds the figure, or says why there is none.
pub fn add(ctx: &Context<'_>, out: &mut Rendered) -> Result<()> {
    if sharpness::absent(ctx, out, NAME) {
        return Ok(());
    }
    let thresholds: HashMap<&str, f64> = ctx
        .results
        .runs
        .iter()
        .filter_map(|r| {
            let last = r.curvature.as_ref()?.iter().max_by_key(|c| c.update)?;
            Some((r.summary().run_id.as_str(), last.stability_threshold))
        })
        .collect();
    let healthy: Vec<&RunAnalysis> =
        ctx.analysis.runs.iter().filter(|r| !r.failed && r.final_sharpness.is_some()).collect();
    let (mut series, mut entries) = (Vec::new(), Vec::new());
    for (label, colour, group) in groups(ctx, &healthy) {
        let points = by_size(&group, |r| r.final_sharpness);
        if points.is_empty() {
            continue;
        }
        let mut line = XySeries::line(colour, points.iter().map(|p| (p.0, p.1)).collect());
        line.errors = points.iter().map(|p| (p.0, p.2, p.3)).collect();
        line.dot_colours = points.iter().map(|p| ctx.palette.colour(p.0 as usize)).collect();
        line.dots = 5.0;
        series.push(line);
        let line = by_size(&group, |r| thresholds.get(r.run_id.as_str()).copied());
        series.push(XySeries::guide(colour, line.iter().map(|p| (p.0, p.1)).collect()));
        entries.push(Entry::line(label, colour));
    }
    let shown = sizes(&series);
    if shown.len() < 2 {
        let why = format!(
            "only {} batch size has a final sharpness from a healthy run: a single point",
            shown.len()
        );
        out.skip(NAME, why);
        return Ok(());
    }
    entries.push(Entry::new("its stability threshold (2/lr for SGD)", INK, Mark::Line(Dash::Dashed)));
    let chart = XyChart {
        title: "Final sharpness against batch size".into(),
        x_desc: "batch size B (log scale)".into(),
        y_desc: "final sharpness λ_max".into(),
        x: XScale::Batch(shown),
        y_log: false,
        series,
        diagonal: false,
        legend: Legend::of(entries),
    };
    let caption = format!(
        "λ_max of the Hessian of the training loss at the last curvature checkpoint, {}: mean over repeats \
         with a 95 % t interval (min to max with fewer than three repeats); dashed, each line's stability \
         threshold, drawn within the range of the measured sharpness. Runs that diverged or ended above \
         their initial loss are left out. Runs may end at different training losses: the conclusions \
         compare the sharpness where each run crossed the target too.",
        super::rates_shown(ctx)
    );
    out.figures.push(ctx.figure(NAME, caption, &chart)?);
    Ok(())
}

/// The lines: every learning rate with `"all"` (grey, lighter for smaller rates), else the chosen rates.
fn groups<'a>(ctx: &Context<'_>, runs: &[&'a RunAnalysis]) -> Vec<(String, RGBColor, Vec<&'a RunAnalysis>)> {
    if ctx.plots.learning_rates == RateChoice::Chosen {
        let picked: Vec<&RunAnalysis> = runs.iter().copied().filter(|r| chosen(ctx.analysis, r)).collect();
        return vec![("chosen rate of each batch size".into(), INK, picked)];
    }
    let mut rates: Vec<f64> = runs.iter().map(|r| r.learning_rate).collect();
    rates.sort_by(f64::total_cmp);
    rates.dedup();
    let n = rates.len();
    rates
        .iter()
        .enumerate()
        .map(|(i, &lr)| {
            let colour = if n == 1 { INK } else { rate_key(i, n) };
            let of: Vec<&RunAnalysis> = runs.iter().copied().filter(|r| r.learning_rate == lr).collect();
            (format!("lr = {lr}"), colour, of)
        })
        .collect()
}

/// (batch size, mean, low, high) of `value` over `runs` by batch size: a 95 % t interval from three
/// values, else min to max.
fn by_size(runs: &[&RunAnalysis], value: impl Fn(&RunAnalysis) -> Option<f64>) -> Vec<(f64, f64, f64, f64)> {
    let mut b: Vec<usize> = runs.iter().map(|r| r.batch_size).collect();
    b.sort_unstable();
    b.dedup();
    b.iter()
        .filter_map(|&b| {
            let v: Vec<f64> = runs
                .iter()
                .filter(|r| r.batch_size == b)
                .filter_map(|r| value(r))
                .filter(|v| v.is_finite())
                .collect();
            let mean = stats::mean(&v)?;
            let (lo, hi) =
                stats::mean_interval(&v).map(|i| (i.low, i.high)).or_else(|| stats::min_max(&v))?;
            Some((b as f64, mean, lo, hi))
        })
        .collect()
}
