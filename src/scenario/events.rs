//! Scenario events: `[[events]]` tables that change the running system at a simulated time.
//!
//! ```toml
//! [[events]]
//! at_ms = 20000
//! action = "consumer.crash"
//! consumer = 1
//! ```
//!
//! Each action lists its fields in [`ACTIONS`] (kind, unit, meaning); `kafkasim config` prints
//! them. A file's events are checked in two steps: their fields here, when the file is read, and
//! the indices they name against the counts of each sweep point in [`resolve`].
//! To add an action: a row in [`ACTIONS`], a variant of [`Action`], a line in [`Action::from_raw`]
//! and its handler in `kafka::cluster` (`Cluster::scenario_event`).

use super::error::ScenarioError;
use super::keys::{Default as Def, KeySpec, Kind, Lit};
use super::value::Value;
use crate::engine::time::MS;
use crate::engine::Nanos;

/// One field of an action.
#[derive(Clone, Copy, Debug)]
pub struct FieldSpec {
    /// Field name in the `[[events]]` table.
    pub name: &'static str,
    /// Accepted values.
    pub kind: Kind,
    /// Unit, or "".
    pub unit: &'static str,
    /// Used when the field is left out; None = required.
    pub default: Option<Lit>,
    /// What it means.
    pub doc: &'static str,
}

/// One action: its name and fields.
#[derive(Clone, Copy, Debug)]
pub struct ActionSpec {
    /// The `action` word.
    pub name: &'static str,
    /// Its fields (besides `at_ms` and `action`).
    pub fields: &'static [FieldSpec],
    /// What it does.
    pub doc: &'static str,
}

const INDEX: Kind = Kind::Int {
    min: 0,
    max: 1_000_000,
};
const MS_KIND: Kind = Kind::Int {
    min: 0,
    max: i64::MAX / 4,
};
const fn field(
    name: &'static str,
    kind: Kind,
    unit: &'static str,
    default: Option<Lit>,
    doc: &'static str,
) -> FieldSpec {
    FieldSpec {
        name,
        kind,
        unit,
        default,
        doc,
    }
}
const CONSUMER: FieldSpec = field(
    "consumer",
    INDEX,
    "",
    None,
    "Consumer index, from 0 (within `group` when it is given).",
);
const GROUP: FieldSpec = field("group", Kind::Text, "", Some(Lit::S("")), "The group.id of a [[groups]] entry: `consumer` counts within it; \"\" = consumers numbered over every group.");
const BROKER: FieldSpec = field("broker", INDEX, "", None, "Broker index, from 0.");
const DURATION: FieldSpec = field("duration_ms", MS_KIND, "ms", None, "How long.");
const ENDPOINT: Kind = Kind::Text;

