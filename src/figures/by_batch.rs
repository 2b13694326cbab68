//! Data preparation shared by the trade-off charts: a value of the run analysis against batch size, one
//! series per grid learning rate (the k-th smallest rate of every batch size, so scaled rates line up;
//! mean over repeats, min to max as error bars) and one for the chosen rate of each batch size.

use super::xy::{Draw, XySeries};
use super::{EPOCH_COLOURS, INK, tint};
use crate::analysis::{Analysis, RunAnalysis, stats};
use crate::plan::SweepPlan;
use crate::spec::LrScaling;
use plotters::style::RGBColor;

/// A value of a run, when it has one.
pub type Value = fn(&RunAnalysis) -> Option<f64>;

/// The rank of `run`'s learning rate among the rates of its batch size (0 = smallest): with lr scaling
/// every batch size has its own rates, and the rank names the grid rate they were scaled from.
pub fn rank(runs: &[RunAnalysis], run: &RunAnalysis) -> usize {
    let mut rates: Vec<u64> =
        runs.iter().filter(|r| r.batch_size == run.batch_size).map(|r| r.learning_rate.to_bits()).collect();
    rates.sort_by(|a, b| f64::from_bits(*a).total_cmp(&f64::from_bits(*b)));
    rates.dedup();
    rates.iter().position(|&r| r == run.learning_rate.to_bits()).unwrap_or(0)
}

/// Legend labels of the grid rates, smallest first: `lr = 0.1`, or with scaling `0.1·√(B/32)`.
pub fn rate_labels(sweep: &SweepPlan, ranks: usize) -> Vec<String> {
    let mut grid = sweep.learning_rates.clone();
    grid.sort_by(f64::total_cmp);
    if grid.len() != ranks {
        return (1..=ranks).map(|i| format!("rate #{i}")).collect();
    }
    let base = sweep.base_batch_size;
    grid.iter()
        .map(|g| match sweep.lr_scaling {
            LrScaling::None => format!("lr = {g}"),
            LrScaling::Linear => format!("lr = {g}·B/{base}"),
            LrScaling::Sqrt => format!("lr = {g}·√(B/{base})"),
        })
        .collect()
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
            let (lo, hi) = stats::min_max(&v)?;
            Some((b as f64, stats::mean(&v)?, lo, hi))
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
pub fn lines(analysis: &Analysis, sweep: &SweepPlan, value: Value, errors: bool) -> Vec<(XySeries, String)> {
    let runs = &analysis.runs;
    let ranks: Vec<usize> = runs.iter().map(|r| rank(runs, r)).collect();
    let n = ranks.iter().max().map_or(0, |m| m + 1);
    let labels = rate_labels(sweep, n);
    let mut out = Vec::new();
    if n > 1 {
        for (i, label) in labels.iter().enumerate() {
            let p = points(runs.iter().zip(&ranks).filter(|(_, k)| **k == i).map(|(r, _)| r), value);
            if !p.is_empty() {
                out.push((series(&p, rate_colour(i, n), Draw::Line, false), label.clone()));
            }
        }
    }
    let best = points(runs.iter().filter(|r| chosen(analysis, r)), value);
    if !best.is_empty() {
        let label = if n > 1 { "best lr per batch size".to_string() } else { labels.concat() };
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
