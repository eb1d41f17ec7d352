//! `mote convert`: a Hugging Face BERT checkpoint directory to GGUF.
//!
//! Reads `config.json`, `tokenizer.json` (or `vocab.txt`),
//! `model.safetensors` (memory-mapped) and the sentence-transformers
//! `modules.json` + pooling config, and writes what llama.cpp's
//! `convert_hf_to_gguf.py` writes for the same model: architecture `bert`,
//! the `bert.*` hyperparameters, `tokenizer.ggml.*` (see [`vocab`]),
//! llama.cpp's tensor names (see [`tensor_names`]) and its F32 policy. So
//! llama.cpp loads mote's files and mote loads llama.cpp's.
//!
//! Additions, all optional:
//! - `BertForSequenceClassification`: the pooler is kept as `cls.{weight,bias}`
//!   (dense + tanh, as llama.cpp applies `cls` in rank pooling), the
//!   classifier as `cls.output.{weight,bias}`, `id2label` as
//!   `bert.classifier.output_labels`, and `bert.pooling_type` = 4 (rank);
//! - an external head over the normalized embedding ([`head`], `mote.classifier.*`);
//! - `mote.tokenizer.max_length` (u32): sentence-transformers' truncation length
//!   (`sentence_bert_config.json`), which the embeddings were made with.
//!   llama.cpp ignores keys it does not know.

pub mod head;
pub mod hf_config;
pub mod out_type;
pub mod tensor_names;
pub mod vocab;

use std::io::BufWriter;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use mote_core::GgmlType;
use safetensors::{Dtype, SafeTensors};

use crate::gguf_writer::{Array, GgufWriter};
use hf_config::{BertHfConfig, Pooling};
pub use out_type::OutType;
use vocab::BertVocab;

/// Metadata key for sentence-transformers' `max_seq_length`.
pub const MAX_SEQ_KEY: &str = "mote.tokenizer.max_length";

/// What to convert and how.
#[derive(Clone, Debug)]
pub struct ConvertOptions {
    /// Storage type of the weight matrices.
    pub out_type: OutType,
    /// An external head (`--head`, `--labels`).
    pub head: Option<(PathBuf, PathBuf)>,
    /// Show a progress bar on stderr.
    pub progress: bool,
}

/// What was written.
#[derive(Clone, Debug)]
pub struct Summary {
    /// Tensors written.
    pub tensors: usize,
    /// Bytes of tensor data.
    pub data_bytes: u64,
    /// Architecture read from `config.json`.
    pub architecture: String,
}

/// A tensor of the output, before conversion.
struct Planned<'a> {
    name: String,
    ty: GgmlType,
    /// GGUF order: ne\[0\] first.
    shape: Vec<u64>,
    source: Source<'a>,
}

enum Source<'a> {
    Checkpoint(safetensors::tensor::TensorView<'a>),
    Owned(Vec<f32>),
}

/// Reads a floating-point tensor as f32 with its (row-major) shape.
pub fn tensor_f32(st: &SafeTensors<'_>, name: &str) -> Result<(Vec<f32>, Vec<usize>)> {
    let view = st
        .tensor(name)
        .with_context(|| format!("no tensor {name:?}"))?;
    Ok((
        view_f32(&view).with_context(|| format!("tensor {name}"))?,
        view.shape().to_vec(),
    ))
}

fn view_f32(view: &safetensors::tensor::TensorView<'_>) -> Result<Vec<f32>> {
    let data = view.data();
    Ok(match view.dtype() {
        Dtype::F32 => data
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect(),
        Dtype::F16 => data
            .chunks_exact(2)
            .map(|b| half::f16::from_le_bytes([b[0], b[1]]).to_f32())
            .collect(),
        Dtype::BF16 => data
            .chunks_exact(2)
            .map(|b| half::bf16::from_le_bytes([b[0], b[1]]).to_f32())
            .collect(),
        other => bail!("unsupported dtype {other:?} (expected F32, F16 or BF16)"),
    })
}

