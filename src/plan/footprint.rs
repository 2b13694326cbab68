//! The one memory model of a run: what it must hold, term by term, from the network's shape, the batch
//! size and the training-set size. The pre-run estimate (refusing sweeps that cannot fit) and the analytic
//! count recorded beside each run's measured peak both use it, so they cannot disagree. In f64, so absurd
//! specs cannot overflow before they are refused.

use crate::nn::CHUNK_ROWS;
use crate::nn::network::{NetLayer, Network, NormPath, Op};

/// What the memory model needs of a network, as counts of values.
#[derive(Debug, Clone, PartialEq)]
pub struct NetShape {
    /// Weights: the multiply-adds of one example's forward pass for a dense network.
    pub weights: f64,
    /// Biases.
    pub biases: f64,
    /// Values a workspace holds per example: the input (and its channels-last copy), the class label
    /// (u32) and regression targets, every layer's output and error, every conv layer's unfolded
    /// windows and every pooling layer's argmax (u32).
    pub per_row: f64,
    /// The conv layer with the most unfolded values per example: the shared scratch holds that many
    /// per example, and at least `scratch` values.
    pub unfolded: f64,
    /// The per-example norms' scratch values (the widest dense layer, or a conv layer's Gram matrices).
    pub scratch: f64,
}

impl NetShape {
    /// The multilayer perceptron `inputs -> widths` (hidden layers then the output layer), from the
    /// spec alone.
    pub fn dense(inputs: f64, widths: &[f64], bias: bool) -> NetShape {
        let fan_ins = std::iter::once(inputs).chain(widths.iter().copied());
        let units: f64 = widths.iter().sum();
        let outputs = widths.last().copied().unwrap_or(0.0);
        NetShape {
            weights: fan_ins.zip(widths).map(|(i, o)| i * o).sum(),
            biases: if bias { units } else { 0.0 },
            per_row: inputs + 1.0 + outputs + 2.0 * units,
            unfolded: 0.0,
            scratch: widths.iter().copied().fold(0.0, f64::max),
        }
    }

    /// The shape of `net`: exactly the buffers of its [`Workspace`](crate::nn::network::Workspace).
    pub fn of(net: &Network) -> NetShape {
        let windows = |l: &NetLayer| match (l.op, l.block) {
            (Op::Conv { .. }, Some(b)) => (l.positions() * b.fan_in) as f64,
            _ => 0.0,
        };
        let layer_values = |l: &NetLayer| {
            let out = l.output.features() as f64;
            2.0 * out + windows(l) + if matches!(l.op, Op::MaxPool { .. }) { out } else { 0.0 }
        };
        let inputs = net.inputs() as f64;
        let image = if matches!(net.input, crate::nn::network::Shape::Image { channels, .. } if channels > 1)
        {
            inputs
        } else {
            0.0
        };
        let blocks = || net.parameter_layers();
        NetShape {
            weights: blocks().map(|b| (b.fan_in * b.fan_out) as f64).sum(),
            biases: blocks().filter(|b| b.bias.is_some()).map(|b| b.fan_out as f64).sum(),
            per_row: inputs
                + image
                + 1.0
                + net.outputs() as f64
                + net.layers.iter().map(layer_values).sum::<f64>(),
            unfolded: net.layers.iter().map(windows).fold(0.0, f64::max),
            scratch: NormPath::scratch(net) as f64,
        }
    }

    /// Weights (multiply-adds of one example's forward pass for a dense network).
    pub fn weights(&self) -> f64 {
        self.weights
    }

    /// Parameters: weights and biases.
    pub fn params(&self) -> f64 {
        self.weights + self.biases
    }

    /// Bytes of a workspace of `rows` rows, all values 4 bytes (f32 or u32).
    pub fn workspace(&self, rows: f64) -> f64 {
        let rows = rows.max(1.0);
        4.0 * (rows * self.per_row + (rows * self.unfolded).max(self.scratch))
    }
}

/// What one run holds, in bytes, term by term.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Footprint {
    /// The parameters, f32.
    pub parameters: f64,
    /// The gradient and the previous gradient (f32 each) and the optimiser's state vectors (f32 each:
    /// SGD's momentum buffer, Adam's two moments, RMSprop's square average and momentum buffer).
    pub optimiser: f64,
    /// Gradient-noise state per parameter when checkpoints are on: an f32 chunk gradient, the f64 full-batch
    /// gradient and three f64 probe vectors (the probe's gradient, the sum of directions, the big batch),
    /// and for an adaptive optimiser an f32 copy of its preconditioner.
    pub probe_vectors: f64,
    /// The training workspace at the run's batch size.
    pub batch: f64,
    /// Chunked workspaces of [`CHUNK_ROWS`] rows: evaluation, and the noise pass when checkpoints are on.
    pub chunks: f64,
    /// Index and norm buffers: the shuffle order (N indices), and with checkpoints the per-example norms of
    /// a chunk and the largest probe's indices.
    pub indices: f64,
}

/// The run a footprint is for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RunShape {
    /// Examples per update.
    pub batch: f64,
    /// Training examples N.
    pub examples: f64,
    /// Vectors of optimiser state, each a value a parameter (`nn::optim::Settings::state_vectors`).
    pub state_vectors: f64,
    /// The optimiser has a diagonal preconditioner (Adam, AdamW, RMSprop) the noise checkpoints weight by.
    pub preconditioned: bool,
    /// The largest probed batch size, when noise checkpoints are on.
    pub probe: Option<f64>,
}

impl Footprint {
    /// Everything.
    pub fn total(&self) -> f64 {
        self.per_parameter() + self.workspaces()
    }

