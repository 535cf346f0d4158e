//! `kafkasim check`: flags to [`kafkasim::check`], its report on stdout, the counterexample
//! and its replayed outputs (figures included) in `--out`.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;
use kafkasim::check::{self, faults::FaultKind, properties::Property, Plan};
use kafkasim::experiment;
use kafkasim::scenario::Scenario;

use crate::cli::{open_out_dir, usage, write_outputs, write_stdout, FigureArgs, PromiseBroken};

/// What to check and how hard to look.
#[derive(Args)]
#[command(after_help = "Examples:
  kafkasim check scenarios/guarantees-check.toml --runs 200
  kafkasim check scenarios/guarantees-check.toml --set producer.acks=1 --property no-loss
  kafkasim check my.toml --faults broker-crash,network-cut --runs 1000 --max-wall-s 600
  kafkasim run check-out/counterexample.toml          replay what check found

Exit codes: 0 no promised property broken, 3 one was (counterexample in --out), 2 bad input.")]
pub struct CheckArgs {
    /// Scenario file (TOML) with one configuration (fix swept keys with --set).
    scenario: PathBuf,
    /// Fix a key: --set producer.acks=1 (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    sets: Vec<String>,
    /// Runs to try, each with its own seed and fault schedule.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    runs: u32,
    /// Seed of the search (default: the scenario's seed).
    #[arg(long)]
    seed: Option<u64>,
    /// Test only this property (repeatable): partition-order, key-order, no-loss,
    /// no-duplicates, one-owner, no-uncommitted-reads, retention-safety, no-redelivery.
    #[arg(long = "property", value_name = "NAME", value_parser = Property::parse)]
    properties: Vec<Property>,
    /// Draw faults only of these kinds (comma-separated): broker-crash, network-cut, slow-disk,
    /// consumer-crash, consumer-stall, requests-fail. Default: every kind the cluster can have.
    #[arg(long, value_name = "KIND,…", value_delimiter = ',', value_parser = FaultKind::parse)]
    faults: Vec<FaultKind>,
    /// Stop starting runs after this many seconds of wall time (the report says how many ran).
    #[arg(long, value_name = "S")]
    max_wall_s: Option<f64>,
    /// Worker threads, 0 to 256 (0 = every core). The result is the same at any count.
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u16).range(0..=256))]
    threads: u16,
    /// Where the counterexample and its replayed outputs go.
    #[arg(long, default_value = "check-out")]
    out: PathBuf,
    #[command(flatten)]
    figures: FigureArgs,
}

