//! `mote quantize` against gguf-py (tools/check-requant.py): the output is
//! read by gguf-py, metadata is carried over with `general.file_type`
//! updated, untouched tensors are copied byte for byte, and tensors in a
//! format gguf-py can quantize are exactly gguf-py's quantization of the
//! dequantized input.

use std::ffi::OsStr;

use mote_tests::{python, run_mote, smollm2_q4_1, temp_path, tool};
use serde_json::Value;

fn check(orig: &std::path::Path, new: &std::path::Path, ty: &str) -> Value {
    let out = python(
        &tool("check-requant.py"),
        &[orig.as_os_str(), new.as_os_str(), OsStr::new(ty)],
    );
    serde_json::from_str(out.trim()).unwrap()
}

#[test]
fn every_target_type_round_trips_through_gguf_py() {
    let fixture = temp_path("quantize-fixture-input.gguf");
    python(
        &tool("check-requant.py"),
        &[OsStr::new("--make-fixture"), fixture.as_os_str()],
    );
    let ftypes = [
        ("q8_0", 7),
        ("q4_0", 2),
        ("q4_1", 3),
        ("q5_0", 8),
        ("q5_1", 9),
        ("q4_k", 14),
        ("q6_k", 18),
        ("f16", 1),
        ("bf16", 32),
        ("f32", 0),
    ];
    for (ty, ftype) in ftypes {
        let out = temp_path(&format!("quantize-fixture-{ty}.gguf"));
        let r = run_mote(
            &[
                fixture.as_os_str(),
                out.as_os_str(),
                OsStr::new("--type"),
                OsStr::new(ty),
            ]
            .iter()
            .copied()
            .fold(vec![OsStr::new("quantize")], |mut v, a| {
                v.push(a);
                v
            }),
        );
        assert!(
            r.status.success(),
            "{ty}: {}",
            String::from_utf8_lossy(&r.stderr)
        );
        let c = check(&fixture, &out, ty);
        assert_eq!(c["file_type"], ftype, "{ty}: {c}");
        // The 1-D norm stays F32 (copied); the rest is converted.
        assert!(c["copied"].as_u64().unwrap() >= 1, "{ty}: {c}");
        if ty != "f32" {
            assert!(
                c["requantized_like_gguf_py"].as_u64().unwrap()
                    + c["converted_unchecked"].as_u64().unwrap()
                    >= 4,
                "{ty}: {c}"
            );
        }
        if ["q8_0", "q4_0", "q4_1", "q5_0", "q5_1", "f16", "bf16"].contains(&ty) {
            assert!(
                c["requantized_like_gguf_py"].as_u64().unwrap() >= 2,
                "{ty}: {c}"
            );
        }
    }
}

#[test]
fn requantizing_is_refused_without_the_flag_and_q8_0_matches_gguf_py() {
    let model = smollm2_q4_1();
    let out = temp_path("smollm2-q8_0.gguf");
    let args = |extra: &[&str]| {
        let mut v = vec![
            OsStr::new("quantize"),
            model.as_os_str(),
            out.as_os_str(),
            OsStr::new("--type"),
            OsStr::new("q8_0"),
        ];
        v.extend(extra.iter().map(OsStr::new));
        run_mote(&v)
    };
    let refused = args(&[]);
    assert!(!refused.status.success());
    let msg = String::from_utf8_lossy(&refused.stderr);
    assert!(msg.contains("--allow-requantize"), "{msg}");
    assert_eq!(msg.lines().count(), 1, "{msg}");

    let r = args(&["--allow-requantize"]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let c = check(&model, &out, "q8_0");
    // 210 Q4_1 matrices become Q8_0 exactly as gguf-py quantizes them; the
    // 61 norms (F32) and the Q8_0 token embedding are copied.
    assert_eq!(c["file_type"], 7, "{c}");
    assert_eq!(c["requantized_like_gguf_py"], 210, "{c}");
    assert_eq!(c["copied"], 62, "{c}");
    let _ = std::fs::remove_file(&out);
}
