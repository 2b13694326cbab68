//! Convolutional networks end to end (issue 16): a sweep of a small CNN on a generated 1 x 10 x 10
//! image csv writes every record, the same at any thread count, resumed or sharded; misfit layers are
//! refused naming `model.layers[i].<key>` and the line; the weights file holds PyTorch's names and
//! shapes and reads back; and the first updates of a run are replayed from its replay files by the f64
//! reference of tests/cnn_reference.

mod cnn_reference;
mod common;

use cnn_reference::{Act, CLASSES, Cnn, FILTERS, FLAT, HIDDEN, KERNEL, Mistake, NAMES, SIDE};
use common::{OUT, Workdir, assert_every_case, edit, read_csv, refusal_problems};

/// Generated examples: 90 train and 30 test with test_fraction 0.25.
const EXAMPLES: usize = 120;

/// Every layer on its own line, so a message can point at the line of the layer at fault.
const LAYERS: &str = r#"layers = [
  { type = "conv", filters = 4, kernel = 3, padding = "same" },
  { type = "maxpool", size = 2 },
  { type = "flatten" },
  { type = "dense", units = 8 },
]"#;

/// The CNN on images.csv: batch sizes 1, 8 and full for 2 epochs, noise probes every epoch, svg figures.
fn spec() -> String {
    format!(
        r#"[experiment]
name = "cnn"
seed = 5
output = "{OUT}"

[data]
source = "csv"
path = "images.csv"
label = "label"
image_shape = [1, {SIDE}, {SIDE}]
test_fraction = 0.25

[model]
{LAYERS}
activation = "relu"

[training]
epochs = 2
learning_rate = 0.05

[sweep]
batch_sizes = [1, 8, "full"]

[noise]
every = 1
probes = 4

[plots]
formats = ["svg"]
"#
    )
}

/// A folder holding images.csv and `spec` as spec.toml.
fn workdir(spec: &str) -> Workdir {
    let wd = Workdir::new();
    wd.write("images.csv", cnn_reference::images(EXAMPLES).0);
    wd.write("spec.toml", spec);
    wd
}

const RUNS: [&str; 3] = ["bs01-lr0.05-rep0", "bs08-lr0.05-rep0", "bs90-lr0.05-rep0"];

#[test]
fn a_cnn_sweep_writes_every_record_and_the_same_numbers_on_one_or_four_threads() {
    let wd = workdir(&spec());
    wd.run(&["spec.toml", "-q", "--threads", "1"]).expect_success();
    for id in RUNS {
        for file in ["iterations.csv", "epochs.csv", "evals.csv", "noise.csv", "weights.safetensors"] {
            assert!(wd.run_dir(id).join(file).exists(), "{id}/{file}");
        }
        let noise = read_csv(wd.run_dir(id).join("noise.csv"));
        assert_eq!(noise.rows.len(), 3, "{id}: a checkpoint before training and after each epoch");
        let b_simple = noise.numbers("b_simple");
        assert!(b_simple.iter().all(|b| b.is_finite() && *b > 0.0), "{id}: {b_simple:?}");
        let train = read_csv(wd.run_dir(id).join("epochs.csv")).numbers("train_loss");
        assert!(train.iter().all(|l| l.is_finite()), "{id}: {train:?}");
    }
    // B = 1 takes 180 steps: the CNN learns the strokes (ln 4 = 1.39 at chance).
    let b1 = read_csv(wd.run_dir(RUNS[0]).join("epochs.csv")).numbers("train_loss");
    assert!(b1[2] < 0.5 * b1[0], "{b1:?}");
    let figures = wd.files_under(format!("{OUT}/figures"));
    assert!(!figures.is_empty() && figures.iter().all(|f| f.extension().is_some_and(|e| e == "svg")));
    let report = std::fs::read_to_string(wd.out().join("report.md")).expect("a report");
    assert!(report.contains("conv"), "the report names the network:\n{report}");

    let four = workdir(&spec());
    four.run(&["spec.toml", "-q", "--threads", "4"]).expect_success();
    assert_eq!(common::records(&wd, OUT), common::records(&four, OUT));
}

