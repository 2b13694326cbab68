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
mod tests {
    use super::*;
    use std::io::Write;

    fn write(dir: &tempfile::TempDir, name: &str, contents: &[u8]) -> std::path::PathBuf {
        let path = dir.path().join(name);
        std::fs::write(&path, contents).expect("write test file");
        path
    }

    fn load_text(text: &str, task: Task) -> Result<Table, DataError> {
        let dir = tempfile::tempdir().expect("tempdir");
        load(&write(&dir, "t.csv", text.as_bytes()), "label", task, None)
    }

    fn error(text: &str, task: Task) -> DataError {
        load_text(text, task).expect_err("the file should be refused")
    }

    #[test]
    fn reads_features_and_string_labels_in_byte_order() {
        let t = load_text("a, label ,b\n1,cat,2\n3, dog ,4\n5,ant,6\n", Task::Classification).expect("load");
        assert_eq!(t.feature_names, ["a", "b"]);
        assert_eq!(t.class_names, ["ant", "cat", "dog"]);
        assert_eq!(t.examples.y, Targets::Classes(vec![1, 2, 0]));
        assert_eq!(t.examples.x, ndarray::array![[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]);
    }

    #[test]
    fn integer_labels_sort_numerically_not_as_text() {
        let t = load_text("x,label\n0,10\n1,9\n2,-1\n3,9\n", Task::Classification).expect("load");
        assert_eq!(t.class_names, ["-1", "9", "10"]);
        assert_eq!(t.examples.y, Targets::Classes(vec![2, 1, 0, 1]));
    }

    #[test]
    fn a_byte_order_mark_does_not_hide_the_first_column() {
        let t = load_text("\u{feff}label,x\n1,0\n2,1\n", Task::Classification).expect("load");
        assert_eq!(t.feature_names, ["x"]);
    }

    #[test]
    fn regression_reads_the_label_as_one_target_column() {
        let t = load_text("label,x\n1.5,0\n-2,1\n", Task::Regression).expect("load");
        assert!(t.class_names.is_empty());
        assert_eq!(t.examples.y, Targets::Values(ndarray::array![[1.5], [-2.0]]));
    }

    #[test]
    fn gzip_files_are_read_by_magic_bytes_and_by_suffix() {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(b"x,label\n1,a\n2,b\n").expect("gzip");
        let gz = encoder.finish().expect("gzip");
        let dir = tempfile::tempdir().expect("tempdir");
        for name in ["t.csv.gz", "no_suffix.csv"] {
            let t = load(&write(&dir, name, &gz), "label", Task::Classification, None).expect("load gz");
            assert_eq!(t.examples.x.dim(), (2, 1));
        }
    }

    #[test]
    fn a_missing_file_is_named_with_the_os_error() {
        let e =
            load(Path::new("/no/such/file.csv"), "label", Task::Classification, None).expect_err("missing");
        assert_eq!(e.source, "/no/such/file.csv");
        assert!(e.message.contains("cannot read the file"), "{e}");
    }

    #[test]
    fn an_empty_file_is_refused() {
        assert!(error("", Task::Classification).message.contains("empty"));
        assert!(error(" \n\n", Task::Classification).message.contains("empty"));
    }

    #[test]
    fn a_missing_label_column_lists_the_columns() {
        let e = error("a,b,c\n1,2,3\n", Task::Classification);
        assert_eq!(e.message, "no column `label`; columns are: a, b, c");
    }

    #[test]
    fn a_numeric_first_line_is_reported_as_a_missing_header() {
        assert!(error("1,2,3\n4,5,6\n", Task::Classification).message.starts_with("no header row"));
    }

    #[test]
    fn a_file_with_only_the_label_column_has_no_features() {
        assert!(error("label\na\nb\n", Task::Classification).message.contains("no feature columns"));
    }

    #[test]
    fn blank_and_duplicate_column_names_are_refused() {
        assert!(error("a,,label\n1,2,x\n", Task::Classification).message.contains("column 2 has no name"));
        assert!(error("a,a,label\n1,2,x\n", Task::Classification).message.contains("`a` appears twice"));
    }

    #[test]
    fn ragged_rows_name_the_line_and_both_counts() {
        let e = error("a,label\n1,x\n2,y,3\n", Task::Classification);
        assert_eq!((e.row, e.message.as_str()), (Some(3), "row 3 has 3 fields, the header has 2"));
    }

    #[test]
    fn a_non_numeric_feature_names_row_column_and_text() {
        let e = error("a,b,label\n1,2,x\n3,oops,y\n", Task::Classification);
        assert_eq!((e.row, e.column.as_deref()), (Some(3), Some("b")));
        assert!(e.message.contains("`oops` is not a number"), "{e}");
    }

    #[test]
    fn an_empty_feature_is_a_missing_value() {
        let e = error("a,label\n,x\n2,y\n", Task::Classification);
        assert_eq!((e.row, e.column.as_deref()), (Some(2), Some("a")));
        assert!(e.message.contains("missing value"));
    }

    #[test]
    fn nan_infinite_and_f32_overflowing_features_are_refused() {
        for (text, fragment) in [("NaN", "not finite"), ("-inf", "not finite"), ("1e39", "overflows f32")] {
            let e = error(&format!("a,label\n1,x\n{text},y\n"), Task::Classification);
            assert_eq!((e.row, e.column.as_deref()), (Some(3), Some("a")));
            assert!(e.message.contains(fragment), "{text}: {e}");
        }
    }

    #[test]
    fn a_header_without_rows_is_refused() {
        assert!(error("a,label\n", Task::Classification).message.contains("no data rows"));
    }

    #[test]
    fn a_single_class_is_refused_for_classification() {
        let e = error("a,label\n1,x\n2,x\n", Task::Classification);
        assert_eq!(e.message, "only one class `x`; classification needs at least two");
    }

    #[test]
    fn an_empty_label_is_refused() {
        let e = error("a,label\n1,x\n2,\n", Task::Classification);
        assert_eq!((e.row, e.message.as_str()), (Some(3), "missing label"));
    }

    #[test]
    fn non_numeric_and_nan_regression_targets_are_refused() {
        let e = error("a,label\n1,2\n2,high\n", Task::Regression);
        assert_eq!((e.row, e.column.as_deref()), (Some(3), Some("label")));
        assert!(e.message.contains("`high` is not a number"), "{e}");
        assert!(error("a,label\n1,nan\n2,3\n", Task::Regression).message.contains("not finite"));
    }

    #[test]
    fn invalid_utf8_names_the_line() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = write(&dir, "bad.csv", b"a,label\n1,x\n2,\xff\n");
        let e = load(&path, "label", Task::Classification, None).expect_err("bad utf-8");
        assert_eq!(e.row, Some(3));
        assert!(e.message.contains("UTF-8"), "{e}");
    }

    #[test]
    fn a_corrupt_gzip_file_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let e = load(&write(&dir, "t.csv.gz", b"a,label\n1,x\n"), "label", Task::Classification, None)
            .expect_err("not gzip");
        assert!(e.message.contains("cannot decompress"), "{e}");
    }
}
