//! Time to a target: the target itself (given in `[analysis]`, or the best loss every batch size
//! reached), and when a run first reached it, linearly interpolated between epoch checkpoints.

use super::text::significant;
use crate::records::RunRecords;
use crate::schema::EpochRecord;
use serde::{Deserialize, Serialize};

/// What "reached" means.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Target {
    /// Full training loss at or below this.
    pub train_loss: Option<f64>,
    /// Test accuracy at or above this.
    pub test_accuracy: Option<f64>,
    /// True when no target was given and the analysis chose the training loss every batch size reached.
    pub automatic: bool,
}

impl Target {
    /// One line for people: what the target is and where it came from.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(l) = self.train_loss {
            parts.push(format!("training loss ≤ {}", significant(l)));
        }
        if let Some(a) = self.test_accuracy {
            parts.push(format!("test accuracy ≥ {}", significant(a)));
        }
        let what =
            if parts.is_empty() { "none (no run has a finite loss)".into() } else { parts.join(" and ") };
        if self.automatic {
            format!(
                "target: {what}, chosen automatically as the lowest training loss that every batch size \
                 reached with some learning rate in every repeat ([analysis] sets one)"
            )
        } else {
            format!("target: {what}, from [analysis]")
        }
    }
}

/// When a run reached the target; fractional values come from linear interpolation between the last
/// epoch checkpoint before and the first at or past the target.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Reached {
    /// Epochs (passes over the training set).
    pub epochs: f64,
    /// Updates.
    pub steps: f64,
    /// Training examples consumed.
    pub examples: f64,
    /// Training seconds.
    pub seconds: f64,
}

/// The target of `[analysis]`, or when it sets none the automatic one over `runs`.
pub fn choose(train_loss: Option<f64>, test_accuracy: Option<f64>, runs: &[RunRecords]) -> Target {
    if train_loss.is_some() || test_accuracy.is_some() {
        return Target { train_loss, test_accuracy, automatic: false };
    }
    Target { train_loss: automatic_loss(runs), test_accuracy: None, automatic: true }
}

/// The largest over batch sizes of (the smallest over learning rates of (the largest over repeats of the
/// run's lowest finite training loss)): a loss that every batch size reached with its best rate in every
/// repeat.
fn automatic_loss(runs: &[RunRecords]) -> Option<f64> {
    let lowest =
        |r: &RunRecords| r.epochs.iter().map(|e| e.train_loss).filter(|l| l.is_finite()).reduce(f64::min);
    let mut sizes: Vec<usize> = runs.iter().map(|r| r.summary().batch_size).collect();
    sizes.sort_unstable();
    sizes.dedup();
    sizes
        .iter()
        .filter_map(|&b| {
            let of_b: Vec<&RunRecords> = runs.iter().filter(|r| r.summary().batch_size == b).collect();
            let mut rates: Vec<f64> = of_b.iter().map(|r| r.summary().learning_rate).collect();
            rates.sort_by(f64::total_cmp);
            rates.dedup();
            rates
                .iter()
                .filter_map(|&lr| {
                    let repeats = of_b.iter().filter(|r| r.summary().learning_rate == lr);
                    repeats.map(|r| lowest(r)).collect::<Option<Vec<f64>>>()?.into_iter().reduce(f64::max)
                })
                .reduce(f64::min)
        })
        .reduce(f64::max)
}

/// How far past the target a checkpoint is: <= 0 means reached. The train-loss and accuracy conditions
/// are both required when both are set, so a run reaches the target when the later of the two holds.
fn gap(target: &Target, e: &EpochRecord) -> Option<f64> {
    let loss =
        target.train_loss.map(|t| if e.train_loss.is_finite() { e.train_loss - t } else { f64::INFINITY });
    let accuracy = target.test_accuracy.map(|t| t - e.test_accuracy.unwrap_or(f64::NEG_INFINITY));
    match (loss, accuracy) {
        (Some(l), Some(a)) => Some(l.max(a)),
        (l, a) => l.or(a),
    }
}

