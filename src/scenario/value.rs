//! A scenario value, typed by its key's [`Kind`](super::keys::Kind).

use super::error::ScenarioError;
use super::keys::{KeySpec, Kind, Lit};
use std::fmt;

/// One value of a key.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(untagged)]
pub enum Value {
    /// Whole number.
    Int(i64),
    /// Number.
    Float(f64),
    /// Boolean.
    Bool(bool),
    /// Text or enum word.
    Text(String),
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Int(v) => write!(f, "{v}"),
            Value::Float(v) => write!(f, "{v}"),
            Value::Bool(v) => write!(f, "{v}"),
            Value::Text(v) => write!(f, "{v}"),
        }
    }
}

impl Value {
    /// The value as TOML (for the resolved-scenario file).
    pub fn to_toml(&self) -> toml::Value {
        match self {
            Value::Int(v) => toml::Value::Integer(*v),
            Value::Float(v) => toml::Value::Float(*v),
            Value::Bool(v) => toml::Value::Boolean(*v),
            Value::Text(v) => toml::Value::String(v.clone()),
        }
    }

    pub(crate) fn from_lit(l: Lit) -> Self {
        match l {
            Lit::I(v) => Value::Int(v),
            Lit::F(v) => Value::Float(v),
            Lit::B(v) => Value::Bool(v),
            Lit::S(v) => Value::Text(v.to_string()),
        }
    }

    fn invalid(spec: &KeySpec, shown: String) -> ScenarioError {
        ScenarioError::Invalid {
            key: spec.path.into(),
            value: shown,
            accepted: spec.kind.accepted(),
        }
    }

    /// Check a value from a TOML file against `spec`.
    pub fn from_toml(spec: &KeySpec, v: &toml::Value) -> Result<Self, ScenarioError> {
        let shown = v.to_string();
        let val = match (spec.kind, v) {
            (Kind::Int { .. }, toml::Value::Integer(i)) => Value::Int(*i),
            (Kind::Float { .. }, toml::Value::Integer(i)) => Value::Float(*i as f64),
            (Kind::Float { .. }, toml::Value::Float(x)) => Value::Float(*x),
            (Kind::Bool, toml::Value::Boolean(b)) => Value::Bool(*b),
            (Kind::Enum(_), toml::Value::Integer(i)) => Value::Text(i.to_string()),
            (Kind::Enum(_) | Kind::Text, toml::Value::String(s)) => Value::Text(s.clone()),
            _ => return Err(Self::invalid(spec, shown)),
        };
        val.checked(spec, shown)
    }

    /// Check a value given on the command line against `spec`.
    pub fn from_str(spec: &KeySpec, s: &str) -> Result<Self, ScenarioError> {
        let shown = s.to_string();
        let t = s.trim();
        let val = match spec.kind {
            Kind::Int { .. } => t
                .replace('_', "")
                .parse()
                .map(Value::Int)
                .map_err(|_| Self::invalid(spec, shown.clone()))?,
            Kind::Float { .. } => t
                .replace('_', "")
                .parse()
                .map(Value::Float)
                .map_err(|_| Self::invalid(spec, shown.clone()))?,
            Kind::Bool => t
                .parse()
                .map(Value::Bool)
                .map_err(|_| Self::invalid(spec, shown.clone()))?,
            Kind::Enum(_) | Kind::Text => Value::Text(t.to_string()),
        };
        val.checked(spec, shown)
    }

    /// Whether the value is of `kind` and in its range.
    pub fn fits(&self, kind: Kind) -> bool {
        match (self, kind) {
            (Value::Int(v), Kind::Int { min, max }) => (min..=max).contains(v),
            (Value::Float(v), Kind::Float { min, max }) => v.is_finite() && *v >= min && *v <= max,
            (Value::Text(v), Kind::Enum(words)) => words.contains(&v.as_str()),
            (Value::Bool(_), Kind::Bool) | (Value::Text(_), Kind::Text) => true,
            _ => false,
        }
    }

    fn checked(self, spec: &KeySpec, shown: String) -> Result<Self, ScenarioError> {
        if self.fits(spec.kind) {
            Ok(self)
        } else {
            Err(Self::invalid(spec, shown))
        }
    }
}
