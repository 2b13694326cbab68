//! Every data source end to end through the binary, on small files the tests write: csv with string
//! classes, csv regression, idx (plain and gzip'ed) and the three synthetic generators (issue 2
//! section 2). Each must train: the training loss after the last epoch is below the loss at epoch 0.

mod common;

use common::{Csv, OUT, TIME_COLUMNS, Workdir, read_csv};
use std::io::Write;

/// A spec with the given [data] table body, no hidden layer, `epochs` epochs at rate `rate`.
fn spec(data: &str, hidden: &str, epochs: u64, rate: f64) -> String {
    format!(
        r#"[experiment]
name = "loaders"
seed = 5
output = "{OUT}"

[data]
{data}

[model]
hidden = {hidden}
activation = "tanh"

[training]
epochs = {epochs}
learning_rate = {rate}

[sweep]
batch_sizes = [10]

[noise]
every = 0
"#
    )
}

/// A deterministic jitter in [-0.5, 0.5) for row `i`: no random crate needed, no two neighbours equal.
fn jitter(i: usize, salt: usize) -> f64 {
    ((i * 37 + salt * 11) % 23) as f64 / 23.0 - 0.5
}

/// Runs `spec.toml` in `wd` and returns the one run's epochs.csv and its summary.json.
fn train(wd: &Workdir, spec_path: &str) -> (Csv, serde_json::Value) {
    wd.run(&[spec_path, "-q"]).expect_success();
    let summary = read_csv(wd.out().join("summary.csv"));
    assert_eq!(summary.rows.len(), 1);
    let dir = wd.run_dir(summary.column("run_id")[0]);
    let json = serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap();
    (read_csv(dir.join("epochs.csv")), json)
}

/// The loss fell from epoch 0 to the last epoch by at least `factor`.
fn assert_learned(epochs: &Csv, factor: f64, what: &str) {
    let loss = epochs.numbers("train_loss");
    let (first, last) = (loss[0], *loss.last().unwrap());
    assert!(last < first / factor, "{what}: train loss {first} -> {last}, expected a fall by {factor}x");
}

/// Three well-separated clusters, 30 each, labelled by name; the label column sits between the features.
fn pets_csv() -> String {
    let mut csv = String::from("weight,species,height\n");
    let centres = [("cat", 0.0, 0.0), ("dog", 4.0, 0.0), ("fish", 0.0, 4.0)];
    for i in 0..90 {
        let (name, x, y) = centres[i % 3];
        csv.push_str(&format!("{},{name},{}\n", x + jitter(i, 0), y + jitter(i, 1)));
    }
    csv
}

#[test]
fn a_csv_with_string_class_labels_trains() {
    // Clusters 4 apart with jitter under 0.5 are linearly separable: a softmax regression gets every
    // training example right after a few epochs.
    let wd = Workdir::new();
    wd.write("pets.csv", pets_csv());
    let data = "source = \"csv\"\npath = \"pets.csv\"\nlabel = \"species\"\ntest_fraction = 0.2";
    wd.write("spec.toml", spec(data, "[]", 10, 0.5));
    let (epochs, json) = train(&wd, "spec.toml");
    // 90 rows, 18 held out (ceil(90 * 0.2)), 2 features, 3 classes.
    assert_eq!(json["data"].as_str(), Some("pets.csv (90 x 2, 3 classes)"));
    assert_eq!(json["config"]["updates_per_epoch"].as_u64(), Some(8), "72 training rows in batches of 10");
    assert_learned(&epochs, 4.0, "pets");
    assert_eq!(epochs.numbers("train_accuracy").last(), Some(&1.0));
    assert!(epochs.numbers("test_accuracy").iter().all(|a| (0.0..=1.0).contains(a)));
}

#[test]
fn a_csv_regression_trains_and_leaves_the_accuracy_columns_empty() {
    // y = 2 x0 - x1 + 0.5 exactly: a linear model can drive the loss to zero.
    let wd = Workdir::new();
    let mut csv = String::from("x0,x1,y\n");
    for i in 0..100 {
        let (x0, x1) = (3.0 * jitter(i, 0), 3.0 * jitter(i, 5));
        csv.push_str(&format!("{x0},{x1},{}\n", 2.0 * x0 - x1 + 0.5));
    }
    wd.write("line.csv", csv);
    let data =
        "source = \"csv\"\npath = \"line.csv\"\nlabel = \"y\"\ntask = \"regression\"\ntest_fraction = 0.2";
    wd.write("spec.toml", spec(data, "[]", 20, 0.1));
    let (epochs, json) = train(&wd, "spec.toml");
    assert_eq!(json["data"].as_str(), Some("line.csv (100 x 2, regression)"));
    assert_learned(&epochs, 100.0, "regression");
    assert!(epochs.column("train_accuracy").iter().all(|a| a.is_empty()));
    assert!(epochs.column("test_accuracy").iter().all(|a| a.is_empty()));
    assert!(epochs.numbers("test_loss").iter().all(|l| l.is_finite()));
    let summary = read_csv(wd.out().join("summary.csv"));
    assert_eq!(summary.column("final_test_accuracy"), [""]);
}

