//! Extending a learning-rate grid until each batch size's optimum is bracketed (`sweep.extend_grid`), as
//! Shallue et al. 2018 tune every batch size: after each round the finished runs are analysed, and every
//! batch size whose best rate sits at an edge of its grid (or whose every rate failed) gets one more rate
//! beyond that edge, one grid step further, for every repeat. Rounds stop when every optimum is bracketed
//! or after `extend_grid` rounds. Deterministic: the same records always ask for the same rates.

use crate::analysis::{self, Tuning};
use crate::error::Result;
use crate::plan::{Plan, RunConfig, run_id};
use crate::records::{self, Results};
use crate::spec::significant4;

/// The grid step used beyond an edge when a batch size has a single rate: a factor of 10^(1/2).
const LONE_RATE_STEP: f64 = 3.162_277_660_168_379_5;

/// The runs to add after a round: one rate beyond each unbracketed edge, every repeat; empty when every
/// batch size is bracketed (or tuned as far as its failures allow).
pub fn extension(plan: &Plan) -> Result<Vec<RunConfig>> {
    let runs = plan
        .runs
        .iter()
        .map(|r| records::read_run(&records::layout::run_dir(plan.output(), &r.id)))
        .collect::<Result<Vec<_>>>()?;
    let results = Results {
        dir: plan.output().to_path_buf(),
        settings: plan.settings.clone(),
        spec_text: String::new(),
        summaries: Vec::new(),
        runs,
        landscapes: Vec::new(),
        classes: records::read_classes(plan.output())?.len(),
    };
    let analysis = analysis::analyze(&results);
    let mut added = Vec::new();
    for b in &analysis.batch_sizes {
        let tried = tried(plan, b.batch_size);
        let Some(rate) = next_rate(b.tuning, b.learning_rate, &tried) else { continue };
        let template =
            plan.runs.iter().find(|r| r.batch_size == b.batch_size).expect("a run of each batch size");
        for repeat in 0..plan.settings.repeats {
            added.push(config(plan, template, rate, repeat, plan.runs.len() + added.len()));
        }
    }
    Ok(added)
}

/// The rates tried at batch size `b`, ascending.
fn tried(plan: &Plan, b: usize) -> Vec<f64> {
    let mut rates: Vec<f64> =
        plan.runs.iter().filter(|r| r.batch_size == b).map(|r| r.learning_rate).collect();
    rates.sort_by(f64::total_cmp);
    rates.dedup();
    rates
}

/// The rate beyond the edge where `chosen` sits, one grid step out; `None` when it is bracketed.
pub fn next_rate(tuning: Tuning, chosen: f64, tried: &[f64]) -> Option<f64> {
    let (first, last) = (*tried.first()?, *tried.last()?);
    let step = |a: f64, b: f64| if b > a { b / a } else { LONE_RATE_STEP };
    let rate = match tuning {
        Tuning::Bracketed => return None,
        Tuning::TopEdge | Tuning::SingleRate if chosen == last => {
            let below = tried.get(tried.len().wrapping_sub(2)).copied().unwrap_or(last);
            last * step(below, last)
        }
        Tuning::BottomEdge | Tuning::Unusable | Tuning::TopEdge | Tuning::SingleRate => {
            let above = tried.get(1).copied().unwrap_or(first);
            first / step(first, above)
        }
    };
    let rate = significant4(rate);
    (rate.is_finite() && rate > 0.0 && !tried.contains(&rate)).then_some(rate)
}

/// A run like `template` (same batch size, variant and optimiser) at `rate` and `repeat`.
fn config(plan: &Plan, template: &RunConfig, rate: f64, repeat: u64, index: usize) -> RunConfig {
    let width = plan.train_examples.to_string().len();
    RunConfig {
        index,
        id: run_id(template.batch_size, width, rate, repeat, &template.variant),
        repeat,
        learning_rate: rate,
        ..template.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_edge_gets_one_more_grid_step_and_a_bracketed_optimum_none() {
        let grid = [0.01, 0.03, 0.1];
        // 0.1 / 0.03 = 3.33: the next rate above 0.1 is 0.3333.
        assert_eq!(next_rate(Tuning::TopEdge, 0.1, &grid), Some(0.3333));
        assert_eq!(next_rate(Tuning::BottomEdge, 0.01, &grid), Some(0.003333));
        assert_eq!(next_rate(Tuning::Bracketed, 0.03, &grid), None);
        // A lone rate steps by sqrt(10) upward; a batch size whose every rate failed steps down.
        assert_eq!(next_rate(Tuning::SingleRate, 0.1, &[0.1]), Some(0.3162));
        assert_eq!(next_rate(Tuning::Unusable, f64::NAN, &grid), Some(0.003333));
    }
}
