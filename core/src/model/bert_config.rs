//! BERT hyperparameters, read from GGUF metadata under llama.cpp's keys
//! (`{arch}.block_count`, `bert.embedding_length`, ...) and checked before
//! any buffer is sized from them.

use core::fmt;

use crate::gguf::{self, Gguf, KeyName};

/// The architecture name mote's BERT reads (`general.architecture`).
pub const ARCH: &str = "bert";

/// Most encoder layers a model may have: the layer table is a fixed array
/// (no heap); bge-large, the deepest common BERT, has 24.
pub const MAX_LAYERS: usize = 48;

/// Largest width, FFN size, context or head count accepted: far above any
/// BERT, low enough that products of them cannot overflow a `usize` on a
/// 32-bit target before the checked arithmetic catches it.
pub const MAX_DIM: usize = 1 << 16;

/// Key of sentence-transformers' truncation length (written by
/// `mote convert`; llama.cpp ignores it).
pub const MAX_SEQ_KEY: &str = "mote.tokenizer.max_length";

/// How token states become one sentence vector (`bert.pooling_type`,
/// llama.cpp's `LLAMA_POOLING_TYPE_*` numbers).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Pooling {
    /// 1: the average of the sentence's token states (the default).
    Mean,
    /// 2: the `[CLS]` token's state.
    Cls,
    /// 4: `[CLS]` through the sequence-classification head (`cls.*`).
    Rank,
}

impl Pooling {
    /// From llama.cpp's number.
    pub fn from_u32(v: u32) -> Option<Self> {
        match v {
            1 => Some(Pooling::Mean),
            2 => Some(Pooling::Cls),
            4 => Some(Pooling::Rank),
            _ => None,
        }
    }
}

/// Why a BERT model could not be read from a GGUF file or run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum ConfigError {
    /// A metadata look-up failed (missing key, wrong type).
    Gguf(gguf::Error),
    /// `general.architecture` is not `bert`.
    WrongArchitecture {
        /// What the file says.
        found: KeyName,
    },
    /// A hyperparameter is zero or out of range.
    BadValue {
        /// The key.
        key: &'static str,
        /// Its value.
        value: u64,
    },
    /// The width does not split into the heads.
    HeadsDoNotDivide {
        /// `bert.embedding_length`.
        n_embd: usize,
        /// `bert.attention.head_count`.
        n_head: usize,
    },
    /// `bert.pooling_type` is one mote does not implement.
    UnsupportedPooling {
        /// The value.
        value: u32,
    },
    /// `bert.attention.causal` is true: a decoder, not an encoder.
    Causal,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::Gguf(e) => write!(f, "{e}"),
            ConfigError::WrongArchitecture { found } => {
                write!(f, "architecture is {found:?}, not {ARCH:?}")
            }
            ConfigError::BadValue { key, value } => write!(f, "{key} = {value} is out of range"),
            ConfigError::HeadsDoNotDivide { n_embd, n_head } => {
                write!(f, "width {n_embd} does not split into {n_head} heads")
            }
            ConfigError::UnsupportedPooling { value } => write!(
                f,
                "bert.pooling_type = {value} is not supported (1 mean, 2 cls, 4 rank are)"
            ),
            ConfigError::Causal => {
                write!(f, "bert.attention.causal is true; BERT is bidirectional")
            }
        }
    }
}

impl core::error::Error for ConfigError {}

impl From<gguf::Error> for ConfigError {
    fn from(e: gguf::Error) -> Self {
        ConfigError::Gguf(e)
    }
}

/// BERT hyperparameters.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct BertConfig {
    /// Encoder layers (`bert.block_count`).
    pub n_layer: usize,
    /// Position embeddings (`bert.context_length`): the longest input.
    pub n_ctx: usize,
    /// Hidden width (`bert.embedding_length`).
    pub n_embd: usize,
    /// FFN inner width (`bert.feed_forward_length`).
    pub n_ff: usize,
    /// Attention heads (`bert.attention.head_count`).
    pub n_head: usize,
    /// LayerNorm epsilon (`bert.attention.layer_norm_epsilon`).
    pub norm_eps: f32,
    /// Sentence pooling (`bert.pooling_type`, mean when absent).
    pub pooling: Pooling,
    /// Truncation length: `mote.tokenizer.max_length` when present (the length
    /// sentence-transformers used), else `n_ctx`.
    pub max_seq: usize,
}

fn dim(g: &Gguf<'_>, key: &'static str) -> Result<usize, ConfigError> {
    let v = g.get_u64(key)?;
    match usize::try_from(v) {
        Ok(n) if n > 0 && n <= MAX_DIM => Ok(n),
        _ => Err(ConfigError::BadValue { key, value: v }),
    }
}

impl BertConfig {
    /// Reads and validates the hyperparameters.
    pub fn from_gguf(g: &Gguf<'_>) -> Result<Self, ConfigError> {
        let arch = g.get_str("general.architecture")?;
        if arch != ARCH {
            return Err(ConfigError::WrongArchitecture {
                found: KeyName::new(arch),
            });
        }
        let n_layer = dim(g, "bert.block_count")?;
        if n_layer > MAX_LAYERS {
            return Err(ConfigError::BadValue {
                key: "bert.block_count",
                value: n_layer as u64,
            });
        }
        let n_ctx = dim(g, "bert.context_length")?;
        let n_embd = dim(g, "bert.embedding_length")?;
        let n_ff = dim(g, "bert.feed_forward_length")?;
        let n_head = dim(g, "bert.attention.head_count")?;
        if n_embd % n_head != 0 {
            return Err(ConfigError::HeadsDoNotDivide { n_embd, n_head });
        }
        let norm_eps = g.get_f32("bert.attention.layer_norm_epsilon")?;
        if !(norm_eps.is_finite() && norm_eps >= 0.0) {
            return Err(ConfigError::BadValue {
                key: "bert.attention.layer_norm_epsilon",
                value: norm_eps.to_bits() as u64,
            });
        }
        if g.get("bert.attention.causal").is_some() && g.get_bool("bert.attention.causal")? {
            return Err(ConfigError::Causal);
        }
        let pooling = match g.get("bert.pooling_type") {
            None => Pooling::Mean,
            Some(_) => {
                let v = g.get_u32("bert.pooling_type")?;
                Pooling::from_u32(v).ok_or(ConfigError::UnsupportedPooling { value: v })?
            }
        };
        let max_seq = match g.get(MAX_SEQ_KEY) {
            None => n_ctx,
            Some(_) => {
                let m = g.get_u64(MAX_SEQ_KEY)?;
                match usize::try_from(m) {
                    Ok(m) if m > 0 => m.min(n_ctx),
                    _ => {
                        return Err(ConfigError::BadValue {
                            key: MAX_SEQ_KEY,
                            value: m,
                        })
                    }
                }
            }
        };
        Ok(BertConfig {
            n_layer,
            n_ctx,
            n_embd,
            n_ff,
            n_head,
            norm_eps,
            pooling,
            max_seq,
        })
    }

    /// Width of one attention head.
    pub fn head_dim(&self) -> usize {
        self.n_embd / self.n_head
    }
}
