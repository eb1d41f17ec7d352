//! LLaMA hyperparameters, read from GGUF metadata and validated.

use super::llama_error::LlamaError;
use crate::gguf::{Gguf, ValueType};
use crate::ops::RopeLayout;

/// Largest dimension, head count or vocabulary accepted: far above any
/// real model, low enough that products of a few of them fit in `usize`
/// on 32-bit targets once checked.
const MAX_DIM: usize = 1 << 20;

/// The decoder's shape, from `llama.*` metadata.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct LlamaConfig {
    /// Transformer blocks (`llama.block_count`).
    pub n_layer: usize,
    /// Context the model was trained with (`llama.context_length`).
    pub n_ctx_train: usize,
    /// Residual width (`llama.embedding_length`).
    pub n_embd: usize,
    /// Feed-forward width (`llama.feed_forward_length`).
    pub n_ff: usize,
    /// Query heads (`llama.attention.head_count`).
    pub n_head: usize,
    /// Key/value heads (`llama.attention.head_count_kv`, default `n_head`).
    pub n_head_kv: usize,
    /// Size of one head (`llama.attention.key_length`, default `n_embd / n_head`).
    pub head_dim: usize,
    /// Rotated dimensions per head (`llama.rope.dimension_count`, default `head_dim`).
    pub n_rot: usize,
    /// RoPE frequency base (`llama.rope.freq_base`, default 10000).
    pub rope_base: f32,
    /// How RoPE pairs dimensions (normal for `llama`).
    pub rope_layout: RopeLayout,
    /// RMSNorm epsilon (`llama.attention.layer_norm_rms_epsilon`).
    pub rms_eps: f32,
    /// Vocabulary size (`llama.vocab_size`, else the token list's length).
    pub n_vocab: usize,
}

impl LlamaConfig {
    /// Reads and checks the hyperparameters of a `llama` GGUF file.
    pub fn from_gguf(g: &Gguf<'_>) -> Result<Self, LlamaError> {
        if g.architecture()? != "llama" {
            return Err(LlamaError::Architecture);
        }
        let n_layer = dim(g, "llama.block_count")?;
        let n_ctx_train = dim(g, "llama.context_length")?;
        let n_embd = dim(g, "llama.embedding_length")?;
        let n_ff = dim(g, "llama.feed_forward_length")?;
        let n_head = dim(g, "llama.attention.head_count")?;
        let n_head_kv = match g.get("llama.attention.head_count_kv") {
            Some(_) => dim(g, "llama.attention.head_count_kv")?,
            None => n_head,
        };
        if n_head % n_head_kv != 0 {
            return Err(LlamaError::BadConfig {
                key: "llama.attention.head_count_kv",
                value: n_head_kv as u64,
            });
        }
        let head_dim = match g.get("llama.attention.key_length") {
            Some(_) => dim(g, "llama.attention.key_length")?,
            None => {
                if n_embd % n_head != 0 {
                    return Err(LlamaError::BadConfig {
                        key: "llama.attention.head_count",
                        value: n_head as u64,
                    });
                }
                n_embd / n_head
            }
        };
        // GQA needs values of the same size as keys here.
        if let Some(v) = g.get("llama.attention.value_length") {
            if v.as_usize() != Some(head_dim) {
                return Err(LlamaError::BadConfig {
                    key: "llama.attention.value_length",
                    value: v.as_u64().unwrap_or(0),
                });
            }
        }
        let n_rot = match g.get("llama.rope.dimension_count") {
            Some(_) => dim(g, "llama.rope.dimension_count")?,
            None => head_dim,
        };
        if n_rot % 2 != 0 || n_rot > head_dim {
            return Err(LlamaError::BadConfig {
                key: "llama.rope.dimension_count",
                value: n_rot as u64,
            });
        }
        let rope_base = match g.get("llama.rope.freq_base") {
            Some(_) => positive(g, "llama.rope.freq_base")?,
            None => 10000.0,
        };
        let rms_eps = positive(g, "llama.attention.layer_norm_rms_epsilon")?;
        let n_vocab = match g.get("llama.vocab_size") {
            Some(_) => dim(g, "llama.vocab_size")?,
            None => {
                let n = g
                    .get_array_of("tokenizer.ggml.tokens", ValueType::Str)?
                    .len();
                check_dim("tokenizer.ggml.tokens", n as u64)?
            }
        };
        Ok(LlamaConfig {
            n_layer,
            n_ctx_train,
            n_embd,
            n_ff,
            n_head,
            n_head_kv,
            head_dim,
            n_rot,
            rope_base,
            rope_layout: RopeLayout::Normal,
            rms_eps,
            n_vocab,
        })
    }

    /// Width of all query heads together: `n_head * head_dim`.
    pub fn q_dim(&self) -> usize {
        self.n_head * self.head_dim
    }

    /// Width of all key (or value) heads together: `n_head_kv * head_dim`.
    pub fn kv_dim(&self) -> usize {
        self.n_head_kv * self.head_dim
    }
}

/// A dimension-like integer: present, non-zero, at most [`MAX_DIM`].
fn dim(g: &Gguf<'_>, key: &'static str) -> Result<usize, LlamaError> {
    check_dim(key, g.get_u64(key)?)
}

fn check_dim(key: &'static str, v: u64) -> Result<usize, LlamaError> {
    if v == 0 || v > MAX_DIM as u64 {
        return Err(LlamaError::BadConfig { key, value: v });
    }
    Ok(v as usize)
}

/// A float that must be finite and positive.
fn positive(g: &Gguf<'_>, key: &'static str) -> Result<f32, LlamaError> {
    let value = g.get_f32(key)?;
    if !(value.is_finite() && value > 0.0) {
        return Err(LlamaError::BadFloat { key, value });
    }
    Ok(value)
}
