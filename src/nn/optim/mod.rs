//! Optimisers in PyTorch's conventions (torch.optim.SGD, Adam, AdamW, RMSprop), so a run can be checked
//! against PyTorch: one state struct per kind behind an enum (no dynamic dispatch in the hot loop), the
//! learning rate of each update passed in from outside ([`schedule`]), weight decay on weights only.
//!
//! The decay mask is kept as contiguous segments of the flat parameter vector (each layer's weights, then
//! its bias), so every kernel runs branch-free over a slice with one decay coefficient, and the mask costs
//! a few words instead of a byte a parameter.

mod adam;
pub mod batches;
mod rmsprop;
pub mod schedule;
pub mod sde;
mod sgd;
#[cfg(test)]
mod tests;

use super::{Mlp, kernels};
use adam::AdamState;
use rmsprop::RmsPropState;
use sgd::SgdState;

/// Which update rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// torch.optim.SGD: heavy-ball momentum (optionally Nesterov), dampening 0, L2 decay in the gradient.
    Sgd,
    /// torch.optim.Adam: bias-corrected moments, epsilon outside the square root, L2 decay in the gradient.
    Adam,
    /// torch.optim.AdamW: Adam with decoupled decay, theta <- theta (1 - lr weight_decay) before the step.
    AdamW,
    /// torch.optim.RMSprop, not centred: smoothing constant alpha, epsilon outside the root, momentum.
    RmsProp,
}

/// The resolved hyperparameters of an optimiser, all but the learning rate (which a schedule sets per
/// update). Fields a kind does not use are ignored by it.
#[derive(Debug, Clone, Copy, PartialEq)]
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

/// A hyperparameter outside its range: the key (as under `[training]`) and what is allowed.
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
        match checks.into_iter().find(|c| !c.2) {
            Some((key, value, _, allowed)) => Err(SettingsError { key, value, allowed }),
            None => Ok(()),
        }
    }
}

/// A contiguous run of parameters that all decay or all do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    /// First index in the flat parameter vector.
    pub start: usize,
    /// One past the last index.
    pub end: usize,
    /// Whether weight decay applies (weights) or not (biases).
    pub decays: bool,
}

/// `net`'s parameters as decay segments in order, neighbours with the same flag merged; they tile
/// `0..net.params`.
pub fn segments(net: &Mlp) -> Vec<Segment> {
    let mut parts: Vec<Segment> = Vec::new();
    for layer in &net.layers {
        parts.push(Segment {
            start: layer.weights,
            end: layer.weights + layer.fan_in * layer.fan_out,
            decays: true,
        });
        if let Some(b) = layer.bias {
            parts.push(Segment { start: b, end: b + layer.fan_out, decays: false });
        }
    }
    parts.sort_by_key(|s| s.start);
    let mut merged: Vec<Segment> = Vec::with_capacity(parts.len());
    for s in parts {
        match merged.last_mut() {
            Some(last) if last.end == s.start && last.decays == s.decays => last.end = s.end,
            _ => merged.push(s),
        }
    }
    debug_assert!(merged.windows(2).all(|w| w[0].end == w[1].start), "segments tile the parameters");
    merged
}

#[derive(Debug, Clone)]
enum State {
    Sgd(SgdState),
    Adam(AdamState),
    RmsProp(RmsPropState),
}

/// An optimiser over one network's flat parameter vector, with its state.
#[derive(Debug, Clone)]
pub struct Optimizer {
    settings: Settings,
    segments: Vec<Segment>,
    state: State,
}

impl Optimizer {
    /// A fresh optimiser (zero moments and buffers) for `net`'s parameters. `settings` should have
    /// passed [`Settings::check`].
    pub fn new(net: &Mlp, settings: &Settings) -> Self {
        let n = net.params;
        let state = match settings.kind {
            Kind::Sgd => State::Sgd(SgdState::new(settings, n)),
            Kind::Adam | Kind::AdamW => State::Adam(AdamState::new(settings, n)),
            Kind::RmsProp => State::RmsProp(RmsPropState::new(settings, n)),
        };
        Optimizer { settings: *settings, segments: segments(net), state }
    }

    /// The hyperparameters.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// One update of `params` along `grad` (the loss gradient, without decay) at learning rate
    /// `learning_rate` (this update's, schedule applied); `step` counts updates from 1 (Adam's bias
    /// correction uses it). Allocates nothing.
    pub fn step(&mut self, params: &mut [f32], grad: &[f32], learning_rate: f64, step: u64) {
        assert_eq!(params.len(), grad.len(), "parameters and gradient have the same length");
        let wd = self.settings.weight_decay;
        match &mut self.state {
            State::Sgd(s) => s.step(params, grad, learning_rate, wd, &self.segments),
            State::Adam(s) => s.step(params, grad, learning_rate, wd, step, &self.segments),
            State::RmsProp(s) => s.step(params, grad, learning_rate, wd, &self.segments),
        }
    }

    /// [`Optimizer::step`], returning (grad . previous, grad . grad) for the update statistics, `grad`
    /// being the loss gradient without decay (as `Sgd::step_observing`); plain SGD without decay does
    /// both in one pass.
    pub fn step_observing(
        &mut self,
        params: &mut [f32],
        grad: &[f32],
        previous: &[f32],
        learning_rate: f64,
        step: u64,
    ) -> (f64, f64) {
        if let State::Sgd(s) = &self.state
            && s.is_plain()
            && self.settings.weight_decay == 0.0
        {
            return kernels::descend_and_observe(params, grad, previous, learning_rate as f32);
        }
        self.step(params, grad, learning_rate, step);
        kernels::dot_and_squared_norm(grad, previous)
    }

    /// The diagonal preconditioner of the last update, 1 / (sqrt(v_hat) + epsilon) per parameter (v_hat
    /// Adam's bias-corrected second moment, or RMSprop's square average), without the learning rate;
    /// `None` for SGD and before the first update.
    pub fn preconditioner(&self) -> Option<impl Iterator<Item = f32> + '_> {
        let (square, scale, epsilon) = match &self.state {
            State::Sgd(_) => return None,
            State::Adam(s) => s.second_moment()?,
            State::RmsProp(s) => s.second_moment()?,
        };
        Some(square.iter().map(move |&v| 1.0 / (v.sqrt() * scale + epsilon)))
    }

    /// Bytes of optimiser state (moments, buffers and the decay segments).
    pub fn state_bytes(&self) -> usize {
        let floats = match &self.state {
            State::Sgd(s) => s.floats(),
            State::Adam(s) => s.floats(),
            State::RmsProp(s) => s.floats(),
        };
        floats * std::mem::size_of::<f32>() + self.segments.len() * std::mem::size_of::<Segment>()
    }
}

/// The decay coefficient of `segment`: `weight_decay` for weights, 0 for biases.
fn decay_of(segment: &Segment, weight_decay: f64) -> f32 {
    if segment.decays { weight_decay as f32 } else { 0.0 }
}
