//! Comparisons across batch sizes that a reader can defend: repeat r of every batch size shares its
//! initial weights and data order, so the smallest and the largest batch size are compared *paired*, by the
//! 95 % t interval of their per-repeat difference. A direction is claimed only when that interval excludes
//! zero by more than a margin that matters *and* the trend over all batch sizes (Spearman's rho between
//! batch size and the mean, ties within 1e-9 relative) agrees; otherwise the answer is "no detectable
//! difference", with the interval. Fewer than three paired repeats allow no interval and no claim.

use super::stats::{self, Interval, RELATIVE_TIE};
use serde::{Deserialize, Serialize};

/// Spearman's rho at least this far from zero counts as a trend that agrees.
pub const TREND: f64 = 0.5;

/// What a comparison found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Claim {
    /// The measure is larger at the smallest batch size, beyond the margin, and falls with batch size.
    LargerAtSmallBatch,
    /// The measure is smaller at the smallest batch size, beyond the margin, and grows with batch size.
    SmallerAtSmallBatch,
    /// The interval includes zero or lies within the margin.
    NoDetectableDifference,
    /// The smallest and largest batch sizes differ beyond the margin, but the batch sizes between do not
    /// follow: no trend with batch size is claimed.
    EndsDifferWithoutTrend,
    /// Fewer than three paired repeats, or fewer than two batch sizes with values.
    NotEnoughData,
}

/// One measure compared across batch sizes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// The smallest batch size with values.
    pub small: usize,
    /// The largest batch size with values.
    pub large: usize,
    /// Mean of the measure at each batch size with values, smallest batch first.
    pub means: Vec<(usize, f64)>,
    /// Paired difference small - large: mean and 95 % interval.
    pub difference: Option<Interval>,
    /// Repeats paired.
    pub pairs: usize,
    /// Spearman's rho between batch size and the mean.
    pub rho: Option<f64>,
    /// The margin a difference must exceed.
    pub margin: f64,
    /// The verdict.
    pub claim: Claim,
}

/// Compares `values` (per batch size, ascending: (repeat, value) of its healthy chosen-rate runs).
pub fn compare(values: &[(usize, Vec<(u64, f64)>)], margin: f64) -> Comparison {
    let present: Vec<&(usize, Vec<(u64, f64)>)> = values.iter().filter(|(_, v)| !v.is_empty()).collect();
    let means: Vec<(usize, f64)> = present
        .iter()
        .filter_map(|(b, v)| stats::mean(&v.iter().map(|x| x.1).collect::<Vec<_>>()).map(|m| (*b, m)))
        .collect();
    let (Some(first), Some(last)) = (present.first(), present.last()) else {
        return empty(means, margin);
    };
    if present.len() < 2 {
        return empty(means, margin);
    }
    let pairs: Vec<(f64, f64)> =
        first.1.iter().filter_map(|&(r, a)| last.1.iter().find(|x| x.0 == r).map(|x| (a, x.1))).collect();
    let difference = stats::paired_interval(&pairs);
    let rho = Some(stats::spearman(&tied_means(&means)));
    let claim = match (difference, rho) {
        (None, _) => Claim::NotEnoughData,
        (Some(d), Some(rho)) if d.above(margin) && rho <= -TREND => Claim::LargerAtSmallBatch,
        (Some(d), Some(rho)) if d.below(margin) && rho >= TREND => Claim::SmallerAtSmallBatch,
        (Some(d), _) if d.above(margin) || d.below(margin) => Claim::EndsDifferWithoutTrend,
        _ => Claim::NoDetectableDifference,
    };
    Comparison { small: first.0, large: last.0, means, difference, pairs: pairs.len(), rho, margin, claim }
}

fn empty(means: Vec<(usize, f64)>, margin: f64) -> Comparison {
    let b = |i: Option<&(usize, f64)>| i.map_or(0, |m| m.0);
    Comparison {
        small: b(means.first()),
        large: b(means.last()),
        means,
        difference: None,
        pairs: 0,
        rho: None,
        margin,
        claim: Claim::NotEnoughData,
    }
}

/// (log batch size, mean) with means equal to within 1e-9 relative replaced by one value, so rounding
/// noise cannot rank them.
fn tied_means(means: &[(usize, f64)]) -> Vec<(f64, f64)> {
    let mut out: Vec<(f64, f64)> = Vec::with_capacity(means.len());
    for &(b, m) in means {
        let same = out.iter().map(|p| p.1).find(|&v| stats::tied(v, m) || (v - m).abs() <= RELATIVE_TIE);
        out.push(((b as f64).ln(), same.unwrap_or(m)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(b: usize, values: &[f64]) -> (usize, Vec<(u64, f64)>) {
        (b, values.iter().enumerate().map(|(r, &v)| (r as u64, v)).collect())
    }

    #[test]
    fn noise_alone_between_the_curves_gives_no_detectable_difference() {
        // The small batch is higher in two repeats and lower in the third: the interval spans zero.
        let c = compare(&[series(1, &[0.02, 0.0, 0.01]), series(100, &[0.0, 0.01, 0.0])], 0.01);
        assert_eq!(c.claim, Claim::NoDetectableDifference);
        assert!(c.difference.unwrap().low < 0.0);
    }

    #[test]
    fn a_real_effect_gives_a_direction_and_a_tiny_one_stays_within_the_margin() {
        let small = series(1, &[0.30, 0.32, 0.29, 0.31]);
        let large = series(1000, &[0.0, 0.0, 0.0, 0.0]);
        let c = compare(&[small.clone(), series(30, &[0.1, 0.12, 0.09, 0.11]), large.clone()], 0.01);
        assert_eq!((c.claim, c.pairs), (Claim::LargerAtSmallBatch, 4));
        assert!(c.rho.unwrap() <= -0.99);
        let tiny = compare(&[series(1, &[0.003, 0.004, 0.0035]), series(1000, &[0.0, 0.0, 0.0])], 0.01);
        assert_eq!(tiny.claim, Claim::NoDetectableDifference);
        let reversed = compare(&[(1, large.1), (1000, small.1)], 0.01);
        assert_eq!(reversed.claim, Claim::SmallerAtSmallBatch);
    }

    #[test]
    fn a_trend_that_disagrees_with_the_ends_is_no_claim() {
        // The ends differ by 0.3, but the middle batch sizes are the highest: mean ranks 2, 3, 4, 1 against
        // batch ranks 1, 2, 3, 4 give rho = 1 - 6 x 12 / (4 x 15) = -0.2, no trend.
        let values = [
            series(1, &[0.3, 0.31, 0.3]),
            series(10, &[0.9, 0.9, 0.9]),
            series(30, &[0.95, 0.95, 0.95]),
            series(1000, &[0.0, 0.0, 0.0]),
        ];
        let c = compare(&values, 0.01);
        assert_eq!(c.claim, Claim::EndsDifferWithoutTrend, "rho {:?}", c.rho);
    }

    #[test]
    fn two_repeats_allow_no_claim_and_rounding_cannot_rank() {
        let c = compare(&[series(1, &[0.5, 0.6]), series(100, &[0.0, 0.0])], 0.01);
        assert_eq!(c.claim, Claim::NotEnoughData);
        let ties = tied_means(&[(1, 1.0), (2, 0.9999999999999998), (4, 1.0)]);
        assert!(ties.iter().all(|p| p.1 == 1.0));
    }
}
