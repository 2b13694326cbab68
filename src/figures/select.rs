//! Which configurations a chart shows: with `plots.learning_rates = "chosen"` (the default) every batch size
//! at the learning rate the analysis chose for it, with `"all"` every batch size at every rate (the rate as
//! lightness within the batch size's hue). Each configuration knows its repeats, its colour, its legend
//! label and which of its repeats failed (diverged, or ended above their initial loss) and where.

use super::Context;
use super::palette::{Palette, lightness};
use crate::plan::SweepPlan;
use crate::records::RunRecords;
use crate::spec::{LrScaling, RateChoice};
use plotters::style::RGBColor;

/// A failed repeat.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Failure {
    /// Which repeat.
    pub repeat: u64,
    /// The first epoch whose training loss was not finite; none when the run ended above its initial
    /// loss without a NaN.
    pub diverged_at: Option<u64>,
}

/// A batch size at one learning rate, with its repeats.
pub struct Config<'a> {
    /// Examples per update.
    pub batch_size: usize,
    /// The full training set.
    pub full: bool,
    /// The rate.
    pub learning_rate: f64,
    /// The rate's rank among the rates of its batch size (0 = smallest).
    pub rank: usize,
    /// Rates per batch size in the sweep.
    pub ranks: usize,
    /// The analysis chose this rate for the batch size.
    pub chosen: bool,
    /// The repeats, in folder order.
    pub runs: Vec<&'a RunRecords>,
    /// Repeats that failed.
    pub failures: Vec<Failure>,
    /// Line colour.
    pub colour: RGBColor,
    /// "B = 32", "B = 32, lr = 0.1" or "B = full (1437), lr = 0.1".
    pub label: String,
}

impl Config<'_> {
    /// Whether a repeat failed: such configurations stay out of automatic axis ranges and are drawn repeat
    /// by repeat up to their last finite value.
    pub fn failed(&self) -> bool {
        !self.failures.is_empty()
    }

    /// "diverged at epoch 43" (or "at epochs 43, 44"), "ended above its initial loss", with the share of
    /// repeats when not all failed; none for a healthy configuration.
    pub fn note(&self) -> Option<String> {
        if self.failures.is_empty() {
            return None;
        }
        let mut epochs: Vec<u64> = self.failures.iter().filter_map(|f| f.diverged_at).collect();
        epochs.sort_unstable();
        epochs.dedup();
        let what = match epochs.as_slice() {
            [] => "ended above its initial loss".to_string(),
            [e] => format!("diverged at epoch {e}"),
            many => format!(
                "diverged at epochs {}",
                many.iter().map(u64::to_string).collect::<Vec<_>>().join(", ")
            ),
        };
        let share = if self.failures.len() < self.runs.len() {
            format!(" ({} of {} repeats)", self.failures.len(), self.runs.len())
        } else {
            String::new()
        };
        Some(format!("{}: {what}{share}", self.label))
    }

    /// Line width: the chosen rate stands out when every rate is shown.
    pub fn width(&self) -> f64 {
        if self.ranks > 1 && !self.chosen { 1.6 } else { 2.4 }
    }
}

