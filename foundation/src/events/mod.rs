//! Events: typed records of what happened, stored per node, queried by
//! type, time, correlation and cause, serialized compactly, and sent to
//! subscribers through the message layer (ADR 0011 §4).
//!
//! ```
//! use foundation::events::{Event, EventQuery};
//! use foundation::{ManualClock, Node};
//! use std::time::Duration;
//!
//! let clock = ManualClock::new();
//! let node = Node::builder().schedulers(1).clock(clock.clone()).start()?;
//! let events = node.events();
//! let placed = events.store(Event::new("order.placed", &7u32)?.correlation_id("req-1"))?;
//! clock.advance(Duration::from_secs(1));
//! let paid = events.store(
//!     Event::new("order.paid", &7u32)?.correlation_id("req-1").parent(placed.id()),
//! )?;
//! assert_eq!(paid.timestamp(), Duration::from_secs(1));
//! assert_eq!(events.by_correlation("req-1").len(), 2);
//! assert_eq!(events.correlation_chain(paid.id())?, [placed, paid.clone()]);
//! assert_eq!(events.query(&EventQuery::new().event_type("order.paid")), [paid]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod event;
pub(crate) mod store;

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;

pub use event::{Event, EventError, EventId, MAX_EVENT_BYTES};
pub use store::{EVENT_HISTORY, EventQuery, EventStats, Order};

use crate::actor::{Actor, Context};
use crate::node::Node;
use crate::node::shared::Shared;
use crate::recipient::Recipient;

/// The group of a node's event subscribers.
const SUBSCRIBERS: &str = "foundation.events";

/// A node's events: its store, and its subscribers. From
/// [`Node::events`](crate::Node::events) or [`Context::events`]; cheap to
/// clone.
///
/// ```
/// use foundation::events::{Event, EventQuery};
/// use foundation::Node;
///
/// let node = Node::builder().schedulers(1).start()?;
/// let events = node.events(); // from a handler: ctx.events()
/// events.store(Event::new("user.login", "ada")?.correlation_id("session-1"))?;
/// events.store(Event::new("user.logout", "ada")?.correlation_id("session-1"))?;
/// assert_eq!(events.by_correlation("session-1").len(), 2);
/// assert_eq!(events.query(&EventQuery::new().event_type("user.login")).len(), 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Events {
    shared: Arc<Shared>,
}

/// A serialized event, as subscribers get it: the bytes are shared by
/// every subscriber (one buffer, counted), decoded by each that wants to.
///
/// ```
/// use foundation::events::{Event, SharedEvent};
/// let event = Event::new("tick", &1u8)?;
/// let shared = SharedEvent::from(bytes::Bytes::from(event.to_bytes()?));
/// assert_eq!(shared.decode()?.event_type(), "tick");
/// # Ok::<(), foundation::events::EventError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SharedEvent(Bytes);

impl SharedEvent {
    /// The event.
    ///
    /// # Errors
    ///
    /// As [`Event::from_bytes`].
    ///
    /// ```
    /// use foundation::events::{Event, SharedEvent};
    /// use foundation::Bytes;
    ///
    /// let bytes = Event::new("user.login", &"ada".to_string())?.to_bytes()?;
    /// let shared = SharedEvent::from(Bytes::from(bytes));
    /// assert_eq!(shared.decode()?.data::<String>()?, "ada");
    /// # Ok::<(), foundation::events::EventError>(())
    /// ```
    pub fn decode(&self) -> Result<Event, EventError> {
        Event::from_bytes(&self.0)
    }

    /// The serialized bytes.
    ///
    /// ```
    /// use foundation::events::{Event, SharedEvent};
    /// use foundation::Bytes;
    ///
    /// let bytes = Bytes::from(Event::new("tick", &())?.to_bytes()?);
    /// let shared = SharedEvent::from(bytes.clone());
    /// assert_eq!(shared.bytes(), &bytes); // the one buffer every subscriber shares
    /// # Ok::<(), foundation::events::EventError>(())
    /// ```
    pub fn bytes(&self) -> &Bytes {
        &self.0
    }
}

