//! Model configs, memory plans and forward passes.

pub mod kv_cache;
pub mod llama;
pub mod llama_config;
pub mod llama_error;
