//! Calls and replies: everything that waits for an answer.
//!
//! - `reply.rs`: the reply slot a request carries ([`ReplyTo`]) and its
//!   completion — exactly once, by the answer, the timeout or the
//!   responder's end, whichever comes first (model-checked). It sits below
//!   the cell: the cell fails a stopping actor's pending replies.
//! - `request.rs`: requests between actors, answered into continuations.
//! - `blocking.rs`: calls from outside the runtime (a thread, a future).
//! - `pipe.rs`: futures run for a handler on an executor it names, their
//!   output delivered like a request's reply.

pub(crate) mod blocking;
pub(crate) mod pipe;
pub(crate) mod reply;
pub(crate) mod request;

pub use pipe::{BoxFuture, Pipe, PipeError, Spawner};
pub use reply::{CallError, CallFuture, DEFAULT_CALL_TIMEOUT, ReplyTo};
pub use request::Request;
