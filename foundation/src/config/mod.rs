//! Typed, layered configuration: a node's settings (ADR 0011 §3).
//!
//! A program declares its settings — a dotted path, a default (whose type
//! is the setting's [`Kind`]), whether it may change while the node runs,
//! a validation — and layers values over the defaults: a TOML file, then
//! `FOUNDATION_*` environment variables, passed in as a map (the program
//! passes `std::env::vars()`; tests pass their own, never touching the
//! process's). The node gets the result when it is built
//! ([`NodeBuilder::config`](crate::NodeBuilder::config)) and hands it out:
//! [`Node::config`](crate::Node::config), [`Context::config`](crate::Context::config).
//!
//! ```
//! use foundation::config::{Config, Setting};
//! use foundation::Node;
//! use std::time::Duration;
//!
//! let config = Config::builder()
//!     .setting(Setting::new("http.port", 8080).validate(|v| {
//!         let port = v.to_string().parse::<u32>().unwrap_or(0);
//!         if (1..=65535).contains(&port) { Ok(()) } else { Err("a port is 1 to 65535".into()) }
//!     }))
//!     .setting(Setting::new("http.timeout", Duration::from_secs(5)).updatable())
//!     .toml("[http]\nport = 9090\n")
//!     .env([("FOUNDATION_HTTP__TIMEOUT", "250ms"), ("PATH", "/usr/bin")])
//!     .build()?;
//!
//! let node = Node::builder().schedulers(1).config(config).start()?;
//! assert_eq!(node.config().get::<u16>("http.port")?, 9090);
//! assert_eq!(node.config().get::<Duration>("http.timeout")?, Duration::from_millis(250));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! An environment variable names a path in capitals, with `__` for each
//! dot: `FOUNDATION_HTTP__TIMEOUT` is `http.timeout`. A variable, file
//! key or update naming no declared setting is an error, not ignored.

mod error;
mod value;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex, RwLock};

pub use error::ConfigError;
pub use value::{FromValue, Kind, Value};

use crate::recipient::Recipient;
use crate::sync::lock;

/// The prefix of the environment variables a configuration reads.
pub const ENV_PREFIX: &str = "FOUNDATION_";

/// The table of ecosystems' overrides: `ecosystems.<name>.<path>`.
const ECOSYSTEMS: &str = "ecosystems";

type Validator = Arc<dyn Fn(&Value) -> Result<(), String> + Send + Sync>;

/// One declared setting: its path, default (and so its kind), whether it
/// may change while the node runs, and its validation.
///
/// ```
/// use foundation::config::{Kind, Setting};
/// let setting = Setting::new("pool.size", 10).updatable().describe("workers in the pool");
/// assert_eq!(setting.kind(), Kind::Integer);
/// assert!(setting.is_updatable());
/// ```
#[derive(Clone)]
pub struct Setting {
    path: String,
    default: Value,
    updatable: bool,
    validator: Option<Validator>,
    description: String,
}

impl Setting {
    /// A setting at `path` (segments of `a-z`, `0-9`, `_`, joined by dots)
    /// whose default is `default`; fixed once the node runs unless made
    /// [`updatable`](Self::updatable).
    ///
    /// ```
    /// use foundation::config::{Config, Kind, Setting};
    ///
    /// let setting = Setting::new("http.port", 8080);
    /// assert_eq!(setting.kind(), Kind::Integer); // the default's kind is the setting's
    /// let config = Config::builder().setting(setting).build()?;
    /// assert_eq!(config.get::<u16>("http.port")?, 8080);
    /// # Ok::<(), foundation::config::ConfigError>(())
    /// ```
    pub fn new(path: impl Into<String>, default: impl Into<Value>) -> Self {
        Setting {
            path: path.into(),
            default: default.into(),
            updatable: false,
            validator: None,
            description: String::new(),
        }
    }

    /// The setting may change while the node runs ([`Config::update`]).
    ///
    /// ```
    /// use foundation::config::{Config, ConfigError, Setting};
    ///
    /// let config = Config::builder()
    ///     .setting(Setting::new("log.level", "info").updatable())
    ///     .setting(Setting::new("http.port", 8080))
    ///     .build()?;
    /// config.update("log.level", "debug")?;
    /// assert!(matches!(config.update("http.port", 9090), Err(ConfigError::NotUpdatable { .. })));
    /// # Ok::<(), ConfigError>(())
    /// ```
    pub fn updatable(mut self) -> Self {
        self.updatable = true;
        self
    }

