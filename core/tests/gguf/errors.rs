//! One hand-built file per error class, each asserting the exact error.

use crate::all_types;
use crate::builder::{Builder, KV_START, V};
use mote_core::gguf::limits::{
    MAX_ARRAY_NESTING, MAX_KEY_LEN, MAX_KV, MAX_TENSORS, MAX_TENSOR_NAME_LEN,
};
use mote_core::gguf::{Error, Gguf, Item, ValueType};
use mote_core::GgmlType;

fn err(b: &Builder) -> Error {
    parse_err(&b.build())
}

fn parse_err(bytes: &[u8]) -> Error {
    let e = Gguf::parse(bytes).expect_err("file must be rejected");
    // Every error renders and (for file errors) points inside the file.
    assert!(!e.to_string().is_empty());
    if let Some(at) = e.offset() {
        assert!(at <= bytes.len(), "{e:?} points past the end");
        // Past the fixed header fields, the message names the offset.
        if at > 0 {
            assert!(e.to_string().contains(&format!("byte {at}")), "{e}");
        }
    }
    e
}

/// Offset of the value of the first pair when its key is `key`.
fn first_value_at(key: &str) -> usize {
    KV_START + 8 + key.len() + 4
}

fn string(len: u64, bytes: &[u8]) -> Vec<u8> {
    let mut v = len.to_le_bytes().to_vec();
    v.extend(bytes);
    v
}

#[test]
fn bad_magic() {
    let mut bytes = all_types().build();
    bytes[3] = b'X';
    assert_eq!(parse_err(&bytes), Error::BadMagic { found: *b"GGUX" });
    assert_eq!(
        parse_err(b"GG"),
        Error::Truncated {
            offset: 0,
            needed: 4,
            item: Item::Magic
        }
    );
}

#[test]
fn version_one_big_endian_and_unknown_versions() {
    assert_eq!(err(&Builder::new().version(1)), Error::Version1);
    for v in [0, 4, 0x1234_5678] {
        assert_eq!(
            err(&Builder::new().version(v)),
            Error::UnsupportedVersion { version: v }
        );
    }
    for v in [2u32, 3] {
        assert_eq!(
            err(&Builder::new().version(v.swap_bytes())),
            Error::BigEndian {
                raw: v.swap_bytes()
            }
        );
    }
}

#[test]
fn header_truncated() {
    let bytes = Builder::new().build();
    assert_eq!(
        parse_err(&bytes[..10]),
        Error::Truncated {
            offset: 8,
            needed: 8,
            item: Item::TensorCount
        }
    );
    assert_eq!(
        parse_err(&bytes[..20]),
        Error::Truncated {
            offset: 16,
            needed: 8,
            item: Item::KvCount
        }
    );
}

#[test]
fn counts_that_cannot_fit_in_the_bytes_left() {
    let mut b = Builder::new();
    b.kv_count = Some(1000);
    assert_eq!(
        err(&b),
        Error::KvCountTooLarge {
            count: 1000,
            bytes_left: 0
        }
    );

    let mut b = Builder::new();
    b.tensor_count = Some(100);
    assert_eq!(
        err(&b),
        Error::TensorCountTooLarge {
            offset: 24,
            count: 100,
            bytes_left: 0
        }
    );

    // The header check passes (51 bytes left >= 24 + 13) but the pair
    // takes all of them, leaving nothing for the tensor info.
    let mut b = Builder::new().kv("k", V::Str("x".repeat(30)));
    b.tensor_count = Some(1);
    let bytes = b.build();
    assert_eq!(bytes.len(), 75);
    assert_eq!(
        parse_err(&bytes),
        Error::TensorCountTooLarge {
            offset: 75,
            count: 1,
            bytes_left: 0
        }
    );
}

#[test]
fn counts_above_the_limits() {
    let mut b = Builder::new();
    b.kv_count = Some(MAX_KV as u64 + 1);
    assert_eq!(
        err(&b),
        Error::TooManyKvs {
            count: MAX_KV as u64 + 1
        }
    );
    b.kv_count = Some(u64::MAX);
    assert_eq!(err(&b), Error::TooManyKvs { count: u64::MAX });

    let mut b = Builder::new();
    b.tensor_count = Some(MAX_TENSORS as u64 + 1);
    assert_eq!(
        err(&b),
        Error::TooManyTensors {
            count: MAX_TENSORS as u64 + 1
        }
    );
}

