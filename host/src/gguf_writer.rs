//! GGUF v3 writer: metadata of every value type, tensor infos, aligned data.
//!
//! The file it writes, in order (all little-endian), byte for byte what
//! gguf-py's `GGUFWriter` writes for the same content:
//!
//! 1. header: magic `GGUF`, version `u32` = 3, tensor count `u64`, metadata count `u64`;
//! 2. metadata: per entry a string key (`u64` length + UTF-8), a `u32` value
//!    type and the value; an array is its element type `u32`, count `u64` and
//!    the elements, where an element that is itself an array repeats
//!    type + count + elements (so arrays nest);
//! 3. tensor infos: name, `n_dims: u32`, dims as `u64` (ne\[0\] first), ggml
//!    type `u32`, offset `u64` from the start of the data section;
//! 4. zero padding to `general.alignment` (default 32), then the data section:
//!    each tensor's bytes followed by zero padding to the alignment.
//!
//! Writing streams: [`GgufWriter`] collects metadata and tensor descriptions
//! (small), [`GgufWriter::write_header`] writes parts 1–3 and returns a
//! [`TensorDataWriter`] that takes the tensors' bytes one tensor (or one
//! chunk) at a time, so a converter never holds the whole model in memory.
//! Any [`Write`] works as a sink: a `BufWriter<File>` or a `Vec<u8>`.

use std::collections::HashSet;
use std::fmt;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use mote_core::gguf::{self, limits};
use mote_core::GgmlType;

/// The GGUF version this writer produces.
pub const GGUF_VERSION: u32 = 3;
/// Alignment of the data section and of every tensor when the metadata has no `general.alignment`.
pub const DEFAULT_ALIGNMENT: u32 = limits::DEFAULT_ALIGNMENT as u32;
/// The metadata key that sets the alignment (a `u32`, a power of two).
pub const ALIGNMENT_KEY: &str = gguf::ALIGNMENT_KEY;
/// Largest alignment accepted: the reader's limit.
pub const MAX_ALIGNMENT: u32 = limits::MAX_ALIGNMENT as u32;
/// Most dimensions a ggml tensor has.
pub const MAX_DIMS: usize = limits::MAX_DIMS;

/// GGUF metadata value type ids (the reader's type, shared).
pub use mote_core::gguf::ValueType;

/// One metadata value, owned.
#[derive(Clone, Debug, PartialEq)]
#[allow(missing_docs)]
pub enum Value {
    U8(u8),
    I8(i8),
    U16(u16),
    I16(i16),
    U32(u32),
    I32(i32),
    F32(f32),
    Bool(bool),
    Str(String),
    Array(Array),
    U64(u64),
    I64(i64),
    F64(f64),
}

/// A metadata array: homogeneous by construction, typed even when empty.
/// `Array(Vec<Array>)` is an array of arrays; each inner array carries its
/// own element type, as in the file.
#[derive(Clone, Debug, PartialEq)]
#[allow(missing_docs)]
pub enum Array {
    U8(Vec<u8>),
    I8(Vec<i8>),
    U16(Vec<u16>),
    I16(Vec<i16>),
    U32(Vec<u32>),
    I32(Vec<i32>),
    F32(Vec<f32>),
    Bool(Vec<bool>),
    Str(Vec<String>),
    Array(Vec<Array>),
    U64(Vec<u64>),
    I64(Vec<i64>),
    F64(Vec<f64>),
}

impl Value {
    /// The value's type id.
    pub fn value_type(&self) -> ValueType {
        match self {
            Value::U8(_) => ValueType::U8,
            Value::I8(_) => ValueType::I8,
            Value::U16(_) => ValueType::U16,
            Value::I16(_) => ValueType::I16,
            Value::U32(_) => ValueType::U32,
            Value::I32(_) => ValueType::I32,
            Value::F32(_) => ValueType::F32,
            Value::Bool(_) => ValueType::Bool,
            Value::Str(_) => ValueType::Str,
            Value::Array(_) => ValueType::Array,
            Value::U64(_) => ValueType::U64,
            Value::I64(_) => ValueType::I64,
            Value::F64(_) => ValueType::F64,
        }
    }
}