#[test]
fn a_resumed_and_a_sharded_cnn_sweep_equal_one_uninterrupted_run() {
    let wd = workdir(&edit(&spec(), "every = 1", "every = 0"));
    wd.run(&["spec.toml", "-q", "--set", "experiment.output=\"whole\""]).expect_success();
    let whole = common::records(&wd, "whole");
    assert_eq!(whole.len(), 3 * 3 + 6, "iterations, epochs and evals per run and six sweep files");

    // Resume after losing two runs (an interruption leaves only complete run folders, tests/resume.rs).
    wd.run(&["spec.toml", "-q"]).expect_success();
    for id in &RUNS[1..] {
        std::fs::remove_dir_all(wd.run_dir(id)).expect("remove a run");
    }
    let resumed = wd.run(&["spec.toml", "-q", "--resume"]);
    resumed.expect_success();
    assert!(resumed.stderr.contains("resume: 1 runs complete, 2 to run"), "{}", resumed.stderr);
    assert_eq!(common::records(&wd, OUT), whole);

    for k in ["0/2", "1/2"] {
        wd.run(&["spec.toml", "-q", "--shard", k, "--set", "experiment.output=\"shared\""]).expect_success();
    }
    wd.run(&["merge", "shared"]).expect_success();
    assert_eq!(common::records(&wd, "shared"), whole);
}