/// Every action, in the order `kafkasim config` prints them.
pub const ACTIONS: &[ActionSpec] = &[
    ActionSpec { name: "consumer.join", fields: &[CONSUMER, GROUP], doc: "The consumer starts here instead of at consumer.start_ms (scale-out)." },
    ActionSpec { name: "consumer.leave", fields: &[CONSUMER, GROUP], doc: "close(): commit, LeaveGroup (not for a static member), stop." },
    ActionSpec { name: "consumer.crash", fields: &[CONSUMER, GROUP], doc: "The process dies: no commit, no LeaveGroup; the coordinator notices after session.timeout.ms." },
    ActionSpec { name: "consumer.restart", fields: &[CONSUMER, GROUP], doc: "A stopped consumer starts again (same group.instance.id when static)." },
    ActionSpec { name: "consumer.slow", fields: &[CONSUMER, GROUP, field("process_us_per_record", Kind::Float { min: 0.0, max: 1e9 }, "µs", None, "New application CPU per record.")], doc: "Processing cost changes from here on." },
    ActionSpec { name: "consumer.pause", fields: &[CONSUMER, GROUP, field("duration_ms", MS_KIND, "ms", None, "How long.")], doc: "pause() of every assigned partition: polling and heartbeats go on, nothing is fetched." },
    ActionSpec { name: "consumer.stall", fields: &[CONSUMER, GROUP, field("duration_ms", MS_KIND, "ms", None, "How long.")], doc: "The application blocks without polling; beyond max.poll.interval.ms the member leaves the group." },
    ActionSpec { name: "group.rolling_restart", fields: &[GROUP, field("interval_ms", MS_KIND, "ms", Some(Lit::I(10_000)), "From one consumer's stop to the next's."), field("down_ms", MS_KIND, "ms", Some(Lit::I(5_000)), "How long each consumer stays down.")], doc: "Every running consumer in index order: close() then start again after down_ms." },
    ActionSpec { name: "broker.crash", fields: &[BROKER], doc: "The broker process dies (its data stays on disk): connections close, the controller fences it after broker.session.timeout.ms and elects new leaders." },
    ActionSpec { name: "broker.restart", fields: &[BROKER], doc: "A crashed broker starts again, recovers its log, follows the leaders (truncating where it diverges) and rejoins the ISR once caught up." },
    ActionSpec { name: "broker.slow_disk", fields: &[BROKER, field("factor", Kind::Float { min: 1.0, max: 1e6 }, "×", None, "Every disk access takes this many times longer."), DURATION], doc: "The disk of the broker's host slows down (write-back and reads that miss the page cache)." },
    ActionSpec { name: "network.cut", fields: &[field("from", ENDPOINT, "", None, "\"broker:N\" or \"clients\" (the clients' host)."), field("to", ENDPOINT, "", None, "\"broker:N\" or \"clients\"."), DURATION], doc: "Messages between the two hosts are lost both ways (needs cluster.layout = dedicated); requests time out after request.timeout.ms." },
    ActionSpec { name: "requests.fail", fields: &[field("probability", Kind::Float { min: 0.0, max: 1.0 }, "", None, "Chance that a ProduceRequest fails."), DURATION, field("stage", Kind::Enum(&["either", "before_append", "after_append"]), "", Some(Lit::S("either")), "Lost on the way in (nothing appended) or its response lost after the append; either = half each.")], doc: "Transient errors: produce requests fail with NETWORK_EXCEPTION and are retried." },
    ActionSpec { name: "group.reset_offsets", fields: &[field("group", Kind::Text, "", Some(Lit::S("")), "The group's group.id; \"\" = the scenario's only group."), field("to", Kind::Enum(&["earliest", "latest", "current", "offset", "shift-by", "datetime", "duration"]), "", None, "kafka-consumer-groups --reset-offsets --to-earliest, --to-latest, --to-current, --to-offset, --shift-by, --to-datetime or --by-duration."), field("offset", Kind::Int { min: -(1 << 62), max: 1 << 62 }, "records", Some(Lit::I(0)), "The offset (to = offset) or the shift (to = shift-by)."), field("timestamp_ms", MS_KIND, "ms", Some(Lit::I(0)), "to = datetime: the first record created at or after this simulated time."), field("duration_ms", MS_KIND, "ms", Some(Lit::I(0)), "to = duration: the first record created at most this long before the reset.")], doc: "Set the group's committed offset of every partition as kafka-consumer-groups --reset-offsets --execute does (clamped to the log start and end); refused while the group has members." },
    ActionSpec { name: "producer.rate", fields: &[field("producer", Kind::Int { min: -1, max: 1_000_000 }, "", Some(Lit::I(-1)), "Producer index (within `name` when it is given); -1 = every producer (of `name`)."), field("name", Kind::Text, "", Some(Lit::S("")), "The name of a [[producers]] entry; \"\" = producers numbered over every entry."), field("rate_per_s", Kind::Float { min: 0.0, max: 1e12 }, "records/s", None, "New send rate; 0 = as fast as possible.")], doc: "A producer's send rate changes." },
];

/// An event as written: checked fields, indices not yet checked against the counts.
#[derive(Clone, Debug, PartialEq)]
pub struct RawEvent {
    /// Position in the file (for messages).
    pub index: usize,
    /// When, ms.
    pub at_ms: u64,
    /// The action.
    pub action: &'static ActionSpec,
    /// Every field of the action, defaults filled in, in [`ActionSpec::fields`] order.
    pub args: Vec<Value>,
}

impl PartialEq for ActionSpec {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

fn action_spec(name: &str) -> Option<&'static ActionSpec> {
    ACTIONS.iter().find(|a| a.name == name)
}

fn names() -> String {
    ACTIONS
        .iter()
        .map(|a| a.name)
        .collect::<Vec<_>>()
        .join(", ")
}

fn key_spec(f: &FieldSpec) -> KeySpec {
    KeySpec {
        path: f.name,
        kind: f.kind,
        unit: f.unit,
        default: Def::All(f.default.unwrap_or(Lit::I(0))),
        doc: f.doc,
    }
}

