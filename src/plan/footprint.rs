//! The one memory model of a run: what it must hold, term by term, from the network's shape, the batch
//! size and the training-set size. The pre-run estimate (refusing sweeps that cannot fit) and the analytic
//! count recorded beside each run's measured peak both use it, so they cannot disagree. In f64, so absurd
//! specs cannot overflow before they are refused.

use crate::nn::{CHUNK_ROWS, Mlp};

/// The widths of a dense network, as numbers of units.
#[derive(Debug, Clone, PartialEq)]
pub struct NetShape {
    /// Input features.
    pub inputs: f64,
    /// Every layer's outputs, hidden layers then the output layer.
    pub widths: Vec<f64>,
    /// Whether layers have a bias.
    pub bias: bool,
}

impl NetShape {
    /// The shape of `net`.
    pub fn of(net: &Mlp) -> NetShape {
        NetShape {
            inputs: net.inputs() as f64,
            widths: net.layers.iter().map(|l| l.fan_out as f64).collect(),
            bias: net.layers.iter().any(|l| l.bias.is_some()),
        }
    }

    /// Weights (multiply-adds of one example's forward pass).
    pub fn weights(&self) -> f64 {
        self.fan_ins().zip(&self.widths).map(|(i, o)| i * o).sum()
    }

    /// Parameters: weights and biases.
    pub fn params(&self) -> f64 {
        self.weights() + if self.bias { self.widths.iter().sum() } else { 0.0 }
    }

    /// Bytes of a workspace of `rows` rows: inputs, class labels (u32), regression targets, every layer's
    /// activations and errors, all f32.
    pub fn workspace(&self, rows: f64) -> f64 {
        let outputs = self.widths.last().copied().unwrap_or(0.0);
        let units: f64 = self.widths.iter().sum();
        4.0 * rows.max(1.0) * (self.inputs + 1.0 + outputs + 2.0 * units)
    }

    fn fan_ins(&self) -> impl Iterator<Item = f64> + '_ {
        std::iter::once(self.inputs).chain(self.widths.iter().copied())
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
        // 64 -> 64 -> 10: per row 4*64 inputs + 4 label + 4*10 targets + 2*4*(64+10) = 892 bytes.
        let net = Mlp::new(64, &[64], 10, Activation::Relu, true, Loss::CrossEntropy);
        let shape = NetShape::of(&net);
        assert_eq!(shape.workspace(1.0), 892.0);
        assert_eq!(shape.workspace(128.0), 892.0 * 128.0);
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
        assert_eq!(f.chunks, 892.0 * 256.0);
        assert_eq!(f.indices, 8.0 * 1437.0);
    }

    #[test]
    fn noise_checkpoints_add_their_vectors_workspace_and_indices() {
        let shape = NetShape { inputs: 10.0, widths: vec![3.0], bias: true };
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
}
