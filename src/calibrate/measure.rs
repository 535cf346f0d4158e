//! Measurements against a real Kafka broker through librdkafka (the `rdkafka` crate).
//!
//! [`run_plan`] reproduces the classroom experiment on a real cluster, once per
//! [`MeasurePoint`] and repetition:
//!
//! ```text
//!  create topic ─► produce N records ─► consume all with 1 consumer ─► consume all with a
//!  (own prefix)    as fast as possible     (fresh group, earliest)        group of C consumers
//!                  timed to the last ack                                  (fresh group, threads)
//! ```
//!
//! and deletes its topics at the end (unless [`MeasureOptions::keep`]). Each repetition uses a
//! topic and consumer groups of its own, named
//! `<prefix>-<pid>-<unix time>-<point index>-<point>-r<run>` (groups add `-c<consumers>`), so
//! offsets always start at the beginning and nothing else on the cluster is read, written or
//! deleted.
//!
//! What is timed (all with [`std::time::Instant`], in seconds):
//! - **Produce**: from the first `send` to the moment every record is acknowledged (`flush`
//!   returned). Client creation and the topic's metadata lookup happen before the clock starts.
//!   `first_record_s` is the time to the first delivery acknowledgement.
//! - **Consume**: consumers are created first; the clock starts when they all subscribe at
//!   once. `wall_s` runs until the last record of the last partition has been received
//!   (partition positions reach the high watermarks read after producing, so a record received
//!   twice after a rebalance cannot end the phase early). `first_record_s` is the time to the
//!   first record received by any consumer; `group_join_s` the time until every consumer that
//!   took part got its first partition assignment (the group's first generation is complete,
//!   including `group.initial.rebalance.delay.ms` on the broker).
//!
//! Ctrl-C (SIGINT) or SIGTERM during a run stops it between records and phases, deletes the
//! topics and returns [`MeasureError::Interrupted`] with the measurements taken so far; a second
//! Ctrl-C ends the process at once. Every error that happens after the first measurement carries
//! the measurements taken so far ([`MeasureError::partial`]).

// MeasureError carries the partial measurements and names every field it reports; it is built
// once per failed plan, so its size does not matter.
#![allow(clippy::result_large_err)]

use std::io::Write as _;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, Mutex, OnceLock};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer, ConsumerContext, Rebalance};
use rdkafka::error::KafkaError;
use rdkafka::message::Message;
use rdkafka::producer::{BaseProducer, BaseRecord, DeliveryResult, Producer, ProducerContext};
use rdkafka::types::RDKafkaErrorCode;
use rdkafka::ClientContext;

use super::admin::Admin;

// ---------------------------------------------------------------------------------------------
// Plan and results
// ---------------------------------------------------------------------------------------------

/// How the producer keys its records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyMode {
    /// No key (librdkafka's default partitioner then uses sticky random partitions).
    None,
    /// A fresh random 16-character hex key per record.
    Random,
    /// The same key on every record, so every record lands on one partition.
    Fixed,
}

impl KeyMode {
    /// The key used by [`KeyMode::Fixed`].
    pub const FIXED_KEY: &'static [u8] = super::plan::FIXED_KEY.as_bytes();
}

/// One configuration to measure.
#[derive(Debug, Clone)]
pub struct MeasurePoint {
    /// Name used in topic names (sanitised) and in every [`Measurement`]; unique in a plan.
    pub name: String,
    /// Partitions of the topic (1..=10,000).
    pub partitions: u32,
    /// Records produced, then consumed, per repetition (1..=100,000,000).
    pub records: u64,
    /// Bytes of each record's value (0..=10 MiB).
    pub value_bytes: u32,
    /// How records are keyed.
    pub key_mode: KeyMode,
    /// Consumers in the group phase; the group phase is skipped when this is 0 or 1
    /// (the single-consumer phase always runs).
    pub consumers: u32,
    /// librdkafka producer settings applied on top of its defaults, e.g.
    /// `("linger.ms","5")`, `("batch.size","16384")`, `("compression.type","lz4")`.
    pub producer_config: Vec<(String, String)>,
    /// Recorded repetitions (>= 1).
    pub repetitions: u32,
    /// Runs done first and left out of the repetitions, to warm the broker and client (the
    /// first of them is still recorded, marked `cold`).
    pub warmup: u32,
}

pub use super::data::{Phase, Sample};

/// One timed phase of one repetition: which point and phase, and what was measured.
#[derive(Debug, Clone, PartialEq)]
pub struct Measurement {
    /// [`MeasurePoint::name`].
    pub point: String,
    /// What was timed.
    pub phase: Phase,
    /// The repetition's figures (its `cold` run is kept even when it is a warm-up run).
    pub sample: Sample,
}

impl Measurement {
    /// Consumers in this phase (0 for produce).
    pub fn consumers(&self) -> usize {
        self.sample.records_per_consumer.len()
    }
}

/// What the record values look like (matters for compression).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Payload {
    /// Pseudo-random bytes: incompressible.
    Random,
    /// JSON-like ASCII events from a small vocabulary: compressible like typical event data.
    JsonLike,
}

