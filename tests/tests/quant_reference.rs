//! mote's quantize and dequantize against gguf-py and ggml's C reference,
//! bit for bit, on the vectors in tests/data/quant (see its README.md).

use mote_core::quant::{dequantize, quantize};
use mote_core::GgmlType;
use std::path::PathBuf;

fn data(name: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("data/quant")
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn f32s(b: &[u8]) -> Vec<f32> {
    b.chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

const TYPES: [GgmlType; 11] = {
    use GgmlType::*;
    [
        F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q8_1, Q4_K, Q6_K, Q8_K,
    ]
};

/// Index of the first differing block, for a readable failure.
fn first_diff(a: &[u8], b: &[u8], block: usize) -> Option<usize> {
    a.chunks(block)
        .zip(b.chunks(block))
        .position(|(x, y)| x != y)
}

#[test]
fn quantize_matches_the_reference_bit_for_bit() {
    let x = f32s(&data("input.f32"));
    for ty in TYPES {
        let want = data(&format!("{ty}.q"));
        let mut got = vec![0u8; ty.row_bytes(x.len()).unwrap()];
        quantize(ty, &x, &mut got).unwrap();
        assert_eq!(got.len(), want.len(), "{ty}");
        if let Some(b) = first_diff(&got, &want, ty.type_size()) {
            let s = b * ty.type_size();
            panic!(
                "{ty}: block {b} differs\n got {:?}\nwant {:?}\ninput {:?}",
                &got[s..s + ty.type_size()],
                &want[s..s + ty.type_size()],
                &x[b * ty.block_size()..(b + 1) * ty.block_size()]
            );
        }
    }
}

#[test]
fn dequantize_matches_the_reference_bit_for_bit() {
    for ty in TYPES {
        for case in ["", ".rand"] {
            let q = data(&format!("{ty}{case}.q"));
            let want = f32s(&data(&format!("{ty}{case}.deq")));
            let mut got = vec![0f32; want.len()];
            dequantize(ty, &q, &mut got).unwrap();
            for (i, (g, w)) in got.iter().zip(&want).enumerate() {
                assert_eq!(
                    g.to_bits(),
                    w.to_bits(),
                    "{ty}{case}: element {i}: {g} vs {w}"
                );
            }
        }
    }
}

#[test]
fn sizes_are_checked() {
    let mut out = [0u8; 34];
    assert!(quantize(GgmlType::Q8_0, &[0.0; 31], &mut out).is_err());
    assert!(quantize(GgmlType::Q8_0, &[0.0; 32], &mut out[..33]).is_err());
    assert!(quantize(GgmlType::IQ2_XS, &[0.0; 256], &mut [0u8; 74]).is_err());
    let mut y = [0f32; 32];
    assert!(dequantize(GgmlType::Q8_0, &out[..33], &mut y).is_err());
    assert!(dequantize(GgmlType::Q8_0, &out, &mut y).is_ok());
}
