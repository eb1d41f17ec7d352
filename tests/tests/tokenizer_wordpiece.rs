//! WordPiece ids against Hugging Face `tokenizers` (all-MiniLM-L6-v2): the
//! shared goldens and a 374-string corpus (tools/make-wordpiece-corpus.py).
//!
//! The vocabulary is laid out as GGUF string/int arrays the way llama.cpp's
//! BERT converter stores it (phantom-space pieces, control-typed specials),
//! and also in plain vocab.txt form.

use mote_core::tokenizer::{I32Array, PieceForm, StrArray, Vocab, WordPiece, WordPieceConfig};
use std::path::PathBuf;

const SPECIALS: [&str; 5] = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"];

fn data_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("data")
        .join(name)
}

/// GGUF array payloads: strings as (u64 length, bytes), types as i32.
struct GgufArrays {
    tokens: Vec<u8>,
    types: Vec<u8>,
    n: usize,
}

fn arrays(form: PieceForm) -> GgufArrays {
    let vocab = std::fs::read_to_string(data_path("minilm_vocab.txt")).unwrap();
    let mut tokens = Vec::new();
    let mut types = Vec::new();
    let mut n = 0;
    for tok in vocab.split_terminator('\n') {
        let special = SPECIALS.contains(&tok);
        // gguf TokenType: CONTROL = 3, NORMAL = 1 (as convert_hf_to_gguf marks HF's special added tokens).
        let ty: i32 = if special { 3 } else { 1 };
        // llama.cpp conversion/bert.py `phantom`: control tokens as is, `##x` -> `x`, else `▁x`.
        let stored = match form {
            PieceForm::Phantom if special => tok.to_string(),
            PieceForm::Phantom => match tok.strip_prefix("##") {
                Some(rest) => rest.to_string(),
                None => format!("\u{2581}{tok}"),
            },
            _ => tok.to_string(),
        };
        tokens.extend_from_slice(&(stored.len() as u64).to_le_bytes());
        tokens.extend_from_slice(stored.as_bytes());
        types.extend_from_slice(&ty.to_le_bytes());
        n += 1;
    }
    GgufArrays { tokens, types, n }
}

struct Case {
    text: String,
    ids: Vec<u32>,
}

fn cases(file: &str) -> Vec<Case> {
    let d: serde_json::Value =
        serde_json::from_slice(&std::fs::read(data_path(file)).unwrap()).unwrap();
    d["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| Case {
            text: r["text"].as_str().unwrap().to_string(),
            ids: r["ids"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_u64().unwrap() as u32)
                .collect(),
        })
        .collect()
}

fn check(file: &str, form: PieceForm, with_types: bool) -> usize {
    let a = arrays(form);
    let tokens = StrArray::new(&a.tokens, a.n, "tokens").unwrap();
    let types = with_types.then(|| I32Array::new(&a.types));
    let vocab = Vocab::new(tokens, types, None).unwrap();
    let cfg = WordPieceConfig {
        max_len: 256,
        form,
        ..WordPieceConfig::default()
    };
    let mut scratch = vec![0u8; WordPiece::scratch_bytes(&vocab)];
    let wp = WordPiece::new(&vocab, cfg, &mut scratch).unwrap();
    assert_eq!((wp.cls(), wp.sep(), wp.unk()), (101, 102, 100));
    let cases = cases(file);
    let mut bad = 0;
    for c in &cases {
        let mut out = vec![0u32; 300];
        let n = wp.encode(&c.text, &mut out).unwrap();
        if out[..n] != c.ids[..] {
            bad += 1;
            eprintln!(
                "MISMATCH {:?}\n  mote {:?}\n  hf   {:?}",
                c.text,
                &out[..n],
                c.ids
            );
        }
    }
    assert_eq!(
        bad,
        0,
        "{bad} of {} strings differ from Hugging Face ({form:?}, types: {with_types})",
        cases.len()
    );
    cases.len()
}

#[test]
fn golden_sentences_equal_sentence_transformers() {
    assert_eq!(
        check("minilm_public_ids.json", PieceForm::Phantom, true),
        12
    );
}

#[test]
fn corpus_equals_hf_tokenizers_gguf_form() {
    assert_eq!(
        check("minilm_wordpiece_corpus.json", PieceForm::Phantom, true),
        374
    );
}

#[test]
fn corpus_equals_hf_tokenizers_vocab_txt_form() {
    assert_eq!(
        check("minilm_wordpiece_corpus.json", PieceForm::Hash, false),
        374
    );
}

#[test]
fn small_output_buffer_is_an_error_not_a_truncation() {
    let a = arrays(PieceForm::Phantom);
    let vocab = Vocab::new(
        StrArray::new(&a.tokens, a.n, "tokens").unwrap(),
        Some(I32Array::new(&a.types)),
        None,
    )
    .unwrap();
    let mut scratch = vec![0u8; WordPiece::scratch_bytes(&vocab)];
    let cfg = WordPieceConfig {
        max_len: 256,
        form: PieceForm::Phantom,
        ..WordPieceConfig::default()
    };
    let wp = WordPiece::new(&vocab, cfg, &mut scratch).unwrap();
    let mut big = [0u32; 16];
    let n = wp.encode("hello there general kenobi", &mut big).unwrap();
    let mut small = vec![0u32; n - 1];
    assert!(matches!(
        wp.encode("hello there general kenobi", &mut small),
        Err(mote_core::tokenizer::Error::OutputTooSmall { .. })
    ));
    let mut exact = vec![0u32; n];
    assert_eq!(
        wp.encode("hello there general kenobi", &mut exact).unwrap(),
        n
    );
    assert_eq!(exact[..], big[..n]);
}
