//! Curvature checkpoints through the binary (issue 15): the edge of stability itself on a small full-batch
//! run of the digits regression task, curvature.csv identical whatever the thread count and unchanged when
//! another configuration joins the sweep, and the `[curvature]` keys refused at their line.

mod common;

use common::{OUT, TIME_COLUMNS, Workdir, blobs_spec, edit, read_csv};

/// The columns of runs/<id>/curvature.csv, as the README documents them.
const CURVATURE_COLUMNS: &[&str] = &[
    "epoch",
    "update",
    "train_loss",
    "grad_norm",
    "lambda_max",
    "lambda_max_iterations",
    "lambda_max_rel_change",
    "converged",
    "lambda_min",
    "lambda_min_converged",
    "preconditioned_lambda_max",
    "learning_rate",
    "stability_threshold",
    "threshold_preconditioned",
    "trace",
    "trace_se",
    "b_noise",
    "b_noise_se",
    "b_simple",
    "hessian_products",
    "curvature_time_s",
];

/// Full-batch gradient descent on the digit's value (mean squared error, a 64 -> 32 tanh -> 1 network) at
/// lr = 0.1 and 0.02, three repeats, curvature checkpoints every 50 epochs.
fn edge_spec() -> String {
    format!(
        r#"[experiment]
name = "edge"
seed = 3
repeats = 3
output = "{OUT}"

[data]
source = "digits"
task = "regression"
standardize_target = false

[model]
hidden = [32]
activation = "tanh"
init = "xavier"

[training]
epochs = 200
learning_rate = 0.1
eval_per_doubling = 0

[sweep]
batch_sizes = ["full"]
learning_rates = [0.02, 0.1]

[noise]
every = 0

[curvature]
every = 50
lambda_min = false

[plots]
enabled = false
"#
    )
}

#[test]
fn full_batch_descent_through_the_binary_ends_within_ten_percent_of_two_over_the_learning_rate() {
    // lr = 0.1: lambda_max starts at 13-17 and rises to 2/lr = 20 within 50 epochs, then hovers there
    // (19.3-22.8 from epoch 50 on, 19.8-20.3 at epoch 200). lr = 0.02 is the control: from the same
    // start it sharpens to 27-32, far below its 2/lr = 100.
    let w = Workdir::new();
    w.write("spec.toml", edge_spec());
    w.run(&["spec.toml", "-q"]).expect_success();
    for repeat in 0..3 {
        let edge = read_csv(w.run_dir(&format!("bs1437-lr0.1-rep{repeat}")).join("curvature.csv"));
        assert_eq!(edge.header(), CURVATURE_COLUMNS);
        assert_eq!(edge.column("epoch"), ["0", "50", "100", "150", "200"]);
        let sharpness = edge.numbers("lambda_max");
        let (first, last) = (sharpness[0], sharpness[sharpness.len() - 1]);
        assert!(first < 0.9 * 20.0, "repeat {repeat}: starts at {first}, already near 2/lr");
        assert!((last / 20.0 - 1.0).abs() < 0.1, "repeat {repeat}: lambda_max ends at {last}, 2/lr = 20");
        assert!(edge.column("stability_threshold").iter().all(|t| *t == "20.0"));
        let control = read_csv(w.run_dir(&format!("bs1437-lr0.02-rep{repeat}")).join("curvature.csv"));
        let last = *control.numbers("lambda_max").last().expect("rows");
        assert!(last < 0.6 * 100.0, "repeat {repeat}: the control ends at {last}, near its 2/lr = 100");
    }
    // The digits as a regression task: one output, no accuracy, no classes.
    let summary = read_csv(w.out().join("summary.csv"));
    assert!(summary.column("final_test_accuracy").iter().all(|a| a.is_empty()));
    let analyzed = w.run(&["analyze", OUT]);
    analyzed.expect_success();
    let text = &analyzed.stdout;
    assert!(text.contains("lr = 0.1: λ_max settled at its stability threshold 2/lr = 20"), "{text}");
    assert!(text.contains("lr = 0.02: λ_max stayed below its stability threshold 2/lr = 100"), "{text}");
}

