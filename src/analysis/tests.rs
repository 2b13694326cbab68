//! The analysis end to end on records built here, where the right answer is known by construction: a
//! sweep where every run failed, an effect only noise separates, a real effect, and fits from too few
//! batch sizes.

use super::*;
use crate::plan::{self, RunConfig};
use crate::records::{RunFile, RunRecords};
use crate::schema::{EpochRecord, EvalRecord, IterationRecord, RunSummary};
use crate::spec::{Spec, SpecSource};

pub(super) const N: usize = 1000;

/// Settings of a digits-like classification sweep, with `analysis` appended to the spec.
pub(super) fn settings(analysis: &str) -> crate::plan::Settings {
    let text = format!(
        "[experiment]\nname = \"t\"\nrepeats = 3\n[training]\nepochs = 4\nlearning_rate = 0.1\n\
         [sweep]\nbatch_sizes = [1, 10, 100, \"full\"]\n{analysis}"
    );
    let spec: Spec = toml::from_str(&text).expect("spec");
    let src = SpecSource { path: "spec.toml".into(), text, overrides: Vec::new() };
    plan::check(&spec, &src).expect("a valid spec")
}

/// A run whose full training loss after update u is `loss(u)`, evaluated at updates 0, 1, 2, 4, ... and at
/// every epoch end; its mini-batch loss at update u + 1 is `loss(u) * (1 + jitter(u))`.
pub(super) fn run(
    b: usize,
    lr: f64,
    repeat: u64,
    loss: &dyn Fn(f64) -> f64,
    jitter: &dyn Fn(u64) -> f64,
    diverged: bool,
) -> RunRecords {
    let per_epoch = N.div_ceil(b);
    let total = 4 * per_epoch as u64;
    let eval = |u: u64| EvalRecord {
        update: u,
        epoch: (u as f64 * b as f64 / N as f64).min(4.0),
        examples_seen: (u as usize * b).min(4 * N) as u64,
        train_loss: if diverged && u > 0 { f64::NAN } else { loss(u as f64) },
        train_accuracy: None,
        test_loss: Some(loss(u as f64) + 0.1),
        test_accuracy: None,
        train_time_s: u as f64 * 1e-4,
    };
    let evals: Vec<EvalRecord> = eval_updates(total, per_epoch as u64).into_iter().map(eval).collect();
    let epochs: Vec<EpochRecord> = (0..=4u64).map(|e| epoch_of(e, &eval(e * per_epoch as u64))).collect();
    let iterations: Vec<IterationRecord> = (1..=total)
        .map(|i| IterationRecord {
            epoch: (i - 1) / per_epoch as u64 + 1,
            iteration: i,
            examples_seen: i * b as u64,
            batch_size: b,
            learning_rate: lr,
            loss: loss((i - 1) as f64) * (1.0 + jitter(i - 1)),
            wall_s: 0.0,
        })
        .collect();
    let file = run_file(b, lr, repeat, epochs.last().expect("epochs"), diverged);
    RunRecords {
        file,
        epochs,
        evals: Some(evals),
        iterations,
        noise: None,
        curvature: None,
        trajectory: None,
        arrows: None,
    }
}

/// Updates 0, 1, 2, 4, ... below `total`, and every epoch end.
fn eval_updates(total: u64, per_epoch: u64) -> Vec<u64> {
    let mut updates: Vec<u64> = (0..20).map(|k| 1u64 << k).filter(|&u| u < total).collect();
    updates.insert(0, 0);
    updates.extend((1..=4).map(|e| e * per_epoch));
    updates.sort_unstable();
    updates.dedup();
    updates
}

fn epoch_of(epoch: u64, v: &EvalRecord) -> EpochRecord {
    EpochRecord {
        epoch,
        train_loss: v.train_loss,
        train_accuracy: None,
        test_loss: v.test_loss,
        test_accuracy: None,
        updates: v.update,
        train_time_s: v.train_time_s,
        eval_time_s: 0.0,
        update_cos_mean: None,
        grad_norm_mean: None,
    }
}

