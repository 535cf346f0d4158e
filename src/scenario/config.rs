//! Loading a scenario: TOML → flat keys → checked values, `--set` overrides and the sweep grid.

use super::error::ScenarioError;
use super::events::RawEvent;
use super::keys::{self, Default as Def};
use super::resolve::SimConfig;
use super::value::Value;
use std::collections::BTreeMap;

/// Explicitly set values; every other key takes its default for the chosen client.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Config {
    explicit: BTreeMap<&'static str, Value>,
    /// The `[[events]]` tables, checked field by field, in file order.
    pub events: Vec<RawEvent>,
}

impl Config {
    /// Set `key` (must be in the registry).
    pub fn set(&mut self, key: &'static str, v: Value) {
        self.explicit.insert(key, v);
    }

    /// The value of `key`: explicit, else the default for this config's client.
    pub fn get(&self, key: &str) -> Value {
        if let Some(v) = self.explicit.get(key) {
            return v.clone();
        }
        let spec = keys::spec(key).unwrap_or_else(|| panic!("`{key}` is not in keys::KEYS"));
        match spec.default {
            Def::All(l) => Value::from_lit(l),
            Def::Client(java, rdk) => {
                let client = self.get("client");
                Value::from_lit(if client == Value::Text("librdkafka".into()) {
                    rdk
                } else {
                    java
                })
            }
        }
    }

    /// Whether `key` was set explicitly.
    pub fn is_set(&self, key: &str) -> bool {
        self.explicit.contains_key(key)
    }

    /// Every key with its resolved value, in registry order.
    pub fn resolved(&self) -> Vec<(&'static str, Value)> {
        keys::KEYS
            .iter()
            .map(|s| (s.path, self.get(s.path)))
            .collect()
    }

    /// The fully resolved scenario as TOML text, one `"key" = value  # unit` per line.
    pub fn to_toml(&self) -> String {
        let mut out = String::new();
        for (k, v) in self.resolved() {
            let spec = keys::spec(k).expect("registry key");
            let unit = if spec.unit.is_empty() {
                String::new()
            } else {
                format!("  # {}", spec.unit)
            };
            out.push_str(&format!("\"{k}\" = {}{unit}\n", v.to_toml()));
        }
        for e in &self.events {
            out.push('\n');
            out.push_str(&e.to_toml());
        }
        out
    }
}

/// A scenario: a base configuration and a grid of values to sweep.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// Where it was read from (for messages and captions).
    pub source: String,
    /// The configuration shared by every point.
    pub base: Config,
    /// Keys to vary, each with its values, in file order; points are their cartesian product.
    pub sweep: Vec<(&'static str, Vec<Value>)>,
}

