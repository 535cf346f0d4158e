//! Integration tests: one binary, a module per behaviour. Failures print the seed and the
//! command that reproduces them.

mod bad_input;
mod calibrate;
mod check;
mod clients;
mod determinism;
mod ecosystem;
mod experiment;
mod failures;
mod figures;
mod fuzz;
mod groups;
mod guarantees;
mod hardware;
mod offsets_tool;
mod properties;
mod readme;
mod replication;
mod retention;
mod robustness;
mod shards;
mod topics;

/// As in the binary: the memory budget counts each run's bytes.
#[global_allocator]
static ALLOC: kafkasim::engine::memory::CountingAlloc = kafkasim::engine::memory::CountingAlloc;

use kafkasim::experiment::{simulate, RunOutput};
use kafkasim::scenario::Scenario;

/// Run the kafkasim binary with `args` from the repository's folder, stdin closed.
pub fn kafkasim(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_kafkasim"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("kafkasim runs")
}

/// A command's stderr as text.
pub fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Run scenario text (with `--set`-style overrides) at `seed`.
pub fn run_text(text: &str, sets: &[&str], seed: u64) -> RunOutput {
    let mut sc = Scenario::parse(text, "test").expect("valid scenario");
    for s in sets {
        sc.apply_set(s).expect("valid override");
    }
    let (_, cfg) = sc.resolve_all().expect("resolves").remove(0);
    simulate(&cfg, seed).unwrap_or_else(|e| panic!("seed {seed} {sets:?}: {e}"))
}

/// The bundled classroom experiment.
pub fn experiment_text() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/partitions-experiment.toml"
    ))
    .unwrap()
}

/// The command that reproduces a point of the classroom experiment.
pub fn repro(sets: &[&str], seed: u64) -> String {
    let s: String = sets.iter().map(|x| format!(" --set {x}")).collect();
    format!("kafkasim run scenarios/partitions-experiment.toml --seed {seed} --seeds 1{s}")
}