/// summary.json of a 4-epoch run at (`b`, `lr`, `repeat`) that ended at `last`.
fn run_file(b: usize, lr: f64, repeat: u64, last: &EpochRecord, diverged: bool) -> RunFile {
    let per_epoch = N.div_ceil(b);
    let id = format!("bs{b}-lr{lr}-rep{repeat}");
    let config = RunConfig {
        index: 0,
        id: id.clone(),
        repeat,
        batch_size: b,
        batch_label: if b == N { "full".into() } else { b.to_string() },
        learning_rate: lr,
        epochs: 4,
        updates_per_epoch: per_epoch,
        last_batch_size: N - (per_epoch - 1) * b,
        ..RunConfig::default()
    };
    let summary = RunSummary {
        run_id: id,
        repeat,
        batch_size: b,
        batch_label: config.batch_label.clone(),
        learning_rate: lr,
        epochs: 4,
        epochs_completed: if diverged { 0 } else { 4 },
        updates_per_epoch: per_epoch,
        last_batch_size: config.last_batch_size,
        updates: 4 * per_epoch as u64,
        examples_seen: 4 * N as u64,
        final_train_loss: last.train_loss,
        final_test_loss: last.test_loss,
        final_test_accuracy: None,
        train_time_s: last.train_time_s,
        examples_per_s: 0.0,
        diverged,
        diverged_at_update: diverged.then_some(3),
        stopped_at_target: false,
        peak_bytes: None,
        analytic_bytes: None,
        ..RunSummary::default()
    };
    let spec = Spec::clone(settings("").provenance());
    RunFile {
        config,
        training: spec.training,
        model: spec.model,
        data: "made in a test".into(),
        summary,
        config_hash: String::new(),
        data_hash: String::new(),
        train_examples: N,
        files: Vec::new(),
        kernel_path: String::new(),
        cpu_features: String::new(),
        init_hash: String::new(),
    }
}

pub(super) fn results(settings: crate::plan::Settings, runs: Vec<RunRecords>) -> Results {
    Results {
        dir: ".".into(),
        settings,
        spec_text: String::new(),
        summaries: Vec::new(),
        runs,
        landscapes: Vec::new(),
        classes: 0,
    }
}

/// Every batch size of the spec, three repeats, one rate each, with `loss` and `jitter` per batch size.
pub(super) fn sweep(
    loss: &dyn Fn(usize, u64, f64) -> f64,
    jitter: &dyn Fn(usize, u64, u64) -> f64,
) -> Vec<RunRecords> {
    let mut runs = Vec::new();
    for b in [1, 10, 100, N] {
        for r in 0..3 {
            runs.push(run(b, 0.1, r, &|u| loss(b, r, u), &|u| jitter(b, r, u), false));
        }
    }
    runs
}

#[test]
fn when_every_run_diverged_the_report_says_so_chooses_no_target_and_claims_nothing() {
    let mut runs = Vec::new();
    for b in [1, 10, 100, N] {
        for r in 0..3 {
            runs.push(run(b, 0.1, r, &|u| 2.0 / (1.0 + u), &|_| 0.0, true));
        }
    }
    let a = analyze(&results(settings(""), runs));
    assert_eq!(a.failed_runs, 12);
    assert!(a.warnings[0].starts_with("every run failed"), "{:?}", a.warnings);
    assert!(!a.target.is_set(), "no target from failed runs: {:?}", a.target);
    assert!(a.batch_sizes.iter().all(|b| b.tuning == Tuning::Unusable && b.steps_to_target.is_none()));
    assert_eq!(a.epoch_smoothness.claim, Claim::NotEnoughData);
    assert!(a.critical.fit.is_none());
    assert_eq!(a.failures.len(), 4);
}

