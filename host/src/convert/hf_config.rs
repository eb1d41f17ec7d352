//! The parts of a Hugging Face BERT checkpoint directory the converter
//! reads besides the weights: `config.json`, the sentence-transformers
//! module list and pooling config, and `sentence_bert_config.json`.

use std::path::Path;

use anyhow::{bail, Context, Result};
use serde_json::Value;

/// Architectures (`config.json` `architectures[0]`) the converter handles.
pub const SUPPORTED_ARCHITECTURES: &[&str] = &[
    "BertModel",
    "BertForMaskedLM",
    "BertForSequenceClassification",
];

/// llama.cpp's `LLAMA_POOLING_TYPE_*` (gguf-py `PoolingType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pooling {
    /// Average of the token states.
    Mean = 1,
    /// The `[CLS]` token's state.
    Cls = 2,
    /// The last token's state.
    Last = 3,
    /// `[CLS]` through the classification head (sequence classification).
    Rank = 4,
}

/// What the converter needs from `config.json`.
#[derive(Clone, Debug)]
pub struct BertHfConfig {
    /// `architectures[0]`.
    pub architecture: String,
    /// `num_hidden_layers`.
    pub n_layer: u32,
    /// `max_position_embeddings`.
    pub n_ctx: u32,
    /// `hidden_size`.
    pub n_embd: u32,
    /// `intermediate_size`.
    pub n_ff: u32,
    /// `num_attention_heads`.
    pub n_head: u32,
    /// `layer_norm_eps`.
    pub norm_eps: f32,
    /// `type_vocab_size` (1 when absent, as llama.cpp's converter assumes).
    pub n_token_types: u32,
    /// `vocab_size`.
    pub n_vocab: u32,
    /// `id2label` ordered by id, when the checkpoint is a classifier with
    /// real labels (not the `LABEL_0`/`LABEL_1` placeholders).
    pub labels: Option<Vec<String>>,
}

fn read_json(path: &Path) -> Result<Value> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))
}

fn get_u32(cfg: &Value, key: &str) -> Result<u32> {
    let v = cfg
        .get(key)
        .and_then(Value::as_u64)
        .with_context(|| format!("config.json: missing or non-integer {key:?}"))?;
    u32::try_from(v).with_context(|| format!("config.json: {key} = {v} is too large"))
}

impl BertHfConfig {
    /// Reads and checks `dir/config.json`.
    pub fn read(dir: &Path) -> Result<Self> {
        if !dir.join("config.json").is_file() {
            bail!(
                "{} has no config.json: not a Hugging Face checkpoint directory",
                dir.display()
            );
        }
        let cfg = read_json(&dir.join("config.json"))?;
        let architecture = cfg
            .get("architectures")
            .and_then(|a| a.get(0))
            .and_then(Value::as_str)
            .map(str::to_owned)
            .or_else(|| {
                (cfg.get("model_type").and_then(Value::as_str) == Some("bert"))
                    .then(|| "BertModel".to_owned())
            })
            .unwrap_or_else(|| "(none given)".to_owned());
        if !SUPPORTED_ARCHITECTURES.contains(&architecture.as_str()) {
            bail!(
                "unsupported architecture {architecture}: mote convert supports BERT checkpoints ({})",
                SUPPORTED_ARCHITECTURES.join(", ")
            );
        }
        if let Some(act) = cfg.get("hidden_act").and_then(Value::as_str) {
            if act != "gelu" {
                bail!("unsupported hidden_act {act:?}: mote's BERT uses exact GELU (\"gelu\")");
            }
        }
        if let Some(pos) = cfg.get("position_embedding_type").and_then(Value::as_str) {
            if pos != "absolute" {
                bail!("unsupported position_embedding_type {pos:?}: only \"absolute\"");
            }
        }
        let norm_eps = cfg
            .get("layer_norm_eps")
            .and_then(Value::as_f64)
            .context("config.json: missing layer_norm_eps")? as f32;
        let labels = match cfg.get("id2label").and_then(Value::as_object) {
            Some(map) if !map.is_empty() => {
                let mut pairs = Vec::with_capacity(map.len());
                for (k, v) in map {
                    let id: usize = k
                        .parse()
                        .with_context(|| format!("config.json: id2label key {k:?}"))?;
                    let name = v
                        .as_str()
                        .with_context(|| format!("config.json: id2label[{k}]"))?;
                    pairs.push((id, name.to_owned()));
                }
                pairs.sort();
                if pairs.iter().enumerate().any(|(i, (id, _))| *id != i) {
                    bail!("config.json: id2label ids are not 0..{}", pairs.len());
                }
                let names: Vec<String> = pairs.into_iter().map(|(_, n)| n).collect();
                // AutoConfig adds LABEL_0/LABEL_1 to every config; llama.cpp's
                // converter drops them as not being a real classifier.
                let dummy = names.len() == 2 && names[0] == "LABEL_0";
                (!dummy).then_some(names)
            }
            _ => None,
        };
        Ok(BertHfConfig {
            architecture,
            n_layer: get_u32(&cfg, "num_hidden_layers")?,
            n_ctx: get_u32(&cfg, "max_position_embeddings")?,
            n_embd: get_u32(&cfg, "hidden_size")?,
            n_ff: get_u32(&cfg, "intermediate_size")?,
            n_head: get_u32(&cfg, "num_attention_heads")?,
            norm_eps,
            n_token_types: get_u32(&cfg, "type_vocab_size").unwrap_or(1),
            n_vocab: get_u32(&cfg, "vocab_size")?,
            labels,
        })
    }

