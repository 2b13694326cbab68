//! The curvature answers in words, in the style of [`text`](super::text): whether each full-batch
//! configuration's sharpness settled at its stability threshold and where the other batch sizes ended
//! against theirs, each with its interval over repeats; then the sharpness compared across batch sizes, a
//! direction only where the paired interval supports it, at comparable training loss first.

use super::curvature::{ConfigCurvature, CurvatureAnalysis, EDGE_TOLERANCE, Edge, SETTLED_SHARE};
use super::stats::Interval;
use super::text::{comparison, plain, significant};

/// The curvature sentences: the edge of stability (full batch, then the other batch sizes), then the
/// sharpness at the target and at the end compared across batch sizes.
pub fn lines(c: &CurvatureAnalysis) -> Vec<String> {
    let mut out = Vec::new();
    // Configurations whose every repeat failed are in the failures table, not here.
    let (full, rest): (Vec<&ConfigCurvature>, Vec<&ConfigCurvature>) =
        c.configs.iter().filter(|k| k.repeats > 0).partition(|k| k.batch_label == "full");
    if !full.is_empty() {
        let each: Vec<String> = full.iter().map(|k| edge_sentence(k)).collect();
        out.push(format!("Edge of stability, full batch: {}.", each.join("; ")));
    }
    if !rest.is_empty() {
        let each: Vec<String> = rest.iter().map(|k| edge_sentence(k)).collect();
        out.push(format!(
            "Sharpness against the stability threshold at smaller batch sizes: {}.",
            each.join("; ")
        ));
    }
    out.push(comparison(
        &c.at_target,
        "Sharpness at the target",
        ("sharper at small batch sizes", "sharper at large batch sizes"),
        "the sharpness λ_max where each run crossed the target training loss (comparable training loss)",
        plain,
    ));
    out.push(comparison(
        &c.final_sharpness,
        "Final sharpness",
        ("larger at small batch sizes", "larger at large batch sizes"),
        "the sharpness λ_max after the last epoch (the runs may end at different training losses, so read it \
         beside the sharpness at the target)",
        plain,
    ));
    out
}

/// One configuration against its threshold: the verdict, the ratio with its interval, the final sharpness.
fn edge_sentence(k: &ConfigCurvature) -> String {
    let who = if k.batch_label == "full" {
        format!("B = full ({}), lr = {}", k.batch_size, k.learning_rate)
    } else {
        format!("B = {}, lr = {}", k.batch_size, k.learning_rate)
    };
    let line = format!("{} = {}", k.threshold_name, round(k.threshold));
    let verdict = match k.edge {
        Edge::AtThreshold => format!("λ_max settled at its stability threshold {line}"),
        Edge::Below => format!("λ_max stayed below its stability threshold {line}"),
        Edge::Above => format!("λ_max ended above its stability threshold {line}"),
        Edge::Undetermined | Edge::NoInterval => format!("no verdict against its stability threshold {line}"),
    };
    let why = match k.edge {
        Edge::AtThreshold => format!(", within 1 ± {EDGE_TOLERANCE}"),
        Edge::Undetermined => format!(", an interval reaching across 1 ± {EDGE_TOLERANCE}"),
        Edge::NoInterval => ": an interval needs at least three repeats without failure".into(),
        Edge::Below | Edge::Above => String::new(),
    };
    let last = match (k.final_sharpness, k.final_sharpness_interval) {
        (Some(f), i) => format!("; final λ_max {}{}", significant(f), interval(i)),
        (None, _) => String::new(),
    };
    format!(
        "{who}: {verdict}: λ_max / threshold over the last {:.0} % of training {}{} over {} repeat{}{why}{last}",
        100.0 * SETTLED_SHARE,
        k.ratio.map_or("–".into(), significant),
        interval(k.ratio_interval),
        k.repeats,
        if k.repeats == 1 { "" } else { "s" }
    )
}

/// " [95 % CI low, high]", or nothing without an interval.
fn interval(i: Option<Interval>) -> String {
    i.map_or(String::new(), |i| format!(" [95 % CI {}, {}]", significant(i.low), significant(i.high)))
}

/// How the curvature numbers were obtained; printed under the curvature sentences.
pub const METHOD: &str = "λ_max is the largest eigenvalue of the Hessian of the mean training loss over the \
     whole training set (no weight decay) at the checkpoint's weights, by power iteration on exact \
     Hessian-vector products from a seeded start (curvature.csv, with its iterations and convergence). The \
     stability threshold is the sharpness above which the run's step diverges on a quadratic: 2/lr for SGD, \
     (2 + 2 momentum)/lr with momentum; for Adam and AdamW it bounds the preconditioned sharpness \
     λ_max(P^1/2 H P^1/2), P = 1/(sqrt(v_hat) + ε), at (2 + 2 β1)/((1 - β1) lr), 38/lr at β1 = 0.9 (Cohen \
     et al. 2022), and for RMSprop at (2 + 2 momentum)/lr. Edge-of-stability verdicts take each repeat's mean of λ_max / \
     threshold over the checkpoints of the last quarter of training and a 95 % t interval over repeats; \
     \"settled\" needs the whole interval within 1 ± 0.1. Sharpness comparisons use each batch size's \
     chosen rate and pair repeats, as above, with a margin of 5 % of the mean sharpness.";

/// A threshold as written: `20` for a whole number (2/0.1), else three significant figures.
fn round(v: f64) -> String {
    if v.is_finite() && v.abs() < 1e9 && (v - v.round()).abs() <= 1e-9 * v.abs().max(1.0) {
        format!("{}", v.round())
    } else {
        significant(v)
    }
}
