//! [`ConfigError`], and its conversion into the umbrella [`Error`].

use crate::config::value::Kind;
use crate::error::{Error, ErrorCategory, ErrorCode, RetryStrategy, Severity};

/// Why a configuration could not be built, read or changed. Each says
/// which setting and what would have been right.
///
/// ```
/// use foundation::config::{Config, ConfigError, Setting};
///
/// let config = Config::builder()
///     .setting(Setting::new("http.port", 8080).updatable())
///     .setting(Setting::new("http.host", "127.0.0.1"))
///     .build()?;
/// let error = config.update("http.host", "0.0.0.0").unwrap_err();
/// assert_eq!(
///     error.to_string(),
///     "setting `http.host` cannot change while the node runs; the updatable ones are: http.port"
/// );
/// assert!(matches!(config.get::<u16>("http.prot"), Err(ConfigError::UnknownPath { .. })));
/// # Ok::<(), ConfigError>(())
/// ```
#[non_exhaustive]
#[derive(thiserror::Error, Debug, Clone, PartialEq)]
pub enum ConfigError {
    /// No setting has this path.
    #[error("unknown setting `{path}`; the settings are: {}", list(known))]
    UnknownPath {
        /// The path asked for.
        path: String,
        /// Every setting's path.
        known: Vec<String>,
    },
    /// The setting exists but may not change while the node runs.
    #[error(
        "setting `{path}` cannot change while the node runs; the updatable ones are: {}",
        list(updatable)
    )]
    NotUpdatable {
        /// The path.
        path: String,
        /// The settings that may change.
        updatable: Vec<String>,
    },
    /// A value of the wrong kind (from a file, the environment, an update
    /// or a read).
    #[error("setting `{path}` holds a {expected}; {found}")]
    WrongKind {
        /// The path.
        path: String,
        /// The setting's kind.
        expected: Kind,
        /// What was found instead, in words.
        found: String,
    },
    /// The setting's validation refused the value.
    #[error("invalid value `{value}` for setting `{path}`: {reason}")]
    Invalid {
        /// The path.
        path: String,
        /// The value refused.
        value: String,
        /// The validation's reason.
        reason: String,
    },
    /// The configuration file could not be read.
    #[error("cannot read the configuration file `{file}`: {reason}")]
    Unreadable {
        /// The file.
        file: String,
        /// The I/O error.
        reason: String,
    },
    /// A TOML source is not valid TOML.
    #[error("`{source_name}` is not valid TOML: {reason}")]
    Syntax {
        /// The file's name, or `"toml text"`.
        source_name: String,
        /// The parser's message.
        reason: String,
    },
    /// A setting was declared with a path that is not one (empty segments,
    /// characters other than `a-z 0-9 _`), or twice.
    #[error("bad setting path `{path}`: {reason}")]
    BadPath {
        /// The path.
        path: String,
        /// What is wrong with it.
        reason: String,
    },
}

fn list(paths: &[String]) -> String {
    if paths.is_empty() {
        "(none)".to_string()
    } else {
        paths.join(", ")
    }
}

impl From<ConfigError> for Error {
    fn from(error: ConfigError) -> Self {
        let (number, name, path) = match &error {
            ConfigError::UnknownPath { path, .. } => (1301, "config.unknown_path", Some(path)),
            ConfigError::NotUpdatable { path, .. } => (1302, "config.not_updatable", Some(path)),
            ConfigError::WrongKind { path, .. } => (1303, "config.wrong_kind", Some(path)),
            ConfigError::Invalid { path, .. } => (1304, "config.invalid", Some(path)),
            ConfigError::Unreadable { .. } => (1305, "config.unreadable", None),
            ConfigError::Syntax { .. } => (1306, "config.syntax", None),
            ConfigError::BadPath { path, .. } => (1307, "config.bad_path", Some(path)),
        };
        let converted = Error::new(
            ErrorCode::new(number, name),
            ErrorCategory::Config,
            error.to_string(),
        )
        .with_severity(Severity::Medium)
        .with_retry(RetryStrategy::None);
        match path {
            Some(path) => converted.with_detail("path", path),
            None => converted,
        }
    }
}
