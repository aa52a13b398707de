//! Every narrow error of the runtime into the umbrella [`Error`]: one
//! stable code per variant, with its category, severity and a retry
//! strategy that tells the truth (ADR 0011 §1). This module sits at the
//! top of the layering (it names every subsystem's error); the umbrella
//! type itself sits at the bottom.

use std::time::Duration;

use crate::call::{CallError, PipeError};
use crate::error::umbrella::{Error, ErrorCategory, ErrorCode, RetryStrategy, Severity};
use crate::error::{LinkError, NodeError, SendError, ShutdownError, SpawnError};
use crate::names::{GroupError, LookupError, NamedSendError, RegisterError, ServiceError};
use crate::supervisor::SupervisorError;

use ErrorCategory::{Config, Data, External, System};
use Severity::{Critical, High, Low, Medium};

/// A name that may appear soon (an actor restarting, a service starting):
/// look again shortly.
const SOON: RetryStrategy = RetryStrategy::FixedDelay(Duration::from_millis(10));
const BACKOFF: RetryStrategy = RetryStrategy::BACKOFF;
const NO: RetryStrategy = RetryStrategy::None;

/// The error of code `number name`, with `message`.
fn runtime(
    number: u32,
    name: &'static str,
    category: ErrorCategory,
    severity: Severity,
    retry: RetryStrategy,
    message: impl ToString,
) -> Error {
    Error::new(ErrorCode::new(number, name), category, message.to_string())
        .with_severity(severity)
        .with_retry(retry)
}

/// The message is dropped with the conversion; match the `SendError`
/// first to get it back.
impl<M> From<SendError<M>> for Error {
    fn from(error: SendError<M>) -> Self {
        let text = error.to_string();
        let (number, name, severity, retry) = match error {
            SendError::Closed(_) => (2101, "send.closed", Medium, NO),
            SendError::Full(_) => (2102, "send.full", Low, BACKOFF),
            SendError::NoCredit(_) => (2103, "send.no_credit", Low, BACKOFF),
            SendError::Overloaded(_) => (2104, "send.overloaded", Low, BACKOFF),
            SendError::Timeout(_) => (2105, "send.timeout", Low, BACKOFF),
            SendError::WouldBlock(_) => (2106, "send.would_block", High, NO),
        };
        runtime(number, name, System, severity, retry, text)
    }
}

impl From<CallError> for Error {
    fn from(error: CallError) -> Self {
        let (number, name, severity, retry) = match error {
            CallError::Timeout => (2201, "call.timeout", Medium, BACKOFF),
            CallError::Stopped => (2202, "call.stopped", Medium, NO),
            CallError::Panicked => (2203, "call.panicked", High, NO),
            CallError::Dropped => (2204, "call.dropped", Medium, NO),
            CallError::Deadlock => (2205, "call.deadlock", High, NO),
            CallError::Overloaded => (2206, "call.overloaded", Low, BACKOFF),
        };
        runtime(number, name, System, severity, retry, error)
    }
}

impl From<SpawnError> for Error {
    fn from(error: SpawnError) -> Self {
        match &error {
            SpawnError::NodeShutdown { node } => {
                runtime(2301, "spawn.node_shutdown", System, Medium, NO, &error)
                    .with_detail("node", node)
            }
            SpawnError::ThreadSpawn(_) => {
                runtime(2302, "spawn.thread", System, Critical, BACKOFF, &error)
            }
            SpawnError::Name { name, .. } => {
                runtime(3301, "spawn.name", Data, Medium, NO, &error).with_detail("name", name)
            }
            SpawnError::InvalidOptions { field, .. } => runtime(
                1201,
                "config.invalid_actor_option",
                Config,
                Medium,
                NO,
                &error,
            )
            .with_detail("field", field),
        }
    }
}

impl From<NodeError> for Error {
    fn from(error: NodeError) -> Self {
        match &error {
            NodeError::InvalidConfig { field, .. } => runtime(
                1101,
                "config.invalid_node_setting",
                Config,
                Medium,
                NO,
                &error,
            )
            .with_detail("field", field),
            NodeError::ThreadSpawn(_) => {
                runtime(2401, "node.thread", System, Critical, BACKOFF, &error)
            }
        }
    }
}

impl From<ShutdownError> for Error {
    fn from(error: ShutdownError) -> Self {
        match &error {
            ShutdownError::Timeout {
                remaining_actors, ..
            } => runtime(2501, "shutdown.timeout", System, High, NO, &error)
                .with_detail("remaining_actors", remaining_actors),
        }
    }
}

impl From<LinkError> for Error {
    fn from(error: LinkError) -> Self {
        match &error {
            LinkError::NotAlive(pid) => {
                runtime(2601, "link.not_alive", System, Low, NO, error).with_detail("pid", pid)
            }
            LinkError::Stale(pid) => {
                runtime(2602, "link.stale", System, Low, NO, error).with_detail("pid", pid)
            }
        }
    }
}

