//! Procedural macros of the Foundation actor runtime: [`macro@actor`] and
//! [`macro@handlers`]. Use them through `foundation` (`use
//! foundation::prelude::*;`), which re-exports them; they expand to plain
//! calls to its public API (and to `foundation::__private`, a hidden module
//! of marker traits and link-time registration), nothing else.
//!
//! Each macro is built in three layers: a typed model of what was written,
//! checks that record every error (all of them reach the user in one
//! build, each at its token), and code generation. On an error the original
//! item is still emitted, so one mistake is one message.

#![deny(missing_docs)]

mod actor;
mod ecosystem;
mod handlers;
mod internals;
mod message_size;

use proc_macro::TokenStream;

/// Declares a struct (or an enum) as an actor and records its options.
///
/// The handlers — and so the actor's message type — come from a
/// [`#[handlers]`](macro@handlers) block on the same type; together they
/// implement `foundation::Actor`.
///
/// # Options
///
/// | option | value | meaning |
/// |---|---|---|
/// | `name = ".."` | a string | registered under this name at spawn (`ActorOptions::name`); a second spawn while the first lives fails with `SpawnError::Name` |
/// | `restart = ".."` | `"permanent"` (default), `"transient"`, `"temporary"` | its restart type under a supervisor (`Actor::restart`; `ChildSpec::new` takes it) |
/// | `blocking` | flag (or `= true / false`) | runs on a thread of its own, so it may block (`ActorOptions::blocking`) |
/// | `trap_exit` | flag (or `= true / false`) | every incarnation traps exits from the start (`ActorOptions::trap_exit`); linked exits reach `on_exit` |
/// | `flow = ".."` | `"automatic"` (default), `"manual"`, `"credit_based"` | the mailbox's flow control (`ActorOptions::flow`, `foundation::Flow`): `automatic` holds back senders above its high watermark (actors are muted, threads refused with `SendError::Overloaded`); `manual` holds at most `mailbox` messages and refuses more with `SendError::Full`; `credit_based` lets producers (`ActorRef::producer`) send within a pool of `mailbox` credits, refusing with `SendError::NoCredit` |
/// | `mailbox = N` | an integer, 1 to 2^27 | `ActorOptions::mailbox`: the high watermark of an `automatic` mailbox (default 65,536), the bound of a `manual` one, the credit pool of a `credit_based` one (default 1024 for both) |
///
/// `Node::spawn`, `Context::spawn`, `Context::spawn_link` and
/// `ChildSpec::new` use these (through `Actor::options` and
/// `Actor::restart`); `spawn_with` and `ChildSpec::options` override them.
/// An unknown option, a value of the wrong type, an unknown restart type or
/// an option given twice is a compile error at that token, listing what is
/// allowed. Every `#[actor]` registers itself for
/// `foundation::introspect::actors()`.
///
/// # Example
///
/// ```
/// use foundation::prelude::*;
///
/// #[actor(name = "ledger", restart = "transient")]
/// #[derive(Default)]
/// struct Ledger {
///     total: u64,
/// }
///
/// #[handlers]
/// impl Ledger {
///     pub fn add(&mut self, n: u64) {
///         self.total += n;
///     }
/// }
///
/// let node = Node::builder().schedulers(1).start()?;
/// let ledger = node.spawn(Ledger::default())?;
/// assert_eq!(node.registry().lookup("ledger"), Some(ledger.pid()));
/// assert_eq!(ChildSpec::new("l", Ledger::default).restart_type(), Restart::Transient);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Expansion
///
/// Besides the item itself, roughly:
///
/// ```text
/// impl ::foundation::introspect::Declared for Ledger {
///     const OPTIONS: DeclaredOptions = DeclaredOptions {
///         name: Some("ledger"),
///         restart: Restart::Transient,
///         blocking: false,
///         trap_exit: false,
///         flow: Flow::Automatic,
///         mailbox: None,
///     };
/// }
/// inventory::submit! {
///     ActorRegistration {
///         name: "Ledger",
///         type_path: concat!(module_path!(), "::", "Ledger"),
///         options: /* as above */,
///         handlers: Some(<Ledger as HasHandlers>::HANDLERS), // None if generic
///         generic: false,
///     }
/// }
/// ```
///
/// The reference to `HasHandlers` makes a missing `#[handlers]` block a
/// compile error here: "`Ledger` has `#[actor]` but no `#[handlers]` block".
/// Put on an `impl` block instead of the type, `#[actor]` says so and
/// expands the block as `#[handlers]` would, so that this is the only
/// error.
#[proc_macro_attribute]
pub fn actor(args: TokenStream, input: TokenStream) -> TokenStream {
    actor::expand(args.into(), input.into()).into()
}

