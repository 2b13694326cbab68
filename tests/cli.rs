//! The command line end to end: a sweep on a tiny spec, the results folder it writes, the plan it
//! prints, overrides, divergence, re-runs into the same folder, and the noise checkpoints (issues 2, 3).

mod common;

use common::{
    EPOCH_COLUMNS, EVAL_COLUMNS, ITERATION_COLUMNS, NOISE_COLUMNS, OUT, SUMMARY_COLUMNS, TIME_COLUMNS,
    Workdir, blobs_spec, edit, read_csv,
};
use std::path::PathBuf;

/// N = 105 blobs with B in {1, 10, full}: 105 = 10 * 10 + 5, so B = 10 leaves a partial batch of 5.
const N: usize = 105;
const BATCHES: &str = r#"[1, 10, "full"]"#;

/// Turns the noise probes on: a checkpoint every `every` epochs, `probes` mini-batches each.
fn with_noise(spec: &str, every: u64, probes: u64) -> String {
    edit(spec, "every = 0", &format!("every = {every}\nprobes = {probes}"))
}

/// Runs a spec written to `spec.toml` and returns the workdir; panics unless it exits 0.
fn sweep(spec: &str, extra: &[&str]) -> Workdir {
    let wd = Workdir::new();
    wd.write("spec.toml", spec);
    let mut args = vec!["spec.toml"];
    args.extend_from_slice(extra);
    wd.run(&args).expect_success();
    wd
}

/// The run folder of the summary row `row`.
fn run_dir(wd: &Workdir, summary: &common::Csv, row: usize) -> PathBuf {
    wd.run_dir(&summary.rows[row][summary.index("run_id")])
}

#[test]
fn a_sweep_writes_the_spec_the_summary_and_one_complete_folder_per_run() {
    // 3 batch sizes x 1 learning rate x 2 repeats = 6 runs, each with the six documented files and
    // nothing else (no `.partial` folder or `.tmp` file left behind).
    let spec = edit(&with_noise(&blobs_spec(N, BATCHES, 2), 1, 4), "seed = 7", "seed = 7\nrepeats = 2");
    let wd = sweep(&spec, &["-q"]);
    let summary = read_csv(wd.out().join("summary.csv"));
    assert_eq!(summary.header(), SUMMARY_COLUMNS);
    assert_eq!(summary.rows.len(), 6);
    let mut configs: Vec<(&str, &str, &str)> = summary
        .rows
        .iter()
        .map(|r| (r[summary.index("repeat")].as_str(), r[2].as_str(), r[3].as_str()))
        .collect();
    configs.sort();
    assert_eq!(
        configs,
        [
            ("0", "1", "1"),
            ("0", "10", "10"),
            ("0", "105", "full"),
            ("1", "1", "1"),
            ("1", "10", "10"),
            ("1", "105", "full")
        ]
    );
    let mut expected = [
        "analysis.csv",
        "analysis.json",
        "analysis_runs.csv",
        "classes.csv",
        "report.html",
        "report.md",
        "spec.toml",
        "split.csv",
        "standardization.csv",
        "summary.csv",
    ]
    .map(PathBuf::from)
    .to_vec();
    for id in summary.column("run_id") {
        for file in
            ["epochs.csv", "evals.csv", "iterations.csv", "noise.csv", "summary.json", "weights.safetensors"]
        {
            expected.push(PathBuf::from("runs").join(id).join(file));
        }
    }
    expected.sort();
    let files: Vec<PathBuf> = wd.files_under(OUT).into_iter().filter(|f| !f.starts_with("figures")).collect();
    assert_eq!(files, expected);
    assert!(wd.out().join("figures").join("convergence_epoch.svg").exists());
    let saved: toml::Table =
        toml::from_str(&std::fs::read_to_string(wd.out().join("spec.toml")).unwrap()).unwrap();
    assert_eq!(saved["experiment"]["name"].as_str(), Some("blobs"));
    assert_eq!(saved["training"]["epochs"].as_integer(), Some(2));
}

