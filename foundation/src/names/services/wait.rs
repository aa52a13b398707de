//! Waiting for a service to appear: [`WaitForService`] (blocking, as a
//! continuation in a handler, or as a future) and [`ServiceFuture`].

use core::fmt;
use core::future::{Future, IntoFuture};
use core::marker::PhantomData;
use core::pin::Pin;
use core::task::Poll;
use std::sync::Arc;
use std::time::Duration;

use crate::actor::{Actor, ActorRef, Context};
use crate::call::blocking::blocking_deadline;
use crate::call::reply::{CallFuture, Slot};
use crate::call::request::{arm_timeout, continue_on};
use crate::names::error::ServiceError;
use crate::pid::Pid;
use crate::scheduler;

use super::ServiceRegistry;

/// A pending wait for a service; see [`ServiceRegistry::wait_for_service`].
///
/// From a plain thread:
///
/// ```
/// use foundation::{Actor, Context, Node, ServiceError};
/// use std::time::Duration;
///
/// struct Search;
/// impl Actor for Search {
///     type Msg = ();
///     fn handle(&mut self, _: (), _: &mut Context<Self>) {}
/// }
///
/// let node = Node::builder().schedulers(1).start()?;
/// let services = node.services();
/// let later = {
///     let (node, services) = (node.clone(), services.clone());
///     std::thread::spawn(move || {
///         std::thread::sleep(Duration::from_millis(20));
///         let search = node.spawn(Search).unwrap();
///         services.register("search", search.pid()).unwrap();
///         search.pid()
///     })
/// };
/// let pid = services.wait_for_service("search", Duration::from_secs(10)).wait()?;
/// assert_eq!(pid, later.join().unwrap());
///
/// let missing = services.wait_for_service("nothing", Duration::from_millis(10)).wait();
/// assert!(matches!(missing, Err(ServiceError::Timeout { .. })));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// From a handler, without blocking its thread:
///
/// ```
/// use foundation::{Actor, Context, Node, Pid, ServiceError};
/// use std::sync::mpsc;
/// use std::time::Duration;
///
/// struct Client(mpsc::Sender<Result<Pid, ServiceError>>);
/// impl Actor for Client {
///     type Msg = ();
///     fn started(&mut self, ctx: &mut Context<Self>) {
///         ctx.services()
///             .wait_for_service("db", Duration::from_secs(10))
///             .then(ctx, |client, _ctx, db| client.0.send(db).unwrap());
///     }
///     fn handle(&mut self, _: (), _: &mut Context<Self>) {}
/// }
/// struct Db;
/// impl Actor for Db {
///     type Msg = ();
///     fn handle(&mut self, _: (), _: &mut Context<Self>) {}
/// }
///
/// let node = Node::builder().schedulers(1).start()?;
/// let (tx, rx) = mpsc::channel();
/// node.spawn(Client(tx))?;
/// let db = node.spawn(Db)?;
/// node.services().register("db", db.pid())?;
/// assert_eq!(rx.recv()?, Ok(db.pid()));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use = "a wait does nothing until `.wait()`, `.then(..)` or `.await`"]
pub struct WaitForService {
    pub(super) services: ServiceRegistry,
    pub(super) name: Arc<str>,
    pub(super) timeout: Duration,
}

