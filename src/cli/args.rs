//! The command line (clap derive): `batchlab <spec>` runs a sweep; subcommands plan, run and friends. Every
//! numeric flag has a range, so nothing a user types reaches the library out of bounds.

use batchlab::plan::limits::parse_bytes;
use batchlab::plan::shard::Shard;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// Batch-size trade-off experiments: sweep batch sizes over the same network, data and initial weights,
/// and record what changes.
#[derive(Debug, Parser)]
#[command(name = "batchlab", version, args_conflicts_with_subcommands = true, arg_required_else_help = true)]
pub struct Cli {
    /// What to do; a bare spec path runs it.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Arguments of the default `run` command.
    #[command(flatten)]
    pub run: RunArgs,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a sweep (the default when a spec path is given).
    Run(RunArgs),
    /// Print the plan of a spec without training: every run, its updates per epoch and in total.
    Plan(SpecArgs),
    /// Time the peers' reference model at each batch size on one thread (see ../shared/peers).
    Bench(BenchArgs),
    /// Re-render the figures and report of a results folder from its saved records, without training.
    Plot(PlotArgs),
    /// Print the conclusions of a results folder (failed runs, the target, tuned learning rates, steps to the
    /// target with intervals, smoothness, generalisation, critical batch size) and write analysis.json,
    /// analysis.csv and analysis_runs.csv.
    Analyze(AnalyzeArgs),
    /// Combine the results folders of shards (or complete one shared folder): summary, figures, report.
    Merge(MergeArgs),
}

/// Which results folders to merge, and where.
#[derive(Debug, Clone, Args)]
pub struct MergeArgs {
    /// Results folders written by shards of one spec (one shared folder is fine too).
    #[arg(value_name = "RESULTS_DIR", required = true)]
    pub dirs: Vec<PathBuf>,
    /// The merged results folder (default: the first RESULTS_DIR).
    #[arg(long, value_name = "DIR")]
    pub into: Option<PathBuf>,
    /// Print only the results folder.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Which results folder to plot, and how.
#[derive(Debug, Clone, Args)]
pub struct PlotArgs {
    /// A results folder written by a sweep, e.g. results/digits-sweep.
    #[arg(value_name = "RESULTS_DIR")]
    pub dir: PathBuf,
    /// Override a figure setting for this rendering, e.g. `--set plots.learning_rates=all` (repeatable;
    /// only plots.* keys; same checks as the spec).
    #[arg(long = "set", value_name = "plots.KEY=VALUE")]
    pub overrides: Vec<String>,
}

/// Which results folder to analyse.
#[derive(Debug, Clone, Args)]
pub struct AnalyzeArgs {
    /// A results folder written by a sweep, e.g. results/digits-sweep.
    #[arg(value_name = "RESULTS_DIR")]
    pub dir: PathBuf,
}

/// Which spec, with what overrides.
#[derive(Debug, Clone, Args)]
pub struct SpecArgs {
    /// The experiment spec (TOML).
    #[arg(value_name = "SPEC")]
    pub spec: Option<PathBuf>,
    /// Override a spec value, e.g. `--set training.epochs=5` (repeatable; same checks as the file).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub overrides: Vec<String>,
}

/// How to run a sweep.
#[derive(Debug, Clone, Args)]
pub struct RunArgs {
    /// The spec and overrides.
    #[command(flatten)]
    pub spec: SpecArgs,
    /// Print the plan and stop, like the `plan` subcommand.
    #[arg(long)]
    pub dry_run: bool,
    /// Replace the results of a different spec in the output folder.
    #[arg(long, conflicts_with = "resume")]
    pub force: bool,
    /// Skip every run whose folder is complete and whose configuration hash matches; run the rest.
    #[arg(long)]
    pub resume: bool,
    /// Run only the configurations whose plan index is K mod N (default: from SLURM_ARRAY_TASK_ID and
    /// SLURM_ARRAY_TASK_COUNT, or JOB_COMPLETION_INDEX and BATCHLAB_SHARDS).
    #[arg(long, value_name = "K/N", value_parser = Shard::parse)]
    pub shard: Option<Shard>,
    /// Refuse a sweep whose memory estimate exceeds this many bytes (suffixes K, M, G, T: powers of
    /// 1024); default: the machine's available memory.
    #[arg(long, value_name = "BYTES", value_parser = parse_bytes)]
    pub max_memory: Option<u64>,
    /// Worker threads (default: RAYON_NUM_THREADS, else one per core).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub threads: Option<u16>,
    /// No progress bars and no summary table.
    #[arg(long, short)]
    pub quiet: bool,
}

/// How to benchmark.
#[derive(Debug, Clone, Args)]
pub struct BenchArgs {
    /// Batch sizes, comma-separated, from 1 to 1437 (the full batch of the peers' training split).
    #[arg(long, value_delimiter = ',', default_values_t = [1u64, 32, 128, 1437],
          value_parser = clap::value_parser!(u64).range(1..=1437))]
    pub batch_sizes: Vec<u64>,
    /// Multiplies the peers' timed epochs (20 / 500 / 800 / 1000); e.g. 0.05 for a quick look (0 < s <= 100).
    #[arg(long, default_value_t = 1.0, value_parser = epoch_scale)]
    pub epoch_scale: f64,
    /// Measurements per batch size; the table shows the median (1 to 1000).
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..=1000))]
    pub repeats: u64,
}

/// A finite scale in (0, 100].
fn epoch_scale(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 && v <= 100.0 => Ok(v),
        _ => Err(format!("`{text}` is not a scale; allowed: a number above 0 and at most 100, e.g. 0.05")),
    }
}
