//! Data preparation shared by the charts: means and bands over repeats, the moving average of the
//! per-update loss over a fixed number of examples, and min/max decimation of long series.

use crate::analysis::stats;
use crate::spec::Band;

/// Mean, low and high of one point over repeats.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spread {
    /// Mean over repeats.
    pub mean: f64,
    /// Lower edge of the band.
    pub low: f64,
    /// Upper edge of the band.
    pub high: f64,
}

/// The mean of `values` with a band: min to max, or mean +- one (population) standard deviation.
pub fn spread(values: &[f64], band: Band) -> Spread {
    let mean = stats::mean(values).unwrap_or(f64::NAN);
    match band {
        Band::Minmax => {
            let (low, high) = stats::min_max(values).unwrap_or((f64::NAN, f64::NAN));
            Spread { mean, low, high }
        }
        Band::Std => {
            let sd = stats::population_std(values).unwrap_or(f64::NAN);
            Spread { mean, low: mean - sd, high: mean + sd }
        }
    }
}

/// Per-index spread over several series of (x, y) points, over the indices every series has; x is averaged.
pub fn mean_series(series: &[Vec<(f64, f64)>], band: Band) -> Vec<(f64, Spread)> {
    let len = series.iter().map(Vec::len).min().unwrap_or(0);
    (0..len)
        .map(|i| {
            let xs: Vec<f64> = series.iter().map(|s| s[i].0).collect();
            let ys: Vec<f64> = series.iter().map(|s| s[i].1).collect();
            (xs.iter().sum::<f64>() / xs.len() as f64, spread(&ys, band))
        })
        .collect()
}

/// Debiased exponential moving average with a time constant of `tau` examples, so it means the same at
/// every batch size: an update of b examples weighs a = 1 - exp(-b / tau) against the average so far,
/// s_t = (1 - a) s_{t-1} + a x_t from s_0 = 0, reported as s_t / w_t with w_t = 1 - prod (1 - a) (the
/// debiasing of TensorBoard and Adam, so a constant series stays constant). Values are `None` until the
/// updates so far hold `tau` examples: a curve never starts from one noisy sample. `tau` = 0 returns the
/// raw values; a non-finite value ends the average.
pub fn smooth_by_examples(examples: &[f64], values: &[f64], tau: f64) -> Vec<Option<f64>> {
    let (mut s, mut w, mut seen) = (0.0, 0.0, 0.0);
    examples
        .iter()
        .zip(values)
        .map(|(&b, &x)| {
            let a = if tau > 0.0 { 1.0 - (-b / tau).exp() } else { 1.0 };
            s = (1.0 - a) * s + a * x;
            w = (1.0 - a) * w + a;
            seen += b;
            (seen >= tau && s.is_finite()).then(|| s / w)
        })
        .collect()
}

/// `points` up to (not including) the first non-finite y: a diverged run's curve ends at its last finite
/// value.
pub fn finite_prefix(points: &[(f64, f64)]) -> &[(f64, f64)] {
    let end = points.iter().position(|p| !p.1.is_finite() || !p.0.is_finite()).unwrap_or(points.len());
    &points[..end]
}

/// The mean of `value` over `rows` for each `key`, in increasing key order, as (key, mean); missing and
/// non-finite values are skipped and keys left without a value dropped.
pub fn mean_by<R>(
    rows: &[&R],
    key: impl Fn(&R) -> u64,
    value: impl Fn(&R) -> Option<f64>,
) -> Vec<(f64, f64)> {
    let mut keys: Vec<u64> = rows.iter().map(|r| key(r)).collect();
    keys.sort_unstable();
    keys.dedup();
    keys.iter()
        .filter_map(|&k| {
            let v: Vec<f64> = rows
                .iter()
                .filter(|r| key(r) == k)
                .filter_map(|r| value(r))
                .filter(|v| v.is_finite())
                .collect();
            stats::mean(&v).map(|m| (k as f64, m))
        })
        .collect()
}

/// Keeps at most two points per bucket of `buckets` equal slices of `t(x)` over the series' range: the
/// lowest and the highest, in their original order. Long noisy series keep their envelope (the noise stays
/// visible) while the drawn path shrinks to a few thousand points. Series shorter than `2 * buckets` are
/// returned unchanged.
pub fn decimate_min_max(points: &[(f64, f64)], buckets: usize, t: impl Fn(f64) -> f64) -> Vec<(f64, f64)> {
    if points.len() <= 2 * buckets || buckets == 0 {
        return points.to_vec();
    }
    let (lo, hi) = (t(points[0].0), t(points[points.len() - 1].0));
    let width = (hi - lo).max(f64::MIN_POSITIVE);
    let bucket_of = |x: f64| (((t(x) - lo) / width * buckets as f64) as usize).min(buckets - 1);
    let mut out = Vec::with_capacity(2 * buckets);
    let mut start = 0;
    while start < points.len() {
        let b = bucket_of(points[start].0);
        let mut end = start;
        while end < points.len() && bucket_of(points[end].0) == b {
            end += 1;
        }
        push_extremes(&points[start..end], &mut out);
        start = end;
    }
    out
}

