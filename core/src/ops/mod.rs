//! Small pure functions on slices: norms, softmax, RoPE, activations, pooling.

pub mod gelu;
pub mod l2norm;
pub mod layernorm;
pub mod pooling;
pub mod rmsnorm;
pub mod rope;
pub mod silu;
pub mod softmax;
pub mod tanh;

pub use gelu::{gelu, gelu_in_place};
pub use l2norm::l2_normalize;
pub use layernorm::layernorm;
pub use pooling::{cls_pool, mean_pool};
pub use rmsnorm::{rmsnorm, rmsnorm_into};
pub use rope::{Rope, RopeLayout};
pub use silu::{silu, swiglu};
pub use softmax::softmax;
pub use tanh::tanh_in_place;
