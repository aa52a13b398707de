//! Failures nobody should miss: an actor's panic, a supervisor giving up, a
//! child that could not start. Each goes to the `tracing` subscriber when
//! one is installed (global or scoped), as an event of its own; with none,
//! it is printed on stderr instead, one line per failure, so that a program
//! without a subscriber (the README's quick start) still shows why its
//! actors stopped.

use core::fmt;

/// Whether no `tracing` subscriber would see an event from this thread.
pub(crate) fn unobserved() -> bool {
    tracing::dispatcher::get_default(|d| d.is::<tracing::subscriber::NoSubscriber>())
}

/// Prints `message` on stderr, as one line, when no subscriber would see
/// the `tracing` event the caller has just emitted for it.
pub(crate) fn to_stderr_if_unobserved(level: tracing::Level, message: fmt::Arguments<'_>) {
    if unobserved() {
        // `eprintln!` holds stderr's lock for the whole line, so lines from
        // several threads do not interleave (and a test harness capturing
        // output captures it).
        eprintln!("[foundation {level}] {message}");
    }
}

/// Emits a `tracing` event at `$level` and, with no subscriber, prints the
/// same message on stderr (see the module's doc).
macro_rules! visible {
    ($level:ident, target: $target:expr, { $($field:tt)* }, $($message:tt)+) => {{
        tracing::$level!(target: $target, $($field)* "{}", format_args!($($message)+));
        $crate::report::to_stderr_if_unobserved(
            $crate::report::visible!(@level $level),
            format_args!($($message)+),
        );
    }};
    (@level error) => { tracing::Level::ERROR };
    (@level warn) => { tracing::Level::WARN };
}
pub(crate) use visible;
