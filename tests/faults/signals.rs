//! Signals, pipes and the test summary (issue 13 items 8, 11, 17, 19): a closed stdout ends a command
//! quietly, SIGTERM while figures render stops with 130, an interrupted re-run says what this invocation
//! did without a screenful of ids, and a test that cannot run says so in `cargo test`'s summary.

use super::common::{OUT, Workdir};
use super::{quick_spec, send, slow_spec, spawn, wait_within};
use std::path::Path;
use std::time::{Duration, Instant, SystemTime};

/// Runs `batchlab args...` with its stdout closed before it writes anything.
fn with_closed_stdout(wd: &Workdir, args: &[&str]) -> (Option<i32>, String) {
    let mut child = spawn(wd, args);
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("wait");
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn a_closed_stdout_ends_plan_analyze_and_a_sweep_quietly() {
    let wd = Workdir::new();
    wd.write("spec.toml", quick_spec());
    for args in [&["plan", "spec.toml"][..], &["spec.toml"][..], &["analyze", OUT][..]] {
        let (code, stderr) = with_closed_stdout(&wd, args);
        assert!(code != Some(101) && !stderr.contains("panicked"), "{args:?}: {code:?}\n{stderr}");
        // The analysis's warnings go to stderr; nothing there may be about the pipe.
        let complaints = stderr.lines().filter(|l| !l.starts_with("warning: ")).count();
        assert_eq!(complaints, 0, "{args:?} complained about the pipe: {stderr}");
    }
    // The sweep's records were complete before it printed.
    wd.run(&["spec.toml", "-q", "--resume"]).expect_success();
    assert!(wd.out().join("summary.csv").exists());
}

#[test]
fn sigterm_while_figures_render_stops_with_130_and_says_plot_rerenders() {
    let wd = Workdir::new();
    // Large PNGs, so rendering takes a while after summary.csv appears.
    let spec = quick_spec()
        .replace("enabled = false", "formats = [\"png\"]\nwidth = 1600\nheight = 1000\ndpi = 300");
    wd.write("spec.toml", spec);
    let child = spawn(&wd, &["spec.toml", "-q"]);
    let started = Instant::now();
    while !wd.out().join("summary.csv").exists() {
        assert!(started.elapsed() < Duration::from_secs(60), "the sweep did not finish");
        std::thread::sleep(Duration::from_millis(2));
    }
    send(&child, libc::SIGTERM);
    let out = wait_within(child, Duration::from_secs(60), "the interrupted rendering");
    assert_eq!(out.code, 130, "{}", out.stderr);
    assert!(out.stderr.contains("batchlab plot out"), "{}", out.stderr);
}

fn summary_times(out: &Path) -> Vec<(String, SystemTime)> {
    let mut found: Vec<(String, SystemTime)> = std::fs::read_dir(out.join("runs"))
        .map(|entries| {
            entries
                .filter_map(|e| {
                    let e = e.ok()?;
                    let modified = e.path().join("summary.json").metadata().ok()?.modified().ok()?;
                    Some((e.file_name().to_string_lossy().into_owned(), modified))
                })
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    found
}

/// The number just before `marker` in `text`.
fn number_before(text: &str, marker: &str) -> usize {
    let at = text.find(marker).unwrap_or_else(|| panic!("no `{marker}` in:\n{text}"));
    let digits: String = text[..at].trim_end().chars().rev().take_while(char::is_ascii_digit).collect();
    digits.chars().rev().collect::<String>().parse().unwrap_or_else(|_| panic!("no count before `{marker}`"))
}

#[test]
fn an_interrupted_rerun_counts_what_this_invocation_finished() {
    let wd = Workdir::new();
    wd.write("spec.toml", slow_spec(150));
    wd.run(&["spec.toml", "-q"]).expect_success();
    let before = summary_times(&wd.out());
    assert_eq!(before.len(), 6);
    let child = spawn(&wd, &["spec.toml", "-q", "--threads", "1"]);
    let started = Instant::now();
    while summary_times(&wd.out()) == before {
        assert!(started.elapsed() < Duration::from_secs(60), "no run finished again");
        std::thread::sleep(Duration::from_millis(5));
    }
    send(&child, libc::SIGINT);
    let out = wait_within(child, Duration::from_secs(60), "the interrupted re-run");
    assert_eq!(out.code, 130, "{}", out.stderr);
    let now = number_before(&out.stderr, "finished in this invocation");
    let earlier = number_before(&out.stderr, "from earlier invocations");
    assert!((1..6).contains(&now) && now + earlier == 6, "{}", out.stderr);
    assert!(out.stderr.lines().all(|l| l.len() < 400), "a screenful of ids:\n{}", out.stderr);
}

#[test]
fn the_slurm_test_is_reported_as_ignored_where_it_cannot_run() {
    let source = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/slurm.rs"))
        .expect("read tests/slurm.rs");
    let at = source.find("fn a_slurm_job_array").expect("the Slurm test");
    let attributes = &source[source[..at].rfind("#[test]").expect("#[test]")..at];
    assert!(attributes.contains("#[ignore = \""), "the Slurm test would pass silently:\n{attributes}");
}
