//! Zero-copy GGUF v2/v3 reader.
//!
//! [`Gguf::parse`] validates a whole file in one pass over a borrowed
//! `&[u8]` (typically a memory map) and keeps only offsets; metadata values,
//! string arrays and tensor data are then read in place, never copied, and
//! nothing is allocated. Every malformed input is a typed [`Error`] naming
//! the byte offset where the problem sits.
//!
//! # File layout (all little-endian)
//!
//! ```text
//!  offset  field
//!  ------  -----------------------------------------------------------------
//!       0  magic            "GGUF"
//!       4  version          u32 (2 or 3; 1 used u32 counts and is not read)
//!       8  tensor_count     u64
//!      16  metadata_count   u64
//!      24  metadata_count x key/value pair:
//!            key            string = u64 length + UTF-8 bytes (no NUL)
//!            value_type     u32 (0 u8, 1 i8, 2 u16, 3 i16, 4 u32, 5 i32,
//!                                6 f32, 7 bool, 8 string, 9 array,
//!                                10 u64, 11 i64, 12 f64)
//!            value          fixed-size scalar | string |
//!                           array = u32 element type + u64 count + elements
//!                                   (elements may themselves be arrays)
//!       .  tensor_count x tensor info:
//!            name           string (at most 63 bytes, as ggml requires)
//!            n_dims         u32 (at most 4)
//!            dims           n_dims x u64, ne[0] (contiguous) first
//!            type           u32 ggml type id
//!            offset         u64, from the start of the data section,
//!                           a multiple of the alignment
//!       .  padding          zeros up to a multiple of the alignment
//!                           (`general.alignment`, a u32, default 32)
//!  data_offset  data section: each tensor's bytes at its offset, padded
//!               to the alignment between tensors
//! ```
//!
//! Tensor data slices are aligned relative to the start of the file; they
//! are aligned in memory when the file is (a memory map is page-aligned).
//!
//! # Example
//!
//! ```
//! # fn demo(bytes: &[u8]) -> Result<(), mote_core::gguf::Error> {
//! let g = mote_core::gguf::Gguf::parse(bytes)?;
//! let layers = g.get_u32("llama.block_count")?;
//! for t in g.tensors() {
//!     let _ = (t.name, t.ty, t.shape(), t.data.len());
//! }
//! # let _ = layers; Ok(()) }
//! ```

mod error;
mod header;
pub mod limits;
mod metadata;
mod reader;
mod tensor;
mod value;

pub use error::{Error, Item, KeyName, ERROR_KEY_LEN};
pub use header::{HEADER_BYTES, MAGIC};
pub use metadata::{Metadata, ALIGNMENT_KEY};
pub use tensor::{TensorInfo, Tensors};
pub use value::{Array, Strs, Value, ValueType, Values};

use core::fmt;

use reader::Reader;

/// A parsed GGUF file: validated, borrowing the bytes it was parsed from.
#[derive(Clone, Copy)]
pub struct Gguf<'a> {
    bytes: &'a [u8],
    version: u32,
    alignment: usize,
    kv_count: usize,
    tensor_count: usize,
    kv_start: usize,
    tensors_start: usize,
    data_offset: usize,
}