impl From<Bytes> for SharedEvent {
    fn from(bytes: Bytes) -> Self {
        SharedEvent(bytes)
    }
}

impl Events {
    pub(crate) fn new(shared: Arc<Shared>) -> Self {
        Events { shared }
    }

    /// Stamps `event` — the next id, the node's clock, the wall clock, the
    /// node — and stores it; the oldest event is evicted past
    /// [`EVENT_HISTORY`]. Returns the stored event.
    ///
    /// # Errors
    ///
    /// [`EventError::TooLarge`] past [`MAX_EVENT_BYTES`] (nothing stored).
    ///
    /// ```
    /// use foundation::events::{Event, EventQuery, Order};
    /// let node = foundation::Node::builder().schedulers(1).start()?;
    /// let events = node.events();
    /// let stored = events.store(Event::new("hello", &"world")?)?;
    /// assert_eq!((stored.id(), stored.node_name()), (1, node.name()));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn store(&self, event: Event) -> Result<Event, EventError> {
        Ok(self.store_batch(vec![event])?.remove(0))
    }

    /// Stores several events, all or none, with consecutive ids.
    ///
    /// # Errors
    ///
    /// [`EventError::TooLarge`] if any is past [`MAX_EVENT_BYTES`]
    /// (nothing stored).
    ///
    /// ```
    /// use foundation::events::Event;
    /// let node = foundation::Node::builder().schedulers(1).start()?;
    /// let stored = node.events().store_batch(vec![Event::new("a", &1u8)?, Event::new("b", &2u8)?])?;
    /// assert_eq!(stored[1].id(), stored[0].id() + 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn store_batch(&self, events: Vec<Event>) -> Result<Vec<Event>, EventError> {
        let shared = &self.shared;
        let wall_time_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64);
        shared.events.insert(events, |event| {
            event.timestamp = shared.timers.now();
            event.wall_time_ms = wall_time_ms;
            event.node_name.clone_from(&shared.name);
            event.node_id = shared.id;
        })
    }

    /// The event with this id, if the store still holds it.
    ///
    /// # Errors
    ///
    /// [`EventError::NotFound`] if it was never stored, or was pruned or
    /// evicted.
    ///
    /// ```
    /// use foundation::events::{Event, EventQuery, Order};
    /// let node = foundation::Node::builder().schedulers(1).start()?;
    /// let events = node.events();
    /// let stored = events.store(Event::new("a", &1u8)?)?;
    /// assert_eq!(events.get(stored.id())?, stored);
    /// assert!(events.get(stored.id() + 1).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn get(&self, id: EventId) -> Result<Event, EventError> {
        self.shared.events.get(id).ok_or(EventError::NotFound(id))
    }

    /// The events `query` selects.
    ///
    /// ```
    /// use foundation::events::{Event, EventQuery, Order};
    /// let node = foundation::Node::builder().schedulers(1).start()?;
    /// let events = node.events();
    /// for n in 0..5u8 {
    ///     events.store(Event::new(if n % 2 == 0 { "even" } else { "odd" }, &n)?)?;
    /// }
    /// let odd = events.query(&EventQuery::new().event_type("odd").order(Order::Newest));
    /// assert_eq!(odd.iter().map(|e| e.data::<u8>().unwrap()).collect::<Vec<_>>(), [3, 1]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn query(&self, query: &EventQuery) -> Vec<Event> {
        self.shared.events.query(query)
    }

    /// Every held event with this correlation id, oldest first.
    ///
    /// ```
    /// use foundation::events::{Event, EventQuery, Order};
    /// let node = foundation::Node::builder().schedulers(1).start()?;
    /// let events = node.events();
    /// events.store(Event::new("a", &1u8)?.correlation_id("job-1"))?;
    /// events.store(Event::new("b", &2u8)?)?;
    /// assert_eq!(events.by_correlation("job-1").len(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn by_correlation(&self, correlation_id: &str) -> Vec<Event> {
        self.shared.events.by_correlation(correlation_id)
    }

    /// The chain of causes of event `id`: its parent, its parent's parent
    /// … up to the first event without one (or whose parent is no longer
    /// held), returned root first, ending with the event itself.
    ///
    /// # Errors
    ///
    /// [`EventError::NotFound`] if the event itself is not held.
    ///
    /// ```
    /// use foundation::events::{Event, EventQuery, Order};
    /// let node = foundation::Node::builder().schedulers(1).start()?;
    /// let events = node.events();
    /// let cause = events.store(Event::new("cause", &1u8)?)?;
    /// let effect = events.store(Event::new("effect", &2u8)?.parent(cause.id()))?;
    /// assert_eq!(events.correlation_chain(effect.id())?, [cause, effect]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn correlation_chain(&self, id: EventId) -> Result<Vec<Event>, EventError> {
        let mut chain = vec![self.get(id)?];
        while let Some(parent) = chain.last().and_then(Event::parent_id) {
            // A parent id is always lower (it was stored first): a cycle
            // cannot be written, but a hand-made id could point ahead.
            if parent >= chain.last().map_or(0, Event::id) {
                break;
            }
            match self.shared.events.get(parent) {
                Some(event) => chain.push(event),
                None => break,
            }
        }
        chain.reverse();
        Ok(chain)
    }

    /// The `n` latest events, newest first.
    ///
    /// ```
    /// use foundation::events::{Event, EventQuery, Order};
    /// let node = foundation::Node::builder().schedulers(1).start()?;
    /// let events = node.events();
    /// for n in 0..3u8 {
    ///     events.store(Event::new("n", &n)?)?;
    /// }
    /// assert_eq!(events.recent(2)[0].data::<u8>()?, 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn recent(&self, n: usize) -> Vec<Event> {
        self.shared.events.recent(n)
    }

    /// Removes the events stamped before `before` (node clock); returns
    /// how many.
    ///
    /// ```
    /// use foundation::events::Event;
    /// use foundation::{ManualClock, Node};
    /// use std::time::Duration;
    ///
    /// let clock = ManualClock::new();
    /// let node = Node::builder().schedulers(1).clock(clock.clone()).start()?;
    /// node.events().store(Event::new("old", &1u8)?)?;
    /// clock.advance(Duration::from_secs(60));
    /// node.events().store(Event::new("new", &2u8)?)?;
    /// assert_eq!(node.events().prune_before(Duration::from_secs(30)), 1);
    /// assert_eq!(node.events().stats().held, 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn prune_before(&self, before: Duration) -> usize {
        self.shared.events.prune_before(before)
    }

    /// The store's counts.
    ///
    /// ```
    /// use foundation::events::{Event, EventQuery, Order};
    /// let node = foundation::Node::builder().schedulers(1).start()?;
    /// let events = node.events();
    /// events.store_batch(vec![Event::new("a", &1u8)?, Event::new("a", &2u8)?])?;
    /// let stats = events.stats();
    /// assert_eq!((stats.stored, stats.held), (2, 2));
    /// assert_eq!(stats.by_type["a"], 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn stats(&self) -> EventStats {
        self.shared.events.stats()
    }

    /// Every event later sent with [`emit_optimized`](Self::emit_optimized)
    /// goes to `subscriber`, until it stops (it is a member of the node's
    /// `foundation.events` group).
    ///
    /// # Errors
    ///
    /// [`EventError::Subscribe`] if the actor cannot join (it has stopped,
    /// or belongs to another node).
    ///
    /// ```
    /// use foundation::events::{Event, SharedEvent};
    /// use foundation::{Actor, Context, Node};
    /// use std::sync::mpsc;
    ///
    /// struct Audit(mpsc::Sender<String>);
    /// impl Actor for Audit {
    ///     type Msg = SharedEvent;
    ///     fn handle(&mut self, event: SharedEvent, _: &mut Context<Self>) {
    ///         let _ = self.0.send(event.decode().unwrap().event_type().to_string());
    ///     }
    /// }
    ///
    /// let node = Node::builder().schedulers(1).start()?;
    /// let (tx, rx) = mpsc::channel();
    /// node.events().subscribe(node.spawn(Audit(tx))?.recipient())?;
    /// node.events().emit_optimized(Event::new("deploy.started", &())?)?;
    /// assert_eq!(rx.recv()?, "deploy.started");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn subscribe(&self, subscriber: Recipient<SharedEvent>) -> Result<(), EventError> {
        self.group()?
            .join(subscriber)
            .map(drop)
            .map_err(|e| EventError::Subscribe(e.to_string()))
    }

    /// Stores `event` and sends it, serialized once, to every subscriber:
    /// one shared buffer for all of them (`broadcast_optimized`). Returns
    /// the stored event and how many subscribers it reached.
    ///
    /// # Errors
    ///
    /// As [`store`](Self::store); a subscriber whose mailbox refuses is
    /// counted out, not an error.
    ///
    /// ```
    /// use foundation::events::{Event, SharedEvent};
    /// use foundation::{Actor, Context, Node};
    /// use std::sync::mpsc;
    ///
    /// struct Audit(mpsc::Sender<String>);
    /// impl Actor for Audit {
    ///     type Msg = SharedEvent;
    ///     fn handle(&mut self, event: SharedEvent, _: &mut Context<Self>) {
    ///         self.0.send(event.decode().unwrap().event_type().to_string()).unwrap();
    ///     }
    /// }
    ///
    /// let node = Node::builder().schedulers(1).start()?;
    /// let (tx, rx) = mpsc::channel();
    /// node.events().subscribe(node.spawn(Audit(tx))?.recipient())?;
    /// let (_, reached) = node.events().emit_optimized(Event::new("user.login", &"ada")?)?;
    /// assert_eq!(reached, 1);
    /// assert_eq!(rx.recv()?, "user.login");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn emit_optimized(&self, event: Event) -> Result<(Event, usize), EventError> {
        let stored = self.store(event)?;
        let bytes = stored.to_bytes()?;
        let sent = crate::messages::broadcast_optimized(&self.group()?, bytes);
        Ok((stored, sent.delivered))
    }

    fn group(&self) -> Result<crate::names::Group<SharedEvent>, EventError> {
        crate::names::ProcessGroups::new(Arc::clone(&self.shared))
            .group::<SharedEvent>(SUBSCRIBERS)
            .map_err(|e| EventError::Subscribe(e.to_string()))
    }
}

