//! A training step must not touch the heap: every buffer is allocated when a run starts. The library's
//! counting allocator (`batchlab::sweep::memory`, installed below) compares a run of 4 epochs with one of 2: below
//! `GEMM_MIN_ROWS` the extra epochs' steps allocate nothing at all. Matrix products (the evaluation between epochs, and steps of 16 or more
//! examples) go through matrixmultiply, which allocates its packing buffer once per product; the test
//! pins that count exactly, so any other allocation fails it.

use batchlab::error::Result;
use batchlab::nn::GEMM_MIN_ROWS;
use batchlab::nn::network::Workspace;
use batchlab::nn::optim::schedule::{Decay, Schedule};
use batchlab::nn::optim::{Kind, Settings};
use batchlab::peers::{reference_data, reference_model, train_single};
use batchlab::plan::{TrainingPlan, updates_per_epoch};
use batchlab::schema::{EpochRecord, IterationRecord, NoiseRecord};
use batchlab::spec::LastBatch;
use batchlab::sweep::memory::{self, Counting};
use batchlab::train::Recorder;

// The library leaves the allocator alone; this test binary counts allocations per thread.
#[global_allocator]
static GLOBAL: Counting = Counting;

/// Receives every record and keeps nothing, so it allocates nothing itself.
struct Discard;

impl Recorder for Discard {
    fn iteration(&mut self, record: &IterationRecord) -> Result<()> {
        std::hint::black_box(record);
        Ok(())
    }
    fn epoch(&mut self, record: &EpochRecord) -> Result<()> {
        std::hint::black_box(record);
        Ok(())
    }
    fn noise(&mut self, rows: &[NoiseRecord]) -> Result<()> {
        std::hint::black_box(rows);
        Ok(())
    }
}

/// Allocations of a run of `epochs` epochs at batch size `b` with `optimizer`, under a warmup and cosine
/// schedule over 4 epochs (the same rates whatever `epochs`, so the two lengths differ only in steps).
fn allocations_of_a_run(b: usize, epochs: u64, optimizer: Settings) -> u64 {
    let data = reference_data().unwrap();
    let (net, init) = reference_model().unwrap();
    // Momentum 0.9 multiplies the effective step by 10: at 0.01 it would blow up (and stop) at B = 1;
    // the adaptive optimisers take steps of about the learning rate per weight.
    let plain = optimizer.kind == Kind::Sgd && optimizer.momentum == 0.0;
    let mut training = TrainingPlan::sgd(epochs, if plain { 0.01 } else { 0.001 });
    training.optimizer = Settings { weight_decay: 1e-4, ..optimizer };
    let schedule =
        Schedule { decay: Decay::Cosine, warmup_epochs: 0.5, final_lr_factor: 0.1, ..Schedule::constant(4) };
    training.schedule = schedule;
    // Epoch-end evaluations only (`TrainingPlan::sgd`), so the two run lengths differ by whole epochs of
    // steps.
    assert_eq!((training.eval_every, training.eval_per_doubling), (0, 0));
    let (result, usage) = memory::usage(|| train_single(&data, &net, &init, b, &training, 0, &mut Discard));
    result.unwrap();
    usage.allocations
}

/// Allocations of one evaluation of the training and test sets (as `train` does after every epoch).
fn allocations_of_an_evaluation() -> u64 {
    let data = reference_data().unwrap();
    let (net, init) = reference_model().unwrap();
    let mut ws = Workspace::new(&net, 256);
    let ((), usage) = memory::usage(|| {
        net.evaluate(&init, &mut ws, &data.train);
        net.evaluate(&init, &mut ws, &data.test);
    });
    usage.allocations
}

#[test]
fn steady_state_training_steps_allocate_nothing() {
    let evaluation = allocations_of_an_evaluation();
    // Two layers: two products forward, two weight gradients and one error propagation per step.
    let products_per_step = 5;
    for b in [1, 7, 32, 1437] {
        let steps = updates_per_epoch(1437, b, LastBatch::Keep).0 as u64;
        let per_step = if b < GEMM_MIN_ROWS { 0 } else { products_per_step };
        let optimizers = [
            Settings::default(),
            Settings { momentum: 0.9, nesterov: true, ..Settings::default() },
            Settings { kind: Kind::Adam, ..Settings::default() },
            Settings { kind: Kind::AdamW, ..Settings::default() },
            Settings { kind: Kind::RmsProp, momentum: 0.5, ..Settings::default() },
        ];
        for optimizer in optimizers {
            let short = allocations_of_a_run(b, 2, optimizer);
            let long = allocations_of_a_run(b, 4, optimizer);
            assert!(short > 0, "the counter sees the run's set-up");
            assert_eq!(long - short, 2 * (evaluation + steps * per_step), "B = {b}, {optimizer:?}");
        }
    }
}
