//! OpenMessaging Benchmark input: a workload file and a Kafka driver file (the YAML that
//! openmessaging-benchmark's `bin/benchmark --drivers driver-kafka/kafka.yaml workloads/….yaml`
//! reads, fields as in its `Workload.java` and `driver-kafka`'s `Config.java`) turned into a
//! kafkasim scenario, which is then checked like any scenario file.
//!
//! How OMB's notions map:
//! - `topics` × `partitionsPerTopic` → `[[topics]]` named `omb-topic-N`;
//! - `producersPerTopic` → one `[[producers]]` entry per topic of that many producers, sharing
//!   `producerRate` (messages/s, over every producer; 0 = as fast as they can);
//! - `subscriptionsPerTopic` × `consumerPerSubscription` → per topic and subscription a
//!   `[[groups]]` entry `sub-NNN-omb-topic-N` of that many consumers (OMB gives one
//!   subscription name to every topic; each consumer reads one topic, so per-topic groups
//!   assign the same way);
//! - `messageSize` → `producer.value_bytes` (OMB messages have no other payload);
//!   `keyDistributor` NO_KEY → no key, KEY_ROUND_ROBIN → keys spread evenly (uniform over 10,000),
//!   RANDOM_NANO → a random key per message;
//! - `testDurationMinutes` × the rate → records per producer (1,000,000 when the rate is 0);
//!   the warm-up is not simulated (OMB reports the test period only); producers start once the
//!   groups have joined (8 s: two initial rebalance delays and the join), as OMB waits for its
//!   consumers before producing;
//! - the driver's `replicationFactor` → `topic.replication.factor`, and its `topicConfig`,
//!   `producerConfig` and `consumerConfig` lines → the `topic.`, `producer.` and `consumer.`
//!   keys kafkasim knows; the rest is listed as ignored. OMB's Kafka driver runs the Java
//!   client; the cluster is 3 brokers (OMB's reference deployment) on hosts of their own, or as
//!   many as the replication factor asks.

use super::error::ScenarioError;
use super::keys;
use yaml_rust2::{Yaml, YamlLoader};

/// A scenario made from OMB files, and what of them kafkasim left out.
#[derive(Clone, Debug, PartialEq)]
pub struct OmbScenario {
    /// The scenario as TOML text.
    pub toml: String,
    /// Fields and configs not expressed, one line each.
    pub ignored: Vec<String>,
    /// The workload's shape, for the result file.
    pub shape: OmbShape,
}

/// What OMB's result file repeats of the workload.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct OmbShape {
    /// Workload name.
    pub workload: String,
    /// Driver name.
    pub driver: String,
    /// Message size, bytes.
    pub message_size: u64,
    /// Topics.
    pub topics: u64,
    /// Partitions per topic.
    pub partitions: u64,
    /// Producers per topic.
    pub producers_per_topic: u64,
    /// Consumers per topic (subscriptions × consumers per subscription).
    pub consumers_per_topic: u64,
    /// Subscriptions per topic (each reads every message).
    pub subscriptions_per_topic: u64,
    /// When the producers start, ns: the test period begins there.
    pub start_ns: u64,
}

/// When the producers start, ms: OMB lets every consumer join before it produces; the groups'
/// first join waits `group.initial.rebalance.delay.ms` (3 s, twice for two or more members).
const PRODUCE_AFTER_MS: u64 = 8_000;

fn bad(file: &str, field: &str, value: String, accepted: &str) -> ScenarioError {
    ScenarioError::Invalid {
        key: format!("{file}: {field}"),
        value,
        accepted: accepted.into(),
    }
}

fn load(text: &str, file: &str) -> Result<Yaml, ScenarioError> {
    let docs = YamlLoader::load_from_str(text).map_err(|e| ScenarioError::Toml {
        path: file.into(),
        msg: format!("not valid YAML: {e}"),
    })?;
    match docs.into_iter().next() {
        Some(y @ Yaml::Hash(_)) => Ok(y),
        other => Err(bad(
            file,
            "(document)",
            format!("{other:?}"),
            "a YAML mapping of OMB fields",
        )),
    }
}

/// A whole number field, or `default` when absent.
fn int(y: &Yaml, file: &str, field: &str, default: Option<i64>) -> Result<i64, ScenarioError> {
    match (&y[field], default) {
        (Yaml::Integer(v), _) if *v >= 0 => Ok(*v),
        (Yaml::BadValue, Some(d)) => Ok(d),
        (v, _) => Err(bad(file, field, format!("{v:?}"), "a whole number ≥ 0")),
    }
}

fn text(y: &Yaml, field: &str) -> Option<String> {
    match &y[field] {
        Yaml::String(s) => Some(s.clone()),
        Yaml::Integer(i) => Some(i.to_string()),
        Yaml::Real(r) => Some(r.clone()),
        Yaml::Boolean(b) => Some(b.to_string()),
        _ => None,
    }
}

