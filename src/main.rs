mod calibrate_cli;
mod check_cli;
mod cli;
mod ui;

/// Counts each thread's live bytes, for the runs' memory budget (`run.max_memory_mb`).
#[global_allocator]
static ALLOC: kafkasim::engine::memory::CountingAlloc = kafkasim::engine::memory::CountingAlloc;

fn main() {
    std::process::exit(cli::main());
}
