//! The LLaMA decoder against llama.cpp on SmolLM2-135M-Instruct.
//!
//! Greedy decoding is compared step by step with llama.cpp's ids up to the
//! first near-tie: two correct engines (llama.cpp with flash attention on
//! and off, or its native and AVX2 builds) part at steps whose top-2 margin
//! is small, because rounding differences of ~0.1–0.4 logit decide them.
//! - Q4_1 (tests/data/smollm2_q4_1_steps.json, llama.cpp's top-2 logits at
//!   every step): ids must match up to the first step whose margin in
//!   llama.cpp's logits is below 0.25 logit, and the logits of both top-2
//!   tokens must stay close to llama.cpp's on those steps.
//! - Q8_0 requantized with `mote quantize --allow-requantize`
//!   (tests/data/smollm2_q8_0_requant_greedy.json, ids only): ids must match
//!   the native or the AVX2 llama.cpp build up to the first step whose
//!   margin in *our own* logits is below 0.25.
//!
//! Perplexity of Debian's GPL-3 text with 512-token chunks must be within
//! 0.5% of llama-perplexity's (18.3914 for Q4_1, 18.3500 for Q8_0).

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use mote_host::cli::perplexity::perplexity;
use mote_host::cli::run::{load_llm, pool, LlmState};
use mote_tests::{data_path, run_mote, smollm2_q4_1, temp_path};
use serde_json::Value;

/// Near-tie threshold in logits.
const MARGIN: f32 = 0.25;
/// Threads (CI has 2 cores).
const THREADS: usize = 2;

fn json(name: &str) -> Value {
    serde_json::from_slice(&std::fs::read(data_path(name)).unwrap()).unwrap()
}

fn ids(v: &Value) -> Vec<u32> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap() as u32)
        .collect()
}

/// One greedy step: the chosen id, our top-2 margin, and our logits.
struct Step {
    id: u32,
    margin: f32,
    logits: Vec<f32>,
}

/// Greedy decoding of `n` tokens after `prompt`, stopping at EOG.
fn greedy(model: &Path, prompt: &str, want_prompt_ids: &[u32], n: usize) -> Vec<Step> {
    let llm = load_llm(model).unwrap();
    let exec = pool(THREADS).unwrap();
    let prompt_ids = llm.encode(prompt, true, true).unwrap();
    assert_eq!(prompt_ids, want_prompt_ids, "tokenization of {prompt:?}");
    let mut st = LlmState::new(&llm, 64, 64).unwrap();
    st.forward(&llm, &prompt_ids, &exec).unwrap();
    let mut steps = Vec::new();
    for _ in 0..n {
        let l = &st.logits;
        let best = (0..l.len()).fold(0, |b, i| if l[i] > l[b] { i } else { b });
        let second = (0..l.len())
            .filter(|&i| i != best)
            .fold(usize::MAX, |b, i| {
                if b == usize::MAX || l[i] > l[b] {
                    i
                } else {
                    b
                }
            });
        let id = best as u32;
        steps.push(Step {
            id,
            margin: l[best] - l[second],
            logits: l.clone(),
        });
        if llm.is_eog(id) {
            break;
        }
        st.forward(&llm, &[id], &exec).unwrap();
    }
    steps
}

