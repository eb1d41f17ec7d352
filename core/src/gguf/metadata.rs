//! The metadata section: key/value pairs, validated in one pass and then
//! walked in place by [`Metadata`].

use super::error::{Error, Item};
use super::limits::{DEFAULT_ALIGNMENT, MAX_ALIGNMENT, MAX_KEY_LEN, MAX_KV};
use super::reader::Reader;
use super::value::{read_value, Mode, Value, ValueType};

/// The key that sets the data section's alignment.
pub const ALIGNMENT_KEY: &str = "general.alignment";

/// Reads one key: length, bytes, UTF-8.
fn read_key<'a>(r: &mut Reader<'a>) -> Result<&'a str, Error> {
    let at = r.pos();
    let len = { *r }.u64(Item::Key)?;
    if len > MAX_KEY_LEN as u64 {
        return Err(Error::KeyTooLong { offset: at, len });
    }
    let bytes = r.string_bytes(Item::Key)?;
    core::str::from_utf8(bytes).map_err(|_| Error::KeyNotUtf8 { offset: at })
}

/// Reads one pair; `mode` says whether the value is validated.
pub(crate) fn read_kv<'a>(r: &mut Reader<'a>, mode: Mode) -> Result<(&'a str, Value<'a>), Error> {
    let key = read_key(r)?;
    let ty_at = r.pos();
    let raw = r.u32(Item::ValueType)?;
    let ty = ValueType::from_u32(raw).ok_or(Error::InvalidValueType {
        offset: ty_at,
        ty: raw,
    })?;
    let value = read_value(r, ty, 0, mode)?;
    Ok((key, value))
}

/// Validates `count` pairs from `r` and returns the file's alignment.
// Not inlined: its fixed stack table must not add to the caller's frame.
#[inline(never)]
pub(crate) fn validate_metadata(r: &mut Reader<'_>, count: usize) -> Result<usize, Error> {
    // Offsets of the keys seen so far, for the duplicate check; `count` was
    // capped at MAX_KV by the header.
    let mut key_at = [0usize; MAX_KV];
    let mut alignment = DEFAULT_ALIGNMENT;
    for index in 0..count {
        let at = r.pos();
        let key = read_key(&mut { *r })?;
        let earlier = key_at.get(..index).unwrap_or(&[]);
        for (first, &prev_at) in earlier.iter().enumerate() {
            if read_key(&mut Reader::new(r.bytes(), prev_at)) == Ok(key) {
                return Err(Error::DuplicateKey {
                    offset: at,
                    index,
                    first,
                });
            }
        }
        if let Some(slot) = key_at.get_mut(index) {
            *slot = at;
        }
        let value_at = r.pos() + 8 + key.len() + 4;
        let (_, value) = read_kv(r, Mode::Validate)?;
        if key == ALIGNMENT_KEY {
            alignment = check_alignment(value, value_at)?;
        }
    }
    Ok(alignment)
}

fn check_alignment(value: Value<'_>, offset: usize) -> Result<usize, Error> {
    let Value::U32(a) = value else {
        return Err(Error::AlignmentWrongType {
            offset,
            found: value.value_type(),
        });
    };
    if a == 0 {
        return Err(Error::AlignmentZero { offset });
    }
    if !a.is_power_of_two() {
        return Err(Error::AlignmentNotPowerOfTwo { offset, value: a });
    }
    if u64::from(a) > MAX_ALIGNMENT as u64 {
        return Err(Error::AlignmentTooLarge { offset, value: a });
    }
    Ok(a as usize)
}

/// Iterator over the metadata pairs in file order.
#[derive(Clone, Debug)]
pub struct Metadata<'a> {
    pub(crate) r: Reader<'a>,
    pub(crate) left: usize,
}

impl<'a> Iterator for Metadata<'a> {
    type Item = (&'a str, Value<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 {
            return None;
        }
        match read_kv(&mut self.r, Mode::Trusted) {
            Ok(kv) => {
                self.left -= 1;
                Some(kv)
            }
            // Validated bytes cannot fail; stop rather than panic if they do.
            Err(_) => {
                self.left = 0;
                None
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some(self.left))
    }
}
