//! The console: the PL011 UART0 of the BCM2837, at 0x3F20_1000.
//!
//! QEMU's raspi3b connects it to `-serial`. On a real Pi 3 UART0 drives
//! Bluetooth unless `dtoverlay=disable-bt` is in config.txt (the README's SD
//! card setup); the firmware then routes GPIO 14/15 to it, and
//! `init_uart_clock=48000000` fixes the clock the baud divisor below assumes.

use core::fmt;
use core::ptr::{read_volatile, write_volatile};

const BASE: usize = 0x3F20_1000;
const DR: usize = 0x00;
const FR: usize = 0x18;
const IBRD: usize = 0x24;
const FBRD: usize = 0x28;
const LCRH: usize = 0x2C;
const CR: usize = 0x30;
const ICR: usize = 0x44;
/// FR.TXFF: the transmit FIFO is full.
const FR_TXFF: u32 = 1 << 5;
/// FR.BUSY: still shifting bits out.
const FR_BUSY: u32 = 1 << 3;

fn write_reg(offset: usize, value: u32) {
    // SAFETY: BASE + offset is one of the PL011's 32-bit registers (offsets
    // above), mapped as device memory by `mmu::enable` (or accessed with the
    // MMU off, where every access is device memory). Only core 0 runs, so
    // nothing else touches the UART.
    unsafe { write_volatile((BASE + offset) as *mut u32, value) }
}

fn read_reg(offset: usize) -> u32 {
    // SAFETY: as in `write_reg`; reading FR has no side effects.
    unsafe { read_volatile((BASE + offset) as *const u32) }
}

/// Sets 115200 baud 8N1 with FIFOs, transmit and receive on.
pub fn init() {
    write_reg(CR, 0);
    write_reg(ICR, 0x7FF);
    // 48 MHz / (16 × 115200) = 26.0417: integer 26, fraction 0.0417 × 64 ≈ 3.
    write_reg(IBRD, 26);
    write_reg(FBRD, 3);
    write_reg(LCRH, (3 << 5) | (1 << 4)); // WLEN = 8 bits, FEN
    write_reg(CR, (1 << 0) | (1 << 8) | (1 << 9)); // UARTEN, TXE, RXE
}

/// Sends one byte, waiting while the FIFO is full.
pub fn write_byte(b: u8) {
    while read_reg(FR) & FR_TXFF != 0 {}
    write_reg(DR, u32::from(b));
}

/// Waits until every byte has left the UART (before exiting).
pub fn flush() {
    while read_reg(FR) & FR_BUSY != 0 {}
}

/// `core::fmt` on the UART, with `\n` sent as `\r\n` for terminals.
pub struct Console;

impl fmt::Write for Console {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for b in s.bytes() {
            if b == b'\n' {
                write_byte(b'\r');
            }
            write_byte(b);
        }
        Ok(())
    }
}

/// `print!` to the UART.
#[macro_export]
macro_rules! print {
    ($($arg:tt)*) => {{
        let _ = core::fmt::Write::write_fmt(&mut $crate::uart::Console, format_args!($($arg)*));
    }};
}

/// `println!` to the UART.
#[macro_export]
macro_rules! println {
    () => { $crate::print!("\n") };
    ($($arg:tt)*) => {{
        $crate::print!($($arg)*);
        $crate::print!("\n");
    }};
}
