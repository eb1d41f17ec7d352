//! `mote bench`: prompt processing and generation speed, measured the way
//! `llama-bench` measures them.
//!
//! pp: `-p` random tokens (BOS first when the model adds one) in one batch
//! into an empty cache. tg: `-n` tokens one at a time into an empty cache,
//! computing logits each time. One warm-up run of each, then `-r`
//! repetitions; the reported rate is the mean of the per-run rates, as
//! llama-bench's `avg_ts`.

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use mote_core::sample::Rng;

use super::run::{load_llm, pool, LlmState};
use super::ThreadsArg;

/// Measure prefill (pp) and decode (tg) speed like llama-bench.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The GGUF model.
    #[arg(short = 'm', long = "model", value_name = "MODEL")]
    pub model: PathBuf,
    /// Prompt tokens for the prefill test (0 skips it).
    #[arg(short = 'p', long = "n-prompt", default_value_t = 128)]
    pub n_prompt: usize,
    /// Tokens for the generation test (0 skips it).
    #[arg(short = 'n', long = "n-gen", default_value_t = 64)]
    pub n_gen: usize,
    /// Repetitions of each test.
    #[arg(short = 'r', long = "repetitions", default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..))]
    pub reps: u32,
    /// One JSON object on stdout.
    #[arg(long)]
    pub json: bool,
    /// Threads.
    #[command(flatten)]
    pub threads: ThreadsArg,
}

/// Runs the benchmark.
pub fn run(args: Args) -> anyhow::Result<()> {
    let llm = load_llm(&args.model)?;
    let threads = args.threads.get();
    let exec = pool(threads)?;
    let ctx = args.n_prompt.max(args.n_gen).max(1);
    let mut st = LlmState::new(&llm, ctx, args.n_prompt.max(1))?;
    let n_vocab = llm.model.config.n_vocab;
    // llama-bench draws tokens with std::rand(); any fixed sequence will do.
    let mut rng = Rng::new(1);
    let mut random_token = || rng.next_u32() % n_vocab as u32;
    let first_token = |r: &mut dyn FnMut() -> u32| match llm.bos_for_prompt() {
        Some(b) => b,
        None => r(),
    };

    let mut pp_rates = Vec::new();
    let mut tg_rates = Vec::new();
    for rep in 0..=args.reps {
        // Rep 0 is the warm-up.
        if args.n_prompt > 0 {
            let mut ids = vec![first_token(&mut random_token)];
            ids.extend((1..args.n_prompt).map(|_| random_token()));
            st.reset();
            let t = Instant::now();
            st.forward(&llm, &ids, &exec)?;
            let s = t.elapsed().as_secs_f64();
            if rep > 0 {
                pp_rates.push(args.n_prompt as f64 / s);
            }
        }
        if args.n_gen > 0 {
            st.reset();
            let mut tok = first_token(&mut random_token);
            let t = Instant::now();
            for _ in 0..args.n_gen {
                st.forward(&llm, &[tok], &exec)?;
                tok = random_token();
            }
            let s = t.elapsed().as_secs_f64();
            if rep > 0 {
                tg_rates.push(args.n_gen as f64 / s);
            }
        }
    }
    let pp = mean(&pp_rates);
    let tg = mean(&tg_rates);
    let name = args.model.file_name().map_or_else(
        || args.model.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let mut out = std::io::stdout().lock();
    if args.json {
        let v = serde_json::json!({
            "model": name,
            "threads": threads,
            "n_prompt": args.n_prompt,
            "n_gen": args.n_gen,
            "pp_tok_s": pp,
            "tg_tok_s": tg,
        });
        writeln!(out, "{v}").context("writing the result")?;
    } else {
        writeln!(out, "| model | threads | test | t/s |")?;
        writeln!(out, "| --- | ---: | --- | ---: |")?;
        if let Some(pp) = pp {
            writeln!(
                out,
                "| {name} | {threads} | pp{} | {pp:.2} ± {:.2} |",
                args.n_prompt,
                stddev(&pp_rates)
            )?;
        }
        if let Some(tg) = tg {
            writeln!(
                out,
                "| {name} | {threads} | tg{} | {tg:.2} ± {:.2} |",
                args.n_gen,
                stddev(&tg_rates)
            )?;
        }
    }
    Ok(())
}

fn mean(v: &[f64]) -> Option<f64> {
    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
}

fn stddev(v: &[f64]) -> f64 {
    let Some(m) = mean(v) else { return 0.0 };
    if v.len() < 2 {
        return 0.0;
    }
    (v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (v.len() - 1) as f64).sqrt()
}
