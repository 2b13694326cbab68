//! The learning rate of each batch size, as Shallue et al. 2018 tune it ("Measuring the Effects of Data
//! Parallelism on Neural Network Training"): of the rates every repeat of which trained without failing
//! and reached the target, the one with the fewest mean steps; when none reached it, the one with the
//! lowest mean final training loss. A rate is *tuned* only when at least three were tried and the chosen one
//! is not at an edge of the grid (a failed rate beyond it counts as worse, so it brackets the optimum).

use super::run::RunAnalysis;
use serde::{Deserialize, Serialize};

/// How the rate of a batch size was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Choice {
    /// Fewest mean steps to the target among the rates every repeat of which reached it.
    FewestSteps,
    /// No rate reached the target in every repeat: lowest mean final training loss.
    LowestLoss,
    /// Every rate tried failed in at least one repeat: nothing to choose.
    NoHealthyRate,
}

/// Whether the chosen rate is the optimum of its grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tuning {
    /// At least three rates, the chosen one inside the grid: the optimum is bracketed.
    Bracketed,
    /// One rate was tried: not tuned.
    SingleRate,
    /// The chosen rate is the largest tried: a larger one may be better.
    TopEdge,
    /// The chosen rate is the smallest tried: a smaller one may be better.
    BottomEdge,
    /// No rate trained without failing.
    Unusable,
}

/// The chosen rate of the runs of one batch size, and how; `None` when every rate failed somewhere.
pub fn choose(runs: &[&RunAnalysis]) -> (Option<f64>, Choice) {
    let rates = rates(runs);
    let of = |lr: f64| runs.iter().filter(move |r| r.learning_rate == lr);
    let healthy: Vec<f64> = rates.iter().copied().filter(|&lr| of(lr).all(|r| !r.failed)).collect();
    let steps = |lr: f64| of(lr).map(|r| r.steps_to_target).collect::<Option<Vec<f64>>>().map(|v| mean(&v));
    let by_steps =
        healthy.iter().filter_map(|&lr| steps(lr).map(|s| (lr, s))).min_by(|a, b| a.1.total_cmp(&b.1));
    if let Some((lr, _)) = by_steps {
        return (Some(lr), Choice::FewestSteps);
    }
    let loss = |lr: f64| mean(&of(lr).map(|r| r.final_train_loss).collect::<Vec<f64>>());
    match healthy.iter().copied().min_by(|a, b| loss(*a).total_cmp(&loss(*b))) {
        Some(lr) => (Some(lr), Choice::LowestLoss),
        None => (None, Choice::NoHealthyRate),
    }
}

/// Whether `chosen` is bracketed by the `tried` rates.
pub fn tuning(chosen: Option<f64>, tried: &[f64]) -> Tuning {
    let Some(lr) = chosen else { return Tuning::Unusable };
    match tried.len() {
        1 => Tuning::SingleRate,
        _ if tried.last() == Some(&lr) => Tuning::TopEdge,
        _ if tried.first() == Some(&lr) => Tuning::BottomEdge,
        2 => Tuning::TopEdge,
        _ => Tuning::Bracketed,
    }
}

/// The distinct rates of `runs`, smallest first.
pub fn rates(runs: &[&RunAnalysis]) -> Vec<f64> {
    let mut rates: Vec<f64> = runs.iter().map(|r| r.learning_rate).collect();
    rates.sort_by(f64::total_cmp);
    rates.dedup();
    rates
}

fn mean(v: &[f64]) -> f64 {
    super::stats::mean(v).unwrap_or(f64::NAN)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(lr: f64, repeat: u64, steps: Option<f64>, final_loss: f64, failed: bool) -> RunAnalysis {
        RunAnalysis {
            run_id: format!("lr{lr}-rep{repeat}"),
            repeat,
            batch_size: 8,
            batch_label: "8".into(),
            learning_rate: lr,
            updates_per_epoch: 10,
            failed,
            diverged: failed,
            failure: None,
            stopped_at_target: false,
            epochs_to_target: steps.map(|s| s / 10.0),
            steps_to_target: steps,
            examples_to_target: steps.map(|s| s * 8.0),
            seconds_to_target: steps.map(|s| s / 1000.0),
            reached_at_first_evaluation: false,
            initial_train_loss: 2.3,
            final_train_loss: final_loss,
            final_test_loss: None,
            final_test_accuracy: None,
            epoch_roughness: None,
            update_noise: None,
            gap_at_target: None,
            b_simple_at_target: None,
            final_sharpness: None,
            sharpness_at_target: None,
            threshold_ratio: None,
            peak_bytes: None,
            analytic_bytes: None,
        }
    }

    #[test]
    fn the_rate_with_fewest_mean_steps_wins_and_one_missed_repeat_disqualifies_a_rate() {
        // lr 0.4 is fastest in repeat 0 (50 steps) but repeat 1 never reached: out. lr 0.2 averages
        // (80 + 100)/2 = 90 steps, lr 0.1 averages 150: 0.2 wins, bracketed by 0.1 and 0.4.
        let runs = [
            run(0.1, 0, Some(140.0), 0.1, false),
            run(0.1, 1, Some(160.0), 0.1, false),
            run(0.2, 0, Some(80.0), 0.1, false),
            run(0.2, 1, Some(100.0), 0.1, false),
            run(0.4, 0, Some(50.0), 0.1, false),
            run(0.4, 1, None, 0.1, false),
        ];
        let refs: Vec<&RunAnalysis> = runs.iter().collect();
        assert_eq!(choose(&refs), (Some(0.2), Choice::FewestSteps));
        assert_eq!(tuning(Some(0.2), &rates(&refs)), Tuning::Bracketed);
    }

    #[test]
    fn a_failed_repeat_disqualifies_its_rate_and_a_failed_rate_above_brackets_the_optimum() {
        let runs = [
            run(0.1, 0, Some(140.0), 0.1, false),
            run(0.2, 0, Some(80.0), 0.1, false),
            run(0.4, 0, None, f64::NAN, true),
        ];
        let refs: Vec<&RunAnalysis> = runs.iter().collect();
        assert_eq!(choose(&refs), (Some(0.2), Choice::FewestSteps));
        assert_eq!(tuning(Some(0.2), &rates(&refs)), Tuning::Bracketed);
    }

    #[test]
    fn edges_and_single_rates_are_not_tuned() {
        assert_eq!(tuning(Some(0.4), &[0.1, 0.2, 0.4]), Tuning::TopEdge);
        assert_eq!(tuning(Some(0.1), &[0.1, 0.2, 0.4]), Tuning::BottomEdge);
        assert_eq!(tuning(Some(0.1), &[0.1]), Tuning::SingleRate);
        assert_eq!(tuning(None, &[0.1, 0.2]), Tuning::Unusable);
    }

    #[test]
    fn without_any_rate_reaching_the_target_the_lowest_final_loss_stands_in_and_failures_never_win() {
        let runs =
            [run(0.1, 0, None, 0.5, false), run(0.2, 0, None, 0.3, false), run(0.4, 0, None, 0.01, true)];
        let refs: Vec<&RunAnalysis> = runs.iter().collect();
        assert_eq!(choose(&refs), (Some(0.2), Choice::LowestLoss));
        let all_failed = [run(0.1, 0, None, f64::NAN, true)];
        assert_eq!(choose(&all_failed.iter().collect::<Vec<_>>()), (None, Choice::NoHealthyRate));
    }
}
