//! steps_vs_examples: examples against steps to the target for each batch size at its chosen rate, with
//! the fitted hyperbola (S/S_min - 1)(E/E_min - 1) = 1 of McCandlish et al. 2018 and its two asymptotes.

use super::by_batch::log_grid;
use super::draw::Dash;
use super::legend::{Entry, Legend, Mark};
use super::select::batch_label;
use super::xy::{XScale, XyChart, XySeries};
use super::{Context, FIT, GUIDE, Palette, Rendered, keys};
use crate::analysis::Fit;
use crate::error::Result;

const NAME: &str = "steps_vs_examples";

/// Adds the figure, or says why there is none.
pub fn add(ctx: &Context<'_>, out: &mut Rendered) -> Result<()> {
    let reached: Vec<_> = ctx
        .analysis
        .batch_sizes
        .iter()
        .filter_map(|b| Some((b, b.steps_to_target.filter(|s| *s > 0.0)?, b.examples_to_target?)))
        .collect();
    if reached.len() < 2 {
        out.skip(
            NAME,
            format!(
                "{} batch size(s) reached the target at their chosen rate; a curve needs two",
                reached.len()
            ),
        );
        return Ok(());
    }
    let palette = &ctx.palette;
    let mut path = XySeries::line(GUIDE, reached.iter().map(|p| (p.1, p.2)).collect());
    (path.width, path.dots) = (1.2, 6.0);
    path.dot_colours = reached.iter().map(|p| palette.colour(p.0.batch_size)).collect();
    let mut series = vec![path];
    let sizes: Vec<(usize, bool)> =
        reached.iter().map(|r| (r.0.batch_size, r.0.batch_label == "full")).collect();
    let mut legend = dots_legend(palette, &sizes);
    if let Some(fit) = ctx.analysis.critical.fit.filter(|f| f.s_min > 0.0 && f.e_min > 0.0) {
        let points: Vec<(f64, f64, f64)> =
            reached.iter().map(|r| (r.0.batch_size as f64, r.1, r.2)).collect();
        fitted(&fit, &points, &mut series, &mut legend);
    }
    let chart = XyChart {
        title: "Examples against steps to the target".into(),
        x_desc: "updates to the target S (log scale)".into(),
        y_desc: "training examples to the target E (log scale)".into(),
        x: XScale::Log,
        y_log: true,
        series,
        diagonal: false,
        legend,
    };
    let caption = "Each batch size at its chosen learning rate: steps against examples to the target (mean over \
                   repeats). Olive: the fitted (S/S_min − 1)(E/E_min − 1) = 1; dotted (when within the measured \
                   range): its asymptotes S_min and E_min. Small batches sit near E_min (few examples, many steps), large ones near S_min; the grey \
                   line joins the batch sizes in order."
        .to_string();
    out.figures.push(ctx.figure(NAME, caption, &chart)?);
    Ok(())
}

/// A dot per batch size, or the colour bar of the sequential scale.
fn dots_legend(palette: &Palette, sizes: &[(usize, bool)]) -> Legend {
    if palette.sequential() {
        return Legend { bar: Some(keys::bar(palette)), ..Legend::default() };
    }
    Legend::of(
        sizes
            .iter()
            .map(|&(b, full)| Entry::new(batch_label(b, full), palette.colour(b), Mark::Dot))
            .collect(),
    )
}

/// The fitted hyperbola over the batch sizes of `points` (B, S, E) and, when their corner (S_min, E_min) lies
/// within the measured range, its asymptotes: guides that never widen the axes.
fn fitted(fit: &Fit, points: &[(f64, f64, f64)], series: &mut Vec<XySeries>, legend: &mut Legend) {
    let (lo, hi) = (points[0].0, points[points.len() - 1].0);
    let curve = log_grid(lo / 4.0, hi * 4.0, 120).iter().map(|&b| (fit.steps(b), b * fit.steps(b))).collect();
    series.push(XySeries::guide(FIT, curve));
    legend.entries.push(Entry::new("fitted hyperbola", FIT, Mark::Line(Dash::Dashed)));
    let (s_lo, e_lo) =
        points.iter().fold((f64::INFINITY, f64::INFINITY), |(s, e), p| (s.min(p.1), e.min(p.2)));
    if fit.s_min >= s_lo && fit.e_min >= e_lo {
        let corner = (fit.s_min, fit.e_min);
        for end in [(fit.s_min, 1e300), (1e300, fit.e_min)] {
            series.push(XySeries::guide(GUIDE, vec![corner, end]).dashed(Dash::Dotted));
        }
        legend.entries.push(Entry::new("S_min, E_min", GUIDE, Mark::Line(Dash::Dotted)));
    }
}
