//! mote on a Raspberry Pi 5 (64-bit Raspberry Pi OS): classify and generate
//! within the board's memory budget. Everything but the board's description
//! lives in `mote-board`.

use std::process::ExitCode;

use mote_board::board::{Board, MIB};

/// Raspberry Pi 5: 4 × Cortex-A76 at 2.4 GHz, ARMv8.2-A with NEON, the
/// dot-product (`sdot`/`udot`, used by the Q8 integer kernels) and fp16
/// arithmetic extensions; 2, 4, 8 or 16 GB RAM (a 1 GB model exists too,
/// the budget leaves room for it). 512 MiB of arena: the f16 KV cache and
/// scratch of a 135M–360M decoder at an 8k context (SmolLM2-135M: 194 MiB).
const BOARD: Board = Board {
    name: "rpi5",
    device: "Raspberry Pi 5 (4 × Cortex-A76), 64-bit Raspberry Pi OS",
    target: "aarch64-unknown-linux-gnu",
    qemu_cpu: "cortex-a76",
    cpu_features: &["neon", "dotprod", "fp16"],
    threads: 4,
    ram_bytes: 2048 * MIB,
    arena_budget_bytes: 512 * MIB,
};

fn main() -> ExitCode {
    mote_board::cli::main(&BOARD)
}
