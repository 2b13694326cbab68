//! The peers' reference task behind `batchlab bench` (not the criterion benches in benches/): trains
//! their reference model (64 -> 64 ReLU -> 10, plain SGD, lr 0.05, the same digits split and initial
//! weights as ../shared/peers/bench_peers.py) at each batch size on one thread, and prints the same table
//! as the peers' script, so both can be run back to back.

use crate::data::{self, Dataset, Examples, Targets};
use crate::error::{DataError, Error, Result};
use crate::nn::Loss;
use crate::nn::network::Network;
use crate::plan::{NoisePlan, RunConfig, TrainingPlan, updates_per_epoch};
use crate::report::Table;
use crate::schema::{EpochRecord, IterationRecord, NoiseRecord, StandardizationRecord};
use crate::spec::{Activation, LastBatch, Task};
use crate::train::{self, Context, Recorder, noise};
use ndarray::Array2;
use serde::Deserialize;
use std::fmt::Write;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

const SPLIT_JSON: &str = include_str!("../data/peers/digits_split.json");
const INIT_JSON: &str = include_str!("../data/peers/init_params.json");

/// Learning rate of the reference task.
pub const LEARNING_RATE: f64 = 0.05;
/// Timed epochs per batch size in the peers' script: chosen there so numpy takes 1 to 5 s.
pub const PEER_EPOCHS: [(usize, u64); 4] = [(1, 20), (32, 500), (128, 800), (1437, 1000)];

/// One row of the table.
#[derive(Debug, Clone, PartialEq)]
pub struct BenchRow {
    /// Examples per update.
    pub batch_size: usize,
    /// Updates per epoch.
    pub steps_per_epoch: usize,
    /// Timed epochs (after one untimed warm-up epoch).
    pub epochs: u64,
    /// Median over repeats of each repeat's median epoch time.
    pub s_per_epoch_median: f64,
    /// Fastest single epoch seen.
    pub s_per_epoch_best: f64,
    /// Mean training loss over the training set after warm-up + timed epochs (first repeat).
    pub final_train_loss: f64,
}

impl BenchRow {
    /// Training examples per second at the median epoch time.
    pub fn examples_per_s(&self, n: usize) -> f64 {
        n as f64 / self.s_per_epoch_median
    }
}

#[derive(Deserialize)]
struct Split {
    train_idx: Vec<usize>,
    test_idx: Vec<usize>,
    mean: Vec<f64>,
    scale: Vec<f64>,
}

/// The peers' data: digits rows split by their indices, standardised with their scaler, in f32.
pub fn reference_data() -> Result<Dataset> {
    let table = data::digits::load(Task::Classification)?;
    let split: Split = serde_json::from_str(SPLIT_JSON)
        .map_err(|e| DataError::file("data/peers/digits_split.json", e.to_string()))?;
    let pick = |rows: &[usize]| -> Examples {
        let x = Array2::from_shape_fn((rows.len(), 64), |(i, j)| {
            ((f64::from(table.examples.x[[rows[i], j]]) - split.mean[j]) / split.scale[j]) as f32
        });
        let Targets::Classes(labels) = &table.examples.y else { unreachable!("digits are classes") };
        Examples { x, y: Targets::Classes(rows.iter().map(|&r| labels[r]).collect()) }
    };
    Ok(Dataset {
        description: "digits, the peers' split (1437 x 64, 10 classes)".into(),
        task: Task::Classification,
        outputs: 10,
        class_names: table.class_names,
        train: pick(&split.train_idx),
        test: pick(&split.test_idx),
        standardization: (table.feature_names.iter().zip(split.mean.iter().zip(&split.scale)))
            .map(|(name, (&mean, &scale))| StandardizationRecord {
                feature: name.clone(),
                mean,
                scale,
                role: "feature".into(),
            })
            .collect(),
        feature_names: table.feature_names,
        train_rows: split.train_idx,
        test_rows: split.test_idx,
        image: Some([1, 8, 8]),
    })
}

