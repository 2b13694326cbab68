//! The binary's edge: parse the command line, call the library, print errors and map them to exit codes.

use anyhow::Context;
use batchlab::cli::{BenchArgs, Cli, Command, PlotArgs, RunArgs, SpecArgs};
use batchlab::error::Error;
use batchlab::{analysis, experiment, render, terminal};
use clap::Parser;
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Some(Command::Run(args)) => run(&args),
        Some(Command::Plan(args)) => plan(&args),
        Some(Command::Bench(args)) => bench(&args),
        Some(Command::Plot(args)) => plot(&args),
        Some(Command::Analyze(args)) => analyze(&args),
        None => run(&cli.run),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            let code = e.downcast_ref::<Error>().map_or(1, Error::exit_code);
            ExitCode::from(u8::try_from(code).unwrap_or(1))
        }
    }
}

fn spec_path(args: &SpecArgs) -> anyhow::Result<&std::path::Path> {
    args.spec.as_deref().context("no spec given: batchlab <SPEC>, e.g. batchlab experiments/sweep.toml")
}

fn plan(args: &SpecArgs) -> anyhow::Result<()> {
    let prepared = experiment::prepare(spec_path(args)?, &args.overrides)?;
    print!("{}", terminal::plan_table(&prepared.plan));
    Ok(())
}

fn run(args: &RunArgs) -> anyhow::Result<()> {
    if args.dry_run {
        return plan(&args.spec);
    }
    let prepared = experiment::prepare(spec_path(&args.spec)?, &args.spec.overrides)?;
    let output = experiment::prepare_output(&prepared, args.force)?;
    let progress = terminal::SweepProgress::new(&prepared.plan, args.quiet);
    let stop = AtomicBool::new(false);
    let pool = rayon::ThreadPoolBuilder::new().num_threads(args.threads.unwrap_or(0)).build()?;
    let summaries = pool.install(|| experiment::run(&prepared, &stop, &progress));
    progress.finish();
    let summaries = summaries?;
    let plotted = prepared.plan.spec.plots.enabled.then(|| render::plot(&output, None)).transpose()?;
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

fn plot(args: &PlotArgs) -> anyhow::Result<()> {
    let report = render::plot(&args.dir, None)?;
    for file in &report.files {
        println!("{}", file.display());
    }
    println!("{} figures rendered in {:.2} s", report.figures.len(), report.render_s);
    Ok(())
}

fn analyze(args: &PlotArgs) -> anyhow::Result<()> {
    let (analysis, files) = render::analyze(&args.dir)?;
    print!("{}", analysis::text::terminal(&analysis));
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
            let peer = batchlab::bench::PEER_EPOCHS.iter().find(|(p, _)| *p == b).map_or(100, |(_, e)| *e);
            (b, ((peer as f64 * args.epoch_scale).round() as u64).max(1))
        })
        .collect();
    let rows = batchlab::bench::run(&sizes, args.repeats)?;
    let (net, _) = batchlab::bench::reference_model()?;
    let gemm = batchlab::bench::gemm_gflops(512, 20);
    print!("{}", batchlab::bench::table(&rows, 1437, batchlab::bench::flops_per_example(&net), gemm));
    Ok(())
}
