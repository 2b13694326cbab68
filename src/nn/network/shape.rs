//! The hidden-layer list and its shapes: what each layer kind does to the shape of one example, and
//! every way a list can fail to fit its input, named by layer index and key. PyTorch's conventions
//! throughout, so that a network can be replayed there: a convolution is a cross-correlation, "same"
//! pads (k - 1) / 2 on every side (odd kernels only), outputs are floor((n + 2 pad - k) / stride) + 1
//! as in `nn.Conv2d`, max pooling takes `size x size` windows at stride `size` as `nn.MaxPool2d(size)`,
//! and flatten orders features channel, row, column as `torch.flatten` on an NCHW tensor.

pub use super::shape_error::ShapeError;
use std::fmt;

/// The shape of one example between two layers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// A vector of features: the input and output of dense layers.
    Flat(usize),
    /// `channels` planes of `height x width` pixels; as a flat example, feature j is channel
    /// j / (height width), row (j / width) mod height, column j mod width.
    Image {
        /// Planes (1 for grey images, 3 for colour).
        channels: usize,
        /// Rows of pixels.
        height: usize,
        /// Columns of pixels.
        width: usize,
    },
}

impl Shape {
    /// Numbers per example.
    pub fn features(self) -> usize {
        match self {
            Shape::Flat(n) => n,
            Shape::Image { channels, height, width } => channels * height * width,
        }
    }
}

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Shape::Flat(n) => write!(f, "{n} features"),
            Shape::Image { channels, height, width } => write!(f, "{channels} x {height} x {width}"),
        }
    }
}

/// How a convolution treats the border.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Padding {
    /// (kernel - 1) / 2 zeros on every side (odd kernels): the output keeps the input's size at stride 1.
    Same,
    /// No padding: only windows that fit inside the input.
    Valid,
}

/// One hidden layer as the spec lists it. Conv and dense layers are followed by the activation; the
/// output layer (dense, its size and loss set by the task) is implied after the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LayerSpec {
    /// `filters` kernels of `kernel x kernel` pixels over every input channel, moved `stride` pixels.
    Conv {
        /// Output channels.
        filters: usize,
        /// Side of the square kernel.
        kernel: usize,
        /// Step between windows, in pixels.
        stride: usize,
        /// Border treatment.
        padding: Padding,
    },
    /// The largest value of each `size x size` window of each channel (windows do not overlap).
    MaxPool {
        /// Side of the window, and the step between windows.
        size: usize,
    },
    /// An image to a vector, in channel, row, column order.
    Flatten,
    /// A fully connected layer.
    Dense {
        /// Outputs.
        units: usize,
    },
}

impl LayerSpec {
    /// The spec's name of the kind (its `type` key).
    pub fn kind(&self) -> &'static str {
        match self {
            LayerSpec::Conv { .. } => "conv",
            LayerSpec::MaxPool { .. } => "maxpool",
            LayerSpec::Flatten => "flatten",
            LayerSpec::Dense { .. } => "dense",
        }
    }
}

/// Zeros of padding on each side of a conv layer's input.
pub fn conv_padding(kernel: usize, padding: Padding) -> usize {
    match padding {
        Padding::Same => (kernel - 1) / 2,
        Padding::Valid => 0,
    }
}

/// Every layer's output shape for an example of shape `input`, or the first layer that does not fit.
/// The list must end with a vector, since the implied output layer is dense.
pub fn infer_shapes(input: Shape, layers: &[LayerSpec]) -> Result<Vec<Shape>, ShapeError> {
    let mut shapes = Vec::with_capacity(layers.len());
    let mut shape = input;
    for (layer, spec) in layers.iter().enumerate() {
        shape = output_shape(layer, spec, shape)?;
        shapes.push(shape);
    }
    match shape {
        Shape::Flat(_) => Ok(shapes),
        image => Err(ShapeError::EndsAsImage { layer: layers.len(), shape: image }),
    }
}

