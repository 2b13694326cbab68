//! Per-example squared gradient norms weighted by a diagonal preconditioner P, g_i^T P g_i, from the
//! buffers of one backward pass, without forming a per-example gradient: for a dense layer example i's
//! weight gradient is the outer product a_i delta_i^T, so
//! sum_jk P_jk a_ij^2 delta_ik^2 = (a_i * a_i)^T P_W (delta_i * delta_i), one matrix product of the
//! squared inputs with P_W per layer and chunk, and the bias adds sum_k P_bk delta_ik^2. With P = 1 this
//! is `Mlp::per_example_squared_norms`.

use super::Mlp;
use super::mlp::{Workspace, view, view_mut};
use ndarray::linalg::general_mat_mul;

impl Mlp {
    /// g_i^T P g_i of each of the `b` loaded examples into `out`, from the buffers of the last backward
    /// pass; `p` is the preconditioner's diagonal in the layout of the parameters, `scratch` grows to the
    /// squared inputs, errors and their product of the widest layer.
    pub fn per_example_weighted_squared_norms(
        &self,
        ws: &Workspace,
        b: usize,
        p: &[f32],
        scratch: &mut Vec<f32>,
        out: &mut [f64],
    ) {
        assert_eq!(p.len(), self.params, "a preconditioner of the model's parameters");
        out[..b].fill(0.0);
        let (input, acts, deltas) = ws.passes();
        // The stored errors are divided by b (the batch mean); example i's own gradient is b times that.
        let scale = (b as f64) * (b as f64);
        for (l, layer) in self.layers.iter().enumerate() {
            let (fan_in, fan_out) = (layer.fan_in, layer.fan_out);
            let a = if l == 0 { &input[..b * fan_in] } else { &acts[l - 1][..b * fan_in] };
            let d = &deltas[l][..b * fan_out];
            scratch.resize(b * (fan_in + 2 * fan_out), 0.0);
            let (a2, rest) = scratch.split_at_mut(b * fan_in);
            let (d2, m) = rest.split_at_mut(b * fan_out);
            a2.iter_mut().zip(a).for_each(|(s, &x)| *s = x * x);
            d2.iter_mut().zip(d).for_each(|(s, &x)| *s = x * x);
            m.fill(0.0);
            if let Some(o) = layer.bias {
                // Every row of m starts as P_b, so the product below adds the weights' part to the bias's.
                m.chunks_exact_mut(fan_out).for_each(|row| row.copy_from_slice(&p[o..o + fan_out]));
            }
            let p_w = &p[layer.weights..layer.weights + fan_in * fan_out];
            general_mat_mul(
                1.0,
                &view(a2, b, fan_in),
                &view(p_w, fan_in, fan_out),
                1.0,
                &mut view_mut(m, b, fan_out),
            );
            for (i, out) in out[..b].iter_mut().enumerate() {
                let rows = m[i * fan_out..(i + 1) * fan_out].iter().zip(&d2[i * fan_out..(i + 1) * fan_out]);
                *out += rows.map(|(&m, &d)| f64::from(m) * f64::from(d)).sum::<f64>() * scale;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{Examples, Targets};
    use crate::nn::{Loss, initialize};
    use crate::spec::{Activation, Init};
    use ndarray::Array2;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// Each example's gradient formed explicitly (a batch of one), then sum_j p_j g_j^2 in f64.
    #[test]
    fn weighted_norms_equal_the_explicit_per_example_gradients() {
        let mut rng = ChaCha8Rng::seed_from_u64(21);
        for bias in [true, false] {
            let net = Mlp::new(4, &[6, 5], 3, Activation::Tanh, bias, Loss::CrossEntropy);
            let params = initialize(&net, Init::Xavier, &mut rng);
            let n = 20;
            let x = Array2::from_shape_fn((n, 4), |_| rng.random_range(-2.0f32..2.0));
            let data = Examples { x, y: Targets::Classes((0..n).map(|i| (i % 3) as u32).collect()) };
            // Preconditioner entries over four decades, as 1 / (sqrt(v) + eps) spreads them.
            let p: Vec<f32> = (0..net.params).map(|_| 10f32.powf(rng.random_range(-2.0f32..2.0))).collect();
            let (mut ws, mut grad) = (Workspace::new(&net, n), vec![0.0f32; net.params]);
            ws.load_range(&data, 0, n);
            net.loss_and_gradient(&params, &mut ws, n, &mut grad);
            let (mut fast, mut scratch) = (vec![0.0f64; n], Vec::new());
            net.per_example_weighted_squared_norms(&ws, n, &p, &mut scratch, &mut fast);
            let mut one = Workspace::new(&net, 1);
            for (i, &got) in fast.iter().enumerate() {
                one.load(&data, &[i]);
                net.loss_and_gradient(&params, &mut one, 1, &mut grad);
                let explicit: f64 =
                    grad.iter().zip(&p).map(|(&g, &w)| f64::from(w) * f64::from(g).powi(2)).sum();
                assert!(
                    (got - explicit).abs() <= 1e-5 * explicit,
                    "bias {bias}, example {i}: {got} vs {explicit}"
                );
                // Deliberately wrong: the unweighted norm is far from it with P this uneven.
                let plain: f64 = grad.iter().map(|&g| f64::from(g).powi(2)).sum();
                assert!((plain - explicit).abs() > 1e-2 * explicit);
            }
        }
    }
}