/// Options of a whole plan. Defaults are listed on each field.
#[derive(Debug, Clone)]
pub struct MeasureOptions {
    /// Time allowed for the first metadata answer; an unreachable broker fails after it.
    /// Default: 10 s.
    pub connect_timeout: Duration,
    /// Time allowed for one phase (producing, or consuming with one group). Default: 120 s.
    pub phase_timeout: Duration,
    /// Keep the run's topics (and groups) instead of deleting them at the end.
    /// Default: `false`.
    pub keep: bool,
    /// Replication factor of the run's topics. Default: `1`.
    pub replication_factor: i32,
    /// First part of every topic and group name. Default: `"kafkasim-cal"`.
    pub topic_prefix: String,
    /// librdkafka consumer settings applied on top of the harness's
    /// (`auto.offset.reset=earliest`, `enable.auto.commit=false`). Default: empty.
    pub consumer_config: Vec<(String, String)>,
    /// Record values. Default: `Payload::Random`.
    pub payload: Payload,
    /// Seed of keys and values (same seed, same bytes). Default: `1`.
    pub seed: u64,
    /// Catch SIGINT/SIGTERM during the run (restoring the previous handlers afterwards). Turn off
    /// when the caller handles signals itself and passes [`MeasureOptions::cancel`].
    /// Default: `true`.
    pub handle_signals: bool,
    /// A flag the caller may set to stop the run as if Ctrl-C was pressed. Default: `None`.
    pub cancel: Option<Arc<AtomicBool>>,
}

/// Told how [`run_plan`] goes, for progress displays; it changes no measurement.
pub trait Observer {
    /// A measurement was taken; `line` says what it measured.
    fn measured(&self, line: String);
    /// A repetition of a point (every phase of it) is done.
    fn repetition_done(&self);
}

/// An [`Observer`] that ignores everything.
pub struct Unobserved;

impl Observer for Unobserved {
    fn measured(&self, _: String) {}
    fn repetition_done(&self) {}
}

impl Default for MeasureOptions {
    fn default() -> Self {
        MeasureOptions {
            connect_timeout: Duration::from_secs(10),
            phase_timeout: Duration::from_secs(120),
            keep: false,
            replication_factor: 1,
            topic_prefix: "kafkasim-cal".to_string(),
            consumer_config: Vec::new(),
            payload: Payload::Random,
            seed: 1,
            handle_signals: true,
            cancel: None,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/// Why a plan stopped. Variants raised after the first measurement carry the measurements taken
/// so far in `partial`.
#[derive(Debug, thiserror::Error)]
pub enum MeasureError {
    /// A field of a point is out of range.
    #[error("measure point {point:?}: `{field}` {reason}")]
    InvalidPoint {
        /// Name of the point ([`MeasurePoint::name`]).
        point: String,
        /// Field or option at fault.
        field: &'static str,
        /// What is wrong, with the accepted range or the broker's answer.
        reason: String,
    },
    /// An option is out of range.
    #[error("measure option `{field}` {reason}")]
    InvalidOption {
        /// Field or option at fault.
        field: &'static str,
        /// What is wrong, with the accepted range or the broker's answer.
        reason: String,
    },
    /// No metadata answer from the bootstrap servers.
    #[error(
        "Kafka at {bootstrap} unreachable: no usable metadata answer (waited up to {timeout_s:.0} s): \
         {reason}; is the broker running (scripts/kafka-local.sh status) and is the address right?"
    )]
    Unreachable {
        /// The bootstrap servers tried.
        bootstrap: String,
        /// The time allowed, in seconds.
        timeout_s: f64,
        /// What is wrong, with the accepted range or the broker's answer.
        reason: String,
    },
    /// A client could not be created or a client call failed.
    #[error("{what}: {source}")]
    Client {
        /// What was being done.
        what: String,
        /// librdkafka's error.
        source: KafkaError,
        /// Measurements taken before the error.
        partial: Vec<Measurement>,
    },
    /// A consumer could not be created, subscribe, or its thread failed.
    #[error("{phase} on topic {topic:?}: {reason}")]
    Consumer {
        /// The run's topic concerned.
        topic: String,
        /// The phase, e.g. "consume with a group of 4".
        phase: String,
        /// What is wrong, with the accepted range or the broker's answer.
        reason: String,
        /// Measurements taken before the error.
        partial: Vec<Measurement>,
    },
    /// The broker refused (or did not answer) the creation of one of the run's topics.
    #[error("creating topic {topic:?} failed: {reason}")]
    TopicCreation {
        /// The run's topic concerned.
        topic: String,
        /// What is wrong, with the accepted range or the broker's answer.
        reason: String,
        /// Measurements taken before the error.
        partial: Vec<Measurement>,
    },
    /// A phase did not finish within [`MeasureOptions::phase_timeout`].
    #[error(
        "point {point:?} repetition {repetition}: {phase} on topic {topic:?} timed out after \
         {timeout_s:.1} s with {done} of {expected} records{detail}"
    )]
    PhaseTimeout {
        /// Name of the point ([`MeasurePoint::name`]).
        point: String,
        /// Recorded repetition number.
        repetition: u32,
        /// The phase, e.g. "consume with a group of 4".
        phase: String,
        /// The run's topic concerned.
        topic: String,
        /// The time allowed, in seconds.
        timeout_s: f64,
        /// Records acknowledged (produce) or distinct records received (consume) in time.
        done: u64,
        /// Records of the repetition.
        expected: u64,
        /// Extra context: records sent, consumers assigned, last client error.
        detail: String,
        /// Measurements taken before the error.
        partial: Vec<Measurement>,
    },
    /// Records were not acknowledged, or the topic holds another count than was produced.
    #[error("point {point:?}: producing to topic {topic:?}: {reason}")]
    Delivery {
        /// Name of the point ([`MeasurePoint::name`]).
        point: String,
        /// The run's topic concerned.
        topic: String,
        /// What is wrong, with the accepted range or the broker's answer.
        reason: String,
        /// Measurements taken before the error.
        partial: Vec<Measurement>,
    },
    /// Ctrl-C, SIGTERM or the cancel flag.
    #[error("interrupted during {during}; {} measurement(s) kept", .partial.len())]
    Interrupted {
        /// Where the run was when it stopped.
        during: String,
        /// Measurements taken before the error.
        partial: Vec<Measurement>,
    },
    /// The run's own topics could not be deleted at the end.
    #[error("could not delete calibration topic(s) {topics:?}: {reason}")]
    Cleanup {
        /// Topics left behind.
        topics: Vec<String>,
        /// What is wrong, with the accepted range or the broker's answer.
        reason: String,
        /// Measurements taken before the error.
        partial: Vec<Measurement>,
    },
}

