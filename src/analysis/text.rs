//! The analysis in words and cells: the answer table, and one sentence per conclusion, each carrying the
//! numbers and the interval it rests on. Pure: analysis in, strings out.

use super::compare::{Claim, Comparison};
use super::learning_rate::Tuning;
use super::{Analysis, BatchAnalysis};

/// Headers of the answer table.
pub const COLUMNS: [&str; 12] = [
    "batch size",
    "lr",
    "tuning",
    "runs (failed)",
    "reached",
    "epochs to target",
    "steps to target [95 % CI]",
    "seconds to target",
    "final test acc [95 % CI]",
    "update noise",
    "peak memory",
    "B_simple at target",
];

/// The answer table's cells, one row per batch size.
pub fn rows(analysis: &Analysis) -> Vec<Vec<String>> {
    analysis.batch_sizes.iter().map(row).collect()
}

fn row(b: &BatchAnalysis) -> Vec<String> {
    let label =
        if b.batch_label == "full" { format!("full ({})", b.batch_size) } else { b.batch_size.to_string() };
    let missing = || "–".to_string();
    let lr = if b.learning_rate.is_finite() { significant(b.learning_rate) } else { missing() };
    vec![
        label,
        lr,
        tuning(b).to_string(),
        format!("{} ({})", b.runs, b.failed_runs),
        format!("{}/{}", b.repeats_reached, b.repeats),
        b.epochs_to_target.map_or("not reached".into(), significant),
        with_interval(b.steps_to_target, b.steps_to_target_low, b.steps_to_target_high),
        b.seconds_to_target.map_or_else(missing, seconds),
        with_interval(b.final_test_accuracy, b.final_test_accuracy_low, b.final_test_accuracy_high),
        b.update_noise.map_or_else(missing, significant),
        b.peak_bytes.map_or_else(missing, bytes),
        b.b_simple_at_target.map_or_else(missing, significant),
    ]
}

/// How the rate of a batch size stands, in a table cell.
pub fn tuning(b: &BatchAnalysis) -> &'static str {
    match b.tuning {
        Tuning::Bracketed => "best of grid",
        Tuning::SingleRate => "not tuned (1 rate)",
        Tuning::TopEdge => "top edge: extend",
        Tuning::BottomEdge => "bottom edge: extend",
        Tuning::Unusable => "every rate failed",
    }
}

/// `mean [low, high]`, or the mean alone without an interval.
fn with_interval(mean: Option<f64>, low: Option<f64>, high: Option<f64>) -> String {
    match (mean, low, high) {
        (Some(m), Some(l), Some(h)) => format!("{} [{}, {}]", significant(m), significant(l), significant(h)),
        (Some(m), _, _) => significant(m),
        _ => "–".into(),
    }
}

/// The two smoothness sentences: per-epoch full loss, then per-update mini-batch loss.
pub fn smoothness(a: &Analysis) -> [String; 2] {
    [
        comparison(
            &a.epoch_smoothness,
            "Per-epoch training loss",
            ("rougher as the batch size fell", "smoother as the batch size fell"),
            "roughness (total variation / net fall - 1; 0 = monotone)",
            plain,
        ),
        comparison(
            &a.update_smoothness,
            "Per-update (mini-batch) loss",
            ("noisier as the batch size fell", "less noisy as the batch size fell"),
            "its RMS log deviation from the full training loss at the same weights",
            plain,
        ),
    ]
}

/// The generalisation sentence: the gap at comparable training loss (where each run crossed the target).
pub fn generalisation(a: &Analysis) -> String {
    comparison(
        &a.generalisation,
        "Generalisation gap at the target",
        ("larger at small batch sizes", "larger at large batch sizes"),
        "test minus training loss where each run crossed the target",
        plain,
    )
}

/// One comparison as sentences: a direction only for a supported claim, else "no detectable difference";
/// always the ends, the paired interval and the trend.
pub(super) fn comparison(
    c: &Comparison,
    subject: &str,
    (larger, smaller): (&str, &str),
    measure: &str,
    fmt: fn(f64) -> String,
) -> String {
    let at = |b: usize| c.means.iter().find(|m| m.0 == b).map_or("–".into(), |m| fmt(m.1));
    let verdict = match c.claim {
        Claim::LargerAtSmallBatch => larger.to_string(),
        Claim::SmallerAtSmallBatch => smaller.to_string(),
        Claim::NoDetectableDifference => format!(
            "no detectable difference between B = {} and B = {} (a direction needs the interval beyond ±{} \
             and a trend over the batch sizes that agrees)",
            c.small,
            c.large,
            fmt(c.margin)
        ),
        Claim::EndsDifferWithoutTrend => format!(
            "no consistent trend with batch size: B = {} and B = {} differ, but the batch sizes between do not \
             follow (Spearman ρ = {} against the ±0.5 a trend needs)",
            c.small,
            c.large,
            c.rho.map_or("–".into(), |r| format!("{r:.2}"))
        ),
        Claim::NotEnoughData => {
            return format!(
                "{subject}: not compared; an interval needs at least three repeats without failure at two batch \
                 sizes ({} paired here).",
                c.pairs
            );
        }
    };
    let d = c.difference.map_or(String::new(), |d| {
        format!(
            "; paired difference {} [95 % CI {}, {}] over {} repeats; Spearman ρ = {} over {} batch sizes",
            fmt(d.estimate),
            fmt(d.low),
            fmt(d.high),
            c.pairs,
            c.rho.map_or("–".into(), |r| format!("{r:.2}")),
            c.means.len()
        )
    });
    format!(
        "{subject}: {verdict}. {} was {} at B = {} and {} at B = {}{d}.",
        capitalise(measure),
        at(c.small),
        c.small,
        at(c.large),
        c.large
    )
}

