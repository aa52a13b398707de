//! What the program contains: every actor declared with `#[actor]`, its
//! options and its handlers, collected at link time (with
//! [`inventory`](https://docs.rs/inventory)) — so a node, a health page or a
//! test can list them without anyone keeping a list by hand.
//!
//! ```
//! use foundation::prelude::*;
//!
//! #[actor(name = "thermostat", restart = "transient")]
//! struct Thermostat {
//!     target: f32,
//! }
//!
//! #[handlers]
//! impl Thermostat {
//!     pub fn set(&mut self, target: f32) {
//!         self.target = target;
//!     }
//!     pub fn target(&self) -> f32 {
//!         self.target
//!     }
//! }
//!
//! let actors = foundation::introspect::actors();
//! let thermostat = actors.iter().find(|a| a.name() == "Thermostat").unwrap();
//! assert!(thermostat.type_path().ends_with("::Thermostat"));
//! assert_eq!(thermostat.options().name, Some("thermostat"));
//! assert_eq!(thermostat.options().restart, Restart::Transient);
//! let handlers: Vec<_> = thermostat.handlers().iter().map(|h| h.name).collect();
//! assert_eq!(handlers, ["set", "target"]);
//! ```

use std::fmt;

use crate::Restart;

/// Implemented by `#[actor(...)]` for the type it is on: the options it
/// declared. The `Actor` impl that `#[handlers]` writes reads them, so a
/// `#[handlers]` block without `#[actor]` is an error naming this trait.
///
/// ```
/// use foundation::introspect::Declared;
/// use foundation::prelude::*;
///
/// #[actor(restart = "temporary")]
/// struct Probe;
///
/// #[handlers]
/// impl Probe {}
///
/// assert_eq!(<Probe as Declared>::OPTIONS.restart, Restart::Temporary);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` has a `#[handlers]` block but no `#[actor]`",
    label = "`#[handlers]` needs `#[actor]` on this type",
    note = "put `#[actor]` (with its options, if any) on the declaration of `{Self}`"
)]
pub trait Declared {
    /// The declared options.
    const OPTIONS: DeclaredOptions;
}

/// Implemented by `#[handlers]` for the type of its block: the handlers,
/// in order. `#[actor]` reads them, so an `#[actor]` without a
/// `#[handlers]` block is an error naming this trait.
///
/// ```
/// use foundation::introspect::HasHandlers;
/// use foundation::prelude::*;
///
/// #[actor]
/// struct Probe;
///
/// #[handlers]
/// impl Probe {
///     pub fn ping(&self) -> bool {
///         true
///     }
/// }
///
/// assert_eq!(<Probe as HasHandlers>::HANDLERS[0].name, "ping");
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` has `#[actor]` but no `#[handlers]` block",
    label = "this actor has no handlers",
    note = "write `#[handlers] impl {Self} {{ .. }}` with its handlers (an empty block is fine)"
)]
pub trait HasHandlers {
    /// The handlers, in order.
    const HANDLERS: &'static [HandlerInfo];
}

/// The options an `#[actor(...)]` declared (the defaults where it said
/// nothing).
///
/// See the [module](self) for an example.
///
/// ```
/// use foundation::introspect::{self, HandlerKind};
/// use foundation::prelude::*;
///
/// #[actor(name = "thermostat", restart = "transient")]
/// #[derive(Default)]
/// pub struct Thermostat(f32);
///
/// #[handlers]
/// impl Thermostat {
///     pub fn set(&mut self, target: f32) {
///         self.0 = target;
///     }
///     pub fn target(&self) -> f32 {
///         self.0
///     }
/// }
///
/// let info = introspect::actors().into_iter().find(|a| a.name() == "Thermostat").unwrap();
/// let options = info.options();
/// assert_eq!((options.name, options.restart, options.blocking), (Some("thermostat"), Restart::Transient, false));
/// // The same, as spawn options:
/// assert_eq!(options.to_actor_options().name.as_deref(), Some("thermostat"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeclaredOptions {
    /// `name = ".."`: the name the actor registers under at spawn.
    pub name: Option<&'static str>,
    /// `restart = ".."`: its restart type under a supervisor.
    pub restart: Restart,
    /// `blocking`: it runs on a thread of its own.
    pub blocking: bool,
    /// `trap_exit`: every incarnation starts trapping exits.
    pub trap_exit: bool,
    /// `flow = ".."`: its mailbox's flow control.
    pub flow: crate::Flow,
    /// `mailbox = N`: the bound of a `manual` mailbox, the high watermark
    /// of an `automatic` one, the credit pool of a `credit_based` one.
    pub mailbox: Option<u32>,
    /// `memory = ".."`: its memory strategy.
    pub memory: crate::memory::MemoryStrategy,
    /// `max_heap = ".."`: its memory limit, in bytes.
    pub max_heap: Option<u64>,
    /// `hibernate_after = ".."`: a `gc_optimized` actor hibernates after
    /// this long without a message.
    pub hibernate_after: Option<core::time::Duration>,
    /// `hibernate_every = N`: a `gc_optimized` actor hibernates after
    /// every N messages.
    pub hibernate_every: Option<u32>,
}