    /// Every value the setting takes — its default, a file's, the
    /// environment's, an update's — must pass `check`; its `Err` is the
    /// reason given.
    ///
    /// ```
    /// use foundation::config::{Config, Setting, Value};
    ///
    /// let positive = |v: &Value| match v {
    ///     Value::Integer(n) if *n > 0 => Ok(()),
    ///     _ => Err("must be above zero".to_string()),
    /// };
    /// let error = Config::builder()
    ///     .setting(Setting::new("pool.size", 4).validate(positive))
    ///     .toml("pool.size = 0")
    ///     .build()
    ///     .unwrap_err();
    /// assert_eq!(error.to_string(), "invalid value `0` for setting `pool.size`: must be above zero");
    /// ```
    pub fn validate(
        mut self,
        check: impl Fn(&Value) -> Result<(), String> + Send + Sync + 'static,
    ) -> Self {
        self.validator = Some(Arc::new(check));
        self
    }

    /// A sentence saying what the setting is for.
    ///
    /// ```
    /// use foundation::config::Setting;
    ///
    /// let setting = Setting::new("pool.size", 4).describe("workers per pool");
    /// assert_eq!(setting.description(), "workers per pool");
    /// ```
    pub fn describe(mut self, description: impl Into<String>) -> Self {
        self.description = description.into();
        self
    }

    /// The path.
    ///
    /// ```
    /// assert_eq!(foundation::config::Setting::new("pool.size", 4).path(), "pool.size");
    /// ```
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The kind of value it holds (its default's).
    ///
    /// ```
    /// use foundation::config::{Kind, Setting};
    /// use std::time::Duration;
    ///
    /// assert_eq!(Setting::new("timeout", Duration::from_secs(5)).kind(), Kind::Duration);
    /// assert_eq!(Setting::new("name", "edge").kind(), Kind::Text);
    /// ```
    pub fn kind(&self) -> Kind {
        self.default.kind()
    }

    /// The default.
    ///
    /// ```
    /// use foundation::config::{Setting, Value};
    ///
    /// assert_eq!(Setting::new("retries", 3).default_value(), &Value::Integer(3));
    /// ```
    pub fn default_value(&self) -> &Value {
        &self.default
    }

    /// Whether it may change while the node runs.
    ///
    /// ```
    /// use foundation::config::Setting;
    ///
    /// assert!(!Setting::new("port", 80).is_updatable());
    /// assert!(Setting::new("level", "info").updatable().is_updatable());
    /// ```
    pub fn is_updatable(&self) -> bool {
        self.updatable
    }

    /// What it is for.
    ///
    /// ```
    /// use foundation::config::Setting;
    ///
    /// assert_eq!(Setting::new("port", 80).description(), "");
    /// assert_eq!(Setting::new("port", 80).describe("listening port").description(), "listening port");
    /// ```
    pub fn description(&self) -> &str {
        &self.description
    }

    /// `value` as this setting's kind, validated.
    fn admit(&self, value: Value, origin: &str) -> Result<Value, ConfigError> {
        let kind = self.kind();
        let value = value.coerce(kind).map_err(|found| ConfigError::WrongKind {
            path: self.path.clone(),
            expected: kind,
            found: format!("{origin} gave the {} `{found}`", found.kind()),
        })?;
        if let Some(check) = &self.validator {
            check(&value).map_err(|reason| ConfigError::Invalid {
                path: self.path.clone(),
                value: value.to_string(),
                reason,
            })?;
        }
        Ok(value)
    }
}

impl fmt::Debug for Setting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Setting")
            .field("path", &self.path)
            .field("default", &self.default)
            .field("updatable", &self.updatable)
            .field("validated", &self.validator.is_some())
            .finish()
    }
}

fn check_path(path: &str) -> Result<(), ConfigError> {
    let bad = |reason: &str| ConfigError::BadPath {
        path: path.to_string(),
        reason: reason.to_string(),
    };
    if path.is_empty() {
        return Err(bad("it is empty"));
    }
    if path == ECOSYSTEMS || path.starts_with("ecosystems.") {
        return Err(bad(
            "`ecosystems.` holds ecosystems' overrides (see Config::get_with_ecosystem)",
        ));
    }
    for segment in path.split('.') {
        if segment.is_empty() {
            return Err(bad("it has an empty segment"));
        }
        if !segment
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            return Err(bad("segments are made of a-z, 0-9 and _"));
        }
        if segment.contains("__") || segment.starts_with('_') || segment.ends_with('_') {
            return Err(bad(
                "a segment may not begin or end with _ or hold __ (the environment's dot)",
            ));
        }
    }
    Ok(())
}

