//! The buffers of one network's passes, sized once for batches of up to `capacity` examples: the loaded
//! rows and targets, every layer's output and error, the unfolded windows of every conv layer, the
//! argmax of every pooling layer, and one scratch buffer shared by the backward pass and the norms.

use super::norms::NormPath;
use super::{NetLayer, Network, Op};
use crate::data::{Examples, Targets};

/// Buffers for batches of up to `capacity` examples.
#[derive(Debug, Clone)]
pub struct Workspace {
    pub(super) capacity: usize,
    /// Loaded examples as the data stores them (channel, row, column).
    pub(super) input: Vec<f32>,
    pub(super) labels: Vec<u32>,
    pub(super) values: Vec<f32>,
    /// The input channels-last, for an image of several channels (empty otherwise).
    pub(super) image: Vec<f32>,
    /// Every layer's output: activated for conv and dense layers, logits for the last.
    pub(super) acts: Vec<Vec<f32>>,
    /// dLoss/d(output before the activation) of every layer, divided by the batch size.
    pub(super) deltas: Vec<Vec<f32>>,
    /// A conv layer's windows, one row per output pixel (empty for other layers).
    pub(super) cols: Vec<Vec<f32>>,
    /// A pooling layer's chosen input index per output value, within its example (empty otherwise).
    pub(super) argmax: Vec<Vec<u32>>,
    /// The unfolded errors of a conv layer's input; the per-example products of the norms.
    pub(super) scratch: Vec<f32>,
}

impl Workspace {
    /// Buffers for `net` and batches of up to `capacity` examples.
    pub fn new(net: &Network, capacity: usize) -> Self {
        let capacity = capacity.max(1);
        let per_layer = |f: &dyn Fn(&NetLayer) -> usize| -> Vec<Vec<f32>> {
            net.layers.iter().map(|l| vec![0.0; capacity * f(l)]).collect()
        };
        let window = |l: &NetLayer| match (l.op, l.block) {
            (Op::Conv { .. }, Some(b)) => l.positions() * b.fan_in,
            _ => 0,
        };
        let unfolded = net.layers.iter().map(window).max().unwrap_or(0);
        Workspace {
            capacity,
            input: vec![0.0; capacity * net.inputs()],
            labels: vec![0; capacity],
            values: vec![0.0; capacity * net.outputs()],
            image: vec![0.0; if net.transposes_input() { capacity * net.inputs() } else { 0 }],
            acts: per_layer(&|l| l.output.features()),
            deltas: per_layer(&|l| l.output.features()),
            cols: per_layer(&window),
            argmax: net
                .layers
                .iter()
                .map(|l| match l.op {
                    Op::MaxPool { .. } => vec![0; capacity * l.output.features()],
                    _ => Vec::new(),
                })
                .collect(),
            scratch: vec![0.0; (capacity * unfolded).max(NormPath::scratch(net))],
        }
    }

    /// Largest batch these buffers hold.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Copies the examples `rows` of `data` into the batch buffers.
    pub fn load(&mut self, data: &Examples, rows: &[usize]) {
        assert!(
            rows.len() <= self.capacity,
            "batch of {} exceeds workspace capacity {}",
            rows.len(),
            self.capacity
        );
        let d = data.x.ncols();
        let x = data.x.as_slice().expect("feature matrices are standard layout");
        for (dst, &r) in self.input.chunks_exact_mut(d).zip(rows) {
            dst.copy_from_slice(&x[r * d..(r + 1) * d]);
        }
        match &data.y {
            Targets::Classes(c) => {
                for (dst, &r) in self.labels.iter_mut().zip(rows) {
                    *dst = c[r];
                }
            }
            Targets::Values(v) => {
                let k = v.ncols();
                let v = v.as_slice().expect("target matrices are standard layout");
                for (dst, &r) in self.values.chunks_exact_mut(k).zip(rows) {
                    dst.copy_from_slice(&v[r * k..(r + 1) * k]);
                }
            }
        }
    }

    /// Copies the contiguous examples `start..start + len` of `data` into the batch buffers.
    pub fn load_range(&mut self, data: &Examples, start: usize, len: usize) {
        assert!(len <= self.capacity && start + len <= data.len());
        let d = data.x.ncols();
        let x = data.x.as_slice().expect("feature matrices are standard layout");
        self.input[..len * d].copy_from_slice(&x[start * d..(start + len) * d]);
        match &data.y {
            Targets::Classes(c) => self.labels[..len].copy_from_slice(&c[start..start + len]),
            Targets::Values(v) => {
                let k = v.ncols();
                let v = v.as_slice().expect("target matrices are standard layout");
                self.values[..len * k].copy_from_slice(&v[start * k..(start + len) * k]);
            }
        }
    }

    /// The network outputs of the last forward pass (logits for classification), `b x outputs`.
    pub fn outputs(&self, b: usize, outputs: usize) -> &[f32] {
        &self.acts[self.acts.len() - 1][..b * outputs]
    }

    /// Bytes of these buffers: what a run of this network holds per workspace.
    pub fn bytes(&self) -> usize {
        let floats: usize =
            [&self.input, &self.values, &self.image, &self.scratch].iter().map(|v| v.len()).sum();
        let layers: usize =
            [&self.acts, &self.deltas, &self.cols].iter().flat_map(|v| v.iter()).map(Vec::len).sum();
        let indices: usize = self.labels.len() + self.argmax.iter().map(Vec::len).sum::<usize>();
        4 * (floats + layers + indices)
    }

    /// The input of layer `l`, its first `len` values (the channels-last copy for layer 0 of a
    /// several-channel image).
    pub(super) fn layer_input(&self, l: usize, len: usize) -> &[f32] {
        match l {
            0 if self.image.is_empty() => &self.input[..len],
            0 => &self.image[..len],
            _ => &self.acts[l - 1][..len],
        }
    }

    /// Layer `l`'s input, windows and error, with the scratch buffer, borrowed apart.
    pub(super) fn parts(&mut self, l: usize) -> Parts<'_> {
        Parts {
            input: match l {
                0 if self.image.is_empty() => &self.input,
                0 => &self.image,
                _ => &self.acts[l - 1],
            },
            cols: &self.cols[l],
            delta: &self.deltas[l],
            scratch: &mut self.scratch,
        }
    }
}

/// One layer's buffers of a [`Workspace`], borrowed at once.
pub(super) struct Parts<'a> {
    pub input: &'a [f32],
    pub cols: &'a [f32],
    pub delta: &'a [f32],
    pub scratch: &'a mut Vec<f32>,
}
