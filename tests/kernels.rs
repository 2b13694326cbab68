//! The row kernels on both paths against a plain f64 reference, over batches of 1 to 40 and widths of 1
//! to 80 (below and above the 8-lane vectors and the 32-wide blocks), and the binary on each path.
//!
//! Tolerance: an f32 sum of n terms t_k, in any order, fused or not, lies within
//! gamma_n * sum |t_k| of the exact sum, with gamma_n = n u / (1 - n u) and u = 2^-24 (Higham,
//! *Accuracy and Stability of Numerical Algorithms*, section 3.1); the f64 reference adds its own,
//! far smaller, gamma_n with u = 2^-53. Each path must lie within that bound of the reference (so the
//! two paths lie within twice it of each other). They share their summation order and differ only in
//! the rounding of the fused products, so they usually agree far more closely, but a tighter check
//! between them is not sound: a random case (31 x 2 -> 69, a bias and two products) put them 1.8e-7
//! apart, relative, each inside the bound of the exact sum. A broken kernel misses by far more.
//! `PROPTEST_CASES=5000 cargo test --test kernels` runs long.

mod common;

use batchlab::nn::kernels::{KernelPath, Kernels};
use common::{Workdir, blobs_spec, edit, records, refusal_problems};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

/// Every path this CPU runs: portable, and AVX2/FMA where the CPU has it (else a visible skip).
fn paths() -> Vec<Kernels> {
    let fast =
        Kernels::new(KernelPath::Avx2Fma).inspect_err(|e| eprintln!("SKIPPED the avx2+fma path: {e}")).ok();
    std::iter::once(Kernels::new(KernelPath::Portable).expect("portable runs anywhere")).chain(fast).collect()
}

/// An exact sum (to f64 precision) with what its rounding error bound needs.
#[derive(Debug, Clone, Copy)]
struct Sum {
    exact: f64,
    magnitude: f64,
    terms: usize,
}

impl Sum {
    /// sum_k x_k y_k, plus `start` as one more term when it is `Some`.
    fn of(start: Option<f64>, pairs: impl Iterator<Item = (f32, f32)>) -> Sum {
        let mut sum = start.map_or(Sum { exact: 0.0, magnitude: 0.0, terms: 0 }, |s| Sum {
            exact: s,
            magnitude: s.abs(),
            terms: 1,
        });
        for (x, y) in pairs {
            let t = f64::from(x) * f64::from(y);
            (sum.exact, sum.magnitude, sum.terms) = (sum.exact + t, sum.magnitude + t.abs(), sum.terms + 1);
        }
        sum
    }

    /// gamma_n * sum |t_k| for f32, plus the same for the f64 reference.
    fn tolerance(&self) -> f64 {
        let gamma = |u: f64| {
            let nu = self.terms.max(1) as f64 * u;
            nu / (1.0 - nu)
        };
        (gamma(2f64.powi(-24)) + gamma(2f64.powi(-53))) * self.magnitude
    }
}

/// Checks one entry of every path against the reference.
fn check(what: &str, sum: Sum, got: &[f64]) -> Result<(), TestCaseError> {
    let tolerance = sum.tolerance();
    for (path, &g) in got.iter().enumerate() {
        let error = (g - sum.exact).abs();
        prop_assert!(
            error <= tolerance,
            "{what}, path {path}: {g} vs exact {}: error {error:e} > {tolerance:e}",
            sum.exact
        );
    }
    Ok(())
}

/// Values in [-2, 2], a quarter of them exactly zero (as ReLU leaves them, and the kernels skip them).
fn value() -> impl Strategy<Value = f32> {
    prop_oneof![1 => Just(0.0f32), 3 => -2.0f32..2.0]
}

fn values(n: usize) -> impl Strategy<Value = Vec<f32>> {
    prop::collection::vec(value(), n)
}

/// A batch, a layer and its buffers: (b, fan_in, fan_out, input b x fan_in, w fan_in x fan_out,
/// rows b x fan_out (bias rows or errors)).
type Layer = (usize, usize, usize, Vec<f32>, Vec<f32>, Vec<f32>);

fn layer() -> impl Strategy<Value = Layer> {
    (1..=40usize, 1..=80usize, 1..=80usize).prop_flat_map(|(b, fan_in, fan_out)| {
        (
            Just(b),
            Just(fan_in),
            Just(fan_out),
            values(b * fan_in),
            values(fan_in * fan_out),
            values(b * fan_out),
        )
    })
}

/// Two vectors of one length, up to past two 1024-element blocks of the f64-accumulating kernels.
fn pair(max: usize) -> impl Strategy<Value = (Vec<f32>, Vec<f32>)> {
    (1..=max).prop_flat_map(|n| (values(n), values(n)))
}

