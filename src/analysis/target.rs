//! Time to a target: the target itself (given in `[analysis]`, or chosen from the healthy runs), when a run
//! first reached it (interpolated between the evaluation checkpoints around the crossing), and the
//! warnings that say when a target cannot be measured well.
//!
//! The automatic target: for each batch size take its healthy learning rate with the lowest mean final
//! training loss and, over that rate's repeats, the highest of their lowest losses L_b (every repeat got
//! below it). The slowest batch size has the largest L_b. The target is the loss at which it has made 90 %
//! of its progress from the initial loss L_0 in log scale, T = L_0^0.1 L_max^0.9: every batch size reaches
//! it, it never comes from a failed run, and it lies well below L_0 whenever the slowest batch size learned.

use super::checkpoints::{Checkpoint, lerp};
use super::stats;
use super::text::significant;
use serde::{Deserialize, Serialize};

/// Share of the slowest batch size's log-scale progress the automatic target asks for.
pub const PROGRESS: f64 = 0.9;

/// What "reached" means.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Target {
    /// Full training loss at or below this.
    pub train_loss: Option<f64>,
    /// Test accuracy at or above this.
    pub test_accuracy: Option<f64>,
    /// True when no target was given and the analysis chose one.
    pub automatic: bool,
    /// How the automatic target was chosen, with its numbers; or why there is none.
    pub basis: String,
}

impl Target {
    /// The target of `[analysis]`.
    pub fn given(train_loss: Option<f64>, test_accuracy: Option<f64>) -> Target {
        Target { train_loss, test_accuracy, automatic: false, basis: "from [analysis]".into() }
    }

    /// Whether there is anything to reach.
    pub fn is_set(&self) -> bool {
        self.train_loss.is_some() || self.test_accuracy.is_some()
    }

    /// One line for people: what the target is and where it came from.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(l) = self.train_loss {
            parts.push(format!("training loss ≤ {}", significant(l)));
        }
        if let Some(a) = self.test_accuracy {
            parts.push(format!("test accuracy ≥ {}", significant(a)));
        }
        if parts.is_empty() {
            return format!("target: none ({})", self.basis);
        }
        format!("target: {}, {}", parts.join(" and "), self.basis)
    }
}

/// A batch size's healthy evidence for the automatic target: the lowest loss every repeat of its best
/// rate reached, and the initial losses of those repeats.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Progress {
    /// Examples per update.
    pub batch_size: usize,
    /// The highest over repeats of each repeat's lowest training loss, at the batch size's best rate.
    pub reached_loss: f64,
    /// The mean initial training loss of those repeats.
    pub initial_loss: f64,
}

/// The automatic target from each batch size's progress, or a target with no criterion saying why.
pub fn automatic(progress: &[Progress]) -> Target {
    let none = |basis: String| Target { train_loss: None, test_accuracy: None, automatic: true, basis };
    let Some(slowest) = progress.iter().copied().max_by(|a, b| a.reached_loss.total_cmp(&b.reached_loss))
    else {
        return none(
            "no batch size has a learning rate at which every repeat trained without failing".into(),
        );
    };
    let l0 = stats::mean(&progress.iter().map(|p| p.initial_loss).collect::<Vec<_>>()).unwrap_or(f64::NAN);
    if !(slowest.reached_loss > 0.0 && slowest.reached_loss < l0) {
        return none(format!(
            "B = {} never got below its initial training loss {}",
            slowest.batch_size,
            significant(l0)
        ));
    }
    let t = (l0.ln() + PROGRESS * (slowest.reached_loss.ln() - l0.ln())).exp();
    Target {
        train_loss: Some(t),
        test_accuracy: None,
        automatic: true,
        basis: format!(
            "chosen automatically: {:.0} % of the way in log scale from the initial loss {} to {}, the loss \
             every repeat of the slowest batch size (B = {}) reached at its best rate ([analysis] sets one)",
            100.0 * PROGRESS,
            significant(l0),
            significant(slowest.reached_loss),
            slowest.batch_size
        ),
    }
}

/// When a run reached the target; between the last checkpoint before and the first at or past it every
/// quantity is interpolated linearly at the fraction where the criterion crosses.
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
    /// Test minus training loss there (with a test split).
    pub gap: Option<f64>,
    /// Updates at the first evaluation after training began: a target reached by then is measured no
    /// better than "within the first evaluation".
    pub first_evaluation: f64,
}

/// How far past the target a checkpoint is: <= 0 means reached; both criteria must hold when both are set.
fn shortfall(target: &Target, c: &Checkpoint) -> Option<f64> {
    let loss =
        target.train_loss.map(|t| if c.train_loss.is_finite() { c.train_loss - t } else { f64::INFINITY });
    let accuracy = target.test_accuracy.map(|t| t - c.test_accuracy.unwrap_or(f64::NEG_INFINITY));
    match (loss, accuracy) {
        (Some(l), Some(a)) => Some(l.max(a)),
        (l, a) => l.or(a),
    }
}

