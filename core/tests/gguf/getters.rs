//! Typed look-ups: conversions that fit, and the errors when they don't.

use crate::all_types;
use crate::builder::{Builder, V};
use mote_core::gguf::{Error, Gguf, KeyName, ValueType, ERROR_KEY_LEN};

fn key(k: &str) -> KeyName {
    KeyName::new(k)
}

#[test]
fn integer_getters_accept_any_integer_type_that_fits() {
    let bytes = all_types()
        .kv("n.u8", V::U8(9))
        .kv("n.i64", V::I64(123))
        .kv("n.neg", V::I16(-3))
        .build();
    let g = Gguf::parse(&bytes).unwrap();
    assert_eq!(g.get_u32("n.u8"), Ok(9));
    assert_eq!(g.get_u64("n.u8"), Ok(9));
    assert_eq!(g.get_u32("n.i64"), Ok(123));
    assert_eq!(g.get_usize("n.i64"), Ok(123));
    assert_eq!(g.get_i32("n.neg"), Ok(-3));
    assert_eq!(g.get_i64("t.i64"), Ok(i64::MIN));
    assert_eq!(g.get_u64("t.u64"), Ok(u64::MAX));
    assert_eq!(g.get_u32("t.u32"), Ok(4_000_000_000));
    assert_eq!(
        g.get_u32("n.neg"),
        Err(Error::IntOutOfRange {
            key: key("n.neg"),
            expected: ValueType::U32,
            found: ValueType::I16
        })
    );
    assert_eq!(
        g.get_u32("t.u64"),
        Err(Error::IntOutOfRange {
            key: key("t.u64"),
            expected: ValueType::U32,
            found: ValueType::U64
        })
    );
    assert_eq!(
        g.get_i32("t.u32"),
        Err(Error::IntOutOfRange {
            key: key("t.u32"),
            expected: ValueType::I32,
            found: ValueType::U32
        })
    );
}

#[test]
fn other_getters_and_wrong_types() {
    let bytes = all_types().build();
    let g = Gguf::parse(&bytes).unwrap();
    assert_eq!(g.get_f32("t.f32"), Ok(1.5e-5));
    assert_eq!(g.get_f64("t.f32"), Ok(f64::from(1.5e-5f32)));
    assert_eq!(g.get_f64("t.f64"), Ok(-2.5e300));
    assert_eq!(g.get_bool("t.bool"), Ok(true));
    assert_eq!(g.get_str("t.str"), Ok("héllo wörld ✓"));
    assert_eq!(g.get_str("t.empty_str"), Ok(""));
    assert_eq!(g.architecture(), Ok("llama"));
    let tokens = g.get_array_of("t.arr_str", ValueType::Str).unwrap();
    assert_eq!(tokens.strs().collect::<Vec<_>>(), ["a", "", "ĠΩ"]);
    assert_eq!(
        g.get_u32("t.str"),
        Err(Error::WrongType {
            key: key("t.str"),
            expected: ValueType::U32,
            found: ValueType::Str
        })
    );
    assert_eq!(
        g.get_str("t.u8"),
        Err(Error::WrongType {
            key: key("t.u8"),
            expected: ValueType::Str,
            found: ValueType::U8
        })
    );
    assert_eq!(
        g.get_bool("t.u8"),
        Err(Error::WrongType {
            key: key("t.u8"),
            expected: ValueType::Bool,
            found: ValueType::U8
        })
    );
    assert_eq!(
        g.get_f32("t.i32"),
        Err(Error::WrongType {
            key: key("t.i32"),
            expected: ValueType::F32,
            found: ValueType::I32
        })
    );
    assert_eq!(
        g.get_array("t.str"),
        Err(Error::WrongType {
            key: key("t.str"),
            expected: ValueType::Array,
            found: ValueType::Str
        })
    );
    assert_eq!(
        g.get_array_of("t.arr_f32", ValueType::Str),
        Err(Error::WrongArrayType {
            key: key("t.arr_f32"),
            expected: ValueType::Str,
            found: ValueType::F32
        })
    );
    assert_eq!(
        g.get_u32("nope"),
        Err(Error::MissingKey { key: key("nope") })
    );
    assert_eq!(g.get("nope"), None);
    assert_eq!(g.tensor("nope"), None);
}

#[test]
fn long_keys_in_errors_are_cut_at_a_char_boundary() {
    let long = "é".repeat(ERROR_KEY_LEN);
    let g_bytes = Builder::new().build();
    let g = Gguf::parse(&g_bytes).unwrap();
    let Err(Error::MissingKey { key }) = g.get_u32(&long) else {
        panic!("expected MissingKey");
    };
    assert!(key.is_truncated());
    assert_eq!(key.as_str(), "é".repeat(ERROR_KEY_LEN / 2));
    assert!(Error::MissingKey { key }.to_string().contains('…'));
}
