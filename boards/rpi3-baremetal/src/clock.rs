//! Elapsed time from the generic timer (CNTPCT_EL0 / CNTFRQ_EL0).

use core::arch::asm;

/// The counter's current value, in ticks.
pub fn ticks() -> u64 {
    let t: u64;
    // SAFETY: reading the physical counter has no side effects; EL1 access is
    // enabled (CNTHCTL_EL2.EL1PCTEN, set in boot.rs when we came from EL2).
    unsafe { asm!("isb", "mrs {}, cntpct_el0", out(reg) t, options(nomem, nostack)) };
    t
}

/// Milliseconds between two `ticks()` readings.
pub fn millis(start: u64, end: u64) -> u64 {
    let freq: u64;
    // SAFETY: reading the counter frequency has no side effects.
    unsafe { asm!("mrs {}, cntfrq_el0", out(reg) freq, options(nomem, nostack)) };
    end.wrapping_sub(start).saturating_mul(1000) / freq.max(1)
}