/// The first time `checkpoints` reach `target`; None when never.
pub fn reached(target: &Target, checkpoints: &[Checkpoint]) -> Option<Reached> {
    let k = checkpoints.iter().position(|c| shortfall(target, c).is_some_and(|g| g <= 0.0))?;
    let now = checkpoints[k];
    let prev = if k == 0 { now } else { checkpoints[k - 1] };
    let f = if k == 0 { 0.0 } else { crossing(target, &prev, &now) };
    let gap = |c: &Checkpoint| c.test_loss.map(|t| t - c.train_loss);
    Some(Reached {
        epochs: lerp(prev.epoch, now.epoch, f),
        steps: lerp(prev.update, now.update, f),
        examples: lerp(prev.examples, now.examples, f),
        seconds: lerp(prev.seconds, now.seconds, f),
        gap: gap(&prev).zip(gap(&now)).map(|(a, b)| lerp(a, b, f)),
        first_evaluation: checkpoints.get(1).map_or(0.0, |c| c.update),
    })
}

/// The fraction of the way from `prev` to `now` where the later of the set criteria crosses its target.
fn crossing(target: &Target, prev: &Checkpoint, now: &Checkpoint) -> f64 {
    let fraction = |before: f64, after: f64, goal: f64| {
        if before == after || !before.is_finite() {
            1.0
        } else {
            ((before - goal) / (before - after)).clamp(0.0, 1.0)
        }
    };
    let loss = target.train_loss.map(|t| fraction(prev.train_loss, now.train_loss, t));
    let accuracy = target
        .test_accuracy
        .map(|t| fraction(prev.test_accuracy.unwrap_or(f64::NAN), now.test_accuracy.unwrap_or(f64::NAN), t));
    loss.into_iter().chain(accuracy).fold(0.0, f64::max)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(update: f64, loss: f64, accuracy: f64) -> Checkpoint {
        Checkpoint {
            update,
            epoch: update / 10.0,
            examples: update * 4.0,
            seconds: update * 0.05,
            train_loss: loss,
            test_loss: Some(loss + 0.1 * update / 10.0),
            test_accuracy: Some(accuracy),
        }
    }

    fn curve() -> Vec<Checkpoint> {
        vec![point(0.0, 2.0, 0.1), point(10.0, 1.0, 0.6), point(20.0, 0.6, 0.8), point(30.0, 0.2, 0.9)]
    }

    #[test]
    fn a_loss_target_between_checkpoints_is_interpolated_linearly() {
        // 0.5 lies a quarter of the way from 0.6 (update 20) to 0.2 (update 30): 22.5 updates, 2.25 epochs,
        // 90 examples, 1.125 s; the gap grows 0.2 -> 0.3 over that stretch, 0.225 there.
        let r = reached(&Target::given(Some(0.5), None), &curve()).unwrap();
        for (got, want) in [
            (r.steps, 22.5),
            (r.epochs, 2.25),
            (r.examples, 90.0),
            (r.seconds, 1.125),
            (r.gap.unwrap(), 0.225),
        ] {
            assert!((got - want).abs() < 1e-12, "{got} != {want}");
        }
        assert_eq!(r.first_evaluation, 10.0);
    }

    #[test]
    fn with_both_targets_the_later_crossing_counts() {
        // Loss 1.5 is crossed half way to update 10; accuracy 0.7 half way from 10 to 20: update 15.
        let steps = reached(&Target::given(Some(1.5), Some(0.7)), &curve()).unwrap().steps;
        assert!((steps - 15.0).abs() < 1e-12, "{steps}");
    }

    #[test]
    fn a_target_met_at_the_start_takes_no_time_and_one_never_met_is_none() {
        assert_eq!(reached(&Target::given(Some(3.0), None), &curve()).unwrap().steps, 0.0);
        assert_eq!(reached(&Target::given(Some(0.1), None), &curve()), None);
    }

    #[test]
    fn the_automatic_target_is_ninety_percent_of_the_slowest_progress_in_log_scale() {
        // L_0 = e^1 for both; the slowest reached e^-1: ln T = 1 + 0.9 (-1 - 1) = -0.8.
        let e = std::f64::consts::E;
        let progress = [
            Progress { batch_size: 1, reached_loss: e.powi(-3), initial_loss: e },
            Progress { batch_size: 64, reached_loss: 1.0 / e, initial_loss: e },
        ];
        let t = automatic(&progress);
        assert!((t.train_loss.unwrap() - (-0.8f64).exp()).abs() < 1e-12, "{t:?}");
        assert!(t.basis.contains("B = 64"), "{}", t.basis);
        let stuck = automatic(&[Progress { batch_size: 8, reached_loss: e, initial_loss: e }]);
        assert_eq!(stuck.train_loss, None);
        assert!(automatic(&[]).basis.contains("no batch size"));
    }
}
