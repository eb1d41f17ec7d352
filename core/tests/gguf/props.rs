//! Properties: random valid files read back exactly; random corruptions of
//! them are rejected or read without panicking.

use crate::builder::{Builder, V};
use crate::{assert_round_trip, walk};
use mote_core::gguf::Gguf;
use mote_core::GgmlType;
use proptest::prelude::*;
use proptest::sample::Index;

/// A value of type id `ty`; arrays nest at most `depth` more levels.
fn value_of(ty: u32, depth: u32) -> BoxedStrategy<V> {
    match ty {
        0 => any::<u8>().prop_map(V::U8).boxed(),
        1 => any::<i8>().prop_map(V::I8).boxed(),
        2 => any::<u16>().prop_map(V::U16).boxed(),
        3 => any::<i16>().prop_map(V::I16).boxed(),
        4 => any::<u32>().prop_map(V::U32).boxed(),
        5 => any::<i32>().prop_map(V::I32).boxed(),
        6 => any::<f32>().prop_map(V::F32).boxed(),
        7 => any::<bool>().prop_map(V::Bool).boxed(),
        8 => "\\PC{0,6}".prop_map(V::Str).boxed(),
        10 => any::<u64>().prop_map(V::U64).boxed(),
        11 => any::<i64>().prop_map(V::I64).boxed(),
        12 => any::<f64>().prop_map(V::F64).boxed(),
        _ => elem_type(depth)
            .prop_flat_map(move |et| {
                prop::collection::vec(value_of(et, depth.saturating_sub(1)), 0..4)
                    .prop_map(move |items| V::Arr(et, items))
            })
            .boxed(),
    }
}

/// A value type id; arrays only while `depth > 0`.
fn elem_type(depth: u32) -> BoxedStrategy<u32> {
    if depth > 0 {
        (0u32..13).boxed()
    } else {
        prop_oneof![0u32..9, 10u32..13].boxed()
    }
}

const TYPES: [GgmlType; 8] = [
    GgmlType::F32,
    GgmlType::F16,
    GgmlType::BF16,
    GgmlType::Q8_0,
    GgmlType::Q4_0,
    GgmlType::Q4_1,
    GgmlType::Q4_K,
    GgmlType::I8,
];

fn tensor_spec() -> impl Strategy<Value = (GgmlType, Vec<u64>)> {
    (
        0..TYPES.len(),
        1u64..3,
        prop::collection::vec(1u64..4, 0..4),
    )
        .prop_map(|(t, blocks, rest)| {
            let ty = TYPES[t];
            let mut dims = vec![blocks * ty.block_size() as u64];
            dims.extend(rest);
            (ty, dims)
        })
}

fn file() -> impl Strategy<Value = Builder> {
    (
        prop_oneof![Just(2u32), Just(3u32)],
        prop::option::of(prop::sample::select(vec![1u32, 2, 8, 32, 64, 256])),
        prop::collection::vec(elem_type(1).prop_flat_map(|t| value_of(t, 2)), 0..8),
        prop::collection::vec(tensor_spec(), 0..5),
    )
        .prop_map(|(version, align, values, tensors)| {
            let mut b = Builder::new().version(version);
            if let Some(a) = align {
                b = b.alignment(a);
            }
            for (i, v) in values.into_iter().enumerate() {
                b = b.kv(&format!("k{i}.{}", v.type_id()), v);
            }
            for (i, (ty, dims)) in tensors.into_iter().enumerate() {
                b = b.tensor(&format!("blk.{i}.weight"), &dims, ty);
            }
            b
        })
}

/// What every successfully parsed file must satisfy.
fn check_invariants(bytes: &[u8], g: &Gguf<'_>) {
    assert!(g.alignment().is_power_of_two());
    assert_eq!(g.data_offset() % g.alignment(), 0);
    let base = bytes.as_ptr() as usize;
    let mut ranges = Vec::new();
    for t in g.tensors() {
        let start = t.data.as_ptr() as usize - base;
        assert!(start + t.data.len() <= bytes.len());
        assert_eq!(start, g.data_offset() + t.offset as usize);
        assert_eq!(t.offset % g.alignment() as u64, 0);
        assert!(t.n_dims <= 4);
        assert_eq!(
            t.ty.row_bytes(t.dims[0] as usize)
                .map(|r| r as u64 * t.n_rows()),
            Some(t.data.len() as u64)
        );
        ranges.push((start, start + t.data.len()));
    }
    assert_eq!(ranges.len(), g.tensor_count());
    ranges.sort();
    for w in ranges.windows(2) {
        assert!(w[0].1 <= w[1].0, "overlapping tensors accepted");
    }
    assert_eq!(g.metadata().count(), g.metadata_count());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_valid_files_round_trip(b in file()) {
        let bytes = b.build();
        let g = Gguf::parse(&bytes).expect("valid file");
        assert_round_trip(&b, &bytes, &g);
        check_invariants(&bytes, &g);
    }

    #[test]
    fn random_byte_mutations_never_panic(
        b in file(),
        edits in prop::collection::vec((any::<Index>(), any::<u8>()), 1..6),
        cut in prop::option::of(any::<Index>()),
    ) {
        let mut bytes = b.build();
        for (at, v) in edits {
            let i = at.index(bytes.len());
            bytes[i] = v;
        }
        if let Some(c) = cut {
            bytes.truncate(c.index(bytes.len() + 1));
        }
        if let Ok(g) = Gguf::parse(&bytes) {
            walk(&g);
            check_invariants(&bytes, &g);
        }
    }

    #[test]
    fn random_bytes_after_a_valid_header_never_panic(
        version in 0u32..5,
        counts in (0u64..6, 0u64..6),
        tail in prop::collection::vec(any::<u8>(), 0..256),
    ) {
        let mut bytes = b"GGUF".to_vec();
        bytes.extend(version.to_le_bytes());
        bytes.extend(counts.0.to_le_bytes());
        bytes.extend(counts.1.to_le_bytes());
        bytes.extend(tail);
        if let Ok(g) = Gguf::parse(&bytes) {
            walk(&g);
            check_invariants(&bytes, &g);
        }
    }
}
