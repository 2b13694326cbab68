//! `model.layers`: each entry checked on its own (sizes at least 1, "same" only with odd kernels) when
//! the spec is read, and the whole list fitted to the data's example shape once the data is loaded, with
//! every error naming `model.layers[i].<key>`; and the network a plan trains, from `layers` or `hidden`.

use super::settings::Settings;
use crate::data::Dataset;
use crate::error::SpecError;
use crate::nn::Loss;
use crate::nn::network::{LayerSpec, Network, Padding, Shape, infer_shapes};
use crate::spec::{LayerEntry, ModelSpec, PaddingName, SpecSource, Task};

/// Whether the layer has weights (conv, dense).
pub fn has_parameters(layer: &LayerSpec) -> bool {
    matches!(layer, LayerSpec::Conv { .. } | LayerSpec::Dense { .. })
}

/// `model.layers` checked entry by entry; `None` when the spec gives `hidden` (or neither).
pub fn layers(m: &ModelSpec, src: &SpecSource) -> Result<Option<Vec<LayerSpec>>, SpecError> {
    let Some(entries) = &m.layers else { return Ok(None) };
    // The spec as run (results/<name>/spec.toml) writes `hidden = []` beside a list.
    if given(src, "model.hidden") && !m.hidden.is_empty() {
        return Err(src.error(
            "model.layers",
            "give either `hidden` (the widths of dense layers) or `layers` (a list of layers), not both",
        ));
    }
    let mut out = Vec::with_capacity(entries.len());
    for (i, entry) in entries.iter().enumerate() {
        let size = |key: &str, v: u64| -> Result<usize, SpecError> {
            if v == 0 {
                return Err(
                    src.error(&format!("model.layers[{i}].{key}"), "0 is not allowed: it must be at least 1")
                );
            }
            Ok(usize::try_from(v).unwrap_or(usize::MAX))
        };
        out.push(match *entry {
            LayerEntry::Conv { filters, kernel, stride, padding } => {
                let (filters, kernel, stride) = (size("filters", filters)?, size("kernel", kernel)?, size("stride", stride)?);
                let padding = match padding {
                    PaddingName::Same => Padding::Same,
                    PaddingName::Valid => Padding::Valid,
                };
                if padding == Padding::Same && kernel % 2 == 0 {
                    return Err(src.error(
                        &format!("model.layers[{i}].padding"),
                        format!(
                            "\"same\" needs an odd kernel, not {kernel}: an even kernel has no centre, so the \
                             padding could not be the same on both sides and the output would shift by half a \
                             pixel (use padding = \"valid\" or an odd kernel)"
                        ),
                    ));
                }
                LayerSpec::Conv { filters, kernel, stride, padding }
            }
            LayerEntry::Maxpool { size: s } => LayerSpec::MaxPool { size: size("size", s)? },
            LayerEntry::Flatten => LayerSpec::Flatten,
            LayerEntry::Dense { units } => LayerSpec::Dense { units: size("units", units)? },
        });
    }
    Ok(Some(out))
}

/// Whether `key` is written in the spec file or set on the command line.
fn given(src: &SpecSource, key: &str) -> bool {
    src.overrides.iter().any(|(k, _)| k == key)
        || crate::spec::locate::span_of(&src.text, key)
            .is_some_and(|span| crate::spec::locate::key_at(&src.text, span.start).as_deref() == Some(key))
}

/// The network the settings describe for `data`: `model.layers` fitted to the data's example shape (an
/// image for digits, idx and `data.image_shape`, else a vector), or the MLP of `model.hidden`.
pub fn try_network(settings: &Settings, data: &Dataset) -> Result<Network, (String, String)> {
    let model = &settings.model;
    let loss = match data.task {
        Task::Classification => Loss::CrossEntropy,
        Task::Regression => Loss::MeanSquared,
    };
    let Some(layers) = &model.layers else {
        return Ok(Network::mlp(
            data.features(),
            &model.hidden,
            data.outputs,
            model.activation,
            model.bias,
            loss,
        ));
    };
    let input = match data.image {
        Some([channels, height, width]) => Shape::Image { channels, height, width },
        None => Shape::Flat(data.features()),
    };
    let fitted = infer_shapes(input, layers)
        .and_then(|_| Network::new(input, layers, data.outputs, model.activation, model.bias, loss));
    fitted.map_err(|e| {
        let key = if e.layer() < layers.len() {
            format!("model.layers[{}].{}", e.layer(), e.key())
        } else {
            "model.layers".to_string()
        };
        let message = format!("{e} (each example is {input})");
        (key, message)
    })
}

/// [`try_network`] as a spec error at the key at fault.
pub fn network(settings: &Settings, data: &Dataset, src: &SpecSource) -> Result<Network, SpecError> {
    try_network(settings, data).map_err(|(key, message)| src.error(&key, message))
}