impl MeasureError {
    pub(crate) fn client(what: impl Into<String>, source: KafkaError) -> Self {
        MeasureError::Client {
            what: what.into(),
            source,
            partial: Vec::new(),
        }
    }

    /// Measurements taken before the error (empty for errors raised before any).
    pub fn partial(&self) -> &[Measurement] {
        match self {
            MeasureError::Client { partial, .. }
            | MeasureError::Consumer { partial, .. }
            | MeasureError::TopicCreation { partial, .. }
            | MeasureError::PhaseTimeout { partial, .. }
            | MeasureError::Delivery { partial, .. }
            | MeasureError::Interrupted { partial, .. }
            | MeasureError::Cleanup { partial, .. } => partial,
            _ => &[],
        }
    }

    /// Takes the measurements out of the error.
    pub fn into_partial(self) -> Vec<Measurement> {
        match self {
            MeasureError::Client { partial, .. }
            | MeasureError::Consumer { partial, .. }
            | MeasureError::TopicCreation { partial, .. }
            | MeasureError::PhaseTimeout { partial, .. }
            | MeasureError::Delivery { partial, .. }
            | MeasureError::Interrupted { partial, .. }
            | MeasureError::Cleanup { partial, .. } => partial,
            _ => Vec::new(),
        }
    }

    fn with_partial(mut self, measurements: Vec<Measurement>) -> Self {
        match &mut self {
            MeasureError::Client { partial, .. }
            | MeasureError::Consumer { partial, .. }
            | MeasureError::TopicCreation { partial, .. }
            | MeasureError::PhaseTimeout { partial, .. }
            | MeasureError::Delivery { partial, .. }
            | MeasureError::Interrupted { partial, .. }
            | MeasureError::Cleanup { partial, .. } => *partial = measurements,
            _ => {}
        }
        self
    }
}

// ---------------------------------------------------------------------------------------------
// The plan
// ---------------------------------------------------------------------------------------------

/// Distinguishes the runs of one process, so two plans never share a topic name.
static RUN_COUNTER: AtomicU32 = AtomicU32::new(0);

/// Measures every point of `points` against the cluster at `bootstrap`; see the module docs.
///
/// Fails fast (before creating anything) on an invalid point or option and on an unreachable
/// cluster (within [`MeasureOptions::connect_timeout`]).
pub fn run_plan(
    bootstrap: &str,
    points: &[MeasurePoint],
    opts: &MeasureOptions,
    observer: &dyn Observer,
) -> Result<Vec<Measurement>, MeasureError> {
    validate(points, opts)?;
    let _signals = if opts.handle_signals {
        Some(signals::install())
    } else {
        None
    };
    let admin = Admin::connect(bootstrap, opts.connect_timeout)?;
    let brokers = admin.brokers().len();
    if opts.replication_factor > brokers as i32 {
        return Err(MeasureError::InvalidOption {
            field: "replication_factor",
            reason: format!(
                "is {} but the cluster at {bootstrap} has {brokers} broker(s)",
                opts.replication_factor
            ),
        });
    }
    let prefix = format!(
        "{}-{}-{}{}",
        sanitize(&opts.topic_prefix),
        std::process::id(),
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0),
        match RUN_COUNTER.fetch_add(1, Ordering::Relaxed) {
            0 => String::new(),
            n => format!("-{n}"),
        }
    );
    let mut run = Run {
        admin: &admin,
        bootstrap,
        opts,
        observer,
        prefix,
        topics: Vec::new(),
        groups: Vec::new(),
        measurements: Vec::new(),
    };
    let outcome = run.points(points);
    let cleanup = if opts.keep { Ok(()) } else { run.cleanup() };
    let measurements = std::mem::take(&mut run.measurements);
    match (outcome, cleanup) {
        (Ok(()), Ok(())) => Ok(measurements),
        (Ok(()), Err(e)) => Err(e.with_partial(measurements)),
        (Err(e), cleanup) => {
            if let Err(c) = cleanup {
                eprintln!("kafkasim calibrate: warning: {c}");
            }
            Err(e.with_partial(measurements))
        }
    }
}

fn validate(points: &[MeasurePoint], opts: &MeasureOptions) -> Result<(), MeasureError> {
    let bad = |p: &MeasurePoint, field: &'static str, reason: String| MeasureError::InvalidPoint {
        point: p.name.clone(),
        field,
        reason,
    };
    for (i, p) in points.iter().enumerate() {
        if sanitize(&p.name).is_empty() {
            return Err(bad(
                p,
                "name",
                "must contain at least one of [A-Za-z0-9._-]".into(),
            ));
        }
        if points[..i].iter().any(|q| q.name == p.name) {
            return Err(bad(
                p,
                "name",
                "is used by two points; names must be unique".into(),
            ));
        }
        if !(1..=10_000).contains(&p.partitions) {
            return Err(bad(
                p,
                "partitions",
                format!("must be in 1..=10000, got {}", p.partitions),
            ));
        }
        if !(1..=100_000_000).contains(&p.records) {
            return Err(bad(
                p,
                "records",
                format!("must be in 1..=100000000, got {}", p.records),
            ));
        }
        if p.value_bytes > 10 << 20 {
            return Err(bad(
                p,
                "value_bytes",
                format!("must be at most 10485760, got {}", p.value_bytes),
            ));
        }
        if p.consumers > 1_000 {
            return Err(bad(
                p,
                "consumers",
                format!("must be in 0..=1000, got {}", p.consumers),
            ));
        }
        if p.repetitions == 0 {
            return Err(bad(p, "repetitions", "must be at least 1".into()));
        }
    }
    if opts.replication_factor < 1 {
        return Err(MeasureError::InvalidOption {
            field: "replication_factor",
            reason: format!("must be >= 1, got {}", opts.replication_factor),
        });
    }
    if opts.phase_timeout.is_zero() || opts.connect_timeout.is_zero() {
        return Err(MeasureError::InvalidOption {
            field: "phase_timeout/connect_timeout",
            reason: "must be > 0".into(),
        });
    }
    Ok(())
}