/// The environment variable that sets `path`: `http.timeout` is
/// `FOUNDATION_HTTP__TIMEOUT`.
///
/// ```
/// assert_eq!(foundation::config::env_var("http.timeout"), "FOUNDATION_HTTP__TIMEOUT");
/// ```
pub fn env_var(path: &str) -> String {
    format!(
        "{ENV_PREFIX}{}",
        path.to_ascii_uppercase().replace('.', "__")
    )
}

/// Builds a [`Config`]: the settings, then the layers over their
/// defaults, checked by [`build`](Self::build).
///
/// ```
/// use foundation::config::{Config, Setting};
///
/// // Declared settings, then the layers: defaults < file < environment.
/// let config = Config::builder()
///     .setting(Setting::new("http.port", 8080))
///     .setting(Setting::new("log.level", "info").updatable())
///     .toml("[http]\nport = 9090")
///     .env([("FOUNDATION_LOG__LEVEL", "debug")])
///     .build()?;
/// assert_eq!(config.get::<u16>("http.port")?, 9090);
/// assert_eq!(config.get::<String>("log.level")?, "debug");
/// # Ok::<(), foundation::config::ConfigError>(())
/// ```
#[derive(Default)]
pub struct ConfigBuilder {
    settings: Vec<Setting>,
    /// (where from, TOML text, or the reason it could not be read)
    files: Vec<(String, Result<String, String>)>,
    env: Vec<(String, String)>,
    overrides: Vec<(String, String, Value)>,
}

impl ConfigBuilder {
    /// Declares a setting.
    ///
    /// ```
    /// use foundation::config::{Config, Setting};
    ///
    /// let config = Config::builder()
    ///     .setting(Setting::new("a", 1))
    ///     .setting(Setting::new("b", true))
    ///     .build()?;
    /// assert_eq!(config.paths(), ["a", "b"]);
    /// # Ok::<(), foundation::config::ConfigError>(())
    /// ```
    pub fn setting(mut self, setting: Setting) -> Self {
        self.settings.push(setting);
        self
    }

    /// Layers TOML text over the defaults (tables or dotted keys name the
    /// paths: `[http]` then `port = 1`, or `http.port = 1`).
    ///
    /// ```
    /// use foundation::config::{Config, Setting};
    ///
    /// let config = Config::builder()
    ///     .setting(Setting::new("pool.size", 4))
    ///     .setting(Setting::new("pool.timeout", std::time::Duration::from_secs(5)))
    ///     .toml("[pool]\nsize = 16\ntimeout = \"250ms\"")
    ///     .build()?;
    /// assert_eq!(config.get::<u32>("pool.size")?, 16);
    /// assert_eq!(config.get::<std::time::Duration>("pool.timeout")?.as_millis(), 250);
    /// # Ok::<(), foundation::config::ConfigError>(())
    /// ```
    pub fn toml(mut self, text: &str) -> Self {
        self.files
            .push(("toml text".to_string(), Ok(text.to_string())));
        self
    }