#[test]
fn each_summary_row_agrees_with_its_run_records_and_summary_json() {
    let wd = sweep(&blobs_spec(N, BATCHES, 2), &["-q"]);
    let summary = read_csv(wd.out().join("summary.csv"));
    for (i, row) in summary.rows.iter().enumerate() {
        let dir = run_dir(&wd, &summary, i);
        let epochs = read_csv(dir.join("epochs.csv"));
        let last = epochs.rows.last().expect("epochs.csv has rows");
        let at = |csv: &common::Csv, name: &str| csv.index(name);
        assert_eq!(row[at(&summary, "final_train_loss")], last[at(&epochs, "train_loss")]);
        assert_eq!(row[at(&summary, "updates")], last[at(&epochs, "updates")]);
        assert_eq!(row[at(&summary, "train_time_s")], last[at(&epochs, "train_time_s")]);
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap();
        let s = &json["summary"];
        assert_eq!(s["run_id"].as_str(), Some(row[0].as_str()));
        assert_eq!(
            s["updates"].as_u64().map(|u| u.to_string()).as_deref(),
            Some(row[at(&summary, "updates")].as_str())
        );
        assert_eq!(s["diverged"].as_bool(), Some(false));
        assert_eq!(json["config"]["batch_size"], s["batch_size"]);
    }
}

#[test]
fn every_record_file_has_exactly_the_documented_columns_in_order() {
    let wd = sweep(&with_noise(&blobs_spec(N, BATCHES, 1), 1, 2), &["-q"]);
    let summary = read_csv(wd.out().join("summary.csv"));
    for i in 0..summary.rows.len() {
        let dir = run_dir(&wd, &summary, i);
        assert_eq!(read_csv(dir.join("iterations.csv")).header(), ITERATION_COLUMNS, "{}", dir.display());
        assert_eq!(read_csv(dir.join("epochs.csv")).header(), EPOCH_COLUMNS, "{}", dir.display());
        assert_eq!(read_csv(dir.join("noise.csv")).header(), NOISE_COLUMNS, "{}", dir.display());
        assert_eq!(read_csv(dir.join("evals.csv")).header(), EVAL_COLUMNS, "{}", dir.display());
    }
}

#[test]
fn keep_trains_on_the_partial_batch_and_drop_skips_it() {
    // N = 105, 2 epochs. keep: ceil(105 / B) updates an epoch, so B = 1 -> 105, B = 10 -> 11 (ten of 10,
    // one of 5), B = 105 -> 1. drop: floor(105 / B), so B = 10 -> 10 updates of 10 and 5 examples unseen.
    for (mode, per_epoch, last, seen) in [("keep", [105, 11, 1], 5, 210), ("drop", [105, 10, 1], 10, 200)] {
        let spec = edit(
            &blobs_spec(N, BATCHES, 2),
            "learning_rate = 0.1",
            &format!("learning_rate = 0.1\nlast_batch = \"{mode}\""),
        );
        let wd = sweep(&spec, &["-q"]);
        let summary = read_csv(wd.out().join("summary.csv"));
        assert_eq!(summary.column("batch_size"), ["1", "10", "105"], "{mode}");
        let updates: Vec<String> = per_epoch.iter().map(|u| u.to_string()).collect();
        assert_eq!(summary.column("updates_per_epoch"), updates, "{mode}");
        assert_eq!(summary.column("last_batch_size")[1], last.to_string(), "{mode}");
        for (i, &u) in per_epoch.iter().enumerate() {
            let iterations = read_csv(run_dir(&wd, &summary, i).join("iterations.csv"));
            assert_eq!(iterations.rows.len(), 2 * u, "{mode}, B = {}", summary.column("batch_size")[i]);
            let numbers: Vec<String> = (1..=2 * u).map(|k| k.to_string()).collect();
            assert_eq!(iterations.column("iteration"), numbers, "{mode}");
            let epochs: Vec<String> = (0..2 * u).map(|k| (k / u + 1).to_string()).collect();
            assert_eq!(iterations.column("epoch"), epochs, "{mode}");
            // examples_seen is the running sum of the batch sizes actually used.
            let mut total = 0.0;
            for (b, s) in iterations.numbers("batch_size").iter().zip(iterations.numbers("examples_seen")) {
                total += b;
                assert_eq!(s, total, "{mode}");
            }
        }
        let b10 = read_csv(run_dir(&wd, &summary, 1).join("iterations.csv"));
        let mut one_epoch = vec!["10"; 10];
        if mode == "keep" {
            one_epoch.push("5");
        }
        assert_eq!(b10.column("batch_size"), [one_epoch.clone(), one_epoch].concat(), "{mode}");
        assert_eq!(b10.column("examples_seen").last().copied(), Some(seen.to_string().as_str()), "{mode}");
        assert_eq!(summary.column("examples_seen")[1], seen.to_string(), "{mode}");
        assert_eq!(summary.column("updates")[1], (2 * per_epoch[1]).to_string(), "{mode}");
    }
}

