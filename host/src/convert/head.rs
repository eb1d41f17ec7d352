//! An external classification head (`--head HEAD.safetensors --labels
//! LABELS.json`): a linear layer applied to the pooled, L2-normalized
//! sentence embedding, then softmax (as a scikit-learn LogisticRegression
//! over sentence-transformers embeddings is applied).
//!
//! llama.cpp has no name for a head over the normalized embedding, so it is
//! stored under documented `mote.` names (DESIGN.md):
//! - tensor `mote.classifier.weight`: `n_labels × n_embd` (GGUF shape
//!   `[n_embd, n_labels]`), F32;
//! - tensor `mote.classifier.bias`: `n_labels`, F32;
//! - key `mote.classifier.output_labels`: label names, row order.
//!
//! The head stays F32 whatever `--type` says: it is small (157 × 384 is
//! 240 KB) and its logits decide the answer.

use std::path::Path;

use anyhow::{bail, Context, Result};
use safetensors::SafeTensors;
use serde_json::Value;

/// Name of the weight tensor of a mote head.
pub const WEIGHT: &str = "mote.classifier.weight";
/// Name of the bias tensor of a mote head.
pub const BIAS: &str = "mote.classifier.bias";
/// Metadata key holding the label names of a mote head.
pub const LABELS_KEY: &str = "mote.classifier.output_labels";

/// A loaded head.
#[derive(Clone, Debug)]
pub struct Head {
    /// Row-major `n_labels × n_embd`.
    pub weight: Vec<f32>,
    /// `n_labels`.
    pub bias: Vec<f32>,
    /// Label names, one per row.
    pub labels: Vec<String>,
}

/// Reads `labels.json`: a JSON array of names, or an object whose `labels`
/// member is one (as tools/export-sklearn-head.py writes it).
pub fn read_labels(path: &Path) -> Result<Vec<String>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let v: Value =
        serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
    let list = v
        .as_array()
        .or_else(|| v.get("labels").and_then(Value::as_array))
        .with_context(|| {
            format!(
                "{}: expected a list of labels or {{\"labels\": [...]}}",
                path.display()
            )
        })?;
    list.iter()
        .map(|l| match l {
            Value::String(s) => Ok(s.clone()),
            other => Ok(other.to_string()),
        })
        .collect()
}

impl Head {
    /// Reads the head and checks it against the encoder width.
    pub fn read(head: &Path, labels: &Path, n_embd: usize) -> Result<Self> {
        let bytes = std::fs::read(head).with_context(|| format!("reading {}", head.display()))?;
        let st = SafeTensors::deserialize(&bytes)
            .with_context(|| format!("parsing {}", head.display()))?;
        let weight =
            super::tensor_f32(&st, "weight").with_context(|| format!("{}", head.display()))?;
        let bias = super::tensor_f32(&st, "bias").with_context(|| format!("{}", head.display()))?;
        let labels = read_labels(labels)?;
        let n = labels.len();
        if weight.1 != [n, n_embd] {
            bail!(
                "head weight has shape {:?}; expected [{n} labels, {n_embd} embedding width]",
                weight.1
            );
        }
        if bias.1 != [n] {
            bail!("head bias has shape {:?}; expected [{n}]", bias.1);
        }
        Ok(Head {
            weight: weight.0,
            bias: bias.0,
            labels,
        })
    }
}
