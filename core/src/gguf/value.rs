//! Metadata values: the 13 GGUF value types, values borrowed from the file,
//! and arrays iterated in place.

use core::fmt;

use super::error::{Error, Item};
use super::limits::MAX_ARRAY_NESTING;
use super::reader::Reader;

/// A GGUF metadata value type, with the id the file stores.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[allow(missing_docs)]
#[repr(u32)]
pub enum ValueType {
    U8 = 0,
    I8 = 1,
    U16 = 2,
    I16 = 3,
    U32 = 4,
    I32 = 5,
    F32 = 6,
    Bool = 7,
    Str = 8,
    Array = 9,
    U64 = 10,
    I64 = 11,
    F64 = 12,
}

impl ValueType {
    /// The type for a GGUF id, or `None` outside 0..=12.
    pub const fn from_u32(id: u32) -> Option<Self> {
        use ValueType::*;
        Some(match id {
            0 => U8,
            1 => I8,
            2 => U16,
            3 => I16,
            4 => U32,
            5 => I32,
            6 => F32,
            7 => Bool,
            8 => Str,
            9 => Array,
            10 => U64,
            11 => I64,
            12 => F64,
            _ => return None,
        })
    }

    /// The name gguf-py uses (`UINT32`, `STRING`, ...) in lower case: `u32`, `str`.
    pub const fn name(self) -> &'static str {
        use ValueType::*;
        match self {
            U8 => "u8",
            I8 => "i8",
            U16 => "u16",
            I16 => "i16",
            U32 => "u32",
            I32 => "i32",
            F32 => "f32",
            Bool => "bool",
            Str => "string",
            Array => "array",
            U64 => "u64",
            I64 => "i64",
            F64 => "f64",
        }
    }

    /// Bytes of one value, for the fixed-size types.
    pub const fn fixed_size(self) -> Option<usize> {
        use ValueType::*;
        match self {
            U8 | I8 | Bool => Some(1),
            U16 | I16 => Some(2),
            U32 | I32 | F32 => Some(4),
            U64 | I64 | F64 => Some(8),
            Str | Array => None,
        }
    }

    /// Fewest bytes one value can take: a string its length field, an
    /// array its element type and count.
    pub const fn min_size(self) -> usize {
        match self.fixed_size() {
            Some(n) => n,
            None => match self {
                ValueType::Str => 8,
                _ => 12,
            },
        }
    }

    /// Whether values of this type are integers (not bool).
    pub const fn is_integer(self) -> bool {
        use ValueType::*;
        matches!(self, U8 | I8 | U16 | I16 | U32 | I32 | U64 | I64)
    }
}

impl fmt::Display for ValueType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One metadata value, borrowed from the file.
#[derive(Clone, Copy, Debug, PartialEq)]
#[allow(missing_docs)]
pub enum Value<'a> {
    U8(u8),
    I8(i8),
    U16(u16),
    I16(i16),
    U32(u32),
    I32(i32),
    U64(u64),
    I64(i64),
    F32(f32),
    F64(f64),
    Bool(bool),
    Str(&'a str),
    Array(Array<'a>),
}

impl<'a> Value<'a> {
    /// The value's type.
    pub fn value_type(&self) -> ValueType {
        match self {
            Value::U8(_) => ValueType::U8,
            Value::I8(_) => ValueType::I8,
            Value::U16(_) => ValueType::U16,
            Value::I16(_) => ValueType::I16,
            Value::U32(_) => ValueType::U32,
            Value::I32(_) => ValueType::I32,
            Value::U64(_) => ValueType::U64,
            Value::I64(_) => ValueType::I64,
            Value::F32(_) => ValueType::F32,
            Value::F64(_) => ValueType::F64,
            Value::Bool(_) => ValueType::Bool,
            Value::Str(_) => ValueType::Str,
            Value::Array(_) => ValueType::Array,
        }
    }

    /// Any integer value, widened (every GGUF integer fits in `i128`).
    pub fn as_i128(&self) -> Option<i128> {
        Some(match *self {
            Value::U8(v) => v.into(),
            Value::I8(v) => v.into(),
            Value::U16(v) => v.into(),
            Value::I16(v) => v.into(),
            Value::U32(v) => v.into(),
            Value::I32(v) => v.into(),
            Value::U64(v) => v.into(),
            Value::I64(v) => v.into(),
            _ => return None,
        })
    }

    /// An integer value that fits in `u32`.
    pub fn as_u32(&self) -> Option<u32> {
        self.as_i128().and_then(|v| u32::try_from(v).ok())
    }
    /// An integer value that fits in `u64`.
    pub fn as_u64(&self) -> Option<u64> {
        self.as_i128().and_then(|v| u64::try_from(v).ok())
    }
    /// An integer value that fits in `i32`.
    pub fn as_i32(&self) -> Option<i32> {
        self.as_i128().and_then(|v| i32::try_from(v).ok())
    }
    /// An integer value that fits in `i64`.
    pub fn as_i64(&self) -> Option<i64> {
        self.as_i128().and_then(|v| i64::try_from(v).ok())
    }
    /// An integer value that fits in `usize`.
    pub fn as_usize(&self) -> Option<usize> {
        self.as_i128().and_then(|v| usize::try_from(v).ok())
    }
    /// An `f32` value, or an `f64` one rounded to `f32`.
    pub fn as_f32(&self) -> Option<f32> {
        match *self {
            Value::F32(v) => Some(v),
            Value::F64(v) => Some(v as f32),
            _ => None,
        }
    }
    /// An `f64` or `f32` value.
    pub fn as_f64(&self) -> Option<f64> {
        match *self {
            Value::F32(v) => Some(v.into()),
            Value::F64(v) => Some(v),
            _ => None,
        }
    }
    /// A bool value.
    pub fn as_bool(&self) -> Option<bool> {
        match *self {
            Value::Bool(v) => Some(v),
            _ => None,
        }
    }
    /// A string value.
    pub fn as_str(&self) -> Option<&'a str> {
        match *self {
            Value::Str(v) => Some(v),
            _ => None,
        }
    }
    /// An array value.
    pub fn as_array(&self) -> Option<Array<'a>> {
        match *self {
            Value::Array(v) => Some(v),
            _ => None,
        }
    }
}

