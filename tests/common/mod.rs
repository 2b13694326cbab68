//! Helpers shared by the integration tests: a temporary working folder per test, spec files written
//! into it, the `batchlab` binary run inside it, and CSV files read back as strings.
//!
//! Every command runs with the temporary folder as its working directory and every spec sets
//! `experiment.output = "out"`, so a test can never write into the repository.

#![allow(dead_code)] // each test crate uses its own subset of these helpers

use std::path::{Path, PathBuf};
use std::process::Command;

/// The results folder every spec written by these tests uses, relative to the [`Workdir`].
pub const OUT: &str = "out";

/// Columns of summary.csv: the fields of `RunSummary`, in order.
pub const SUMMARY_COLUMNS: &[&str] = &[
    "run_id",
    "repeat",
    "batch_size",
    "batch_label",
    "learning_rate",
    "epochs",
    "epochs_completed",
    "updates_per_epoch",
    "last_batch_size",
    "updates",
    "examples_seen",
    "final_train_loss",
    "final_test_loss",
    "final_test_accuracy",
    "train_time_s",
    "examples_per_s",
    "diverged",
    "diverged_at_update",
    "stopped_at_target",
    "peak_bytes",
    "analytic_bytes",
    "optimizer",
    "momentum",
    "nesterov",
    "beta1",
    "beta2",
    "epsilon",
    "alpha",
    "weight_decay",
    "schedule",
    "batch_growth",
];

/// Columns of runs/<id>/iterations.csv, as issues 2 and 14 document them.
pub const ITERATION_COLUMNS: &[&str] =
    &["epoch", "iteration", "examples_seen", "batch_size", "learning_rate", "loss", "wall_s"];

/// Columns of runs/<id>/epochs.csv, as issues 2 and 3 document them.
pub const EPOCH_COLUMNS: &[&str] = &[
    "epoch",
    "train_loss",
    "train_accuracy",
    "test_loss",
    "test_accuracy",
    "updates",
    "train_time_s",
    "eval_time_s",
    "update_cos_mean",
    "grad_norm_mean",
];

/// Columns of runs/<id>/evals.csv, as issue 11 documents them.
pub const EVAL_COLUMNS: &[&str] = &[
    "update",
    "epoch",
    "examples_seen",
    "train_loss",
    "train_accuracy",
    "test_loss",
    "test_accuracy",
    "train_time_s",
];

/// Columns of runs/<id>/noise.csv, as issues 3 and 14 document them.
pub const NOISE_COLUMNS: &[&str] = &[
    "epoch",
    "update",
    "probe_batch_size",
    "probes",
    "grad_norm",
    "trace_sigma",
    "b_simple",
    "b_simple_preconditioned",
    "cos_mean",
    "cos_std",
    "cos_predicted",
    "angle_deg_mean",
    "dispersion",
    "rel_error",
    "rel_error_predicted",
    "b_simple_two_batch",
    "probe_time_s",
];

/// Columns that measure time: the only ones allowed to differ between two runs of one spec.
pub const TIME_COLUMNS: &[&str] = &[
    "wall_s",
    "train_time_s",
    "eval_time_s",
    "probe_time_s",
    "curvature_time_s",
    "examples_per_s",
    "seconds_to_target",
];

/// A temporary folder that is the working directory of every command a test runs.
pub struct Workdir {
    dir: tempfile::TempDir,
}

/// What a run of the binary left behind.
#[derive(Debug)]
pub struct Output {
    /// The exit code (-1 when killed by a signal).
    pub code: i32,
    /// Everything printed on stdout.
    pub stdout: String,
    /// Everything printed on stderr.
    pub stderr: String,
}

