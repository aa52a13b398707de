//! Why an actor stopped.

use core::fmt;

/// Why an actor stopped, handed to [`Actor::stopped`](crate::Actor::stopped).
///
/// Later releases add reasons (`Killed`, `MemoryLimit`, `Linked` …), hence
/// `#[non_exhaustive]`: match with a wildcard arm.
///
/// ```
/// use foundation::ExitReason;
///
/// assert!(ExitReason::Normal.is_normal());
/// assert!(!ExitReason::Panic("boom".into()).is_normal());
/// assert_eq!(ExitReason::Panic("boom".into()).to_string(), "panic: boom");
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExitReason {
    /// The actor stopped itself ([`Context::stop`](crate::Context::stop)).
    Normal,
    /// Its node shut down.
    Shutdown,
    /// A handler or hook panicked; the text is the panic's message.
    Panic(String),
}

impl ExitReason {
    /// `Normal` and `Shutdown` are orderly; anything else is a failure (the
    /// distinction OTP's transient restarts use).
    pub fn is_normal(&self) -> bool {
        matches!(self, ExitReason::Normal | ExitReason::Shutdown)
    }
}

impl fmt::Display for ExitReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExitReason::Normal => f.write_str("normal"),
            ExitReason::Shutdown => f.write_str("shutdown"),
            ExitReason::Panic(text) => write!(f, "panic: {text}"),
        }
    }
}
