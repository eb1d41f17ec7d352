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

/// A BERT GGUF (vocabulary only) written as llama.cpp's converter writes one,
/// with `extra` metadata pairs added.
fn bert_vocab_gguf(extra: &[(&str, bool)]) -> Vec<u8> {
    use mote_host::gguf_writer::{Array, GgufWriter, Value};

    let vocab = std::fs::read_to_string(data_path("minilm_vocab.txt")).unwrap();
    let mut tokens = Vec::new();
    let mut types = Vec::new();
    for tok in vocab.split_terminator('\n') {
        let special = SPECIALS.contains(&tok);
        types.push(if special { 3i32 } else { 1 });
        tokens.push(if special {
            tok.to_string()
        } else {
            match tok.strip_prefix("##") {
                Some(rest) => rest.to_string(),
                None => format!("\u{2581}{tok}"),
            }
        });
    }
    let mut w = GgufWriter::new();
    w.add("general.architecture", "bert").unwrap();
    w.add("bert.context_length", Value::U32(512)).unwrap();
    w.add("tokenizer.ggml.model", "bert").unwrap();
    w.add("tokenizer.ggml.pre", "default").unwrap();
    w.add("tokenizer.ggml.tokens", Value::Array(Array::Str(tokens)))
        .unwrap();
    w.add("tokenizer.ggml.token_type", Value::Array(Array::I32(types)))
        .unwrap();
    w.add("tokenizer.ggml.unknown_token_id", Value::U32(100))
        .unwrap();
    w.add("tokenizer.ggml.cls_token_id", Value::U32(101))
        .unwrap();
    w.add("tokenizer.ggml.seperator_token_id", Value::U32(102))
        .unwrap();
    w.add("tokenizer.ggml.padding_token_id", Value::U32(0))
        .unwrap();
    w.add("tokenizer.ggml.mask_token_id", Value::U32(103))
        .unwrap();
    w.add("mote.tokenizer.max_length", Value::U32(256)).unwrap();
    for &(k, v) in extra {
        w.add(k, v).unwrap();
    }
    w.to_vec(&[]).unwrap()
}

/// The GGUF above read back through `Tokenizer::from_gguf`: the adapter finds
/// the kind, the phantom-space form, the special ids and the 256 limit from
/// metadata.
#[test]
fn gguf_metadata_builds_the_same_tokenizer() {
    use mote_core::gguf::Gguf;
    use mote_core::tokenizer::Tokenizer;

    let bytes = bert_vocab_gguf(&[]);
    let g = Gguf::parse(&bytes).unwrap();
    let mut scratch = vec![0u8; Tokenizer::scratch_bytes(&g).unwrap()];
    let tok = Tokenizer::from_gguf(&g, &mut scratch).unwrap();
    let Tokenizer::WordPiece(wp) = &tok else {
        panic!("bert GGUF gave a BPE tokenizer")
    };
    assert_eq!(wp.config().max_len, 256);
    assert_eq!(wp.config().form, PieceForm::Phantom);
    let cases = cases("minilm_wordpiece_corpus.json");
    let mut out = vec![0u32; 300];
    for c in &cases {
        let n = tok.encode(&c.text, &mut out).unwrap();
        assert_eq!(out[..n], c.ids[..], "{:?}", c.text);
    }
    // Tokens spelled as Hugging Face spells them.
    let n = tok.encode("tokenization", &mut out).unwrap();
    let spelled: Vec<String> = out[..n]
        .iter()
        .map(|&id| {
            let (p, rest) = wp.hf_token(id).unwrap();
            format!("{p}{}", String::from_utf8_lossy(rest))
        })
        .collect();
    assert_eq!(spelled, ["[CLS]", "token", "##ization", "[SEP]"]);
}

/// A cased model: the normalizer keys `mote convert` and gguf-py write turn
/// lower-casing and accent stripping off, so upper-case text no longer maps
/// to the (lower-case) vocabulary's whole words.
#[test]
fn gguf_normalizer_keys_turn_lowercasing_off() {
    use mote_core::gguf::Gguf;
    use mote_core::tokenizer::Tokenizer;

    let encode = |bytes: &[u8], text: &str| {
        let g = Gguf::parse(bytes).unwrap();
        let mut scratch = vec![0u8; Tokenizer::scratch_bytes(&g).unwrap()];
        let tok = Tokenizer::from_gguf(&g, &mut scratch).unwrap();
        let mut out = vec![0u32; 64];
        let n = tok.encode(text, &mut out).unwrap();
        out.truncate(n);
        out
    };
    let uncased = bert_vocab_gguf(&[]);
    let cased = bert_vocab_gguf(&[
        ("tokenizer.ggml.normalizer.lowercase", false),
        ("tokenizer.ggml.normalizer.strip_accents", false),
    ]);
    let g = Gguf::parse(&cased).unwrap();
    let cfg = mote_core::tokenizer::gguf_wordpiece_config(&g).unwrap();
    assert!(!cfg.lowercase && !cfg.strip_accents);
    assert_eq!(encode(&uncased, "Hello"), encode(&uncased, "hello"));
    assert_ne!(encode(&cased, "Hello"), encode(&cased, "hello"));
    assert_eq!(encode(&cased, "hello"), encode(&uncased, "hello"));
}