/// The peers' network and its shared initial weights (W1, b1, W2, b2: our flat layout exactly).
pub fn reference_model() -> Result<(Network, Vec<f32>)> {
    let net = Network::mlp(64, &[64], 10, Activation::Relu, true, Loss::CrossEntropy);
    let blocks: serde_json::Map<String, serde_json::Value> = serde_json::from_str(INIT_JSON)
        .map_err(|e| DataError::file("data/peers/init_params.json", e.to_string()))?;
    let mut init = Vec::with_capacity(net.params);
    for name in ["W1 (64x64, in x out, row-major)", "b1 (64)", "W2 (64x10, in x out, row-major)", "b2 (10)"] {
        let values = blocks
            .get(name)
            .and_then(|v| v.as_array())
            .ok_or_else(|| DataError::file("data/peers/init_params.json", format!("no `{name}`")))?;
        init.extend(values.iter().map(|v| v.as_f64().unwrap_or(f64::NAN) as f32));
    }
    Ok((net, init))
}

/// Keeps the epoch records, drops the rest.
#[derive(Default)]
struct EpochsOnly(Vec<EpochRecord>);

impl Recorder for EpochsOnly {
    fn iteration(&mut self, _: &IterationRecord) -> Result<()> {
        Ok(())
    }
    fn epoch(&mut self, record: &EpochRecord) -> Result<()> {
        self.0.push(record.clone());
        Ok(())
    }
    fn noise(&mut self, _: &[NoiseRecord]) -> Result<()> {
        Ok(())
    }
}

/// Trains the reference model at batch size `b` for `1 + epochs` epochs and returns the epoch records.
pub fn train_reference(
    data: &Dataset,
    net: &Network,
    init: &[f32],
    b: usize,
    epochs: u64,
    repeat: u64,
) -> Result<Vec<EpochRecord>> {
    let training = TrainingPlan::sgd(epochs + 1, LEARNING_RATE);
    let mut records = EpochsOnly::default();
    train_single(data, net, init, b, &training, repeat, &mut records)?;
    Ok(records.0)
}

/// One run at batch size `b` with `training`'s settings (its optimiser and schedule), noise probes off,
/// records to `recorder`.
pub fn train_single(
    data: &Dataset,
    net: &Network,
    init: &[f32],
    b: usize,
    training: &TrainingPlan,
    repeat: u64,
    recorder: &mut dyn Recorder,
) -> Result<train::Outcome> {
    let (updates, last) = updates_per_epoch(data.train.len(), b, training.last_batch);
    let run = RunConfig {
        index: 0,
        id: format!("bench-b{b}"),
        repeat,
        batch_size: b,
        batch_label: b.to_string(),
        learning_rate: training.learning_rate,
        epochs: training.epochs,
        updates_per_epoch: updates,
        last_batch_size: last,
        variant: String::new(),
        optimizer: training.optimizer,
        schedule: training.schedule.clone(),
        batch_growth: training.batch_growth.clone(),
    };
    let noise = NoisePlan { every: 0, probes: 0, probe_batch_sizes: Vec::new() };
    let stop = AtomicBool::new(false);
    let ctx = Context {
        net,
        data,
        init,
        seed: 0,
        training,
        noise: &noise,
        probe_sizes: &[],
        curvature: None,
        snapshot_every: 0,
        stop_at: None,
        stop: &stop,
        progress: &|_| {},
    };
    train::train(&run, &ctx, recorder)
}

/// Measures each batch size (1 to 1437): one warm-up epoch, then `epochs(b)` timed epochs (at least 1),
/// `repeats` times (at least 1).
pub fn run(sizes: &[(usize, u64)], repeats: u64) -> Result<Vec<BenchRow>> {
    let data = reference_data()?;
    let n = data.train.len();
    if repeats == 0 || sizes.iter().any(|&(b, epochs)| b == 0 || b > n || epochs == 0) {
        return Err(Error::Refused(format!(
            "bench needs at least one repeat and one timed epoch, and batch sizes from 1 to {n}"
        )));
    }
    let (net, init) = reference_model()?;
    let mut rows = Vec::new();
    for &(b, epochs) in sizes {
        let mut medians = Vec::new();
        let mut best = f64::INFINITY;
        let mut final_train_loss = f64::NAN;
        for repeat in 0..repeats {
            let records = train_reference(&data, &net, &init, b, epochs, repeat)?;
            // Epoch times from the cumulative training clock, warm-up epoch (the first) left out.
            let mut times: Vec<f64> =
                records.windows(2).skip(1).map(|w| w[1].train_time_s - w[0].train_time_s).collect();
            times.sort_by(f64::total_cmp);
            best = best.min(times[0]);
            medians.push(times[times.len() / 2]);
            if repeat == 0 {
                final_train_loss = records.last().map_or(f64::NAN, |r| r.train_loss);
            }
        }
        medians.sort_by(f64::total_cmp);
        rows.push(BenchRow {
            batch_size: b,
            steps_per_epoch: updates_per_epoch(data.train.len(), b, LastBatch::Keep).0,
            epochs,
            s_per_epoch_median: medians[medians.len() / 2],
            s_per_epoch_best: best,
            final_train_loss,
        });
    }
    Ok(rows)
}

