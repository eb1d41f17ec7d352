//! GGUF reader tests: files built by a small test-only writer, one per
//! error class, plus truncation, round-trip and mutation properties.

mod builder;
mod errors;
mod getters;
mod limits;
mod props;
mod valid;

use builder::{Builder, V};
use mote_core::gguf::{Gguf, Value};
use mote_core::GgmlType;

/// Asserts that a parsed value equals the value that was written.
pub fn assert_same(written: &V, read: Value<'_>) {
    match (written, read) {
        (V::U8(a), Value::U8(b)) => assert_eq!(*a, b),
        (V::I8(a), Value::I8(b)) => assert_eq!(*a, b),
        (V::U16(a), Value::U16(b)) => assert_eq!(*a, b),
        (V::I16(a), Value::I16(b)) => assert_eq!(*a, b),
        (V::U32(a), Value::U32(b)) => assert_eq!(*a, b),
        (V::I32(a), Value::I32(b)) => assert_eq!(*a, b),
        (V::U64(a), Value::U64(b)) => assert_eq!(*a, b),
        (V::I64(a), Value::I64(b)) => assert_eq!(*a, b),
        (V::F32(a), Value::F32(b)) => assert_eq!(a.to_bits(), b.to_bits()),
        (V::F64(a), Value::F64(b)) => assert_eq!(a.to_bits(), b.to_bits()),
        (V::Bool(a), Value::Bool(b)) => assert_eq!(*a, b),
        (V::Str(a), Value::Str(b)) => assert_eq!(a, b),
        (V::Arr(t, items), Value::Array(arr)) => {
            assert_eq!(*t, arr.elem_type() as u32);
            assert_eq!(items.len(), arr.len());
            let mut n = 0;
            for (w, r) in items.iter().zip(arr.iter()) {
                assert_same(w, r);
                n += 1;
            }
            assert_eq!(n, items.len(), "array iterator ended early");
            for (i, w) in items.iter().enumerate() {
                assert_same(w, arr.get(i).expect("element in range"));
            }
            assert!(arr.get(items.len()).is_none());
            if *t == 8 {
                let strs: Vec<&str> = arr.strs().collect();
                let want: Vec<&str> = items
                    .iter()
                    .map(|v| match v {
                        V::Str(s) => s.as_str(),
                        _ => unreachable!(),
                    })
                    .collect();
                assert_eq!(strs, want);
            } else {
                assert_eq!(arr.strs().count(), 0);
            }
        }
        (w, r) => panic!("wrote {w:?}, read {r:?}"),
    }
}

/// Asserts that `g` reads back exactly what `b` wrote.
pub fn assert_round_trip(b: &Builder, bytes: &[u8], g: &Gguf<'_>) {
    assert_eq!(g.version(), b.version);
    assert_eq!(g.metadata_count(), b.kvs.len());
    assert_eq!(g.tensor_count(), b.tensors.len());
    assert_eq!(g.alignment(), b.align);
    let mut n = 0;
    for ((k, v), (key, value)) in b.kvs.iter().zip(g.metadata()) {
        assert_eq!(k.as_slice(), key.as_bytes());
        assert_same(v, value);
        assert_same(v, g.get(key).expect("key present"));
        n += 1;
    }
    assert_eq!(n, b.kvs.len(), "metadata iterator ended early");
    let offsets = b.offsets();
    let mut n = 0;
    for ((t, off), ti) in b.tensors.iter().zip(&offsets).zip(g.tensors()) {
        assert_eq!(t.name.as_slice(), ti.name.as_bytes());
        assert_eq!(t.ty, ti.ty as u32);
        assert_eq!(t.dims.as_slice(), ti.shape());
        assert_eq!(ti.n_dims, t.dims.len());
        assert_eq!(*off, ti.offset);
        assert_eq!(t.data, ti.data);
        assert_eq!(ti.n_elements(), t.dims.iter().product::<u64>());
        // The slice really is the file's bytes at the stated place.
        let at = g.data_offset() + *off as usize;
        assert_eq!(ti.data.as_ptr(), bytes[at..].as_ptr());
        assert_eq!(g.tensor(ti.name), Some(ti));
        n += 1;
    }
    assert_eq!(n, b.tensors.len(), "tensor iterator ended early");
    assert_eq!(g.data_offset() % g.alignment(), 0);
}

