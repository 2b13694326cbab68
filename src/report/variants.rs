//! Results of a sweep with `sweep.variants`: every variant is analysed and reported on its own, in
//! `variants/<name>/` as a results folder of that variant's runs alone would be (its runs are never mixed
//! with another variant's as if they were repeats), and the variants are compared at every batch size and
//! rate they share. The comparison is paired over repeats: repeat r of every variant starts from the same
//! weights and sees the examples in the same order, so the difference of a pair is the variant's effect.

use super::table::Table;
use crate::analysis::stats::{self, Interval};
use crate::analysis::text::significant;
use crate::analysis::{Analysis, RunAnalysis};
use crate::records::{Results, layout};
use std::fmt::Write;

/// A difference in final training loss smaller than this share of the reference's loss is not claimed.
const LOSS_MARGIN: f64 = 0.05;
/// A difference in final test accuracy smaller than this (half a percentage point) is not claimed.
const ACCURACY_MARGIN: f64 = 0.005;

/// The variants of `results` in spec order; empty when the sweep has none.
pub fn names(results: &Results) -> Vec<String> {
    results.settings.sweep.variants.iter().map(|v| v.name.clone()).filter(|n| !n.is_empty()).collect()
}

/// The runs of variant `name` alone, as if they were a results folder of their own in `variants/<name>/`.
pub fn only(results: &Results, name: &str) -> Results {
    let runs: Vec<_> = results.runs.iter().filter(|r| r.file.config.variant == name).cloned().collect();
    let ids: Vec<&str> = runs.iter().map(|r| r.file.config.id.as_str()).collect();
    Results {
        dir: results.dir.join(layout::VARIANTS).join(name),
        settings: results.settings.clone(),
        spec_text: results.spec_text.clone(),
        summaries: results.summaries.iter().filter(|s| ids.contains(&s.run_id.as_str())).cloned().collect(),
        runs,
        landscapes: results.landscapes.clone(),
        classes: results.classes,
    }
}

/// One measure of one configuration compared between the reference variant and another.
#[derive(Debug, Clone, PartialEq)]
pub struct Difference {
    /// Mean of the reference variant over the paired repeats.
    pub reference: f64,
    /// Mean of the other variant.
    pub other: f64,
    /// The mean paired difference other - reference with its 95 % t interval (fewer than three pairs:
    /// none).
    pub interval: Option<Interval>,
}

/// A configuration both variants ran.
#[derive(Debug, Clone, PartialEq)]
pub struct Shared {
    /// `32` or `full`: the starting batch size.
    pub batch_label: String,
    /// The learning rate.
    pub learning_rate: f64,
    /// Repeats healthy in both variants.
    pub pairs: usize,
    /// Repeats failed in either.
    pub failed: usize,
    /// Updates made, mean over the pairs.
    pub updates: (f64, f64),
    /// Final full training loss.
    pub train_loss: Option<Difference>,
    /// Final test accuracy (classification with a test set).
    pub test_accuracy: Option<Difference>,
}

/// Every configuration `reference` and `other` share, paired by repeat over the runs healthy in both.
pub fn compare(reference: &Analysis, other: &Analysis, updates: &dyn Fn(&str) -> f64) -> Vec<Shared> {
    let mut out = Vec::new();
    for b in &reference.batch_sizes {
        let mut rates: Vec<f64> = reference
            .runs
            .iter()
            .filter(|r| r.batch_label == b.batch_label)
            .map(|r| r.learning_rate)
            .collect();
        rates.sort_by(f64::total_cmp);
        rates.dedup();
        for lr in rates {
            let of = |a: &'_ Analysis| -> Vec<RunAnalysis> {
                let at = |r: &&RunAnalysis| r.batch_label == b.batch_label && r.learning_rate == lr;
                a.runs.iter().filter(at).cloned().collect()
            };
            let (mine, theirs) = (of(reference), of(other));
            let pairs: Vec<(&RunAnalysis, &RunAnalysis)> = mine
                .iter()
                .filter_map(|m| theirs.iter().find(|t| t.repeat == m.repeat).map(|t| (m, t)))
                .collect();
            if pairs.is_empty() {
                continue;
            }
            let healthy: Vec<_> = pairs.iter().copied().filter(|(m, t)| !m.failed && !t.failed).collect();
            let mean_updates = |f: &dyn Fn(&(&RunAnalysis, &RunAnalysis)) -> f64| {
                stats::mean(&healthy.iter().map(f).collect::<Vec<_>>()).unwrap_or(f64::NAN)
            };
            out.push(Shared {
                batch_label: b.batch_label.clone(),
                learning_rate: lr,
                pairs: healthy.len(),
                failed: pairs.len() - healthy.len(),
                updates: (mean_updates(&|p| updates(&p.0.run_id)), mean_updates(&|p| updates(&p.1.run_id))),
                train_loss: difference(&healthy, |r| Some(r.final_train_loss)),
                test_accuracy: difference(&healthy, |r| r.final_test_accuracy),
            });
        }
    }
    out
}

