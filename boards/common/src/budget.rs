//! The memory budget check: a model runs only if its plan fits the board.

use std::fmt;

use crate::board::{Board, MIB};

/// The memory a board allows for inference.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    /// Bytes available for the arena (scratch + KV cache).
    pub arena_bytes: u64,
    /// The board's RAM, for the warning about weights that cannot stay resident.
    pub ram_bytes: u64,
}

/// A model's plan needs more memory than the board has.
#[derive(Debug, Clone)]
pub struct OverBudget {
    /// The board's name.
    pub board: &'static str,
    /// What was planned (`classification, 8 sentences of up to 256 tokens`).
    pub what: String,
    /// Bytes the plan needs.
    pub need: u64,
    /// Bytes the board allows.
    pub have: u64,
}

impl fmt::Display for OverBudget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "refusing to run on {}: {} needs {:.1} MiB of arena, but the board's budget is {:.1} MiB \
             (use a shorter context or a smaller batch)",
            self.board,
            self.what,
            mib(self.need),
            mib(self.have)
        )
    }
}

impl std::error::Error for OverBudget {}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / MIB as f64
}

impl Budget {
    /// The budget of `board`.
    pub fn of(board: &Board) -> Self {
        Self {
            arena_bytes: board.arena_budget_bytes,
            ram_bytes: board.ram_bytes,
        }
    }

    /// Accepts a plan of `need` bytes, or says why not.
    pub fn check(&self, board: &Board, what: &str, need: u64) -> Result<(), OverBudget> {
        if need <= self.arena_bytes {
            Ok(())
        } else {
            Err(OverBudget {
                board: board.name,
                what: what.to_owned(),
                need,
                have: self.arena_bytes,
            })
        }
    }

    /// Whether the weights (`file_bytes`) and the arena together fit the
    /// board's RAM; when not, inference still works (weights are paged from
    /// the file) but slowly.
    pub fn fits_ram(&self, file_bytes: u64, arena_bytes: u64) -> bool {
        file_bytes.saturating_add(arena_bytes) <= self.ram_bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEST_BOARD: Board = Board {
        name: "test",
        device: "test board",
        target: "none",
        qemu_cpu: "max",
        cpu_features: &[],
        threads: 1,
        ram_bytes: 64 * MIB,
        arena_budget_bytes: 16 * MIB,
    };

    #[test]
    fn plans_up_to_the_budget_fit_and_larger_ones_are_refused_with_numbers() {
        let b = Budget::of(&TEST_BOARD);
        assert!(b.check(&TEST_BOARD, "x", 16 * MIB).is_ok());
        let err = b.check(
            &TEST_BOARD,
            "generation with 4096 tokens of context",
            16 * MIB + 1,
        );
        let msg = err
            .map(|()| String::new())
            .unwrap_or_else(|e| e.to_string());
        assert!(msg.contains("refusing to run on test"), "{msg}");
        assert!(msg.contains("4096 tokens"), "{msg}");
        assert!(msg.contains("16.0 MiB"), "{msg}");
    }

    #[test]
    fn ram_check_counts_weights_and_arena() {
        let b = Budget::of(&TEST_BOARD);
        assert!(b.fits_ram(48 * MIB, 16 * MIB));
        assert!(!b.fits_ram(48 * MIB, 16 * MIB + 1));
        assert!(!b.fits_ram(u64::MAX, 1));
    }
}
