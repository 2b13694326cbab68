//! Tests of `csv.rs`, apart to keep that file to its code.
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
    let e = load(Path::new("/no/such/file.csv"), "label", Task::Classification, None).expect_err("missing");
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
