//! `classify` and `generate` on a board: plan, check the budget, run.

use anyhow::bail;

use crate::board::Board;
use crate::budget::Budget;
use crate::cli::{ClassifyArgs, GenerateArgs};

/// Classifies each stdin line.
pub fn classify(board: &Board, _budget: &Budget, args: ClassifyArgs) -> anyhow::Result<()> {
    let _model = mote_host::mmap::Mapped::open(&args.model)?;
    bail!(
        "{}: classification needs mote-core's BERT model, not merged yet",
        board.name
    )
}

/// Generates text from a prompt.
pub fn generate(board: &Board, _budget: &Budget, args: GenerateArgs) -> anyhow::Result<()> {
    let _model = mote_host::mmap::Mapped::open(&args.model)?;
    bail!(
        "{}: generation needs mote-core's LLaMA model, not merged yet",
        board.name
    )
}
