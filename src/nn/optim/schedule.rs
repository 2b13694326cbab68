//! Learning-rate schedules defined in epochs (fractions of the data seen), so a schedule means the same
//! at every batch size: the rate of an update is a pure function of where training stands just before
//! that update ([`Position`]) and the schedule.
//!
//! multiplier = ramp x decay. The ramp rises linearly from `warmup_start_factor` at epoch 0 to 1 at
//! `warmup_epochs` and is 1 after. The decay is 1 until the end of warmup, then for "cosine"
//! f + (1 - f)(1 + cos(pi p)) / 2 and for "linear" 1 - (1 - f) p, p = (e - warmup) / (epochs - warmup)
//! the share of the decay period done and f = `final_lr_factor`; for "step" it is gamma^k, k the
//! milestones m with at least m epochs complete (PyTorch's MultiStepLR stepped once per epoch).

use super::SettingsError;
use super::settings::{MILESTONES, bad_milestone, first_failure};
use serde::{Deserialize, Serialize};

/// Where training stands just before an update.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Position {
    /// Epochs complete.
    pub epoch: u64,
    /// Share of the current epoch's examples already seen, in [0, 1).
    pub fraction: f64,
}

impl Position {
    /// Before an update that follows `seen` examples of epoch `epoch + 1` (0-based `epoch` complete
    /// epochs) of `n` training examples. The epoch counter stays exact however long the run, so a
    /// milestone takes effect at exactly the first update of its epoch.
    pub fn new(epoch: u64, seen: u64, n: u64) -> Self {
        Position { epoch, fraction: seen as f64 / n.max(1) as f64 }
    }

    /// Epochs seen, as a real number.
    pub fn epochs(&self) -> f64 {
        self.epoch as f64 + self.fraction
    }
}

/// The shape of the schedule after warmup.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Decay {
    /// The rate as written.
    Constant,
    /// Half a cosine from the rate down to rate x `final_lr_factor` at the end of training.
    Cosine,
    /// A straight line from the rate down to rate x `final_lr_factor` at the end of training.
    Linear,
    /// Multiply by `gamma` once each milestone's epochs are complete.
    Step {
        /// Epoch counts (integers >= 1), ascending.
        milestones: Vec<u64>,
        /// Factor per milestone.
        gamma: f64,
    },
}

/// A learning-rate schedule in epochs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Schedule {
    /// Shape after warmup.
    pub decay: Decay,
    /// Epochs of linear warmup (0: none).
    pub warmup_epochs: f64,
    /// Multiplier at the start of warmup.
    pub warmup_start_factor: f64,
    /// Multiplier at the end of training for cosine and linear decay.
    pub final_lr_factor: f64,
    /// Length of training in epochs.
    pub epochs: u64,
}

impl Default for Schedule {
    /// The constant schedule of a run of no length (summary.json files written before schedules existed).
    fn default() -> Self {
        Schedule::constant(0)
    }
}

impl Schedule {
    /// Whether every update runs at the base rate: no warmup and no decay.
    pub fn is_constant(&self) -> bool {
        self.decay == Decay::Constant && self.warmup_epochs == 0.0
    }

    /// The constant schedule of a run of `epochs` epochs.
    pub fn constant(epochs: u64) -> Self {
        Schedule {
            decay: Decay::Constant,
            warmup_epochs: 0.0,
            warmup_start_factor: 0.0,
            final_lr_factor: 0.0,
            epochs,
        }
    }

    /// Checks the values the schedule uses; the first bad key is named.
    pub fn check(&self) -> Result<(), SettingsError> {
        let (w, s, f) = (self.warmup_epochs, self.warmup_start_factor, self.final_lr_factor);
        let (gamma, milestone) = match &self.decay {
            Decay::Step { milestones, gamma } => (*gamma, bad_milestone(milestones)),
            _ => (1.0, None),
        };
        first_failure([
            (
                "warmup_epochs",
                w,
                w.is_finite() && w >= 0.0 && w <= self.epochs as f64,
                "0 to the epochs of the run",
            ),
            ("warmup_start_factor", s, (0.0..=1.0).contains(&s), "a number in [0, 1]"),
            ("final_lr_factor", f, f.is_finite() && f >= 0.0, "a finite number >= 0"),
            ("gamma", gamma, gamma.is_finite() && gamma > 0.0, "a finite number > 0"),
            ("milestones", milestone.unwrap_or(0) as f64, milestone.is_none(), MILESTONES),
        ])
    }

