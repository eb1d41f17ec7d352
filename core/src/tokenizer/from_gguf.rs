//! Building tokenizers from GGUF metadata, with llama.cpp's keys:
//! `tokenizer.ggml.{model,pre,tokens,token_type,merges}`,
//! `tokenizer.ggml.{bos,eos,unknown,seperator,padding,cls,mask}_token_id`,
//! `tokenizer.ggml.add_{bos,eos}_token`.
//!
//! WordPiece normalization: `tokenizer.ggml.normalizer.lowercase` and
//! `.strip_accents`, as gguf-py's `SpecialVocab` writes them from the HF
//! normalizer (and `mote convert` does too); `mote.tokenizer.lowercase` and
//! `mote.tokenizer.strip_accents` are read when those are absent. Both default
//! to true, as llama.cpp's WordPiece always lower-cases and strips accents.
//! `mote.tokenizer.max_length` (default `{arch}.context_length`, else 512):
//! llama.cpp has no sequence limit of its own.

use super::{
    Bpe, BpeConfig, Error, I32Array, PieceForm, PreTokenizer, StrArray, Vocab, WordPiece,
    WordPieceConfig,
};
use crate::gguf::{Gguf, ValueType};

/// Which tokenizer a GGUF file's `tokenizer.ggml.model` asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Kind {
    /// `"gpt2"`: byte-level BPE.
    Bpe,
    /// `"bert"`: WordPiece.
    WordPiece,
}

/// The tokenizer kind from `tokenizer.ggml.model`.
pub fn gguf_kind(g: &Gguf<'_>) -> Result<Kind, Error> {
    match g.get_str("tokenizer.ggml.model")? {
        "gpt2" => Ok(Kind::Bpe),
        "bert" => Ok(Kind::WordPiece),
        _ => Err(Error::WrongModel),
    }
}

/// The vocabulary arrays, viewed in place.
pub fn gguf_vocab<'a>(g: &Gguf<'a>) -> Result<Vocab<'a>, Error> {
    let t = g.get_array_of("tokenizer.ggml.tokens", ValueType::Str)?;
    let tokens = StrArray::new(t.raw_bytes(), t.len(), "tokens")?;
    let types = match g.get("tokenizer.ggml.token_type") {
        Some(_) => {
            let a = g.get_array_of("tokenizer.ggml.token_type", ValueType::I32)?;
            Some(I32Array::new(a.raw_bytes()))
        }
        None => None,
    };
    let merges = match g.get("tokenizer.ggml.merges") {
        Some(_) => {
            let a = g.get_array_of("tokenizer.ggml.merges", ValueType::Str)?;
            Some(StrArray::new(a.raw_bytes(), a.len(), "merges")?)
        }
        None => None,
    };
    Vocab::new(tokens, types, merges)
}

fn opt_u32(g: &Gguf<'_>, key: &str) -> Result<Option<u32>, Error> {
    match g.get(key) {
        Some(_) => Ok(Some(g.get_u32(key)?)),
        None => Ok(None),
    }
}

fn opt_bool(g: &Gguf<'_>, key: &str) -> Result<Option<bool>, Error> {
    match g.get(key) {
        Some(_) => Ok(Some(g.get_bool(key)?)),
        None => Ok(None),
    }
}

/// BPE options from metadata, with llama.cpp's defaults.
pub fn gguf_bpe_config(g: &Gguf<'_>) -> Result<BpeConfig, Error> {
    if gguf_kind(g)? != Kind::Bpe {
        return Err(Error::WrongModel);
    }
    let pre = PreTokenizer::from_name(g.get_str("tokenizer.ggml.pre")?)
        .ok_or(Error::UnsupportedPreTokenizer)?;
    let mut cfg = BpeConfig::new(pre);
    cfg.bos = opt_u32(g, "tokenizer.ggml.bos_token_id")?;
    cfg.eos = opt_u32(g, "tokenizer.ggml.eos_token_id")?;
    if let Some(b) = opt_bool(g, "tokenizer.ggml.add_bos_token")? {
        cfg.add_bos = b;
    }
    if let Some(b) = opt_bool(g, "tokenizer.ggml.add_eos_token")? {
        cfg.add_eos = b;
    }
    Ok(cfg)
}

