//! `mote classify -m MODEL [--top-k K] [--json] [TEXT ...]`.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{bail, Result};

use super::embed::{batched, read_texts, Loaded};
use super::ThreadsArg;

/// Classify texts with a model's classification head
///
/// Classifies each text with the model's head (an intent head attached by
/// `mote convert --head`, or a BertForSequenceClassification classifier)
/// and prints the best label with its probability. Texts come from the
/// arguments, or one per line from stdin when there are none.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The BERT model with a classification head (GGUF).
    #[arg(short = 'm', long = "model", value_name = "MODEL")]
    pub model: PathBuf,
    /// How many of the most likely labels to list.
    #[arg(long = "top-k", value_name = "K", default_value_t = 3)]
    pub top_k: usize,
    /// One JSON object per text: {"text","label","score","top":[{"label","score"}]}.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub threads: ThreadsArg,
    /// Texts to classify (default: one per line from stdin).
    #[arg(value_name = "TEXT")]
    pub texts: Vec<String>,
}

/// Classifies the texts and prints the labels.
pub fn run(args: Args) -> Result<()> {
    let texts = read_texts(args.texts)?;
    let model = Loaded::open(&args.model)?;
    let threads = args.threads.get();
    let top_k = args.top_k.max(1);
    let (labels, probs) = model.with(&texts, |bert, ids| {
        let n = bert.n_labels();
        if n == 0 {
            bail!(
                "{} has no classification head (embed it instead, or convert with --head)",
                args.model.display()
            );
        }
        let labels: Vec<String> = (0..n)
            .map(|i| {
                bert.label(i)
                    .map_or_else(|| format!("LABEL_{i}"), str::to_owned)
            })
            .collect();
        let p = batched(bert, ids, n, threads, |b, s, scratch, pool, out| {
            b.classify(s, scratch, pool, out)
        })?;
        Ok((labels, p))
    })?;
    let mut out = std::io::stdout().lock();
    for (text, p) in texts.iter().zip(probs.chunks_exact(labels.len().max(1))) {
        let mut order: Vec<usize> = (0..p.len()).collect();
        order.sort_by(|&a, &b| p[b].total_cmp(&p[a]));
        order.truncate(top_k);
        let best = order.first().copied().unwrap_or(0);
        if args.json {
            let top: Vec<_> = order
                .iter()
                .map(|&i| serde_json::json!({ "label": labels[i], "score": p[i] }))
                .collect();
            let obj = serde_json::json!({
                "text": text,
                "label": labels[best],
                "score": p[best],
                "top": top,
            });
            writeln!(out, "{obj}")?;
        } else {
            writeln!(out, "{:<28} {:.3}  {text}", labels[best], p[best])?;
            for &i in order.iter().skip(1) {
                writeln!(out, "  {:<26} {:.3}", labels[i], p[i])?;
            }
        }
    }
    Ok(())
}
