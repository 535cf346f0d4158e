//! Running scenarios: one simulation ([`simulate`]), and a sweep of grid points × seeds run in
//! parallel ([`run`]) whose results come back in grid order, so output bytes never depend on
//! thread scheduling.

pub mod footprint;
pub mod guarantees;
pub mod rebalances;
pub mod shard;
pub mod stats;
pub mod summary;
pub mod untrusted;
pub mod usage;

use crate::checks::Violation;
use crate::engine::{run as run_engine, BudgetExceeded, EventQueue, RunStart};
use crate::kafka::metrics::{AssignmentSample, ConsumerSample, PartitionSample};
use crate::kafka::Cluster;
use crate::scenario::{Point, Scenario, ScenarioError, SimConfig};
use rayon::prelude::*;
pub use summary::Summary;

/// One simulation's results.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RunOutput {
    /// Master seed of the run.
    pub seed: u64,
    /// Headline numbers.
    pub summary: Summary,
    /// Per-partition time series.
    pub partition_series: Vec<PartitionSample>,
    /// Per-host hardware counters over time.
    pub host_series: Vec<crate::hardware::HostSample>,
    /// Per-consumer time series.
    pub consumer_series: Vec<ConsumerSample>,
    /// Per-group time series (scenarios with several groups).
    pub group_series: Vec<crate::kafka::metrics::GroupSample>,
    /// Per-broker disk usage over time (logs that shrink, or several topics).
    pub disk_series: Vec<crate::kafka::metrics::BrokerDiskSample>,
    /// Broken invariants (empty when every check held).
    pub violations: Vec<Violation>,
    /// Every consumer's owned partitions over time.
    pub assignments: Vec<AssignmentSample>,
    /// `kafka-consumer-groups --describe` views at run.describe_at_ms.
    pub describes: Vec<String>,
    /// `kafka-topics --describe` views at run.describe_at_ms.
    pub topic_describes: Vec<String>,
    /// Per-partition leader, ISR, HW and LEO over time (replicated topics, broker failures).
    pub replica_series: Vec<crate::kafka::replication::describe::ReplicaSample>,
}

impl RunOutput {
    /// Bytes its outputs hold (vectors by their length, texts by theirs; a close lower bound).
    pub fn held_bytes(&self) -> u64 {
        fn v<T>(xs: &[T]) -> u64 {
            std::mem::size_of_val(xs) as u64
        }
        let s = &self.summary;
        let consumers: u64 = s.consumers.iter().map(|c| v(&c.partitions)).sum();
        let assignments: u64 = self.assignments.iter().map(|a| v(&a.partitions)).sum();
        let texts: u64 = (self.describes.iter())
            .chain(&self.topic_describes)
            .chain(&s.refused_events)
            .map(|t| t.len() as u64)
            .sum();
        std::mem::size_of::<Self>() as u64
            + v(&self.partition_series)
            + v(&self.host_series)
            + v(&self.consumer_series)
            + v(&self.group_series)
            + v(&self.disk_series)
            + v(&self.replica_series)
            + v(&self.assignments)
            + assignments
            + v(&self.violations)
            + v(&s.consumers)
            + consumers
            + v(&s.partition_records)
            + v(&s.hosts)
            + v(&s.rebalance_list)
            + texts
    }

    /// What a finished run of a sweep of `runs` runs keeps while the others go on: all of it
    /// for a point's `first` run (the one drawn and written), else its summary; an error when
    /// that is more than `limit_bytes`.
    pub fn keep_within(
        &mut self,
        first: bool,
        limit_bytes: u64,
        runs: u64,
    ) -> Result<(), BudgetExceeded> {
        if !first {
            self.keep_summary_only();
        }
        let held_bytes = self.held_bytes();
        if held_bytes > limit_bytes {
            return Err(BudgetExceeded::Outputs {
                limit_bytes,
                held_bytes,
                runs,
            });
        }
        Ok(())
    }

    /// Drop what only a point's first run is drawn and written from: its time series,
    /// assignments and describe views.
    pub fn keep_summary_only(&mut self) {
        self.partition_series = vec![];
        self.host_series = vec![];
        self.consumer_series = vec![];
        self.group_series = vec![];
        self.disk_series = vec![];
        self.replica_series = vec![];
        self.assignments = vec![];
        self.describes = vec![];
        self.topic_describes = vec![];
    }
}

