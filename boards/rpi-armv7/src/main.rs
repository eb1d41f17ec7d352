//! mote on a Raspberry Pi under 32-bit Raspberry Pi OS (armhf): classify and
//! generate within the board's memory budget. Everything but the board's
//! description lives in `mote-board`.

use std::process::ExitCode;

use mote_board::board::{Board, MIB};

/// A Raspberry Pi 2/3/4 running 32-bit Raspberry Pi OS: ARMv7-A userland,
/// 4 cores, 1 GB RAM on the boards this targets, and a 3 GB user address
/// space, so the mapped weights plus the arena must stay well under that:
/// 128 MiB of arena runs SmolLM2-135M up to a ~5k-token context (the full
/// 8192 needs 194 MiB and is refused) and MiniLM at any input length.
///
/// Kernels: the portable scalar ones. Rust's `armv7-unknown-linux-gnueabihf`
/// target does not enable NEON by default (Pi 1/Zero-class VFPv3-D16 cores
/// run the same distribution), and the 32-bit ARM NEON intrinsics in
/// `core::arch::arm` are still unstable, so no NEON kernel is compiled; this
/// board is where 32-bit `usize` arithmetic in the GGUF reader and the
/// planner is exercised.
const BOARD: Board = Board {
    name: "rpi-armv7",
    device: "Raspberry Pi 2/3/4, 32-bit Raspberry Pi OS (armhf)",
    target: "armv7-unknown-linux-gnueabihf",
    qemu_cpu: "cortex-a15",
    cpu_features: &[],
    threads: 4,
    ram_bytes: 1024 * MIB,
    arena_budget_bytes: 128 * MIB,
};

fn main() -> ExitCode {
    mote_board::cli::main(&BOARD)
}
