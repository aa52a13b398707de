//! # Foundation
//!
//! The BEAM's concurrency primitives in Rust: lightweight actors scheduled M:N
//! over a few OS threads, typed mailboxes that never block the sender, and
//! failures that stay inside the actor that had them.
//!
//! ## Declaring actors
//!
//! Most programs declare their actors with two attributes: [`macro@actor`]
//! on the struct that holds an actor's state (with options such as a
//! registered `name` or a `restart` type), [`macro@handlers`] on its `impl`
//! block. Each public method becomes a message; the actor's handle gets one
//! typed method per handler: a send for a handler that returns nothing, a
//! call for one that returns a value.
//!
//! ```
//! use foundation::prelude::*;
//!
//! #[actor(name = "counter")]
//! #[derive(Default)]
//! pub struct Counter {
//!     total: u64,
//! }
//!
//! #[handlers]
//! impl Counter {
//!     /// Adds `n`: a send, it never waits.
//!     pub fn add(&mut self, n: u64) {
//!         self.total += n;
//!     }
//!
//!     /// The total: a call, it waits for the answer.
//!     pub fn total(&self) -> u64 {
//!         self.total
//!     }
//! }
//!
//! let node = Node::builder().schedulers(2).start()?;
//! let counter = node.spawn(Counter::default())?;
//! counter.add(5)?;
//! assert_eq!(counter.total()?, 5);
//! assert_eq!(node.registry().lookup("counter"), Some(counter.pid()));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The macros generate the message enum (`CounterMsg`), the [`Actor`] impl
//! and the handle's methods (`CounterExt`) as plain calls to the runtime
//! API; [`introspect::actors`] lists every declared actor. The rest of this
//! page is a tour of that runtime API, which works without the macros too.
//!
//! ## A node
//!
//! Everything runs on a [`Node`]: a pool of scheduler threads and the actors
//! they run. A process can hold several nodes; nothing is global.
//!
//! ```
//! use foundation::Node;
//!
//! let node = Node::builder().name("tour").schedulers(2).start()?;
//! assert_eq!(node.actor_count(), 0);
//! # Ok::<(), foundation::NodeError>(())
//! ```
//!
//! ## An actor
//!
//! An actor is a struct plus an [`Actor`] impl: one message type, and a
//! synchronous handler that takes one message at a time. Its state is its
//! own; nobody else can touch it, so it needs no locks.
//!
//! ```
//! use foundation::{Actor, Context, Node};
//! use std::sync::mpsc;
//!
//! enum Msg {
//!     Deposit(u64),
//!     Balance(mpsc::Sender<u64>),
//! }
//!
//! struct Account {
//!     balance: u64,
//! }
//!
//! impl Actor for Account {
//!     type Msg = Msg;
//!
//!     fn handle(&mut self, msg: Msg, _ctx: &mut Context<Self>) {
//!         match msg {
//!             Msg::Deposit(n) => self.balance += n,
//!             Msg::Balance(reply) => {
//!                 let _ = reply.send(self.balance);
//!             }
//!         }
//!     }
//! }
//!
//! let node = Node::builder().schedulers(2).start()?;
//! let account = node.spawn(Account { balance: 0 })?;
//! for _ in 0..10 {
//!     account.send(Msg::Deposit(10))?;
//! }
//! let (tx, rx) = mpsc::channel();
//! account.send(Msg::Balance(tx)).ok().expect("alive");
//! assert_eq!(rx.recv()?, 100);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [`ActorRef::send`] never blocks and never waits. Messages from one sender
//! arrive in the order they were sent. If the actor has stopped, the message
//! comes back inside [`SendError::Closed`]: nothing is silently dropped.
//!
//! ## Handles typed by message
//!
//! An [`ActorRef<A>`] names the actor's type. A [`Recipient<M>`] names only
//! the message: any actor whose message type `M` converts into can stand
//! behind it, which is what groups and routers need.
//!
//! ## Failure stays local
//!
//! A handler that panics stops its actor with [`ExitReason::Panic`]; the
//! node and every other actor go on. The panic is reported once: as a
//! `tracing` event when a subscriber is installed, or else as one line on
//! stderr (`[foundation ERROR] actor <0.1.0> panicked at …`) — never
//! silently, never as the raw panic message.
//!
//! ```
//! use foundation::{Actor, Context, ExitReason, Node};
//! use std::sync::mpsc;
//!
//! struct Fragile(mpsc::Sender<ExitReason>);
//! impl Actor for Fragile {
//!     type Msg = u32;
//!     fn handle(&mut self, divisor: u32, _: &mut Context<Self>) {
//!         let _ = 100 / divisor; // panics on 0
//!     }
//!     fn stopped(&mut self, reason: &ExitReason) {
//!         self.0.send(reason.clone()).unwrap();
//!     }
//! }
//!
//! let node = Node::builder().schedulers(1).start()?;
//! let (tx, rx) = mpsc::channel();
//! let fragile = node.spawn(Fragile(tx))?;
//! fragile.send(0)?;
//! assert!(matches!(rx.recv()?, ExitReason::Panic(_)));
//! assert_eq!(node.stats().panics, 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Calls and requests
//!
//! A request is a message variant that carries a [`ReplyTo<T>`]; the reply's
//! type is that `T`. From a plain thread, [`ActorRef::call`] waits for it;
//! from async code, [`ActorRef::call_async`] is a future; from a handler,
//! [`Context::request`] continues with the answer later, while the actor
//! keeps serving. None of them hangs: a stopped, panicking or silent callee,
//! or the timeout, ends the wait with a [`CallError`].
//!
//! ```
//! use foundation::{Actor, CallError, Context, Node, ReplyTo};
//! use std::time::Duration;
//!
//! enum Msg {
//!     Get(ReplyTo<u32>),
//!     Crash(ReplyTo<u32>),
//! }
//!
//! struct Store(u32);
//! impl Actor for Store {
//!     type Msg = Msg;
//!     fn handle(&mut self, msg: Msg, _: &mut Context<Self>) {
//!         match msg {
//!             Msg::Get(reply) => {
//!                 let _ = reply.reply(self.0);
//!             }
//!             Msg::Crash(_) => panic!("disk on fire"),
//!         }
//!     }
//! }
//!
//! let node = Node::builder().schedulers(1).start()?;
//! let store = node.spawn(Store(7))?;
//! let timeout = Duration::from_secs(5);
//! assert_eq!(store.call(Msg::Get, timeout), Ok(7));
//! assert_eq!(store.call(Msg::Crash, timeout), Err(CallError::Panicked));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! A call to an idle actor from outside the actors is handled on the
//! calling thread, which runs the actor as a scheduler thread would: no
//! thread is woken on either side (ADR 0010).
//!
//! ## Futures inside handlers
//!
//! A handler never awaits: it would hold the actor's mailbox. To use an
//! async client, [`Context::pipe`] runs a future on an executor the handler
//! names (a [`Spawner`]: a tokio runtime's handle, or any function that
//! starts a boxed future) and delivers its output as one of the actor's
//! messages, to a continuation with `&mut` access to its state. With the
//! `tokio` feature, `foundation::tokio` adds a tokio runtime as a
//! `Spawner`, calls timed by tokio and a shutdown awaited from a task;
//! `examples/web.rs` puts an axum server in front of actors.
//!
//! ```
//! use foundation::{Actor, Context, Node, PipeError, Spawner};
//! use std::sync::mpsc;
//!
//! struct Weather {
//!     io: Spawner,
//!     report: mpsc::Sender<Result<String, PipeError>>,
//! }
//! impl Actor for Weather {
//!     type Msg = &'static str;
//!     fn handle(&mut self, city: &'static str, ctx: &mut Context<Self>) {
//!         // An HTTP client's future would go here.
//!         let fetch = async move { format!("sunny in {city}") };
//!         ctx.pipe(&self.io, fetch).then(|me, _ctx, forecast| {
//!             me.report.send(forecast).unwrap();
//!         });
//!     }
//! }
//!
//! let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).build()?;
//! let handle = runtime.handle().clone();
//! let io = Spawner::new(move |future| {
//!     handle.spawn(future);
//! });
//! let node = Node::builder().schedulers(1).start()?;
//! let (tx, rx) = mpsc::channel();
//! node.spawn(Weather { io, report: tx })?.send("Lyon")?;
//! assert_eq!(rx.recv()?, Ok("sunny in Lyon".to_string()));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## One error type for applications
//!
//! Each operation returns its own narrow error ([`SendError`] hands the
//! message back, [`CallError`] says why no reply came); each converts into
//! [`Error`], with a stable code, a category, a severity and a retry
//! strategy, so `?` works in a function returning [`foundation::Result`](Result).
//! An [`ErrorContext`] adds breadcrumbs, and turns a panic inside it into
//! an `Error` — inside a handler, the handler's answer rather than the
//! actor's crash.
//!
//! ```
//! use foundation::{CallError, ErrorContext};
//!
//! let mut import = ErrorContext::new("import");
//! import.breadcrumb("file opened");
//! let error = import
//!     .with_context(|| -> Result<(), CallError> { Err(CallError::Timeout) })
//!     .unwrap_err();
//! assert_eq!(error.code().name(), "call.timeout");
//! assert!(error.is_retryable());
//! assert_eq!(error.breadcrumbs(), ["import", "file opened"]);
//! ```
//!
//! ## Configuration and events
//!
//! A node carries a [`config::Config`] — settings a program declares,
//! layered from defaults, TOML and `FOUNDATION_*` variables, read by path,
//! changed only where declared updatable, with subscribers told of each
//! change — and an [`events`] store: typed events stamped with the node's
//! clock, queried by type, time and correlation, sent to subscribers as one
//! shared buffer. Both belong to the node (`node.config()`,
//! `node.events()`, and from a handler `ctx.config()`, `ctx.events()`).
//!
//! ```
//! use foundation::config::{Config, Setting};
//! use foundation::events::Event;
//! use foundation::Node;
//!
//! let config = Config::builder()
//!     .setting(Setting::new("greeting", "hello").updatable())
//!     .env([("FOUNDATION_GREETING", "bonjour")])
//!     .build()?;
//! let node = Node::builder().schedulers(1).config(config).start()?;
//! assert_eq!(node.config().get::<String>("greeting")?, "bonjour");
//!
//! let said = node.events().store(Event::new("greeted", &"ada")?.correlation_id("visit-1"))?;
//! assert_eq!(node.events().by_correlation("visit-1"), [said]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Telemetry and protection
//!
//! A node's [`telemetry`] carries events with measurements to attached
//! handlers, counters, gauges and histograms — and the runtime's own
//! figures: spawns, exits, restarts per child, dead letters, mailbox depths,
//! flow control and memory — to the `metrics` facade (labelled with the
//! node's name) and to `tracing`, so an exporter or a subscriber sees them
//! with no glue. Calls to what may fail or be overwhelmed go through the
//! [`infrastructure`]: a rate limiter, a circuit breaker, a pool of
//! supervised workers, and `execute_protected` applying them in order.
//!
//! ```
//! use foundation::infrastructure::{execute_protected, CircuitBreaker, ProtectedError, Protection};
//! use foundation::Node;
//! use std::time::Duration;
//!
//! let node = Node::builder().name("edge").schedulers(1).start()?;
//! node.telemetry().counter("edge.requests")?.increment(1);
//! assert_eq!(node.telemetry().metrics_for("edge")[0].value.as_f64(), 1.0);
//!
//! let breaker = CircuitBreaker::new(&node, "upstream", 1, Duration::from_secs(30))?;
//! let protection = Protection::unpooled().breaker(&breaker);
//! let _ = execute_protected("k", &protection, |_| Err::<(), _>("down")).wait();
//! let refused = execute_protected("k", &protection, |_| Ok::<_, &str>(())).wait();
//! assert!(matches!(refused, Err(ProtectedError::CircuitOpen(_))));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Time
//!
//! [`Context::send_after`] and [`Context::send_interval`] put messages in
//! the future on the node's [`Clock`]; tests use a [`ManualClock`] and move
//! time by hand instead of sleeping.
//!
//! ## Blocking work
//!
//! An actor spawned with [`ActorOptions::blocking`] runs on a thread of its
//! own, so it may block on I/O (or `call` other actors) without holding up
//! the scheduler threads.
//!
//! ## Links, monitors and kills
//!
//! As in Erlang: [`Context::link`] (or [`Context::spawn_link`]) ties two
//! actors' fates — an abnormal exit of one stops the other with
//! [`ExitReason::Linked`], unless it traps exits ([`Context::trap_exit`]),
//! in which case [`Actor::on_exit`] hears of it. [`Context::monitor`] only
//! watches: [`Actor::on_down`] gets one [`Down`]. Both are bound to one
//! incarnation and fire once, in order after the messages the dead actor
//! sent. [`ActorRef::kill`] stops an actor ahead of its queued messages —
//! even one stuck in a handler, whose thread a stand-in replaces.
//!
//! ## Supervision
//!
//! A [`Supervisor`] starts children from [`ChildSpec`]s, in order, and
//! restarts them by OTP's rules ([`Strategy`], [`Restart`], a restart
//! intensity that escalates to its own supervisor). Like OTP's
//! `start_link`, [`SupervisorSpec::spawn`] returns once every child has
//! started, or with a [`StartError`] naming the child that could not. A
//! restarted child keeps its address — the same [`ActorRef`], the messages
//! queued for it — and gets a new incarnation in its [`Pid`];
//! [`SupervisorEvent`]s tell subscribers of every exit and restart. What is
//! never handled is recorded as a [`DeadLetter`]. `docs/patterns.md` shows
//! a worker pool with retries, state that survives a restart and names per
//! instance.
//!
//! ```
//! use foundation::{Actor, ChildSpec, Context, Node, ReplyTo, Supervisor};
//! use std::time::Duration;
//!
//! enum Msg {
//!     Add(u64),
//!     Total(ReplyTo<u64>),
//!     Corrupt,
//! }
//!
//! #[derive(Default)]
//! struct Ledger(u64);
//! impl Actor for Ledger {
//!     type Msg = Msg;
//!     fn handle(&mut self, msg: Msg, _: &mut Context<Self>) {
//!         match msg {
//!             Msg::Add(n) => self.0 += n,
//!             Msg::Total(reply) => {
//!                 let _ = reply.reply(self.0);
//!             }
//!             Msg::Corrupt => panic!("corrupt entry"),
//!         }
//!     }
//! }
//!
//! let node = Node::builder().schedulers(2).start()?;
//! let sup = Supervisor::builder()
//!     .child(ChildSpec::new("ledger", Ledger::default))
//!     .spawn(&node)?;
//! let ledger = sup.child::<Ledger>("ledger")?.expect("a Ledger");
//! ledger.send(Msg::Add(1))?;
//! ledger.send(Msg::Corrupt)?; // crashes; the supervisor restarts it
//! ledger.send(Msg::Add(2))?; // queued behind the crash: kept
//! assert_eq!(ledger.call(Msg::Total, Duration::from_secs(5)), Ok(2));
//! assert_eq!(ledger.pid().incarnation(), 1);
//! assert_eq!(node.dead_letters().count(), 1); // the `Corrupt` message
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Ecosystems
//!
//! An ecosystem is a supervised group started, watched and stopped as one
//! unit: a coordinator, a pool of workers with a [`Routing`], extra
//! children and nested ecosystems. [`spawn_ecosystem`] returns an
//! [`Ecosystem`] handle once every member has started; its pool
//! ([`WorkerPool`], which the coordinator's factory receives) routes
//! without a call, workers are added and removed while jobs flow (a
//! removed worker drains first), and [`ecosystem_health`] reports every
//! member. `#[ecosystem]` declares one on a struct whose fields are the
//! members, and turns it into a typed handle.
//!
//! ```
//! use foundation::prelude::*;
//!
//! #[actor]
//! #[derive(Default)]
//! pub struct Shard {
//!     total: u64,
//! }
//!
//! #[handlers]
//! impl Shard {
//!     pub fn add(&mut self, n: u64) {
//!         self.total += n;
//!     }
//!     pub fn total(&self) -> u64 {
//!         self.total
//!     }
//! }
//!
//! #[ecosystem(name = "ledger", strategy = "one_for_one", max_restarts = 3, within = "5s")]
//! pub struct Ledger {
//!     #[coordinator]
//!     books: Shard,
//!     #[workers(count = 4, route = "least_loaded")]
//!     shards: Shard,
//! }
//!
//! let node = Node::builder().schedulers(2).start()?;
//! let ledger = Ledger::spawn(&node)?;
//! ledger.books.add(5)?; // ShardExt, on the coordinator's ActorRef
//! for n in 1..=8 {
//!     ledger.shards.route(ShardMsg::Add(n)).expect("a shard");
//! }
//! ledger.ecosystem().add_worker()?;
//! assert_eq!(ledger.shards.len(), 5);
//! assert!(ledger.health().status.is_healthy());
//! println!("{}", ledger.health()); // a tree: each member's status, mailbox, restarts, rate
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Names, groups and services
//!
//! Each node has a [`ProcessRegistry`] (unique names, as Erlang's
//! `register`), [`ProcessGroups`] (Erlang's `pg`: named sets of
//! [`Recipient`]s, with broadcast) and a [`ServiceRegistry`] (namespaced
//! services with health checks and [`ServiceRegistry::wait_for_service`]).
//! Their entries belong to the actor's address: they follow a supervised
//! child through restarts and vanish when the actor stops for good.
//!
//! ```
//! use foundation::{Actor, Context, Node, ReplyTo};
//! use std::time::Duration;
//!
//! #[derive(Clone)]
//! struct Rate(u64);
//!
//! enum Msg {
//!     Rate(Rate),
//!     Quote(ReplyTo<u64>),
//! }
//! impl From<Rate> for Msg {
//!     fn from(rate: Rate) -> Self {
//!         Msg::Rate(rate)
//!     }
//! }
//!
//! struct Desk(u64);
//! impl Actor for Desk {
//!     type Msg = Msg;
//!     fn handle(&mut self, msg: Msg, _: &mut Context<Self>) {
//!         match msg {
//!             Msg::Rate(Rate(r)) => self.0 = r,
//!             Msg::Quote(reply) => {
//!                 let _ = reply.reply(self.0);
//!             }
//!         }
//!     }
//! }
//!
//! let node = Node::builder().schedulers(2).start()?;
//! let (paris, tokyo) = (node.spawn(Desk(0))?, node.spawn(Desk(0))?);
//! node.registry().register("paris", paris.pid())?;
//! for desk in [&paris, &tokyo] {
//!     node.groups().join("desks", desk.recipient::<Rate>())?;
//! }
//! node.groups().broadcast("desks", Rate(42))?;
//! let desk = node.registry().lookup_ref::<Desk>("paris")?;
//! assert_eq!(desk.call(Msg::Quote, Duration::from_secs(5)), Ok(42));
//! assert_eq!(tokyo.call(Msg::Quote, Duration::from_secs(5)), Ok(42));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Flow control
//!
//! A mailbox says what happens when messages come faster than its actor
//! handles them ([`Flow`], ADR 0007). By default (`automatic`) it takes
//! messages up to a high watermark; above it, an actor that sends to it is
//! *muted* — it runs nothing more until the mailbox has drained to half
//! the mark — and a thread outside actors is refused with
//! [`SendError::Overloaded`], its message handed back
//! ([`ActorRef::send_timeout`] waits instead). `manual` bounds the mailbox
//! and refuses with [`SendError::Full`]. `credit_based` gives the receiver
//! a pool of credits: producers send through a [`Producer`], spending one
//! credit per message, are refused with [`SendError::NoCredit`] when the
//! pool is spent, and are told when the receiver gives credit back.
//! Nothing is dropped in any mode. [`send_with_flow_control`] is the one
//! call over the modes; [`send_optimized`] and [`broadcast_optimized`]
//! send bytes as a shared [`Bytes`] buffer (a broadcast of 1 MiB to a
//! thousand actors costs 1 MiB); [`message_size_analysis`] says what a
//! message weighs and what broadcasting it costs.
//!
//! ```
//! use foundation::prelude::*;
//! use std::time::Duration;
//!
//! #[actor(mailbox = 64)] // a high watermark of 64 messages
//! #[derive(Default)]
//! struct Sink { seen: u64 }
//!
//! #[handlers]
//! impl Sink {
//!     pub fn take(&mut self, _n: u64) { self.seen += 1; }
//!     pub fn seen(&self) -> u64 { self.seen }
//! }
//!
//! let node = Node::builder().schedulers(1).start()?;
//! let sink = node.spawn(Sink::default())?;
//! let mut sent = 0;
//! for n in 0..10_000 {
//!     // From a thread: waits whenever the sink is above its mark.
//!     sink.send_timeout(SinkMsg::Take(n), Duration::from_secs(5))?;
//!     sent += 1;
//! }
//! assert_eq!(sink.seen()?, sent);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Memory
//!
//! Install [`memory::AccountingAllocator`] as the program's global
//! allocator and every actor's live bytes are counted —
//! [`ActorRef::memory`], [`NodeStats::memory`], [`ecosystem_health`] —
//! exactly, wherever they are freed (an owner tag per allocation). Per
//! actor, `#[actor(max_heap = "16MiB")]` stops an actor whose memory is
//! over the limit between messages, with [`ExitReason::MemoryLimit`], and
//! its supervisor restarts it in place; `memory = "shared"` counts its
//! large payloads once, in the node's shared pool; `memory =
//! "gc_optimized"` hibernates it when idle (`hibernate_after = "30s"`),
//! every N messages (`hibernate_every = N`) or under memory pressure
//! ([`NodeBuilder::memory_pressure`]): its [`Actor::compact`] hook runs and
//! its mailbox gives back its last block. Without the allocator every
//! figure says "not measured". See [`memory`] and `examples/pipeline.rs`.
//!
//! ```rust,standalone_crate
//! use foundation::memory::AccountingAllocator;
//! use foundation::prelude::*;
//!
//! #[global_allocator]
//! static ALLOCATOR: AccountingAllocator = AccountingAllocator::new();
//!
//! /// Keeps everything it is given: a leak, which its limit stops.
//! #[actor(max_heap = "1MiB")]
//! #[derive(Default)]
//! struct Hoarder(Vec<Vec<u8>>);
//!
//! #[handlers]
//! impl Hoarder {
//!     pub fn keep(&mut self, bytes: usize) {
//!         self.0.push(vec![0; bytes]);
//!     }
//!     pub fn held(&self) -> usize {
//!         self.0.len()
//!     }
//! }
//!
//! let node = Node::builder().schedulers(1).start()?;
//! let sup = Supervisor::builder()
//!     .child(ChildSpec::new("hoarder", Hoarder::default))
//!     .spawn(&node)?;
//! let hoarder: ActorRef<Hoarder> = sup.child("hoarder")?.expect("started");
//! for _ in 0..3 {
//!     hoarder.keep(400 << 10)?; // over 1 MiB after the third
//! }
//! // Stopped with `MemoryLimit` after the third, restarted in place: the
//! // call queued behind reaches the new, empty incarnation.
//! assert_eq!(hoarder.held()?, 0);
//! assert!(hoarder.memory().bytes().unwrap() < 1 << 20);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## An orderly end
//!
//! [`Node::shutdown`] (or dropping the last `Node` handle) stops every actor
//! — each runs its [`Actor::stopped`] hook; supervision trees stop in
//! reverse start order — and joins every thread.
//!
//! ## How it runs
//!
//! Each scheduler thread has a local run queue and steals from the others
//! when idle; an actor is scheduled at most once at a time, handles at most a
//! *budget* of messages per run (BEAM's reductions), then yields. An actor
//! woken by a handler's send runs next on the sender's thread, so a
//! request/response pair stays on one core. Mailboxes are purpose-built
//! lock-free queues that allocate nothing while idle. See `docs/adr/` for the
//! decisions behind this.

