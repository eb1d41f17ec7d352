//! The WordPiece vocabulary, written as llama.cpp's converter writes a BERT
//! vocabulary (`conversion/bert.py` `BertModel.set_vocab`, gguf-py
//! `SpecialVocab`):
//!
//! - `tokenizer.ggml.model = "bert"`; tokens in id order, ids without a
//!   token filled with `[PAD{id}]` (type UNUSED);
//! - "phantom space" spelling: a word-initial piece `foo` is stored as
//!   `▁foo`, a continuation `##bar` as `bar`, control tokens (`[CLS]`...) as
//!   they are;
//! - token types: 3 (CONTROL) for the special added tokens, 1 (NORMAL)
//!   otherwise;
//! - special ids: bos = `[CLS]`, eos = `[SEP]`, plus unknown, separator,
//!   padding, cls and mask; `add_bos_token`/`add_eos_token` true when the
//!   template wraps a sentence in `[CLS] ... [SEP]`;
//! - `tokenizer.ggml.normalizer.lowercase` (and `.strip_accents` when the
//!   normalizer sets it) from the BERT normalizer.

use std::path::Path;

use anyhow::{bail, Context, Result};
use serde_json::Value;

use crate::gguf_writer::{Array, GgufWriter};

/// gguf-py `TokenType`.
const NORMAL: i32 = 1;
const CONTROL: i32 = 3;
const UNUSED: i32 = 5;

/// A BERT vocabulary read from `tokenizer.json` or `vocab.txt`.
#[derive(Clone, Debug)]
pub struct BertVocab {
    /// Token text by id, as the tokenizer spells it (`##` continuations).
    pub tokens: Vec<String>,
    /// gguf-py token type by id.
    pub types: Vec<i32>,
    /// `[UNK]`, `[SEP]`, `[PAD]`, `[CLS]`, `[MASK]` ids, when present.
    pub unk: Option<u32>,
    /// Separator id.
    pub sep: Option<u32>,
    /// Padding id.
    pub pad: Option<u32>,
    /// Classification id (also written as bos).
    pub cls: Option<u32>,
    /// Mask id.
    pub mask: Option<u32>,
    /// The template adds `[CLS]` first and `[SEP]` last.
    pub add_cls_sep: bool,
    /// The normalizer lower-cases.
    pub lowercase: Option<bool>,
    /// The normalizer strips accents (`None`: follows lowercase).
    pub strip_accents: Option<bool>,
}

fn special_name(config: &Value, key: &str, default: &str) -> String {
    match config.get(key) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Object(o)) => o
            .get("content")
            .and_then(Value::as_str)
            .unwrap_or(default)
            .to_owned(),
        _ => default.to_owned(),
    }
}

