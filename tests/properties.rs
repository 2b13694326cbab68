//! Property tests (issue 7 section 3) over the spec reader and validator, the memory and work estimate,
//! and the csv and idx loaders: whatever the bytes, nothing panics, every error says something, and
//! whatever is accepted is consistent (finite features after standardising, labels inside the classes,
//! shapes that agree).
//!
//! `PROPTEST_CASES=20000 cargo test --test properties` runs them long; the default stays quick for CI.
//! Inputs the long runs found to break something are kept as the plain tests at the bottom.

use batchlab::data::{self, Dataset, Targets};
use batchlab::error::Origin;
use batchlab::plan::estimate::{self, Shape};
use batchlab::plan::limits::Limits;
use batchlab::plan::{self, DataPlan, SourcePlan};
use batchlab::spec::{self, Task};
use proptest::prelude::*;
use std::path::Path;

/// A valid spec; the strategies below damage it.
const BASE: &str = r#"[experiment]
name = "p"
seed = 3
repeats = 2

[data]
source = "synthetic"
generator = "blobs"
samples = 50
features = 3

[model]
hidden = [4]

[training]
epochs = 2
learning_rate = 0.1
log_every = 1

[sweep]
batch_sizes = [1, 8, "full"]
learning_rates = [0.1, 0.01]

[noise]
every = 1
probes = 2
probe_batch_sizes = [1, "full"]

[landscape]
grid = 5
points = 10

[plots]
width = 400
dpi = 100
"#;

/// Values that stress the validator: extremes, wrong types, non-finite numbers, odd strings.
fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("0".to_string()),
        Just("-1".to_string()),
        Just("9223372036854775807".to_string()),
        Just("18446744073709551616".to_string()),
        Just("nan".to_string()),
        Just("-inf".to_string()),
        Just("1e308".to_string()),
        Just("\"full\"".to_string()),
        Just("[]".to_string()),
        Just("[0, \"full\", 1e9]".to_string()),
        Just("[1000000000]".to_string()),
        Just("{ a = 1 }".to_string()),
        Just("true".to_string()),
        Just("\"\u{1F600}/..\"".to_string()),
        any::<i64>().prop_map(|v| v.to_string()),
        any::<f64>().prop_map(|v| format!("{v:?}")),
        "[a-z\"\\[\\]{}=,. ]{0,12}",
    ]
}

/// BASE with one value replaced, a line inserted, or cut short.
fn damaged_spec() -> impl Strategy<Value = Vec<u8>> {
    let lines: Vec<&'static str> = BASE.lines().collect();
    let count = lines.len();
    prop_oneof![
        (0..count, value()).prop_map(move |(i, v)| {
            let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
            if let Some((key, _)) = out[i].split_once(" = ") {
                out[i] = format!("{key} = {v}");
            }
            out.join("\n").into_bytes()
        }),
        (0..count, "[a-z_]{1,10}", value()).prop_map(move |(i, k, v)| {
            let mut out: Vec<String> = BASE.lines().map(str::to_string).collect();
            out.insert(i, format!("{k} = {v}"));
            out.join("\n").into_bytes()
        }),
        (0..BASE.len()).prop_map(|cut| BASE.as_bytes()[..cut].to_vec()),
        proptest::collection::vec(any::<u8>(), 0..200),
    ]
}

/// Reads, validates, estimates and plans a spec file; panics only if the code under test does.
fn read_and_plan(path: &Path) -> Result<(), String> {
    let (spec, source) = spec::read(path, &[]).map_err(|e| check_located(&e, BASE.lines().count() + 300))?;
    let settings = plan::check(&spec, &source).map_err(|e| e.to_string())?;
    let limits = Limits { max_memory: Some(16 << 30), from_flag: true, threads: 2 };
    estimate::before_data(&settings, &source, &limits).map_err(|e| e.to_string())?;
    let plan = plan::build(settings, &source, 40).map_err(|e| e.to_string())?;
    let shape = Shape { features: 3.0, outputs: 3.0, train: 40.0, test: 10.0 };
    estimate::after_plan(&plan, shape, &source, &limits).map_err(|e| e.to_string())?;
    Ok(())
}

fn check_located(e: &batchlab::error::SpecError, max_line: usize) -> String {
    if let Origin::Line { line, column } = e.origin {
        assert!(line >= 1 && line <= max_line && column >= 1, "bad location {line}:{column} in {e}");
    }
    e.to_string()
}

/// A csv field: numbers, non-numbers, non-finite and overflowing values, quotes, blanks.
fn field() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => (-1000i32..1000).prop_map(|v| v.to_string()),
        2 => any::<f32>().prop_map(|v| v.to_string()),
        1 => prop_oneof![
            Just(String::new()),
            Just("NaN".to_string()),
            Just("inf".to_string()),
            Just("1e39".to_string()),
            Just("3.4e38".to_string()),
            Just("-3.4e38".to_string()),
            Just("\"1,5\"".to_string()),
            Just("\"a\nb\"".to_string()),
            Just("x".to_string()),
            Just("label".to_string()),
            Just(" 7 ".to_string()),
        ],
    ]
}

/// A csv text: a header (usually with a `label` column), rows of usually the header's width.
fn csv_text() -> impl Strategy<Value = String> {
    (1usize..5, 0usize..12, any::<bool>()).prop_flat_map(|(cols, rows, labelled)| {
        let header = proptest::collection::vec("[a-c]{1,2}", cols).prop_map(move |mut names| {
            if labelled {
                names.push("label".into());
            }
            names.join(",")
        });
        let width = cols + usize::from(labelled);
        let row =
            proptest::collection::vec(field(), width.saturating_sub(1)..=width + 1).prop_map(|f| f.join(","));
        (header, proptest::collection::vec(row, rows))
            .prop_map(|(h, rows)| format!("{h}\n{}\n", rows.join("\n")))
    })
}