fn output_shape(layer: usize, spec: &LayerSpec, input: Shape) -> Result<Shape, ShapeError> {
    let positive = |key, value: usize| if value == 0 { Err(ShapeError::Zero { layer, key }) } else { Ok(()) };
    let image = |features| ShapeError::NeedsImage { layer, kind: spec.kind(), features };
    match (*spec, input) {
        (LayerSpec::Dense { units }, Shape::Flat(_)) => positive("units", units).map(|()| Shape::Flat(units)),
        (LayerSpec::Dense { .. }, shape) => Err(ShapeError::DenseBeforeFlatten { layer, shape }),
        (LayerSpec::Flatten, shape) => Ok(Shape::Flat(shape.features())),
        (_, Shape::Flat(features)) => Err(image(features)),
        (LayerSpec::Conv { filters, kernel, stride, padding }, Shape::Image { height, width, .. }) => {
            positive("filters", filters)?;
            positive("kernel", kernel)?;
            positive("stride", stride)?;
            if padding == Padding::Same && kernel % 2 == 0 {
                return Err(ShapeError::EvenKernelSame { layer, kernel });
            }
            let pad = conv_padding(kernel, padding);
            if kernel > height + 2 * pad || kernel > width + 2 * pad {
                return Err(ShapeError::KernelTooLarge { layer, kernel, height, width });
            }
            let side = |n: usize| (n + 2 * pad - kernel) / stride + 1;
            Ok(Shape::Image { channels: filters, height: side(height), width: side(width) })
        }
        (LayerSpec::MaxPool { size }, Shape::Image { channels, height, width }) => {
            positive("size", size)?;
            if height % size != 0 || width % size != 0 {
                return Err(ShapeError::PoolDoesNotDivide { layer, size, height, width });
            }
            Ok(Shape::Image { channels, height: height / size, width: width / size })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(channels: usize, height: usize, width: usize) -> Shape {
        Shape::Image { channels, height, width }
    }

    fn conv(filters: usize, kernel: usize, stride: usize, padding: Padding) -> LayerSpec {
        LayerSpec::Conv { filters, kernel, stride, padding }
    }

    #[test]
    fn the_mnist_network_halves_twice_and_flattens_to_32_x_7_x_7() {
        let layers = [
            conv(16, 3, 1, Padding::Same),
            LayerSpec::MaxPool { size: 2 },
            conv(32, 3, 1, Padding::Same),
            LayerSpec::MaxPool { size: 2 },
            LayerSpec::Flatten,
            LayerSpec::Dense { units: 64 },
        ];
        let shapes = infer_shapes(image(1, 28, 28), &layers).unwrap();
        assert_eq!(
            shapes,
            [
                image(16, 28, 28),
                image(16, 14, 14),
                image(32, 14, 14),
                image(32, 7, 7),
                Shape::Flat(1568),
                Shape::Flat(64)
            ]
        );
    }

    #[test]
    fn output_sides_follow_pytorch_floor_division() {
        // nn.Conv2d: floor((n + 2 pad - k) / stride) + 1. 7 valid k3 s2 -> 3; 6 same k3 s2 (pad 1) -> 3;
        // 8 same k5 s3 (pad 2) -> floor(7 / 3) + 1 = 3; 5 valid k5 -> 1.
        let side = |n, kernel, stride, padding| match infer_shapes(
            image(2, n, n),
            &[conv(4, kernel, stride, padding), LayerSpec::Flatten],
        )
        .unwrap()[0]
        {
            Shape::Image { height, width, channels } => {
                assert_eq!((height, channels), (width, 4));
                height
            }
            Shape::Flat(_) => unreachable!(),
        };
        assert_eq!(side(7, 3, 2, Padding::Valid), 3);
        assert_eq!(side(6, 3, 2, Padding::Same), 3);
        assert_eq!(side(8, 5, 3, Padding::Same), 3);
        assert_eq!(side(5, 5, 1, Padding::Valid), 1);
        assert_eq!(side(9, 1, 1, Padding::Same), 9);
    }

    #[test]
    fn every_misfit_names_its_layer_and_key() {
        let cases: [(Shape, Vec<LayerSpec>, usize, &str); 9] = [
            (image(1, 4, 4), vec![conv(2, 5, 1, Padding::Valid)], 0, "kernel"),
            (image(1, 6, 6), vec![LayerSpec::Flatten, LayerSpec::Dense { units: 3 }], 3, ""),
            (image(1, 6, 6), vec![conv(2, 3, 1, Padding::Same), LayerSpec::MaxPool { size: 4 }], 1, "size"),
            (image(1, 6, 6), vec![LayerSpec::Dense { units: 3 }], 0, "type"),
            (image(1, 6, 6), vec![conv(2, 4, 1, Padding::Same)], 0, "padding"),
            (Shape::Flat(36), vec![conv(2, 3, 1, Padding::Same)], 0, "type"),
            (image(1, 6, 6), vec![LayerSpec::Flatten, LayerSpec::MaxPool { size: 2 }], 1, "type"),
            (image(1, 6, 6), vec![conv(2, 3, 0, Padding::Same)], 0, "stride"),
            (image(1, 6, 6), vec![conv(2, 3, 1, Padding::Valid)], 1, "type"),
        ];
        for (input, layers, layer, key) in cases {
            match infer_shapes(input, &layers) {
                // The second case fits: it is here to show a list that does not fail.
                Ok(_) => assert_eq!(key, "", "{layers:?} should not fit"),
                Err(e) => {
                    assert_eq!((e.layer(), e.key()), (layer, key), "{layers:?}: {e}");
                    assert!(e.to_string().starts_with(&format!("layers[{layer}]")), "{e}");
                }
            }
        }
    }

    #[test]
    fn an_even_kernel_with_same_padding_says_why() {
        let e =
            infer_shapes(image(1, 8, 8), &[conv(2, 2, 1, Padding::Same), LayerSpec::Flatten]).unwrap_err();
        assert!(e.to_string().contains("no centre"), "{e}");
        // An even kernel is fine without padding.
        assert!(infer_shapes(image(1, 8, 8), &[conv(2, 2, 1, Padding::Valid), LayerSpec::Flatten]).is_ok());
    }

    #[test]
    fn a_same_kernel_may_exceed_a_small_input_as_in_pytorch() {
        // 3 x 3 same on a 1 x 1 image: padded to 3 x 3, one output (PyTorch agrees).
        let shapes =
            infer_shapes(image(1, 1, 1), &[conv(2, 3, 1, Padding::Same), LayerSpec::Flatten]).unwrap();
        assert_eq!(shapes[0], image(2, 1, 1));
    }

    #[test]
    fn flatten_keeps_a_vector_and_dense_layers_alone_make_an_mlp() {
        let shapes = infer_shapes(
            Shape::Flat(10),
            &[LayerSpec::Dense { units: 4 }, LayerSpec::Flatten, LayerSpec::Dense { units: 2 }],
        )
        .unwrap();
        assert_eq!(shapes, [Shape::Flat(4), Shape::Flat(4), Shape::Flat(2)]);
        assert_eq!(infer_shapes(Shape::Flat(10), &[]).unwrap(), []);
    }
}
