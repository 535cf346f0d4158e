//! Loading a scenario: TOML → flat keys → checked values, `--set` overrides and the sweep grid.

use super::entries::{Entry, EntryKind};
use super::error::ScenarioError;
use super::events::RawEvent;
use super::keys::{self, Default as Def};
use super::resolve::SimConfig;
use super::value::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Explicitly set values; every other key takes its default for the chosen client.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Config {
    explicit: BTreeMap<&'static str, Value>,
    /// The `[[events]]` tables, checked field by field, in file order.
    pub events: Vec<RawEvent>,
    /// The `[[topics]]`, `[[producers]]` and `[[groups]]` entries, in file order.
    pub entries: Vec<Entry>,
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
            Def::Client(java, rdk) => Value::from_lit(match self.client() {
                ClientDefaults::Java => java,
                ClientDefaults::Librdkafka | ClientDefaults::Python => rdk,
            }),
            Def::Python(java, rdk, python) => Value::from_lit(match self.client() {
                ClientDefaults::Java => java,
                ClientDefaults::Librdkafka => rdk,
                ClientDefaults::Python => python,
            }),
        }
    }

    /// Which client's defaults apply.
    fn client(&self) -> ClientDefaults {
        match self.get("client") {
            Value::Text(t) if t == "librdkafka" => ClientDefaults::Librdkafka,
            Value::Text(t) if t == "confluent-kafka-python" => ClientDefaults::Python,
            _ => ClientDefaults::Java,
        }
    }

    /// The keys set explicitly, with their values, in key order.
    pub fn explicit(&self) -> impl Iterator<Item = (&'static str, &Value)> {
        self.explicit.iter().map(|(k, v)| (*k, v))
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

    /// The fully resolved scenario as TOML text, one `"key" = value  # unit` per line; keys left
    /// at their default are written commented out (`# "key" = value  # unit, default`), so the
    /// text shows every value and still reads back as the same scenario (a default that
    /// depends on other keys, such as enable.idempotence under acks=1, stays a default).
    pub fn to_toml(&self) -> String {
        let mut out = String::new();
        for (k, v) in self.resolved() {
            let spec = keys::spec(k).expect("registry key");
            let unit = if spec.unit.is_empty() {
                String::new()
            } else {
                format!("  # {}", spec.unit)
            };
            if self.is_set(k) {
                out.push_str(&format!("\"{k}\" = {}{unit}\n", v.to_toml()));
            } else {
                let unit = if spec.unit.is_empty() {
                    "  # default".to_string()
                } else {
                    format!("{unit}, default")
                };
                out.push_str(&format!("# \"{k}\" = {}{unit}\n", v.to_toml()));
            }
        }
        for e in &self.entries {
            out.push('\n');
            out.push_str(&e.to_toml());
        }
        for e in &self.events {
            out.push('\n');
            out.push_str(&e.to_toml());
        }
        out
    }
}

/// The client presets defaults are chosen by.
enum ClientDefaults {
    Java,
    Librdkafka,
    Python,
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
    /// The `--set` overrides applied, in order (for reproduce commands and captions).
    pub overrides: Vec<(&'static str, Value)>,
    /// The keys `--vary` swept, in order (for captions).
    pub varied: Vec<&'static str>,
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
        let pairs: Vec<String> = self.label.iter().map(|(k, v)| short_pair(k, v)).collect();
        pairs.join(", ")
    }

    /// The short name in two parts: every swept key but the last, and the last (for bars
    /// grouped by the first keys, one bar per value of the last).
    pub fn short_name_split(&self) -> (String, String) {
        let pairs: Vec<String> = self.label.iter().map(|(k, v)| short_pair(k, v)).collect();
        match pairs.split_last() {
            Some((last, [])) => ("base".into(), last.clone()),
            Some((last, rest)) => (rest.join(", "), last.clone()),
            None => ("base".into(), String::new()),
        }
    }
}

/// `key=value` as a short name gives it.
fn short_pair(k: &str, v: &Value) -> String {
    let word = short_key(k);
    let v = v.to_string();
    if v.is_empty() {
        format!("{word}=\"\"")
    } else {
        format!("{word}={v}")
    }
}

