//! The service registry: namespaced services with health checks.

use core::fmt;
use std::sync::Arc;
use std::time::Duration;

use super::downcast;
use super::error::ServiceError;
use super::tables::services::{HealthCheck, Namespace, Service, ServiceTable, Waiter};
use crate::actor::{Actor, ActorRef};
use crate::call::reply::CallError;
use crate::node::shared::Shared;
use crate::pid::Pid;

mod health;
mod wait;

use health::health_of;
pub use health::{Health, ServiceInfo};
pub use wait::{ServiceFuture, ServiceRefFuture, WaitForService, WaitForServiceRef};

/// How a service is registered; see [`ServiceRegistry::register_with`].
///
/// ```
/// use foundation::ServiceOptions;
///
/// let options = ServiceOptions::new().health_check(|| Ok(()));
/// assert!(options.has_health_check());
/// assert!(!ServiceOptions::new().has_health_check());
/// ```
#[derive(Clone, Default)]
pub struct ServiceOptions {
    health_check: Option<HealthCheck>,
}

impl ServiceOptions {
    /// No health check: a running service is healthy.
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
    /// node.services().register_with("cache", cache.pid(), ServiceOptions::new())?; // no health check
    /// assert!(!ServiceOptions::new().has_health_check());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Checks the service's health: run by [`ServiceRegistry::health_check`]
    /// and [`ServiceRegistry::service_info`], on the caller's thread, while
    /// the service runs (a panic counts as unhealthy). Keep it quick and
    /// non-blocking — read a shared gauge, say; it may run on a scheduler
    /// thread.
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
    /// use std::sync::atomic::{AtomicBool, Ordering};
    /// use std::sync::Arc;
    ///
    /// let connected = Arc::new(AtomicBool::new(true));
    /// let probe = Arc::clone(&connected);
    /// let options = ServiceOptions::new().health_check(move || {
    ///     if probe.load(Ordering::Relaxed) { Ok(()) } else { Err("upstream lost".into()) }
    /// });
    /// node.services().register_with("cache", cache.pid(), options)?;
    /// assert_eq!(node.services().health_check("cache")?, Health::Healthy);
    /// connected.store(false, Ordering::Relaxed);
    /// assert_eq!(node.services().health_check("cache")?, Health::Unhealthy("upstream lost".into()));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn health_check(
        mut self,
        check: impl Fn() -> Result<(), String> + Send + Sync + 'static,
    ) -> Self {
        self.health_check = Some(Arc::new(check));
        self
    }

    /// Whether a health check is set.
    ///
    /// ```
    /// assert!(foundation::ServiceOptions::new().health_check(|| Ok(())).has_health_check());
    /// ```
    pub fn has_health_check(&self) -> bool {
        self.health_check.is_some()
    }
}

impl fmt::Debug for ServiceOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceOptions")
            .field("health_check", &self.health_check.is_some())
            .finish()
    }
}

/// A node's services: actors registered under a name in a [`Namespace`],
/// with optional health checks, that others can look up or wait for.
///
/// Like the [process registry](crate::ProcessRegistry), a service belongs
/// to its actor's address: it follows a supervised child through restarts
/// and is removed when the actor stops for good. One actor may provide
/// several services. Each handle works in one namespace:
/// [`Node::services`](crate::Node::services) gives the production one,
/// [`ServiceRegistry::in_namespace`] another.
///
/// ```
/// use foundation::{Actor, Context, Health, Namespace, Node, ServiceOptions};
/// use std::time::Duration;
///
/// struct Database;
/// impl Actor for Database {
///     type Msg = ();
///     fn handle(&mut self, _: (), _: &mut Context<Self>) {}
/// }
///
/// let node = Node::builder().schedulers(1).start()?;
/// let db = node.spawn(Database)?;
/// let services = node.services();
/// services.register_with("db", db.pid(), ServiceOptions::new().health_check(|| Ok(())))?;
/// assert_eq!(services.lookup("db")?, db.pid());
/// assert_eq!(services.health_check("db")?, Health::Healthy);
/// assert_eq!(services.service_info().healthy, 1);
///
/// // A test namespace sees none of it.
/// let test = services.in_namespace(Namespace::isolated());
/// assert!(test.lookup("db").is_err());
/// assert!(test.wait_for_service("db", Duration::from_millis(10)).wait().is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct ServiceRegistry {
    shared: Arc<Shared>,
    namespace: Namespace,
}

