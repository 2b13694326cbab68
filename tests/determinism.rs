//! Determinism: every number except the clock readings is a function of the spec alone, never of the
//! thread count, the order runs finish in, or the process (issue 2 section 6, issue 3 section 5).

mod common;

use common::{Csv, OUT, TIME_COLUMNS, Workdir, blobs_spec, edit, read_csv};
use std::path::PathBuf;

/// Batch sizes 1, 7 and full over a small MLP, 2 repeats, a test split and noise probes every epoch:
/// six runs that rayon can interleave, each with iterations, epochs and noise records.
fn spec() -> String {
    let spec = blobs_spec(150, r#"[1, 7, "full"]"#, 2);
    let spec = edit(&spec, "seed = 7", "seed = 7\nrepeats = 2");
    let spec = edit(&spec, "test_fraction = 0.0", "test_fraction = 0.2");
    let spec = edit(&spec, "hidden = []", "hidden = [8]\nactivation = \"tanh\"");
    edit(&spec, "every = 0", "every = 1\nprobes = 4")
}

/// Every csv file of a results folder without its time columns, and every summary.json without its
/// time fields, keyed by path relative to the folder.
fn records(wd: &Workdir) -> Vec<(PathBuf, Record)> {
    let files = wd.files_under(OUT);
    assert!(!files.is_empty(), "no results in {}", wd.out().display());
    files
        .into_iter()
        .filter_map(|rel| {
            let path = wd.out().join(&rel);
            let record = match rel.extension()?.to_str()? {
                "csv" => Record::Csv(read_csv(&path).without(TIME_COLUMNS)),
                // analysis.json repeats analysis.csv and analysis_runs.csv, which are compared.
                "json" if rel.starts_with("analysis.json") => return None,
                "json" => {
                    let mut json: serde_json::Value =
                        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
                    let summary = json["summary"].as_object_mut().expect("summary.json has a summary");
                    for key in TIME_COLUMNS {
                        summary.remove(*key);
                    }
                    // The digests cover files with time columns; the files themselves are compared above.
                    json.as_object_mut().expect("an object").remove("files");
                    Record::Json(json)
                }
                _ => return None,
            };
            Some((rel, record))
        })
        .collect()
}

#[derive(Debug, PartialEq)]
enum Record {
    Csv(Csv),
    Json(serde_json::Value),
}

/// Runs `spec` in a fresh folder with these arguments and environment.
fn run(spec: &str, args: &[&str], env: &[(&str, &str)]) -> Workdir {
    let wd = Workdir::new();
    wd.write("spec.toml", spec);
    let mut all = vec!["spec.toml", "-q"];
    all.extend_from_slice(args);
    wd.run_with_env(&all, env).expect_success();
    wd
}

/// Asserts two results folders hold the same files with the same non-time values, naming the first
/// file that differs.
fn assert_same(a: &Workdir, b: &Workdir, what: &str) {
    let (a, b) = (records(a), records(b));
    let names = |r: &[(PathBuf, Record)]| r.iter().map(|(p, _)| p.clone()).collect::<Vec<_>>();
    assert_eq!(names(&a), names(&b), "{what}: different files");
    for ((path, x), (_, y)) in a.iter().zip(&b) {
        assert!(x == y, "{what}: {} differs", path.display());
    }
}

#[test]
fn every_record_is_identical_whatever_the_thread_count() {
    let spec = spec();
    let one = run(&spec, &[], &[("RAYON_NUM_THREADS", "1")]);
    let files = one.files_under(OUT);
    for kind in ["iterations.csv", "epochs.csv", "noise.csv", "summary.json"] {
        assert_eq!(files.iter().filter(|f| f.ends_with(kind)).count(), 6, "{kind} in {files:?}");
    }
    assert!(files.iter().any(|f| f.ends_with("summary.csv")));
    let two = run(&spec, &[], &[("RAYON_NUM_THREADS", "2")]);
    assert_same(&one, &two, "RAYON_NUM_THREADS 1 vs 2");
    let flag_one = run(&spec, &["--threads", "1"], &[]);
    assert_same(&one, &flag_one, "RAYON_NUM_THREADS=1 vs --threads 1");
    // The flag wins over the environment; 4 threads on a 2-core machine interleave runs even more.
    let flag_two = run(&spec, &["--threads", "2"], &[("RAYON_NUM_THREADS", "1")]);
    assert_same(&one, &flag_two, "--threads 1 vs --threads 2");
    let flag_four = run(&spec, &["--threads", "4"], &[]);
    assert_same(&one, &flag_four, "--threads 1 vs --threads 4");
}

#[test]
fn two_runs_with_the_same_seed_are_identical_and_another_seed_changes_the_losses() {
    let spec = spec();
    let first = run(&spec, &[], &[]);
    let again = run(&spec, &[], &[]);
    assert_same(&first, &again, "same seed");
    let other = run(&spec, &["--set", "experiment.seed=8"], &[]);
    let summary = read_csv(first.out().join("summary.csv"));
    for id in summary.column("run_id") {
        for (file, column) in
            [("iterations.csv", "loss"), ("epochs.csv", "train_loss"), ("noise.csv", "grad_norm")]
        {
            let a = read_csv(first.run_dir(id).join(file));
            let b = read_csv(other.run_dir(id).join(file));
            assert_eq!(a.rows.len(), b.rows.len(), "{id}/{file}: the seed must not change the shape");
            assert_ne!(a.column(column), b.column(column), "{id}/{file}: seed 8 gave the losses of seed 7");
        }
    }
}

#[test]
fn adding_a_batch_size_leaves_the_training_records_of_the_other_runs_unchanged() {
    // Initial weights and the shuffled order come from (seed, repeat, purpose), not from the plan, so
    // a run of B = 7 trains identically whether or not B = 3 is in the sweep.
    let spec = spec();
    let base = run(&spec, &[], &[]);
    let more = run(&edit(&spec, r#"[1, 7, "full"]"#, r#"[1, 3, 7, "full"]"#), &[], &[]);
    let summary = read_csv(base.out().join("summary.csv"));
    for id in summary.column("run_id") {
        for file in ["iterations.csv", "epochs.csv"] {
            let a = read_csv(base.run_dir(id).join(file)).without(TIME_COLUMNS);
            let b = read_csv(more.run_dir(id).join(file)).without(TIME_COLUMNS);
            assert!(a == b, "{id}/{file} changed when B = 3 joined the sweep");
        }
    }
}

#[test]
fn adding_a_batch_size_leaves_the_noise_probes_of_the_other_runs_unchanged() {
    // The run bs007-lr0.1-rep0 is the same configuration in both sweeps; only its plan index moves from
    // 1 to 2. Its probes are drawn from a stream seeded by (seed, repeat, run index, checkpoint).
    let spec = spec();
    let base = run(&spec, &[], &[]);
    let more = run(&edit(&spec, r#"[1, 7, "full"]"#, r#"[1, 3, 7, "full"]"#), &[], &[]);
    let summary = read_csv(base.out().join("summary.csv"));
    for id in summary.column("run_id") {
        let a = read_csv(base.run_dir(id).join("noise.csv")).without(TIME_COLUMNS);
        let b = read_csv(more.run_dir(id).join("noise.csv")).without(TIME_COLUMNS);
        assert!(a == b, "{id}/noise.csv changed when B = 3 joined the sweep");
    }
}
