//! A run reproduced from its replay files alone (issue 14): the test writes its own csv data and initial
//! weights (safetensors, PyTorch's nn.Linear names), runs a sweep with `training.record_order`, then
//! replays every update from split.csv, standardization.csv and order/rep0.csv with an independent f64
//! implementation of the network, softmax cross-entropy and each optimiser's published (PyTorch)
//! formulas, and compares the losses of iterations.csv and epochs.csv and the final weights.
//!
//! The learning rate of each update is read from iterations.csv: tests/optimizers.rs checks that column
//! against the closed form of the schedule, so here it is an input, and a rate recorded but not used
//! would still show as a loss mismatch.

mod common;
mod replay_reference;

use common::{OUT, Workdir, read_csv};
use replay_reference::{Layer, Net, Optimiser, Rule, flatten, loss, mean_loss, unflatten, zeroed};
use safetensors::{Dtype, SafeTensors, tensor::TensorView};

/// Source rows, features and classes of the data file; hidden width of the network.
const ROWS: usize = 60;
const FEATURES: usize = 3;
const CLASSES: usize = 3;
const HIDDEN: usize = 8;

/// The data file: three classes whose features sit at very different offsets and scales (about 100,
/// 0.01 and 1), so a replay that skips the standardisation trains on other numbers. Values are printed
/// with 4 decimals and read back as the binary reads them (f64 text narrowed to f32).
fn data_csv() -> (String, Vec<[f64; FEATURES]>, Vec<usize>) {
    let mut text = String::from("a,label,b,c\n");
    let (mut x, mut y) = (Vec::new(), Vec::new());
    for i in 0..ROWS {
        let (t, class) = (i as f64, (i * 7 + i / 5) % CLASSES);
        let k = class as f64;
        let row = [
            100.0 + 3.0 * k + 4.0 * (1.7 * t).sin(),
            0.01 * (k - 1.0) + 0.02 * (2.3 * t).cos(),
            (k - 1.0) * (0.9 * t).sin(),
        ];
        let printed: Vec<String> = row.iter().map(|v| format!("{v:.4}")).collect();
        text += &format!("{},{class},{},{}\n", printed[0], printed[1], printed[2]);
        let read: Vec<f64> = printed.iter().map(|p| f64::from(p.parse::<f64>().unwrap() as f32)).collect();
        x.push(read.try_into().unwrap());
        y.push(class);
    }
    (text, x, y)
}

/// Initial weights: a fixed pseudo-random sequence (a 64-bit LCG), uniform in +-1/sqrt(fan_in), biases
/// nonzero so their loading is checked too; rounded to f32 as the file stores them.
fn initial_net() -> Net {
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move || {
        state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (state >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
    };
    let mut layer = |fan_in: usize, fan_out: usize| {
        let scale = 1.0 / (fan_in as f64).sqrt();
        let mut draw = |n: usize, s: f64| (0..n).map(|_| f64::from((s * next()) as f32)).collect();
        Layer { fan_in, fan_out, w: draw(fan_in * fan_out, scale), b: draw(fan_out, 0.1) }
    };
    vec![layer(FEATURES, HIDDEN), layer(HIDDEN, CLASSES)]
}

/// `net` as a safetensors file: `layers.<i>.weight` [out, in] and `layers.<i>.bias` [out], f32.
fn encode(net: &Net) -> Vec<u8> {
    let bytes = |v: &[f64]| v.iter().flat_map(|&x| (x as f32).to_le_bytes()).collect::<Vec<u8>>();
    let tensors: Vec<(String, Vec<usize>, Vec<u8>)> = (net.iter().enumerate())
        .flat_map(|(i, l)| {
            [
                (format!("layers.{i}.weight"), vec![l.fan_out, l.fan_in], bytes(&l.w)),
                (format!("layers.{i}.bias"), vec![l.fan_out], bytes(&l.b)),
            ]
        })
        .collect();
    let views = tensors.iter().map(|(name, shape, data)| {
        (name.clone(), TensorView::new(Dtype::F32, shape.clone(), data).expect("a valid tensor"))
    });
    safetensors::serialize(views, None).expect("serialise the initial weights")
}

/// The tensors of a weights file, by name, as f64.
fn decode(bytes: &[u8]) -> Vec<(String, Vec<f64>)> {
    let file = SafeTensors::deserialize(bytes).expect("a safetensors file");
    let mut names = file.names();
    names.sort_unstable();
    let values = |name: &str| {
        let data = file.tensor(name).unwrap().data().to_vec();
        data.chunks_exact(4).map(|c| f64::from(f32::from_le_bytes([c[0], c[1], c[2], c[3]]))).collect()
    };
    names.into_iter().map(|n| (n.to_string(), values(n))).collect()
}

/// What a replay reads from the results folder, turned into examples.
struct Replay {
    train: Vec<(Vec<f64>, usize)>,
    test: Vec<(Vec<f64>, usize)>,
    /// The training-set position of every position of every epoch.
    orders: Vec<Vec<usize>>,
}

/// How a replay may deliberately go wrong, to show the comparison can fail.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Mistake {
    None,
    /// Every epoch reuses the first epoch's order.
    FirstOrderOnly,
    /// The features as the file holds them, not standardised.
    RawFeatures,
}