/// WordPiece options from metadata (see the module doc for the keys).
pub fn gguf_wordpiece_config(g: &Gguf<'_>) -> Result<WordPieceConfig, Error> {
    if gguf_kind(g)? != Kind::WordPiece {
        return Err(Error::WrongModel);
    }
    let mut cfg = WordPieceConfig {
        form: PieceForm::Phantom,
        ..WordPieceConfig::default()
    };
    let lowercase = match opt_bool(g, "tokenizer.ggml.normalizer.lowercase")? {
        Some(b) => Some(b),
        None => opt_bool(g, "mote.tokenizer.lowercase")?,
    };
    if let Some(b) = lowercase {
        cfg.lowercase = b;
    }
    let strip_accents = match opt_bool(g, "tokenizer.ggml.normalizer.strip_accents")? {
        Some(b) => Some(b),
        None => opt_bool(g, "mote.tokenizer.strip_accents")?,
    };
    cfg.strip_accents = strip_accents.unwrap_or(cfg.lowercase);
    let arch_len = match g.get_str("general.architecture") {
        Ok("bert") => opt_u32(g, "bert.context_length")?,
        _ => None,
    };
    if let Some(n) = opt_u32(g, "mote.tokenizer.max_length")?.or(arch_len) {
        cfg.max_len = n as usize;
    }
    cfg.cls =
        opt_u32(g, "tokenizer.ggml.cls_token_id")?.or(opt_u32(g, "tokenizer.ggml.bos_token_id")?);
    cfg.sep = opt_u32(g, "tokenizer.ggml.seperator_token_id")?
        .or(opt_u32(g, "tokenizer.ggml.eos_token_id")?);
    cfg.unk = opt_u32(g, "tokenizer.ggml.unknown_token_id")?;
    Ok(cfg)
}

/// Either tokenizer, as a GGUF file's metadata asks.
pub enum Tokenizer<'a, 's> {
    /// Byte-level BPE.
    Bpe(Bpe<'a, 's>),
    /// WordPiece.
    WordPiece(WordPiece<'a, 's>),
}

impl<'a, 's> Tokenizer<'a, 's> {
    /// Scratch bytes [`Tokenizer::from_gguf`] needs.
    pub fn scratch_bytes(g: &Gguf<'a>) -> Result<usize, Error> {
        let vocab = gguf_vocab(g)?;
        Ok(match gguf_kind(g)? {
            Kind::Bpe => Bpe::scratch_bytes(&vocab),
            Kind::WordPiece => WordPiece::scratch_bytes(&vocab),
        })
    }

    /// Builds the tokenizer the file describes, its tables in `scratch`.
    pub fn from_gguf(g: &Gguf<'a>, scratch: &'s mut [u8]) -> Result<Self, Error> {
        let vocab = gguf_vocab(g)?;
        Ok(match gguf_kind(g)? {
            Kind::Bpe => Tokenizer::Bpe(Bpe::new(&vocab, gguf_bpe_config(g)?, scratch)?),
            Kind::WordPiece => {
                Tokenizer::WordPiece(WordPiece::new(&vocab, gguf_wordpiece_config(g)?, scratch)?)
            }
        })
    }

    /// Encodes with the model's defaults: BERT adds `[CLS]`/`[SEP]` and
    /// truncates; BPE adds BOS/EOS as the metadata says and parses special
    /// tokens written in the text (as `llama-tokenize` does).
    pub fn encode(&self, text: &str, out: &mut [u32]) -> Result<usize, Error> {
        match self {
            Tokenizer::Bpe(t) => t.encode(text, true, true, out),
            Tokenizer::WordPiece(t) => t.encode(text, out),
        }
    }

    /// Vocabulary size.
    pub fn n_vocab(&self) -> usize {
        match self {
            Tokenizer::Bpe(t) => t.n_vocab(),
            Tokenizer::WordPiece(t) => t.n_vocab(),
        }
    }

    /// Token `id` as stored in the vocabulary.
    pub fn token(&self, id: u32) -> Option<&'a [u8]> {
        match self {
            Tokenizer::Bpe(t) => t.token(id),
            Tokenizer::WordPiece(t) => t.token(id),
        }
    }
}
