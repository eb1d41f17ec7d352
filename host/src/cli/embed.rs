//! `mote embed -m MODEL [--json] [TEXT ...]`: sentence embeddings.
//!
//! Also holds what `mote classify` shares with it: loading a BERT GGUF with
//! its tokenizer, reading texts from arguments or stdin, and running them
//! through the encoder in batches.

use std::io::{BufRead, Write};
use std::path::PathBuf;

use anyhow::{Context, Result};
use mote_core::gguf::Gguf;
use mote_core::model::Bert;
use mote_core::tokenizer::Tokenizer;

use super::ThreadsArg;
use crate::mmap::Mapped;
use crate::pool::ThreadPool;

/// Sentences per forward pass: enough to keep every weight row busy over
/// many tokens, few enough that the scratch stays small.
pub const BATCH: usize = 32;

/// Print sentence embeddings (BERT-family GGUF)
///
/// Prints one sentence embedding per text: pooled as the model says (mean
/// unless its metadata says CLS) and L2-normalized. Texts come from the
/// arguments, or one per line from stdin when there are none.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The BERT model (GGUF).
    #[arg(short = 'm', long = "model", value_name = "MODEL")]
    pub model: PathBuf,
    /// One JSON object per text: {"text","embedding":[...]}.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub threads: ThreadsArg,
    /// Texts to embed (default: one per line from stdin).
    #[arg(value_name = "TEXT")]
    pub texts: Vec<String>,
}

/// The texts to process: the arguments, or stdin's lines.
pub fn read_texts(args: Vec<String>) -> Result<Vec<String>> {
    if !args.is_empty() {
        return Ok(args);
    }
    let mut texts = Vec::new();
    for line in std::io::stdin().lock().lines() {
        texts.push(line.context("reading stdin")?);
    }
    Ok(texts)
}

/// A mapped BERT model file; [`Loaded::with`] gives its parsed views.
pub struct Loaded {
    map: Mapped,
}

impl Loaded {
    /// Maps the file.
    pub fn open(path: &std::path::Path) -> Result<Self> {
        Ok(Loaded {
            map: Mapped::open(path)?,
        })
    }

    /// Parses the file and runs `f` with the model and the tokenized texts.
    pub fn with<R>(
        &self,
        texts: &[String],
        f: impl FnOnce(&Bert<'_>, &[Vec<u32>]) -> Result<R>,
    ) -> Result<R> {
        let g = Gguf::parse(self.map.bytes()).map_err(|e| anyhow::anyhow!("{e}"))?;
        let bert = Bert::from_gguf(&g).map_err(|e| anyhow::anyhow!("{e}"))?;
        let mut tok_scratch =
            vec![0u8; Tokenizer::scratch_bytes(&g).map_err(|e| anyhow::anyhow!("{e}"))?];
        let tok = Tokenizer::from_gguf(&g, &mut tok_scratch).map_err(|e| anyhow::anyhow!("{e}"))?;
        let max = bert.config.max_seq;
        let mut buf = vec![0u32; max];
        let mut ids = Vec::with_capacity(texts.len());
        for t in texts {
            let n = tok
                .encode(t, &mut buf)
                .map_err(|e| anyhow::anyhow!("tokenizing {t:?}: {e}"))?;
            ids.push(buf.get(..n).unwrap_or(&[]).to_vec());
        }
        f(&bert, &ids)
    }
}

/// Runs `ids` through `run` in batches of [`BATCH`] with one scratch buffer
/// sized once for the longest input; `per` values per sentence land in the
/// returned vector.
pub fn batched(
    bert: &Bert<'_>,
    ids: &[Vec<u32>],
    per: usize,
    threads: usize,
    run: impl Fn(
        &Bert<'_>,
        &[&[u32]],
        &mut [u8],
        &ThreadPool,
        &mut [f32],
    ) -> Result<(), mote_core::model::bert::Error>,
) -> Result<Vec<f32>> {
    let pool = ThreadPool::new(threads).context("starting threads")?;
    let longest = ids.iter().map(Vec::len).max().unwrap_or(1);
    let batch = ids.len().clamp(1, BATCH);
    let plan = bert
        .plan(longest, batch)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut scratch = vec![0u8; plan.bytes];
    let mut out = vec![0f32; ids.len() * per];
    for (chunk, o) in ids.chunks(BATCH).zip(out.chunks_mut(BATCH * per)) {
        let sentences: Vec<&[u32]> = chunk.iter().map(Vec::as_slice).collect();
        run(bert, &sentences, &mut scratch, &pool, o).map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    Ok(out)
}

/// Embeds the texts and prints them.
pub fn run(args: Args) -> Result<()> {
    let texts = read_texts(args.texts)?;
    let model = Loaded::open(&args.model)?;
    let threads = args.threads.get();
    let (dim, vectors) = model.with(&texts, |bert, ids| {
        let e = bert.config.n_embd;
        let v = batched(bert, ids, e, threads, |b, s, scratch, pool, out| {
            b.embed(s, scratch, pool, out)
        })?;
        Ok((e, v))
    })?;
    let mut out = std::io::stdout().lock();
    for (text, v) in texts.iter().zip(vectors.chunks_exact(dim.max(1))) {
        if args.json {
            let obj = serde_json::json!({ "text": text, "embedding": v });
            writeln!(out, "{obj}")?;
        } else {
            let nums: Vec<String> = v.iter().map(|x| format!("{x:.6}")).collect();
            writeln!(out, "{}", nums.join(" "))?;
        }
    }
    Ok(())
}