/// The configurations `ctx` shows, by batch size then rate.
pub fn configs<'a>(ctx: &Context<'a>) -> Vec<Config<'a>> {
    let all = ctx.plots.learning_rates == RateChoice::All;
    let keys = keys(ctx.results);
    let ranks = keys.iter().map(|k| keys.iter().filter(|j| j.0 == k.0).count()).max().unwrap_or(1);
    // Name the rate whenever batch sizes differ in it (a grid, or scaled rates).
    let named = keys.iter().any(|k| k.1 != keys[0].1);
    let chosen = |b: usize, lr: f64| {
        ctx.analysis
            .batch_sizes
            .iter()
            .any(|c| c.batch_size == b && c.learning_rate.to_bits() == lr.to_bits())
    };
    let mut out = Vec::new();
    for &(b, bits) in &keys {
        let lr = f64::from_bits(bits);
        let is_chosen = chosen(b, lr);
        // A batch size whose every rate failed has no chosen rate: all its rates show, as failures.
        let has_choice =
            ctx.analysis.batch_sizes.iter().any(|c| c.batch_size == b && c.learning_rate.is_finite());
        if !all && !is_chosen && has_choice {
            continue;
        }
        let rank = keys.iter().filter(|k| k.0 == b && f64::from_bits(k.1) < lr).count();
        let runs: Vec<&RunRecords> = ctx
            .results
            .runs
            .iter()
            .filter(|r| r.summary().batch_size == b && r.summary().learning_rate.to_bits() == bits)
            .collect();
        let full = runs[0].summary().batch_label == "full";
        let shown_ranks = if all { ranks } else { 1 };
        let mut label = batch_label(b, full);
        if named {
            label.push_str(&format!(", lr = {lr}"));
        }
        out.push(Config {
            batch_size: b,
            full,
            learning_rate: lr,
            rank,
            ranks: shown_ranks,
            chosen: is_chosen,
            failures: failures(ctx, &runs),
            colour: colour(&ctx.palette, b, rank, shown_ranks),
            runs,
            label,
        });
    }
    out
}

/// Every (batch size, learning rate bits) of the runs, by batch size then rate.
fn keys(results: &crate::records::Results) -> Vec<(usize, u64)> {
    let mut keys: Vec<(usize, u64)> =
        results.runs.iter().map(|r| (r.summary().batch_size, r.summary().learning_rate.to_bits())).collect();
    keys.sort_by(|a, b| a.0.cmp(&b.0).then(f64::from_bits(a.1).total_cmp(&f64::from_bits(b.1))));
    keys.dedup();
    keys
}

fn colour(palette: &Palette, b: usize, rank: usize, ranks: usize) -> RGBColor {
    if ranks > 1 { palette.shade(b, rank, ranks) } else { palette.colour(b) }
}

/// The failed repeats among `runs`, by the analysis's verdict.
fn failures(ctx: &Context<'_>, runs: &[&RunRecords]) -> Vec<Failure> {
    runs.iter()
        .filter(|r| ctx.analysis.runs.iter().any(|a| a.run_id == r.summary().run_id && a.failed))
        .map(|r| Failure {
            repeat: r.summary().repeat,
            diverged_at: r
                .epochs
                .iter()
                .find(|e| !e.train_loss.is_finite())
                .map(|e| e.epoch)
                .or_else(|| r.summary().diverged.then_some(r.summary().epochs_completed)),
        })
        .collect()
}

/// "B = 32", or "B = full (1437)" for the full batch.
pub fn batch_label(batch_size: usize, full: bool) -> String {
    if full { format!("B = full ({batch_size})") } else { format!("B = {batch_size}") }
}

/// Legend labels of the grid rates, smallest first: `lr = 0.1`, or with scaling `lr = 0.1·√(B/32)`.
pub fn rate_labels(sweep: &SweepPlan, ranks: usize) -> Vec<String> {
    let mut grid = sweep.learning_rates.clone();
    grid.sort_by(f64::total_cmp);
    if grid.len() != ranks {
        return (1..=ranks).map(|i| format!("rate #{i}")).collect();
    }
    let base = sweep.base_batch_size;
    grid.iter()
        .map(|g| match sweep.lr_scaling {
            LrScaling::None => format!("lr = {g}"),
            LrScaling::Linear => format!("lr = {g}·B/{base}"),
            LrScaling::Sqrt | LrScaling::Sde => format!("lr = {g}·√(B/{base})"),
        })
        .collect()
}

/// The colour of rate rank `rank` of `ranks` on a neutral grey, for legends that name the rates apart
/// from the batch sizes.
pub fn rate_key(rank: usize, ranks: usize) -> RGBColor {
    lightness(RGBColor(110, 110, 110), rank, ranks)
}
