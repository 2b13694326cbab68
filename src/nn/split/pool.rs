//! The helper threads that compute blocks of a split matrix product: with `sweep/parallel.rs`, the only
//! place threads run. Helpers are spawned on demand, once, and then wait for tasks. A task is one block
//! of one product; the product's caller computes a block too and waits until every block has ended, so a
//! block may borrow the caller's data (the one `unsafe` below rests on that wait).

use std::collections::VecDeque;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, OnceLock, PoisonError};
use std::thread::{self, Thread};
use std::time::Duration;

/// Polls for the next task (or for the last block to end) before sleeping: the products of one training
/// step follow each other within microseconds, while waking a sleeping thread costs tens of them.
const SPIN: u32 = 1 << 13;

/// One product's blocks: the code every block runs and how many blocks helpers still hold.
struct Batch<'a> {
    block: &'a (dyn Fn(usize) + Sync),
    remaining: AtomicUsize,
    panicked: AtomicBool,
    owner: Thread,
}

/// Block `index` of a batch that lives on its caller's stack.
#[derive(Clone, Copy)]
struct Task {
    batch: *const Batch<'static>,
    index: usize,
}

// SAFETY: a `Batch` is `Sync` (its closure is, its counters are atomics), and `run` does not return, even
// when unwinding, before every task of its batch has ended, so the pointer is valid wherever a task goes.
unsafe impl Send for Task {}

struct Queue {
    tasks: Mutex<VecDeque<Task>>,
    ready: Condvar,
    queued: AtomicUsize,
    helpers: Mutex<usize>,
}

fn queue() -> &'static Queue {
    static QUEUE: OnceLock<Queue> = OnceLock::new();
    QUEUE.get_or_init(|| Queue {
        tasks: Mutex::new(VecDeque::with_capacity(64)),
        ready: Condvar::new(),
        queued: AtomicUsize::new(0),
        helpers: Mutex::new(0),
    })
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Runs `block(0)`, ..., `block(blocks - 1)`: block 0 here, the others on helper threads (at least
/// `helpers` of them exist) or here, for those no helper has started when this thread is free. Returns
/// when every block has ended; a panic in any block is raised here.
pub(super) fn run(blocks: usize, helpers: usize, block: &(dyn Fn(usize) + Sync)) {
    let queue = queue();
    if blocks <= 1 || queue.spawn_helpers(helpers.min(blocks - 1)) == 0 {
        return (0..blocks).for_each(block);
    }
    let batch = Batch {
        block,
        remaining: AtomicUsize::new(blocks - 1),
        panicked: AtomicBool::new(false),
        owner: thread::current(),
    };
    let ptr: *const Batch<'static> = (&raw const batch).cast();
    lock(&queue.tasks).extend((1..blocks).map(|index| Task { batch: ptr, index }));
    queue.queued.fetch_add(blocks - 1, Ordering::Release);
    queue.ready.notify_all();
    let mine = panic::catch_unwind(AssertUnwindSafe(|| block(0)));
    while let Some(task) = queue.take_own(ptr) {
        execute(task);
    }
    wait(&batch);
    if let Err(payload) = mine {
        panic::resume_unwind(payload);
    }
    assert!(!batch.panicked.load(Ordering::Acquire), "a block of a split matrix product panicked");
}

/// Runs one task and signs it off; the batch may be gone once `remaining` reaches 0.
fn execute(task: Task) {
    // SAFETY: see `Task`: the batch outlives its tasks.
    let batch = unsafe { &*task.batch };
    if panic::catch_unwind(AssertUnwindSafe(|| (batch.block)(task.index))).is_err() {
        batch.panicked.store(true, Ordering::Release);
    }
    let owner = batch.owner.clone();
    if batch.remaining.fetch_sub(1, Ordering::AcqRel) == 1 {
        owner.unpark();
    }
}

fn wait(batch: &Batch<'_>) {
    let mut spins = 0;
    while batch.remaining.load(Ordering::Acquire) != 0 {
        if spins < SPIN {
            std::hint::spin_loop();
            spins += 1;
        } else {
            thread::park_timeout(Duration::from_millis(1));
        }
    }
}

impl Queue {
    /// Makes sure `wanted` helpers exist; returns how many do (fewer if the system refuses threads).
    fn spawn_helpers(&'static self, wanted: usize) -> usize {
        let mut helpers = lock(&self.helpers);
        while *helpers < wanted {
            let spawned = thread::Builder::new()
                .name(format!("batchlab-gemm-{}", *helpers))
                .spawn(move || self.serve());
            if spawned.is_err() {
                break;
            }
            *helpers += 1;
        }
        *helpers
    }

    fn serve(&self) {
        loop {
            execute(self.next());
        }
    }

    fn next(&self) -> Task {
        loop {
            for _ in 0..SPIN {
                if self.queued.load(Ordering::Acquire) > 0
                    && let Some(task) = self.pop(|_| true)
                {
                    return task;
                }
                std::hint::spin_loop();
            }
            let mut tasks = lock(&self.tasks);
            while tasks.is_empty() {
                tasks = self.ready.wait(tasks).unwrap_or_else(PoisonError::into_inner);
            }
        }
    }

    fn take_own(&self, batch: *const Batch<'static>) -> Option<Task> {
        self.pop(|t| std::ptr::eq(t.batch, batch))
    }

    fn pop(&self, wanted: impl Fn(&Task) -> bool) -> Option<Task> {
        let mut tasks = lock(&self.tasks);
        let task = tasks.iter().position(wanted).and_then(|i| tasks.remove(i))?;
        self.queued.fetch_sub(1, Ordering::AcqRel);
        Some(task)
    }
}
