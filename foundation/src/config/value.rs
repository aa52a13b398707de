//! A setting's value, its kind, and the Rust types a value reads as.

use core::fmt;
use std::time::Duration;

/// The kind of value a setting holds.
///
/// ```
/// use foundation::config::{Kind, Value};
/// assert_eq!(Value::from(3).kind(), Kind::Integer);
/// assert_eq!(Kind::Duration.to_string(), "duration");
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// `true` or `false`.
    Bool,
    /// A whole number (64 bits, signed).
    Integer,
    /// A number with a fraction.
    Float,
    /// Text.
    Text,
    /// A length of time, written with a unit: `"250ms"`, `"30s"`, `"5m"`.
    Duration,
    /// A list of texts.
    List,
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::Bool => "bool",
            Kind::Integer => "integer",
            Kind::Float => "float",
            Kind::Text => "text",
            Kind::Duration => "duration",
            Kind::List => "list of texts",
        })
    }
}

/// A setting's value.
///
/// ```
/// use foundation::config::Value;
/// use std::time::Duration;
///
/// assert_eq!(Value::from(true), Value::Bool(true));
/// assert_eq!(Value::from(Duration::from_secs(2)).to_string(), "2s");
/// assert_eq!(Value::from(vec!["a", "b"]).to_string(), "[a, b]");
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A bool.
    Bool(bool),
    /// An integer.
    Integer(i64),
    /// A float.
    Float(f64),
    /// A text.
    Text(String),
    /// A duration.
    Duration(Duration),
    /// A list of texts.
    List(Vec<String>),
}

impl Value {
    /// The value's kind.
    ///
    /// ```
    /// use foundation::config::{Kind, Value};
    ///
    /// assert_eq!(Value::Integer(3).kind(), Kind::Integer);
    /// assert_eq!(Value::from("text").kind(), Kind::Text);
    /// assert_eq!(Kind::Duration.to_string(), "duration");
    /// ```
    pub fn kind(&self) -> Kind {
        match self {
            Value::Bool(_) => Kind::Bool,
            Value::Integer(_) => Kind::Integer,
            Value::Float(_) => Kind::Float,
            Value::Text(_) => Kind::Text,
            Value::Duration(_) => Kind::Duration,
            Value::List(_) => Kind::List,
        }
    }

    /// This value as `kind`, if it is one or converts losslessly (an
    /// integer as a float).
    pub(crate) fn coerce(self, kind: Kind) -> Result<Value, Value> {
        match (self, kind) {
            (v, k) if v.kind() == k => Ok(v),
            (Value::Integer(n), Kind::Float) => Ok(Value::Float(n as f64)),
            (v, _) => Err(v),
        }
    }

    /// Parses `text` (an environment variable's value) as a `kind`.
    pub(crate) fn parse(text: &str, kind: Kind) -> Result<Value, String> {
        let text = text.trim();
        match kind {
            Kind::Bool => match text.to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" | "on" => Ok(Value::Bool(true)),
                "false" | "0" | "no" | "off" => Ok(Value::Bool(false)),
                _ => Err(format!(
                    "`{text}` is not a bool (true/false, 1/0, yes/no, on/off)"
                )),
            },
            Kind::Integer => text
                .parse()
                .map(Value::Integer)
                .map_err(|_| format!("`{text}` is not an integer")),
            Kind::Float => text
                .parse()
                .map(Value::Float)
                .map_err(|_| format!("`{text}` is not a number")),
            Kind::Text => Ok(Value::Text(text.to_string())),
            Kind::Duration => parse_duration(text).map(Value::Duration),
            Kind::List => Ok(Value::List(
                text.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(String::from)
                    .collect(),
            )),
        }
    }
}

/// `"250ms"`, `"30s"`, `"5m"`, `"1h"`, `"100us"`, `"10ns"`.
pub(crate) fn parse_duration(text: &str) -> Result<Duration, String> {
    let bad = || format!("`{text}` is not a duration (a number and a unit: ns, us, ms, s, m, h)");
    let split = text
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .ok_or_else(bad)?;
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse().map_err(|_| bad())?;
    let seconds = match unit.trim() {
        "ns" => number / 1e9,
        "us" | "µs" => number / 1e6,
        "ms" => number / 1e3,
        "s" => number,
        "m" => number * 60.0,
        "h" => number * 3600.0,
        _ => return Err(bad()),
    };
    Duration::try_from_secs_f64(seconds).map_err(|_| bad())
}

