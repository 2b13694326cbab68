//! Batch-size schedules (Smith et al. 2017, "Don't decay the learning rate, increase the batch size"):
//! the run's batch size is multiplied by `factor` once each milestone's epochs are complete, capped at
//! the training set; within an epoch the batch size is fixed, so an epoch's updates follow
//! `plan::updates_per_epoch` at that epoch's size.

use super::SettingsError;
use super::settings::{MILESTONES, bad_milestone, first_failure};
use crate::plan::updates_per_epoch;
use crate::spec::LastBatch;
use serde::{Deserialize, Serialize};

/// The growth a spec asks for, whatever the starting batch size: `training.batch_size_milestones` and
/// `training.batch_size_factor`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchGrowth {
    /// Epoch counts (integers >= 1), ascending: after m complete epochs the batch size grows.
    pub milestones: Vec<u64>,
    /// Integer >= 2.
    pub factor: u64,
}

impl BatchGrowth {
    /// The schedule of a run starting at batch size `start` on `n` training examples.
    pub fn schedule(&self, n: usize, start: usize) -> BatchSchedule {
        BatchSchedule { n, start, milestones: self.milestones.clone(), factor: self.factor }
    }
}

/// A batch-size schedule: the starting size, multiplied by `factor` at each milestone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchSchedule {
    /// Training examples N (the cap).
    pub n: usize,
    /// Batch size of the first epoch, 1 to N.
    pub start: usize,
    /// Epoch counts (integers >= 1), ascending: after m complete epochs the size grows.
    pub milestones: Vec<u64>,
    /// Integer >= 2.
    pub factor: u64,
}

/// Consecutive epochs that share a batch size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Phase {
    /// Epochs complete when the phase starts (0-based index of its first epoch).
    pub first_epoch: u64,
    /// Epochs in the phase.
    pub epochs: u64,
    /// Examples per update.
    pub batch_size: usize,
    /// Updates per epoch.
    pub updates_per_epoch: usize,
    /// Size of the last update of an epoch.
    pub last_batch_size: usize,
}

impl BatchSchedule {
    /// Checks the start, the factor and the milestones; the first bad key is named (`batch_size` for the
    /// start).
    pub fn check(&self) -> Result<(), SettingsError> {
        let milestone = bad_milestone(&self.milestones);
        first_failure([
            ("batch_size", self.start as f64, (1..=self.n).contains(&self.start), "1 to N"),
            ("batch_size_factor", self.factor as f64, self.factor >= 2, "an integer >= 2"),
            ("batch_size_milestones", milestone.unwrap_or(0) as f64, milestone.is_none(), MILESTONES),
        ])
    }

    /// The batch size of the epoch that starts after `epoch` complete epochs.
    pub fn batch_size(&self, epoch: u64) -> usize {
        let passed = self.milestones.iter().filter(|&&m| epoch >= m).count();
        let mut b = self.start.min(self.n);
        for _ in 0..passed {
            b = b.saturating_mul(usize::try_from(self.factor).unwrap_or(usize::MAX)).min(self.n);
        }
        b.max(1)
    }

    /// The phases of a run of `epochs` epochs, in order; `last` decides the partial batch.
    pub fn phases(&self, epochs: u64, last: LastBatch) -> Vec<Phase> {
        let mut bounds: Vec<u64> = self.milestones.iter().copied().filter(|&m| m > 0 && m < epochs).collect();
        bounds.sort_unstable();
        bounds.dedup();
        let starts = std::iter::once(0).chain(bounds.iter().copied());
        let ends = bounds.iter().copied().chain(std::iter::once(epochs));
        let mut phases: Vec<Phase> = Vec::new();
        for (first, end) in starts.zip(ends).filter(|(a, b)| a < b) {
            let batch_size = self.batch_size(first);
            match phases.last_mut() {
                // A capped size stops growing: merge the phases it spans.
                Some(prev) if prev.batch_size == batch_size => prev.epochs += end - first,
                _ => {
                    let (updates, last_size) = updates_per_epoch(self.n, batch_size, last);
                    phases.push(Phase {
                        first_epoch: first,
                        epochs: end - first,
                        batch_size,
                        updates_per_epoch: updates,
                        last_batch_size: last_size,
                    });
                }
            }
        }
        phases
    }
}

/// Updates over all `phases`.
pub fn total_updates(phases: &[Phase]) -> u64 {
    phases.iter().map(|p| p.epochs * p.updates_per_epoch as u64).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn phase(first_epoch: u64, epochs: u64, batch_size: usize, updates: usize, last: usize) -> Phase {
        Phase { first_epoch, epochs, batch_size, updates_per_epoch: updates, last_batch_size: last }
    }

    #[test]
    fn batch_sizes_and_updates_by_hand() {
        // N = 1000, B = 32 growing 4x after epochs 2 and 4, over 6 epochs.
        // Epochs 1-2: B = 32, 1000 = 31 x 32 + 8: 32 updates (the last of 8), 31 when dropped.
        // Epochs 3-4: B = 128, 1000 = 7 x 128 + 104: 8 updates (last 104), or 7.
        // Epochs 5-6: B = 512, 1000 = 512 + 488: 2 updates (last 488), or 1.
        let s = BatchSchedule { n: 1000, start: 32, milestones: vec![2, 4], factor: 4 };
        let keep = s.phases(6, LastBatch::Keep);
        assert_eq!(keep, vec![phase(0, 2, 32, 32, 8), phase(2, 2, 128, 8, 104), phase(4, 2, 512, 2, 488)]);
        assert_eq!(total_updates(&keep), 2 * 32 + 2 * 8 + 2 * 2);
        let drop = s.phases(6, LastBatch::Drop);
        assert_eq!(total_updates(&drop), 2 * 31 + 2 * 7 + 2);
        // The size in force: epoch index 1 (one complete) still 32, index 2 already 128.
        assert_eq!((s.batch_size(1), s.batch_size(2), s.batch_size(5)), (32, 128, 512));
    }

    #[test]
    fn growth_stops_at_the_training_set() {
        // 512 x 4 = 2048 > 1000: the third phase is the full batch, one update an epoch, and a fourth
        // milestone changes nothing, so the capped phases merge.
        let s = BatchSchedule { n: 1000, start: 32, milestones: vec![2, 4, 5, 7], factor: 4 };
        let phases = s.phases(9, LastBatch::Keep);
        assert_eq!(phases[3], phase(5, 4, 1000, 1, 1000));
        assert_eq!(phases.len(), 4);
        assert_eq!(s.batch_size(u64::MAX), 1000);
    }

    #[test]
    fn checks_name_the_bad_key() {
        let s = BatchSchedule { n: 100, start: 10, milestones: vec![3, 8], factor: 2 };
        assert!(s.check().is_ok());
        let key = |s: BatchSchedule| s.check().map_err(|e| e.key);
        assert_eq!(key(BatchSchedule { factor: 1, ..s.clone() }), Err("batch_size_factor"));
        assert_eq!(key(BatchSchedule { milestones: vec![8, 3], ..s.clone() }), Err("batch_size_milestones"));
        assert_eq!(key(BatchSchedule { start: 101, ..s }), Err("batch_size"));
    }

    #[test]
    fn milestones_at_or_after_the_end_leave_one_phase() {
        let s = BatchSchedule { n: 100, start: 10, milestones: vec![3, 8], factor: 2 };
        assert_eq!(s.phases(3, LastBatch::Keep), vec![phase(0, 3, 10, 10, 10)]);
    }
}
