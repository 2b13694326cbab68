//! The hyperparameters of an optimiser, all but the learning rate, and their allowed ranges.

use serde::{Deserialize, Serialize};

/// Which update rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// torch.optim.SGD: heavy-ball momentum (optionally Nesterov), dampening 0, L2 decay in the gradient.
    Sgd,
    /// torch.optim.Adam: bias-corrected moments, epsilon outside the square root, L2 decay in the gradient.
    Adam,
    /// torch.optim.AdamW: Adam with decoupled decay, theta <- theta (1 - lr weight_decay) before the step.
    #[serde(rename = "adamw")]
    AdamW,
    /// torch.optim.RMSprop, not centred: smoothing constant alpha, epsilon outside the root, momentum.
    #[serde(rename = "rmsprop")]
    RmsProp,
}

impl Kind {
    /// The name a spec gives it.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Sgd => "sgd",
            Kind::Adam => "adam",
            Kind::AdamW => "adamw",
            Kind::RmsProp => "rmsprop",
        }
    }
}

/// The resolved hyperparameters of an optimiser, all but the learning rate (which a schedule sets per
/// update). Fields a kind does not use are ignored by it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    /// The update rule.
    pub kind: Kind,
    /// Momentum coefficient (SGD, RMSprop), in [0, 1).
    pub momentum: f64,
    /// Nesterov momentum (SGD only; needs momentum > 0, as in PyTorch).
    pub nesterov: bool,
    /// First-moment decay (Adam, AdamW), in [0, 1).
    pub beta1: f64,
    /// Second-moment decay (Adam, AdamW), in [0, 1).
    pub beta2: f64,
    /// Added to the root of the second moment (Adam, AdamW, RMSprop), >= 0.
    pub epsilon: f64,
    /// Smoothing constant of the squared gradient (RMSprop), in [0, 1).
    pub alpha: f64,
    /// Weight decay, >= 0: L2 added to the gradient, or decoupled for AdamW. Biases are never decayed.
    pub weight_decay: f64,
}

impl Default for Settings {
    /// The defaults: SGD without momentum or decay; Adam's betas 0.9 and 0.999, epsilon 1e-8,
    /// RMSprop's alpha 0.99.
    fn default() -> Self {
        Settings {
            kind: Kind::Sgd,
            momentum: 0.0,
            nesterov: false,
            beta1: 0.9,
            beta2: 0.999,
            epsilon: 1e-8,
            alpha: 0.99,
            weight_decay: 0.0,
        }
    }
}

/// A hyperparameter outside its range: the key (as under `[training]`), its value and what is allowed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{key} = {value} is not allowed; allowed: {allowed}")]
pub struct SettingsError {
    /// The offending key, e.g. `beta2`.
    pub key: &'static str,
    /// Its value (1 for `nesterov = true`).
    pub value: f64,
    /// The allowed values.
    pub allowed: &'static str,
}

impl Settings {
    /// Vectors of state the optimiser keeps, each a value a parameter: SGD's momentum buffer, Adam's two
    /// moments, RMSprop's square average and momentum buffer.
    pub fn state_vectors(&self) -> usize {
        let momentum = usize::from(self.momentum > 0.0);
        match self.kind {
            Kind::Sgd => momentum,
            Kind::Adam | Kind::AdamW => 2,
            Kind::RmsProp => 1 + momentum,
        }
    }

    /// Whether the update is scaled by a diagonal preconditioner (Adam, AdamW, RMSprop).
    pub fn is_adaptive(&self) -> bool {
        self.kind != Kind::Sgd
    }

    /// Checks the values the kind uses; the first bad key is named.
    pub fn check(&self) -> Result<(), SettingsError> {
        let unit = "a number in [0, 1)";
        let non_negative = "a finite number >= 0";
        let in_unit = |x: f64| x.is_finite() && (0.0..1.0).contains(&x);
        let finite_non_negative = |x: f64| x.is_finite() && x >= 0.0;
        let uses_momentum = matches!(self.kind, Kind::Sgd | Kind::RmsProp);
        let adam = matches!(self.kind, Kind::Adam | Kind::AdamW);
        let checks = [
            ("weight_decay", self.weight_decay, finite_non_negative(self.weight_decay), non_negative),
            ("momentum", self.momentum, !uses_momentum || in_unit(self.momentum), unit),
            ("beta1", self.beta1, !adam || in_unit(self.beta1), unit),
            ("beta2", self.beta2, !adam || in_unit(self.beta2), unit),
            ("alpha", self.alpha, self.kind != Kind::RmsProp || in_unit(self.alpha), unit),
            (
                "epsilon",
                self.epsilon,
                self.kind == Kind::Sgd || finite_non_negative(self.epsilon),
                non_negative,
            ),
            (
                "nesterov",
                1.0,
                !self.nesterov || (self.kind == Kind::Sgd && self.momentum > 0.0),
                "true only with optimizer = \"sgd\" and momentum > 0",
            ),
        ];
        first_failure(checks)
    }
}

/// The first of (key, value, passes, allowed) that does not pass, as an error.
pub(super) fn first_failure(
    checks: impl IntoIterator<Item = (&'static str, f64, bool, &'static str)>,
) -> Result<(), SettingsError> {
    match checks.into_iter().find(|c| !c.2) {
        Some((key, value, _, allowed)) => Err(SettingsError { key, value, allowed }),
        None => Ok(()),
    }
}

/// The first milestone that is 0 or not above the one before it, if any.
pub(super) fn bad_milestone(milestones: &[u64]) -> Option<u64> {
    let mut last = 0;
    milestones.iter().copied().find(|&m| {
        let bad = m <= last;
        last = m;
        bad
    })
}

/// Milestones are epoch counts >= 1 in increasing order.
pub(super) const MILESTONES: &str = "integers >= 1 in increasing order";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_name_the_first_bad_key() {
        let nesterov = Settings { nesterov: true, ..Settings::default() };
        assert_eq!(nesterov.check().map_err(|e| e.key), Err("nesterov"));
        assert!(Settings { momentum: 0.9, ..nesterov }.check().is_ok());
        let adam = Settings { beta2: 1.0, ..Settings { kind: Kind::Adam, ..Settings::default() } };
        let error = adam.check().expect_err("beta2 = 1 never forgets");
        assert_eq!(error.to_string(), "beta2 = 1 is not allowed; allowed: a number in [0, 1)");
        // SGD ignores Adam's keys, RMSprop checks alpha.
        assert!(Settings { beta2: 1.0, ..Settings::default() }.check().is_ok());
        assert_eq!(
            Settings { alpha: -0.1, ..Settings { kind: Kind::RmsProp, ..Settings::default() } }
                .check()
                .map_err(|e| e.key),
            Err("alpha")
        );
        assert_eq!(
            Settings { weight_decay: f64::NAN, ..Settings::default() }.check().map_err(|e| e.key),
            Err("weight_decay")
        );
    }
}