    /// What the base learning rate is multiplied by for the update at `at`.
    pub fn multiplier(&self, at: Position) -> f64 {
        self.ramp(at.epochs()) * self.decay(at)
    }

    /// The learning rate of the update at `at` for base rate `learning_rate`.
    pub fn learning_rate(&self, learning_rate: f64, at: Position) -> f64 {
        learning_rate * self.multiplier(at)
    }

    fn ramp(&self, e: f64) -> f64 {
        if e >= self.warmup_epochs {
            return 1.0;
        }
        let s = self.warmup_start_factor;
        s + (1.0 - s) * (e / self.warmup_epochs)
    }

    fn decay(&self, at: Position) -> f64 {
        let f = self.final_lr_factor;
        match &self.decay {
            Decay::Constant => 1.0,
            Decay::Cosine => f + (1.0 - f) * 0.5 * (1.0 + (std::f64::consts::PI * self.done(at)).cos()),
            Decay::Linear => 1.0 - (1.0 - f) * self.done(at),
            Decay::Step { milestones, gamma } => {
                let passed = milestones.iter().filter(|&&m| at.epoch >= m).count();
                gamma.powi(i32::try_from(passed).unwrap_or(i32::MAX))
            }
        }
    }

    /// Share of the decay period (end of warmup to end of training) done, in [0, 1].
    fn done(&self, at: Position) -> f64 {
        let span = self.epochs as f64 - self.warmup_epochs;
        if span <= 0.0 {
            return 0.0;
        }
        ((at.epochs() - self.warmup_epochs) / span).clamp(0.0, 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schedule(decay: Decay, warmup: f64) -> Schedule {
        Schedule { decay, warmup_epochs: warmup, warmup_start_factor: 0.0, final_lr_factor: 0.1, epochs: 10 }
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-12 * b.abs().max(1.0)
    }

    #[test]
    fn cosine_at_the_midpoint_of_its_decay_is_the_mean_of_one_and_the_final_factor() {
        // Warmup 2 of 10 epochs: the decay runs over epochs 2..10, its midpoint is epoch 6, where
        // cos(pi / 2) = 0 leaves f + (1 - f) / 2 = (1 + f) / 2 = 0.55. 600 of N = 100 examples: epoch 6.
        let s = schedule(Decay::Cosine, 2.0);
        assert!(close(s.multiplier(Position::new(6, 0, 100)), 0.55));
        assert!(close(s.learning_rate(0.2, Position::new(6, 0, 100)), 0.11));
        // A quarter in (epoch 4): f + (1 - f)(1 + cos(pi / 4)) / 2.
        let quarter = 0.1 + 0.9 * (1.0 + std::f64::consts::FRAC_1_SQRT_2) / 2.0;
        assert!(close(s.multiplier(Position::new(4, 0, 100)), quarter));
        // Deliberately wrong: a cosine over the whole run would give 0.1 + 0.9 (1 + cos(0.6 pi)) / 2.
        let whole_run = 0.1 + 0.45 * (1.0 + (0.6 * std::f64::consts::PI).cos());
        assert!(!close(s.multiplier(Position::new(6, 0, 100)), whole_run));
    }

    #[test]
    fn cosine_and_linear_start_at_one_after_warmup_and_end_at_the_final_factor() {
        for decay in [Decay::Cosine, Decay::Linear] {
            let s = schedule(decay, 2.0);
            assert!(close(s.multiplier(Position::new(2, 0, 100)), 1.0));
            assert!(close(s.multiplier(Position::new(10, 0, 100)), 0.1));
        }
        // Linear three quarters in (epoch 8): 1 - 0.9 x 0.75 = 0.325.
        assert!(close(schedule(Decay::Linear, 2.0).multiplier(Position::new(8, 0, 100)), 0.325));
    }

    #[test]
    fn warmup_starts_at_its_start_factor_and_rises_linearly() {
        let mut s = schedule(Decay::Constant, 0.5);
        // The first update has seen nothing: lr x start factor (0 by default).
        assert_eq!(s.multiplier(Position::new(0, 0, 1000)), 0.0);
        s.warmup_start_factor = 0.2;
        assert!(close(s.multiplier(Position::new(0, 0, 1000)), 0.2));
        // 250 of 1000 examples = a quarter epoch = half the warmup: 0.2 + 0.8 / 2.
        assert!(close(s.multiplier(Position::new(0, 250, 1000)), 0.6));
        assert!(close(s.multiplier(Position::new(0, 500, 1000)), 1.0));
        // Warmup multiplies the cosine, which is still 1 during it.
        let c = Schedule { warmup_start_factor: 0.2, ..schedule(Decay::Cosine, 0.5) };
        assert!(close(c.multiplier(Position::new(0, 250, 1000)), 0.6));
    }

    #[test]
    fn a_step_milestone_takes_effect_exactly_at_its_epoch_boundary() {
        let s = schedule(Decay::Step { milestones: vec![3, 6], gamma: 0.1 }, 0.0);
        // The last update of epoch 3 (2 epochs complete, 99 of 100 seen) keeps the rate ...
        assert_eq!(s.multiplier(Position::new(2, 99, 100)), 1.0);
        // ... the first of epoch 4 (3 complete) has it multiplied by gamma, and by gamma^2 after 6.
        assert!(close(s.multiplier(Position::new(3, 0, 100)), 0.1));
        assert!(close(s.multiplier(Position::new(6, 0, 100)), 0.01));
        // Exact however long the run: 10^7 epochs in, one example short of the next boundary.
        let far = schedule(Decay::Step { milestones: vec![10_000_000], gamma: 0.5 }, 0.0);
        let n = 10_000_000_000_u64;
        assert_eq!(far.multiplier(Position::new(9_999_999, n - 1, n)), 1.0);
        assert_eq!(far.multiplier(Position::new(10_000_000, 0, n)), 0.5);
    }

    #[test]
    fn the_rate_at_a_point_is_the_same_at_every_batch_size() {
        // Epoch 4.5 of N = 1000 reached as 500 examples into epoch 5 by B = 1 (update 500) or B = 100.
        let s = schedule(Decay::Cosine, 1.0);
        let by_one = s.multiplier(Position::new(4, 500, 1000));
        let by_hundred = s.multiplier(Position::new(4, 5 * 100, 1000));
        assert_eq!(by_one, by_hundred);
    }

    #[test]
    fn checks_name_the_bad_key() {
        let step = |milestones: Vec<u64>, gamma: f64| schedule(Decay::Step { milestones, gamma }, 0.0);
        assert!(step(vec![1, 5], 0.1).check().is_ok());
        assert_eq!(step(vec![5, 5], 0.1).check().map_err(|e| (e.key, e.value)), Err(("milestones", 5.0)));
        assert_eq!(step(vec![0], 0.1).check().map_err(|e| e.key), Err("milestones"));
        assert_eq!(step(vec![2], 0.0).check().map_err(|e| e.key), Err("gamma"));
        assert_eq!(schedule(Decay::Cosine, 11.0).check().map_err(|e| e.key), Err("warmup_epochs"));
        let start = Schedule { warmup_start_factor: 1.5, ..schedule(Decay::Linear, 1.0) };
        assert_eq!(start.check().map_err(|e| e.key), Err("warmup_start_factor"));
    }

    #[test]
    fn a_warmup_as_long_as_the_run_leaves_no_decay() {
        let s = Schedule { warmup_epochs: 10.0, ..schedule(Decay::Cosine, 0.0) };
        assert!(close(s.multiplier(Position::new(5, 0, 100)), 0.5));
        assert_eq!(Schedule::constant(3).multiplier(Position::new(2, 7, 9)), 1.0);
    }
}