/// Loads `text` as a csv data set; panics only if the code under test does.
fn load_csv(text: &str, task: Task, test_fraction: f64) -> Result<Dataset, String> {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("d.csv"), text).expect("write");
    let plan = DataPlan {
        name: "d.csv".into(),
        source: SourcePlan::Csv { path: dir.path().join("d.csv"), label: "label".into() },
        task,
        test_fraction,
        standardize: true,
        standardize_target: task == Task::Regression,
        image_shape: None,
    };
    data::load(&plan, 1).map_err(|e| {
        assert!(!e.message.is_empty(), "an empty message");
        e.to_string()
    })
}

/// What every accepted data set satisfies.
fn check_dataset(d: &Dataset) {
    for examples in [&d.train, &d.test] {
        assert!(examples.x.iter().all(|v| v.is_finite()), "a non-finite feature in {:?}", examples.x);
        assert_eq!(examples.x.nrows(), examples.y.len());
        assert_eq!(examples.x.ncols(), d.features());
        match &examples.y {
            Targets::Classes(c) => assert!(c.iter().all(|&c| (c as usize) < d.class_names.len())),
            Targets::Values(v) => assert!(v.iter().all(|v| v.is_finite())),
        }
    }
    // An empty training split is refused later, by plan::build, with the test_fraction key.
}

/// An idx file: a magic number (often right), a few small sizes, and data near the size they declare.
fn idx_file(magic: u32, dims: usize) -> impl Strategy<Value = Vec<u8>> {
    let magic = prop_oneof![4 => Just(magic), 1 => any::<u32>(), 1 => Just(magic ^ 1)];
    (magic, proptest::collection::vec(0u32..4, dims..=dims), -2i64..3).prop_flat_map(|(m, sizes, delta)| {
        let declared: i64 = sizes.iter().map(|&s| i64::from(s)).product();
        let len = (declared + delta).max(0) as usize;
        proptest::collection::vec(any::<u8>(), len..=len).prop_map(move |data| {
            let mut bytes = m.to_be_bytes().to_vec();
            sizes.iter().for_each(|s| bytes.extend(s.to_be_bytes()));
            bytes.extend(data);
            bytes
        })
    })
}

fn load_idx(images: &[u8], labels: &[u8]) -> Result<Dataset, String> {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("i.idx"), images).expect("write");
    std::fs::write(dir.path().join("l.idx"), labels).expect("write");
    let plan = DataPlan {
        name: "i.idx".into(),
        source: SourcePlan::Idx { images: dir.path().join("i.idx"), labels: dir.path().join("l.idx") },
        task: Task::Classification,
        test_fraction: 0.0,
        standardize: true,
        standardize_target: false,
        image_shape: None,
    };
    data::load(&plan, 1).map_err(|e| e.to_string())
}

proptest! {
    // Cases from PROPTEST_CASES (default 256); failures are kept as plain tests below, not in files.
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn a_damaged_spec_is_read_validated_and_planned_without_panicking(bytes in damaged_spec()) {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("spec.toml");
        std::fs::write(&path, &bytes).expect("write");
        if let Err(message) = read_and_plan(&path) {
            prop_assert!(message.starts_with("invalid spec"), "{}", message);
        }
    }

    #[test]
    fn any_override_is_applied_or_refused_without_panicking(
        key in prop_oneof![
            Just("training.epochs".to_string()),
            Just("sweep.batch_sizes".to_string()),
            Just("experiment.name.x".to_string()),
            Just("model".to_string()),
            Just("noise.probe_batch_sizes".to_string()),
            "[a-z_]{1,8}(\\.[a-z_\\[\\]0-9]{0,8}){0,3}",
        ],
        value in value(),
        separator in prop_oneof![Just("="), Just(" = "), Just(""), Just("==")],
    ) {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("spec.toml");
        std::fs::write(&path, BASE).expect("write");
        let arg = format!("{key}{separator}{value}");
        match spec::read(&path, &[arg]) {
            Ok((spec, source)) => {
                let _ = plan::check(&spec, &source).and_then(|s| plan::build(s, &source, 40));
            }
            Err(e) => prop_assert!(matches!(e.origin, Origin::Override(_)), "{}", e),
        }
    }

    #[test]
    fn a_csv_file_loads_consistently_or_is_refused(
        text in csv_text(),
        regression in any::<bool>(),
        test_fraction in prop_oneof![Just(0.0), Just(0.2), Just(0.9)],
    ) {
        let task = if regression { Task::Regression } else { Task::Classification };
        match load_csv(&text, task, test_fraction) {
            Ok(d) => check_dataset(&d),
            Err(message) => prop_assert!(message.starts_with("bad data in"), "{}", message),
        }
    }

    #[test]
    fn idx_files_load_consistently_or_are_refused(images in idx_file(0x803, 3), labels in idx_file(0x801, 1)) {
        match load_idx(&images, &labels) {
            Ok(d) => check_dataset(&d),
            Err(message) => prop_assert!(message.starts_with("bad data in"), "{}", message),
        }
    }
}

#[test]
fn the_base_spec_of_the_properties_is_valid() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("spec.toml");
    std::fs::write(&path, BASE).expect("write");
    assert_eq!(read_and_plan(&path), Ok(()));
}
