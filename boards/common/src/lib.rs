//! What the Linux board binaries share.
//!
//! Each board crate (`boards/rpi4`, `boards/rpi5`, `boards/rpi-armv7`) is a
//! `main.rs` holding one [`Board`] constant — its CPU, core count and memory
//! budget — and a call to [`cli::main`]. Everything else lives here, once:
//! checking the running CPU against the board, refusing a model whose memory
//! plan does not fit the board's budget, and the `classify` / `generate`
//! commands over `mote-core`.

pub mod board;
pub mod budget;
pub mod cli;
pub mod cpu;
pub mod run;

pub use board::Board;
pub use budget::{Budget, OverBudget};
