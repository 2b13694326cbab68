//! The SDE scaling rule for adaptive optimisers (Malladi, Lyu, Panigrahi and Arora 2022, "On the SDEs and
//! Scaling Rules for Adaptive Gradient Algorithms"): when the batch size is multiplied by k, Adam and
//! RMSprop follow the same stochastic differential equation with lr x sqrt(k), 1 - beta1 and 1 - beta2
//! multiplied by k, and epsilon / sqrt(k). A decay rate 1 - k (1 - beta) below 0 is clamped to 0 (no
//! averaging) and reported, so the caller can warn.

/// The hyperparameters the rule scales. For RMSprop, `beta1` is `None` and `beta2` is its `alpha`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Adaptive {
    /// Learning rate.
    pub learning_rate: f64,
    /// First-moment decay (Adam); `None` where there is none (RMSprop).
    pub beta1: Option<f64>,
    /// Second-moment decay (Adam's beta2, RMSprop's alpha).
    pub beta2: f64,
    /// Added to the root of the second moment.
    pub epsilon: f64,
}

/// Scaled hyperparameters and which of them were clamped.
#[derive(Debug, Clone, PartialEq)]
pub struct Scaled {
    /// The values at the new batch size.
    pub values: Adaptive,
    /// Keys clamped to 0 because k (1 - beta) exceeded 1: `"beta1"`, `"beta2"`, in that order.
    pub clamped: Vec<&'static str>,
}

/// `values` at `k` times the batch size they were written for (k = B / base_batch_size > 0).
pub fn scale(values: Adaptive, k: f64) -> Scaled {
    debug_assert!(k.is_finite() && k > 0.0, "a batch-size ratio is positive");
    let mut clamped = Vec::new();
    let mut decay = |beta: f64, key: &'static str| {
        let scaled = 1.0 - k * (1.0 - beta);
        if scaled < 0.0 {
            clamped.push(key);
            0.0
        } else {
            scaled
        }
    };
    let beta1 = values.beta1.map(|b| decay(b, "beta1"));
    let beta2 = decay(values.beta2, "beta2");
    let root = k.sqrt();
    let values =
        Adaptive { learning_rate: values.learning_rate * root, beta1, beta2, epsilon: values.epsilon / root };
    Scaled { values, clamped }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-12 * b.abs().max(1.0)
    }

    #[test]
    fn four_times_the_batch_doubles_the_rate_and_quadruples_one_minus_beta() {
        // k = 4: lr 1e-3 x 2, 1 - 0.9 -> 0.4 so beta1 0.6, 1 - 0.999 -> 0.004 so beta2 0.996, eps / 2.
        let s = scale(Adaptive { learning_rate: 1e-3, beta1: Some(0.9), beta2: 0.999, epsilon: 1e-8 }, 4.0);
        assert!(close(s.values.learning_rate, 2e-3));
        assert!(close(s.values.beta1.unwrap_or(f64::NAN), 0.6));
        assert!(close(s.values.beta2, 0.996));
        assert!(close(s.values.epsilon, 5e-9));
        assert!(s.clamped.is_empty());
    }

    #[test]
    fn a_beta_pushed_below_zero_is_clamped_and_named() {
        // k = 16: 1 - 16 x 0.1 = -0.6 -> 0 (clamped); 1 - 16 x 0.001 = 0.984 stays.
        let s = scale(Adaptive { learning_rate: 0.01, beta1: Some(0.9), beta2: 0.999, epsilon: 1e-8 }, 16.0);
        assert_eq!(s.values.beta1, Some(0.0));
        assert!(close(s.values.beta2, 0.984));
        assert_eq!(s.clamped, vec!["beta1"]);
        assert!(close(s.values.learning_rate, 0.04));
    }

    #[test]
    fn rmsprop_scales_alpha_and_has_no_first_moment() {
        // k = 1/4 (a smaller batch): alpha 0.99 -> 1 - 0.0025 = 0.9975, lr / 2, eps x 2.
        let s = scale(Adaptive { learning_rate: 0.01, beta1: None, beta2: 0.99, epsilon: 1e-8 }, 0.25);
        assert_eq!(s.values.beta1, None);
        assert!(close(s.values.beta2, 0.9975));
        assert!(close(s.values.learning_rate, 0.005) && close(s.values.epsilon, 2e-8));
        assert!(s.clamped.is_empty());
    }
}