impl core::fmt::Debug for Events {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Events")
            .field("node", &self.shared.name)
            .field("stats", &self.stats())
            .finish()
    }
}

impl Node {
    /// The node's events: its store and subscribers.
    ///
    /// ```
    /// use foundation::events::Event;
    ///
    /// let node = foundation::Node::builder().schedulers(1).start()?;
    /// node.events().store(Event::new("node.started", &())?)?;
    /// assert_eq!(node.events().stats().held, 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn events(&self) -> Events {
        Events::new(Arc::clone(self.shared()))
    }
}

impl<A: Actor> Context<A> {
    /// The events of the node this actor runs on.
    ///
    /// ```
    /// use foundation::events::Event;
    /// use foundation::{Actor, Context, Node};
    ///
    /// struct Clerk;
    /// impl Actor for Clerk {
    ///     type Msg = u32;
    ///     fn handle(&mut self, n: u32, ctx: &mut Context<Self>) {
    ///         ctx.events().store(Event::new("clerk.counted", &n).unwrap()).unwrap();
    ///     }
    /// }
    ///
    /// let node = Node::builder().schedulers(1).start()?;
    /// node.spawn(Clerk)?.send(3)?;
    /// while node.events().stats().held == 0 { std::thread::yield_now(); }
    /// assert_eq!(node.events().recent(1)[0].data::<u32>()?, 3);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn events(&self) -> Events {
        Events::new(Arc::clone(&self.cell.shared))
    }
}