    /// Layers a TOML file over the defaults (read by [`build`](Self::build)).
    ///
    /// ```
    /// use foundation::config::{Config, ConfigError, Setting};
    /// let error = Config::builder()
    ///     .setting(Setting::new("a", 1))
    ///     .file("/nonexistent/foundation.toml")
    ///     .build()
    ///     .unwrap_err();
    /// assert!(matches!(error, ConfigError::Unreadable { .. }));
    /// ```
    pub fn file(mut self, path: impl AsRef<std::path::Path>) -> Self {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| e.to_string());
        self.files.push((path.display().to_string(), text));
        self
    }

    /// Layers the `FOUNDATION_*` variables of `vars` over the file (other
    /// variables are left alone). Pass `std::env::vars()`.
    ///
    /// ```
    /// use foundation::config::{Config, Setting};
    ///
    /// // In a program: `.env(std::env::vars())`. A dot is `__` (`env_var`).
    /// let config = Config::builder()
    ///     .setting(Setting::new("pool.size", 4))
    ///     .toml("pool.size = 8")
    ///     .env([("FOUNDATION_POOL__SIZE", "12"), ("HOME", "/root")])
    ///     .build()?;
    /// assert_eq!(config.get::<u32>("pool.size")?, 12); // the environment wins over the file
    /// # Ok::<(), foundation::config::ConfigError>(())
    /// ```
    pub fn env<K: Into<String>, V: Into<String>>(
        mut self,
        vars: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.env.extend(
            vars.into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .filter(|(k, _)| k.starts_with(ENV_PREFIX)),
        );
        self
    }

    /// Ecosystem `ecosystem`'s own value for `path`, read with
    /// [`Config::get_with_ecosystem`] (a TOML layer can give the same as
    /// `[ecosystems.<name>]` tables: `ecosystems.ledger.pool.size = 8`).
    ///
    /// ```
    /// use foundation::config::{Config, Setting};
    /// let config = Config::builder()
    ///     .setting(Setting::new("pool.size", 4))
    ///     .ecosystem_override("ledger", "pool.size", 8)
    ///     .toml("[ecosystems.billing.pool]\nsize = 2")
    ///     .build()?;
    /// assert_eq!(config.get_with_ecosystem::<u32>("ledger", "pool.size")?, 8);
    /// assert_eq!(config.get_with_ecosystem::<u32>("billing", "pool.size")?, 2);
    /// assert_eq!(config.get_with_ecosystem::<u32>("audit", "pool.size")?, 4);
    /// # Ok::<(), foundation::config::ConfigError>(())
    /// ```
    pub fn ecosystem_override(
        mut self,
        ecosystem: impl Into<String>,
        path: impl Into<String>,
        value: impl Into<Value>,
    ) -> Self {
        self.overrides
            .push((ecosystem.into(), path.into(), value.into()));
        self
    }

    /// The configuration: defaults, then the TOML layers in the order
    /// given, then the environment; every value checked against its
    /// setting's kind and validation.
    ///
    /// # Errors
    ///
    /// The first problem found, as a [`ConfigError`]: a bad or repeated
    /// path, an unreadable file, invalid TOML, a key or variable naming no
    /// setting, a value of the wrong kind or refused by its validation.
    ///
    /// ```
    /// use foundation::config::{Config, Setting};
    /// let config = Config::builder()
    ///     .setting(Setting::new("workers", 4))
    ///     .toml("workers = 8")
    ///     .env([("FOUNDATION_WORKERS", "16")])
    ///     .build()?;
    /// assert_eq!(config.get::<u32>("workers")?, 16);
    /// # Ok::<(), foundation::config::ConfigError>(())
    /// ```
    pub fn build(self) -> Result<Config, ConfigError> {
        let mut settings = BTreeMap::new();
        for setting in self.settings {
            check_path(&setting.path)?;
            let path = setting.path.clone();
            if settings.insert(path.clone(), setting).is_some() {
                return Err(ConfigError::BadPath {
                    path,
                    reason: "it is declared twice".to_string(),
                });
            }
        }
        // The setting at `path`, or an error that shows `shown` and names
        // every setting.
        let lookup = |path: &str, shown: &str| {
            settings.get(path).ok_or_else(|| ConfigError::UnknownPath {
                path: shown.to_string(),
                known: settings.keys().cloned().collect(),
            })
        };
        let mut overrides = BTreeMap::new();
        for (ecosystem, path, value) in self.overrides {
            let setting = lookup(&path, &path)?;
            let origin = format!("the override for ecosystem `{ecosystem}`");
            overrides.insert((ecosystem, path), setting.admit(value, &origin)?);
        }
        let mut values = BTreeMap::new();
        for (path, setting) in &settings {
            values.insert(
                path.clone(),
                setting.admit(setting.default.clone(), "its default")?,
            );
        }
        for (source_name, text) in self.files {
            let text = text.map_err(|reason| ConfigError::Unreadable {
                file: source_name.clone(),
                reason,
            })?;
            let table: toml::Table =
                text.parse()
                    .map_err(|e: toml::de::Error| ConfigError::Syntax {
                        source_name: source_name.clone(),
                        reason: e.message().to_string(),
                    })?;
            let mut flat = Vec::new();
            flatten(&table, "", &mut flat);
            for (path, value) in flat {
                if let Some(rest) = path.strip_prefix("ecosystems.") {
                    let (ecosystem, path) = rest.split_once('.').unwrap_or((rest, ""));
                    let setting = lookup(path, &format!("ecosystems.{ecosystem}.{path}"))?;
                    let value = from_toml(path, value, setting.kind())?;
                    let origin = format!("`{source_name}` for ecosystem `{ecosystem}`");
                    overrides.insert(
                        (ecosystem.to_string(), path.to_string()),
                        setting.admit(value, &origin)?,
                    );
                    continue;
                }
                let setting = lookup(&path, &path)?;
                let value = from_toml(&path, value, setting.kind())?;
                let origin = format!("`{source_name}`");
                values.insert(path, setting.admit(value, &origin)?);
            }
        }
        for (var, text) in self.env {
            let path = var[ENV_PREFIX.len()..]
                .to_ascii_lowercase()
                .replace("__", ".");
            let setting = lookup(&path, &format!("{path} (from {var})"))?;
            let value =
                Value::parse(&text, setting.kind()).map_err(|reason| ConfigError::WrongKind {
                    path: path.clone(),
                    expected: setting.kind(),
                    found: format!("{var} gave {reason}"),
                })?;
            values.insert(path, setting.admit(value, &var)?);
        }
        Ok(Config {
            inner: Arc::new(Inner {
                settings,
                current: RwLock::new(values.clone()),
                base: values,
                overrides,
                subscribers: Mutex::new(Vec::new()),
            }),
        })
    }
}

