//! Classification allocates nothing once set up: every buffer comes from
//! the scratch the plan sized. A counting global allocator watches the
//! calls to `Bert::classify` (serial and on the thread pool).

mod bert_common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use mote_core::exec::Serial;
use mote_core::gguf::Gguf;
use mote_core::model::Bert;
use mote_core::tokenizer::Tokenizer;
use mote_host::convert::OutType;
use mote_host::pool::ThreadPool;

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator; only counts calls.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::SeqCst);
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::SeqCst);
        // SAFETY: same contract as ours.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn classify_allocates_nothing_after_setup() {
    let bytes = bert_common::minilm_gguf(OutType::Q8_0, true);
    let gguf = Gguf::parse(bytes).unwrap();
    let bert = Bert::from_gguf(&gguf).unwrap();
    let mut tok_scratch = vec![0u8; Tokenizer::scratch_bytes(&gguf).unwrap()];
    let tok = Tokenizer::from_gguf(&gguf, &mut tok_scratch).unwrap();
    let texts = ["book me a flight to Paris", "what is my credit score", "hi"];
    let mut ids = vec![vec![0u32; 64]; texts.len()];
    let mut lens = [0usize; 3];
    for ((t, buf), len) in texts.iter().zip(ids.iter_mut()).zip(lens.iter_mut()) {
        *len = tok.encode(t, buf).unwrap();
    }
    let sentences: Vec<&[u32]> = ids.iter().zip(lens).map(|(v, n)| &v[..n]).collect();
    let n = bert.n_labels();
    let plan = bert.plan(64, texts.len()).unwrap();
    let mut scratch = vec![0u8; plan.bytes];
    let mut probs = vec![0f32; texts.len() * n];
    let mut again = vec![0f32; texts.len() * n];
    // Setup includes starting the pool's worker threads (a new thread
    // allocates as it starts) and detecting the kernel table.
    let pool = ThreadPool::new(2).unwrap();
    mote_core::exec::Executor::for_each(&pool, 8, &|_| {});
    let _ = mote_core::kernels::table();

    let a0 = ALLOCATIONS.load(Ordering::SeqCst);
    bert.classify(&sentences, &mut scratch, &Serial, &mut probs)
        .unwrap();
    let a1 = ALLOCATIONS.load(Ordering::SeqCst);
    bert.classify(&sentences, &mut scratch, &pool, &mut again)
        .unwrap();
    let a2 = ALLOCATIONS.load(Ordering::SeqCst);
    bert.classify(&sentences, &mut scratch, &pool, &mut again)
        .unwrap();
    let a3 = ALLOCATIONS.load(Ordering::SeqCst);
    assert_eq!(
        (a1 - a0, a2 - a1, a3 - a2),
        (0, 0, 0),
        "allocations during classify"
    );
    // The calls did real work: each row is a distribution, and the pool
    // computes what the serial executor does.
    for row in probs.chunks_exact(n) {
        let sum: f32 = row.iter().sum();
        assert!((sum - 1.0).abs() < 1e-4);
    }
    assert_eq!(probs, again);
}
