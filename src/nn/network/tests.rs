//! The network as a whole: the MNIST-shaped CNN's sizes against PyTorch's, buffers reused across batch
//! sizes without stale values, chunked evaluation, allocations of a step, and thread safety.

use super::fixtures::{architectures, tiny};
use super::*;
use crate::spec::Activation;

fn mnist() -> Network {
    let conv = |filters| LayerSpec::Conv { filters, kernel: 3, stride: 1, padding: Padding::Same };
    let layers = [
        conv(16),
        LayerSpec::MaxPool { size: 2 },
        conv(32),
        LayerSpec::MaxPool { size: 2 },
        LayerSpec::Flatten,
        LayerSpec::Dense { units: 64 },
    ];
    let input = Shape::Image { channels: 1, height: 28, width: 28 };
    Network::new(input, &layers, 10, Activation::Relu, true, Loss::CrossEntropy).unwrap()
}

#[test]
fn the_mnist_cnn_has_pytorchs_parameter_count_and_multiply_adds() {
    // nn.Conv2d(1, 16, 3): 16 x 9 + 16 = 160; nn.Conv2d(16, 32, 3): 32 x 144 + 32 = 4,640;
    // nn.Linear(1568, 64): 100,416; nn.Linear(64, 10): 650. Forward multiply-adds: 784 x 144 +
    // 196 x 4,608 + 100,352 + 640.
    let net = mnist();
    assert_eq!(net.params, 160 + 4_640 + 100_416 + 650);
    assert_eq!(net.forward_macs(), 784 * 144 + 196 * 4_608 + 100_352 + 640);
    let blocks: Vec<(usize, usize)> = net.parameter_layers().map(|l| (l.fan_in, l.fan_out)).collect();
    assert_eq!(blocks, [(9, 16), (144, 32), (1568, 64), (64, 10)]);
    assert_eq!((net.inputs(), net.outputs()), (784, 10));
    assert!(net.layers.iter().map(|l| l.activated).eq([true, false, true, false, false, true, false]));
}

#[test]
fn a_smaller_batch_after_a_larger_one_sees_no_stale_values() {
    // Every buffer a pass reads is written by that pass (col2im and the pooling scatter zero their
    // outputs first): the gradient of 3 examples is the same in a fresh workspace and in one that has
    // just run 7.
    for (input, layers) in architectures() {
        let (net, params, data) = tiny(input, &layers, Activation::Relu, Loss::CrossEntropy, true, 7);
        let (mut used, mut fresh) = (Workspace::new(&net, 7), Workspace::new(&net, 3));
        let (mut g_used, mut g_fresh) = (vec![0.0; net.params], vec![0.0; net.params]);
        used.load_range(&data, 0, 7);
        net.loss_and_gradient(&params, &mut used, 7, &mut g_used);
        used.load(&data, &[4, 1, 6]);
        fresh.load(&data, &[4, 1, 6]);
        let loss = net.loss_and_gradient(&params, &mut used, 3, &mut g_used);
        assert_eq!(loss, net.loss_and_gradient(&params, &mut fresh, 3, &mut g_fresh));
        assert_eq!(g_used, g_fresh, "{layers:?}");
    }
}

#[test]
fn evaluation_in_chunks_equals_one_pass() {
    let (input, layers) = architectures().remove(2);
    let (net, params, data) = tiny(input, &layers, Activation::Tanh, Loss::CrossEntropy, true, 10);
    let whole = net.evaluate(&params, &mut Workspace::new(&net, 10), &data);
    let chunked = net.evaluate(&params, &mut Workspace::new(&net, 3), &data);
    assert_eq!((whole.examples, whole.correct), (chunked.examples, chunked.correct));
    assert!((whole.loss_sum - chunked.loss_sum).abs() < 1e-5 * whole.loss_sum);
}

#[test]
fn a_training_step_allocates_only_the_matrix_packing_buffers() {
    // matrixmultiply allocates its packing buffer inside each product. At B = 32 the MNIST CNN makes 4
    // products forward (2 conv, 2 dense), 4 weight gradients and 3 propagations (none into the
    // input): 11, and nothing else.
    let net = mnist();
    let data = crate::data::Examples {
        x: ndarray::Array2::from_shape_fn((32, 784), |(i, j)| ((i * 31 + j * 7) % 17) as f32 / 17.0),
        y: crate::data::Targets::Classes((0..32).map(|i| i % 10).collect()),
    };
    let params = initialize(
        &net,
        crate::spec::Init::He,
        &mut <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(1),
    );
    let mut ws = Workspace::new(&net, 32);
    let mut grad = vec![0.0; net.params];
    ws.load_range(&data, 0, 32);
    net.loss_and_gradient(&params, &mut ws, 32, &mut grad);
    let (_, usage) = crate::sweep::memory::usage(|| net.loss_and_gradient(&params, &mut ws, 32, &mut grad));
    assert_eq!(usage.allocations, 11);
}

#[test]
fn networks_and_workspaces_can_cross_threads() {
    fn shared<T: Send + Sync>() {}
    shared::<Network>();
    shared::<Workspace>();
    shared::<HvpWorkspace>();
}