/// Every leaf of `table`, with its dotted path.
fn flatten<'a>(table: &'a toml::Table, prefix: &str, out: &mut Vec<(String, &'a toml::Value)>) {
    for (key, value) in table {
        let path = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        match value {
            toml::Value::Table(inner) => flatten(inner, &path, out),
            leaf => out.push((path, leaf)),
        }
    }
}

/// A TOML value as a setting of `kind` would hold it.
fn from_toml(path: &str, value: &toml::Value, kind: Kind) -> Result<Value, ConfigError> {
    let wrong = |found: String| ConfigError::WrongKind {
        path: path.to_string(),
        expected: kind,
        found,
    };
    Ok(match value {
        toml::Value::Boolean(b) => Value::Bool(*b),
        toml::Value::Integer(n) => Value::Integer(*n),
        toml::Value::Float(x) => Value::Float(*x),
        toml::Value::String(s) if kind == Kind::Duration => {
            Value::Duration(value::parse_duration(s).map_err(wrong)?)
        }
        toml::Value::String(s) => Value::Text(s.clone()),
        toml::Value::Array(items) => Value::List(
            items
                .iter()
                .map(|item| match item {
                    toml::Value::String(s) => Ok(s.clone()),
                    other => Err(wrong(format!("the list holds `{other}`, not only texts"))),
                })
                .collect::<Result<_, _>>()?,
        ),
        other => return Err(wrong(format!("the file gave `{other}`"))),
    })
}

/// What changed, as a subscriber hears it.
///
/// ```
/// use foundation::config::{ChangeCause, Config, ConfigChange, Setting, Value};
/// use std::sync::{Arc, Mutex};
///
/// let config = Config::builder().setting(Setting::new("level", "info").updatable()).build()?;
/// let heard = Arc::new(Mutex::new(Vec::new()));
/// let h = heard.clone();
/// config.subscribe_fn(move |change: &ConfigChange| h.lock().unwrap().push(change.clone()));
/// config.update("level", "debug")?;
/// let change = heard.lock().unwrap()[0].clone();
/// assert_eq!((change.path.as_str(), change.new), ("level", Value::from("debug")));
/// assert_eq!(change.cause, ChangeCause::Update);
/// # Ok::<(), foundation::config::ConfigError>(())
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigChange {
    /// The setting.
    pub path: String,
    /// Its value before.
    pub old: Value,
    /// Its value now.
    pub new: Value,
    /// An update or a reset.
    pub cause: ChangeCause,
}

/// Why a setting changed.
///
/// ```
/// use foundation::config::{ChangeCause, Config, Setting};
/// use std::sync::{Arc, Mutex};
///
/// let config = Config::builder().setting(Setting::new("level", "info").updatable()).build()?;
/// let causes = Arc::new(Mutex::new(Vec::new()));
/// let log = Arc::clone(&causes);
/// config.subscribe_fn(move |change| log.lock().unwrap().push(change.cause));
/// config.update("level", "debug")?;
/// config.reset();
/// assert_eq!(*causes.lock().unwrap(), [ChangeCause::Update, ChangeCause::Reset]);
/// # Ok::<(), foundation::config::ConfigError>(())
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeCause {
    /// [`Config::update`].
    Update,
    /// [`Config::reset`] or [`Config::reset_path`].
    Reset,
}

type Callback = Arc<dyn Fn(&ConfigChange) + Send + Sync>;

#[derive(Clone)]
enum Subscriber {
    Actor(Recipient<ConfigChange>),
    Callback(Callback),
}

struct Inner {
    settings: BTreeMap<String, Setting>,
    /// The values the layers gave: what `reset` returns to.
    base: BTreeMap<String, Value>,
    current: RwLock<BTreeMap<String, Value>>,
    /// Ecosystems' own values: (ecosystem, path).
    overrides: BTreeMap<(String, String), Value>,
    subscribers: Mutex<Vec<Subscriber>>,
}

/// A node's configuration: cheap to clone (every clone is the same
/// configuration), read by path, updated only where declared updatable.
/// Built by [`Config::builder`]; a node built without one has
/// [`Config::empty`].
///
/// ```
/// use foundation::config::{Config, Setting};
/// use foundation::Node;
///
/// let config = Config::builder().setting(Setting::new("pool.size", 4)).build()?;
/// let node = Node::builder().schedulers(1).config(config).start()?;
/// assert_eq!(node.config().get::<u32>("pool.size")?, 4); // from a handler: ctx.config()
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Config {
    inner: Arc<Inner>,
}

