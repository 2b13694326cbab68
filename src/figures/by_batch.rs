//! Data preparation shared by the trade-off charts (a value of the run analysis against batch size): the
//! chosen learning rate of every batch size as a dark line with dots in the batch sizes' colours and
//! min-max error bars over repeats; with `plots.learning_rates = "all"` also one grey line per grid rate
//! (the k-th smallest rate of every batch size, so scaled rates line up), lighter for smaller rates.

use super::keys;
use super::legend::{Entry, Mark};
use super::select::rate_key;
use super::xy::XySeries;
use super::{Context, INK};
use crate::analysis::{Analysis, RunAnalysis, stats};
use crate::spec::RateChoice;

/// A value of a run, when it has one.
pub type Value = fn(&RunAnalysis) -> Option<f64>;

/// The rank of `run`'s learning rate among the rates of its batch size (0 = smallest).
pub fn rank(runs: &[RunAnalysis], run: &RunAnalysis) -> usize {
    let mut rates: Vec<u64> =
        runs.iter().filter(|r| r.batch_size == run.batch_size).map(|r| r.learning_rate.to_bits()).collect();
    rates.sort_by(|a, b| f64::from_bits(*a).total_cmp(&f64::from_bits(*b)));
    rates.dedup();
    rates.iter().position(|&r| r == run.learning_rate.to_bits()).unwrap_or(0)
}

/// (batch size, mean, min, max) of `value` over the runs that all have it, by batch size.
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

/// The series of `value` against batch size and their legend entries; empty when no batch size has it.
pub fn lines(ctx: &Context<'_>, value: Value, errors: bool) -> (Vec<XySeries>, Vec<Entry>) {
    let analysis = ctx.analysis;
    let runs = &analysis.runs;
    let ranks: Vec<usize> = runs.iter().map(|r| rank(runs, r)).collect();
    let n = ranks.iter().max().map_or(0, |m| m + 1);
    let (mut series, mut legend) = (Vec::new(), Vec::new());
    if n > 1 && ctx.plots.learning_rates == RateChoice::All {
        let labels = keys::rates(&ctx.results.settings.sweep, n, Mark::Line(super::draw::Dash::Solid));
        for (i, entry) in labels.into_iter().enumerate() {
            let p = points(runs.iter().zip(&ranks).filter(|(_, k)| **k == i).map(|(r, _)| r), value);
            if !p.is_empty() {
                let mut line = XySeries::line(rate_key(i, n), p.iter().map(|p| (p.0, p.1)).collect());
                (line.width, line.dots) = (1.6, 2.5);
                series.push(line);
                legend.push(entry);
            }
        }
    }
    let best = points(runs.iter().filter(|r| chosen(analysis, r)), value);
    if !best.is_empty() {
        let mut line = XySeries::line(INK, best.iter().map(|p| (p.0, p.1)).collect());
        line.dots = 5.0;
        line.dot_colours = best.iter().map(|p| ctx.palette.colour(p.0 as usize)).collect();
        if errors {
            line.errors = best.iter().map(|p| (p.0, p.2, p.3)).collect();
        }
        let label = if n > 1 { "chosen rate of each batch size" } else { "mean over repeats" };
        legend.push(Entry::new(label, INK, Mark::Line(super::draw::Dash::Solid)));
        series.push(line);
    }
    (series, legend)
}

/// The batch sizes that have a point in `series`.
pub fn sizes(series: &[XySeries]) -> Vec<usize> {
    let mut sizes: Vec<usize> =
        series.iter().filter(|s| !s.guide).flat_map(|s| s.points.iter().map(|p| p.0 as usize)).collect();
    sizes.sort_unstable();
    sizes.dedup();
    sizes
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