impl RawEvent {
    /// Check one `[[events]]` table (the `index`-th).
    pub fn from_toml(index: usize, t: &toml::Table) -> Result<Self, ScenarioError> {
        let key = |k: &str| format!("events[{index}].{k}");
        let action_name = match t.get("action") {
            Some(toml::Value::String(s)) => s.clone(),
            other => {
                return Err(ScenarioError::Invalid {
                    key: key("action"),
                    value: other.map_or("(missing)".into(), |v| v.to_string()),
                    accepted: format!("one of {}", names()),
                })
            }
        };
        let action = action_spec(&action_name).ok_or_else(|| ScenarioError::Invalid {
            key: key("action"),
            value: format!("\"{action_name}\""),
            accepted: format!("one of {}", names()),
        })?;
        let at_ms = match t.get("at_ms") {
            Some(toml::Value::Integer(i)) if *i >= 0 => *i as u64,
            other => {
                return Err(ScenarioError::Invalid {
                    key: key("at_ms"),
                    value: other.map_or("(missing)".into(), |v| v.to_string()),
                    accepted: "a whole number of milliseconds ≥ 0 (simulated time from the start)"
                        .into(),
                })
            }
        };
        for k in t.keys() {
            if k != "action" && k != "at_ms" && !action.fields.iter().any(|f| f.name == k) {
                let mut accepted: Vec<&str> = vec!["at_ms", "action"];
                accepted.extend(action.fields.iter().map(|f| f.name));
                return Err(ScenarioError::Conflict(format!(
                    "unknown field `{}` in an event with action = \"{}\"; accepted: {}",
                    key(k),
                    action.name,
                    accepted.join(", ")
                )));
            }
        }
        let args = action
            .fields
            .iter()
            .map(|f| match (t.get(f.name), f.default) {
                (Some(v), _) => Value::from_toml(&key_spec(f), v).map_err(|e| match e {
                    ScenarioError::Invalid {
                        value, accepted, ..
                    } => ScenarioError::Invalid {
                        key: key(f.name),
                        value,
                        accepted,
                    },
                    other => other,
                }),
                (None, Some(d)) => Ok(Value::from_lit(d)),
                (None, None) => Err(ScenarioError::Invalid {
                    key: key(f.name),
                    value: "(missing)".into(),
                    accepted: format!(
                        "{} ({}), required by action = \"{}\"",
                        f.kind.accepted(),
                        f.doc,
                        action.name
                    ),
                }),
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(RawEvent {
            index,
            at_ms,
            action,
            args,
        })
    }

    fn arg(&self, name: &str) -> &Value {
        let i = self
            .action
            .fields
            .iter()
            .position(|f| f.name == name)
            .unwrap_or_else(|| panic!("{} has no field {name}", self.action.name));
        &self.args[i]
    }

    fn int(&self, name: &str) -> i64 {
        match self.arg(name) {
            Value::Int(v) => *v,
            v => panic!("{name} is not an int: {v:?}"),
        }
    }

    fn float(&self, name: &str) -> f64 {
        match self.arg(name) {
            Value::Float(v) => *v,
            Value::Int(v) => *v as f64,
            v => panic!("{name} is not a number: {v:?}"),
        }
    }

    /// Its fields and values as a reader writes them: an optional name left empty (a group)
    /// is left out.
    pub fn written_args(&self) -> impl Iterator<Item = (&FieldSpec, &Value)> {
        self.action.fields.iter().zip(&self.args).filter(|(f, v)| {
            !(matches!(f.default, Some(Lit::S(""))) && **v == Value::Text(String::new()))
        })
    }

    /// The event as a TOML `[[events]]` table (for the resolved-scenario file).
    pub fn to_toml(&self) -> String {
        let mut s = format!(
            "[[events]]\nat_ms = {}\naction = \"{}\"\n",
            self.at_ms, self.action.name
        );
        for (f, v) in self.written_args() {
            s.push_str(&format!("{} = {}\n", f.name, v.to_toml()));
        }
        s
    }
}

/// What a scenario event does, typed.
#[derive(Clone, Debug, PartialEq)]
#[allow(missing_docs)] // fields named in ACTIONS
pub enum Action {
    ConsumerJoin {
        consumer: usize,
    },
    ConsumerLeave {
        consumer: usize,
    },
    ConsumerCrash {
        consumer: usize,
    },
    ConsumerRestart {
        consumer: usize,
    },
    ConsumerSlow {
        consumer: usize,
        process_ns: Nanos,
    },
    ConsumerPause {
        consumer: usize,
        duration_ns: Nanos,
    },
    ConsumerStall {
        consumer: usize,
        duration_ns: Nanos,
    },
    RollingRestart {
        /// Only this group's consumers (None: every consumer).
        group: Option<usize>,
        interval_ns: Nanos,
        down_ns: Nanos,
    },
    ProducerRate {
        /// The producers (None: every one).
        producers: Option<std::ops::Range<usize>>,
        rate_milli_per_s: u64,
    },
    BrokerCrash {
        broker: usize,
    },
    BrokerRestart {
        broker: usize,
    },
    BrokerSlowDisk {
        broker: usize,
        factor_permille: u64,
        duration_ns: Nanos,
    },
    NetworkCut {
        from: Endpoint,
        to: Endpoint,
        duration_ns: Nanos,
    },
    RequestsFail {
        probability_ppm: u32,
        duration_ns: Nanos,
        stage: FailStage,
    },
    ResetOffsets {
        /// Index of the group.
        group: usize,
        /// Where to.
        to: ResetTo,
    },
}

/// Where `group.reset_offsets` moves each partition's committed offset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResetTo {
    /// The log start offset.
    Earliest,
    /// The high watermark.
    Latest,
    /// The committed offset (or the log end where none is).
    Current,
    /// This offset.
    Offset(u64),
    /// The committed offset plus this.
    ShiftBy(i64),
    /// The first record created at or after this simulated time, ns.
    Datetime(Nanos),
    /// The first record created at most this long before the reset, ns.
    Duration(Nanos),
}

/// One end of a network cut.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Endpoint {
    /// A broker's host.
    Broker(usize),
    /// The clients' host.
    Clients,
}

