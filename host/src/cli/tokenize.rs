//! `mote tokenize -m MODEL [--json] TEXT`: token ids and pieces, with the
//! model file's own tokenizer (BPE or WordPiece, as its metadata says).

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use mote_core::gguf::Gguf;
use mote_core::tokenizer::Tokenizer;
use serde_json::json;

use crate::mmap::Mapped;

/// Split text into the model's tokens.
///
/// Uses the tokenizer stored in the GGUF file: byte-level BPE
/// (tokenizer.ggml.model = gpt2; ids as llama.cpp's llama-tokenize gives them,
/// BOS/EOS as the metadata says, special tokens such as <|im_start|> parsed
/// unless --no-parse-special) or WordPiece (bert; [CLS] ... [SEP], as Hugging
/// Face tokenizers gives them). Without --json: one `id -> 'piece'` line per
/// token. With --json: {"ids": [...], "tokens": [...]}, tokens spelled as in the
/// vocabulary (Hugging Face style: "Ġthe", "##ing").
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The GGUF model file.
    #[arg(short = 'm', long = "model")]
    pub model: PathBuf,
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
    /// Leave out BOS/EOS ([CLS]/[SEP] for BERT).
    #[arg(long)]
    pub no_special: bool,
    /// Treat special-token text (<|im_start|>) as plain text (BPE only).
    #[arg(long)]
    pub no_parse_special: bool,
    /// The text to tokenize.
    pub text: String,
}

/// Runs `mote tokenize`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let map = Mapped::open(&args.model)?;
    let g = Gguf::parse(map.bytes()).with_context(|| format!("{}", args.model.display()))?;
    let mut scratch = vec![0u8; Tokenizer::scratch_bytes(&g).context("reading the tokenizer")?];
    let tok = Tokenizer::from_gguf(&g, &mut scratch).context("building the tokenizer")?;
    let mut ids = vec![0u32; args.text.len() + 4];
    let n = match &tok {
        Tokenizer::Bpe(b) => b.encode(
            &args.text,
            !args.no_special,
            !args.no_parse_special,
            &mut ids,
        )?,
        Tokenizer::WordPiece(w) => w.encode_with(&args.text, !args.no_special, &mut ids)?,
    };
    let ids = &ids[..n];
    let mut out = std::io::stdout().lock();
    if args.json {
        let tokens: Vec<String> = ids.iter().map(|&id| vocab_spelling(&tok, id)).collect();
        writeln!(out, "{}", json!({"ids": ids, "tokens": tokens}))?;
    } else {
        for &id in ids {
            writeln!(out, "{id:6} -> '{}'", piece_text(&tok, id))?;
        }
    }
    out.flush()?;
    Ok(())
}

/// The token as the vocabulary spells it, Hugging Face style.
fn vocab_spelling(tok: &Tokenizer<'_, '_>, id: u32) -> String {
    match tok {
        Tokenizer::WordPiece(w) => w
            .hf_token(id)
            .map(|(prefix, rest)| format!("{prefix}{}", String::from_utf8_lossy(rest)))
            .unwrap_or_default(),
        _ => tok
            .token(id)
            .map(|t| String::from_utf8_lossy(t).into_owned())
            .unwrap_or_default(),
    }
}

/// The text the token stands for (BPE: the raw bytes it decodes to).
fn piece_text(tok: &Tokenizer<'_, '_>, id: u32) -> String {
    match tok {
        Tokenizer::Bpe(b) => {
            let mut buf = vec![0u8; b.token(id).map_or(0, |t| t.len() * 2) + 8];
            let n = b.piece(id, true, &mut buf).unwrap_or(0);
            String::from_utf8_lossy(&buf[..n]).into_owned()
        }
        _ => vocab_spelling(tok, id),
    }
}
