//! Optimisers, schedules and initial weights through the binary (issue 14): every optimiser's records
//! are the same whatever the thread count, iterations.csv's `learning_rate` is the closed form of the
//! schedule at the examples seen before each update, a growing batch size cuts each epoch into
//! ceil(N / B_e) updates, a key of another optimiser is refused at its line, and `model.init_from`
//! fixes the start of every run whatever the seed.

mod common;

use common::{Csv, OUT, Workdir, blobs_spec, edit, read_csv, records, refusal_problems};

/// Figures take longer than these runs and hold no numbers the tests compare.
const NO_PLOTS: &str = "\n[plots]\nenabled = false\n";

/// `blobs_spec` with `extra` lines added to `[training]` and no figures.
fn training_spec(samples: usize, batch_sizes: &str, epochs: u64, extra: &str) -> String {
    let spec = blobs_spec(samples, batch_sizes, epochs);
    edit(&spec, "learning_rate = 0.1\n", &format!("learning_rate = 0.1\n{extra}\n")) + NO_PLOTS
}

/// Runs `spec` with `args` in a fresh folder and returns the folder.
fn run(spec: &str, args: &[&str]) -> Workdir {
    let wd = Workdir::new();
    wd.write("spec.toml", spec);
    let mut all = vec!["spec.toml", "-q"];
    all.extend_from_slice(args);
    wd.run(&all).expect_success();
    wd
}

/// Each optimiser with every key it takes set away from its default, so each one is exercised.
const OPTIMIZERS: [(&str, &str); 4] = [
    ("sgd", "optimizer = \"sgd\"\nmomentum = 0.9\nnesterov = true\nweight_decay = 0.001"),
    ("adam", "optimizer = \"adam\"\nbeta1 = 0.85\nbeta2 = 0.99\nepsilon = 1e-7\nweight_decay = 0.001"),
    ("adamw", "optimizer = \"adamw\"\nweight_decay = 0.05"),
    ("rmsprop", "optimizer = \"rmsprop\"\nalpha = 0.95\nmomentum = 0.5\nepsilon = 1e-6"),
];

const WARMUP_COSINE: &str =
    "schedule = \"cosine\"\nwarmup_epochs = 0.5\nwarmup_start_factor = 0.1\nfinal_lr_factor = 0.1";

