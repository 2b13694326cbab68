//! classes.csv: the class names of a classification data set, index to label, written when a sweep
//! prepares its results folder and read back for the report (csv labels may be strings, sorted; the
//! network only ever sees their index).

use super::layout::CLASSES;
use super::{read_csv, write_csv};
use crate::error::Result;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// A row of classes.csv.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassRecord {
    /// The index the network predicts.
    pub index: usize,
    /// The label as the data names it.
    pub label: String,
}

/// Writes `output/classes.csv` for a classification data set; nothing for regression (no names).
pub fn write_classes(output: &Path, names: &[String]) -> Result<()> {
    if names.is_empty() {
        return Ok(());
    }
    let rows: Vec<ClassRecord> =
        names.iter().enumerate().map(|(index, label)| ClassRecord { index, label: label.clone() }).collect();
    write_csv(&output.join(CLASSES), &rows)
}

/// Copies `from/classes.csv` into `output` when `output` has none (merging shards' folders).
pub fn copy_classes(from: &Path, output: &Path) -> Result<()> {
    let (source, target) = (from.join(CLASSES), output.join(CLASSES));
    if source.exists() && !target.exists() {
        let bytes = std::fs::read(&source).map_err(|e| crate::error::Error::io(&source, e))?;
        super::write_bytes(&target, &bytes)?;
    }
    Ok(())
}

/// The class names of `dir`, in index order; empty when the folder has no classes.csv (regression, or
/// written before it existed).
pub fn read_classes(dir: &Path) -> Result<Vec<String>> {
    let path = dir.join(CLASSES);
    if !path.exists() {
        return Ok(Vec::new());
    }
    let mut rows: Vec<ClassRecord> = read_csv(&path)?;
    rows.sort_by_key(|r| r.index);
    Ok(rows.into_iter().map(|r| r.label).collect())
}
