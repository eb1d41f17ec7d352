//! Dequantizing every tensor of the real SmolLM2-135M-Instruct Q4_1 file
//! equals gguf-py's `gguf.quants.dequantize` bit for bit: per tensor, the
//! FNV-1a 64 hash of the f32 little-endian bytes must match the one
//! tools/quant-reference.py recorded in
//! tests/data/quant/smollm2-135m-instruct-q4_1.dequant.json.

use mote_core::gguf::Gguf;
use mote_core::quant::dequantize;
use mote_host::mmap::Mapped;
use mote_tests::{data_path, smollm2_q4_1};

fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    for &b in bytes {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

#[test]
fn every_smollm2_tensor_dequantizes_like_gguf_py() {
    let reference: serde_json::Value = serde_json::from_slice(
        &std::fs::read(data_path("quant/smollm2-135m-instruct-q4_1.dequant.json")).unwrap(),
    )
    .unwrap();
    let model = Mapped::open(smollm2_q4_1()).unwrap();
    let g = Gguf::parse(model.bytes()).unwrap();
    let tensors = reference["tensors"].as_array().unwrap();
    assert_eq!(tensors.len(), g.tensor_count());
    let mut types = std::collections::BTreeMap::new();
    for want in tensors {
        let name = want["name"].as_str().unwrap();
        let t = g.tensor(name).unwrap_or_else(|| panic!("{name} missing"));
        assert_eq!(t.ty.name(), want["type"].as_str().unwrap(), "{name}");
        let n = t.n_elements() as usize;
        assert_eq!(n as u64, want["elements"].as_u64().unwrap(), "{name}");
        let mut y = vec![0f32; n];
        dequantize(t.ty, t.data, &mut y).unwrap();
        let bytes: &[u8] = bytemuck::cast_slice(&y);
        let got = format!("{:016x}", fnv1a64(bytes));
        assert_eq!(got, want["fnv1a64"].as_str().unwrap(), "{name} ({})", t.ty);
        *types.entry(t.ty.name()).or_insert(0) += 1;
    }
    eprintln!("bit-exact dequantization of SmolLM2 tensors by type: {types:?}");
}