/// One point of the sweep grid.
#[derive(Clone, Debug)]
pub struct Point {
    /// Position in the grid.
    pub index: usize,
    /// The swept keys and their values here.
    pub label: Vec<(&'static str, Value)>,
    /// The full configuration of this point.
    pub config: Config,
}

impl Point {
    /// `key=value key=value` label ("base" when nothing is swept).
    pub fn name(&self) -> String {
        if self.label.is_empty() {
            return "base".into();
        }
        self.label
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// A short label for titles: each swept key's last word and its value
    /// (`strategy=range, id=""`); "base" when nothing is swept.
    pub fn short_name(&self) -> String {
        if self.label.is_empty() {
            return "base".into();
        }
        self.label
            .iter()
            .map(|(k, v)| {
                let word = k.rsplit('.').next().unwrap_or(k);
                let v = v.to_string();
                if v.is_empty() {
                    format!("{word}=\"\"")
                } else {
                    format!("{word}={v}")
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn flatten(prefix: &str, t: &toml::Table, out: &mut Vec<(String, toml::Value)>) {
    for (k, v) in t {
        let path = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            toml::Value::Table(inner) => flatten(&path, inner, out),
            _ => out.push((path, v.clone())),
        }
    }
}

fn known(path: &str) -> Result<&'static keys::KeySpec, ScenarioError> {
    keys::spec(path).ok_or_else(|| ScenarioError::UnknownKey {
        key: path.into(),
        suggestion: keys::nearest(path),
    })
}

impl Scenario {
    /// Read and check a scenario file.
    pub fn load(path: &str) -> Result<Self, ScenarioError> {
        let text = std::fs::read_to_string(path).map_err(|e| ScenarioError::Read {
            path: path.into(),
            source: e,
        })?;
        Self::parse(&text, path)
    }

    /// Check a scenario given as text; `source` names it in messages.
    pub fn parse(text: &str, source: &str) -> Result<Self, ScenarioError> {
        let table: toml::Table =
            text.parse()
                .map_err(|e: toml::de::Error| ScenarioError::Toml {
                    path: source.into(),
                    msg: e.to_string().trim_end().to_string(),
                })?;
        let mut sc = Scenario {
            source: source.into(),
            base: Config::default(),
            sweep: vec![],
        };
        let mut flat = vec![];
        let mut sweep_flat = vec![];
        for (k, v) in &table {
            match (k.as_str(), v) {
                ("sweep", toml::Value::Table(t)) => flatten("", t, &mut sweep_flat),
                ("events", toml::Value::Array(items)) => {
                    for (i, item) in items.iter().enumerate() {
                        let t = item.as_table().ok_or_else(|| ScenarioError::Invalid {
                            key: format!("events[{i}]"),
                            value: item.to_string(),
                            accepted: "a table: [[events]] with at_ms, action and its fields"
                                .into(),
                        })?;
                        sc.base.events.push(RawEvent::from_toml(i, t)?);
                    }
                }
                ("events", other) => {
                    return Err(ScenarioError::Invalid {
                        key: "events".into(),
                        value: other.to_string(),
                        accepted: "an array of tables, written [[events]]".into(),
                    })
                }
                (_, toml::Value::Table(t)) => flatten(k, t, &mut flat),
                _ => flat.push((k.clone(), v.clone())),
            }
        }
        for (path, v) in flat {
            let spec = known(&path)?;
            sc.base.set(spec.path, Value::from_toml(spec, &v)?);
        }
        for (path, v) in sweep_flat {
            let spec = known(&path)?;
            let items = match v {
                toml::Value::Array(a) if !a.is_empty() => a,
                other => {
                    return Err(ScenarioError::Invalid {
                        key: format!("sweep.{path}"),
                        value: other.to_string(),
                        accepted: "a non-empty array of values".into(),
                    })
                }
            };
            let vals = items
                .iter()
                .map(|x| Value::from_toml(spec, x))
                .collect::<Result<Vec<_>, _>>()?;
            sc.sweep.push((spec.path, vals));
        }
        Ok(sc)
    }

    fn split_arg<'a>(
        flag: &'static str,
        arg: &'a str,
    ) -> Result<(&'static keys::KeySpec, &'a str), ScenarioError> {
        let (k, v) = arg.split_once('=').ok_or(ScenarioError::BadOverride {
            flag,
            arg: arg.into(),
        })?;
        if k.trim().is_empty() {
            return Err(ScenarioError::BadOverride {
                flag,
                arg: arg.into(),
            });
        }
        Ok((known(k.trim())?, v))
    }

    /// Apply `--set key=value`: the key is fixed for every point (and removed from the sweep).
    pub fn apply_set(&mut self, arg: &str) -> Result<(), ScenarioError> {
        let (spec, v) = Self::split_arg("--set", arg)?;
        self.base.set(spec.path, Value::from_str(spec, v)?);
        self.sweep.retain(|(k, _)| *k != spec.path);
        Ok(())
    }

    /// Apply `--vary key=a,b,c`: sweep the key over these values (replacing the file's list).
    pub fn apply_vary(&mut self, arg: &str) -> Result<(), ScenarioError> {
        let (spec, v) = Self::split_arg("--vary", arg)?;
        let vals = v
            .split(',')
            .map(|x| Value::from_str(spec, x))
            .collect::<Result<Vec<_>, _>>()?;
        if vals.is_empty() {
            return Err(ScenarioError::BadOverride {
                flag: "--vary",
                arg: arg.into(),
            });
        }
        match self.sweep.iter_mut().find(|(k, _)| *k == spec.path) {
            Some(entry) => entry.1 = vals,
            None => self.sweep.push((spec.path, vals)),
        }
        Ok(())
    }

    /// Every point of the grid, first key varying slowest.
    pub fn points(&self) -> Vec<Point> {
        let mut points = vec![Point {
            index: 0,
            label: vec![],
            config: self.base.clone(),
        }];
        for (key, vals) in &self.sweep {
            points = points
                .into_iter()
                .flat_map(|p| {
                    vals.iter().map(move |v| {
                        let mut q = p.clone();
                        q.label.push((key, v.clone()));
                        q.config.set(key, v.clone());
                        q
                    })
                })
                .collect();
        }
        for (i, p) in points.iter_mut().enumerate() {
            p.index = i;
        }
        points
    }

    /// Resolve every point, so a bad combination fails before anything runs.
    pub fn resolve_all(&self) -> Result<Vec<(Point, SimConfig)>, ScenarioError> {
        let pts = self.points();
        if pts.len() > 100_000 {
            return Err(ScenarioError::Conflict(format!(
                "the sweep has {} points; at most 100000 are accepted",
                pts.len()
            )));
        }
        pts.into_iter()
            .map(|p| {
                let c = SimConfig::from_config(&p.config).map_err(|e| {
                    match (&e, p.label.is_empty()) {
                        (_, true) => e,
                        (ScenarioError::Conflict(m), false) => {
                            ScenarioError::Conflict(format!("at sweep point {}: {m}", p.name()))
                        }
                        _ => e,
                    }
                })?;
                Ok((p, c))
            })
            .collect()
    }

    /// The scenario's name.
    pub fn name(&self) -> String {
        self.base.get("name").to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotted_and_quoted_keys_mean_the_same() {
        let a = Scenario::parse("[producer]\n\"linger.ms\" = 7\n", "a").unwrap();
        let b = Scenario::parse("[producer]\nlinger.ms = 7\n", "b").unwrap();
        assert_eq!(a.base, b.base);
        assert_eq!(a.base.get("producer.linger.ms"), Value::Int(7));
    }

    #[test]
    fn defaults_follow_the_client() {
        let j = Scenario::parse("", "j").unwrap();
        let r = Scenario::parse("client = \"librdkafka\"", "r").unwrap();
        assert_eq!(j.base.get("producer.batch.size"), Value::Int(16_384));
        assert_eq!(r.base.get("producer.batch.size"), Value::Int(1_000_000));
    }

    #[test]
    fn sweep_points_are_the_cartesian_product_in_file_order() {
        let mut s = Scenario::parse(
            "[sweep]\n\"topic.partitions\" = [1, 2]\n\"consumer.count\" = [1, 4]\n",
            "s",
        )
        .unwrap();
        let names: Vec<String> = s.points().iter().map(|p| p.name()).collect();
        assert_eq!(names[0], "topic.partitions=1 consumer.count=1");
        assert_eq!(names[3], "topic.partitions=2 consumer.count=4");
        s.apply_set("consumer.count=2").unwrap();
        assert_eq!(s.points().len(), 2);
        s.apply_vary("producer.linger.ms=0,5,50").unwrap();
        assert_eq!(s.points().len(), 6);
    }
}
