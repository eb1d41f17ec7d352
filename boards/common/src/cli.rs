//! The board binary's command line: `info`, `classify`, `generate`.
//!
//! Output follows the host CLI's JSON shapes (DESIGN.md) so tools/cross-test
//! can compare a board's output with `mote classify --json` / `mote run --json`
//! line by line.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::board::{Board, MIB};
use crate::budget::Budget;
use crate::cpu;

/// The board binary's arguments.
#[derive(Debug, Parser)]
#[command(version, arg_required_else_help = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The board binary's commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the board's CPU, threads and memory budget, and what the running CPU has.
    Info,
    /// Classify each line of stdin with a BERT classifier GGUF (one JSON object per line with --json).
    Classify(ClassifyArgs),
    /// Generate text from a prompt with a LLaMA-family GGUF (greedy).
    Generate(GenerateArgs),
}

/// `classify` arguments.
#[derive(Debug, clap::Args)]
pub struct ClassifyArgs {
    /// The classifier GGUF (e.g. MiniLM with the intent head).
    #[arg(short = 'm', long = "model")]
    pub model: PathBuf,
    /// Longest sentence in tokens (longer ones are truncated); sizes the arena.
    #[arg(long = "max-seq", default_value_t = 256)]
    pub max_seq: usize,
    /// Print one JSON object per line: {"text","label","score"}.
    #[arg(long)]
    pub json: bool,
    /// Worker threads (default: the board's core count).
    #[arg(short = 't', long = "threads")]
    pub threads: Option<usize>,
}

/// `generate` arguments.
#[derive(Debug, clap::Args)]
pub struct GenerateArgs {
    /// The decoder GGUF (e.g. SmolLM2-135M-Instruct.Q4_1.gguf).
    #[arg(short = 'm', long = "model")]
    pub model: PathBuf,
    /// The prompt.
    #[arg(short = 'p', long = "prompt")]
    pub prompt: String,
    /// Tokens to generate.
    #[arg(short = 'n', long = "n-predict", default_value_t = 32)]
    pub n_predict: usize,
    /// Context length (prompt + generated tokens) the KV cache is sized for.
    #[arg(short = 'c', long = "ctx", default_value_t = 512)]
    pub ctx: usize,
    /// End with one JSON object: {"prompt_ids","ids","text"}.
    #[arg(long)]
    pub json: bool,
    /// Worker threads (default: the board's core count).
    #[arg(short = 't', long = "threads")]
    pub threads: Option<usize>,
}

/// Runs the board binary: parses arguments, runs the command, prints errors
/// as one line (`rpi4: error: ...`) with exit code 1.
pub fn main(board: &Board) -> ExitCode {
    let cli = Cli::parse();
    match run(board, cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!(
                "{}: error: {}",
                board.name,
                format!("{e:#}").replace('\n', " ")
            );
            ExitCode::FAILURE
        }
    }
}

fn run(board: &Board, command: Command) -> anyhow::Result<()> {
    let missing = cpu::missing_features(board.cpu_features);
    if !missing.is_empty() {
        eprintln!(
            "{}: warning: this CPU lacks {} (the board has them); the portable kernels will run instead",
            board.name,
            missing.join(", ")
        );
    }
    match command {
        Command::Info => info(board),
        Command::Classify(args) => crate::run::classify(board, &Budget::of(board), args),
        Command::Generate(args) => crate::run::generate(board, &Budget::of(board), args),
    }
}

fn info(board: &Board) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "board:        {} — {}", board.name, board.device)?;
    writeln!(out, "target:       {}", board.target)?;
    writeln!(out, "threads:      {}", board.threads)?;
    writeln!(out, "RAM:          {} MiB", board.ram_bytes / MIB)?;
    writeln!(out, "arena budget: {} MiB", board.arena_budget_bytes / MIB)?;
    let have: Vec<&str> = board
        .cpu_features
        .iter()
        .copied()
        .filter(|f| cpu::has_feature(f))
        .collect();
    writeln!(
        out,
        "CPU features: board has [{}], running CPU has [{}]",
        board.cpu_features.join(", "),
        have.join(", ")
    )?;
    writeln!(
        out,
        "kernels:      {}",
        mote_core::kernels::table().isa.name()
    )?;
    Ok(())
}

/// Whether an error (anywhere in its chain) is a closed stdout pipe.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
