//! Test-only GGUF writer: builds valid files, and invalid ones on request
//! (raw keys, raw values, explicit offsets, header overrides).

use mote_core::GgmlType;

/// A metadata value to write.
#[derive(Clone, Debug)]
pub enum V {
    U8(u8),
    I8(i8),
    U16(u16),
    I16(i16),
    U32(u32),
    I32(i32),
    F32(f32),
    Bool(bool),
    Str(String),
    /// Element type id and elements (all of that type).
    Arr(u32, Vec<V>),
    U64(u64),
    I64(i64),
    F64(f64),
    /// Any type id followed by arbitrary bytes.
    Raw(u32, Vec<u8>),
}

impl V {
    pub fn type_id(&self) -> u32 {
        match self {
            V::U8(_) => 0,
            V::I8(_) => 1,
            V::U16(_) => 2,
            V::I16(_) => 3,
            V::U32(_) => 4,
            V::I32(_) => 5,
            V::F32(_) => 6,
            V::Bool(_) => 7,
            V::Str(_) => 8,
            V::Arr(..) => 9,
            V::U64(_) => 10,
            V::I64(_) => 11,
            V::F64(_) => 12,
            V::Raw(t, _) => *t,
        }
    }

    /// Writes the value (without its type id).
    pub fn write(&self, out: &mut Vec<u8>) {
        match self {
            V::U8(v) => out.push(*v),
            V::I8(v) => out.extend(v.to_le_bytes()),
            V::U16(v) => out.extend(v.to_le_bytes()),
            V::I16(v) => out.extend(v.to_le_bytes()),
            V::U32(v) => out.extend(v.to_le_bytes()),
            V::I32(v) => out.extend(v.to_le_bytes()),
            V::F32(v) => out.extend(v.to_le_bytes()),
            V::Bool(v) => out.push(u8::from(*v)),
            V::Str(s) => put_str(out, s.as_bytes()),
            V::Arr(t, items) => {
                out.extend(t.to_le_bytes());
                out.extend((items.len() as u64).to_le_bytes());
                for it in items {
                    it.write(out);
                }
            }
            V::U64(v) => out.extend(v.to_le_bytes()),
            V::I64(v) => out.extend(v.to_le_bytes()),
            V::F64(v) => out.extend(v.to_le_bytes()),
            V::Raw(_, b) => out.extend(b),
        }
    }
}

pub fn put_str(out: &mut Vec<u8>, s: &[u8]) {
    out.extend((s.len() as u64).to_le_bytes());
    out.extend(s);
}

/// A tensor to write.
#[derive(Clone, Debug)]
pub struct T {
    pub name: Vec<u8>,
    pub dims: Vec<u64>,
    pub ty: u32,
    /// `None`: placed after the previous tensor, aligned.
    pub offset: Option<u64>,
    pub data: Vec<u8>,
}

/// Bytes of a tensor of `ty` and `dims`, when computable and small.
pub fn tensor_bytes(ty: u32, dims: &[u64]) -> Option<usize> {
    let ty = GgmlType::from_u32(ty)?;
    let n: u64 = dims.iter().try_fold(1u64, |a, &d| a.checked_mul(d))?;
    let (bs, ts) = ty.block_geometry();
    if !n.is_multiple_of(bs as u64) {
        return None;
    }
    let b = (n / bs as u64).checked_mul(ts as u64)?;
    (b < 1 << 24).then_some(b as usize)
}

#[derive(Clone, Debug)]
pub struct Builder {
    pub version: u32,
    pub kvs: Vec<(Vec<u8>, V)>,
    pub tensors: Vec<T>,
    /// Alignment used for the layout (set `general.alignment` separately
    /// with [`Builder::alignment`]).
    pub align: usize,
    pub tensor_count: Option<u64>,
    pub kv_count: Option<u64>,
}

impl Builder {
    pub fn new() -> Self {
        Builder {
            version: 3,
            kvs: Vec::new(),
            tensors: Vec::new(),
            align: 32,
            tensor_count: None,
            kv_count: None,
        }
    }

