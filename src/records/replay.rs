//! What another framework needs to replay a run exactly, at the root of the results folder: split.csv
//! (which source row each example is), standardization.csv (how each column was scaled) and, with
//! `training.record_order`, order/rep<r>.csv (the example of every position of every epoch). The csv
//! writer prints every float in its shortest round-trip form (ryu), so each reads back to the same f64.

use super::layout::{self, ORDER, SPLIT, STANDARDIZATION};
use super::write::{csv_error, write_atomic, write_bytes, write_csv};
use crate::error::{Error, Result};
use crate::schema::{OrderRecord, SplitRecord, StandardizationRecord};
use std::fs;
use std::path::Path;

/// Writes split.csv from the source rows of the training and test examples, and standardization.csv.
pub fn write_split(
    output: &Path,
    (train_rows, test_rows): (&[usize], &[usize]),
    standardization: &[StandardizationRecord],
) -> Result<()> {
    let part = |rows: &[usize], name: &str| -> Vec<SplitRecord> {
        rows.iter()
            .enumerate()
            .map(|(position, &index)| SplitRecord { index, part: name.into(), position })
            .collect()
    };
    let mut rows = part(train_rows, "train");
    rows.extend(part(test_rows, "test"));
    rows.sort_by_key(|r| r.index);
    write_csv(&output.join(SPLIT), &rows)?;
    write_csv(&output.join(STANDARDIZATION), standardization)
}

/// Writes order/rep<repeat>.csv: for each epoch 1..=`epochs`, `order_of(epoch)` fills the example order,
/// written as it comes so a long run never holds every epoch's order at once.
pub fn write_order(
    output: &Path,
    repeat: u64,
    epochs: u64,
    order_of: &mut dyn FnMut(u64, &mut Vec<usize>),
) -> Result<()> {
    let path = layout::order(output, repeat);
    write_atomic(&path, |w| {
        let mut writer = csv::Writer::from_writer(w);
        let mut order = Vec::new();
        for epoch in 1..=epochs {
            order_of(epoch, &mut order);
            for (position, &example) in order.iter().enumerate() {
                let row = OrderRecord { epoch, position, example };
                writer.serialize(row).map_err(|e| csv_error(&path, e))?;
            }
        }
        writer.flush().map_err(|e| Error::io(&path, e))
    })
}

/// Copies split.csv, standardization.csv and the order files of `from` that `output` lacks (merge).
pub fn copy_replay(from: &Path, output: &Path) -> Result<()> {
    let mut names = vec![SPLIT.to_string(), STANDARDIZATION.to_string()];
    if let Ok(entries) = fs::read_dir(from.join(ORDER)) {
        let files = entries.flatten().map(|e| format!("{ORDER}/{}", e.file_name().to_string_lossy()));
        names.extend(files.filter(|n| n.ends_with(".csv")));
    }
    for name in names {
        let (source, target) = (from.join(&name), output.join(&name));
        if source.is_file() && !target.exists() {
            let bytes = fs::read(&source).map_err(|e| Error::io(&source, e))?;
            write_bytes(&target, &bytes)?;
        }
    }
    Ok(())
}