/// Batch sizes 1, 7 and full, two repeats, a curvature checkpoint every epoch with every estimator on:
/// six runs that rayon can interleave.
fn blobs() -> String {
    let spec = blobs_spec(120, r#"[1, 7, "full"]"#, 2);
    let spec = edit(&spec, "seed = 7", "seed = 7\nrepeats = 2");
    let spec = edit(&spec, "hidden = []", "hidden = [6]\nactivation = \"tanh\"");
    spec + "\n[curvature]\nevery = 1\niterations = 12\ntrace_probes = 3\nnoise_probes = 5\n"
}

/// curvature.csv of every run of the results folder in `w`, time columns left out, by run id.
fn curvature(w: &Workdir) -> Vec<(String, common::Csv)> {
    let summary = read_csv(w.out().join("summary.csv"));
    summary
        .column("run_id")
        .iter()
        .map(|id| (id.to_string(), read_csv(w.run_dir(id).join("curvature.csv")).without(TIME_COLUMNS)))
        .collect()
}

fn run(spec: &str, args: &[&str], env: &[(&str, &str)]) -> Workdir {
    let w = Workdir::new();
    w.write("spec.toml", spec);
    let mut all = vec!["spec.toml", "-q"];
    all.extend_from_slice(args);
    w.run_with_env(&all, env).expect_success();
    w
}

#[test]
fn curvature_rows_are_identical_whatever_the_thread_count_and_whatever_else_the_sweep_holds() {
    let spec = blobs();
    let one = curvature(&run(&spec, &[], &[("RAYON_NUM_THREADS", "1")]));
    assert_eq!(one.len(), 6);
    for (id, rows) in &one {
        assert_eq!(rows.column("epoch"), ["0", "1", "2"], "{id}");
        assert!(rows.column("b_noise").iter().any(|b| !b.is_empty()), "{id}: no B_noise");
        assert!(rows.column("trace").iter().all(|t| !t.is_empty()), "{id}: no trace");
    }
    let four = curvature(&run(&spec, &["--threads", "4"], &[]));
    assert!(one == four, "curvature.csv differs between 1 and 4 threads");
    // The probes' streams are keyed by the configuration, not its place in the plan.
    let more = curvature(&run(&edit(&spec, r#"[1, 7, "full"]"#, r#"[1, 3, 7, "full"]"#), &[], &[]));
    for (id, rows) in &one {
        let other = more.iter().find(|(o, _)| o == id).map(|(_, r)| r);
        assert!(other == Some(rows), "{id}: curvature.csv changed when B = 3 joined the sweep");
    }
}

#[test]
fn a_bad_curvature_key_is_refused_at_its_line_before_anything_runs() {
    let w = Workdir::new();
    let spec = blobs().replace("trace_probes = 3", "trace_probes = 1");
    let line = spec[..spec.find("trace_probes = 1").expect("edited")].matches('\n').count() + 1;
    w.write("spec.toml", &spec);
    let out = w.run(&["spec.toml", "-q"]);
    out.expect_code(2);
    for part in ["curvature.trace_probes", &format!("line {line}"), "at least two probes"] {
        assert!(out.stderr.contains(part), "no `{part}` in {}", out.stderr);
    }
    assert!(!w.out().exists(), "nothing is written for a refused spec");
    let typo = w.run_with_env(
        &["spec.toml", "--set", "curvature.trace_probes=2", "--set", "curvature.iteration=5"],
        &[],
    );
    typo.expect_code(2);
    assert!(typo.stderr.contains("iteration"), "{}", typo.stderr);
}

#[test]
fn weights_saved_at_curvature_checkpoints_recompute_their_row() {
    // Curvature every 2 epochs, noise every 3: the weights of each checkpoint of either kind are written
    // once (epochs 0, 2, 3, 4 and the end, 5), and a run started from the epoch-2 weights measures at its
    // own epoch 0 the sharpness the first run recorded at epoch 2 (from another random start, so within
    // the power iteration's tolerance rather than to the bit).
    let spec = blobs_spec(120, r#"["full"]"#, 5);
    let spec = edit(&spec, "hidden = []", "hidden = [6]\nactivation = \"tanh\"");
    let spec = edit(&spec, "every = 0", "every = 3");
    let spec = edit(&spec, "learning_rate = 0.1", "learning_rate = 0.1\nsave_weights = \"checkpoints\"");
    let w = Workdir::new();
    w.write("spec.toml", format!("{spec}\n[curvature]\nevery = 2\ntolerance = 1e-9\niterations = 500\n"));
    w.run(&["spec.toml", "-q"]).expect_success();
    let run = w.run_dir("bs120-lr0.1-rep0");
    let mut saved: Vec<String> = std::fs::read_dir(run.join("weights"))
        .expect("weights folder")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    saved.sort();
    let expected = ["epoch0", "epoch2", "epoch3", "epoch4", "epoch5"].map(|e| format!("{e}.safetensors"));
    assert_eq!(saved, expected);
    let last = std::fs::read(run.join("weights/epoch5.safetensors")).expect("last checkpoint");
    assert!(last == std::fs::read(run.join("weights.safetensors")).expect("final weights"));

    let recorded = read_csv(run.join("curvature.csv"));
    assert_eq!(recorded.column("epoch"), ["0", "2", "4", "5"]);
    let at_two = recorded.numbers("lambda_max")[1];
    let from = run.join("weights/epoch2.safetensors");
    let again =
        edit(&spec, "hidden = [6]", &format!("hidden = [6]\ninit_from = {:?}", from.display().to_string()));
    let again = edit(&again, &format!("output = \"{OUT}\""), "output = \"again\"");
    w.write("again.toml", format!("{again}\n[curvature]\nevery = 2\ntolerance = 1e-9\niterations = 500\n"));
    w.run(&["again.toml", "-q"]).expect_success();
    let replayed = read_csv(w.path().join("again/runs/bs120-lr0.1-rep0/curvature.csv"));
    let first = replayed.numbers("lambda_max")[0];
    assert!((first / at_two - 1.0).abs() < 1e-4, "epoch-2 weights give {first}, the row says {at_two}");
}