impl WaitForService {
    /// Blocks this thread until the service is registered (returning its
    /// pid) or the timeout passes.
    ///
    /// # Errors
    ///
    /// [`ServiceError::Timeout`], [`ServiceError::NodeShutdown`], or
    /// [`ServiceError::WouldBlock`] on a scheduler thread (use
    /// [`WaitForService::then`] in handlers).
    ///
    /// ```
    /// # use foundation::prelude::*;
    /// # use foundation::{Health, Namespace, ServiceError, ServiceOptions};
    /// # use std::time::Duration;
    /// # #[actor]
    /// # #[derive(Default)]
    /// # struct Cache;
    /// # #[handlers]
    /// # impl Cache {
    /// #     pub fn ping(&self) -> bool { true }
    /// # }
    /// # let node = Node::builder().schedulers(1).start()?;
    /// let cache = node.spawn(Cache)?;
    /// assert!(matches!(
    ///     node.services().wait_for_service("db", Duration::from_millis(20)).wait(),
    ///     Err(ServiceError::Timeout { .. })
    /// ));
    /// node.services().register("cache", cache.pid())?;
    /// assert_eq!(node.services().wait_for_service("cache", Duration::from_secs(5)).wait()?, cache.pid());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn wait(self) -> Result<Pid, ServiceError> {
        if scheduler::on_any_scheduler() {
            return Err(ServiceError::WouldBlock);
        }
        if let Ok(pid) = self.services.lookup(&self.name) {
            return Ok(pid);
        }
        let slot = Slot::new();
        let deadline = blocking_deadline(&self.services.shared.timers, &slot, self.timeout);
        self.services.add_waiter(&self.name, &slot);
        let outcome = slot.wait_blocking(deadline);
        self.services.outcome(&self.name, outcome)
    }

    /// Continues the actor of `ctx` with the outcome — the service's pid,
    /// or why none came — as one of its messages, once, unless it stops
    /// first. The handler returns at once.
    ///
    /// ```
    /// # use foundation::prelude::*;
    /// # use foundation::{Health, Namespace, ServiceError, ServiceOptions};
    /// # use std::time::Duration;
    /// # #[actor]
    /// # #[derive(Default)]
    /// # struct Cache;
    /// # #[handlers]
    /// # impl Cache {
    /// #     pub fn ping(&self) -> bool { true }
    /// # }
    /// # let node = Node::builder().schedulers(1).start()?;
    /// let cache = node.spawn(Cache)?;
    /// use std::sync::mpsc;
    ///
    /// #[actor]
    /// struct Client(mpsc::Sender<bool>);
    /// #[handlers]
    /// impl Client {
    ///     pub fn connect(&mut self, ctx: &mut Context<Self>) {
    ///         ctx.services().wait_for_service("cache", Duration::from_secs(5)).then(ctx, |me: &mut Client, _ctx, found| {
    ///             let _ = me.0.send(found.is_ok());
    ///         });
    ///     }
    /// }
    /// let (tx, rx) = mpsc::channel();
    /// node.spawn(Client(tx))?.connect()?; // waits without blocking its thread
    /// node.services().register("cache", cache.pid())?;
    /// assert!(rx.recv()?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn then<A: Actor>(
        self,
        ctx: &Context<A>,
        continuation: impl FnOnce(&mut A, &mut Context<A>, Result<Pid, ServiceError>) + Send + 'static,
    ) {
        let deliver = continue_on(ctx, continuation);
        let services = self.services.clone();
        let name = Arc::clone(&self.name);
        let slot = Slot::with_callback(move |outcome| deliver(services.outcome(&name, outcome)));
        arm_timeout(&self.services.shared.timers, &slot, self.timeout);
        self.services.add_waiter(&self.name, &slot);
    }
}

impl IntoFuture for WaitForService {
    type Output = Result<Pid, ServiceError>;
    type IntoFuture = ServiceFuture;

    fn into_future(self) -> ServiceFuture {
        let slot = Slot::new();
        arm_timeout(&self.services.shared.timers, &slot, self.timeout);
        self.services.add_waiter(&self.name, &slot);
        ServiceFuture {
            call: CallFuture::new(slot),
            services: self.services,
            name: self.name,
        }
    }
}

impl fmt::Debug for WaitForService {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitForService")
            .field("namespace", &self.services.namespace)
            .field("name", &self.name)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// A service awaited from async code: `wait_for_service(..).await`. Any
/// executor will do.
///
/// ```
/// use foundation::{Actor, Context, Node};
/// use std::time::Duration;
///
/// struct Db;
/// impl Actor for Db {
///     type Msg = ();
///     fn handle(&mut self, _: (), _: &mut Context<Self>) {}
/// }
///
/// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     use std::task::{Context, Poll, Wake, Waker};
/// #     struct Unpark(std::thread::Thread);
/// #     impl Wake for Unpark { fn wake(self: std::sync::Arc<Self>) { self.0.unpark() } }
/// #     let waker = Waker::from(std::sync::Arc::new(Unpark(std::thread::current())));
/// #     let mut cx = Context::from_waker(&waker);
/// #     let mut f = std::pin::pin!(f);
/// #     loop { if let Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v } std::thread::park(); }
/// # }
/// let node = Node::builder().schedulers(1).start()?;
/// let db = node.spawn(Db)?;
/// let services = node.services();
/// let waiting = services.wait_for_service("db", Duration::from_secs(10));
/// services.register("db", db.pid())?;
/// assert_eq!(block_on(async { waiting.await }), Ok(db.pid()));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use = "a future does nothing unless awaited"]
pub struct ServiceFuture {
    call: CallFuture<Pid>,
    services: ServiceRegistry,
    name: Arc<str>,
}

impl Future for ServiceFuture {
    type Output = Result<Pid, ServiceError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut core::task::Context<'_>) -> Poll<Self::Output> {
        match Pin::new(&mut self.call).poll(cx) {
            Poll::Ready(outcome) => Poll::Ready(self.services.outcome(&self.name, outcome)),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl fmt::Debug for ServiceFuture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceFuture")
            .field("namespace", &self.services.namespace)
            .field("name", &self.name)
            .finish()
    }
}

impl WaitForService {
    /// The same wait, answered with a typed handle to the service's actor
    /// rather than its pid: `.wait()`, `.then(..)` and `.await` give a
    /// `Result<ActorRef<B>, ServiceError>`.
    ///
    /// ```
    /// use foundation::{Actor, Context, Node};
    /// use std::time::Duration;
    ///
    /// struct Db(u32);
    /// impl Actor for Db {
    ///     type Msg = foundation::ReplyTo<u32>;
    ///     fn handle(&mut self, reply: Self::Msg, _: &mut Context<Self>) {
    ///         let _ = reply.reply(self.0);
    ///     }
    /// }
    ///
    /// let node = Node::builder().schedulers(1).start()?;
    /// let services = node.services();
    /// let waiting = services.wait_for_service("db", Duration::from_secs(10)).typed::<Db>();
    /// services.register("db", node.spawn(Db(42))?.pid())?;
    /// let db = waiting.wait()?;
    /// assert_eq!(db.call(|r| r, Duration::from_secs(5)), Ok(42));
    ///
    /// // Asked for the wrong type, the wait says so.
    /// struct Cache;
    /// impl Actor for Cache {
    ///     type Msg = ();
    ///     fn handle(&mut self, _: (), _: &mut Context<Self>) {}
    /// }
    /// let wrong = services.wait_for_service("db", Duration::from_secs(1)).typed::<Cache>().wait();
    /// assert!(matches!(wrong, Err(foundation::ServiceError::WrongType { .. })));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn typed<B: Actor>(self) -> WaitForServiceRef<B> {
        WaitForServiceRef {
            wait: self,
            _actor: PhantomData,
        }
    }
}

