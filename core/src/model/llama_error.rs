//! Everything that can go wrong loading or running a LLaMA-family model.

use crate::arena::ArenaFull;
use crate::{gguf, kernels, quant, GgmlType};

/// Which weight of the model an error is about: a layer (or none for the
/// global tensors) and the tensor's role, as in `blk.{layer}.{role}.weight`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct WeightName {
    /// The block index, `None` for `token_embd`, `output_norm`, `output`.
    pub layer: Option<u32>,
    /// The role: `attn_q`, `ffn_down`, `token_embd`, ...
    pub role: &'static str,
}

impl core::fmt::Display for WeightName {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self.layer {
            Some(l) => write!(f, "blk.{l}.{}.weight", self.role),
            None => write!(f, "{}.weight", self.role),
        }
    }
}

/// A LLaMA load or inference failure.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum LlamaError {
    /// `general.architecture` is not one this decoder runs.
    Architecture,
    /// A metadata key is missing or has the wrong type.
    Metadata(gguf::Error),
    /// A hyperparameter is zero, inconsistent or out of range.
    BadConfig {
        /// The metadata key (or derived quantity) at fault.
        key: &'static str,
        /// The value found (floats rounded toward zero).
        value: u64,
    },
    /// A floating-point hyperparameter is not finite and positive.
    BadFloat {
        /// The metadata key.
        key: &'static str,
        /// The value found.
        value: f32,
    },
    /// A weight tensor is absent.
    MissingTensor(WeightName),
    /// A weight tensor has the wrong shape.
    TensorShape {
        /// The tensor.
        name: WeightName,
        /// `[ne0, ne1]` expected (`ne1` = 1 for vectors).
        expected: [u64; 2],
        /// Dimensions found.
        found: [u64; 4],
    },
    /// A weight tensor has a type this decoder cannot use in its role.
    TensorType {
        /// The tensor.
        name: WeightName,
        /// The type found.
        ty: GgmlType,
    },
    /// An F32 norm weight is not 4-byte aligned in memory.
    Misaligned(WeightName),
    /// More blocks than [`MAX_LAYERS`](super::llama::MAX_LAYERS).
    TooManyLayers {
        /// The block count found.
        n_layer: usize,
    },
    /// A mat-mul failed (shape or scratch; a bug if it happens after load).
    Kernel(kernels::Error),
    /// Dequantizing an embedding row failed.
    Quant(quant::Error),
    /// The arena is smaller than the plan says.
    Arena(ArenaFull),
    /// A size computation overflowed `usize`.
    Overflow,
    /// The tokens do not fit in the context the state was planned for.
    ContextFull {
        /// Tokens already in the KV cache.
        pos: usize,
        /// Tokens in this call.
        n_tokens: usize,
        /// The planned context.
        max_ctx: usize,
    },
    /// More tokens in one call than the plan's batch.
    BatchTooLarge {
        /// Tokens in this call.
        n_tokens: usize,
        /// The planned batch.
        max_batch: usize,
    },
    /// A forward call with no tokens.
    EmptyBatch,
    /// The state was planned for a model of another shape.
    StateMismatch,
    /// A token id outside the vocabulary.
    TokenOutOfRange {
        /// The id.
        token: u32,
        /// The vocabulary size.
        n_vocab: usize,
    },
    /// The logits buffer is neither one row nor one row per token.
    LogitsLen {
        /// Its length.
        got: usize,
        /// The vocabulary size.
        n_vocab: usize,
        /// Tokens in this call.
        n_tokens: usize,
    },
}

impl core::fmt::Display for LlamaError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            LlamaError::Architecture => f.write_str("general.architecture is not llama"),
            LlamaError::Metadata(e) => write!(f, "metadata: {e}"),
            LlamaError::BadConfig { key, value } => write!(f, "bad {key}: {value}"),
            LlamaError::BadFloat { key, value } => write!(f, "bad {key}: {value}"),
            LlamaError::MissingTensor(n) => write!(f, "tensor {n} is missing"),
            LlamaError::TensorShape {
                name,
                expected,
                found,
            } => write!(
                f,
                "tensor {name} has shape {found:?}, expected [{}, {}]",
                expected[0], expected[1]
            ),
            LlamaError::TensorType { name, ty } => {
                write!(f, "tensor {name} has type {}, not usable there", ty.name())
            }
            LlamaError::Misaligned(n) => write!(f, "tensor {n} is not 4-byte aligned"),
            LlamaError::TooManyLayers { n_layer } => write!(
                f,
                "{n_layer} blocks is more than the {} mote supports",
                super::llama::MAX_LAYERS
            ),
            LlamaError::Kernel(e) => write!(f, "mat-mul: {e}"),
            LlamaError::Quant(e) => write!(f, "embedding lookup: {e}"),
            LlamaError::Arena(e) => write!(f, "{e}"),
            LlamaError::Overflow => f.write_str("model size computation overflows"),
            LlamaError::ContextFull {
                pos,
                n_tokens,
                max_ctx,
            } => write!(
                f,
                "context full: {pos} tokens cached + {n_tokens} new > context of {max_ctx}"
            ),
            LlamaError::BatchTooLarge {
                n_tokens,
                max_batch,
            } => write!(f, "{n_tokens} tokens in one call, the plan allows {max_batch}"),
            LlamaError::EmptyBatch => f.write_str("no tokens to evaluate"),
            LlamaError::StateMismatch => {
                f.write_str("inference state was planned for a model of another shape")
            }
            LlamaError::TokenOutOfRange { token, n_vocab } => {
                write!(f, "token {token} is outside the vocabulary of {n_vocab}")
            }
            LlamaError::LogitsLen {
                got,
                n_vocab,
                n_tokens,
            } => write!(
                f,
                "logits buffer of {got} floats: need {n_vocab} (last token) or {n_tokens} x {n_vocab}"
            ),
        }
    }
}

impl core::error::Error for LlamaError {}

impl From<gguf::Error> for LlamaError {
    fn from(e: gguf::Error) -> Self {
        LlamaError::Metadata(e)
    }
}

impl From<kernels::Error> for LlamaError {
    fn from(e: kernels::Error) -> Self {
        LlamaError::Kernel(e)
    }
}

impl From<quant::Error> for LlamaError {
    fn from(e: quant::Error) -> Self {
        LlamaError::Quant(e)
    }
}

impl From<ArenaFull> for LlamaError {
    fn from(e: ArenaFull) -> Self {
        LlamaError::Arena(e)
    }
}
