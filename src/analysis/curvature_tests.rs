//! The curvature analysis on records built here (the runs of `tests`, with curvature rows added), where the
//! right answer is known by construction: sharpness read at the target by interpolation in log loss, the
//! settled ratio over the last quarter, the edge verdicts at their boundaries, and "sharper at large
//! batch" claimed only when the paired interval clears the margin.

use super::curvature::{Edge, at_loss, edge, of_run};
use super::stats::Interval;
use super::tests::{N, results, run, settings};
use super::*;
use crate::schema::CurvatureRecord;

/// A curvature row at `epoch` (update = epoch x updates per epoch) with this loss, sharpness and threshold.
fn row(epoch: u64, per_epoch: u64, train_loss: f64, lambda_max: f64, threshold: f64) -> CurvatureRecord {
    CurvatureRecord {
        epoch,
        update: epoch * per_epoch,
        train_loss,
        grad_norm: 1.0,
        lambda_max,
        lambda_max_iterations: 10,
        lambda_max_rel_change: 1e-6,
        converged: true,
        lambda_min: None,
        lambda_min_converged: None,
        preconditioned_lambda_max: None,
        learning_rate: 2.0 / threshold,
        stability_threshold: threshold,
        threshold_preconditioned: false,
        trace: None,
        trace_se: None,
        b_noise: None,
        b_noise_se: None,
        b_simple: 1.0,
        hessian_products: 10,
        curvature_time_s: 0.0,
    }
}

#[test]
fn the_sharpness_at_the_target_is_interpolated_in_log_loss() {
    // Loss 1 -> 0.01 while lambda_max goes 10 -> 20: the target 0.1 lies halfway in log loss, so 15.
    let rows = [row(0, 1, 1.0, 10.0, 20.0), row(1, 1, 0.01, 20.0, 20.0)];
    assert!((at_loss(&rows, 0.1).unwrap() - 15.0).abs() < 1e-12);
    assert_eq!(at_loss(&rows, 2.0), None, "started below the target: not measured");
    assert_eq!(at_loss(&rows, 0.001), None, "never reached");
}

#[test]
fn the_threshold_ratio_averages_the_last_quarter_of_training_only() {
    // Epochs 0..=8: ratio 0.5 up to epoch 5, then 1.0, 1.1 and 0.9 at epochs 6, 7 and 8 (>= 8 x 0.75).
    let ratios = [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 1.0, 1.1, 0.9];
    let rows: Vec<CurvatureRecord> =
        ratios.iter().enumerate().map(|(e, r)| row(e as u64, 3, 1.0, 20.0 * r, 20.0)).collect();
    let c = of_run(Some(&rows), false, None);
    assert!((c.threshold_ratio.unwrap() - 1.0).abs() < 1e-12, "{c:?}");
    assert_eq!(c.final_sharpness, Some(18.0));
    assert_eq!(of_run(Some(&rows), true, None), Default::default(), "a failed run has no answers");
}

#[test]
fn the_edge_verdict_needs_the_whole_interval_on_one_side_of_each_boundary() {
    let i = |low, high| Some(Interval { estimate: (low + high) / 2.0, low, high });
    assert_eq!(edge(i(0.95, 1.05)), Edge::AtThreshold);
    assert_eq!(edge(i(0.90, 1.10)), Edge::AtThreshold);
    assert_eq!(edge(i(0.95, 1.11)), Edge::Undetermined);
    assert_eq!(edge(i(0.5, 0.89)), Edge::Below);
    assert_eq!(edge(i(1.2, 1.3)), Edge::Above);
    assert_eq!(edge(None), Edge::NoInterval);
}

/// The sweep of `tests` (B = 1, 10, 100, full; three repeats; one rate) with curvature rows at every epoch
/// whose sharpness at batch size b and repeat r is `sharp(b, r)`, threshold 20.
fn with_curvature(sharp: &dyn Fn(usize, u64) -> f64) -> Results {
    let loss = |u: f64| 2.0 / (1.0 + u / 10.0) + 0.05;
    let mut runs = Vec::new();
    for b in [1, 10, 100, N] {
        for r in 0..3 {
            let mut records = run(b, 0.1, r, &loss, &|_| 0.0, false);
            let per_epoch = N.div_ceil(b) as u64;
            let rows = (0..=4).map(|e| row(e, per_epoch, loss((e * per_epoch) as f64), sharp(b, r), 20.0));
            records.curvature = Some(rows.collect());
            runs.push(records);
        }
    }
    results(settings("[analysis]\ntarget_train_loss = 1.0\n"), runs)
}

#[test]
fn sharper_at_large_batch_is_claimed_only_when_the_paired_interval_clears_the_margin() {
    // Sharpness 10 + 2.5 log10(b) with a repeat spread of 0.1: the full batch is 7.5 sharper than B = 1
    // in every repeat, far beyond 5 % of the mean.
    let real = analyze(&with_curvature(&|b, r| 10.0 + 2.5 * (b as f64).log10() + 0.1 * r as f64));
    let c = real.curvature.as_ref().expect("curvature records");
    assert_eq!(c.at_target.claim, Claim::SmallerAtSmallBatch, "{:?}", c.at_target);
    let lines = curvature_text::lines(c);
    assert!(lines.iter().any(|l| l.starts_with("Sharpness at the target: sharper at large batch sizes")));
    // The same trend, 2 % from end to end: within the margin, so no direction is claimed.
    let small = analyze(&with_curvature(&|b, r| 20.0 + 0.1 * (b as f64).log10() + 0.01 * r as f64));
    let c = small.curvature.as_ref().expect("curvature records");
    assert_eq!(c.at_target.claim, Claim::NoDetectableDifference, "{:?}", c.at_target);
    // A full batch that alternates above and below B = 1 over repeats: the interval spans zero.
    let noise = analyze(&with_curvature(&|b, r| if b == N { [12.0, 8.0, 11.0][r as usize] } else { 10.0 }));
    let c = noise.curvature.as_ref().expect("curvature records");
    assert_eq!(c.at_target.claim, Claim::NoDetectableDifference, "{:?}", c.at_target);
}

#[test]
fn the_full_batch_at_its_threshold_is_said_to_settle_there_and_the_others_below() {
    let a = analyze(&with_curvature(&|b, r| if b == N { 20.0 + 0.1 * r as f64 } else { 10.0 }));
    let c = a.curvature.as_ref().expect("curvature records");
    let full = c.configs.iter().find(|k| k.batch_label == "full").expect("the full batch");
    assert_eq!((full.edge, full.threshold_name.as_str(), full.repeats), (Edge::AtThreshold, "2/lr", 3));
    assert!(c.configs.iter().filter(|k| k.batch_label != "full").all(|k| k.edge == Edge::Below));
    let lines = curvature_text::lines(c);
    assert!(lines[0].contains("λ_max settled at its stability threshold 2/lr = 20"), "{}", lines[0]);
    assert!(lines[1].contains("B = 1, lr = 0.1: λ_max stayed below"), "{}", lines[1]);
    // Without curvature records there is no curvature analysis, and no sentence.
    let plain = (0..3).map(|r| run(1, 0.1, r, &|u| 1.0 / (1.0 + u), &|_| 0.0, false)).collect();
    assert!(analyze(&results(settings(""), plain)).curvature.is_none());
}
