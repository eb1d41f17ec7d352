//! Model configs, memory plans and forward passes.
