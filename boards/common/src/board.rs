//! The description of one board: what is fixed by the hardware.

/// A board mote is built for: the CPU it has, how many cores, and how much RAM
/// inference may take for its arena (scratch + KV cache).
#[derive(Debug, Clone, Copy)]
pub struct Board {
    /// Short name, as the binary is called (`rpi4`).
    pub name: &'static str,
    /// Human-readable device and OS (`Raspberry Pi 4 (Cortex-A72), 64-bit Raspberry Pi OS`).
    pub device: &'static str,
    /// The Rust target triple the board binary is built for.
    pub target: &'static str,
    /// The QEMU CPU model that emulates this board's core (`qemu-aarch64 -cpu ...`).
    pub qemu_cpu: &'static str,
    /// CPU features the board has that mote's kernels use (as
    /// `std::arch::is_aarch64_feature_detected!` names them); checked at start.
    pub cpu_features: &'static [&'static str],
    /// Worker threads: the board's core count.
    pub threads: usize,
    /// RAM of the smallest model of the board, in bytes.
    pub ram_bytes: u64,
    /// The most memory inference may take for its arena (activations, scratch
    /// and KV cache), in bytes. Weights are memory-mapped and not counted here:
    /// the kernel pages them in and out of the page cache as needed.
    pub arena_budget_bytes: u64,
}

/// One mebibyte.
pub const MIB: u64 = 1024 * 1024;
