//! Everything that can be wrong with a GGUF file or a metadata look-up.
//!
//! Every file error names the byte offset where the problem sits (for a
//! tensor, the offset of its tensor info) so a tool can say exactly what is
//! wrong and where.

use core::fmt;

use super::value::ValueType;
use crate::GgmlType;

/// The field a read ran out of bytes in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
#[allow(missing_docs)]
pub enum Item {
    Magic,
    Version,
    TensorCount,
    KvCount,
    Key,
    ValueType,
    Value,
    ArrayType,
    ArrayLength,
    TensorName,
    TensorDims,
    TensorType,
    TensorOffset,
}

impl Item {
    fn name(self) -> &'static str {
        match self {
            Item::Magic => "magic",
            Item::Version => "version",
            Item::TensorCount => "tensor count",
            Item::KvCount => "metadata count",
            Item::Key => "metadata key",
            Item::ValueType => "value type",
            Item::Value => "value",
            Item::ArrayType => "array element type",
            Item::ArrayLength => "array length",
            Item::TensorName => "tensor name",
            Item::TensorDims => "tensor dimensions",
            Item::TensorType => "tensor type",
            Item::TensorOffset => "tensor offset",
        }
    }
}

/// Longest key an error keeps (longer keys are cut at a character boundary).
pub const ERROR_KEY_LEN: usize = 64;

/// A metadata key kept inside an error, so errors need no lifetime. Keys
/// longer than [`ERROR_KEY_LEN`] bytes are truncated.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct KeyName {
    buf: [u8; ERROR_KEY_LEN],
    len: u8,
    truncated: bool,
}

impl KeyName {
    /// Copies (the start of) `key`.
    pub fn new(key: &str) -> Self {
        let mut len = key.len().min(ERROR_KEY_LEN);
        while !key.is_char_boundary(len) {
            len -= 1;
        }
        let mut buf = [0u8; ERROR_KEY_LEN];
        if let (Some(dst), Some(src)) = (buf.get_mut(..len), key.as_bytes().get(..len)) {
            dst.copy_from_slice(src);
        }
        KeyName {
            buf,
            len: len as u8,
            truncated: len < key.len(),
        }
    }

    /// The key as kept (possibly truncated).
    pub fn as_str(&self) -> &str {
        self.buf
            .get(..usize::from(self.len))
            .and_then(|b| core::str::from_utf8(b).ok())
            .unwrap_or("")
    }

    /// Whether the key was longer than what is kept.
    pub fn is_truncated(&self) -> bool {
        self.truncated
    }
}

impl fmt::Display for KeyName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())?;
        if self.truncated {
            f.write_str("…")?;
        }
        Ok(())
    }
}

impl fmt::Debug for KeyName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.as_str())?;
        if self.truncated {
            f.write_str("…")?;
        }
        Ok(())
    }
}

#[cfg(feature = "defmt")]
impl defmt::Format for KeyName {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "{=str}", self.as_str())
    }
}

