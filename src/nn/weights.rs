//! Network weights in and out as safetensors, with PyTorch's nn.Linear and nn.Conv2d names and layouts
//! so a model can move between batchlab and PyTorch: exactly `layers.<i>.weight` of shape `[out, in]`
//! (dense) or `[out_channels, in_channels, kh, kw]` (conv) and, when the model has biases,
//! `layers.<i>.bias` of shape `[out]`, f32 little-endian, i counting the layers with parameters from 0
//! (the output layer last). batchlab keeps a dense layer's weights fan_in x fan_out row-major (see
//! [`Layer`]) and a conv layer's (kernel row, kernel column, channel) x filter (see
//! [`network`](super::network)), so they are reordered on the way out and back in. Also the SHA-256 of a
//! flat parameter vector, which names initial weights.

use super::Layer;
use super::network::{NetLayer, Network, Op};
use safetensors::{Dtype, SafeTensors, tensor::TensorView};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// Why a weights file cannot be written or read into the model.
#[derive(Debug, thiserror::Error)]
pub enum WeightsError {
    /// The operating system refused the read or the write.
    #[error("{}: {source}", .path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// Not a readable safetensors file (or, writing, the tensors could not be laid out).
    #[error("{}: not a valid safetensors file: {message}", .path.display())]
    Format {
        /// The file.
        path: PathBuf,
        /// What the safetensors reader said.
        message: String,
    },
    /// A tensor the model needs is absent.
    #[error("{}: no tensor `{name}` (the model needs shape {expected:?}); the file has: {found}", .path.display())]
    Missing {
        /// The file.
        path: PathBuf,
        /// The tensor's name.
        name: String,
        /// Its shape in the model.
        expected: Vec<usize>,
        /// The file's tensor names, comma-separated.
        found: String,
    },
    /// A tensor the model does not have.
    #[error("{}: tensor `{name}` is not part of the model, whose tensors are exactly: {expected}", .path.display())]
    Extra {
        /// The file.
        path: PathBuf,
        /// The tensor's name.
        name: String,
        /// The model's tensor names, comma-separated.
        expected: String,
    },
    /// A tensor whose shape differs from the model's.
    #[error("{}: tensor `{name}` has shape {found:?}, the model needs {expected:?} ([out, in] for a weight)", .path.display())]
    Shape {
        /// The file.
        path: PathBuf,
        /// The tensor's name.
        name: String,
        /// Its shape in the file.
        found: Vec<usize>,
        /// Its shape in the model.
        expected: Vec<usize>,
    },
    /// A tensor that is not f32.
    #[error("{}: tensor `{name}` is {found}, the model needs F32", .path.display())]
    Dtype {
        /// The file.
        path: PathBuf,
        /// The tensor's name.
        name: String,
        /// Its dtype in the file.
        found: String,
    },
    /// A NaN or infinite value.
    #[error("{}: tensor `{name}` holds {value} at flat index {index}; weights must be finite", .path.display())]
    NotFinite {
        /// The file.
        path: PathBuf,
        /// The tensor's name.
        name: String,
        /// Row-major index within the tensor.
        index: usize,
        /// The value.
        value: f32,
    },
}

/// One tensor of the model: its name, PyTorch shape, layer, the kernel side of a conv layer, and
/// whether it is the bias.
struct Entry<'a> {
    name: String,
    shape: Vec<usize>,
    layer: &'a Layer,
    kernel: Option<usize>,
    bias: bool,
}

fn entries(net: &Network) -> Vec<Entry<'_>> {
    let mut out = Vec::new();
    let blocks = net.layers.iter().filter_map(|l: &NetLayer| l.block.as_ref().map(|b| (l.op, b)));
    for (i, (op, layer)) in blocks.enumerate() {
        let (shape, kernel) = match op {
            Op::Conv { kernel, .. } => {
                (vec![layer.fan_out, layer.fan_in / (kernel * kernel), kernel, kernel], Some(kernel))
            }
            _ => (vec![layer.fan_out, layer.fan_in], None),
        };
        out.push(Entry { name: format!("layers.{i}.weight"), shape, layer, kernel, bias: false });
        if layer.bias.is_some() {
            out.push(Entry {
                name: format!("layers.{i}.bias"),
                shape: vec![layer.fan_out],
                layer,
                kernel,
                bias: true,
            });
        }
    }
    out
}

