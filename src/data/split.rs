//! The train/test split, seeded by the experiment seed, and standardisation with the training split's
//! statistics.

use super::{Examples, Targets};
use crate::rng::{self, Purpose};
use ndarray::{Array2, ArrayView1, Axis};
use rand::seq::SliceRandom;

/// Holds out `ceil(n * test_fraction)` examples (as scikit-learn's `train_test_split` does, so the digits
/// split is 1437 / 360 like the peers') chosen by the seed's split stream. Both parts keep the
/// original row order, so the training rows read like the file minus the test rows. `plan.rs` checks
/// that `test_fraction` lies in [0, 1); values outside are clamped here rather than panicking.
pub fn split(examples: Examples, test_fraction: f64, seed: u64) -> (Examples, Examples) {
    let (train, test) = split_rows(examples.len(), test_fraction, seed);
    (select(&examples, &train), select(&examples, &test))
}

/// The rows of [`split`]: (training rows, test rows) of `n` examples, each ascending.
pub fn split_rows(n: usize, test_fraction: f64, seed: u64) -> (Vec<usize>, Vec<usize>) {
    // Float-to-int casts saturate, so NaN and negative fractions give 0 and the `min` caps the rest.
    // The small allowance keeps 10 * 0.3 = 3.0000000000000004 at 3.
    let n_test = ((n as f64 * test_fraction - 1e-9).ceil() as usize).min(n);
    let mut order: Vec<usize> = (0..n).collect();
    order.shuffle(&mut rng::stream(seed, 0, Purpose::Split));
    let (test, train) = order.split_at_mut(n_test);
    test.sort_unstable();
    train.sort_unstable();
    (train.to_vec(), test.to_vec())
}

/// The examples of `rows`, in that order.
pub fn select(examples: &Examples, rows: &[usize]) -> Examples {
    let y = match &examples.y {
        Targets::Classes(c) => Targets::Classes(rows.iter().map(|&i| c[i]).collect()),
        Targets::Values(v) => Targets::Values(v.select(Axis(0), rows)),
    };
    Examples { x: examples.x.select(Axis(0), rows), y }
}

/// Centres every feature on the training mean and divides by the training population standard deviation
/// (ddof 0); the test split gets the same transform, so nothing about it leaks into training. A constant
/// feature is only centred. An empty training split leaves both parts untouched. Returns the (mean,
/// divisor) of every feature, none for an empty split.
pub fn standardize(train: &mut Examples, test: &mut Examples) -> Vec<(f64, f64)> {
    if train.is_empty() {
        return Vec::new();
    }
    let stats: Vec<(f64, f64)> = train.x.axis_iter(Axis(1)).map(column_stats).collect();
    apply(&mut train.x, &stats);
    apply(&mut test.x, &stats);
    stats
}

/// Standardises regression targets as [`standardize`] does features, each target column with its training
/// mean and population standard deviation; class targets are left alone. Returns the (mean, divisor) of
/// every target column.
pub fn standardize_targets(train: &mut Examples, test: &mut Examples) -> Vec<(f64, f64)> {
    let Targets::Values(values) = &train.y else { return Vec::new() };
    if values.nrows() == 0 {
        return Vec::new();
    }
    let stats: Vec<(f64, f64)> = values.axis_iter(Axis(1)).map(column_stats).collect();
    for part in [train, test] {
        if let Targets::Values(v) = &mut part.y {
            apply(v, &stats);
        }
    }
    stats
}

/// Mean and the divisor for one feature, accumulated in f64.
fn column_stats(column: ArrayView1<f32>) -> (f64, f64) {
    let n = column.len() as f64;
    let mean = column.iter().map(|&v| f64::from(v)).sum::<f64>() / n;
    let variance = column.iter().map(|&v| (f64::from(v) - mean).powi(2)).sum::<f64>() / n;
    let std = variance.sqrt();
    // Rounding in the mean leaves a constant column with a tiny nonzero spread; dividing by it would
    // blow rounding noise up to unit scale, so spreads this small relative to the values count as zero.
    let scale = column.iter().fold(0.0f64, |m, &v| m.max(f64::from(v).abs()));
    (mean, if std <= 1e-12 * scale { 1.0 } else { std })
}