impl DeclaredOptions {
    /// The defaults: no name, permanent, scheduled, not trapping exits, an
    /// automatic mailbox.
    pub const DEFAULT: DeclaredOptions = DeclaredOptions {
        name: None,
        restart: Restart::Permanent,
        blocking: false,
        trap_exit: false,
        flow: crate::Flow::Automatic,
        mailbox: None,
        memory: crate::memory::MemoryStrategy::Isolated,
        max_heap: None,
        hibernate_after: None,
        hibernate_every: None,
    };

    /// The runtime options these declare.
    ///
    /// ```
    /// use foundation::introspect::DeclaredOptions;
    ///
    /// use foundation::Flow;
    ///
    /// let declared = DeclaredOptions { blocking: true, ..DeclaredOptions::DEFAULT };
    /// assert!(declared.to_actor_options().blocking);
    /// let bounded = DeclaredOptions { flow: Flow::Manual, mailbox: Some(64), ..DeclaredOptions::DEFAULT };
    /// assert_eq!(bounded.to_actor_options().mailbox, Some(64));
    /// ```
    pub fn to_actor_options(&self) -> crate::ActorOptions {
        let mut options = crate::ActorOptions::new()
            .blocking(self.blocking)
            .trap_exit(self.trap_exit)
            .flow(self.flow);
        if let Some(name) = self.name {
            options = options.name(name);
        }
        if let Some(bound) = self.mailbox {
            options = options.mailbox(bound);
        }
        options = options.memory(self.memory);
        if let Some(bytes) = self.max_heap {
            options = options.max_heap(bytes);
        }
        if let Some(idle) = self.hibernate_after {
            options = options.hibernate_after(idle);
        }
        if let Some(messages) = self.hibernate_every {
            options = options.hibernate_every(messages);
        }
        options
    }
}

/// The options as `#[actor(...)]` writes them, those left at their
/// defaults left out (`#[actor]` for none).
///
/// ```
/// use foundation::introspect::DeclaredOptions;
/// use foundation::memory::MemoryStrategy;
/// use foundation::Flow;
/// use std::time::Duration;
///
/// assert_eq!(DeclaredOptions::DEFAULT.to_string(), "#[actor]");
/// let declared = DeclaredOptions {
///     name: Some("cache"),
///     flow: Flow::Manual,
///     mailbox: Some(64),
///     memory: MemoryStrategy::GcOptimized,
///     max_heap: Some(16 << 20),
///     hibernate_after: Some(Duration::from_secs(30)),
///     ..DeclaredOptions::DEFAULT
/// };
/// assert_eq!(
///     declared.to_string(),
///     r#"#[actor(name = "cache", flow = "manual", mailbox = 64, memory = "gc_optimized", max_heap = "16MiB", hibernate_after = "30s")]"#
/// );
/// ```
impl core::fmt::Display for DeclaredOptions {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let mut parts: Vec<String> = Vec::new();
        if let Some(name) = self.name {
            parts.push(format!("name = {name:?}"));
        }
        match self.restart {
            Restart::Permanent => {}
            Restart::Transient => parts.push("restart = \"transient\"".into()),
            Restart::Temporary => parts.push("restart = \"temporary\"".into()),
        }
        if self.blocking {
            parts.push("blocking".into());
        }
        if self.trap_exit {
            parts.push("trap_exit".into());
        }
        match self.flow {
            crate::Flow::Automatic => {}
            crate::Flow::Manual => parts.push("flow = \"manual\"".into()),
            crate::Flow::CreditBased => parts.push("flow = \"credit_based\"".into()),
        }
        if let Some(n) = self.mailbox {
            parts.push(format!("mailbox = {n}"));
        }
        if self.memory != crate::memory::MemoryStrategy::Isolated {
            parts.push(format!("memory = \"{}\"", self.memory));
        }
        if let Some(bytes) = self.max_heap {
            parts.push(format!("max_heap = \"{}\"", size_text(bytes)));
        }
        if let Some(idle) = self.hibernate_after {
            parts.push(format!("hibernate_after = \"{}\"", duration_text(idle)));
        }
        if let Some(n) = self.hibernate_every {
            parts.push(format!("hibernate_every = {n}"));
        }
        if parts.is_empty() {
            f.write_str("#[actor]")
        } else {
            write!(f, "#[actor({})]", parts.join(", "))
        }
    }
}

