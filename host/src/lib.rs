//! mote on a desktop: memory mapping, the thread pool, the GGUF writer and
//! the converters behind the `mote` CLI.
//!
//! `unsafe` lives only in the memory map and the thread pool, each block
//! with a `// SAFETY:` comment.
#![deny(unsafe_op_in_unsafe_fn, clippy::undocumented_unsafe_blocks)]

pub mod cli;
pub mod convert;
pub mod gguf_writer;
pub mod mmap;
pub mod pool;
