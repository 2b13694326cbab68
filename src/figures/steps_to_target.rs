//! steps_to_target: updates to the target against batch size on log-log axes, one line per learning rate
//! and the best rate in ink, with the perfect-scaling line (each doubling of B halves the steps, drawn
//! through the smallest batch size) and the fitted S = S_min + E_min / B with B_crit marked.

use super::by_batch::{lines, log_grid};
use super::frame::{Entry, Mark};
use super::xy::{Draw, Scale, XyChart, XySeries};
use super::{BAND_KEY, Context, FIT, Figure, tint};
use crate::analysis::Analysis;
use crate::analysis::text::significant;
use crate::error::Result;

/// The figure, or none when no batch size reached the target.
pub fn figures(ctx: &Context<'_>, analysis: &Analysis) -> Result<Vec<Figure>> {
    let best: Vec<(f64, f64)> = analysis
        .batch_sizes
        .iter()
        .filter_map(|b| b.steps_to_target.map(|s| (b.batch_size as f64, s)))
        .collect();
    if best.iter().filter(|p| p.1 > 0.0).count() == 0 {
        return Ok(Vec::new());
    }
    let mut series = Vec::new();
    let mut legend = Vec::new();
    for (s, label) in
        lines(analysis, &ctx.results.settings.sweep, |r| r.steps_to_target.filter(|s| *s > 0.0), true)
    {
        legend.push(Entry::new(label, s.colour, if s.draw == Draw::Line { Mark::Line } else { Mark::Dot }));
        series.push(s);
    }
    let (b0, s0) = best[0];
    let b_max = best.iter().map(|p| p.0).fold(b0, f64::max);
    let grid = log_grid(b0, b_max, 60);
    let perfect = grid.iter().map(|&b| (b, s0 * b0 / b)).collect();
    series.push(XySeries { colour: BAND_KEY, points: perfect, errors: Vec::new(), draw: Draw::Dashed });
    legend.push(Entry::new("perfect scaling", BAND_KEY, Mark::Dashed));
    if let Some(fit) = &analysis.critical.fit {
        let curve = grid.iter().map(|&b| (b, fit.steps(b))).filter(|p| p.1 > 0.0).collect();
        series.push(XySeries { colour: FIT, points: curve, errors: Vec::new(), draw: Draw::Dashed });
        legend.push(Entry::new("fit S_min + E_min/B", FIT, Mark::Dashed));
        if let Some(b_crit) = fit.b_crit.filter(|b| *b >= b0 && *b <= b_max) {
            let ys = best.iter().map(|p| p.1);
            let (lo, hi) = ys.fold((f64::INFINITY, 0.0f64), |(l, h), y| (l.min(y), h.max(y)));
            let mark = vec![(b_crit, lo), (b_crit, hi)];
            series.push(XySeries {
                colour: tint(FIT, 0.5),
                points: mark,
                errors: Vec::new(),
                draw: Draw::Dashed,
            });
            legend.push(Entry::new(
                format!("B_crit = {}", significant(b_crit)),
                tint(FIT, 0.5),
                Mark::Dashed,
            ));
        }
    }
    let chart = XyChart {
        title: "Steps to the target against batch size".into(),
        x_desc: "batch size B (log2)".into(),
        y_desc: "updates to the target (log)".into(),
        x: Scale::Log2,
        y: Scale::Log10,
        series,
        diagonal: false,
        legend,
    };
    let caption = format!(
        "Updates until the {}; mean over repeats (error bars min to max, best rate). Grey: perfect scaling \
         through the smallest batch size; red: S = S_min + E_min/B fitted with weights 1/S².",
        analysis.target.describe()
    );
    Ok(vec![ctx.figure("steps_to_target", caption, &chart)?])
}
