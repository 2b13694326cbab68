//! Training speed of the MNIST-shaped CNN of issue 16 (1 x 28 x 28 -> conv 16 3x3 same -> maxpool 2 ->
//! conv 32 3x3 same -> maxpool 2 -> flatten -> dense 64 -> 10, ReLU, softmax cross-entropy, SGD), one
//! thread, on synthetic data the peers' script (benches/peers/cnn_peers.py) rebuilds bit for bit:
//! pixel j of example i is ((7919 i + 104729 j) mod 1000) / 1000 - 0.5 and its class is i mod 10.
//!
//! `cargo bench --bench cnn`: `step` times one update (gradient and SGD step) of a batch, `epoch` one
//! pass over 1,024 examples in a fixed shuffled order; criterion reports examples per second.

use batchlab::data::{Examples, Targets};
use batchlab::nn::Loss;
use batchlab::nn::kernels;
use batchlab::nn::network::{LayerSpec, Network, Padding, Shape, Workspace, initialize};
use batchlab::spec::{Activation, Init};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use ndarray::Array2;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use std::time::Duration;

const EXAMPLES: usize = 1024;
const LEARNING_RATE: f32 = 0.01;

fn network() -> Network {
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
    Network::new(input, &layers, 10, Activation::Relu, true, Loss::CrossEntropy).expect("the network fits")
}

fn synthetic(n: usize) -> Examples {
    let x = Array2::from_shape_fn((n, 784), |(i, j)| ((7919 * i + 104_729 * j) % 1000) as f32 / 1000.0 - 0.5);
    Examples { x, y: Targets::Classes((0..n as u32).map(|i| i % 10).collect()) }
}

/// One SGD update on the examples `rows`.
fn step(
    net: &Network,
    params: &mut [f32],
    ws: &mut Workspace,
    grad: &mut [f32],
    data: &Examples,
    rows: &[usize],
) {
    ws.load(data, rows);
    net.loss_and_gradient(params, ws, rows.len(), grad);
    kernels::axpy(-LEARNING_RATE, grad, params);
}

fn training(c: &mut Criterion) {
    let net = network();
    let data = synthetic(EXAMPLES);
    let mut order: Vec<usize> = (0..EXAMPLES).collect();
    order.shuffle(&mut ChaCha8Rng::seed_from_u64(1));
    let init = initialize(&net, Init::He, &mut ChaCha8Rng::seed_from_u64(0));
    for b in [1, 32, 128] {
        let mut params = init.clone();
        let mut ws = Workspace::new(&net, b);
        let mut grad = vec![0.0; net.params];
        let mut group = c.benchmark_group("cnn_step");
        group.throughput(Throughput::Elements(b as u64));
        group.bench_function(BenchmarkId::from_parameter(b), |bench| {
            let mut batches = order.chunks_exact(b).cycle();
            bench
                .iter(|| step(&net, &mut params, &mut ws, &mut grad, &data, batches.next().expect("cycles")));
        });
        group.finish();
        let mut group = c.benchmark_group("cnn_epoch");
        group.throughput(Throughput::Elements(EXAMPLES as u64));
        group.bench_function(BenchmarkId::from_parameter(b), |bench| {
            bench.iter(|| {
                for rows in order.chunks(b) {
                    step(&net, &mut params, &mut ws, &mut grad, &data, rows);
                }
            });
        });
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10).measurement_time(Duration::from_secs(4)).without_plots();
    targets = training
}
criterion_main!(benches);