/// The critical batch size, with its interval and caveats, or why it was not fitted.
pub fn critical_line(a: &Analysis) -> String {
    let c = &a.critical;
    let ci = |i: Option<super::stats::Interval>| {
        i.map_or(String::new(), |i| format!(" [95 % CI {}, {}]", significant(i.low), significant(i.high)))
    };
    let noise = match (c.b_simple_at_target.first(), c.b_simple_at_target.last()) {
        (Some(first), Some(last)) => format!(
            "; B_simple where each batch size's runs crossed the target ran from {} (B = {}) to {} (B = {})",
            significant(first.1),
            first.0,
            significant(last.1),
            last.0
        ),
        _ => String::new(),
    };
    let main = match (&c.fit, &c.refused) {
        (Some(f), _) => format!(
            "critical batch size B_crit = E_min/S_min = {}{} (S_min = {}{} steps, E_min = {}{} examples; fit of \
             S = S_min + E_min/B weighted 1/S² over {} batch sizes with bracketed rates, relative rms residual \
             {:.1} %; intervals from a bootstrap over repeats){noise}",
            f.b_crit.map_or("undefined (S_min ≤ 0)".into(), significant),
            ci(c.b_crit_interval),
            significant(f.s_min),
            ci(c.s_min_interval),
            significant(f.e_min),
            ci(c.e_min_interval),
            f.points,
            100.0 * f.residual
        ),
        (None, Some(why)) => format!("critical batch size: not fitted: {why}"),
        (None, None) => "critical batch size: not fitted".into(),
    };
    let regimes: Vec<String> = c
        .regimes
        .iter()
        .map(|r| format!("{} from B = {} to {} (slope {:.2})", r.regime, r.from, r.to, r.slope))
        .collect();
    if regimes.is_empty() {
        main
    } else {
        format!("{main}. Measured regimes (local slope of log steps against log B): {}", regimes.join("; "))
    }
}

/// Items joined as "a, b and c".
pub fn list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// First letter upper case.
pub fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or(String::new(), |c| c.to_uppercase().chain(chars).collect())
}

/// Bytes in KiB or MiB.
pub fn bytes(b: f64) -> String {
    if b >= 1024.0 * 1024.0 { format!("{:.2} MiB", b / 1048576.0) } else { format!("{:.0} KiB", b / 1024.0) }
}

/// Seconds, with times under 10 ms (the timer's noise on a shared machine) as "< 0.01 s".
pub fn seconds(s: f64) -> String {
    if s < 0.01 { "< 0.01 s".into() } else { format!("{} s", significant(s)) }
}

/// A share as a percentage with three significant figures.
pub fn percent(v: f64) -> String {
    format!("{} %", significant(100.0 * v))
}

pub(super) fn plain(v: f64) -> String {
    significant(v)
}

/// Three significant figures; scientific notation below 0.001 and from 100 000.
pub fn significant(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    if v.abs() < 1e-3 || v.abs() >= 1e5 {
        return format!("{v:.2e}");
    }
    let exponent = v.abs().log10().floor() as i32;
    if exponent >= 3 {
        let unit = 10f64.powi(exponent - 2);
        return format!("{:.0}", (v / unit).round() * unit);
    }
    let decimals = (2 - exponent).clamp(0, 6) as usize;
    format!("{v:.decimals$}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_keep_three_significant_figures_in_one_style() {
        assert_eq!(significant(2959.1274), "2960");
        assert_eq!(significant(0.0173), "0.0173");
        assert_eq!(significant(0.0001048), "1.05e-4");
        assert_eq!(significant(38577642.0), "3.86e7");
        assert_eq!(seconds(0.0009), "< 0.01 s");
        assert_eq!(list(&["1".into(), "8".into(), "32".into()]), "1, 8 and 32");
    }
}
