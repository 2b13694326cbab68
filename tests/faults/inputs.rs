//! Oversized and special inputs (issue 13 items 7, 9, 10, 14, 15, 16): every sized key enters the estimate
//! before anything trains and the refusal names the key that dominates; data paths must be regular files
//! and reading stops at a bound derived from the memory limit; checks stay linear; a duplicate key is
//! named; a missing spec is bad input.

use super::common::{Workdir, blobs_spec};
use super::{expect_refusal, quick_spec, spawn, wait_within};
use std::io::Write;
use std::time::Duration;

/// Long enough for any linear check on these inputs on a loaded 2-core machine, far too short for the
/// quadratic ones (a million columns took about 30 minutes).
const LINEAR: Duration = Duration::from_secs(60);

fn landscape(extra: &str) -> String {
    format!("{}\n[landscape]\nenabled = true\ngrid = 5\npoints = 20\n{extra}\n", quick_spec())
}

#[test]
fn a_trillion_landscape_arrows_are_refused_before_anything_trains() {
    let wd = Workdir::new();
    wd.write("spec.toml", landscape("arrows = 1000000000000"));
    let plan = wd.run(&["plan", "spec.toml"]);
    expect_refusal(&plan, 2, &["key `landscape.arrows`"]);
    let run = wd.run(&["spec.toml", "-q"]);
    expect_refusal(&run, 2, &["key `landscape.arrows`"]);
    assert!(!wd.out().exists(), "runs trained before the refusal");
}

#[test]
fn a_huge_landscape_grid_is_refused_at_landscape_grid() {
    let wd = Workdir::new();
    wd.write("spec.toml", landscape("").replace("grid = 5", "grid = 100000"));
    let out = wd.run(&["spec.toml", "-q", "--max-memory", "1G"]);
    expect_refusal(&out, 2, &["key `landscape.grid`"]);
}

/// A csv spec reading `path` (absolute) with label column `label`.
fn csv_spec(path: &str) -> String {
    format!(
        "[experiment]\nname = \"c\"\noutput = \"out\"\n[data]\nsource = \"csv\"\npath = \"{path}\"\n\
         test_fraction = 0.0\n[model]\nhidden = []\n[training]\nepochs = 1\nlearning_rate = 0.1\n\
         [sweep]\nbatch_sizes = [1]\n[noise]\nevery = 0\n[plots]\nenabled = false\n"
    )
}

#[test]
fn devices_fifos_and_folders_are_refused_as_data_files() {
    let wd = Workdir::new();
    let fifo = wd.join("fifo");
    let name = std::ffi::CString::new(fifo.to_string_lossy().as_bytes()).expect("path");
    // SAFETY: a valid NUL-terminated path; mkfifo(3) only creates a file.
    assert_eq!(unsafe { libc::mkfifo(name.as_ptr(), 0o600) }, 0, "mkfifo");
    std::fs::create_dir(wd.join("folder")).expect("folder");
    for path in
        ["/dev/zero".into(), fifo.to_string_lossy().into_owned(), wd.join("folder").display().to_string()]
    {
        wd.write("spec.toml", csv_spec(&path));
        let out = wait_within(spawn(&wd, &["plan", "spec.toml"]), LINEAR, &path);
        expect_refusal(&out, 2, &[&path, "not a regular file"]);
    }
}

#[test]
fn a_gzip_bomb_stops_at_the_memory_limit() {
    let wd = Workdir::new();
    // 32 MiB of zeros compress to about 32 KiB.
    let file = std::fs::File::create(wd.join("bomb.csv.gz")).expect("create");
    let mut gz = flate2::write::GzEncoder::new(file, flate2::Compression::fast());
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..32 {
        gz.write_all(&zeros).expect("compress");
    }
    gz.finish().expect("finish");
    let path = wd.join("bomb.csv.gz").display().to_string();
    wd.write("spec.toml", csv_spec(&path));
    let out = wd.run(&["spec.toml", "-q", "--max-memory", "8M"]);
    expect_refusal(&out, 2, &[&path, "8.0 MiB", "--max-memory"]);
}

#[test]
fn a_million_columns_or_learning_rates_are_checked_in_linear_time() {
    let wd = Workdir::new();
    let columns = 1_000_000;
    let names: Vec<String> = (0..columns).map(|i| format!("f{i}")).collect();
    let row = |v: &str| format!("{}{v}\n", format!("{v},").repeat(columns));
    let table = format!("{},label\n{}{}", names.join(","), row("0"), row("1"));
    let path = wd.write("wide.csv", &table).display().to_string();
    wd.write("spec.toml", csv_spec(&path));
    let accepted = wait_within(spawn(&wd, &["plan", "spec.toml"]), LINEAR, "a million distinct columns");
    accepted.expect_success();
    // The same header with its first name repeated at the end, where a pairwise scan finds it last.
    wd.write("wide.csv", table.replacen(",label\n", ",f0\n", 1).replacen('\n', ",label\n", 1));
    let refused = wait_within(spawn(&wd, &["plan", "spec.toml"]), LINEAR, "a duplicate among a million");
    expect_refusal(&refused, 2, &["column `f0` appears twice (columns 1 and 1000001)"]);

    let rates: Vec<String> = (1..=1_000_000).map(|i| format!("{i}e-7")).collect();
    let spec = blobs_spec(20, "[1]", 1)
        .replace("[sweep]", &format!("[sweep]\nlearning_rates = [{}]", rates.join(", ")));
    wd.write("rates.toml", spec);
    let out = wait_within(spawn(&wd, &["plan", "rates.toml"]), LINEAR, "a million learning rates");
    expect_refusal(&out, 2, &["key `sweep.learning_rates`", "1000000 runs"]);
}

#[test]
fn a_duplicate_key_or_table_is_named() {
    let wd = Workdir::new();
    let spec = quick_spec();
    for (text, key) in [
        (spec.replace("epochs = 2", "epochs = 2\nepochs = 3"), "key `training.epochs`"),
        (format!("{spec}\n[training]\nmomentum = 0.5\n"), "key `training`"),
    ] {
        wd.write("spec.toml", text);
        expect_refusal(&wd.run(&["plan", "spec.toml"]), 2, &["duplicate key", key]);
    }
}

#[test]
fn plan_or_run_without_a_spec_is_bad_input() {
    let wd = Workdir::new();
    for args in [&["plan"][..], &["run"][..], &["run", "-q"][..]] {
        let out = wd.run(args);
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        assert!(out.stderr.contains("SPEC"), "{args:?}: {}", out.stderr);
    }
}
