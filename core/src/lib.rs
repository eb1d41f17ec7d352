//! mote-core: quantized transformer inference for small machines.
//!
//! Everything here is `#![no_std]` and allocation-free in inference:
//! GGUF files are read in place from a `&[u8]`, weights stay where they
//! are mapped, and scratch memory comes from a caller-provided arena whose
//! size the model's plan states up front.
#![no_std]
#![deny(unsafe_op_in_unsafe_fn, clippy::undocumented_unsafe_blocks)]
#![warn(missing_docs)]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod arena;
pub mod exec;
pub mod ggml_type;
pub mod gguf;
pub mod kernels;
pub mod model;
pub mod ops;
pub mod quant;
pub mod sample;
pub mod tokenizer;

pub use ggml_type::GgmlType;