/// A malformed GGUF file, or a metadata look-up that failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Error {
    /// The file does not start with `GGUF`.
    BadMagic {
        /// The first four bytes.
        found: [u8; 4],
    },
    /// GGUF v1 (32-bit counts, 2023) is not supported; re-convert the model.
    Version1,
    /// The version field reads as a byte-swapped small number: the file was
    /// written big-endian, which mote does not read.
    BigEndian {
        /// The version as stored (little-endian reading).
        raw: u32,
    },
    /// A version other than 2 or 3.
    UnsupportedVersion {
        /// The version found.
        version: u32,
    },
    /// A field runs past the end of the file.
    Truncated {
        /// Where the field starts.
        offset: usize,
        /// Bytes the field needs.
        needed: usize,
        /// Which field.
        item: Item,
    },
    /// More metadata pairs than the bytes left could hold.
    KvCountTooLarge {
        /// The count found.
        count: u64,
        /// Bytes left after the header.
        bytes_left: usize,
    },
    /// More tensor infos than the bytes left could hold.
    TensorCountTooLarge {
        /// Offset where the tensor table would start.
        offset: usize,
        /// The count found.
        count: u64,
        /// Bytes left.
        bytes_left: usize,
    },
    /// More metadata pairs than [`MAX_KV`](super::limits::MAX_KV).
    TooManyKvs {
        /// The count found.
        count: u64,
    },
    /// More tensors than [`MAX_TENSORS`](super::limits::MAX_TENSORS).
    TooManyTensors {
        /// The count found.
        count: u64,
    },
    /// A string's length runs past the end of the file.
    StringPastEnd {
        /// Offset of the length field.
        offset: usize,
        /// The length found.
        len: u64,
    },
    /// An array's elements cannot fit in the bytes left.
    ArrayPastEnd {
        /// Offset of the array's element type.
        offset: usize,
        /// The element count found.
        count: u64,
        /// The element type.
        elem_type: ValueType,
    },
    /// A metadata value type id outside 0..=12.
    InvalidValueType {
        /// Offset of the type field.
        offset: usize,
        /// The id found.
        ty: u32,
    },
    /// A bool value other than 0 or 1.
    InvalidBool {
        /// Offset of the byte.
        offset: usize,
        /// The byte found.
        value: u8,
    },
    /// Arrays nested deeper than [`MAX_ARRAY_NESTING`](super::limits::MAX_ARRAY_NESTING).
    NestingTooDeep {
        /// Offset of the array that is one level too deep.
        offset: usize,
    },
    /// A key longer than [`MAX_KEY_LEN`](super::limits::MAX_KEY_LEN).
    KeyTooLong {
        /// Offset of the key.
        offset: usize,
        /// Its length.
        len: u64,
    },
    /// A key that is not UTF-8.
    KeyNotUtf8 {
        /// Offset of the key.
        offset: usize,
    },
    /// A string value (or array element) that is not UTF-8.
    StringNotUtf8 {
        /// Offset of the string.
        offset: usize,
    },
    /// The same key twice.
    DuplicateKey {
        /// Offset of the second occurrence.
        offset: usize,
        /// Index of the second occurrence among the pairs.
        index: usize,
        /// Index of the first occurrence.
        first: usize,
    },
    /// `general.alignment` is not a `u32` (ggml requires one).
    AlignmentWrongType {
        /// Offset of the value.
        offset: usize,
        /// The type found.
        found: ValueType,
    },
    /// `general.alignment` is zero.
    AlignmentZero {
        /// Offset of the value.
        offset: usize,
    },
    /// `general.alignment` is not a power of two.
    AlignmentNotPowerOfTwo {
        /// Offset of the value.
        offset: usize,
        /// The value found.
        value: u32,
    },
    /// `general.alignment` is above [`MAX_ALIGNMENT`](super::limits::MAX_ALIGNMENT).
    AlignmentTooLarge {
        /// Offset of the value.
        offset: usize,
        /// The value found.
        value: u32,
    },
    /// A tensor name longer than [`MAX_TENSOR_NAME_LEN`](super::limits::MAX_TENSOR_NAME_LEN).
    TensorNameTooLong {
        /// Offset of the tensor info.
        offset: usize,
        /// Tensor index.
        tensor: usize,
        /// The length found.
        len: u64,
    },
    /// A tensor name that is not UTF-8.
    TensorNameNotUtf8 {
        /// Offset of the tensor info.
        offset: usize,
        /// Tensor index.
        tensor: usize,
    },
    /// The same tensor name twice.
    DuplicateTensorName {
        /// Offset of the second tensor's info.
        offset: usize,
        /// Index of the second tensor.
        tensor: usize,
        /// Index of the first tensor with that name.
        first: usize,
    },
    /// More than [`MAX_DIMS`](super::limits::MAX_DIMS) dimensions.
    TooManyDims {
        /// Offset of the tensor info.
        offset: usize,
        /// Tensor index.
        tensor: usize,
        /// The `n_dims` found.
        n_dims: u32,
    },
    /// A dimension of zero.
    ZeroDimension {
        /// Offset of the tensor info.
        offset: usize,
        /// Tensor index.
        tensor: usize,
        /// Which dimension (0 is ne\[0\]).
        dim: usize,
    },
    /// A dimension, element count or byte size beyond `i64::MAX`, or a byte
    /// size this target cannot address.
    TensorTooLarge {
        /// Offset of the tensor info.
        offset: usize,
        /// Tensor index.
        tensor: usize,
    },
    /// A ggml type id ggml does not define.
    InvalidTensorType {
        /// Offset of the tensor info.
        offset: usize,
        /// Tensor index.
        tensor: usize,
        /// The id found.
        ty: u32,
    },
    /// A row (ne\[0\]) that is not a whole number of the type's blocks.
    RowNotBlockMultiple {
        /// Offset of the tensor info.
        offset: usize,
        /// Tensor index.
        tensor: usize,
        /// The type.
        ty: GgmlType,
        /// ne\[0\].
        ne0: u64,
    },
    /// A tensor's data offset is not a multiple of the alignment.
    TensorMisaligned {
        /// Offset of the tensor info.
        offset: usize,
        /// Tensor index.
        tensor: usize,
        /// The tensor's offset in the data section.
        data_offset: u64,
        /// The file's alignment.
        alignment: usize,
    },
    /// A tensor's data runs past the end of the file.
    TensorOutOfBounds {
        /// Offset of the tensor info.
        offset: usize,
        /// Tensor index.
        tensor: usize,
        /// Absolute end of its data as the file states it.
        end: u64,
        /// File length.
        file_len: usize,
    },
    /// Two tensors' data overlap.
    TensorOverlap {
        /// Offset of the later tensor's info.
        offset: usize,
        /// Index of the later tensor.
        tensor: usize,
        /// Index of the earlier tensor it overlaps.
        other: usize,
    },
    /// A metadata look-up for a key the file does not have.
    MissingKey {
        /// The key.
        key: KeyName,
    },
    /// A metadata look-up found a value of another type.
    WrongType {
        /// The key.
        key: KeyName,
        /// The type asked for.
        expected: ValueType,
        /// The type found.
        found: ValueType,
    },
    /// An array look-up found an array of another element type.
    WrongArrayType {
        /// The key.
        key: KeyName,
        /// The element type asked for.
        expected: ValueType,
        /// The element type found.
        found: ValueType,
    },
    /// An integer look-up found an integer that does not fit the target.
    IntOutOfRange {
        /// The key.
        key: KeyName,
        /// The type asked for.
        expected: ValueType,
        /// The type found.
        found: ValueType,
    },
}

