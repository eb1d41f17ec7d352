//! Hugging Face BERT tensor names to llama.cpp's GGUF names (gguf-py
//! `tensor_mapping.py`, `conversion/bert.py`), and which tensors llama.cpp's
//! converter keeps in F32.

/// The GGUF name of an HF tensor, or `None` for tensors the GGUF leaves out
/// (`position_ids`, the masked-LM and next-sentence heads, and the pooler
/// of a model that is not a sequence classifier).
pub fn gguf_name(hf: &str, sequence_classifier: bool) -> Option<String> {
    // BertForMaskedLM / BertForSequenceClassification nest the encoder under `bert.`.
    let name = hf.strip_prefix("bert.").unwrap_or(hf);
    // Old TF-converted checkpoints spell LayerNorm parameters gamma/beta.
    let name = if let Some(s) = name.strip_suffix(".gamma") {
        format!("{s}.weight")
    } else if let Some(s) = name.strip_suffix(".beta") {
        format!("{s}.bias")
    } else {
        name.to_owned()
    };
    let (base, suffix) = name.rsplit_once('.')?;
    if suffix != "weight" && suffix != "bias" {
        return None;
    }
    let mapped = match base {
        "embeddings.word_embeddings" => "token_embd".to_owned(),
        "embeddings.position_embeddings" => "position_embd".to_owned(),
        "embeddings.token_type_embeddings" => "token_types".to_owned(),
        "embeddings.LayerNorm" => "token_embd_norm".to_owned(),
        // llama.cpp drops the pooler ("we are only using BERT for
        // embeddings"); for a sequence classifier mote keeps it under
        // llama.cpp's `cls` name, which llama.cpp's rank pooling applies as
        // dense + tanh, exactly BertPooler.
        "pooler.dense" if sequence_classifier => "cls".to_owned(),
        // llama.cpp renames `classifier` to `classifier.out_proj` -> `cls.output`.
        "classifier" if sequence_classifier => "cls.output".to_owned(),
        _ => {
            let rest = base.strip_prefix("encoder.layer.")?;
            let (bid, part) = rest.split_once('.')?;
            let bid: u32 = bid.parse().ok()?;
            let t = match part {
                "attention.self.query" => "attn_q",
                "attention.self.key" => "attn_k",
                "attention.self.value" => "attn_v",
                "attention.output.dense" => "attn_output",
                "attention.output.LayerNorm" => "attn_output_norm",
                "intermediate.dense" => "ffn_up",
                "output.dense" => "ffn_down",
                "output.LayerNorm" => "layer_output_norm",
                _ => return None,
            };
            format!("blk.{bid}.{t}")
        }
    };
    Some(format!("{mapped}.{suffix}"))
}

/// Whether llama.cpp's converter would store this tensor in the requested
/// type (true) or keep it F32: 1-D tensors, norms, position and token-type
/// embeddings and anything not a `.weight` stay F32.
pub fn quantizable(gguf_name: &str, n_dims: usize) -> bool {
    n_dims >= 2
        && gguf_name.ends_with(".weight")
        && !gguf_name.ends_with("_norm.weight")
        && gguf_name != "position_embd.weight"
        && gguf_name != "token_types.weight"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bert_names_map_like_llama_cpp() {
        let cases = [
            (
                "embeddings.word_embeddings.weight",
                Some("token_embd.weight"),
            ),
            (
                "bert.embeddings.LayerNorm.gamma",
                Some("token_embd_norm.weight"),
            ),
            ("embeddings.position_ids", None),
            (
                "encoder.layer.3.attention.self.key.bias",
                Some("blk.3.attn_k.bias"),
            ),
            (
                "encoder.layer.0.attention.output.LayerNorm.weight",
                Some("blk.0.attn_output_norm.weight"),
            ),
            (
                "encoder.layer.5.output.dense.weight",
                Some("blk.5.ffn_down.weight"),
            ),
            (
                "encoder.layer.5.output.LayerNorm.bias",
                Some("blk.5.layer_output_norm.bias"),
            ),
            ("pooler.dense.weight", None),
            ("cls.predictions.bias", None),
        ];
        for (hf, want) in cases {
            assert_eq!(gguf_name(hf, false).as_deref(), want, "{hf}");
        }
        assert_eq!(
            gguf_name("bert.pooler.dense.bias", true).as_deref(),
            Some("cls.bias")
        );
        assert_eq!(
            gguf_name("classifier.weight", true).as_deref(),
            Some("cls.output.weight")
        );
    }

    #[test]
    fn f32_policy() {
        assert!(quantizable("blk.0.attn_q.weight", 2));
        assert!(quantizable("token_embd.weight", 2));
        assert!(!quantizable("position_embd.weight", 2));
        assert!(!quantizable("token_types.weight", 2));
        assert!(!quantizable("blk.0.attn_q.bias", 1));
        assert!(!quantizable("token_embd_norm.weight", 1));
    }
}