/// A size as `max_heap` takes it: the largest binary unit it is a whole
/// number of.
fn size_text(bytes: u64) -> String {
    for (unit, factor) in [("GiB", 1u64 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)] {
        if bytes.is_multiple_of(factor) {
            return format!("{}{unit}", bytes / factor);
        }
    }
    format!("{bytes}B")
}

/// A duration as `hibernate_after` takes it.
fn duration_text(d: core::time::Duration) -> String {
    let ms = d.as_millis();
    if ms == 0 {
        return "0ms".into();
    }
    for (unit, factor) in [("h", 3_600_000u128), ("min", 60_000), ("s", 1_000)] {
        if ms.is_multiple_of(factor) {
            return format!("{}{unit}", ms / factor);
        }
    }
    format!("{ms}ms")
}

impl Default for DeclaredOptions {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// How a handler is reached from an [`ActorRef`](crate::ActorRef).
///
/// See the [module](self) for an example.
///
/// ```
/// use foundation::introspect::{self, HandlerKind};
/// use foundation::prelude::*;
///
/// #[actor(name = "thermostat", restart = "transient")]
/// #[derive(Default)]
/// pub struct Thermostat(f32);
///
/// #[handlers]
/// impl Thermostat {
///     pub fn set(&mut self, target: f32) {
///         self.0 = target;
///     }
///     pub fn target(&self) -> f32 {
///         self.0
///     }
/// }
///
/// let info = introspect::actors().into_iter().find(|a| a.name() == "Thermostat").unwrap();
/// assert_eq!(info.handlers()[0].kind, HandlerKind::Send); // set: returns nothing
/// assert_eq!(info.handlers()[1].kind, HandlerKind::Call); // target: returns a value
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HandlerKind {
    /// It returns nothing: a fire-and-forget send.
    Send,
    /// It returns a value (or answers through a `ReplyTo`): a call.
    Call,
}

/// One handler of a `#[handlers]` block.
///
/// See the [module](self) for an example.
///
/// ```
/// use foundation::introspect::{self, HandlerKind};
/// use foundation::prelude::*;
///
/// #[actor(name = "thermostat", restart = "transient")]
/// #[derive(Default)]
/// pub struct Thermostat(f32);
///
/// #[handlers]
/// impl Thermostat {
///     pub fn set(&mut self, target: f32) {
///         self.0 = target;
///     }
///     pub fn target(&self) -> f32 {
///         self.0
///     }
/// }
///
/// let info = introspect::actors().into_iter().find(|a| a.name() == "Thermostat").unwrap();
/// let set = &info.handlers()[0];
/// assert_eq!((set.name, set.kind), ("set", HandlerKind::Send));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct HandlerInfo {
    /// The method's name.
    pub name: &'static str,
    /// Send or call.
    pub kind: HandlerKind,
}

