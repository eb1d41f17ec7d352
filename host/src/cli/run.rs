//! `mote run`: generate text from a prompt; and the model loading shared
//! by `chat`, `bench` and `perplexity`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use anyhow::{bail, Context};
use mote_core::exec::Executor;
use mote_core::gguf::Gguf;
use mote_core::model::llama::{Llama, LlamaState};
use mote_core::sample::{Candidate, Sampler, SamplerParams};
use mote_core::tokenizer::{self, Bpe, TokenType, Utf8Stream};

use super::ThreadsArg;
use crate::mmap::Mapped;
use crate::pool::ThreadPool;

/// Generate text from a prompt (LLaMA-family GGUF).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The GGUF model.
    #[arg(short = 'm', long = "model", value_name = "MODEL")]
    pub model: PathBuf,
    /// The prompt (special tokens such as `<|im_start|>` are parsed).
    #[arg(short = 'p', long = "prompt")]
    pub prompt: String,
    /// Tokens to generate (stops earlier at an end-of-generation token).
    #[arg(short = 'n', long = "n-predict", default_value_t = 128)]
    pub n_predict: usize,
    /// Context size in tokens (default: 4096, at most the trained context).
    #[arg(short = 'c', long = "ctx-size")]
    pub ctx: Option<usize>,
    /// Print one JSON object at the end instead of streaming text.
    #[arg(long)]
    pub json: bool,
    /// Sampling settings.
    #[command(flatten)]
    pub sampling: SamplingArgs,
    /// Threads.
    #[command(flatten)]
    pub threads: ThreadsArg,
}

/// Sampling flags, as llama.cpp names them (and with its defaults).
#[derive(Debug, Clone, clap::Args)]
pub struct SamplingArgs {
    /// Temperature; 0 is greedy.
    #[arg(long = "temp", default_value_t = 0.8)]
    pub temp: f32,
    /// Keep the K most likely tokens (0: all).
    #[arg(long = "top-k", default_value_t = 40)]
    pub top_k: usize,
    /// Keep the most likely tokens up to this total probability (1: all).
    #[arg(long = "top-p", default_value_t = 0.95)]
    pub top_p: f32,
    /// Drop tokens less likely than this fraction of the best (0: off).
    #[arg(long = "min-p", default_value_t = 0.05)]
    pub min_p: f32,
    /// Penalty for repeating recent tokens (1: off).
    #[arg(long = "repeat-penalty", default_value_t = 1.0)]
    pub repeat_penalty: f32,
    /// How many recent tokens the penalties consider.
    #[arg(long = "repeat-last-n", default_value_t = 64)]
    pub repeat_last_n: usize,
    /// Subtracted per occurrence of a recent token.
    #[arg(long = "frequency-penalty", default_value_t = 0.0)]
    pub frequency_penalty: f32,
    /// Subtracted once for any recent token.
    #[arg(long = "presence-penalty", default_value_t = 0.0)]
    pub presence_penalty: f32,
    /// Random seed (default: from the clock; printed on stderr).
    #[arg(short = 's', long = "seed")]
    pub seed: Option<u64>,
}

impl SamplingArgs {
    /// The sampler these flags describe.
    pub fn sampler(&self) -> Sampler {
        let seed = self.seed.unwrap_or_else(|| {
            let s = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos() as u64);
            if self.temp > 0.0 {
                eprintln!("seed: {s}");
            }
            s
        });
        Sampler::new(
            SamplerParams {
                temperature: self.temp,
                top_k: self.top_k,
                top_p: self.top_p,
                min_p: self.min_p,
                repeat_penalty: self.repeat_penalty,
                repeat_last_n: self.repeat_last_n,
                frequency_penalty: self.frequency_penalty,
                presence_penalty: self.presence_penalty,
            },
            seed,
        )
    }
}

/// A loaded decoder: file, weights and tokenizer. The map and the
/// tokenizer's tables live for the rest of the process (they are leaked),
/// so everything can borrow them as `'static`.
pub struct Llm {
    /// The parsed file.
    pub gguf: Gguf<'static>,
    /// The model's weights and config.
    pub model: Box<Llama<'static>>,
    /// Its tokenizer.
    pub tok: Bpe<'static, 'static>,
    /// End-of-generation token ids.
    pub eog: Vec<u32>,
}

/// Control tokens llama.cpp treats as end of generation when the vocabulary
/// has them (llama-vocab.cpp's list).
const EOG_TEXTS: &[&str] = &[
    "<|eot_id|>",
    "<|im_end|>",
    "<|end|>",
    "<end_of_turn>",
    "<|endoftext|>",
    "<|eom_id|>",
    "<EOT>",
    "_<EOT>",
    "<｜end▁of▁sentence｜>",
];

