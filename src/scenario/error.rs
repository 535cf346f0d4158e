//! Errors in a scenario or in command-line overrides. Each names the key or flag, the value and
//! what is accepted.

/// `s` as written, or its first 60 characters and its length when it is longer than 80: a
/// message names what was wrong without echoing a megabyte back.
pub fn shorten(s: &str) -> String {
    if s.chars().count() <= 80 {
        return s.to_string();
    }
    let head: String = s.chars().take(60).collect();
    format!("{head}… ({} bytes)", s.len())
}

/// A scenario could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The file could not be read.
    #[error("cannot read scenario file `{path}`: {source}")]
    Read {
        /// File path.
        path: String,
        /// Cause.
        source: std::io::Error,
    },
    /// The file is not valid TOML.
    #[error("`{path}` is not valid TOML: {msg}")]
    Toml {
        /// File path.
        path: String,
        /// Parser message (with line and column).
        msg: String,
    },
    /// A key that the simulator does not know.
    #[error("unknown key `{}`{}; `kafkasim config` lists every key", shorten(key), match suggestion { Some(s) => format!(" (did you mean `{s}`?)"), None => String::new() })]
    UnknownKey {
        /// The key as written.
        key: String,
        /// The nearest known key.
        suggestion: Option<&'static str>,
    },
    /// A value of the wrong kind or out of range.
    #[error("`{}` = {}: expected {accepted}", shorten(key), shorten(value))]
    Invalid {
        /// The key.
        key: String,
        /// The value as written.
        value: String,
        /// What is accepted.
        accepted: String,
    },
    /// An `include` that cannot be followed (missing file, cycle, too deep).
    #[error("`include` = \"{path}\" in `{from}`: {reason}")]
    Include {
        /// The including file.
        from: String,
        /// The included path, as resolved against the including file's folder.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// Values that do not fit together.
    #[error("{0}")]
    Conflict(String),
    /// A malformed `--set` or `--vary` argument.
    #[error("{flag} `{}`: expected KEY=VALUE{}", shorten(arg), if *flag == "--vary" { "[,VALUE…]" } else { "" })]
    BadOverride {
        /// `--set` or `--vary`.
        flag: &'static str,
        /// The argument as given.
        arg: String,
    },
}