/// One actor type declared with `#[actor]`.
///
/// See the [module](self) for an example.
///
/// ```
/// use foundation::introspect::{self, HandlerKind};
/// use foundation::prelude::*;
///
/// #[actor(name = "thermostat", restart = "transient")]
/// #[derive(Default)]
/// pub struct Thermostat(f32);
///
/// #[handlers]
/// impl Thermostat {
///     pub fn set(&mut self, target: f32) {
///         self.0 = target;
///     }
///     pub fn target(&self) -> f32 {
///         self.0
///     }
/// }
///
/// let info = introspect::actors().into_iter().find(|a| a.name() == "Thermostat").unwrap();
/// assert_eq!(info.name(), "Thermostat");
/// assert_eq!(info.handlers().len(), 2);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct ActorInfo {
    registration: &'static crate::__private::ActorRegistration,
    handlers: &'static [HandlerInfo],
}

impl ActorInfo {
    /// The type's name, without generic parameters (`Counter`).
    ///
    /// ```
    /// use foundation::introspect::{self, HandlerKind};
    /// use foundation::prelude::*;
    ///
    /// #[actor(name = "thermostat", restart = "transient")]
    /// #[derive(Default)]
    /// pub struct Thermostat(f32);
    ///
    /// #[handlers]
    /// impl Thermostat {
    ///     pub fn set(&mut self, target: f32) {
    ///         self.0 = target;
    ///     }
    ///     pub fn target(&self) -> f32 {
    ///         self.0
    ///     }
    /// }
    ///
    /// let info = introspect::actors().into_iter().find(|a| a.name() == "Thermostat").unwrap();
    /// assert_eq!(info.name(), "Thermostat");
    /// ```
    pub fn name(&self) -> &'static str {
        self.registration.name
    }

    /// The type's path (`my_crate::billing::Counter`).
    ///
    /// ```
    /// use foundation::introspect::{self, HandlerKind};
    /// use foundation::prelude::*;
    ///
    /// #[actor(name = "thermostat", restart = "transient")]
    /// #[derive(Default)]
    /// pub struct Thermostat(f32);
    ///
    /// #[handlers]
    /// impl Thermostat {
    ///     pub fn set(&mut self, target: f32) {
    ///         self.0 = target;
    ///     }
    ///     pub fn target(&self) -> f32 {
    ///         self.0
    ///     }
    /// }
    ///
    /// let info = introspect::actors().into_iter().find(|a| a.name() == "Thermostat").unwrap();
    /// assert!(info.type_path().ends_with("::Thermostat")); // module_path!() and the name
    /// ```
    pub fn type_path(&self) -> &'static str {
        self.registration.type_path
    }

    /// Whether the type has generic parameters (it is listed once, for
    /// every instantiation).
    ///
    /// ```
    /// use foundation::introspect::{self, HandlerKind};
    /// use foundation::prelude::*;
    ///
    /// #[actor(name = "thermostat", restart = "transient")]
    /// #[derive(Default)]
    /// pub struct Thermostat(f32);
    ///
    /// #[handlers]
    /// impl Thermostat {
    ///     pub fn set(&mut self, target: f32) {
    ///         self.0 = target;
    ///     }
    ///     pub fn target(&self) -> f32 {
    ///         self.0
    ///     }
    /// }
    ///
    /// let info = introspect::actors().into_iter().find(|a| a.name() == "Thermostat").unwrap();
    /// assert!(!info.is_generic());
    /// ```
    pub fn is_generic(&self) -> bool {
        self.registration.generic
    }

    /// What its `#[actor(...)]` declared.
    ///
    /// ```
    /// use foundation::introspect::{self, HandlerKind};
    /// use foundation::prelude::*;
    ///
    /// #[actor(name = "thermostat", restart = "transient")]
    /// #[derive(Default)]
    /// pub struct Thermostat(f32);
    ///
    /// #[handlers]
    /// impl Thermostat {
    ///     pub fn set(&mut self, target: f32) {
    ///         self.0 = target;
    ///     }
    ///     pub fn target(&self) -> f32 {
    ///         self.0
    ///     }
    /// }
    ///
    /// let info = introspect::actors().into_iter().find(|a| a.name() == "Thermostat").unwrap();
    /// assert_eq!(info.options().name, Some("thermostat"));
    /// assert_eq!(info.options().restart, Restart::Transient);
    /// ```
    pub fn options(&self) -> &'static DeclaredOptions {
        &self.registration.options
    }

    /// Its handlers, in the order its `#[handlers]` block lists them.
    ///
    /// ```
    /// use foundation::introspect::{self, HandlerKind};
    /// use foundation::prelude::*;
    ///
    /// #[actor(name = "thermostat", restart = "transient")]
    /// #[derive(Default)]
    /// pub struct Thermostat(f32);
    ///
    /// #[handlers]
    /// impl Thermostat {
    ///     pub fn set(&mut self, target: f32) {
    ///         self.0 = target;
    ///     }
    ///     pub fn target(&self) -> f32 {
    ///         self.0
    ///     }
    /// }
    ///
    /// let info = introspect::actors().into_iter().find(|a| a.name() == "Thermostat").unwrap();
    /// let handlers: Vec<_> = info.handlers().iter().map(|h| (h.name, h.kind)).collect();
    /// assert_eq!(handlers, [("set", HandlerKind::Send), ("target", HandlerKind::Call)]);
    /// ```
    pub fn handlers(&self) -> &'static [HandlerInfo] {
        self.handlers
    }
}