/// Maps `path` and loads model and tokenizer.
pub fn load_llm(path: &Path) -> anyhow::Result<Llm> {
    let map: &'static Mapped = Box::leak(Box::new(Mapped::open(path)?));
    let gguf = Gguf::parse(map.bytes()).with_context(|| format!("reading {}", path.display()))?;
    let model =
        Box::new(Llama::load(&gguf).with_context(|| format!("loading {}", path.display()))?);
    let vocab = tokenizer::gguf_vocab(&gguf).context("reading the vocabulary")?;
    let cfg = tokenizer::gguf_bpe_config(&gguf).context("reading the tokenizer config")?;
    let scratch: &'static mut [u8] = vec![0u8; Bpe::scratch_bytes(&vocab)].leak();
    let tok = Bpe::new(&vocab, cfg, scratch).context("building the tokenizer")?;
    if tok.n_vocab() < model.config.n_vocab {
        bail!(
            "the tokenizer has {} tokens, the model {}",
            tok.n_vocab(),
            model.config.n_vocab
        );
    }
    let mut eog: Vec<u32> = Vec::new();
    for key in [
        "tokenizer.ggml.eos_token_id",
        "tokenizer.ggml.eot_token_id",
        "tokenizer.ggml.eom_token_id",
    ] {
        if gguf.get(key).is_some() {
            eog.push(gguf.get_u32(key)?);
        }
    }
    for text in EOG_TEXTS {
        if let Some(id) = tok.token_id(text.as_bytes()) {
            if matches!(
                tok.token_type(id),
                TokenType::Control | TokenType::UserDefined
            ) {
                eog.push(id);
            }
        }
    }
    eog.sort_unstable();
    eog.dedup();
    Ok(Llm {
        gguf,
        model,
        tok,
        eog,
    })
}

impl Llm {
    /// Tokenizes `text`; `add_special` adds BOS/EOS as the metadata says,
    /// `parse_special` turns written control tokens into their ids.
    pub fn encode(
        &self,
        text: &str,
        add_special: bool,
        parse_special: bool,
    ) -> anyhow::Result<Vec<u32>> {
        let mut ids = vec![0u32; text.len() + 2];
        let n = self
            .tok
            .encode(text, add_special, parse_special, &mut ids)
            .context("tokenizing")?;
        ids.truncate(n);
        Ok(ids)
    }

    /// Whether `id` ends a generation.
    pub fn is_eog(&self, id: u32) -> bool {
        self.eog.binary_search(&id).is_ok()
    }

    /// The bytes of token `id` (control tokens' text only with `special`).
    pub fn piece(&self, id: u32, special: bool) -> Vec<u8> {
        let mut buf = vec![0u8; 64];
        loop {
            match self.tok.piece(id, special, &mut buf) {
                Ok(n) => {
                    buf.truncate(n);
                    return buf;
                }
                Err(_) if buf.len() < 1 << 16 => buf.resize(buf.len() * 4, 0),
                Err(_) => return Vec::new(),
            }
        }
    }

    /// The BOS id if the tokenizer adds one in front of a prompt.
    pub fn bos_for_prompt(&self) -> Option<u32> {
        let c = self.tok.config();
        if c.add_bos {
            c.bos
        } else {
            None
        }
    }
}

/// A thread pool of `threads` threads.
pub fn pool(threads: usize) -> anyhow::Result<ThreadPool> {
    ThreadPool::new(threads).context("starting the thread pool")
}

/// The model's inference state plus a logits row.
pub struct LlmState {
    st: LlamaState<'static>,
    /// (n_vocab) logits of the last token fed.
    pub logits: Vec<f32>,
}

impl LlmState {
    /// State for `ctx` positions, evaluating up to `batch` tokens per call
    /// (the arena is leaked: one state per process).
    pub fn new(llm: &Llm, ctx: usize, batch: usize) -> anyhow::Result<Self> {
        let plan = llm.model.plan(ctx, batch.clamp(1, ctx.max(1)))?;
        let arena: &'static mut [u8] = vec![0u8; plan.arena_bytes].leak();
        let st = llm.model.new_state(&plan, arena)?;
        Ok(LlmState {
            st,
            logits: vec![0.0; llm.model.config.n_vocab],
        })
    }

    /// Tokens in the cache.
    pub fn pos(&self) -> usize {
        self.st.pos()
    }

    /// The context size.
    pub fn max_ctx(&self) -> usize {
        self.st.plan().max_ctx
    }

    /// Empties the cache.
    pub fn reset(&mut self) {
        self.st.reset();
    }