/// A key as a point's short name gives it: without its table (`producer.`, `topic.`, …), at
/// most three words (`max.in.flight` for `max.in.flight.requests.per.connection`), with the
/// table kept when the rest is a word that says nothing alone (`consumer.count`).
fn short_key(key: &str) -> String {
    const VAGUE: [&str; 8] = [
        "count", "cores", "hosts", "mode", "records", "disk", "layout", "brokers",
    ];
    let Some((_, rest)) = key.split_once('.') else {
        return key.to_string();
    };
    if VAGUE.contains(&rest) {
        return key.to_string();
    }
    rest.split('.').take(3).collect::<Vec<_>>().join(".")
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

/// Includes may nest this deep (a guard against runaway chains; cycles are caught earlier).
const MAX_INCLUDE_DEPTH: usize = 16;
/// The most files one scenario may read, itself and its includes (a file included twice counts
/// twice): an include "bomb" of files that each include the next several times stops here.
const MAX_INCLUDED_FILES: usize = 64;
/// The largest scenario or included file read, bytes (a scenario is a few KiB).
pub const MAX_SCENARIO_BYTES: u64 = 1 << 20;

/// Reads a regular file of at most `limit` bytes as text. Anything else — a directory, a FIFO, a
/// device such as /dev/zero — is refused before reading, so it can neither block nor fill memory.
pub fn read_text_file(path: &Path, limit: u64) -> std::io::Result<String> {
    use std::io::{Error, ErrorKind, Read};
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(Error::new(ErrorKind::InvalidInput, "not a regular file"));
    }
    if meta.len() > limit {
        return Err(Error::new(
            ErrorKind::InvalidInput,
            format!("{} bytes, more than the {limit} accepted", meta.len()),
        ));
    }
    let mut text = String::new();
    std::fs::File::open(path)?
        .take(limit + 1)
        .read_to_string(&mut text)?;
    if text.len() as u64 > limit {
        return Err(Error::new(
            ErrorKind::InvalidInput,
            format!("more than the {limit} bytes accepted"),
        ));
    }
    Ok(text)
}

/// The most points a sweep may have (checked before the grid is built).
pub const MAX_SWEEP_POINTS: usize = 100_000;

/// The files being read while loading a scenario (outermost first) and how many were read.
#[derive(Default)]
struct Includes {
    stack: Vec<PathBuf>,
    files: usize,
}

/// A scenario file as flat (key, TOML value) pairs before checking, includes merged in.
#[derive(Default)]
struct Raw {
    flat: Vec<(String, toml::Value)>,
    sweep: Vec<(String, toml::Value)>,
    /// `[[events]]` tables, included files' first.
    events: Vec<toml::Value>,
    /// `[[topics]]`, `[[producers]]`, `[[groups]]` tables, included files' first.
    entries: Vec<(EntryKind, toml::Value)>,
}

impl Raw {
    /// Reads `path`; `stack` holds the files being read, outermost first (cycle detection).
    fn load(path: &Path, shown: &str, inc: &mut Includes) -> Result<Raw, ScenarioError> {
        let text = read_text_file(path, MAX_SCENARIO_BYTES).map_err(|e| ScenarioError::Read {
            path: shown.into(),
            source: e,
        })?;
        Raw::parse(&text, shown, path, inc)
    }