fn apply(x: &mut Array2<f32>, stats: &[(f64, f64)]) {
    for (mut column, &(mean, std)) in x.axis_iter_mut(Axis(1)).zip(stats) {
        column.mapv_inplace(|v| ((f64::from(v) - mean) / std) as f32);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn regression_targets_are_standardised_with_the_training_statistics() {
        // Training targets 1, 3 (mean 2, population std 1): they become -1, 1; the test target 4 becomes 2.
        let x = Array2::zeros((2, 1));
        let mut train = Examples { x: x.clone(), y: Targets::Values(array![[1.0], [3.0]]) };
        let mut test = Examples { x: Array2::zeros((1, 1)), y: Targets::Values(array![[4.0]]) };
        standardize_targets(&mut train, &mut test);
        assert_eq!(train.y, Targets::Values(array![[-1.0], [1.0]]));
        assert_eq!(test.y, Targets::Values(array![[2.0]]));
    }

    fn numbered(n: usize, d: usize) -> Examples {
        let x = Array2::from_shape_fn((n, d), |(i, j)| (i * d + j) as f32);
        Examples { x, y: Targets::Classes((0..n as u32).collect()) }
    }

    fn classes(e: &Examples) -> Vec<u32> {
        match &e.y {
            Targets::Classes(c) => c.clone(),
            Targets::Values(_) => panic!("expected classes"),
        }
    }

    #[test]
    fn digits_sized_split_holds_out_the_ceiling_of_a_fifth() {
        // 1797 * 0.2 = 359.4, which rounds up to 360, as scikit-learn's train_test_split does.
        let (train, test) = split(numbered(1797, 3), 0.2, 1);
        assert_eq!((train.len(), test.len()), (1437, 360));
    }

    #[test]
    fn both_parts_keep_original_order_and_partition_the_rows() {
        let (train, test) = split(numbered(50, 2), 0.3, 9);
        let (a, b) = (classes(&train), classes(&test));
        assert!(a.windows(2).all(|w| w[0] < w[1]) && b.windows(2).all(|w| w[0] < w[1]));
        let mut all = [a, b].concat();
        all.sort_unstable();
        assert_eq!(all, (0..50).collect::<Vec<u32>>());
        // Features travel with their targets: row i of `numbered` starts at 2 * i.
        assert!(train.x.rows().into_iter().zip(classes(&train)).all(|(r, c)| r[0] == (2 * c) as f32));
    }

    #[test]
    fn the_same_seed_gives_the_same_split_and_another_seed_does_not() {
        let run = |seed| classes(&split(numbered(100, 1), 0.25, seed).1);
        assert_eq!(run(3), run(3));
        assert_ne!(run(3), run(4));
    }

    #[test]
    fn a_zero_test_fraction_leaves_an_empty_test_with_the_right_columns() {
        let (train, test) = split(numbered(10, 4), 0.0, 0);
        assert_eq!((train.len(), test.x.dim(), test.y.len()), (10, (0, 4), 0));
    }

    #[test]
    fn regression_targets_are_split_with_their_rows() {
        let examples = Examples {
            x: array![[0.0], [1.0], [2.0], [3.0]],
            y: Targets::Values(array![[0.0], [10.0], [20.0], [30.0]]),
        };
        let (train, _) = split(examples, 0.5, 5);
        let Targets::Values(v) = &train.y else { panic!("values") };
        assert_eq!(v.column(0).mapv(|t| t / 10.0), train.x.column(0));
    }

    #[test]
    fn out_of_range_fractions_are_clamped_not_panicking() {
        assert_eq!(split(numbered(4, 1), f64::NAN, 0).1.len(), 0);
        assert_eq!(split(numbered(4, 1), -1.0, 0).1.len(), 0);
        assert_eq!(split(numbered(4, 1), 7.0, 0).1.len(), 4);
    }

    #[test]
    fn standardising_uses_the_population_std_of_the_training_split() {
        // Column 0 of train is 1, 2, 3, 6: mean 3, squared deviations 4 + 1 + 0 + 9 = 14, so the
        // population variance is 14 / 4 = 3.5. Column 1 is constant 5, so it is only centred.
        let mut train = Examples {
            x: array![[1.0, 5.0], [2.0, 5.0], [3.0, 5.0], [6.0, 5.0]],
            y: Targets::Classes(vec![0; 4]),
        };
        let mut test = Examples { x: array![[10.0, 7.0]], y: Targets::Classes(vec![0]) };
        standardize(&mut train, &mut test);
        let s = 3.5f64.sqrt();
        let expected = [-2.0 / s, -1.0 / s, 0.0, 3.0 / s];
        assert!(train.x.column(0).iter().zip(expected).all(|(&a, b)| (f64::from(a) - b).abs() < 1e-6));
        assert!(train.x.column(1).iter().all(|&v| v == 0.0));
        // The test row uses the training mean and std, not its own.
        assert!((f64::from(test.x[[0, 0]]) - 7.0 / s).abs() < 1e-6);
        assert_eq!(test.x[[0, 1]], 2.0);
    }

    #[test]
    fn a_constant_column_with_rounding_in_its_mean_is_only_centred() {
        let mut train = Examples { x: Array2::from_elem((3, 1), 0.1f32), y: Targets::Classes(vec![0; 3]) };
        let mut test = Examples { x: Array2::from_elem((1, 1), 1.1f32), y: Targets::Classes(vec![0]) };
        standardize(&mut train, &mut test);
        assert!(train.x.iter().all(|v| v.abs() < 1e-7));
        assert!((test.x[[0, 0]] - 1.0).abs() < 1e-6);
    }

    #[test]
    fn an_empty_training_split_is_left_alone() {
        let mut train = Examples { x: Array2::zeros((0, 2)), y: Targets::Classes(vec![]) };
        let mut test = Examples { x: array![[1.0, 2.0]], y: Targets::Classes(vec![0]) };
        standardize(&mut train, &mut test);
        assert_eq!(test.x, array![[1.0, 2.0]]);
    }
}
