//! The network as a list of layers (conv, maxpool, flatten, dense) with an implied dense output layer,
//! parameters in one flat `f32` vector, and hand-written passes into preallocated buffers: forward and
//! backward, per-example gradient norms, and Hessian-vector products by the R-operator. A multilayer
//! perceptron is the special case of dense layers on a vector input ([`Network::mlp`]), and then every
//! number equals [`Mlp`](super::Mlp)'s: the dense layers run the same code.
//!
//! Layout. Between layers an image is stored channels-last (row, column, channel: NHWC), so that a
//! convolution's unfolded windows (im2col) are copies of contiguous channel vectors and one matrix
//! product covers the whole batch: a conv layer is a dense layer (`fan_in` = kernel^2 x channels,
//! `fan_out` = filters) applied to every window. The input is read in channel, row, column order (the
//! data's, PyTorch's) and turned channels-last once where it has more than one channel; flatten turns
//! channels-last back to channel, row, column order, as `torch.flatten` on NCHW.
//!
//! Parameters, layer by layer in list order (the output layer last), each the weights then the bias:
//! a dense layer's weights are `fan_in x fan_out` row-major as in [`Layer`]; a conv layer's are
//! `(kernel row, kernel column, input channel) x filter` row-major, so PyTorch's `weight[f][c][i][j]`
//! of `nn.Conv2d` is entry `((i kernel + j) channels + c) filters + f` of the block.

mod backward;
mod conv;
mod forward;
mod hvp;
mod init;
mod norms;
mod pool;
mod rops;
mod shape;
mod shape_error;
mod workspace;

pub use hvp::{FullLoss, HvpWorkspace};
pub use init::initialize;
pub use norms::NormPath;
pub use shape::{LayerSpec, Padding, Shape, ShapeError, conv_padding, infer_shapes};
pub use workspace::Workspace;

use super::{Layer, Loss};
use crate::spec::Activation;

/// What a layer does to its input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// Cross-correlation of `kernel x kernel` windows moved `stride` pixels over the input padded with
    /// `pad` zeros on every side; its parameter block is that of a dense layer from a window to the
    /// filters.
    Conv {
        /// Side of the kernel.
        kernel: usize,
        /// Step between windows.
        stride: usize,
        /// Zeros on every side.
        pad: usize,
    },
    /// The maximum of each `size x size` window of each channel, at stride `size`.
    MaxPool {
        /// Side of the window.
        size: usize,
    },
    /// Channels-last image to a channel, row, column vector (a copy for a vector input).
    Flatten,
    /// input . W + bias.
    Dense,
}

/// One layer with its shapes and its parameters' place in the flat vector.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NetLayer {
    /// What the layer computes.
    pub op: Op,
    /// Shape of one example's input.
    pub input: Shape,
    /// Shape of one example's output.
    pub output: Shape,
    /// The weights and bias of a conv or dense layer.
    pub block: Option<Layer>,
    /// Whether the activation follows (every conv and dense layer of the list, not the output layer).
    pub activated: bool,
}

impl NetLayer {
    /// (rows, columns, channels) of an image shape; a vector is one pixel of `features` channels.
    pub(crate) fn dims(shape: Shape) -> (usize, usize, usize) {
        match shape {
            Shape::Flat(n) => (1, 1, n),
            Shape::Image { channels, height, width } => (height, width, channels),
        }
    }

    /// Output pixels per example (1 for a vector).
    pub(crate) fn positions(&self) -> usize {
        let (h, w, _) = Self::dims(self.output);
        h * w
    }
}

/// A network: the hidden layers of a list, an implied dense output layer, and the loss.
#[derive(Debug, Clone, PartialEq)]
pub struct Network {
    /// Shape of one input example.
    pub input: Shape,
    /// Layers from input to output; the last is the dense output layer.
    pub layers: Vec<NetLayer>,
    /// Nonlinearity after every conv and dense layer but the output layer.
    pub activation: Activation,
    /// Loss on the output layer.
    pub loss: Loss,
    /// Length of the flat parameter vector.
    pub params: usize,
}