/// Where an injected produce failure strikes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailStage {
    /// The request is lost on the way in: nothing appended.
    BeforeAppend,
    /// The response is lost after the leader appended.
    AfterAppend,
    /// Half of each.
    Either,
}

fn broker_index(e: &RawEvent, brokers: u32) -> Result<usize, ScenarioError> {
    let v = e.int("broker");
    if v < 0 || v >= brokers as i64 {
        return Err(ScenarioError::Invalid {
            key: format!("events[{}].broker", e.index),
            value: v.to_string(),
            accepted: format!(
                "a broker index from 0 to {} (cluster.brokers = {brokers}): no broker {v}",
                brokers.saturating_sub(1)
            ),
        });
    }
    Ok(v as usize)
}

fn endpoint(e: &RawEvent, name: &str, brokers: u32) -> Result<Endpoint, ScenarioError> {
    let text = e.arg(name).to_string();
    let bad = || ScenarioError::Invalid {
        key: format!("events[{}].{name}", e.index),
        value: format!("\"{text}\""),
        accepted: format!(
            "\"clients\" or \"broker:N\" with N from 0 to {} (cluster.brokers = {brokers})",
            brokers.saturating_sub(1)
        ),
    };
    if text == "clients" {
        return Ok(Endpoint::Clients);
    }
    let n: u32 = text
        .strip_prefix("broker:")
        .and_then(|n| n.trim().parse().ok())
        .ok_or_else(bad)?;
    if n >= brokers {
        return Err(bad());
    }
    Ok(Endpoint::Broker(n as usize))
}

/// An action at a time.
#[derive(Clone, Debug, PartialEq)]
pub struct TimedAction {
    /// When, ns of simulated time.
    pub at_ns: Nanos,
    /// What.
    pub action: Action,
}

/// How many of each component a sweep point has (to check the indices events name).
#[derive(Clone, Copy, Debug)]
pub struct Counts<'a> {
    /// Each group's group.id and its consumers' numbers.
    pub groups: &'a [(String, std::ops::Range<u32>)],
    /// Each `[[producers]]` entry's name and its producers' numbers.
    pub producer_names: &'a [(String, std::ops::Range<u32>)],
    /// consumer.count.
    pub consumers: u32,
    /// producer.count.
    pub producers: u32,
    /// cluster.brokers.
    pub brokers: u32,
    /// consumer.start_ms, or None when consumers start after producing (a time not known in
    /// advance).
    pub consumers_start_ms: Option<u64>,
}

