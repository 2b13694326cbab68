//! Data: load examples from the bundled digits set, a csv file, idx files or a generator, then split
//! them into train and test with the experiment seed and standardise with the training statistics.

mod csv;
pub mod digits;
mod idx;
mod split;
mod synthetic;
mod weights;

use crate::error::DataError;
use crate::plan::{DataPlan, SourcePlan};
use crate::schema::StandardizationRecord;
use crate::spec::Task;
use flate2::read::MultiGzDecoder;
use ndarray::Array2;
use std::io::Read;
use std::path::Path;

pub use split::{select, split, split_rows, standardize, standardize_targets};
pub use weights::read_weights;

/// What a model learns to predict, one entry (or row) per example.
#[derive(Debug, Clone, PartialEq)]
pub enum Targets {
    /// Class indices in `0..classes`.
    Classes(Vec<u32>),
    /// Regression targets, one row per example and one column per output.
    Values(Array2<f32>),
}

impl Targets {
    /// Number of examples.
    pub fn len(&self) -> usize {
        match self {
            Targets::Classes(c) => c.len(),
            Targets::Values(v) => v.nrows(),
        }
    }

    /// True when there are no examples.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Feature rows and their targets.
#[derive(Debug, Clone, PartialEq)]
pub struct Examples {
    /// One row per example, one column per feature.
    pub x: Array2<f32>,
    /// One target per row of `x`.
    pub y: Targets,
}

impl Examples {
    /// Number of examples.
    pub fn len(&self) -> usize {
        self.x.nrows()
    }

    /// True when there are no examples.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Everything a loader reads, before the split.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// All examples.
    pub examples: Examples,
    /// One name per feature column.
    pub feature_names: Vec<String>,
    /// Class names in index order; empty for regression.
    pub class_names: Vec<String>,
    /// [channels, height, width] of each example, when the file says (idx images).
    pub image: Option<[usize; 3]>,
}

/// A split, standardised data set, ready to train on.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    /// A short description for reports, e.g. `digits (1797 x 64, 10 classes)`.
    pub description: String,
    /// Classification or regression.
    pub task: Task,
    /// Network outputs: classes, or target columns.
    pub outputs: usize,
    /// One name per feature.
    pub feature_names: Vec<String>,
    /// Class names in index order; empty for regression.
    pub class_names: Vec<String>,
    /// Training examples.
    pub train: Examples,
    /// Held-out examples; empty when `test_fraction` is 0.
    pub test: Examples,
    /// The source row of each training example, in training order.
    pub train_rows: Vec<usize>,
    /// The source row of each test example.
    pub test_rows: Vec<usize>,
    /// How every feature (then each standardised regression target) was standardised.
    pub standardization: Vec<StandardizationRecord>,
    /// [channels, height, width] of each example when the features are an image (digits, idx,
    /// `data.image_shape`), for conv and maxpool layers.
    pub image: Option<[usize; 3]>,
}

impl Dataset {
    /// Number of input features.
    pub fn features(&self) -> usize {
        self.train.x.ncols()
    }
}

/// Reads, splits and standardises the data the plan names.
pub fn load(plan: &DataPlan, seed: u64) -> Result<Dataset, DataError> {
    load_within(plan, seed, None)
}

/// [`load`], reading and decompressing at most `limit` bytes of each data file (the memory limit).
pub fn load_within(plan: &DataPlan, seed: u64, limit: Option<u64>) -> Result<Dataset, DataError> {
    let table = match &plan.source {
        SourcePlan::Digits => digits::load(plan.task)?,
        SourcePlan::Csv { path, label } => csv::load(path, label, plan.task, limit)?,
        SourcePlan::Idx { images, labels } => idx::load(images, labels, limit)?,
        SourcePlan::Synthetic(synthetic) => synthetic::generate(synthetic, seed),
    };
    let image = image_shape(plan, &table)?;
    let description = describe(&plan.name, &table);
    let outputs = match &table.examples.y {
        Targets::Classes(_) => table.class_names.len(),
        Targets::Values(v) => v.ncols(),
    };
    let (train_rows, test_rows) = split_rows(table.examples.len(), plan.test_fraction, seed);
    let (mut train, mut test) = (select(&table.examples, &train_rows), select(&table.examples, &test_rows));
    let features = if plan.standardize { standardize(&mut train, &mut test) } else { Vec::new() };
    let targets =
        if plan.standardize_target { standardize_targets(&mut train, &mut test) } else { Vec::new() };
    let standardization =
        scalings(&table.feature_names, &features, &target_names(&plan.source, outputs), &targets);
    Ok(Dataset {
        description,
        task: plan.task,
        outputs,
        feature_names: table.feature_names,
        class_names: table.class_names,
        train,
        test,
        train_rows,
        test_rows,
        standardization,
        image,
    })
}

