//! What a person sees: progress bars on stderr (hidden when stderr is not a terminal), the plan and the
//! closing summary table on stdout.

use crate::plan::Plan;
use crate::records::RunSummary;
use crate::sweep::Progress;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::fmt::Write;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A progress bar counting training examples over the whole sweep.
pub struct SweepProgress {
    bar: ProgressBar,
    runs: usize,
    done: AtomicUsize,
}

impl SweepProgress {
    /// A bar for `plan`; hidden when `quiet` or when stderr is not a terminal.
    pub fn new(plan: &Plan, quiet: bool) -> Self {
        let total: u64 = plan.runs.iter().map(|r| r.epochs * plan.train_examples as u64).sum();
        let target = if quiet { ProgressDrawTarget::hidden() } else { ProgressDrawTarget::stderr() };
        let bar = ProgressBar::with_draw_target(Some(total), target);
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {wide_bar} {percent:>3}% {msg} (eta {eta})",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar.set_message(format!("0/{} runs", plan.runs.len()));
        SweepProgress { bar, runs: plan.runs.len(), done: AtomicUsize::new(0) }
    }

    /// Removes the bar.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl Progress for SweepProgress {
    fn advance(&self, examples: u64) {
        self.bar.inc(examples);
    }

    fn finished(&self, summary: &RunSummary) {
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        self.bar.set_message(format!("{done}/{} runs, last {}", self.runs, summary.run_id));
    }
}

/// The plan as a table: one line per run.
pub fn plan_table(plan: &Plan) -> String {
    let mut out = String::new();
    let total: u64 = plan.runs.iter().map(|r| r.total_updates()).sum();
    let _ = writeln!(
        out,
        "{}: {} runs on {} training examples, {} updates in all; results in {}",
        plan.spec.experiment.name,
        plan.runs.len(),
        plan.train_examples,
        total,
        plan.output.display()
    );
    let _ = writeln!(
        out,
        "{:<28} {:>6} {:>10} {:>7} {:>13} {:>10} {:>12}",
        "run", "batch", "lr", "epochs", "updates/epoch", "last batch", "updates"
    );
    for r in &plan.runs {
        let _ = writeln!(
            out,
            "{:<28} {:>6} {:>10} {:>7} {:>13} {:>10} {:>12}",
            r.id,
            r.batch_label,
            r.learning_rate,
            r.epochs,
            r.updates_per_epoch,
            r.last_batch_size,
            r.total_updates()
        );
    }
    out
}

/// The closing table: one line per run.
pub fn summary_table(summaries: &[RunSummary]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<28} {:>6} {:>8} {:>11} {:>10} {:>9} {:>9}",
        "run", "batch", "updates", "train loss", "test loss", "test acc", "train s"
    );
    for s in summaries {
        let opt = |v: Option<f64>, p: usize| v.map_or("-".to_string(), |v| format!("{v:.p$}"));
        let _ = writeln!(
            out,
            "{:<28} {:>6} {:>8} {:>11.4} {:>10} {:>9} {:>9.3}{}",
            s.run_id,
            s.batch_label,
            s.updates,
            s.final_train_loss,
            opt(s.final_test_loss, 4),
            opt(s.final_test_accuracy, 3),
            s.train_time_s,
            if s.diverged { "  diverged" } else { "" }
        );
    }
    out
}
