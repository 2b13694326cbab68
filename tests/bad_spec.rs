//! Bad input is refused before anything runs: exit code 2, a message that names the key, its line (or
//! the `--set` that gave it) and what is allowed, no panic, and no output folder (issue 2 section 1).
//!
//! Table-driven: each case is a spec (or an override) and the fragments its message must contain. Run
//! with `--nocapture` to read every message.

mod common;

use common::{Workdir, assert_every_case, edit, refusal_problems};

/// A valid spec on the bundled digits (1797 images, test_fraction 0.2 -> 1437 training examples).
/// Every case edits one thing; line numbers in messages are found from the edited text.
const BASE: &str = r#"[experiment]
name = "bad"
seed = 1
output = "out"

[data]
source = "digits"
test_fraction = 0.2

[model]
hidden = [16]
activation = "relu"
init = "he"

[training]
epochs = 1
learning_rate = 0.1

[sweep]
batch_sizes = [1, 32, "full"]
"#;

const BATCHES: &str = r#"batch_sizes = [1, 32, "full"]"#;

/// What the spec file holds.
enum Input {
    Text(String),
    Bytes(Vec<u8>),
    NoFile,
}

struct Case {
    name: &'static str,
    input: Input,
    /// Extra files beside the spec, e.g. a csv the spec points at.
    files: Vec<(&'static str, &'static str)>,
    args: Vec<&'static str>,
    fragments: Vec<String>,
}

/// A case whose spec is BASE with `from` replaced by `to`.
fn edited(name: &'static str, from: &str, to: &str, fragments: &[&str]) -> Case {
    text(name, edit(BASE, from, to), fragments)
}

fn text(name: &'static str, spec: String, fragments: &[&str]) -> Case {
    let fragments = fragments.iter().map(|f| f.to_string()).collect();
    Case { name, input: Input::Text(spec), files: Vec::new(), args: Vec::new(), fragments }
}

/// `line N` for the first line of `spec` holding `needle`: where the message must point.
fn line_of(spec: &str, needle: &str) -> String {
    let at = spec.find(needle).unwrap_or_else(|| panic!("`{needle}` not in spec"));
    format!("line {}", spec[..at].matches('\n').count() + 1)
}

/// `edited` plus the line of `needle` in the edited spec as one more fragment.
fn at_line(name: &'static str, from: &str, to: &str, needle: &str, fragments: &[&str]) -> Case {
    let mut case = edited(name, from, to, fragments);
    let Input::Text(spec) = &case.input else { unreachable!() };
    case.fragments.push(line_of(spec, needle));
    case
}

