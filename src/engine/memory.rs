//! Memory a run holds, counted per thread, so a run can be stopped when it outgrows its budget
//! (`run.max_memory_mb`) instead of taking the machine with it.
//!
//! [`CountingAlloc`] wraps the system allocator and keeps, per thread, the bytes allocated minus
//! the bytes freed there. A run executes on one thread from start to end, so the difference of
//! that count between the run's start and now is the memory the run holds (memory a run frees on
//! another thread, or a thread frees for it, is rare and only makes the count conservative). The
//! binary and the test harnesses install it (`#[global_allocator]`); a library user who does not
//! sees [`thread_live_bytes`] stay at 0 and the memory budget never fire. Counting costs one
//! thread-local add per allocation and never allocates itself.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

thread_local! {
    static LIVE: Cell<i64> = const { Cell::new(0) };
    static PEAK: Cell<i64> = const { Cell::new(0) };
}

fn add(bytes: i64) {
    // `try_with`: during a thread's teardown the cell may be gone; that memory is not a run's.
    if let Ok(live) = LIVE.try_with(|c| {
        c.set(c.get() + bytes);
        c.get()
    }) {
        let _ = PEAK.try_with(|p| p.set(p.get().max(live)));
    }
}

/// The system allocator, counting live bytes per thread.
pub struct CountingAlloc;

// SAFETY: every call forwards to `System` with the same arguments; the bookkeeping touches only
// a const-initialised thread-local `Cell` (no allocation, no destructor).
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            add(layout.size() as i64);
        }
        p
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            add(layout.size() as i64);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        add(-(layout.size() as i64));
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            add(new_size as i64 - layout.size() as i64);
        }
        p
    }
}

/// Bytes allocated minus bytes freed on this thread so far (0 without [`CountingAlloc`]).
pub fn thread_live_bytes() -> i64 {
    LIVE.try_with(Cell::get).unwrap_or(0)
}

/// The most [`thread_live_bytes`] has been since the last [`reset_thread_peak`].
pub fn thread_peak_bytes() -> i64 {
    PEAK.try_with(Cell::get).unwrap_or(0)
}

/// Start measuring this thread's peak from its live bytes now.
pub fn reset_thread_peak() {
    let live = thread_live_bytes();
    let _ = PEAK.try_with(|p| p.set(live));
}