impl ServiceRegistry {
    pub(crate) fn new(shared: Arc<Shared>, namespace: Namespace) -> Self {
        ServiceRegistry { shared, namespace }
    }

    fn table(&self) -> &ServiceTable {
        &self.shared.names.services
    }

    /// This handle's namespace.
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
    /// assert_eq!(node.services().namespace(), &Namespace::Production);
    /// assert!(node.services().in_namespace(Namespace::test("t")).namespace().is_test());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn namespace(&self) -> &Namespace {
        &self.namespace
    }

    /// The same node's services in `namespace`.
    ///
    /// See [`ServiceRegistry`] for an example.
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
    /// // Each test registers its services apart: no clash between tests that run at once.
    /// let test = node.services().in_namespace(Namespace::isolated());
    /// test.register("cache", cache.pid())?;
    /// assert_eq!(test.lookup("cache")?, cache.pid());
    /// assert!(node.services().lookup("cache").is_err()); // not in production
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn in_namespace(&self, namespace: Namespace) -> ServiceRegistry {
        ServiceRegistry::new(Arc::clone(&self.shared), namespace)
    }

    /// Registers the live actor `pid` as the service `name`, without a
    /// health check. Registering the same actor under the same name again
    /// is a no-op.
    ///
    /// # Errors
    ///
    /// As [`ServiceRegistry::register_with`].
    ///
    /// See [`ServiceRegistry::list`] for an example.
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
    /// let other = node.spawn(Cache)?;
    /// assert!(matches!(
    ///     node.services().register("cache", other.pid()),
    ///     Err(ServiceError::AlreadyRegistered { .. })
    /// ));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn register(&self, name: &str, pid: Pid) -> Result<(), ServiceError> {
        self.register_with(name, pid, ServiceOptions::new())
    }

    /// Registers the live actor `pid` as the service `name` with
    /// `options`. Callers waiting for the service get it now. Registering
    /// the same actor under the same name again replaces its options.
    ///
    /// # Errors
    ///
    /// [`ServiceError::AlreadyRegistered`] if another actor provides it,
    /// [`ServiceError::NotAlive`] if `pid` is not a live actor of this
    /// node, [`ServiceError::EmptyName`] for `""`.
    ///
    /// See [`ServiceRegistry`] for an example.
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
    /// let options = ServiceOptions::new().health_check(|| Ok(()));
    /// node.services().register_with("cache", cache.pid(), options)?;
    /// assert_eq!(node.services().service_info().with_health_check, 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn register_with(
        &self,
        name: &str,
        pid: Pid,
        options: ServiceOptions,
    ) -> Result<(), ServiceError> {
        if name.is_empty() {
            return Err(ServiceError::EmptyName);
        }
        let task = self
            .shared
            .resolve(pid)
            .ok_or(ServiceError::NotAlive(pid))?;
        let number = pid.number();
        let name: Arc<str> = Arc::from(name);
        let waiters = {
            let mut spaces = self.table().write();
            let space = spaces.entry(self.namespace.clone()).or_default();
            if let Some(holder) = space.services.get(&name)
                && holder.number != number
            {
                return Err(ServiceError::AlreadyRegistered {
                    namespace: self.namespace.clone(),
                    name: name.to_string(),
                    pid: holder.task.latest_pid(),
                });
            }
            space.services.insert(
                Arc::clone(&name),
                Service {
                    number,
                    task: Arc::clone(&task),
                    check: options.health_check,
                },
            );
            space.waiters.remove(&name).unwrap_or_default()
        };
        let held = self.shared.names.hold(&task, pid, |h| {
            if !h
                .services
                .iter()
                .any(|(ns, n)| *ns == self.namespace && *n == name)
            {
                h.services.push((self.namespace.clone(), Arc::clone(&name)));
            }
        });
        if !held {
            // It stopped meanwhile; the waiters keep waiting for another.
            let mut spaces = self.table().write();
            if let Some(space) = spaces.get_mut(&self.namespace) {
                space
                    .waiters
                    .entry(Arc::clone(&name))
                    .or_default()
                    .extend(waiters);
            }
            return Err(ServiceError::NotAlive(pid));
        }
        for waiter in waiters {
            let _ = waiter.complete(Ok(pid));
        }
        Ok(())
    }

    /// Removes the service `name`; returns the pid that provided it.
    ///
    /// # Errors
    ///
    /// [`ServiceError::NotFound`] if there is no such service.
    ///
    /// ```
    /// use foundation::{Actor, Context, Node, ServiceError};
    ///
    /// struct Cache;
    /// impl Actor for Cache {
    ///     type Msg = ();
    ///     fn handle(&mut self, _: (), _: &mut Context<Self>) {}
    /// }
    ///
    /// let node = Node::builder().schedulers(1).start()?;
    /// let cache = node.spawn(Cache)?;
    /// let services = node.services();
    /// services.register("cache", cache.pid())?;
    /// assert_eq!(services.unregister("cache")?, cache.pid());
    /// assert!(matches!(services.unregister("cache"), Err(ServiceError::NotFound { .. })));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn unregister(&self, name: &str) -> Result<Pid, ServiceError> {
        let removed = {
            let mut spaces = self.table().write();
            spaces
                .get_mut(&self.namespace)
                .and_then(|space| space.services.remove(name))
        };
        let service = removed.ok_or_else(|| self.not_found(name))?;
        self.shared.names.update(service.number, |h| {
            h.services
                .retain(|(ns, n)| !(*ns == self.namespace && **n == *name));
        });
        Ok(service.task.latest_pid())
    }

    /// The pid providing the service `name`.
    ///
    /// # Errors
    ///
    /// [`ServiceError::NotFound`] if there is no such service.
    ///
    /// See [`ServiceRegistry`] for an example.
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
    /// assert_eq!(node.services().lookup("cache")?, cache.pid());
    /// assert!(matches!(node.services().lookup("db"), Err(ServiceError::NotFound { .. })));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn lookup(&self, name: &str) -> Result<Pid, ServiceError> {
        self.table()
            .get(&self.namespace, name)
            .map(|(task, _)| task.latest_pid())
            .ok_or_else(|| self.not_found(name))
    }

    /// The actor providing the service `name`, as a typed handle.
    ///
    /// # Errors
    ///
    /// [`ServiceError::NotFound`], or [`ServiceError::WrongType`] if it is
    /// not an `A`.
    ///
    /// ```
    /// use foundation::{Actor, Context, Node, ServiceError};
    ///
    /// struct Mailer;
    /// impl Actor for Mailer {
    ///     type Msg = String;
    ///     fn handle(&mut self, _: String, _: &mut Context<Self>) {}
    /// }
    ///
    /// let node = Node::builder().schedulers(1).start()?;
    /// let mailer = node.spawn(Mailer)?;
    /// node.services().register("mail", mailer.pid())?;
    /// node.services().lookup_ref::<Mailer>("mail")?.send("hi".into())?;
    /// assert!(matches!(
    ///     node.services().lookup_ref::<foundation::Supervisor>("mail"),
    ///     Err(ServiceError::WrongType { .. })
    /// ));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn lookup_ref<A: Actor>(&self, name: &str) -> Result<ActorRef<A>, ServiceError> {
        let (task, _) = self
            .table()
            .get(&self.namespace, name)
            .ok_or_else(|| self.not_found(name))?;
        let (actual, _) = task.type_names();
        downcast::<A>(task).ok_or_else(|| ServiceError::WrongType {
            name: name.to_string(),
            expected: core::any::type_name::<A>(),
            actual,
        })
    }

    /// The services of this namespace and their pids, sorted by name.
    ///
    /// ```
    /// use foundation::{Actor, Context, Node};
    ///
    /// struct Idle;
    /// impl Actor for Idle {
    ///     type Msg = ();
    ///     fn handle(&mut self, _: (), _: &mut Context<Self>) {}
    /// }
    ///
    /// let node = Node::builder().schedulers(1).start()?;
    /// let idle = node.spawn(Idle)?;
    /// node.services().register("b", idle.pid())?;
    /// node.services().register("a", idle.pid())?; // one actor, two services
    /// assert_eq!(
    ///     node.services().list(),
    ///     [("a".to_string(), idle.pid()), ("b".to_string(), idle.pid())]
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn list(&self) -> Vec<(String, Pid)> {
        let mut all = self.each(|name, s| (name.to_string(), s.task.latest_pid()));
        all.sort();
        all
    }

    /// Checks the service `name`: [`Health::Unavailable`] if its actor is
    /// not running (stopping, or waiting for a restart), else its health
    /// check's verdict ([`Health::Healthy`] without one).
    ///
    /// # Errors
    ///
    /// [`ServiceError::NotFound`] if there is no such service.
    ///
    /// ```
    /// use foundation::{Actor, Context, Health, Node, ServiceOptions};
    /// use std::sync::Arc;
    /// use std::sync::atomic::{AtomicBool, Ordering};
    ///
    /// struct Queue;
    /// impl Actor for Queue {
    ///     type Msg = ();
    ///     fn handle(&mut self, _: (), _: &mut Context<Self>) {}
    /// }
    ///
    /// let node = Node::builder().schedulers(1).start()?;
    /// let queue = node.spawn(Queue)?;
    /// let backlog_ok = Arc::new(AtomicBool::new(true));
    /// let gauge = Arc::clone(&backlog_ok);
    /// let check = move || match gauge.load(Ordering::Relaxed) {
    ///     true => Ok(()),
    ///     false => Err("backlog too deep".to_string()),
    /// };
    /// let services = node.services();
    /// services.register_with("queue", queue.pid(), ServiceOptions::new().health_check(check))?;
    /// assert_eq!(services.health_check("queue")?, Health::Healthy);
    /// backlog_ok.store(false, Ordering::Relaxed);
    /// assert_eq!(
    ///     services.health_check("queue")?,
    ///     Health::Unhealthy("backlog too deep".into())
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn health_check(&self, name: &str) -> Result<Health, ServiceError> {
        let (task, check) = self
            .table()
            .get(&self.namespace, name)
            .ok_or_else(|| self.not_found(name))?;
        Ok(health_of(&task, check.as_ref()))
    }

    /// Counts of this namespace's services by health, running every
    /// health check.
    ///
    /// ```
    /// use foundation::{Actor, Context, Node, ServiceOptions};
    ///
    /// struct Idle;
    /// impl Actor for Idle {
    ///     type Msg = ();
    ///     fn handle(&mut self, _: (), _: &mut Context<Self>) {}
    /// }
    ///
    /// let node = Node::builder().schedulers(1).start()?;
    /// let (a, b) = (node.spawn(Idle)?, node.spawn(Idle)?);
    /// let services = node.services();
    /// services.register("fine", a.pid())?;
    /// let failing = ServiceOptions::new().health_check(|| Err("no disk".into()));
    /// services.register_with("broken", b.pid(), failing)?;
    /// let info = services.service_info();
    /// assert_eq!((info.total, info.healthy, info.unhealthy, info.unavailable), (2, 1, 1, 0));
    /// assert_eq!(info.with_health_check, 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn service_info(&self) -> ServiceInfo {
        // Checked outside the lock: checks are user code.
        let services = self.each(|_, s| (Arc::clone(&s.task), s.check.clone()));
        let mut info = ServiceInfo {
            namespace: self.namespace.clone(),
            total: services.len(),
            healthy: 0,
            unhealthy: 0,
            unavailable: 0,
            with_health_check: 0,
        };
        for (task, check) in &services {
            info.with_health_check += usize::from(check.is_some());
            match health_of(task, check.as_ref()) {
                Health::Healthy => info.healthy += 1,
                Health::Unhealthy(_) => info.unhealthy += 1,
                Health::Unavailable => info.unavailable += 1,
            }
        }
        info
    }

    /// Waits for the service `name` to be registered, at most `timeout` (on
    /// the node's clock). Nothing happens until the returned value is used:
    ///
    /// - [`WaitForService::wait`] blocks a plain thread (refused on a
    ///   scheduler thread);
    /// - [`WaitForService::then`] continues a handler when the service
    ///   comes, without blocking its thread — the actor keeps serving;
    /// - `.await` (it is [`IntoFuture`]) from async code.
    ///
    /// See [`WaitForService`] for examples.
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
    /// let services = node.services();
    /// let waiter = {
    ///     let services = services.clone();
    ///     std::thread::spawn(move || services.wait_for_service("cache", Duration::from_secs(5)).wait())
    /// };
    /// services.register("cache", cache.pid())?; // registered later, by someone else
    /// assert_eq!(waiter.join().unwrap()?, cache.pid());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn wait_for_service(&self, name: &str, timeout: Duration) -> WaitForService {
        WaitForService {
            services: self.clone(),
            name: Arc::from(name),
            timeout,
        }
    }

    /// `f` of each service of this namespace, under the read lock.
    fn each<R>(&self, f: impl Fn(&Arc<str>, &Service) -> R) -> Vec<R> {
        self.table()
            .read()
            .get(&self.namespace)
            .map(|space| space.services.iter().map(|(n, s)| f(n, s)).collect())
            .unwrap_or_default()
    }

    /// Completes `slot` when the service comes (at once if it is here).
    fn add_waiter(&self, name: &Arc<str>, slot: &Waiter) {
        let found = {
            let mut spaces = self.table().write();
            if spaces.closed {
                drop(spaces);
                let _ = slot.complete(Err(CallError::Stopped));
                return;
            }
            let space = spaces.entry(self.namespace.clone()).or_default();
            match space.services.get(name) {
                Some(service) => Some(service.task.latest_pid()),
                None => {
                    let waiters = space.waiters.entry(Arc::clone(name)).or_default();
                    // Forget those that gave up (timed out, dropped).
                    waiters.retain(|w| !w.is_finished());
                    waiters.push(Arc::clone(slot));
                    None
                }
            }
        };
        if let Some(pid) = found {
            let _ = slot.complete(Ok(pid));
        }
    }

    /// A typed handle to the live actor `pid`, which provided the service
    /// `name`.
    fn handle_of<B: Actor>(&self, name: &str, pid: Pid) -> Result<ActorRef<B>, ServiceError> {
        let task = self
            .shared
            .resolve(pid)
            .ok_or_else(|| self.not_found(name))?;
        let (actual, _) = task.type_names();
        downcast::<B>(task).ok_or_else(|| ServiceError::WrongType {
            name: name.to_string(),
            expected: core::any::type_name::<B>(),
            actual,
        })
    }

    fn not_found(&self, name: &str) -> ServiceError {
        ServiceError::NotFound {
            namespace: self.namespace.clone(),
            name: name.to_string(),
        }
    }

    fn outcome(&self, name: &str, outcome: Result<Pid, CallError>) -> Result<Pid, ServiceError> {
        outcome.map_err(|error| match error {
            CallError::Timeout => ServiceError::Timeout {
                namespace: self.namespace.clone(),
                name: name.to_string(),
            },
            _ => ServiceError::NodeShutdown,
        })
    }
}

impl fmt::Debug for ServiceRegistry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceRegistry")
            .field("node", &self.shared.name)
            .field("namespace", &self.namespace)
            .finish()
    }
}