/// Run `cfg` once with master seed `seed`; refused before the model is built when its
/// estimated memory ([`footprint`]) is over `run.max_memory_mb`.
pub fn simulate(cfg: &SimConfig, seed: u64) -> Result<RunOutput, BudgetExceeded> {
    let need = footprint::estimate(cfg);
    if need.bytes > cfg.budget.max_memory_bytes {
        return Err(BudgetExceeded::MemoryEstimate {
            limit_bytes: cfg.budget.max_memory_bytes,
            estimate_bytes: need.bytes,
            largest: need.largest,
        });
    }
    let start = RunStart::now();
    let mut queue = EventQueue::new();
    let mut cluster = Cluster::new(cfg.clone(), seed, &mut queue);
    let stats = run_engine(&mut cluster, &mut queue, cfg.budget, &start)?;
    cluster.sample(stats.end_ns);
    let (_, metrics, checks, hosts, groups) = cluster.into_parts();
    let usage: Vec<usage::HostUsage> = crate::kafka::cluster::host_names(cfg)
        .into_iter()
        .zip(&hosts)
        .enumerate()
        .map(|(i, (name, h))| {
            let own_cpu_ns = metrics.cpu_done_ns.get(i).copied();
            usage::HostUsage::of(name, h, own_cpu_ns, stats.end_ns)
        })
        .collect();
    let summary = Summary::new(seed, stats, &metrics, &checks, &hosts, usage, cfg, &groups);
    Ok(RunOutput {
        seed,
        summary,
        partition_series: metrics.partition_series,
        host_series: metrics.host_series,
        consumer_series: metrics.consumer_series,
        group_series: metrics.group_series,
        disk_series: metrics.disk_series,
        violations: checks.violations(),
        assignments: metrics.assignments,
        describes: metrics.describes,
        topic_describes: metrics.topic_describes,
        replica_series: metrics.replica_series,
    })
}

/// All runs of one grid point.
#[derive(Clone, Debug)]
pub struct PointResult {
    /// The point.
    pub point: Point,
    /// Its resolved configuration.
    pub config: SimConfig,
    /// One run per seed, in seed order.
    pub runs: Vec<RunOutput>,
}

/// A run that failed, with the command that reproduces it.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// A bad scenario.
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    /// A run hit its budget.
    #[error("{source}\n  at sweep point `{point}`, seed {seed}; reproduce with: kafkasim run {file} --seed {seed} --seeds 1{sets}")]
    Budget {
        /// Cause.
        source: BudgetExceeded,
        /// Point name.
        point: String,
        /// Seed.
        seed: u64,
        /// Scenario file.
        file: String,
        /// `--set` flags: the user's overrides, then the point's swept values.
        sets: String,
    },
}

/// `--set` flags that make `kafkasim run FILE` run point `p` of `sc` alone: the user's own
/// overrides (but seed and seeds, given apart), then the point's swept values.
pub fn reproduce_sets(sc: &Scenario, p: &crate::scenario::Point) -> String {
    let quote = |v: &crate::scenario::Value| {
        let s = v.to_string();
        if s.is_empty() || s.contains([' ', '"', '\'', ',']) {
            format!("'{}'", s.replace('\'', "'\\''"))
        } else {
            s
        }
    };
    sc.user_overrides()
        .filter(|(k, _)| !p.label.iter().any(|(l, _)| l == k))
        .chain(p.label.iter())
        .map(|(k, v)| format!(" --set {k}={}", quote(v)))
        .collect()
}

/// The points of a sweep that ran, and why the others did not.
pub struct Outcome<E = RunError> {
    /// Points whose every seed finished, in grid order.
    pub results: Vec<PointResult>,
    /// One error per point that did not (its first failing seed, with a reproduce command).
    pub failed: Vec<E>,
}

/// Every run of a scenario: each grid point with `seeds` seeds from its `seed`, on `threads`
/// threads (0 = all cores). Results are in grid order whatever the thread count; a point over
/// its budget is reported in [`Outcome::failed`] without discarding the others. Only a bad
/// scenario is an error.
pub fn run_all(sc: &Scenario, threads: usize) -> Result<Outcome, RunError> {
    run_all_with(sc, threads, &|_, _| {})
}

/// [`run_all`], calling `on_run(point, seed)` as each run finishes (from the worker threads,
/// in no set order: for progress displays, never for outputs).
pub fn run_all_with(
    sc: &Scenario,
    threads: usize,
    on_run: &(dyn Fn(&Point, u64) + Sync),
) -> Result<Outcome, RunError> {
    Ok(run_points(sc, sweep_points(sc)?, threads, on_run))
}