#[test]
fn curves_that_only_noise_separates_give_no_detectable_difference() {
    // Every batch size falls the same way; a bump of 0.2 % in one epoch of one repeat at B = 1 is all
    // that differs, and the update jitter is the same small alternating 1 % everywhere.
    let bump = |b: usize, r: u64, u: f64| {
        let base = 2.0 * (-u / 50.0f64.max(N as f64 / b as f64)).exp() + 0.05;
        if b == 1 && r == 0 && (2000.0..3000.0).contains(&u) { base * 1.002 } else { base }
    };
    let a = analyze(&results(
        settings(""),
        sweep(&bump, &|_, _, u| if u.is_multiple_of(2) { 0.01 } else { -0.01 }),
    ));
    assert_eq!(a.epoch_smoothness.claim, Claim::NoDetectableDifference, "{:?}", a.epoch_smoothness);
    assert_eq!(a.update_smoothness.claim, Claim::NoDetectableDifference, "{:?}", a.update_smoothness);
    assert!(text::smoothness(&a)[0].contains("no detectable difference"));
}

#[test]
fn a_real_effect_gives_the_directional_sentence_with_its_interval() {
    // The mini-batch loss of B = b deviates from the full loss by 2/sqrt(b) (log ratio about that), in
    // every repeat: noisier as the batch size falls, far beyond the margin.
    let loss = |_: usize, _: u64, u: f64| 2.0 / (1.0 + u / 100.0) + 0.05;
    let jitter = |b: usize, r: u64, u: u64| {
        let size = 2.0 / (b as f64).sqrt() * (1.0 + 0.05 * r as f64);
        if b == N {
            0.0
        } else if u.is_multiple_of(2) {
            size.min(0.9)
        } else {
            -size.min(0.9)
        }
    };
    let a = analyze(&results(settings(""), sweep(&loss, &jitter)));
    assert_eq!(a.update_smoothness.claim, Claim::LargerAtSmallBatch, "{:?}", a.update_smoothness);
    let sentence = &text::smoothness(&a)[1];
    assert!(
        sentence.contains("noisier as the batch size fell") && sentence.contains("95 % CI"),
        "{sentence}"
    );
}

#[test]
fn a_fit_from_fewer_than_four_bracketed_batch_sizes_is_refused_and_one_rate_is_not_tuned() {
    let loss = |b: usize, _: u64, u: f64| 2.0 * (-u * (b as f64).sqrt() / 200.0).exp();
    let a =
        analyze(&results(settings("[analysis]\ntarget_train_loss = 0.5\n"), sweep(&loss, &|_, _, _| 0.0)));
    assert!(a.critical.fit.is_none());
    assert!(
        a.critical.refused.as_deref().is_some_and(|r| r.contains("one learning rate")),
        "{:?}",
        a.critical
    );
    assert!(a.warnings.iter().any(|w| w.contains("naive comparison")), "{:?}", a.warnings);
    assert!(a.batch_sizes.iter().all(|b| b.tuning == Tuning::SingleRate));
    // Three bracketed batch sizes out of four: the fit is still refused, naming the count.
    let three: Vec<BatchAnalysis> = a
        .batch_sizes
        .iter()
        .enumerate()
        .map(|(i, b)| BatchAnalysis {
            tuning: if i < 3 { Tuning::Bracketed } else { Tuning::TopEdge },
            rates_tried: 3,
            ..b.clone()
        })
        .collect();
    let c = critical::critical(&three, &a.runs, 1);
    assert!(c.refused.as_deref().is_some_and(|r| r.starts_with("3 batch size(s)")), "{:?}", c.refused);
}