#[test]
fn q4_1_greedy_matches_llama_cpp_up_to_its_first_near_tie() {
    let gold = json("smollm2_q4_1_steps.json");
    let mut compared = 0;
    let mut max_dev = 0.0f32;
    for r in gold["results"].as_array().unwrap() {
        let prompt = r["prompt"].as_str().unwrap();
        let want = ids(&r["ids"]);
        let ref_steps = r["steps"].as_array().unwrap();
        let steps = greedy(&smollm2_q4_1(), prompt, &ids(&r["prompt_ids"]), want.len());
        let cutoff = ref_steps
            .iter()
            .position(|s| {
                (s["logit"].as_f64().unwrap() - s["second_logit"].as_f64().unwrap()) < MARGIN as f64
            })
            .unwrap_or(want.len());
        assert!(
            steps.len() >= cutoff,
            "{prompt:?}: stopped after {} steps",
            steps.len()
        );
        for (i, (s, rs)) in steps.iter().zip(ref_steps).take(cutoff).enumerate() {
            assert_eq!(
                s.id, want[i],
                "{prompt:?}: step {i} differs from llama.cpp (its margin there is >= {MARGIN})"
            );
            for (id, logit) in [("id", "logit"), ("second_id", "second_logit")] {
                let t = rs[id].as_u64().unwrap() as usize;
                let dev = (s.logits[t] - rs[logit].as_f64().unwrap() as f32).abs();
                max_dev = max_dev.max(dev);
            }
        }
        let common = steps
            .iter()
            .zip(&want)
            .take_while(|(s, w)| s.id == **w)
            .count();
        eprintln!(
            "{prompt:?}: checked {cutoff} steps; same ids for {common} of {}",
            want.len()
        );
        compared += cutoff;
    }
    eprintln!("largest logit difference from llama.cpp on checked steps: {max_dev:.3}");
    // 34 steps come before llama.cpp's first near-ties (14, 4, 13, 3).
    assert!(compared > 0, "the golden file has no steps");
    // A wrong model (a missing RoPE, a transposed weight) is off by whole logits.
    assert!(max_dev < 1.0, "logits differ from llama.cpp by {max_dev}");
}

/// The Q4_1 file requantized to Q8_0 by `mote quantize`, made once.
fn q8_0_model() -> &'static PathBuf {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        let out = temp_path("smollm2-requant-q8_0.gguf");
        let model = smollm2_q4_1();
        let r = run_mote(&[
            OsStr::new("quantize"),
            model.as_os_str(),
            out.as_os_str(),
            OsStr::new("--type"),
            OsStr::new("q8_0"),
            OsStr::new("--allow-requantize"),
        ]);
        assert!(
            r.status.success(),
            "mote quantize failed: {}",
            String::from_utf8_lossy(&r.stderr)
        );
        out
    })
}

#[test]
fn q8_0_requantized_greedy_matches_llama_cpp_up_to_our_first_near_tie() {
    let gold = json("smollm2_q8_0_requant_greedy.json");
    let mut compared = 0;
    let mut common_total = 0;
    for r in gold["results"].as_array().unwrap() {
        let prompt = r["prompt"].as_str().unwrap();
        let native = ids(&r["generated_token_ids"]);
        // Recorded only where the AVX2 build's ids differ from the native one's.
        let avx2 = match r.get("avx2_build_generated_token_ids") {
            Some(v) if v.is_array() => ids(v),
            _ => native.clone(),
        };
        let steps = greedy(q8_0_model(), prompt, &ids(&r["prompt_token_ids"]), 32);
        let cutoff = steps
            .iter()
            .position(|s| s.margin < MARGIN)
            .unwrap_or(steps.len());
        let got: Vec<u32> = steps.iter().map(|s| s.id).take(cutoff).collect();
        let ok = |want: &[u32]| want.get(..cutoff).is_some_and(|w| w == got.as_slice());
        assert!(
            ok(&native) || ok(&avx2),
            "{prompt:?}: first {cutoff} ids (before our first near-tie) differ from llama.cpp's:\n ours   {got:?}\n native {native:?}\n avx2   {avx2:?}"
        );
        // llama.cpp's first-step logits (top-5) agree with ours.
        for t in r["first_step_top5_logits"].as_array().unwrap() {
            let id = t["id"].as_u64().unwrap() as usize;
            let dev = (steps[0].logits[id] - t["logit"].as_f64().unwrap() as f32).abs();
            assert!(dev < 1.0, "{prompt:?}: token {id} logit off by {dev}");
        }
        let all: Vec<u32> = steps.iter().map(|s| s.id).collect();
        let prefix = |want: &[u32]| all.iter().zip(want).take_while(|(a, b)| a == b).count();
        let common = prefix(&native).max(prefix(&avx2));
        eprintln!(
            "{prompt:?}: checked {cutoff} steps; same ids as llama.cpp for {common} of {}",
            native.len().max(avx2.len())
        );
        compared += cutoff;
        common_total += common;
    }
    eprintln!("{compared} steps before our near-ties; {common_total} ids in common prefixes");
    // Measured: 32, 31, 32 and 11 of 32 (106); half of the 126 is required,
    // as kernels with another summation order may part earlier at near-ties.
    assert!(
        common_total >= 63,
        "common prefixes total only {common_total} ids"
    );
}

