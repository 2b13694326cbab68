//! The optimiser of each batch size under `sweep.lr_scaling = "sde"` (Malladi et al. 2022): the rule of
//! `nn::optim::sde` applied to the spec's hyperparameters at k = B / base_batch_size, decay rates that
//! would fall below 0 clamped and named in a warning. Other rules scale the learning rate only, which the
//! run's id already carries.

use super::Settings;
use crate::nn::optim::sde::{Adaptive, scale};
use crate::nn::optim::{Kind, Settings as Optimizer};
use crate::spec::LrScaling;

/// The optimiser of batch size `batch` and the keys the rule clamped (`beta1`, `beta2`, `alpha`).
pub(super) fn optimizer(settings: &Settings, batch: usize) -> (Optimizer, Vec<&'static str>) {
    let base = settings.training.optimizer;
    if settings.sweep.lr_scaling != LrScaling::Sde || base.kind == Kind::Sgd {
        return (base, Vec::new());
    }
    let k = batch as f64 / settings.sweep.base_batch_size.max(1) as f64;
    let rmsprop = base.kind == Kind::RmsProp;
    let adaptive = Adaptive {
        learning_rate: 1.0,
        beta1: (!rmsprop).then_some(base.beta1),
        beta2: if rmsprop { base.alpha } else { base.beta2 },
        epsilon: base.epsilon,
    };
    let scaled = scale(adaptive, k);
    let v = scaled.values;
    let optimizer = Optimizer {
        beta1: v.beta1.unwrap_or(base.beta1),
        beta2: if rmsprop { base.beta2 } else { v.beta2 },
        alpha: if rmsprop { v.beta2 } else { base.alpha },
        epsilon: v.epsilon,
        ..base
    };
    let clamped = scaled.clamped.iter().map(|&c| if rmsprop && c == "beta2" { "alpha" } else { c }).collect();
    (optimizer, clamped)
}

/// One warning per batch size whose hyperparameters the rule clamped.
pub(super) fn warnings(settings: &Settings, batch_sizes: impl Iterator<Item = usize>) -> Vec<String> {
    let base = settings.sweep.base_batch_size;
    batch_sizes
        .filter_map(|b| {
            let (_, clamped) = optimizer(settings, b);
            (!clamped.is_empty()).then(|| {
                let keys: Vec<String> = clamped.iter().map(|k| format!("1 - {k}")).collect();
                format!(
                    "lr_scaling = \"sde\": at B = {b} (k = {b}/{base}) {} x k would exceed 1, so {} {} clamped \
                     to 0 (no averaging); the SDE approximation does not hold that far from base_batch_size",
                    keys.join(" and "),
                    clamped.join(" and "),
                    if clamped.len() > 1 { "are" } else { "is" }
                )
            })
        })
        .collect()
}