impl Array {
    /// The element type id.
    pub fn elem_type(&self) -> ValueType {
        match self {
            Array::U8(_) => ValueType::U8,
            Array::I8(_) => ValueType::I8,
            Array::U16(_) => ValueType::U16,
            Array::I16(_) => ValueType::I16,
            Array::U32(_) => ValueType::U32,
            Array::I32(_) => ValueType::I32,
            Array::F32(_) => ValueType::F32,
            Array::Bool(_) => ValueType::Bool,
            Array::Str(_) => ValueType::Str,
            Array::Array(_) => ValueType::Array,
            Array::U64(_) => ValueType::U64,
            Array::I64(_) => ValueType::I64,
            Array::F64(_) => ValueType::F64,
        }
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        match self {
            Array::U8(v) => v.len(),
            Array::I8(v) => v.len(),
            Array::U16(v) => v.len(),
            Array::I16(v) => v.len(),
            Array::U32(v) => v.len(),
            Array::I32(v) => v.len(),
            Array::F32(v) => v.len(),
            Array::Bool(v) => v.len(),
            Array::Str(v) => v.len(),
            Array::Array(v) => v.len(),
            Array::U64(v) => v.len(),
            Array::I64(v) => v.len(),
            Array::F64(v) => v.len(),
        }
    }

    /// Whether the array has no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Levels of arrays: 1 for an array of scalars, 2 for an array of those, ...
    pub fn depth(&self) -> usize {
        match self {
            Array::Array(v) => 1 + v.iter().map(Array::depth).max().unwrap_or(0),
            _ => 1,
        }
    }
}

macro_rules! from_scalar {
    ($($t:ty => $v:ident),*) => {$(
        impl From<$t> for Value {
            fn from(x: $t) -> Self { Value::$v(x) }
        }
        impl From<Vec<$t>> for Array {
            fn from(x: Vec<$t>) -> Self { Array::$v(x) }
        }
        impl From<Vec<$t>> for Value {
            fn from(x: Vec<$t>) -> Self { Value::Array(Array::$v(x)) }
        }
    )*};
}
from_scalar!(u8 => U8, i8 => I8, u16 => U16, i16 => I16, u32 => U32, i32 => I32, f32 => F32,
    bool => Bool, String => Str, u64 => U64, i64 => I64, f64 => F64);

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Str(s.to_owned())
    }
}
impl From<Vec<&str>> for Value {
    fn from(v: Vec<&str>) -> Self {
        Value::Array(Array::Str(v.into_iter().map(str::to_owned).collect()))
    }
}
impl From<Array> for Value {
    fn from(a: Array) -> Self {
        Value::Array(a)
    }
}
impl From<Vec<Array>> for Array {
    fn from(v: Vec<Array>) -> Self {
        Array::Array(v)
    }
}

impl Value {
    /// An owned copy of a value read by [`mote_core::gguf`], e.g. to carry
    /// metadata from one file to another.
    pub fn from_gguf(v: gguf::Value<'_>) -> Self {
        match v {
            gguf::Value::U8(x) => Value::U8(x),
            gguf::Value::I8(x) => Value::I8(x),
            gguf::Value::U16(x) => Value::U16(x),
            gguf::Value::I16(x) => Value::I16(x),
            gguf::Value::U32(x) => Value::U32(x),
            gguf::Value::I32(x) => Value::I32(x),
            gguf::Value::U64(x) => Value::U64(x),
            gguf::Value::I64(x) => Value::I64(x),
            gguf::Value::F32(x) => Value::F32(x),
            gguf::Value::F64(x) => Value::F64(x),
            gguf::Value::Bool(x) => Value::Bool(x),
            gguf::Value::Str(s) => Value::Str(s.to_owned()),
            gguf::Value::Array(a) => Value::Array(Array::from_gguf(a)),
        }
    }
}

impl Array {
    /// An owned copy of an array read by [`mote_core::gguf`] (nested arrays included).
    pub fn from_gguf(a: gguf::Array<'_>) -> Self {
        macro_rules! collect {
            ($variant:ident) => {
                Array::$variant(
                    a.iter()
                        .filter_map(|v| match v {
                            gguf::Value::$variant(x) => Some(x),
                            _ => None,
                        })
                        .collect(),
                )
            };
        }
        match a.elem_type() {
            ValueType::U8 => collect!(U8),
            ValueType::I8 => collect!(I8),
            ValueType::U16 => collect!(U16),
            ValueType::I16 => collect!(I16),
            ValueType::U32 => collect!(U32),
            ValueType::I32 => collect!(I32),
            ValueType::U64 => collect!(U64),
            ValueType::I64 => collect!(I64),
            ValueType::F32 => collect!(F32),
            ValueType::F64 => collect!(F64),
            ValueType::Bool => collect!(Bool),
            ValueType::Str => Array::Str(a.strs().map(str::to_owned).collect()),
            ValueType::Array => Array::Array(
                a.iter()
                    .filter_map(|v| match v {
                        gguf::Value::Array(inner) => Some(Array::from_gguf(inner)),
                        _ => None,
                    })
                    .collect(),
            ),
        }
    }
}