fn cases() -> Vec<Case> {
    let lr = "learning_rate = 0.1";
    let positive_rate = "allowed: a finite number > 0";
    let mut cases = vec![
        at_line(
            "batch size 0",
            BATCHES,
            r#"batch_sizes = [1, 0, "full"]"#,
            "batch_sizes",
            &["key `sweep.batch_sizes[1]`", "batch size 0", r#"allowed: 1 to N, or "full""#],
        ),
        at_line(
            "batch size larger than the training set",
            BATCHES,
            "batch_sizes = [1, 2000]",
            "batch_sizes",
            &["key `sweep.batch_sizes[1]`", "2000", "1437 examples", r#"allowed: 1 to 1437, or "full""#],
        ),
        at_line(
            "batch size \"fulll\"",
            BATCHES,
            r#"batch_sizes = [1, "fulll"]"#,
            "batch_sizes",
            &["key `sweep.batch_sizes[1]`", r#""fulll""#, r#"a positive integer or "full""#],
        ),
        at_line(
            "duplicate batch sizes (full is 1437 on digits)",
            BATCHES,
            r#"batch_sizes = [1437, "full"]"#,
            "batch_sizes",
            &["key `sweep.batch_sizes[1]`", "appears twice", "1437"],
        ),
        at_line(
            "empty batch size list",
            BATCHES,
            "batch_sizes = []",
            "batch_sizes",
            &["key `sweep.batch_sizes`", "at least one batch size"],
        ),
        at_line(
            "NaN learning rate",
            lr,
            "learning_rate = nan",
            "learning_rate",
            &["key `training.learning_rate`", "NaN", positive_rate],
        ),
        at_line(
            "negative learning rate",
            lr,
            "learning_rate = -0.1",
            "learning_rate",
            &["key `training.learning_rate`", "-0.1", positive_rate],
        ),
        at_line(
            "zero learning rate",
            lr,
            "learning_rate = 0.0",
            "learning_rate",
            &["key `training.learning_rate`", positive_rate],
        ),
        at_line(
            "negative rate in the learning-rate grid",
            BATCHES,
            &format!("{BATCHES}\nlearning_rates = [0.1, -1.0]"),
            "learning_rates",
            &["key `sweep.learning_rates[1]`", "-1", positive_rate],
        ),
        at_line(
            "zero epochs",
            "epochs = 1",
            "epochs = 0",
            "epochs",
            &["key `training.epochs`", "allowed: a positive integer"],
        ),
        at_line(
            "a hidden layer of 0",
            "hidden = [16]",
            "hidden = [64, 0]",
            "hidden",
            &["key `model.hidden[1]`", "allowed: a positive integer"],
        ),
        at_line(
            "test_fraction 1.0",
            "test_fraction = 0.2",
            "test_fraction = 1.0",
            "test_fraction",
            &["key `data.test_fraction`", "outside [0, 1)"],
        ),
        at_line(
            "test_fraction -0.1",
            "test_fraction = 0.2",
            "test_fraction = -0.1",
            "test_fraction",
            &["key `data.test_fraction`", "-0.1", "outside [0, 1)"],
        ),
        at_line(
            "init zeros with hidden layers",
            r#"init = "he""#,
            r#"init = "zeros""#,
            "init",
            &["key `model.init`", "hidden layers", r#"use "he" or "xavier", or hidden = []"#],
        ),
        at_line(
            "momentum 1",
            lr,
            "learning_rate = 0.1\nmomentum = 1.0",
            "momentum",
            &["key `training.momentum`", "momentum = 1 is not allowed; allowed: a number in [0, 1)"],
        ),
        at_line(
            "an unknown key in [training]",
            "epochs = 1",
            "epochs = 1\nepoch = 3",
            "epoch = 3",
            &["key `training.epoch`", "unknown field `epoch`", "`epochs`", "`learning_rate`", "`last_batch`"],
        ),
        at_line(
            "an unknown table",
            "[sweep]",
            "[sweeps]\nbatch_sizes = [1]\n\n[sweep]",
            "[sweeps]",
            &["key `sweeps`", "unknown field `sweeps`", "`sweep`", "`noise`"],
        ),
        at_line(
            "a wrong type",
            "epochs = 1",
            r#"epochs = "ten""#,
            "epochs",
            &["key `training.epochs`", "invalid type", r#""ten""#],
        ),
        at_line(
            "a missing required key",
            "learning_rate = 0.1\n",
            "",
            "[training]",
            &["missing field `learning_rate`", "training"],
        ),
        at_line("a TOML syntax error", "epochs = 1", "epochs = = 1", "epochs", &["invalid spec"]),
        at_line(
            "a folder name with a slash",
            r#"name = "bad""#,
            r#"name = "a/b""#,
            "name",
            &["key `experiment.name`", "letters, digits"],
        ),
        at_line(
            "synthetic data without a generator",
            r#"source = "digits""#,
            r#"source = "synthetic""#,
            "[data]",
            &["key `data.generator`", "linear, blobs, spirals"],
        ),
        at_line(
            "idx data without a labels file",
            r#"source = "digits""#,
            "source = \"idx\"\npath = \"images.idx\"",
            "[data]",
            &["key `data.labels`", "`labels`"],
        ),
        text(
            "an empty spec file",
            String::new(),
            &["the file is empty", "[experiment]", "[training]", "[sweep]"],
        ),
        Case {
            name: "a non-UTF-8 spec",
            input: Input::Bytes(b"[experiment]\nname = \"b\xffd\"\n".to_vec()),
            files: Vec::new(),
            args: Vec::new(),
            fragments: vec!["line 2".into(), "column 10".into(), "not UTF-8".into()],
        },
        Case {
            name: "a missing spec file",
            input: Input::NoFile,
            files: Vec::new(),
            args: Vec::new(),
            fragments: vec!["spec.toml".into(), "cannot read it".into()],
        },
    ];
    // [plots] and the probe sizes meet the same checks as the rest of the spec (issue 12, item 10).
    let plots = |value: &str| format!("{BATCHES}\n\n[plots]\n{value}");
    for (name, value, fragments) in [
        ("a zero dpi", "dpi = 0", &["key `plots.dpi`", "outside [50, 600]"][..]),
        ("a ten-unit-wide figure", "width = 10", &["key `plots.width`", "outside [320, 4000]"]),
        ("NaN smoothing", "smoothing = nan", &["key `plots.smoothing`", "outside [0, 1)"]),
        ("smoothing of a whole epoch", "smoothing = 1.0", &["key `plots.smoothing`", "outside [0, 1)"]),
        ("no figure format", "formats = []", &["key `plots.formats`", "empty"]),
        ("an unknown rate choice", "learning_rates = \"best\"", &["key `plots.learning_rates`", "chosen"]),
    ] {
        let key = value.split(' ').next().unwrap_or(value);
        cases.push(at_line(name, BATCHES, &plots(value), key, fragments));
    }
    cases.push(at_line(
        "probe sizes that are neither a list nor \"sweep\"",
        BATCHES,
        &format!("{BATCHES}\n\n[noise]\nprobe_batch_sizes = \"all\""),
        "probe_batch_sizes",
        &["key `noise.probe_batch_sizes`", "\"sweep\""],
    ));
    let csv_spec =
        edit(BASE, r#"source = "digits""#, "source = \"csv\"\npath = \"pets.csv\"\nlabel = \"species\"");
    let mut csv = text(
        "a csv label column that does not exist",
        csv_spec.clone(),
        &["key `data.label`", "pets.csv", "no column `species`", "columns are: weight, height, kind"],
    );
    csv.fragments.push(line_of(&csv_spec, "label ="));
    csv.files.push(("pets.csv", "weight,height,kind\n1,2,cat\n3,4,dog\n"));
    cases.push(csv);
    let mut missing_data = edited(
        "a csv file that does not exist",
        r#"source = "digits""#,
        "source = \"csv\"\npath = \"nosuch.csv\"",
        &["nosuch.csv", "cannot read the file"],
    );
    missing_data.fragments.push("bad data in".into());
    cases.push(missing_data);
    for (name, set, fragments) in [
        (
            "--set training.epochs=0",
            "training.epochs=0",
            &["key `training.epochs`", "allowed: a positive integer"][..],
        ),
        ("--set nosuch.key=1", "nosuch.key=1", &["unknown field `nosuch`", "`experiment`", "`training`"][..]),
        ("--set training.epochz=3", "training.epochz=3", &["unknown field `epochz`", "`epochs`"][..]),
        (
            "--set training.epochs=many",
            "training.epochs=many",
            &["key `training.epochs`", "invalid type"][..],
        ),
        ("--set without =", "training.epochs", &["expected key=value"][..]),
        (
            "--set a 0 into the batch sizes",
            "sweep.batch_sizes=[4, 0]",
            &["key `sweep.batch_sizes[1]`", "batch size 0"][..],
        ),
    ] {
        let mut case = text(name, BASE.to_string(), fragments);
        case.args = vec!["--set", set];
        case.fragments.push(format!("from `--set {set}`"));
        cases.push(case);
    }
    cases
}

/// Runs one case in its own folder; returns a description of what went wrong, if anything.
fn check(case: &Case) -> Option<String> {
    let wd = Workdir::new();
    match &case.input {
        Input::Text(text) => drop(wd.write("spec.toml", text)),
        Input::Bytes(bytes) => drop(wd.write("spec.toml", bytes)),
        Input::NoFile => {}
    }
    for (name, contents) in &case.files {
        wd.write(name, contents);
    }
    let before = wd.files_under(".");
    let mut args = vec!["spec.toml"];
    args.extend(&case.args);
    let out = wd.run(&args);
    println!("{}:\n  exit {}\n  {}", case.name, out.code, out.stderr.trim());
    let fragments: Vec<&str> = case.fragments.iter().map(String::as_str).collect();
    let mut problems = refusal_problems(&wd, &before, &out, &fragments);
    if !out.stdout.is_empty() {
        problems.push(format!("stdout is not empty: {}", out.stdout));
    }
    (!problems.is_empty())
        .then(|| format!("{}: {}\n  stderr: {}", case.name, problems.join("; "), out.stderr.trim()))
}

#[test]
fn every_bad_spec_exits_2_names_the_key_and_writes_nothing() {
    assert_every_case(&cases(), 30, check);
}

#[test]
fn the_base_spec_of_the_bad_cases_is_itself_valid() {
    // Otherwise every case above could fail for the base's reason rather than its own.
    let wd = Workdir::new();
    wd.write("spec.toml", BASE);
    let out = wd.run(&["plan", "spec.toml"]);
    out.expect_success();
    assert!(out.stdout.contains("3 runs on 1437 training examples"), "{}", out.stdout);
}

#[test]
fn init_zeros_without_hidden_layers_is_accepted() {
    // A softmax regression has no symmetry to break: zero weights still get distinct gradients.
    let wd = Workdir::new();
    let spec = edit(&edit(BASE, "hidden = [16]", "hidden = []"), r#"init = "he""#, r#"init = "zeros""#);
    let spec = edit(&spec, BATCHES, r#"batch_sizes = ["full"]"#);
    wd.write("spec.toml", spec);
    wd.run(&["spec.toml", "-q"]).expect_success();
    assert!(wd.out().join("summary.csv").exists());
}

#[test]
fn a_spec_error_is_printed_once() {
    let wd = Workdir::new();
    wd.write("spec.toml", BASE);
    let out = wd.run(&["spec.toml", "--set", "training.epochs=0"]);
    out.expect_code(2);
    assert_eq!(out.stderr.matches("allowed: a positive integer").count(), 1, "{}", out.stderr);
}

#[test]
fn a_split_that_leaves_no_training_examples_is_refused() {
    // 4 examples with test_fraction 0.8 hold out ceil(3.2) = 4, leaving N = 0 to train on.
    let wd = Workdir::new();
    let spec = edit(
        BASE,
        "source = \"digits\"\ntest_fraction = 0.2",
        "source = \"synthetic\"\ngenerator = \"blobs\"\nsamples = 4\ntest_fraction = 0.8",
    );
    wd.write("spec.toml", edit(&spec, BATCHES, r#"batch_sizes = ["full"]"#));
    let out = wd.run(&["spec.toml"]);
    assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
    out.expect_code(2);
    assert!(out.stderr.contains("test_fraction"), "{}", out.stderr);
    assert!(!wd.out().exists());
}
