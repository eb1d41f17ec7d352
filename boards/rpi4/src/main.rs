//! mote on a Raspberry Pi 4 (64-bit Raspberry Pi OS): classify and generate
//! within the board's memory budget. Everything but the board's description
//! lives in `mote-board`.

use std::process::ExitCode;

use mote_board::board::{Board, MIB};

/// Raspberry Pi 4 Model B: 4 × Cortex-A72 at 1.5–1.8 GHz, ARMv8.0-A with NEON
/// but no dot-product or fp16 arithmetic instructions; 1, 2, 4 or 8 GB RAM.
/// The budget is sized for the 1 GB model: about 600 MB are free after
/// booting Raspberry Pi OS Lite, the weights are paged from the mapped file,
/// and 256 MiB of arena holds SmolLM2-135M at its full 8192-token context
/// (f16 KV cache: 30 layers × 2 × 192 values × 2 bytes = 22.5 KiB per token;
/// the whole plan is 194 MiB) or MiniLM at any input length.
const BOARD: Board = Board {
    name: "rpi4",
    device: "Raspberry Pi 4 (4 × Cortex-A72), 64-bit Raspberry Pi OS",
    target: "aarch64-unknown-linux-gnu",
    qemu_cpu: "cortex-a72",
    cpu_features: &["neon"],
    threads: 4,
    ram_bytes: 1024 * MIB,
    arena_budget_bytes: 256 * MIB,
};

fn main() -> ExitCode {
    mote_board::cli::main(&BOARD)
}