impl fmt::Display for ActorInfo {
    /// `my_crate::Counter [name = "counter", transient, flow = "manual",
    /// mailbox = 64] add(send) total(call)`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.type_path())?;
        if self.is_generic() {
            f.write_str("<..>")?;
        }
        let o = self.options();
        let mut flags = Vec::new();
        if let Some(name) = o.name {
            flags.push(format!("name = {name:?}"));
        }
        if o.restart != Restart::Permanent {
            flags.push(format!("{:?}", o.restart).to_lowercase());
        }
        if o.blocking {
            flags.push("blocking".into());
        }
        if o.trap_exit {
            flags.push("trap_exit".into());
        }
        match o.flow {
            crate::Flow::Automatic => {}
            crate::Flow::Manual => flags.push("flow = \"manual\"".into()),
            crate::Flow::CreditBased => flags.push("flow = \"credit_based\"".into()),
        }
        if let Some(bound) = o.mailbox {
            flags.push(format!("mailbox = {bound}"));
        }
        if !flags.is_empty() {
            write!(f, " [{}]", flags.join(", "))?;
        }
        for h in self.handlers() {
            let kind = match h.kind {
                HandlerKind::Send => "send",
                HandlerKind::Call => "call",
            };
            write!(f, " {}({kind})", h.name)?;
        }
        Ok(())
    }
}

/// Every actor type declared with `#[actor]` in the program (all crates
/// linked into it), sorted by type path.
///
/// See the [module](self) for an example.
///
/// ```
/// use foundation::introspect::{self, HandlerKind};
/// use foundation::prelude::*;
///
/// #[actor(name = "thermostat", restart = "transient")]
/// #[derive(Default)]
/// pub struct Thermostat(f32);
///
/// #[handlers]
/// impl Thermostat {
///     pub fn set(&mut self, target: f32) {
///         self.0 = target;
///     }
///     pub fn target(&self) -> f32 {
///         self.0
///     }
/// }
///
/// let info = introspect::actors().into_iter().find(|a| a.name() == "Thermostat").unwrap();
/// // One line per declared actor type: a program's actors at a glance.
/// for actor in introspect::actors() {
///     println!("{actor}");
/// }
/// assert!(info.to_string().ends_with("set(send) target(call)"));
/// ```
pub fn actors() -> Vec<ActorInfo> {
    use crate::__private::{ActorRegistration, GenericHandlers};
    let mut all: Vec<ActorInfo> = inventory::iter::<ActorRegistration>
        .into_iter()
        .map(|registration| ActorInfo {
            registration,
            handlers: match registration.handlers {
                Some(handlers) => handlers,
                // A generic actor's handlers registered themselves by path.
                None => inventory::iter::<GenericHandlers>
                    .into_iter()
                    .find(|h| h.type_path == registration.type_path)
                    .map_or(&[], |h| h.handlers),
            },
        })
        .collect();
    all.sort_by_key(|a| a.type_path());
    all
}