impl Default for Config {
    fn default() -> Self {
        Config::empty()
    }
}

impl Config {
    /// A builder: settings, then layers.
    ///
    /// ```
    /// use foundation::config::{Config, Setting};
    ///
    /// let config = Config::builder().setting(Setting::new("greeting", "hello")).build()?;
    /// assert_eq!(config.get::<String>("greeting")?, "hello");
    /// # Ok::<(), foundation::config::ConfigError>(())
    /// ```
    pub fn builder() -> ConfigBuilder {
        ConfigBuilder::default()
    }

    /// A configuration with no settings (what a node has unless given one).
    ///
    /// ```
    /// use foundation::config::Config;
    /// assert!(Config::empty().paths().is_empty());
    /// ```
    pub fn empty() -> Self {
        ConfigBuilder::default()
            .build()
            .expect("an empty configuration is valid")
    }

    fn setting(&self, path: &str) -> Result<&Setting, ConfigError> {
        self.inner
            .settings
            .get(path)
            .ok_or_else(|| ConfigError::UnknownPath {
                path: path.to_string(),
                known: self.paths(),
            })
    }

    /// The value at `path`, as a `T`.
    ///
    /// # Errors
    ///
    /// [`ConfigError::UnknownPath`] for a path no setting has,
    /// [`ConfigError::WrongKind`] if the value does not read as a `T`
    /// (an integer that does not fit is one).
    ///
    /// ```
    /// use foundation::config::{Config, Setting};
    /// let config = Config::builder().setting(Setting::new("retries", 3)).build()?;
    /// assert_eq!(config.get::<u8>("retries")?, 3);
    /// assert!(config.get::<String>("retries").is_err());
    /// # Ok::<(), foundation::config::ConfigError>(())
    /// ```
    pub fn get<T: FromValue>(&self, path: &str) -> Result<T, ConfigError> {
        let value = self.value(path)?;
        T::from_value(&value).map_err(|found| ConfigError::WrongKind {
            path: path.to_string(),
            expected: value.kind(),
            found: format!("read as {}: {found}", core::any::type_name::<T>()),
        })
    }

    /// The value at `path` for ecosystem `ecosystem`: its own, if the
    /// configuration gives it one (`ConfigBuilder::ecosystem_override`, or
    /// an `[ecosystems.<name>]` table), else the node's
    /// ([`get`](Self::get)). Overrides are fixed when the configuration is
    /// built; [`update`](Self::update) changes the node's value.
    ///
    /// # Errors
    ///
    /// As [`get`](Self::get).
    ///
    /// ```
    /// use foundation::config::{Config, Setting};
    ///
    /// let config = Config::builder()
    ///     .setting(Setting::new("pool.size", 4))
    ///     .ecosystem_override("ledger", "pool.size", 8)
    ///     .build()?;
    /// assert_eq!(config.get_with_ecosystem::<u32>("ledger", "pool.size")?, 8);
    /// assert_eq!(config.get_with_ecosystem::<u32>("audit", "pool.size")?, 4); // no override: the setting
    /// # Ok::<(), foundation::config::ConfigError>(())
    /// ```
    pub fn get_with_ecosystem<T: FromValue>(
        &self,
        ecosystem: &str,
        path: &str,
    ) -> Result<T, ConfigError> {
        self.setting(path)?;
        match self
            .inner
            .overrides
            .get(&(ecosystem.to_string(), path.to_string()))
        {
            Some(value) => T::from_value(value).map_err(|found| ConfigError::WrongKind {
                path: path.to_string(),
                expected: value.kind(),
                found: format!("read as {}: {found}", core::any::type_name::<T>()),
            }),
            None => self.get(path),
        }
    }

    /// The value at `path`.
    ///
    /// # Errors
    ///
    /// [`ConfigError::UnknownPath`] for a path no setting has.
    ///
    /// ```
    /// use foundation::config::{Config, Setting};
    /// let config = Config::builder()
    ///     .setting(Setting::new("a.fixed", 1))
    ///     .setting(Setting::new("a.level", "info").updatable())
    ///     .build()?;
    /// assert_eq!(config.value("a.fixed")?, foundation::config::Value::Integer(1));
    /// # Ok::<(), foundation::config::ConfigError>(())
    /// ```
    pub fn value(&self, path: &str) -> Result<Value, ConfigError> {
        self.setting(path)?;
        Ok(read(&self.inner.current)[path].clone())
    }

