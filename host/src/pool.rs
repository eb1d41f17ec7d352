//! A persistent thread pool implementing [`Executor`]: workers are spawned
//! once, spin briefly and then park on a condition variable between calls,
//! and the calling thread takes jobs too. A call hands out job indices
//! from one atomic counter, so uneven jobs balance themselves.

use std::cell::Cell;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;

use mote_core::exec::Executor;

/// A job function with its borrow's lifetime erased (see [`ThreadPool::for_each`]).
type Job = dyn Fn(usize) + Sync;

/// Spins (with a pause hint) this many times waiting for work or for the
/// other threads to finish before blocking: tens of microseconds, enough to
/// bridge the gaps between the mat-muls of one forward pass.
const SPIN: u32 = 2_000;

/// What the workers are to run now.
#[derive(Clone, Copy)]
struct Task {
    f: *const Job,
    n: usize,
}

// SAFETY: the pointee is `Sync` (`Job: Sync`), and `for_each` keeps it alive
// until every worker is done with it, so sending the pointer is sound.
unsafe impl Send for Task {}

struct Control {
    task: Option<Task>,
    shutdown: bool,
}

struct Shared {
    control: Mutex<Control>,
    wake: Condvar,
    /// Bumped for every call; workers compare it to notice new work.
    generation: AtomicU64,
    /// The next job index to hand out.
    next: AtomicUsize,
    /// Workers that have not yet finished the current call.
    pending: AtomicUsize,
    done_lock: Mutex<()>,
    done: Condvar,
    /// A worker's job panicked during the current call.
    panicked: Mutex<Option<Box<dyn std::any::Any + Send>>>,
}

thread_local! {
    /// Set on pool workers and on a thread inside `for_each`: nested calls
    /// then run inline instead of deadlocking on the busy pool.
    static IN_POOL: Cell<bool> = const { Cell::new(false) };
}