proptest! {
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn forward_rows_adds_the_product_to_the_bias((b, fan_in, fan_out, input, w, bias) in layer()) {
        let got: Vec<Vec<f32>> = paths().into_iter().map(|k| {
            let mut out = bias.clone();
            k.forward_rows(&input, &w, fan_in, fan_out, &mut out);
            out
        }).collect();
        for (r, j) in (0..b).flat_map(|r| (0..fan_out).map(move |j| (r, j))) {
            let pairs = (0..fan_in).map(|i| (input[r * fan_in + i], w[i * fan_out + j]));
            let sum = Sum::of(Some(f64::from(bias[r * fan_out + j])), pairs);
            let at: Vec<f64> = got.iter().map(|o| f64::from(o[r * fan_out + j])).collect();
            check(&format!("out[{r}, {j}] of {b} x {fan_in} -> {fan_out}"), sum, &at)?;
        }
    }

    #[test]
    fn weight_gradient_rows_is_input_transposed_times_delta(
        (b, fan_in, fan_out, input, _w, delta) in layer(),
    ) {
        let got: Vec<Vec<f32>> = paths().into_iter().map(|k| {
            let mut gw = vec![f32::NAN; fan_in * fan_out];
            k.weight_gradient_rows(&input, &delta, fan_in, fan_out, &mut gw);
            gw
        }).collect();
        for (i, j) in (0..fan_in).flat_map(|i| (0..fan_out).map(move |j| (i, j))) {
            let sum = Sum::of(None, (0..b).map(|r| (input[r * fan_in + i], delta[r * fan_out + j])));
            let at: Vec<f64> = got.iter().map(|g| f64::from(g[i * fan_out + j])).collect();
            check(&format!("gw[{i}, {j}] of {b} x {fan_in} -> {fan_out}"), sum, &at)?;
        }
    }

    #[test]
    fn propagate_rows_is_delta_times_w_transposed((b, fan_in, fan_out, _input, w, delta) in layer()) {
        let got: Vec<Vec<f32>> = paths().into_iter().map(|k| {
            let mut prev = vec![f32::NAN; b * fan_in];
            k.propagate_rows(&delta, &w, fan_in, fan_out, &mut prev);
            prev
        }).collect();
        for (r, i) in (0..b).flat_map(|r| (0..fan_in).map(move |i| (r, i))) {
            let sum = Sum::of(None, (0..fan_out).map(|j| (w[i * fan_out + j], delta[r * fan_out + j])));
            let at: Vec<f64> = got.iter().map(|p| f64::from(p[r * fan_in + i])).collect();
            check(&format!("prev[{r}, {i}] of {b} x {fan_in} -> {fan_out}"), sum, &at)?;
        }
    }

    #[test]
    fn dot_is_the_sum_of_products((x, y) in pair(80)) {
        let got: Vec<f64> = paths().into_iter().map(|k| f64::from(k.dot(&x, &y))).collect();
        let sum = Sum::of(None, x.iter().copied().zip(y.iter().copied()));
        check(&format!("dot of length {}", x.len()), sum, &got)?;
    }

    #[test]
    fn dot_and_squared_norm_are_both_sums_of_products((x, y) in pair(2100)) {
        let got: Vec<(f64, f64)> = paths().into_iter().map(|k| k.dot_and_squared_norm(&x, &y)).collect();
        let n = x.len();
        let xy = Sum::of(None, x.iter().copied().zip(y.iter().copied()));
        let xx = Sum::of(None, x.iter().map(|&v| (v, v)));
        check(&format!("x . y, length {n}"), xy, &got.iter().map(|g| g.0).collect::<Vec<_>>())?;
        check(&format!("x . x, length {n}"), xx, &got.iter().map(|g| g.1).collect::<Vec<_>>())?;
    }

    #[test]
    fn descend_and_observe_steps_and_sums((g, q) in pair(2100), lr in 0.001f32..1.0) {
        let params: Vec<f32> = g.iter().zip(&q).map(|(a, b)| a - 0.5 * b).collect();
        for k in paths() {
            let mut p = params.clone();
            let (gp, gg) = k.descend_and_observe(&mut p, &g, &q, lr);
            for (i, &p) in p.iter().enumerate() {
                // One product and one difference: two roundings.
                let sum = Sum::of(Some(f64::from(params[i])), std::iter::once((-lr, g[i])));
                check(&format!("{:?} theta[{i}]", k.path()), sum, &[f64::from(p)])?;
            }
            let gq = Sum::of(None, g.iter().copied().zip(q.iter().copied()));
            check(&format!("{:?} g . previous", k.path()), gq, &[gp])?;
            check(&format!("{:?} g . g", k.path()), Sum::of(None, g.iter().map(|&v| (v, v))), &[gg])?;
        }
    }

    #[test]
    fn axpy_and_rank_one_update_add_scaled_rows(
        (_b, fan_in, fan_out, a, w, delta) in layer(),
        alpha in -1.0f32..1.0,
        keep in prop_oneof![Just(1.0f32), 0.9f32..1.0],
    ) {
        let delta = &delta[..fan_out];
        let got: Vec<(Vec<f32>, Vec<f32>)> = paths().into_iter().map(|k| {
            let (mut y, mut m) = (w[..fan_out].to_vec(), w.clone());
            k.axpy(alpha, delta, &mut y);
            k.rank_one_update(&mut m, &a[..fan_in], delta, alpha, keep);
            (y, m)
        }).collect();
        for j in 0..fan_out {
            let sum = Sum::of(Some(f64::from(w[j])), std::iter::once((alpha, delta[j])));
            let at: Vec<f64> = got.iter().map(|g| f64::from(g.0[j])).collect();
            check(&format!("axpy y[{j}] of {fan_out}"), sum, &at)?;
        }
        for (i, j) in (0..fan_in).flat_map(|i| (0..fan_out).map(move |j| (i, j))) {
            // keep w (one rounding), alpha a_i (one), times delta_j and added (two): four in all.
            let scaled = f64::from(keep) * f64::from(w[i * fan_out + j]);
            let term = f64::from(alpha) * f64::from(a[i]) * f64::from(delta[j]);
            let sum = Sum { exact: scaled + term, magnitude: scaled.abs() + term.abs(), terms: 4 };
            let at: Vec<f64> = got.iter().map(|g| f64::from(g.1[i * fan_out + j])).collect();
            check(&format!("w[{i}, {j}] of {fan_in} x {fan_out}, keep {keep}"), sum, &at)?;
        }
    }
}

