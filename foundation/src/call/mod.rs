//! Calls and replies: everything that waits for an answer.
//!
//! - `reply.rs`: the reply slot a request carries ([`ReplyTo`]) and its
//!   completion — exactly once, by the answer, the timeout or the
//!   responder's end, whichever comes first (model-checked). It sits below
//!   the cell: the cell fails a stopping actor's pending replies.
//! - `request.rs`: requests between actors, answered into continuations.
//! - `blocking.rs`: calls from outside the runtime (a thread, a future).

pub(crate) mod blocking;
pub(crate) mod reply;
pub(crate) mod request;

pub use reply::{CallError, CallFuture, DEFAULT_CALL_TIMEOUT, ReplyTo};
pub use request::Request;
