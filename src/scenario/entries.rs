//! `[[topics]]`, `[[producers]]` and `[[groups]]`: a cluster with several topics, producers of
//! their own configuration and consumer groups of their own.
//!
//! Each entry is a table of the keys of one scenario table, written without its prefix: a
//! `[[topics]]` entry takes `topic.*` keys (`name`, `partitions`, `"retention.ms"`, …), a
//! `[[producers]]` entry `producer.*` keys plus `name` and `topic`, a `[[groups]]` entry
//! `consumer.*` keys (`"group.id"`, `count`, …) plus `topics`, the subscription. A key an entry
//! leaves out takes the value of the scenario's `[topic]`, `[producer]` or `[consumer]` table (so
//! `--set producer.acks=all` reaches every producer that does not set its own). Without entries a
//! scenario has one topic, `producer.count` producers and one group, as before.

use super::error::{shorten, ScenarioError};
use super::keys;
use super::value::Value;

/// Which list an entry belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryKind {
    /// `[[topics]]`: `topic.*` keys.
    Topic,
    /// `[[producers]]`: `producer.*` keys, `name` and `topic`.
    Producer,
    /// `[[groups]]`: `consumer.*` keys and `topics`.
    Group,
}

impl EntryKind {
    /// The TOML array name.
    pub fn list(self) -> &'static str {
        match self {
            EntryKind::Topic => "topics",
            EntryKind::Producer => "producers",
            EntryKind::Group => "groups",
        }
    }

    /// The table whose keys its entries take.
    fn prefix(self) -> &'static str {
        match self {
            EntryKind::Topic => "topic",
            EntryKind::Producer => "producer",
            EntryKind::Group => "consumer",
        }
    }

    /// Keys of the prefix table that an entry may not set: per-run choices, or what the model
    /// keeps one of per cluster.
    fn refused(self, key: &str) -> Option<&'static str> {
        match (self, key) {
            (EntryKind::Topic, "topic.unclean.leader.election.enable") => Some("unclean leader election is one setting for the whole cluster in kafkasim; set it in [topic]"),
            (EntryKind::Group, "consumer.start_after_produce") => Some("consumers start after producing for every group or for none; set it in [consumer]"),
            _ => None,
        }
    }
}

/// One entry: its keys (full paths) and values in file order; for producers the topic it
/// writes to, for groups the topics it subscribes to.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    /// Which list.
    pub kind: EntryKind,
    /// `name` of a producer entry (its label; "" = `producer-N`).
    pub name: String,
    /// Keys set by the entry, full paths (`topic.partitions`), in file order.
    pub set: Vec<(&'static str, Value)>,
    /// A producer's topic, a group's subscription ("" / empty = every topic).
    pub topics: Vec<String>,
    /// A group's subscription by pattern (`topics_pattern`, Java's `subscribe(Pattern)`).
    pub pattern: Option<String>,
}

impl Entry {
    /// Check `[[list]]` entry number `i` (0-based) of kind `kind`.
    pub fn from_toml(kind: EntryKind, i: usize, t: &toml::Table) -> Result<Self, ScenarioError> {
        let at = |k: &str| format!("{}[{i}].{k}", kind.list());
        let mut e = Entry {
            kind,
            name: String::new(),
            set: vec![],
            topics: vec![],
            pattern: None,
        };
        for (k, v) in t {
            let text = |v: &toml::Value| -> Result<String, ScenarioError> {
                v.as_str()
                    .map(str::to_string)
                    .filter(|s| !s.trim().is_empty())
                    .ok_or_else(|| ScenarioError::Invalid {
                        key: at(k),
                        value: v.to_string(),
                        accepted: "a non-empty string".into(),
                    })
            };
            match (kind, k.as_str()) {
                (EntryKind::Producer, "name") => e.name = text(v)?,
                (EntryKind::Producer, "topic") => e.topics = vec![text(v)?],
                (EntryKind::Group, "topics_pattern") => e.pattern = Some(text(v)?),
                (EntryKind::Group, "topics") => {
                    e.topics = match v {
                        toml::Value::Array(a) if !a.is_empty() => {
                            a.iter().map(text).collect::<Result<_, _>>()?
                        }
                        toml::Value::String(_) => vec![text(v)?],
                        _ => {
                            return Err(ScenarioError::Invalid {
                                key: at(k),
                                value: v.to_string(),
                                accepted: "a topic name or a non-empty list of topic names".into(),
                            })
                        }
                    }
                }
                _ => {
                    let mut flat = vec![];
                    flatten(k, v, &mut flat);
                    for (path, v) in flat {
                        let full = format!("{}.{path}", kind.prefix());
                        let spec = keys::spec(&full).ok_or_else(|| ScenarioError::UnknownKey {
                            key: at(&path),
                            suggestion: keys::nearest(&full),
                        })?;
                        if let Some(why) = kind.refused(spec.path) {
                            return Err(ScenarioError::Invalid {
                                key: at(&path),
                                value: shorten(&v.to_string()),
                                accepted: format!("no per-entry value: {why}"),
                            });
                        }
                        let value = Value::from_toml(spec, &v).map_err(|err| match err {
                            ScenarioError::Invalid {
                                value, accepted, ..
                            } => ScenarioError::Invalid {
                                key: at(&path),
                                value,
                                accepted,
                            },
                            other => other,
                        })?;
                        e.set.push((spec.path, value));
                    }
                }
            }
        }
        if kind == EntryKind::Topic && e.get("topic.name").is_none() {
            return Err(ScenarioError::Invalid {
                key: at("name"),
                value: "(missing)".into(),
                accepted: "every [[topics]] entry names its topic: name = \"orders\"".into(),
            });
        }
        if e.pattern.is_some() && !e.topics.is_empty() {
            return Err(ScenarioError::Invalid {
                key: at("topics_pattern"),
                value: format!("\"{}\"", e.pattern.as_deref().unwrap_or_default()),
                accepted: "either topics or topics_pattern, not both (a consumer subscribes to a list or to a pattern)".into(),
            });
        }
        if kind == EntryKind::Group && e.get("consumer.group.id").is_none() {
            return Err(ScenarioError::Invalid {
                key: at("group.id"),
                value: "(missing)".into(),
                accepted: "every [[groups]] entry names its group: \"group.id\" = \"billing\""
                    .into(),
            });
        }
        Ok(e)
    }