/// The producers a `producer.*` event names: by index over every producer, or within the
/// `[[producers]]` entry `name`; None = every producer.
fn producers_named(
    e: &RawEvent,
    n: Counts<'_>,
) -> Result<Option<std::ops::Range<usize>>, ScenarioError> {
    let name = e.arg("name").to_string();
    let (range, what) = if name.is_empty() {
        (0..n.producers, "producer")
    } else {
        let Some((_, r)) = n.producer_names.iter().find(|(x, _)| *x == name) else {
            let names: Vec<String> = n
                .producer_names
                .iter()
                .map(|(x, _)| format!("\"{x}\""))
                .collect();
            return Err(ScenarioError::Invalid {
                key: format!("events[{}].name", e.index),
                value: format!("\"{name}\""),
                accepted: format!("the name of a [[producers]] entry ({})", names.join(", ")),
            });
        };
        (r.clone(), "producer of the entry")
    };
    if e.int("producer") == -1 {
        let r = range.start as usize..range.end as usize;
        return Ok((!name.is_empty()).then_some(r));
    }
    let i = index_of(e, "producer", range.end - range.start, what)?;
    let p = range.start as usize + i;
    Ok(Some(p..p + 1))
}

/// The consumer a `consumer.*` event names: its index over every group, or within `group`.
fn consumer_index(e: &RawEvent, n: Counts<'_>) -> Result<usize, ScenarioError> {
    match group_of_event(e, n)? {
        None => index_of(e, "consumer", n.consumers, "consumer"),
        Some(g) => {
            let members = &n.groups[g].1;
            let i = index_of(
                e,
                "consumer",
                members.end - members.start,
                "consumer of the group",
            )?;
            Ok(members.start as usize + i)
        }
    }
}

/// The group an event names (None when it names none).
fn group_of_event(e: &RawEvent, n: Counts<'_>) -> Result<Option<usize>, ScenarioError> {
    if e.arg("group").to_string().is_empty() {
        return Ok(None);
    }
    group_index(e, n).map(Some)
}

/// The group a `group.*` event names by its group.id ("" = the only group).
fn group_index(e: &RawEvent, n: Counts<'_>) -> Result<usize, ScenarioError> {
    let name = e.arg("group").to_string();
    let ids: Vec<String> = n.groups.iter().map(|g| format!("\"{}\"", g.0)).collect();
    match n.groups.iter().position(|g| g.0 == name) {
        Some(i) => Ok(i),
        None if name.is_empty() && n.groups.len() <= 1 => Ok(0),
        None => Err(ScenarioError::Invalid {
            key: format!("events[{}].group", e.index),
            value: format!("\"{name}\""),
            accepted: format!(
                "the group.id of a group of the scenario ({})",
                ids.join(", ")
            ),
        }),
    }
}

fn index_of(e: &RawEvent, name: &str, count: u32, what: &str) -> Result<usize, ScenarioError> {
    let v = e.int(name);
    if v < 0 || v >= count as i64 {
        return Err(ScenarioError::Invalid {
            key: format!("events[{}].{name}", e.index),
            value: v.to_string(),
            accepted: if count == 0 {
                format!("nothing: the scenario has no {what} ({what}.count = 0)")
            } else {
                format!(
                    "a {what} index from 0 to {} ({what}.count = {count})",
                    count - 1
                )
            },
        });
    }
    Ok(v as usize)
}