#[test]
fn epoch_zero_is_recorded_before_training_and_shared_by_every_run_of_a_repeat() {
    // Within a repeat every configuration starts from the same weights, so the loss before any update
    // is the same; another repeat draws other weights; after one epoch the batch sizes differ.
    let spec = edit(&blobs_spec(N, BATCHES, 2), "seed = 7", "seed = 7\nrepeats = 2");
    let wd = sweep(&spec, &["-q"]);
    let summary = read_csv(wd.out().join("summary.csv"));
    let mut start = std::collections::BTreeMap::<String, Vec<String>>::new();
    let mut after_one = Vec::new();
    for i in 0..summary.rows.len() {
        let epochs = read_csv(run_dir(&wd, &summary, i).join("epochs.csv"));
        assert_eq!(epochs.column("epoch"), ["0", "1", "2"]);
        assert_eq!(epochs.column("updates")[0], "0");
        assert_eq!(epochs.numbers("train_time_s")[0], 0.0);
        let upe: u64 = summary.rows[i][summary.index("updates_per_epoch")].parse().unwrap();
        assert_eq!(epochs.column("updates")[2], (2 * upe).to_string());
        let repeat = summary.rows[i][summary.index("repeat")].clone();
        start.entry(repeat.clone()).or_default().push(epochs.column("train_loss")[0].to_string());
        if repeat == "0" {
            after_one.push(epochs.column("train_loss")[1].to_string());
        }
    }
    for (repeat, losses) in &start {
        assert!(losses.iter().all(|l| *l == losses[0]), "repeat {repeat}: {losses:?}");
    }
    assert_ne!(start["0"][0], start["1"][0], "two repeats drew the same initial weights");
    assert!(after_one[0] != after_one[1] && after_one[1] != after_one[2], "{after_one:?}");
}

