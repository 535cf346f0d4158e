//! `kafkasim calibrate`: measure (or read measurements), fit, compare, write. Thin: flags to
//! library calls.

use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::{Args, ValueEnum};
use kafkasim::calibrate::data::{parse_measurements_csv, CalPoint};
use kafkasim::calibrate::fit::{Env, FitOptions};
use kafkasim::calibrate::{perftest, pipeline};
use kafkasim::report::prepare_dir;
use kafkasim::scenario::config::read_text_file;
use kafkasim::scenario::keys;

use crate::cli::UsageError;

/// Where the measurements come from, what to run, where to write.
#[derive(Args)]
#[command(group(clap::ArgGroup::new("source").required(true).args(["bootstrap", "from_perf_test", "from_csv"])))]
pub struct CalibrateArgs {
    /// Measure a real cluster at HOST:PORT[,HOST:PORT…] with rdkafka (needs the `calibrate`
    /// cargo feature). Creates and deletes its own topics only.
    #[arg(long, value_name = "HOST:PORT")]
    bootstrap: Option<String>,
    /// Use the text output of kafka-producer-perf-test / kafka-consumer-perf-test instead.
    #[arg(long = "from-perf-test", value_name = "FILE", num_args = 1..)]
    from_perf_test: Vec<PathBuf>,
    /// Refit from a measurements.csv written by an earlier calibration.
    #[arg(long = "from-csv", value_name = "FILE")]
    from_csv: Option<PathBuf>,
    /// Measurement plan (with --bootstrap): the seed experiment and producer sweeps, or a few
    /// small points for CI.
    #[arg(long, value_enum, default_value = "full")]
    plan: PlanArg,
    /// Records per point of the seed experiment (plan default: 100000 full, 20000 small).
    #[arg(long)]
    records: Option<u64>,
    /// Recorded repetitions per point.
    #[arg(long, default_value_t = 3)]
    repetitions: u32,
    /// Discarded warm-up runs per point before the recorded ones (0 = the first recorded run is
    /// marked cold and kept out of the means).
    #[arg(long, default_value_t = 1)]
    warmup: u32,
    /// Output folder.
    #[arg(long, default_value = "plots/calibration")]
    out: PathBuf,
    /// Keep the calibration's topics on the cluster instead of deleting them.
    #[arg(long)]
    keep: bool,
    /// The broker settings file written by scripts/kafka-local.sh (read for the cluster's
    /// group.initial.rebalance.delay.ms, threads, version and node count). Default:
    /// target/kafka-local/broker-settings.txt when measuring a broker on 127.0.0.1 and it exists.
    #[arg(long, value_name = "FILE")]
    broker_settings: Option<PathBuf>,
    /// Describe the measured machine or cluster with a scenario key, e.g. host.cores=16,
    /// cluster.layout=dedicated (repeatable; overrides what was detected). A fitted cost key
    /// (broker.request_cpu_us, …) is held at the value given, not fitted.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    sets: Vec<String>,
    /// Seconds allowed for the first answer of the cluster.
    #[arg(long, default_value_t = 10.0)]
    connect_timeout_s: f64,
    /// Seconds allowed for one phase (producing, or consuming with one group).
    #[arg(long, default_value_t = 120.0)]
    phase_timeout_s: f64,
    /// Objective evaluations of the fit (at least 1).
    #[arg(long, default_value_t = 600, value_parser = clap::value_parser!(u64).range(1..))]
    max_evals: u64,
    /// Seeds per simulated point in the comparison.
    #[arg(long, default_value_t = 3)]
    seeds: u32,
    /// A line for the profile's provenance comments (repeatable), e.g. "machine shared with two compilers".
    #[arg(long = "note")]
    notes: Vec<String>,
    /// Skip the comparison chart.
    #[arg(long)]
    no_plots: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum PlanArg {
    Full,
    Small,
}

fn usage(e: impl std::fmt::Display) -> anyhow::Error {
    UsageError(e.to_string()).into()
}

/// Runs the subcommand.
pub fn run(a: CalibrateArgs, ui: crate::ui::Ui) -> Result<()> {
    if a.repetitions == 0 {
        return Err(usage("--repetitions 0: expected at least 1"));
    }
    if a.seeds == 0 || a.seeds > 100 {
        return Err(usage(format!("--seeds {}: expected 1 to 100", a.seeds)));
    }
    if !(a.connect_timeout_s > 0.0 && a.phase_timeout_s > 0.0) {
        return Err(usage(
            "--connect-timeout-s and --phase-timeout-s must be > 0",
        ));
    }
    let local = a.bootstrap.as_deref().is_some_and(|b| {
        b.split(',')
            .all(|h| h.starts_with("127.") || h.starts_with("localhost"))
    });
    let settings_file = a.broker_settings.clone().or_else(|| {
        let p = PathBuf::from("target/kafka-local/broker-settings.txt");
        (local && p.is_file()).then_some(p)
    });
    let broker = match &settings_file {
        Some(p) => Some(read_broker_settings(p)?),
        None => None,
    };
    let mut env: Env = vec![];
    let mut provenance: Vec<String> = vec![];
    if a.bootstrap.is_some() || a.from_csv.is_some() {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        env.push(("host.cores".into(), cores.to_string()));
        env.push((
            "cluster.layout".into(),
            if local || a.from_csv.is_some() {
                "single-host"
            } else {
                "dedicated"
            }
            .into(),
        ));
        // Refitting stored measurements (--from-csv) on another machine: the measured machine
        // is the one a `--note "machine: …"` names, not this one.
        let named = a.notes.iter().any(|n| n.starts_with("machine: "));
        if !(a.from_csv.is_some() && named) {
            provenance.push(format!(
                "machine: {cores} core(s){}",
                cpu_model().map(|m| format!(", {m}")).unwrap_or_default()
            ));
        }
    }
    if let Some(b) = &broker {
        for (file_key, key) in [
            ("nodes", "cluster.brokers"),
            (
                "group.initial.rebalance.delay.ms",
                "broker.group.initial.rebalance.delay.ms",
            ),
            ("num.network.threads", "broker.num.network.threads"),
            ("num.io.threads", "broker.num.io.threads"),
        ] {
            if let Some(v) = b
                .iter()
                .find(|(k, _)| k == file_key)
                .map(|(_, v)| v.clone())
            {
                env.push((key.into(), v));
            }
        }
        let get = |k: &str| {
            b.iter()
                .find(|(x, _)| x == k)
                .map_or("?", |(_, v)| v.as_str())
        };
        provenance.push(format!(
            "cluster: Apache Kafka {} ({} node(s), KRaft, {}), group.initial.rebalance.delay.ms={}, \
             num.network.threads={}, num.io.threads={}",
            get("kafka.version"),
            get("nodes"),
            get("java.version"),
            get("group.initial.rebalance.delay.ms"),
            get("num.network.threads"),
            get("num.io.threads"),
        ));
    }
    for s in &a.sets {
        let (k, v) = s
            .split_once('=')
            .ok_or_else(|| usage(format!("--set `{s}`: expected KEY=VALUE")))?;
        let spec = keys::spec(k.trim()).ok_or_else(|| {
            usage(kafkasim::scenario::ScenarioError::UnknownKey {
                key: k.trim().into(),
                suggestion: keys::nearest(k.trim()),
            })
        })?;
        kafkasim::scenario::Value::from_str(spec, v).map_err(usage)?;
        env.retain(|(x, _)| x != spec.path);
        env.push((spec.path.to_string(), v.trim().to_string()));
    }
    provenance.extend(a.notes.iter().cloned());

    let out = prepare_dir(&a.out).map_err(usage)?;
    let (points, title) = if let Some(bootstrap) = &a.bootstrap {
        let (points, mut lines) = measure(&a, bootstrap, &out, ui)?;
        provenance.append(&mut lines);
        (points, format!("calibration against {bootstrap}"))
    } else if let Some(csv) = &a.from_csv {
        let shown = csv.display().to_string();
        let text = read_text_file(csv, MAX_INPUT_BYTES)
            .map_err(|e| usage(format!("--from-csv {shown}: {e}")))?;
        let points = parse_measurements_csv(&text, &shown).map_err(usage)?;
        provenance.push(format!("measurements: {} (refitted)", file_name(csv)));
        (points, format!("calibration from {}", file_name(csv)))
    } else {
        let mut points: Vec<CalPoint> = vec![];
        for f in &a.from_perf_test {
            let shown = f.display().to_string();
            let text = read_text_file(f, MAX_INPUT_BYTES)
                .map_err(|e| usage(format!("--from-perf-test {shown}: {e}")))?;
            for p in perftest::parse(&text, &shown).map_err(usage)? {
                if points.iter().any(|q| q.name == p.name) {
                    return Err(usage(format!(
                        "--from-perf-test {shown}: point name {:?} is used twice; name points with `# kafkasim: name=…`",
                        p.name
                    )));
                }
                points.push(p);
            }
        }
        let names: Vec<String> = a.from_perf_test.iter().map(|f| file_name(f)).collect();
        provenance.push(format!(
            "measurements: kafka perf-test output {}",
            names.join(", ")
        ));
        (
            points,
            format!("calibration from perf-test output ({})", names.join(", ")),
        )
    };
    let opts = pipeline::Options {
        out: out.clone(),
        fit: FitOptions {
            max_evals: a.max_evals as usize,
            seeds: vec![1],
        },
        compare_seeds: (1..=a.seeds as u64).collect(),
        title,
        provenance,
        no_plots: a.no_plots,
    };
    let fit_points = points
        .iter()
        .filter(|p| p.role == kafkasim::calibrate::data::Role::Fit)
        .count();
    let params = kafkasim::calibrate::fit::held(&env)
        .iter()
        .filter(|&&h| !h)
        .count();
    if fit_points < params {
        eprintln!(
            "kafkasim calibrate: warning: fitting {params} cost parameters on {fit_points} point(s): fewer points than parameters, so many parameter sets fit them equally well and the fitted values say little on their own; measure more points (--plan full) and judge the fit by the held-out points"
        );
    }
    eprintln!(
        "kafkasim calibrate: fitting {} cost parameters on {} point(s) ({} held out) …",
        params,
        points
            .iter()
            .filter(|p| p.role == kafkasim::calibrate::data::Role::Fit)
            .count(),
        points
            .iter()
            .filter(|p| p.role == kafkasim::calibrate::data::Role::HeldOut)
            .count(),
    );
    let progress = ui.progress(
        kafkasim::calibrate::fit::evaluations_at_most(&opts.fit) as u64,
        "evaluations of the fit (at most)",
    );
    let outcome = pipeline::analyse(&points, &env, &opts, &|| progress.inc());
    progress.finish();
    let outcome = outcome?;
    crate::cli::write_stdout(
        &std::fs::read_to_string(out.join("comparison.txt")).unwrap_or_default(),
    )?;
    eprintln!(
        "kafkasim calibrate: fit: mean squared log error {:.4} (defaults {:.4}) after {} evaluations",
        outcome.fit.msle, outcome.fit.msle_start, outcome.fit.evals
    );
    eprintln!("kafkasim calibrate: {}", outcome.errors.headline());
    eprintln!(
        "kafkasim calibrate: wrote {}",
        outcome
            .files
            .iter()
            .map(|f| f.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    );
    Ok(())
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| p.display().to_string())
}

fn cpu_model() -> Option<String> {
    let text = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    text.lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, m)| m.trim().to_string())
}

