//! The learning rate of each batch size: of the rates tried, the one that reached the target in the
//! fewest steps, the protocol of Shallue et al. 2018 ("Measuring the Effects of Data Parallelism on Neural
//! Network Training"). A rate counts only when every repeat reached the target; its steps are the mean
//! over repeats. When no rate reached it, the rate with the lowest mean final training loss stands in.
//! Then one row per batch size: the means over that rate's repeats. A row of analysis.csv.

use super::run::RunAnalysis;
use super::stats;
use serde::{Deserialize, Serialize};

/// How the rate of a batch size was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Choice {
    /// Fewest steps to the target among the rates every repeat of which reached it.
    FewestSteps,
    /// No rate reached the target: lowest mean final training loss.
    LowestLoss,
}

/// The answers for one batch size, at its chosen learning rate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchAnalysis {
    /// Examples per update.
    pub batch_size: usize,
    /// `32` or `full`.
    pub batch_label: String,
    /// The chosen learning rate.
    pub learning_rate: f64,
    /// How it was chosen.
    pub chosen_by: Choice,
    /// Learning rates tried at this batch size.
    pub rates_tried: usize,
    /// Updates per epoch.
    pub updates_per_epoch: usize,
    /// Repeats at the chosen rate.
    pub repeats: usize,
    /// Of them, how many reached the target.
    pub repeats_reached: usize,
    /// Mean epochs to the target over the repeats (only when all reached).
    pub epochs_to_target: Option<f64>,
    /// Mean updates to the target.
    pub steps_to_target: Option<f64>,
    /// Mean training examples to the target.
    pub examples_to_target: Option<f64>,
    /// Mean training seconds to the target.
    pub seconds_to_target: Option<f64>,
    /// Mean final training loss.
    pub final_train_loss: Option<f64>,
    /// Mean, lowest and highest final test loss over repeats.
    pub final_test_loss: Option<f64>,
    /// Lowest final test loss over repeats.
    pub final_test_loss_min: Option<f64>,
    /// Highest final test loss over repeats.
    pub final_test_loss_max: Option<f64>,
    /// Mean final test accuracy.
    pub final_test_accuracy: Option<f64>,
    /// Lowest final test accuracy over repeats.
    pub final_test_accuracy_min: Option<f64>,
    /// Highest final test accuracy over repeats.
    pub final_test_accuracy_max: Option<f64>,
    /// Mean total-variation ratio of the per-epoch training loss.
    pub epoch_tv_ratio: Option<f64>,
    /// Mean share of epochs whose loss rose.
    pub epoch_up_fraction: Option<f64>,
    /// Mean total-variation ratio of the per-iteration loss.
    pub iteration_tv_ratio: Option<f64>,
    /// Mean share of updates whose loss rose.
    pub iteration_up_fraction: Option<f64>,
    /// Mean std of the per-iteration loss around its moving average.
    pub iteration_residual_std: Option<f64>,
    /// Mean measured peak bytes.
    pub peak_bytes: Option<f64>,
    /// Analytic bytes.
    pub analytic_bytes: Option<f64>,
    /// Mean B_simple over checkpoints before the target.
    pub b_simple: Option<f64>,
}

/// One row per batch size, smallest first.
pub fn per_batch_size(runs: &[RunAnalysis]) -> Vec<BatchAnalysis> {
    let mut sizes: Vec<usize> = runs.iter().map(|r| r.batch_size).collect();
    sizes.sort_unstable();
    sizes.dedup();
    sizes.iter().map(|&b| batch(runs.iter().filter(|r| r.batch_size == b).collect())).collect()
}

/// The chosen rate of the runs of one batch size, and how.
pub fn choose(runs: &[&RunAnalysis]) -> (f64, Choice) {
    let mut rates: Vec<f64> = runs.iter().map(|r| r.learning_rate).collect();
    rates.sort_by(f64::total_cmp);
    rates.dedup();
    let of = |lr: f64| runs.iter().filter(move |r| r.learning_rate == lr);
    let steps = |lr: f64| of(lr).map(|r| r.steps_to_target).collect::<Option<Vec<f64>>>().map(|v| mean(&v));
    let by_steps =
        rates.iter().filter_map(|&lr| steps(lr).map(|s| (lr, s))).min_by(|a, b| a.1.total_cmp(&b.1));
    if let Some((lr, _)) = by_steps {
        return (lr, Choice::FewestSteps);
    }
    let loss = |lr: f64| {
        let v: Vec<f64> = of(lr).map(|r| r.final_train_loss).collect();
        if v.iter().all(|l| l.is_finite()) { mean(&v) } else { f64::INFINITY }
    };
    let lr = rates.iter().copied().min_by(|a, b| loss(*a).total_cmp(&loss(*b))).unwrap_or(f64::NAN);
    (lr, Choice::LowestLoss)
}

