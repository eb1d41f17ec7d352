//! Classify one sentence with a BERT GGUF that has a head (see tools/demo):
//! `cargo run --release -p mote-host --example classify -- MODEL.gguf "text"`
use mote_core::{exec::Serial, gguf::Gguf, model::Bert, tokenizer::Tokenizer};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (path, text) = (args.next().ok_or("model?")?, args.next().ok_or("text?")?);
    let file = mote_host::mmap::Mapped::open(&path)?;
    let gguf = Gguf::parse(file.bytes())?;
    let bert = Bert::from_gguf(&gguf)?;
    let mut tok_scratch = vec![0u8; Tokenizer::scratch_bytes(&gguf)?];
    let tokenizer = Tokenizer::from_gguf(&gguf, &mut tok_scratch)?;
    let mut ids = vec![0u32; bert.config.max_seq];
    let n = tokenizer.encode(&text, &mut ids)?;
    let mut scratch = vec![0u8; bert.plan(n, 1)?.bytes];
    let mut probs = vec![0f32; bert.n_labels()];
    bert.classify(&[&ids[..n]], &mut scratch, &Serial, &mut probs)?;
    let best = (0..probs.len())
        .max_by(|&a, &b| probs[a].total_cmp(&probs[b]))
        .ok_or("no labels")?;
    println!("{} {:.3}", bert.label(best).unwrap_or("?"), probs[best]);
    Ok(())
}
