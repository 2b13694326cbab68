//! Damaged and ambiguous records (issue 13 items 3, 4, 12): a truncated, deleted or missing record is named
//! by every command that reads it and recomputed by `--resume`; two runs never share an id; an id has a
//! bounded length whatever the learning rate.

use super::common::{self, OUT, Workdir};
use super::{expect_refusal, quick_spec};

/// Drops the last row of `path`: a truncation at a row boundary, which every csv parser accepts.
fn drop_last_row(path: &std::path::Path) {
    let text = std::fs::read_to_string(path).expect("read");
    let body = text.trim_end_matches('\n');
    let cut = body.rfind('\n').expect("at least two lines");
    std::fs::write(path, &text[..=cut]).expect("truncate");
}

/// analyze, plot and merge (in place and into another folder) all refuse, naming `fragments`.
fn every_reader_refuses(wd: &Workdir, fragments: &[&str]) {
    for args in [
        &["analyze", OUT][..],
        &["plot", OUT][..],
        &["merge", OUT][..],
        &["merge", OUT, "--into", "elsewhere"][..],
    ] {
        let out = wd.run(args);
        assert_eq!(out.code, 2, "{args:?} accepted a damaged folder:\n{}{}", out.stdout, out.stderr);
        for fragment in fragments {
            assert!(out.stderr.contains(fragment), "{args:?}: stderr lacks `{fragment}`:\n{}", out.stderr);
        }
    }
    assert!(!wd.join("elsewhere").join("summary.csv").exists());
}

#[test]
fn a_truncated_deleted_or_missing_record_is_named_by_every_reader_and_recomputed_by_resume() {
    let wd = Workdir::new();
    wd.write("spec.toml", quick_spec());
    wd.run(&["spec.toml", "-q"]).expect_success();
    let clean = common::records(&wd, OUT);

    drop_last_row(&wd.run_dir("bs05-lr0.1-rep0").join("iterations.csv"));
    every_reader_refuses(&wd, &["bs05-lr0.1-rep0", "iterations.csv"]);
    let resumed = wd.run(&["spec.toml", "-q", "--resume"]);
    resumed.expect_success();
    assert!(
        resumed.stderr.contains("bs05-lr0.1-rep0") && resumed.stderr.contains("recomputing"),
        "{}",
        resumed.stderr
    );
    assert_eq!(common::records(&wd, OUT), clean, "the recomputed run differs");

    std::fs::remove_file(wd.run_dir("bs01-lr0.1-rep0").join("epochs.csv")).expect("delete a record");
    every_reader_refuses(&wd, &["bs01-lr0.1-rep0", "epochs.csv"]);
    wd.run(&["spec.toml", "-q", "--resume"]).expect_success();

    // A whole run folder gone: the batch size must not silently vanish from the analysis.
    std::fs::remove_dir_all(wd.run_dir("bs20-lr0.1-rep0")).expect("delete a run");
    every_reader_refuses(&wd, &["bs20-lr0.1-rep0"]);
    wd.run(&["spec.toml", "-q", "--resume"]).expect_success();
    assert_eq!(common::records(&wd, OUT), clean);
    wd.run(&["analyze", OUT]).expect_success();
}

#[test]
fn the_landscape_records_of_a_run_are_verified_too() {
    let wd = Workdir::new();
    let landscape = "[landscape]\nenabled = true\ngrid = 5\npoints = 20\narrow_points = 2\narrows = 2\n";
    wd.write("spec.toml", format!("{}\n{landscape}", quick_spec()));
    wd.run(&["spec.toml", "-q"]).expect_success();
    let trajectory = wd.run_dir("bs01-lr0.1-rep0").join("trajectory.csv");
    assert!(trajectory.exists());
    drop_last_row(&trajectory);
    let out = wd.run(&["analyze", OUT]);
    expect_refusal(&out, 2, &["bs01-lr0.1-rep0", "trajectory.csv"]);
}

#[test]
fn scaled_rates_that_round_to_one_value_are_refused_naming_the_key() {
    let wd = Workdir::new();
    // 0.10001 and 0.10002 x 1/1 both round to 0.1 at 4 significant digits: two runs, one id.
    let spec = quick_spec().replace(
        "batch_sizes = [1, 5, \"full\"]",
        "batch_sizes = [1, 5]\nlearning_rates = [0.10001, 0.10002]\nlr_scaling = \"linear\"\nbase_batch_size = 1",
    );
    wd.write("spec.toml", spec);
    for args in [&["plan", "spec.toml"][..], &["spec.toml", "-q"][..]] {
        let out = wd.run(args);
        expect_refusal(&out, 2, &["key `sweep.learning_rates[1]`", "0.10001", "0.10002"]);
    }
    assert!(!wd.out().exists(), "a refused plan wrote results");
}

#[test]
fn a_tiny_learning_rate_gives_a_short_run_id() {
    let wd = Workdir::new();
    wd.write("spec.toml", quick_spec().replace("learning_rate = 0.1", "learning_rate = 1e-300"));
    let out = wd.run(&["spec.toml", "-q"]);
    out.expect_success();
    let ids: Vec<String> = std::fs::read_dir(wd.out().join("runs"))
        .expect("runs")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(ids.len(), 3, "{ids:?}");
    assert!(ids.iter().all(|id| id.len() < 64 && id.contains("1e-300")), "{ids:?}");
}
