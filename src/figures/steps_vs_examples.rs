//! steps_vs_examples: examples against steps to the target for each batch size at its chosen rate, with
//! the fitted hyperbola (S/S_min - 1)(E/E_min - 1) = 1 of McCandlish et al. 2018 and its two asymptotes.

use super::by_batch::log_grid;
use super::draw::Dash;
use super::legend::{Entry, Legend, Mark};
use super::select::batch_label;
use super::xy::{XScale, XyChart, XySeries};
use super::{Context, FIT, GUIDE, Rendered, keys};
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
    let mut legend = Legend::default();
    if palette.sequential() {
        legend.bar = Some(keys::bar(palette));
    } else {
        legend.entries.extend(reached.iter().map(|(b, _, _)| {
            Entry::new(
                batch_label(b.batch_size, b.batch_label == "full"),
                palette.colour(b.batch_size),
                Mark::Dot,
            )
        }));
    }
    if let Some(fit) = ctx.analysis.critical.fit.filter(|f| f.s_min > 0.0 && f.e_min > 0.0) {
        let (lo, hi) = (reached[0].0.batch_size as f64, reached[reached.len() - 1].0.batch_size as f64);
        let curve =
            log_grid(lo / 4.0, hi * 4.0, 120).iter().map(|&b| (fit.steps(b), b * fit.steps(b))).collect();
        series.push(XySeries::guide(FIT, curve));
        legend.entries.push(Entry::new("fitted hyperbola", FIT, Mark::Line(Dash::Dashed)));
        for points in [
            vec![(fit.s_min, fit.e_min), (fit.s_min, 1e300)],
            vec![(fit.s_min, fit.e_min), (1e300, fit.e_min)],
        ] {
            series.push(XySeries::guide(GUIDE, points).dashed(Dash::Dotted));
        }
        legend.entries.push(Entry::new("S_min, E_min", GUIDE, Mark::Line(Dash::Dotted)));
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
                   repeats). Olive: the fitted (S/S_min − 1)(E/E_min − 1) = 1; dotted: its asymptotes S_min and \
                   E_min. Small batches sit near E_min (few examples, many steps), large ones near S_min; the grey \
                   line joins the batch sizes in order."
        .to_string();
    out.figures.push(ctx.figure(NAME, caption, &chart)?);
    Ok(())
}
