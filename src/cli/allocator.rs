//! The binary counts every allocation per thread, so each run's summary records its measured peak bytes
//! beside the analytic count (`batchlab::sweep::memory`). Installed here, not in the library, so programs
//! and tests that link the library keep the system allocator unless they ask for the counter.

use batchlab::sweep::memory::Counting;

#[global_allocator]
static GLOBAL: Counting = Counting;