/// Floating-point operations of one example's training step: forward, weight gradients, and the error
/// sent back to every layer but the first (2 flops per multiply-add).
pub fn flops_per_example(net: &Network) -> f64 {
    let macs = net.forward_macs();
    let first = net.parameter_layers().next().map_or(0, |l| l.fan_in * l.fan_out);
    2.0 * (3 * macs - first) as f64
}

/// Single-core f32 GEMM throughput (GFLOP/s) of matrixmultiply on `size`-square matrices: the peak a
/// full-batch epoch can hope for.
pub fn gemm_gflops(size: usize, repeats: usize) -> f64 {
    let a = Array2::<f32>::from_shape_fn((size, size), |(i, j)| ((i * 7 + j * 3) % 11) as f32 / 11.0);
    let b = a.t().to_owned();
    let mut c = Array2::<f32>::zeros((size, size));
    let mut best = f64::INFINITY;
    for _ in 0..repeats {
        let started = Instant::now();
        ndarray::linalg::general_mat_mul(1.0, &a, &b, 0.0, &mut c);
        best = best.min(started.elapsed().as_secs_f64());
    }
    2.0 * (size as f64).powi(3) / best / 1e9
}

/// Seconds of one noise checkpoint (full-batch pass with per-example norms, 32 probes of `b`).
pub fn checkpoint_seconds(data: &Dataset, net: &Network, params: &[f32], b: usize) -> f64 {
    let mut scratch = noise::Scratch::new(net);
    let mut rng = crate::rng::stream(0, 0, crate::rng::Purpose::Init);
    let started = Instant::now();
    let rows = noise::checkpoint(net, (params, None), &data.train, (0, 0), &[b], 32, &mut rng, &mut scratch);
    std::hint::black_box(rows);
    started.elapsed().as_secs_f64()
}

/// The table in the peers' format, plus the GEMM comparison for the full batch.
pub fn table(rows: &[BenchRow], n: usize, flops_per_example: f64, gemm_gflops: f64) -> String {
    let mut table = Table::new(&[
        "stack",
        "B",
        "steps/epoch",
        "timed epochs",
        "s/epoch (median)",
        "s/epoch (best)",
        "examples/s (median)",
        "µs/step",
        "final train loss",
    ]);
    for r in rows {
        table.push(vec![
            "batchlab".into(),
            r.batch_size.to_string(),
            r.steps_per_epoch.to_string(),
            r.epochs.to_string(),
            format!("{:.4e}", r.s_per_epoch_median),
            format!("{:.4e}", r.s_per_epoch_best),
            format!("{:.0}", r.examples_per_s(n)),
            format!("{:.2}", r.s_per_epoch_median / r.steps_per_epoch as f64 * 1e6),
            format!("{:.4}", r.final_train_loss),
        ]);
    }
    let mut out = table.markdown();
    if let Some(full) = rows.iter().find(|r| r.batch_size == n) {
        let achieved = full.examples_per_s(n) * flops_per_example / 1e9;
        let _ = writeln!(
            out,
            "\nfull batch: {achieved:.1} GFLOP/s achieved ({flops_per_example:.0} flops per example), single-core GEMM peak {gemm_gflops:.1} GFLOP/s: {:.0}% of peak",
            100.0 * achieved / gemm_gflops
        );
    }
    out
}