/// A fixed set of worker threads; `threads()` counts the caller too.
pub struct ThreadPool {
    shared: Arc<Shared>,
    workers: Vec<JoinHandle<()>>,
    /// Serializes calls from different threads.
    call: Mutex<()>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl ThreadPool {
    /// A pool running jobs on `threads` threads in total: the caller plus
    /// `threads − 1` workers (`0` is taken as 1).
    pub fn new(threads: usize) -> std::io::Result<Self> {
        let shared = Arc::new(Shared {
            control: Mutex::new(Control {
                task: None,
                shutdown: false,
            }),
            wake: Condvar::new(),
            generation: AtomicU64::new(0),
            next: AtomicUsize::new(0),
            pending: AtomicUsize::new(0),
            done_lock: Mutex::new(()),
            done: Condvar::new(),
            panicked: Mutex::new(None),
        });
        let mut workers = Vec::new();
        for i in 1..threads.max(1) {
            let s = Arc::clone(&shared);
            workers.push(
                std::thread::Builder::new()
                    .name(format!("mote-worker-{i}"))
                    .spawn(move || worker(&s))?,
            );
        }
        Ok(ThreadPool {
            shared,
            workers,
            call: Mutex::new(()),
        })
    }

    /// A pool with one thread per available CPU.
    pub fn with_available_parallelism() -> std::io::Result<Self> {
        Self::new(std::thread::available_parallelism().map_or(1, |n| n.get()))
    }
}

/// Runs job indices from `next` until they run out.
fn claim(shared: &Shared, f: &(dyn Fn(usize) + Sync + '_), n: usize) {
    loop {
        let i = shared.next.fetch_add(1, Ordering::Relaxed);
        if i >= n {
            return;
        }
        f(i);
    }
}

fn worker(shared: &Shared) {
    IN_POOL.with(|c| c.set(true));
    let mut seen = 0u64;
    loop {
        let mut spins = 0;
        while shared.generation.load(Ordering::Acquire) == seen && spins < SPIN {
            std::hint::spin_loop();
            spins += 1;
        }
        let task = {
            let mut c = lock(&shared.control);
            while shared.generation.load(Ordering::Acquire) == seen && !c.shutdown {
                c = shared.wake.wait(c).unwrap_or_else(PoisonError::into_inner);
            }
            if c.shutdown {
                return;
            }
            seen = shared.generation.load(Ordering::Acquire);
            c.task
        };
        if let Some(t) = task {
            // SAFETY: `for_each` published this pointer from a live
            // reference and does not return before `pending` reaches zero,
            // which happens only after this use.
            let f = unsafe { &*t.f };
            if let Err(p) = catch_unwind(AssertUnwindSafe(|| claim(shared, f, t.n))) {
                *lock(&shared.panicked) = Some(p);
                // Let the others stop early.
                shared.next.store(usize::MAX / 2, Ordering::Relaxed);
            }
        }
        if shared.pending.fetch_sub(1, Ordering::AcqRel) == 1 {
            let _g = lock(&shared.done_lock);
            shared.done.notify_all();
        }
    }
}

impl Executor for ThreadPool {
    fn threads(&self) -> usize {
        self.workers.len() + 1
    }

    fn for_each(&self, n: usize, f: &(dyn Fn(usize) + Sync)) {
        if n == 0 {
            return;
        }
        if n == 1 || self.workers.is_empty() || IN_POOL.with(|c| c.get()) {
            (0..n).for_each(f);
            return;
        }
        let _call = lock(&self.call);
        let s = &*self.shared;
        // SAFETY: only the lifetime is erased. Workers reach `f` only
        // between the publication below and their `pending` decrement, and
        // this function waits for `pending == 0` before returning or
        // unwinding (the caller's own panics are caught until then).
        let erased: *const Job =
            unsafe { std::mem::transmute::<&(dyn Fn(usize) + Sync + '_), &'static Job>(f) };
        s.next.store(0, Ordering::Relaxed);
        s.pending.store(self.workers.len(), Ordering::Relaxed);
        {
            let mut c = lock(&s.control);
            c.task = Some(Task { f: erased, n });
            s.generation.fetch_add(1, Ordering::Release);
        }
        s.wake.notify_all();
        IN_POOL.with(|c| c.set(true));
        let mine = catch_unwind(AssertUnwindSafe(|| claim(s, f, n)));
        IN_POOL.with(|c| c.set(false));
        if mine.is_err() {
            s.next.store(usize::MAX / 2, Ordering::Relaxed);
        }
        let mut spins = 0;
        while s.pending.load(Ordering::Acquire) != 0 && spins < SPIN {
            std::hint::spin_loop();
            spins += 1;
        }
        if s.pending.load(Ordering::Acquire) != 0 {
            let mut g = lock(&s.done_lock);
            while s.pending.load(Ordering::Acquire) != 0 {
                g = s.done.wait(g).unwrap_or_else(PoisonError::into_inner);
            }
        }
        lock(&s.control).task = None;
        if let Err(p) = mine {
            resume_unwind(p);
        }
        if let Some(p) = lock(&s.panicked).take() {
            resume_unwind(p);
        }
    }
}

impl Drop for ThreadPool {
    fn drop(&mut self) {
        lock(&self.shared.control).shutdown = true;
        self.shared.wake.notify_all();
        for w in self.workers.drain(..) {
            let _ = w.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicU32;

    #[test]
    fn every_index_runs_exactly_once_across_many_calls() {
        let pool = ThreadPool::new(4).unwrap();
        assert_eq!(pool.threads(), 4);
        for n in [0usize, 1, 2, 3, 7, 64, 1000] {
            for _ in 0..50 {
                let hits: Vec<AtomicU32> = (0..n).map(|_| AtomicU32::new(0)).collect();
                pool.for_each(n, &|i| {
                    hits[i].fetch_add(1, Ordering::Relaxed);
                });
                assert!(hits.iter().all(|h| h.load(Ordering::Relaxed) == 1), "n={n}");
            }
        }
    }

    #[test]
    fn jobs_run_on_several_threads_and_borrow_locals() {
        let pool = ThreadPool::new(3).unwrap();
        let ids = Mutex::new(std::collections::HashSet::new());
        let local = vec![1u64; 10_000];
        let sum = AtomicU64::new(0);
        pool.for_each(300, &|i| {
            // Slow enough that the workers wake up and take some jobs.
            std::thread::sleep(std::time::Duration::from_micros(200));
            sum.fetch_add(local[i] + i as u64, Ordering::Relaxed);
            lock(&ids).insert(std::thread::current().id());
        });
        assert_eq!(sum.load(Ordering::Relaxed), 300 + (0..300).sum::<u64>());
        assert!(lock(&ids).len() > 1, "only one thread ran jobs");
    }

    #[test]
    fn nested_calls_and_concurrent_callers_complete() {
        let pool = Arc::new(ThreadPool::new(3).unwrap());
        let total = AtomicU64::new(0);
        pool.for_each(8, &|_| {
            pool.for_each(8, &|j| {
                total.fetch_add(j as u64, Ordering::Relaxed);
            });
        });
        assert_eq!(total.load(Ordering::Relaxed), 8 * 28);
        let handles: Vec<_> = (0..3)
            .map(|_| {
                let p = Arc::clone(&pool);
                std::thread::spawn(move || {
                    let c = AtomicU64::new(0);
                    for _ in 0..100 {
                        p.for_each(16, &|i| {
                            c.fetch_add(i as u64, Ordering::Relaxed);
                        });
                    }
                    c.load(Ordering::Relaxed)
                })
            })
            .collect();
        for h in handles {
            assert_eq!(h.join().unwrap(), 100 * 120);
        }
    }

    #[test]
    fn a_panicking_job_propagates_and_the_pool_stays_usable() {
        let pool = ThreadPool::new(2).unwrap();
        let r = catch_unwind(AssertUnwindSafe(|| {
            pool.for_each(100, &|i| {
                if i == 57 {
                    panic!("job 57");
                }
            })
        }));
        assert!(r.is_err());
        let c = AtomicUsize::new(0);
        pool.for_each(10, &|_| {
            c.fetch_add(1, Ordering::Relaxed);
        });
        assert_eq!(c.load(Ordering::Relaxed), 10);
    }
}