#![deny(missing_docs)]
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(clippy::undocumented_unsafe_blocks)]

mod actor;
mod call;
mod cell;
pub mod config;
mod dead_letter;
mod ecosystem;
mod error;
pub mod events;
mod exit;
mod heartbeat;
pub mod infrastructure;
pub mod introspect;
mod mailbox;
pub mod memory;
mod message_size;
mod messages;
mod names;
mod node;
mod panic;
mod pid;
mod recipient;
mod report;
mod scheduler;
mod supervisor;
mod sync;
mod task;
pub mod telemetry;
mod timer;
#[cfg(feature = "tokio")]
pub mod tokio;

#[cfg(all(test, loom))]
mod loom_tests;

/// `docs/patterns.md`, whose examples run as this crate's doctests.
#[cfg(doctest)]
#[doc = include_str!("../../docs/patterns.md")]
mod patterns {}

/// The guides of `docs/guide/`, shown here so that every code block in them
/// compiles and runs as one of this crate's doctests (`cargo test -p
/// foundation --doc guide`).
///
/// - [`getting_started`](crate::guide::getting_started): from `cargo new` to a
///   supervised pair of actors, a call, a crash and its restart.
/// - [`from_otp`](crate::guide::from_otp): each OTP pattern and its Foundation
///   equivalent, and where the semantics differ.
/// - [`from_actix_kameo_ractor`](crate::guide::from_actix_kameo_ractor): the same
///   for the Rust peers' users.
/// - [`performance`](crate::guide::performance): the cost model, every figure
///   with the bench that reproduces it.
/// - [`troubleshooting`](crate::guide::troubleshooting): symptom, cause, fix.
#[cfg(any(doc, doctest))]
pub mod guide {
    #[doc = include_str!("../../docs/guide/getting-started.md")]
    pub mod getting_started {}
    #[doc = include_str!("../../docs/guide/from-otp.md")]
    pub mod from_otp {}
    #[doc = include_str!("../../docs/guide/from-actix-kameo-ractor.md")]
    pub mod from_actix_kameo_ractor {}
    #[doc = include_str!("../../docs/guide/performance.md")]
    pub mod performance {}
    #[doc = include_str!("../../docs/guide/troubleshooting.md")]
    pub mod troubleshooting {}
}

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

