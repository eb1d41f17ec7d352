//! Arm semihosting: the debugger (here QEMU with `-semihosting`) services
//! `hlt #0xf000`. Used to end the run with an exit status, and for defmt's
//! log file.

use core::arch::asm;

/// SYS_OPEN: open a host file; parameters [name, mode, name length].
#[cfg(feature = "defmt")]
pub const SYS_OPEN: u64 = 0x01;
/// SYS_WRITE: write to a host file; parameters [handle, data, length].
#[cfg(feature = "defmt")]
pub const SYS_WRITE: u64 = 0x05;
/// SYS_EXIT.
const SYS_EXIT: u64 = 0x18;
/// ADP_Stopped_ApplicationExit: "the program ended", with a status.
const ADP_STOPPED_APPLICATION_EXIT: u64 = 0x20026;

/// Performs semihosting call `op` with parameter block `args`; returns x0.
pub fn call(op: u64, args: &[u64]) -> u64 {
    let ret: u64;
    // SAFETY: `hlt #0xf000` traps to QEMU's semihosting handler, which reads
    // the parameter block at x1 (`args`, alive and unaliased for the call)
    // and writes only x0. Without `-semihosting` it is an undefined
    // instruction: the runners and tools/cross-test always pass it.
    unsafe {
        asm!("hlt #0xf000", inout("x0") op => ret, in("x1") args.as_ptr(), options(nostack));
    }
    ret
}

/// Ends the emulation with `status` as QEMU's exit code (with the
/// `semihosting` feature; without it, on a real board, just sleeps).
pub fn exit(status: u32) -> ! {
    if cfg!(feature = "semihosting") {
        call(SYS_EXIT, &[ADP_STOPPED_APPLICATION_EXIT, u64::from(status)]);
    }
    // Reached on a real board, or if the host ignored SYS_EXIT: sleep.
    loop {
        // SAFETY: `wfe` only waits for an event.
        unsafe { asm!("wfe", options(nomem, nostack)) };
    }
}