/// The largest measurement, perf-test or settings file read, bytes (a full calibration's
/// measurements.csv is about 40 KiB).
const MAX_INPUT_BYTES: u64 = 64 << 20;

/// `key=value` lines of scripts/kafka-local.sh's broker-settings.txt (comments skipped).
fn read_broker_settings(path: &Path) -> Result<Vec<(String, String)>> {
    let text = read_text_file(path, MAX_INPUT_BYTES)
        .map_err(|e| usage(format!("--broker-settings {}: {e}", path.display())))?;
    Ok(text
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect())
}

#[cfg(not(feature = "calibrate"))]
fn measure(
    _: &CalibrateArgs,
    _: &str,
    _: &Path,
    _: crate::ui::Ui,
) -> Result<(Vec<CalPoint>, Vec<String>)> {
    Err(usage(
        "--bootstrap: this kafkasim was built without the `calibrate` feature (rdkafka); rebuild \
         with `cargo build --release --features calibrate`, or use --from-perf-test / --from-csv",
    ))
}

#[cfg(feature = "calibrate")]
fn measure(
    a: &CalibrateArgs,
    bootstrap: &str,
    out: &Path,
    ui: crate::ui::Ui,
) -> Result<(Vec<CalPoint>, Vec<String>)> {
    use anyhow::Context;
    use kafkasim::calibrate::measure::{run_plan, MeasureOptions, Observer};
    use kafkasim::calibrate::plan::{self, Plan};
    use std::time::Duration;

    let plan_kind = match a.plan {
        PlanArg::Full => Plan::Full,
        PlanArg::Small => Plan::Small,
    };
    let plan = plan::points(plan_kind, a.records, a.repetitions, a.warmup);
    let opts = MeasureOptions {
        connect_timeout: Duration::from_secs_f64(a.connect_timeout_s),
        phase_timeout: Duration::from_secs_f64(a.phase_timeout_s),
        keep: a.keep,
        ..MeasureOptions::default()
    };
    let runs: u32 = plan.iter().map(|p| p.warmup + p.repetitions).sum();
    eprintln!(
        "kafkasim calibrate: measuring {bootstrap}: {} point(s), {runs} run(s) (plan {}, {} repetition(s) after {} warm-up run(s)); Ctrl-C stops and deletes the topics",
        plan.len(),
        if plan_kind == Plan::Full { "full" } else { "small" },
        a.repetitions,
        a.warmup
    );
    let (version, _) = rdkafka::util::get_rdkafka_version();
    let lines = vec![
        format!(
            "client: librdkafka {}.{}.{} through the rdkafka crate (Rust), one producer, consumers on threads of one process; values are pseudo-random bytes",
            (version >> 24) & 0xff,
            (version >> 16) & 0xff,
            (version >> 8) & 0xff
        ),
        format!(
            "measurements: plan {}, {} repetition(s) after {} warm-up run(s) per point; fitted on the 1-partition points, the 2- and 4-partition points held out",
            if plan_kind == Plan::Full { "full" } else { "small" },
            a.repetitions,
            a.warmup
        ),
    ];
    /// The bar counts repetitions; --verbose prints each measurement above it.
    struct Bar(crate::ui::Progress);
    impl Observer for Bar {
        fn measured(&self, line: String) {
            self.0.note(|| line);
        }
        fn repetition_done(&self) {
            self.0.inc();
        }
    }
    let bar = Bar(ui.progress(runs as u64, "measured runs"));
    let measured = run_plan(bootstrap, &plan, &opts, &bar);
    bar.0.finish();
    match measured {
        Ok(ms) => Ok((plan::cal_points(&plan, &ms), lines)),
        Err(e) => {
            let kept = plan::cal_points(&plan, e.partial());
            if !kept.is_empty() {
                let path = pipeline::write_measurements(out, &kept)?;
                eprintln!(
                    "kafkasim calibrate: kept {} partial measurement(s) in {}",
                    e.partial().len(),
                    path.display()
                );
            }
            Err(anyhow::Error::new(e)).context("measuring")
        }
    }
}