    fn parse(
        text: &str,
        shown: &str,
        path: &Path,
        inc: &mut Includes,
    ) -> Result<Raw, ScenarioError> {
        inc.files += 1;
        let table: toml::Table =
            text.parse()
                .map_err(|e: toml::de::Error| ScenarioError::Toml {
                    path: shown.into(),
                    msg: e.to_string().trim_end().to_string(),
                })?;
        let mut raw = Raw::default();
        if let Some(v) = table.get("include") {
            let bad = || ScenarioError::Invalid {
                key: "include".into(),
                value: v.to_string(),
                accepted:
                    "a path or a list of paths to scenario files (relative to the including file)"
                        .into(),
            };
            let files: Vec<&str> = match v {
                toml::Value::String(s) => vec![s.as_str()],
                toml::Value::Array(a) => a
                    .iter()
                    .map(|x| x.as_str().ok_or_else(bad))
                    .collect::<Result<_, _>>()?,
                _ => return Err(bad()),
            };
            let here = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
            inc.stack.push(here);
            for file in files {
                let target = path.parent().unwrap_or(Path::new("")).join(file);
                let shown_target = target.display().to_string();
                let canon = std::fs::canonicalize(&target).map_err(|e| ScenarioError::Include {
                    from: shown.into(),
                    path: shown_target.clone(),
                    reason: format!("cannot read it: {e}"),
                })?;
                if let Some(at) = inc.stack.iter().position(|p| *p == canon) {
                    let chain: Vec<String> = inc.stack[at..]
                        .iter()
                        .chain([&canon])
                        .map(|p| p.display().to_string())
                        .collect();
                    return Err(ScenarioError::Include {
                        from: shown.into(),
                        path: shown_target,
                        reason: format!("include cycle: {}", chain.join(" → ")),
                    });
                }
                if inc.stack.len() >= MAX_INCLUDE_DEPTH {
                    return Err(ScenarioError::Include {
                        from: shown.into(),
                        path: shown_target,
                        reason: format!("includes nest deeper than {MAX_INCLUDE_DEPTH} files"),
                    });
                }
                if inc.files >= MAX_INCLUDED_FILES {
                    return Err(ScenarioError::Include {
                        from: shown.into(),
                        path: shown_target,
                        reason: format!(
                            "the scenario would read more than {MAX_INCLUDED_FILES} files (each inclusion counts)"
                        ),
                    });
                }
                let inner = Raw::load(&target, &shown_target, inc)?;
                if !inner.sweep.is_empty() {
                    return Err(ScenarioError::Include {
                        from: shown.into(),
                        path: shown_target,
                        reason: "an included file may not have a [sweep] (sweep in the including scenario)".into(),
                    });
                }
                raw.flat.extend(inner.flat);
                raw.events.extend(inner.events);
                raw.entries.extend(inner.entries);
            }
            inc.stack.pop();
        }
        for (k, v) in &table {
            match (k.as_str(), v) {
                ("include", _) => {}
                ("sweep", toml::Value::Table(t)) => flatten("", t, &mut raw.sweep),
                ("events", toml::Value::Array(items)) => raw.events.extend(items.iter().cloned()),
                ("topics" | "producers" | "groups", toml::Value::Array(items)) => {
                    let kind = match k.as_str() {
                        "topics" => EntryKind::Topic,
                        "producers" => EntryKind::Producer,
                        _ => EntryKind::Group,
                    };
                    raw.entries
                        .extend(items.iter().map(|item| (kind, item.clone())));
                }
                ("topics" | "producers" | "groups", other) => {
                    return Err(ScenarioError::Invalid {
                        key: k.clone(),
                        value: other.to_string(),
                        accepted: format!("an array of tables, written [[{k}]]"),
                    })
                }
                ("events", other) => {
                    return Err(ScenarioError::Invalid {
                        key: "events".into(),
                        value: other.to_string(),
                        accepted: "an array of tables, written [[events]]".into(),
                    })
                }
                (_, toml::Value::Table(t)) => flatten(k, t, &mut raw.flat),
                _ => raw.flat.push((k.clone(), v.clone())),
            }
        }
        Ok(raw)
    }

