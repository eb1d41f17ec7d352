//! Model configs, memory plans and forward passes.

pub mod bert;
pub mod bert_config;
pub mod kv_cache;
pub mod llama;
pub mod llama_config;
pub mod llama_error;

pub use bert::{Bert, Plan};
pub use bert_config::{BertConfig, Pooling};
