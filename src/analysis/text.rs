//! The analysis as text: the answer table (terminal and report), the critical batch size line and the
//! one-sentence smoothness verdict. Pure: strings in, strings out.

use super::stats::spearman;
use super::{Analysis, BatchAnalysis, Choice};

/// Headers of the answer table.
pub const COLUMNS: [&str; 12] = [
    "batch size",
    "best lr",
    "updates / epoch",
    "reached",
    "epochs to target",
    "steps to target",
    "seconds to target",
    "final test acc",
    "epoch TV ratio",
    "iteration TV ratio",
    "peak memory",
    "B_simple",
];

/// The answer table's cells, one row per batch size.
pub fn rows(analysis: &Analysis) -> Vec<Vec<String>> {
    analysis.batch_sizes.iter().map(row).collect()
}

fn row(b: &BatchAnalysis) -> Vec<String> {
    let label =
        if b.batch_label == "full" { format!("full ({})", b.batch_size) } else { b.batch_size.to_string() };
    let lr = match (b.chosen_by, b.rates_tried) {
        (_, 1) => format!("{}", b.learning_rate),
        (Choice::FewestSteps, _) => format!("{}", b.learning_rate),
        (Choice::LowestLoss, _) => format!("{} (lowest loss)", b.learning_rate),
    };
    let missing = "–".to_string();
    let num = |v: Option<f64>, p: usize| v.map_or(missing.clone(), |v| format!("{v:.p$}"));
    vec![
        label,
        lr,
        b.updates_per_epoch.to_string(),
        format!("{}/{}", b.repeats_reached, b.repeats),
        b.epochs_to_target.map_or("not reached".into(), |v| format!("{v:.2}")),
        num(b.steps_to_target, 0),
        num(b.seconds_to_target, 3),
        num(b.final_test_accuracy, 3),
        num(b.epoch_tv_ratio, 3),
        num(b.iteration_tv_ratio, 1),
        b.peak_bytes.map_or(missing.clone(), bytes),
        b.b_simple.map_or(missing, significant),
    ]
}

/// The critical batch size line.
pub fn critical_line(analysis: &Analysis) -> String {
    let noise = analysis.critical.b_simple.map_or(String::from("no noise records"), |b| {
        format!("measured B_simple (mean over checkpoints before the target) = {}", significant(b))
    });
    match &analysis.critical.fit {
        None => format!(
            "critical batch size: not fitted (fewer than two batch sizes reached the target with positive steps); {noise}"
        ),
        Some(f) => {
            let crit = f
                .b_crit
                .map_or("undefined (S_min ≤ 0: steps still halve with every doubling)".into(), |b| {
                    significant(b)
                });
            format!(
                "critical batch size B_crit = E_min/S_min = {crit} (S_min = {} steps, E_min = {} examples, \
                 fit of S = S_min + E_min/B weighted 1/S² over {} batch sizes, relative rms residual {:.1} %); {noise}",
                significant(f.s_min),
                significant(f.e_min),
                f.points,
                100.0 * f.residual
            )
        }
    }
}

/// One sentence on the per-epoch training loss: smoother or rougher as the batch size fell, from the
/// Spearman rank correlation between batch size and total-variation ratio (|rho| >= 0.5 and the two ends
/// agreeing count as a trend).
pub fn smoothness_verdict(rows: &[BatchAnalysis]) -> String {
    let points: Vec<(f64, f64)> =
        rows.iter().filter_map(|b| b.epoch_tv_ratio.map(|r| (b.batch_size as f64, r))).collect();
    let (Some(small), Some(large)) = (points.first(), points.last()) else {
        return "Smoothness: no per-epoch curve fell, so there is nothing to compare.".into();
    };
    if points.len() < 2 {
        return "Smoothness: only one batch size has a per-epoch curve, so there is no trend to report."
            .into();
    }
    if points.iter().all(|p| (p.1 - 1.0).abs() < 1e-9) {
        return "The per-epoch training loss fell monotonically at every batch size (total-variation ratio 1), \
                so it got neither smoother nor rougher as the batch size fell."
            .into();
    }
    let rho = spearman(&points);
    let ends = format!(
        "its total-variation ratio went from {:.3} at B = {} to {:.3} at B = {} (1 = monotone; Spearman ρ between \
         batch size and ratio {rho:.2})",
        large.1, large.0, small.1, small.0
    );
    if rho <= -0.5 && small.1 > large.1 {
        format!("As the batch size fell, the per-epoch training loss got rougher: {ends}.")
    } else if rho >= 0.5 && small.1 < large.1 {
        format!("As the batch size fell, the per-epoch training loss got smoother: {ends}.")
    } else {
        format!(
            "The per-epoch training loss showed no consistent trend in smoothness with batch size: {ends}."
        )
    }
}

/// Bytes in KiB or MiB.
pub fn bytes(b: f64) -> String {
    if b >= 1024.0 * 1024.0 { format!("{:.2} MiB", b / 1048576.0) } else { format!("{:.0} KiB", b / 1024.0) }
}

/// Three significant digits (scientific below 0.001).
pub fn significant(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    if v.abs() < 1e-3 {
        return format!("{v:.2e}");
    }
    let decimals = (2 - v.abs().log10().floor() as i32).clamp(0, 6) as usize;
    format!("{v:.decimals$}")
}