/// One member of a declared ecosystem (see [`ecosystems`]).
///
/// ```
/// use foundation::prelude::*;
///
/// #[actor]
/// #[derive(Default)]
/// pub struct Probe;
/// #[handlers]
/// impl Probe {}
///
/// #[ecosystem(name = "probes", strategy = "one_for_all")]
/// pub struct Probes {
///     #[coordinator]
///     lead: Probe,
///     #[workers(count = 3, route = "least_loaded")]
///     probes: Probe,
/// }
///
/// let all = foundation::introspect::ecosystems();
/// let info = all.iter().find(|e| e.name() == "probes").unwrap();
/// let workers = &info.members()[1];
/// assert_eq!((workers.field, workers.role, workers.count, workers.route), ("probes", "workers", 3, "least_loaded"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemberDecl {
    /// The field's name: an extra child's id too (the coordinator is
    /// the child `"coordinator"`, the workers `"worker-0"`, `"worker-1"`, …;
    /// a nested ecosystem goes by its own name).
    pub field: &'static str,
    /// `"coordinator"`, `"workers"`, `"child"` or `"nested"`.
    pub role: &'static str,
    /// The field's type, as written.
    pub type_name: &'static str,
    /// For the workers: how many, and their routing.
    pub count: usize,
    /// For the workers: `"round_robin"`, `"least_loaded"`, `"key_hash"`
    /// or `"broadcast"`; empty otherwise.
    pub route: &'static str,
}

/// One ecosystem declared with `#[ecosystem]` (see [`ecosystems`]).
///
/// ```
/// use foundation::prelude::*;
///
/// #[actor]
/// #[derive(Default)]
/// pub struct Probe;
/// #[handlers]
/// impl Probe {}
///
/// #[ecosystem(name = "probes", strategy = "one_for_all")]
/// pub struct Probes {
///     #[coordinator]
///     lead: Probe,
///     #[workers(count = 3, route = "least_loaded")]
///     probes: Probe,
/// }
///
/// let all = foundation::introspect::ecosystems();
/// let info = all.iter().find(|e| e.name() == "probes").unwrap();
/// assert_eq!((info.type_name(), info.strategy()), ("Probes", "one_for_all"));
/// ```
#[derive(Debug, Clone, Copy)]
pub struct EcosystemInfo {
    registration: &'static crate::__private::EcosystemRegistration,
}

