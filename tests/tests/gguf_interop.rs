//! GGUF interop with gguf-py (llama.cpp's `gguf` package), both ways:
//! mote reads the files gguf-py wrote exactly as gguf-py reads them, writes
//! them back byte for byte, and gguf-py reads the files mote writes.

use mote_core::gguf::Gguf;
use mote_core::GgmlType;
use mote_host::cli::inspect;
use mote_host::gguf_writer::{Array, GgufWriter, Value};
use mote_tests::{assert_json_eq, data_path, gguf_py_dump, sha256_hex, temp_path};
use serde_json::{json, Value as Json};

const FIXTURES: [&str; 3] = ["values", "tensors", "aligned"];

/// `mote inspect --json` of the file plus each tensor's data sha256, the
/// shape `tools/gguf-dump-json.py --data` prints.
fn mote_dump_with_data(bytes: &[u8]) -> Json {
    let g = Gguf::parse(bytes).expect("mote parses the file");
    let mut j = inspect::to_json(&g);
    let tensors = j["tensors"].as_array_mut().expect("tensors array");
    for (entry, t) in tensors.iter_mut().zip(g.tensors()) {
        entry["sha256"] = sha256_hex(t.data).into();
    }
    j
}

#[test]
fn mote_reads_gguf_py_fixtures_like_gguf_py() {
    for name in FIXTURES {
        let bytes = std::fs::read(data_path(&format!("gguf/{name}.gguf"))).unwrap();
        let expected: Json = serde_json::from_str(
            &std::fs::read_to_string(data_path(&format!("gguf/{name}.json"))).unwrap(),
        )
        .unwrap();
        let actual = mote_dump_with_data(&bytes);
        assert_json_eq(&actual, &expected);
        // Every key and tensor is there (the comparison above is exact, this
        // guards against an empty expectation).
        let g = Gguf::parse(&bytes).unwrap();
        assert_eq!(
            g.metadata_count(),
            expected["metadata"].as_object().unwrap().len(),
            "{name}"
        );
        assert_eq!(
            g.tensor_count(),
            expected["tensors"].as_array().unwrap().len(),
            "{name}"
        );
    }
}

#[test]
fn fixtures_cover_every_value_and_tensor_type() {
    let bytes = std::fs::read(data_path("gguf/values.gguf")).unwrap();
    let g = Gguf::parse(&bytes).unwrap();
    let mut scalar_types = std::collections::BTreeSet::new();
    let mut elem_types = std::collections::BTreeSet::new();
    let (mut empty, mut nested) = (false, false);
    for (_, v) in g.metadata() {
        scalar_types.insert(v.value_type() as u32);
        if let mote_core::gguf::Value::Array(a) = v {
            elem_types.insert(a.elem_type() as u32);
            empty |= a.is_empty();
            nested |= a.elem_type() == mote_core::gguf::ValueType::Array && !a.is_empty();
        }
    }
    assert_eq!(scalar_types.len(), 13, "every value type as a value");
    assert_eq!(elem_types.len(), 13, "every value type as an array element");
    assert!(empty && nested);

    let bytes = std::fs::read(data_path("gguf/tensors.gguf")).unwrap();
    let g = Gguf::parse(&bytes).unwrap();
    let types: Vec<GgmlType> = g.tensors().map(|t| t.ty).collect();
    use GgmlType::*;
    for ty in [F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1] {
        assert!(types.contains(&ty), "{ty} missing from tensors.gguf");
    }
}

/// Copies a parsed file into a writer: metadata, tensor infos and data.
fn rewrite(bytes: &[u8]) -> Vec<u8> {
    let g = Gguf::parse(bytes).unwrap();
    let mut w = GgufWriter::new();
    for (k, v) in g.metadata() {
        w.add(k, Value::from_gguf(v)).unwrap();
    }
    for t in g.tensors() {
        w.add_tensor(t.name, t.ty, t.shape()).unwrap();
    }
    let mut out = w.write_header(Vec::new()).unwrap();
    for t in g.tensors() {
        // In two chunks, to exercise streaming.
        let (a, b) = t.data.split_at(t.data.len() / 2);
        out.write_chunk(a).unwrap();
        out.write_chunk(b).unwrap();
    }
    out.finish().unwrap()
}

#[test]
fn mote_rewrites_gguf_py_files_byte_for_byte() {
    for name in FIXTURES {
        let bytes = std::fs::read(data_path(&format!("gguf/{name}.gguf"))).unwrap();
        let again = rewrite(&bytes);
        assert_eq!(again.len(), bytes.len(), "{name}: length");
        if let Some(i) = again.iter().zip(&bytes).position(|(a, b)| a != b) {
            panic!("{name}: first differing byte at {i}");
        }
    }
}

