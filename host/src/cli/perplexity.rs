//! `mote perplexity`: perplexity of a text file, computed as
//! `llama-perplexity` computes it (tools/perplexity/perplexity.cpp,
//! `perplexity()` without `--ppl-stride`):
//!
//! - the file is read whole, one trailing newline dropped (as `-f` does), and
//!   tokenized with BOS/EOS per metadata, special tokens not parsed;
//! - it is cut into `len / n_ctx` chunks of `n_ctx` tokens; each chunk is
//!   evaluated alone from an empty cache, its first token replaced by BOS if
//!   the model adds BOS;
//! - only the second half is scored: the logits at positions
//!   `n_ctx/2 .. n_ctx-1` against the next token, `-log softmax` summed in
//!   f64 (softmax sum of f32 `expf` in f64, as llama.cpp), and
//!   `ppl = exp(nll / count)`.

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{bail, Context};

use super::run::{load_llm, pool, LlmState};
use super::ThreadsArg;

/// Perplexity of a text file, as llama-perplexity computes it.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The GGUF model.
    #[arg(short = 'm', long = "model", value_name = "MODEL")]
    pub model: PathBuf,
    /// The text file.
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub file: PathBuf,
    /// Tokens per chunk.
    #[arg(short = 'c', long = "ctx-size", default_value_t = 512, value_parser = clap::value_parser!(u32).range(4..))]
    pub ctx: u32,
    /// Evaluate at most this many chunks (default: all).
    #[arg(long = "chunks")]
    pub chunks: Option<usize>,
    /// One JSON object on stdout.
    #[arg(long)]
    pub json: bool,
    /// Threads.
    #[command(flatten)]
    pub threads: ThreadsArg,
}

/// The result of a perplexity run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Perplexity {
    /// exp(mean negative log-likelihood).
    pub ppl: f64,
    /// Chunks evaluated.
    pub chunks: usize,
    /// Tokens per chunk.
    pub n_ctx: usize,
}

/// Computes the perplexity of `text` under the model at `model_path`.
pub fn perplexity(
    model_path: &std::path::Path,
    text: &str,
    n_ctx: usize,
    max_chunks: Option<usize>,
    threads: usize,
    progress: bool,
) -> anyhow::Result<Perplexity> {
    let llm = load_llm(model_path)?;
    let exec = pool(threads)?;
    let text = text.strip_suffix('\n').unwrap_or(text);
    let tokens = llm.encode(text, true, false)?;
    if tokens.len() < 2 * n_ctx {
        bail!(
            "the text tokenizes to {} tokens; a context of {n_ctx} needs at least {}",
            tokens.len(),
            2 * n_ctx
        );
    }
    let n_chunk = (tokens.len() / n_ctx).min(max_chunks.unwrap_or(usize::MAX));
    let first = n_ctx / 2;
    let n_vocab = llm.model.config.n_vocab;
    let mut st = LlmState::new(&llm, n_ctx, n_ctx)?;
    // (n_ctx - first, n_vocab) logits of the scored half.
    let mut logits = vec![0.0f32; (n_ctx - first) * n_vocab];
    let bos = llm.bos_for_prompt();
    let mut nll = 0.0f64;
    let mut count = 0usize;
    for i in 0..n_chunk {
        let t = Instant::now();
        let mut chunk = tokens[i * n_ctx..(i + 1) * n_ctx].to_vec();
        if let Some(b) = bos {
            chunk[0] = b;
        }
        st.reset();
        // The first half only fills the cache; its logits are not scored.
        st.forward(&llm, &chunk[..first], &exec)?;
        st.forward_all(&llm, &chunk[first..], &mut logits, &exec)?;
        for (k, row) in logits
            .chunks_exact(n_vocab)
            .take(n_ctx - 1 - first)
            .enumerate()
        {
            let next = tokens[i * n_ctx + first + k + 1] as usize;
            nll -= log_softmax(row, next);
            count += 1;
        }
        if progress {
            eprint!(
                "[{}]{:.4} ({:.1}s) ",
                i + 1,
                (nll / count as f64).exp(),
                t.elapsed().as_secs_f64()
            );
        }
    }
    if progress {
        eprintln!();
    }
    Ok(Perplexity {
        ppl: (nll / count as f64).exp(),
        chunks: n_chunk,
        n_ctx,
    })
}

/// `log softmax(row)[tok]` as llama-perplexity computes it.
fn log_softmax(row: &[f32], tok: usize) -> f64 {
    let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let sum: f64 = row.iter().map(|&l| f64::from((l - max).exp())).sum();
    f64::from(row[tok] - max) - sum.ln()
}

/// Runs the command.
pub fn run(args: Args) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(&args.file)
        .with_context(|| format!("reading {}", args.file.display()))?;
    let p = perplexity(
        &args.model,
        &text,
        args.ctx as usize,
        args.chunks,
        args.threads.get(),
        !args.json,
    )?;
    let mut out = std::io::stdout().lock();
    if args.json {
        let v = serde_json::json!({"ppl": p.ppl, "chunks": p.chunks, "n_ctx": p.n_ctx});
        writeln!(out, "{v}")?;
    } else {
        writeln!(
            out,
            "perplexity: {:.4} over {} chunks of {} tokens",
            p.ppl, p.chunks, p.n_ctx
        )?;
    }
    Ok(())
}
