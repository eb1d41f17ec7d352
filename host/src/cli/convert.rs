//! `mote convert HF_DIR -o OUT.gguf [--type T] [--head HEAD --labels LABELS]`.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{bail, Result};

use crate::convert::{self, ConvertOptions, OutType};

/// Convert a Hugging Face BERT checkpoint to GGUF
///
/// Converts a Hugging Face BERT checkpoint directory (config.json,
/// tokenizer.json or vocab.txt, model.safetensors, and the
/// sentence-transformers pooling config when present) to GGUF with
/// llama.cpp's names, optionally attaching a classification head.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The checkpoint directory.
    #[arg(value_name = "HF_DIR")]
    pub dir: PathBuf,
    /// Output GGUF file.
    #[arg(short = 'o', long = "output", value_name = "OUT.gguf")]
    pub output: PathBuf,
    /// Storage type of the weight matrices (norms, biases and position
    /// embeddings stay F32, as llama.cpp keeps them).
    #[arg(long = "type", value_enum, default_value = "f16")]
    pub out_type: OutType,
    /// A linear head over the normalized sentence embedding: safetensors
    /// with `weight` (labels × width) and `bias` (labels).
    #[arg(long, value_name = "HEAD.safetensors", requires = "labels")]
    pub head: Option<PathBuf>,
    /// The head's label names: a JSON list, or an object with a `labels` list.
    #[arg(long, value_name = "LABELS.json", requires = "head")]
    pub labels: Option<PathBuf>,
    /// No progress bar.
    #[arg(short, long)]
    pub quiet: bool,
}

/// Runs the conversion and prints a one-line summary.
pub fn run(args: Args) -> Result<()> {
    if !args.dir.is_dir() {
        bail!("{} is not a directory", args.dir.display());
    }
    let opts = ConvertOptions {
        out_type: args.out_type,
        head: args.head.zip(args.labels),
        progress: !args.quiet,
    };
    let s = convert::convert(&args.dir, &args.output, &opts)?;
    writeln!(
        std::io::stderr(),
        "mote: wrote {} ({}, {} tensors, {:.1} MB of weights)",
        args.output.display(),
        s.architecture,
        s.tensors,
        s.data_bytes as f64 / 1e6
    )?;
    Ok(())
}
