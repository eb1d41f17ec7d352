//! `--type`: the storage format of the converted weight matrices, and the
//! `general.file_type` value llama.cpp records for it (`LlamaFileType`).

use mote_core::GgmlType;

/// Storage format of the 2-D weight matrices; everything else stays F32.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum OutType {
    /// 32-bit floats: exact.
    F32,
    /// IEEE half precision.
    F16,
    /// bfloat16.
    Bf16,
    /// 8-bit blocks of 32 with an f16 scale (8.5 bits per weight).
    #[value(name = "q8_0")]
    Q8_0,
    /// 4-bit blocks of 32 with an f16 scale (4.5 bits per weight).
    #[value(name = "q4_0")]
    Q4_0,
    /// 4-bit blocks of 32 with f16 scale and minimum (5 bits per weight).
    #[value(name = "q4_1")]
    Q4_1,
}

impl OutType {
    /// The ggml type weight matrices get.
    pub fn ggml_type(self) -> GgmlType {
        match self {
            OutType::F32 => GgmlType::F32,
            OutType::F16 => GgmlType::F16,
            OutType::Bf16 => GgmlType::BF16,
            OutType::Q8_0 => GgmlType::Q8_0,
            OutType::Q4_0 => GgmlType::Q4_0,
            OutType::Q4_1 => GgmlType::Q4_1,
        }
    }

    /// `general.file_type`: llama.cpp's `LlamaFileType` (gguf-py constants).
    pub fn file_type(self) -> u32 {
        match self {
            OutType::F32 => 0,
            OutType::F16 => 1,
            OutType::Q4_0 => 2,
            OutType::Q4_1 => 3,
            OutType::Q8_0 => 7,
            OutType::Bf16 => 32,
        }
    }
}
