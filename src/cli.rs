//! The command line (clap derive). Thin: parse, call the library, print, write files.

use anyhow::{Context, Result};
use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
use kafkasim::experiment;
use kafkasim::report::{
    export, figures, group_figures, hardware_figures, plot, prepare_dir, replication_figures,
    storage_figures, table, write_atomic, write_atomic_with,
};
use kafkasim::scenario::{keys, Scenario};
use std::path::PathBuf;

/// Examples under `kafkasim --help`.
const EXAMPLES_HELP: &str = "Examples:
  kafkasim example                                  list the bundled scenarios
  kafkasim example partitions-experiment --out my.toml
  kafkasim run my.toml --out out/                   table on stdout; CSV, JSON, figures in out/
  kafkasim run my.toml --vary consumer.count=1,2,4 --seeds 5
  kafkasim run my.toml --seeds 50 --shard 2/8 --out shards/   one of 8 machines' share
  kafkasim merge shards/*.shard --out out/                    their outputs, as from one machine
  kafkasim check scenarios/guarantees-check.toml --runs 200 --set producer.acks=1
  kafkasim config | grep linger                     every key, its default, unit and meaning
  kafkasim completions bash > ~/.local/share/bash-completion/completions/kafkasim

Exit codes: 0 done, 1 a run hit a budget, 2 bad input, 3 a promised guarantee was broken.";

/// Deterministic discrete-event simulator of Apache Kafka partitioning.
#[derive(Parser)]
#[command(name = "kafkasim", version, about, after_help = EXAMPLES_HELP)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
    /// No progress bar and no informational lines on stderr (warnings and errors stay).
    #[arg(long, short, global = true)]
    quiet: bool,
    /// One line on stderr per finished run.
    #[arg(long, short, global = true)]
    verbose: bool,
    /// Colour on stderr: auto (a terminal, unless NO_COLOR is set), always or never.
    #[arg(long, global = true, value_enum, default_value_t = crate::ui::ColorWhen::Auto)]
    color: crate::ui::ColorWhen,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Table,
    Json,
    Csv,
    /// OpenMessaging Benchmark's result JSON (runs from --omb-workload only).
    Omb,
}

#[derive(Subcommand)]
enum Command {
    /// Run a scenario (every sweep point × seeds) and write its outputs.
    #[command(after_help = "Examples:
  kafkasim run scenarios/partitions-experiment.toml --out plots/partitions-experiment
  kafkasim run my.toml --set producer.linger.ms=10 --vary topic.partitions=1,2,4 --seeds 5
  kafkasim run my.toml --format csv --no-plots > summary.csv
  kafkasim run my.toml --out slides/ --theme dark --figure-size 16:9 --caption \"Lecture 3\"")]
    Run {
        /// Scenario file (TOML).
        #[arg(required_unless_present = "omb_workload")]
        scenario: Option<PathBuf>,
        /// An OpenMessaging Benchmark workload (YAML) to run instead of a scenario file.
        #[arg(
            long,
            value_name = "FILE.yaml",
            requires = "omb_driver",
            conflicts_with = "scenario"
        )]
        omb_workload: Option<PathBuf>,
        /// The OpenMessaging Benchmark Kafka driver file (YAML) for --omb-workload.
        #[arg(long, value_name = "DRIVER.yaml", requires = "omb_workload")]
        omb_driver: Option<PathBuf>,
        /// Master seed of the first run (overrides `seed`).
        #[arg(long)]
        seed: Option<u64>,
        /// Runs per point (overrides `seeds`).
        #[arg(long)]
        seeds: Option<u32>,
        /// Output directory for CSV, JSON, the resolved scenario and plots.
        #[arg(long)]
        out: Option<PathBuf>,
        /// What to print on stdout.
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
        /// Fix a key for every point: --set producer.linger.ms=10 (repeatable).
        #[arg(long = "set", value_name = "KEY=VALUE")]
        sets: Vec<String>,
        /// Sweep a key: --vary topic.partitions=1,2,4 (repeatable; grid of all).
        #[arg(long = "vary", value_name = "KEY=V1,V2,…")]
        varies: Vec<String>,
        /// Sweep only the --vary keys: drop the scenario's own [sweep] (by default --vary adds
        /// its keys to it, and the grid multiplies).
        #[arg(long, requires = "varies")]
        only_vary: bool,
        /// Worker threads, 0 to 256 (0 = every core). Outputs are identical at any count.
        #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u16).range(0..=256))]
        threads: u16,
        /// Run only shard I of N of the sweep (every N-th of its points × seeds) and write it
        /// to --out DIR as shard-I-of-N.shard, for `kafkasim merge` (tables and figures come
        /// from the merge).
        #[arg(
            long,
            value_name = "I/N",
            requires = "out",
            conflicts_with_all = ["format", "no_plots", "theme", "figure_size", "titles", "caption"]
        )]
        shard: Option<experiment::shard::Shard>,
        #[command(flatten)]
        figures: FigureArgs,
    },
    /// Join the shard files of a sweep run with `run --shard I/N` into the outputs (stdout,
    /// --out) one machine running the whole sweep writes, byte for byte.
    #[command(after_help = "Examples:
  kafkasim run big.toml --seeds 20 --shard 1/3 --out shards/   (and 2/3, 3/3 elsewhere)
  kafkasim merge shards/*.shard --out results/")]
    Merge {
        /// Every shard file of one sweep, in any order.
        #[arg(required = true, value_name = "SHARD")]
        shards: Vec<PathBuf>,
        /// Output directory for CSV, JSON, the resolved scenario and plots.
        #[arg(long)]
        out: Option<PathBuf>,
        /// What to print on stdout.
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
        #[command(flatten)]
        figures: FigureArgs,
    },
    /// Search for a run that breaks a guarantee: many seeds × random fault schedules (swarm
    /// testing); shrink the first one found into a scenario file that replays it.
    Check(Box<crate::check_cli::CheckArgs>),
    /// Calibrate the model against a real cluster (or perf-test output): measure, fit the cost
    /// parameters, write a profile and the measured-versus-simulated comparison.
    Calibrate(Box<crate::calibrate_cli::CalibrateArgs>),
    /// Print a bundled scenario to start from (the list without NAME), or write it with --out.
    Example {
        /// Scenario name (see the list).
        name: Option<String>,
        /// Write it to this file instead of standard output (not over an existing file).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Print a shell completion script: kafkasim completions bash > /etc/bash_completion.d/kafkasim
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff): kafkasim manpage > kafkasim.1
    Manpage,
    /// List every scenario key with its default, unit and meaning.
    Config {
        /// Show defaults for this client preset.
        #[arg(long, default_value = "java", value_parser = ["java", "librdkafka"])]
        client: String,
    },
}

/// How figures are drawn.
#[derive(clap::Args)]
pub struct FigureArgs {
    /// Skip the plots.
    #[arg(long)]
    pub no_plots: bool,
    /// Figure colours: light (print, light slides) or dark (dark slides).
    #[arg(long, default_value = "light", value_parser = ["light", "dark"])]
    pub theme: String,
    /// Figure size: 16:10 (1600 × 1000 px), 16:9 (1600 × 900) or 4:3 (1600 × 1200).
    #[arg(long, default_value = "16:10", value_parser = ["16:10", "16:9", "4:3"])]
    pub figure_size: String,
    /// Replace a figure's title: --title lag="Lag after the crash" (repeatable; FIGURE is
    /// the file name without .png).
    #[arg(long = "title", value_name = "FIGURE=TEXT", value_parser = figure_title)]
    pub titles: Vec<(String, String)>,
    /// Add your own words to every figure's caption (a course, a date).
    #[arg(long, value_name = "TEXT")]
    pub caption: Option<String>,
}

/// `FIGURE=TEXT` of `--title`.
fn figure_title(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((f, t)) if !f.trim().is_empty() && !t.trim().is_empty() => {
            Ok((f.trim().to_string(), t.trim().to_string()))
        }
        _ => Err(format!(
            "`{s}`: expected FIGURE=TEXT, e.g. lag=\"Lag after the crash\" (FIGURE is a figure's file name without .png)"
        )),
    }
}

/// A user error: exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// A run broke a property its configuration promises: exit code 3 (distinct from a budget, 1,
/// and bad input, 2), so CI can gate on it.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct PromiseBroken(pub String);

/// Standard output was closed by its reader (`kafkasim config | head -1`): stop quietly.
#[derive(Debug, thiserror::Error)]
#[error("standard output closed")]
pub struct StdoutClosed;

/// Write `text` to standard output: a closed pipe stops the command quietly ([`StdoutClosed`]),
/// any other failure (a full device) is an error naming standard output — never a panic.
pub fn write_stdout(text: &str) -> Result<()> {
    use std::io::Write;
    let mut o = std::io::stdout().lock();
    match o.write_all(text.as_bytes()).and_then(|()| o.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Err(StdoutClosed.into()),
        Err(e) => Err(anyhow::anyhow!("cannot write to standard output: {e}")),
    }
}

/// Run the command line; returns the process exit code.
pub fn main() -> i32 {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => 0,
        Err(e) if e.downcast_ref::<StdoutClosed>().is_some() => 0,
        Err(e) => {
            eprintln!("error: {e:#}");
            let usage = e.downcast_ref::<UsageError>().is_some()
                || e.downcast_ref::<kafkasim::scenario::ScenarioError>()
                    .is_some();
            if usage {
                2
            } else if e.downcast_ref::<PromiseBroken>().is_some() {
                3
            } else {
                1
            }
        }
    }
}

/// The scenario an OpenMessaging Benchmark workload and Kafka driver describe; what kafkasim
/// leaves out of them is named on stderr.
fn omb_scenario(
    workload: &std::path::Path,
    driver: &std::path::Path,
) -> Result<(Scenario, kafkasim::scenario::omb::OmbScenario)> {
    let read = |p: &std::path::Path, flag: &str| {
        kafkasim::scenario::config::read_text_file(
            p,
            kafkasim::scenario::config::MAX_SCENARIO_BYTES,
        )
        .map_err(|e| usage(format!("{flag} {}: {e}", p.display())))
    };
    let (w, d) = (
        read(workload, "--omb-workload")?,
        read(driver, "--omb-driver")?,
    );
    let (wn, dn) = (workload.display().to_string(), driver.display().to_string());
    let omb = kafkasim::scenario::omb::to_scenario(&w, &wn, &d, &dn).map_err(usage)?;
    for line in &omb.ignored {
        eprintln!("kafkasim: warning: OpenMessaging Benchmark field not simulated: {line}");
    }
    let sc = Scenario::parse(&omb.toml, &wn).map_err(usage)?;
    Ok((sc, omb))
}

pub fn usage(e: impl std::fmt::Display) -> anyhow::Error {
    UsageError(e.to_string()).into()
}

fn run(cli: Cli) -> Result<()> {
    let ui = crate::ui::Ui::new(cli.quiet, cli.verbose, cli.color);
    match cli.command {
        Command::Calibrate(args) => crate::calibrate_cli::run(*args, ui),
        Command::Check(args) => crate::check_cli::run(*args, ui),
        Command::Example { name, out } => example(name.as_deref(), out.as_deref()),
        Command::Completions { shell } => {
            let mut text = vec![];
            clap_complete::generate(shell, &mut Cli::command(), "kafkasim", &mut text);
            write_stdout(&String::from_utf8_lossy(&text))
        }
        Command::Manpage => {
            let mut text = vec![];
            clap_mangen::Man::new(Cli::command())
                .render(&mut text)
                .context("rendering the man page")?;
            write_stdout(&String::from_utf8_lossy(&text))
        }
        Command::Config { client } => {
            let mut base = kafkasim::scenario::Config::default();
            base.set("client", kafkasim::scenario::Value::Text(client));
            let mut text = format!("{:<52} {:>20} {:<10} meaning\n", "key", "default", "unit");
            for s in keys::KEYS {
                text += &format!(
                    "{:<52} {:>20} {:<10} {} (accepts {})\n",
                    s.path,
                    base.get(s.path).to_string(),
                    s.unit,
                    s.doc,
                    s.kind.accepted()
                );
            }
            text += &kafkasim::scenario::events::describe();
            write_stdout(&text)
        }
        Command::Run {
            scenario,
            omb_workload,
            omb_driver,
            seed,
            seeds,
            out,
            format,
            sets,
            varies,
            only_vary,
            threads,
            shard,
            figures: figs,
        } => {
            let (path, mut sc, omb) = match (scenario, omb_workload, omb_driver) {
                (Some(scenario), _, _) => {
                    let path = scenario.to_string_lossy().to_string();
                    let sc = Scenario::load(&path).map_err(usage)?;
                    (path, sc, None)
                }
                (None, Some(w), Some(d)) => {
                    let (sc, omb) = omb_scenario(&w, &d)?;
                    (w.to_string_lossy().to_string(), sc, Some(omb))
                }
                _ => unreachable!("clap requires a scenario or both OMB files"),
            };
            check_format(format, omb.is_some())?;
            for s in &sets {
                sc.apply_set(s).map_err(usage)?;
            }
            let file_sweep: Vec<&str> = sc.sweep.iter().map(|(k, _)| *k).collect();
            if only_vary {
                sc.sweep.clear();
            }
            for v in &varies {
                sc.apply_vary(v).map_err(usage)?;
            }
            if let Some(s) = seed {
                sc.apply_set(&format!("seed={s}")).map_err(usage)?;
            }
            if let Some(n) = seeds {
                sc.apply_set(&format!("seeds={n}")).map_err(usage)?;
            }
            let points = experiment::sweep_points(&sc).map_err(usage)?;
            let total = experiment::job_count(&points) as u64;
            let keys: Vec<&str> = varies
                .iter()
                .filter_map(|v| v.split_once('='))
                .map(|(k, _)| k.trim())
                .collect();
            for warning in traps(&file_sweep, &keys, only_vary, &points) {
                eprintln!("kafkasim: warning: {warning}");
            }
            if total > 1_000_000 {
                return Err(usage(format!("the sweep asks for {total} runs; at most 1000000 are accepted (reduce --vary lists or seeds)")));
            }
            if let Some(shard) = shard {
                let out = out.as_deref().expect("clap requires --out with --shard");
                let omb = omb.map(|o| o.shape);
                return run_shard(&sc, points, omb, shard, out, threads, &ui);
            }
            let dir = out.as_deref().map(open_out_dir).transpose()?;
            let name = sc.name();
            ui.info(&format!(
                "kafkasim: scenario `{name}` from {path}, seed {}, {total} run(s)",
                sc.base.get("seed")
            ));
            let progress = ui.progress(total, "runs");
            let on_run = |p: &kafkasim::scenario::Point, seed: u64| {
                progress.step(|| format!("kafkasim: ran {} seed {seed}", p.name()));
            };
            let outcome = experiment::run_points(&sc, points, threads as usize, &on_run);
            progress.finish();
            let experiment::Outcome { results, failed } = outcome;
            let failures: Vec<String> = failed.iter().map(|e| e.to_string()).collect();
            let shape = omb.as_ref().map(|o| &o.shape);
            let report = Report {
                sc: &sc,
                omb: shape,
                format,
                dir,
                figs: &figs,
            };
            report.write(&results, &failures, &ui)
        }
        Command::Merge {
            shards,
            out,
            format,
            figures: figs,
        } => {
            let mut read = vec![];
            for path in &shards {
                let name = path.display().to_string();
                let bytes = std::fs::read(path).map_err(|e| usage(format!("{name}: {e}")))?;
                let shard = experiment::shard::ShardFile::read(&bytes)
                    .map_err(|e| usage(format!("{name}: {e}")))?;
                read.push((name, shard));
            }
            let merged = experiment::shard::merge(read).map_err(usage)?;
            check_format(format, merged.omb.is_some())?;
            let dir = out.as_deref().map(open_out_dir).transpose()?;
            let experiment::Outcome { results, failed } = merged.outcome;
            ui.info(&format!(
                "kafkasim: merged {} shard(s) of scenario `{}`: {} point(s)",
                shards.len(),
                merged.scenario.name(),
                results.len() + failed.len()
            ));
            let report = Report {
                sc: &merged.scenario,
                omb: merged.omb.as_ref(),
                format,
                dir,
                figs: &figs,
            };
            report.write(&results, &failed, &ui)
        }
    }
}

/// `--format omb` needs a run from an OpenMessaging Benchmark workload.
fn check_format(format: Format, omb: bool) -> Result<()> {
    if matches!(format, Format::Omb) && !omb {
        return Err(usage("--format omb: the OpenMessaging Benchmark result needs a run from --omb-workload and --omb-driver"));
    }
    Ok(())
}

/// `run --shard I/N`: run the shard's jobs and write them into `out` for `kafkasim merge`.
/// Runs over their budget are kept in the file and reported by the merge, so the exit code
/// is 0 whenever the file is written (a scheduler would retry a failed job for nothing: the
/// same seed fails the same way).
fn run_shard(
    sc: &Scenario,
    points: Vec<(kafkasim::scenario::Point, kafkasim::scenario::SimConfig)>,
    omb: Option<kafkasim::scenario::omb::OmbShape>,
    shard: experiment::shard::Shard,
    out: &std::path::Path,
    threads: u16,
    ui: &crate::ui::Ui,
) -> Result<()> {
    let dir = prepare_dir(out).map_err(usage)?;
    let total = experiment::job_count(&points);
    let which = shard.jobs(total);
    let file = dir.join(shard.file_name());
    ui.info(&format!(
        "kafkasim: scenario `{}`, shard {}/{}: {} of {total} run(s)",
        sc.name(),
        shard.index,
        shard.count,
        which.len()
    ));
    let progress = ui.progress(which.len() as u64, "runs");
    let on_run = |p: &kafkasim::scenario::Point, seed: u64| {
        progress.step(|| format!("kafkasim: ran {} seed {seed}", p.name()));
    };
    let outs = experiment::run_jobs(sc, &points, &which, threads as usize, &on_run);
    progress.finish();
    let outputs: Vec<(u64, Result<experiment::RunOutput, String>)> = outs
        .into_iter()
        .map(|(job, out)| (job as u64, out.map_err(|e| e.to_string())))
        .collect();
    let failed = outputs.iter().filter(|(_, o)| o.is_err()).count();
    if failed > 0 {
        eprintln!("kafkasim: warning: {failed} run(s) of this shard hit a budget; `kafkasim merge` reports them");
    }
    let shard_file = experiment::shard::ShardFile {
        kafkasim: env!("CARGO_PKG_VERSION").into(),
        shard,
        scenario: sc.into(),
        omb,
        jobs_total: total as u64,
        outputs,
    };
    write_atomic_with(&file, |w| shard_file.write(w))?;
    ui.info(&format!(
        "kafkasim: wrote {}; when every shard is done: kafkasim merge {}/shard-*-of-{}.shard --out DIR",
        file.display(),
        dir.display(),
        shard.count
    ));
    Ok(())
}

/// What a finished sweep prints and writes (a run, or a merge of shards).
struct Report<'a> {
    sc: &'a Scenario,
    omb: Option<&'a kafkasim::scenario::omb::OmbShape>,
    format: Format,
    dir: Option<PathBuf>,
    figs: &'a FigureArgs,
}

impl Report<'_> {
    /// Print the results on stdout, write `--out`, and turn failures and broken promises into
    /// the exit code.
    fn write(
        self,
        results: &[experiment::PointResult],
        failures: &[String],
        ui: &crate::ui::Ui,
    ) -> Result<()> {
        let sc = self.sc;
        if results.is_empty() {
            anyhow::bail!("{}", failures.join("\n"));
        }
        let printed = match self.format {
            Format::Table => table::render(&sc.name(), results),
            Format::Json => String::from_utf8(export::runs_json(results)).expect("utf-8"),
            Format::Csv => String::from_utf8(export::runs_csv(results)).expect("utf-8"),
            Format::Omb => {
                let shape = self.omb.expect("checked by check_format");
                let each: Vec<serde_json::Value> = results
                    .iter()
                    .filter_map(|r| r.runs.first())
                    .map(|run| kafkasim::report::omb::result(shape, run))
                    .collect();
                let value = match <[serde_json::Value; 1]>::try_from(each) {
                    Ok([one]) => one,
                    Err(many) => serde_json::Value::Array(many),
                };
                serde_json::to_string_pretty(&value).expect("json") + "\n"
            }
        };
        write_stdout(&printed)?;
        let dir_given = self.dir.is_some();
        if let Some(dir) = &self.dir {
            write_outputs(dir, sc, &sc.source, results, failures, self.figs)?;
            ui.info(&format!("kafkasim: wrote outputs to {}", dir.display()));
        }
        let broken = broken_promises(sc, results);
        if failures.is_empty() && !broken.is_empty() {
            return Err(PromiseBroken(format!(
                "a guarantee this configuration promises was broken:\n{}",
                broken.join("\n")
            ))
            .into());
        }
        if !failures.is_empty() {
            anyhow::bail!(
                "{} of {} point(s) did not finish; the others' outputs were written{}:\n{}",
                failures.len(),
                failures.len() + results.len(),
                if dir_given {
                    " (the failures in failed.txt)"
                } else {
                    ""
                },
                failures.join("\n")
            );
        }
        Ok(())
    }
}

/// Each run that broke a property its configuration promises: the point, the seed, the
/// properties and the command that reproduces it.
fn broken_promises(sc: &Scenario, results: &[experiment::PointResult]) -> Vec<String> {
    let mut out = vec![];
    for r in results {
        for run in &r.runs {
            let seen = kafkasim::check::properties::observed(run);
            let broken = kafkasim::check::properties::broken_promises(&r.config, &seen);
            if broken.is_empty() {
                continue;
            }
            let names: Vec<&str> = broken.iter().map(|p| p.name()).collect();
            out.push(format!(
                "  {} at point `{}`, seed {}; reproduce with: kafkasim run {} --seed {} --seeds 1{}",
                names.join(", "),
                r.point.name(),
                run.seed,
                sc.source,
                run.seed,
                experiment::reproduce_sets(sc, &r.point)
            ));
        }
    }
    out
}

/// What a run is about to do that its user probably does not mean, once each: `--vary` keys
/// multiplying the scenario's own sweep, consumers that will read nothing.
fn traps(
    file_sweep: &[&str],
    varied: &[&str],
    only_vary: bool,
    points: &[(kafkasim::scenario::Point, kafkasim::scenario::SimConfig)],
) -> Vec<String> {
    let mut out = vec![];
    for k in varied
        .iter()
        .filter(|k| file_sweep.contains(k) && !only_vary)
    {
        out.push(format!(
            "--vary {k} replaces the values the scenario's [sweep] gives it"
        ));
    }
    if !only_vary && !file_sweep.is_empty() && varied.iter().any(|k| !file_sweep.contains(k)) {
        out.push(format!(
            "--vary adds to the scenario's own [sweep] ({}): {} point(s) in all; --only-vary sweeps only the --vary keys",
            file_sweep.join(", "),
            points.len()
        ));
    }
    let deaf = points.iter().find(|(_, c)| {
        let k = &c.consumer;
        k.count > 0 && k.start_after_produce && !k.reset_earliest && c.producer.records > 0
    });
    if let Some((p, _)) = deaf {
        out.push(format!(
            "at point `{}`, consumers start after the producers finish with consumer.auto.offset.reset = \"latest\": they will read nothing (set it to \"earliest\" to read what was produced)",
            p.name()
        ));
    }
    out
}

/// `kafkasim example [NAME] [--out FILE]`.
fn example(name: Option<&str>, out: Option<&std::path::Path>) -> Result<()> {
    use kafkasim::examples;
    let Some(name) = name else {
        return write_stdout(&examples::list());
    };
    let Some(text) = examples::get(name) else {
        let why = examples::NOT_EMBEDDED
            .iter()
            .find(|(n, _)| *n == name)
            .map_or(String::new(), |(_, w)| format!(" (not embedded: {w})"));
        let names: Vec<&str> = examples::EXAMPLES.iter().map(|(n, _)| *n).collect();
        return Err(usage(format!(
            "example `{name}`: no such bundled scenario{why}; accepted: {}",
            names.join(", ")
        )));
    };
    match out {
        None => write_stdout(text),
        Some(path) if path.exists() => Err(usage(format!(
            "--out {}: the file exists; kafkasim example does not overwrite it",
            path.display()
        ))),
        Some(path) => {
            write_atomic(path, text.as_bytes()).map_err(usage)?;
            eprintln!(
                "kafkasim: wrote {} (run it: kafkasim run {})",
                path.display(),
                path.display()
            );
            Ok(())
        }
    }
}

/// Open `--out`: create it, remove the manifest of an earlier run (written last, so a folder
/// without one holds an interrupted or failed run) and the temporary files a killed run left.
pub fn open_out_dir(out: &std::path::Path) -> Result<PathBuf> {
    let d = prepare_dir(out).map_err(usage)?;
    let manifest = d.join("manifest.txt");
    if manifest.exists() {
        std::fs::remove_file(&manifest)
            .with_context(|| format!("removing {}", manifest.display()))?;
    }
    kafkasim::report::remove_stale_temp_files(&d)?;
    Ok(d)
}

/// Write a run's outputs into `dir`: tables, series, figures, then the manifest, last.
pub fn write_outputs(
    dir: &std::path::Path,
    sc: &Scenario,
    path: &str,
    results: &[experiment::PointResult],
    failures: &[String],
    figs: &FigureArgs,
) -> Result<()> {
    let name = sc.name();
    let mut files: Vec<(&str, Vec<u8>)> = vec![
        ("summary.csv", export::runs_csv(results)),
        ("points.csv", export::points_csv(results)),
        ("rebalances.csv", export::rebalances_csv(results)),
        ("summary.json", export::runs_json(results)),
        ("scenario.resolved.toml", export::resolved_toml(sc)),
    ];
    if let Some(text) = export::describe_txt(results) {
        files.push(("describe.txt", text));
    }
    if let Some(text) = export::describe_topic_txt(results) {
        files.push(("describe-topic.txt", text));
    }
    let mut written: Vec<(String, usize)> = vec![];
    for (f, bytes) in files {
        write_atomic(&dir.join(f), &bytes)?;
        written.push((f.to_string(), bytes.len()));
    }
    // Time series are streamed: at many partitions their text is the largest output.
    type Stream = fn(&[experiment::PointResult], &mut dyn std::io::Write) -> std::io::Result<()>;
    let mut streams: Vec<(&str, Stream)> = vec![
        ("timeseries.csv", export::series_csv),
        ("consumers.csv", export::consumer_series_csv),
        ("hosts.csv", export::hosts_csv),
        ("assignments.csv", export::assignments_csv),
    ];
    if export::has_replicas(results) {
        streams.push(("replicas.csv", export::replicas_csv));
    }
    if export::has_group_series(results) {
        streams.push(("groups.csv", export::group_series_csv));
    }
    if export::has_disk_series(results) {
        streams.push(("brokers.csv", export::disk_series_csv));
    }
    for (f, stream) in streams {
        let bytes = write_atomic_with(&dir.join(f), |w| stream(results, w))?;
        written.push((f.to_string(), bytes as usize));
    }
    if !figs.no_plots {
        let name = sc.caption_name();
        let mut charts = figures::charts(&name, results);
        charts.extend(group_figures::charts(&name, results));
        charts.extend(group_figures::lag_per_group(&name, results));
        charts.extend(hardware_figures::charts(&name, results));
        charts.extend(replication_figures::charts(&name, results));
        charts.extend(storage_figures::charts(&name, results));
        charts.extend(storage_figures::compaction_charts(&name, results));
        charts.extend(storage_figures::log_size_chart(&name, results));
        charts.extend(storage_figures::disk_per_broker_chart(&name, results));
        for (figure, _) in &figs.titles {
            if !charts.iter().any(|(stem, _)| stem == figure) {
                let drawn: Vec<&str> = charts.iter().map(|(s, _)| s.as_str()).collect();
                eprintln!(
                    "kafkasim: warning: --title {figure}=…: this run draws no figure named `{figure}` (it draws: {})",
                    drawn.join(", ")
                );
            }
        }
        let (width, height) = plot::Look::size(&figs.figure_size).expect("checked by clap");
        let look = plot::Look {
            width,
            height,
            dark: figs.theme == "dark",
        };
        for (stem, mut chart) in charts {
            let (title, cap) = chart.title_and_caption();
            if let Some((_, t)) = figs.titles.iter().find(|(f, _)| *f == stem) {
                *title = t.clone();
            }
            if let Some(extra) = &figs.caption {
                cap.0 = format!("{} · {extra}", cap.0);
            }
            for path in plot::render_with(&chart, &dir, &stem, look)
                .with_context(|| format!("plot {stem}"))?
            {
                let bytes = std::fs::metadata(&path).map_or(0, |m| m.len() as usize);
                let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
                written.push((name.unwrap_or_default(), bytes));
            }
        }
    }
    let failed_txt = dir.join("failed.txt");
    if failures.is_empty() {
        if failed_txt.exists() {
            std::fs::remove_file(&failed_txt)
                .with_context(|| format!("removing {}", failed_txt.display()))?;
        }
    } else {
        let text = failures.join("\n\n") + "\n";
        write_atomic(&failed_txt, text.as_bytes())?;
        written.push(("failed.txt".into(), text.len()));
    }
    written.sort();
    let mut manifest = format!(
        "# kafkasim {} — written last: the files below are one complete run\n\
         scenario: {name} ({path})\npoints: {} finished, {} failed\nfiles:\n",
        env!("CARGO_PKG_VERSION"),
        results.len(),
        failures.len()
    );
    for (f, bytes) in &written {
        manifest.push_str(&format!("{f} {bytes}\n"));
    }
    write_atomic(&dir.join("manifest.txt"), manifest.as_bytes())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        // Clap's own checks: unique names across global and subcommand flags, and the rest.
        Cli::command().debug_assert();
    }
}
