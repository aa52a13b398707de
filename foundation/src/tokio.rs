//! Tokio integration (the `tokio` feature, off by default).
//!
//! Foundation needs no async runtime: [`ActorRef::call_async`] returns a
//! future any executor can poll, and [`Context::pipe`](crate::Context::pipe)
//! takes any [`Spawner`]. This module adds what tokio programs expect:
//!
//! - [`call`]: a call from a task whose timeout is a tokio timer (it
//!   puts nothing in the node's timer service);
//! - `Spawner::from(handle)`: a tokio runtime as the executor of
//!   [`Context::pipe`](crate::Context::pipe);
//! - [`shutdown`]: a node's shutdown awaited from a task, on tokio's
//!   blocking pool rather than a worker thread;
//! - a policy for blocking calls made on a runtime's thread (below).
//!
//! A [`Node`] needs nothing from tokio: start it in `#[tokio::main]` as
//! anywhere else (starting does not block), call its actors with
//! `call_async` (or the generated `_async` methods) or [`call`], and shut
//! it down with [`shutdown`] (dropping the last `Node` handle shuts it down
//! too, waiting on the dropping thread: await [`shutdown`] first).
//!
//! # Blocking calls on a tokio runtime
//!
//! A blocking [`ActorRef::call`] (or a generated call method) holds its
//! thread until the reply comes. Made on a tokio runtime's thread, with
//! this feature:
//!
//! - on a **multi-thread** runtime it waits inside
//!   `tokio::task::block_in_place`: tokio hands the worker's other tasks to
//!   another thread first, so the runtime keeps running (the call works,
//!   at the cost of a thread hand-over);
//! - on a **current-thread** runtime (`#[tokio::test]`'s default) it fails
//!   at once with [`CallError::Deadlock`]: waiting would stop every other
//!   task of that runtime — including a future the callee piped to it,
//!   whose output the reply may need. Use `call_async` there. (The same
//!   holds on that runtime's `spawn_blocking` threads, which tokio does not
//!   tell apart; use `Handle::block_on(actor.call_async(..))` there.)
//!
//! Without the feature Foundation cannot see tokio: the call blocks the
//! thread it is made on, the reply or the call's timeout ends it, and
//! nothing else runs on a current-thread runtime meanwhile.
//!
//! ```
//! use foundation::prelude::*;
//! use std::time::Duration;
//!
//! #[actor]
//! struct Echo;
//!
//! #[handlers]
//! impl Echo {
//!     pub fn echo(&self, n: u64) -> u64 {
//!         n
//!     }
//! }
//!
//! #[tokio::main(flavor = "current_thread")]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let node = Node::builder().schedulers(1).start()?;
//!     let echo = node.spawn(Echo)?;
//!     assert_eq!(echo.echo_async(1).await?, 1);
//!     let t = Duration::from_secs(5);
//!     assert_eq!(foundation::tokio::call(&echo, |r| EchoMsg::Echo(2, r), t).await?, 2);
//!     // A blocking call here would stop this runtime's only thread:
//!     assert_eq!(echo.echo(3), Err(CallError::Deadlock));
//!     foundation::tokio::shutdown(&node).await?;
//!     Ok(())
//! }
//! ```

use std::time::Duration;

use crate::actor::{Actor, ActorRef};
use crate::call::pipe::Spawner;
use crate::call::reply::{CallError, CallFuture, ReplyTo, Slot};
use crate::error::ShutdownError;
use crate::node::Node;

/// Sends a request and awaits its reply, at most `timeout` on tokio's
/// clock: a tokio timer instead of an entry in the node's timer service.
/// Must be awaited inside a tokio runtime with its time driver enabled
/// (`enable_time`, or `#[tokio::main]`).
///
/// A paused clock (`tokio::time::pause`) skips ahead whenever all of the
/// runtime's tasks wait, and a reply on its way from an actor is not work
/// tokio can see: on a paused clock, a call whose reply does not come
/// during its first poll times out at once. Pause the clock to test
/// timeouts, as below, not answers.
///
/// # Errors
///
/// As [`ActorRef::call_async`]: a [`CallError`] — `Timeout` when tokio's
/// timer runs out first (the request is then abandoned: a later reply is
/// handed back to the replier).
///
/// ```
/// use foundation::{Actor, CallError, Context, Node, ReplyTo};
/// use std::time::Duration;
///
/// /// Keeps every request and never answers.
/// struct Sleepy(Vec<ReplyTo<()>>);
/// impl Actor for Sleepy {
///     type Msg = ReplyTo<()>;
///     fn handle(&mut self, reply: ReplyTo<()>, _: &mut Context<Self>) {
///         self.0.push(reply);
///     }
/// }
///
/// #[tokio::main(flavor = "current_thread", start_paused = true)]
/// async fn main() -> Result<(), Box<dyn std::error::Error>> {
///     let node = Node::builder().schedulers(1).start()?;
///     let sleepy = node.spawn(Sleepy(Vec::new()))?;
///     // An hour passes at once on a paused clock.
///     let hour = Duration::from_secs(3600);
///     assert_eq!(foundation::tokio::call(&sleepy, |r| r, hour).await, Err(CallError::Timeout));
///     Ok(())
/// }
/// ```
pub async fn call<A: Actor, T: Send + 'static>(
    actor: &ActorRef<A>,
    make: impl FnOnce(ReplyTo<T>) -> A::Msg,
    timeout: Duration,
) -> Result<T, CallError> {
    let slot = Slot::new();
    actor.send_request_outside(&slot, make);
    // Dropped at the timeout: the slot is abandoned.
    ::tokio::time::timeout(timeout, CallFuture::new(slot))
        .await
        .unwrap_or(Err(CallError::Timeout))
}

/// Shuts `node` down ([`Node::shutdown`]) on tokio's blocking pool, so no
/// worker thread waits for the scheduler threads to finish.
///
/// # Errors
///
/// As [`Node::shutdown`].
///
/// ```
/// #[tokio::main(flavor = "current_thread")]
/// async fn main() -> Result<(), foundation::ShutdownError> {
///     let node = foundation::Node::builder().schedulers(1).start().unwrap();
///     foundation::tokio::shutdown(&node).await?;
///     assert!(node.spawn(Idle).is_err());
///     Ok(())
/// }
/// # struct Idle;
/// # impl foundation::Actor for Idle {
/// #     type Msg = ();
/// #     fn handle(&mut self, _: (), _: &mut foundation::Context<Self>) {}
/// # }
/// ```
pub async fn shutdown(node: &Node) -> Result<(), ShutdownError> {
    let pool = node.clone();
    match ::tokio::task::spawn_blocking(move || pool.shutdown()).await {
        Ok(result) => result,
        Err(join) if join.is_panic() => std::panic::resume_unwind(join.into_panic()),
        // The runtime is shutting down and did not start the closure:
        // wait here instead.
        Err(_) => node.shutdown(),
    }
}

impl From<::tokio::runtime::Handle> for Spawner {
    /// Futures piped with this spawner run as tasks of that runtime.
    ///
    /// ```
    /// let runtime = tokio::runtime::Runtime::new()?;
    /// let spawner = foundation::Spawner::from(runtime.handle().clone());
    /// # drop(spawner);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    fn from(handle: ::tokio::runtime::Handle) -> Self {
        Spawner::new(move |future| {
            handle.spawn(future);
        })
    }
}