    pub fn version(mut self, v: u32) -> Self {
        self.version = v;
        self
    }

    pub fn kv(mut self, key: &str, v: V) -> Self {
        self.kvs.push((key.as_bytes().to_vec(), v));
        self
    }

    pub fn raw_kv(mut self, key: &[u8], v: V) -> Self {
        self.kvs.push((key.to_vec(), v));
        self
    }

    /// Sets `general.alignment` and lays the data out with it.
    pub fn alignment(mut self, a: u32) -> Self {
        self.align = a as usize;
        self.kv("general.alignment", V::U32(a))
    }

    /// A tensor with deterministic data of the right size.
    pub fn tensor(self, name: &str, dims: &[u64], ty: GgmlType) -> Self {
        self.raw_tensor(name.as_bytes(), dims, ty as u32, None)
    }

    pub fn raw_tensor(mut self, name: &[u8], dims: &[u64], ty: u32, offset: Option<u64>) -> Self {
        let n = tensor_bytes(ty, dims).unwrap_or(0);
        let seed = self.tensors.len() as u8;
        let data = (0..n).map(|i| (i as u8).wrapping_mul(31) ^ seed).collect();
        self.tensors.push(T {
            name: name.to_vec(),
            dims: dims.to_vec(),
            ty,
            offset,
            data,
        });
        self
    }

    /// Offsets each tensor gets (explicit or laid out in order).
    pub fn offsets(&self) -> Vec<u64> {
        let mut next = 0u64;
        self.tensors
            .iter()
            .map(|t| {
                let at = t.offset.unwrap_or(next);
                let end = at.saturating_add(t.data.len() as u64);
                next = end.saturating_add(self.align as u64 - 1) / self.align as u64
                    * self.align as u64;
                at
            })
            .collect()
    }

    /// Offset of tensor info `i` in the built file.
    pub fn tensor_info_offset(&self, i: usize) -> usize {
        let kv: usize = self
            .kvs
            .iter()
            .map(|(k, v)| {
                let mut val = Vec::new();
                v.write(&mut val);
                8 + k.len() + 4 + val.len()
            })
            .sum();
        let infos: usize = self.tensors[..i]
            .iter()
            .map(|t| 8 + t.name.len() + 4 + 8 * t.dims.len() + 4 + 8)
            .sum();
        24 + kv + infos
    }

    pub fn build(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend(b"GGUF");
        out.extend(self.version.to_le_bytes());
        let tc = self.tensor_count.unwrap_or(self.tensors.len() as u64);
        let kc = self.kv_count.unwrap_or(self.kvs.len() as u64);
        out.extend(tc.to_le_bytes());
        out.extend(kc.to_le_bytes());
        for (k, v) in &self.kvs {
            put_str(&mut out, k);
            out.extend(v.type_id().to_le_bytes());
            v.write(&mut out);
        }
        let offsets = self.offsets();
        for (t, off) in self.tensors.iter().zip(&offsets) {
            put_str(&mut out, &t.name);
            out.extend((t.dims.len() as u32).to_le_bytes());
            for d in &t.dims {
                out.extend(d.to_le_bytes());
            }
            out.extend(t.ty.to_le_bytes());
            out.extend(off.to_le_bytes());
        }
        if self.tensors.is_empty() {
            return out;
        }
        out.resize(out.len().next_multiple_of(self.align), 0);
        let data_start = out.len();
        for (t, off) in self.tensors.iter().zip(&offsets) {
            // Data at absurd offsets (out-of-bounds tests) is not written.
            if *off > 1 << 24 {
                continue;
            }
            let at = data_start + *off as usize;
            let end = at + t.data.len();
            if out.len() < end {
                out.resize(end, 0);
            }
            out[at..end].copy_from_slice(&t.data);
        }
        out
    }
}

/// Offset of the first metadata pair.
pub const KV_START: usize = 24;
