//! `ooc`: inspect, convert, reduce, multiply and plot array files bigger than memory.
//!
//! A thin layer over the workspace's crates: argument parsing (clap), format detection by
//! signature, progress bars, safe destinations, and printing. Each command lives in its
//! own module; what a command computes comes from the crates.
//!
//! Exit status: 0 on success, 1 when a file, its data or the system is at fault, 2 for a
//! command line that cannot work. Errors are one line on stderr naming the file.

mod convert;
mod dest;
mod failure;
mod gemv;
mod info;
mod open;
mod output;
mod progress;
mod source;
mod spy;
mod stats;

use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use ooc_core::{ByteOrder, DType, MemoryBudget, Par};

use crate::failure::{CliResult, EXIT_FAILURE};

/// Inspect, convert, reduce, multiply and plot array files bigger than memory.
///
/// Formats are told by their signature: numpy .npy and .npz, HDF5 (also .h5ad), and raw
/// files described with --dtype and --shape. A SOURCE is a path, or FILE.h5:/group/dataset
/// for a dataset or sparse group inside an HDF5 file.
#[allow(clippy::doc_markdown)] // doc comments are the --help text, shown verbatim
#[derive(Debug, Parser)]
#[command(name = "ooc", version, max_term_width = 100)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    #[command(flatten)]
    common: CommonArgs,
}

/// Options every command takes.
#[derive(Debug, Args)]
struct CommonArgs {
    /// Memory for buffers and scratch: 512MiB, 2GB, 1.5GiB, plain bytes.
    #[arg(long, global = true, default_value = "1GiB", value_parser = parse_budget)]
    budget: MemoryBudget,
    /// Worker threads (default: one per core).
    #[arg(long, global = true, value_parser = clap::value_parser!(u32).range(1..=4096))]
    threads: Option<u32>,
}

impl CommonArgs {
    /// `ooc-linalg` options with this budget and parallelism.
    fn options(&self) -> ooc_linalg::Options {
        ooc_linalg::Options::new()
            .with_budget(self.budget)
            .with_par(self.par())
    }

    /// The parallelism the user asked for.
    fn par(&self) -> Par {
        self.threads.map_or(Par::All, |n| Par::threads(n as usize))
    }
}

/// How to read a raw file, which has no header.
#[derive(Debug, Clone, Args)]
struct RawArgs {
    /// Element type of a raw file: f32, f64, i8..i64, u8..u64, c64, c128, or a numpy
    /// descriptor such as <f4.
    #[arg(long, value_parser = source::parse_dtype)]
    dtype: Option<(DType, ByteOrder)>,
    /// Shape of a raw file, e.g. 1000,100000.
    #[arg(long, value_parser = source::parse_shape)]
    shape: Option<source::Shape>,
    /// Bytes to skip at the start of a raw file.
    #[arg(long, default_value_t = 0)]
    offset: u64,
}

/// Options of the commands that write a file and report the run.
#[derive(Debug, Args)]
struct WriteArgs {
    /// Replace OUT if it exists.
    #[arg(long)]
    force: bool,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Describe a file: its format, arrays, shapes, types, layout and sizes.
    Info(info::InfoArgs),
    /// Count, sum, min, max and mean of an array, streamed under the memory budget.
    Stats(stats::StatsArgs),
    /// y = A·x, streamed under the memory budget; x and y are .npy files.
    Gemv(gemv::GemvArgs),
    /// Copy an array between .npy, raw and HDF5 files, block by block under the budget.
    Convert(convert::ConvertArgs),
    /// Draw where a sparse matrix has entries, as PNG or SVG.
    Spy(spy::SpyArgs),
}

fn parse_budget(text: &str) -> Result<MemoryBudget, String> {
    text.parse::<MemoryBudget>().map_err(|e| e.to_string())
}

fn run(cli: &Cli) -> CliResult {
    match &cli.command {
        Command::Info(args) => info::run(args, &cli.common),
        Command::Stats(args) => stats::run(args, &cli.common),
        Command::Gemv(args) => gemv::run(args, &cli.common),
        Command::Convert(args) => convert::run(args, &cli.common),
        Command::Spy(args) => spy::run(args, &cli.common),
    }
}

fn main() -> ExitCode {
    // A bug must still end as one line, not a backtrace.
    std::panic::set_hook(Box::new(|info| {
        let text = info.to_string().replace('\n', " ");
        eprintln!("ooc: internal error (please report it): {text}");
    }));
    dest::remove_temporaries_on_signals();
    // Past a file size limit (ulimit -f) a write must be the error EFBIG, reported like a
    // full disk, not death by SIGXFSZ with a partial file left behind.
    // SAFETY: setting a standard signal's disposition to "ignore" before any thread starts.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
    match std::panic::catch_unwind(|| run(&Cli::parse())) {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(failure)) => {
            eprintln!("ooc: {failure}");
            ExitCode::from(failure.exit_code())
        }
        Err(_) => ExitCode::from(EXIT_FAILURE),
    }
}
