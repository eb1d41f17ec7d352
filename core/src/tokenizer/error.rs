//! Tokenizer errors.

use crate::arena::ArenaFull;

/// Why a tokenizer could not be built or could not encode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Error {
    /// A string array's data ends inside string `index` (or its length prefix).
    BadStringArray {
        /// Which array (`"tokens"`, `"merges"`).
        what: &'static str,
        /// Index of the first string that does not fit.
        index: usize,
    },
    /// A string array is larger than the 32-bit offsets the lookup tables use.
    ArrayTooLarge {
        /// Which array.
        what: &'static str,
    },
    /// The token-type array does not have one entry per token.
    TokenTypesLength {
        /// Number of tokens.
        tokens: usize,
        /// Number of token types.
        types: usize,
    },
    /// A special token id (from metadata or config) is not in the vocabulary.
    TokenIdOutOfRange {
        /// Which token (`"bos"`, `"cls"`, ...).
        what: &'static str,
        /// The id.
        id: u32,
        /// Vocabulary size.
        n_vocab: usize,
    },
    /// A token the tokenizer needs is neither configured nor found by its text.
    MissingToken {
        /// Which token (`"[UNK]"`, ...).
        what: &'static str,
    },
    /// `tokenizer.ggml.pre` names a pre-tokenizer mote does not implement.
    UnsupportedPreTokenizer,
    /// `tokenizer.ggml.model` is not the model this tokenizer implements.
    WrongModel,
    /// The scratch buffer is smaller than `scratch_bytes` said.
    Scratch(ArenaFull),
    /// The output id buffer is too small for the encoded text.
    OutputTooSmall {
        /// Capacity of the output buffer.
        capacity: usize,
    },
    /// A pre-token is longer than the work space left in the output buffer
    /// (BPE uses the unused tail of `out` as scratch: one slot per byte of
    /// the longest pre-token; `text.len() + 2` slots always suffice).
    WorkTooSmall {
        /// Bytes in the pre-token.
        word_bytes: usize,
        /// Slots that were free.
        free: usize,
    },
    /// Reading tokenizer metadata from the GGUF file failed.
    Gguf(crate::gguf::Error),
}

impl From<ArenaFull> for Error {
    fn from(e: ArenaFull) -> Self {
        Error::Scratch(e)
    }
}

impl From<crate::gguf::Error> for Error {
    fn from(e: crate::gguf::Error) -> Self {
        Error::Gguf(e)
    }
}

impl core::fmt::Display for Error {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Error::BadStringArray { what, index } => {
                write!(f, "tokenizer {what} array truncated at string {index}")
            }
            Error::ArrayTooLarge { what } => write!(f, "tokenizer {what} array exceeds 4 GiB"),
            Error::TokenTypesLength { tokens, types } => {
                write!(f, "{types} token types for {tokens} tokens")
            }
            Error::TokenIdOutOfRange { what, id, n_vocab } => {
                write!(f, "{what} token id {id} outside vocabulary of {n_vocab}")
            }
            Error::MissingToken { what } => write!(f, "vocabulary has no {what} token"),
            Error::UnsupportedPreTokenizer => write!(
                f,
                "unsupported tokenizer.ggml.pre (supported: gpt2/gpt-2, smollm, llama3/llama-bpe, qwen2)"
            ),
            Error::WrongModel => write!(f, "tokenizer.ggml.model does not match this tokenizer"),
            Error::Scratch(e) => write!(f, "tokenizer scratch: {e}"),
            Error::OutputTooSmall { capacity } => {
                write!(f, "token output buffer of {capacity} ids is too small")
            }
            Error::WorkTooSmall { word_bytes, free } => write!(
                f,
                "pre-token of {word_bytes} bytes needs that many free output slots, {free} left"
            ),
            Error::Gguf(e) => write!(f, "tokenizer metadata: {e}"),
        }
    }
}

impl core::error::Error for Error {}