/// Replaces each bucket of `buckets` equal slices of `t(x)` by its mean point; for drawing a smoothed
/// line of a long series. Series shorter than `buckets` are returned unchanged.
pub fn decimate_mean(points: &[(f64, f64)], buckets: usize, t: impl Fn(f64) -> f64) -> Vec<(f64, f64)> {
    if points.len() <= buckets || buckets == 0 {
        return points.to_vec();
    }
    let (lo, hi) = (t(points[0].0), t(points[points.len() - 1].0));
    let width = (hi - lo).max(f64::MIN_POSITIVE);
    let bucket_of = |x: f64| (((t(x) - lo) / width * buckets as f64) as usize).min(buckets - 1);
    let mut out: Vec<(f64, f64)> = Vec::with_capacity(buckets);
    let mut current = (usize::MAX, 0.0, 0.0, 0usize);
    for &(x, y) in points {
        let b = bucket_of(x);
        if b != current.0 && current.3 > 0 {
            out.push((current.1 / current.3 as f64, current.2 / current.3 as f64));
            current = (b, 0.0, 0.0, 0);
        }
        current = (b, current.1 + x, current.2 + y, current.3 + 1);
    }
    out.push((current.1 / current.3 as f64, current.2 / current.3 as f64));
    out
}

fn push_extremes(slice: &[(f64, f64)], out: &mut Vec<(f64, f64)>) {
    let by_y = |a: &&(f64, f64), b: &&(f64, f64)| a.1.total_cmp(&b.1);
    let (Some(min), Some(max)) = (slice.iter().min_by(by_y), slice.iter().max_by(by_y)) else {
        return;
    };
    if min.0 <= max.0 {
        out.push(*min);
        if max != min {
            out.push(*max);
        }
    } else {
        out.push(*max);
        out.push(*min);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_average_starts_once_it_spans_its_window_and_then_follows_the_formula() {
        // tau = 4 examples, updates of 2: nothing after the first update, then the debiased average.
        let s = smooth_by_examples(&[2.0; 3], &[5.0, 1.0, 3.0], 4.0);
        let a = 1.0 - (-0.5f64).exp();
        assert_eq!(s[0], None);
        let (s2, w2) = ((1.0 - a) * a * 5.0 + a * 1.0, (1.0 - a) * a + a);
        assert!((s[1].unwrap() - s2 / w2).abs() < 1e-12);
        let (s3, w3) = ((1.0 - a) * s2 + a * 3.0, (1.0 - a) * w2 + a);
        assert!((s[2].unwrap() - s3 / w3).abs() < 1e-12);
    }

    #[test]
    fn equal_windows_in_examples_smooth_every_batch_size_alike() {
        // One update of 100 examples weighs what 100 updates of one example weigh together.
        let one = smooth_by_examples(&[100.0, 100.0], &[0.0, 1.0], 50.0)[1].unwrap();
        let mut b1 = vec![0.0; 100];
        b1.extend([1.0; 100]);
        let many = smooth_by_examples(&[1.0; 200], &b1, 50.0)[199].unwrap();
        assert!((one - many).abs() < 1e-9, "{one} vs {many}");
    }

    #[test]
    fn a_constant_series_stays_constant_and_no_window_returns_the_raw_values() {
        assert!(
            smooth_by_examples(&[3.0; 500], &[2.5; 500], 40.0)
                .iter()
                .flatten()
                .all(|v| (v - 2.5).abs() < 1e-12)
        );
        let raw = smooth_by_examples(&[1.0; 3], &[1.0, 4.0, 2.0], 0.0);
        assert_eq!(raw, vec![Some(1.0), Some(4.0), Some(2.0)]);
    }

    #[test]
    fn a_curve_ends_at_its_last_finite_value() {
        let p = [(0.0, 1.0), (1.0, 2.0), (2.0, f64::NAN), (3.0, 1.0)];
        assert_eq!(finite_prefix(&p), &p[..2]);
    }

    #[test]
    fn decimation_keeps_the_envelope_and_bounds_the_size() {
        let points: Vec<(f64, f64)> =
            (0..100_000).map(|i| (i as f64, if i % 7 == 0 { -1.0 } else { (i % 13) as f64 })).collect();
        let out = decimate_min_max(&points, 500, |x| x);
        assert!(out.len() <= 1000, "{}", out.len());
        assert_eq!(out.iter().map(|p| p.1).fold(f64::INFINITY, f64::min), -1.0);
        assert_eq!(out.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max), 12.0);
        assert!(out.windows(2).all(|w| w[0].0 <= w[1].0), "x order kept");
    }

    #[test]
    fn mean_decimation_averages_each_bucket() {
        let points: Vec<(f64, f64)> = (0..1000).map(|i| (i as f64, (i % 2) as f64)).collect();
        let out = decimate_mean(&points, 10, |x| x);
        assert_eq!(out.len(), 10);
        assert!(out.iter().all(|p| (p.1 - 0.5).abs() < 1e-12));
    }

    #[test]
    fn short_series_are_not_decimated() {
        let points = vec![(1.0, 2.0), (2.0, 1.0), (3.0, 5.0)];
        assert_eq!(decimate_min_max(&points, 10, f64::ln), points);
    }

    #[test]
    fn means_by_key_skip_missing_values_and_empty_keys() {
        let rows = [(2u64, Some(1.0)), (1, Some(4.0)), (2, Some(3.0)), (3, None), (1, Some(f64::NAN))];
        let refs: Vec<&(u64, Option<f64>)> = rows.iter().collect();
        assert_eq!(mean_by(&refs, |r| r.0, |r| r.1), vec![(1.0, 4.0), (2.0, 2.0)]);
    }

    #[test]
    fn minmax_and_std_bands() {
        let s = spread(&[1.0, 2.0, 3.0], Band::Minmax);
        assert_eq!((s.mean, s.low, s.high), (2.0, 1.0, 3.0));
        let s = spread(&[1.0, 3.0], Band::Std);
        assert_eq!((s.low, s.high), (1.0, 3.0));
    }
}