/// Where the tensor's k-th value in PyTorch order lives in the flat vector. A dense weight is row-major
/// [out, in] there (k = o x in + i) and [in, out] here (i x out + o); a conv weight is
/// [filter, channel, row, column] there and [(row, column, channel), filter] here.
fn flat_index(e: &Entry<'_>, k: usize) -> usize {
    let l = e.layer;
    match (e.bias, l.bias, e.kernel) {
        (true, Some(b), _) => b + k,
        (_, _, Some(kernel)) => {
            let channels = l.fan_in / (kernel * kernel);
            let (f, rest) = (k / l.fan_in, k % l.fan_in);
            let (c, window) = (rest / (kernel * kernel), rest % (kernel * kernel));
            l.weights + (window * channels + c) * l.fan_out + f
        }
        _ => l.weights + (k % l.fan_in) * l.fan_out + k / l.fan_in,
    }
}

/// `params` of `net` as the bytes of a safetensors file.
pub fn encode(net: &Network, params: &[f32]) -> Result<Vec<u8>, String> {
    assert_eq!(params.len(), net.params, "a parameter vector of the model");
    let entries = entries(net);
    let buffers: Vec<Vec<u8>> = entries
        .iter()
        .map(|e| (0..e.shape.iter().product()).flat_map(|k| params[flat_index(e, k)].to_le_bytes()).collect())
        .collect();
    let views = entries
        .iter()
        .zip(&buffers)
        .map(|(e, bytes)| TensorView::new(Dtype::F32, e.shape.clone(), bytes).map(|v| (e.name.clone(), v)))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())?;
    safetensors::serialize(views, None).map_err(|e| e.to_string())
}

/// The flat parameter vector of `net` from the bytes of a safetensors file; `path` names it in errors.
pub fn decode(net: &Network, bytes: &[u8], path: &Path) -> Result<Vec<f32>, WeightsError> {
    let file = SafeTensors::deserialize(bytes)
        .map_err(|e| WeightsError::Format { path: path.into(), message: e.to_string() })?;
    let entries = entries(net);
    let mut names = file.names();
    names.sort_unstable();
    if let Some(extra) = names.iter().find(|n| !entries.iter().any(|e| e.name == **n)) {
        let expected = entries.iter().map(|e| e.name.as_str()).collect::<Vec<_>>().join(", ");
        return Err(WeightsError::Extra { path: path.into(), name: extra.to_string(), expected });
    }
    let mut params = vec![0.0f32; net.params];
    for e in &entries {
        let view = file.tensor(&e.name).map_err(|_| WeightsError::Missing {
            path: path.into(),
            name: e.name.clone(),
            expected: e.shape.clone(),
            found: names.join(", "),
        })?;
        let named = |name: &str| (path.to_path_buf(), name.to_string());
        if view.dtype() != Dtype::F32 {
            let (path, name) = named(&e.name);
            return Err(WeightsError::Dtype { path, name, found: view.dtype().to_string() });
        }
        if view.shape() != e.shape {
            let (path, name) = named(&e.name);
            return Err(WeightsError::Shape {
                path,
                name,
                found: view.shape().to_vec(),
                expected: e.shape.clone(),
            });
        }
        for (k, chunk) in view.data().chunks_exact(4).enumerate() {
            let value = f32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
            if !value.is_finite() {
                let (path, name) = named(&e.name);
                return Err(WeightsError::NotFinite { path, name, index: k, value });
            }
            params[flat_index(e, k)] = value;
        }
    }
    Ok(params)
}

/// SHA-256 of the flat parameter vector (batchlab's layout, each value f32 little-endian, in order), as
/// lowercase hex: names a run's initial weights (`init_hash`).
pub fn init_hash(params: &[f32]) -> String {
    let mut hasher = Sha256::new();
    let mut buffer = [0u8; 4096];
    for chunk in params.chunks(buffer.len() / 4) {
        for (dst, v) in buffer.chunks_exact_mut(4).zip(chunk) {
            dst.copy_from_slice(&v.to_le_bytes());
        }
        hasher.update(&buffer[..4 * chunk.len()]);
    }
    hasher.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests;