/// The workload fields kafkasim reads; any other is listed as ignored.
const WORKLOAD_FIELDS: [&str; 13] = [
    "name",
    "topics",
    "partitionsPerTopic",
    "messageSize",
    "keyDistributor",
    "subscriptionsPerTopic",
    "consumerPerSubscription",
    "producersPerTopic",
    "producerRate",
    "testDurationMinutes",
    "warmupDurationMinutes",
    "payloadFile",
    "consumerBacklogSizeGB",
];

/// `key=value` lines of a driver config block mapped onto `prefix.` keys.
fn config_lines(
    block: Option<String>,
    prefix: &str,
    field: &str,
    out: &mut Vec<String>,
    ignored: &mut Vec<String>,
) {
    for line in block.unwrap_or_default().lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((k, v)) = line.split_once('=') else {
            ignored.push(format!("{field}: `{line}` (not key=value)"));
            continue;
        };
        let key = format!("{prefix}.{}", k.trim());
        match keys::spec(&key) {
            Some(spec) => {
                // Kafka's acks=-1 is acks=all.
                let v = match (key.as_str(), v.trim()) {
                    ("producer.acks", "-1") => "all",
                    (_, v) => v,
                };
                let value = match spec.kind {
                    keys::Kind::Text | keys::Kind::Enum(_) => {
                        toml::Value::String(v.to_string()).to_string()
                    }
                    _ => v.to_string(),
                };
                out.push(format!("\"{}\" = {value}", &key[prefix.len() + 1..]));
            }
            None => ignored.push(format!("{field}: {} (kafkasim has no {key})", k.trim())),
        }
    }
}