fn difference(
    pairs: &[(&RunAnalysis, &RunAnalysis)],
    f: fn(&RunAnalysis) -> Option<f64>,
) -> Option<Difference> {
    let values: Vec<(f64, f64)> = pairs.iter().map(|(m, t)| Some((f(t)?, f(m)?))).collect::<Option<_>>()?;
    let reference = stats::mean(&values.iter().map(|v| v.1).collect::<Vec<_>>())?;
    let other = stats::mean(&values.iter().map(|v| v.0).collect::<Vec<_>>())?;
    Some(Difference { reference, other, interval: stats::paired_interval(&values) })
}

/// "lower (-0.012 [-0.016, -0.008])" when the interval excludes zero by `margin`; "equal within ±margin"
/// when it lies inside (-margin, margin); otherwise "no detectable difference"; "too few repeats to tell"
/// without an interval.
pub fn verdict(d: &Difference, margin: f64, (less, more): (&str, &str)) -> String {
    let Some(i) = d.interval else { return "too few healthy repeats to tell (fewer than 3 pairs)".into() };
    let shown = format!("{} [{}, {}]", significant(i.estimate), significant(i.low), significant(i.high));
    if i.below(margin) {
        format!("{less} ({shown})")
    } else if i.above(margin) {
        format!("{more} ({shown})")
    } else if i.low > -margin && i.high < margin {
        format!("equal within ±{} ({shown})", significant(margin))
    } else {
        format!("no detectable difference ({shown})")
    }
}

/// The comparison of `other` against `reference` as a table, one row per shared configuration.
pub fn table(reference: &str, other: &str, shared: &[Shared]) -> Table {
    let mut t = Table::new(&[
        "B (start)",
        "lr",
        "pairs",
        &format!("updates {reference}"),
        &format!("updates {other}"),
        &format!("train loss {reference}"),
        &format!("train loss {other}"),
        "train loss",
        "test accuracy",
    ]);
    for s in shared {
        let loss = s.train_loss.as_ref();
        let margin = loss.map_or(0.0, |d| LOSS_MARGIN * d.reference.abs());
        let accuracy = s.test_accuracy.as_ref();
        t.push(vec![
            s.batch_label.clone(),
            significant(s.learning_rate),
            if s.failed > 0 { format!("{} ({} failed)", s.pairs, s.failed) } else { s.pairs.to_string() },
            significant(s.updates.0),
            significant(s.updates.1),
            loss.map_or("–".into(), |d| significant(d.reference)),
            loss.map_or("–".into(), |d| significant(d.other)),
            loss.map_or("–".into(), |d| verdict(d, margin, ("lower", "higher"))),
            accuracy.map_or("–".into(), |d| verdict(d, ACCURACY_MARGIN, ("lower", "higher"))),
        ]);
    }
    t
}

/// The top of a variant sweep's report.md: what was compared, how, the tables, and links to each
/// variant's own report.
pub fn markdown(names: &[String], tables: &[(String, Table, String)]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "## Variants compared\n");
    let _ = writeln!(
        out,
        "Each variant is analysed on its own runs (its report: {}). Below, every other variant against \
         `{}` at each starting batch size and rate both ran: repeat r of every variant starts from the same \
         weights and sees the examples in the same order, so differences are paired over repeats (other \
         minus reference, mean with its 95 % t interval over the repeats healthy in both). A difference is \
         claimed only when its interval excludes zero by {} of the reference's training loss or by {} \
         percentage point of test accuracy.\n",
        names.iter().map(|n| format!("[{n}](variants/{n}/report.md)")).collect::<Vec<_>>().join(", "),
        names[0],
        crate::analysis::text::percent(LOSS_MARGIN),
        100.0 * ACCURACY_MARGIN,
    );
    for (title, table, updates) in tables {
        let _ = writeln!(out, "### {title}\n\n{}\n{updates}\n", table.markdown());
    }
    out
}

/// "grow_batch made 41.5 % to 44.4 % of decay_lr's updates." over the shared configurations (updates are
/// set by the schedules, the same in every repeat).
pub fn updates_line(reference: &str, other: &str, shared: &[Shared]) -> String {
    let ratios: Vec<f64> =
        shared.iter().map(|s| s.updates.1 / s.updates.0).filter(|r| r.is_finite()).collect();
    match stats::min_max(&ratios) {
        Some((lo, hi)) if lo == hi => {
            format!("{other} made {} of {reference}'s updates.", crate::analysis::text::percent(lo))
        }
        Some((lo, hi)) => format!(
            "{other} made {} to {} of {reference}'s updates, depending on the batch size.",
            crate::analysis::text::percent(lo),
            crate::analysis::text::percent(hi)
        ),
        None => String::new(),
    }
}