#[test]
fn every_optimiser_gives_the_same_records_and_weights_on_one_and_four_threads() {
    // B = 1, 7 and full over 120 training examples and a tanh MLP, noise probes every epoch (so the
    // preconditioned B_simple of adam and rmsprop is compared too): three runs rayon can interleave.
    let mut final_losses = Vec::new();
    for (name, keys) in OPTIMIZERS {
        let spec = training_spec(150, r#"[1, 7, "full"]"#, 2, &format!("{keys}\n{WARMUP_COSINE}"));
        let spec = edit(&spec, "test_fraction = 0.0", "test_fraction = 0.2");
        let spec = edit(&spec, "hidden = []", "hidden = [8]\nactivation = \"tanh\"");
        let spec = edit(&spec, "every = 0", "every = 1\nprobes = 4");
        let spec =
            if name == "sgd" { spec } else { edit(&spec, "learning_rate = 0.1", "learning_rate = 0.01") };
        let one = run(&spec, &["--threads", "1"]);
        let four = run(&spec, &["--threads", "4"]);
        let (a, b) = (records(&one, OUT), records(&four, OUT));
        assert_eq!(a.len(), b.len(), "{name}: different csv files");
        assert!(a.iter().any(|(p, _)| p.ends_with("noise.csv")), "{name}: no noise.csv in {a:?}");
        for ((path, x), (other, y)) in a.iter().zip(&b) {
            assert_eq!(path, other, "{name}: different csv files");
            assert!(x == y, "{name}: {} differs between 1 and 4 threads", path.display());
        }
        let summary = read_csv(one.out().join("summary.csv"));
        assert_eq!(summary.rows.len(), 3, "{name}");
        assert!(summary.column("optimizer").iter().all(|o| *o == name), "{name}: {summary:?}");
        for id in summary.column("run_id") {
            let weights = |wd: &Workdir| std::fs::read(wd.run_dir(id).join("weights.safetensors")).unwrap();
            assert!(weights(&one) == weights(&four), "{name} {id}: weights differ between thread counts");
        }
        final_losses.push(summary.column("final_train_loss").join(","));
    }
    // Each optimiser's keys took effect: no two of them trained alike.
    for i in 0..final_losses.len() {
        for j in 0..i {
            assert_ne!(final_losses[i], final_losses[j], "{} and {}", OPTIMIZERS[i].0, OPTIMIZERS[j].0);
        }
    }
}

/// The schedule keys of one variant, as the test reads them back.
struct Variant {
    name: &'static str,
    keys: &'static str,
    rate: fn(f64, u64) -> f64,
}

/// Epochs of the schedule runs, and their base rate.
const EPOCHS: u64 = 3;
const LR: f64 = 0.1;

/// multiplier = ramp x decay (issue 14): the ramp rises linearly from the start factor s at epoch 0 to
/// 1 at the end of warmup w; cosine and linear decay over [w, epochs] to the final factor f.
fn ramp(e: f64, w: f64, s: f64) -> f64 {
    if e >= w { 1.0 } else { s + (1.0 - s) * e / w }
}

fn share_done(e: f64, w: f64) -> f64 {
    ((e - w) / (EPOCHS as f64 - w)).clamp(0.0, 1.0)
}

/// The variants of the schedule test; `rate(e, complete)` is the closed form at e epochs seen (a real
/// number) of which `complete` are whole epochs.
fn variants() -> Vec<Variant> {
    vec![
        Variant {
            name: "cos",
            keys: "schedule = \"cosine\"\nwarmup_epochs = 0.75\nwarmup_start_factor = 0.2\nfinal_lr_factor = 0.05",
            rate: |e, _| {
                let p = share_done(e, 0.75);
                LR * ramp(e, 0.75, 0.2) * (0.05 + 0.95 * 0.5 * (1.0 + (std::f64::consts::PI * p).cos()))
            },
        },
        Variant {
            name: "lin",
            keys: "schedule = \"linear\"\nfinal_lr_factor = 0.3",
            rate: |e, _| LR * (1.0 - 0.7 * share_done(e, 0.0)),
        },
        Variant {
            // PyTorch's MultiStepLR stepped once per epoch: x gamma from the first update after a
            // milestone's epochs are complete, under a warmup that starts at 0.
            name: "step",
            keys: "schedule = \"step\"\nmilestones = [1, 2]\ngamma = 0.5\nwarmup_epochs = 0.5",
            rate: |e, complete| {
                LR * ramp(e, 0.5, 0.0) * 0.5f64.powi([1, 2].iter().filter(|&&m| complete >= m).count() as i32)
            },
        },
    ]
}

/// (complete epochs, examples of the current epoch seen) before every update of an iterations.csv
/// logged at every update: the sum of the batch sizes of the epoch's earlier rows.
fn positions(iterations: &Csv) -> Vec<(u64, u64)> {
    let (epochs, sizes) = (iterations.numbers("epoch"), iterations.numbers("batch_size"));
    let mut seen = 0;
    let mut out = Vec::with_capacity(epochs.len());
    for (i, (&epoch, &size)) in epochs.iter().zip(&sizes).enumerate() {
        if i > 0 && epochs[i - 1] != epoch {
            seen = 0;
        }
        out.push((epoch as u64 - 1, seen));
        seen += size as u64;
    }
    out
}

#[test]
fn the_learning_rate_column_is_the_closed_form_of_the_schedule_before_each_update() {
    // N = 40 training examples; B = 3 ends each epoch with a batch of 1, B = 7 with one of 5, so the
    // examples seen before an update are not a multiple of B.
    let mut spec = training_spec(50, "[3, 7]", EPOCHS, "");
    spec = edit(&spec, "test_fraction = 0.0", "test_fraction = 0.2");
    for v in variants() {
        spec += &format!("\n[[sweep.variants]]\nname = \"{}\"\n{}\n", v.name, v.keys);
    }
    let wd = run(&spec, &[]);
    let n = 40.0;
    let summary = read_csv(wd.out().join("summary.csv"));
    assert_eq!(summary.rows.len(), 6);
    for v in variants() {
        for id in summary.column("run_id").into_iter().filter(|id| id.ends_with(&format!("-{}", v.name))) {
            let iterations = read_csv(wd.run_dir(id).join("iterations.csv"));
            let rates = iterations.numbers("learning_rate");
            let at = positions(&iterations);
            for (k, (&rate, &(complete, seen))) in rates.iter().zip(&at).enumerate() {
                let expected = (v.rate)(complete as f64 + seen as f64 / n, complete);
                assert!(
                    (rate - expected).abs() <= 1e-12 * LR,
                    "{id} update {}: learning_rate {rate}, closed form {expected}",
                    k + 1
                );
            }
            // Deliberately wrong: the position after the update (examples seen including the batch)
            // disagrees somewhere, so the check above can tell a schedule one batch late.
            let sizes = iterations.numbers("batch_size");
            let late = rates.iter().zip(&at).zip(&sizes).any(|((&rate, &(c, seen)), &b)| {
                (rate - (v.rate)(c as f64 + (seen as f64 + b) / n, c)).abs() > 1e-6
            });
            assert!(late, "{id}: a one-batch-late schedule should not match");
        }
    }
    // Hand values at the ends of the step schedule: the warmup starts at 0; the last update of epoch 1
    // has seen 39 of 40 examples (B = 3, 13 updates before it), so it runs at the full rate, and the first of epoch 2 at
    // gamma x rate; the first of epoch 3 at gamma^2 x rate.
    let step = read_csv(wd.run_dir("bs03-lr0.1-rep0-step").join("iterations.csv"));
    let rate = |update: usize| step.numbers("learning_rate")[update - 1];
    assert_eq!((rate(1), rate(14), rate(15), rate(29)), (0.0, 0.1, 0.05, 0.025));
}

#[test]
fn a_growing_batch_size_cuts_every_epoch_into_ceil_n_over_its_batch_size_updates() {
    // N = 40; x4 after epochs 1 and 3. From B = 3: 3, 12, 12, then 48 capped at 40. From B = 7: 7, 28,
    // 28, then 112 capped at 40. An epoch of B_e has ceil(40 / B_e) updates, all of B_e but the last.
    let growth = "batch_size_milestones = [1, 3]\nbatch_size_factor = 4";
    let spec = training_spec(50, "[3, 7]", 4, growth);
    let spec = edit(&spec, "test_fraction = 0.0", "test_fraction = 0.2");
    let wd = run(&spec, &[]);
    let n: usize = 40;
    let summary = read_csv(wd.out().join("summary.csv"));
    assert_eq!(summary.column("batch_size"), ["3", "7"], "the runs keep their starting batch size");
    assert_eq!(summary.column("batch_label"), ["3", "7"]);
    assert_eq!(summary.column("run_id"), ["bs03-lr0.1-rep0", "bs07-lr0.1-rep0"]);
    for (row, start) in [3usize, 7].into_iter().enumerate() {
        let id = &summary.rows[row][summary.index("run_id")];
        let iterations = read_csv(wd.run_dir(id).join("iterations.csv"));
        let (epochs, sizes) = (iterations.numbers("epoch"), iterations.numbers("batch_size"));
        let mut expected_sizes = Vec::new();
        let mut cumulative = Vec::new();
        for epoch in 1..=4u32 {
            let grown = [1, 3].iter().filter(|&&m| epoch > m).count() as u32;
            let b = (start * 4usize.pow(grown)).min(n);
            let updates = n.div_ceil(b);
            expected_sizes.extend(std::iter::repeat_n(b, updates - 1));
            expected_sizes.push(n - (updates - 1) * b);
            let logged = epochs.iter().filter(|&&e| e == f64::from(epoch)).count();
            assert_eq!(logged, updates, "{id} epoch {epoch}: B = {b}");
            cumulative.push(cumulative.last().unwrap_or(&0) + updates);
        }
        let sizes: Vec<usize> = sizes.iter().map(|&s| s as usize).collect();
        assert_eq!(sizes, expected_sizes, "{id}: batch_size column");
        let epoch_rows = read_csv(wd.run_dir(id).join("epochs.csv"));
        let updates: Vec<usize> = epoch_rows.numbers("updates")[1..].iter().map(|&u| u as usize).collect();
        assert_eq!(updates, cumulative, "{id}: updates after each epoch");
        let total = summary.rows[row][summary.index("updates")].parse::<usize>().unwrap();
        assert_eq!(total, *cumulative.last().unwrap(), "{id}: summary updates");
        // Every epoch saw the whole training set once.
        assert_eq!(iterations.numbers("examples_seen").last(), Some(&(4.0 * n as f64)));
    }
    // By hand, from B = 3: 14 + 4 + 4 + 1 updates; from B = 7: 6 + 2 + 2 + 1.
    assert_eq!(summary.column("updates"), ["23", "11"]);
}

/// The line of `spec` holding `needle`, as messages print it.
fn line_of(spec: &str, needle: &str) -> String {
    let at = spec.find(needle).unwrap_or_else(|| panic!("`{needle}` not in spec"));
    format!("line {}", spec[..at].matches('\n').count() + 1)
}

#[test]
fn a_key_of_another_optimiser_is_refused_at_its_line_naming_the_key_and_the_optimiser() {
    let cases = [
        ("sgd", "beta1 = 0.9"),
        ("sgd", "beta2 = 0.999"),
        ("sgd", "epsilon = 1e-8"),
        ("sgd", "alpha = 0.99"),
        ("adam", "alpha = 0.99"),
        ("adam", "nesterov = true"),
        ("adam", "momentum = 0.9"),
        ("adamw", "momentum = 0.9"),
        ("rmsprop", "beta1 = 0.9"),
        ("rmsprop", "nesterov = false"),
    ];
    common::assert_every_case(&cases, 10, |&(optimizer, line)| {
        let key = line.split(' ').next().unwrap();
        let spec = training_spec(30, "[1, 4]", 1, &format!("optimizer = \"{optimizer}\"\n{line}"));
        let wd = Workdir::new();
        wd.write("spec.toml", &spec);
        let before = wd.files_under(".");
        let out = wd.run(&["spec.toml", "-q"]);
        let fragments = [
            format!("key `training.{key}`"),
            format!("{key} does not apply to optimizer = \"{optimizer}\""),
            line_of(&spec, line),
        ];
        let fragments: Vec<&str> = fragments.iter().map(String::as_str).collect();
        let problems = refusal_problems(&wd, &before, &out, &fragments);
        (!problems.is_empty()).then(|| format!("{optimizer} + {line}: {problems:?}\n{}", out.stderr))
    });
}

/// Digits with no test split: every seed trains on all 1797 examples in file order, so only the
/// initial weights and the shuffling depend on the seed.
fn digits_spec(seed: u64, hidden: usize, batch_sizes: &str, init_from: &str) -> String {
    format!(
        r#"[experiment]
name = "init"
seed = {seed}
output = "{OUT}"

[data]
source = "digits"
test_fraction = 0.0

[model]
hidden = [{hidden}]
{init_from}

[training]
epochs = 1
learning_rate = 0.05
optimizer = "adam"

[sweep]
batch_sizes = {batch_sizes}

[noise]
every = 0
{NO_PLOTS}"#
    )
}

/// summary.json's `init_hash` of every run of a results folder.
fn init_hashes(wd: &Workdir) -> Vec<String> {
    let summary = read_csv(wd.out().join("summary.csv"));
    summary
        .column("run_id")
        .iter()
        .map(|id| {
            let text = std::fs::read_to_string(wd.run_dir(id).join("summary.json")).unwrap();
            let json: serde_json::Value = serde_json::from_str(&text).unwrap();
            json["init_hash"].as_str().expect("init_hash").to_string()
        })
        .collect()
}

#[test]
fn runs_from_one_init_from_file_start_alike_whatever_the_seed() {
    let first = run(&digits_spec(7, 8, "[32]", ""), &[]);
    let weights = std::fs::read(first.run_dir("bs0032-lr0.05-rep0").join("weights.safetensors")).unwrap();
    let final_loss =
        read_csv(first.run_dir("bs0032-lr0.05-rep0").join("epochs.csv")).column("train_loss")[1].to_string();
    let from = |seed| {
        let wd = Workdir::new();
        wd.write("w.safetensors", &weights);
        wd.write("spec.toml", digits_spec(seed, 8, "[1, 32]", "init_from = \"w.safetensors\""));
        wd.run(&["spec.toml", "-q"]).expect_success();
        wd
    };
    let (a, b) = (from(1), from(2));
    let hashes: Vec<String> = [init_hashes(&a), init_hashes(&b)].concat();
    assert_eq!(hashes.len(), 4);
    assert!(hashes.iter().all(|h| *h == hashes[0]), "{hashes:?}");
    // The file holds the first run's final weights, not its random start.
    assert_ne!(init_hashes(&first)[0], hashes[0]);
    for id in ["bs0001-lr0.05-rep0", "bs0032-lr0.05-rep0"] {
        let (ea, eb) =
            (read_csv(a.run_dir(id).join("epochs.csv")), read_csv(b.run_dir(id).join("epochs.csv")));
        // Epoch 0 evaluates the file's weights on the same examples: the first run's final loss, to the bit.
        assert_eq!(ea.column("train_loss")[0], final_loss, "{id}");
        assert_eq!(eb.column("train_loss")[0], final_loss, "{id}");
        // The seeds still shuffle differently.
        assert_ne!(
            ea.column("train_loss")[1],
            eb.column("train_loss")[1],
            "{id}: seeds 1 and 2 trained alike"
        );
    }
}

#[test]
fn weights_of_another_network_are_refused_naming_the_tensor_and_both_shapes() {
    let first = run(&digits_spec(7, 8, "[32]", ""), &[]);
    let weights = std::fs::read(first.run_dir("bs0032-lr0.05-rep0").join("weights.safetensors")).unwrap();
    let wd = Workdir::new();
    wd.write("w.safetensors", &weights);
    let spec = digits_spec(7, 9, "[32]", "init_from = \"w.safetensors\"");
    wd.write("spec.toml", &spec);
    let before = wd.files_under(".");
    let out = wd.run(&["spec.toml", "-q"]);
    let line = line_of(&spec, "init_from");
    let fragments = ["key `model.init_from`", "layers.0.weight", "[8, 64]", "[9, 64]", &line];
    let problems = refusal_problems(&wd, &before, &out, &fragments);
    assert!(problems.is_empty(), "{problems:?}\n{}", out.stderr);
}