    /// The value the entry sets for `key`, if it does.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.set
            .iter()
            .rev()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v)
    }

    /// The entry as TOML, `[[list]]` first (for the resolved-scenario file).
    pub fn to_toml(&self) -> String {
        let mut out = format!("[[{}]]\n", self.kind.list());
        let q = |s: &str| toml::Value::String(s.to_string()).to_string();
        if !self.name.is_empty() {
            out.push_str(&format!("name = {}\n", q(&self.name)));
        }
        match (self.kind, self.topics.as_slice()) {
            (_, []) => {}
            (EntryKind::Producer, [t]) => out.push_str(&format!("topic = {}\n", q(t))),
            _ => {
                let list: Vec<String> = self.topics.iter().map(|t| q(t)).collect();
                out.push_str(&format!("topics = [{}]\n", list.join(", ")));
            }
        }
        if let Some(p) = &self.pattern {
            out.push_str(&format!("topics_pattern = {}\n", q(p)));
        }
        for (k, v) in &self.set {
            let short = &k[self.kind.prefix().len() + 1..];
            out.push_str(&format!("\"{short}\" = {}\n", v.to_toml()));
        }
        out
    }
}

/// Nested tables of an entry (`[topics.config]` style) as dotted paths.
fn flatten(prefix: &str, v: &toml::Value, out: &mut Vec<(String, toml::Value)>) {
    match v {
        toml::Value::Table(t) => {
            for (k, inner) in t {
                flatten(&format!("{prefix}.{k}"), inner, out);
            }
        }
        _ => out.push((prefix.to_string(), v.clone())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(kind: EntryKind, text: &str) -> Result<Entry, ScenarioError> {
        let t: toml::Table = text.parse().expect("toml");
        Entry::from_toml(kind, 0, &t)
    }

    #[test]
    fn an_entry_takes_its_tables_keys_and_round_trips() {
        let e = entry(
            EntryKind::Topic,
            "name = \"orders\"\npartitions = 6\n\"retention.ms\" = 60000",
        )
        .unwrap();
        assert_eq!(e.get("topic.partitions"), Some(&Value::Int(6)));
        let back = entry(EntryKind::Topic, e.to_toml().split_once('\n').unwrap().1).unwrap();
        assert_eq!(back, e);
        let p = entry(
            EntryKind::Producer,
            "name = \"fast\"\ntopic = \"orders\"\nacks = \"all\"\nrecords = 10",
        )
        .unwrap();
        assert_eq!(
            (p.name.as_str(), p.topics.as_slice()),
            ("fast", &["orders".to_string()][..])
        );
        let back = entry(EntryKind::Producer, p.to_toml().split_once('\n').unwrap().1).unwrap();
        assert_eq!(back, p);
    }

    #[test]
    fn bad_entries_name_the_entry_and_the_key() {
        let e = entry(EntryKind::Topic, "partitions = 3")
            .unwrap_err()
            .to_string();
        assert!(e.contains("topics[0].name"), "{e}");
        let e = entry(EntryKind::Producer, "linger = 5")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("producers[0].linger") && e.contains("linger.ms"),
            "{e}"
        );
        let e = entry(EntryKind::Group, "\"group.id\" = \"a\"\ncount = -1")
            .unwrap_err()
            .to_string();
        assert!(e.contains("groups[0].count"), "{e}");
        let e = entry(EntryKind::Group, "\"group.id\" = \"a\"\ntopics = []")
            .unwrap_err()
            .to_string();
        assert!(e.contains("groups[0].topics"), "{e}");
    }
}
