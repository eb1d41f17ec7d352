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
//!   (tests/data/smollm2_q8_0_requant_steps.json, made the same way by
//!   tools/make-llama-steps): the same rule.
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

/// One greedy step: the chosen id and our logits.
struct Step {
    id: u32,
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
        let id = best as u32;
        steps.push(Step {
            id,
            logits: l.clone(),
        });
        if llm.is_eog(id) {
            break;
        }
        st.forward(&llm, &[id], &exec).unwrap();
    }
    steps
}

/// Greedy ids on `model` against llama.cpp's recorded steps (`golden`, in
/// tests/data): equal at every step before llama.cpp's first top-2 margin
/// below [`MARGIN`], and both top-2 logits close to llama.cpp's there.
fn greedy_matches_llama_cpp_steps(model: &Path, golden: &str) {
    let gold = json(golden);
    let mut compared = 0;
    let mut max_dev = 0.0f32;
    for r in gold["results"].as_array().unwrap() {
        let prompt = r["prompt"].as_str().unwrap();
        let want = ids(&r["ids"]);
        let ref_steps = r["steps"].as_array().unwrap();
        let steps = greedy(model, prompt, &ids(&r["prompt_ids"]), want.len());
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
    assert!(compared > 0, "{golden} has no step before a near-tie");
    // Rounding differences alone move logits by tenths, growing along the
    // decode as they pile up in the KV cache: mote's own scalar and AVX2
    // paths part by 0.37 on the first step of the France prompt, llama.cpp
    // built here parts from the recorded Q4_1 decode steps by up to 0.45, and
    // mote's largest differences are 0.51 (Q4_1) and 1.13 (Q8_0, step 18 of
    // the fibonacci prompt, logits ~30). A wrong model (a missing RoPE, a
    // transposed weight) is off by several logits from the first step.
    assert!(max_dev < 1.5, "logits differ from llama.cpp by {max_dev}");
}

#[test]
fn q4_1_greedy_matches_llama_cpp_up_to_its_first_near_tie() {
    // 34 steps come before llama.cpp's first near-ties (14, 4, 13, 3).
    greedy_matches_llama_cpp_steps(&smollm2_q4_1(), "smollm2_q4_1_steps.json");
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
fn q8_0_requantized_greedy_matches_llama_cpp_up_to_its_first_near_tie() {
    // 43 steps come before llama.cpp's first near-ties (12, 4, 24, 3).
    greedy_matches_llama_cpp_steps(q8_0_model(), "smollm2_q8_0_requant_steps.json");
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

/// `mote run` on the shipped Q4_1 file, "The capital of France is", 32
/// tokens, plus `extra` options.
fn run_france(extra: &[&str]) -> std::process::Output {
    let model = smollm2_q4_1();
    let mut args: Vec<&OsStr> = ["run", "-p", "The capital of France is", "-n", "32", "-m"]
        .iter()
        .map(OsStr::new)
        .collect();
    args.push(model.as_os_str());
    args.extend(extra.iter().map(OsStr::new));
    run_mote(&args)
}

#[test]
fn mote_run_prints_llama_cpps_continuation() {
    let out = run_france(&["--temp", "0", "--json", "-t", "2"]);
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
    let out = run_france(&["-c", "16"]);
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
