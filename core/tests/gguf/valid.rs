//! Valid files: every value type, both versions, layouts writers produce.

use crate::builder::{Builder, V};
use crate::{all_types, assert_round_trip, walk};
use mote_core::gguf::{Gguf, ValueType};
use mote_core::GgmlType;

#[test]
fn v2_and_v3_both_parse_and_round_trip() {
    for version in [2, 3] {
        let b = all_types().version(version);
        let bytes = b.build();
        let g = Gguf::parse(&bytes).expect("valid file");
        assert_eq!(g.version(), version);
        assert_round_trip(&b, &bytes, &g);
    }
}

#[test]
fn every_truncation_is_an_error() {
    let bytes = all_types().build();
    assert!(Gguf::parse(&bytes).is_ok());
    for cut in 0..bytes.len() {
        assert!(
            Gguf::parse(&bytes[..cut]).is_err(),
            "file cut at {cut} of {} parsed",
            bytes.len()
        );
    }
}

#[test]
fn data_section_starts_at_the_aligned_end_of_the_table() {
    for align in [1u32, 8, 32, 64, 4096] {
        let b = all_types().alignment(align);
        let bytes = b.build();
        let g = Gguf::parse(&bytes).expect("valid file");
        assert_eq!(g.alignment(), align as usize);
        assert_round_trip(&b, &bytes, &g);
        // The last tensor ends exactly at the end of the file.
        let last = g.tensors().last().expect("tensors");
        assert_eq!(
            g.data_offset() + last.offset as usize + last.data.len(),
            bytes.len()
        );
    }
}

#[test]
fn metadata_only_and_empty_files_parse() {
    let b = Builder::new().kv("general.architecture", V::Str("bert".into()));
    let bytes = b.build();
    let g = Gguf::parse(&bytes).expect("valid file");
    assert_round_trip(&b, &bytes, &g);
    assert_eq!(g.architecture(), Ok("bert"));
    assert_eq!(g.tensors().count(), 0);

    let bytes = Builder::new().build();
    let g = Gguf::parse(&bytes).expect("valid file");
    assert_eq!((g.metadata_count(), g.tensor_count()), (0, 0));
    assert_eq!(g.metadata().count(), 0);
}

#[test]
fn tensors_out_of_file_order_with_gaps_are_accepted_when_disjoint() {
    let b = Builder::new()
        .raw_tensor(b"b", &[8], GgmlType::F32 as u32, Some(64))
        .raw_tensor(b"a", &[8], GgmlType::F32 as u32, Some(0))
        .raw_tensor(b"c", &[8], GgmlType::F32 as u32, Some(160));
    let bytes = b.build();
    let g = Gguf::parse(&bytes).expect("valid file");
    assert_round_trip(&b, &bytes, &g);
}

#[test]
fn zero_dim_tensor_is_a_scalar() {
    let b = Builder::new().tensor("scalar", &[], GgmlType::F32);
    let bytes = b.build();
    let g = Gguf::parse(&bytes).expect("valid file");
    let t = g.tensor("scalar").expect("tensor");
    assert_eq!(
        (t.n_dims, t.shape(), t.n_elements(), t.data.len()),
        (0, &[][..], 1, 4)
    );
    assert_eq!(t.dims, [1, 1, 1, 1]);
}

#[test]
fn nested_arrays_up_to_the_limit_parse() {
    let mut v = V::U8(7);
    for _ in 0..mote_core::gguf::limits::MAX_ARRAY_NESTING {
        let t = v.type_id();
        v = V::Arr(t, vec![v]);
    }
    let b = Builder::new().kv("deep", v);
    let bytes = b.build();
    let g = Gguf::parse(&bytes).expect("valid file");
    assert_round_trip(&b, &bytes, &g);
    let mut depth = 0;
    let mut cur = g.get("deep").expect("key");
    while let Some(a) = cur.as_array() {
        depth += 1;
        cur = a.iter().next().expect("one element");
    }
    assert_eq!(depth, mote_core::gguf::limits::MAX_ARRAY_NESTING);
    assert_eq!(cur.as_u32(), Some(7));
    assert_eq!(
        g.get_array("deep").map(|a| a.elem_type()),
        Ok(ValueType::Array)
    );
}

#[test]
fn walk_touches_every_tensor_byte() {
    let b = all_types();
    let bytes = b.build();
    let g = Gguf::parse(&bytes).expect("valid file");
    let data: usize = b.tensors.iter().map(|t| t.data.len()).sum();
    assert!(walk(&g) >= data);
}

/// The fuzz seeds are written by gguf-py (core/fuzz/make_seeds.py); they
/// must all parse, with the counts gguf-py wrote.
#[test]
fn fuzz_seeds_written_by_gguf_py_parse() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/reader");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).expect("seed corpus") {
        let path = entry.expect("entry").path();
        let bytes = std::fs::read(&path).expect("seed");
        let g = Gguf::parse(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(walk(&g) > 0);
        assert!(g.metadata_count() > 0);
        seen += 1;
    }
    assert!(seen >= 4, "seed corpus has {seen} files");
}
