//! Boot: from the reset vector to `rust_start` on core 0, at EL1, with a
//! stack, FP/SIMD enabled and `.bss` zeroed.
//!
//! The firmware (or QEMU) may enter at EL3 (no armstub), EL2 (the Pi
//! firmware's default armstub) or EL1; we step down one level at a time so
//! the rest of the program runs at EL1 with the EL1 MMU, as an OS kernel
//! would. Secondary cores, if they enter here at all (QEMU's raspi3b starts
//! every core at an ELF's entry), sleep forever in `wfi`: mote's
//! bare-metal executor is single-core.

use core::arch::global_asm;

// The reset path in assembly: no Rust code may run before CPACR_EL1 enables
// FP/SIMD (the aarch64-unknown-none target uses NEON registers freely), and
// none before a stack exists.
global_asm!(
    r#"
    .section .text.boot, "ax"
    .global _start
_start:
    // Park every core but core 0 (MPIDR_EL1.Aff0).
    mrs     x0, mpidr_el1
    and     x0, x0, #0xff
    cbz     x0, 2f
1:  wfi                             // wfi, not wfe: QEMU really halts a vCPU in
    b       1b                      // wfi, while wfe only yields (spins the host)

2:  // Remember the reset EL for rust_start (x20 is untouched until then).
    mrs     x20, CurrentEL
    ubfx    x20, x20, #2, #2
    // EL3 -> EL2: non-secure, EL2 uses AArch64, HVC on, SMC off.
    mrs     x0, CurrentEL
    ubfx    x0, x0, #2, #2
    cmp     x0, #3
    b.ne    3f
    mov     x1, #0x5b1              // SCR_EL3: RW | HCE | SMD | RES1(5:4) | NS
    msr     scr_el3, x1
    mov     x1, #0x3c9              // SPSR_EL3: EL2h, D A I F masked
    msr     spsr_el3, x1
    adr     x1, 3f
    msr     elr_el3, x1
    eret

3:  // EL2 -> EL1: EL1 is AArch64, no FP traps, timer visible to EL1.
    mrs     x0, CurrentEL
    ubfx    x0, x0, #2, #2
    cmp     x0, #2
    b.ne    4f
    mov     x1, #(1 << 31)          // HCR_EL2.RW
    msr     hcr_el2, x1
    mov     x1, #0x33ff             // CPTR_EL2: RES1 bits, TFP = 0
    msr     cptr_el2, x1
    mov     x1, #3                  // CNTHCTL_EL2: EL1PCEN | EL1PCTEN
    msr     cnthctl_el2, x1
    msr     cntvoff_el2, xzr
    ldr     x1, =0x30d00800         // SCTLR_EL1: RES1 bits only (MMU, caches off)
    msr     sctlr_el1, x1
    mov     x1, #0x3c5              // SPSR_EL2: EL1h, D A I F masked
    msr     spsr_el2, x1
    adr     x1, 4f
    msr     elr_el2, x1
    eret

4:  // EL1: stack, exception vectors, FP/SIMD, .bss.
    ldr     x1, =__stack_top
    mov     sp, x1
    ldr     x1, =exception_vectors
    msr     vbar_el1, x1
    mov     x1, #(3 << 20)          // CPACR_EL1.FPEN = 0b11: no FP/SIMD traps
    msr     cpacr_el1, x1
    isb
    ldr     x1, =__bss_start        // 16-byte aligned by link.x
    ldr     x2, =__bss_end
5:  cmp     x1, x2
    b.hs    6f
    stp     xzr, xzr, [x1], #16
    b       5b
6:  mov     x0, x20                 // rust_start(reset_el)
    bl      rust_start
7:  wfe
    b       7b

    // EL1 exception vectors: 16 entries of 128 bytes (current EL with SP0,
    // current EL with SPx, lower EL AArch64, lower EL AArch32; each sync,
    // IRQ, FIQ, SError). mote enables no interrupts, so any entry is a fault:
    // report it (entry, ESR, ELR, FAR) and stop.
    .section .text.vectors, "ax"
    .balign 2048
exception_vectors:
    .set entry, 0
    .rept 16
    .balign 128
    mov     x0, #entry
    mrs     x1, esr_el1
    mrs     x2, elr_el1
    mrs     x3, far_el1
    b       exception
    .set entry, entry + 1
    .endr
"#
);

/// Reached from the vector table on any exception: a fault (bad access,
/// undefined instruction) or an unexpected interrupt. Prints the syndrome
/// and ends the run with status 2.
#[no_mangle]
extern "C" fn exception(entry: u64, esr: u64, elr: u64, far: u64) -> ! {
    crate::println!(
        "exception: vector entry {entry}, ESR_EL1 {esr:#x} (class {:#x}), ELR_EL1 {elr:#x}, FAR_EL1 {far:#x}",
        esr >> 26
    );
    crate::uart::flush();
    crate::semihosting::exit(2)
}

/// The exception level the program runs at (1 after `_start`).
pub fn current_el() -> u64 {
    let el: u64;
    // SAFETY: reading CurrentEL has no side effects and is allowed at EL1.
    unsafe { core::arch::asm!("mrs {}, CurrentEL", out(reg) el, options(nomem, nostack)) };
    (el >> 2) & 3
}
