//! Cost of curvature on the peers' reference model (64 -> 64 ReLU -> 10 on 1437 digits, their initial
//! weights), one thread: one full-data Hessian-vector product against one full-data gradient pass (both
//! in chunks of 256, accumulated in f64), and one curvature checkpoint with the default settings
//! against one training epoch at B = 32.
//!
//! `cargo bench --bench curvature`

use batchlab::nn::curvature::{CurvatureSettings, measure};
use batchlab::nn::network::{FullLoss, HvpWorkspace};
use batchlab::peers::{reference_data, reference_model, train_reference};
use batchlab::rng::{Purpose, stream};
use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::time::Duration;

fn passes(c: &mut Criterion) {
    let data = reference_data().expect("bundled data");
    let (net, init) = reference_model().expect("bundled weights");
    let full = FullLoss { net: &net, params: &init, data: &data.train };
    let mut ws = HvpWorkspace::new(&net);
    let v: Vec<f64> = (0..net.params).map(|i| ((i * 7919) % 13) as f64 / 13.0 - 0.5).collect();
    let (mut out, mut grad) = (vec![0.0; net.params], vec![0.0; net.params]);
    let mut group = c.benchmark_group("full_data_pass");
    group.bench_function("gradient", |b| b.iter(|| black_box(full.gradient(&mut ws, &mut grad))));
    group.bench_function("hvp", |b| b.iter(|| black_box(full.hvp(&v, &mut ws, &mut out))));
    group.bench_function("hvp_and_gradient", |b| {
        b.iter(|| black_box(full.hvp_and_gradient(&v, &mut ws, &mut out, &mut grad)))
    });
    group.finish();
}

fn checkpoint(c: &mut Criterion) {
    let data = reference_data().expect("bundled data");
    let (net, init) = reference_model().expect("bundled weights");
    let full = FullLoss { net: &net, params: &init, data: &data.train };
    let mut ws = HvpWorkspace::new(&net);
    let settings = CurvatureSettings::default();
    let mut group = c.benchmark_group("curvature_vs_epoch");
    group.bench_function("checkpoint_defaults", |b| {
        b.iter(|| {
            let mut rng = stream(0, 0, Purpose::Init);
            black_box(measure(&full, &settings, None, &mut rng, &mut ws))
        })
    });
    group.bench_function("epoch_b32", |bench| {
        bench.iter_custom(|iters| {
            let records = train_reference(&data, &net, &init, 32, iters.max(1) - 1, 0).expect("trains");
            Duration::from_secs_f64(records.last().map_or(0.0, |r| r.train_time_s))
        });
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10).measurement_time(Duration::from_secs(3)).without_plots();
    targets = passes, checkpoint
}
criterion_main!(benches);
