//! Results folders that are not ours (issue 13 items 5, 6, 15): `--force` removes every file the old spec's
//! results had and nothing else; an empty output, ".", a folder of someone else's files and a regular file
//! are refused as bad input, once, before anything is written.

use super::common::{OUT, Workdir, blobs_spec};
use super::{expect_refusal, quick_spec};

#[test]
fn force_removes_every_file_of_the_old_results_and_only_those() {
    let wd = Workdir::new();
    // The old spec renders figures and a report (svg only, to stay quick) and runs `analyze`.
    let old = format!("{}\n[plots]\nformats = [\"svg\"]\n", blobs_spec(20, "[1, 5]", 2));
    wd.write("old.toml", old);
    wd.run(&["old.toml", "-q"]).expect_success();
    wd.run(&["analyze", OUT]).expect_success();
    assert!(wd.out().join("report.md").exists() && wd.out().join("figures").is_dir());
    wd.write("out/notes.txt", "mine");
    wd.write("out/figures/sketch.txt", "mine too");

    wd.write("new.toml", quick_spec().replace("epochs = 2", "epochs = 1"));
    let refused = wd.run(&["new.toml", "-q"]);
    expect_refusal(&refused, 2, &["different spec", "--force"]);
    wd.run(&["new.toml", "-q", "--force"]).expect_success();

    let mut expected: Vec<String> = ["bs01-lr0.1-rep0", "bs05-lr0.1-rep0", "bs20-lr0.1-rep0"]
        .iter()
        .flat_map(|id| {
            ["epochs.csv", "evals.csv", "iterations.csv", "summary.json", "weights.safetensors"]
                .map(|f| format!("runs/{id}/{f}"))
        })
        .collect();
    expected.extend(
        [
            "analysis.csv",
            "analysis.json",
            "analysis_runs.csv",
            "classes.csv",
            "figures/sketch.txt",
            "notes.txt",
            "spec.toml",
            "split.csv",
            "standardization.csv",
            "summary.csv",
        ]
        .map(String::from),
    );
    expected.sort();
    let found: Vec<String> = wd.files_under(OUT).iter().map(|p| p.to_string_lossy().into_owned()).collect();
    assert_eq!(found, expected, "old results left behind, or the user's files removed");
}

#[test]
fn an_empty_output_the_current_folder_and_a_folder_of_other_files_are_refused() {
    let wd = Workdir::new();
    wd.write("spec.toml", quick_spec());
    wd.write("mine/data.txt", "not results");
    for (output, fragments) in [
        ("\"\"", &["key `experiment.output`", "empty"][..]),
        ("\".\"", &["key `experiment.output`", "current folder"][..]),
        ("\"./\"", &["key `experiment.output`", "current folder"][..]),
        ("\"mine\"", &["mine", "not a batchlab results folder"][..]),
    ] {
        for force in [false, true] {
            let set = format!("experiment.output={output}");
            let mut args = vec!["spec.toml", "-q", "--set", &set];
            if force {
                args.push("--force");
            }
            let out = wd.run(&args);
            expect_refusal(&out, 2, fragments);
            let mut files: Vec<String> =
                wd.files_under(".").iter().map(|p| p.to_string_lossy().into_owned()).collect();
            files.sort();
            assert_eq!(files, ["mine/data.txt", "spec.toml"], "{args:?} wrote or removed files");
        }
    }
}

#[test]
fn an_output_that_is_a_regular_file_is_bad_input_said_once() {
    let wd = Workdir::new();
    wd.write("spec.toml", quick_spec());
    wd.write(OUT, "a file");
    let out = wd.run(&["spec.toml", "-q"]);
    expect_refusal(&out, 2, &["not a folder"]);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert_eq!(std::fs::read_to_string(wd.out()).expect("still a file"), "a file");
}
