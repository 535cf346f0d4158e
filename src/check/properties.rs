//! The guarantees `kafkasim check` tests, by the names users give them, and whether a
//! configuration promises each — so that acks=1 losing records on a leader failure is reported
//! as expected, not as a bug. The promises follow Kafka's documentation of its delivery
//! semantics (docs/design.html "Message Delivery Semantics", "Replicated Logs") and the
//! producer configs' docs (`enable.idempotence`, `max.in.flight.requests.per.connection`).
//!
//! Each property is read from the invariant checkers' violations ([`crate::checks`]), by the
//! checker's name; a scenario's `[expect]` keys can say yes or no where the configuration
//! alone would decide.

use crate::checks::Violation;
use crate::scenario::resolve::Acks;
use crate::scenario::SimConfig;

/// A guarantee a run can break.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Property {
    /// Each consumer reads each partition's offsets in order, without gaps it did not skip.
    PartitionOrder,
    /// Each producer's records of a key are read in the order they were sent.
    KeyOrder,
    /// Every acknowledged record is consumed.
    NoLoss,
    /// No record reaches the log twice.
    NoDuplicates,
    /// One owner per partition per group generation.
    OneOwner,
    /// No consumer reads above the high watermark (uncommitted data).
    NoUncommittedReads,
    /// Retention deletes neither the active segment nor unreplicated records.
    RetentionSafety,
    /// No record is processed twice (exactly-once processing).
    NoRedelivery,
}

/// Every property, in report order.
pub const ALL: [Property; 8] = [
    Property::PartitionOrder,
    Property::KeyOrder,
    Property::NoLoss,
    Property::NoDuplicates,
    Property::OneOwner,
    Property::NoUncommittedReads,
    Property::RetentionSafety,
    Property::NoRedelivery,
];

impl Property {
    /// The name users write after `--property`.
    pub fn name(self) -> &'static str {
        match self {
            Property::PartitionOrder => "partition-order",
            Property::KeyOrder => "key-order",
            Property::NoLoss => "no-loss",
            Property::NoDuplicates => "no-duplicates",
            Property::OneOwner => "one-owner",
            Property::NoUncommittedReads => "no-uncommitted-reads",
            Property::RetentionSafety => "retention-safety",
            Property::NoRedelivery => "no-redelivery",
        }
    }

    /// The property named `name`, or an error listing the names.
    pub fn parse(name: &str) -> Result<Self, String> {
        super::parse_named(&ALL, Self::name, "--property", "a property", name)
    }

    /// The checker whose violations break it ([`Violation::check`]).
    fn checker(self) -> &'static str {
        match self {
            Property::PartitionOrder => "order",
            Property::KeyOrder => "key-order",
            Property::NoLoss => "no-loss",
            Property::NoDuplicates => "exactly-once",
            Property::OneOwner => "one-owner",
            Property::NoUncommittedReads => "below-hw",
            Property::RetentionSafety => "retention",
            Property::NoRedelivery => REDELIVERY,
        }
    }

    /// The violations of a run that break it.
    pub fn broken_by(self, violations: &[Violation]) -> Vec<&Violation> {
        violations
            .iter()
            .filter(|v| v.check == self.checker())
            .collect()
    }

    /// Whether `cfg` promises it, and why (one line).
    pub fn promise(self, cfg: &SimConfig) -> Promise {
        // A promise holds only if every producer makes it.
        let all =
            |f: fn(&crate::scenario::resolve::ProducerCfg) -> bool| cfg.producers.iter().all(f);
        let idempotent = all(|p| p.idempotence);
        let acks = if all(|p| p.acks == Acks::All) {
            Acks::All
        } else {
            Acks::One
        };
        let r = &cfg.replication;
        let expect = |key: Option<bool>, auto: Promise| match key {
            Some(true) => Promise::yes("[expect] says so"),
            Some(false) => Promise::no("[expect] says not"),
            None => auto,
        };
        match self {
            Property::PartitionOrder
            | Property::OneOwner
            | Property::NoUncommittedReads
            | Property::RetentionSafety => Promise::yes("always"),
            Property::KeyOrder => expect(
                cfg.expect.key_order,
                if idempotent {
                    Promise::yes("enable.idempotence = true")
                } else if all(|p| p.idempotence || p.max_in_flight == 1) {
                    Promise::yes("max.in.flight.requests.per.connection = 1")
                } else {
                    Promise::no("retries with several requests in flight may reorder")
                },
            ),
            Property::NoDuplicates => expect(
                cfg.expect.no_duplicates,
                if idempotent {
                    Promise::yes("enable.idempotence = true")
                } else {
                    Promise::no("retries without idempotence may write a batch twice")
                },
            ),
            Property::NoLoss => expect(cfg.expect.no_loss, no_loss_promise(cfg, acks, r)),
            Property::NoRedelivery => Promise::no(
                "consumers are at-least-once: after a crash or a rebalance they re-read from the last commit",
            ),
        }
    }
}

/// The checker name of [`Property::NoRedelivery`]: not an invariant checker (re-reading is
/// allowed), a count of the delivery check turned into a violation by [`observed`].
const REDELIVERY: &str = "redelivery";

/// What a finished run shows for the properties: its checkers' violations and, when records
/// were processed twice, one for [`Property::NoRedelivery`].
pub fn observed(run: &crate::experiment::RunOutput) -> Vec<Violation> {
    let mut v = run.violations.clone();
    let n = run.summary.duplicates;
    if n > 0 {
        v.push(Violation {
            check: REDELIVERY,
            detail: format!(
                "{n} record(s) processed more than once (read again from the last committed offset after a crash or a rebalance)"
            ),
        });
    }
    v
}

/// The promised properties `violations` break under `cfg`, each once, in report order.
pub fn broken_promises(cfg: &SimConfig, violations: &[Violation]) -> Vec<Property> {
    ALL.into_iter()
        .filter(|p| p.promise(cfg).promised && !p.broken_by(violations).is_empty())
        .collect()
}

/// Kafka promises an acknowledged record survives when it is acknowledged by every in-sync
/// replica, at least two of them must be, and no out-of-sync replica may become leader — and
/// the consumer commits only what it processed.
fn no_loss_promise(
    cfg: &SimConfig,
    acks: Acks,
    r: &crate::scenario::resolve::ReplicationCfg,
) -> Promise {
    if acks != Acks::All {
        return Promise::no("acks is not all: a leader's failure loses what followers lack");
    }
    if cfg.topics.iter().any(|t| t.factor < 2) || r.min_insync < 2 {
        return Promise::no(
            "replication.factor or min.insync.replicas below 2: one broker holds the only copy",
        );
    }
    if r.unclean {
        return Promise::no("unclean.leader.election.enable = true");
    }
    let librdkafka = cfg.client == crate::scenario::resolve::ClientKind::Librdkafka;
    let early = |c: &crate::scenario::resolve::ConsumerCfg| {
        (c.at_most_once && !c.auto_commit) || (c.auto_commit && librdkafka)
    };
    if cfg.groups.iter().any(|g| early(&g.consumer)) {
        return Promise::no("offsets are committed before the records are processed");
    }
    Promise::yes("acks = all, min.insync.replicas ≥ 2, clean elections")
}

/// Whether a configuration promises a property.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Promise {
    /// Promised.
    pub promised: bool,
    /// Why (one line).
    pub why: &'static str,
}

impl Promise {
    fn yes(why: &'static str) -> Self {
        Self {
            promised: true,
            why,
        }
    }
    fn no(why: &'static str) -> Self {
        Self {
            promised: false,
            why,
        }
    }
}