    /// Whether this is a sequence classifier with its own labels.
    pub fn is_sequence_classifier(&self) -> bool {
        self.architecture == "BertForSequenceClassification" && self.labels.is_some()
    }
}

/// The sentence-transformers pooling mode, found as llama.cpp's converter
/// finds it: the `Pooling` module in `modules.json`, then its `config.json`.
pub fn read_pooling(dir: &Path) -> Result<Option<Pooling>> {
    let modules = dir.join("modules.json");
    if !modules.is_file() {
        return Ok(None);
    }
    let list = read_json(&modules)?;
    let Some(path) = list.as_array().and_then(|mods| {
        mods.iter().find_map(|m| {
            let ty = m.get("type").and_then(Value::as_str)?;
            ty.ends_with("Pooling")
                .then(|| m.get("path").and_then(Value::as_str))?
        })
    }) else {
        return Ok(None);
    };
    let cfg = read_json(&dir.join(path).join("config.json"))?;
    let on = |k: &str| cfg.get(k).and_then(Value::as_bool) == Some(true);
    let mode = cfg.get("pooling_mode").and_then(Value::as_str);
    let pooling = if on("pooling_mode_mean_tokens") || mode == Some("mean") {
        Pooling::Mean
    } else if on("pooling_mode_cls_token") || mode == Some("cls") {
        Pooling::Cls
    } else if on("pooling_mode_lasttoken") || mode == Some("lasttoken") {
        Pooling::Last
    } else {
        bail!("{path}/config.json: only mean, CLS and last-token pooling are supported");
    };
    Ok(Some(pooling))
}

/// sentence-transformers' `max_seq_length` (`sentence_bert_config.json`):
/// the truncation length its embeddings were computed with.
pub fn read_max_seq_length(dir: &Path) -> Result<Option<u32>> {
    let path = dir.join("sentence_bert_config.json");
    if !path.is_file() {
        return Ok(None);
    }
    let cfg = read_json(&path)?;
    Ok(cfg
        .get("max_seq_length")
        .and_then(Value::as_u64)
        .and_then(|v| u32::try_from(v).ok()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir_with(config: &str) -> std::path::PathBuf {
        let d = std::env::temp_dir().join(format!(
            "mote-hfcfg-{}-{}",
            std::process::id(),
            config.len()
        ));
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join("config.json"), config).unwrap();
        d
    }

    #[test]
    fn unsupported_architecture_names_the_supported_ones() {
        let d = dir_with(r#"{"architectures": ["LlamaForCausalLM"], "model_type": "llama"}"#);
        let err = BertHfConfig::read(&d).unwrap_err().to_string();
        assert!(err.contains("LlamaForCausalLM"), "{err}");
        assert!(
            err.contains("BertModel, BertForMaskedLM, BertForSequenceClassification"),
            "{err}"
        );
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn classifier_labels_in_id_order_and_dummy_labels_dropped() {
        let base = r#""num_hidden_layers": 2, "max_position_embeddings": 64, "hidden_size": 32,
            "intermediate_size": 64, "num_attention_heads": 4, "layer_norm_eps": 1e-12, "vocab_size": 100"#;
        let d = dir_with(&format!(
            r#"{{"architectures": ["BertForSequenceClassification"], {base},
            "id2label": {{"1": "positive", "0": "negative", "2": "neutral"}}}}"#
        ));
        let c = BertHfConfig::read(&d).unwrap();
        assert_eq!(
            c.labels.as_deref(),
            Some(&["negative".to_string(), "positive".into(), "neutral".into()][..])
        );
        assert!(c.is_sequence_classifier());
        std::fs::remove_dir_all(&d).unwrap();
        let d = dir_with(&format!(
            r#"{{"architectures": ["BertModel"], {base}, "id2label": {{"0": "LABEL_0", "1": "LABEL_1"}}}}"#
        ));
        let c = BertHfConfig::read(&d).unwrap();
        assert_eq!(c.labels, None);
        std::fs::remove_dir_all(&d).unwrap();
    }
}