    /// Every setting's path, in order.
    ///
    /// ```
    /// use foundation::config::{Config, Setting};
    /// let config = Config::builder()
    ///     .setting(Setting::new("a.fixed", 1))
    ///     .setting(Setting::new("a.level", "info").updatable())
    ///     .build()?;
    /// assert_eq!(config.paths(), ["a.fixed", "a.level"]);
    /// assert_eq!(config.updatable_paths(), ["a.level"]);
    /// # Ok::<(), foundation::config::ConfigError>(())
    /// ```
    pub fn paths(&self) -> Vec<String> {
        self.inner.settings.keys().cloned().collect()
    }

    /// The paths that may change while the node runs.
    ///
    /// ```
    /// use foundation::config::{Config, Setting};
    ///
    /// let config = Config::builder()
    ///     .setting(Setting::new("port", 80))
    ///     .setting(Setting::new("level", "info").updatable())
    ///     .build()?;
    /// assert_eq!(config.updatable_paths(), ["level"]);
    /// # Ok::<(), foundation::config::ConfigError>(())
    /// ```
    pub fn updatable_paths(&self) -> Vec<String> {
        self.inner
            .settings
            .values()
            .filter(|s| s.updatable)
            .map(|s| s.path.clone())
            .collect()
    }

    /// The declared settings.
    ///
    /// ```
    /// use foundation::config::{Config, Setting};
    ///
    /// let config = Config::builder()
    ///     .setting(Setting::new("port", 80).describe("listening port"))
    ///     .build()?;
    /// for setting in config.settings() {
    ///     println!("{} ({}): {}", setting.path(), setting.kind(), setting.description());
    /// }
    /// assert_eq!(config.settings().count(), 1);
    /// # Ok::<(), foundation::config::ConfigError>(())
    /// ```
    pub fn settings(&self) -> impl Iterator<Item = &Setting> {
        self.inner.settings.values()
    }

    /// Sets `path` to `value` and tells the subscribers.
    ///
    /// # Errors
    ///
    /// [`ConfigError::UnknownPath`], [`ConfigError::NotUpdatable`] (naming
    /// the updatable paths), [`ConfigError::WrongKind`] or
    /// [`ConfigError::Invalid`]; the value is unchanged then.
    ///
    /// ```
    /// use foundation::config::{Config, Setting};
    /// let config = Config::builder()
    ///     .setting(Setting::new("a.fixed", 1))
    ///     .setting(Setting::new("a.level", "info").updatable())
    ///     .build()?;
    /// config.update("a.level", "debug")?;
    /// assert_eq!(config.get::<String>("a.level")?, "debug");
    /// assert!(config.update("a.fixed", 2).is_err());
    /// # Ok::<(), foundation::config::ConfigError>(())
    /// ```
    pub fn update(&self, path: &str, value: impl Into<Value>) -> Result<(), ConfigError> {
        let setting = self.setting(path)?;
        if !setting.updatable {
            return Err(ConfigError::NotUpdatable {
                path: path.to_string(),
                updatable: self.updatable_paths(),
            });
        }
        let value = setting.admit(value.into(), "the update")?;
        self.set(path, value, ChangeCause::Update);
        Ok(())
    }

    /// Returns every updatable setting to the value the layers gave it
    /// (the default, the file's or the environment's), telling the
    /// subscribers of each that changes.
    ///
    /// ```
    /// use foundation::config::{Config, Setting};
    /// let config = Config::builder().setting(Setting::new("level", "info").updatable()).build()?;
    /// config.update("level", "debug")?;
    /// config.reset();
    /// assert_eq!(config.get::<String>("level")?, "info");
    /// # Ok::<(), foundation::config::ConfigError>(())
    /// ```
    pub fn reset(&self) {
        for path in self.updatable_paths() {
            let base = self.inner.base[&path].clone();
            self.set(&path, base, ChangeCause::Reset);
        }
    }

    /// Returns one setting to the value the layers gave it.
    ///
    /// # Errors
    ///
    /// [`ConfigError::UnknownPath`] for a path no setting has.
    ///
    /// ```
    /// use foundation::config::{Config, Setting};
    /// let config = Config::builder()
    ///     .setting(Setting::new("a.fixed", 1))
    ///     .setting(Setting::new("a.level", "info").updatable())
    ///     .build()?;
    /// config.update("a.level", "trace")?;
    /// config.reset_path("a.level")?;
    /// assert_eq!(config.get::<String>("a.level")?, "info");
    /// # Ok::<(), foundation::config::ConfigError>(())
    /// ```
    pub fn reset_path(&self, path: &str) -> Result<(), ConfigError> {
        self.setting(path)?;
        let base = self.inner.base[path].clone();
        self.set(path, base, ChangeCause::Reset);
        Ok(())
    }

