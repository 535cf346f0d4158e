//! The admin side of a calibration run: reach the broker, create and delete the run's own
//! topics and consumer groups, read watermarks.
//!
//! Every topic or group this module deletes is one the run created itself (the caller passes
//! back the names that [`Admin::create_topic`] accepted); nothing here lists, reads or deletes
//! anything else on the cluster.
//!
//! rdkafka's admin calls return futures that its own polling thread completes, so a tiny
//! `block_on` with a deadline ([`block_on_timeout`]) is enough: no async runtime is needed.

// MeasureError carries the partial measurements and names every field it reports; it is built
// once per failed plan, so its size does not matter.
#![allow(clippy::result_large_err)]

use std::future::Future;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread;
use std::time::{Duration, Instant};

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::config::ClientConfig;
use rdkafka::types::RDKafkaErrorCode;

use super::measure::MeasureError;

/// How long one admin request (create, delete) may take before it is reported as unanswered.
const ADMIN_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a freshly created topic may take to show a leader for every partition.
const TOPIC_READY_TIMEOUT: Duration = Duration::from_secs(30);

/// One broker as the cluster's metadata lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokerInfo {
    /// `node.id` of the broker.
    pub id: i32,
    /// Advertised host.
    pub host: String,
    /// Advertised port.
    pub port: i32,
}

/// An admin connection to the cluster under measurement.
pub struct Admin {
    client: AdminClient<DefaultClientContext>,
    bootstrap: String,
    brokers: Vec<BrokerInfo>,
}

impl Admin {
    /// Connects to `bootstrap` and checks that the cluster answers a metadata request within
    /// `connect_timeout`; an unreachable broker or a wrong port gives
    /// [`MeasureError::Unreachable`] once that time has passed.
    pub fn connect(bootstrap: &str, connect_timeout: Duration) -> Result<Admin, MeasureError> {
        let client: AdminClient<DefaultClientContext> = ClientConfig::new()
            .set("bootstrap.servers", bootstrap)
            .set("client.id", "kafkasim-cal-admin")
            .create()
            .map_err(|source| {
                MeasureError::client(
                    format!("creating an admin client for {bootstrap:?}"),
                    source,
                )
            })?;
        let metadata = client
            .inner()
            .fetch_metadata(None, connect_timeout)
            .map_err(|e| MeasureError::Unreachable {
                bootstrap: bootstrap.to_string(),
                timeout_s: connect_timeout.as_secs_f64(),
                reason: e.to_string(),
            })?;
        let brokers: Vec<BrokerInfo> = metadata
            .brokers()
            .iter()
            .map(|b| BrokerInfo {
                id: b.id(),
                host: b.host().to_string(),
                port: b.port(),
            })
            .collect();
        if brokers.is_empty() {
            return Err(MeasureError::Unreachable {
                bootstrap: bootstrap.to_string(),
                timeout_s: connect_timeout.as_secs_f64(),
                reason: "the metadata answer lists no broker".to_string(),
            });
        }
        Ok(Admin {
            client,
            bootstrap: bootstrap.to_string(),
            brokers,
        })
    }

    /// The brokers the cluster reported when connecting.
    pub fn brokers(&self) -> &[BrokerInfo] {
        &self.brokers
    }

    /// The bootstrap string this admin connected with.
    pub fn bootstrap(&self) -> &str {
        &self.bootstrap
    }

    /// Creates `topic` with `partitions` partitions and `replication_factor` replicas, then waits
    /// until every partition has a leader. A refusal (topic exists, bad replication factor,
    /// policy) or no answer gives [`MeasureError::TopicCreation`] naming the topic.
    pub fn create_topic(
        &self,
        topic: &str,
        partitions: u32,
        replication_factor: i32,
    ) -> Result<(), MeasureError> {
        let refused = |reason: String| MeasureError::TopicCreation {
            topic: topic.to_string(),
            reason,
            partial: Vec::new(),
        };
        let partitions_i32 = i32::try_from(partitions)
            .map_err(|_| refused(format!("{partitions} partitions do not fit an i32")))?;
        let new_topic = NewTopic::new(
            topic,
            partitions_i32,
            TopicReplication::Fixed(replication_factor),
        );
        let options = admin_options();
        let answer = block_on_timeout(
            self.client.create_topics([&new_topic], &options),
            ADMIN_REQUEST_TIMEOUT,
        )
        .ok_or_else(|| {
            refused(format!(
                "no answer within {} s",
                ADMIN_REQUEST_TIMEOUT.as_secs()
            ))
        })?
        .map_err(|e| refused(e.to_string()))?;
        for result in answer {
            if let Err((name, code)) = result {
                return Err(refused(format!("{name}: {code}")));
            }
        }
        self.wait_for_leaders(topic, partitions as usize)
            .map_err(refused)
    }