/// Why a GGUF file could not be written.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The sink failed.
    Io(io::Error),
    /// A metadata key was added twice.
    DuplicateKey(String),
    /// A tensor name was added twice.
    DuplicateTensor(String),
    /// `general.alignment` is not a `u32` power of two in `1..=MAX_ALIGNMENT`.
    BadAlignment(String),
    /// A tensor shape has no dimensions, more than [`MAX_DIMS`], a zero
    /// dimension, a first dimension that is not a whole number of blocks, or
    /// a byte size that overflows.
    BadShape {
        /// The tensor.
        name: String,
        /// Its ggml type.
        ty: GgmlType,
        /// The shape given (ne\[0\] first).
        shape: Vec<u64>,
    },
    /// More bytes were given for a tensor than its shape holds, or fewer
    /// before the next tensor or the end.
    TensorSize {
        /// The tensor.
        name: String,
        /// Bytes its type and shape need.
        expected: u64,
        /// Bytes given.
        got: u64,
    },
    /// Data was written after every declared tensor was complete.
    TooManyTensors,
    /// A key, tensor name, array nesting or count beyond what GGUF readers
    /// accept (mote's limits in `mote_core::gguf::limits`, which follow ggml's).
    LimitExceeded {
        /// What is too long, deep or many.
        what: &'static str,
        /// The key or name concerned.
        item: String,
        /// The limit.
        limit: usize,
    },
    /// [`TensorDataWriter::finish`] was called before every tensor was written.
    MissingTensors {
        /// The first tensor that got no data.
        next: String,
        /// How many tensors were not written.
        missing: usize,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io(e) => write!(f, "write failed: {e}"),
            Error::DuplicateKey(k) => write!(f, "metadata key {k:?} added twice"),
            Error::DuplicateTensor(n) => write!(f, "tensor {n:?} added twice"),
            Error::BadAlignment(why) => write!(f, "bad {ALIGNMENT_KEY}: {why}"),
            Error::BadShape { name, ty, shape } => write!(
                f,
                "tensor {name:?}: shape {shape:?} is not valid for {ty} \
                 (1..={MAX_DIMS} non-zero dims, ne[0] a multiple of {})",
                ty.block_size()
            ),
            Error::TensorSize {
                name,
                expected,
                got,
            } => {
                write!(f, "tensor {name:?} needs {expected} bytes, got {got}")
            }
            Error::TooManyTensors => {
                write!(f, "tensor data written after the last declared tensor")
            }
            Error::LimitExceeded { what, item, limit } => {
                write!(f, "{what} of {item:?} is above the limit of {limit}")
            }
            Error::MissingTensors { next, missing } => {
                write!(f, "{missing} tensor(s) not written, starting with {next:?}")
            }
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io(e) => Some(e),
            _ => None,
        }
    }
}

impl From<io::Error> for Error {
    fn from(e: io::Error) -> Self {
        Error::Io(e)
    }
}

/// A tensor as described in the tensor table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TensorSpec {
    /// Name (`blk.0.attn_q.weight`).
    pub name: String,
    /// ggml type of the stored data.
    pub ty: GgmlType,
    /// Dimensions, ne\[0\] (the contiguous one) first.
    pub shape: Vec<u64>,
    /// Bytes of data (without padding).
    pub size: u64,
}

/// Collects metadata and tensor descriptions; see the module docs.
#[derive(Clone, Debug, Default)]
pub struct GgufWriter {
    metadata: Vec<(String, Value)>,
    keys: HashSet<String>,
    tensors: Vec<TensorSpec>,
    names: HashSet<String>,
}

impl GgufWriter {
    /// An empty file: no metadata, no tensors.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a metadata entry; entries are written in the order added.
    /// `general.alignment` must be a `u32` power of two; it sets the
    /// alignment of the data section and of every tensor.
    pub fn add(&mut self, key: impl Into<String>, value: impl Into<Value>) -> Result<(), Error> {
        let key = key.into();
        let value = value.into();
        if key == ALIGNMENT_KEY {
            check_alignment(&value)?;
        }
        check_limit("key length", &key, key.len(), limits::MAX_KEY_LEN)?;
        check_limit(
            "metadata count",
            &key,
            self.metadata.len() + 1,
            limits::MAX_KV,
        )?;
        if let Value::Array(a) = &value {
            check_limit("array nesting", &key, a.depth(), limits::MAX_ARRAY_NESTING)?;
        }
        if !self.keys.insert(key.clone()) {
            return Err(Error::DuplicateKey(key));
        }
        self.metadata.push((key, value));
        Ok(())
    }