pub use foundation_macros::{MessageSize, actor, ecosystem, handlers};

pub use actor::{Actor, ActorOptions, ActorRef, Context, Flow, Producer, Restart};
pub use call::{
    BoxFuture, CallError, CallFuture, DEFAULT_CALL_TIMEOUT, Pipe, PipeError, ReplyTo, Request,
    Spawner,
};
pub use dead_letter::{DEAD_LETTER_HISTORY, DeadLetter, DeadLetters};
pub use ecosystem::{
    AddWorker, DeclaredEcosystem, Ecosystem, EcosystemError, EcosystemHealth, EcosystemSpec,
    EcosystemStatus, MemberHealth, MemberStatus, RemoveWorker, Role, RouteError, Routing,
    WorkerPool, ecosystem_health, ecosystem_supervisor, spawn_ecosystem,
};
pub use error::context::ErrorContext;
pub use error::{
    Error, ErrorCategory, ErrorCode, LinkError, NodeError, Result, RetryStrategy, SendError,
    Severity, ShutdownError, SpawnError,
};
pub use exit::{Down, ExitReason, MonitorRef, StartFailure};
pub use message_size::{BroadcastCost, MessageSize, SizeReport, Sizes, message_size_analysis};
pub use messages::{
    Bytes, OptimizeOptions, Payload, SendMode, broadcast_optimized, send_optimized,
    send_with_flow_control,
};
pub use names::{
    Broadcast, Group, GroupChange, GroupError, GroupEvent, Health, HealthCheck, LookupError,
    NamedSendError, Namespace, ProcessGroups, ProcessRegistry, RegisterError, ServiceError,
    ServiceFuture, ServiceInfo, ServiceOptions, ServiceRefFuture, ServiceRegistry, WaitForService,
    WaitForServiceRef,
};
pub use node::{Node, NodeBuilder, NodeStats, WeakNode};
pub use pid::{ParsePidError, Pid};
pub use recipient::Recipient;
pub use supervisor::{
    ChildCounts, ChildInfo, ChildSpec, Shutdown, SpecError, StartError, StartSupervisor, Strategy,
    Supervisor, SupervisorError, SupervisorEvent, SupervisorMsg, SupervisorRef, SupervisorSpec,
};
pub use timer::{Clock, ManualClock, TimerError, TimerRef};

/// The names most programs need: `use foundation::prelude::*;`.
///
/// ```
/// use foundation::prelude::*;
///
/// #[actor]
/// #[derive(Default)]
/// struct Counter(u64);
///
/// #[handlers]
/// impl Counter {
///     pub fn add(&mut self, n: u64) {
///         self.0 += n;
///     }
///     pub fn total(&self) -> u64 {
///         self.0
///     }
/// }
///
/// let node = Node::builder().schedulers(1).start()?;
/// let counter = node.spawn(Counter::default())?;
/// counter.add(2)?;
/// assert_eq!(counter.total()?, 2);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub mod prelude {
    pub use crate::{
        Actor, ActorOptions, ActorRef, CallError, ChildSpec, Context, DeclaredEcosystem, Down,
        Ecosystem, EcosystemSpec, ExitReason, Node, Pid, Recipient, ReplyTo, Restart, Routing,
        SendError, SpawnError, Strategy, Supervisor, WorkerPool, actor, ecosystem, handlers,
    };
}