    /// Forgets cached tokens from `pos` on.
    pub fn truncate(&mut self, pos: usize) {
        self.st.truncate(pos);
    }

    /// Feeds `ids` (in batches of the planned size); `logits` then holds the
    /// last token's.
    pub fn forward(&mut self, llm: &Llm, ids: &[u32], exec: &dyn Executor) -> anyhow::Result<()> {
        let b = self.st.plan().max_batch;
        for chunk in ids.chunks(b) {
            llm.model
                .forward(&mut self.st, chunk, &mut self.logits, exec)?;
        }
        Ok(())
    }

    /// Feeds `ids` as one batch and writes every token's logits into `all`
    /// (`ids.len() × n_vocab`).
    pub fn forward_all(
        &mut self,
        llm: &Llm,
        ids: &[u32],
        all: &mut [f32],
        exec: &dyn Executor,
    ) -> anyhow::Result<()> {
        llm.model.forward(&mut self.st, ids, all, exec)?;
        Ok(())
    }
}

/// The context size to plan: the flag, else 4096 (llama.cpp's default),
/// never more than the model was trained for.
pub fn context_size(llm: &Llm, flag: Option<usize>) -> anyhow::Result<usize> {
    let train = llm.model.config.n_ctx_train;
    match flag {
        Some(0) => Ok(train),
        Some(c) if c > train => bail!("context {c} is larger than the model's {train}"),
        Some(c) => Ok(c),
        None => Ok(train.min(4096)),
    }
}

/// Tokens per second, 0 when nothing was timed.
pub fn rate(n: usize, secs: f64) -> f64 {
    if n == 0 || secs <= 0.0 {
        0.0
    } else {
        n as f64 / secs
    }
}

/// Runs the command.
pub fn run(args: Args) -> anyhow::Result<()> {
    let llm = load_llm(&args.model)?;
    let exec = pool(args.threads.get())?;
    let ctx = context_size(&llm, args.ctx)?;
    let prompt_ids = llm.encode(&args.prompt, true, true)?;
    if prompt_ids.is_empty() {
        bail!("the prompt is empty");
    }
    if prompt_ids.len() + args.n_predict > ctx {
        bail!(
            "prompt ({} tokens) + {} to generate exceed the context of {ctx} (raise -c)",
            prompt_ids.len(),
            args.n_predict
        );
    }
    let mut st = LlmState::new(&llm, ctx, prompt_ids.len().min(512))?;
    let mut sampler = args.sampling.sampler();
    let mut cands = vec![Candidate::default(); llm.model.config.n_vocab];
    let mut out = std::io::stdout().lock();

    let t = Instant::now();
    st.forward(&llm, &prompt_ids, &exec)?;
    let prefill_s = t.elapsed().as_secs_f64();

    let mut history = prompt_ids.clone();
    let mut ids = Vec::new();
    let mut text = String::new();
    let mut utf8 = Utf8Stream::new();
    let mut emit_err: Option<std::io::Error> = None;
    let json = args.json;
    let t = Instant::now();
    let mut decoded = 0usize;
    for i in 0..args.n_predict {
        let id = sampler.sample(&st.logits, &history, &mut cands)?;
        if llm.is_eog(id) {
            break;
        }
        ids.push(id);
        history.push(id);
        utf8.push(&llm.piece(id, true), &mut |s: &str| {
            text.push_str(s);
            if !json && emit_err.is_none() {
                emit_err = write!(out, "{s}").and_then(|()| out.flush()).err();
            }
        });
        if let Some(e) = emit_err.take() {
            return Err(e.into());
        }
        if i + 1 < args.n_predict {
            st.forward(&llm, &[id], &exec)?;
            decoded += 1;
        }
    }
    let decode_s = t.elapsed().as_secs_f64();
    utf8.finish(&mut |s: &str| {
        text.push_str(s);
        if !json {
            let _ = write!(out, "{s}");
        }
    });
    let prefill_tok_s = rate(prompt_ids.len(), prefill_s);
    let decode_tok_s = rate(decoded, decode_s);
    if json {
        let v = serde_json::json!({
            "prompt_ids": prompt_ids,
            "ids": ids,
            "text": text,
            "prefill_tok_s": prefill_tok_s,
            "decode_tok_s": decode_tok_s,
        });
        writeln!(out, "{v}")?;
    } else {
        writeln!(out)?;
    }
    eprintln!(
        "prefill: {} tokens, {prefill_tok_s:.1} tok/s; decode: {decoded} tokens, {decode_tok_s:.1} tok/s",
        prompt_ids.len()
    );
    Ok(())
}
