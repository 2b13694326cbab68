//! Why a layer list does not fit its input: one variant a misfit, each naming the layer (its index in
//! the list) and the key to change, with a message that says what would fit.

use super::Shape;

/// A layer list that does not fit its input; every variant names the layer (counting from 0 in the
/// list) and the key to change.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShapeError {
    /// A size that must be positive is 0.
    #[error("layers[{layer}].{key} = 0: it must be at least 1")]
    Zero {
        /// Index in the list.
        layer: usize,
        /// The key that is 0.
        key: &'static str,
    },
    /// "same" with an even kernel.
    #[error(
        "layers[{layer}].padding = \"same\" needs an odd kernel, not {kernel}: an even kernel has no centre, \
         so the padding could not be the same on both sides and the output would shift by half a pixel \
         (use padding = \"valid\" or an odd kernel)"
    )]
    EvenKernelSame {
        /// Index in the list.
        layer: usize,
        /// The even kernel size.
        kernel: usize,
    },
    /// A "valid" kernel that does not fit inside its input.
    #[error("layers[{layer}].kernel = {kernel} is larger than its input of {height} x {width} pixels")]
    KernelTooLarge {
        /// Index in the list.
        layer: usize,
        /// The kernel size.
        kernel: usize,
        /// Input rows.
        height: usize,
        /// Input columns.
        width: usize,
    },
    /// A pooling window that does not tile its input.
    #[error(
        "layers[{layer}].size = {size} does not divide its input of {height} x {width} pixels: pooling \
         takes whole windows only (PyTorch would silently drop the last rows or columns)"
    )]
    PoolDoesNotDivide {
        /// Index in the list.
        layer: usize,
        /// The window size.
        size: usize,
        /// Input rows.
        height: usize,
        /// Input columns.
        width: usize,
    },
    /// A conv or maxpool layer whose input is a vector.
    #[error(
        "layers[{layer}].type = \"{kind}\" needs an image, but its input is a vector of {features} \
         features (give the data's image shape, and put conv and maxpool layers before flatten)"
    )]
    NeedsImage {
        /// Index in the list.
        layer: usize,
        /// "conv" or "maxpool".
        kind: &'static str,
        /// Features of the vector it received.
        features: usize,
    },
    /// A dense layer whose input is an image.
    #[error(
        "layers[{layer}].type = \"dense\" follows an image of {shape}: put {{ type = \"flatten\" }} before it"
    )]
    DenseBeforeFlatten {
        /// Index in the list.
        layer: usize,
        /// The image it received.
        shape: Shape,
    },
    /// A list that ends with an image, where the implied output layer (dense) needs a vector.
    #[error(
        "layers[{layer}] would be the output layer, which is dense, but the list ends with an image of \
         {shape}: end the list with {{ type = \"flatten\" }}"
    )]
    EndsAsImage {
        /// The output layer's index: the length of the list.
        layer: usize,
        /// The image the list ends with.
        shape: Shape,
    },
}

impl ShapeError {
    /// The index of the layer at fault (the list's length for the implied output layer).
    pub fn layer(&self) -> usize {
        match *self {
            ShapeError::Zero { layer, .. }
            | ShapeError::EvenKernelSame { layer, .. }
            | ShapeError::KernelTooLarge { layer, .. }
            | ShapeError::PoolDoesNotDivide { layer, .. }
            | ShapeError::NeedsImage { layer, .. }
            | ShapeError::DenseBeforeFlatten { layer, .. }
            | ShapeError::EndsAsImage { layer, .. } => layer,
        }
    }

    /// The key to change.
    pub fn key(&self) -> &'static str {
        match self {
            ShapeError::Zero { key, .. } => key,
            ShapeError::EvenKernelSame { .. } => "padding",
            ShapeError::KernelTooLarge { .. } => "kernel",
            ShapeError::PoolDoesNotDivide { .. } => "size",
            ShapeError::NeedsImage { .. } | ShapeError::DenseBeforeFlatten { .. } => "type",
            ShapeError::EndsAsImage { .. } => "type",
        }
    }
}
