//! mote's GGUF reader agrees with gguf-rs (an independent Rust reader) on
//! the files gguf-rs can read: the gguf-py fixtures without nested arrays
//! (gguf-rs rejects arrays of arrays), a file mote writes, and SmolLM2.

use std::path::Path;

use mote_core::gguf::Gguf;
use mote_host::cli::inspect;
use mote_host::gguf_writer::{GgufWriter, Value};
use mote_tests::{data_path, smollm2_q4_1, temp_path};
use serde_json::Value as Json;

/// Whether gguf-rs's value equals mote's `inspect --json` value. gguf-rs
/// keeps an f32 as its shortest f32 spelling and non-finite floats as null;
/// everything else must match exactly.
fn same(rs: &Json, mote: &Json) -> bool {
    match (rs, mote) {
        (Json::Null, Json::String(s)) => ["nan", "inf", "-inf"].contains(&s.as_str()),
        (Json::Number(a), Json::Number(b)) => {
            if let (Some(x), Some(y)) = (a.as_u64(), b.as_u64()) {
                return x == y;
            }
            if let (Some(x), Some(y)) = (a.as_i64(), b.as_i64()) {
                return x == y;
            }
            match (a.as_f64(), b.as_f64()) {
                (Some(x), Some(y)) => x.to_bits() == y.to_bits() || f64::from(x as f32).to_bits() == y.to_bits(),
                _ => false,
            }
        }
        (Json::Array(a), Json::Array(b)) => a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same(x, y)),
        _ => rs == mote,
    }
}

fn cross_check(path: &Path) {
    let bytes = std::fs::read(path).unwrap();
    let g = Gguf::parse(&bytes).unwrap();
    let mote = inspect::to_json(&g);

    let mut container = gguf_rs::get_gguf_container_array_size(path.to_str().unwrap(), u64::MAX).unwrap();
    let rs = container.decode().unwrap();

    assert_eq!(rs.num_kv() as usize, g.metadata_count(), "{}", path.display());
    assert_eq!(rs.num_tensor() as usize, g.tensor_count());
    assert_eq!(rs.data_offset() as usize, g.data_offset());
    assert_eq!(rs.alignment() as usize, g.alignment());
    let meta = mote["metadata"].as_object().unwrap();
    assert_eq!(rs.metadata().len(), meta.len());
    for (key, value) in meta {
        let theirs = rs.metadata().get(key).unwrap_or_else(|| panic!("gguf-rs lacks {key}"));
        assert!(same(theirs, value), "{key}: gguf-rs {theirs} != mote {value}");
    }
    assert_eq!(rs.tensors().len(), g.tensor_count());
    for (theirs, ours) in rs.tensors().iter().zip(g.tensors()) {
        assert_eq!(theirs.name, ours.name);
        assert_eq!(theirs.kind, ours.ty as u32, "{}", ours.name);
        assert_eq!(theirs.shape, ours.shape(), "{}", ours.name);
        assert_eq!(theirs.offset, ours.offset, "{}", ours.name);
        // gguf-rs guesses the block size from the type id (1, 32 or 256),
        // which is wrong for BF16 and the integer types; its sizes hold for
        // F32, F16 and the Q formats.
        if ours.ty.block_size() > 1 || (ours.ty as u32) < 2 {
            assert_eq!(theirs.size, ours.data.len() as u64, "{}", ours.name);
        }
    }
}

#[test]
fn gguf_rs_agrees_on_gguf_py_fixtures() {
    cross_check(&data_path("gguf/tensors.gguf"));
    cross_check(&data_path("gguf/aligned.gguf"));
}

#[test]
fn gguf_rs_agrees_on_a_file_mote_writes() {
    // The values fixture minus the arrays of arrays gguf-rs cannot read.
    let bytes = std::fs::read(data_path("gguf/values.gguf")).unwrap();
    let g = Gguf::parse(&bytes).unwrap();
    let mut w = GgufWriter::new();
    let mut kept = 0;
    for (k, v) in g.metadata() {
        let v = Value::from_gguf(v);
        if let Value::Array(a) = &v {
            if a.elem_type() == mote_core::gguf::ValueType::Array {
                continue;
            }
        }
        w.add(k, v).unwrap();
        kept += 1;
    }
    assert!(kept > 50);
    w.add_tensor("w", mote_core::GgmlType::Q4_0, &[64, 2]).unwrap();
    let path = temp_path("gguf-rs-check.gguf");
    w.write_file(&path, &[&[7u8; 72]]).unwrap();
    cross_check(&path);
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn gguf_rs_agrees_on_smollm2() {
    cross_check(&smollm2_q4_1());
}