impl Action {
    /// Type `e`, checking the indices it names against `n`.
    pub fn from_raw(e: &RawEvent, n: Counts<'_>) -> Result<Action, ScenarioError> {
        let consumer = || consumer_index(e, n);
        let ms = |name: &str| crate::engine::time::span(e.int(name) as u64, MS);
        Ok(match e.action.name {
            "consumer.join" => Action::ConsumerJoin {
                consumer: consumer()?,
            },
            "consumer.leave" => Action::ConsumerLeave {
                consumer: consumer()?,
            },
            "consumer.crash" => Action::ConsumerCrash {
                consumer: consumer()?,
            },
            "consumer.restart" => Action::ConsumerRestart {
                consumer: consumer()?,
            },
            "consumer.slow" => Action::ConsumerSlow {
                consumer: consumer()?,
                process_ns: crate::engine::time::span_us(e.float("process_us_per_record")),
            },
            "consumer.pause" => Action::ConsumerPause {
                consumer: consumer()?,
                duration_ns: ms("duration_ms"),
            },
            "consumer.stall" => Action::ConsumerStall {
                consumer: consumer()?,
                duration_ns: ms("duration_ms"),
            },
            "group.rolling_restart" => Action::RollingRestart {
                group: group_of_event(e, n)?,
                interval_ns: ms("interval_ms"),
                down_ns: ms("down_ms"),
            },
            "producer.rate" => Action::ProducerRate {
                producers: producers_named(e, n)?,
                rate_milli_per_s: (e.float("rate_per_s") * 1000.0).round() as u64,
            },
            "broker.crash" => Action::BrokerCrash {
                broker: broker_index(e, n.brokers)?,
            },
            "broker.restart" => Action::BrokerRestart {
                broker: broker_index(e, n.brokers)?,
            },
            "broker.slow_disk" => Action::BrokerSlowDisk {
                broker: broker_index(e, n.brokers)?,
                factor_permille: (e.float("factor") * 1000.0).round() as u64,
                duration_ns: ms("duration_ms"),
            },
            "network.cut" => {
                let from = endpoint(e, "from", n.brokers)?;
                let to = endpoint(e, "to", n.brokers)?;
                if from == to {
                    return Err(ScenarioError::Invalid {
                        key: format!("events[{}].to", e.index),
                        value: format!("\"{}\"", e.arg("to")),
                        accepted: "an endpoint other than `from`".into(),
                    });
                }
                Action::NetworkCut {
                    from,
                    to,
                    duration_ns: ms("duration_ms"),
                }
            }
            "requests.fail" => Action::RequestsFail {
                probability_ppm: (e.float("probability") * 1e6).round() as u32,
                duration_ns: ms("duration_ms"),
                stage: match e.arg("stage").to_string().as_str() {
                    "before_append" => FailStage::BeforeAppend,
                    "after_append" => FailStage::AfterAppend,
                    _ => FailStage::Either,
                },
            },
            "group.reset_offsets" => Action::ResetOffsets {
                group: group_index(e, n)?,
                to: match e.arg("to").to_string().as_str() {
                    "earliest" => ResetTo::Earliest,
                    "latest" => ResetTo::Latest,
                    "current" => ResetTo::Current,
                    "offset" => ResetTo::Offset(e.int("offset").max(0) as u64),
                    "shift-by" => ResetTo::ShiftBy(e.int("offset")),
                    "datetime" => ResetTo::Datetime(ms("timestamp_ms")),
                    _ => ResetTo::Duration(ms("duration_ms")),
                },
            },
            other => unreachable!("action {other} is in ACTIONS but not typed"),
        })
    }
}

/// A `group.reset_offsets` at a time when, by the scenario's own events, some consumer surely
/// is a member of the group (it started and has not left or crashed since) is refused, as
/// kafka-consumer-groups refuses it. Rolling restarts make membership unknown: not checked.
fn check_resets(events: &[RawEvent], n: Counts<'_>) -> Result<(), ScenarioError> {
    // The consumer a membership event names, over every group (None: an index out of range,
    // reported by its own check).
    let named = |e: &RawEvent| consumer_index(e, n).ok().map(|c| c as i64);
    let mut sorted: Vec<&RawEvent> = events.iter().collect();
    sorted.sort_by_key(|e| e.at_ms);
    for reset in sorted
        .iter()
        .filter(|e| e.action.name == "group.reset_offsets")
    {
        // Events run in time order, file order among equal times.
        let before = sorted
            .iter()
            .filter(|e| (e.at_ms, e.index) < (reset.at_ms, reset.index));
        if before
            .clone()
            .any(|e| e.action.name == "group.rolling_restart")
        {
            continue;
        }
        let Some(start_ms) = n.consumers_start_ms else {
            continue;
        };
        let members = n
            .groups
            .get(group_index(reset, n)?)
            .map_or(0..n.consumers, |g| g.1.clone());
        for c in members.map(i64::from) {
            let membership = [
                "consumer.join",
                "consumer.leave",
                "consumer.crash",
                "consumer.restart",
            ];
            let mine = |e: &&&RawEvent| membership.contains(&e.action.name) && named(e) == Some(c);
            let joins = events
                .iter()
                .any(|e| e.action.name == "consumer.join" && named(e) == Some(c));
            let last = before.clone().rev().find(mine);
            let member = match last {
                Some(e) => matches!(e.action.name, "consumer.join" | "consumer.restart"),
                None => !joins && start_ms < reset.at_ms,
            };
            if member {
                return Err(ScenarioError::Invalid {
                    key: format!("events[{}].action", reset.index),
                    value: format!("\"group.reset_offsets\" at {} ms", reset.at_ms),
                    accepted: format!(
                        "a reset while the group is empty: consumer {c} is still a member at {} ms (kafka-consumer-groups refuses to reset a group with active members); stop every consumer first with consumer.leave",
                        reset.at_ms
                    ),
                });
            }
        }
    }
    Ok(())
}

