//! A run's evaluations of the whole training and test sets as one series: evals.csv when the run wrote it
//! (every scheduled update and epoch end), else epochs.csv (folders written before evals.csv existed).

use crate::records::RunRecords;

/// One evaluation of a run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Checkpoint {
    /// Updates made.
    pub update: f64,
    /// Passes over the training set made.
    pub epoch: f64,
    /// Training examples consumed.
    pub examples: f64,
    /// Training seconds so far.
    pub seconds: f64,
    /// Mean training loss (NaN once the run diverged).
    pub train_loss: f64,
    /// Mean test loss, with a test split.
    pub test_loss: Option<f64>,
    /// Test accuracy, for classification with a test split.
    pub test_accuracy: Option<f64>,
}

/// The run's checkpoints in update order.
pub fn checkpoints(run: &RunRecords) -> Vec<Checkpoint> {
    if let Some(evals) = run.evals.as_ref().filter(|e| !e.is_empty()) {
        return evals
            .iter()
            .map(|e| Checkpoint {
                update: e.update as f64,
                epoch: e.epoch,
                examples: e.examples_seen as f64,
                seconds: e.train_time_s,
                train_loss: e.train_loss,
                test_loss: e.test_loss,
                test_accuracy: e.test_accuracy,
            })
            .collect();
    }
    let s = run.summary();
    let per_epoch = (s.updates_per_epoch.saturating_sub(1) * s.batch_size + s.last_batch_size) as f64;
    run.epochs
        .iter()
        .map(|e| Checkpoint {
            update: e.updates as f64,
            epoch: e.epoch as f64,
            examples: e.epoch as f64 * per_epoch,
            seconds: e.train_time_s,
            train_loss: e.train_loss,
            test_loss: e.test_loss,
            test_accuracy: e.test_accuracy,
        })
        .collect()
}

/// `a + f (b - a)`.
pub fn lerp(a: f64, b: f64, f: f64) -> f64 {
    a + f * (b - a)
}

/// The value of a series given at (update, value) points, at `update`, interpolated linearly in
/// log(update + 1) between the points around it (noise and evaluation checkpoints fall at roughly
/// logarithmic spacing, so this follows them); `None` outside the points' range or with no point.
pub fn at_update(points: &[(f64, f64)], update: f64) -> Option<f64> {
    let k = points.iter().position(|p| p.0 >= update)?;
    if points[k].0 == update || k == 0 {
        return (points[k].0 == update).then_some(points[k].1);
    }
    let (a, b) = (points[k - 1], points[k]);
    let x = |u: f64| (u + 1.0).ln();
    let f = (x(update) - x(a.0)) / (x(b.0) - x(a.0));
    Some(lerp(a.1, b.1, f))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interpolation_in_log_updates_hits_the_points_and_the_geometric_middle() {
        let points = [(0.0, 10.0), (3.0, 4.0), (15.0, 1.0)];
        assert_eq!(at_update(&points, 3.0), Some(4.0));
        // log(u + 1): 3 -> ln 4, 15 -> ln 16; u = 7 sits at ln 8, half way: 2.5.
        assert!((at_update(&points, 7.0).unwrap() - 2.5).abs() < 1e-12);
        assert_eq!(at_update(&points, 16.0), None);
        assert_eq!(at_update(&[], 1.0), None);
    }
}
