//! Byte-level BPE ids against llama.cpp's `llama-tokenize` on the real
//! SmolLM2 vocabulary (read in place from the GGUF in `$MOTE_MODELS`).

use mote_core::gguf::Gguf;
use mote_core::tokenizer::{gguf_bpe_config, gguf_vocab, Bpe, PreTokenizer, Utf8Stream};
use std::path::PathBuf;

fn model_path(name: &str) -> PathBuf {
    let dir = std::env::var_os("MOTE_MODELS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").unwrap()).join(".cache/mote/models")
        });
    let p = dir.join(name);
    assert!(
        p.exists(),
        "{} missing: run tools/fetch-models (or set MOTE_MODELS to the directory holding it)",
        p.display()
    );
    p
}

fn data(name: &str) -> serde_json::Value {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("data")
        .join(name);
    serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap()
}

fn ids_of(v: &serde_json::Value) -> Vec<u32> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap() as u32)
        .collect()
}

struct Case {
    /// `tokenizer.ggml.pre` llama.cpp used (the file's own when absent).
    pre: Option<String>,
    text: String,
    parse_special: bool,
    ids: Vec<u32>,
}

fn cases(file: &str) -> Vec<Case> {
    let d = data(file);
    d["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| Case {
            pre: r.get("pre").and_then(|v| v.as_str()).map(str::to_string),
            text: r["text"].as_str().unwrap().to_string(),
            parse_special: r
                .get("parse_special")
                .and_then(|v| v.as_bool())
                .unwrap_or(true),
            ids: ids_of(r.get("token_ids").unwrap_or(&r["ids"])),
        })
        .collect()
}

fn check(file: &str) -> usize {
    let map = mote_host::mmap::Mapped::open(model_path("SmolLM2-135M-Instruct.Q4_1.gguf")).unwrap();
    let g = Gguf::parse(map.bytes()).unwrap();
    let vocab = gguf_vocab(&g).unwrap();
    let cases = cases(file);
    let mut bad = 0;
    let mut scratch = vec![0u8; Bpe::scratch_bytes(&vocab)];
    let mut pres: Vec<Option<String>> = cases.iter().map(|c| c.pre.clone()).collect();
    pres.sort();
    pres.dedup();
    for pre in pres {
        // The corpus also ran llama.cpp on copies of the file with another
        // tokenizer.ggml.pre: same vocabulary, other split.
        let mut cfg = gguf_bpe_config(&g).unwrap();
        if let Some(pre) = &pre {
            cfg.pre = PreTokenizer::from_name(pre).unwrap();
        }
        let bpe = Bpe::new(&vocab, cfg, &mut scratch).unwrap();
        bad += check_cases(&bpe, cases.iter().filter(|c| c.pre == pre));
    }
    assert_eq!(
        bad,
        0,
        "{bad} of {} strings differ from llama-tokenize",
        cases.len()
    );
    cases.len()
}

fn check_cases<'c>(bpe: &Bpe<'_, '_>, cases: impl Iterator<Item = &'c Case>) -> usize {
    let mut bad = 0;
    for c in cases {
        let mut out = vec![0u32; c.text.len() + 2];
        let n = bpe
            .encode(&c.text, true, c.parse_special, &mut out)
            .unwrap();
        if out[..n] != c.ids[..] {
            bad += 1;
            eprintln!(
                "MISMATCH {:?} (pre={:?} parse_special={})\n  mote  {:?}\n  llama {:?}",
                c.text,
                c.pre,
                c.parse_special,
                &out[..n],
                c.ids
            );
            continue;
        }
        // Decoding the ids streams back the text (special tokens as text when parsed).
        let mut text = String::new();
        let mut stream = Utf8Stream::new();
        let mut buf = [0u8; 256];
        for &id in &out[..n] {
            let k = bpe.piece(id, true, &mut buf).unwrap();
            stream.push(&buf[..k], &mut |s| text.push_str(s));
        }
        stream.finish(&mut |s| text.push_str(s));
        assert_eq!(text, c.text, "round trip");
    }
    bad
}

#[test]
fn smollm2_golden_ids_equal_llama_tokenize() {
    assert_eq!(check("smollm2_tokenize.json"), 12);
}

#[test]
fn corpus_ids_equal_llama_tokenize_for_four_pre_tokenizers() {
    // tools/make-bpe-corpus: smollm on every string, gpt-2 / llama-bpe / qwen2 on half.
    assert!(check("smollm2_bpe_corpus.json") > 400);
}
