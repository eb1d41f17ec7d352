//! The vocabulary a tokenizer is built from, read in place from GGUF
//! metadata (`tokenizer.ggml.tokens`, `token_type`, `merges`) or from any
//! byte buffer laid out the same way.

use super::{Error, I32Array, StrArray};

/// Token types as llama.cpp and gguf-py number them (`tokenizer.ggml.token_type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum TokenType {
    /// 0: no type recorded.
    Undefined,
    /// 1: an ordinary vocabulary piece.
    Normal,
    /// 2: the unknown token.
    Unknown,
    /// 3: a control token (`<|im_start|>`, `[CLS]`): parsed from text only on request.
    Control,
    /// 4: a user-defined token: always matched literally in text.
    UserDefined,
    /// 5: unused.
    Unused,
    /// 6: a raw byte token (`<0x0A>`).
    Byte,
}

impl TokenType {
    /// The type for a `token_type` value; unknown values are `Undefined` as in llama.cpp.
    pub fn from_i32(v: i32) -> Self {
        match v {
            1 => TokenType::Normal,
            2 => TokenType::Unknown,
            3 => TokenType::Control,
            4 => TokenType::UserDefined,
            5 => TokenType::Unused,
            6 => TokenType::Byte,
            _ => TokenType::Undefined,
        }
    }

    /// Tokens matched literally in input text before normal tokenization
    /// (llama.cpp's special-token cache: control, user-defined, unknown).
    pub fn is_special(self) -> bool {
        matches!(
            self,
            TokenType::Control | TokenType::UserDefined | TokenType::Unknown
        )
    }
}

/// A vocabulary viewed in place: token strings, optional types, optional BPE merges.
#[derive(Clone, Copy, Debug)]
pub struct Vocab<'a> {
    /// `tokenizer.ggml.tokens`.
    pub tokens: StrArray<'a>,
    /// `tokenizer.ggml.token_type` (one per token), if present.
    pub types: Option<I32Array<'a>>,
    /// `tokenizer.ggml.merges` (BPE only), `"left right"` in rank order.
    pub merges: Option<StrArray<'a>>,
}

impl<'a> Vocab<'a> {
    /// Checks that token types, when present, match the token count.
    pub fn new(
        tokens: StrArray<'a>,
        types: Option<I32Array<'a>>,
        merges: Option<StrArray<'a>>,
    ) -> Result<Self, Error> {
        if let Some(t) = types {
            if t.len() < tokens.len() {
                return Err(Error::TokenTypesLength {
                    tokens: tokens.len(),
                    types: t.len(),
                });
            }
        }
        Ok(Vocab {
            tokens,
            types,
            merges,
        })
    }

    /// Number of tokens.
    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    /// True when the vocabulary is empty.
    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }

    /// Type of token `id` (`Normal` when the file records no types).
    pub fn token_type(&self, id: usize) -> TokenType {
        match self.types {
            Some(t) => t.get(id).map_or(TokenType::Undefined, TokenType::from_i32),
            None => TokenType::Normal,
        }
    }

    /// Number of tokens matched literally in text (see [`TokenType::is_special`]).
    pub fn special_count(&self) -> usize {
        (0..self.len())
            .filter(|&i| self.token_type(i).is_special())
            .count()
    }
}
