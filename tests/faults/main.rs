//! Fault injection (issue 13): what a hostile user or an unlucky cluster does to a sweep, and what must
//! happen instead of a silently wrong results folder. One test binary, one file a theme: concurrent
//! writers and merges ([`writers`]), damaged and ambiguous records ([`records`]), results folders that are
//! not ours ([`folders`]), oversized and special inputs ([`inputs`]), signals and closed pipes
//! ([`signals`]). Every test was seen to fail on the code before its fix.

#[path = "../common/mod.rs"]
mod common;

mod folders;
mod inputs;
mod records;
mod signals;
mod writers;

use common::{Output, Workdir, blobs_spec, edit};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A tiny sweep without figures: 3 batch sizes, 20 examples, 2 epochs.
pub fn quick_spec() -> String {
    format!("{}\n[plots]\nenabled = false\n", blobs_spec(20, r#"[1, 5, "full"]"#, 2))
}

/// Six runs (B = 1, 2, 4 x 2 repeats) of 400 training examples over `epochs` epochs with a hidden layer:
/// a few tenths of a second a run on one thread, long enough for a second process or a signal to land
/// while runs are in flight.
pub fn slow_spec(epochs: u64) -> String {
    let spec = blobs_spec(500, "[1, 2, 4]", epochs);
    let spec = edit(&spec, "seed = 7", "seed = 7\nrepeats = 2");
    let spec = edit(&spec, "test_fraction = 0.0", "test_fraction = 0.2");
    let spec = edit(&spec, "hidden = []", "hidden = [8]");
    format!("{}\n[plots]\nenabled = false\n", edit(&spec, "learning_rate = 0.1", "learning_rate = 0.02"))
}

/// Starts `batchlab args...` in `wd` without waiting, both streams captured.
pub fn spawn(wd: &Workdir, args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_batchlab"))
        .args(args)
        .current_dir(wd.path())
        .env_remove("RAYON_NUM_THREADS")
        .env_remove("RUST_BACKTRACE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the batchlab binary")
}

/// Waits for `child` at most `limit`; kills it and panics naming `what` when it takes longer.
pub fn wait_within(mut child: Child, limit: Duration, what: &str) -> Output {
    let started = Instant::now();
    while child.try_wait().expect("poll the child").is_none() {
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what}: still running after {limit:?} (killed)");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().expect("collect the output");
    Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Sends `signal` to `child`.
pub fn send(child: &Child, signal: i32) {
    let pid = i32::try_from(child.id()).expect("a pid fits in i32");
    // SAFETY: kill(2) on our own child's pid, not yet waited for, so it cannot have been reused.
    assert_eq!(unsafe { libc::kill(pid, signal) }, 0, "kill failed");
}

/// Panics unless `out` exited with `code` and its stderr holds every fragment.
pub fn expect_refusal(out: &Output, code: i32, fragments: &[&str]) {
    out.expect_code(code);
    assert!(!out.stderr.contains("panicked"), "it panicked: {}", out.stderr);
    for fragment in fragments {
        assert!(out.stderr.contains(fragment), "stderr lacks `{fragment}`:\n{}", out.stderr);
    }
}
