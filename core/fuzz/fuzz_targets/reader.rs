//! Parses arbitrary bytes as GGUF; when they parse, reads every metadata
//! value (nested arrays included) and every tensor, and checks what a
//! consumer relies on: data slices inside the input, aligned, disjoint.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mote_core::gguf::{Gguf, Value};

fn walk_value(v: Value<'_>) -> usize {
    match v {
        Value::Array(a) => {
            let mut n = 0;
            let mut count = 0;
            for e in a.iter() {
                n += walk_value(e);
                count += 1;
            }
            assert_eq!(count, a.len(), "array iterator ended early");
            if a.elem_type() == mote_core::gguf::ValueType::Str {
                assert_eq!(a.strs().count(), a.len());
            }
            if let Some(last) = a.len().checked_sub(1) {
                assert!(a.get(last).is_some());
            }
            n
        }
        Value::Str(s) => s.len(),
        v => v.as_i128().map_or(1, |x| x as usize & 1),
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(g) = Gguf::parse(data) else {
        return;
    };
    let mut n = 0;
    let mut kvs = 0;
    for (k, v) in g.metadata() {
        n += k.len() + walk_value(v);
        // Keys are unique, so a look-up finds this very pair.
        assert_eq!(g.get(k).map(|x| x.value_type()), Some(v.value_type()));
        let _ = (
            g.get_u32(k),
            g.get_u64(k),
            g.get_f32(k),
            g.get_str(k),
            g.get_bool(k),
        );
        kvs += 1;
    }
    assert_eq!(kvs, g.metadata_count(), "metadata iterator ended early");

    assert!(g.alignment().is_power_of_two());
    assert_eq!(g.data_offset() % g.alignment(), 0);
    let base = data.as_ptr() as usize;
    let mut ranges = Vec::new();
    for t in g.tensors() {
        let start = t.data.as_ptr() as usize - base;
        let end = start + t.data.len();
        assert!(end <= data.len());
        assert_eq!(start, g.data_offset() + t.offset as usize);
        assert_eq!(t.offset % g.alignment() as u64, 0);
        assert!(t.n_dims <= 4 && t.n_elements() > 0);
        let row =
            t.ty.row_bytes(t.dims[0] as usize)
                .expect("row is whole blocks");
        assert_eq!(row as u64 * t.n_rows(), t.data.len() as u64);
        assert_eq!(g.tensor(t.name).map(|x| x.offset), Some(t.offset));
        ranges.push((start, end));
        n += t.data.first().copied().unwrap_or(0) as usize;
    }
    assert_eq!(
        ranges.len(),
        g.tensor_count(),
        "tensor iterator ended early"
    );
    ranges.sort_unstable();
    for w in ranges.windows(2) {
        assert!(w[0].1 <= w[1].0, "overlapping tensors accepted");
    }
    std::hint::black_box(n);
});