impl<'a> Gguf<'a> {
    /// Validates `bytes` as a GGUF v2 or v3 file.
    ///
    /// Everything is checked here, once: afterwards look-ups and iterators
    /// only re-walk bytes known to be well formed. Time is linear in the
    /// file size plus the bounded pairwise checks described in [`limits`].
    /// Stack use peaks at the duplicate-key table: `MAX_KV` offsets, 8 KiB
    /// on 64-bit targets and 4 KiB on 32-bit ones.
    pub fn parse(bytes: &'a [u8]) -> Result<Self, Error> {
        let mut r = Reader::new(bytes, 0);
        let header = header::read_header(&mut r)?;
        let kv_start = r.pos();
        let alignment = metadata::validate_metadata(&mut r, header.kv_count)?;
        let tensors_start = r.pos();
        let left = r.remaining();
        if header.tensor_count * limits::MIN_TENSOR_INFO_BYTES > left {
            return Err(Error::TensorCountTooLarge {
                offset: tensors_start,
                count: header.tensor_count as u64,
                bytes_left: left,
            });
        }
        let max_end = tensor::validate_table(&mut r, header.tensor_count, alignment)?;
        let table_end = r.pos();
        // Alignment is a power of two of at most MAX_ALIGNMENT.
        let data_offset =
            table_end
                .checked_next_multiple_of(alignment)
                .ok_or(Error::Truncated {
                    offset: table_end,
                    needed: alignment,
                    item: Item::TensorOffset,
                })?;
        let g = Gguf {
            bytes,
            version: header.version,
            alignment,
            kv_count: header.kv_count,
            tensor_count: header.tensor_count,
            kv_start,
            tensors_start,
            data_offset,
        };
        if header.tensor_count > 0 {
            let data_end = (data_offset as u64).checked_add(max_end);
            if data_end.is_none_or(|e| e > bytes.len() as u64) {
                return Err(g.first_out_of_bounds());
            }
        }
        Ok(g)
    }

    /// The error for the first tensor whose data runs past the end (the
    /// table was validated, so re-reading it cannot fail).
    fn first_out_of_bounds(&self) -> Error {
        let mut r = Reader::new(self.bytes, self.tensors_start);
        for index in 0..self.tensor_count {
            let Ok(info) = tensor::read_info(&mut r, index) else {
                break;
            };
            let end = (self.data_offset as u64)
                .checked_add(info.offset)
                .and_then(|s| s.checked_add(info.size));
            if end.is_none_or(|e| e > self.bytes.len() as u64) {
                return Error::TensorOutOfBounds {
                    offset: info.at,
                    tensor: index,
                    end: end.unwrap_or(u64::MAX),
                    file_len: self.bytes.len(),
                };
            }
        }
        Error::TensorOutOfBounds {
            offset: self.tensors_start,
            tensor: 0,
            end: u64::MAX,
            file_len: self.bytes.len(),
        }
    }

    /// The file format version (2 or 3).
    pub fn version(&self) -> u32 {
        self.version
    }

    /// Alignment of the data section and of every tensor's offset.
    pub fn alignment(&self) -> usize {
        self.alignment
    }

    /// Offset of the data section from the start of the file.
    pub fn data_offset(&self) -> usize {
        self.data_offset
    }

    /// Number of tensors.
    pub fn tensor_count(&self) -> usize {
        self.tensor_count
    }

    /// Number of metadata pairs.
    pub fn metadata_count(&self) -> usize {
        self.kv_count
    }