/// Keeps [A-Za-z0-9._-], maps anything else to '_', and bounds the length (topic names ≤ 249).
fn sanitize(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .take(100)
        .collect()
}

struct Run<'a> {
    admin: &'a Admin,
    bootstrap: &'a str,
    opts: &'a MeasureOptions,
    observer: &'a dyn Observer,
    prefix: String,
    /// Topics this run created (the only ones it may delete).
    topics: Vec<String>,
    /// Groups this run used.
    groups: Vec<String>,
    measurements: Vec<Measurement>,
}

/// Everything a phase needs to know about the repetition it belongs to.
struct Rep<'a> {
    point: &'a MeasurePoint,
    topic: String,
    /// Recorded repetition number (warm-up runs not counted).
    repetition: u32,
    cold: bool,
    warmup: bool,
    seed: u64,
}

impl Run<'_> {
    fn points(&mut self, points: &[MeasurePoint]) -> Result<(), MeasureError> {
        for (index, point) in points.iter().enumerate() {
            for run in 0..point.warmup + point.repetitions {
                let rep = Rep {
                    point,
                    topic: format!("{}-{index}-{}-r{run}", self.prefix, sanitize(&point.name)),
                    repetition: run.saturating_sub(point.warmup),
                    cold: run == 0,
                    warmup: run < point.warmup,
                    seed: splitmix(self.opts.seed ^ ((index as u64) << 32) ^ u64::from(run)),
                };
                self.repetition(&rep)?;
                self.observer.repetition_done();
            }
        }
        Ok(())
    }

    fn repetition(&mut self, rep: &Rep<'_>) -> Result<(), MeasureError> {
        self.check_cancel(&format!(
            "point {:?} before creating {}",
            rep.point.name, rep.topic
        ))?;
        self.admin.create_topic(
            &rep.topic,
            rep.point.partitions,
            self.opts.replication_factor,
        )?;
        self.topics.push(rep.topic.clone());

        let probe = LoadProbe::start();
        let produced = probe.finish(self.produce(rep)?);
        self.record(rep, produced);

        let marks =
            self.admin
                .watermarks(&rep.topic, rep.point.partitions, Duration::from_secs(10))?;
        let stored: i64 = marks.iter().map(|(lo, hi)| hi - lo).sum();
        if stored != rep.point.records as i64 {
            return Err(MeasureError::Delivery {
                point: rep.point.name.clone(),
                topic: rep.topic.clone(),
                reason: format!(
                    "{} records acknowledged but the topic holds {stored}",
                    rep.point.records
                ),
                partial: Vec::new(),
            });
        }
        let probe = LoadProbe::start();
        let single = probe.finish(self.consume(rep, &marks, 1)?);
        self.record(rep, single);
        if rep.point.consumers >= 2 {
            let probe = LoadProbe::start();
            let group = probe.finish(self.consume(rep, &marks, rep.point.consumers)?);
            self.record(rep, group);
        }
        Ok(())
    }

    fn record(&mut self, rep: &Rep<'_>, m: Measurement) {
        self.observer.measured(format!(
            "kafkasim calibrate: {} rep {}{}{}: {}{} {} records in {:.3} s ({:.0} rec/s){}{}{}",
            m.point,
            m.sample.repetition,
            if rep.warmup {
                " (warm-up, discarded)"
            } else {
                ""
            },
            if m.sample.cold { " (cold)" } else { "" },
            m.phase,
            match m.consumers() {
                0 => String::new(),
                1 => " with 1 consumer".to_string(),
                n => format!(" with a group of {n}"),
            },
            m.sample.records,
            m.sample.wall_s,
            m.sample.records_per_s(),
            m.sample
                .first_record_s
                .map(|s| format!(", first after {s:.3} s"))
                .unwrap_or_default(),
            m.sample
                .group_join_s
                .map(|s| format!(", joined after {s:.3} s"))
                .unwrap_or_default(),
            if m.sample.loaded() {
                format!(
                    ", loaded: {:.2} s of CPU stolen by other tenants",
                    m.sample.steal_s.unwrap_or(0.0)
                )
            } else {
                String::new()
            },
        ));
        // The very first run of a point (cold caches) is kept even when it is a warm-up run,
        // marked `cold`, so it can be reported apart from the warm repetitions.
        if !rep.warmup || rep.cold {
            self.measurements.push(m);
        }
    }

    fn cancelled(&self) -> bool {
        signals::caught()
            || self
                .opts
                .cancel
                .as_ref()
                .is_some_and(|c| c.load(Ordering::Relaxed))
    }

    fn check_cancel(&self, during: &str) -> Result<(), MeasureError> {
        if self.cancelled() {
            Err(MeasureError::Interrupted {
                during: during.to_string(),
                partial: Vec::new(),
            })
        } else {
            Ok(())
        }
    }

    fn cleanup(&mut self) -> Result<(), MeasureError> {
        self.admin.delete_groups(&self.groups);
        let result = self
            .admin
            .delete_topics(&self.topics)
            .map_err(|(topics, reason)| MeasureError::Cleanup {
                topics,
                reason,
                partial: Vec::new(),
            });
        if result.is_ok() {
            self.topics.clear();
        }
        result
    }

    fn timeout_error(
        &self,
        rep: &Rep<'_>,
        phase: String,
        done: u64,
        detail: String,
    ) -> MeasureError {
        MeasureError::PhaseTimeout {
            point: rep.point.name.clone(),
            repetition: rep.repetition,
            phase,
            topic: rep.topic.clone(),
            timeout_s: self.opts.phase_timeout.as_secs_f64(),
            done,
            expected: rep.point.records,
            detail,
            partial: Vec::new(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Produce
// ---------------------------------------------------------------------------------------------

/// Counts acknowledgements; runs on the producing thread inside `poll`/`flush`.
#[derive(Default)]
struct DeliveryCounter {
    acked: AtomicU64,
    failed: AtomicU64,
    first_ack: OnceLock<Instant>,
    first_failure: OnceLock<String>,
    last_client_error: Mutex<Option<String>>,
}

impl ClientContext for DeliveryCounter {
    fn error(&self, error: KafkaError, reason: &str) {
        *self
            .last_client_error
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = Some(format!("{error}: {reason}"));
    }
}

impl ProducerContext for DeliveryCounter {
    type DeliveryOpaque = ();

    fn delivery(&self, result: &DeliveryResult<'_>, _: ()) {
        match result {
            Ok(_) => {
                let _ = self.first_ack.set(Instant::now());
                self.acked.fetch_add(1, Ordering::Relaxed);
            }
            Err((e, _)) => {
                let _ = self.first_failure.set(e.to_string());
                self.failed.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

impl Run<'_> {
    fn produce(&mut self, rep: &Rep<'_>) -> Result<Measurement, MeasureError> {
        let point = rep.point;
        let mut config = ClientConfig::new();
        config
            .set("bootstrap.servers", self.bootstrap)
            .set("client.id", "kafkasim-cal-producer");
        for (k, v) in &point.producer_config {
            config.set(k, v);
        }
        let producer: BaseProducer<DeliveryCounter> = config
            .create_with_context(DeliveryCounter::default())
            .map_err(|e| {
                MeasureError::client(
                    format!(
                        "creating the producer of point {:?} (check producer_config)",
                        point.name
                    ),
                    e,
                )
            })?;
        producer
            .client()
            .fetch_metadata(Some(&rep.topic), Duration::from_secs(10))
            .map_err(|e| {
                MeasureError::client(format!("producer metadata for topic {}", rep.topic), e)
            })?;

        let phase = "produce".to_string();
        let mut gen = RecordGen::new(
            rep.seed,
            self.opts.payload,
            point.key_mode,
            point.value_bytes,
        );
        let mut bytes = 0u64;
        let start = Instant::now();
        let deadline = start + self.opts.phase_timeout;
        for i in 0..point.records {
            let (key, value) = gen.next_record();
            bytes += (key.map_or(0, <[u8]>::len) + value.len()) as u64;
            let mut record = BaseRecord::<[u8], [u8]>::to(&rep.topic).payload(value);
            if let Some(k) = key {
                record = record.key(k);
            }
            loop {
                match producer.send(record) {
                    Ok(()) => break,
                    Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), back)) => {
                        record = back;
                        producer.poll(Duration::from_millis(1));
                        if Instant::now() >= deadline || self.cancelled() {
                            return Err(self.produce_stopped(rep, &producer, phase, i));
                        }
                    }
                    Err((e, _)) => {
                        return Err(MeasureError::Delivery {
                            point: point.name.clone(),
                            topic: rep.topic.clone(),
                            reason: format!("send of record {i} refused: {e}"),
                            partial: Vec::new(),
                        })
                    }
                }
            }
            if i % 1024 == 1023 {
                producer.poll(Duration::ZERO);
                if Instant::now() >= deadline || self.cancelled() {
                    return Err(self.produce_stopped(rep, &producer, phase, i + 1));
                }
            }
        }
        while producer.in_flight_count() > 0 {
            let _ = producer.flush(Duration::from_millis(100));
            if producer.in_flight_count() > 0 && (Instant::now() >= deadline || self.cancelled()) {
                return Err(self.produce_stopped(rep, &producer, phase, point.records));
            }
        }
        let wall = start.elapsed();
        let ctx = producer.context();
        let failed = ctx.failed.load(Ordering::Relaxed);
        if failed > 0 {
            return Err(MeasureError::Delivery {
                point: point.name.clone(),
                topic: rep.topic.clone(),
                reason: format!(
                    "{failed} of {} records failed delivery, first: {}",
                    point.records,
                    ctx.first_failure.get().map_or("?", String::as_str)
                ),
                partial: Vec::new(),
            });
        }
        Ok(Measurement {
            point: point.name.clone(),
            phase: Phase::Produce,
            sample: Sample {
                repetition: rep.repetition,
                cold: rep.cold,
                records: ctx.acked.load(Ordering::Relaxed),
                bytes,
                wall_s: wall.as_secs_f64(),
                first_record_s: ctx
                    .first_ack
                    .get()
                    .map(|t| t.saturating_duration_since(start).as_secs_f64()),
                group_join_s: None,
                records_per_consumer: Vec::new(),
                load_1m: None,
                steal_s: None,
            },
        })
    }

    /// The error for a produce phase stopped by the deadline or a cancel; drops unsent records.
    fn produce_stopped(
        &self,
        rep: &Rep<'_>,
        producer: &BaseProducer<DeliveryCounter>,
        phase: String,
        sent: u64,
    ) -> MeasureError {
        producer.purge(rdkafka::producer::PurgeConfig::default().queue().inflight());
        let ctx = producer.context();
        if self.cancelled() {
            return MeasureError::Interrupted {
                during: format!(
                    "point {:?} repetition {}: produce to {}",
                    rep.point.name, rep.repetition, rep.topic
                ),
                partial: Vec::new(),
            };
        }
        let detail = format!(
            " acknowledged ({sent} sent){}",
            ctx.last_client_error
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .as_ref()
                .map(|e| format!("; last client error: {e}"))
                .unwrap_or_default()
        );
        self.timeout_error(rep, phase, ctx.acked.load(Ordering::Relaxed), detail)
    }
}

// ---------------------------------------------------------------------------------------------
// Consume
// ---------------------------------------------------------------------------------------------

/// Records the first assignment and the last client error of one consumer.
#[derive(Default)]
struct GroupWatch {
    first_assign: OnceLock<Instant>,
    last_error: Mutex<Option<String>>,
}

impl ClientContext for GroupWatch {
    fn error(&self, error: KafkaError, reason: &str) {
        *self.last_error.lock().unwrap_or_else(|e| e.into_inner()) =
            Some(format!("{error}: {reason}"));
    }
}

impl ConsumerContext for GroupWatch {
    fn post_rebalance(&self, _: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        if let Rebalance::Assign(_) = rebalance {
            let _ = self.first_assign.set(Instant::now());
        }
    }
}

/// Shared progress of one consume phase: next expected offset per partition.
struct Progress {
    next: Vec<AtomicI64>,
    high: Vec<i64>,
    low: Vec<i64>,
    partitions_left: AtomicUsize,
    done_at: OnceLock<Instant>,
    stop: AtomicBool,
}

impl Progress {
    fn new(marks: &[(i64, i64)]) -> Progress {
        Progress {
            next: marks.iter().map(|&(lo, _)| AtomicI64::new(lo)).collect(),
            high: marks.iter().map(|&(_, hi)| hi).collect(),
            low: marks.iter().map(|&(lo, _)| lo).collect(),
            partitions_left: AtomicUsize::new(marks.iter().filter(|(lo, hi)| hi > lo).count()),
            done_at: OnceLock::new(),
            stop: AtomicBool::new(false),
        }
    }

    /// Notes a received record; true when it completed the whole topic.
    fn saw(&self, partition: i32, offset: i64) -> bool {
        let Some(p) = usize::try_from(partition)
            .ok()
            .filter(|&p| p < self.next.len())
        else {
            return false;
        };
        let before = self.next[p].fetch_max(offset + 1, Ordering::AcqRel);
        if before < self.high[p]
            && offset + 1 >= self.high[p]
            && self.partitions_left.fetch_sub(1, Ordering::AcqRel) == 1
        {
            let _ = self.done_at.set(Instant::now());
            self.stop.store(true, Ordering::Release);
            return true;
        }
        false
    }

    fn done(&self) -> bool {
        self.partitions_left.load(Ordering::Acquire) == 0
    }

    fn distinct_records(&self) -> u64 {
        self.next
            .iter()
            .zip(&self.low)
            .zip(&self.high)
            .map(|((n, lo), hi)| (n.load(Ordering::Acquire).min(*hi) - lo).max(0) as u64)
            .sum()
    }
}

/// What one consumer thread saw.
#[derive(Default)]
struct ConsumerOutcome {
    records: u64,
    bytes: u64,
    first_record: Option<Instant>,
    first_assign: Option<Instant>,
    error: Option<String>,
    last_client_error: Option<String>,
}

impl Run<'_> {
    fn consume(
        &mut self,
        rep: &Rep<'_>,
        marks: &[(i64, i64)],
        consumers: u32,
    ) -> Result<Measurement, MeasureError> {
        let phase = if consumers == 1 {
            "consume with 1 consumer".to_string()
        } else {
            format!("consume with a group of {consumers}")
        };
        self.check_cancel(&format!(
            "point {:?} repetition {} before {phase}",
            rep.point.name, rep.repetition
        ))?;
        let group = format!("{}-c{consumers}", rep.topic);
        self.groups.push(group.clone());
        let progress = Progress::new(marks);
        let barrier = Barrier::new(consumers as usize + 1);
        let mut config = ClientConfig::new();
        config
            .set("bootstrap.servers", self.bootstrap)
            .set("group.id", &group)
            .set("auto.offset.reset", "earliest")
            .set("enable.auto.commit", "false");
        for (k, v) in &self.opts.consumer_config {
            config.set(k, v);
        }
        let cancel_flag = self.opts.cancel.clone();
        let cancelled = move || {
            signals::caught()
                || cancel_flag
                    .as_ref()
                    .is_some_and(|c| c.load(Ordering::Relaxed))
        };
        let timeout = self.opts.phase_timeout;

        let (start, outcomes) = thread::scope(|s| {
            let handles: Vec<_> = (0..consumers)
                .map(|i| {
                    let mut config = config.clone();
                    config.set("client.id", format!("kafkasim-cal-consumer-{i}"));
                    let (progress, barrier, topic, cancelled) =
                        (&progress, &barrier, rep.topic.as_str(), &cancelled);
                    s.spawn(move || {
                        consumer_thread(&config, topic, progress, barrier, timeout, cancelled)
                    })
                })
                .collect();
            barrier.wait();
            let start = Instant::now();
            let outcomes: Vec<ConsumerOutcome> = handles
                .into_iter()
                .map(|h| {
                    h.join().unwrap_or_else(|_| ConsumerOutcome {
                        error: Some("consumer thread panicked".into()),
                        ..Default::default()
                    })
                })
                .collect();
            (start, outcomes)
        });

        if let Some(e) = outcomes.iter().find_map(|o| o.error.clone()) {
            return Err(MeasureError::Consumer {
                topic: rep.topic.clone(),
                phase,
                reason: e,
                partial: Vec::new(),
            });
        }
        if !progress.done() {
            if cancelled() {
                return Err(MeasureError::Interrupted {
                    during: format!(
                        "point {:?} repetition {}: {phase} on {}",
                        rep.point.name, rep.repetition, rep.topic
                    ),
                    partial: Vec::new(),
                });
            }
            let joined = outcomes.iter().filter(|o| o.first_assign.is_some()).count();
            let last_error = outcomes.iter().find_map(|o| o.last_client_error.clone());
            let detail = format!(
                " ({joined} of {consumers} consumer(s) got an assignment{})",
                last_error
                    .map(|e| format!("; last client error: {e}"))
                    .unwrap_or_default()
            );
            return Err(self.timeout_error(rep, phase, progress.distinct_records(), detail));
        }
        let since = |t: Instant| t.saturating_duration_since(start).as_secs_f64();
        let end = progress.done_at.get().copied().unwrap_or_else(Instant::now);
        Ok(Measurement {
            point: rep.point.name.clone(),
            phase: Phase::Consume,
            sample: Sample {
                repetition: rep.repetition,
                cold: rep.cold,
                records: progress.distinct_records(),
                bytes: outcomes.iter().map(|o| o.bytes).sum(),
                wall_s: since(end),
                first_record_s: outcomes
                    .iter()
                    .filter_map(|o| o.first_record)
                    .min()
                    .map(since),
                group_join_s: outcomes
                    .iter()
                    .filter_map(|o| o.first_assign)
                    .max()
                    .map(since),
                records_per_consumer: outcomes.iter().map(|o| o.records).collect(),
                load_1m: None,
                steal_s: None,
            },
        })
    }
}

/// The machine's load around one timed phase (Linux `/proc`; nothing recorded elsewhere).
struct LoadProbe {
    load_1m: Option<f64>,
    steal_s: Option<f64>,
}

impl LoadProbe {
    fn start() -> LoadProbe {
        LoadProbe {
            load_1m: load_1m(),
            steal_s: steal_s(),
        }
    }

    /// `m` with the load average when its phase started and the steal during it.
    fn finish(self, mut m: Measurement) -> Measurement {
        m.sample.load_1m = self.load_1m;
        m.sample.steal_s = (self.steal_s.zip(steal_s())).map(|(a, b)| (b - a).max(0.0));
        m
    }
}

/// `/proc/loadavg`'s first field.
fn load_1m() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

/// `/proc/stat`'s steal of all CPUs, s: the eighth number of the `cpu` line, in USER_HZ ticks,
/// 100 a second (fs/proc/stat.c reports nsec_to_clock_t; USER_HZ is 100 on Linux).
fn steal_s() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let cpu = stat.lines().find(|l| l.starts_with("cpu "))?;
    let ticks: f64 = cpu.split_whitespace().nth(8)?.parse().ok()?;
    Some(ticks / 100.0)
}

/// One consumer: created before the barrier, subscribes after it, reads until the whole topic
/// has been seen (by any consumer of the group), the deadline, or a cancel.
fn consumer_thread(
    config: &ClientConfig,
    topic: &str,
    progress: &Progress,
    barrier: &Barrier,
    timeout: Duration,
    cancelled: &(dyn Fn() -> bool + Sync),
) -> ConsumerOutcome {
    let created: Result<BaseConsumer<GroupWatch>, KafkaError> =
        config.create_with_context(GroupWatch::default());
    barrier.wait();
    let consumer = match created {
        Ok(c) => c,
        Err(e) => {
            return ConsumerOutcome {
                error: Some(format!("creating a consumer: {e} (check consumer_config)")),
                ..Default::default()
            }
        }
    };
    let mut out = ConsumerOutcome::default();
    let deadline = Instant::now() + timeout;
    if let Err(e) = consumer.subscribe(&[topic]) {
        out.error = Some(format!("subscribing to {topic}: {e}"));
        return out;
    }
    let mut polls = 0u32;
    while !progress.stop.load(Ordering::Acquire) {
        polls = polls.wrapping_add(1);
        if polls & 63 == 0 && (Instant::now() >= deadline || cancelled()) {
            break;
        }
        match consumer.poll(Duration::from_millis(50)) {
            None => {
                if Instant::now() >= deadline || cancelled() {
                    break;
                }
            }
            Some(Ok(msg)) => {
                let now = Instant::now();
                out.first_record.get_or_insert(now);
                out.records += 1;
                out.bytes += (msg.payload_len() + msg.key().map_or(0, <[u8]>::len)) as u64;
                progress.saw(msg.partition(), msg.offset());
            }
            Some(Err(e)) => {
                *consumer
                    .context()
                    .last_error
                    .lock()
                    .unwrap_or_else(|e| e.into_inner()) = Some(e.to_string());
            }
        }
    }
    let ctx = consumer.context();
    out.first_assign = ctx.first_assign.get().copied();
    out.last_client_error = ctx
        .last_error
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    out
}

// ---------------------------------------------------------------------------------------------
// Records
// ---------------------------------------------------------------------------------------------

/// SplitMix64: a seeded, portable generator for keys and values (no floats, no OS entropy).
fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

struct RecordGen {
    state: u64,
    payload: Payload,
    key_mode: KeyMode,
    value_bytes: usize,
    key: [u8; 16],
    value: Vec<u8>,
    seq: u64,
}

const WORDS: [&str; 16] = [
    "click", "view", "cart", "order", "search", "login", "logout", "share", "user", "item", "page",
    "mobile", "desktop", "paris", "lyon", "kafka",
];

impl RecordGen {
    fn new(seed: u64, payload: Payload, key_mode: KeyMode, value_bytes: u32) -> RecordGen {
        RecordGen {
            state: seed,
            payload,
            key_mode,
            value_bytes: value_bytes as usize,
            key: [0; 16],
            value: Vec::new(),
            seq: 0,
        }
    }

    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        splitmix(self.state)
    }

    /// The next record's key and value; the slices live until the next call.
    fn next_record(&mut self) -> (Option<&[u8]>, &[u8]) {
        self.seq += 1;
        let has_key = match self.key_mode {
            KeyMode::None => false,
            KeyMode::Fixed => true,
            KeyMode::Random => {
                let r = self.next_u64();
                for (i, b) in self.key.iter_mut().enumerate() {
                    *b = b"0123456789abcdef"[((r >> (4 * i)) & 0xf) as usize];
                }
                true
            }
        };
        self.fill_value();
        let key = match (has_key, self.key_mode) {
            (false, _) => None,
            (true, KeyMode::Fixed) => Some(KeyMode::FIXED_KEY),
            (true, _) => Some(&self.key[..]),
        };
        (key, &self.value)
    }

    fn fill_value(&mut self) {
        let n = self.value_bytes;
        self.value.clear();
        match self.payload {
            Payload::Random => {
                while self.value.len() < n {
                    let r = self.next_u64().to_le_bytes();
                    self.value
                        .extend_from_slice(&r[..(n - self.value.len()).min(8)]);
                }
            }
            Payload::JsonLike => {
                let r = self.next_u64();
                let _ = write!(
                    self.value,
                    "{{\"seq\":{},\"user\":\"user-{:04}\",\"event\":\"{}\",\"amount\":{}.{:02},\"tags\":[",
                    self.seq,
                    r % 5000,
                    WORDS[(r >> 16) as usize % WORDS.len()],
                    (r >> 24) % 500,
                    (r >> 40) % 100
                );
                while self.value.len() < n {
                    let w = WORDS[(self.next_u64() % WORDS.len() as u64) as usize];
                    let _ = write!(self.value, "\"{w}\",");
                }
                self.value.truncate(n);
                if n >= 2 {
                    self.value[n - 2] = b']';
                    self.value[n - 1] = b'}';
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Signals
// ---------------------------------------------------------------------------------------------

/// SIGINT/SIGTERM → a flag checked between records and phases. Uses libc's `signal` directly
/// (no extra crate); the first signal restores the default action, so a second one kills.
#[cfg(unix)]
mod signals {
    use std::sync::atomic::{AtomicBool, Ordering};

    static CAUGHT: AtomicBool = AtomicBool::new(false);
    const SIGINT: i32 = 2;
    const SIGTERM: i32 = 15;
    const SIG_DFL: usize = 0;
    const SIG_ERR: usize = usize::MAX;

    extern "C" {
        fn signal(signum: i32, handler: usize) -> usize;
    }

    extern "C" fn on_signal(signum: i32) {
        CAUGHT.store(true, Ordering::SeqCst);
        // SAFETY: signal() is async-signal-safe; restoring the default lets a second Ctrl-C kill.
        unsafe {
            signal(signum, SIG_DFL);
        }
    }

    /// Restores the previous handlers when dropped.
    pub(super) struct Guard {
        previous: [(i32, usize); 2],
    }

    pub(super) fn install() -> Guard {
        CAUGHT.store(false, Ordering::SeqCst);
        let handler = on_signal as extern "C" fn(i32) as usize;
        // SAFETY: installing a handler that only touches an atomic and calls signal().
        let previous = unsafe {
            [
                (SIGINT, signal(SIGINT, handler)),
                (SIGTERM, signal(SIGTERM, handler)),
            ]
        };
        Guard { previous }
    }

    impl Drop for Guard {
        fn drop(&mut self) {
            for &(signum, old) in &self.previous {
                if old != SIG_ERR {
                    // SAFETY: puts back exactly what was installed before.
                    unsafe {
                        signal(signum, old);
                    }
                }
            }
        }
    }

    pub(super) fn caught() -> bool {
        CAUGHT.load(Ordering::SeqCst)
    }
}

#[cfg(not(unix))]
mod signals {
    pub(super) struct Guard;
    pub(super) fn install() -> Guard {
        Guard
    }
    pub(super) fn caught() -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(name: &str) -> MeasurePoint {
        MeasurePoint {
            name: name.into(),
            partitions: 2,
            records: 10,
            value_bytes: 100,
            key_mode: KeyMode::Random,
            consumers: 2,
            producer_config: Vec::new(),
            repetitions: 1,
            warmup: 0,
        }
    }

    #[test]
    fn invalid_points_name_the_field() {
        let mut p = point("a");
        p.partitions = 0;
        let e = validate(&[p], &MeasureOptions::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains("`partitions`") && e.contains("got 0"), "{e}");
        let e = validate(&[point("a"), point("a")], &MeasureOptions::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains("unique"), "{e}");
    }

    #[test]
    fn records_are_reproducible_and_sized() {
        for payload in [Payload::Random, Payload::JsonLike] {
            let mut a = RecordGen::new(7, payload, KeyMode::Random, 100);
            let mut b = RecordGen::new(7, payload, KeyMode::Random, 100);
            for _ in 0..50 {
                let (ka, va) = a.next_record();
                let (ka, va) = (ka.map(<[u8]>::to_vec), va.to_vec());
                let (kb, vb) = b.next_record();
                assert_eq!(ka.as_deref(), kb);
                assert_eq!(va, vb);
                assert_eq!(va.len(), 100);
                assert_eq!(ka.map(|k| k.len()), Some(16));
            }
        }
        let mut f = RecordGen::new(1, Payload::Random, KeyMode::Fixed, 0);
        assert_eq!(f.next_record(), (Some(KeyMode::FIXED_KEY), &[][..]));
    }

    #[test]
    fn progress_completes_once_every_partition_reached_its_high_watermark() {
        let p = Progress::new(&[(0, 2), (0, 0), (5, 6)]);
        assert!(!p.saw(0, 0));
        assert!(!p.saw(2, 5));
        assert!(!p.saw(0, 0)); // a duplicate changes nothing
        assert!(p.saw(0, 1));
        assert!(p.done());
        assert_eq!(p.distinct_records(), 3);
    }
}