/// Type every event of a sweep point, in time order (file order among equal times).
pub fn resolve(events: &[RawEvent], n: Counts<'_>) -> Result<Vec<TimedAction>, ScenarioError> {
    check_resets(events, n)?;
    let mut out = events
        .iter()
        .map(|e| {
            Ok(TimedAction {
                at_ns: crate::engine::time::span(e.at_ms, MS),
                action: Action::from_raw(e, n)?,
            })
        })
        .collect::<Result<Vec<_>, ScenarioError>>()?;
    out.sort_by_key(|t| t.at_ns);
    Ok(out)
}

/// The actions and their fields as lines for `kafkasim config`.
pub fn describe() -> String {
    let mut s = String::from(
        "\n[[events]] (each: at_ms = simulated time in ms ≥ 0, action = one of these, and its fields)\n",
    );
    for a in ACTIONS {
        s.push_str(&format!("{:<24} {}\n", a.name, a.doc));
        for f in a.fields {
            let default = match f.default {
                None => "required".to_string(),
                Some(d) => format!("default {}", Value::from_lit(d)),
            };
            s.push_str(&format!(
                "    {:<22} {:<10} {} ({default}; {})\n",
                f.name,
                f.unit,
                f.doc,
                f.kind.accepted()
            ));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<RawEvent, ScenarioError> {
        let t: toml::Table = text.parse().unwrap();
        RawEvent::from_toml(0, &t)
    }

    const N: Counts = Counts {
        groups: &[],
        producer_names: &[],
        consumers: 3,
        producers: 1,
        brokers: 1,
        consumers_start_ms: Some(0),
    };

    #[test]
    fn an_event_round_trips_through_toml() {
        let e = parse(
            "at_ms = 2500\naction = \"consumer.slow\"\nconsumer = 2\nprocess_us_per_record = 40.0",
        )
        .unwrap();
        let text = e.to_toml();
        let t: toml::Table = text.parse::<toml::Table>().unwrap()["events"]
            .as_array()
            .unwrap()[0]
            .as_table()
            .unwrap()
            .clone();
        assert_eq!(RawEvent::from_toml(0, &t).unwrap(), e);
        let a = resolve(&[e], N).unwrap();
        assert_eq!(
            a[0],
            TimedAction {
                at_ns: 2_500 * MS,
                action: Action::ConsumerSlow {
                    consumer: 2,
                    process_ns: 40_000
                }
            }
        );
    }

    #[test]
    fn defaults_fill_optional_fields() {
        let e = parse("at_ms = 0\naction = \"group.rolling_restart\"").unwrap();
        assert_eq!(
            Action::from_raw(&e, N).unwrap(),
            Action::RollingRestart {
                group: None,
                interval_ns: 10_000 * MS,
                down_ns: 5_000 * MS
            }
        );
    }

    #[test]
    fn bad_events_name_the_field_and_what_is_accepted() {
        let msg = |t: &str| parse(t).unwrap_err().to_string();
        assert!(msg("at_ms = -5\naction = \"consumer.crash\"\nconsumer = 0")
            .contains("events[0].at_ms` = -5"));
        assert!(msg("at_ms = 5\naction = \"consumer.explode\"").contains("consumer.crash"));
        assert!(msg("at_ms = 5\naction = \"consumer.crash\"").contains("events[0].consumer"));
        assert!(
            msg("at_ms = 5\naction = \"consumer.crash\"\nconsumer = 0\nbroker = 1")
                .contains("unknown field `events[0].broker`")
        );
        let e = parse("at_ms = 5\naction = \"consumer.crash\"\nconsumer = 3").unwrap();
        let err = Action::from_raw(&e, N).unwrap_err().to_string();
        assert!(err.contains("`events[0].consumer` = 3"), "{err}");
        assert!(err.contains("from 0 to 2"), "{err}");
    }
}
