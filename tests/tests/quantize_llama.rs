//! `mote quantize` against llama.cpp's own `llama-quantize` (built from the
//! llama-cpp-python sdist by tools/build-llama-cpp): starting from the same
//! f32 file (SmolLM2 dequantized by `mote quantize --type f32`), Q4_K and
//! Q6_K tensors, and the Q5_0 / Q8_0 fallbacks both tools use for rows that
//! are not a multiple of 256, come out byte for byte identical.
//! llama-quantize runs with `--pure` (one type for every eligible tensor);
//! the tied token embedding is the one tensor where that differs from
//! mote's (and llama-quantize's default) rule, so it is excluded by name.

use std::ffi::OsStr;
use std::process::Command;

use mote_tests::{python, repo_root, run_mote, smollm2_q4_1, temp_path, tool};
use serde_json::Value;

fn llama_quantize() -> std::path::PathBuf {
    let out = Command::new(repo_root().join("tools/build-llama-cpp"))
        .env("LLAMA_CPP_TOOLS", "llama-quantize")
        .output()
        .expect("run tools/build-llama-cpp");
    assert!(
        out.status.success(),
        "tools/build-llama-cpp failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let bin = stdout.lines().last().expect("bin dir").trim().to_owned();
    std::path::Path::new(&bin).join("llama-quantize")
}

fn mote_ok(args: &[&OsStr]) {
    let r = run_mote(args);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
}

#[test]
fn q4_k_and_q6_k_match_llama_quantize_byte_for_byte() {
    let lq = llama_quantize();
    let f32_file = temp_path("smollm2-f32.gguf");
    mote_ok(&[
        OsStr::new("quantize"),
        smollm2_q4_1().as_os_str(),
        f32_file.as_os_str(),
        OsStr::new("--type"),
        OsStr::new("f32"),
    ]);
    for (ty, llama_ty, main_ty, fallback) in [
        ("q4_k", "Q4_K_S", "Q4_K", "Q5_0"),
        ("q6_k", "Q6_K", "Q6_K", "Q8_0"),
    ] {
        let ours = temp_path(&format!("smollm2-mote-{ty}.gguf"));
        let theirs = temp_path(&format!("smollm2-llama-{ty}.gguf"));
        mote_ok(&[
            OsStr::new("quantize"),
            f32_file.as_os_str(),
            ours.as_os_str(),
            OsStr::new("--type"),
            OsStr::new(ty),
        ]);
        let st = Command::new(&lq)
            .args([
                OsStr::new("--pure"),
                f32_file.as_os_str(),
                theirs.as_os_str(),
            ])
            .arg(llama_ty)
            .output()
            .expect("run llama-quantize");
        assert!(
            st.status.success(),
            "{}",
            String::from_utf8_lossy(&st.stderr)
        );
        let out = python(
            &tool("check-requant.py"),
            &[
                OsStr::new("--compare"),
                theirs.as_os_str(),
                ours.as_os_str(),
            ],
        );
        let c: Value = serde_json::from_str(out.trim()).unwrap();
        assert_eq!(c["differ"], serde_json::json!({}), "{ty}: {c}");
        assert!(
            c["identical"][main_ty].as_u64().unwrap_or(0) >= 30,
            "{ty}: {c}"
        );
        assert!(
            c["identical"][fallback].as_u64().unwrap_or(0) >= 180,
            "{ty}: {c}"
        );
        let td: Vec<&str> = c["type_differs"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert!(td.iter().all(|n| *n == "token_embd.weight"), "{ty}: {c}");
        let _ = std::fs::remove_file(&ours);
        let _ = std::fs::remove_file(&theirs);
    }
    let _ = std::fs::remove_file(&f32_file);
}
