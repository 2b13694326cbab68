//! Test fixtures: tiny networks with data for every layer kind, stride and padding, the settings they
//! run under, and explicit Hessians built from the products under test.

use super::{FullLoss, HvpWorkspace, LayerSpec, Network, Padding, Shape, initialize};
use crate::data::{Examples, Targets};
use crate::nn::Loss;
use crate::spec::{Activation, Init};
use ndarray::Array2;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Layer lists that between them cover every kind, stride, padding and border case: several input
/// channels (the channels-last copy), a flatten of several channels, pooling first and last, an even
/// kernel, a 1 x 1 kernel, strides 1 and 2, conv after conv.
pub(crate) fn architectures() -> Vec<(Shape, Vec<LayerSpec>)> {
    let conv = |filters, kernel, stride, padding| LayerSpec::Conv { filters, kernel, stride, padding };
    let image = |channels, side| Shape::Image { channels, height: side, width: side };
    use LayerSpec::{Dense, Flatten, MaxPool};
    vec![
        (image(1, 6), vec![conv(3, 3, 1, Padding::Same), MaxPool { size: 2 }, Flatten, Dense { units: 4 }]),
        (image(2, 7), vec![conv(2, 3, 2, Padding::Valid), Flatten]),
        (
            image(2, 6),
            vec![
                conv(2, 3, 2, Padding::Same),
                conv(3, 1, 1, Padding::Valid),
                MaxPool { size: 3 },
                Flatten,
                Dense { units: 3 },
            ],
        ),
        (image(1, 6), vec![MaxPool { size: 2 }, conv(2, 2, 1, Padding::Valid), Flatten]),
        (image(1, 5), vec![conv(2, 3, 1, Padding::Same), conv(2, 3, 1, Padding::Same), Flatten]),
    ]
}

/// A network `input -> layers -> 3 outputs` at perturbed Xavier weights (so biases are not zero and
/// pooling windows have no ties), and `n` random examples.
pub(crate) fn tiny(
    input: Shape,
    layers: &[LayerSpec],
    activation: Activation,
    loss: Loss,
    bias: bool,
    n: usize,
) -> (Network, Vec<f32>, Examples) {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let net = Network::new(input, layers, 3, activation, bias, loss).expect("fixtures fit");
    let mut params = initialize(&net, Init::Xavier, &mut rng);
    params.iter_mut().for_each(|p| *p += rng.random_range(-0.3f32..0.3));
    let x = Array2::from_shape_fn((n, input.features()), |_| rng.random_range(-1.5f32..1.5));
    let y = match loss {
        Loss::CrossEntropy => Targets::Classes((0..n).map(|_| rng.random_range(0..3)).collect()),
        Loss::MeanSquared => {
            Targets::Values(Array2::from_shape_fn((n, 3), |_| rng.random_range(-1.0f32..1.0)))
        }
    };
    (net, params, Examples { x, y })
}

/// Every activation x loss x bias.
pub(crate) fn settings() -> Vec<(Activation, Loss, bool)> {
    let mut all = Vec::new();
    for activation in [Activation::Relu, Activation::Tanh, Activation::Sigmoid] {
        for loss in [Loss::CrossEntropy, Loss::MeanSquared] {
            for bias in [true, false] {
                all.push((activation, loss, bias));
            }
        }
    }
    all
}

/// H with column j = H e_j from `loss.hvp`.
pub(crate) fn explicit_hessian(loss: &FullLoss<'_>) -> Vec<Vec<f64>> {
    let p = loss.net.params;
    let mut ws = HvpWorkspace::new(loss.net);
    let mut e = vec![0.0; p];
    let mut columns = vec![vec![0.0; p]; p];
    for (j, column) in columns.iter_mut().enumerate() {
        e[j] = 1.0;
        loss.hvp(&e, &mut ws, column);
        e[j] = 0.0;
    }
    columns
}