/// [`run_all_with`] over `points` already resolved by [`sweep_points`].
pub fn run_points(
    sc: &Scenario,
    points: Vec<(Point, SimConfig)>,
    threads: usize,
    on_run: &(dyn Fn(&Point, u64) + Sync),
) -> Outcome {
    let all: Vec<usize> = (0..job_count(&points)).collect();
    let outs = run_jobs(sc, &points, &all, threads, on_run);
    assemble(points, outs.into_iter().map(|(_, o)| o))
}

/// Runs in a sweep: its points' seeds, summed.
pub fn job_count(points: &[(Point, SimConfig)]) -> usize {
    points.iter().map(|(_, c)| c.seeds as usize).sum()
}

/// The points of `sc`, each with its share of the memory its finished runs may keep.
pub fn sweep_points(sc: &Scenario) -> Result<Vec<(Point, SimConfig)>, ScenarioError> {
    let mut points = sc.resolve_all()?;
    let runs = job_count(&points) as u64;
    // Finished runs wait for the others: together they keep at most half of the memory budget,
    // each its share, so a sweep's memory does not grow with its size. Only a point's first
    // run keeps its series (the only ones drawn and written).
    for (_, c) in &mut points {
        c.budget.max_output_bytes = c.budget.max_memory_bytes / 2 / runs.max(1);
    }
    Ok(points)
}

/// Every run of a sweep as (point index, seed), points in grid order, seeds in order: job
/// numbers, the same on every machine, by which shards split a sweep.
pub fn jobs(points: &[(Point, SimConfig)]) -> Vec<(usize, u64)> {
    points
        .iter()
        .enumerate()
        .flat_map(|(i, (_, c))| (0..c.seeds as u64).map(move |k| (i, c.seed + k)))
        .collect()
}

/// Run the jobs numbered `which` (see [`jobs`]) on `threads` threads; each output with its
/// job number, in the order of `which`.
pub fn run_jobs(
    sc: &Scenario,
    points: &[(Point, SimConfig)],
    which: &[usize],
    threads: usize,
    on_run: &(dyn Fn(&Point, u64) + Sync),
) -> Vec<(usize, Result<RunOutput, RunError>)> {
    let all = jobs(points);
    let runs = all.len() as u64;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("thread pool");
    pool.install(|| {
        which
            .par_iter()
            .map(|&job| {
                let (i, seed) = all[job];
                let (p, c) = &points[i];
                let fail = |source| RunError::Budget {
                    source,
                    point: p.name(),
                    seed,
                    file: sc.source.clone(),
                    sets: reproduce_sets(sc, p),
                };
                let out = simulate(c, seed).map_err(fail);
                on_run(p, seed);
                let out = out.and_then(|mut out| {
                    out.keep_within(seed == c.seed, c.budget.max_output_bytes, runs)
                        .map_err(fail)?;
                    Ok(out)
                });
                (job, out)
            })
            .collect()
    })
}

/// Points and their runs from every job's output in job order: a point whose every seed
/// finished is a result, else its first failing seed's error is.
pub fn assemble<E>(
    points: Vec<(Point, SimConfig)>,
    outs: impl IntoIterator<Item = Result<RunOutput, E>>,
) -> Outcome<E> {
    let mut outs = outs.into_iter();
    let mut results = Vec::with_capacity(points.len());
    let mut failed = vec![];
    for (point, config) in points {
        // Every seed's output is taken before any error is kept: collecting straight into a
        // Result would stop at the first failing seed and hand its point's later seeds to the
        // next point.
        let runs: Vec<Result<RunOutput, E>> = (0..config.seeds)
            .map(|_| outs.next().expect("one output per job"))
            .collect();
        let runs = runs.into_iter().collect::<Result<Vec<_>, _>>();
        match runs {
            Ok(runs) => results.push(PointResult {
                point,
                config,
                runs,
            }),
            Err(e) => failed.push(e),
        }
    }
    Outcome { results, failed }
}

/// Every run of a scenario, all or nothing: the first failed point's error if any failed.
pub fn run(sc: &Scenario, threads: usize) -> Result<Vec<PointResult>, RunError> {
    let out = run_all(sc, threads)?;
    match out.failed.into_iter().next() {
        Some(e) => Err(e),
        None => Ok(out.results),
    }
}