    fn wait_for_leaders(&self, topic: &str, partitions: usize) -> Result<(), String> {
        let deadline = Instant::now() + TOPIC_READY_TIMEOUT;
        let mut last = String::from("no metadata yet");
        while Instant::now() < deadline {
            match self
                .client
                .inner()
                .fetch_metadata(Some(topic), Duration::from_secs(5))
            {
                Ok(md) => {
                    let ready = md.topics().iter().any(|t| {
                        t.name() == topic
                            && t.error().is_none()
                            && t.partitions().len() == partitions
                            && t.partitions()
                                .iter()
                                .all(|p| p.leader() >= 0 && p.error().is_none())
                    });
                    if ready {
                        return Ok(());
                    }
                    last = "created, but not every partition has a leader yet".to_string();
                }
                Err(e) => last = e.to_string(),
            }
            thread::sleep(Duration::from_millis(100));
        }
        Err(format!(
            "not ready within {} s: {last}",
            TOPIC_READY_TIMEOUT.as_secs()
        ))
    }

    /// Low and high watermark of every partition of `topic`, in partition order.
    pub fn watermarks(
        &self,
        topic: &str,
        partitions: u32,
        timeout: Duration,
    ) -> Result<Vec<(i64, i64)>, MeasureError> {
        (0..partitions)
            .map(|p| {
                self.client
                    .inner()
                    .fetch_watermarks(topic, p as i32, timeout)
                    .map_err(|source| {
                        MeasureError::client(
                            format!("reading the watermarks of {topic}-{p}"),
                            source,
                        )
                    })
            })
            .collect()
    }

    /// Deletes the given topics (which must be the run's own). Topics already gone count as
    /// deleted. Returns the names that could not be deleted, with the reason.
    pub fn delete_topics(&self, topics: &[String]) -> Result<(), (Vec<String>, String)> {
        if topics.is_empty() {
            return Ok(());
        }
        let names: Vec<&str> = topics.iter().map(String::as_str).collect();
        let options = admin_options();
        let answer = match block_on_timeout(
            self.client.delete_topics(&names, &options),
            ADMIN_REQUEST_TIMEOUT,
        ) {
            None => {
                return Err((
                    topics.to_vec(),
                    format!("no answer within {} s", ADMIN_REQUEST_TIMEOUT.as_secs()),
                ))
            }
            Some(Err(e)) => return Err((topics.to_vec(), e.to_string())),
            Some(Ok(answer)) => answer,
        };
        let mut failed = Vec::new();
        let mut reason = String::new();
        for result in answer {
            if let Err((name, code)) = result {
                if code != RDKafkaErrorCode::UnknownTopicOrPartition {
                    reason = format!("{name}: {code}");
                    failed.push(name);
                }
            }
        }
        if failed.is_empty() {
            Ok(())
        } else {
            Err((failed, reason))
        }
    }

    /// Best-effort deletion of the run's own consumer groups (empty once their consumers closed).
    /// Groups that are already gone or still settling are left to expire on their own.
    pub fn delete_groups(&self, groups: &[String]) {
        if groups.is_empty() {
            return;
        }
        let names: Vec<&str> = groups.iter().map(String::as_str).collect();
        let options = admin_options();
        let _ = block_on_timeout(
            self.client.delete_groups(&names, &options),
            ADMIN_REQUEST_TIMEOUT,
        );
    }
}

fn admin_options() -> AdminOptions {
    AdminOptions::new()
        .operation_timeout(Some(ADMIN_REQUEST_TIMEOUT))
        .request_timeout(Some(ADMIN_REQUEST_TIMEOUT))
}

struct ThreadWaker(thread::Thread);

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

/// Drives `fut` on the current thread until it completes or `timeout` passes (then `None`).
pub fn block_on_timeout<F: Future>(fut: F, timeout: Duration) -> Option<F::Output> {
    let mut fut = std::pin::pin!(fut);
    let waker = Waker::from(Arc::new(ThreadWaker(thread::current())));
    let mut cx = Context::from_waker(&waker);
    let deadline = Instant::now() + timeout;
    loop {
        if let Poll::Ready(out) = fut.as_mut().poll(&mut cx) {
            return Some(out);
        }
        let now = Instant::now();
        if now >= deadline {
            return None;
        }
        thread::park_timeout(deadline - now);
    }
}
