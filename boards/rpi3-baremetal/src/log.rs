//! Logging: `info!`/`warn!` go to defmt with the `defmt` feature and vanish
//! without it. The console (uart.rs) stays plain text either way: it is what a
//! person, and tools/cross-test, read.
//!
//! Transport: defmt frames are binary (rzCOBS-encoded), so they do not share
//! the UART with the console. Under QEMU they go through semihosting into the
//! host file `defmt.bin` in QEMU's working directory, decoded with
//! `defmt-print -e <elf> < defmt.bin` (`cargo install defmt-print`). On a
//! real Pi without a debugger there is no semihosting host: the `hlt`
//! would fault, so build without the feature there (README.md).

/// Logs at info level (defmt only).
#[macro_export]
macro_rules! info {
    ($($arg:tt)*) => {{
        #[cfg(feature = "defmt")]
        defmt::info!($($arg)*);
    }};
}

#[cfg(feature = "defmt")]
mod semihosting_logger {
    use core::cell::UnsafeCell;
    use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};

    use crate::semihosting::{call, SYS_OPEN, SYS_WRITE};

    /// The host file frames are written to (NUL-terminated for SYS_OPEN).
    const FILE: &[u8] = b"defmt.bin\0";
    /// SYS_OPEN mode 5: "wb".
    const MODE_WB: u64 = 5;
    /// Not opened yet.
    const NO_HANDLE: u64 = u64::MAX;

    static TAKEN: AtomicBool = AtomicBool::new(false);
    static HANDLE: AtomicU64 = AtomicU64::new(NO_HANDLE);

    struct EncoderCell(UnsafeCell<defmt::Encoder>);
    // SAFETY: the encoder is only touched between `acquire` and `release`,
    // which `TAKEN` makes exclusive (and only core 0 runs, without interrupts).
    unsafe impl Sync for EncoderCell {}
    static ENCODER: EncoderCell = EncoderCell(UnsafeCell::new(defmt::Encoder::new()));

    fn write_host(bytes: &[u8]) {
        let mut handle = HANDLE.load(Ordering::Relaxed);
        if handle == NO_HANDLE {
            handle = call(
                SYS_OPEN,
                &[FILE.as_ptr() as u64, MODE_WB, (FILE.len() - 1) as u64],
            );
            HANDLE.store(handle, Ordering::Relaxed);
        }
        if handle != u64::MAX {
            // Best effort: defmt's `write` must not fail.
            call(
                SYS_WRITE,
                &[handle, bytes.as_ptr() as u64, bytes.len() as u64],
            );
        }
    }

    #[defmt::global_logger]
    struct Logger;

    // SAFETY: `acquire` makes the logger exclusive (TAKEN) until `release`, as
    // defmt requires; a nested acquire (logging from a panic inside logging)
    // is the only failure and it panics, as the trait's contract says.
    unsafe impl defmt::Logger for Logger {
        fn acquire() {
            if TAKEN.swap(true, Ordering::Acquire) {
                panic!("defmt logger taken reentrantly");
            }
            // SAFETY: we hold the logger (TAKEN), so no other reference exists.
            unsafe { (*ENCODER.0.get()).start_frame(write_host) }
        }

        unsafe fn flush() {}

        unsafe fn release() {
            // SAFETY: called after `acquire` (defmt's contract), so we hold the logger.
            unsafe { (*ENCODER.0.get()).end_frame(write_host) };
            TAKEN.store(false, Ordering::Release);
        }

        unsafe fn write(bytes: &[u8]) {
            // SAFETY: called between `acquire` and `release` (defmt's contract).
            unsafe { (*ENCODER.0.get()).write(bytes, write_host) }
        }
    }
}
