//! The MMU: an identity map of the low 4 GiB with caches on.
//!
//! With the MMU off every data access is Device-nGnRnE: an unaligned load or
//! a NEON access that the kernels make on tensor data faults, and nothing is
//! cached. So before any model code runs we map (VA = PA, 4 KiB granule,
//! 32-bit address space starting at level 1):
//!
//! | range                     | what                          | memory type           |
//! |---------------------------|-------------------------------|-----------------------|
//! | 0x0000_0000..0x3F00_0000  | RAM (image, model, arena)     | normal, write-back    |
//! | 0x3F00_0000..0x4000_0000  | BCM2837 peripherals (UART...) | device nGnRE, no exec |
//! | 0x4000_0000..0x8000_0000  | ARM local peripherals         | device nGnRE, no exec |
//! | 0x8000_0000..             | nothing                       | unmapped              |
//!
//! The first GiB uses a level-2 table of 2 MiB blocks so the peripheral window
//! can differ from RAM; the second GiB is one level-1 block.

use core::arch::asm;
use core::cell::UnsafeCell;

/// One translation table: 512 descriptors, aligned to its size.
#[repr(C, align(4096))]
struct Table(UnsafeCell<[u64; 512]>);

// SAFETY: the tables are written once by `enable`, on core 0, before the MMU
// reads them; nothing else ever touches them.
unsafe impl Sync for Table {}

static L1: Table = Table(UnsafeCell::new([0; 512]));
static L2_FIRST_GIB: Table = Table(UnsafeCell::new([0; 512]));

const PERIPHERALS: u64 = 0x3F00_0000;
const BLOCK_2M: u64 = 2 << 20;
const BLOCK_1G: u64 = 1 << 30;

/// MAIR_EL1 attribute indexes.
const ATTR_NORMAL: u64 = 0; // 0xFF: normal, inner/outer write-back read/write-allocate
const ATTR_DEVICE: u64 = 1; // 0x04: Device-nGnRE
const MAIR: u64 = 0xFF | (0x04 << 8);

// Descriptor bits.
const VALID_BLOCK: u64 = 0b01;
const VALID_TABLE: u64 = 0b11;
const AF: u64 = 1 << 10; // access flag (no access-flag faults)
const SH_INNER: u64 = 3 << 8;
const PXN: u64 = 1 << 53;
const UXN: u64 = 1 << 54;

const fn block(pa: u64, attr: u64) -> u64 {
    let kind = if attr == ATTR_DEVICE {
        PXN | UXN
    } else {
        SH_INNER
    };
    pa | VALID_BLOCK | AF | (attr << 2) | kind
}

/// Builds the tables and turns on the MMU, data and instruction caches at EL1.
pub fn enable() {
    let l1 = L1.0.get();
    let l2 = L2_FIRST_GIB.0.get();
    // SAFETY: `l1`/`l2` point to the statics above, which no one else reads
    // or writes (single core, called once at boot before the MMU uses them).
    // The stores are aligned u64 stores, fine with the MMU off.
    unsafe {
        for i in 0..512u64 {
            let pa = i * BLOCK_2M;
            let attr = if pa >= PERIPHERALS {
                ATTR_DEVICE
            } else {
                ATTR_NORMAL
            };
            (*l2)[i as usize] = block(pa, attr);
        }
        (*l1)[0] = (l2 as u64) | VALID_TABLE;
        (*l1)[1] = block(BLOCK_1G, ATTR_DEVICE);
    }
    // TCR_EL1: T0SZ = 32 (4 GiB), table walks inner-shareable write-back,
    // 4 KiB granule, no TTBR1 walks (EPD1), 32-bit physical addresses.
    let tcr: u64 = 32 | (1 << 8) | (1 << 10) | (3 << 12) | (1 << 23);
    // SAFETY: standard MMU bring-up at EL1: the tables map the code being
    // executed at its own address (identity map) with the same attributes the
    // rest of the program expects, so execution continues seamlessly after
    // SCTLR_EL1.M is set. The barriers order the table stores before the walks
    // and the register writes before the next instruction fetch.
    unsafe {
        asm!(
            "dsb ish",
            "msr mair_el1, {mair}",
            "msr tcr_el1, {tcr}",
            "msr ttbr0_el1, {ttbr0}",
            "isb",
            "tlbi vmalle1",
            "dsb ish",
            "isb",
            "mrs {tmp}, sctlr_el1",
            "orr {tmp}, {tmp}, #(1 << 0)",   // M: MMU on
            "orr {tmp}, {tmp}, #(1 << 2)",   // C: data cache on
            "orr {tmp}, {tmp}, #(1 << 12)",  // I: instruction cache on
            "bic {tmp}, {tmp}, #(1 << 1)",   // A: no alignment faults in normal memory
            "msr sctlr_el1, {tmp}",
            "isb",
            mair = in(reg) MAIR,
            tcr = in(reg) tcr,
            ttbr0 = in(reg) l1 as u64,
            tmp = out(reg) _,
            options(nostack),
        );
    }
}
