//! Errors in a scenario or in command-line overrides. Each names the key or flag, the value and
//! what is accepted.

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
    #[error("unknown key `{key}`{}; `kafkasim config` lists every key", match suggestion { Some(s) => format!(" (did you mean `{s}`?)"), None => String::new() })]
    UnknownKey {
        /// The key as written.
        key: String,
        /// The nearest known key.
        suggestion: Option<&'static str>,
    },
    /// A value of the wrong kind or out of range.
    #[error("`{key}` = {value}: expected {accepted}")]
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
    #[error("{flag} `{arg}`: expected KEY=VALUE{}", if *flag == "--vary" { "[,VALUE…]" } else { "" })]
    BadOverride {
        /// `--set` or `--vary`.
        flag: &'static str,
        /// The argument as given.
        arg: String,
    },
}
