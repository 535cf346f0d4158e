//! A scenario as data, for shard files: what `run --shard` ran (file, includes, `--set`,
//! `--vary`, seeds all applied), so `kafkasim merge` resolves the same points without reading
//! any file again. Keys are written by name and looked up in the registry when read back, so
//! a shard from another kafkasim build with other keys is refused, not misread.

use super::config::{Config, Scenario};
use super::entries::{Entry, EntryKind};
use super::events::{RawEvent, ACTIONS};
use super::keys;
use super::value::Value;
use serde::{Deserialize, Serialize};

/// [`Scenario`] with every `&'static` name as text.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScenarioWire {
    source: String,
    explicit: Vec<(String, Value)>,
    /// (index, at_ms, action, args).
    events: Vec<(usize, u64, String, Vec<Value>)>,
    entries: Vec<EntryWire>,
    sweep: Vec<(String, Vec<Value>)>,
    overrides: Vec<(String, Value)>,
    varied: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct EntryWire {
    /// "topic", "producer" or "group".
    kind: String,
    name: String,
    set: Vec<(String, Value)>,
    topics: Vec<String>,
    pattern: Option<String>,
}

const KINDS: [(EntryKind, &str); 3] = [
    (EntryKind::Topic, "topic"),
    (EntryKind::Producer, "producer"),
    (EntryKind::Group, "group"),
];

fn names(xs: &[(&'static str, Value)]) -> Vec<(String, Value)> {
    xs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
}

/// The registry's name for `k`, or why a shard naming it cannot be read.
fn key(k: &str) -> Result<&'static str, String> {
    keys::spec(k)
        .map(|s| s.path)
        .ok_or_else(|| format!("it sets `{k}`, which this kafkasim does not know"))
}

/// `v` as a value of `k`, or why it cannot be one (a shard is data from outside: every value is
/// checked as a scenario file's would be).
fn valid(k: &'static str, v: Value) -> Result<Value, String> {
    let kind = keys::spec(k).expect("a registry name").kind;
    match v.fits(kind) {
        true => Ok(v),
        false => Err(format!(
            "its `{k}` = {v} is not a value of that key ({})",
            kind.accepted()
        )),
    }
}

fn keyed(xs: Vec<(String, Value)>) -> Result<Vec<(&'static str, Value)>, String> {
    xs.into_iter()
        .map(|(k, v)| {
            let k = key(&k)?;
            Ok((k, valid(k, v)?))
        })
        .collect()
}

impl From<&Scenario> for ScenarioWire {
    fn from(sc: &Scenario) -> Self {
        let b = &sc.base;
        ScenarioWire {
            source: sc.source.clone(),
            explicit: b
                .explicit()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
            events: (b.events.iter())
                .map(|e| (e.index, e.at_ms, e.action.name.to_string(), e.args.clone()))
                .collect(),
            entries: (b.entries.iter())
                .map(|e| EntryWire {
                    kind: KINDS
                        .iter()
                        .find(|(k, _)| *k == e.kind)
                        .expect("every kind")
                        .1
                        .into(),
                    name: e.name.clone(),
                    set: names(&e.set),
                    topics: e.topics.clone(),
                    pattern: e.pattern.clone(),
                })
                .collect(),
            sweep: (sc.sweep.iter())
                .map(|(k, vs)| (k.to_string(), vs.clone()))
                .collect(),
            overrides: names(&sc.overrides),
            varied: sc.varied.iter().map(|k| k.to_string()).collect(),
        }
    }
}

impl TryFrom<ScenarioWire> for Scenario {
    type Error = String;

    fn try_from(w: ScenarioWire) -> Result<Self, String> {
        let mut base = Config::default();
        for (k, v) in keyed(w.explicit)? {
            base.set(k, v);
        }
        for (index, at_ms, action, args) in w.events {
            let action = (ACTIONS.iter().find(|a| a.name == action)).ok_or_else(|| {
                format!("it has a `{action}` event, which this kafkasim does not know")
            })?;
            let fits = args.len() == action.fields.len()
                && args.iter().zip(action.fields).all(|(v, f)| v.fits(f.kind));
            if !fits {
                return Err(format!(
                    "its `{}` event has fields of the wrong kind",
                    action.name
                ));
            }
            base.events.push(RawEvent {
                index,
                at_ms,
                action,
                args,
            });
        }
        for e in w.entries {
            let kind = (KINDS.iter().find(|(_, n)| *n == e.kind))
                .ok_or_else(|| {
                    format!(
                        "it has a `{}` entry, which this kafkasim does not know",
                        e.kind
                    )
                })?
                .0;
            base.entries.push(Entry {
                kind,
                name: e.name,
                set: keyed(e.set)?,
                topics: e.topics,
                pattern: e.pattern,
            });
        }
        let sweep = (w.sweep.into_iter())
            .map(|(k, vs)| {
                let k = key(&k)?;
                let vs = (vs.into_iter().map(|v| valid(k, v))).collect::<Result<_, _>>()?;
                Ok((k, vs))
            })
            .collect::<Result<_, String>>()?;
        let varied = w.varied.iter().map(|k| key(k)).collect::<Result<_, _>>()?;
        Ok(Scenario {
            source: w.source,
            base,
            sweep,
            overrides: keyed(w.overrides)?,
            varied,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scenario_comes_back_as_it_was_written() {
        for (name, text) in crate::examples::EXAMPLES {
            let mut sc = Scenario::parse(text, name).expect("bundled scenarios parse");
            sc.apply_set("producer.linger.ms=7").unwrap();
            sc.apply_vary("consumer.count=1,3").unwrap();
            let wire = ScenarioWire::from(&sc);
            let mut bytes = vec![];
            ciborium::into_writer(&wire, &mut bytes).unwrap();
            let back: ScenarioWire = ciborium::from_reader(&bytes[..]).unwrap();
            assert_eq!(back, wire, "{name}");
            let sc2 = Scenario::try_from(back).unwrap();
            assert_eq!(sc2.base, sc.base, "{name}");
            assert_eq!(sc2.sweep, sc.sweep, "{name}");
            assert_eq!(sc2.overrides, sc.overrides, "{name}");
            assert_eq!(sc2.varied, sc.varied, "{name}");
            assert_eq!(sc2.source, sc.source, "{name}");
        }
    }

    #[test]
    fn an_unknown_key_is_refused_by_name() {
        let sc = Scenario::parse("[producer]\nrecords = 10\n", "s.toml").unwrap();
        let mut wire = ScenarioWire::from(&sc);
        wire.explicit
            .push(("producer.warp.factor".into(), Value::Int(9)));
        let e = Scenario::try_from(wire).unwrap_err();
        assert!(e.contains("producer.warp.factor"), "{e}");
        let mut wire = ScenarioWire::from(&sc);
        wire.explicit
            .push(("producer.records".into(), Value::Text("many".into())));
        let e = Scenario::try_from(wire).unwrap_err();
        assert!(e.contains("producer.records") && e.contains("many"), "{e}");
    }
}
