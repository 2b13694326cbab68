//! Hand-derived cases on every path this CPU runs; tests/kernels.rs compares the paths with an f64
//! reference over many shapes.

use super::*;

/// Every path this CPU can run (the AVX2/FMA one is left out, visibly, where the CPU lacks it).
fn paths() -> Vec<Kernels> {
    let fast =
        Kernels::new(KernelPath::Avx2Fma).inspect_err(|e| eprintln!("skipping the avx2+fma path: {e}")).ok();
    std::iter::once(Kernels::new(KernelPath::Portable).unwrap()).chain(fast).collect()
}

#[test]
fn dot_handles_lengths_that_are_not_a_multiple_of_the_lanes() {
    for k in paths() {
        let x: Vec<f32> = (0..19).map(|i| i as f32).collect();
        // sum of i^2 for i < 19 = 18 * 19 * 37 / 6 = 2109.
        assert_eq!(k.dot(&x, &x), 2109.0, "{:?}", k.path());
        // Two full chunks and a tail of 3: sum of i^2 for i < 67 = 66 * 67 * 133 / 6 = 98021.
        let x: Vec<f32> = (0..67).map(|i| i as f32).collect();
        assert_eq!(k.dot(&x, &x), 98021.0, "{:?}", k.path());
        assert_eq!(k.dot_and_squared_norm(&x, &x), (98021.0, 98021.0), "{:?}", k.path());
    }
}

#[test]
fn row_kernels_agree_with_the_textbook_products() {
    for k in paths() {
        // input 2 x 3, w 3 x 2: out = input . w, gw = input^T . delta, prev = delta . w^T.
        let input = [1.0, 0.0, 2.0, -1.0, 3.0, 0.5];
        let w = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let mut out = [0.0; 4];
        k.forward_rows(&input, &w, 3, 2, &mut out);
        assert_eq!(out, [11.0, 14.0, 10.5, 13.0]);
        let delta = [1.0, -1.0, 0.5, 2.0];
        let mut gw = [0.0; 6];
        k.weight_gradient_rows(&input, &delta, 3, 2, &mut gw);
        assert_eq!(gw, [0.5, -3.0, 1.5, 6.0, 2.25, -1.0]);
        let mut prev = [0.0; 6];
        k.propagate_rows(&delta, &w, 3, 2, &mut prev);
        assert_eq!(prev, [-1.0, -1.0, -1.0, 4.5, 9.5, 14.5]);
    }
}

#[test]
fn a_wide_layer_fills_the_vector_block_and_the_tail() {
    // One input row of ones, fan_in 2, fan_out 35 (one 32-wide block and 3 more): w[i, j] = i + j, so
    // out[j] = bias + j + (1 + j) = 1 + 2j + bias, with bias = 0.5.
    for k in paths() {
        let w: Vec<f32> = (0..2).flat_map(|i| (0..35).map(move |j| (i + j) as f32)).collect();
        let mut out = vec![0.5; 35];
        k.forward_rows(&[1.0, 1.0], &w, 2, 35, &mut out);
        let expected: Vec<f32> = (0..35).map(|j| 1.5 + 2.0 * j as f32).collect();
        assert_eq!(out, expected, "{:?}", k.path());
    }
}

#[test]
fn the_fast_path_fuses_its_multiply_adds_and_the_portable_path_does_not() {
    // Lane 0 of dot's first partial sum sees x[0] y[0] = a^2 and then x[32] y[32] = -a^2, with
    // a = 1 + 2^-23. Fused: round(a^2) - a^2 = -2^-46 exactly. Separate: round(a^2) - round(a^2) = 0.
    let a = 1.0 + f32::EPSILON;
    let (mut x, mut y) = (vec![0.0f32; 64], vec![0.0f32; 64]);
    (x[0], y[0], x[32], y[32]) = (a, a, a, -a);
    let portable = Kernels::new(KernelPath::Portable).unwrap();
    assert_eq!(portable.dot(&x, &y), 0.0);
    match Kernels::new(KernelPath::Avx2Fma) {
        Ok(fast) => assert_eq!(fast.dot(&x, &y), -(2.0f32.powi(-46))),
        Err(e) => eprintln!("skipping the avx2+fma path: {e}"),
    }
}

#[test]
fn the_selected_path_is_the_one_the_environment_asks_for() {
    let expected = match std::env::var(VAR).as_deref() {
        Ok("portable") => "portable",
        Ok("avx2" | "avx2+fma") => "avx2+fma",
        _ if select::has_avx2_fma() => "avx2+fma",
        _ => "portable",
    };
    assert_eq!(kernel_path(), expected);
    assert_eq!(select().map(Kernels::path).map(KernelPath::name), Ok(expected));
}
