//! steps_vs_examples: examples against steps to the target for each batch size at its best rate, with
//! the fitted hyperbola (S/S_min - 1)(E/E_min - 1) = 1 of McCandlish et al. 2018 and its two asymptotes.

use super::by_batch::log_grid;
use super::frame::{Entry, Mark};
use super::series::batch_label;
use super::xy::{Draw, Scale, XyChart, XySeries};
use super::{BAND_KEY, Context, FIT, Figure, palette};
use crate::analysis::Analysis;
use crate::error::Result;

/// The figure, or none when fewer than two batch sizes reached the target.
pub fn figures(ctx: &Context<'_>, analysis: &Analysis) -> Result<Vec<Figure>> {
    let reached: Vec<_> = analysis
        .batch_sizes
        .iter()
        .filter_map(|b| Some((b, b.steps_to_target.filter(|s| *s > 0.0)?, b.examples_to_target?)))
        .collect();
    if reached.len() < 2 {
        return Ok(Vec::new());
    }
    let colours = palette(ctx.results);
    let path = reached.iter().map(|p| (p.1, p.2)).collect();
    let mut series = vec![XySeries { colour: BAND_KEY, points: path, errors: Vec::new(), draw: Draw::Line }];
    let mut legend = Vec::new();
    for (b, steps, examples) in &reached {
        let colour = colours.colour(b.batch_size);
        series.push(XySeries {
            colour,
            points: vec![(*steps, *examples)],
            errors: Vec::new(),
            draw: Draw::Dots,
        });
        legend.push(Entry::new(batch_label(b.batch_size, &b.batch_label), colour, Mark::Dot));
    }
    if let Some(fit) = analysis.critical.fit.filter(|f| f.s_min > 0.0 && f.e_min > 0.0) {
        let (lo, hi) = (reached[0].0.batch_size as f64, reached[reached.len() - 1].0.batch_size as f64);
        let curve = log_grid(lo, hi, 80).iter().map(|&b| (fit.steps(b), b * fit.steps(b))).collect();
        series.push(XySeries { colour: FIT, points: curve, errors: Vec::new(), draw: Draw::Dashed });
        legend.push(Entry::new("fitted hyperbola", FIT, Mark::Dashed));
        let (s_hi, e_hi) = reached.iter().fold((0.0f64, 0.0f64), |(s, e), p| (s.max(p.1), e.max(p.2)));
        let asymptotes = [
            vec![(fit.s_min, fit.e_min), (fit.s_min, e_hi)],
            vec![(fit.s_min, fit.e_min), (s_hi, fit.e_min)],
        ];
        for points in asymptotes {
            series.push(XySeries { colour: BAND_KEY, points, errors: Vec::new(), draw: Draw::Dashed });
        }
        legend.push(Entry::new("S_min, E_min", BAND_KEY, Mark::Dashed));
    }
    let chart = XyChart {
        title: "Examples against steps to the target".into(),
        x_desc: "updates to the target S (log)".into(),
        y_desc: "training examples to the target E (log)".into(),
        x: Scale::Log10,
        y: Scale::Log10,
        series,
        diagonal: false,
        legend,
    };
    let caption = "Each batch size at its best learning rate: steps against examples to the target. Red: the \
                   fitted (S/S_min − 1)(E/E_min − 1) = 1; grey: its asymptotes S_min and E_min. Small batches \
                   sit near E_min (few examples, many steps), large ones near S_min; the grey line joins the \
                   batch sizes in order."
        .to_string();
    Ok(vec![ctx.figure("steps_vs_examples", caption, &chart)?])
}