    /// Sets `general.alignment`, replacing an earlier value.
    pub fn set_alignment(&mut self, alignment: u32) -> Result<(), Error> {
        let value = Value::U32(alignment);
        check_alignment(&value)?;
        match self.metadata.iter_mut().find(|(k, _)| k == ALIGNMENT_KEY) {
            Some((_, v)) => *v = value,
            None => self.add(ALIGNMENT_KEY, value)?,
        }
        Ok(())
    }

    /// The alignment the file will use.
    pub fn alignment(&self) -> u32 {
        match self.metadata.iter().find(|(k, _)| k == ALIGNMENT_KEY) {
            Some((_, Value::U32(a))) => *a,
            _ => DEFAULT_ALIGNMENT,
        }
    }

    /// The metadata added so far, in order.
    pub fn metadata(&self) -> &[(String, Value)] {
        &self.metadata
    }

    /// Declares a tensor; its data is written later, in declaration order.
    /// `shape` is in GGUF order, ne\[0\] (the contiguous dimension) first.
    pub fn add_tensor(
        &mut self,
        name: impl Into<String>,
        ty: GgmlType,
        shape: &[u64],
    ) -> Result<(), Error> {
        let name = name.into();
        let size = tensor_bytes(ty, shape).ok_or_else(|| Error::BadShape {
            name: name.clone(),
            ty,
            shape: shape.to_vec(),
        })?;
        check_limit(
            "tensor name length",
            &name,
            name.len(),
            limits::MAX_TENSOR_NAME_LEN,
        )?;
        check_limit(
            "tensor count",
            &name,
            self.tensors.len() + 1,
            limits::MAX_TENSORS,
        )?;
        if !self.names.insert(name.clone()) {
            return Err(Error::DuplicateTensor(name));
        }
        self.tensors.push(TensorSpec {
            name,
            ty,
            shape: shape.to_vec(),
            size,
        });
        Ok(())
    }

    /// The tensors declared so far, in order.
    pub fn tensors(&self) -> &[TensorSpec] {
        &self.tensors
    }

    /// Writes header, metadata, tensor infos and the padding before the data
    /// section; the returned writer takes the tensors' bytes.
    pub fn write_header<W: Write>(self, mut sink: W) -> Result<TensorDataWriter<W>, Error> {
        let align = u64::from(self.alignment());
        let mut head = Vec::new();
        head.extend_from_slice(b"GGUF");
        put_u32(&mut head, GGUF_VERSION);
        put_u64(&mut head, self.tensors.len() as u64);
        put_u64(&mut head, self.metadata.len() as u64);
        for (key, value) in &self.metadata {
            put_str(&mut head, key);
            put_u32(&mut head, value.value_type() as u32);
            put_value(&mut head, value);
        }
        let mut offset = 0u64;
        for t in &self.tensors {
            put_str(&mut head, &t.name);
            put_u32(&mut head, t.shape.len() as u32);
            for &d in &t.shape {
                put_u64(&mut head, d);
            }
            put_u32(&mut head, t.ty as u32);
            put_u64(&mut head, offset);
            offset = offset
                .checked_add(pad_to(t.size, align))
                .ok_or_else(|| Error::BadShape {
                    name: t.name.clone(),
                    ty: t.ty,
                    shape: t.shape.clone(),
                })?;
        }
        let pad = pad_to(head.len() as u64, align) - head.len() as u64;
        head.resize(head.len() + pad as usize, 0);
        sink.write_all(&head)?;
        Ok(TensorDataWriter {
            sink,
            tensors: self.tensors,
            align,
            current: 0,
            written: 0,
            data_offset: head.len() as u64,
        })
    }

    /// Writes the whole file into a `Vec`, `data[i]` being the bytes of the
    /// i-th declared tensor.
    pub fn to_vec(self, data: &[&[u8]]) -> Result<Vec<u8>, Error> {
        let mut out = self.write_header(Vec::new())?;
        for d in data {
            out.write_tensor(d)?;
        }
        out.finish()
    }

    /// Writes the whole file to `path` (created or truncated).
    pub fn write_file(self, path: impl AsRef<Path>, data: &[&[u8]]) -> Result<(), Error> {
        let mut out = self.write_header(BufWriter::new(File::create(path)?))?;
        for d in data {
            out.write_tensor(d)?;
        }
        out.finish()?.flush()?;
        Ok(())
    }
}

/// Takes the tensors' bytes in declaration order, padding after each.
#[derive(Debug)]
pub struct TensorDataWriter<W: Write> {
    sink: W,
    tensors: Vec<TensorSpec>,
    align: u64,
    /// Index of the tensor being written.
    current: usize,
    /// Bytes of it written so far.
    written: u64,
    data_offset: u64,
}