impl Output {
    /// Panics with both streams unless the command exited with `code`.
    pub fn expect_code(&self, code: i32) -> &Self {
        assert_eq!(
            self.code, code,
            "expected exit code {code}\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }

    /// Panics with both streams unless the command succeeded.
    pub fn expect_success(&self) -> &Self {
        self.expect_code(0)
    }
}

impl Workdir {
    /// A fresh, empty temporary folder.
    pub fn new() -> Self {
        Workdir { dir: tempfile::tempdir().expect("create a temporary folder") }
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `rel` inside the folder.
    pub fn join(&self, rel: impl AsRef<Path>) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// The results folder of specs that use [`OUT`].
    pub fn out(&self) -> PathBuf {
        self.join(OUT)
    }

    /// The folder of one run inside the results folder.
    pub fn run_dir(&self, run_id: &str) -> PathBuf {
        self.out().join("runs").join(run_id)
    }

    /// Writes `contents` to `rel` (creating parent folders) and returns the full path.
    pub fn write(&self, rel: impl AsRef<Path>, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create parent folder");
        }
        std::fs::write(&path, contents).expect("write test file");
        path
    }

    /// Runs `batchlab args...` in the folder, with RAYON_NUM_THREADS unset.
    pub fn run(&self, args: &[&str]) -> Output {
        self.run_with_env(args, &[])
    }

    /// Runs `batchlab args...` in the folder with extra environment variables.
    pub fn run_with_env(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let mut command = Command::new(env!("CARGO_BIN_EXE_batchlab"));
        command.args(args).current_dir(self.path()).env_remove("RAYON_NUM_THREADS");
        command.env_remove("RUST_BACKTRACE");
        for (key, value) in env {
            command.env(key, value);
        }
        let output = command.output().expect("start the batchlab binary");
        Output {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Every file under `rel`, as paths relative to it, sorted; empty when `rel` does not exist.
    pub fn files_under(&self, rel: impl AsRef<Path>) -> Vec<PathBuf> {
        let root = self.join(rel);
        let mut found = Vec::new();
        let mut pending = vec![root.clone()];
        while let Some(dir) = pending.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else { continue };
            for entry in entries {
                let path = entry.expect("read folder entry").path();
                if path.is_dir() {
                    pending.push(path);
                } else {
                    found.push(path.strip_prefix(&root).expect("under root").to_path_buf());
                }
            }
        }
        found.sort();
        found
    }
}

impl Default for Workdir {
    fn default() -> Self {
        Self::new()
    }
}

/// A CSV file read as text: the header and every row, fields untouched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Csv {
    /// Column names.
    pub header: Vec<String>,
    /// Rows, each as long as the header.
    pub rows: Vec<Vec<String>>,
}

impl Csv {
    /// The position of column `name`; panics naming the columns when it is absent.
    pub fn index(&self, name: &str) -> usize {
        self.header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name} in {:?}", self.header))
    }

    /// Every value of column `name`, top to bottom.
    pub fn column(&self, name: &str) -> Vec<&str> {
        let i = self.index(name);
        self.rows.iter().map(|row| row[i].as_str()).collect()
    }

    /// Column `name` parsed as f64 (panics on an empty or non-numeric field).
    pub fn numbers(&self, name: &str) -> Vec<f64> {
        self.column(name)
            .iter()
            .map(|v| v.parse().unwrap_or_else(|_| panic!("{name}: `{v}` is not a number")))
            .collect()
    }

    /// The header, as &str, for comparing with a column list.
    pub fn header(&self) -> Vec<&str> {
        self.header.iter().map(String::as_str).collect()
    }

    /// The same table without the columns in `drop` (e.g. [`TIME_COLUMNS`]).
    pub fn without(&self, drop: &[&str]) -> Csv {
        let keep: Vec<usize> =
            (0..self.header.len()).filter(|&i| !drop.contains(&self.header[i].as_str())).collect();
        Csv {
            header: keep.iter().map(|&i| self.header[i].clone()).collect(),
            rows: self.rows.iter().map(|row| keep.iter().map(|&i| row[i].clone()).collect()).collect(),
        }
    }

    /// The rows whose column `name` equals `value`.
    pub fn rows_where(&self, name: &str, value: &str) -> Vec<&Vec<String>> {
        let i = self.index(name);
        self.rows.iter().filter(|row| row[i] == value).collect()
    }
}

/// Reads a CSV file with a header row; every row must have as many fields as the header.
pub fn read_csv(path: impl AsRef<Path>) -> Csv {
    let path = path.as_ref();
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let mut lines = text.lines();
    let header: Vec<String> =
        split_line(lines.next().unwrap_or_else(|| panic!("{} is empty", path.display())));
    let rows: Vec<Vec<String>> = lines.map(split_line).collect();
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(row.len(), header.len(), "{} row {}: {row:?} vs header {header:?}", path.display(), i + 2);
    }
    Csv { header, rows }
}