/// The first time the epoch records `epochs` reach `target`, with `examples_per_epoch` to turn epochs
/// into examples; None when never. Between checkpoints k-1 (not reached) and k (reached) every quantity is
/// interpolated linearly at the fraction f of the way where the criterion crosses the target; with both
/// criteria set, each is interpolated and the later crossing counts.
pub fn reached(target: &Target, epochs: &[EpochRecord], examples_per_epoch: f64) -> Option<Reached> {
    let k = epochs.iter().position(|e| gap(target, e).is_some_and(|g| g <= 0.0))?;
    let at = |e: &EpochRecord, f: f64, prev: &EpochRecord| {
        let lerp = |a: f64, b: f64| a + f * (b - a);
        let epoch = lerp(prev.epoch as f64, e.epoch as f64);
        Reached {
            epochs: epoch,
            steps: lerp(prev.updates as f64, e.updates as f64),
            examples: epoch * examples_per_epoch,
            seconds: lerp(prev.train_time_s, e.train_time_s),
        }
    };
    let now = &epochs[k];
    if k == 0 {
        return Some(at(now, 0.0, now));
    }
    let prev = &epochs[k - 1];
    Some(at(now, crossing(target, prev, now), prev))
}

/// The fraction of the way from `prev` to `now` where the later of the set criteria crosses its target.
fn crossing(target: &Target, prev: &EpochRecord, now: &EpochRecord) -> f64 {
    let fraction = |before: f64, after: f64, goal: f64| {
        if before == after || !before.is_finite() {
            1.0
        } else {
            ((before - goal) / (before - after)).clamp(0.0, 1.0)
        }
    };
    let loss = target.train_loss.map(|t| fraction(prev.train_loss, now.train_loss, t));
    let accuracy = target.test_accuracy.map(|t| {
        let (a, b) = (prev.test_accuracy.unwrap_or(f64::NAN), now.test_accuracy.unwrap_or(f64::NAN));
        fraction(a, b, t)
    });
    loss.into_iter().chain(accuracy).fold(0.0, f64::max)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn epoch(epoch: u64, loss: f64, accuracy: f64) -> EpochRecord {
        EpochRecord {
            epoch,
            train_loss: loss,
            train_accuracy: None,
            test_loss: None,
            test_accuracy: Some(accuracy),
            updates: 10 * epoch,
            train_time_s: 0.5 * epoch as f64,
            eval_time_s: 0.0,
            update_cos_mean: None,
            grad_norm_mean: None,
        }
    }

    fn curve() -> Vec<EpochRecord> {
        // 10 updates and 0.5 s an epoch.
        vec![epoch(0, 2.0, 0.1), epoch(1, 1.0, 0.6), epoch(2, 0.6, 0.8), epoch(3, 0.2, 0.9)]
    }

    #[test]
    fn a_loss_target_between_checkpoints_is_interpolated_linearly() {
        // 0.5 lies a quarter of the way from 0.6 (epoch 2) to 0.2 (epoch 3): epoch 2.25, 22.5 updates,
        // 1.125 s, and with 100 examples an epoch 225 examples.
        let t = Target { train_loss: Some(0.5), test_accuracy: None, automatic: false };
        let r = reached(&t, &curve(), 100.0).unwrap();
        for (got, want) in [(r.epochs, 2.25), (r.steps, 22.5), (r.seconds, 1.125), (r.examples, 225.0)] {
            assert!((got - want).abs() < 1e-12, "{got} != {want}");
        }
    }

    #[test]
    fn with_both_targets_the_later_crossing_counts() {
        // Loss 1.5 is crossed half way through epoch 1; accuracy 0.7 half way through epoch 2: 1.5 epochs.
        let t = Target { train_loss: Some(1.5), test_accuracy: Some(0.7), automatic: false };
        let epochs = reached(&t, &curve(), 1.0).unwrap().epochs;
        assert!((epochs - 1.5).abs() < 1e-12, "{epochs}");
    }

    #[test]
    fn a_target_met_at_the_start_takes_no_time_and_one_never_met_is_none() {
        let easy = Target { train_loss: Some(3.0), test_accuracy: None, automatic: false };
        assert_eq!(reached(&easy, &curve(), 1.0).unwrap().steps, 0.0);
        let hard = Target { train_loss: Some(0.1), test_accuracy: None, automatic: false };
        assert_eq!(reached(&hard, &curve(), 1.0), None);
    }
}
