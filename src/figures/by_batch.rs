//! Data preparation shared by the trade-off charts: a value of the run analysis against batch size, one
//! series per learning rate (mean over repeats, min to max as error bars) and one for the chosen rate of
//! each batch size.

use super::xy::{Draw, XySeries};
use super::{EPOCH_COLOURS, INK, tint};
use crate::analysis::{Analysis, RunAnalysis};
use plotters::style::RGBColor;

/// A value of a run, when it has one.
pub type Value = fn(&RunAnalysis) -> Option<f64>;

/// The learning rates of the runs, increasing.
pub fn rates(runs: &[RunAnalysis]) -> Vec<f64> {
    let mut rates: Vec<f64> = runs.iter().map(|r| r.learning_rate).collect();
    rates.sort_by(f64::total_cmp);
    rates.dedup();
    rates
}

/// Colour of the `i`-th of `n` learning rates: light to dark blue.
pub fn rate_colour(i: usize, n: usize) -> RGBColor {
    let weight = if n <= 1 { 1.0 } else { 0.3 + 0.7 * i as f64 / (n - 1) as f64 };
    tint(EPOCH_COLOURS[2], weight)
}

/// (batch size, mean, min, max) of `value` over the runs `runs` that all have it, by batch size.
pub fn points<'a>(runs: impl Iterator<Item = &'a RunAnalysis>, value: Value) -> Vec<(f64, f64, f64, f64)> {
    let runs: Vec<&RunAnalysis> = runs.collect();
    let mut sizes: Vec<usize> = runs.iter().map(|r| r.batch_size).collect();
    sizes.sort_unstable();
    sizes.dedup();
    sizes
        .iter()
        .filter_map(|&b| {
            let v =
                runs.iter().filter(|r| r.batch_size == b).map(|r| value(r)).collect::<Option<Vec<f64>>>()?;
            let mean = v.iter().sum::<f64>() / v.len() as f64;
            let (lo, hi) =
                v.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), x| (l.min(*x), h.max(*x)));
            Some((b as f64, mean, lo, hi))
        })
        .collect()
}

/// A line through (b, mean) with min-max error bars when `errors`.
pub fn series(points: &[(f64, f64, f64, f64)], colour: RGBColor, draw: Draw, errors: bool) -> XySeries {
    XySeries {
        colour,
        points: points.iter().map(|p| (p.0, p.1)).collect(),
        errors: if errors { points.iter().map(|p| (p.0, p.2, p.3)).collect() } else { Vec::new() },
        draw,
    }
}

/// One series per learning rate (only when there are several), then the chosen rate of every batch size
/// in ink; with their legend labels.
pub fn lines(analysis: &Analysis, value: Value, errors: bool) -> Vec<(XySeries, String)> {
    let rates = rates(&analysis.runs);
    let mut out = Vec::new();
    if rates.len() > 1 {
        for (i, &lr) in rates.iter().enumerate() {
            let p = points(analysis.runs.iter().filter(|r| r.learning_rate == lr), value);
            if !p.is_empty() {
                out.push((series(&p, rate_colour(i, rates.len()), Draw::Line, false), format!("lr = {lr}")));
            }
        }
    }
    let best = points(analysis.runs.iter().filter(|r| chosen(analysis, r)), value);
    if !best.is_empty() {
        let label =
            if rates.len() > 1 { "best lr per batch size".to_string() } else { format!("lr = {}", rates[0]) };
        out.push((series(&best, INK, Draw::Line, errors), label));
    }
    out
}

/// Whether `run` is at the chosen learning rate of its batch size.
pub fn chosen(analysis: &Analysis, run: &RunAnalysis) -> bool {
    analysis
        .batch_sizes
        .iter()
        .any(|b| b.batch_size == run.batch_size && b.learning_rate == run.learning_rate)
}

/// `n` batch sizes spaced evenly on a log scale from `lo` to `hi`, for drawing curves.
pub fn log_grid(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    let (a, b) = (lo.ln(), hi.ln());
    (0..n).map(|i| (a + (b - a) * i as f64 / (n - 1).max(1) as f64).exp()).collect()
}