#[test]
fn string_length_past_end() {
    let b = Builder::new().kv("k", V::Raw(8, string(1000, b"abc")));
    assert_eq!(
        err(&b),
        Error::StringPastEnd {
            offset: first_value_at("k"),
            len: 1000
        }
    );
    let b = Builder::new().kv("k", V::Raw(8, string(u64::MAX, b"")));
    assert_eq!(
        err(&b),
        Error::StringPastEnd {
            offset: first_value_at("k"),
            len: u64::MAX
        }
    );
    // A key's length, too.
    let mut bytes = Builder::new().build();
    bytes[16] = 1;
    bytes.extend(string(500, b"general"));
    assert_eq!(
        parse_err(&bytes),
        Error::StringPastEnd {
            offset: KV_START,
            len: 500
        }
    );
}

#[test]
fn array_length_past_end() {
    let mut raw = 4u32.to_le_bytes().to_vec();
    raw.extend(1000u64.to_le_bytes());
    raw.extend([0u8; 12]);
    let b = Builder::new().kv("k", V::Raw(9, raw));
    assert_eq!(
        err(&b),
        Error::ArrayPastEnd {
            offset: first_value_at("k"),
            count: 1000,
            elem_type: ValueType::U32
        }
    );
    // A count whose byte size overflows.
    let mut raw = 8u32.to_le_bytes().to_vec();
    raw.extend(u64::MAX.to_le_bytes());
    let b = Builder::new().kv("k", V::Raw(9, raw));
    assert_eq!(
        err(&b),
        Error::ArrayPastEnd {
            offset: first_value_at("k"),
            count: u64::MAX,
            elem_type: ValueType::Str
        }
    );
}

#[test]
fn invalid_value_types() {
    let b = Builder::new().kv("k", V::Raw(13, vec![0; 8]));
    assert_eq!(
        err(&b),
        Error::InvalidValueType {
            offset: KV_START + 9,
            ty: 13
        }
    );
    let mut raw = 99u32.to_le_bytes().to_vec();
    raw.extend(0u64.to_le_bytes());
    let b = Builder::new().kv("k", V::Raw(9, raw));
    assert_eq!(
        err(&b),
        Error::InvalidValueType {
            offset: first_value_at("k"),
            ty: 99
        }
    );
}

#[test]
fn invalid_bools() {
    let b = Builder::new().kv("k", V::Raw(7, vec![2]));
    assert_eq!(
        err(&b),
        Error::InvalidBool {
            offset: first_value_at("k"),
            value: 2
        }
    );
    let b = Builder::new().kv("k", V::Arr(7, vec![V::Bool(true), V::Raw(7, vec![5])]));
    assert_eq!(
        err(&b),
        Error::InvalidBool {
            offset: first_value_at("k") + 12 + 1,
            value: 5
        }
    );
}

#[test]
fn nesting_too_deep() {
    let mut v = V::U8(1);
    for _ in 0..=MAX_ARRAY_NESTING {
        let t = v.type_id();
        v = V::Arr(t, vec![v]);
    }
    let b = Builder::new().kv("k", v);
    // Each array header is 12 bytes; the one too deep is the last.
    assert_eq!(
        err(&b),
        Error::NestingTooDeep {
            offset: first_value_at("k") + 12 * MAX_ARRAY_NESTING
        }
    );
}

#[test]
fn keys_too_long_or_not_utf8() {
    let long = "k".repeat(MAX_KEY_LEN + 1);
    let b = Builder::new().kv(&long, V::U8(0));
    assert_eq!(
        err(&b),
        Error::KeyTooLong {
            offset: KV_START,
            len: MAX_KEY_LEN as u64 + 1
        }
    );
    let ok = "k".repeat(MAX_KEY_LEN);
    assert!(Gguf::parse(&Builder::new().kv(&ok, V::U8(0)).build()).is_ok());

    let b = Builder::new()
        .kv("a", V::U8(0))
        .raw_kv(&[b'k', 0xff, 0xfe], V::U8(0));
    assert_eq!(
        err(&b),
        Error::KeyNotUtf8 {
            offset: KV_START + 8 + 1 + 4 + 1
        }
    );
}

#[test]
fn strings_not_utf8() {
    let b = Builder::new().kv("k", V::Raw(8, string(2, &[0xc3, 0x28])));
    assert_eq!(
        err(&b),
        Error::StringNotUtf8 {
            offset: first_value_at("k")
        }
    );
    let mut raw = 8u32.to_le_bytes().to_vec();
    raw.extend(2u64.to_le_bytes());
    raw.extend(string(1, b"a"));
    raw.extend(string(1, &[0x80]));
    let b = Builder::new().kv("k", V::Raw(9, raw));
    assert_eq!(
        err(&b),
        Error::StringNotUtf8 {
            offset: first_value_at("k") + 12 + 9
        }
    );
}

