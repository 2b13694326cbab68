//! What a reader must know before trusting an analysis: failed runs, a target that cannot be measured
//! well, and learning rates that were not tuned. The report prints these first; the binary repeats them on
//! stderr.

use super::learning_rate::Tuning;
use super::text::{list, significant};
use super::{Analysis, stats};

/// A target within this share above a batch size's final loss sits in its noise floor.
const FLOOR: f64 = 0.05;
/// An automatic target above this share of the initial loss is barely below it.
const SHALLOW: f64 = 0.5;

/// Every warning, most serious first.
pub fn warnings(a: &Analysis) -> Vec<String> {
    let mut out = failures(a);
    out.extend(target(a));
    out.extend(tuning(a));
    out
}

fn failures(a: &Analysis) -> Vec<String> {
    let total = a.runs.len();
    if a.failed_runs == 0 {
        return Vec::new();
    }
    let mut out = Vec::new();
    if a.failed_runs == total {
        out.push(format!(
            "every run failed ({total} of {total}): there is no conclusion to draw from this sweep"
        ));
    } else if a.failures.iter().all(|f| f.above_healthy) {
        out.push(format!(
            "{} of {total} runs failed, each at a rate above one that trained at the same batch size (as the \
             top of a grid that brackets the optimum should); they are left out of every mean, fit, target \
             and verdict",
            a.failed_runs
        ));
        return out;
    } else {
        out.push(format!(
            "{} of {total} runs failed; they are left out of every mean, fit, target and verdict",
            a.failed_runs
        ));
    }
    for b in a.batch_sizes.iter().filter(|b| b.failed_runs == b.runs && a.failed_runs < total) {
        out.push(format!("every run at B = {} failed ({} runs)", b.batch_size, b.runs));
    }
    let mut causes: Vec<String> =
        a.failures.iter().filter(|f| !f.above_healthy).filter_map(|f| f.cause.clone()).collect();
    causes.dedup();
    out.extend(causes.into_iter().map(|c| format!("likely cause: {c}")));
    out
}

fn target(a: &Analysis) -> Vec<String> {
    let t = &a.target;
    if !t.is_set() {
        return vec![format!("no target: {}", t.basis)];
    }
    let mut out = Vec::new();
    let chosen = a.batch_sizes.iter().filter(|b| b.tuning != Tuning::Unusable);
    let missed: Vec<String> =
        chosen.clone().filter(|b| b.repeats_reached < b.repeats).map(|b| b.batch_size.to_string()).collect();
    if !missed.is_empty() {
        out.push(format!(
            "B = {} did not reach the target in every repeat at its chosen rate",
            list(&missed)
        ));
    }
    let first: Vec<String> = a
        .runs
        .iter()
        .filter(|r| r.reached_at_first_evaluation && r.steps_to_target.is_some_and(|s| s > 0.0))
        .map(|r| r.batch_size.to_string())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    if !first.is_empty() {
        out.push(format!(
            "B = {} reached the target within its first evaluation: its steps to target are bounded, not \
             measured; lower the target or evaluate more often (training.eval_every)",
            list(&first)
        ));
    }
    if let Some(loss) = t.train_loss {
        out.extend(floor(a, loss));
        let initial = stats::mean(
            &a.runs.iter().filter(|r| !r.failed).map(|r| r.initial_train_loss).collect::<Vec<_>>(),
        );
        if let Some(l0) = initial.filter(|l0| t.automatic && loss > SHALLOW * l0) {
            out.push(format!(
                "the automatic target {} is above half the initial loss {}: the slowest batch size barely \
                 trained in this budget, so steps to target say little",
                significant(loss),
                significant(l0)
            ));
        }
    }
    out
}

/// Batch sizes whose final loss (runs that did not stop at the target) lies within [`FLOOR`] of `loss`,
/// above or below: there the loss hovers at its floor, and when it first dips below the target is chance.
fn floor(a: &Analysis, loss: f64) -> Option<String> {
    let near: Vec<String> = a
        .batch_sizes
        .iter()
        .filter(|b| {
            let finals: Vec<f64> = a
                .runs
                .iter()
                .filter(|r| r.batch_size == b.batch_size && r.learning_rate == b.learning_rate)
                .filter(|r| !r.failed && !r.stopped_at_target)
                .map(|r| r.final_train_loss)
                .collect();
            stats::mean(&finals).is_some_and(|f| (loss / f - 1.0).abs() <= FLOOR)
        })
        .map(|b| b.batch_size.to_string())
        .collect();
    (!near.is_empty()).then(|| {
        format!(
            "the target lies within {:.0} % of the final training loss of B = {}: there it sits in the noise \
             floor, and the crossing time is set by noise; choose a higher target",
            100.0 * FLOOR,
            list(&near)
        )
    })
}

fn tuning(a: &Analysis) -> Vec<String> {
    let of = |t: Tuning| -> Vec<String> {
        a.batch_sizes.iter().filter(|b| b.tuning == t).map(|b| b.batch_size.to_string()).collect()
    };
    let mut out = Vec::new();
    let single = of(Tuning::SingleRate);
    if !single.is_empty() && single.len() == a.batch_sizes.len() {
        out.push(
            "every batch size was run at a single learning rate, so none is tuned: this is the naive \
             comparison; batch sizes differ in their best rate, so differences here mix the batch size with \
             how well that one rate suits it"
                .to_string(),
        );
    } else if !single.is_empty() {
        out.push(format!("B = {}: one learning rate tried, not tuned", list(&single)));
    }
    for (t, edge) in [(Tuning::TopEdge, "top"), (Tuning::BottomEdge, "bottom")] {
        let at = of(t);
        if !at.is_empty() {
            out.push(format!(
                "B = {}: the best rate is at the {edge} edge of its grid, so the optimum was not bracketed; \
                 extend the grid (sweep.extend_grid)",
                list(&at)
            ));
        }
    }
    out
}
