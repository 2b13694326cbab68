//! Failed runs, which are never evidence: a run failed when it diverged (a non-finite loss, or a training
//! loss that blew up past `train::BLOWUP` times its start, which stops it) or ended above its initial
//! training loss. Failed runs enter no mean, fit, target or verdict; the report names each failed
//! configuration with how many repeats failed, when, and the likely cause where one can be seen.

use super::checkpoints::Checkpoint;
use crate::plan::Settings;
use crate::records::RunRecords;
use crate::spec::Task;
use serde::{Deserialize, Serialize};

/// What one run's losses say about its health.
#[derive(Debug, Clone, PartialEq)]
pub struct Health {
    /// Training loss before the first update.
    pub initial_loss: f64,
    /// Lowest finite training loss of any evaluation.
    pub lowest_loss: Option<f64>,
    /// Why the run failed, when it did: "diverged after update 13 (epoch 0.009)".
    pub failure: Option<String>,
    /// The update and epoch after which it diverged, when it did and the record says.
    pub diverged_at: Option<(u64, f64)>,
}

/// How a run that ended at a uniform guess is described (and recognised).
const GUESS: &str = "ended no better than a uniform guess";

/// Whether every failure of `failed` is an end at a uniform guess (none diverged or rose).
fn all_guesses<'h>(mut failed: impl Iterator<Item = &'h Health>) -> bool {
    failed.all(|h| h.failure.as_deref().is_none_or(|f| f.starts_with(GUESS)))
}

/// The health of `run` from its summary and checkpoints; with `classes` >= 2 (classification), a run must
/// also end below ln(classes), the loss of a uniform guess.
pub fn health(run: &RunRecords, checkpoints: &[Checkpoint], classes: usize) -> Health {
    let s = run.summary();
    let initial_loss = checkpoints.first().map_or(f64::NAN, |c| c.train_loss);
    let lowest_loss = checkpoints.iter().map(|c| c.train_loss).filter(|l| l.is_finite()).reduce(f64::min);
    let epoch_of = |update: u64| update as f64 / s.updates_per_epoch.max(1) as f64;
    let failure = if s.diverged {
        Some(match s.diverged_at_update {
            Some(u) => format!("diverged after update {u} (epoch {:.3})", epoch_of(u)),
            None => format!("diverged in epoch {}", s.epochs_completed + 1),
        })
    } else if !s.final_train_loss.is_finite() || !initial_loss.is_finite() {
        Some("its training loss is not finite".to_string())
    } else if s.final_train_loss > initial_loss {
        Some(format!(
            "ended above its initial training loss ({:.3} -> {:.3})",
            initial_loss, s.final_train_loss
        ))
    } else if classes >= 2 && s.final_train_loss >= (classes as f64).ln() {
        // Cross-entropy at or above ln K is no better than a uniform guess over the K classes: the run
        // learned nothing (typically a rate so high that the network collapsed to constant outputs).
        Some(format!(
            "{GUESS} over the {classes} classes (loss {:.3} >= ln {classes} = {:.3})",
            s.final_train_loss,
            (classes as f64).ln()
        ))
    } else {
        None
    };
    let diverged_at = s.diverged_at_update.filter(|_| s.diverged).map(|u| (u, epoch_of(u)));
    Health { initial_loss, lowest_loss, failure, diverged_at }
}

/// A configuration (batch size and learning rate) with at least one failed repeat: a row of the report's
/// failure list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FailedConfig {
    /// Examples per update.
    pub batch_size: usize,
    /// `32` or `full`.
    pub batch_label: String,
    /// The learning rate.
    pub learning_rate: f64,
    /// Repeats that failed.
    pub failed: usize,
    /// Repeats run.
    pub repeats: usize,
    /// When or how, for each failed repeat, joined.
    pub when: String,
    /// The likely cause, where one can be seen.
    pub cause: Option<String>,
    /// A smaller rate at the same batch size trained without failing: this rate is simply too high, as the
    /// top of a grid that brackets the optimum is expected to be.
    pub above_healthy: bool,
}

/// One run as the failure list sees it.
pub struct RunHealth<'a> {
    /// Examples per update.
    pub batch_size: usize,
    /// `32` or `full`.
    pub batch_label: &'a str,
    /// The run's learning rate.
    pub learning_rate: f64,
    /// Its health.
    pub health: &'a Health,
}