/// Run `kafkasim check`.
pub fn run(args: CheckArgs, ui: crate::ui::Ui) -> Result<()> {
    if args.max_wall_s.is_some_and(|w| !(w > 0.0 && w.is_finite())) {
        return Err(usage(format!(
            "--max-wall-s {}: accepted: a number of seconds > 0",
            args.max_wall_s.unwrap_or_default()
        )));
    }
    let path = args.scenario.to_string_lossy().to_string();
    let mut sc = Scenario::load(&path).map_err(usage)?;
    for s in &args.sets {
        sc.apply_set(s).map_err(usage)?;
    }
    let cfg = check::single_point(&sc).map_err(usage)?;
    let seed = args.seed.unwrap_or(cfg.seed);
    let plan = Plan {
        runs: args.runs,
        seed,
        properties: args.properties.clone(),
        threads: args.threads as usize,
        max_wall_s: args.max_wall_s,
        faults: args.faults.clone(),
    };
    let mut flags: String = args.sets.iter().map(|s| format!(" --set {s}")).collect();
    for p in &args.properties {
        flags.push_str(&format!(" --property {}", p.name()));
    }
    if !args.faults.is_empty() {
        let kinds: Vec<&str> = args.faults.iter().map(|k| k.name()).collect();
        flags.push_str(&format!(" --faults {}", kinds.join(",")));
    }
    let command = format!(
        "kafkasim check {path}{flags} --seed {seed} --runs {}",
        args.runs
    );
    ui.info(&format!(
        "kafkasim: checking `{}` from {path}: {} run(s) from seed {seed}",
        sc.name(),
        args.runs
    ));
    let bar = ui.progress(args.runs as u64, "runs");
    let mut seen = 0;
    let mut progress = |done: u32, broken: u32| {
        bar.message(format!("runs, {broken} broke something"));
        for n in seen..done {
            bar.step(|| {
                format!(
                    "kafkasim: check run {} done, {broken} broke something so far",
                    n + 1
                )
            });
        }
        seen = seen.max(done);
    };
    let report = check::check(&sc, &plan, &mut progress);
    bar.finish();
    let report = report.map_err(usage)?;
    write_stdout(&render(&report, args.runs))?;
    let Some(cx) = &report.counterexample else {
        // An earlier search's counterexample must not pass for this one's.
        let stale = args.out.join("counterexample.toml");
        if stale.is_file() {
            std::fs::remove_file(&stale)
                .with_context(|| format!("removing {}", stale.display()))?;
            eprintln!(
                "kafkasim: removed {}: it was an earlier search's, and this one found none",
                stale.display()
            );
        }
        return Ok(());
    };
    let dir = open_out_dir(&args.out)?;
    let file = dir.join("counterexample.toml");
    kafkasim::report::write_atomic(&file, cx.file_text(&command).as_bytes())?;
    // Replay from the file, as a user would, and write its outputs and figures beside it.
    let replay = Scenario::load(&file.to_string_lossy()).map_err(usage)?;
    let outcome = experiment::run_all(&replay, args.threads as usize)
        .map_err(|e| anyhow::anyhow!("replaying {}: {e}", file.display()))?;
    let failures: Vec<String> = outcome.failed.iter().map(|e| e.to_string()).collect();
    let replayed = outcome
        .results
        .first()
        .and_then(|r| r.runs.first())
        .is_some_and(|run| {
            !cx.property
                .broken_by(&check::properties::observed(run))
                .is_empty()
        });
    write_outputs(
        &dir,
        &replay,
        &file.to_string_lossy(),
        &outcome.results,
        &failures,
        &args.figures,
    )
    .context("writing the counterexample's outputs")?;
    anyhow::ensure!(
        replayed,
        "the counterexample in {} did not break {} when replayed: please report this with the file",
        file.display(),
        cx.property.name()
    );
    eprintln!(
        "kafkasim: counterexample in {} (replay: kafkasim run {})",
        file.display(),
        file.display()
    );
    if report.promise_broken() {
        let broken: Vec<&str> = report
            .verdicts
            .iter()
            .filter(|v| v.promise.promised && v.broken_runs > 0)
            .map(|v| v.property.name())
            .collect();
        return Err(PromiseBroken(format!(
            "a promised guarantee was broken: {} (see {}; reproduce the search with: {command})",
            broken.join(", "),
            file.display()
        ))
        .into());
    }
    Ok(())
}

/// The report: per property, promised or not (and why), runs that broke it; then the
/// counterexample.
fn render(r: &check::Report, asked: u32) -> String {
    let kinds: Vec<&str> = r.kinds.iter().map(|k| k.name()).collect();
    let mut out = format!(
        "{} of {asked} run(s), each with a random subset of: {}\n",
        r.runs_done,
        kinds.join(", ")
    );
    if r.runs_done < asked {
        out.push_str(&format!(
            "stopped at --max-wall-s: the result covers runs 0..{}\n",
            r.runs_done
        ));
    }
    out.push_str(&format!(
        "\n{:<22} {:<9} {:>11} {:>9}  why\n",
        "property", "promised", "runs broken", "first run"
    ));
    for v in &r.verdicts {
        out.push_str(&format!(
            "{:<22} {:<9} {:>11} {:>9}  {}\n",
            v.property.name(),
            if v.promise.promised { "yes" } else { "no" },
            v.broken_runs,
            v.first.map_or("-".into(), |f| f.to_string()),
            v.promise.why
        ));
    }
    if r.unfinished.0 > 0 {
        let (i, msg) = r.unfinished.1.clone().unwrap_or_default();
        out.push_str(&format!(
            "\n{} run(s) did not finish within their budget (not judged); the first, run {i}: {}\n",
            r.unfinished.0,
            msg.lines().next().unwrap_or("")
        ));
    }
    match &r.counterexample {
        None => out.push_str("\nno run broke a property\n"),
        Some(cx) => {
            let promised = r
                .verdicts
                .iter()
                .any(|v| v.property == cx.property && v.promise.promised);
            out.push_str(&format!(
                "\n{} ({}) broken first in run {} (seed {}); shrunk from {} fault event(s) to {}:\n",
                cx.property.name(),
                if promised {
                    "PROMISED: a bug"
                } else {
                    "not promised by this configuration: expected"
                },
                cx.trial,
                cx.seed,
                cx.events_before,
                cx.events.len()
            ));
            for e in &cx.events {
                out.push_str(&format!("  {}\n", check::shrink::one_line(e)));
            }
            for s in &cx.steps {
                out.push_str(&format!("  shrink: {s}\n"));
            }
            for v in cx.violations.iter().take(3) {
                out.push_str(&format!("  {}: {}\n", v.check, v.detail));
            }
        }
    }
    out
}
