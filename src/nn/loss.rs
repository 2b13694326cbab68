//! The output losses, each fused with its gradient in one pass over the outputs: softmax cross-entropy
//! for classes and mean squared error for values.

/// The targets of one loaded batch.
#[derive(Debug, Clone, Copy)]
pub enum BatchTargets<'a> {
    /// One class index per example.
    Classes(&'a [u32]),
    /// `outputs` values per example, row-major.
    Values(&'a [f32]),
}

/// Sum over the batch of the per-example loss, the number of correct argmax predictions, and in `delta`
/// the gradient of the batch-mean loss with respect to the outputs.
pub fn forward_backward(
    outputs: &[f32],
    targets: BatchTargets<'_>,
    k: usize,
    delta: &mut [f32],
) -> (f64, usize) {
    let b = outputs.len() / k;
    match targets {
        BatchTargets::Classes(labels) => softmax_cross_entropy(outputs, labels, k, 1.0 / b as f32, delta),
        BatchTargets::Values(values) => (squared_error(outputs, values, k, b, delta), 0),
    }
}

/// loss_i = logsumexp(z_i) - z_i[y_i]; dloss/dz = softmax(z) - onehot(y), scaled by `scale`.
fn softmax_cross_entropy(
    logits: &[f32],
    labels: &[u32],
    k: usize,
    scale: f32,
    delta: &mut [f32],
) -> (f64, usize) {
    let mut loss = 0.0f64;
    let mut correct = 0;
    for ((z, d), &y) in logits.chunks_exact(k).zip(delta.chunks_exact_mut(k)).zip(labels) {
        let y = y as usize;
        let (argmax, max) = z
            .iter()
            .enumerate()
            .fold((0, f32::NEG_INFINITY), |best, (j, &v)| if v > best.1 { (j, v) } else { best });
        let mut sum = 0.0f32;
        for (d, &v) in d.iter_mut().zip(z) {
            *d = (v - max).exp();
            sum += *d;
        }
        let inv = scale / sum;
        d.iter_mut().for_each(|v| *v *= inv);
        d[y] -= scale;
        loss += f64::from(sum.ln()) + f64::from(max) - f64::from(z[y]);
        correct += usize::from(argmax == y);
    }
    (loss, correct)
}

/// Per-example loss is the mean over outputs of (z - t)^2, so the batch loss is the mean over examples
/// and outputs, as PyTorch's MSELoss and Keras' "mse" define it.
fn squared_error(outputs: &[f32], targets: &[f32], k: usize, b: usize, delta: &mut [f32]) -> f64 {
    let grad_scale = 2.0 / (b * k) as f32;
    let mut sum = 0.0f64;
    for ((d, &z), &t) in delta.iter_mut().zip(outputs).zip(targets) {
        let r = z - t;
        *d = grad_scale * r;
        sum += f64::from(r) * f64::from(r);
    }
    sum / k as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uniform_logits_cost_log_k() {
        let mut delta = [0.0; 4];
        let (loss, _) = forward_backward(&[0.0; 4], BatchTargets::Classes(&[2]), 4, &mut delta);
        assert!((loss - 4f64.ln()).abs() < 1e-6);
        assert_eq!(delta, [0.25, 0.25, -0.75, 0.25]);
    }

    #[test]
    fn huge_logits_do_not_overflow() {
        let mut delta = [0.0; 2];
        let (loss, correct) = forward_backward(&[1000.0, 0.0], BatchTargets::Classes(&[0]), 2, &mut delta);
        assert!(loss.abs() < 1e-6 && correct == 1);
        let (loss, _) = forward_backward(&[1000.0, 0.0], BatchTargets::Classes(&[1]), 2, &mut delta);
        assert!((loss - 1000.0).abs() < 1e-3);
    }

    #[test]
    fn squared_error_is_the_mean_over_examples_and_outputs() {
        // Two examples, two outputs: residuals 1, 2, 3, 4; the batch loss is (1 + 4 + 9 + 16) / 4.
        let mut delta = [0.0; 4];
        let (sum, _) =
            forward_backward(&[1.0, 2.0, 3.0, 4.0], BatchTargets::Values(&[0.0; 4]), 2, &mut delta);
        assert!((sum / 2.0 - 7.5).abs() < 1e-12);
        assert_eq!(delta, [0.5, 1.0, 1.5, 2.0]);
    }
}
