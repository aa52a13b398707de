//! Links, monitors and exit trapping, from inside a handler (the cell keeps
//! them: `cell/links.rs`).
use std::sync::Arc;

use crate::actor::{Actor, ActorRef, Context};
use crate::cell::spawn::spawn_cell;
use crate::error::{LinkError, SpawnError};
use crate::exit::MonitorRef;
use crate::pid::Pid;
use crate::task::{Runnable, Task};

impl<A: Actor> Context<A> {
    /// Traps exits (or stops trapping): an exit of a linked actor then
    /// arrives at [`Actor::on_exit`] instead of stopping this one. A kill
    /// cannot be trapped.
    ///
    /// ```
    /// use foundation::{Actor, Context, ExitReason, Node, Pid};
    /// use std::sync::mpsc;
    ///
    /// struct Doomed;
    /// impl Actor for Doomed {
    ///     type Msg = ();
    ///     fn handle(&mut self, _: (), _: &mut Context<Self>) {
    ///         panic!("doomed");
    ///     }
    /// }
    ///
    /// struct Keeper(mpsc::Sender<(Pid, ExitReason)>);
    /// impl Actor for Keeper {
    ///     type Msg = ();
    ///     fn started(&mut self, ctx: &mut Context<Self>) {
    ///         ctx.trap_exit(true);
    ///         let doomed = ctx.spawn_link(Doomed).expect("running");
    ///         doomed.send(()).unwrap();
    ///     }
    ///     fn handle(&mut self, _: (), _: &mut Context<Self>) {}
    ///     fn on_exit(&mut self, from: Pid, reason: ExitReason, _: &mut Context<Self>) {
    ///         self.0.send((from, reason)).unwrap();
    ///     }
    /// }
    ///
    /// let node = Node::builder().schedulers(1).start()?;
    /// let (tx, rx) = mpsc::channel();
    /// let keeper = node.spawn(Keeper(tx))?;
    /// let (_, reason) = rx.recv()?;
    /// assert_eq!(reason, ExitReason::Panic("doomed".into()));
    /// assert!(keeper.is_alive());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn trap_exit(&self, trap: bool) {
        if self.is_current() {
            self.cell.set_trap_exit(trap);
        }
    }

    /// Links this actor to `other`: when either exits abnormally, the other
    /// stops too with [`ExitReason::Linked`](crate::ExitReason::Linked), unless it traps exits (then it
    /// hears of it in [`Actor::on_exit`]). A link binds these two
    /// incarnations and fires once. Linking twice is one link.
    ///
    /// # Errors
    ///
    /// [`LinkError::NotAlive`] if `other` has stopped;
    /// [`LinkError::Stale`] if this context's incarnation was killed.
    ///
    /// ```
    /// # use foundation::prelude::*;
    /// # let node = Node::builder().schedulers(1).start()?;
    /// #[actor]
    /// struct Partner;
    /// #[handlers]
    /// impl Partner {
    ///     pub fn fail(&mut self) { panic!("partner down"); }
    /// }
    /// #[actor]
    /// struct Pair;
    /// #[handlers]
    /// impl Pair {
    ///     pub fn tie(&self, other: ActorRef<Partner>, ctx: &mut Context<Self>) -> bool {
    ///         ctx.link(&other).is_ok()
    ///     }
    /// }
    /// let (pair, partner) = (node.spawn(Pair)?, node.spawn(Partner)?);
    /// assert!(pair.tie(partner.clone())?);
    /// partner.fail()?; // its crash stops the pair too (which does not trap exits)
    /// # let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    /// while pair.is_alive() {
    /// #     assert!(std::time::Instant::now() < deadline);
    ///     std::thread::yield_now();
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn link<B: Actor>(&self, other: &ActorRef<B>) -> Result<(), LinkError> {
        let Some(them) = other.cell.current_pid() else {
            return Err(LinkError::NotAlive(other.pid()));
        };
        self.link_task(them, Arc::clone(&other.cell) as Task)
    }

    /// Links this actor to the actor `pid` (of this node), as
    /// [`Context::link`] does to a handle: the pid names one incarnation,
    /// and a pid of an incarnation that has ended is not alive.
    ///
    /// ```
    /// use foundation::{Actor, Context, ExitReason, Node, Pid};
    /// use std::sync::mpsc;
    ///
    /// struct Doomed;
    /// impl Actor for Doomed {
    ///     type Msg = ();
    ///     fn handle(&mut self, _: (), _: &mut Context<Self>) {
    ///         panic!("doomed");
    ///     }
    /// }
    ///
    /// /// Links to whatever pid it is sent, trapping exits.
    /// struct Watcher(mpsc::Sender<(Pid, ExitReason)>);
    /// impl Actor for Watcher {
    ///     type Msg = Pid;
    ///     fn started(&mut self, ctx: &mut Context<Self>) {
    ///         ctx.trap_exit(true);
    ///     }
    ///     fn handle(&mut self, pid: Pid, ctx: &mut Context<Self>) {
    ///         ctx.link_pid(pid).unwrap();
    ///     }
    ///     fn on_exit(&mut self, from: Pid, reason: ExitReason, _: &mut Context<Self>) {
    ///         self.0.send((from, reason)).unwrap();
    ///     }
    /// }
    ///
    /// let node = Node::builder().schedulers(1).start()?;
    /// let (tx, rx) = mpsc::channel();
    /// let watcher = node.spawn(Watcher(tx))?;
    /// let doomed = node.spawn(Doomed)?;
    /// watcher.send(doomed.pid())?;
    /// while watcher.mailbox_len() > 0 { std::thread::yield_now(); }
    /// std::thread::sleep(std::time::Duration::from_millis(10));
    /// doomed.send(())?;
    /// assert_eq!(rx.recv()?, (doomed.pid(), ExitReason::Panic("doomed".into())));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`LinkError::NotAlive`] if no live incarnation of this node has that
    /// pid; [`LinkError::Stale`] if this context's incarnation was killed.
    pub fn link_pid(&self, pid: Pid) -> Result<(), LinkError> {
        let task = self.resolve_current(pid)?;
        self.link_task(pid, task)
    }

    /// The live, current incarnation `pid` of this node.
    fn resolve_current(&self, pid: Pid) -> Result<Task, LinkError> {
        self.cell
            .shared
            .resolve(pid)
            .filter(|task| task.current_pid() == Some(pid))
            .ok_or(LinkError::NotAlive(pid))
    }

    /// Links this incarnation and `them` (the current incarnation of
    /// `them_task`), both ways.
    fn link_task(&self, them: Pid, them_task: Task) -> Result<(), LinkError> {
        let me = self.current()?;
        if them == me {
            return Ok(());
        }
        if !Runnable::add_link(&*self.cell, me, them, Arc::clone(&them_task)) {
            return Err(LinkError::Stale(me));
        }
        if !them_task.add_link(them, me, self.task()) {
            Runnable::remove_link(&*self.cell, me, them);
            return Err(LinkError::NotAlive(them));
        }
        Ok(())
    }

    /// Removes the link to `other`, both ways; a signal of that link already
    /// on its way is void. Nothing happens if there was none.
    ///
    /// ```
    /// use foundation::{Actor, ActorRef, Context, Node};
    ///
    /// struct Doomed;
    /// impl Actor for Doomed {
    ///     type Msg = ();
    ///     fn handle(&mut self, _: (), _: &mut Context<Self>) {
    ///         panic!("doomed");
    ///     }
    /// }
    ///
    /// struct Loner(ActorRef<Doomed>);
    /// impl Actor for Loner {
    ///     type Msg = ();
    ///     fn handle(&mut self, _: (), ctx: &mut Context<Self>) {
    ///         ctx.link(&self.0).unwrap();
    ///         ctx.unlink(&self.0); // changed its mind
    ///         self.0.send(()).unwrap();
    ///     }
    /// }
    ///
    /// let node = Node::builder().schedulers(1).start()?;
    /// let doomed = node.spawn(Doomed)?;
    /// let loner = node.spawn(Loner(doomed.clone()))?;
    /// loner.send(())?;
    /// while doomed.is_alive() {
    ///     std::thread::yield_now();
    /// }
    /// std::thread::sleep(std::time::Duration::from_millis(10));
    /// assert!(loner.is_alive());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn unlink<B: Actor>(&self, other: &ActorRef<B>) {
        let Ok(me) = self.current() else { return };
        let them = other.pid();
        self.cell.remove_link(me, them);
        other.cell.remove_link(them, me);
    }

    /// Removes the link to the actor `pid`, both ways (only this side if it
    /// has stopped). Nothing happens if there was none.
    ///
    /// ```
    /// use foundation::{Actor, Context, Node, Pid};
    ///
    /// struct Doomed;
    /// impl Actor for Doomed {
    ///     type Msg = ();
    ///     fn handle(&mut self, _: (), _: &mut Context<Self>) {
    ///         panic!("doomed");
    ///     }
    /// }
    ///
    /// /// Links to a pid and changes its mind at once.
    /// struct Loner;
    /// impl Actor for Loner {
    ///     type Msg = Pid;
    ///     fn handle(&mut self, pid: Pid, ctx: &mut Context<Self>) {
    ///         ctx.link_pid(pid).unwrap();
    ///         ctx.unlink_pid(pid);
    ///     }
    /// }
    ///
    /// let node = Node::builder().schedulers(1).start()?;
    /// let doomed = node.spawn(Doomed)?;
    /// let loner = node.spawn(Loner)?;
    /// loner.send(doomed.pid())?;
    /// while loner.mailbox_len() > 0 { std::thread::yield_now(); }
    /// std::thread::sleep(std::time::Duration::from_millis(10));
    /// doomed.send(())?;
    /// while doomed.is_alive() { std::thread::yield_now(); }
    /// std::thread::sleep(std::time::Duration::from_millis(10));
    /// assert!(loner.is_alive());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn unlink_pid(&self, pid: Pid) {
        let Ok(me) = self.current() else { return };
        self.cell.remove_link(me, pid);
        if let Some(task) = self.cell.shared.resolve(pid) {
            task.remove_link(pid, me);
        }
    }

    /// Spawns `actor` linked to this one (before it first runs, so no exit
    /// can slip between). See [`Context::trap_exit`] for an example.
    ///
    /// # Errors
    ///
    /// As [`Context::spawn`].
    ///
    /// ```
    /// # use foundation::prelude::*;
    /// # let node = Node::builder().schedulers(1).start()?;
    /// #[actor]
    /// struct Helper;
    /// #[handlers]
    /// impl Helper {}
    /// #[actor]
    /// struct Boss;
    /// #[handlers]
    /// impl Boss {
    ///     /// Spawned and linked in one step: no window where the helper could
    ///     /// die unnoticed.
    ///     pub fn hire(&self, ctx: &mut Context<Self>) -> Option<ActorRef<Helper>> {
    ///         ctx.spawn_link(Helper).ok()
    ///     }
    /// }
    /// let boss = node.spawn(Boss)?;
    /// let helper = boss.hire()?.expect("spawned");
    /// boss.stop(); // a shutdown is not a normal exit: it reaches the helper
    /// # let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    /// while helper.is_alive() {
    /// #     assert!(std::time::Instant::now() < deadline);
    ///     std::thread::yield_now();
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn spawn_link<B: Actor>(&self, actor: B) -> Result<ActorRef<B>, SpawnError> {
        let me = self.pid;
        let my_task = self.task();
        let my_cell = Arc::clone(&self.cell);
        spawn_cell(
            &self.cell.shared,
            actor,
            B::options(),
            None,
            None,
            move |child| {
                let child_pid = child.pid();
                if my_cell.add_link(me, child_pid, Arc::clone(child) as Task) {
                    child.add_link(child_pid, me, my_task);
                }
            },
        )
    }

    /// Monitors `target`: when that incarnation exits, for any reason, this
    /// actor's [`Actor::on_down`] hears of it, once.
    ///
    /// A monitor follows one incarnation. A supervised child has none
    /// between its exit and its restart, so monitoring it again from
    /// `on_down` fails with [`LinkError::NotAlive`] whenever the restart has
    /// not happened yet. To follow a child across restarts, subscribe to its
    /// supervisor's [`SupervisorEvent`](crate::SupervisorEvent)s and monitor
    /// the pid each `Started` event carries (see
    /// [`SupervisorRef::subscribe`](crate::SupervisorRef::subscribe)).
    ///
    /// ```
    /// use foundation::{Actor, ActorRef, Context, Down, ExitReason, Node};
    /// use std::sync::mpsc;
    ///
    /// struct Brief;
    /// impl Actor for Brief {
    ///     type Msg = ();
    ///     fn handle(&mut self, _: (), ctx: &mut Context<Self>) {
    ///         ctx.stop();
    ///     }
    /// }
    ///
    /// struct Watcher(ActorRef<Brief>, mpsc::Sender<Down>);
    /// impl Actor for Watcher {
    ///     type Msg = ();
    ///     fn started(&mut self, ctx: &mut Context<Self>) {
    ///         ctx.monitor(&self.0).expect("alive");
    ///         self.0.send(()).unwrap();
    ///     }
    ///     fn handle(&mut self, _: (), _: &mut Context<Self>) {}
    ///     fn on_down(&mut self, down: Down, _: &mut Context<Self>) {
    ///         self.1.send(down).unwrap();
    ///     }
    /// }
    ///
    /// let node = Node::builder().schedulers(1).start()?;
    /// let brief = node.spawn(Brief)?;
    /// let (tx, rx) = mpsc::channel();
    /// node.spawn(Watcher(brief.clone(), tx))?;
    /// let down = rx.recv()?;
    /// assert_eq!((down.pid, down.reason), (brief.pid(), ExitReason::Normal));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`LinkError::NotAlive`] if `target` has stopped;
    /// [`LinkError::Stale`] if this context's incarnation was killed.
    pub fn monitor<B: Actor>(&self, target: &ActorRef<B>) -> Result<MonitorRef, LinkError> {
        let Some(them) = target.cell.current_pid() else {
            return Err(LinkError::NotAlive(target.pid()));
        };
        self.monitor_task(them, &*target.cell)
    }

    /// Monitors the actor `pid` (of this node), as [`Context::monitor`]
    /// does a handle.
    ///
    /// ```
    /// use foundation::{Actor, Context, Down, ExitReason, Node, Pid};
    /// use std::sync::mpsc;
    ///
    /// struct Brief;
    /// impl Actor for Brief {
    ///     type Msg = ();
    ///     fn handle(&mut self, _: (), ctx: &mut Context<Self>) {
    ///         ctx.stop();
    ///     }
    /// }
    ///
    /// struct Watcher(mpsc::Sender<Down>);
    /// impl Actor for Watcher {
    ///     type Msg = Pid;
    ///     fn handle(&mut self, pid: Pid, ctx: &mut Context<Self>) {
    ///         ctx.monitor_pid(pid).unwrap();
    ///     }
    ///     fn on_down(&mut self, down: Down, _: &mut Context<Self>) {
    ///         self.0.send(down).unwrap();
    ///     }
    /// }
    ///
    /// let node = Node::builder().schedulers(1).start()?;
    /// let (tx, rx) = mpsc::channel();
    /// let watcher = node.spawn(Watcher(tx))?;
    /// let brief = node.spawn(Brief)?;
    /// watcher.send(brief.pid())?;
    /// while watcher.mailbox_len() > 0 { std::thread::yield_now(); }
    /// std::thread::sleep(std::time::Duration::from_millis(10));
    /// brief.send(())?;
    /// let down = rx.recv()?;
    /// assert_eq!((down.pid, down.reason), (brief.pid(), ExitReason::Normal));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`LinkError::NotAlive`] if no live incarnation of this node has that
    /// pid; [`LinkError::Stale`] if this context's incarnation was killed.
    pub fn monitor_pid(&self, pid: Pid) -> Result<MonitorRef, LinkError> {
        let task = self.resolve_current(pid)?;
        self.monitor_task(pid, &*task)
    }

    /// Monitors `them`, the current incarnation of `target`.
    fn monitor_task(&self, them: Pid, target: &dyn Runnable) -> Result<MonitorRef, LinkError> {
        let me = self.current()?;
        let monitor = MonitorRef(
            self.cell
                .shared
                .next_monitor
                .fetch_add(1, core::sync::atomic::Ordering::Relaxed),
        );
        if !target.add_monitor(them, monitor, me, self.task()) {
            return Err(LinkError::NotAlive(them));
        }
        Ok(monitor)
    }

    /// Removes a monitor of `target`; a `Down` already queued still arrives.
    ///
    /// ```
    /// use foundation::{Actor, ActorRef, Context, Down, Node};
    /// use std::sync::mpsc;
    ///
    /// struct Target;
    /// impl Actor for Target {
    ///     type Msg = ();
    ///     fn handle(&mut self, _: (), ctx: &mut Context<Self>) {
    ///         ctx.stop();
    ///     }
    /// }
    ///
    /// struct Fickle(ActorRef<Target>, mpsc::Sender<Down>);
    /// impl Actor for Fickle {
    ///     type Msg = ();
    ///     fn handle(&mut self, _: (), ctx: &mut Context<Self>) {
    ///         let m = ctx.monitor(&self.0).unwrap();
    ///         ctx.demonitor(&self.0, m);
    ///         self.0.send(()).unwrap();
    ///     }
    ///     fn on_down(&mut self, down: Down, _: &mut Context<Self>) {
    ///         self.1.send(down).unwrap();
    ///     }
    /// }
    ///
    /// let node = Node::builder().schedulers(1).start()?;
    /// let target = node.spawn(Target)?;
    /// let (tx, rx) = mpsc::channel();
    /// node.spawn(Fickle(target.clone(), tx))?.send(())?;
    /// while target.is_alive() {
    ///     std::thread::yield_now();
    /// }
    /// assert!(rx.recv_timeout(std::time::Duration::from_millis(50)).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn demonitor<B: Actor>(&self, target: &ActorRef<B>, monitor: MonitorRef) {
        target.cell.remove_monitor(target.pid(), monitor);
    }

    /// Removes a monitor of the actor `pid`; a `Down` already queued still
    /// arrives. Nothing happens if it has stopped.
    ///
    /// ```
    /// use foundation::{Actor, Context, Down, Node, Pid};
    /// use std::sync::mpsc;
    ///
    /// struct Brief;
    /// impl Actor for Brief {
    ///     type Msg = ();
    ///     fn handle(&mut self, _: (), ctx: &mut Context<Self>) {
    ///         ctx.stop();
    ///     }
    /// }
    ///
    /// struct Fickle(mpsc::Sender<Down>);
    /// impl Actor for Fickle {
    ///     type Msg = Pid;
    ///     fn handle(&mut self, pid: Pid, ctx: &mut Context<Self>) {
    ///         let m = ctx.monitor_pid(pid).unwrap();
    ///         ctx.demonitor_pid(pid, m);
    ///     }
    ///     fn on_down(&mut self, down: Down, _: &mut Context<Self>) {
    ///         self.0.send(down).unwrap();
    ///     }
    /// }
    ///
    /// let node = Node::builder().schedulers(1).start()?;
    /// let (tx, rx) = mpsc::channel();
    /// let fickle = node.spawn(Fickle(tx))?;
    /// let brief = node.spawn(Brief)?;
    /// fickle.send(brief.pid())?;
    /// while fickle.mailbox_len() > 0 { std::thread::yield_now(); }
    /// std::thread::sleep(std::time::Duration::from_millis(10));
    /// brief.send(())?;
    /// assert!(rx.recv_timeout(std::time::Duration::from_millis(50)).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn demonitor_pid(&self, pid: Pid, monitor: MonitorRef) {
        if let Some(task) = self.cell.shared.resolve(pid) {
            task.remove_monitor(pid, monitor);
        }
    }
}