/// A metadata array, read in place: its elements stay in the file.
#[derive(Clone, Copy, PartialEq)]
pub struct Array<'a> {
    elem_type: ValueType,
    len: usize,
    /// Exactly the encoded elements.
    bytes: &'a [u8],
    /// Nesting level of this array (1 for a top-level array value).
    depth: usize,
}

impl<'a> Array<'a> {
    /// The element type.
    pub fn elem_type(&self) -> ValueType {
        self.elem_type
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are no elements.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The elements, decoded one at a time.
    pub fn iter(&self) -> Values<'a> {
        Values {
            r: Reader::new(self.bytes, 0),
            ty: self.elem_type,
            left: self.len,
            depth: self.depth,
        }
    }

    /// The elements of a string array; empty for other element types.
    pub fn strs(&self) -> Strs<'a> {
        Strs {
            r: Reader::new(self.bytes, 0),
            left: if self.elem_type == ValueType::Str {
                self.len
            } else {
                0
            },
        }
    }

    /// Element `i`: constant time for fixed-size element types, a walk
    /// over the earlier elements for strings and arrays.
    pub fn get(&self, i: usize) -> Option<Value<'a>> {
        if i >= self.len {
            return None;
        }
        match self.elem_type.fixed_size() {
            Some(size) => {
                let mut r = Reader::new(self.bytes, i.checked_mul(size)?);
                read_value(&mut r, self.elem_type, self.depth, Mode::Trusted).ok()
            }
            None => self.iter().nth(i),
        }
    }

    /// The encoded elements, little-endian as in the file (for fixed-size
    /// types, `len() * elem_type().fixed_size()` bytes).
    pub fn raw_bytes(&self) -> &'a [u8] {
        self.bytes
    }
}

impl fmt::Debug for Array<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Array")
            .field("elem_type", &self.elem_type)
            .field("len", &self.len)
            .finish()
    }
}

impl<'a> IntoIterator for Array<'a> {
    type Item = Value<'a>;
    type IntoIter = Values<'a>;
    fn into_iter(self) -> Values<'a> {
        self.iter()
    }
}

/// Iterator over an array's elements.
#[derive(Clone, Debug)]
pub struct Values<'a> {
    r: Reader<'a>,
    ty: ValueType,
    left: usize,
    depth: usize,
}

impl<'a> Iterator for Values<'a> {
    type Item = Value<'a>;

