//! [`ActorOptions`] and [`Restart`]: how an actor runs, and when its
//! supervisor restarts it — what `#[actor(...)]` declares.

/// How an actor runs. See [`Node::spawn_with`](crate::Node::spawn_with).
///
/// ```
/// use foundation::ActorOptions;
///
/// let options = ActorOptions::new().blocking(true).name("archiver");
/// assert!(options.blocking);
/// assert_eq!(options.name.as_deref(), Some("archiver"));
/// assert!(!ActorOptions::default().blocking);
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActorOptions {
    /// Run on a thread of its own instead of the scheduler threads, so its
    /// handlers may block (file or network I/O, a blocking `call`) without
    /// holding up other actors — the BEAM's dirty schedulers. Same API
    /// otherwise.
    pub blocking: bool,
    /// A name to register the actor under in the node's
    /// [`ProcessRegistry`](crate::ProcessRegistry) before it first runs (so its `started` hook and
    /// everyone else can find it at once). The spawn fails if the name is
    /// taken. Like any registered name it follows the actor through
    /// supervised restarts and is released when the actor stops for good.
    pub name: Option<String>,
    /// Trap exits from the start of every incarnation, as if its `started`
    /// hook began with [`Context::trap_exit`](crate::Context::trap_exit)`(true)` — but already while
    /// it waits to run, so an exit signal from a link made at spawn
    /// ([`Context::spawn_link`](crate::Context::spawn_link)) reaches [`Actor::on_exit`](crate::Actor::on_exit) rather than
    /// stopping it.
    pub trap_exit: bool,
}

impl ActorOptions {
    /// The defaults: a scheduled (non-blocking) actor.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets [`ActorOptions::blocking`].
    pub fn blocking(mut self, blocking: bool) -> Self {
        self.blocking = blocking;
        self
    }

    /// Sets [`ActorOptions::name`].
    ///
    /// ```
    /// use foundation::{Actor, ActorOptions, Context, Node, SpawnError};
    ///
    /// struct Idle;
    /// impl Actor for Idle {
    ///     type Msg = ();
    ///     fn handle(&mut self, _: (), _: &mut Context<Self>) {}
    /// }
    ///
    /// let node = Node::builder().schedulers(1).start()?;
    /// let first = node.spawn_with(Idle, ActorOptions::new().name("unique"))?;
    /// assert_eq!(node.registry().lookup("unique"), Some(first.pid()));
    /// let second = node.spawn_with(Idle, ActorOptions::new().name("unique"));
    /// assert!(matches!(second, Err(SpawnError::Name { .. })));
    /// assert_eq!(node.actor_count(), 1); // the refused one never ran
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Sets [`ActorOptions::trap_exit`].
    ///
    /// ```
    /// use foundation::{Actor, ActorOptions, ActorRef, Context, ExitReason, Node, Pid};
    /// use std::sync::mpsc;
    ///
    /// struct Doomed;
    /// impl Actor for Doomed {
    ///     type Msg = ();
    ///     fn handle(&mut self, _: (), _: &mut Context<Self>) {
    ///         panic!("doomed")
    ///     }
    /// }
    ///
    /// /// Links itself to `doomed` and hears of its end.
    /// struct Watcher(ActorRef<Doomed>, mpsc::Sender<ExitReason>);
    /// impl Actor for Watcher {
    ///     type Msg = ();
    ///     fn handle(&mut self, _: (), ctx: &mut Context<Self>) {
    ///         ctx.link(&self.0).unwrap();
    ///         self.0.send(()).unwrap();
    ///     }
    ///     fn on_exit(&mut self, _: Pid, reason: ExitReason, _: &mut Context<Self>) {
    ///         self.1.send(reason).unwrap();
    ///     }
    /// }
    ///
    /// let node = Node::builder().schedulers(1).start()?;
    /// let (tx, rx) = mpsc::channel();
    /// let doomed = node.spawn(Doomed)?;
    /// let options = ActorOptions::new().trap_exit(true);
    /// let watcher = node.spawn_with(Watcher(doomed, tx), options)?;
    /// watcher.send(())?;
    /// assert_eq!(rx.recv()?, ExitReason::Panic("doomed".into()));
    /// assert!(watcher.is_alive());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn trap_exit(mut self, trap: bool) -> Self {
        self.trap_exit = trap;
        self
    }
}

/// When a child is restarted. See [`Strategy`](crate::Strategy) for an example.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Restart {
    /// Always.
    #[default]
    Permanent,
    /// Only after an abnormal exit (not [`ExitReason::Normal`](crate::ExitReason::Normal) or
    /// [`ExitReason::Shutdown`](crate::ExitReason::Shutdown)).
    Transient,
    /// Never; the child is forgotten once it exits.
    Temporary,
}
