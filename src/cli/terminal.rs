//! What a person sees: progress bars on stderr (hidden when stderr is not a terminal), the plan and the
//! closing summary table on stdout.

use batchlab::plan::Plan;
use batchlab::report::Table;
use batchlab::schema::RunSummary;
use batchlab::sweep::Progress;
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
        plan.settings.name,
        plan.runs.len(),
        plan.train_examples,
        total,
        plan.output().display()
    );
    let extend = plan.settings.sweep.extend_grid;
    if extend > 0 {
        let sizes = plan.settings.sweep.batch_sizes.len() as u64;
        let _ = writeln!(
            out,
            "sweep.extend_grid may add up to {extend} rates beyond an edge of each batch size's grid: at most {} \
             more runs",
            extend * sizes * plan.settings.repeats
        );
    }
    let columns = ["run", "batch", "lr", "epochs", "updates/epoch", "last batch", "updates"];
    let mut table = Table::new(&columns).left(0);
    for r in &plan.runs {
        table.push(vec![
            r.id.clone(),
            r.batch_label.clone(),
            r.learning_rate.to_string(),
            r.epochs.to_string(),
            r.updates_per_epoch.to_string(),
            r.last_batch_size.to_string(),
            r.total_updates().to_string(),
        ]);
    }
    out.push_str(&table.text());
    out
}

/// The closing table: one line per run.
pub fn summary_table(summaries: &[RunSummary]) -> String {
    let columns = ["run", "batch", "updates", "train loss", "test loss", "test acc", "train s", ""];
    let mut table = Table::new(&columns).left(0).left(7);
    let opt = |v: Option<f64>, p: usize| v.map_or("-".to_string(), |v| format!("{v:.p$}"));
    for s in summaries {
        table.push(vec![
            s.run_id.clone(),
            s.batch_label.clone(),
            s.updates.to_string(),
            format!("{:.4}", s.final_train_loss),
            opt(s.final_test_loss, 4),
            opt(s.final_test_accuracy, 3),
            format!("{:.3}", s.train_time_s),
            if s.diverged { "diverged".into() } else { String::new() },
        ]);
    }
    table.text()
}