#[test]
fn duplicate_keys() {
    let b = Builder::new()
        .kv("a", V::U32(1))
        .kv("b", V::U32(2))
        .kv("a", V::Str("again".into()));
    // Each pair is 8 + 1 + 4 + 4 bytes.
    assert_eq!(
        err(&b),
        Error::DuplicateKey {
            offset: KV_START + 2 * 17,
            index: 2,
            first: 0
        }
    );
}

#[test]
fn bad_alignments() {
    let at = first_value_at("general.alignment");
    let b = Builder::new().kv("general.alignment", V::U64(32));
    assert_eq!(
        err(&b),
        Error::AlignmentWrongType {
            offset: at,
            found: ValueType::U64
        }
    );
    let b = Builder::new().kv("general.alignment", V::I32(32));
    assert_eq!(
        err(&b),
        Error::AlignmentWrongType {
            offset: at,
            found: ValueType::I32
        }
    );
    let b = Builder::new().kv("general.alignment", V::U32(0));
    assert_eq!(err(&b), Error::AlignmentZero { offset: at });
    let b = Builder::new().kv("general.alignment", V::U32(48));
    assert_eq!(
        err(&b),
        Error::AlignmentNotPowerOfTwo {
            offset: at,
            value: 48
        }
    );
    let b = Builder::new().kv("general.alignment", V::U32(1 << 17));
    assert_eq!(
        err(&b),
        Error::AlignmentTooLarge {
            offset: at,
            value: 1 << 17
        }
    );
}

const F32: u32 = GgmlType::F32 as u32;

#[test]
fn tensor_names_too_long_or_not_utf8() {
    let long = vec![b'n'; MAX_TENSOR_NAME_LEN + 1];
    let b = Builder::new().raw_tensor(&long, &[4], F32, None);
    assert_eq!(
        err(&b),
        Error::TensorNameTooLong {
            offset: KV_START,
            tensor: 0,
            len: MAX_TENSOR_NAME_LEN as u64 + 1
        }
    );
    let b = Builder::new().raw_tensor(&[0xff], &[4], F32, None);
    assert_eq!(
        err(&b),
        Error::TensorNameNotUtf8 {
            offset: KV_START,
            tensor: 0
        }
    );
}

#[test]
fn duplicate_tensor_names() {
    let b = Builder::new()
        .tensor("w", &[8], GgmlType::F32)
        .tensor("v", &[8], GgmlType::F32)
        .tensor("w", &[8], GgmlType::F32);
    // Each info is 8 + 1 + 4 + 8 + 4 + 8 bytes.
    assert_eq!(
        err(&b),
        Error::DuplicateTensorName {
            offset: KV_START + 2 * 33,
            tensor: 2,
            first: 0
        }
    );
}

#[test]
fn more_than_four_dims() {
    let b = Builder::new().raw_tensor(b"t", &[1, 1, 1, 1, 1], F32, None);
    assert_eq!(
        err(&b),
        Error::TooManyDims {
            offset: KV_START,
            tensor: 0,
            n_dims: 5
        }
    );
}

#[test]
fn zero_dimension() {
    let b = Builder::new()
        .tensor("a", &[4], GgmlType::F32)
        .raw_tensor(b"t", &[4, 0], F32, None);
    assert_eq!(
        err(&b),
        Error::ZeroDimension {
            offset: KV_START + 33,
            tensor: 1,
            dim: 1
        }
    );
}

#[test]
fn overflowing_element_counts_and_sizes() {
    let too_large = Error::TensorTooLarge {
        offset: KV_START,
        tensor: 0,
    };
    // 2^64 elements.
    let b = Builder::new().raw_tensor(b"t", &[1 << 32, 1 << 32], F32, None);
    assert_eq!(err(&b), too_large);
    // 2^63 elements: fits u64 but not ggml's int64_t.
    let b = Builder::new().raw_tensor(b"t", &[1 << 62, 2], F32, None);
    assert_eq!(err(&b), too_large);
    // 2^61 elements fit, their 2^63 bytes do not.
    let b = Builder::new().raw_tensor(b"t", &[1 << 61], F32, None);
    assert_eq!(err(&b), too_large);
    // Offset + size past u64: out of bounds.
    let b = Builder::new().raw_tensor(b"t", &[8], F32, Some(u64::MAX - 31));
    assert!(matches!(
        err(&b),
        Error::TensorOutOfBounds {
            offset: KV_START,
            tensor: 0,
            end: u64::MAX,
            ..
        }
    ));
}