/// The scenario for OMB `workload` (YAML text, named `workload_file` in messages) on Kafka
/// `driver` (YAML text).
pub fn to_scenario(
    workload: &str,
    workload_file: &str,
    driver: &str,
    driver_file: &str,
) -> Result<OmbScenario, ScenarioError> {
    let w = load(workload, workload_file)?;
    let d = load(driver, driver_file)?;
    let (wf, df) = (workload_file, driver_file);
    let topics = int(&w, wf, "topics", None)?.max(1);
    let partitions = int(&w, wf, "partitionsPerTopic", None)?.max(1);
    let size = int(&w, wf, "messageSize", None)?.max(1);
    let subs = int(&w, wf, "subscriptionsPerTopic", Some(1))?;
    let per_sub = int(&w, wf, "consumerPerSubscription", Some(1))?;
    let producers = int(&w, wf, "producersPerTopic", Some(1))?.max(1);
    let rate = int(&w, wf, "producerRate", Some(0))?;
    let minutes = int(&w, wf, "testDurationMinutes", Some(15))?.max(1);
    let rf = int(&d, df, "replicationFactor", Some(1))?.max(1);
    let mut ignored = vec![];
    let keys = match text(&w, "keyDistributor").as_deref() {
        None | Some("NO_KEY") => "keys = \"none\"".to_string(),
        Some("KEY_ROUND_ROBIN") => "keys = \"uniform\"\nkey_count = 10000".to_string(),
        Some("RANDOM_NANO") => "keys = \"random\"".to_string(),
        Some(other) => {
            return Err(bad(
                wf,
                "keyDistributor",
                format!("\"{other}\""),
                "NO_KEY, KEY_ROUND_ROBIN or RANDOM_NANO",
            ))
        }
    };
    if int(&w, wf, "consumerBacklogSizeGB", Some(0))? > 0 {
        ignored.push("consumerBacklogSizeGB (the backlog phase is not simulated)".into());
    }
    if let Yaml::Hash(h) = &w {
        for k in h.keys().filter_map(Yaml::as_str) {
            if !WORKLOAD_FIELDS.contains(&k) {
                ignored.push(format!("{wf}: {k}"));
            }
        }
    }
    ignored.push("warmupDurationMinutes (only the test period is simulated)".into());
    if text(&d, "commonConfig").is_some() {
        ignored.push(format!("{df}: commonConfig (connection settings)"));
    }
    let all = producers * topics;
    let per_producer_rate = rate as f64 / all as f64;
    let records = if rate > 0 {
        ((rate * minutes * 60) as f64 / all as f64).ceil() as u64
    } else {
        1_000_000
    };
    let name = text(&w, "name").unwrap_or_else(|| "omb".into());
    let mut topic_lines = vec![format!("\"replication.factor\" = {rf}")];
    config_lines(
        text(&d, "topicConfig"),
        "topic",
        "topicConfig",
        &mut topic_lines,
        &mut ignored,
    );
    let mut producer_lines = vec![
        format!("start_ms = {PRODUCE_AFTER_MS}  # after the groups joined, as OMB waits for them"),
        format!("records = {records}"),
        format!("value_bytes = {size}"),
        format!("rate_per_s = {per_producer_rate:?}"),
        keys,
    ];
    config_lines(
        text(&d, "producerConfig"),
        "producer",
        "producerConfig",
        &mut producer_lines,
        &mut ignored,
    );
    let mut consumer_lines = vec![];
    config_lines(
        text(&d, "consumerConfig"),
        "consumer",
        "consumerConfig",
        &mut consumer_lines,
        &mut ignored,
    );
    let q = |s: &str| toml::Value::String(s.to_string()).to_string();
    let mut toml = format!(
        "# From OpenMessaging Benchmark files {wf} and {df}.\nname = {}\nclient = \"java\"\n\n[cluster]\nbrokers = {}\nlayout = \"dedicated\"\n\n[topic]\n{}\n\n[producer]\n{}\n\n[consumer]\n{}\n",
        q(&format!("omb-{name}")),
        rf.max(3),
        topic_lines.join("\n"),
        producer_lines.join("\n"),
        consumer_lines.join("\n"),
    );
    for t in 0..topics {
        toml.push_str(&format!(
            "\n[[topics]]\nname = \"omb-topic-{t}\"\npartitions = {partitions}\n"
        ));
        toml.push_str(&format!(
            "\n[[producers]]\nname = \"producers-omb-topic-{t}\"\ntopic = \"omb-topic-{t}\"\ncount = {producers}\n"
        ));
        for s in 0..subs {
            toml.push_str(&format!(
                "\n[[groups]]\n\"group.id\" = \"sub-{s:03}-omb-topic-{t}\"\ntopics = [\"omb-topic-{t}\"]\ncount = {per_sub}\n"
            ));
        }
    }
    if subs == 0 || per_sub == 0 {
        toml.push_str("\n[[groups]]\n\"group.id\" = \"no-consumers\"\ncount = 0\n");
    }
    Ok(OmbScenario {
        toml,
        ignored,
        shape: OmbShape {
            workload: name,
            driver: text(&d, "name").unwrap_or_else(|| "Kafka".into()),
            message_size: size as u64,
            topics: topics as u64,
            partitions: partitions as u64,
            producers_per_topic: producers as u64,
            consumers_per_topic: (subs * per_sub) as u64,
            subscriptions_per_topic: if per_sub > 0 { subs as u64 } else { 0 },
            start_ns: PRODUCE_AFTER_MS * 1_000_000,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const WORKLOAD: &str = "name: 1 topic / 16 partitions / 1kb\ntopics: 1\npartitionsPerTopic: 16\nmessageSize: 1024\npayloadFile: \"payload/payload-1Kb.data\"\nsubscriptionsPerTopic: 1\nconsumerPerSubscription: 1\nproducersPerTopic: 1\nproducerRate: 50000\nconsumerBacklogSizeGB: 0\ntestDurationMinutes: 1\n";
    const DRIVER: &str = "name: Kafka\ndriverClass: io.openmessaging.benchmark.driver.kafka.KafkaBenchmarkDriver\nreplicationFactor: 3\ntopicConfig: |\n  min.insync.replicas=2\ncommonConfig: |\n  bootstrap.servers=localhost:9092\nproducerConfig: |\n  acks=all\n  linger.ms=1\n  batch.size=1048576\nconsumerConfig: |\n  auto.offset.reset=earliest\n  enable.auto.commit=false\n  max.partition.fetch.bytes=10485760\n";

    #[test]
    fn an_omb_workload_becomes_a_scenario_kafkasim_checks() {
        let s = to_scenario(WORKLOAD, "w.yaml", DRIVER, "d.yaml").unwrap();
        let sc = crate::scenario::Scenario::parse(&s.toml, "omb").expect(&s.toml);
        let (_, cfg) = sc.resolve_all().unwrap().remove(0);
        assert_eq!((cfg.topics.len(), cfg.partitions), (1, 16));
        assert_eq!((cfg.topics[0].factor, cfg.topics[0].min_insync), (3, 2));
        assert_eq!(cfg.producers.len(), 1);
        assert_eq!(cfg.producers[0].records, 3_000_000);
        assert_eq!(cfg.producers[0].rate_milli_per_s, 50_000_000);
        assert_eq!(cfg.producers[0].batch_size, 1_048_576);
        assert_eq!(cfg.groups.len(), 1);
        assert!(!cfg.groups[0].consumer.auto_commit);
        assert!(
            s.ignored.iter().any(|l| l.contains("commonConfig")),
            "{:?}",
            s.ignored
        );
    }

    #[test]
    fn omb_fields_kafkasim_cannot_take_are_refused_or_listed() {
        let e = to_scenario(
            &WORKLOAD.replace("topics: 1", "topics: many"),
            "w.yaml",
            DRIVER,
            "d.yaml",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("w.yaml: topics"), "{e}");
        let e = to_scenario("- a\n- b\n", "w.yaml", DRIVER, "d.yaml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("w.yaml"), "{e}");
        let s = to_scenario(
            &format!("{WORKLOAD}randomBytesRatio: 0.5\n"),
            "w.yaml",
            &DRIVER.replace("acks=all", "acks=all\n  compression.codec.x=1"),
            "d.yaml",
        )
        .unwrap();
        assert!(
            s.ignored.iter().any(|l| l.contains("randomBytesRatio")),
            "{:?}",
            s.ignored
        );
        assert!(
            s.ignored.iter().any(|l| l.contains("compression.codec.x")),
            "{:?}",
            s.ignored
        );
    }
}
