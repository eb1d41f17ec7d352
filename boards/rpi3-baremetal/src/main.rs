//! mote with no OS on a Raspberry Pi 3B (QEMU `-M raspi3b`).
//!
//! Boots (boot.rs), maps memory and turns caches on (mmu.rs), says hello on
//! the PL011 UART (uart.rs), then classifies a few sentences with the MiniLM
//! intent GGUF that the loader placed in RAM (model_blob.rs, classify.rs),
//! reading the weights in place, with a `static` arena. Ends through
//! semihosting with status 0 on success (semihosting.rs).
#![no_std]
#![no_main]
#![deny(unsafe_op_in_unsafe_fn, clippy::undocumented_unsafe_blocks)]

mod arena;
mod boot;
mod classify;
mod clock;
#[macro_use]
mod log;
mod mmu;
mod model_blob;
mod semihosting;
mod uart;

use core::panic::PanicInfo;

/// Called by boot.rs on core 0 at EL1 with a stack and FP/SIMD on;
/// `reset_el` is the exception level the core came out of reset in.
#[no_mangle]
extern "C" fn rust_start(reset_el: u64) -> ! {
    mmu::enable();
    uart::init();
    println!(
        "hello from mote on bare-metal Raspberry Pi 3B (entered at EL{reset_el}, running at EL{}, MMU and caches on)",
        boot::current_el()
    );
    info!("mote bare-metal: booted at EL{=u64}", reset_el);
    println!("kernels: {}", mote_core::kernels::table().isa.name());
    let start = clock::ticks();
    let status = run();
    println!(
        "done in {} ms, status {status}",
        clock::millis(start, clock::ticks())
    );
    uart::flush();
    semihosting::exit(status)
}

/// The program proper; returns the exit status.
fn run() -> u32 {
    match model_blob::find() {
        None => {
            println!(
                "no model loaded at {:#x}: nothing to classify",
                model_blob::HEADER_ADDR
            );
            0
        }
        Some(bytes) => {
            println!(
                "GGUF: {} bytes at {:#x}, read in place",
                bytes.len(),
                bytes.as_ptr() as usize
            );
            match arena::take() {
                Some(arena) => classify::run(bytes, arena),
                None => 1,
            }
        }
    }
}

#[panic_handler]
fn panic(info: &PanicInfo) -> ! {
    println!("panic: {info}");
    uart::flush();
    semihosting::exit(101)
}
