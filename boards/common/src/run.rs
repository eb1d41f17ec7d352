//! `classify` and `generate` on a board: map the model, plan, check the
//! plan against the board's budget, then run with the board's threads.

use std::io::{BufRead, Write};
use std::time::Instant;

use anyhow::Context;
use mote_core::gguf::Gguf;
use mote_core::model::bert::Bert;
use mote_core::sample::{Candidate, Sampler, SamplerParams};
use mote_core::tokenizer::{self, Bpe, Tokenizer, Utf8Stream};
use mote_host::cli::run::{context_size, load_llm, rate, LlmState};
use mote_host::mmap::Mapped;
use mote_host::pool::ThreadPool;

use crate::board::{Board, MIB};
use crate::budget::Budget;
use crate::cli::{ClassifyArgs, GenerateArgs};

/// Classifies each stdin line: `{"text","label","score"}` with `--json`,
/// `label<TAB>score<TAB>text` without.
pub fn classify(board: &Board, budget: &Budget, args: ClassifyArgs) -> anyhow::Result<()> {
    let file = Mapped::open(&args.model)?;
    let g = Gguf::parse(&file).with_context(|| format!("reading {}", args.model.display()))?;
    let bert = Bert::from_gguf(&g).context("loading the BERT model")?;
    let n_labels = bert.n_labels();
    anyhow::ensure!(
        n_labels > 0,
        "{} has no classification head",
        args.model.display()
    );
    let max_seq = args.max_seq.min(bert.config.n_ctx);
    let plan = bert.plan(max_seq, 1).context("planning")?;
    let tok_bytes = Tokenizer::scratch_bytes(&g).context("sizing the tokenizer")?;
    let need = plan.bytes.saturating_add(tok_bytes) as u64;
    budget.check(
        board,
        &format!("classification of sentences up to {max_seq} tokens"),
        need,
    )?;
    warn_ram(board, budget, file.len() as u64, need);
    report_plan(board, budget, file.len() as u64, need);

    let mut tok_scratch = vec![0u8; tok_bytes];
    let tok = Tokenizer::from_gguf(&g, &mut tok_scratch).context("building the tokenizer")?;
    let mut scratch = vec![0u8; plan.bytes];
    let pool = ThreadPool::new(args.threads.unwrap_or(board.threads))?;
    let mut ids = vec![0u32; max_seq];
    let mut probs = vec![0f32; n_labels];
    let mut out = std::io::stdout().lock();
    for line in std::io::stdin().lock().lines() {
        let text = line.context("reading stdin")?;
        let n = tok.encode(&text, &mut ids).context("tokenizing")?;
        let sentence = ids.get(..n).unwrap_or(&ids);
        bert.classify(&[sentence], &mut scratch, &pool, &mut probs)
            .context("classifying")?;
        let (best, score) = probs
            .iter()
            .copied()
            .enumerate()
            .fold((0, f32::MIN), |a, (i, p)| if p > a.1 { (i, p) } else { a });
        let label = bert.label(best).unwrap_or("?");
        if args.json {
            let obj = serde_json::json!({"text": text, "label": label, "score": score});
            writeln!(out, "{obj}")?;
        } else {
            writeln!(out, "{label}\t{score:.6}\t{text}")?;
        }
    }
    Ok(())
}

/// Generates `-n` tokens greedily after the prompt; streams the text, or
/// with `--json` ends with `{"prompt_ids","ids","text"}` as `mote run --json`.
pub fn generate(board: &Board, budget: &Budget, args: GenerateArgs) -> anyhow::Result<()> {
    let llm = load_llm(&args.model)?;
    let ctx = context_size(&llm, Some(args.ctx))?;
    let prompt_ids = llm.encode(&args.prompt, true, true)?;
    anyhow::ensure!(!prompt_ids.is_empty(), "the prompt is empty");
    anyhow::ensure!(
        prompt_ids.len() + args.n_predict <= ctx,
        "prompt ({} tokens) + {} to generate exceed the context of {ctx} (raise -c)",
        prompt_ids.len(),
        args.n_predict
    );
    let batch = prompt_ids.len().min(512);
    let plan = llm.model.plan(ctx, batch).context("planning")?;
    let vocab = tokenizer::gguf_vocab(&llm.gguf).context("reading the vocabulary")?;
    let need = (plan.arena_bytes as u64).saturating_add(Bpe::scratch_bytes(&vocab) as u64);
    budget.check(
        board,
        &format!("generation with a {ctx}-token context"),
        need,
    )?;
    let file_bytes = std::fs::metadata(&args.model).map_or(0, |m| m.len());
    warn_ram(board, budget, file_bytes, need);
    report_plan(board, budget, file_bytes, need);

    let pool = ThreadPool::new(args.threads.unwrap_or(board.threads))?;
    let mut st = LlmState::new(&llm, ctx, batch)?;
    let mut sampler = Sampler::new(SamplerParams::greedy(), 0);
    let mut cands = vec![Candidate::default(); llm.model.config.n_vocab];
    let mut out = std::io::stdout().lock();
    let t = Instant::now();
    st.forward(&llm, &prompt_ids, &pool)?;
    let prefill_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let mut decoded = 0usize;
    let mut history = prompt_ids.clone();
    let mut ids = Vec::new();
    let mut text = String::new();
    let mut utf8 = Utf8Stream::new();
    for i in 0..args.n_predict {
        let id = sampler.sample(&st.logits, &history, &mut cands)?;
        if llm.is_eog(id) {
            break;
        }
        ids.push(id);
        history.push(id);
        utf8.push(&llm.piece(id, true), &mut |s: &str| text.push_str(s));
        if i + 1 < args.n_predict {
            st.forward(&llm, &[id], &pool)?;
            decoded += 1;
        }
    }
    let decode_s = t.elapsed().as_secs_f64();
    utf8.finish(&mut |s: &str| text.push_str(s));
    if args.json {
        let v = serde_json::json!({"prompt_ids": prompt_ids, "ids": ids, "text": text});
        writeln!(out, "{v}")?;
    } else {
        writeln!(out, "{text}")?;
    }
    eprintln!(
        "{}: prefill {} tokens at {:.1} tok/s, decode {decoded} tokens at {:.1} tok/s",
        board.name,
        prompt_ids.len(),
        rate(prompt_ids.len(), prefill_s),
        rate(decoded, decode_s)
    );
    Ok(())
}

/// One stderr line with the memory a run takes (the README tables come from it).
fn report_plan(board: &Board, budget: &Budget, file_bytes: u64, arena_bytes: u64) {
    eprintln!(
        "{}: weights {:.1} MiB (mapped), arena {:.1} MiB of the board's {:.0} MiB budget",
        board.name,
        file_bytes as f64 / MIB as f64,
        arena_bytes as f64 / MIB as f64,
        budget.arena_bytes as f64 / MIB as f64
    );
}

/// Warns when weights + arena exceed the board's RAM: it still runs, with
/// the weights paged in from the file over and over.
fn warn_ram(board: &Board, budget: &Budget, file_bytes: u64, arena_bytes: u64) {
    if !budget.fits_ram(file_bytes, arena_bytes) {
        eprintln!(
            "{}: warning: weights ({} MiB) + arena ({} MiB) exceed the board's {} MiB of RAM; expect paging",
            board.name,
            file_bytes / MIB,
            arena_bytes / MIB,
            budget.ram_bytes / MIB
        );
    }
}
