//! How the tuned learning rate follows the batch size: the exponent s of lr* ~ B^s over the batch sizes
//! whose best rate is bracketed, next to the square-root rule (s = 1/2, Adam's SDE rule, Malladi et al.
//! 2022) and the linear rule (s = 1, SGD's, Goyal et al. 2017). A best rate on a grid is known only to the
//! grid's resolution and the noise over repeats. The rates *tied* with the best are the healthy ones whose
//! paired difference from it (in steps to the target, or in final training loss when the best was chosen
//! by loss) has an interval that includes zero; the optimum of a batch size then lies between the nearest
//! tried rates beyond the tied ones on either side, which were measurably worse (or failed). The interval
//! of s has as ends the least and the greatest least-squares slope through one rate per batch size from
//! those ranges; a slope is linear in the y values with weights x - mean x, so the extremes take the
//! lowest or the highest end of each range by the sign of that weight.

use super::batch::BatchAnalysis;
use super::learning_rate::{Choice, Tuning};
use super::run::RunAnalysis;
use super::stats;
use serde::{Deserialize, Serialize};

/// Fewest bracketed batch sizes a slope is fitted through.
pub const MIN_POINTS: usize = 3;

/// The best rate of one batch size and the rates tied with it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RatePoint {
    /// Examples per update.
    pub batch_size: usize,
    /// The chosen rate.
    pub best: f64,
    /// The low end of the range the optimum lies in: the largest rate tried below the tied ones.
    pub optimum_low: f64,
    /// The high end: the smallest rate tried above the tied ones.
    pub optimum_high: f64,
}

/// The exponent of the best rate in the batch size.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RateScaling {
    /// One point per bracketed batch size, smallest first.
    pub points: Vec<RatePoint>,
    /// The least-squares slope of ln(best rate) on ln(B); `None` with fewer than [`MIN_POINTS`] points.
    pub exponent: Option<f64>,
    /// The least slope through the ranges of the optima.
    pub low: Option<f64>,
    /// The greatest.
    pub high: Option<f64>,
}

impl RateScaling {
    /// Whether a rule of exponent `s` is consistent with the measured interval.
    pub fn admits(&self, s: f64) -> Option<bool> {
        Some(self.low? <= s && s <= self.high?)
    }
}

/// The rate scaling over the bracketed batch sizes of `batches`, from the per-run results `runs`.
pub fn rate_scaling(batches: &[BatchAnalysis], runs: &[RunAnalysis]) -> RateScaling {
    let points: Vec<RatePoint> = batches
        .iter()
        .filter(|b| b.tuning == Tuning::Bracketed)
        .map(|b| {
            let of_b: Vec<&RunAnalysis> = runs.iter().filter(|r| r.batch_size == b.batch_size).collect();
            let tied = tied_rates(&of_b, b.learning_rate, b.chosen_by);
            let (low, high) = stats::min_max(&tied).unwrap_or((b.learning_rate, b.learning_rate));
            let tried = super::learning_rate::rates(&of_b);
            let optimum_low = tried.iter().copied().filter(|&r| r < low).reduce(f64::max).unwrap_or(low);
            let optimum_high = tried.iter().copied().filter(|&r| r > high).reduce(f64::min).unwrap_or(high);
            RatePoint { batch_size: b.batch_size, best: b.learning_rate, optimum_low, optimum_high }
        })
        .collect();
    fit(points)
}

/// The slope and its extremes through `points`.
fn fit(points: Vec<RatePoint>) -> RateScaling {
    if points.len() < MIN_POINTS {
        return RateScaling { points, exponent: None, low: None, high: None };
    }
    let x: Vec<f64> = points.iter().map(|p| (p.batch_size as f64).ln()).collect();
    let mean_x = stats::mean(&x).unwrap_or(0.0);
    let slope = |pick: &dyn Fn(usize) -> f64| {
        let line: Vec<(f64, f64, f64)> =
            x.iter().enumerate().map(|(i, &xi)| (xi, pick(i).ln(), 1.0)).collect();
        stats::weighted_line(&line).map(|l| l.slope)
    };
    let exponent = slope(&|i| points[i].best);
    let low = slope(&|i| if x[i] > mean_x { points[i].optimum_low } else { points[i].optimum_high });
    let high = slope(&|i| if x[i] > mean_x { points[i].optimum_high } else { points[i].optimum_low });
    RateScaling { points, exponent, low, high }
}

/// The healthy rates of one batch size's runs tied with `best`, `best` included.
fn tied_rates(runs: &[&RunAnalysis], best: f64, chosen_by: Choice) -> Vec<f64> {
    let measure = |r: &RunAnalysis| match chosen_by {
        Choice::FewestSteps => r.steps_to_target,
        _ => Some(r.final_train_loss),
    };
    let at = |lr: f64| runs.iter().copied().filter(move |r| r.learning_rate == lr);
    let mut out = vec![best];
    for lr in super::learning_rate::rates(runs) {
        if lr == best || at(lr).any(|r| r.failed) {
            continue;
        }
        let pairs: Option<Vec<(f64, f64)>> = at(lr)
            .map(|r| {
                let b = at(best).find(|o| o.repeat == r.repeat)?;
                Some((measure(r)?, measure(b)?))
            })
            .collect();
        let tied =
            pairs.and_then(|p| stats::paired_interval(&p)).is_some_and(|i| i.low <= 0.0 && i.high >= 0.0);
        if tied {
            out.push(lr);
        }
    }
    out
}