/// split.csv, standardization.csv and order/rep0.csv applied to the source rows `x`, `y`.
fn read_replay(wd: &Workdir, x: &[[f64; FEATURES]], y: &[usize], mistake: Mistake) -> Replay {
    let scaling = read_csv(wd.out().join("standardization.csv"));
    assert_eq!(scaling.column("feature"), ["a", "b", "c"], "the features in file order, the label left out");
    let (mean, scale) = (scaling.numbers("mean"), scaling.numbers("scale"));
    let example = |row: usize| {
        let features = match mistake {
            Mistake::RawFeatures => x[row].to_vec(),
            _ => x[row].iter().enumerate().map(|(f, v)| (v - mean[f]) / scale[f]).collect(),
        };
        (features, y[row])
    };
    let split = read_csv(wd.out().join("split.csv"));
    let part = |name: &str| {
        let mut rows: Vec<(usize, usize)> = split
            .rows_where("part", name)
            .iter()
            .map(|r| (r[split.index("position")].parse().unwrap(), r[split.index("index")].parse().unwrap()))
            .collect();
        rows.sort_unstable();
        rows.iter()
            .enumerate()
            .map(|(i, &(position, row))| {
                assert_eq!(i, position, "{name} positions are 0..n");
                example(row)
            })
            .collect::<Vec<_>>()
    };
    let (train, test) = (part("train"), part("test"));
    let order = read_csv(wd.out().join("order/rep0.csv"));
    let mut orders: Vec<Vec<usize>> = Vec::new();
    for (epoch, example) in order.numbers("epoch").iter().zip(order.numbers("example")) {
        if orders.len() < *epoch as usize {
            orders.push(Vec::new());
        }
        orders.last_mut().unwrap().push(example as usize);
    }
    if mistake == Mistake::FirstOrderOnly {
        let first = orders[0].clone();
        orders.iter_mut().for_each(|o| o.clone_from(&first));
    }
    Replay { train, test, orders }
}

/// The largest deviations of a replay from a run's records.
#[derive(Debug, Default)]
struct Deviation {
    /// Over the per-update losses of iterations.csv, |ours - recorded| / max(1, |recorded|).
    update_loss: f64,
    /// The same over the train and test losses of epochs.csv.
    epoch_loss: f64,
    /// Over the final weights, |ours - weights.safetensors|.
    weights: f64,
}

/// The deviation of two losses: relative above 1, absolute below. The f32 rounding in a loss
/// logsumexp(z) - z_y scales with the logits, which are of order 1 here, not with the loss, so a loss
/// near 0 cannot be matched to a relative 1e-4.
fn deviation(ours: f64, recorded: f64) -> f64 {
    (ours - recorded).abs() / recorded.abs().max(1.0)
}