/// One misfit per case: (name, text replaced, replacement, text on the line the message must name,
/// fragments the message must hold).
fn misfits() -> Vec<(&'static str, &'static str, &'static str, &'static str, Vec<&'static str>)> {
    let conv = r#"kernel = 3, padding = "same""#;
    vec![
        (
            "kernel larger than the image",
            conv,
            "kernel = 11",
            "kernel = 11",
            vec!["key `model.layers[0].kernel`", "larger than its input of 10 x 10"],
        ),
        (
            "pool that does not divide",
            "size = 2",
            "size = 3",
            "size = 3",
            vec!["key `model.layers[1].size`", "does not divide"],
        ),
        (
            "dense on an image",
            r#"{ type = "flatten" },"#,
            r#"{ type = "dense", units = 5 },"#,
            "units = 5",
            vec!["key `model.layers[2].type`", r#"put { type = "flatten" } before it"#],
        ),
        (
            "even kernel with same",
            conv,
            r#"kernel = 4, padding = "same""#,
            "kernel = 4",
            vec!["key `model.layers[0].padding`", "\"same\" needs an odd kernel, not 4"],
        ),
        (
            "zero filters",
            "filters = 4",
            "filters = 0",
            "filters = 0",
            vec!["key `model.layers[0].filters`", "at least 1"],
        ),
        (
            "hidden beside layers",
            "[model]\n",
            "[model]\nhidden = [8]\n",
            "layers = [",
            vec!["key `model.layers`", "not both"],
        ),
        (
            "image_shape not the feature count",
            "image_shape = [1, 10, 10]",
            "image_shape = [1, 10, 9]",
            "image_shape",
            vec!["key `data.image_shape`", "holds 90 values, but each example has 100 features"],
        ),
    ]
}

#[test]
fn misfit_layers_are_refused_naming_the_layer_the_key_and_the_line() {
    assert_every_case(&misfits(), 7, |(name, from, to, needle, fragments)| {
        let spec = edit(&spec(), from, to);
        let at = spec.find(needle).expect("the needle is in the spec");
        let line = format!("line {}", spec[..at].matches('\n').count() + 1);
        let wd = workdir(&spec);
        let before = wd.files_under(".");
        let out = wd.run(&["spec.toml"]);
        let mut fragments = fragments.clone();
        fragments.push(&line);
        let problems = refusal_problems(&wd, &before, &out, &fragments);
        eprintln!("{name}: {}", out.stderr.trim());
        (!problems.is_empty()).then(|| format!("{name}: {problems:?}\n{}", out.stderr))
    });
}

/// The CNN trained from init.safetensors with B = 8 for one epoch (12 updates, the last of 2), each
/// update logged and the order recorded, under `activation`.
fn replay_spec(activation: &str) -> String {
    let spec = edit(
        &spec(),
        "activation = \"relu\"",
        &format!("activation = \"{activation}\"\ninit_from = \"init.safetensors\""),
    );
    let spec = edit(&spec, "epochs = 2", "epochs = 1\nrecord_order = true");
    let spec = edit(&spec, r#"batch_sizes = [1, 8, "full"]"#, "batch_sizes = [8]");
    let spec = edit(&spec, "every = 1", "every = 0");
    edit(&spec, r#"formats = ["svg"]"#, "enabled = false")
}

const REPLAYED: &str = "bs08-lr0.05-rep0";

/// Runs `replay_spec(activation)` from `Cnn::initial()`; returns the folder and the source images.
fn replay_run(activation: &str) -> (Workdir, Vec<Vec<f64>>, Vec<usize>) {
    let wd = workdir(&replay_spec(activation));
    wd.write("init.safetensors", Cnn::initial().encode());
    wd.run(&["spec.toml", "-q"]).expect_success();
    let (_, xs, ys) = cnn_reference::images(EXAMPLES);
    (wd, xs, ys)
}

/// The training set as split.csv and standardization.csv make it from the source rows.
fn train_set(wd: &Workdir, xs: &[Vec<f64>], ys: &[usize]) -> Vec<(Vec<f64>, usize)> {
    let scaling = read_csv(wd.out().join("standardization.csv"));
    let (mean, scale) = (scaling.numbers("mean"), scaling.numbers("scale"));
    let split = read_csv(wd.out().join("split.csv"));
    let mut rows: Vec<(usize, usize)> = (split.rows_where("part", "train").iter())
        .map(|r| (r[split.index("position")].parse().unwrap(), r[split.index("index")].parse().unwrap()))
        .collect();
    rows.sort_unstable();
    let standardised =
        |row: usize| xs[row].iter().enumerate().map(|(f, v)| (v - mean[f]) / scale[f]).collect();
    rows.into_iter().map(|(_, row)| (standardised(row), ys[row])).collect()
}

/// |ours - recorded| / max(1, |recorded|): the f32 rounding of a loss scales with the logits (order 1).
fn deviation(ours: f64, recorded: f64) -> f64 {
    (ours - recorded).abs() / recorded.abs().max(1.0)
}

/// The largest deviation of the reference's per-update losses from iterations.csv, and of its losses
/// before and after the epoch from epochs.csv, replaying SGD at the recorded rates.
fn replay(wd: &Workdir, train: &[(Vec<f64>, usize)], act: Act, mistake: Mistake) -> f64 {
    let iterations = read_csv(wd.run_dir(REPLAYED).join("iterations.csv"));
    let (rates, losses) = (iterations.numbers("learning_rate"), iterations.numbers("loss"));
    let epochs = read_csv(wd.run_dir(REPLAYED).join("epochs.csv")).numbers("train_loss");
    let order = read_csv(wd.out().join("order/rep0.csv")).numbers("example");
    assert_eq!((order.len(), losses.len()), (90, 12));
    let mut net = Cnn::initial();
    let mut worst = deviation(cnn_reference::mean_loss(&net, train, act, mistake), epochs[0]);
    for (k, batch) in order.chunks(8).enumerate() {
        let xs: Vec<&[f64]> = batch.iter().map(|&i| train[i as usize].0.as_slice()).collect();
        let ys: Vec<usize> = batch.iter().map(|&i| train[i as usize].1).collect();
        let mut grad = net.zeroed();
        let ours = cnn_reference::loss(&net, &xs, &ys, act, mistake, Some(&mut grad));
        worst = worst.max(deviation(ours, losses[k]));
        for (p, g) in net.tensors.iter_mut().zip(&grad.tensors) {
            p.iter_mut().zip(g).for_each(|(p, g)| *p -= rates[k] * g);
        }
    }
    worst.max(deviation(cnn_reference::mean_loss(&net, train, act, mistake), epochs[1]))
}

/// The binary trains in f32 (unit roundoff 6e-8), the reference in f64. A loss sums 9-term conv, 100-
/// and 8-term dense products of order-1 values: a few roundings of 6e-8 relative each; 12 SGD steps add
/// as many to parameters of order 0.1-1, growing at most linearly while training is stable: about
/// 12 x 10 x 6e-8 = 7e-6 in the worst case. Measured: 4e-8 (ReLU), 2e-8 (tanh). A flipped kernel or
/// an (H, W, C) flatten misses by 4e-2 to 6e-2 from the first update on.
const TOL: f64 = 1e-5;

#[test]
fn the_first_updates_of_a_cnn_are_replayed_by_an_f64_reference_from_the_replay_files() {
    for (name, act) in [("relu", Act::Relu), ("tanh", Act::Tanh)] {
        let (wd, xs, ys) = replay_run(name);
        let train = train_set(&wd, &xs, &ys);
        let dev = replay(&wd, &train, act, Mistake::None);
        eprintln!("{name}: largest deviation {dev:e}");
        assert!(dev <= TOL, "{name}: {dev:e}");
        let losses = read_csv(wd.run_dir(REPLAYED).join("epochs.csv")).numbers("train_loss");
        assert!(losses[1] < 0.95 * losses[0], "{name}: the run trained: {losses:?}");
        for mistake in [Mistake::FlippedKernel, Mistake::FlattenHwc] {
            let dev = replay(&wd, &train, act, mistake);
            eprintln!("{name} {mistake:?}: largest deviation {dev:e}");
            assert!(dev > 100.0 * TOL, "{name} {mistake:?}: {dev:e}");
        }
    }
}

#[test]
fn cnn_weights_hold_pytorch_names_and_shapes_and_read_back_as_the_same_network() {
    let (wd, xs, ys) = replay_run("relu");
    let bytes = std::fs::read(wd.run_dir(REPLAYED).join("weights.safetensors")).expect("final weights");
    let tensors = cnn_reference::decode(&bytes);
    let names: Vec<&str> = tensors.iter().map(|(n, _, _)| n.as_str()).collect();
    assert_eq!(names, NAMES);
    let shapes: Vec<Vec<usize>> = tensors.iter().map(|(_, s, _)| s.clone()).collect();
    assert_eq!(
        shapes,
        [
            vec![FILTERS, 1, KERNEL, KERNEL],
            vec![FILTERS],
            vec![HIDDEN, FLAT],
            vec![HIDDEN],
            vec![CLASSES, HIDDEN],
            vec![CLASSES]
        ]
    );
    assert_eq!(FLAT, 4 * 5 * 5, "4 maps of 10 x 10 pooled to 5 x 5");
    // The reference reading the file by PyTorch's layout gets the run's final loss.
    let net = Cnn { tensors: tensors.into_iter().map(|(_, _, v)| v).collect::<Vec<_>>().try_into().unwrap() };
    let final_loss = read_csv(wd.run_dir(REPLAYED).join("epochs.csv")).numbers("train_loss")[1];
    let ours = cnn_reference::mean_loss(&net, &train_set(&wd, &xs, &ys), Act::Relu, Mistake::None);
    assert!(deviation(ours, final_loss) <= TOL, "{ours} vs {final_loss}");
    // Fed back as init_from, the final weights start a run at the final loss, to the digit.
    wd.write("init.safetensors", bytes);
    wd.run(&["spec.toml", "-q", "--set", "experiment.output=\"again\""]).expect_success();
    let again =
        read_csv(wd.join("again/runs").join(REPLAYED).join("epochs.csv")).column("train_loss")[0].to_string();
    assert_eq!(again, read_csv(wd.run_dir(REPLAYED).join("epochs.csv")).column("train_loss")[1]);
}