/// A pending wait for a service, answered with a typed handle; see
/// [`WaitForService::typed`] for a wait from a plain thread. From a
/// handler, without blocking its thread:
///
/// ```
/// use foundation::{Actor, ActorRef, Context, Node, ServiceError};
/// use std::sync::mpsc;
/// use std::time::Duration;
///
/// struct Db;
/// impl Actor for Db {
///     type Msg = ();
///     fn handle(&mut self, _: (), _: &mut Context<Self>) {}
/// }
///
/// struct Client(mpsc::Sender<Result<ActorRef<Db>, ServiceError>>);
/// impl Actor for Client {
///     type Msg = ();
///     fn started(&mut self, ctx: &mut Context<Self>) {
///         ctx.services()
///             .wait_for_service("db", Duration::from_secs(10))
///             .typed::<Db>()
///             .then(ctx, |client, _ctx, db| client.0.send(db).unwrap());
///     }
///     fn handle(&mut self, _: (), _: &mut Context<Self>) {}
/// }
///
/// let node = Node::builder().schedulers(1).start()?;
/// let (tx, rx) = mpsc::channel();
/// node.spawn(Client(tx))?;
/// let db = node.spawn(Db)?;
/// node.services().register("db", db.pid())?;
/// assert_eq!(rx.recv()?, Ok(db));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use = "a wait does nothing until `.wait()`, `.then(..)` or `.await`"]
pub struct WaitForServiceRef<B> {
    wait: WaitForService,
    _actor: PhantomData<fn() -> B>,
}