impl BertVocab {
    /// Reads `tokenizer.json` when present, else `vocab.txt`; `n_vocab` is
    /// the model's embedding row count (`config.json` `vocab_size`).
    pub fn read(dir: &Path, n_vocab: usize) -> Result<Self> {
        let tok_config: Value = match std::fs::read_to_string(dir.join("tokenizer_config.json")) {
            Ok(text) => serde_json::from_str(&text).context("parsing tokenizer_config.json")?,
            Err(_) => Value::Null,
        };
        let mut slots: Vec<Option<String>> = vec![None; n_vocab];
        let mut types = vec![NORMAL; n_vocab];
        let mut put = |id: usize, tok: &str| -> Result<()> {
            let slot = slots
                .get_mut(id)
                .with_context(|| format!("token {tok:?} has id {id}, past vocab_size {n_vocab}"))?;
            *slot = Some(tok.to_owned());
            Ok(())
        };
        let json_path = dir.join("tokenizer.json");
        let (add_cls_sep, lowercase, strip_accents, mut added);
        if json_path.is_file() {
            let text = std::fs::read_to_string(&json_path).context("reading tokenizer.json")?;
            let tj: Value = serde_json::from_str(&text).context("parsing tokenizer.json")?;
            let model = tj.get("model").context("tokenizer.json: no model")?;
            let kind = model.get("type").and_then(Value::as_str).unwrap_or("");
            if kind != "WordPiece" {
                bail!("tokenizer.json: model type {kind:?}; BERT conversion needs WordPiece");
            }
            let vocab = model
                .get("vocab")
                .and_then(Value::as_object)
                .context("tokenizer.json: model.vocab is not an object")?;
            for (tok, id) in vocab {
                let id = id
                    .as_u64()
                    .context("tokenizer.json: non-integer vocab id")?;
                put(id as usize, tok)?;
            }
            let mut list = Vec::new();
            for t in tj
                .get("added_tokens")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let (Some(id), Some(content)) = (
                    t.get("id").and_then(Value::as_u64),
                    t.get("content").and_then(Value::as_str),
                ) else {
                    continue;
                };
                put(id as usize, content)?;
                let special = t.get("special").and_then(Value::as_bool).unwrap_or(false);
                list.push((id as usize, special));
            }
            added = list;
            let norm = tj.get("normalizer").cloned().unwrap_or(Value::Null);
            let (lc, sa) = normalizer_flags(&norm);
            lowercase = lc;
            strip_accents = sa;
            add_cls_sep = template_wraps_cls_sep(tj.get("post_processor"));
        } else {
            let vocab_path = dir.join("vocab.txt");
            let text = std::fs::read_to_string(&vocab_path).with_context(|| {
                format!(
                    "no tokenizer.json, and cannot read {}",
                    vocab_path.display()
                )
            })?;
            for (id, line) in text.lines().enumerate() {
                put(id, line.trim_end_matches('\r'))?;
            }
            added = Vec::new();
            lowercase = tok_config
                .get("do_lower_case")
                .and_then(Value::as_bool)
                .or(Some(true));
            strip_accents = tok_config.get("strip_accents").and_then(Value::as_bool);
            add_cls_sep = true;
        }
        let find = |name: &str| -> Option<u32> {
            slots
                .iter()
                .position(|s| s.as_deref() == Some(name))
                .and_then(|i| u32::try_from(i).ok())
        };
        let unk = find(&special_name(&tok_config, "unk_token", "[UNK]"));
        let sep = find(&special_name(&tok_config, "sep_token", "[SEP]"));
        let pad = find(&special_name(&tok_config, "pad_token", "[PAD]"));
        let cls = find(&special_name(&tok_config, "cls_token", "[CLS]"));
        let mask = find(&special_name(&tok_config, "mask_token", "[MASK]"));
        if added.is_empty() {
            // vocab.txt: the special tokens are the ones the config names.
            for id in [unk, sep, pad, cls, mask].into_iter().flatten() {
                added.push((id as usize, true));
            }
        }
        for &(id, special) in &added {
            let name = slots.get(id).cloned().flatten().unwrap_or_default();
            if let Some(t) = types.get_mut(id) {
                *t = if special || looks_special(&name) {
                    CONTROL
                } else {
                    NORMAL
                };
            }
        }
        let mut tokens = Vec::with_capacity(n_vocab);
        for (id, slot) in slots.into_iter().enumerate() {
            match slot {
                Some(t) => tokens.push(t),
                None => {
                    tokens.push(format!("[PAD{id}]"));
                    types[id] = UNUSED;
                }
            }
        }
        Ok(BertVocab {
            tokens,
            types,
            unk,
            sep,
            pad,
            cls,
            mask,
            add_cls_sep,
            lowercase,
            strip_accents,
        })
    }

    /// Tokens in llama.cpp's phantom-space spelling.
    pub fn phantom_tokens(&self) -> Vec<String> {
        self.tokens
            .iter()
            .zip(&self.types)
            .map(|(tok, &ty)| {
                if ty == CONTROL {
                    tok.clone()
                } else if let Some(rest) = tok.strip_prefix("##") {
                    rest.to_owned()
                } else {
                    format!("\u{2581}{tok}")
                }
            })
            .collect()
    }

    /// Writes the `tokenizer.ggml.*` keys.
    pub fn write(&self, w: &mut GgufWriter, n_token_types: u32) -> Result<()> {
        w.add("tokenizer.ggml.token_type_count", n_token_types)?;
        w.add("tokenizer.ggml.model", "bert")?;
        // llama.cpp's converter names the pre-tokenizer by hashing the
        // tokenization of a probe text; for the uncased BERT vocabulary
        // (bge-small, MiniLM) that is "bert-bge". WordPiece models ignore it.
        w.add("tokenizer.ggml.pre", "bert-bge")?;
        w.add("tokenizer.ggml.tokens", Array::Str(self.phantom_tokens()))?;
        w.add("tokenizer.ggml.token_type", Array::I32(self.types.clone()))?;
        let ids = [
            ("tokenizer.ggml.bos_token_id", self.cls),
            ("tokenizer.ggml.eos_token_id", self.sep),
            ("tokenizer.ggml.unknown_token_id", self.unk),
            ("tokenizer.ggml.seperator_token_id", self.sep),
            ("tokenizer.ggml.padding_token_id", self.pad),
            ("tokenizer.ggml.cls_token_id", self.cls),
            ("tokenizer.ggml.mask_token_id", self.mask),
        ];
        for (key, id) in ids {
            if let Some(id) = id {
                w.add(key, id)?;
            }
        }
        w.add("tokenizer.ggml.add_bos_token", self.add_cls_sep)?;
        w.add("tokenizer.ggml.add_eos_token", self.add_cls_sep)?;
        w.add("tokenizer.ggml.add_sep_token", false)?;
        if let Some(lc) = self.lowercase {
            w.add("tokenizer.ggml.normalizer.lowercase", lc)?;
        }
        if let Some(sa) = self.strip_accents {
            w.add("tokenizer.ggml.normalizer.strip_accents", sa)?;
        }
        Ok(())
    }
}

/// gguf-py `SpecialVocab._parse_normalizer`: (lowercase, strip_accents).
fn normalizer_flags(norm: &Value) -> (Option<bool>, Option<bool>) {
    match norm.get("type").and_then(Value::as_str) {
        Some("Lowercase") => (Some(true), None),
        Some("StripAccents") => (None, Some(true)),
        Some("BertNormalizer") => (
            norm.get("lowercase").and_then(Value::as_bool),
            norm.get("strip_accents").and_then(Value::as_bool),
        ),
        Some("Sequence") => {
            let mut out = (None, None);
            for n in norm
                .get("normalizers")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let (lc, sa) = normalizer_flags(n);
                out.0 = lc.or(out.0);
                out.1 = sa.or(out.1);
            }
            out
        }
        _ => (None, None),
    }
}

/// Whether a `TemplateProcessing` post-processor's single-sentence template
/// starts with a special token and ends with one (`[CLS] $A [SEP]`).
fn template_wraps_cls_sep(pp: Option<&Value>) -> bool {
    let Some(single) = pp.and_then(|p| p.get("single")).and_then(Value::as_array) else {
        // BertProcessing (older tokenizer.json) always wraps.
        return pp.and_then(|p| p.get("type")).and_then(Value::as_str) == Some("BertProcessing");
    };
    let is_special = |v: Option<&Value>| v.and_then(|t| t.get("SpecialToken")).is_some();
    single.len() > 1 && is_special(single.first()) && is_special(single.last())
}

/// gguf-py `does_token_look_special`, for the BERT spellings.
fn looks_special(tok: &str) -> bool {
    tok.starts_with('[') && tok.ends_with(']') || tok.starts_with('<') && tok.ends_with('>')
}
