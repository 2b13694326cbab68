//! Nothing lost (issue 7 section 2): a real SIGINT or SIGTERM sent to a real sweep process stops it with
//! exit code 130, leaves only complete run folders, says how to resume, and `--resume` finishes the sweep
//! with records identical (time columns aside) to an uninterrupted run of the same spec.

mod common;

use common::{OUT, Workdir, blobs_spec, edit};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Six runs (B = 1, 2, 4 x 2 repeats) of 400 training examples over 150 epochs, with a hidden layer, a
/// test split and noise checkpoints: each run takes a few tenths of a second on one thread, so a signal
/// sent when the first folder appears lands while later runs are in flight.
fn spec() -> String {
    let spec = blobs_spec(500, "[1, 2, 4]", 150);
    let spec = edit(&spec, "seed = 7", "seed = 7\nrepeats = 2");
    let spec = edit(&spec, "test_fraction = 0.0", "test_fraction = 0.2");
    let spec = edit(&spec, "hidden = []", "hidden = [8]");
    let spec = edit(&spec, "learning_rate = 0.1", "learning_rate = 0.02");
    edit(&spec, "every = 0", "every = 50\nprobes = 4")
}

/// Starts `batchlab args...` in `wd` without waiting for it.
fn spawn(wd: &Workdir, args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_batchlab"))
        .args(args)
        .current_dir(wd.path())
        .env_remove("RAYON_NUM_THREADS")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the batchlab binary")
}

/// The complete run folders (names not starting with `.`) under `out/runs`.
fn complete_runs(out: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(out.join("runs")) else { return Vec::new() };
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|name| !name.starts_with('.'))
        .collect();
    names.sort();
    names
}

/// Waits until a run folder is complete, then sends `signal` and returns (exit code, stderr).
fn interrupt_after_first_run(wd: &Workdir, signal: i32) -> (Option<i32>, String) {
    let mut child = spawn(wd, &["spec.toml", "-q", "--threads", "1"]);
    let started = Instant::now();
    while complete_runs(&wd.out()).is_empty() {
        assert!(started.elapsed() < Duration::from_secs(60), "no run finished within a minute");
        assert!(child.try_wait().expect("poll the child").is_none(), "the sweep ended before any signal");
        std::thread::sleep(Duration::from_millis(10));
    }
    let pid = i32::try_from(child.id()).expect("a pid fits in i32");
    // SAFETY: kill(2) on our own child's pid, which has not been waited for yet, so it cannot be reused.
    assert_eq!(unsafe { libc::kill(pid, signal) }, 0, "kill failed");
    let output = child.wait_with_output().expect("wait for the child");
    (output.status.code(), String::from_utf8_lossy(&output.stderr).into_owned())
}

/// Every file under the results folder whose name marks it unfinished.
fn leftovers(wd: &Workdir) -> Vec<PathBuf> {
    let mut found = wd.files_under(OUT);
    found.retain(|f| f.to_string_lossy().contains(".partial") || f.to_string_lossy().ends_with(".tmp"));
    if let Ok(entries) = std::fs::read_dir(wd.out().join("runs")) {
        found.extend(
            entries.filter_map(|e| Some(e.ok()?.path())).filter(|p| p.to_string_lossy().contains(".partial")),
        );
    }
    found
}

#[test]
fn a_sweep_killed_by_sigint_resumes_to_the_records_of_an_uninterrupted_sweep() {
    let wd = Workdir::new();
    wd.write("spec.toml", spec());
    let reference = spawn(&wd, &["spec.toml", "-q", "--set", "experiment.output=\"whole\""]);

    let (code, stderr) = interrupt_after_first_run(&wd, libc::SIGINT);
    assert_eq!(code, Some(130), "{stderr}");
    let finished = complete_runs(&wd.out());
    assert!(
        finished.len() < 6,
        "every run finished before the signal; the test proves nothing: {finished:?}"
    );
    assert_eq!(leftovers(&wd), Vec::<PathBuf>::new(), "unfinished folders or files were left behind");
    assert!(!wd.out().join("summary.csv").exists(), "a summary of an unfinished sweep was written");
    assert!(stderr.contains(&format!("{} of 6 runs complete", finished.len())), "{stderr}");
    assert!(stderr.contains(&finished[0]), "the finished runs are not named: {stderr}");
    assert!(
        stderr.contains("resume with: ") && stderr.contains("spec.toml -q --threads 1 --resume"),
        "{stderr}"
    );

    let resumed = wd.run(&["spec.toml", "-q", "--threads", "1", "--resume"]);
    resumed.expect_success();
    assert!(
        resumed.stderr.contains(&format!("resume: {} runs complete, ", finished.len())),
        "{}",
        resumed.stderr
    );
    assert!(reference.wait_with_output().expect("reference run").status.success());

    let (whole, resumed) = (common::records(&wd, "whole"), common::records(&wd, OUT));
    assert_eq!(
        whole.len(),
        6 * 4 + 6,
        "iterations, epochs, evals and noise per run, summary.csv, two analysis csvs, classes.csv, split.csv \
         and standardization.csv"
    );
    assert_eq!(whole, resumed, "the resumed records differ from the uninterrupted ones");
    assert!(wd.out().join("report.md").exists() && wd.out().join("figures").is_dir());
}

#[test]
fn sigterm_stops_a_sweep_like_ctrl_c() {
    let wd = Workdir::new();
    wd.write("spec.toml", spec());
    let (code, stderr) = interrupt_after_first_run(&wd, libc::SIGTERM);
    assert_eq!(code, Some(130), "{stderr}");
    assert_eq!(leftovers(&wd), Vec::<PathBuf>::new());
    assert!(!complete_runs(&wd.out()).is_empty());
}

#[test]
fn resume_reruns_only_the_runs_that_are_missing_or_were_computed_from_another_configuration() {
    let wd = Workdir::new();
    wd.write("spec.toml", blobs_spec(60, r#"[1, 5, "full"]"#, 2));
    wd.run(&["spec.toml", "-q"]).expect_success();
    let before = common::records(&wd, OUT);
    // One run folder gone, one whose summary.json claims another configuration.
    std::fs::remove_dir_all(wd.run_dir("bs01-lr0.1-rep0")).expect("remove a run");
    let tampered = wd.run_dir("bs05-lr0.1-rep0").join("summary.json");
    let text = std::fs::read_to_string(&tampered).expect("read summary.json");
    let hash =
        text.split("\"config_hash\": \"").nth(1).expect("a config hash").split('"').next().expect("hash");
    std::fs::write(&tampered, text.replace(hash, "0000")).expect("write summary.json");

    let out = wd.run(&["spec.toml", "-q", "--resume"]);
    out.expect_success();
    assert!(out.stderr.contains("resume: 1 runs complete, 2 to run"), "{}", out.stderr);
    assert_eq!(common::records(&wd, OUT), before);

    let again = wd.run(&["spec.toml", "-q", "--resume"]);
    assert!(again.stderr.contains("resume: 3 runs complete, 0 to run"), "{}", again.stderr);
}

#[test]
fn resume_and_force_cannot_be_combined() {
    let wd = Workdir::new();
    wd.write("spec.toml", blobs_spec(20, "[1]", 1));
    let out = wd.run(&["spec.toml", "--resume", "--force"]);
    out.expect_code(2);
    assert!(out.stderr.contains("cannot be used with"), "{}", out.stderr);
}
