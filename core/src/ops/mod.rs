//! Small pure functions on slices: norms, softmax, RoPE, activations, pooling.