/// Replays run `id` from `r` and the initial weights with `rule`, at the rates of its iterations.csv.
fn replay(wd: &Workdir, id: &str, rule: Rule, r: &Replay) -> Deviation {
    let iterations = read_csv(wd.run_dir(id).join("iterations.csv"));
    let (rates, losses) = (iterations.numbers("learning_rate"), iterations.numbers("loss"));
    let sizes = iterations.numbers("batch_size");
    let epochs = read_csv(wd.run_dir(id).join("epochs.csv"));
    let (train_losses, test_losses) = (epochs.numbers("train_loss"), epochs.numbers("test_loss"));
    let mut net = initial_net();
    let (mut p, decays) = flatten(&net);
    let mut optimiser = Optimiser::new(rule, p.len());
    let mut dev = Deviation::default();
    let check_epoch = |net: &Net, e: usize, dev: &mut Deviation| {
        let train = deviation(mean_loss(net, &r.train), train_losses[e]);
        let test = deviation(mean_loss(net, &r.test), test_losses[e]);
        dev.epoch_loss = dev.epoch_loss.max(train).max(test);
    };
    check_epoch(&net, 0, &mut dev);
    let b = sizes[0] as usize;
    let mut k = 0;
    for (e, order) in r.orders.iter().enumerate() {
        for batch in order.chunks(b) {
            assert_eq!(sizes[k] as usize, batch.len(), "{id} update {}", k + 1);
            let xs: Vec<&[f64]> = batch.iter().map(|&i| r.train[i].0.as_slice()).collect();
            let ys: Vec<usize> = batch.iter().map(|&i| r.train[i].1).collect();
            unflatten(&mut net, &p);
            let mut grad = zeroed(&net);
            let ours = loss(&net, &xs, &ys, Some(&mut grad));
            dev.update_loss = dev.update_loss.max(deviation(ours, losses[k]));
            optimiser.step(&mut p, &flatten(&grad).0, &decays, rates[k]);
            k += 1;
        }
        unflatten(&mut net, &p);
        check_epoch(&net, e + 1, &mut dev);
    }
    assert_eq!(k, losses.len(), "{id}: every update replayed");
    let recorded = decode(&std::fs::read(wd.run_dir(id).join("weights.safetensors")).unwrap());
    let ours: Vec<(String, Vec<f64>)> = (net.iter().enumerate())
        .flat_map(|(i, l)| {
            [(format!("layers.{i}.bias"), l.b.clone()), (format!("layers.{i}.weight"), l.w.clone())]
        })
        .collect();
    assert_eq!(
        recorded.iter().map(|(n, _)| n).collect::<Vec<_>>(),
        ours.iter().map(|(n, _)| n).collect::<Vec<_>>()
    );
    for ((_, a), (_, b)) in recorded.iter().zip(&ours) {
        dev.weights = a.iter().zip(b).fold(dev.weights, |m, (a, b)| m.max((a - b).abs()));
    }
    dev
}

/// A sweep over B = 1 and 8 (45 training examples: 45 and 6 updates an epoch, the last of 5) for 3
/// epochs under warmup and cosine, each run's order recorded.
fn spec(learning_rate: f64, optimiser: &str) -> String {
    format!(
        r#"[experiment]
name = "replay"
seed = 11
output = "{OUT}"

[data]
source = "csv"
path = "data.csv"
label = "label"
test_fraction = 0.25

[model]
hidden = [{HIDDEN}]
activation = "tanh"
init_from = "init.safetensors"

[training]
epochs = 3
learning_rate = {learning_rate}
{optimiser}
schedule = "cosine"
warmup_epochs = 0.5
warmup_start_factor = 0.1
final_lr_factor = 0.1
record_order = true

[sweep]
batch_sizes = [1, 8]

[noise]
every = 0

[plots]
enabled = false
"#
    )
}

/// Writes the data and initial weights, runs `spec` and returns the folder with the source rows.
fn run(spec: &str) -> (Workdir, Vec<[f64; FEATURES]>, Vec<usize>) {
    let wd = Workdir::new();
    let (text, x, y) = data_csv();
    wd.write("data.csv", text);
    wd.write("init.safetensors", encode(&initial_net()));
    wd.write("spec.toml", spec);
    wd.run(&["spec.toml", "-q"]).expect_success();
    (wd, x, y)
}

/// Each optimiser with its keys away from their defaults, its rate, and the same rule for the replay.
fn cases() -> Vec<(&'static str, f64, Rule)> {
    vec![
        (
            "optimizer = \"sgd\"\nweight_decay = 0.01",
            0.3,
            Rule::Sgd { momentum: 0.0, nesterov: false, wd: 0.01 },
        ),
        (
            "optimizer = \"sgd\"\nmomentum = 0.9\nnesterov = true\nweight_decay = 0.01",
            0.05,
            Rule::Sgd { momentum: 0.9, nesterov: true, wd: 0.01 },
        ),
        (
            "optimizer = \"adam\"\nbeta1 = 0.8\nbeta2 = 0.99\nweight_decay = 0.01",
            0.01,
            Rule::Adam { beta1: 0.8, beta2: 0.99, eps: 1e-8, wd: 0.01, decoupled: false },
        ),
        (
            "optimizer = \"adamw\"\nweight_decay = 0.1",
            0.01,
            Rule::Adam { beta1: 0.9, beta2: 0.999, eps: 1e-8, wd: 0.1, decoupled: true },
        ),
        (
            "optimizer = \"rmsprop\"\nalpha = 0.9\nmomentum = 0.5\nepsilon = 1e-6",
            0.005,
            Rule::RmsProp { alpha: 0.9, eps: 1e-6, momentum: 0.5, wd: 0.0 },
        ),
    ]
}

