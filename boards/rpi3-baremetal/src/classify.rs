//! Milestone 2: intent classification of a few sentences with the MiniLM
//! GGUF read in place (weights never copied), scratch from the static arena,
//! kernels run serially on core 0.
//!
//! Each result is one console line, tab-separated, which tools/cross-test
//! compares with `mote classify --json` on the host:
//! `result<TAB>label<TAB>score<TAB>text`.

use mote_core::exec::Serial;
use mote_core::gguf::Gguf;
use mote_core::model::bert::Bert;
use mote_core::tokenizer::Tokenizer;

use crate::{clock, println};

/// What the board classifies: short sentences from the intent classifier's
/// own examples (../shared/golden/intent_reference.json), keeping the run
/// under QEMU short.
pub const SENTENCES: &[&str] = &[
    "I want to check my claim status",
    "How do I renew my policy?",
    "can you connect me to agent",
    "how would you say fly in italian",
];

/// Longest sentence in tokens the arena is planned for.
const MAX_SEQ: usize = 64;
/// Most labels a head may have (the intent head has 157).
const MAX_LABELS: usize = 1024;

/// Prints `error: <what>: <err>` and returns status 1 from the caller.
macro_rules! check {
    ($e:expr, $what:literal) => {
        match $e {
            Ok(v) => v,
            Err(err) => {
                println!(concat!("error: ", $what, ": {}"), err);
                return 1;
            }
        }
    };
}

/// Classifies [`SENTENCES`] with the model in `gguf`; returns the exit status.
pub fn run(gguf: &'static [u8], arena: &'static mut [u8]) -> u32 {
    let t0 = clock::ticks();
    let g = check!(Gguf::parse(gguf), "parsing the GGUF");
    let bert = check!(Bert::from_gguf(&g), "loading the BERT model");
    let tok_bytes = check!(Tokenizer::scratch_bytes(&g), "sizing the tokenizer");
    let plan = check!(bert.plan(MAX_SEQ, 1), "planning");
    let need = tok_bytes.saturating_add(plan.bytes);
    if need > arena.len() {
        println!(
            "error: the model needs {need} bytes of arena ({tok_bytes} tokenizer + {} inference), the board has {}",
            plan.bytes,
            arena.len()
        );
        return 1;
    }
    let (tok_scratch, scratch) = arena.split_at_mut(tok_bytes);
    let tok = check!(
        Tokenizer::from_gguf(&g, tok_scratch),
        "building the tokenizer"
    );
    let n_labels = bert.n_labels();
    if n_labels == 0 || n_labels > MAX_LABELS {
        println!("error: the model has {n_labels} labels (1..={MAX_LABELS} supported)");
        return 1;
    }
    println!(
        "model: {} layers, {} labels, arena {} of {} bytes; loaded in {} ms",
        bert.layers().len(),
        n_labels,
        need,
        tok_bytes + scratch.len(),
        clock::millis(t0, clock::ticks())
    );

    let mut ids = [0u32; MAX_SEQ];
    let mut probs = [0f32; MAX_LABELS];
    for text in SENTENCES {
        let started = clock::ticks();
        let n = check!(tok.encode(text, &mut ids), "tokenizing");
        let sentence: &[u32] = ids.get(..n).unwrap_or(&ids);
        let probs = probs.get_mut(..n_labels).unwrap_or(&mut []);
        check!(
            bert.classify(&[sentence], scratch, &Serial, probs),
            "classifying"
        );
        let (best, score) = probs
            .iter()
            .copied()
            .enumerate()
            .fold((0, f32::MIN), |a, (i, p)| if p > a.1 { (i, p) } else { a });
        let label = bert.label(best).unwrap_or("?");
        let ms = clock::millis(started, clock::ticks());
        println!("result\t{label}\t{score:.6}\t{text}");
        println!("  {n} tokens in {ms} ms");
        crate::info!("classified {=usize} tokens in {=u64} ms", n, ms);
    }
    0
}
