//! mote on a desktop: memory mapping, the thread pool, the GGUF writer and
//! the converters behind the `mote` CLI.

pub mod cli;
pub mod gguf_writer;
pub mod mmap;
pub mod pool;