#[test]
fn failures_on_an_unstandardised_regression_target_name_that_cause() {
    let regression = "[data]\nsource = \"synthetic\"\ngenerator = \"linear\"\nstandardize_target = false\n";
    let text = format!(
        "[experiment]\nname = \"t\"\nrepeats = 3\n{regression}[training]\nepochs = 4\nlearning_rate = 0.1\n\
         [sweep]\nbatch_sizes = [1, 10, 100, \"full\"]\n"
    );
    let spec: Spec = toml::from_str(&text).expect("spec");
    let src = SpecSource { path: "spec.toml".into(), text, overrides: Vec::new() };
    let settings = plan::check(&spec, &src).expect("a valid spec");
    let runs: Vec<RunRecords> =
        (0..3).map(|r| run(10, 0.1, r, &|u| 5.0 / (1.0 + u), &|_| 0.0, true)).collect();
    let a = analyze(&results(settings, runs));
    assert!(a.warnings.iter().any(|w| w.contains("data.standardize_target = false")), "{:?}", a.warnings);
}

#[test]
fn a_failure_is_blamed_on_its_rate_only_below_a_rate_at_which_every_repeat_trained() {
    // At B = 1: lr 0.1 trains in every repeat, lr 0.3 fails in two of three, lr 1 in all. The cause named
    // for lr 1 is lr 0.1, not 0.3, at which some repeats failed too.
    let mut runs = Vec::new();
    for r in 0..3 {
        runs.push(run(1, 0.1, r, &|u| 2.0 / (1.0 + u), &|_| 0.0, false));
        runs.push(run(1, 0.3, r, &|u| 2.0 / (1.0 + u), &|_| 0.0, r < 2));
        runs.push(run(1, 1.0, r, &|u| 2.0 / (1.0 + u), &|_| 0.0, true));
    }
    let a = analyze(&results(settings(""), runs));
    let top = a.failures.iter().find(|f| f.learning_rate == 1.0).expect("lr 1 failed");
    let cause = top.cause.as_deref().expect("a cause");
    assert!(cause.contains("every repeat at lr = 0.1 trained"), "{cause}");
}

#[test]
fn a_classifier_that_ends_at_a_uniform_guess_failed_though_it_never_diverged() {
    // Ten classes: ln 10 = 2.303. lr 1 falls from 4 to 2.31 (a collapse to constant outputs, below its
    // initial loss and finite), lr 0.1 to 0.02: only lr 1 failed, and lr 0.1 is the chosen rate.
    let mut runs = Vec::new();
    for r in 0..3 {
        runs.push(run(1, 0.1, r, &|u| 0.02 + 3.98 / (1.0 + u), &|_| 0.0, false));
        runs.push(run(1, 1.0, r, &|u| 2.31 + 1.69 / (1.0 + u), &|_| 0.0, false));
    }
    let mut ten = results(settings(""), runs.clone());
    ten.classes = 10;
    let a = analyze(&ten);
    assert_eq!(a.failed_runs, 3, "{:?}", a.failures);
    assert!(
        a.failures[0].when.contains("no better than a uniform guess over the 10 classes"),
        "{:?}",
        a.failures
    );
    assert_eq!(a.batch_sizes[0].learning_rate, 0.1);
    // Regression (no classes) has no such bound.
    assert_eq!(analyze(&results(settings(""), runs)).failed_runs, 0);
}

#[test]
fn a_rate_too_small_to_leave_a_uniform_guess_is_named_too_low_not_too_high() {
    let mut runs = Vec::new();
    for r in 0..3 {
        runs.push(run(1, 0.001, r, &|u| 2.31 + 0.1 / (1.0 + u), &|_| 0.0, false));
        runs.push(run(1, 0.1, r, &|u| 0.02 + 2.39 / (1.0 + u), &|_| 0.0, false));
    }
    let mut ten = results(settings(""), runs);
    ten.classes = 10;
    let a = analyze(&ten);
    let low = a.failures.iter().find(|f| f.learning_rate == 0.001).expect("lr 0.001 failed");
    let cause = low.cause.as_deref().expect("a cause");
    assert!(
        cause.starts_with("learning rate too low for B = 1") && cause.contains("lr = 0.1 trained"),
        "{cause}"
    );
}