#[test]
fn the_first_full_batch_loss_is_the_epoch_zero_training_loss() {
    // The one update of B = N sees every training example at the initial weights: its mini-batch loss
    // is the mean training loss of epoch 0, computed by a different code path (evaluation).
    let wd = sweep(&blobs_spec(N, r#"["full"]"#, 1), &["-q"]);
    let summary = read_csv(wd.out().join("summary.csv"));
    let dir = run_dir(&wd, &summary, 0);
    let first = read_csv(dir.join("iterations.csv")).numbers("loss")[0];
    let start = read_csv(dir.join("epochs.csv")).numbers("train_loss")[0];
    assert!((first - start).abs() <= 1e-6 * start, "first update {first}, epoch 0 {start}");
}

/// The data lines of a printed plan: every line whose second field is a batch size label.
fn plan_rows(stdout: &str) -> Vec<Vec<&str>> {
    stdout
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .filter(|f| f.len() == 7 && f[0].starts_with("bs"))
        .collect()
}

#[test]
fn dry_run_and_plan_print_the_plan_and_write_nothing() {
    // Per run: batch, lr, epochs, updates per epoch, last batch, total updates. With 2 epochs:
    // B = 1 -> 105 x 2 = 210, B = 10 -> 11 x 2 = 22 (last of 5), full -> 1 x 2 = 2; 234 in all.
    let wd = Workdir::new();
    wd.write("spec.toml", blobs_spec(N, BATCHES, 2));
    let dry = wd.run(&["spec.toml", "--dry-run"]);
    dry.expect_success();
    let plan = wd.run(&["plan", "spec.toml"]);
    plan.expect_success();
    assert_eq!(dry.stdout, plan.stdout);
    assert!(dry.stdout.contains("3 runs on 105 training examples, 234 updates in all"), "{}", dry.stdout);
    let rows: Vec<Vec<&str>> = plan_rows(&dry.stdout).into_iter().map(|f| f[1..].to_vec()).collect();
    assert_eq!(
        rows,
        [
            ["1", "0.1", "2", "105", "1", "210"],
            ["10", "0.1", "2", "11", "5", "22"],
            ["full", "0.1", "2", "1", "105", "2"]
        ],
        "{}",
        dry.stdout
    );
    assert_eq!(wd.files_under("."), [PathBuf::from("spec.toml")]);
}

#[test]
fn a_set_override_changes_the_run_and_is_remembered_in_the_saved_spec() {
    // The file says 2 epochs; --set training.epochs=1 makes B = 10 do 11 updates in all.
    let wd = sweep(&blobs_spec(N, "[10]", 2), &["-q", "--set", "training.epochs=1"]);
    let summary = read_csv(wd.out().join("summary.csv"));
    assert_eq!((summary.column("epochs")[0], summary.column("updates")[0]), ("1", "11"));
    let dir = run_dir(&wd, &summary, 0);
    assert_eq!(read_csv(dir.join("iterations.csv")).rows.len(), 11);
    assert_eq!(read_csv(dir.join("epochs.csv")).column("epoch"), ["0", "1"]);
    let saved = std::fs::read_to_string(wd.out().join("spec.toml")).unwrap();
    assert!(saved.contains("--set training.epochs=1"), "{saved}");
    let saved: toml::Table = toml::from_str(&saved).unwrap();
    assert_eq!(saved["training"]["epochs"].as_integer(), Some(1));
}

#[test]
fn stdout_ends_with_a_table_of_the_runs_and_the_results_folder() {
    let wd = Workdir::new();
    wd.write("spec.toml", blobs_spec(N, BATCHES, 1));
    let out = wd.run(&["spec.toml"]);
    out.expect_success();
    let lines: Vec<&str> = out.stdout.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.last().copied(), Some("results: out"), "{}", out.stdout);
    let table = &lines[lines.len() - 5..lines.len() - 1];
    let header: Vec<&str> = table[0].split_whitespace().collect();
    assert_eq!(
        header,
        ["run", "batch", "updates", "train", "loss", "test", "loss", "test", "acc", "train", "s"]
    );
    let summary = read_csv(wd.out().join("summary.csv"));
    for (line, id) in table[1..].iter().zip(summary.column("run_id")) {
        let fields: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(fields[0], id, "{}", out.stdout);
        // No test split: the test loss and accuracy columns show a dash.
        assert_eq!((fields[4], fields[5]), ("-", "-"), "{line}");
    }
}

#[test]
fn quiet_prints_only_the_results_line() {
    let wd = sweep(&blobs_spec(N, "[10]", 1), &[]);
    let out = wd.run(&["spec.toml", "-q"]);
    out.expect_success();
    assert_eq!(out.stdout.trim(), "results: out");
}

/// A linear regression on synthetic data; at learning rate 1e6 every step overshoots by a factor of
/// about 1e6, so the loss overflows within a few updates.
fn regression_spec(rates: &str) -> String {
    format!(
        r#"[experiment]
name = "diverge"
seed = 3
output = "{OUT}"

[data]
source = "synthetic"
generator = "linear"
samples = 100
features = 3
test_fraction = 0.2

[model]
hidden = []

[training]
epochs = 3
learning_rate = 0.05

[sweep]
batch_sizes = [10]
learning_rates = {rates}

[noise]
every = 0
"#
    )
}

#[test]
fn a_diverging_run_is_marked_and_the_sweep_goes_on() {
    let wd = Workdir::new();
    wd.write("spec.toml", regression_spec("[0.05, 1e6]"));
    let out = wd.run(&["spec.toml"]);
    out.expect_success();
    let summary = read_csv(wd.out().join("summary.csv"));
    let rates = summary.numbers("learning_rate");
    assert_eq!(rates, [0.05, 1e6]);
    assert_eq!(summary.column("diverged"), ["false", "true"]);
    assert_eq!(summary.column("epochs_completed")[0], "3");
    assert!(summary.numbers("epochs_completed")[1] < 3.0);
    let losses = summary.numbers("final_train_loss");
    assert!(losses[0].is_finite() && !losses[1].is_finite(), "{losses:?}");
    for i in 0..2 {
        let json = std::fs::read_to_string(run_dir(&wd, &summary, i).join("summary.json")).unwrap();
        let json: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(json["summary"]["diverged"].as_bool(), Some(i == 1));
    }
    let diverged_line = out.stdout.lines().find(|l| l.starts_with(&summary.rows[1][0])).expect("a table row");
    assert!(diverged_line.ends_with("diverged"), "{}", out.stdout);
}

#[test]
fn the_same_spec_runs_twice_into_the_same_folder_with_the_same_records() {
    let spec = with_noise(&blobs_spec(N, BATCHES, 2), 1, 4);
    let wd = sweep(&spec, &["-q"]);
    let first: Vec<_> = wd.files_under(OUT).iter().map(|f| (f.clone(), read_if_csv(&wd, f))).collect();
    wd.run(&["spec.toml", "-q"]).expect_success();
    let second: Vec<_> = wd.files_under(OUT).iter().map(|f| (f.clone(), read_if_csv(&wd, f))).collect();
    assert_eq!(first, second);
}

/// A csv file under the results folder without its time columns; None for other files.
fn read_if_csv(wd: &Workdir, rel: &std::path::Path) -> Option<common::Csv> {
    (rel.extension()? == "csv").then(|| read_csv(wd.out().join(rel)).without(TIME_COLUMNS))
}

#[test]
fn a_different_spec_is_refused_in_the_same_folder_unless_forced() {
    let wd = sweep(&blobs_spec(N, BATCHES, 2), &["-q"]);
    let before = (
        std::fs::read(wd.out().join("spec.toml")).unwrap(),
        std::fs::read(wd.out().join("summary.csv")).unwrap(),
        wd.files_under(OUT),
    );
    let refused = wd.run(&["spec.toml", "-q", "--set", "sweep.batch_sizes=[10]"]);
    refused.expect_code(2);
    assert!(
        refused.stderr.contains("different spec") && refused.stderr.contains("--force"),
        "{}",
        refused.stderr
    );
    let after = (
        std::fs::read(wd.out().join("spec.toml")).unwrap(),
        std::fs::read(wd.out().join("summary.csv")).unwrap(),
        wd.files_under(OUT),
    );
    assert!(before == after, "a refused run changed the results folder");

    wd.run(&["spec.toml", "-q", "--force", "--set", "sweep.batch_sizes=[10]"]).expect_success();
    let summary = read_csv(wd.out().join("summary.csv"));
    assert_eq!(summary.column("batch_size"), ["10"]);
    // The runs of the replaced spec are gone, not left beside the new ones.
    let runs: Vec<_> =
        std::fs::read_dir(wd.out().join("runs")).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(runs, [std::ffi::OsString::from(&summary.column("run_id")[0])]);
}

#[test]
fn noise_checkpoints_fall_before_training_every_few_epochs_and_at_the_end() {
    // every = 2: epoch 0, then 2, 4, ..., and the last epoch once even when it is not a multiple.
    for (epochs, expected) in [(5, vec!["0", "2", "4", "5"]), (4, vec!["0", "2", "4"]), (1, vec!["0", "1"])] {
        let wd = sweep(&with_noise(&blobs_spec(N, "[10]", epochs), 2, 3), &["-q"]);
        let summary = read_csv(wd.out().join("summary.csv"));
        let noise = read_csv(run_dir(&wd, &summary, 0).join("noise.csv"));
        assert_eq!(noise.column("epoch"), expected, "epochs = {epochs}");
        assert!(
            noise.column("probe_batch_size").iter().all(|&b| b == "10"),
            "a run probes its own batch size"
        );
        assert!(noise.column("probes").iter().all(|&p| p == "3"));
    }
}

#[test]
fn probe_batch_sizes_give_a_row_per_size_at_every_checkpoint() {
    let spec = edit(
        &with_noise(&blobs_spec(N, "[10]", 2), 1, 3),
        "probes = 3",
        "probes = 3\nprobe_batch_sizes = [1, 10, \"full\"]",
    );
    let wd = sweep(&spec, &["-q"]);
    let summary = read_csv(wd.out().join("summary.csv"));
    let noise = read_csv(run_dir(&wd, &summary, 0).join("noise.csv"));
    assert_eq!(noise.column("epoch"), ["0", "0", "0", "1", "1", "1", "2", "2", "2"]);
    assert_eq!(noise.column("probe_batch_size"), ["1", "10", "105", "1", "10", "105", "1", "10", "105"]);
}

#[test]
fn noise_every_zero_writes_no_noise_csv() {
    let wd = sweep(&blobs_spec(N, BATCHES, 2), &["-q"]);
    let summary = read_csv(wd.out().join("summary.csv"));
    for i in 0..summary.rows.len() {
        let dir = run_dir(&wd, &summary, i);
        assert!(dir.join("epochs.csv").exists());
        assert!(!dir.join("noise.csv").exists(), "{}", dir.display());
    }
}

#[test]
fn a_full_batch_probe_has_cosine_one_and_no_dispersion_and_smaller_batches_do_not() {
    // At B = N the one possible mini-batch is the training set: cos 1, no spread, no error, and the
    // two-batch estimator is undefined (empty). At B = 1 single-example gradients disagree.
    let spec = edit(
        &with_noise(&blobs_spec(N, "[10]", 2), 1, 8),
        "probes = 8",
        "probes = 8\nprobe_batch_sizes = [1, \"full\"]",
    );
    let wd = sweep(&spec, &["-q"]);
    let summary = read_csv(wd.out().join("summary.csv"));
    let noise = read_csv(run_dir(&wd, &summary, 0).join("noise.csv"));
    let full = noise.without(TIME_COLUMNS);
    for row in full.rows.iter().filter(|r| r[full.index("probe_batch_size")] == "105") {
        let get = |name: &str| row[full.index(name)].as_str();
        assert_eq!(get("cos_mean").parse::<f64>().unwrap(), 1.0);
        for zero in ["cos_std", "angle_deg_mean", "dispersion", "rel_error", "rel_error_predicted"] {
            assert_eq!(get(zero).parse::<f64>().unwrap(), 0.0, "{zero}");
        }
        assert_eq!(get("b_simple_two_batch"), "");
    }
    for row in noise.rows_where("probe_batch_size", "1") {
        let get = |name: &str| row[noise.index(name)].parse::<f64>().unwrap();
        assert!(get("cos_mean") < 1.0 && get("dispersion") > 0.0 && get("rel_error") > 0.0, "{row:?}");
    }
}

#[test]
fn noise_rows_are_consistent_with_their_own_definitions() {
    // b_simple = tr(Sigma) / |G|^2; rel_error_predicted = tr(Sigma) / (B |G|^2) * (N - B) / (N - 1);
    // cos_predicted = 1 / sqrt(1 + rel_error_predicted); and both probe sizes of one checkpoint share G.
    let spec = edit(
        &with_noise(&blobs_spec(N, "[10]", 2), 1, 4),
        "probes = 4",
        "probes = 4\nprobe_batch_sizes = [1, 10]",
    );
    let wd = sweep(&spec, &["-q"]);
    let summary = read_csv(wd.out().join("summary.csv"));
    let noise = read_csv(run_dir(&wd, &summary, 0).join("noise.csv"));
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * b.abs().max(1e-300);
    let n = N as f64;
    for pair in noise.rows.chunks(2) {
        assert_eq!(pair[0][noise.index("grad_norm")], pair[1][noise.index("grad_norm")]);
        assert_eq!(pair[0][noise.index("trace_sigma")], pair[1][noise.index("trace_sigma")]);
        for row in pair {
            let get = |name: &str| row[noise.index(name)].parse::<f64>().unwrap();
            let gg = get("grad_norm").powi(2);
            let b = get("probe_batch_size");
            assert!(close(get("b_simple"), get("trace_sigma") / gg), "{row:?}");
            let predicted = get("trace_sigma") / (b * gg) * (n - b) / (n - 1.0);
            assert!(close(get("rel_error_predicted"), predicted), "{row:?}");
            assert!(close(get("cos_predicted"), 1.0 / (1.0 + predicted).sqrt()), "{row:?}");
        }
    }
}

#[test]
fn out_of_range_numeric_flags_are_refused_by_name_without_a_panic() {
    let wd = Workdir::new();
    for (args, flag) in [
        (&["bench", "--repeats", "0"][..], "--repeats"),
        (&["bench", "--batch-sizes", "0"][..], "--batch-sizes"),
        (&["bench", "--batch-sizes", "32,5000"][..], "--batch-sizes"),
        (&["bench", "--epoch-scale", "nan"][..], "--epoch-scale"),
        (&["bench", "--epoch-scale=-1"][..], "--epoch-scale"),
        (&["run", "spec.toml", "--threads", "0"][..], "--threads"),
        (&["run", "spec.toml", "--max-memory", "0"][..], "--max-memory"),
        (&["run", "spec.toml", "--shard", "3/3"][..], "--shard"),
    ] {
        let out = wd.run(args);
        out.expect_code(2);
        assert!(out.stderr.contains(flag), "{args:?}: {}", out.stderr);
        assert!(!out.stderr.contains("panicked"), "{args:?}: {}", out.stderr);
    }
}