fn format_duration(d: Duration) -> String {
    let nanos = d.as_nanos();
    for (unit, size) in [
        ("h", 3_600_000_000_000u128),
        ("m", 60_000_000_000),
        ("s", 1_000_000_000),
        ("ms", 1_000_000),
        ("us", 1_000),
    ] {
        if nanos >= size && nanos.is_multiple_of(size) {
            return format!("{}{unit}", nanos / size);
        }
    }
    format!("{nanos}ns")
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Bool(b) => write!(f, "{b}"),
            Value::Integer(n) => write!(f, "{n}"),
            Value::Float(x) => write!(f, "{x}"),
            Value::Text(s) => f.write_str(s),
            Value::Duration(d) => f.write_str(&format_duration(*d)),
            Value::List(items) => write!(f, "[{}]", items.join(", ")),
        }
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}
impl From<i64> for Value {
    fn from(n: i64) -> Self {
        Value::Integer(n)
    }
}
impl From<i32> for Value {
    fn from(n: i32) -> Self {
        Value::Integer(n.into())
    }
}
impl From<u32> for Value {
    fn from(n: u32) -> Self {
        Value::Integer(n.into())
    }
}
impl From<u16> for Value {
    fn from(n: u16) -> Self {
        Value::Integer(n.into())
    }
}
impl From<f64> for Value {
    fn from(x: f64) -> Self {
        Value::Float(x)
    }
}
impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Text(s.to_string())
    }
}
impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Text(s)
    }
}
impl From<Duration> for Value {
    fn from(d: Duration) -> Self {
        Value::Duration(d)
    }
}
impl From<Vec<String>> for Value {
    fn from(items: Vec<String>) -> Self {
        Value::List(items)
    }
}
impl From<Vec<&str>> for Value {
    fn from(items: Vec<&str>) -> Self {
        Value::List(items.into_iter().map(String::from).collect())
    }
}

/// A Rust type a setting's value reads as, with [`Config::get`](crate::config::Config::get).
/// Integers are range-checked: a value that does not fit is an error, not
/// a wrapped number.
///
/// ```
/// use foundation::config::{FromValue, Value};
/// assert_eq!(u16::from_value(&Value::Integer(8080)), Ok(8080));
/// assert!(u16::from_value(&Value::Integer(70_000)).is_err());
/// ```
pub trait FromValue: Sized {
    /// The value as `Self`, or why not.
    ///
    /// # Errors
    ///
    /// A sentence saying what the value is and what was wanted.
    ///
    /// ```
    /// use foundation::config::{FromValue, Value};
    ///
    /// assert_eq!(u16::from_value(&Value::Integer(8080)), Ok(8080));
    /// assert!(u8::from_value(&Value::Integer(300)).is_err()); // out of range: a sentence says so
    /// assert_eq!(String::from_value(&Value::from("hi")), Ok("hi".to_string()));
    /// ```
    fn from_value(value: &Value) -> Result<Self, String>;
}

fn wanted(value: &Value, what: &str) -> String {
    format!("{} `{value}` is not {what}", value.kind())
}

impl FromValue for Value {
    fn from_value(value: &Value) -> Result<Self, String> {
        Ok(value.clone())
    }
}
impl FromValue for bool {
    fn from_value(value: &Value) -> Result<Self, String> {
        match value {
            Value::Bool(b) => Ok(*b),
            other => Err(wanted(other, "a bool")),
        }
    }
}
impl FromValue for f64 {
    fn from_value(value: &Value) -> Result<Self, String> {
        match value {
            Value::Float(x) => Ok(*x),
            Value::Integer(n) => Ok(*n as f64),
            other => Err(wanted(other, "a number")),
        }
    }
}
impl FromValue for String {
    fn from_value(value: &Value) -> Result<Self, String> {
        match value {
            Value::Text(s) => Ok(s.clone()),
            other => Err(wanted(other, "a text")),
        }
    }
}
impl FromValue for Duration {
    fn from_value(value: &Value) -> Result<Self, String> {
        match value {
            Value::Duration(d) => Ok(*d),
            other => Err(wanted(other, "a duration")),
        }
    }
}
impl FromValue for Vec<String> {
    fn from_value(value: &Value) -> Result<Self, String> {
        match value {
            Value::List(items) => Ok(items.clone()),
            other => Err(wanted(other, "a list of texts")),
        }
    }
}

macro_rules! integers {
    ($($t:ty),*) => {$(
        impl FromValue for $t {
            fn from_value(value: &Value) -> Result<Self, String> {
                match value {
                    Value::Integer(n) => <$t>::try_from(*n).map_err(|_| {
                        format!("{n} does not fit a {}", stringify!($t))
                    }),
                    other => Err(wanted(other, "an integer")),
                }
            }
        }
    )*};
}
integers!(i8, i16, i32, i64, u8, u16, u32, u64, usize);
