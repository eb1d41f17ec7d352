//! mote's BERT against sentence-transformers + torch (tests/data/minilm_public.json):
//! embeddings of all-MiniLM-L6-v2 converted to GGUF by `mote convert` at F32,
//! F16 and Q8_0, computed as one batch of sentences of different lengths.

mod bert_common;

use mote_core::exec::Serial;
use mote_core::gguf::Gguf;
use mote_core::model::Bert;
use mote_core::tokenizer::Tokenizer;
use mote_host::convert::OutType;
use serde_json::Value;

fn floats(v: &Value) -> Vec<f32> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap() as f32)
        .collect()
}

fn cosine(a: &[f32], b: &[f32]) -> f64 {
    let dot: f64 = a.iter().zip(b).map(|(&x, &y)| x as f64 * y as f64).sum();
    let na: f64 = a.iter().map(|&x| (x as f64).powi(2)).sum::<f64>().sqrt();
    let nb: f64 = b.iter().map(|&x| (x as f64).powi(2)).sum::<f64>().sqrt();
    dot / (na * nb)
}

/// Embeds all golden sentences in one batch; returns the lowest cosine.
fn min_cosine(ty: OutType) -> f64 {
    let g = bert_common::data("minilm_public.json");
    let items = g["items"].as_array().unwrap();
    let ids: Vec<Vec<u32>> = items
        .iter()
        .map(|it| {
            it["input_ids"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_u64().unwrap() as u32)
                .collect()
        })
        .collect();
    let sentences: Vec<&[u32]> = ids.iter().map(|v| v.as_slice()).collect();
    let gguf = Gguf::parse(bert_common::minilm_gguf(ty, false)).unwrap();
    let bert = Bert::from_gguf(&gguf).unwrap();
    let e = bert.config.n_embd;
    let longest = sentences.iter().map(|s| s.len()).max().unwrap();
    let plan = bert.plan(longest, sentences.len()).unwrap();
    let mut scratch = vec![0u8; plan.bytes];
    let mut out = vec![0f32; sentences.len() * e];
    bert.embed(&sentences, &mut scratch, &Serial, &mut out)
        .unwrap();
    let mut worst = 1.0f64;
    for (it, got) in items.iter().zip(out.chunks_exact(e)) {
        let c = cosine(got, &floats(&it["embedding"]));
        eprintln!(
            "{ty:?} {:>3} tokens  cos {c:.7}  {}",
            it["input_ids"].as_array().unwrap().len(),
            it["id"]
        );
        worst = worst.min(c);
    }
    worst
}

#[test]
fn f32_embeddings_match_sentence_transformers() {
    let c = min_cosine(OutType::F32);
    assert!(c >= 0.9999, "F32 min cosine {c}");
}

#[test]
fn f16_embeddings_match_sentence_transformers() {
    let c = min_cosine(OutType::F16);
    assert!(c >= 0.9999, "F16 min cosine {c}");
}

#[test]
fn q8_0_embeddings_match_sentence_transformers() {
    let c = min_cosine(OutType::Q8_0);
    assert!(c >= 0.999, "Q8_0 min cosine {c}");
}

/// mote's tokenizer, reading the vocabulary mote convert wrote, gives the
/// ids sentence-transformers used (truncation at 256 included).
#[test]
fn converted_vocabulary_tokenizes_like_hugging_face() {
    let g = bert_common::data("minilm_public.json");
    let gguf = Gguf::parse(bert_common::minilm_gguf(OutType::F16, false)).unwrap();
    let mut scratch = vec![0u8; Tokenizer::scratch_bytes(&gguf).unwrap()];
    let tok = Tokenizer::from_gguf(&gguf, &mut scratch).unwrap();
    let mut buf = vec![0u32; 512];
    for it in g["items"].as_array().unwrap() {
        let n = tok.encode(it["text"].as_str().unwrap(), &mut buf).unwrap();
        let want: Vec<u32> = it["input_ids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_u64().unwrap() as u32)
            .collect();
        assert_eq!(&buf[..n], &want[..], "{}", it["id"]);
    }
}

/// Packing sentences into one batch changes nothing: each sentence's
/// embedding equals the one computed alone (attention stays inside a
/// sentence, every other step is per token).
#[test]
fn batched_equals_alone() {
    let g = bert_common::data("minilm_public.json");
    let ids: Vec<Vec<u32>> = g["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|it| {
            it["input_ids"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_u64().unwrap() as u32)
                .collect()
        })
        .collect();
    let sentences: Vec<&[u32]> = ids.iter().map(Vec::as_slice).collect();
    let gguf = Gguf::parse(bert_common::minilm_gguf(OutType::F16, false)).unwrap();
    let bert = Bert::from_gguf(&gguf).unwrap();
    let e = bert.config.n_embd;
    let longest = sentences.iter().map(|s| s.len()).max().unwrap();
    let mut scratch = vec![0u8; bert.plan(longest, sentences.len()).unwrap().bytes];
    let mut all = vec![0f32; sentences.len() * e];
    bert.embed(&sentences, &mut scratch, &Serial, &mut all)
        .unwrap();
    for (s, batched) in sentences.iter().zip(all.chunks_exact(e)) {
        let mut alone = vec![0f32; e];
        bert.embed(&[s], &mut scratch, &Serial, &mut alone).unwrap();
        assert_eq!(batched, &alone[..]);
    }
}

/// Bad inputs are typed errors, not panics.
#[test]
fn bad_inputs_are_errors() {
    use mote_core::model::bert::Error;
    let gguf = Gguf::parse(bert_common::minilm_gguf(OutType::F16, false)).unwrap();
    let bert = Bert::from_gguf(&gguf).unwrap();
    let e = bert.config.n_embd;
    let mut scratch = vec![0u8; bert.plan(bert.config.n_ctx + 1, 1).unwrap().bytes];
    let mut out = vec![0f32; e];
    let long = vec![101u32; bert.config.n_ctx + 1];
    type Case<'a> = (&'a [u32], fn(&Error) -> bool);
    let cases: [Case<'_>; 3] = [
        (&[], |e| matches!(e, Error::EmptySentence { index: 0 })),
        (&long, |e| {
            matches!(
                e,
                Error::SentenceTooLong {
                    len: 513,
                    max: 512,
                    ..
                }
            )
        }),
        (&[101, 30522, 102], |e| {
            matches!(e, Error::TokenOutOfRange { token: 30522, .. })
        }),
    ];
    for (s, is) in cases {
        let err = bert
            .embed(&[s], &mut scratch, &Serial, &mut out)
            .unwrap_err();
        assert!(is(&err), "{err}");
    }
    let err = bert
        .embed(&[&[101, 102]], &mut scratch, &Serial, &mut out[..3])
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::OutputSize {
                expected: 384,
                got: 3
            }
        ),
        "{err}"
    );
    let err = bert
        .classify(&[&[101, 102]], &mut scratch, &Serial, &mut out)
        .unwrap_err();
    assert!(matches!(err, Error::NoClassifier), "{err}");
    let mut small = vec![0u8; 1000];
    let err = bert
        .embed(&[&[101, 102]], &mut small, &Serial, &mut out)
        .unwrap_err();
    assert!(matches!(err, Error::Arena(_)), "{err}");
}