impl EcosystemInfo {
    /// The struct's name.
    ///
    /// ```
    /// use foundation::prelude::*;
    ///
    /// #[actor]
    /// #[derive(Default)]
    /// pub struct Probe;
    /// #[handlers]
    /// impl Probe {}
    ///
    /// #[ecosystem(name = "probes", strategy = "one_for_all")]
    /// pub struct Probes {
    ///     #[coordinator]
    ///     lead: Probe,
    ///     #[workers(count = 3, route = "least_loaded")]
    ///     probes: Probe,
    /// }
    ///
    /// let all = foundation::introspect::ecosystems();
    /// let info = all.iter().find(|e| e.name() == "probes").unwrap();
    /// assert_eq!(info.type_name(), "Probes");
    /// ```
    pub fn type_name(&self) -> &'static str {
        self.registration.type_name
    }

    /// The struct's path (`module_path!()` and its name).
    ///
    /// ```
    /// use foundation::prelude::*;
    ///
    /// #[actor]
    /// #[derive(Default)]
    /// pub struct Probe;
    /// #[handlers]
    /// impl Probe {}
    ///
    /// #[ecosystem(name = "probes", strategy = "one_for_all")]
    /// pub struct Probes {
    ///     #[coordinator]
    ///     lead: Probe,
    ///     #[workers(count = 3, route = "least_loaded")]
    ///     probes: Probe,
    /// }
    ///
    /// let all = foundation::introspect::ecosystems();
    /// let info = all.iter().find(|e| e.name() == "probes").unwrap();
    /// assert!(info.type_path().ends_with("::Probes"));
    /// ```
    pub fn type_path(&self) -> &'static str {
        self.registration.type_path
    }

    /// The ecosystem's registered name.
    ///
    /// ```
    /// use foundation::prelude::*;
    ///
    /// #[actor]
    /// #[derive(Default)]
    /// pub struct Probe;
    /// #[handlers]
    /// impl Probe {}
    ///
    /// #[ecosystem(name = "probes", strategy = "one_for_all")]
    /// pub struct Probes {
    ///     #[coordinator]
    ///     lead: Probe,
    ///     #[workers(count = 3, route = "least_loaded")]
    ///     probes: Probe,
    /// }
    ///
    /// let all = foundation::introspect::ecosystems();
    /// let info = all.iter().find(|e| e.name() == "probes").unwrap();
    /// assert_eq!(info.name(), "probes"); // `#[ecosystem(name = "..")]`
    /// ```
    pub fn name(&self) -> &'static str {
        self.registration.name
    }

    /// Its supervision strategy, as written (`"one_for_one"` …).
    ///
    /// ```
    /// use foundation::prelude::*;
    ///
    /// #[actor]
    /// #[derive(Default)]
    /// pub struct Probe;
    /// #[handlers]
    /// impl Probe {}
    ///
    /// #[ecosystem(name = "probes", strategy = "one_for_all")]
    /// pub struct Probes {
    ///     #[coordinator]
    ///     lead: Probe,
    ///     #[workers(count = 3, route = "least_loaded")]
    ///     probes: Probe,
    /// }
    ///
    /// let all = foundation::introspect::ecosystems();
    /// let info = all.iter().find(|e| e.name() == "probes").unwrap();
    /// assert_eq!(info.strategy(), "one_for_all");
    /// ```
    pub fn strategy(&self) -> &'static str {
        self.registration.strategy
    }

    /// Its members, in declaration order (the coordinator and the workers
    /// start first whatever their place: see `EcosystemSpec`).
    ///
    /// ```
    /// use foundation::prelude::*;
    ///
    /// #[actor]
    /// #[derive(Default)]
    /// pub struct Probe;
    /// #[handlers]
    /// impl Probe {}
    ///
    /// #[ecosystem(name = "probes", strategy = "one_for_all")]
    /// pub struct Probes {
    ///     #[coordinator]
    ///     lead: Probe,
    ///     #[workers(count = 3, route = "least_loaded")]
    ///     probes: Probe,
    /// }
    ///
    /// let all = foundation::introspect::ecosystems();
    /// let info = all.iter().find(|e| e.name() == "probes").unwrap();
    /// let roles: Vec<_> = info.members().iter().map(|m| (m.field, m.role)).collect();
    /// assert_eq!(roles, [("lead", "coordinator"), ("probes", "workers")]);
    /// assert_eq!(info.members()[1].route, "least_loaded");
    /// ```
    pub fn members(&self) -> &'static [MemberDecl] {
        self.registration.members
    }
}

impl fmt::Display for EcosystemInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} ({:?}, {}):",
            self.type_path(),
            self.name(),
            self.strategy()
        )?;
        for m in self.members() {
            match m.role {
                "workers" => write!(f, " {}: {} x{} {}", m.field, m.type_name, m.count, m.route)?,
                role => write!(f, " {}: {} ({role})", m.field, m.type_name)?,
            }
        }
        Ok(())
    }
}

/// Every ecosystem declared with `#[ecosystem]` in the program, sorted by
/// type path: what [`actors`] is for actors.
///
/// ```
/// use foundation::prelude::*;
///
/// #[actor]
/// #[derive(Default)]
/// pub struct Probe;
/// #[handlers]
/// impl Probe {}
///
/// #[ecosystem(name = "probes")]
/// pub struct Probes {
///     #[coordinator]
///     lead: Probe,
///     #[workers(count = 3, route = "least_loaded")]
///     probes: Probe,
/// }
///
/// let all = foundation::introspect::ecosystems();
/// let probes = all.iter().find(|e| e.name() == "probes").unwrap();
/// assert_eq!(probes.type_name(), "Probes");
/// assert_eq!(probes.members()[1].count, 3);
/// assert!(probes.to_string().ends_with("probes: Probe x3 least_loaded"));
/// ```
pub fn ecosystems() -> Vec<EcosystemInfo> {
    let mut all: Vec<EcosystemInfo> = inventory::iter::<crate::__private::EcosystemRegistration>
        .into_iter()
        .map(|registration| EcosystemInfo { registration })
        .collect();
    all.sort_by_key(|e| e.type_path());
    all
}