    /// The terms that grow with the parameter count.
    pub fn per_parameter(&self) -> f64 {
        self.parameters + self.optimiser + self.probe_vectors
    }

    /// The terms that grow with batch sizes and N.
    pub fn workspaces(&self) -> f64 {
        self.batch + self.chunks + self.indices
    }
}

/// The memory model of one run of a network of `shape`.
pub fn footprint(shape: &NetShape, run: RunShape) -> Footprint {
    let p = shape.params();
    let chunk = shape.workspace((CHUNK_ROWS as f64).min(run.examples.max(1.0)));
    let noise = run.probe.is_some();
    Footprint {
        parameters: 4.0 * p,
        optimiser: 8.0 * p + 4.0 * p * run.state_vectors,
        probe_vectors: if noise { 36.0 * p + if run.preconditioned { 4.0 * p } else { 0.0 } } else { 0.0 },
        batch: shape.workspace(run.batch),
        chunks: chunk + if noise { shape.workspace(CHUNK_ROWS as f64) } else { 0.0 },
        indices: 8.0 * run.examples + run.probe.map_or(0.0, |b| 8.0 * CHUNK_ROWS as f64 + 8.0 * b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::Loss;
    use crate::spec::Activation;

    #[test]
    fn workspace_of_the_digits_network_by_hand() {
        // 64 -> 64 -> 10: per row 4*64 inputs + 4 label + 4*10 targets + 2*4*(64+10) = 892 bytes, and
        // once the norms' scratch of the widest layer, 4*64 = 256 bytes.
        let net = Network::mlp(64, &[64], 10, Activation::Relu, true, Loss::CrossEntropy);
        let shape = NetShape::of(&net);
        assert_eq!(shape, NetShape::dense(64.0, &[64.0, 10.0], true));
        assert_eq!(shape.workspace(1.0), 892.0 + 256.0);
        assert_eq!(shape.workspace(128.0), 892.0 * 128.0 + 256.0);
        assert_eq!(shape.params(), net.params as f64);
        let run = RunShape {
            batch: 128.0,
            examples: 1437.0,
            state_vectors: 0.0,
            preconditioned: false,
            probe: None,
        };
        let f = footprint(&shape, run);
        // 4810 parameters: 4 bytes each, then 8 (two gradients) each; plain SGD keeps no state.
        assert_eq!((f.parameters, f.optimiser, f.probe_vectors), (4.0 * 4810.0, 8.0 * 4810.0, 0.0));
        // Adam keeps two moments: 8 bytes more a parameter.
        let adam = footprint(&shape, RunShape { state_vectors: 2.0, ..run });
        assert_eq!(adam.optimiser, 16.0 * 4810.0);
        assert_eq!(f.chunks, 892.0 * 256.0 + 256.0);
        assert_eq!(f.indices, 8.0 * 1437.0);
    }

    #[test]
    fn noise_checkpoints_add_their_vectors_workspace_and_indices() {
        let shape = NetShape::dense(10.0, &[3.0], true);
        let off =
            RunShape { batch: 1.0, examples: 100.0, state_vectors: 1.0, preconditioned: false, probe: None };
        let on = footprint(&shape, RunShape { probe: Some(64.0), ..off });
        let off = footprint(&shape, off);
        // 33 parameters; momentum adds 4 bytes each; 36 bytes each of probe vectors.
        assert_eq!(off.optimiser, 12.0 * 33.0);
        assert_eq!(on.probe_vectors, 36.0 * 33.0);
        // Chunks cap at N = 100 for evaluation; the noise chunk is a full 256 rows.
        assert_eq!(on.chunks - off.chunks, shape.workspace(256.0));
        assert_eq!(on.indices - off.indices, 8.0 * 256.0 + 8.0 * 64.0);
    }

    #[test]
    fn the_count_of_a_cnn_workspace_is_its_buffers_to_the_byte() {
        use crate::nn::network::{LayerSpec, Padding, Shape, Workspace};
        // Three channels (a channels-last copy of the input), two conv layers (unfolded windows, the
        // larger one sizing the shared scratch), pooling (argmax), flatten and dense.
        let layers = [
            LayerSpec::Conv { filters: 4, kernel: 3, stride: 1, padding: Padding::Same },
            LayerSpec::MaxPool { size: 2 },
            LayerSpec::Conv { filters: 5, kernel: 3, stride: 2, padding: Padding::Valid },
            LayerSpec::Flatten,
            LayerSpec::Dense { units: 7 },
        ];
        let input = Shape::Image { channels: 3, height: 10, width: 10 };
        let cnn = Network::new(input, &layers, 4, Activation::Relu, true, Loss::CrossEntropy).unwrap();
        let mlp = Network::mlp(9, &[6, 5], 2, Activation::Tanh, false, Loss::MeanSquared);
        for net in [cnn, mlp] {
            let shape = NetShape::of(&net);
            assert_eq!(shape.params(), net.params as f64);
            for rows in [1, 7, 256] {
                assert_eq!(shape.workspace(rows as f64), Workspace::new(&net, rows).bytes() as f64, "{rows}");
            }
        }
        // A wrong count (the argmax forgotten) is caught by the same comparison.
        let net = Network::new(input, &layers, 4, Activation::Relu, true, Loss::CrossEntropy).unwrap();
        let wrong = NetShape { per_row: NetShape::of(&net).per_row - 4.0 * 5.0 * 5.0, ..NetShape::of(&net) };
        assert_ne!(wrong.workspace(7.0), Workspace::new(&net, 7).bytes() as f64);
    }
}