#[test]
fn the_tolerance_rejects_a_sum_that_misses_one_term() {
    // A dot of length 33 whose last product (the one past the 32-wide block) is lost: the error is
    // that product, about 1, while the bound is 33 * 2^-24 * (sum of |products|, under 33 * 4) < 4e-4.
    let x: Vec<f32> = (0..33).map(|i| 1.0 + i as f32 / 33.0).collect();
    let sum = Sum::of(None, x.iter().map(|&v| (v, v)));
    let right: f64 = paths().iter().map(|k| f64::from(k.dot(&x, &x))).next().unwrap();
    let wrong = f64::from(Kernels::new(KernelPath::Portable).unwrap().dot(&x[..32], &x[..32]));
    assert!(check("right", sum, &[right]).is_ok());
    assert!(check("wrong", sum, &[wrong]).is_err(), "{wrong} vs {}", sum.exact);
    // Just inside the bound passes, just outside fails, on either side.
    let bound = sum.tolerance();
    assert!(check("inside", sum, &[sum.exact - 0.99 * bound, sum.exact + 0.99 * bound]).is_ok());
    assert!(check("outside", sum, &[sum.exact + 1.01 * bound]).is_err());
    assert!(check("outside", sum, &[sum.exact - 1.01 * bound]).is_err());
}

/// Batch sizes 1 and 7 (row kernels), and 60 = full (GEMM), through a hidden layer of 40: the 32-wide
/// block and its tail of 8 run on every path.
fn spec() -> String {
    let spec = blobs_spec(60, r#"[1, 7, "full"]"#, 2);
    edit(&spec, "hidden = []", "hidden = [40]")
}

/// Runs the spec in a fresh folder with `BATCHLAB_KERNELS=value`.
fn run_on(value: &str) -> Workdir {
    let wd = Workdir::new();
    wd.write("spec.toml", spec());
    wd.run_with_env(&["spec.toml", "-q"], &[("BATCHLAB_KERNELS", value)]).expect_success();
    wd
}

#[test]
fn each_forced_path_completes_and_repeats_itself_exactly() {
    let mut values = vec!["portable"];
    match Kernels::new(KernelPath::Avx2Fma) {
        Ok(_) => values.push("avx2"),
        Err(e) => eprintln!("SKIPPED BATCHLAB_KERNELS=avx2: {e}"),
    }
    for value in values {
        let (first, again) = (run_on(value), run_on(value));
        let (a, b) = (records(&first, common::OUT), records(&again, common::OUT));
        assert!(a.iter().any(|(f, _)| f.ends_with("iterations.csv")), "{value}: no records in {a:?}");
        assert_eq!(a, b, "{value}: two runs differ outside the time columns");
    }
}

#[test]
fn an_unknown_kernel_path_is_refused_naming_the_variable_and_the_choices() {
    let wd = Workdir::new();
    wd.write("spec.toml", spec());
    let before = wd.files_under(".");
    let out = wd.run_with_env(&["spec.toml", "-q"], &[("BATCHLAB_KERNELS", "avx3")]);
    let problems =
        refusal_problems(&wd, &before, &out, &["BATCHLAB_KERNELS", "`avx3`", "auto, portable, avx2"]);
    assert!(problems.is_empty(), "{problems:?}\nstderr: {}", out.stderr);
}