/// Converts `f32` values to `ty`'s bytes.
fn encode(ty: GgmlType, values: &[f32]) -> Result<Vec<u8>> {
    if ty == GgmlType::F32 {
        return Ok(bytemuck::cast_slice(values).to_vec());
    }
    let bytes = ty
        .row_bytes(values.len())
        .with_context(|| format!("{} values do not fill {} blocks", values.len(), ty.name()))?;
    let mut out = vec![0u8; bytes];
    mote_core::quant::quantize(ty, values, &mut out).map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(out)
}

/// Order of tensors in the file: embeddings, then blocks by number, then heads.
fn sort_key(name: &str) -> (u32, u32, String) {
    if let Some(rest) = name.strip_prefix("blk.") {
        let bid = rest
            .split('.')
            .next()
            .and_then(|b| b.parse().ok())
            .unwrap_or(0);
        (1, bid, name.to_owned())
    } else if name.starts_with("cls") || name.starts_with("mote.") {
        (2, 0, name.to_owned())
    } else {
        (0, 0, name.to_owned())
    }
}

/// Converts the checkpoint in `dir` to the GGUF file `out`.
pub fn convert(dir: &Path, out: &Path, opts: &ConvertOptions) -> Result<Summary> {
    let cfg = BertHfConfig::read(dir)?;
    let seq_cls = cfg.is_sequence_classifier();
    let pooling = if seq_cls {
        Some(Pooling::Rank)
    } else {
        hf_config::read_pooling(dir)?
    };
    let max_seq = hf_config::read_max_seq_length(dir)?;
    let vocab = BertVocab::read(dir, cfg.n_vocab as usize)?;

    let st_path = dir.join("model.safetensors");
    if !st_path.is_file() {
        bail!(
            "{} not found: mote convert reads safetensors checkpoints (pytorch_model.bin is not supported)",
            st_path.display()
        );
    }
    let mapped = crate::mmap::Mapped::open(&st_path)?;
    let st = SafeTensors::deserialize(mapped.bytes())
        .with_context(|| format!("parsing {}", st_path.display()))?;

    let wanted = opts.out_type.ggml_type();
    let mut plan: Vec<Planned<'_>> = Vec::new();
    for (hf_name, view) in st.tensors() {
        let Some(name) = tensor_names::gguf_name(&hf_name, seq_cls) else {
            continue;
        };
        let shape: Vec<u64> = view.shape().iter().rev().map(|&d| d as u64).collect();
        let mut ty = if tensor_names::quantizable(&name, shape.len()) {
            wanted
        } else {
            GgmlType::F32
        };
        // A row that does not fill whole blocks cannot be block-quantized;
        // llama.cpp's converter falls back to F16 the same way.
        if shape
            .first()
            .is_some_and(|&c| c % ty.block_size() as u64 != 0)
        {
            ty = GgmlType::F16;
        }
        plan.push(Planned {
            name,
            ty,
            shape,
            source: Source::Checkpoint(view),
        });
    }
    let n_embd = cfg.n_embd as usize;
    let head = match &opts.head {
        Some((w, l)) => Some(head::Head::read(w, l, n_embd)?),
        None => None,
    };
    if let Some(h) = &head {
        if seq_cls {
            bail!("--head given for a checkpoint that already has a classifier");
        }
        let n = h.labels.len() as u64;
        plan.push(Planned {
            name: head::WEIGHT.into(),
            ty: GgmlType::F32,
            shape: vec![n_embd as u64, n],
            source: Source::Owned(h.weight.clone()),
        });
        plan.push(Planned {
            name: head::BIAS.into(),
            ty: GgmlType::F32,
            shape: vec![n],
            source: Source::Owned(h.bias.clone()),
        });
    }
    plan.sort_by_key(|p| sort_key(&p.name));
    check_complete(&plan, &cfg)?;

    let mut w = GgufWriter::new();
    w.add("general.architecture", "bert")?;
    let name = dir
        .canonicalize()
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "bert".into());
    w.add("general.name", name)?;
    w.add("bert.block_count", cfg.n_layer)?;
    w.add("bert.context_length", cfg.n_ctx)?;
    w.add("bert.embedding_length", cfg.n_embd)?;
    w.add("bert.feed_forward_length", cfg.n_ff)?;
    w.add("bert.attention.head_count", cfg.n_head)?;
    w.add("bert.attention.layer_norm_epsilon", cfg.norm_eps)?;
    w.add("general.file_type", opts.out_type.file_type())?;
    w.add("bert.attention.causal", false)?;
    if let Some(p) = pooling {
        w.add("bert.pooling_type", p as u32)?;
    }
    if let (true, Some(labels)) = (seq_cls, &cfg.labels) {
        w.add("bert.classifier.output_labels", Array::Str(labels.clone()))?;
    }
    if let Some(h) = &head {
        w.add(head::LABELS_KEY, Array::Str(h.labels.clone()))?;
    }
    if let Some(m) = max_seq {
        w.add(MAX_SEQ_KEY, m)?;
    }
    vocab.write(&mut w, cfg.n_token_types)?;
    w.add("general.quantization_version", 2u32)?;
    for p in &plan {
        w.add_tensor(p.name.clone(), p.ty, &p.shape)?;
    }

    let file = std::fs::File::create(out).with_context(|| format!("creating {}", out.display()))?;
    let result = write_data(w, BufWriter::new(file), &plan, opts.progress);
    if result.is_err() {
        let _ = std::fs::remove_file(out);
    }
    let data_bytes = result?;
    Ok(Summary {
        tensors: plan.len(),
        data_bytes,
        architecture: cfg.architecture,
    })
}

