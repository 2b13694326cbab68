//! Bad input of every kind is refused with one clear paragraph (issue 7 section 1): exit code 2, the
//! file and the place in it (line and column, row, key or column name), what is allowed, no panic, and
//! nothing written. tests/bad_spec.rs holds the spec-value cases; this table adds binary specs, absurd
//! sizes (refused from the memory and work estimates before anything is allocated) and bad data files.
//!
//! Each case is a spec, the files beside it, extra arguments, and the fragments its message must hold.
//! Run with `--nocapture` to read every message.

mod common;

use common::{Workdir, assert_every_case, edit, refusal_problems};

/// A valid spec on the bundled digits (1437 training examples).
const BASE: &str = r#"[experiment]
name = "bad"
output = "out"

[data]
source = "digits"

[model]
hidden = [16]

[training]
epochs = 1
learning_rate = 0.1

[sweep]
batch_sizes = [1, 32, "full"]
"#;

/// BASE on a csv file `data.csv` with label column `label`.
fn csv_spec(task: &str) -> String {
    edit(BASE, r#"source = "digits""#, &format!("source = \"csv\"\npath = \"data.csv\"\ntask = \"{task}\""))
        .replace(r#"batch_sizes = [1, 32, "full"]"#, r#"batch_sizes = ["full"]"#)
}

/// BASE on idx files `images.idx` and `labels.idx`.
fn idx_spec() -> String {
    edit(BASE, r#"source = "digits""#, "source = \"idx\"\npath = \"images.idx\"\nlabels = \"labels.idx\"")
        .replace(r#"batch_sizes = [1, 32, "full"]"#, r#"batch_sizes = ["full"]"#)
}

/// An idx file: magic number, sizes, data.
fn idx(magic: u32, sizes: &[u32], data: &[u8]) -> Vec<u8> {
    let mut bytes = magic.to_be_bytes().to_vec();
    sizes.iter().for_each(|s| bytes.extend(s.to_be_bytes()));
    bytes.extend(data);
    bytes
}

struct Case {
    name: &'static str,
    spec: Vec<u8>,
    files: Vec<(&'static str, Vec<u8>)>,
    /// Folders to create beside the spec (a path that is a folder cannot be read as a file).
    dirs: Vec<&'static str>,
    args: Vec<&'static str>,
    fragments: Vec<&'static str>,
}

fn case(name: &'static str, spec: impl Into<Vec<u8>>, fragments: &[&'static str]) -> Case {
    Case {
        name,
        spec: spec.into(),
        files: Vec::new(),
        dirs: Vec::new(),
        args: Vec::new(),
        fragments: fragments.to_vec(),
    }
}

/// BASE with one edit.
fn base(name: &'static str, from: &str, to: &str, fragments: &[&'static str]) -> Case {
    case(name, edit(BASE, from, to), fragments)
}

fn with_file(mut c: Case, name: &'static str, bytes: impl Into<Vec<u8>>) -> Case {
    c.files.push((name, bytes.into()));
    c
}

fn csv(name: &'static str, text: &str, fragments: &[&'static str]) -> Case {
    with_file(case(name, csv_spec("classification"), fragments), "data.csv", text.as_bytes())
}

fn idx_case(name: &'static str, images: Vec<u8>, labels: Vec<u8>, fragments: &[&'static str]) -> Case {
    with_file(with_file(case(name, idx_spec(), fragments), "images.idx", images), "labels.idx", labels)
}

fn spec_cases() -> Vec<Case> {
    let mut dir = case("a spec path that is a folder", "", &["spec.toml", "cannot read it"]);
    dir.spec = Vec::new();
    dir.dirs.push("spec.toml");
    vec![
        case(
            "a gzip file given as the spec",
            b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\xff".to_vec(),
            &["line 1", "not UTF-8"],
        ),
        case(
            "NUL bytes in a UTF-8 spec",
            b"[experiment]\nname = \"a\"\x00\x00\n".to_vec(),
            &["line 2", "invalid spec"],
        ),
        dir,
        base("an unclosed table header", "[training]", "[training", &["line 11", "invalid spec"]),
        base(
            "a string where a list of widths belongs",
            "hidden = [16]",
            "hidden = \"wide\"",
            &["line 9", "key `model.hidden`", "invalid type"],
        ),
        base(
            "an unknown table",
            "[sweep]",
            "[optimizer]\nname = \"adam\"\n\n[sweep]",
            &["line 15", "unknown field `optimizer`"],
        ),
    ]
}

fn absurd_cases() -> Vec<Case> {
    let mut capped = case(
        "a --max-memory cap below the estimate",
        BASE,
        &["--max-memory cap of 1.0 MiB", "needs about", "MiB of memory"],
    );
    capped.args = vec!["--max-memory", "1M"];
    let mut bad_cap = case(
        "a --max-memory that is not a size",
        BASE,
        &["--max-memory", "`lots`", "allowed: a number of bytes with K, M, G or T"],
    );
    bad_cap.args = vec!["--max-memory", "lots"];
    let synthetic = "source = \"synthetic\"\ngenerator = \"blobs\"\nsamples = 1000000000000";
    vec![
        base(
            "a hidden layer of a billion units",
            "hidden = [16]",
            "hidden = [1000000000]",
            &["line 9", "key `model.hidden`", "TiB of memory", "available"],
        ),
        base(
            "epochs near i64::MAX",
            "epochs = 1",
            "epochs = 9223372036854775807",
            &["line 12", "key `training.epochs`", "multiply-adds", "allowed: at most 1e17"],
        ),
        base(
            "epochs beyond what TOML integers hold",
            "epochs = 1",
            "epochs = 18446744073709551615",
            &["line 12", "invalid spec"],
        ),
        base(
            "a batch size near i64::MAX",
            r#"batch_sizes = [1, 32, "full"]"#,
            "batch_sizes = [9223372036854775807]",
            &["line 16", "key `sweep.batch_sizes[0]`", "larger than the training set"],
        ),
        base(
            "a grid of a billion runs",
            "name = \"bad\"",
            "name = \"bad\"\nrepeats = 1000000000",
            &["line 3", "key `experiment.repeats`", "3000000000 runs", "at most 100000"],
        ),
        base(
            "a trillion synthetic samples",
            r#"source = "digits""#,
            synthetic,
            &["key `sweep.batch_sizes`", "TiB of memory", "data 21.8 TiB"],
        ),
        base(
            "a billion probes per checkpoint",
            "[sweep]",
            "[noise]\nprobes = 1000000000000\n\n[sweep]",
            &["key `training.epochs`", "multiply-adds", "at most 1e17"],
        ),
        base(
            "a four-billion-pixel figure",
            "[sweep]",
            "[plots]\nwidth = 4000000000\n\n[sweep]",
            &["key `plots.width`", "outside [320, 4000]"],
        ),
        capped,
        bad_cap,
    ]
}

fn csv_cases() -> Vec<Case> {
    let mut folder = case(
        "a csv path that is a folder",
        csv_spec("classification"),
        &["data.csv", "not a regular file (a folder)"],
    );
    folder.dirs.push("data.csv");
    let mut regression = csv(
        "a regression target beyond f32",
        "a,label\n1,2\n2,1e39\n",
        &["row 3", "column `label`", "overflows f32"],
    );
    regression.spec = csv_spec("regression").into_bytes();
    vec![
        folder,
        csv("an empty csv file", "", &["data.csv", "the file is empty"]),
        csv("a csv with only a header", "a,label\n", &["data.csv", "no data rows"]),
        csv("a ragged csv row", "a,label\n1,x\n2,y,3\n", &["row 3", "has 3 fields, the header has 2"]),
        csv(
            "a non-numeric feature",
            "a,b,label\n1,2,x\n3,oops,y\n",
            &["row 3", "column `b`", "`oops` is not a number"],
        ),
        csv("a NaN feature", "a,label\n1,x\nNaN,y\n", &["row 3", "column `a`", "not finite"]),
        csv("an infinite feature", "a,label\n1,x\n-inf,y\n", &["row 3", "column `a`", "not finite"]),
        csv(
            "a single class",
            "a,label\n1,x\n2,x\n",
            &["column `label`", "only one class `x`", "at least two"],
        ),
        csv("a missing label", "a,label\n1,x\n2,\n", &["row 3", "missing label"]),
        with_file(
            case("non-UTF-8 csv text", csv_spec("classification"), &["row 3", "UTF-8"]),
            "data.csv",
            b"a,label\n1,x\n2,\xff\n".to_vec(),
        ),
        with_file(
            case("a corrupt gzip csv", csv_spec("classification"), &["data.csv", "cannot decompress"]),
            "data.csv",
            b"\x1f\x8b\x08garbage".to_vec(),
        ),
        regression,
    ]
}

fn idx_cases() -> Vec<Case> {
    let images = || idx(0x803, &[3, 1, 2], &[0, 255, 10, 20, 30, 40]);
    let labels = || idx(0x801, &[3], &[7, 3, 7]);
    let mut missing = with_file(
        case("a missing idx labels file", idx_spec(), &["labels.idx", "cannot read the file"]),
        "images.idx",
        images(),
    );
    missing.fragments.push("bad data in");
    vec![
        idx_case(
            "an idx file with a wrong magic number",
            idx(0x0d03, &[3, 1, 2], &[0; 6]),
            labels(),
            &["images.idx", "magic number 0x00000d03 found, expected 0x00000803"],
        ),
        idx_case(
            "a labels file given as images",
            labels(),
            labels(),
            &["images.idx", "declares 1 dimensions"],
        ),
        idx_case(
            "truncated idx data",
            idx(0x803, &[3, 1, 2], &[1, 2, 3]),
            labels(),
            &["images.idx", "truncated: expected 6 bytes", "found 3"],
        ),
        idx_case(
            "a truncated idx header",
            vec![0, 0, 8, 3, 0, 0],
            labels(),
            &["images.idx", "16-byte header"],
        ),
        idx_case("an empty idx file", Vec::new(), labels(), &["images.idx", "truncated: 0 bytes"]),
        idx_case(
            "idx sizes of four billion cubed",
            idx(0x803, &[u32::MAX; 3], &[]),
            labels(),
            &["images.idx", "too large"],
        ),
        idx_case(
            "more images than labels",
            images(),
            idx(0x801, &[2], &[1, 2]),
            &["labels.idx", "2 labels, but", "holds 3 images"],
        ),
        idx_case(
            "idx labels of one class",
            images(),
            idx(0x801, &[3], &[4, 4, 4]),
            &["labels.idx", "only one class `4`"],
        ),
        missing,
    ]
}

/// Runs one case in its own folder; returns what went wrong, if anything.
fn check(case: &Case) -> Option<String> {
    let wd = Workdir::new();
    for dir in &case.dirs {
        std::fs::create_dir_all(wd.join(dir)).expect("create folder");
    }
    if !case.dirs.contains(&"spec.toml") {
        wd.write("spec.toml", &case.spec);
    }
    for (name, bytes) in &case.files {
        wd.write(name, bytes);
    }
    let before = wd.files_under(".");
    let mut args = vec!["spec.toml", "-q"];
    args.extend(&case.args);
    let out = wd.run(&args);
    println!("{}:\n  exit {}\n  {}", case.name, out.code, out.stderr.trim());
    let mut problems = refusal_problems(&wd, &before, &out, &case.fragments);
    if out.stderr.lines().filter(|l| l.starts_with("error:")).count() != 1 {
        problems.push("not exactly one error message".to_string());
    }
    (!problems.is_empty())
        .then(|| format!("{}: {}\n  stderr: {}", case.name, problems.join("; "), out.stderr.trim()))
}

#[test]
fn every_bad_input_exits_2_says_where_and_writes_nothing() {
    let cases: Vec<Case> =
        [spec_cases(), absurd_cases(), csv_cases(), idx_cases()].into_iter().flatten().collect();
    assert_every_case(&cases, 35, check);
}

#[test]
fn the_valid_bases_of_the_table_run() {
    // Otherwise a case could fail for its base's reason rather than its own.
    let wd = Workdir::new();
    wd.write("spec.toml", BASE);
    wd.run(&["plan", "spec.toml"]).expect_success();
    wd.write("spec.toml", csv_spec("classification"));
    wd.write("data.csv", "a,label\n1,x\n2,y\n3,x\n4,y\n5,x\n");
    wd.run(&["plan", "spec.toml"]).expect_success();
    wd.write("spec.toml", idx_spec());
    wd.write("images.idx", idx(0x803, &[5, 1, 2], &[0; 10]));
    wd.write("labels.idx", idx(0x801, &[5], &[7, 3, 7, 3, 7]));
    wd.run(&["plan", "spec.toml"]).expect_success();
}

#[test]
fn the_plan_prints_the_memory_and_work_estimate() {
    let wd = Workdir::new();
    wd.write("spec.toml", BASE);
    let out = wd.run(&["plan", "spec.toml"]);
    out.expect_success();
    assert!(
        out.stdout.contains("estimate: about ") && out.stdout.contains("multiply-adds"),
        "{}",
        out.stdout
    );
}