impl From<SupervisorError> for Error {
    fn from(error: SupervisorError) -> Self {
        match &error {
            SupervisorError::NoSuchChild(id) => {
                runtime(3701, "supervisor.no_such_child", Data, Low, NO, &error)
                    .with_detail("child", id)
            }
            SupervisorError::DuplicateId(id) => {
                runtime(3702, "supervisor.duplicate_id", Data, Low, NO, &error)
                    .with_detail("child", id)
            }
            SupervisorError::Running(id) => {
                runtime(3703, "supervisor.running", Data, Low, NO, &error).with_detail("child", id)
            }
            SupervisorError::StartFailed { id, .. } => {
                runtime(2701, "supervisor.start_failed", System, High, NO, &error)
                    .with_detail("child", id)
            }
            SupervisorError::Stopping => {
                runtime(2702, "supervisor.stopping", System, Medium, NO, &error)
            }
            // The supervisor's call failed: the call's code, said to be
            // the supervisor's.
            SupervisorError::Call(call) => Error::from(*call).with_detail("via", "supervisor"),
        }
    }
}

impl From<RegisterError> for Error {
    fn from(error: RegisterError) -> Self {
        match &error {
            RegisterError::AlreadyRegistered(pid) => {
                runtime(3801, "registry.already_registered", Data, Low, NO, &error)
                    .with_detail("holder", pid)
            }
            RegisterError::AlreadyNamed { name, .. } => {
                runtime(3802, "registry.already_named", Data, Low, NO, &error)
                    .with_detail("name", name)
            }
            RegisterError::NotAlive(pid) => {
                runtime(2801, "registry.not_alive", System, Low, NO, &error).with_detail("pid", pid)
            }
            RegisterError::EmptyName => runtime(3803, "registry.empty_name", Data, Low, NO, &error),
        }
    }
}

impl From<LookupError> for Error {
    fn from(error: LookupError) -> Self {
        match &error {
            LookupError::NotRegistered { name } => {
                runtime(3811, "registry.not_registered", Data, Low, SOON, &error)
                    .with_detail("name", name)
            }
            LookupError::WrongType { name, .. } => {
                runtime(3812, "registry.wrong_type", Data, Medium, NO, &error)
                    .with_detail("name", name)
            }
        }
    }
}

/// The message is dropped with the conversion; match the
/// `NamedSendError` first to get it back.
impl<M> From<NamedSendError<M>> for Error {
    fn from(error: NamedSendError<M>) -> Self {
        match error {
            NamedSendError::NotRegistered { name, .. } => runtime(
                3811,
                "registry.not_registered",
                Data,
                Low,
                SOON,
                format!("no actor is registered as `{name}`"),
            )
            .with_detail("name", name),
            NamedSendError::WrongType { name, expected, .. } => runtime(
                3812,
                "registry.wrong_type",
                Data,
                Medium,
                NO,
                format!("`{name}` takes `{expected}` messages"),
            )
            .with_detail("name", name),
            NamedSendError::Send(send) => Error::from(send),
        }
    }
}

impl From<GroupError> for Error {
    fn from(error: GroupError) -> Self {
        let (number, name, category) = match &error {
            GroupError::WrongType { .. } => (3901, "group.wrong_type", Data),
            GroupError::NotAlive(_) => (2901, "group.not_alive", System),
            GroupError::EmptyName => (3902, "group.empty_name", Data),
            GroupError::NotFound(_) => (3903, "group.not_found", Data),
            GroupError::NotEmpty { .. } => (3904, "group.not_empty", Data),
            GroupError::Deleted(_) => (3905, "group.deleted", Data),
            GroupError::OtherNode { .. } => (3906, "group.other_node", Data),
        };
        runtime(number, name, category, Low, NO, error)
    }
}

impl From<ServiceError> for Error {
    fn from(error: ServiceError) -> Self {
        let (number, name, category, severity, retry) = match &error {
            ServiceError::NotFound { .. } => (3951, "service.not_found", Data, Low, SOON),
            ServiceError::AlreadyRegistered { .. } => {
                (3952, "service.already_registered", Data, Low, NO)
            }
            ServiceError::NotAlive(_) => (2951, "service.not_alive", System, Low, NO),
            ServiceError::WrongType { .. } => (3953, "service.wrong_type", Data, Medium, NO),
            ServiceError::Timeout { .. } => (2952, "service.timeout", System, Medium, BACKOFF),
            ServiceError::WouldBlock => (2953, "service.would_block", System, High, NO),
            ServiceError::NodeShutdown => (2954, "service.node_shutdown", System, Medium, NO),
            ServiceError::EmptyName => (3954, "service.empty_name", Data, Low, NO),
        };
        runtime(number, name, category, severity, retry, error)
    }
}

impl From<PipeError> for Error {
    fn from(error: PipeError) -> Self {
        let (number, name, severity, retry) = match &error {
            PipeError::Timeout => (4101, "pipe.timeout", Medium, BACKOFF),
            PipeError::Panicked(_) => (4102, "pipe.panicked", High, NO),
            PipeError::Cancelled => (4103, "pipe.cancelled", Medium, NO),
        };
        runtime(number, name, External, severity, retry, error)
    }
}