    fn set(&self, path: &str, value: Value, cause: ChangeCause) {
        let old = {
            let mut current = self
                .inner
                .current
                .write()
                .unwrap_or_else(|e| e.into_inner());
            let slot = current
                .get_mut(path)
                .expect("every declared path has a value");
            if *slot == value {
                return;
            }
            core::mem::replace(slot, value.clone())
        };
        let change = ConfigChange {
            path: path.to_string(),
            old,
            new: value,
            cause,
        };
        // Outside the locks: a subscriber's mailbox, or callback, is
        // someone else's.
        let subscribers = {
            let mut subscribers = lock(&self.inner.subscribers);
            subscribers.retain(|s| match s {
                Subscriber::Actor(r) => !r.task().is_retired(),
                Subscriber::Callback(_) => true,
            });
            subscribers.clone()
        };
        for subscriber in subscribers {
            match subscriber {
                // A subscriber that stopped meanwhile is dropped at the
                // next change; the update has happened either way.
                Subscriber::Actor(recipient) => {
                    let _ = recipient.send_notice(change.clone());
                }
                Subscriber::Callback(callback) => callback(&change),
            }
        }
    }

    /// Every later change is sent to `subscriber` as a message, until that
    /// actor stops for good (a restarted actor keeps its subscription);
    /// changes are never refused for its mailbox's bound (ADR 0007's
    /// notices).
    ///
    /// ```
    /// use foundation::config::{Config, ConfigChange, Setting};
    /// use foundation::{Actor, Context, Node};
    /// use std::sync::mpsc;
    ///
    /// struct Watcher(mpsc::Sender<ConfigChange>);
    /// impl Actor for Watcher {
    ///     type Msg = ConfigChange;
    ///     fn handle(&mut self, change: ConfigChange, _: &mut Context<Self>) {
    ///         self.0.send(change).unwrap();
    ///     }
    /// }
    ///
    /// let config = Config::builder()
    ///     .setting(foundation::config::Setting::new("rate", 10).updatable())
    ///     .build()?;
    /// let node = Node::builder().schedulers(1).config(config).start()?;
    /// let (tx, rx) = mpsc::channel();
    /// node.config().subscribe(node.spawn(Watcher(tx))?.recipient());
    /// node.config().update("rate", 20)?;
    /// assert_eq!(rx.recv()?.new.to_string(), "20");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn subscribe(&self, subscriber: Recipient<ConfigChange>) {
        lock(&self.inner.subscribers).push(Subscriber::Actor(subscriber));
    }

    /// Every later change is passed to `callback`, on the thread that
    /// made it (after the change; it may read the configuration, and
    /// update it).
    ///
    /// ```
    /// use foundation::config::{Config, Setting};
    /// let config = Config::builder()
    ///     .setting(Setting::new("a.fixed", 1))
    ///     .setting(Setting::new("a.level", "info").updatable())
    ///     .build()?;
    /// let seen = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    /// let s = seen.clone();
    /// config.subscribe_fn(move |_| { s.fetch_add(1, std::sync::atomic::Ordering::Relaxed); });
    /// config.update("a.level", "warn")?;
    /// assert_eq!(seen.load(std::sync::atomic::Ordering::Relaxed), 1);
    /// assert_eq!(config.subscribers(), 1);
    /// # Ok::<(), foundation::config::ConfigError>(())
    /// ```
    pub fn subscribe_fn(&self, callback: impl Fn(&ConfigChange) + Send + Sync + 'static) {
        lock(&self.inner.subscribers).push(Subscriber::Callback(Arc::new(callback)));
    }

    /// Subscribers now (an actor that stopped for good is dropped at the
    /// next change).
    ///
    /// ```
    /// use foundation::config::{Config, Setting};
    ///
    /// let config = Config::builder().setting(Setting::new("level", "info").updatable()).build()?;
    /// assert_eq!(config.subscribers(), 0);
    /// config.subscribe_fn(|change| println!("{} is now {}", change.path, change.new));
    /// assert_eq!(config.subscribers(), 1);
    /// # Ok::<(), foundation::config::ConfigError>(())
    /// ```
    pub fn subscribers(&self) -> usize {
        lock(&self.inner.subscribers).len()
    }
}

fn read(
    lock: &RwLock<BTreeMap<String, Value>>,
) -> std::sync::RwLockReadGuard<'_, BTreeMap<String, Value>> {
    lock.read().unwrap_or_else(|e| e.into_inner())
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(read(&self.inner.current).iter())
            .finish()
    }
}