/// The image shape of the examples: the source's own, or `data.image_shape` checked against the
/// feature count.
fn image_shape(plan: &DataPlan, table: &Table) -> Result<Option<[usize; 3]>, DataError> {
    let features = table.examples.x.ncols();
    match (&plan.source, plan.image_shape) {
        (SourcePlan::Digits, _) => Ok(Some([1, 8, 8])),
        (_, None) => Ok(table.image),
        (_, Some(shape)) if shape.iter().try_fold(1usize, |a, &v| a.checked_mul(v)) == Some(features) => {
            Ok(Some(shape))
        }
        (_, Some([c, h, w])) => Err(DataError::file(
            &plan.name,
            format!(
                "image_shape [{c}, {h}, {w}] holds {} values, but each example has {features} features",
                c.saturating_mul(h).saturating_mul(w)
            ),
        )
        .for_key("data.image_shape")),
    }
}

/// The names of the target columns of a regression: the csv's label column, else `target` (numbered when
/// there are several).
fn target_names(source: &SourcePlan, outputs: usize) -> Vec<String> {
    match source {
        SourcePlan::Csv { label, .. } if outputs == 1 => vec![label.clone()],
        _ if outputs == 1 => vec!["target".into()],
        _ => (0..outputs).map(|k| format!("target{k}")).collect(),
    }
}

/// One row per feature (the identity, mean 0 and scale 1, when features are not standardised), then one
/// per standardised target column.
fn scalings(
    features: &[String],
    stats: &[(f64, f64)],
    targets: &[String],
    target_stats: &[(f64, f64)],
) -> Vec<StandardizationRecord> {
    let row = |name: &String, (mean, scale): (f64, f64), role: &str| StandardizationRecord {
        feature: name.clone(),
        mean,
        scale,
        role: role.into(),
    };
    let features = features
        .iter()
        .enumerate()
        .map(|(i, n)| row(n, stats.get(i).copied().unwrap_or((0.0, 1.0)), "feature"));
    let targets = targets.iter().zip(target_stats).map(|(n, s)| row(n, *s, "target"));
    features.chain(targets).collect()
}

fn describe(name: &str, table: &Table) -> String {
    let (n, d) = table.examples.x.dim();
    match table.class_names.len() {
        0 => format!("{name} ({n} x {d}, regression)"),
        k => format!("{name} ({n} x {d}, {k} classes)"),
    }
}

/// Reads a whole data file, decompressing it when it starts with the gzip magic bytes or is named `*.gz`.
/// Only regular files are read (a device never ends, a FIFO may never open), and at most `limit` bytes,
/// before and after decompression.
fn read_file(path: &Path, limit: Option<u64>) -> Result<Vec<u8>, DataError> {
    let source = path.display();
    let cannot = |e: std::io::Error| DataError::file(&source, format!("cannot read the file: {e}"));
    let meta = std::fs::metadata(path).map_err(cannot)?;
    if !meta.is_file() {
        let message =
            format!("not a regular file ({}); a data file must be a plain or gzip'ed file", kind(&meta));
        return Err(DataError::file(&source, message));
    }
    let file = std::fs::File::open(path).map_err(cannot)?;
    let bytes = bounded(file, limit, &source, ("the file", "cannot read the file"))?;
    let named_gz = path.extension().is_some_and(|ext| ext.eq_ignore_ascii_case("gz"));
    if bytes.starts_with(&GZIP_MAGIC) || named_gz { gunzip(&source, &bytes, limit) } else { Ok(bytes) }
}

/// What kind of file system entry `meta` describes, for the refusal of anything but a regular file.
fn kind(meta: &std::fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_fifo() {
            return "a FIFO";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if meta.is_dir() { "a folder" } else { "not a file" }
}

/// Everything `reader` yields, refused once it exceeds `limit` bytes; `what` names it in that error and
/// `failed` starts the message of a read error.
fn bounded(
    reader: impl Read,
    limit: Option<u64>,
    source: &impl std::fmt::Display,
    (what, failed): (&str, &str),
) -> Result<Vec<u8>, DataError> {
    let cap = limit.unwrap_or(u64::MAX);
    let mut out = Vec::new();
    reader
        .take(cap.saturating_add(1))
        .read_to_end(&mut out)
        .map_err(|e| DataError::file(source, format!("{failed}: {e}")))?;
    if out.len() as u64 > cap {
        return Err(DataError::file(
            source,
            format!(
                "{what} holds more than {}, the memory limit (--max-memory, else MemAvailable); a smaller \
                 file, or a higher --max-memory if the machine has it",
                crate::plan::limits::bytes(cap as f64)
            ),
        ));
    }
    Ok(out)
}

/// The first two bytes of every gzip member.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Decompresses gzip data, at most `limit` bytes of it; `source` names it in errors. Concatenated members
/// are read as one stream.
fn gunzip(source: &impl std::fmt::Display, bytes: &[u8], limit: Option<u64>) -> Result<Vec<u8>, DataError> {
    bounded(
        MultiGzDecoder::new(bytes),
        limit,
        source,
        ("the decompressed data", "cannot decompress gzip data"),
    )
}
