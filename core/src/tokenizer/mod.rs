//! Tokenizers whose vocabularies are read in place from GGUF metadata.
//!
//! - [`WordPiece`]: BERT (uncased/cased), matching Hugging Face `tokenizers`.
//! - [`Bpe`]: byte-level BPE (GPT-2, LLaMA-3, Qwen2, SmolLM2), matching llama.cpp.
//!
//! Both borrow their strings from a [`Vocab`] (GGUF string arrays viewed in
//! place) and build their lookup tables in a caller-provided scratch buffer
//! whose size `scratch_bytes` states up front; encoding writes ids into a
//! caller `&mut [u32]`. No heap anywhere.
//!
//! ```ignore
//! let mut scratch = vec![0u8; Tokenizer::scratch_bytes(&gguf)?];
//! let tok = Tokenizer::from_gguf(&gguf, &mut scratch)?;   // WordPiece or Bpe, as the file says
//! let mut ids = [0u32; 512];
//! let n = tok.encode("Hello", &mut ids)?;
//! // or, for a known kind:
//! let vocab = tokenizer::gguf_vocab(&gguf)?;
//! let bpe = Bpe::new(&vocab, tokenizer::gguf_bpe_config(&gguf)?, &mut scratch)?;
//! let n = bpe.encode("Hello", /*add_special*/ true, /*parse_special*/ true, &mut ids)?;
//! ```

mod bpe;
mod byte_map;
mod error;
mod from_gguf;
mod pretokenize;
mod strings;
#[cfg(test)]
mod tests;
mod unicode;
mod unicode_tables;
mod utf8_stream;
mod vocab;
mod wordpiece;

pub use bpe::{Bpe, BpeConfig};
pub use error::Error;
pub use from_gguf::{
    gguf_bpe_config, gguf_kind, gguf_vocab, gguf_wordpiece_config, Kind, Tokenizer,
};
pub use pretokenize::PreTokenizer;
pub use strings::{I32Array, StrArray, StrIter};
pub use utf8_stream::Utf8Stream;
pub use vocab::{TokenType, Vocab};
pub use wordpiece::{PieceForm, WordPiece, WordPieceConfig};