impl<B: Actor> WaitForServiceRef<B> {
    /// Blocks this thread until the service is registered (returning a
    /// handle to its actor) or the timeout passes.
    ///
    /// # Errors
    ///
    /// As [`WaitForService::wait`], and [`ServiceError::WrongType`] if the
    /// service's actor is not a `B` (or [`ServiceError::NotFound`] if it
    /// stopped for good as it came).
    ///
    /// ```
    /// # use foundation::prelude::*;
    /// # use foundation::{Health, Namespace, ServiceError, ServiceOptions};
    /// # use std::time::Duration;
    /// # #[actor]
    /// # #[derive(Default)]
    /// # struct Cache;
    /// # #[handlers]
    /// # impl Cache {
    /// #     pub fn ping(&self) -> bool { true }
    /// # }
    /// # let node = Node::builder().schedulers(1).start()?;
    /// let cache = node.spawn(Cache)?;
    /// node.services().register("cache", cache.pid())?;
    /// let typed: ActorRef<Cache> = node.services().wait_for_service("cache", Duration::from_secs(5)).typed().wait()?;
    /// assert!(typed.ping()?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn wait(self) -> Result<ActorRef<B>, ServiceError> {
        let services = self.wait.services.clone();
        let name = Arc::clone(&self.wait.name);
        self.wait
            .wait()
            .and_then(|pid| services.handle_of::<B>(&name, pid))
    }

    /// Continues the actor of `ctx` with the outcome — a handle to the
    /// service's actor, or why none came — as one of its messages.
    ///
    /// ```
    /// # use foundation::prelude::*;
    /// # use foundation::{Health, Namespace, ServiceError, ServiceOptions};
    /// # use std::time::Duration;
    /// # #[actor]
    /// # #[derive(Default)]
    /// # struct Cache;
    /// # #[handlers]
    /// # impl Cache {
    /// #     pub fn ping(&self) -> bool { true }
    /// # }
    /// # let node = Node::builder().schedulers(1).start()?;
    /// let cache = node.spawn(Cache)?;
    /// use std::sync::mpsc;
    ///
    /// #[actor]
    /// struct Client(mpsc::Sender<ActorRef<Cache>>);
    /// #[handlers]
    /// impl Client {
    ///     pub fn connect(&mut self, ctx: &mut Context<Self>) {
    ///         ctx.services()
    ///             .wait_for_service("cache", Duration::from_secs(5))
    ///             .typed::<Cache>()
    ///             .then(ctx, |me: &mut Client, _ctx, found| {
    ///                 let _ = me.0.send(found.expect("registered in time"));
    ///             });
    ///     }
    /// }
    /// let (tx, rx) = mpsc::channel();
    /// node.spawn(Client(tx))?.connect()?;
    /// node.services().register("cache", cache.pid())?;
    /// assert!(rx.recv()?.ping()?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn then<A: Actor>(
        self,
        ctx: &Context<A>,
        continuation: impl FnOnce(&mut A, &mut Context<A>, Result<ActorRef<B>, ServiceError>)
        + Send
        + 'static,
    ) {
        let services = self.wait.services.clone();
        let name = Arc::clone(&self.wait.name);
        self.wait.then(ctx, move |actor, ctx, outcome| {
            continuation(
                actor,
                ctx,
                outcome.and_then(|pid| services.handle_of::<B>(&name, pid)),
            )
        });
    }
}

impl<B: Actor> IntoFuture for WaitForServiceRef<B> {
    type Output = Result<ActorRef<B>, ServiceError>;
    type IntoFuture = ServiceRefFuture<B>;

    fn into_future(self) -> ServiceRefFuture<B> {
        ServiceRefFuture {
            pid: self.wait.into_future(),
            _actor: PhantomData,
        }
    }
}

impl<B> fmt::Debug for WaitForServiceRef<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitForServiceRef")
            .field("wait", &self.wait)
            .field("actor", &core::any::type_name::<B>())
            .finish()
    }
}

/// A service awaited from async code as a typed handle:
/// `wait_for_service(..).typed::<B>().await`. Any executor will do.
///
/// ```
/// use foundation::{Actor, Context, Node};
/// use std::time::Duration;
///
/// struct Db;
/// impl Actor for Db {
///     type Msg = ();
///     fn handle(&mut self, _: (), _: &mut Context<Self>) {}
/// }
///
/// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     use std::task::{Context, Poll, Wake, Waker};
/// #     struct Unpark(std::thread::Thread);
/// #     impl Wake for Unpark { fn wake(self: std::sync::Arc<Self>) { self.0.unpark() } }
/// #     let waker = Waker::from(std::sync::Arc::new(Unpark(std::thread::current())));
/// #     let mut cx = Context::from_waker(&waker);
/// #     let mut f = std::pin::pin!(f);
/// #     loop { if let Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v } std::thread::park(); }
/// # }
/// let node = Node::builder().schedulers(1).start()?;
/// let services = node.services();
/// let waiting = services.wait_for_service("db", Duration::from_secs(10)).typed::<Db>();
/// let db = node.spawn(Db)?;
/// services.register("db", db.pid())?;
/// assert_eq!(block_on(async { waiting.await }), Ok(db));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use = "a future does nothing unless awaited"]
pub struct ServiceRefFuture<B> {
    pid: ServiceFuture,
    _actor: PhantomData<fn() -> B>,
}

impl<B: Actor> Future for ServiceRefFuture<B> {
    type Output = Result<ActorRef<B>, ServiceError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut core::task::Context<'_>) -> Poll<Self::Output> {
        match Pin::new(&mut self.pid).poll(cx) {
            Poll::Ready(outcome) => {
                let pid = &self.pid;
                Poll::Ready(outcome.and_then(|p| pid.services.handle_of::<B>(&pid.name, p)))
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<B> fmt::Debug for ServiceRefFuture<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceRefFuture")
            .field("pid", &self.pid)
            .field("actor", &core::any::type_name::<B>())
            .finish()
    }
}
