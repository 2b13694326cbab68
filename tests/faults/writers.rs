//! Concurrent writers and merges (issue 13 items 1, 2, 18, 20): two processes never write the same run,
//! a claim of a dead process is taken over and one from another host is reported, `merge` never mixes
//! two specs, the shard hint names a merge that works, and folders mixing kernel paths are flagged.

use super::common::{self, OUT, Workdir};
use super::{expect_refusal, quick_spec, slow_spec, spawn, wait_within};
use std::time::Duration;

/// This machine's host name, as gethostname(2) reports it.
fn hostname() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: the buffer is valid for its whole length; gethostname NUL-terminates within it.
    assert_eq!(unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) }, 0);
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    String::from_utf8_lossy(&buf[..end]).into_owned()
}

#[test]
fn two_identical_sweeps_started_together_never_write_the_same_run() {
    let wd = Workdir::new();
    wd.write("spec.toml", slow_spec(60));
    let args = ["spec.toml", "-q", "--threads", "1"];
    let (a, b) = (spawn(&wd, &args), spawn(&wd, &args));
    let (pid_a, pid_b) = (a.id(), b.id());
    let limit = Duration::from_secs(120);
    let (a, b) = (wait_within(a, limit, "sweep a"), wait_within(b, limit, "sweep b"));
    // One wins every claim; the other refuses before touching a run and names the winner.
    let (winner, loser) = match (a.code, b.code) {
        (0, 2) => (pid_a, &b),
        (2, 0) => (pid_b, &a),
        codes => panic!("expected one success and one refusal, got {codes:?}:\n{}\n{}", a.stderr, b.stderr),
    };
    expect_refusal(loser, 2, &[&format!("pid {winner}"), "another batchlab process"]);

    wd.run(&["spec.toml", "-q", "--set", "experiment.output=\"clean\""]).expect_success();
    assert_eq!(common::records(&wd, OUT), common::records(&wd, "clean"), "the shared folder differs");
    let resumed = wd.run(&["spec.toml", "-q", "--resume"]);
    resumed.expect_success();
    assert!(resumed.stderr.contains("resume: 6 runs complete, 0 to run"), "{}", resumed.stderr);
    let claims: Vec<_> = wd.files_under(OUT).into_iter().filter(|f| f.ends_with(".claim")).collect();
    assert!(claims.is_empty(), "claims left behind: {claims:?}");
}

#[test]
fn a_claim_from_another_host_is_reported_and_a_dead_process_claim_here_is_taken_over() {
    let wd = Workdir::new();
    wd.write("spec.toml", quick_spec());
    wd.run(&["spec.toml", "-q"]).expect_success();
    let claim = wd.out().join("runs").join(".bs01-lr0.1-rep0.claim");
    std::fs::write(&claim, "host elsewhere.invalid\npid 4242\n").expect("plant a claim");
    let refused = wd.run(&["spec.toml", "-q"]);
    expect_refusal(&refused, 2, &["elsewhere.invalid", "pid 4242", ".bs01-lr0.1-rep0.claim"]);
    assert!(claim.exists(), "a claim from another host must never be removed");

    // A process of this host that has exited: its claim is stale.
    let mut gone = std::process::Command::new("true").spawn().expect("run true");
    let pid = gone.id();
    gone.wait().expect("wait for true");
    std::fs::write(&claim, format!("host {}\npid {pid}\n", hostname())).expect("plant a stale claim");
    let taken = wd.run(&["spec.toml", "-q"]);
    taken.expect_success();
    assert!(!claim.exists(), "the stale claim was neither taken over nor released");
}

#[test]
fn merge_into_a_folder_of_another_spec_is_refused_naming_both() {
    let wd = Workdir::new();
    wd.write("spec.toml", quick_spec());
    wd.write(
        "other.toml",
        quick_spec().replace("name = \"blobs\"", "name = \"other\"").replace("epochs = 2", "epochs = 3"),
    );
    wd.run(&["spec.toml", "-q", "--set", "experiment.output=\"a\""]).expect_success();
    wd.run(&["other.toml", "-q", "--set", "experiment.output=\"b\""]).expect_success();
    let before = common::records(&wd, "b");
    let merged = wd.run(&["merge", "a", "--into", "b"]);
    expect_refusal(&merged, 2, &["b/spec.toml", "a/spec.toml", "`other`", "`blobs`"]);
    assert_eq!(common::records(&wd, "b"), before, "the foreign folder was changed");
}

#[test]
fn a_shard_in_its_own_folder_suggests_a_merge_that_works() {
    let wd = Workdir::new();
    wd.write("spec.toml", quick_spec());
    let set = "experiment.output=\"p0\"";
    let out = wd.run(&["spec.toml", "-q", "--shard", "0/2", "--set", set]);
    out.expect_success();
    assert!(out.stdout.contains("batchlab merge p0 ") && out.stdout.contains("--into"), "{}", out.stdout);
}

#[test]
fn every_run_records_its_kernel_path_and_a_folder_that_mixes_them_is_flagged() {
    let wd = Workdir::new();
    wd.write("spec.toml", quick_spec());
    wd.run(&["spec.toml", "-q"]).expect_success();
    let path = wd.run_dir("bs05-lr0.1-rep0").join("summary.json");
    let mut json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("json");
    let kernel = json["kernel_path"].as_str().unwrap_or_default().to_string();
    assert!(!kernel.is_empty() && json["cpu_features"].is_string(), "no kernel path recorded: {json}");
    json["kernel_path"] = serde_json::Value::String(format!("not-{kernel}"));
    std::fs::write(&path, serde_json::to_string_pretty(&json).expect("json")).expect("write");
    for args in [&["merge", OUT][..], &["spec.toml", "-q", "--resume"][..]] {
        let out = wd.run(args);
        out.expect_success();
        assert!(
            out.stderr.contains("warning") && out.stderr.contains(&format!("not-{kernel}")),
            "{args:?} did not warn:\n{}",
            out.stderr
        );
    }
}