/// A file exercising every value type and the common tensor types, written
/// by mote, with what gguf-py must read from it.
fn mote_written_file() -> (Vec<u8>, Json) {
    let mut w = GgufWriter::new();
    let meta: Vec<(&str, Value, Json)> = vec![
        ("general.architecture", "llama".into(), json!("llama")),
        ("t.u8", Value::U8(200), json!(200)),
        ("t.i8", Value::I8(-100), json!(-100)),
        ("t.u16", Value::U16(60000), json!(60000)),
        ("t.i16", Value::I16(-30000), json!(-30000)),
        ("t.u32", Value::U32(u32::MAX), json!(u32::MAX)),
        ("t.i32", Value::I32(i32::MIN), json!(i32::MIN)),
        ("t.f32", Value::F32(0.1), json!(f64::from(0.1f32))),
        ("t.f32.inf", Value::F32(f32::NEG_INFINITY), json!("-inf")),
        ("t.bool", Value::Bool(false), json!(false)),
        ("t.str", "ünïcödé 🦀\n".into(), json!("ünïcödé 🦀\n")),
        ("t.u64", Value::U64(u64::MAX), json!(u64::MAX)),
        ("t.i64", Value::I64(i64::MIN), json!(i64::MIN)),
        ("t.f64", Value::F64(-1e-300), json!(-1e-300)),
        (
            "t.arr.str",
            vec!["a", "", "日本"].into(),
            json!(["a", "", "日本"]),
        ),
        ("t.arr.f32", vec![1.5f32, -0.0].into(), json!([1.5, -0.0])),
        (
            "t.arr.i64",
            vec![i64::MAX, -1].into(),
            json!([i64::MAX, -1]),
        ),
        ("t.arr.bool", vec![true].into(), json!([true])),
        ("t.arr.empty", Array::U32(vec![]).into(), json!([])),
        (
            "t.arr.nested",
            Array::Array(vec![
                Array::I16(vec![-1, 2]),
                Array::Array(vec![Array::Str(vec!["deep".into()])]),
                Array::F64(vec![]),
            ])
            .into(),
            json!([[-1, 2], [["deep"]], []]),
        ),
        ("general.alignment", Value::U32(64), json!(64)),
    ];
    let mut expected_meta = serde_json::Map::new();
    for (k, v, j) in meta {
        w.add(k, v).unwrap();
        expected_meta.insert(k.to_owned(), j);
    }
    let specs: [(&str, GgmlType, &[u64]); 5] = [
        ("token_embd.weight", GgmlType::Q8_0, &[64, 3]),
        ("blk.0.attn_q.weight", GgmlType::Q4_1, &[32, 2, 2]),
        ("blk.0.ffn_norm.weight", GgmlType::F32, &[7]),
        ("output.weight", GgmlType::F16, &[3, 1, 1, 2]),
        ("x.bf16", GgmlType::BF16, &[5, 5]),
    ];
    let mut tensors = Vec::new();
    let mut offset = 0u64;
    let mut data = Vec::new();
    for (i, (name, ty, shape)) in specs.iter().enumerate() {
        w.add_tensor(*name, *ty, shape).unwrap();
        let size = mote_host::gguf_writer::tensor_bytes(*ty, shape).unwrap();
        let bytes: Vec<u8> = (0..size)
            .map(|j| (j as usize * 131 + i * 17) as u8)
            .collect();
        tensors.push(json!({
            "name": name, "type": ty.name(), "shape": shape, "offset": offset,
            "sha256": sha256_hex(&bytes),
        }));
        offset += size.div_ceil(64) * 64;
        data.push(bytes);
    }
    let slices: Vec<&[u8]> = data.iter().map(Vec::as_slice).collect();
    let file = w.to_vec(&slices).unwrap();
    let expected = json!({
        "version": 3,
        "tensor_count": specs.len(),
        "metadata": expected_meta,
        "tensors": tensors,
    });
    (file, expected)
}

#[test]
fn gguf_py_reads_what_mote_writes() {
    let (file, expected) = mote_written_file();
    let path = temp_path("mote-written.gguf");
    std::fs::write(&path, &file).unwrap();
    let read_by_gguf_py = gguf_py_dump(&path, true);
    assert_json_eq(&read_by_gguf_py, &expected);
    // And mote reads it the same way.
    assert_json_eq(&mote_dump_with_data(&file), &expected);
    std::fs::remove_file(&path).unwrap();
}