/// Turns an inherent `impl` block of an [`#[actor]`](macro@actor) into its
/// message enum, its `Actor` implementation and typed methods on its
/// `ActorRef`.
///
/// # What goes in the block
///
/// - **Handlers**: each `pub` method taking `&mut self` or `&self` becomes
///   a variant of the generated enum `<Type>Msg` (named in UpperCamelCase,
///   its arguments as tuple fields, in order; a unit variant when it has
///   none) and a method of the generated trait
///   `<Type>Ext`, implemented for `ActorRef<Type>`:
///   - returning nothing: a **send**, `fn add(&self, n: u64) ->
///     Result<(), SendError<CounterMsg>>` (the message comes back if the
///     actor has stopped);
///   - returning `T`: a **call**, `fn total(&self) -> Result<T,
///     CallError>` with `DEFAULT_CALL_TIMEOUT`, plus `total_timeout(..,
///     timeout)` and `total_async(..)` (a future for async code). The
///     variant carries a `ReplyTo<T>` last.
///   - taking a `ReplyTo<T>` (and returning nothing): a call the handler
///     answers itself, now or later (gen_server's `noreply`).
///   - returning `Result<T, E>`: a call answering `Result<Result<T, E>,
///     CallError>` — the outer error says the call failed (stopped,
///     panicked, timed out), the inner one is the handler's answer. They
///     mean different things, so they stay apart; `call()??` takes both.
///   - a `&mut Context<Self>` parameter, anywhere, gets the actor's context;
///     it is not part of the message.
///   - doc comments and `#[cfg]`s are carried to the variant and the
///     methods.
///   - a send handler whose single argument type no other single-argument
///     handler takes gets `From<T> for <Type>Msg`, so the actor can stand
///     behind a `Recipient<T>` (groups, routers).
/// - **Hooks**, by name (any visibility), with `Actor`'s signatures:
///   `started(&mut self, ctx: &mut Context<Self>)`, `stopped(&mut self,
///   reason: &ExitReason)`, `on_exit(&mut self, from: Pid, reason:
///   ExitReason, ctx: &mut Context<Self>)`, `on_down(&mut self, down: Down,
///   ctx: &mut Context<Self>)`, `shutdown_requested(&mut self, ctx: &mut
///   Context<Self>)`. A hook's name is exact, and so is its signature: a
///   method named like a hook with another signature is an error stating
///   the right one, and a method whose name is a near miss of a hook's
///   (`start`, `init`, `on_start`, `stop_hook`, …: two edits away, or a
///   word other frameworks use) with that hook's parameters is an error
///   asking "did you mean `started`?" — as written it would never run (or,
///   public, become a message). A handler may still be named `start` when
///   its parameters are not a hook's.
/// - Anything else — private methods, `pub fn new() -> Self`, constants —
///   stays as written.
///
/// Generic actors work: the enum and the trait take the block's generic
/// parameters and bounds.
///
/// # Compile-time checks
///
/// Each at its token, all at once: `#[handlers]` on something other than
/// an inherent `impl`, a handler taking `self` by value, an `async`,
/// `unsafe` or generic handler, an argument or reply that borrows (must be
/// `'static`: it travels in a message), a `ReplyTo` handler that also
/// returns a value, two handlers making one variant or one method, a
/// handler named like a method of `ActorRef` itself (`send`, `stop`, …),
/// a misspelled hook or a hook with the wrong signature. A refused handler
/// still gets its methods on the handle (bodies that never run), so its
/// call sites add no errors. An argument or answer type that is not `Send`
/// is reported at the type (and once more at the block, by the `Actor`
/// impl's `Msg: Send` bound).
/// Across items, through trait bounds with plain messages: a
/// `#[handlers]` block on a type without `#[actor]`, an `#[actor]` without
/// a block.
///
/// **One `#[handlers]` block per actor**: the block *is* the actor's
/// message type, so a second block on the same type would define
/// `<Type>Msg`, `<Type>Ext` and the `Actor` impl again. The compiler
/// refuses it, and its first error says so by name: "the name
/// `Counter_takes_one_handlers_block__merge_them` is defined multiple
/// times", at the second block. Put every handler in one block; helpers
/// can live in as many plain `impl` blocks as you like.
///
/// # Example
///
/// ```
/// use foundation::prelude::*;
/// use std::time::Duration;
///
/// #[actor]
/// #[derive(Default)]
/// pub struct Counter {
///     total: u64,
/// }
///
/// #[handlers]
/// impl Counter {
///     /// Adds `n` to the total.
///     pub fn add(&mut self, n: u64) {
///         self.total += n;
///     }
///
///     /// The current total.
///     pub fn total(&self) -> u64 {
///         self.total
///     }
///
///     /// Takes `n` off, unless that would go below zero.
///     pub fn take(&mut self, n: u32) -> Result<u64, String> {
///         self.total = self.total.checked_sub(n.into()).ok_or("not enough")?;
///         Ok(self.total)
///     }
///
///     /// Answers later, through `reply`.
///     pub fn total_later(&mut self, reply: ReplyTo<u64>, ctx: &mut Context<Self>) {
///         ctx.send_after(Duration::from_millis(1), CounterMsg::Add(0));
///         let _ = reply.reply(self.total);
///     }
/// }
///
/// let node = Node::builder().schedulers(1).start()?;
/// let counter = node.spawn(Counter::default())?;
/// counter.add(5)?;
/// assert_eq!(counter.total()?, 5);
/// assert_eq!(counter.take(2)?, Ok(3));
/// assert_eq!(counter.take(7)?, Err("not enough".to_string()));
/// assert_eq!(counter.total_later_timeout(Duration::from_secs(5))?, 3);
/// counter.recipient::<u64>().send(1)?; // From<u64> for CounterMsg
/// assert_eq!(counter.total()?, 4);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Expansion
///
/// The block itself, and roughly:
///
/// ```text
/// /// The messages of [`Counter`], one variant per handler.
/// pub enum CounterMsg {
///     /// Adds `n` to the total.
///     Add(u64),
///     /// The current total.
///     Total(ReplyTo<u64>),
///     Take(u32, ReplyTo<Result<u64, String>>),
///     TotalLater(ReplyTo<u64>),
/// }
/// impl Debug for CounterMsg { /* "CounterMsg::Add(..)" */ }
/// impl From<u64> for CounterMsg { fn from(v: u64) -> Self { CounterMsg::Add(v) } }
///
/// impl CounterMsg {
///     // The one place that reads what `#[actor]` declared: without
///     // `#[actor]`, the one error is here.
///     const __FOUNDATION_DECLARED: DeclaredOptions = <Counter as introspect::Declared>::OPTIONS;
/// }
/// impl Actor for Counter {
///     type Msg = CounterMsg;
///     fn handle(&mut self, msg: CounterMsg, ctx: &mut Context<Self>) {
///         match msg {
///             CounterMsg::Add(a) => { Counter::add(self, a); }
///             CounterMsg::Total(reply) => { let v = Counter::total(self); let _ = reply.reply(v); }
///             CounterMsg::Take(a, reply) => { let v = Counter::take(self, a); let _ = reply.reply(v); }
///             CounterMsg::TotalLater(reply) => { Counter::total_later(self, reply, ctx); }
///         }
///     }
///     fn message_kind(msg: &CounterMsg) -> &'static str { /* "add", "total", .. */ }
///     fn options() -> ActorOptions { /* from #[actor(..)] */ }
///     fn restart() -> Restart { /* from #[actor(..)] */ }
///     // and the hooks written in the block
/// }
/// impl introspect::HasHandlers for Counter { const HANDLERS: &[HandlerInfo] = &[/* .. */]; }
/// const _: () = {
///     // Each argument and answer type, checked at its own tokens.
///     struct SentToTheActor<T: ?Sized + Send>(PhantomData<T>);
///     fn check(_: SentToTheActor<u64>, _: SentToTheActor<u64>, /* .. */) {}
/// };
///
/// pub trait CounterExt {
///     /// Adds `n` to the total.
///     fn add(&self, n: u64) -> Result<(), SendError<CounterMsg>>;
///     fn total(&self) -> Result<u64, CallError>;
///     fn total_timeout(&self, timeout: Duration) -> Result<u64, CallError>;
///     fn total_async(&self) -> CallFuture<u64>;
///     // .. the same three for `take` and `total_later`
/// }
/// impl CounterExt for ActorRef<Counter> {
///     fn add(&self, n: u64) -> Result<(), SendError<CounterMsg>> {
///         ActorRef::send(self, CounterMsg::Add(n))
///     }
///     fn total(&self) -> Result<u64, CallError> {
///         ActorRef::call(self, |r| CounterMsg::Total(r), DEFAULT_CALL_TIMEOUT)
///     }
///     // ..
/// }
/// ```
#[proc_macro_attribute]
pub fn handlers(args: TokenStream, input: TokenStream) -> TokenStream {
    handlers::expand(args.into(), input.into()).into()
}

