//! Files at the limits, built to defeat every shortcut of the pairwise
//! checks. They assert results, not times; run them with
//! `cargo test --release -p mote-core --test gguf -- --ignored` to see the
//! worst-case parse time the limits in `gguf::limits` are chosen for.

use crate::builder::{Builder, V};
use mote_core::gguf::limits::{MAX_KEY_LEN, MAX_KV, MAX_TENSORS};
use mote_core::gguf::{Error, Gguf};
use mote_core::GgmlType;

/// `MAX_TENSORS` tensors laid out in reverse order, so every one takes the
/// slow path of the overlap check (a walk of all earlier infos).
fn reversed_tensors(n: usize) -> Builder {
    let mut b = Builder::new();
    for i in 0..n {
        let name = format!("blk.{i}.w");
        b = b.raw_tensor(
            name.as_bytes(),
            &[8],
            GgmlType::F32 as u32,
            Some((n - 1 - i) as u64 * 32),
        );
    }
    b
}

#[test]
#[ignore = "worst case: slow in debug builds"]
fn max_tensors_in_reverse_order_parse() {
    let b = reversed_tensors(MAX_TENSORS);
    let bytes = b.build();
    let g = Gguf::parse(&bytes).expect("valid file");
    assert_eq!(g.tensors().count(), MAX_TENSORS);
    let last = g
        .tensor(&format!("blk.{}.w", MAX_TENSORS - 1))
        .expect("tensor");
    assert_eq!(last.offset, 0);
}

#[test]
#[ignore = "worst case: slow in debug builds"]
fn duplicate_name_at_the_end_of_a_full_table_is_found() {
    let mut b = reversed_tensors(MAX_TENSORS - 1);
    b = b.raw_tensor(
        b"blk.0.w",
        &[8],
        GgmlType::F32 as u32,
        Some(MAX_TENSORS as u64 * 32),
    );
    assert_eq!(
        Gguf::parse(&b.build()).map(|_| ()),
        Err(Error::DuplicateTensorName {
            offset: b.tensor_info_offset(MAX_TENSORS - 1),
            tensor: MAX_TENSORS - 1,
            first: 0
        })
    );
}

#[test]
fn max_keys_of_max_length_differing_at_the_end_parse() {
    let mut b = Builder::new();
    let stem = "k".repeat(MAX_KEY_LEN - 4);
    for i in 0..MAX_KV {
        b = b.kv(&format!("{stem}{i:04}"), V::U8(i as u8));
    }
    let bytes = b.build();
    let g = Gguf::parse(&bytes).expect("valid file");
    assert_eq!(g.metadata().count(), MAX_KV);
    assert_eq!(
        g.get_u32(&format!("{stem}{:04}", MAX_KV - 1)),
        Ok((MAX_KV - 1) as u8 as u32)
    );

    // The same key again at the very end.
    let mut b = Builder::new();
    for i in 0..MAX_KV - 1 {
        b = b.kv(&format!("{stem}{i:04}"), V::U8(0));
    }
    b = b.kv(&format!("{stem}{:04}", MAX_KV - 2), V::U8(0));
    let pair = 8 + MAX_KEY_LEN + 4 + 1;
    assert_eq!(
        Gguf::parse(&b.build()).map(|_| ()),
        Err(Error::DuplicateKey {
            offset: 24 + (MAX_KV - 1) * pair,
            index: MAX_KV - 1,
            first: MAX_KV - 2
        })
    );
}