fn batch(runs: Vec<&RunAnalysis>) -> BatchAnalysis {
    let (lr, chosen_by) = choose(&runs);
    let rates_tried = {
        let mut r: Vec<u64> = runs.iter().map(|r| r.learning_rate.to_bits()).collect();
        r.sort_unstable();
        r.dedup();
        r.len()
    };
    let at: Vec<&RunAnalysis> = runs.into_iter().filter(|r| r.learning_rate == lr).collect();
    let all = |f: fn(&RunAnalysis) -> Option<f64>| at.iter().map(|r| f(r)).collect::<Option<Vec<f64>>>();
    let some = |f: fn(&RunAnalysis) -> Option<f64>| -> Vec<f64> { at.iter().filter_map(|r| f(r)).collect() };
    let avg = |f: fn(&RunAnalysis) -> Option<f64>| stats::mean(&some(f));
    let test_loss = some(|r| r.final_test_loss);
    let test_acc = some(|r| r.final_test_accuracy);
    BatchAnalysis {
        batch_size: at[0].batch_size,
        batch_label: at[0].batch_label.clone(),
        learning_rate: lr,
        chosen_by,
        rates_tried,
        updates_per_epoch: at[0].updates_per_epoch,
        repeats: at.len(),
        repeats_reached: at.iter().filter(|r| r.reached()).count(),
        epochs_to_target: all(|r| r.epochs_to_target).map(|v| mean(&v)),
        steps_to_target: all(|r| r.steps_to_target).map(|v| mean(&v)),
        examples_to_target: all(|r| r.examples_to_target).map(|v| mean(&v)),
        seconds_to_target: all(|r| r.seconds_to_target).map(|v| mean(&v)),
        final_train_loss: avg(|r| Some(r.final_train_loss).filter(|l| l.is_finite())),
        final_test_loss: stats::mean(&test_loss),
        final_test_loss_min: test_loss.iter().copied().reduce(f64::min),
        final_test_loss_max: test_loss.iter().copied().reduce(f64::max),
        final_test_accuracy: stats::mean(&test_acc),
        final_test_accuracy_min: test_acc.iter().copied().reduce(f64::min),
        final_test_accuracy_max: test_acc.iter().copied().reduce(f64::max),
        epoch_tv_ratio: avg(|r| r.epoch_tv_ratio),
        epoch_up_fraction: avg(|r| r.epoch_up_fraction),
        iteration_tv_ratio: avg(|r| r.iteration_tv_ratio),
        iteration_up_fraction: avg(|r| r.iteration_up_fraction),
        iteration_residual_std: avg(|r| r.iteration_residual_std),
        peak_bytes: avg(|r| r.peak_bytes.map(|b| b as f64)),
        analytic_bytes: avg(|r| r.analytic_bytes.map(|b| b as f64)),
        b_simple: avg(|r| r.b_simple),
    }
}

fn mean(v: &[f64]) -> f64 {
    stats::mean(v).unwrap_or(f64::NAN)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(lr: f64, repeat: u64, steps: Option<f64>, final_loss: f64) -> RunAnalysis {
        RunAnalysis {
            run_id: format!("lr{lr}-rep{repeat}"),
            repeat,
            batch_size: 8,
            batch_label: "8".into(),
            learning_rate: lr,
            updates_per_epoch: 10,
            epochs_to_target: steps.map(|s| s / 10.0),
            steps_to_target: steps,
            examples_to_target: steps.map(|s| s * 8.0),
            seconds_to_target: steps.map(|s| s / 1000.0),
            final_train_loss: final_loss,
            final_test_loss: None,
            final_test_accuracy: None,
            epoch_tv_ratio: None,
            epoch_up_fraction: None,
            iteration_tv_ratio: None,
            iteration_up_fraction: None,
            iteration_residual_std: None,
            b_simple: None,
            peak_bytes: None,
            analytic_bytes: None,
            diverged: false,
            failed: false,
        }
    }

    #[test]
    fn the_rate_with_fewest_mean_steps_wins_and_one_missed_repeat_disqualifies_a_rate() {
        // lr 0.4 is fastest in repeat 0 (50 steps) but repeat 1 never reached: out. lr 0.2 averages
        // (80 + 100)/2 = 90 steps, lr 0.1 averages 150: 0.2 wins.
        let runs = [
            run(0.1, 0, Some(140.0), 0.1),
            run(0.1, 1, Some(160.0), 0.1),
            run(0.2, 0, Some(80.0), 0.1),
            run(0.2, 1, Some(100.0), 0.1),
            run(0.4, 0, Some(50.0), 0.1),
            run(0.4, 1, None, 0.1),
        ];
        let refs: Vec<&RunAnalysis> = runs.iter().collect();
        assert_eq!(choose(&refs), (0.2, Choice::FewestSteps));
        let row = &per_batch_size(&runs)[0];
        assert_eq!((row.steps_to_target, row.repeats_reached, row.rates_tried), (Some(90.0), 2, 3));
    }

    #[test]
    fn without_any_rate_reaching_the_target_the_lowest_final_loss_stands_in_and_divergence_loses() {
        let runs = [run(0.1, 0, None, 0.5), run(0.2, 0, None, 0.3), run(0.4, 0, None, f64::NAN)];
        let refs: Vec<&RunAnalysis> = runs.iter().collect();
        assert_eq!(choose(&refs), (0.2, Choice::LowestLoss));
    }
}
