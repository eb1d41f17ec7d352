//! Parallelism is injected: kernels split work into independent row ranges
//! and hand them to an [`Executor`]. The host runs them on a persistent
//! thread pool; bare metal runs them in a loop.

/// Runs `n` independent jobs, possibly in parallel, and returns when all
/// are done.
pub trait Executor: Sync {
    /// How many jobs can run at once; kernels use it to size their chunks.
    fn threads(&self) -> usize;
    /// Calls `f(i)` once for every `i` in `0..n`.
    fn for_each(&self, n: usize, f: &(dyn Fn(usize) + Sync));
}

/// Runs every job on the calling thread, in order.
#[derive(Clone, Copy, Debug, Default)]
pub struct Serial;

impl Executor for Serial {
    fn threads(&self) -> usize {
        1
    }
    fn for_each(&self, n: usize, f: &(dyn Fn(usize) + Sync)) {
        for i in 0..n {
            f(i);
        }
    }
}
