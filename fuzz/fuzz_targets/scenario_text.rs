//! libFuzzer over scenario text: any bytes, read as UTF-8, parsed and (when valid) run under
//! the small budgets of `kafkasim::experiment::untrusted`. A panic, a run past its wall-time
//! guard or one holding more memory than its budget is a crash, kept in `fuzz/artifacts/`.
#![no_main]

use kafkasim::engine::memory::CountingAlloc;
use libfuzzer_sys::fuzz_target;

/// Counts each run's bytes, as the binary does, so the memory budget is live.
#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Err(broken) = kafkasim::experiment::untrusted::check(text) {
            panic!("{broken}");
        }
    }
});
