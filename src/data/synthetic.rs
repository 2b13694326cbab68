//! Seeded synthetic data: correlated linear regression, Gaussian blobs and interleaved spirals, drawn from
//! the experiment seed's data stream so every repeat sees the same examples.

use super::{Examples, Table, Targets};
use crate::plan::SyntheticPlan;
use crate::rng::{self, Purpose};
use crate::spec::Generator;
use ndarray::Array2;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;
use std::f64::consts::PI;

/// Blob centres are drawn N(0, CENTRE_STD^2 I), far apart compared with the default noise of 0.1.
const CENTRE_STD: f64 = 3.0;
/// Turns each spiral arm makes between radius 0.1 and 1.
const SPIRAL_TURNS: f64 = 1.5;

/// Draws `plan.samples` examples of `plan.features` features from `plan.generator`, seeded by `seed`.
pub fn generate(plan: &SyntheticPlan, seed: u64) -> Table {
    let mut rng = rng::stream(seed, 0, Purpose::Data);
    let examples = match plan.generator {
        Generator::Linear => {
            let weights: Vec<f64> = (0..plan.features).map(|_| normal(&mut rng)).collect();
            linear(plan, &weights, &mut rng)
        }
        Generator::Blobs => Examples { x: blobs(plan, &mut rng), y: Targets::Classes(round_robin(plan)) },
        Generator::Spirals => Examples { x: spirals(plan, &mut rng), y: Targets::Classes(round_robin(plan)) },
    };
    let class_names = match plan.generator {
        Generator::Linear => Vec::new(),
        Generator::Blobs | Generator::Spirals => (0..plan.classes).map(|c| c.to_string()).collect(),
    };
    let feature_names = (0..plan.features).map(|j| format!("x{j}")).collect();
    Table { examples, feature_names, class_names, image: None }
}

fn normal(rng: &mut ChaCha8Rng) -> f64 {
    rng.sample(StandardNormal)
}

/// Class `i % classes` for example `i`, so every class is present and the counts differ by at most one.
fn round_robin(shape: &SyntheticPlan) -> Vec<u32> {
    // The plan caps classes at samples, which its value limit keeps far below u32::MAX.
    (0..shape.samples).map(|i| (i % shape.classes) as u32).collect()
}

/// y = x . w* + noise * N(0, 1), no bias, for true weights w* (`generate` draws them N(0, I) first from the
/// same stream). Every feature has variance 1 and every pair correlation `rho` (see [`equicorrelation`]).
fn linear(shape: &SyntheticPlan, weights: &[f64], rng: &mut ChaCha8Rng) -> Examples {
    let d = shape.features;
    let (a, b) = equicorrelation(shape.correlation, d);
    let mut x = Array2::zeros((shape.samples, d));
    let mut y = Array2::zeros((shape.samples, 1));
    let mut z = vec![0.0; d];
    for (i, mut row) in x.rows_mut().into_iter().enumerate() {
        z.iter_mut().for_each(|v| *v = normal(rng));
        let shared = b * z.iter().sum::<f64>();
        let mut target = 0.0;
        for ((cell, &zj), &wj) in row.iter_mut().zip(&z).zip(weights) {
            let value = a * zj + shared;
            target += value * wj;
            *cell = value as f32;
        }
        y[[i, 0]] = (target + shape.noise * normal(rng)) as f32;
    }
    Examples { x, y: Targets::Values(y) }
}

/// The a and b of x = a z + b (1'z) 1, z ~ N(0, I_d), with a = sqrt(1 - rho) and
/// b = (sqrt(1 + (d - 1) rho) - a) / d. Then Cov x = a^2 I + (2ab + d b^2) 11' = (1 - rho) I + rho 11',
/// exactly the equicorrelation matrix. The square root is real precisely when that matrix is positive
/// definite, rho in (-1/(d-1), 1) (the plan refuses anything else), so negative correlations work for any
/// d, with d normals per example and no Cholesky factor.
fn equicorrelation(rho: f64, d: usize) -> (f64, f64) {
    let a = (1.0 - rho).sqrt();
    (a, ((1.0 + (d - 1) as f64 * rho).sqrt() - a) / d as f64)
}

/// One centre per class drawn N(0, 3^2 I), then x = centre + noise * N(0, I): for blobs `noise` is the
/// standard deviation of each cluster.
fn blobs(shape: &SyntheticPlan, rng: &mut ChaCha8Rng) -> Array2<f32> {
    let centres = Array2::from_shape_simple_fn((shape.classes, shape.features), || CENTRE_STD * normal(rng));
    let mut x = Array2::zeros((shape.samples, shape.features));
    for (i, mut row) in x.rows_mut().into_iter().enumerate() {
        for (cell, &c) in row.iter_mut().zip(centres.row(i % shape.classes)) {
            *cell = (c + shape.noise * normal(rng)) as f32;
        }
    }
    x
}

