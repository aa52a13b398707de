//! The service registry's table: namespace → name → actor (with its
//! health check), and the callers waiting for a service to appear.

use core::fmt;
use core::sync::atomic::AtomicU64;
use core::sync::atomic::Ordering::Relaxed;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use crate::call::reply::{CallError, Slot};
use crate::pid::Pid;
use crate::task::Task;

/// A service's health check: `Ok(())` for healthy, or what is wrong. Set
/// with [`ServiceOptions::health_check`](crate::ServiceOptions::health_check).
///
/// ```
/// use foundation::HealthCheck;
/// use std::sync::Arc;
///
/// let check: HealthCheck = Arc::new(|| Err("replica lag 30 s".to_string()));
/// assert_eq!(check(), Err("replica lag 30 s".to_string()));
/// ```
pub type HealthCheck = Arc<dyn Fn() -> Result<(), String> + Send + Sync>;

/// Where a service lives: the production namespace, or an isolated test
/// namespace that sees only its own services.
///
/// ```
/// use foundation::Namespace;
///
/// assert_eq!(Namespace::default(), Namespace::Production);
/// assert_eq!(Namespace::test("case-1"), Namespace::test("case-1"));
/// assert_ne!(Namespace::isolated(), Namespace::isolated()); // fresh each time
/// assert!(Namespace::test("case-1").is_test());
/// assert_eq!(Namespace::test("case-1").to_string(), "test:case-1");
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub enum Namespace {
    /// Where the application's services live.
    #[default]
    Production,
    /// A namespace of its own, for one test.
    Test(Arc<str>),
}

impl Namespace {
    /// The test namespace `name`.
    ///
    /// ```
    /// use foundation::Namespace;
    ///
    /// assert_eq!(Namespace::test("billing-tests").to_string(), "test:billing-tests");
    /// ```
    pub fn test(name: &str) -> Self {
        Namespace::Test(Arc::from(name))
    }

    /// A test namespace no other caller gets.
    ///
    /// ```
    /// use foundation::Namespace;
    ///
    /// assert_ne!(Namespace::isolated(), Namespace::isolated()); // a new one each time
    /// ```
    pub fn isolated() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        Namespace::Test(Arc::from(format!(
            "isolated-{}",
            NEXT.fetch_add(1, Relaxed)
        )))
    }

    /// Whether this is a test namespace.
    ///
    /// ```
    /// use foundation::Namespace;
    ///
    /// assert!(Namespace::isolated().is_test());
    /// assert!(!Namespace::Production.is_test());
    /// ```
    pub fn is_test(&self) -> bool {
        matches!(self, Namespace::Test(_))
    }
}

impl fmt::Display for Namespace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Namespace::Production => f.write_str("production"),
            Namespace::Test(name) => write!(f, "test:{name}"),
        }
    }
}

pub(crate) struct Service {
    pub(crate) number: u64,
    pub(crate) task: Task,
    pub(crate) check: Option<HealthCheck>,
}

pub(crate) type Waiter = Arc<Slot<Pid>>;

#[derive(Default)]
pub(crate) struct Space {
    pub(crate) services: HashMap<Arc<str>, Service>,
    pub(crate) waiters: HashMap<Arc<str>, Vec<Waiter>>,
}

/// Namespace → its services and the callers waiting for some.
pub(crate) struct ServiceTable {
    pub(crate) spaces: RwLock<Spaces>,
}

#[derive(Default)]
pub(crate) struct Spaces {
    pub(crate) map: HashMap<Namespace, Space>,
    /// The node has shut down: nobody waits any more.
    pub(crate) closed: bool,
}

impl core::ops::Deref for Spaces {
    type Target = HashMap<Namespace, Space>;
    fn deref(&self) -> &Self::Target {
        &self.map
    }
}

impl core::ops::DerefMut for Spaces {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.map
    }
}

impl ServiceTable {
    pub(crate) fn new() -> Self {
        ServiceTable {
            spaces: RwLock::new(Spaces::default()),
        }
    }

    pub(crate) fn read(&self) -> std::sync::RwLockReadGuard<'_, Spaces> {
        self.spaces.read().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn write(&self) -> std::sync::RwLockWriteGuard<'_, Spaces> {
        self.spaces.write().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn remove_if_held(&self, namespace: &Namespace, name: &str, number: u64) {
        let mut spaces = self.write();
        if let Some(space) = spaces.get_mut(namespace)
            && space.services.get(name).is_some_and(|s| s.number == number)
        {
            space.services.remove(name);
        }
    }

    /// Fails every waiter and forgets every service.
    pub(crate) fn shutdown(&self) {
        let spaces = {
            let mut spaces = self.write();
            spaces.closed = true;
            core::mem::take(&mut spaces.map)
        };
        for space in spaces.into_values() {
            for waiter in space.waiters.into_values().flatten() {
                let _ = waiter.complete(Err(CallError::Stopped));
            }
        }
    }

    pub(crate) fn get(
        &self,
        namespace: &Namespace,
        name: &str,
    ) -> Option<(Task, Option<HealthCheck>)> {
        self.read()
            .get(namespace)
            .and_then(|space| space.services.get(name))
            .map(|s| (Arc::clone(&s.task), s.check.clone()))
    }
}
