//! Training speed of the peers' reference model (64 -> 64 ReLU -> 10, lr 0.05, their split and
//! initial weights), one thread: time per epoch (criterion reports examples per second), and the cost
//! of one gradient-noise checkpoint at the run's batch size.
//!
//! `cargo bench --bench training`; `batchlab bench` prints the same numbers in the peers' table format.

use batchlab::peers::{checkpoint_seconds, reference_data, reference_model, train_reference};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use std::time::Duration;

fn epochs(c: &mut Criterion) {
    let data = reference_data().expect("bundled data");
    let (net, init) = reference_model().expect("bundled weights");
    let mut group = c.benchmark_group("epoch");
    group.throughput(Throughput::Elements(data.train.len() as u64));
    for b in [1, 32, 128, 1437] {
        group.bench_function(BenchmarkId::from_parameter(b), |bench| {
            // The training clock of the run itself: evaluation between epochs is left out, as in the sweep.
            bench.iter_custom(|iters| {
                let records = train_reference(&data, &net, &init, b, iters.max(1) - 1, 0).expect("trains");
                Duration::from_secs_f64(records.last().map_or(0.0, |r| r.train_time_s))
            });
        });
    }
    group.finish();
}

fn checkpoints(c: &mut Criterion) {
    let data = reference_data().expect("bundled data");
    let (net, init) = reference_model().expect("bundled weights");
    let mut group = c.benchmark_group("noise_checkpoint_32_probes");
    for b in [1, 32, 128, 1437] {
        group.bench_function(BenchmarkId::from_parameter(b), |bench| {
            bench.iter_custom(|iters| {
                Duration::from_secs_f64((0..iters).map(|_| checkpoint_seconds(&data, &net, &init, b)).sum())
            });
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10).measurement_time(Duration::from_secs(3)).without_plots();
    targets = epochs, checkpoints
}
criterion_main!(benches);