impl<W: Write> TensorDataWriter<W> {
    /// Where the data section starts in the file.
    pub fn data_offset(&self) -> u64 {
        self.data_offset
    }

    /// The tensor whose bytes come next, or `None` when all are written.
    pub fn next_tensor(&self) -> Option<&TensorSpec> {
        self.tensors.get(self.current)
    }

    /// Writes all bytes of the next tensor.
    pub fn write_tensor(&mut self, data: &[u8]) -> Result<(), Error> {
        if let Some(t) = self.tensors.get(self.current) {
            if self.written != 0 || data.len() as u64 != t.size {
                return Err(Error::TensorSize {
                    name: t.name.clone(),
                    expected: t.size,
                    got: self.written + data.len() as u64,
                });
            }
        }
        self.write_chunk(data)
    }

    /// Writes part of the next tensor's bytes; the tensor is complete (and
    /// padded) once its size has been written. A chunk never spans tensors.
    pub fn write_chunk(&mut self, data: &[u8]) -> Result<(), Error> {
        let t = self
            .tensors
            .get(self.current)
            .ok_or(Error::TooManyTensors)?;
        let got = self.written + data.len() as u64;
        if got > t.size {
            return Err(Error::TensorSize {
                name: t.name.clone(),
                expected: t.size,
                got,
            });
        }
        self.sink.write_all(data)?;
        self.written = got;
        if got == t.size {
            let pad = pad_to(t.size, self.align) - t.size;
            write_zeros(&mut self.sink, pad)?;
            self.current += 1;
            self.written = 0;
        }
        Ok(())
    }

    /// Checks every tensor was written and hands back the sink (not flushed).
    pub fn finish(self) -> Result<W, Error> {
        if let Some(t) = self.tensors.get(self.current) {
            if self.written != 0 {
                return Err(Error::TensorSize {
                    name: t.name.clone(),
                    expected: t.size,
                    got: self.written,
                });
            }
            return Err(Error::MissingTensors {
                next: t.name.clone(),
                missing: self.tensors.len() - self.current,
            });
        }
        Ok(self.sink)
    }
}

/// Bytes of a tensor of type `ty` and shape `shape` (ne\[0\] first), or `None`
/// if the shape is not valid for the type.
pub fn tensor_bytes(ty: GgmlType, shape: &[u64]) -> Option<u64> {
    let (&ne0, rest) = shape.split_first()?;
    if shape.len() > MAX_DIMS || shape.contains(&0) {
        return None;
    }
    let row = ty.row_bytes(usize::try_from(ne0).ok()?)? as u64;
    rest.iter().try_fold(row, |acc, &d| acc.checked_mul(d))
}

fn check_limit(what: &'static str, item: &str, n: usize, limit: usize) -> Result<(), Error> {
    if n > limit {
        return Err(Error::LimitExceeded {
            what,
            item: item.to_owned(),
            limit,
        });
    }
    Ok(())
}

fn check_alignment(value: &Value) -> Result<(), Error> {
    match value {
        Value::U32(a) if a.is_power_of_two() && *a <= MAX_ALIGNMENT => Ok(()),
        Value::U32(a) => Err(Error::BadAlignment(format!(
            "{a} is not a power of two up to {MAX_ALIGNMENT}"
        ))),
        other => Err(Error::BadAlignment(format!(
            "must be a u32, not {:?}",
            other.value_type()
        ))),
    }
}

fn pad_to(n: u64, align: u64) -> u64 {
    n.div_ceil(align) * align
}

fn write_zeros(w: &mut impl Write, n: u64) -> io::Result<()> {
    const ZEROS: [u8; 64] = [0; 64];
    let mut left = n;
    while left > 0 {
        let k = left.min(ZEROS.len() as u64) as usize;
        w.write_all(&ZEROS[..k])?;
        left -= k as u64;
    }
    Ok(())
}

fn put_u32(out: &mut Vec<u8>, x: u32) {
    out.extend_from_slice(&x.to_le_bytes());
}

fn put_u64(out: &mut Vec<u8>, x: u64) {
    out.extend_from_slice(&x.to_le_bytes());
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    put_u64(out, s.len() as u64);
    out.extend_from_slice(s.as_bytes());
}