/// Reads every value (nested arrays included) and every tensor, as a
/// consumer would; must never panic, whatever the file.
pub fn walk(g: &Gguf<'_>) -> usize {
    fn walk_value(v: Value<'_>) -> usize {
        match v {
            Value::Array(a) => {
                let n: usize = a.iter().map(walk_value).sum();
                n + a.strs().map(str::len).sum::<usize>()
                    + a.get(a.len().saturating_sub(1)).is_some() as usize
            }
            Value::Str(s) => s.len(),
            _ => 1,
        }
    }
    let mut n = 0;
    for (k, v) in g.metadata() {
        n += k.len() + walk_value(v);
        let _ = g.get_u32(k);
        let _ = g.get_str(k);
        let _ = g.get_array(k);
    }
    for t in g.tensors() {
        n += t.data.len() + t.shape().len() + t.n_elements() as usize % 7;
        let _ = g.tensor(t.name);
    }
    n
}

/// A valid file with every value type, nested arrays and several tensors
/// of several types and ranks.
pub fn all_types() -> Builder {
    Builder::new()
        .kv("general.architecture", V::Str("llama".into()))
        .kv("t.u8", V::U8(200))
        .kv("t.i8", V::I8(-100))
        .kv("t.u16", V::U16(60000))
        .kv("t.i16", V::I16(-30000))
        .kv("t.u32", V::U32(4_000_000_000))
        .kv("t.i32", V::I32(-2_000_000_000))
        .kv("t.f32", V::F32(1.5e-5))
        .kv("t.bool", V::Bool(true))
        .kv("t.str", V::Str("héllo wörld ✓".into()))
        .kv("t.u64", V::U64(u64::MAX))
        .kv("t.i64", V::I64(i64::MIN))
        .kv("t.f64", V::F64(-2.5e300))
        .kv("t.empty_str", V::Str(String::new()))
        .kv("t.arr_u8", V::Arr(0, vec![V::U8(1), V::U8(2), V::U8(255)]))
        .kv("t.arr_f32", V::Arr(6, vec![V::F32(0.5), V::F32(-1.0)]))
        .kv("t.arr_bool", V::Arr(7, vec![V::Bool(false), V::Bool(true)]))
        .kv(
            "t.arr_str",
            V::Arr(
                8,
                vec![V::Str("a".into()), V::Str("".into()), V::Str("ĠΩ".into())],
            ),
        )
        .kv("t.arr_empty", V::Arr(4, vec![]))
        .kv(
            "t.arr_arr",
            V::Arr(
                9,
                vec![
                    V::Arr(5, vec![V::I32(-1), V::I32(7)]),
                    V::Arr(8, vec![V::Str("x".into())]),
                    V::Arr(9, vec![V::Arr(12, vec![V::F64(3.25)])]),
                    V::Arr(10, vec![]),
                ],
            ),
        )
        .kv("t.arr_i64", V::Arr(11, vec![V::I64(-5), V::I64(1 << 40)]))
        .tensor("token_embd.weight", &[64, 3], GgmlType::Q8_0)
        .tensor("blk.0.attn_norm.weight", &[5], GgmlType::F32)
        .tensor("blk.0.ffn_up.weight", &[32, 2, 1], GgmlType::Q4_1)
        .tensor("blk.0.w4", &[3, 2, 2, 1], GgmlType::F16)
        .tensor("output.weight", &[256, 1], GgmlType::Q6_K)
}

#[test]
fn smoke_all_types_parse() {
    let b = all_types();
    let bytes = b.build();
    let g = Gguf::parse(&bytes).expect("valid file");
    assert_round_trip(&b, &bytes, &g);
    assert!(walk(&g) > 0);
}
