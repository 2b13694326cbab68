//! The network: a multilayer perceptron whose parameters live in one flat `f32` vector, with a
//! hand-written backward pass into preallocated buffers, its losses, initialisation and optimiser.

pub mod curvature;
mod hvp;
mod init;
pub mod kernels;
mod loss;
mod mlp;
pub mod network;
mod online;
pub mod optim;
mod preconditioned;
mod sgd;
pub mod split;
pub mod weights;

pub use hvp::{FullLoss, HVP_CHUNK, HvpWorkspace};
pub use init::initialize;
pub use mlp::{Evaluation, GEMM_MIN_ROWS, Workspace};
pub use online::{OnlineStep, StepReport};
pub use sgd::Sgd;

use crate::spec::Activation;

/// Examples per chunk of a pass over a whole data set (evaluation, gradient-noise and landscape passes):
/// bounds their memory whatever the data size.
pub const CHUNK_ROWS: usize = 256;

/// What the output layer is trained against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Loss {
    /// Softmax over the outputs, then cross-entropy with the class index.
    CrossEntropy,
    /// The mean over examples and outputs of (prediction - target)^2.
    MeanSquared,
}

/// One dense layer's place in the flat parameter vector. Weights are `fan_in x fan_out`, row-major.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layer {
    /// Inputs to the layer.
    pub fan_in: usize,
    /// Outputs of the layer.
    pub fan_out: usize,
    /// Offset of the weights.
    pub weights: usize,
    /// Offset of the bias, when the layer has one.
    pub bias: Option<usize>,
}

impl Layer {
    /// The weight block of `params`.
    pub fn w<'a>(&self, params: &'a [f32]) -> &'a [f32] {
        &params[self.weights..self.weights + self.fan_in * self.fan_out]
    }

    /// The bias block of `params`, when the layer has one.
    pub fn b<'a>(&self, params: &'a [f32]) -> Option<&'a [f32]> {
        self.bias.map(|o| &params[o..o + self.fan_out])
    }
}

/// A multilayer perceptron: dense layers, a hidden activation, and a loss on the last layer.
#[derive(Debug, Clone, PartialEq)]
pub struct Mlp {
    /// Layers from input to output.
    pub layers: Vec<Layer>,
    /// Nonlinearity after every hidden layer.
    pub activation: Activation,
    /// Loss on the output layer.
    pub loss: Loss,
    /// Length of the flat parameter vector.
    pub params: usize,
}

impl Mlp {
    /// A network `inputs -> hidden[0] -> ... -> outputs`.
    pub fn new(
        inputs: usize,
        hidden: &[usize],
        outputs: usize,
        activation: Activation,
        bias: bool,
        loss: Loss,
    ) -> Self {
        let widths: Vec<usize> =
            std::iter::once(inputs).chain(hidden.iter().copied()).chain([outputs]).collect();
        let mut offset = 0;
        let layers = widths
            .windows(2)
            .map(|w| {
                let weights = offset;
                offset += w[0] * w[1];
                let bias = bias.then(|| {
                    offset += w[1];
                    offset - w[1]
                });
                Layer { fan_in: w[0], fan_out: w[1], weights, bias }
            })
            .collect();
        Mlp { layers, activation, loss, params: offset }
    }

    /// Input features.
    pub fn inputs(&self) -> usize {
        self.layers[0].fan_in
    }

    /// Network outputs.
    pub fn outputs(&self) -> usize {
        self.layers[self.layers.len() - 1].fan_out
    }

    /// Multiply-adds of one example's forward pass; the backward pass costs about twice that.
    pub fn forward_macs(&self) -> usize {
        self.layers.iter().map(|l| l.fan_in * l.fan_out).sum()
    }
}

#[cfg(test)]
mod gradient_check;
#[cfg(test)]
mod hvp_check;
#[cfg(test)]
mod reference;
