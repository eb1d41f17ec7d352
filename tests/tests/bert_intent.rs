//! The intent classifier end to end (text -> mote's tokenizer -> MiniLM ->
//! intent head -> softmax) against rag-intent-classifier's own
//! `infer_intent()` on its 56 example texts (tests/data/intent_reference.json).

mod bert_common;

use mote_core::exec::Serial;
use mote_core::gguf::Gguf;
use mote_core::model::Bert;
use mote_core::tokenizer::Tokenizer;
use mote_host::convert::OutType;

struct Outcome {
    texts: usize,
    top1_equal: usize,
    /// Largest |p_mote - p_ref| over each text's reference top-3 labels.
    max_prob_diff: f64,
}

fn classify_all(ty: OutType) -> Outcome {
    let reference = bert_common::data("intent_reference.json");
    let items = reference["items"].as_array().unwrap();
    let gguf = Gguf::parse(bert_common::minilm_gguf(ty, true)).unwrap();
    let bert = Bert::from_gguf(&gguf).unwrap();
    let mut tok_scratch = vec![0u8; Tokenizer::scratch_bytes(&gguf).unwrap()];
    let tok = Tokenizer::from_gguf(&gguf, &mut tok_scratch).unwrap();
    let mut buf = vec![0u32; bert.config.max_seq];
    let ids: Vec<Vec<u32>> = items
        .iter()
        .map(|it| {
            let n = tok.encode(it["text"].as_str().unwrap(), &mut buf).unwrap();
            buf[..n].to_vec()
        })
        .collect();
    let sentences: Vec<&[u32]> = ids.iter().map(Vec::as_slice).collect();
    let n = bert.n_labels();
    assert_eq!(n, reference["meta"]["n_classes"].as_u64().unwrap() as usize);
    let longest = sentences.iter().map(|s| s.len()).max().unwrap();
    let mut scratch = vec![0u8; bert.plan(longest, sentences.len()).unwrap().bytes];
    let mut probs = vec![0f32; sentences.len() * n];
    bert.classify(&sentences, &mut scratch, &Serial, &mut probs)
        .unwrap();

    let label_index = |name: &str| (0..n).find(|&i| bert.label(i) == Some(name)).unwrap();
    let mut out = Outcome {
        texts: items.len(),
        top1_equal: 0,
        max_prob_diff: 0.0,
    };
    for (it, p) in items.iter().zip(probs.chunks_exact(n)) {
        let best = (0..n).max_by(|&a, &b| p[a].total_cmp(&p[b])).unwrap();
        let want = it["predicted_label"].as_str().unwrap();
        if bert.label(best) == Some(want) {
            out.top1_equal += 1;
        } else {
            eprintln!(
                "{ty:?}: {:?} -> {:?}, reference {want:?}",
                it["text"],
                bert.label(best)
            );
        }
        for t in it["top3"].as_array().unwrap() {
            let i = label_index(t["label"].as_str().unwrap());
            let d = (p[i] as f64 - t["prob"].as_f64().unwrap()).abs();
            out.max_prob_diff = out.max_prob_diff.max(d);
        }
    }
    eprintln!(
        "{ty:?}: top-1 {}/{} equal, max |dp| {:.2e}",
        out.top1_equal, out.texts, out.max_prob_diff
    );
    out
}

#[test]
fn f16_intents_equal_the_reference() {
    let o = classify_all(OutType::F16);
    assert_eq!(o.top1_equal, o.texts);
    assert!(
        o.max_prob_diff <= 1e-3,
        "max probability difference {}",
        o.max_prob_diff
    );
}

#[test]
fn q8_0_intents_mostly_equal_the_reference() {
    let o = classify_all(OutType::Q8_0);
    assert!(
        o.top1_equal * 100 >= o.texts * 98,
        "{}/{} equal",
        o.top1_equal,
        o.texts
    );
}