    fn next(&mut self) -> Option<Value<'a>> {
        if self.left == 0 {
            return None;
        }
        match read_value(&mut self.r, self.ty, self.depth, Mode::Trusted) {
            Ok(v) => {
                self.left -= 1;
                Some(v)
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

/// Iterator over a string array's elements.
#[derive(Clone, Debug)]
pub struct Strs<'a> {
    r: Reader<'a>,
    left: usize,
}

impl<'a> Iterator for Strs<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        if self.left == 0 {
            return None;
        }
        let s = self
            .r
            .string_bytes(Item::Value)
            .ok()
            .and_then(|b| core::str::from_utf8(b).ok());
        match s {
            Some(s) => {
                self.left -= 1;
                Some(s)
            }
            None => {
                self.left = 0;
                None
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some(self.left))
    }
}

/// Whether a walk validates what it reads (the one pass in `parse`) or
/// trusts bytes that pass already validated (iterators and look-ups).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    Validate,
    Trusted,
}

/// Reads a value of type `ty`; `depth` is the nesting level of the array
/// that holds it (0 for a top-level value).
pub(crate) fn read_value<'a>(
    r: &mut Reader<'a>,
    ty: ValueType,
    depth: usize,
    mode: Mode,
) -> Result<Value<'a>, Error> {
    let at = r.pos();
    let it = Item::Value;
    Ok(match ty {
        ValueType::U8 => Value::U8(r.u8(it)?),
        ValueType::I8 => Value::I8(r.u8(it)? as i8),
        ValueType::U16 => Value::U16(r.u16(it)?),
        ValueType::I16 => Value::I16(r.u16(it)? as i16),
        ValueType::U32 => Value::U32(r.u32(it)?),
        ValueType::I32 => Value::I32(r.u32(it)? as i32),
        ValueType::U64 => Value::U64(r.u64(it)?),
        ValueType::I64 => Value::I64(r.u64(it)? as i64),
        ValueType::F32 => Value::F32(f32::from_bits(r.u32(it)?)),
        ValueType::F64 => Value::F64(f64::from_bits(r.u64(it)?)),
        ValueType::Bool => {
            let b = r.u8(it)?;
            if b > 1 {
                return Err(Error::InvalidBool {
                    offset: at,
                    value: b,
                });
            }
            Value::Bool(b == 1)
        }
        ValueType::Str => {
            let s = r.string_bytes(it)?;
            Value::Str(core::str::from_utf8(s).map_err(|_| Error::StringNotUtf8 { offset: at })?)
        }
        ValueType::Array => Value::Array(read_array(r, depth + 1, mode)?),
    })
}

/// Reads an array header and walks its elements; `depth` is the new
/// array's nesting level.
fn read_array<'a>(r: &mut Reader<'a>, depth: usize, mode: Mode) -> Result<Array<'a>, Error> {
    let at = r.pos();
    if depth > MAX_ARRAY_NESTING {
        return Err(Error::NestingTooDeep { offset: at });
    }
    let raw = r.u32(Item::ArrayType)?;
    let elem_type = ValueType::from_u32(raw).ok_or(Error::InvalidValueType {
        offset: at,
        ty: raw,
    })?;
    let count = r.u64(Item::ArrayLength)?;
    // Every element takes at least `min_size` bytes: reject counts the file
    // cannot hold before walking anything.
    let past_end = Error::ArrayPastEnd {
        offset: at,
        count,
        elem_type,
    };
    let min_bytes = usize::try_from(count)
        .ok()
        .and_then(|n| n.checked_mul(elem_type.min_size()))
        .filter(|&b| b <= r.remaining())
        .ok_or(past_end)?;
    let len = usize::try_from(count).map_err(|_| past_end)?;
    let start = r.pos();
    if elem_type.fixed_size().is_some() {
        let elems = r.take(min_bytes, Item::Value)?;
        if mode == Mode::Validate && elem_type == ValueType::Bool {
            if let Some(i) = elems.iter().position(|&b| b > 1) {
                return Err(Error::InvalidBool {
                    offset: start + i,
                    value: elems.get(i).copied().unwrap_or(0),
                });
            }
        }
    } else {
        for _ in 0..len {
            match (mode, elem_type) {
                // Skipping a trusted string needs no UTF-8 check.
                (Mode::Trusted, ValueType::Str) => {
                    r.string_bytes(Item::Value)?;
                }
                _ => {
                    read_value(r, elem_type, depth, mode)?;
                }
            }
        }
    }
    let bytes = r.bytes().get(start..r.pos()).ok_or(Error::Truncated {
        offset: start,
        needed: 0,
        item: Item::Value,
    })?;
    Ok(Array {
        elem_type,
        len,
        bytes,
        depth,
    })
}