    /// The bytes the file was parsed from.
    pub fn bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// The data section, from its start to the end of the file (empty when
    /// a file without tensors ends before it).
    pub fn data_section(&self) -> &'a [u8] {
        self.bytes.get(self.data_offset..).unwrap_or(&[])
    }

    /// The metadata pairs, in file order.
    pub fn metadata(&self) -> Metadata<'a> {
        Metadata {
            r: Reader::new(self.bytes, self.kv_start),
            left: self.kv_count,
        }
    }

    /// The value of `key`, if present.
    pub fn get(&self, key: &str) -> Option<Value<'a>> {
        self.metadata().find(|(k, _)| *k == key).map(|(_, v)| v)
    }

    /// The value of `key`, or [`Error::MissingKey`].
    pub fn value(&self, key: &str) -> Result<Value<'a>, Error> {
        self.get(key).ok_or(Error::MissingKey {
            key: KeyName::new(key),
        })
    }

    fn typed<T>(
        &self,
        key: &str,
        expected: ValueType,
        convert: impl Fn(&Value<'a>) -> Option<T>,
    ) -> Result<T, Error> {
        let v = self.value(key)?;
        if let Some(t) = convert(&v) {
            return Ok(t);
        }
        let found = v.value_type();
        let key = KeyName::new(key);
        Err(if found.is_integer() && expected.is_integer() {
            Error::IntOutOfRange {
                key,
                expected,
                found,
            }
        } else {
            Error::WrongType {
                key,
                expected,
                found,
            }
        })
    }

    /// An integer value that fits in `u32` (any integer type).
    pub fn get_u32(&self, key: &str) -> Result<u32, Error> {
        self.typed(key, ValueType::U32, Value::as_u32)
    }

    /// An integer value that fits in `u64` (any integer type).
    pub fn get_u64(&self, key: &str) -> Result<u64, Error> {
        self.typed(key, ValueType::U64, Value::as_u64)
    }

    /// An integer value that fits in `i32` (any integer type).
    pub fn get_i32(&self, key: &str) -> Result<i32, Error> {
        self.typed(key, ValueType::I32, Value::as_i32)
    }

    /// An integer value that fits in `i64` (any integer type).
    pub fn get_i64(&self, key: &str) -> Result<i64, Error> {
        self.typed(key, ValueType::I64, Value::as_i64)
    }

    /// An integer value that fits in `usize` (any integer type); reported
    /// as `u64` in errors.
    pub fn get_usize(&self, key: &str) -> Result<usize, Error> {
        self.typed(key, ValueType::U64, Value::as_usize)
    }

    /// An `f32` value (an `f64` one is rounded).
    pub fn get_f32(&self, key: &str) -> Result<f32, Error> {
        self.typed(key, ValueType::F32, Value::as_f32)
    }

    /// An `f64` or `f32` value.
    pub fn get_f64(&self, key: &str) -> Result<f64, Error> {
        self.typed(key, ValueType::F64, Value::as_f64)
    }

    /// A bool value.
    pub fn get_bool(&self, key: &str) -> Result<bool, Error> {
        self.typed(key, ValueType::Bool, Value::as_bool)
    }

    /// A string value, borrowed from the file.
    pub fn get_str(&self, key: &str) -> Result<&'a str, Error> {
        self.typed(key, ValueType::Str, Value::as_str)
    }

    /// An array value of any element type.
    pub fn get_array(&self, key: &str) -> Result<Array<'a>, Error> {
        self.typed(key, ValueType::Array, Value::as_array)
    }

    /// An array whose elements are of type `elem_type`, or
    /// [`Error::WrongArrayType`].
    pub fn get_array_of(&self, key: &str, elem_type: ValueType) -> Result<Array<'a>, Error> {
        let a = self.get_array(key)?;
        if a.elem_type() != elem_type {
            return Err(Error::WrongArrayType {
                key: KeyName::new(key),
                expected: elem_type,
                found: a.elem_type(),
            });
        }
        Ok(a)
    }

    /// `general.architecture` (`llama`, `bert`, ...).
    pub fn architecture(&self) -> Result<&'a str, Error> {
        self.get_str("general.architecture")
    }

    /// The tensors, in table order.
    pub fn tensors(&self) -> Tensors<'a> {
        Tensors {
            r: Reader::new(self.bytes, self.tensors_start),
            index: 0,
            count: self.tensor_count,
            data: self.data_section(),
        }
    }

    /// The tensor called `name`, if present.
    pub fn tensor(&self, name: &str) -> Option<TensorInfo<'a>> {
        self.tensors().find(|t| t.name == name)
    }
}

impl fmt::Debug for Gguf<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Gguf")
            .field("version", &self.version)
            .field("metadata_count", &self.kv_count)
            .field("tensor_count", &self.tensor_count)
            .field("alignment", &self.alignment)
            .field("data_offset", &self.data_offset)
            .field("file_len", &self.bytes.len())
            .finish()
    }
}