/// Every configuration with a failed repeat, by batch size then rate.
pub fn failed_configs(runs: &[RunHealth<'_>], settings: &Settings) -> Vec<FailedConfig> {
    let mut keys: Vec<(usize, u64)> = runs
        .iter()
        .filter(|r| r.health.failure.is_some())
        .map(|r| (r.batch_size, r.learning_rate.to_bits()))
        .collect();
    keys.sort_by(|a, b| a.0.cmp(&b.0).then(f64::from_bits(a.1).total_cmp(&f64::from_bits(b.1))));
    keys.dedup();
    keys.iter()
        .map(|&(b, bits)| {
            let lr = f64::from_bits(bits);
            let config: Vec<&RunHealth<'_>> =
                runs.iter().filter(|r| r.batch_size == b && r.learning_rate == lr).collect();
            let failed: Vec<&Health> =
                config.iter().map(|r| r.health).filter(|h| h.failure.is_some()).collect();
            FailedConfig {
                batch_size: b,
                batch_label: config[0].batch_label.to_string(),
                learning_rate: lr,
                failed: failed.len(),
                repeats: config.len(),
                when: when(&failed),
                cause: cause(runs, b, lr, settings),
                above_healthy: healthy_below(runs, b, lr).is_some(),
            }
        })
        .collect()
}

/// The smallest rate above `lr` at batch size `b` at which no repeat failed.
fn healthy_above(runs: &[RunHealth<'_>], b: usize, lr: f64) -> Option<f64> {
    let at = |rate: f64| runs.iter().filter(move |r| r.batch_size == b && r.learning_rate == rate);
    runs.iter()
        .filter(|r| r.batch_size == b && r.learning_rate > lr)
        .map(|r| r.learning_rate)
        .filter(|&rate| at(rate).all(|r| r.health.failure.is_none()))
        .reduce(f64::min)
}

/// The largest rate below `lr` at batch size `b` at which no repeat failed.
fn healthy_below(runs: &[RunHealth<'_>], b: usize, lr: f64) -> Option<f64> {
    let at = |rate: f64| runs.iter().filter(move |r| r.batch_size == b && r.learning_rate == rate);
    runs.iter()
        .filter(|r| r.batch_size == b && r.learning_rate < lr)
        .map(|r| r.learning_rate)
        .filter(|&rate| at(rate).all(|r| r.health.failure.is_none()))
        .reduce(f64::max)
}

/// When the failed repeats failed, in one phrase: the range of updates where they diverged, or each
/// distinct reason with its count.
fn when(failed: &[&Health]) -> String {
    let at: Option<Vec<(u64, f64)>> = failed.iter().map(|h| h.diverged_at).collect();
    if let Some(at) = at.filter(|a| !a.is_empty()) {
        let (u0, u1) = (at.iter().map(|a| a.0).min().unwrap_or(0), at.iter().map(|a| a.0).max().unwrap_or(0));
        let (e0, e1) = (
            at.iter().map(|a| a.1).fold(f64::INFINITY, f64::min),
            at.iter().map(|a| a.1).fold(0.0, f64::max),
        );
        return if u0 == u1 {
            format!("diverged after update {u0} (epoch {e0:.3})")
        } else {
            format!("diverged after updates {u0} to {u1} (epochs {e0:.3} to {e1:.3})")
        };
    }
    // The same kind of failure with other numbers counts once, with how many repeats it hit.
    let kind = |f: &str| f.split(" (").next().unwrap_or(f).to_string();
    let mut reasons: Vec<String> = failed.iter().filter_map(|h| h.failure.as_deref()).map(kind).collect();
    reasons.sort_unstable();
    let mut out: Vec<String> = Vec::new();
    for r in &reasons {
        let count = reasons.iter().filter(|x| *x == r).count();
        let item = if count > 1 { format!("{r} ({count} repeats)") } else { r.clone() };
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out.join("; ")
}

/// The likely cause of the failures of (B = `b`, `lr`), where the records show one. A smaller rate that
/// trained at the same batch size is the direct cause, even on an unstandardised target (whose scale
/// sets the usable rates, and is named when no rate trained).
fn cause(runs: &[RunHealth<'_>], b: usize, lr: f64, settings: &Settings) -> Option<String> {
    let at_b = || runs.iter().filter(move |r| r.batch_size == b);
    let guesses = all_guesses(at_b().filter(|r| r.learning_rate == lr).map(|r| r.health));
    if let Some(ok) = healthy_above(runs, b, lr).filter(|_| guesses) {
        return Some(format!(
            "learning rate too low for B = {b} to learn within the budget: every repeat at lr = {ok} trained"
        ));
    }
    if let Some(ok) = healthy_below(runs, b, lr) {
        return Some(format!(
            "learning rate too high for B = {b}: every repeat at lr = {ok} trained without failing"
        ));
    }
    let data = &settings.data;
    if data.task == Task::Regression && !data.standardize_target {
        return Some(
            "the regression target is not standardised (data.standardize_target = false): its scale sets \
             the loss and the usable learning rates"
                .into(),
        );
    }
    if !at_b().all(|r| r.health.failure.is_some()) {
        return None;
    }
    Some(if all_guesses(at_b().map(|r| r.health)) {
        format!(
            "every rate tried at B = {b} ended at a uniform guess: too few updates to learn at these rates, or \
             a collapse; try other rates or more epochs"
        )
    } else {
        format!("every rate tried at B = {b} failed: try smaller rates")
    })
}