impl Error {
    /// The byte offset the error points at, when it has one.
    pub fn offset(&self) -> Option<usize> {
        use Error::*;
        match *self {
            BadMagic { .. } | Version1 | BigEndian { .. } | UnsupportedVersion { .. } => Some(0),
            KvCountTooLarge { .. } => Some(16),
            TooManyKvs { .. } => Some(16),
            TooManyTensors { .. } => Some(8),
            Truncated { offset, .. }
            | TensorCountTooLarge { offset, .. }
            | StringPastEnd { offset, .. }
            | ArrayPastEnd { offset, .. }
            | InvalidValueType { offset, .. }
            | InvalidBool { offset, .. }
            | NestingTooDeep { offset }
            | KeyTooLong { offset, .. }
            | KeyNotUtf8 { offset }
            | StringNotUtf8 { offset }
            | DuplicateKey { offset, .. }
            | AlignmentWrongType { offset, .. }
            | AlignmentZero { offset }
            | AlignmentNotPowerOfTwo { offset, .. }
            | AlignmentTooLarge { offset, .. }
            | TensorNameTooLong { offset, .. }
            | TensorNameNotUtf8 { offset, .. }
            | DuplicateTensorName { offset, .. }
            | TooManyDims { offset, .. }
            | ZeroDimension { offset, .. }
            | TensorTooLarge { offset, .. }
            | InvalidTensorType { offset, .. }
            | RowNotBlockMultiple { offset, .. }
            | TensorMisaligned { offset, .. }
            | TensorOutOfBounds { offset, .. }
            | TensorOverlap { offset, .. } => Some(offset),
            MissingKey { .. } | WrongType { .. } | WrongArrayType { .. } | IntOutOfRange { .. } => {
                None
            }
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use super::limits::*;
        use Error::*;
        match *self {
            BadMagic { found } => write!(f, "not a GGUF file: magic is {found:02x?}, expected \"GGUF\""),
            Version1 => f.write_str("GGUF version 1 is not supported (re-convert the model to v3)"),
            BigEndian { raw } => write!(
                f,
                "big-endian GGUF (version field {raw:#010x}) is not supported"
            ),
            UnsupportedVersion { version } => {
                write!(f, "unsupported GGUF version {version} (mote reads 2 and 3)")
            }
            Truncated { offset, needed, item } => write!(
                f,
                "file ends inside the {} at byte {offset} ({needed} bytes needed)",
                item.name()
            ),
            KvCountTooLarge { count, bytes_left } => write!(
                f,
                "metadata count {count} at byte 16 cannot fit in the {bytes_left} bytes left"
            ),
            TensorCountTooLarge { offset, count, bytes_left } => write!(
                f,
                "tensor count {count} cannot fit in the {bytes_left} bytes left at byte {offset}"
            ),
            TooManyKvs { count } => write!(
                f,
                "metadata count {count} at byte 16 is above the limit of {MAX_KV}"
            ),
            TooManyTensors { count } => write!(
                f,
                "tensor count {count} at byte 8 is above the limit of {MAX_TENSORS}"
            ),
            StringPastEnd { offset, len } => write!(
                f,
                "string of {len} bytes at byte {offset} runs past the end of the file"
            ),
            ArrayPastEnd { offset, count, elem_type } => write!(
                f,
                "array of {count} {elem_type} at byte {offset} runs past the end of the file"
            ),
            InvalidValueType { offset, ty } => {
                write!(f, "invalid metadata value type {ty} at byte {offset}")
            }
            InvalidBool { offset, value } => {
                write!(f, "invalid bool value {value} at byte {offset}")
            }
            NestingTooDeep { offset } => write!(
                f,
                "arrays nested deeper than {MAX_ARRAY_NESTING} levels at byte {offset}"
            ),
            KeyTooLong { offset, len } => write!(
                f,
                "metadata key of {len} bytes at byte {offset} is longer than {MAX_KEY_LEN}"
            ),
            KeyNotUtf8 { offset } => write!(f, "metadata key at byte {offset} is not UTF-8"),
            StringNotUtf8 { offset } => write!(f, "string at byte {offset} is not UTF-8"),
            DuplicateKey { offset, index, first } => write!(
                f,
                "metadata key {index} at byte {offset} repeats key {first}"
            ),
            AlignmentWrongType { offset, found } => write!(
                f,
                "general.alignment at byte {offset} is {found}, expected u32"
            ),
            AlignmentZero { offset } => write!(f, "general.alignment at byte {offset} is zero"),
            AlignmentNotPowerOfTwo { offset, value } => write!(
                f,
                "general.alignment {value} at byte {offset} is not a power of two"
            ),
            AlignmentTooLarge { offset, value } => write!(
                f,
                "general.alignment {value} at byte {offset} is above the limit of {MAX_ALIGNMENT}"
            ),
            TensorNameTooLong { offset, tensor, len } => write!(
                f,
                "tensor {tensor} at byte {offset}: name of {len} bytes is longer than {MAX_TENSOR_NAME_LEN}"
            ),
            TensorNameNotUtf8 { offset, tensor } => {
                write!(f, "tensor {tensor} at byte {offset}: name is not UTF-8")
            }
            DuplicateTensorName { offset, tensor, first } => write!(
                f,
                "tensor {tensor} at byte {offset}: name repeats tensor {first}"
            ),
            TooManyDims { offset, tensor, n_dims } => write!(
                f,
                "tensor {tensor} at byte {offset}: {n_dims} dimensions, at most {MAX_DIMS} allowed"
            ),
            ZeroDimension { offset, tensor, dim } => {
                write!(f, "tensor {tensor} at byte {offset}: dimension {dim} is zero")
            }
            TensorTooLarge { offset, tensor } => write!(
                f,
                "tensor {tensor} at byte {offset}: element count or byte size overflows"
            ),
            InvalidTensorType { offset, tensor, ty } => {
                write!(f, "tensor {tensor} at byte {offset}: invalid ggml type {ty}")
            }
            RowNotBlockMultiple { offset, tensor, ty, ne0 } => write!(
                f,
                "tensor {tensor} at byte {offset}: row of {ne0} elements is not a multiple of {ty}'s block of {}",
                ty.block_size()
            ),
            TensorMisaligned { offset, tensor, data_offset, alignment } => write!(
                f,
                "tensor {tensor} at byte {offset}: data offset {data_offset} is not a multiple of the alignment {alignment}"
            ),
            TensorOutOfBounds { offset, tensor, end, file_len } => write!(
                f,
                "tensor {tensor} at byte {offset}: data ends at byte {end}, past the end of the file ({file_len} bytes)"
            ),
            TensorOverlap { offset, tensor, other } => write!(
                f,
                "tensor {tensor} at byte {offset}: data overlaps tensor {other}"
            ),
            MissingKey { key } => write!(f, "metadata key {key} is missing"),
            WrongType { key, expected, found } => {
                write!(f, "metadata key {key} is {found}, expected {expected}")
            }
            WrongArrayType { key, expected, found } => write!(
                f,
                "metadata key {key} is an array of {found}, expected an array of {expected}"
            ),
            IntOutOfRange { key, expected, found } => write!(
                f,
                "metadata key {key} holds a {found} that does not fit in {expected}"
            ),
        }
    }
}

impl core::error::Error for Error {}