/// The records written by the harness hold numbers, booleans and run ids: no quoting is ever needed.
fn split_line(line: &str) -> Vec<String> {
    assert!(!line.contains('"'), "unexpected quoted field in {line}");
    line.split(',').map(str::to_string).collect()
}

/// A small classification spec on synthetic blobs, every knob at a value the tests override by text.
///
/// `samples` examples with no test split unless `test_fraction` says otherwise, no hidden layer (a
/// softmax regression, fast in the dev profile), noise probes off unless a test turns them on.
pub fn blobs_spec(samples: usize, batch_sizes: &str, epochs: u64) -> String {
    format!(
        r#"[experiment]
name = "blobs"
seed = 7
output = "{OUT}"

[data]
source = "synthetic"
generator = "blobs"
samples = {samples}
features = 3
classes = 3
noise = 1.0
test_fraction = 0.0

[model]
hidden = []

[training]
epochs = {epochs}
learning_rate = 0.1

[sweep]
batch_sizes = {batch_sizes}

[noise]
every = 0
"#
    )
}

/// Replaces the one occurrence of `from` in `text` by `to`; panics if it is not exactly once there.
pub fn edit(text: &str, from: &str, to: &str) -> String {
    assert_eq!(text.matches(from).count(), 1, "`{from}` must appear exactly once in:\n{text}");
    text.replacen(from, to, 1)
}

/// Every csv file of a results folder, without its time columns, keyed by relative path: what must be
/// identical between two runs of the same spec however they were scheduled.
pub fn records(wd: &Workdir, out: &str) -> Vec<(PathBuf, Csv)> {
    wd.files_under(out)
        .into_iter()
        .filter(|f| f.extension().is_some_and(|e| e == "csv"))
        .map(|f| {
            let csv = read_csv(wd.join(out).join(&f)).without(TIME_COLUMNS);
            (f, csv)
        })
        .collect()
}

/// What is wrong with a run that should have refused its input: exit code 2, no panic, every message
/// fragment present, and nothing written (`before` lists the files there were before the run).
pub fn refusal_problems(wd: &Workdir, before: &[PathBuf], out: &Output, fragments: &[&str]) -> Vec<String> {
    let mut problems = Vec::new();
    if out.code != 2 {
        problems.push(format!("exit code {} instead of 2", out.code));
    }
    if out.stderr.contains("panicked") {
        problems.push("it panicked".to_string());
    }
    let missing: Vec<&&str> = fragments.iter().filter(|f| !out.stderr.contains(**f)).collect();
    if !missing.is_empty() {
        problems.push(format!("the message lacks {missing:?}"));
    }
    if wd.join(OUT).exists() || wd.files_under(".") != before {
        problems.push(format!("files were written: {:?}", wd.files_under(".")));
    }
    problems
}

/// Runs every case of a table through `check` (which returns what went wrong, if anything) and fails
/// once with every failure listed, so one run shows the whole table's state.
pub fn assert_every_case<C>(cases: &[C], at_least: usize, check: impl Fn(&C) -> Option<String>) {
    assert!(cases.len() >= at_least, "{} cases", cases.len());
    let failures: Vec<String> = cases.iter().filter_map(check).collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