    /// Checks every key and value; later pairs (the including file's) override earlier ones.
    fn check(self, source: &str) -> Result<Scenario, ScenarioError> {
        let mut sc = Scenario {
            source: source.into(),
            base: Config::default(),
            sweep: vec![],
            overrides: vec![],
            varied: vec![],
        };
        for (i, item) in self.events.iter().enumerate() {
            let t = item.as_table().ok_or_else(|| ScenarioError::Invalid {
                key: format!("events[{i}]"),
                value: item.to_string(),
                accepted: "a table: [[events]] with at_ms, action and its fields".into(),
            })?;
            sc.base.events.push(RawEvent::from_toml(i, t)?);
        }
        let mut index = [0usize; 3];
        for (kind, item) in &self.entries {
            let i = &mut index[*kind as usize];
            let t = item.as_table().ok_or_else(|| ScenarioError::Invalid {
                key: format!("{}[{i}]", kind.list()),
                value: item.to_string(),
                accepted: format!("a table: [[{}]] with its keys", kind.list()),
            })?;
            sc.base.entries.push(Entry::from_toml(*kind, *i, t)?);
            *i += 1;
        }
        for (path, v) in self.flat {
            let spec = known(&path)?;
            sc.base.set(spec.path, Value::from_toml(spec, &v)?);
        }
        for (path, v) in self.sweep {
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
}

impl Scenario {
    /// Read and check a scenario file (and the files it includes, see [`Scenario::parse`]).
    pub fn load(path: &str) -> Result<Self, ScenarioError> {
        let raw = Raw::load(Path::new(path), path, &mut Includes::default())?;
        raw.check(path)
    }

    /// Check a scenario given as text; `source` names it in messages, and its folder is where
    /// `include` paths are looked up (the current folder when `source` has none).
    ///
    /// A top-level `include = "profile.toml"` (or a list of paths) reads those scenarios first,
    /// in order; keys of the including text override theirs (and `--set` overrides both).
    /// Include cycles and missing files are errors naming the `include` key and the path.
    pub fn parse(text: &str, source: &str) -> Result<Self, ScenarioError> {
        let raw = Raw::parse(text, source, Path::new(source), &mut Includes::default())?;
        raw.check(source)
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
        let value = Value::from_str(spec, v)?;
        self.base.set(spec.path, value.clone());
        self.sweep.retain(|(k, _)| *k != spec.path);
        self.overrides.retain(|(k, _)| *k != spec.path);
        self.overrides.push((spec.path, value));
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
        if !self.varied.contains(&spec.path) {
            self.varied.push(spec.path);
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
        // Counted before the grid is built: a grid of 10⁷ points would not fit in memory.
        let size = self
            .sweep
            .iter()
            .try_fold(1usize, |n, (_, vals)| n.checked_mul(vals.len()));
        if size.is_none_or(|n| n > MAX_SWEEP_POINTS) {
            let sizes: Vec<String> = self
                .sweep
                .iter()
                .map(|(k, v)| format!("{k}: {}", v.len()))
                .collect();
            return Err(ScenarioError::Conflict(format!(
                "the sweep has {} points ({}); at most {MAX_SWEEP_POINTS} are accepted",
                size.map_or("more than 2^64".to_string(), |n| n.to_string()),
                sizes.join(" × ")
            )));
        }
        self.points()
            .into_iter()
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

    /// The `--set` overrides but `seed` and `seeds` (which reproduce commands and captions
    /// give on their own), in order.
    pub fn user_overrides(&self) -> impl Iterator<Item = &(&'static str, Value)> {
        self.overrides
            .iter()
            .filter(|(k, _)| !matches!(*k, "seed" | "seeds"))
    }

    /// The name figures' captions give: with the user's `--set` and `--vary` flags (seeds
    /// apart, which captions give on their own), so a figure from a what-if run never claims
    /// to be the bundled scenario; at most about 110 characters.
    pub fn caption_name(&self) -> String {
        let mut flags: Vec<String> = self
            .user_overrides()
            .map(|(k, v)| format!("--set {k}={v}"))
            .collect();
        flags.extend(self.varied.iter().map(|k| format!("--vary {k}")));
        let name = self.name();
        if flags.is_empty() {
            return name;
        }
        let mut text = flags.join(" ");
        if text.chars().count() > 90 {
            text = text.chars().take(89).collect::<String>() + "…";
        }
        format!("{name} ({text})")
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn short_names_keep_enough_of_each_key_to_read_it() {
        for (key, short) in [
            ("producer.acks", "acks"),
            (
                "producer.max.in.flight.requests.per.connection",
                "max.in.flight",
            ),
            ("topic.replication.factor", "replication.factor"),
            ("consumer.count", "consumer.count"),
            ("seed", "seed"),
        ] {
            assert_eq!(super::short_key(key), short);
        }
    }

    #[test]
    fn captions_name_the_users_overrides_but_not_the_seeds() {
        let mut sc = super::Scenario::parse("name = \"demo\"\n", "demo.toml").unwrap();
        assert_eq!(sc.caption_name(), "demo");
        sc.apply_set("producer.linger.ms=20").unwrap();
        sc.apply_set("seeds=3").unwrap();
        sc.apply_vary("producer.batch.size=16384,65536").unwrap();
        assert_eq!(
            sc.caption_name(),
            "demo (--set producer.linger.ms=20 --vary producer.batch.size)"
        );
        for i in 0..20 {
            sc.apply_set(&format!("producer.records={}", 1000 + i))
                .unwrap();
            sc.apply_set("consumer.count=4").unwrap();
        }
        sc.apply_set("topic.partitions=12").unwrap();
        sc.apply_set("producer.value_bytes=1000").unwrap();
        assert!(
            sc.caption_name().chars().count() <= 100,
            "{}",
            sc.caption_name()
        );
    }

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

    fn write(dir: &Path, name: &str, text: &str) -> String {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p.display().to_string()
    }

    #[test]
    fn include_reads_the_profile_and_the_including_file_overrides_it() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("profiles")).unwrap();
        write(
            dir.path(),
            "profiles/p.toml",
            "[broker]\nrequest_cpu_us = 42.0\n[producer]\n\"linger.ms\" = 9\n",
        );
        let main = write(
            dir.path(),
            "main.toml",
            "include = [\"profiles/p.toml\"]\n[producer]\n\"linger.ms\" = 3\n",
        );
        let mut sc = Scenario::load(&main).unwrap();
        assert_eq!(sc.base.get("broker.request_cpu_us"), Value::Float(42.0));
        assert_eq!(sc.base.get("producer.linger.ms"), Value::Int(3));
        sc.apply_set("broker.request_cpu_us=7").unwrap();
        assert_eq!(sc.base.get("broker.request_cpu_us"), Value::Float(7.0));
        // A single path works too, and nested includes resolve against their own folder.
        write(dir.path(), "profiles/q.toml", "include = \"p.toml\"\n");
        let one = write(dir.path(), "one.toml", "include = \"profiles/q.toml\"\n");
        let sc = Scenario::load(&one).unwrap();
        assert_eq!(sc.base.get("producer.linger.ms"), Value::Int(9));
    }

    #[test]
    fn a_missing_include_names_the_key_and_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let main = write(dir.path(), "main.toml", "include = \"nope.toml\"\n");
        let e = Scenario::load(&main).unwrap_err().to_string();
        assert!(
            e.contains("`include`") && e.contains("nope.toml") && e.contains("main.toml"),
            "{e}"
        );
        let e = Scenario::parse("include = 3", "x").unwrap_err().to_string();
        assert!(
            e.contains("`include` = 3") && e.contains("list of paths"),
            "{e}"
        );
    }

    #[test]
    fn include_cycles_and_included_sweeps_are_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let a = write(dir.path(), "a.toml", "include = \"b.toml\"\n");
        write(dir.path(), "b.toml", "include = \"a.toml\"\n");
        let e = Scenario::load(&a).unwrap_err().to_string();
        assert!(e.contains("include cycle") && e.contains("b.toml"), "{e}");
        let selfie = write(dir.path(), "self.toml", "include = \"self.toml\"\n");
        assert!(Scenario::load(&selfie)
            .unwrap_err()
            .to_string()
            .contains("cycle"));
        write(
            dir.path(),
            "s.toml",
            "[sweep]\n\"topic.partitions\" = [1, 2]\n",
        );
        let m = write(dir.path(), "m.toml", "include = \"s.toml\"\n");
        let e = Scenario::load(&m).unwrap_err().to_string();
        assert!(e.contains("[sweep]"), "{e}");
        // The same file included twice side by side is not a cycle.
        write(dir.path(), "p.toml", "seed = 5\n");
        let twice = write(dir.path(), "t.toml", "include = [\"p.toml\", \"p.toml\"]\n");
        assert_eq!(
            Scenario::load(&twice).unwrap().base.get("seed"),
            Value::Int(5)
        );
    }
}
