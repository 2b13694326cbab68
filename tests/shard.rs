//! Scale-out (issue 7 section 4): N shard processes on one machine, sharing one results folder or each
//! writing its own, plus `merge`, give the records (time columns aside) of one unsharded run.

mod common;

use common::{OUT, Workdir, blobs_spec, edit};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

/// Four batch sizes x two repeats = 8 runs with a test split and noise checkpoints.
fn spec() -> String {
    let spec = blobs_spec(120, r#"[1, 5, 10, "full"]"#, 3);
    let spec = edit(&spec, "seed = 7", "seed = 7\nrepeats = 2");
    let spec = edit(&spec, "test_fraction = 0.0", "test_fraction = 0.25");
    edit(&spec, "every = 0", "every = 1\nprobes = 3")
}

fn spawn(wd: &Workdir, args: &[&str], env: &[(&str, &str)]) -> Child {
    let mut command = Command::new(env!("CARGO_BIN_EXE_batchlab"));
    command.args(args).current_dir(wd.path()).env_remove("RAYON_NUM_THREADS");
    for name in
        ["SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_COUNT", "SLURM_ARRAY_TASK_MIN", "JOB_COMPLETION_INDEX"]
    {
        command.env_remove(name);
    }
    command.envs(env.iter().copied()).stdout(Stdio::piped()).stderr(Stdio::piped());
    command.spawn().expect("start the batchlab binary")
}

fn wait_ok(child: Child) -> String {
    let out = child.wait_with_output().expect("wait for a shard");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "a shard failed: {stderr}");
    format!("{}{stderr}", String::from_utf8_lossy(&out.stdout))
}

/// The unsharded reference run into `whole`.
fn whole(wd: &Workdir) -> Vec<(PathBuf, common::Csv)> {
    wd.run(&["spec.toml", "-q", "--set", "experiment.output=\"whole\""]).expect_success();
    let whole = common::records(wd, "whole");
    // iterations, epochs, evals and noise per run, summary.csv, the two analysis csvs, classes.csv,
    // split.csv and standardization.csv.
    assert_eq!(whole.len(), 8 * 4 + 6);
    whole
}

#[test]
fn three_shards_in_one_shared_folder_plus_merge_equal_one_unsharded_run() {
    let wd = Workdir::new();
    wd.write("spec.toml", spec());
    let shards: Vec<Child> =
        ["0/3", "1/3", "2/3"].iter().map(|k| spawn(&wd, &["spec.toml", "-q", "--shard", k], &[])).collect();
    let said: Vec<String> = shards.into_iter().map(wait_ok).collect();
    assert!(said[0].contains("shard 0/3: 3 of 8 runs"), "{}", said[0]);
    assert!(said[2].contains("shard 2/3: 2 of 8 runs"), "{}", said[2]);
    // Whichever shard finished last found every run complete and wrote the summary.
    assert!(wd.out().join("summary.csv").exists());
    let merged = wd.run(&["merge", OUT]);
    merged.expect_success();
    assert!(merged.stdout.contains("8 runs merged (0 copied in)"), "{}", merged.stdout);
    assert_eq!(common::records(&wd, OUT), whole(&wd));
    assert!(wd.out().join("report.md").exists() && wd.out().join("figures").is_dir());
}

#[test]
fn shards_from_job_array_variables_in_separate_folders_merge_into_one_run() {
    let wd = Workdir::new();
    wd.write("spec.toml", spec());
    // Slurm arrays numbered 1..3 (SLURM_ARRAY_TASK_MIN = 1), and one Kubernetes-style index.
    let slurm = |id: &'static str, out: &str| {
        let set = format!("experiment.output=\"{out}\"");
        spawn(
            &wd,
            &["spec.toml", "-q", "--set", &set],
            &[("SLURM_ARRAY_TASK_ID", id), ("SLURM_ARRAY_TASK_MIN", "1"), ("SLURM_ARRAY_TASK_COUNT", "4")],
        )
    };
    let kube = spawn(
        &wd,
        &["spec.toml", "-q", "--set", "experiment.output=\"part3\""],
        &[("JOB_COMPLETION_INDEX", "3"), ("BATCHLAB_SHARDS", "4")],
    );
    let children = vec![slurm("1", "part0"), slurm("2", "part1"), slurm("3", "part2"), kube];
    let said: Vec<String> = children.into_iter().map(wait_ok).collect();
    assert!(said[1].contains("shard 1/4 (from SLURM_ARRAY_TASK_ID)"), "{}", said[1]);
    assert!(said[3].contains("shard 3/4 (from JOB_COMPLETION_INDEX)"), "{}", said[3]);
    assert!(
        said[0].contains("2 of 8 runs complete; when every shard is done: batchlab merge"),
        "{}",
        said[0]
    );

    let merged = wd.run(&["merge", "part0", "part1", "part2", "part3", "--into", "merged"]);
    merged.expect_success();
    assert!(merged.stdout.contains("8 runs merged (8 copied in)"), "{}", merged.stdout);
    assert_eq!(common::records(&wd, "merged"), whole(&wd));
}

#[test]
fn merge_refuses_missing_shards_and_different_specs_and_writes_nothing() {
    let wd = Workdir::new();
    wd.write("spec.toml", spec());
    for (k, out) in [("0/2", "a"), ("1/2", "b")] {
        let set = format!("experiment.output=\"{out}\"");
        wd.run(&["spec.toml", "-q", "--shard", k, "--set", &set]).expect_success();
    }
    let missing = wd.run(&["merge", "a", "--into", "m"]);
    missing.expect_code(2);
    assert!(
        missing.stderr.contains("4 of 8 runs are missing") && missing.stderr.contains("(index 1)"),
        "{}",
        missing.stderr
    );
    assert!(!wd.join("m").exists());

    wd.run(&["spec.toml", "-q", "--set", "experiment.output=\"c\"", "--set", "training.epochs=2"])
        .expect_success();
    let different = wd.run(&["merge", "a", "c", "--into", "m"]);
    different.expect_code(2);
    assert!(different.stderr.contains("different specs"), "{}", different.stderr);
    assert!(!wd.join("m").exists());
}

#[test]
fn a_shard_refuses_force_and_the_landscape() {
    let wd = Workdir::new();
    wd.write("spec.toml", spec());
    let forced = wd.run(&["spec.toml", "--shard", "0/2", "--force"]);
    forced.expect_code(2);
    assert!(forced.stderr.contains("delete the runs of the others"), "{}", forced.stderr);
    let landscape = wd.run(&["spec.toml", "--shard", "0/2", "--set", "landscape.enabled=true"]);
    landscape.expect_code(2);
    assert!(
        landscape.stderr.contains("key `landscape.enabled`")
            && landscape.stderr.contains("cannot be sharded")
    );
    let bad = wd.run(&["spec.toml", "--shard", "2/2"]);
    bad.expect_code(2);
    assert!(bad.stderr.contains("0 <= K < N"), "{}", bad.stderr);
    assert!(!wd.out().exists());
}