/// The value's payload (its type id is written by the caller, since array
/// elements carry none).
fn put_value(out: &mut Vec<u8>, v: &Value) {
    match v {
        Value::U8(x) => out.push(*x),
        Value::I8(x) => out.extend_from_slice(&x.to_le_bytes()),
        Value::U16(x) => out.extend_from_slice(&x.to_le_bytes()),
        Value::I16(x) => out.extend_from_slice(&x.to_le_bytes()),
        Value::U32(x) => out.extend_from_slice(&x.to_le_bytes()),
        Value::I32(x) => out.extend_from_slice(&x.to_le_bytes()),
        Value::F32(x) => out.extend_from_slice(&x.to_le_bytes()),
        Value::Bool(x) => out.push(u8::from(*x)),
        Value::Str(s) => put_str(out, s),
        Value::Array(a) => put_array(out, a),
        Value::U64(x) => out.extend_from_slice(&x.to_le_bytes()),
        Value::I64(x) => out.extend_from_slice(&x.to_le_bytes()),
        Value::F64(x) => out.extend_from_slice(&x.to_le_bytes()),
    }
}

fn put_array(out: &mut Vec<u8>, a: &Array) {
    put_u32(out, a.elem_type() as u32);
    put_u64(out, a.len() as u64);
    macro_rules! le {
        ($v:expr) => {
            for x in $v {
                out.extend_from_slice(&x.to_le_bytes());
            }
        };
    }
    match a {
        Array::U8(v) => out.extend_from_slice(v),
        Array::I8(v) => le!(v),
        Array::U16(v) => le!(v),
        Array::I16(v) => le!(v),
        Array::U32(v) => le!(v),
        Array::I32(v) => le!(v),
        Array::F32(v) => le!(v),
        Array::Bool(v) => out.extend(v.iter().map(|&b| u8::from(b))),
        Array::Str(v) => v.iter().for_each(|s| put_str(out, s)),
        Array::Array(v) => v.iter().for_each(|inner| put_array(out, inner)),
        Array::U64(v) => le!(v),
        Array::I64(v) => le!(v),
        Array::F64(v) => le!(v),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u32_at(b: &[u8], at: usize) -> u32 {
        u32::from_le_bytes(b[at..at + 4].try_into().unwrap())
    }
    fn u64_at(b: &[u8], at: usize) -> u64 {
        u64::from_le_bytes(b[at..at + 8].try_into().unwrap())
    }

    #[test]
    fn empty_file_is_header_padded_to_alignment() {
        let bytes = GgufWriter::new().to_vec(&[]).unwrap();
        assert_eq!(&bytes[..4], b"GGUF");
        assert_eq!(u32_at(&bytes, 4), 3);
        assert_eq!(u64_at(&bytes, 8), 0);
        assert_eq!(u64_at(&bytes, 16), 0);
        // 24 header bytes padded to 32.
        assert_eq!(bytes.len(), 32);
        assert!(bytes[24..].iter().all(|&b| b == 0));
    }

    #[test]
    fn scalar_encoding_is_little_endian_with_type_ids() {
        let mut w = GgufWriter::new();
        w.add("k", Value::I16(-2)).unwrap();
        let b = w.to_vec(&[]).unwrap();
        // key: len 1 + "k", type 3 (INT16), value 0xfffe
        assert_eq!(u64_at(&b, 24), 1);
        assert_eq!(b[32], b'k');
        assert_eq!(u32_at(&b, 33), ValueType::I16 as u32);
        assert_eq!(&b[37..39], &(-2i16).to_le_bytes());
    }

    #[test]
    fn nested_array_encoding() {
        let mut w = GgufWriter::new();
        let a = Array::Array(vec![Array::U8(vec![7]), Array::Str(vec![])]);
        w.add("a", a).unwrap();
        let b = w.to_vec(&[]).unwrap();
        let v = 24 + 8 + 1; // after key
        assert_eq!(u32_at(&b, v), 9); // ARRAY
        assert_eq!(u32_at(&b, v + 4), 9); // of ARRAY
        assert_eq!(u64_at(&b, v + 8), 2); // two inner arrays
        assert_eq!(u32_at(&b, v + 16), 0); // inner 0: UINT8
        assert_eq!(u64_at(&b, v + 20), 1);
        assert_eq!(b[v + 28], 7);
        assert_eq!(u32_at(&b, v + 29), 8); // inner 1: STRING
        assert_eq!(u64_at(&b, v + 33), 0); // empty
    }

    #[test]
    fn tensor_offsets_are_aligned_and_data_padded() {
        let mut w = GgufWriter::new();
        w.set_alignment(64).unwrap();
        w.add_tensor("a", GgmlType::F32, &[3]).unwrap(); // 12 bytes
        w.add_tensor("b", GgmlType::Q4_0, &[32, 2]).unwrap(); // 36 bytes
        let a = [1u8; 12];
        let bb = [2u8; 36];
        let mut out = w.write_header(Vec::new()).unwrap();
        let data_offset = out.data_offset() as usize;
        assert_eq!(data_offset % 64, 0);
        out.write_tensor(&a).unwrap();
        out.write_chunk(&bb[..10]).unwrap();
        out.write_chunk(&bb[10..]).unwrap();
        let bytes = out.finish().unwrap();
        assert_eq!(bytes.len(), data_offset + 128);
        assert_eq!(&bytes[data_offset..data_offset + 12], &a);
        assert!(bytes[data_offset + 12..data_offset + 64]
            .iter()
            .all(|&x| x == 0));
        assert_eq!(&bytes[data_offset + 64..data_offset + 100], &bb);
    }

    #[test]
    fn misuse_is_a_typed_error() {
        let mut w = GgufWriter::new();
        w.add("x", 1u32).unwrap();
        assert!(matches!(w.add("x", 2u32), Err(Error::DuplicateKey(_))));
        assert!(matches!(
            w.add(ALIGNMENT_KEY, 48u32),
            Err(Error::BadAlignment(_))
        ));
        assert!(matches!(
            w.add(ALIGNMENT_KEY, 32u64),
            Err(Error::BadAlignment(_))
        ));
        assert!(matches!(
            w.add_tensor("t", GgmlType::Q8_0, &[31]),
            Err(Error::BadShape { .. })
        ));
        assert!(matches!(
            w.add_tensor("t", GgmlType::F32, &[]),
            Err(Error::BadShape { .. })
        ));
        assert!(matches!(
            w.add_tensor("t", GgmlType::F32, &[1, 1, 1, 1, 1]),
            Err(Error::BadShape { .. })
        ));
        assert!(matches!(
            w.add_tensor("t", GgmlType::F32, &[4, 0]),
            Err(Error::BadShape { .. })
        ));
        assert!(matches!(
            w.add_tensor("t", GgmlType::F32, &[u64::MAX / 2, 4]),
            Err(Error::BadShape { .. })
        ));
        w.add_tensor("t", GgmlType::F32, &[2]).unwrap();
        assert!(matches!(
            w.add_tensor("t", GgmlType::F32, &[2]),
            Err(Error::DuplicateTensor(_))
        ));

        let mut out = w.clone().write_header(Vec::new()).unwrap();
        assert!(matches!(
            out.write_tensor(&[0; 7]),
            Err(Error::TensorSize {
                expected: 8,
                got: 7,
                ..
            })
        ));
        out.write_tensor(&[0; 8]).unwrap();
        assert!(matches!(out.write_chunk(&[0]), Err(Error::TooManyTensors)));

        let out = w.clone().write_header(Vec::new()).unwrap();
        assert!(matches!(
            out.finish(),
            Err(Error::MissingTensors { missing: 1, .. })
        ));
        let mut out = w.write_header(Vec::new()).unwrap();
        out.write_chunk(&[0; 3]).unwrap();
        assert!(matches!(
            out.finish(),
            Err(Error::TensorSize { got: 3, .. })
        ));
    }

    #[test]
    fn reader_limits_are_enforced_when_writing() {
        let mut w = GgufWriter::new();
        let long_name = "n".repeat(limits::MAX_TENSOR_NAME_LEN + 1);
        let e = w.add_tensor(long_name, GgmlType::F32, &[1]).unwrap_err();
        assert!(
            matches!(
                e,
                Error::LimitExceeded {
                    what: "tensor name length",
                    ..
                }
            ),
            "{e}"
        );
        w.add_tensor("n".repeat(limits::MAX_TENSOR_NAME_LEN), GgmlType::F32, &[1])
            .unwrap();
        let e = w.add("k".repeat(limits::MAX_KEY_LEN + 1), 1u8).unwrap_err();
        assert!(
            matches!(
                e,
                Error::LimitExceeded {
                    what: "key length",
                    ..
                }
            ),
            "{e}"
        );
        let mut deep = Array::U8(vec![1]);
        for _ in 1..limits::MAX_ARRAY_NESTING {
            deep = Array::Array(vec![deep]);
        }
        assert_eq!(deep.depth(), limits::MAX_ARRAY_NESTING);
        w.add("deep", deep.clone()).unwrap();
        let e = w.add("deeper", Array::Array(vec![deep])).unwrap_err();
        assert!(
            matches!(
                e,
                Error::LimitExceeded {
                    what: "array nesting",
                    ..
                }
            ),
            "{e}"
        );
        // What was accepted, the reader reads.
        let bytes = w.to_vec(&[&[0; 4]]).unwrap();
        assert!(gguf::Gguf::parse(&bytes).is_ok());
    }

    #[test]
    fn set_alignment_replaces() {
        let mut w = GgufWriter::new();
        w.set_alignment(16).unwrap();
        w.set_alignment(128).unwrap();
        assert_eq!(w.alignment(), 128);
        assert_eq!(w.metadata().len(), 1);
    }
    /// One value of every type, arrays of every type, empty and nested arrays.
    fn every_value() -> Vec<(&'static str, Value)> {
        vec![
            ("u8", Value::U8(255)),
            ("i8", Value::I8(-128)),
            ("u16", Value::U16(65535)),
            ("i16", Value::I16(-32768)),
            ("u32", Value::U32(u32::MAX)),
            ("i32", Value::I32(i32::MIN)),
            ("f32", Value::F32(f32::MIN_POSITIVE / 8.0)),
            ("bool", Value::Bool(true)),
            ("str", Value::from("naïve 🦀")),
            ("u64", Value::U64(u64::MAX)),
            ("i64", Value::I64(i64::MIN)),
            ("f64", Value::F64(-f64::MAX)),
            ("a.u8", vec![0u8, 255].into()),
            ("a.i8", vec![-1i8, 1].into()),
            ("a.u16", vec![7u16].into()),
            ("a.i16", vec![-7i16].into()),
            ("a.u32", vec![1u32, 2, 3].into()),
            ("a.i32", vec![-1i32; 5].into()),
            ("a.f32", vec![0.5f32, -0.0, f32::INFINITY].into()),
            ("a.bool", vec![false, true].into()),
            ("a.str", vec!["", "b", "日本"].into()),
            ("a.u64", vec![u64::MAX].into()),
            ("a.i64", vec![i64::MAX].into()),
            ("a.f64", vec![1e300f64].into()),
            ("a.empty", Array::Str(vec![]).into()),
            (
                "a.nested",
                Array::Array(vec![
                    Array::Array(vec![Array::U16(vec![1, 2]), Array::F64(vec![])]),
                    Array::Str(vec!["x".into()]),
                    Array::Bool(vec![]),
                ])
                .into(),
            ),
        ]
    }

    #[test]
    fn round_trip_through_the_core_reader() {
        let mut w = GgufWriter::new();
        for (k, v) in every_value() {
            w.add(k, v).unwrap();
        }
        w.set_alignment(128).unwrap();
        let tensors: Vec<(&str, GgmlType, Vec<u64>)> = vec![
            ("t.f32", GgmlType::F32, vec![5]),
            ("t.q4_1", GgmlType::Q4_1, vec![64, 3]),
            ("t.q6_k", GgmlType::Q6_K, vec![256, 1, 2]),
            ("t.bf16", GgmlType::BF16, vec![2, 3, 1, 2]),
        ];
        let mut data = Vec::new();
        for (i, (name, ty, shape)) in tensors.iter().enumerate() {
            w.add_tensor(*name, *ty, shape).unwrap();
            let size = tensor_bytes(*ty, shape).unwrap() as usize;
            data.push(
                (0..size)
                    .map(|j| (j * 31 + i * 7) as u8)
                    .collect::<Vec<u8>>(),
            );
        }
        let slices: Vec<&[u8]> = data.iter().map(Vec::as_slice).collect();
        let bytes = w.to_vec(&slices).unwrap();

        let g = gguf::Gguf::parse(&bytes).unwrap();
        assert_eq!(g.version(), 3);
        assert_eq!(g.alignment(), 128);
        assert_eq!(g.data_offset() % 128, 0);
        let mut expected = every_value();
        expected.push((ALIGNMENT_KEY, Value::U32(128)));
        let read: Vec<(&str, Value)> = g
            .metadata()
            .map(|(k, v)| (k, Value::from_gguf(v)))
            .collect();
        assert_eq!(read.len(), expected.len());
        for ((k, v), (ek, ev)) in read.iter().zip(&expected) {
            assert_eq!(k, ek);
            match (v, ev) {
                // -0.0 == 0.0, so compare floats by bits.
                (Value::Array(Array::F32(a)), Value::Array(Array::F32(b))) => {
                    assert!(
                        a.iter()
                            .map(|x| x.to_bits())
                            .eq(b.iter().map(|x| x.to_bits())),
                        "{k}"
                    )
                }
                _ => assert_eq!(v, ev, "{k}"),
            }
        }
        assert_eq!(g.tensor_count(), tensors.len());
        let mut expected_offset = 0u64;
        for (t, ((name, ty, shape), d)) in g.tensors().zip(tensors.iter().zip(&data)) {
            assert_eq!(t.name, *name);
            assert_eq!(t.ty, *ty);
            assert_eq!(t.shape(), &shape[..]);
            assert_eq!(t.offset, expected_offset);
            assert_eq!(t.data, &d[..]);
            expected_offset += (d.len() as u64).div_ceil(128) * 128;
        }
        assert_eq!(bytes.len() as u64, g.data_offset() as u64 + expected_offset);
    }
}
