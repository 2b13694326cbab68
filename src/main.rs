//! The binary's edge: parse the command line, call the library, print errors and map them to exit codes.

mod cli;

use anyhow::Context;
use batchlab::error::Error;
use batchlab::plan::limits::Limits;
use batchlab::plan::shard::{self, Shard};
use batchlab::sweep::{self, Finished, Options};
use batchlab::{peers, report};
use clap::Parser;
use cli::args::{AnalyzeArgs, BenchArgs, Cli, Command, MergeArgs, PlotArgs, RunArgs, SpecArgs};
use cli::{signal, terminal};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Some(Command::Run(args)) => run(&args),
        Some(Command::Plan(args)) => plan(&args),
        Some(Command::Bench(args)) => bench(&args),
        Some(Command::Plot(args)) => plot(&args),
        Some(Command::Merge(args)) => merge(&args),
        Some(Command::Analyze(args)) => analyze(&args),
        None => run(&cli.run),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            let error = e.downcast_ref::<Error>();
            if let Some(Error::Interrupted(_)) = error {
                eprintln!("resume with: {}", signal::resume_command(std::env::args()));
            }
            let code = error.map_or(1, Error::exit_code);
            ExitCode::from(u8::try_from(code).unwrap_or(1))
        }
    }
}

fn spec_path(args: &SpecArgs) -> anyhow::Result<&std::path::Path> {
    args.spec.as_deref().context("no spec given: batchlab <SPEC>, e.g. batchlab experiments/sweep.toml")
}

fn plan(args: &SpecArgs) -> anyhow::Result<()> {
    let prepared = sweep::prepare(spec_path(args)?, &args.overrides)?;
    print!("{}", terminal::plan_table(&prepared.plan));
    println!("estimate: {}", prepared.estimate);
    Ok(())
}

fn run(args: &RunArgs) -> anyhow::Result<()> {
    if args.dry_run {
        return plan(&args.spec);
    }
    let threads = args.threads.map_or_else(rayon::current_num_threads, usize::from);
    let limits = Limits::new(args.max_memory, threads);
    let prepared = sweep::prepare_with(spec_path(&args.spec)?, &args.spec.overrides, &limits)?;
    let restyle = !args.force && sweep::restyle_only(&prepared);
    if restyle {
        eprintln!(
            "the spec differs from the saved one only in [plots] or the description: keeping its complete runs"
        );
    }
    let options = Options { resume: args.resume || restyle, force: args.force, shard: shard(args)? };
    let output = sweep::prepare_output(&prepared, &options)?;
    let schedule = sweep::schedule(&prepared, &options);
    if let Some(shard) = options.shard {
        eprintln!("shard {shard}: {} of {} runs", schedule.mine, prepared.plan.runs.len());
    }
    if schedule.skipped > 0 {
        eprintln!("resume: {} runs complete, {} to run", schedule.skipped, schedule.todo.len());
    }
    let todo = batchlab::plan::Plan { runs: schedule.todo.clone(), ..prepared.plan.clone() };
    let progress = terminal::SweepProgress::new(&todo, args.quiet);
    let stop = signal::install();
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build()?;
    let finished = pool.install(|| sweep::run(&prepared, &schedule, stop, &progress));
    progress.finish();
    let summaries = match finished? {
        Finished::Complete(summaries) => summaries,
        Finished::Waiting { complete, total } => {
            println!(
                "{complete} of {total} runs complete; when every shard is done: batchlab merge {}",
                output.display()
            );
            return Ok(());
        }
    };
    let plotted = prepared.plan.settings.plots.enabled.then(|| report::plot(&output, None)).transpose()?;
    if !args.quiet {
        if let Some(report) = plotted {
            let md = output.join("report.md");
            println!(
                "report: {} ({} figures, rendered in {:.2} s)",
                md.display(),
                report.figures.len(),
                report.render_s
            );
        }
        print!("{}", terminal::summary_table(&summaries));
    }
    println!("results: {}", output.display());
    Ok(())
}

/// The shard from `--shard`, else from a job array's environment.
fn shard(args: &RunArgs) -> anyhow::Result<Option<Shard>> {
    if args.shard.is_some() {
        return Ok(args.shard);
    }
    let found = shard::from_env(|name| std::env::var(name).ok()).map_err(Error::Refused)?;
    if let Some((shard, var)) = found {
        eprintln!("shard {shard} (from {var})");
    }
    Ok(found.map(|(shard, _)| shard))
}

fn plot(args: &PlotArgs) -> anyhow::Result<()> {
    let plots = report::plots_with(&args.dir, &args.overrides)?;
    let report = report::plot(&args.dir, Some(&plots))?;
    for file in &report.files {
        println!("{}", file.display());
    }
    for (name, why) in &report.skipped {
        println!("{name} not drawn: {why}");
    }
    println!("{} figures rendered in {:.2} s", report.figures.len(), report.render_s);
    Ok(())
}

fn merge(args: &MergeArgs) -> anyhow::Result<()> {
    let merged = sweep::merge::merge(&args.dirs, args.into.as_deref())?;
    if merged.plan.settings.plots.enabled {
        let report = report::plot(&merged.output, None)?;
        if !args.quiet {
            println!(
                "report: {} ({} figures)",
                merged.output.join("report.md").display(),
                report.figures.len()
            );
        }
    }
    if !args.quiet {
        println!("{} runs merged ({} copied in)", merged.summaries.len(), merged.copied);
    }
    println!("results: {}", merged.output.display());
    Ok(())
}

fn analyze(args: &AnalyzeArgs) -> anyhow::Result<()> {
    let (analysis, files) = report::analyze(&args.dir)?;
    print!("{}", report::document::terminal(&analysis));
    for file in &files {
        println!("{}", file.display());
    }
    Ok(())
}

fn bench(args: &BenchArgs) -> anyhow::Result<()> {
    let sizes: Vec<(usize, u64)> = args
        .batch_sizes
        .iter()
        .map(|&b| {
            let b = usize::try_from(b).unwrap_or(usize::MAX);
            let peer = peers::PEER_EPOCHS.iter().find(|(p, _)| *p == b).map_or(100, |(_, e)| *e);
            (b, ((peer as f64 * args.epoch_scale).round() as u64).max(1))
        })
        .collect();
    let rows = peers::run(&sizes, args.repeats)?;
    let (net, _) = peers::reference_model()?;
    let gemm = peers::gemm_gflops(512, 20);
    print!("{}", peers::table(&rows, 1437, peers::flops_per_example(&net), gemm));
    Ok(())
}