/// Derives `foundation::MessageSize` for a struct or an enum: its heap is
/// what its fields hold. Every field's type must implement `MessageSize`
/// (the standard types, `Bytes`, `Arc`s, handles do), or the field be
/// marked `#[message_size(skip)]` (counted as nothing). A type parameter
/// gets a `MessageSize` bound. Unions are refused (which field holds the
/// value is not known).
///
/// ```
/// use foundation::{message_size_analysis, MessageSize};
///
/// #[derive(MessageSize)]
/// enum Event {
///     Tick,
///     Note { text: String },
///     Batch(Vec<u64>, #[message_size(skip)] std::fs::File),
/// }
///
/// let note = Event::Note { text: "hello".to_string() };
/// assert_eq!(message_size_analysis(&note).heap, 5);
/// assert_eq!(message_size_analysis(&Event::Tick).heap, 0);
/// ```
#[proc_macro_derive(MessageSize, attributes(message_size))]
pub fn derive_message_size(input: TokenStream) -> TokenStream {
    message_size::expand(input.into()).into()
}

/// Declares an ecosystem — a coordinator, a pool of workers, extra
/// children and nested ecosystems, supervised as one unit — on a struct
/// whose fields are its members, and turns that struct into the
/// ecosystem's typed handle.
///
/// # Members
///
/// Each field is one member, marked with what it is; its type is the
/// member's actor type (for `#[nested]`, another `#[ecosystem]` struct).
/// In the handle, the field becomes:
///
/// | attribute | member | field in the handle |
/// |---|---|---|
/// | `#[coordinator]` or `#[coordinator(factory = f)]` | the coordinator (exactly one), id `coordinator` | `ActorRef<T>` |
/// | `#[workers(count = N, route = "..", key = k, factory = f)]` | the worker pool (exactly one): `N` (at least 1) workers, ids `worker-0` … | `WorkerPool<T>` |
/// | `#[child]` or `#[child(factory = f)]` | an extra child, its id the field's name | `ActorRef<T>` |
/// | `#[nested]` | a nested ecosystem, its id its name | the nested struct (its typed handle) |
///
/// `route` is `"round_robin"` (default), `"least_loaded"`, `"key_hash"`
/// (with `key = |msg: &TMsg| ..`, any hashable key) or `"broadcast"`
/// (`foundation::Routing`). A member is made by its type's `Default`, or by
/// `factory`: a `fn() -> T` (for the coordinator, a
/// `fn(WorkerPool<W>) -> T`, which gives it its way to the workers); a
/// member with neither is a compile error at its type.
///
/// # Options
///
/// | option | value | meaning |
/// |---|---|---|
/// | `name = ".."` | a string | its registered name (default: the struct's name) |
/// | `strategy = ".."` | `"one_for_one"` (default), `"one_for_all"`, `"rest_for_one"` | the supervision strategy |
/// | `max_restarts = N` | an integer | restart intensity: at most `N` restarts (default 3) … |
/// | `within = ".."` | a duration: `"5s"`, `"500ms"`, `"2m"`, `"1h"` | … within this window (default 5 s) |
///
/// # What it generates
///
/// The struct, its fields retyped as above (plus a private untyped
/// `Ecosystem` handle); `impl foundation::DeclaredEcosystem` (`spec()`,
/// `from_ecosystem`); and inherent `NAME`, `spawn(&node)`, `child_spec()`,
/// `lookup(&node)`, `refresh()`, `health()`, `ecosystem()` and `stop()`.
/// Every `#[ecosystem]` registers itself for
/// `foundation::introspect::ecosystems()`. A member's typed methods are
/// its `<Type>Ext` trait from `#[handlers]`: import it where the handle is
/// used (`use crate::shards::ShardExt;`).
///
/// Every mistake is a compile error at its token, listing what is allowed:
/// no or two coordinators (or pools), an unknown routing, `count = 0`, a
/// member type that is not an actor ("`X` is not an actor"), an unknown
/// option, an unmarked field.
///
/// # Example
///
/// ```
/// use foundation::prelude::*;
///
/// #[actor]
/// #[derive(Default)]
/// pub struct Counter {
///     total: u64,
/// }
///
/// #[handlers]
/// impl Counter {
///     pub fn add(&mut self, n: u64) {
///         self.total += n;
///     }
///     pub fn total(&self) -> u64 {
///         self.total
///     }
/// }
///
/// #[ecosystem(strategy = "one_for_one", max_restarts = 3, within = "5s")]
/// pub struct Billing {
///     #[coordinator]
///     ledger: Counter,
///     #[workers(count = 4, route = "round_robin")]
///     shards: Counter,
/// }
///
/// let node = Node::builder().schedulers(2).start()?;
/// let billing = Billing::spawn(&node)?; // typed handle to the tree
/// billing.ledger.add(5)?; // CounterExt: a send
/// assert_eq!(billing.ledger.total()?, 5); // CounterExt: a call
/// billing.shards.route(CounterMsg::Add(1)).expect("a worker");
/// assert_eq!(billing.shards.len(), 4);
/// println!("{}", billing.health());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[proc_macro_attribute]
pub fn ecosystem(args: TokenStream, input: TokenStream) -> TokenStream {
    ecosystem::expand(args.into(), input.into()).into()
}