/// The tolerance of every deviation. The binary trains in f32 (unit roundoff 6e-8) and the replay in
/// f64; each update adds a few roundings of relative size 6e-8 to parameters and losses of order 1, and
/// while training is stable they grow at most linearly: the 135 updates of B = 1 give about
/// 135 x 3 x 6e-8 = 2.4e-5 in the worst case. Measured: at most 1e-6 (B = 1, SGD with Nesterov
/// momentum). A wrong order or unstandardised features miss by more than 1e-2.
const TOL: f64 = 2e-5;

/// Each epoch of order/rep0.csv is a permutation of the 45 training positions, and the epochs differ.
fn check_orders(r: &Replay) {
    assert_eq!((r.orders.len(), r.train.len(), r.test.len()), (3, 45, 15));
    for order in &r.orders {
        let mut sorted = order.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..45).collect::<Vec<_>>());
    }
    assert!(r.orders[0] != r.orders[1] && r.orders[1] != r.orders[2], "the epochs are shuffled apart");
}

/// standardization.csv holds the mean and the population standard deviation of the training rows.
fn check_standardization(wd: &Workdir, x: &[[f64; FEATURES]]) {
    let split = read_csv(wd.out().join("split.csv"));
    let rows: Vec<usize> =
        split.rows_where("part", "train").iter().map(|r| r[split.index("index")].parse().unwrap()).collect();
    let scaling = read_csv(wd.out().join("standardization.csv"));
    for (f, (mean, scale)) in scaling.numbers("mean").into_iter().zip(scaling.numbers("scale")).enumerate() {
        let n = rows.len() as f64;
        let m = rows.iter().map(|&i| x[i][f]).sum::<f64>() / n;
        let sd = (rows.iter().map(|&i| (x[i][f] - m).powi(2)).sum::<f64>() / n).sqrt();
        assert!(
            (mean - m).abs() <= 1e-12 * m.abs().max(1.0) && (scale - sd).abs() <= 1e-12 * sd,
            "feature {f}"
        );
    }
}

#[test]
fn every_optimiser_is_replayed_from_the_replay_files_alone() {
    for (keys, lr, rule) in cases() {
        let (wd, x, y) = run(&spec(lr, keys));
        check_standardization(&wd, &x);
        let r = read_replay(&wd, &x, &y, Mistake::None);
        check_orders(&r);
        for id in ["bs01-lr", "bs08-lr"].map(|p| format!("{p}{lr}-rep0")) {
            let dev = replay(&wd, &id, rule, &r);
            let ok = dev.update_loss <= TOL && dev.epoch_loss <= TOL && dev.weights <= TOL;
            assert!(ok, "{keys:?} {id}: {dev:?}");
            // The run trained: a replay that matched a run standing still would prove little.
            let train = read_csv(wd.run_dir(&id).join("epochs.csv")).numbers("train_loss");
            assert!(train[3] < 0.9 * train[0], "{keys:?} {id}: train loss {train:?}");
            eprintln!("{keys:?} {id}: {dev:?} {train:?}");
        }
    }
}

#[test]
fn a_replay_with_the_wrong_order_or_without_the_standardisation_does_not_match() {
    let (keys, lr, rule) = cases()[2];
    let (wd, x, y) = run(&spec(lr, keys));
    for mistake in [Mistake::FirstOrderOnly, Mistake::RawFeatures] {
        for id in ["bs01-lr", "bs08-lr"].map(|p| format!("{p}{lr}-rep0")) {
            let dev = replay(&wd, &id, rule, &read_replay(&wd, &x, &y, mistake));
            assert!(dev.update_loss > 100.0 * TOL && dev.weights > 100.0 * TOL, "{mistake:?} {id}: {dev:?}");
            eprintln!("{mistake:?} {id}: {dev:?}");
        }
    }
}
