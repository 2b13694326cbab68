//! The analysis as text: the answer table (terminal and report), the critical batch size line and the
//! one-sentence smoothness verdict. Pure: strings in, strings out.

use super::{Analysis, BatchAnalysis, Choice};
use std::fmt::Write;

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

/// Spearman's rank correlation of (x, y) points (average ranks for ties); 0 when either is constant.
pub fn spearman(points: &[(f64, f64)]) -> f64 {
    let rx = ranks(&points.iter().map(|p| p.0).collect::<Vec<_>>());
    let ry = ranks(&points.iter().map(|p| p.1).collect::<Vec<_>>());
    let n = rx.len() as f64;
    let (mx, my) = (rx.iter().sum::<f64>() / n, ry.iter().sum::<f64>() / n);
    let cov: f64 = rx.iter().zip(&ry).map(|(a, b)| (a - mx) * (b - my)).sum();
    let vx: f64 = rx.iter().map(|a| (a - mx).powi(2)).sum();
    let vy: f64 = ry.iter().map(|b| (b - my).powi(2)).sum();
    if vx == 0.0 || vy == 0.0 { 0.0 } else { cov / (vx * vy).sqrt() }
}

fn ranks(v: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..v.len()).collect();
    order.sort_by(|&a, &b| v[a].total_cmp(&v[b]));
    let mut out = vec![0.0; v.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && v[order[j + 1]] == v[order[i]] {
            j += 1;
        }
        (i..=j).for_each(|k| out[order[k]] = (i + j) as f64 / 2.0 + 1.0);
        i = j + 1;
    }
    out
}

/// The answer table aligned for a terminal, then the target and critical batch size lines.
pub fn terminal(analysis: &Analysis) -> String {
    let rows = rows(analysis);
    let widths: Vec<usize> = (0..COLUMNS.len())
        .map(|c| rows.iter().map(|r| r[c].chars().count()).chain([COLUMNS[c].len()]).max().unwrap_or(0))
        .collect();
    let line = |cells: &[String]| -> String {
        let padded: Vec<String> = cells.iter().zip(&widths).map(|(c, w)| format!("{c:>w$}")).collect();
        padded.join("  ").trim_end().to_string()
    };
    let mut out = String::new();
    let _ = writeln!(out, "{}", analysis.target.describe());
    let _ = writeln!(out, "{}", line(&COLUMNS.map(String::from)));
    for r in &rows {
        let _ = writeln!(out, "{}", line(r));
    }
    let _ = writeln!(out, "{}", critical_line(analysis));
    let _ = writeln!(out, "{}", analysis.smoothness_verdict);
    out
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spearman_is_one_for_a_monotone_relation_and_minus_one_for_a_reversed_one() {
        assert_eq!(spearman(&[(1.0, 1.0), (2.0, 8.0), (3.0, 9.0)]), 1.0);
        assert_eq!(spearman(&[(1.0, 3.0), (2.0, 2.0), (8.0, 1.0)]), -1.0);
    }

    #[test]
    fn tied_values_share_their_average_rank() {
        assert_eq!(ranks(&[5.0, 1.0, 5.0, 2.0]), vec![3.5, 1.0, 3.5, 2.0]);
    }
}
