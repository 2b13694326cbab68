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
mod settings;
mod sgd;
#[cfg(test)]
mod tests;

pub use settings::{Kind, Settings, SettingsError};

use super::kernels;
use super::network::Network;
use adam::AdamState;
use rmsprop::RmsPropState;
use sgd::SgdState;
use std::ops::Range;

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
pub fn segments(net: &Network) -> Vec<Segment> {
    let mut parts: Vec<Segment> = Vec::new();
    for layer in net.parameter_layers() {
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
    debug_assert!(
        merged.first().is_some_and(|s| s.start == 0)
            && merged.last().is_some_and(|s| s.end == net.params)
            && merged.windows(2).all(|w| w[0].end == w[1].start),
        "segments tile the parameters"
    );
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
    pub fn new(net: &Network, settings: &Settings) -> Self {
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
        self.update(params, grad, None, learning_rate, step);
    }

    /// [`Optimizer::step`], returning (grad . previous, grad . grad) for the update statistics, `grad`
    /// being the loss gradient without decay (as `Sgd::step_observing`). The products are taken block by
    /// block right after the block's update, while it is in cache, and equal
    /// `kernels::dot_and_squared_norm(grad, previous)` to the bit.
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
        self.update(params, grad, Some(previous), learning_rate, step)
    }

    /// The update, a block of [`BLOCK`] parameters at a time, each block's decay segments in turn.
    fn update(
        &mut self,
        params: &mut [f32],
        grad: &[f32],
        previous: Option<&[f32]>,
        lr: f64,
        step: u64,
    ) -> (f64, f64) {
        assert_eq!(params.len(), grad.len(), "parameters and gradient have the same length");
        let wd = self.settings.weight_decay;
        let adam = match &mut self.state {
            State::Adam(s) => Some(s.begin(lr, wd, step)),
            _ => None,
        };
        let (mut dot, mut gg) = (0.0, 0.0);
        for start in (0..params.len()).step_by(BLOCK) {
            let end = (start + BLOCK).min(params.len());
            for s in self.segments.iter().filter(|s| s.start < end && s.end > start) {
                let r: Range<usize> = s.start.max(start)..s.end.min(end);
                let decay = if s.decays { wd } else { 0.0 };
                match (&mut self.state, &adam) {
                    (State::Sgd(state), _) => state.update(params, grad, r, lr as f32, decay as f32),
                    (State::Adam(state), Some(k)) => state.update(params, grad, r, s.decays, k),
                    (State::RmsProp(state), _) => state.update(params, grad, r, lr as f32, decay as f32),
                    (State::Adam(_), None) => unreachable!("Adam's constants are set above"),
                }
            }
            if let Some(previous) = previous {
                let (a, b) = kernels::dot_and_squared_norm(&grad[start..end], &previous[start..end]);
                dot += a;
                gg += b;
            }
        }
        (dot, gg)
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

/// Parameters updated between two products of the statistics: the block of
/// `kernels::dot_and_squared_norm` (a test pins the equality), small enough that a block of every vector
/// stays in the first-level cache.
const BLOCK: usize = 1024;
