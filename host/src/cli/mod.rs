//! The `mote` command line: one file per subcommand.
//!
//! Adding a command takes three lines here: a `mod` line, a variant in
//! [`Command`] and an arm in [`Command::run`]. Each command file holds
//! `pub struct Args` (clap derive) and `pub fn run(args: Args) -> anyhow::Result<()>`;
//! the doc comment on `Args` is the command's help (first line: the summary
//! `mote --help` lists; the rest: what `mote <command> --help` adds). Leave the
//! variant without a doc comment, which would replace it.
//!
//! Conventions every command follows:
//! - errors are returned, never printed or panicked: `main` prints them as one
//!   line, `mote: error: ...`, and exits with code 1;
//! - output goes through `std::io::stdout().lock()` with `writeln!` (not
//!   `println!`, which panics when the reader of a pipe goes away);
//! - `--json` prints one JSON object per line;
//! - compute commands take `-t/--threads` by flattening [`ThreadsArg`].

use clap::{Parser, Subcommand};

pub mod bench;
pub mod chat;
pub mod classify;
pub mod convert;
pub mod embed;
pub mod inspect;
pub mod perplexity;
pub mod quantize;
pub mod run;
pub mod tokenize;

/// mote runs quantized transformer models (GGUF) on small machines.
#[derive(Debug, Parser)]
#[command(name = "mote", version, propagate_version = true)]
#[command(arg_required_else_help = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands, one per file in `host/src/cli/`.
#[derive(Debug, Subcommand)]
pub enum Command {
    Inspect(inspect::Args),
    Tokenize(tokenize::Args),
    Quantize(quantize::Args),
    Run(run::Args),
    Chat(chat::Args),
    Bench(bench::Args),
    Perplexity(perplexity::Args),
    Convert(convert::Args),
    Embed(embed::Args),
    Classify(classify::Args),
}

impl Command {
    /// Runs the chosen command.
    pub fn run(self) -> anyhow::Result<()> {
        match self {
            Command::Inspect(args) => inspect::run(args),
            Command::Tokenize(args) => tokenize::run(args),
            Command::Quantize(args) => quantize::run(args),
            Command::Run(args) => run::run(args),
            Command::Chat(args) => chat::run(args),
            Command::Bench(args) => bench::run(args),
            Command::Perplexity(args) => perplexity::run(args),
            Command::Convert(args) => convert::run(args),
            Command::Embed(args) => embed::run(args),
            Command::Classify(args) => classify::run(args),
        }
    }
}

/// `-t/--threads N`, shared by every command that computes.
#[derive(Debug, Clone, Copy, clap::Args)]
pub struct ThreadsArg {
    /// Worker threads (default: all available cores).
    #[arg(short = 't', long = "threads", value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub threads: Option<u16>,
}

impl ThreadsArg {
    /// The number of threads to use: the flag, or every core the OS gives us.
    pub fn get(self) -> usize {
        match self.threads {
            Some(n) => usize::from(n),
            None => std::thread::available_parallelism().map_or(1, |n| n.get()),
        }
    }
}

/// Whether an error (anywhere in its chain) is a closed stdout pipe, as when
/// the output is piped into `head`: not a failure worth reporting.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    use std::io::ErrorKind::BrokenPipe;
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == BrokenPipe)
            || e.downcast_ref::<serde_json::Error>()
                .and_then(serde_json::Error::io_error_kind)
                == Some(BrokenPipe)
    })
}

/// Renders an error and its causes on one line: `outer: inner: innermost`.
pub fn one_line(err: &anyhow::Error) -> String {
    format!("{err:#}").replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn every_command_has_help() {
        for sub in Cli::command().get_subcommands() {
            assert!(
                sub.get_about().is_some(),
                "{} has no help text",
                sub.get_name()
            );
        }
    }

    #[test]
    fn threads_flag_parses_and_rejects_zero() {
        #[derive(Debug, Parser)]
        struct T {
            #[command(flatten)]
            threads: ThreadsArg,
        }
        assert_eq!(
            T::try_parse_from(["t", "-t", "3"]).unwrap().threads.get(),
            3
        );
        assert_eq!(
            T::try_parse_from(["t", "--threads", "2"])
                .unwrap()
                .threads
                .get(),
            2
        );
        assert!(T::try_parse_from(["t", "-t", "0"]).is_err());
        assert!(T::try_parse_from(["t"]).unwrap().threads.get() >= 1);
    }

    #[test]
    fn one_line_joins_causes() {
        let e = anyhow::anyhow!("inner\nsecond line").context("outer");
        assert_eq!(one_line(&e), "outer: inner second line");
    }
}
