//! The csv loader: a header row, numeric feature columns and one label column, plain or gzip'ed, read
//! into a [`Table`]. The bundled digits set is parsed by the same code.

use super::{Examples, Table, Targets};
use crate::error::DataError;
use crate::spec::Task;
use ndarray::Array2;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// Reads the csv file at `path` (at most `limit` bytes, decompressed); `label` names the column holding the
/// class or regression target.
pub fn load(path: &Path, label: &str, task: Task, limit: Option<u64>) -> Result<Table, DataError> {
    let bytes = super::read_file(path, limit)?;
    parse(&path.display().to_string(), &bytes, label, task)
}

/// Parses csv text held in memory; `source` names it in errors.
pub(super) fn parse(source: &str, bytes: &[u8], label: &str, task: Task) -> Result<Table, DataError> {
    // Spreadsheet exports often start with a UTF-8 byte-order mark, which would glue itself to the first name.
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(DataError::file(source, "the file is empty; expected a header row and data rows"));
    }
    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true) // so ragged rows reach `Layout::check` and get our message
        .trim(::csv::Trim::All)
        .from_reader(bytes);
    let mut records = reader.records();
    let header = match records.next() {
        Some(record) => record.map_err(|e| csv_error(source, e))?,
        None => return Err(DataError::file(source, "no header row; the first line must name the columns")),
    };
    let layout = Layout::from_header(source, &header, label)?;
    let mut features = Vec::new();
    let mut labels = Vec::new();
    for record in records {
        let record = record.map_err(|e| csv_error(source, e))?;
        let line = line_of(&record);
        layout.check(source, &record, line)?;
        for (field, name) in layout.feature_fields(&record) {
            features
                .push(number(field).map_err(|m| DataError::file(source, m).at_row(line).at_column(name))?);
        }
        labels.push((line, record[layout.label].to_string()));
    }
    if labels.is_empty() {
        return Err(DataError::file(source, "no data rows; the file holds only a header"));
    }
    let (y, class_names) = targets(source, label, labels, task)?;
    let x = Array2::from_shape_vec((y.len(), layout.names.len() - 1), features)
        .map_err(|e| DataError::file(source, format!("internal shape error: {e}")))?;
    let feature_names = layout.feature_names().map(str::to_string).collect();
    Ok(Table { examples: Examples { x, y }, feature_names, class_names, image: None })
}

/// The header's column names and where the label sits among them.
struct Layout {
    names: Vec<String>,
    label: usize,
}

impl Layout {
    fn from_header(source: &str, header: &::csv::StringRecord, label: &str) -> Result<Self, DataError> {
        let names: Vec<String> = header.iter().map(str::to_string).collect();
        if let Some(blank) = names.iter().position(String::is_empty) {
            let message =
                format!("column {} has no name; every column needs a name in the header", blank + 1);
            return Err(DataError::file(source, message).at_row(line_of(header)));
        }
        // A hash map, so a header of a million columns is checked in linear time.
        let mut first: HashMap<&str, usize> = HashMap::with_capacity(names.len());
        for (j, name) in names.iter().enumerate() {
            if let Some(i) = first.insert(name, j) {
                let message = format!("column `{name}` appears twice (columns {} and {})", i + 1, j + 1);
                return Err(DataError::file(source, message).at_row(line_of(header)));
            }
        }
        let Some(label_index) = names.iter().position(|name| name == label) else {
            return Err(DataError::file(source, missing_label_message(&names, label)).for_key("data.label"));
        };
        if names.len() == 1 {
            let message = format!("no feature columns; the file has only the label column `{label}`");
            return Err(DataError::file(source, message));
        }
        Ok(Layout { names, label: label_index })
    }

    /// Refuses a row whose field count differs from the header's.
    fn check(&self, source: &str, record: &::csv::StringRecord, line: usize) -> Result<(), DataError> {
        if record.len() == self.names.len() {
            return Ok(());
        }
        let message = format!("row {line} has {} fields, the header has {}", record.len(), self.names.len());
        Err(DataError::file(source, message).at_row(line))
    }

    fn feature_names(&self) -> impl Iterator<Item = &str> {
        self.names.iter().enumerate().filter(|(i, _)| *i != self.label).map(|(_, name)| name.as_str())
    }

    /// Pairs every feature field of a row with its column name.
    fn feature_fields<'a>(
        &'a self,
        record: &'a ::csv::StringRecord,
    ) -> impl Iterator<Item = (&'a str, &'a str)> {
        record
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != self.label)
            .map(|(i, field)| (field, self.names[i].as_str()))
    }
}