/// An idx file: magic, big-endian sizes, then the bytes.
fn idx(magic: u32, sizes: &[u32], data: &[u8]) -> Vec<u8> {
    let mut bytes = magic.to_be_bytes().to_vec();
    sizes.iter().for_each(|s| bytes.extend(s.to_be_bytes()));
    bytes.extend(data);
    bytes
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

/// 60 images of 4 x 4 pixels: label 3 lights the top half, label 8 the bottom half (the labels are not
/// 0 and 1, so the loader must remap them to dense classes).
fn idx_pair() -> (Vec<u8>, Vec<u8>) {
    let mut pixels = Vec::new();
    let mut labels = Vec::new();
    for i in 0..60 {
        let top = i % 2 == 0;
        labels.push(if top { 3 } else { 8 });
        for p in 0..16 {
            let lit = (p < 8) == top;
            pixels.push(if lit { 200 } else { 20 } + (i * 7 + p) as u8 % 30);
        }
    }
    (idx(0x803, &[60, 4, 4], &pixels), idx(0x801, &[60], &labels))
}

#[test]
fn an_idx_pair_trains_plain_and_gzipped_alike() {
    let (images, labels) = idx_pair();
    let mut records = Vec::new();
    for (suffix, images, labels) in
        [("", images.clone(), labels.clone()), (".gz", gzip(&images), gzip(&labels))]
    {
        let wd = Workdir::new();
        wd.write(format!("images.idx{suffix}"), images);
        wd.write(format!("labels.idx{suffix}"), labels);
        let data =
            format!("source = \"idx\"\npath = \"images.idx{suffix}\"\nlabels = \"labels.idx{suffix}\"");
        wd.write("spec.toml", spec(&data, "[]", 5, 0.1));
        let (epochs, json) = train(&wd, "spec.toml");
        assert_eq!(json["data"].as_str(), Some(format!("images.idx{suffix} (60 x 16, 2 classes)").as_str()));
        assert_learned(&epochs, 4.0, suffix);
        assert_eq!(epochs.numbers("train_accuracy").last(), Some(&1.0), "{suffix}");
        records.push(epochs.without(TIME_COLUMNS));
    }
    assert_eq!(records[0], records[1], "gzip changed what was learned");
}

#[test]
fn each_synthetic_generator_trains() {
    for (generator, extra, description, hidden) in [
        ("linear", "features = 3\nnoise = 0.1", "synthetic linear (200 x 3, regression)", "[]"),
        ("blobs", "features = 4\nclasses = 3", "synthetic blobs (200 x 4, 3 classes)", "[]"),
        ("spirals", "features = 2\nclasses = 2", "synthetic spirals (200 x 2, 2 classes)", "[16]"),
    ] {
        let wd = Workdir::new();
        let data = format!("source = \"synthetic\"\ngenerator = \"{generator}\"\nsamples = 200\n{extra}");
        wd.write("spec.toml", spec(&data, hidden, 10, 0.1));
        let (epochs, json) = train(&wd, "spec.toml");
        assert_eq!(json["data"].as_str(), Some(description));
        // The linear target is learnable to the noise floor; blobs and spirals at least start to fit.
        assert_learned(&epochs, if generator == "linear" { 20.0 } else { 1.2 }, generator);
        let regression = generator == "linear";
        assert_eq!(epochs.column("test_accuracy").iter().all(|a| a.is_empty()), regression, "{generator}");
    }
}

#[test]
fn relative_data_paths_are_resolved_against_the_spec_folder_not_the_working_directory() {
    // The spec lives in specs/ next to its pets.csv; a decoy pets.csv in the working directory has no
    // `species` column, so resolving against the working directory would fail with exit 2.
    let wd = Workdir::new();
    wd.write("specs/pets.csv", pets_csv());
    wd.write("pets.csv", "weight,height,kind\n1,2,cat\n3,4,dog\n");
    let data = "source = \"csv\"\npath = \"pets.csv\"\nlabel = \"species\"";
    wd.write("specs/spec.toml", spec(data, "[]", 1, 0.1));
    let (_, json) = train(&wd, "specs/spec.toml");
    assert_eq!(json["data"].as_str(), Some("pets.csv (90 x 2, 3 classes)"));

    // The same holds for both idx files, from an absolute spec path and another working directory.
    let (images, labels) = idx_pair();
    let other = Workdir::new();
    other.write("mnist/images.idx", images);
    other.write("mnist/labels.idx", labels);
    let data = "source = \"idx\"\npath = \"images.idx\"\nlabels = \"labels.idx\"";
    let spec_path = other.write("mnist/spec.toml", spec(data, "[]", 1, 0.1));
    let elsewhere = Workdir::new();
    let (_, json) = train(&elsewhere, spec_path.to_str().unwrap());
    assert_eq!(json["data"].as_str(), Some("images.idx (60 x 16, 2 classes)"));
}

#[test]
fn a_missing_relative_data_file_is_named_by_its_resolved_path() {
    let wd = Workdir::new();
    let data = "source = \"csv\"\npath = \"nosuch.csv\"";
    wd.write("specs/spec.toml", spec(data, "[]", 1, 0.1));
    let out = wd.run(&["specs/spec.toml"]);
    out.expect_code(2);
    assert!(out.stderr.contains("specs/nosuch.csv"), "{}", out.stderr);
    assert!(!wd.out().exists());
}

#[test]
fn a_bad_row_in_a_csv_is_refused_with_its_line_and_column() {
    let wd = Workdir::new();
    wd.write("pets.csv", pets_csv().replacen("height\n", "height\n1,cat,heavy\n", 1));
    let data = "source = \"csv\"\npath = \"pets.csv\"\nlabel = \"species\"";
    wd.write("spec.toml", spec(data, "[]", 1, 0.1));
    let out = wd.run(&["spec.toml"]);
    out.expect_code(2);
    // The header is line 1, the inserted row line 2.
    for fragment in ["pets.csv", "row 2", "column `height`", "`heavy` is not a number"] {
        assert!(out.stderr.contains(fragment), "{fragment}: {}", out.stderr);
    }
    assert!(!wd.out().exists());
}