impl Network {
    /// The network `input -> layers -> dense(outputs)`, or the first layer that does not fit.
    pub fn new(
        input: Shape,
        layers: &[LayerSpec],
        outputs: usize,
        activation: Activation,
        bias: bool,
        loss: Loss,
    ) -> Result<Self, ShapeError> {
        let shapes = infer_shapes(input, layers)?;
        let specs = layers.iter().copied().chain([LayerSpec::Dense { units: outputs }]);
        let outs = shapes.into_iter().chain([Shape::Flat(outputs)]);
        let mut offset = 0;
        let mut at = input;
        let mut built = Vec::with_capacity(layers.len() + 1);
        for (spec, output) in specs.zip(outs) {
            let mut block = |fan_in, fan_out| {
                let weights = offset;
                offset += fan_in * fan_out + if bias { fan_out } else { 0 };
                Some(Layer { fan_in, fan_out, weights, bias: bias.then_some(weights + fan_in * fan_out) })
            };
            let (op, block) = match spec {
                LayerSpec::Conv { filters, kernel, stride, padding } => {
                    let (_, _, channels) = NetLayer::dims(at);
                    let pad = conv_padding(kernel, padding);
                    (Op::Conv { kernel, stride, pad }, block(kernel * kernel * channels, filters))
                }
                LayerSpec::MaxPool { size } => (Op::MaxPool { size }, None),
                LayerSpec::Flatten => (Op::Flatten, None),
                LayerSpec::Dense { units } => (Op::Dense, block(at.features(), units)),
            };
            built.push(NetLayer { op, input: at, output, block, activated: block.is_some() });
            at = output;
        }
        if let Some(last) = built.last_mut() {
            last.activated = false;
        }
        Ok(Network { input, layers: built, activation, loss, params: offset })
    }

    /// A multilayer perceptron `inputs -> hidden[0] -> ... -> outputs` (the arguments of `Mlp::new`).
    pub fn mlp(
        inputs: usize,
        hidden: &[usize],
        outputs: usize,
        activation: Activation,
        bias: bool,
        loss: Loss,
    ) -> Self {
        let layers: Vec<LayerSpec> = hidden.iter().map(|&units| LayerSpec::Dense { units }).collect();
        Network::new(Shape::Flat(inputs), &layers, outputs, activation, bias, loss)
            .expect("dense layers on a vector always fit")
    }

    /// Input features per example.
    pub fn inputs(&self) -> usize {
        self.input.features()
    }

    /// Network outputs.
    pub fn outputs(&self) -> usize {
        self.layers[self.layers.len() - 1].output.features()
    }

    /// The parameter blocks of the conv and dense layers in order, the output layer last: the `i` of
    /// the safetensors names `layers.<i>.weight` and `layers.<i>.bias` counts these.
    pub fn parameter_layers(&self) -> impl Iterator<Item = &Layer> + '_ {
        self.layers.iter().filter_map(|l| l.block.as_ref())
    }

    /// Multiply-adds of one example's forward pass (a conv layer's block once per output pixel); the
    /// backward pass costs about twice that.
    pub fn forward_macs(&self) -> usize {
        let macs = |l: &NetLayer| l.block.map_or(0, |b| b.fan_in * b.fan_out * l.positions());
        self.layers.iter().map(macs).sum()
    }

    /// Index of the first layer with parameters: errors need not reach the layers before it.
    pub(crate) fn first_parameter_layer(&self) -> usize {
        self.layers.iter().position(|l| l.block.is_some()).unwrap_or(self.layers.len())
    }

    /// Whether the input is stored channels-first with more than one channel, so the first layer (an
    /// image layer) reads a channels-last copy.
    pub(crate) fn transposes_input(&self) -> bool {
        matches!(self.input, Shape::Image { channels, .. } if channels > 1)
    }
}

#[cfg(test)]
mod fixtures;
#[cfg(test)]
mod gradient_check;
#[cfg(test)]
mod hvp_check;
#[cfg(test)]
mod norms_check;
#[cfg(test)]
mod reference;
#[cfg(test)]
mod tests;