#[test]
fn invalid_tensor_types() {
    for ty in [4, 5, 31, 40, u32::MAX] {
        let b = Builder::new().raw_tensor(b"t", &[32], ty, None);
        assert_eq!(
            err(&b),
            Error::InvalidTensorType {
                offset: KV_START,
                tensor: 0,
                ty
            }
        );
    }
}

#[test]
fn row_not_a_multiple_of_the_block() {
    let b = Builder::new().raw_tensor(b"t", &[31, 2], GgmlType::Q4_0 as u32, None);
    assert_eq!(
        err(&b),
        Error::RowNotBlockMultiple {
            offset: KV_START,
            tensor: 0,
            ty: GgmlType::Q4_0,
            ne0: 31
        }
    );
    let b = Builder::new().raw_tensor(b"t", &[128], GgmlType::Q6_K as u32, None);
    assert_eq!(
        err(&b),
        Error::RowNotBlockMultiple {
            offset: KV_START,
            tensor: 0,
            ty: GgmlType::Q6_K,
            ne0: 128
        }
    );
}

#[test]
fn misaligned_tensor_data() {
    let b = Builder::new()
        .tensor("a", &[8], GgmlType::F32)
        .raw_tensor(b"t", &[8], F32, Some(36));
    assert_eq!(
        err(&b),
        Error::TensorMisaligned {
            offset: KV_START + 33,
            tensor: 1,
            data_offset: 36,
            alignment: 32
        }
    );
    // With alignment 64, 32 is misaligned.
    let b = Builder::new()
        .alignment(64)
        .raw_tensor(b"t", &[8], F32, Some(32));
    assert!(matches!(
        err(&b),
        Error::TensorMisaligned {
            tensor: 0,
            data_offset: 32,
            alignment: 64,
            ..
        }
    ));
}

#[test]
fn tensor_data_out_of_bounds() {
    let b = all_types();
    let mut bytes = b.build();
    bytes.pop();
    let last = b.tensors.len() - 1;
    assert!(matches!(
        parse_err(&bytes),
        Error::TensorOutOfBounds { tensor, file_len, .. } if tensor == last && file_len == bytes.len()
    ));
    let b = Builder::new().tensor("a", &[8], GgmlType::F32).raw_tensor(
        b"far",
        &[8],
        F32,
        Some(1 << 40),
    );
    let bytes = b.build();
    let data_offset = bytes.len() - 32;
    assert_eq!(
        parse_err(&bytes),
        Error::TensorOutOfBounds {
            offset: KV_START + 33,
            tensor: 1,
            end: data_offset as u64 + (1 << 40) + 32,
            file_len: bytes.len(),
        }
    );
}

#[test]
fn overlapping_tensor_data() {
    // Same offset.
    let b = Builder::new()
        .raw_tensor(b"a", &[8], F32, Some(0))
        .raw_tensor(b"b", &[8], F32, Some(0));
    assert_eq!(
        err(&b),
        Error::TensorOverlap {
            offset: KV_START + 33,
            tensor: 1,
            other: 0
        }
    );
    // Partial, in file order.
    let b = Builder::new()
        .raw_tensor(b"a", &[16], F32, Some(0))
        .raw_tensor(b"b", &[8], F32, Some(32));
    assert_eq!(
        err(&b),
        Error::TensorOverlap {
            offset: KV_START + 33,
            tensor: 1,
            other: 0
        }
    );
    // Partial, against a later-placed earlier tensor.
    let b = Builder::new()
        .raw_tensor(b"a", &[8], F32, Some(128))
        .raw_tensor(b"b", &[8], F32, Some(0))
        .raw_tensor(b"c", &[32], F32, Some(64));
    assert_eq!(
        err(&b),
        Error::TensorOverlap {
            offset: KV_START + 66,
            tensor: 2,
            other: 0
        }
    );
}

#[test]
fn truncated_inside_a_value() {
    let bytes = Builder::new().kv("k", V::U32(7)).build();
    assert_eq!(
        parse_err(&bytes[..bytes.len() - 1]),
        Error::Truncated {
            offset: first_value_at("k"),
            needed: 4,
            item: Item::Value
        }
    );
    // Cut inside the value type field (the key is long enough for the
    // count check to pass).
    let bytes = Builder::new().kv("kkkkk", V::U32(7)).build();
    assert_eq!(
        parse_err(&bytes[..KV_START + 13 + 2]),
        Error::Truncated {
            offset: KV_START + 13,
            needed: 4,
            item: Item::ValueType
        }
    );
}
