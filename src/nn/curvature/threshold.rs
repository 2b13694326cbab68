//! The sharpness above which an optimiser's step diverges on a quadratic: the line that the edge of
//! stability says full-batch training rises to and hovers at.
//!
//! References: J. Cohen, S. Kaur, Y. Li, J. Z. Kolter, A. Talwalkar (2021), "Gradient Descent on Neural
//! Networks Typically Occurs at the Edge of Stability", ICLR, arXiv:2103.00065; J. Cohen, B. Ghorbani,
//! S. Krishnan et al. (2022), "Adaptive Gradient Methods at the Edge of Stability", arXiv:2207.14484.

/// The update rule a threshold is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptimizerKind {
    /// SGD, with heavy-ball momentum in PyTorch's form (v <- mu v + g; theta <- theta - lr v).
    Sgd,
    /// Adam: an exponential average of gradients (beta1) over a diagonal preconditioner.
    Adam,
    /// AdamW: Adam with decoupled weight decay (the decay does not change the loss threshold).
    AdamW,
    /// RMSprop: the preconditioned gradient, with optional heavy-ball momentum as in PyTorch.
    RmsProp,
}

/// The sharpness limit of one optimiser setting.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StabilityThreshold {
    /// The largest stable sharpness.
    pub value: f64,
    /// True when it bounds the preconditioned sharpness lambda_max(P^1/2 H P^1/2), not lambda_max(H).
    pub preconditioned: bool,
}

/// The stability threshold of `kind` at learning rate `lr`: on the quadratic 0.5 lambda x^2 the
/// iteration diverges once lambda exceeds it.
///
/// - SGD: 2/lr without momentum, (2 + 2 momentum)/lr with heavy-ball momentum;
/// - Adam and AdamW: (2 + 2 beta1)/((1 - beta1) lr) on the preconditioned sharpness, 38/lr at the default
///   beta1 = 0.9 (Cohen et al. 2022): the exponential average is heavy-ball momentum beta1 with step
///   (1 - beta1) lr;
/// - RMSprop: (2 + 2 momentum)/lr on the preconditioned sharpness, so 2/lr at PyTorch's default momentum
///   0 (Adam with beta1 = 0 in Cohen et al. 2022).
///
/// `momentum` is read for SGD and RMSprop, `beta1` for Adam and AdamW. The Hessian here is the loss's:
/// with coupled weight decay wd (SGD's) the objective's Hessian is H + wd I, so lambda_max(H) meets the
/// line at the value minus wd.
pub fn stability_threshold(kind: OptimizerKind, lr: f64, momentum: f64, beta1: f64) -> StabilityThreshold {
    match kind {
        OptimizerKind::Sgd => {
            StabilityThreshold { value: (2.0 + 2.0 * momentum) / lr, preconditioned: false }
        }
        OptimizerKind::RmsProp => {
            StabilityThreshold { value: (2.0 + 2.0 * momentum) / lr, preconditioned: true }
        }
        OptimizerKind::Adam | OptimizerKind::AdamW => {
            StabilityThreshold { value: (2.0 + 2.0 * beta1) / ((1.0 - beta1) * lr), preconditioned: true }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// |x| after 4000 steps from x = 1 on 0.5 lambda x^2 (gradient lambda x), with the update rule of
    /// `kind` written from its published formula and, for the adaptive ones, a frozen scalar
    /// preconditioner p (so the preconditioned sharpness is p lambda).
    fn run(kind: OptimizerKind, lr: f64, momentum: f64, beta1: f64, p: f64, lambda: f64) -> f64 {
        let (mut x, mut buffer) = (1.0f64, 0.0f64);
        for _ in 0..4000 {
            let g = lambda * x;
            match kind {
                OptimizerKind::Sgd => {
                    buffer = momentum * buffer + g;
                    x -= lr * buffer;
                }
                OptimizerKind::RmsProp => {
                    buffer = momentum * buffer + p * g;
                    x -= lr * buffer;
                }
                OptimizerKind::Adam | OptimizerKind::AdamW => {
                    // m <- beta1 m + (1 - beta1) g; x <- x - lr m_hat / (sqrt(v_hat) + eps). The bias
                    // correction m_hat = m / (1 - beta1^t) tends to 1 and leaves the line where it is, but
                    // its first steps (up to 1 / (1 - beta1) = 10 times the uncorrected ones) would dominate 4000 steps near
                    // the line, so the steady-state rule is run.
                    buffer = beta1 * buffer + (1.0 - beta1) * g;
                    x -= lr * p * buffer;
                }
            }
            if x.abs() > 1e12 {
                break;
            }
        }
        x.abs()
    }

    #[test]
    fn each_threshold_separates_decay_from_divergence_on_a_quadratic() {
        // Just below the line the iterate dies out, just above it blows up.
        let p = 0.25;
        for (kind, lr, momentum, beta1) in [
            (OptimizerKind::Sgd, 0.1, 0.0, 0.0),
            (OptimizerKind::Sgd, 0.05, 0.9, 0.0),
            (OptimizerKind::RmsProp, 0.01, 0.0, 0.0),
            (OptimizerKind::RmsProp, 0.01, 0.5, 0.0),
            (OptimizerKind::Adam, 1e-3, 0.0, 0.9),
            (OptimizerKind::AdamW, 1e-3, 0.0, 0.8),
        ] {
            let t = stability_threshold(kind, lr, momentum, beta1);
            let scale = if t.preconditioned { p } else { 1.0 };
            let below = run(kind, lr, momentum, beta1, p, 0.97 * t.value / scale);
            let above = run(kind, lr, momentum, beta1, p, 1.03 * t.value / scale);
            assert!(below < 1e-3 && above > 1e3, "{kind:?} lr {lr}: below {below:e}, above {above:e}");
        }
    }

    #[test]
    fn default_settings_give_the_published_lines() {
        assert_eq!(stability_threshold(OptimizerKind::Sgd, 0.1, 0.0, 0.9).value, 20.0);
        assert!((stability_threshold(OptimizerKind::Sgd, 0.1, 0.9, 0.0).value - 38.0).abs() < 1e-12);
        let adam = stability_threshold(OptimizerKind::Adam, 1e-3, 0.0, 0.9);
        assert!((adam.value - 38_000.0).abs() < 1e-6 && adam.preconditioned);
        assert!(!stability_threshold(OptimizerKind::Sgd, 0.1, 0.0, 0.0).preconditioned);
    }
}
