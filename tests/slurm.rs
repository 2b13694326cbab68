//! A real single-node Slurm (issue 7 section 4): scripts/slurm-local.sh starts munged, slurmctld and slurmd
//! on localhost; examples/slurm/sweep.sbatch submits a job array of shards and a dependent merge job; the
//! merged results equal one unsharded run (time columns aside).
//!
//! Ignored by default, so `cargo test` reports it as ignored rather than passed where it cannot run; run it
//! with `cargo test --test slurm -- --ignored` as root on a machine with Slurm (`apt-get install slurmctld
//! slurmd slurm-client munge` provides it; CI does not install it). Asked to run without Slurm, it fails
//! saying what is missing.

mod common;

use common::{OUT, Workdir, blobs_spec, edit};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const TOOLS: &[&str] = &["slurmctld", "slurmd", "sbatch", "squeue", "sinfo", "munged"];

/// Why the test cannot run here, if it cannot.
fn missing_slurm() -> Option<String> {
    let absent: Vec<&str> = TOOLS
        .iter()
        .copied()
        .filter(|tool| {
            !Command::new("sh")
                .args(["-c", &format!("command -v {tool}")])
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .collect();
    if !absent.is_empty() {
        return Some(format!("Slurm is not installed (missing: {})", absent.join(", ")));
    }
    // SAFETY: geteuid(2) has no preconditions and cannot fail.
    (unsafe { libc::geteuid() } != 0).then(|| "starting slurmctld and slurmd needs root".to_string())
}

fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// Stops the local Slurm even when the test fails.
struct Cluster(PathBuf);

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = Command::new(repo("scripts/slurm-local.sh")).arg("stop").arg(&self.0).status();
    }
}

#[test]
#[ignore = "needs a single-node Slurm and root: cargo test --test slurm -- --ignored"]
fn a_slurm_job_array_and_its_merge_job_equal_one_unsharded_run() {
    if let Some(reason) = missing_slurm() {
        panic!("{reason}; the Slurm test needs a single-node Slurm (see tests/slurm.rs)");
    }
    let wd = Workdir::new();
    let spec = edit(&blobs_spec(90, r#"[1, 5, "full"]"#, 2), "seed = 7", "seed = 7\nrepeats = 2");
    wd.write("spec.toml", spec);
    let cluster = Cluster(wd.join("slurm"));
    let started = Command::new(repo("scripts/slurm-local.sh"))
        .arg("start")
        .arg(&cluster.0)
        .output()
        .expect("start slurm");
    let said = String::from_utf8_lossy(&started.stdout).into_owned();
    assert!(
        started.status.success(),
        "slurm did not start: {said}{}",
        String::from_utf8_lossy(&started.stderr)
    );
    let conf = cluster.0.join("slurm.conf");

    let submit = Command::new(repo("examples/slurm/sweep.sbatch"))
        .args(["spec.toml", "3"])
        .current_dir(wd.path())
        .env("SLURM_CONF", &conf)
        .env("BATCHLAB", env!("CARGO_BIN_EXE_batchlab"))
        .output()
        .expect("submit");
    assert!(submit.status.success(), "sbatch failed: {}", String::from_utf8_lossy(&submit.stderr));

    let begun = Instant::now();
    while !wd.out().join("report.md").exists() {
        assert!(
            begun.elapsed() < Duration::from_secs(180),
            "the merge job did not finish: {:?}",
            wd.files_under(".")
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    wd.run(&["spec.toml", "-q", "--set", "experiment.output=\"whole\""]).expect_success();
    assert_eq!(common::records(&wd, OUT), common::records(&wd, "whole"));
}
