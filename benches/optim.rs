//! Cost of the optimisers on the peers' reference model (64 -> 64 ReLU -> 10, 4810 parameters), one
//! thread: one optimiser step alone (SGD, SGD with momentum, Adam, RMSprop), and one whole training step
//! (load the batch, forward, backward, optimiser with the update statistics, as the training loop does)
//! at B = 1 and B = 32. At B = 1 plain SGD trains through the rank-one online step (nn/online.rs), which
//! Adam cannot use, so both SGD paths are measured.
//!
//! `cargo bench --bench optim`; compare the Adam and SGD lines of one sitting.

use batchlab::nn::OnlineStep;
use batchlab::nn::network::Workspace;
use batchlab::nn::optim::{Kind, Optimizer, Settings};
use batchlab::peers::{reference_data, reference_model};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::time::Duration;

fn settings(kind: Kind, momentum: f64) -> Settings {
    Settings { kind, momentum, ..Settings::default() }
}

/// The optimisers compared, with a learning rate each that keeps a long benchmark finite.
fn contenders() -> [(&'static str, Settings, f64); 4] {
    [
        ("sgd", settings(Kind::Sgd, 0.0), 0.05),
        ("sgd_momentum", settings(Kind::Sgd, 0.9), 0.01),
        ("adam", settings(Kind::Adam, 0.0), 1e-3),
        ("rmsprop", settings(Kind::RmsProp, 0.0), 1e-3),
    ]
}

fn optimiser_step(c: &mut Criterion) {
    let (net, init) = reference_model().expect("bundled weights");
    let grad: Vec<f32> = (0..net.params).map(|i| ((i as f32) * 0.618).sin() * 1e-2).collect();
    let previous = grad.iter().rev().copied().collect::<Vec<_>>();
    let mut group = c.benchmark_group("optimiser_step_4810");
    for (name, s, lr) in contenders() {
        let (mut params, mut opt, mut t) = (init.clone(), Optimizer::new(&net, &s), 0u64);
        group.bench_function(name, |b| {
            b.iter(|| {
                t += 1;
                black_box(opt.step_observing(&mut params, &grad, &previous, lr, t))
            })
        });
    }
    group.finish();
}

/// Every epoch the weights and the optimiser start afresh, so each line times the first epoch of a run
/// (left alone, SGD at lr 0.05 drives every gradient to zero within 40 epochs, which no run measures).
fn training_step(c: &mut Criterion) {
    let data = reference_data().expect("bundled data");
    let (net, init) = reference_model().expect("bundled weights");
    let n = data.train.len();
    let order: Vec<usize> = (0..n).map(|i| (i * 577) % n).collect();
    let mut group = c.benchmark_group("training_step");
    for batch in [1usize, 32] {
        let mut ws = Workspace::new(&net, batch);
        let (mut grad, mut previous) = (vec![0.0f32; net.params], vec![0.0f32; net.params]);
        let epoch = (n / batch) as u64;
        for (name, s, lr) in contenders() {
            let fresh = Optimizer::new(&net, &s);
            let (mut params, mut opt, mut t) = (init.clone(), fresh.clone(), 0u64);
            group.bench_function(BenchmarkId::new(name, batch), |b| {
                b.iter(|| {
                    if t == epoch {
                        (t, opt) = (0, fresh.clone());
                        params.copy_from_slice(&init);
                    }
                    let start = t as usize * batch;
                    t += 1;
                    ws.load(&data.train, &order[start..start + batch]);
                    let loss = net.loss_and_gradient(&params, &mut ws, batch, &mut grad);
                    let stats = opt.step_observing(&mut params, &grad, &previous, lr, t);
                    std::mem::swap(&mut grad, &mut previous);
                    black_box((loss, stats))
                })
            });
        }
        if batch == 1 {
            let (mut params, mut online, mut t) =
                (init.clone(), OnlineStep::new(&net).expect("a dense network"), 0usize);
            group.bench_function(BenchmarkId::new("sgd_online", batch), |b| {
                b.iter(|| {
                    if t == n {
                        t = 0;
                        params.copy_from_slice(&init);
                        online.reset();
                    }
                    t += 1;
                    black_box(online.step(&mut params, &data.train, order[t - 1], 0.05, 0.0))
                })
            });
        }
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).measurement_time(Duration::from_secs(3)).without_plots();
    targets = optimiser_step, training_step
}
criterion_main!(benches);