fn gpl3() -> String {
    let p = Path::new("/usr/share/common-licenses/GPL-3");
    std::fs::read_to_string(p).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (Debian's base-files package provides it)",
            p.display()
        )
    })
}

fn check_ppl(model: &Path, want: f64) {
    let p = perplexity(model, &gpl3(), 512, None, THREADS, false).unwrap();
    let rel = (p.ppl - want).abs() / want;
    eprintln!(
        "perplexity {:.4} over {} chunks (llama.cpp {want}, {:.3}% apart)",
        p.ppl,
        p.chunks,
        rel * 100.0
    );
    assert!(rel < 0.005, "perplexity {} vs llama.cpp's {want}", p.ppl);
}

#[test]
fn q4_1_perplexity_on_gpl3_matches_llama_perplexity() {
    check_ppl(&smollm2_q4_1(), 18.3914);
}

#[test]
fn q8_0_perplexity_on_gpl3_matches_llama_perplexity() {
    check_ppl(q8_0_model(), 18.3500);
}

#[test]
fn mote_run_prints_llama_cpps_continuation() {
    let model = smollm2_q4_1();
    let out = run_mote(&[
        OsStr::new("run"),
        OsStr::new("-m"),
        model.as_os_str(),
        OsStr::new("-p"),
        OsStr::new("The capital of France is"),
        OsStr::new("-n"),
        OsStr::new("32"),
        OsStr::new("--temp"),
        OsStr::new("0"),
        OsStr::new("--json"),
        OsStr::new("-t"),
        OsStr::new("2"),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(ids(&v["prompt_ids"]), [504, 3575, 282, 4649, 314]);
    // The issue's check: llama.cpp's whole 32-token continuation, " Paris.\n\nThe
    // United States has a population of approximately 311 million ...".
    let gold = json("smollm2_q4_1_steps.json");
    let want = gold["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["prompt"] == "The capital of France is")
        .unwrap();
    assert_eq!(v["text"], want["text"]);
    assert_eq!(ids(&v["ids"]), ids(&want["ids"]));
    for k in ["prefill_tok_s", "decode_tok_s"] {
        assert!(v[k].as_f64().unwrap() > 0.0, "{k}");
    }
}

#[test]
fn running_past_the_context_is_a_clear_error() {
    let model = smollm2_q4_1();
    let out = run_mote(&[
        OsStr::new("run"),
        OsStr::new("-m"),
        model.as_os_str(),
        OsStr::new("-p"),
        OsStr::new("The capital of France is"),
        OsStr::new("-n"),
        OsStr::new("32"),
        OsStr::new("-c"),
        OsStr::new("16"),
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("context"), "{err}");
}

fn mote_stdout(args: &[&OsStr], stdin: &[u8]) -> String {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(mote_tests::mote_bin())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn chat_keeps_the_conversation_in_the_cache_and_stops_at_end_of_turn() {
    let model = smollm2_q4_1();
    let m = model.as_os_str();
    let greedy = ["--temp", "0", "-n", "40", "-t", "2"].map(OsStr::new);
    let mut args = vec![OsStr::new("chat"), OsStr::new("-m"), m];
    args.extend(greedy);
    let text = mote_stdout(&args, b"What is 2+2?\nAnd what is 3+3?\n");
    let replies: Vec<&str> = text.lines().collect();
    assert_eq!(replies.len(), 2, "{text:?}");
    assert!(replies[0].contains('4'), "{text:?}");
    assert!(replies[1].contains('6'), "{text:?}");
    assert!(!text.contains("<|im_end|>"), "{text:?}");
    // The second reply, computed on top of the cached first turn, equals a
    // from-scratch run over the whole conversation as the template renders it.
    let conversation = format!(
        "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n\
         <|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n{}<|im_end|>\n\
         <|im_start|>user\nAnd what is 3+3?<|im_end|>\n<|im_start|>assistant\n",
        replies[0]
    );
    let mut args = vec![OsStr::new("run"), OsStr::new("-m"), m, OsStr::new("-p")];
    args.push(OsStr::new(&conversation));
    args.extend(greedy);
    let scratch = mote_stdout(&args, b"");
    assert_eq!(scratch.trim_end(), replies[1]);
}