/// Arm k is the Archimedean spiral r = t, angle = 2 pi (SPIRAL_TURNS t + k / classes), with t ~ U[0.1, 1],
/// plus noise * N(0, I): the arms interleave at equal angles.
fn spirals(shape: &SyntheticPlan, rng: &mut ChaCha8Rng) -> Array2<f32> {
    let mut x = Array2::zeros((shape.samples, 2));
    for (i, mut row) in x.rows_mut().into_iter().enumerate() {
        let t: f64 = rng.random_range(0.1..=1.0);
        let angle = 2.0 * PI * (SPIRAL_TURNS * t + (i % shape.classes) as f64 / shape.classes as f64);
        row[0] = (t * angle.cos() + shape.noise * normal(rng)) as f32;
        row[1] = (t * angle.sin() + shape.noise * normal(rng)) as f32;
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(
        generator: Generator,
        samples: usize,
        features: usize,
        classes: usize,
        noise: f64,
    ) -> SyntheticPlan {
        SyntheticPlan { generator, samples, features, classes, noise, correlation: 0.0 }
    }

    fn classes(table: &Table) -> &[u32] {
        match &table.examples.y {
            Targets::Classes(c) => c,
            Targets::Values(_) => panic!("expected classes"),
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_data_and_another_seed_does_not() {
        for generator in [Generator::Linear, Generator::Blobs, Generator::Spirals] {
            let s = spec(generator, 50, 2, 3, 0.1);
            let first = generate(&s, 11);
            assert_eq!(first, generate(&s, 11));
            assert_ne!(first.examples.x, generate(&s, 12).examples.x);
        }
    }

    #[test]
    fn linear_least_squares_recovers_the_true_weights_when_noise_is_small() {
        let shape = SyntheticPlan { correlation: 0.5, ..spec(Generator::Linear, 500, 2, 0, 0.01) };
        let w = [0.7, -1.3];
        let Examples { x, y } = linear(&shape, &w, &mut rng::stream(4, 0, Purpose::Data));
        let Targets::Values(y) = y else { panic!("linear gives values") };
        // Normal equations X'X w = X'y, solved by Cramer's rule for two features.
        let (c0, c1) = (x.column(0).mapv(f64::from), x.column(1).mapv(f64::from));
        let t = y.column(0).mapv(f64::from);
        let (s00, s01, s11) = (c0.dot(&c0), c0.dot(&c1), c1.dot(&c1));
        let (r0, r1) = (c0.dot(&t), c1.dot(&t));
        let det = s00 * s11 - s01 * s01;
        let fit = [(r0 * s11 - r1 * s01) / det, (s00 * r1 - s01 * r0) / det];
        assert!(fit.iter().zip(&w).all(|(f, w)| (f - w).abs() < 0.01), "fit {fit:?} vs {w:?}");
    }

    fn sample_correlation(x: &Array2<f32>, i: usize, j: usize) -> f64 {
        let (a, b) = (x.column(i).mapv(f64::from), x.column(j).mapv(f64::from));
        let (ma, mb) = (a.mean().unwrap_or(0.0), b.mean().unwrap_or(0.0));
        let (da, db) = (a - ma, b - mb);
        da.dot(&db) / (da.dot(&da) * db.dot(&db)).sqrt()
    }

    #[test]
    fn linear_features_have_the_requested_correlation_positive_or_negative() {
        for rho in [0.6, -0.4, 0.0] {
            let mut s = spec(Generator::Linear, 20_000, 3, 2, 0.1);
            s.correlation = rho;
            let x = generate(&s, 1).examples.x;
            for (i, j) in [(0, 1), (0, 2), (1, 2)] {
                let r = sample_correlation(&x, i, j);
                assert!((r - rho).abs() < 0.03, "rho {rho}: pair ({i}, {j}) has {r}");
            }
            let var = x.column(0).mapv(f64::from).var(0.0);
            assert!((var - 1.0).abs() < 0.05, "variance {var}");
        }
    }

    #[test]
    fn blobs_have_every_class_and_noiseless_points_sit_on_their_centre() {
        let t = generate(&spec(Generator::Blobs, 31, 4, 3, 0.0), 2);
        assert_eq!((t.examples.x.dim(), t.class_names.len()), ((31, 4), 3));
        assert_eq!(t.feature_names, ["x0", "x1", "x2", "x3"]);
        assert_eq!(&classes(&t)[..4], [0, 1, 2, 0]);
        assert_eq!(t.examples.x.row(0), t.examples.x.row(3));
        assert_ne!(t.examples.x.row(0), t.examples.x.row(1));
    }

    #[test]
    fn spirals_have_every_class_and_radii_between_a_tenth_and_one() {
        let t = generate(&spec(Generator::Spirals, 40, 2, 4, 0.0), 3);
        assert_eq!(t.class_names, ["0", "1", "2", "3"]);
        assert!((0..4).all(|c| classes(&t).contains(&c)));
        let radii = t.examples.x.rows().into_iter().map(|r| r[0].hypot(r[1]));
        assert!(radii.into_iter().all(|r| (0.0999..=1.0001).contains(&r)));
    }
}
