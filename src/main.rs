//! The binary's edge: parse the command line, call the library, print errors and map them to exit codes.

mod cli;

use batchlab::error::Error;
use batchlab::plan::limits::Limits;
use batchlab::plan::shard::{self, Shard};
use batchlab::schema::RunSummary;
use batchlab::sweep::{self, Finished, Options, Schedule};
use batchlab::{peers, report};
use clap::error::ErrorKind;
use clap::{CommandFactory, Parser};
use cli::args::{AnalyzeArgs, BenchArgs, Cli, Command, MergeArgs, PlotArgs, RunArgs, SpecArgs};
use cli::{signal, terminal};
use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    signal::default_sigpipe();
    let cli = Cli::parse();
    // A bad BATCHLAB_KERNELS stops the process here, before any work, rather than in the first kernel.
    let kernels = batchlab::nn::kernels::select().map_err(|e| Error::Refused(e.to_string()).into());
    let result = kernels.and_then(|_| match cli.command {
        Some(Command::Run(args)) => run(&args),
        Some(Command::Plan(args)) => plan(&args),
        Some(Command::Bench(args)) => bench(&args),
        Some(Command::Plot(args)) => plot(&args),
        Some(Command::Merge(args)) => merge(&args),
        Some(Command::Analyze(args)) => analyze(&args),
        None => run(&cli.run),
    });
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

/// The spec path; without one, clap's usage error (exit 2: bad input).
fn spec_path(args: &SpecArgs) -> &std::path::Path {
    match args.spec.as_deref() {
        Some(path) => path,
        None => Cli::command()
            .error(
                ErrorKind::MissingRequiredArgument,
                "no <SPEC> given, e.g. batchlab experiments/sweep.toml",
            )
            .exit(),
    }
}

fn plan(args: &SpecArgs) -> anyhow::Result<()> {
    let prepared = sweep::prepare(spec_path(args), &args.overrides)?;
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
    let prepared = sweep::prepare_with(spec_path(&args.spec), &args.spec.overrides, &limits)?;
    let restyle = !args.force && sweep::restyle_only(&prepared);
    if restyle {
        eprintln!(
            "the spec differs from the saved one only in [plots] or the description: keeping its complete runs"
        );
    }
    let options = Options { resume: args.resume || restyle, force: args.force, shard: shard(args)? };
    let output = sweep::prepare_output(&prepared, &options)?;
    let schedule = sweep::schedule(&prepared, &options);
    let stop = signal::install();
    let claims = sweep::claim(&prepared, &schedule)?;
    announce(&prepared, &schedule);
    let todo = batchlab::plan::Plan { runs: schedule.todo.clone(), ..prepared.plan.clone() };
    let progress = terminal::SweepProgress::new(&todo, args.quiet);
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build()?;
    let finished = pool.install(|| sweep::run(&prepared, &schedule, stop, &progress));
    progress.finish();
    let summaries = match finished? {
        Finished::Complete { summaries, warnings } => {
            warnings.iter().for_each(|w| eprintln!("warning: {w}"));
            summaries
        }
        Finished::Waiting { complete, total } => {
            drop(claims);
            println!("{}", waiting(&output, complete, total, &schedule)?);
            return Ok(());
        }
    };
    let plotted = if prepared.plan.settings.plots.enabled {
        signal::rendering(&output);
        Some(report::plot(&output, None)?)
    } else {
        for (variant, analysis) in report::analyze(&output)?.0 {
            analysis.warnings.iter().for_each(|w| eprintln!("warning: {}{w}", variant_prefix(&variant)));
        }
        None
    };
    plotted.iter().flat_map(|p| &p.warnings).for_each(|w| eprintln!("warning: {w}"));
    drop(claims); // before printing: a closed stdout ends the process at the first line
    closing(args.quiet, &output, plotted.as_ref(), &summaries);
    Ok(())
}

/// The closing lines on stdout: the report, the summary table (unless quiet) and the results folder.
fn closing(quiet: bool, output: &Path, plotted: Option<&report::PlotReport>, summaries: &[RunSummary]) {
    if !quiet {
        if let Some(report) = plotted {
            let md = output.join("report.md");
            let (figures, seconds) = (report.figures.len(), report.render_s);
            println!("report: {} ({figures} figures, rendered in {seconds:.2} s)", md.display());
        }
        print!("{}", terminal::summary_table(summaries));
    }
    println!("results: {}", output.display());
}

/// Says on stderr what this process will do: its shard, the runs `--resume` skips, the damaged runs it
/// recomputes.
fn announce(prepared: &sweep::Prepared, schedule: &Schedule) {
    if let Some(shard) = schedule.shard {
        eprintln!("shard {shard}: {} of {} runs", schedule.mine, prepared.plan.runs.len());
    }
    for (id, what) in &schedule.damaged {
        eprintln!("resume: run {id} is damaged ({what}); recomputing it");
    }
    if schedule.skipped > 0 {
        eprintln!("resume: {} runs complete, {} to run", schedule.skipped, schedule.todo.len());
    }
}

/// What a sweep that is done while runs of the plan are missing says: for a shard, the merge to run once
/// every shard is done; unsharded, it is an error (another process removed or damaged runs meanwhile).
fn waiting(output: &Path, complete: usize, total: usize, schedule: &Schedule) -> anyhow::Result<String> {
    let out = signal::quote(&output.display().to_string());
    let Some(shard) = schedule.shard else {
        anyhow::bail!(
            "only {complete} of {total} runs are complete in {out} after the sweep: runs were removed or \
             damaged meanwhile; run it again with --resume"
        );
    };
    let merge = if complete <= schedule.mine && shard.count > 1 {
        // Only this shard's runs are here: the shards write separate folders (or the others have not begun).
        format!(
            "batchlab merge {out} <the other shards' folders> --into DIR (or batchlab merge {out} if they \
             all write here)"
        )
    } else {
        format!("batchlab merge {out}")
    };
    Ok(format!("{complete} of {total} runs complete; when every shard is done: {merge}"))
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
    report.warnings.iter().for_each(|w| eprintln!("warning: {w}"));
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
    merged.warnings.iter().for_each(|w| eprintln!("warning: {w}"));
    if merged.plan.settings.plots.enabled {
        let report = report::plot(&merged.output, None)?;
        report.warnings.iter().for_each(|w| eprintln!("warning: {w}"));
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
    let (analyses, files) = report::analyze(&args.dir)?;
    for (variant, analysis) in &analyses {
        analysis.warnings.iter().for_each(|w| eprintln!("warning: {}{w}", variant_prefix(variant)));
        if !variant.is_empty() {
            println!("variant {variant}:");
        }
        print!("{}", report::conclusions::terminal(analysis));
    }
    for file in &files {
        println!("{}", file.display());
    }
    Ok(())
}

/// "name: " before a variant's warnings; nothing without variants.
fn variant_prefix(variant: &str) -> String {
    if variant.is_empty() { String::new() } else { format!("{variant}: ") }
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
