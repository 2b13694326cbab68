//! Evaluations of the whole training and test sets during a run: when they fall (before training, on a
//! schedule in updates, at every epoch end), what they measure, and the two reasons they can end a run
//! early: divergence, and reaching the target when `analysis.stop_at_target` asks for it.

use super::Context;
use crate::nn::Evaluation;
use crate::nn::network::Workspace;
use crate::schema::{EvalRecord, Seconds};
use crate::spec::Task;

/// A run whose training loss rises above this many times its initial loss has diverged: no learning rate
/// worth comparing ever gets there, and a run that keeps going wastes the sweep's time (and can reach
/// 1e36 before overflowing).
pub const BLOWUP: f64 = 100.0;

/// The updates after which a run evaluates, besides epoch ends: multiples of `every`, and 2^(k / n)
/// rounded for n = `per_doubling`, k = 0, 1, ...
#[derive(Debug, Clone)]
pub struct EvalSchedule {
    every: u64,
    per_doubling: u64,
    k: u64,
    next_log: u64,
}

impl EvalSchedule {
    /// The schedule for `every` (0: none) and `per_doubling` (0: none).
    pub fn new(every: u64, per_doubling: u64) -> Self {
        EvalSchedule { every, per_doubling, k: 0, next_log: if per_doubling > 0 { 1 } else { u64::MAX } }
    }

    /// Whether to evaluate after update `update`; call with every update count in increasing order.
    pub fn due(&mut self, update: u64) -> bool {
        let fixed = self.every > 0 && update.is_multiple_of(self.every);
        let log = update >= self.next_log;
        while self.next_log <= update {
            self.k += 1;
            self.next_log = 2f64.powf(self.k as f64 / self.per_doubling as f64).round() as u64;
        }
        fixed || log
    }
}

/// The target a run stops at, when it stops at one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StopTarget {
    /// Training loss at or below.
    pub train_loss: Option<f64>,
    /// Test accuracy at or above.
    pub test_accuracy: Option<f64>,
}

impl StopTarget {
    /// Whether `e` meets every criterion that is set.
    pub fn reached(&self, e: &EvalRecord) -> bool {
        let loss = self.train_loss.is_none_or(|t| e.train_loss <= t);
        let accuracy = self.test_accuracy.is_none_or(|t| e.test_accuracy.is_some_and(|a| a >= t));
        loss && accuracy
    }
}

/// Evaluates the training and test sets at `params`: (the record, seconds it took).
pub fn evaluate(
    ctx: &Context<'_>,
    params: &[f32],
    ws: &mut Workspace,
    update: u64,
    examples_seen: u64,
    train_time_s: Seconds,
) -> (EvalRecord, Seconds) {
    let started = std::time::Instant::now();
    let classify = ctx.data.task == Task::Classification;
    let train = ctx.net.evaluate(params, ws, &ctx.data.train);
    let test = (!ctx.data.test.is_empty()).then(|| ctx.net.evaluate(params, ws, &ctx.data.test));
    let accuracy = |e: &Evaluation| classify.then(|| e.accuracy());
    let record = EvalRecord {
        update,
        epoch: examples_seen as f64 / ctx.data.train.len().max(1) as f64,
        examples_seen,
        train_loss: train.mean_loss(),
        train_accuracy: accuracy(&train),
        test_loss: test.as_ref().map(Evaluation::mean_loss),
        test_accuracy: test.as_ref().and_then(accuracy),
        train_time_s,
    };
    (record, started.elapsed().as_secs_f64())
}

/// Whether the training loss of `e` shows divergence: not finite, or above [`BLOWUP`] x `initial`.
pub fn diverged(e: &EvalRecord, initial: f64) -> bool {
    !e.train_loss.is_finite() || (initial.is_finite() && e.train_loss > BLOWUP * initial)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn due_updates(schedule: &mut EvalSchedule, up_to: u64) -> Vec<u64> {
        (1..=up_to).filter(|&u| schedule.due(u)).collect()
    }

    #[test]
    fn four_evaluations_per_doubling_fall_at_the_rounded_powers_of_two() {
        // 2^(k/4) rounded: 1, 1.19, 1.41, 1.68, 2, 2.38, 2.83, 3.36, 4, 4.76, 5.66, 6.73, 8, 9.51, 11.3, 13.5, 16:
        // distinct values 1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 13, 16.
        let due = due_updates(&mut EvalSchedule::new(0, 4), 16);
        assert_eq!(due, vec![1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 13, 16]);
    }

    #[test]
    fn fixed_spacing_and_the_log_schedule_combine_and_zero_turns_both_off() {
        assert_eq!(due_updates(&mut EvalSchedule::new(5, 0), 16), vec![5, 10, 15]);
        assert_eq!(due_updates(&mut EvalSchedule::new(6, 1), 16), vec![1, 2, 4, 6, 8, 12, 16]);
        assert!(due_updates(&mut EvalSchedule::new(0, 0), 1000).is_empty());
    }

    #[test]
    fn a_long_run_evaluates_about_n_times_per_doubling() {
        // 43110 updates (30 epochs of B = 1 on digits) is 15.4 doublings: about 62 evaluations at n = 4.
        let count = due_updates(&mut EvalSchedule::new(0, 4), 43_110).len();
        assert!((55..=66).contains(&count), "{count}");
    }

    #[test]
    fn a_target_needs_every_criterion_that_is_set() {
        let e = EvalRecord {
            update: 1,
            epoch: 0.1,
            examples_seen: 10,
            train_loss: 0.5,
            train_accuracy: None,
            test_loss: None,
            test_accuracy: Some(0.9),
            train_time_s: 0.0,
        };
        let both = StopTarget { train_loss: Some(0.6), test_accuracy: Some(0.95) };
        assert!(!both.reached(&e));
        assert!(StopTarget { train_loss: Some(0.6), test_accuracy: Some(0.85) }.reached(&e));
        assert!(!diverged(&e, 0.01) && diverged(&e, 0.004));
        assert!(diverged(&EvalRecord { train_loss: f64::NAN, ..e }, 1.0));
    }
}
