//! How smooth one run's two curves were, in measures that mean the same at every batch size:
//!
//! - epoch roughness of the per-epoch full training loss: the total-variation ratio minus one,
//!   sum |L(t+1) - L(t)| / |L(first) - L(last)| - 1, which is 0 for a monotone curve and counts the extra
//!   rise and fall as a share of the net fall; steps within 1e-9 relative of the loss are rounding and
//!   count as flat.
//! - update noise of the per-update (mini-batch) loss: the root mean square of ln(L_B / L) over the
//!   evaluation checkpoints, where L is the full training loss at a checkpoint and L_B the mini-batch loss of
//!   the next update, computed at those same weights. It is the jitter of the per-update curve on the
//!   log-scale plot users read, relative to the loss level and whatever the number of updates: 0 for the
//!   full batch, about sqrt(Var l_i / (B L^2)) for large B. (The plain ratio L_B / L - 1 is heavy-tailed at
//!   small B late in training, where one hard example's loss is hundreds of times the mean.)

use super::checkpoints::Checkpoint;
use super::stats::RELATIVE_TIE;
use crate::schema::IterationRecord;

/// Fewest checkpoints with a next update for an update-noise value.
const MIN_PAIRS: usize = 3;
/// Losses below this count as this in the log ratio.
pub const LOSS_FLOOR: f64 = 1e-12;

/// The total-variation ratio minus one of `losses`; None for fewer than two points or no net change.
pub fn epoch_roughness(losses: &[f64]) -> Option<f64> {
    let (first, last) = (*losses.first()?, *losses.last()?);
    if losses.len() < 2 || losses.iter().any(|l| !l.is_finite()) {
        return None;
    }
    let net = (first - last).abs();
    if net <= RELATIVE_TIE * first.abs().max(last.abs()) {
        return None;
    }
    let step = |w: &[f64]| {
        let d = (w[1] - w[0]).abs();
        if d <= RELATIVE_TIE * w[0].abs().max(w[1].abs()) { 0.0 } else { d }
    };
    let total: f64 = losses.windows(2).map(step).sum();
    let excess = total / net - 1.0;
    Some(if excess <= RELATIVE_TIE { 0.0 } else { excess })
}

/// The root mean square of ln(L_B / L) over the checkpoints whose next update is in `iterations` (every
/// update when `log_every` is 1); None with fewer than three such pairs. Losses are floored at
/// [`LOSS_FLOOR`] so an example fitted to zero loss stays finite.
pub fn update_noise(checkpoints: &[Checkpoint], iterations: &[IterationRecord]) -> Option<f64> {
    let mut squares = Vec::new();
    let mut rows = iterations.iter().peekable();
    for c in checkpoints.iter().filter(|c| c.train_loss.is_finite() && c.train_loss > 0.0) {
        let next = c.update as u64 + 1;
        while rows.peek().is_some_and(|r| r.iteration < next) {
            rows.next();
        }
        if let Some(r) = rows.peek().filter(|r| r.iteration == next && r.loss.is_finite()) {
            let log_ratio = (r.loss.max(LOSS_FLOOR) / c.train_loss.max(LOSS_FLOOR)).ln();
            // The full batch's mini-batch loss is the full loss, up to the order of a sum.
            squares.push(if log_ratio.abs() <= RELATIVE_TIE { 0.0 } else { log_ratio * log_ratio });
        }
    }
    (squares.len() >= MIN_PAIRS).then(|| (squares.iter().sum::<f64>() / squares.len() as f64).sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_monotone_curve_has_no_roughness_even_through_rounding() {
        assert_eq!(epoch_roughness(&[2.3, 1.9, 1.2, 1.2, 0.7, 0.31]), Some(0.0));
        // A rise of 2e-16 on a loss of 1 is rounding, not a bump.
        assert_eq!(epoch_roughness(&[2.0, 1.0, 1.0 + 2e-16, 0.5]), Some(0.0));
    }

    #[test]
    fn a_zig_zag_has_the_hand_computed_roughness() {
        // 4 -> 2 -> 3 -> 1 -> 2 -> 0: total variation 8 over a net fall of 4: ratio 2, roughness 1.
        assert_eq!(epoch_roughness(&[4.0, 2.0, 3.0, 1.0, 2.0, 0.0]), Some(1.0));
        assert_eq!(epoch_roughness(&[1.0, 2.0, 1.0]), None);
    }

    fn checkpoint(update: f64, loss: f64) -> Checkpoint {
        Checkpoint {
            update,
            epoch: 0.0,
            examples: 0.0,
            seconds: 0.0,
            train_loss: loss,
            test_loss: None,
            test_accuracy: None,
        }
    }

    fn iteration(i: u64, loss: f64) -> IterationRecord {
        IterationRecord {
            epoch: 1,
            iteration: i,
            examples_seen: i,
            batch_size: 1,
            learning_rate: 0.1,
            loss,
            wall_s: 0.0,
        }
    }

    #[test]
    fn update_noise_compares_the_next_mini_batch_with_the_full_loss_at_the_same_weights() {
        // Checkpoints at updates 0, 4, 9 with full losses 2, 1, 0.5; the next updates' mini-batch losses are
        // 3, 0.5 and 0.5: log ratios ln 1.5, ln 0.5 and 0, RMS sqrt((ln² 1.5 + ln² 2) / 3).
        let checkpoints = [checkpoint(0.0, 2.0), checkpoint(4.0, 1.0), checkpoint(9.0, 0.5)];
        let iterations: Vec<IterationRecord> =
            (1..=12).map(|i| iteration(i, if i == 1 { 3.0 } else { 0.5 })).collect();
        let noise = update_noise(&checkpoints, &iterations).unwrap();
        let want = ((1.5f64.ln().powi(2) + 2f64.ln().powi(2)) / 3.0).sqrt();
        assert!((noise - want).abs() < 1e-12, "{noise} vs {want}");
        // The full batch: every mini-batch loss is the full loss.
        let full: Vec<IterationRecord> =
            [(1, 2.0), (5, 1.0), (10, 0.5)].iter().map(|&(i, l)| iteration(i, l)).collect();
        assert_eq!(update_noise(&checkpoints, &full), Some(0.0));
        assert_eq!(update_noise(&checkpoints[..2], &full), None);
    }
}