/// Explains a missing label column; a header made of numbers usually means the header row is missing.
fn missing_label_message(names: &[String], label: &str) -> String {
    if names.iter().all(|name| name.parse::<f64>().is_ok()) {
        return format!(
            "no header row: line 1 holds numbers; the first line must name the columns, one of them `{label}`"
        );
    }
    format!("no column `{label}`; columns are: {}", names.join(", "))
}

/// The 1-based line a record starts on; the csv reader always records it, the fallback is never used.
fn line_of(record: &::csv::StringRecord) -> usize {
    record.position().map_or(0, |p| p.line() as usize)
}

fn csv_error(source: &str, error: ::csv::Error) -> DataError {
    let line = error.position().map(|p| p.line() as usize);
    let message = match error.kind() {
        ::csv::ErrorKind::Utf8 { err, .. } => format!("field {} is not valid UTF-8", err.field() + 1),
        _ => format!("cannot parse csv: {error}"),
    };
    let base = DataError::file(source, message);
    match line {
        Some(line) => base.at_row(line),
        None => base,
    }
}

/// Parses one field as a finite f32; the error message quotes the field.
fn number(field: &str) -> Result<f32, String> {
    if field.is_empty() {
        return Err("missing value; every feature needs a number".to_string());
    }
    let value: f64 = field.parse().map_err(|_| format!("`{field}` is not a number"))?;
    if !value.is_finite() {
        return Err(format!("`{field}` is not finite; NaN and infinite values are refused"));
    }
    let narrow = value as f32;
    if !narrow.is_finite() {
        return Err(format!("`{field}` overflows f32 (largest magnitude about 3.4e38)"));
    }
    Ok(narrow)
}

type Labels = Vec<(usize, String)>;

/// Turns the label column into targets, and class names for classification.
fn targets(
    source: &str,
    label: &str,
    labels: Labels,
    task: Task,
) -> Result<(Targets, Vec<String>), DataError> {
    match task {
        Task::Classification => classes(source, label, labels),
        Task::Regression => {
            let mut values = Vec::with_capacity(labels.len());
            for (line, text) in &labels {
                let value = number(text).map_err(|m| {
                    DataError::file(source, format!("regression target: {m}")).at_row(*line).at_column(label)
                })?;
                values.push(value);
            }
            let column = Array2::from_shape_vec((values.len(), 1), values)
                .map_err(|e| DataError::file(source, format!("internal shape error: {e}")))?;
            Ok((Targets::Values(column), Vec::new()))
        }
    }
}

/// Maps label strings to dense class indices: numeric order when every label is an integer (so `10`
/// follows `9`), byte order otherwise.
fn classes(source: &str, label: &str, labels: Labels) -> Result<(Targets, Vec<String>), DataError> {
    if let Some((line, _)) = labels.iter().find(|(_, text)| text.is_empty()) {
        return Err(DataError::file(source, "missing label").at_row(*line).at_column(label));
    }
    let integers: Option<Vec<i64>> = labels.iter().map(|(_, text)| text.parse().ok()).collect();
    let (indices, names) = match integers {
        // Integer labels are named by their value, so `07` and `7` are one class named `7`.
        Some(values) => dense(&values, |v| v.to_string()),
        None => dense(&labels.iter().map(|(_, text)| text.as_str()).collect::<Vec<_>>(), |s| s.to_string()),
    };
    match names.len() {
        0 | 1 => {
            let only = names.first().map_or("", String::as_str);
            Err(DataError::file(
                source,
                format!("only one class `{only}`; classification needs at least two"),
            )
            .at_column(label))
        }
        n if u32::try_from(n).is_err() => Err(DataError::file(source, format!("{n} classes is too many"))),
        _ => Ok((Targets::Classes(indices), names)),
    }
}

/// Dense indices in sorted order of the distinct keys, and each key's name.
fn dense<K: Ord + Clone>(keys: &[K], name: impl Fn(&K) -> String) -> (Vec<u32>, Vec<String>) {
    let mut order: BTreeMap<K, u32> = keys.iter().map(|k| (k.clone(), 0)).collect();
    for (i, slot) in order.values_mut().enumerate() {
        *slot = i as u32; // wraps past u32::MAX classes, but `classes` then refuses the file
    }
    let names = order.keys().map(&name).collect();
    (keys.iter().map(|k| order[k]).collect(), names)
}

#[cfg(test)]
#[path = "csv_tests.rs"]
mod tests;