fn write_data(
    w: GgufWriter,
    sink: BufWriter<std::fs::File>,
    plan: &[Planned<'_>],
    progress: bool,
) -> Result<u64> {
    let bar = if progress {
        let total: u64 = plan.iter().map(|p| p.shape.iter().product::<u64>()).sum();
        let bar = indicatif::ProgressBar::new(total);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{spinner} [{bar:30}] {percent:>3}% {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        bar
    } else {
        indicatif::ProgressBar::hidden()
    };
    let mut data = w.write_header(sink)?;
    let mut bytes = 0u64;
    for p in plan {
        bar.set_message(format!("{} -> {}", p.name, p.ty.name()));
        let values = match &p.source {
            Source::Checkpoint(view) => {
                view_f32(view).with_context(|| format!("tensor {}", p.name))?
            }
            Source::Owned(v) => v.clone(),
        };
        let encoded = encode(p.ty, &values).with_context(|| format!("tensor {}", p.name))?;
        bytes += encoded.len() as u64;
        data.write_tensor(&encoded)?;
        bar.inc(values.len() as u64);
    }
    let mut sink = data.finish()?;
    std::io::Write::flush(&mut sink)?;
    bar.finish_and_clear();
    Ok(bytes)
}

/// Every tensor llama.cpp's BERT loader requires is there, with the shape
/// config.json implies.
fn check_complete(plan: &[Planned<'_>], cfg: &BertHfConfig) -> Result<()> {
    let e = cfg.n_embd as u64;
    let ff = cfg.n_ff as u64;
    let shape_of = |n: &str| plan.iter().find(|p| p.name == n).map(|p| p.shape.clone());
    let mut need: Vec<(String, Vec<u64>)> = vec![
        ("token_embd.weight".into(), vec![e, cfg.n_vocab as u64]),
        ("position_embd.weight".into(), vec![e, cfg.n_ctx as u64]),
        ("token_embd_norm.weight".into(), vec![e]),
        ("token_embd_norm.bias".into(), vec![e]),
    ];
    for b in 0..cfg.n_layer {
        for (t, shape) in [
            ("attn_q.weight", vec![e, e]),
            ("attn_k.weight", vec![e, e]),
            ("attn_v.weight", vec![e, e]),
            ("attn_output.weight", vec![e, e]),
            ("attn_output_norm.weight", vec![e]),
            ("attn_output_norm.bias", vec![e]),
            ("ffn_up.weight", vec![e, ff]),
            ("ffn_down.weight", vec![ff, e]),
            ("layer_output_norm.weight", vec![e]),
            ("layer_output_norm.bias", vec![e]),
        ] {
            need.push((format!("blk.{b}.{t}"), shape));
        }
    }
    for (name, want) in need {
        match shape_of(&name) {
            None => bail!("model.safetensors lacks the tensor that becomes {name}"),
            Some(got) if got != want => {
                bail!("{name}: shape {got:?} (GGUF order) does not match config.json's {want:?}")
            }
            Some(_) => {}
        }
    }
    Ok(())
}