/// The sentence of the report: the exponent, its interval, and which rules it admits.
pub fn sentence(s: &RateScaling) -> Option<String> {
    use super::text::significant;
    let (Some(e), Some(lo), Some(hi)) = (s.exponent, s.low, s.high) else {
        if s.points.is_empty() {
            return None;
        }
        return Some(format!(
            "How the best rate follows the batch size: not fitted, {} batch size(s) with a bracketed rate \
             (at least {MIN_POINTS} are needed).",
            s.points.len()
        ));
    };
    let rule = |exponent: f64, name: &str| match s.admits(exponent) {
        Some(true) => format!("consistent with the {name} rule (exponent {exponent})"),
        _ => format!("not the {name} rule (exponent {exponent})"),
    };
    let sizes: Vec<String> = s.points.iter().map(|p| p.batch_size.to_string()).collect();
    Some(format!(
        "The best learning rate grew as B^{} over the batch sizes with a bracketed rate ({}); with each \
         optimum anywhere between the nearest rates measurably worse than the best, the exponent lies in \
         [{}, {}]: {}, {}.",
        significant(e),
        sizes.join(", "),
        significant(lo),
        significant(hi),
        rule(0.5, "square-root"),
        rule(1.0, "linear"),
    ))
}

/// The points as table rows: batch size, best rate, the range its optimum lies in, and what the
/// square-root rule predicts from the smallest batch size's best rate.
pub fn rows(s: &RateScaling) -> Vec<Vec<String>> {
    use super::text::significant;
    let Some(first) = s.points.first() else { return Vec::new() };
    s.points
        .iter()
        .map(|p| {
            let sqrt_rule = first.best * (p.batch_size as f64 / first.batch_size as f64).sqrt();
            vec![
                p.batch_size.to_string(),
                significant(p.best),
                format!("{} – {}", significant(p.optimum_low), significant(p.optimum_high)),
                significant(sqrt_rule),
            ]
        })
        .collect()
}

/// The columns of [`rows`].
pub const COLUMNS: [&str; 4] = ["batch size", "best lr", "optimum between", "√ rule from the smallest B"];

#[cfg(test)]
mod tests {
    use super::*;

    fn point(b: usize, best: f64, lo: f64, hi: f64) -> RatePoint {
        RatePoint { batch_size: b, best, optimum_low: lo, optimum_high: hi }
    }

    #[test]
    fn rates_growing_as_the_square_root_give_exponent_one_half_and_admit_only_that_rule() {
        let pts: Vec<RatePoint> = [4usize, 16, 64, 256]
            .iter()
            .map(|&b| {
                let lr = 0.01 * (b as f64).sqrt();
                point(b, lr, lr / 1.2, lr * 1.2)
            })
            .collect();
        let s = fit(pts);
        assert!((s.exponent.unwrap() - 0.5).abs() < 1e-12);
        // Ties of x1.2 either way at each end of a 64x range move the slope by at most 2 ln 1.2 / ln 64 ... a
        // little: the interval holds 0.5 and excludes 1.
        assert!(s.low.unwrap() < 0.5 && s.high.unwrap() > 0.5 && s.high.unwrap() < 1.0);
        assert_eq!(s.admits(0.5), Some(true));
        assert_eq!(s.admits(1.0), Some(false));
        let line = sentence(&s).unwrap();
        assert!(
            line.contains("consistent with the square-root rule") && line.contains("not the linear rule")
        );
    }

    #[test]
    fn the_extreme_slopes_are_the_extremes_over_every_choice_of_tied_rate() {
        let pts = vec![point(2, 0.1, 0.05, 0.2), point(8, 0.2, 0.1, 0.4), point(32, 0.3, 0.3, 0.9)];
        let s = fit(pts.clone());
        // Brute force over the 27 choices of one of (low, best, high) per point.
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        for code in 0..27 {
            let pick = |i: usize| match (code / 3usize.pow(i as u32)) % 3 {
                0 => pts[i].optimum_low,
                1 => pts[i].best,
                _ => pts[i].optimum_high,
            };
            let l: Vec<_> = (0..3).map(|i| ((pts[i].batch_size as f64).ln(), pick(i).ln(), 1.0)).collect();
            let slope = stats::weighted_line(&l).unwrap().slope;
            (lo, hi) = (lo.min(slope), hi.max(slope));
        }
        assert!((s.low.unwrap() - lo).abs() < 1e-12 && (s.high.unwrap() - hi).abs() < 1e-12);
    }

    #[test]
    fn fewer_than_three_bracketed_batch_sizes_are_not_fit() {
        let s = RateScaling { points: vec![point(4, 0.1, 0.1, 0.1)], exponent: None, low: None, high: None };
        assert!(sentence(&s).unwrap().contains("not fitted"));
        assert_eq!(s.admits(0.5), None);
    }
}
