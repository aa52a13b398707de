//! A node's event store: the last [`EVENT_HISTORY`] events, by id, with
//! their counts. The node's share of the events service (held by
//! `node/shared.rs`); `events/mod.rs` stamps events and is the face.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;
use std::time::Duration;

use crate::events::event::{Event, EventError, EventId};
use crate::sync::lock;

/// How many events a node keeps: storing one more evicts the oldest.
///
/// ```
/// assert_eq!(foundation::events::EVENT_HISTORY, 10_000);
/// ```
pub const EVENT_HISTORY: usize = 10_000;

/// Oldest or newest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Order {
    /// In the order they were stored.
    #[default]
    Oldest,
    /// The latest first.
    Newest,
}

/// Which events [`Events::query`](crate::events::Events::query) returns.
///
/// ```
/// use foundation::events::{EventQuery, Order};
/// use std::time::Duration;
///
/// let query = EventQuery::new()
///     .event_type("order.placed")
///     .between(Duration::from_secs(10), Duration::from_secs(20))
///     .order(Order::Newest)
///     .offset(5)
///     .limit(10);
/// # drop(query);
/// ```
#[derive(Debug, Clone, Default)]
pub struct EventQuery {
    event_type: Option<String>,
    from: Option<Duration>,
    until: Option<Duration>,
    order: Order,
    offset: usize,
    limit: Option<usize>,
}

impl EventQuery {
    /// Every event, oldest first.
    ///
    /// ```
    /// use foundation::events::{Event, EventQuery};
    /// use foundation::Node;
    ///
    /// let node = Node::builder().schedulers(1).start()?;
    /// node.events().store(Event::new("a", &())?)?;
    /// assert_eq!(node.events().query(&EventQuery::new()).len(), 1); // everything held
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new() -> Self {
        EventQuery::default()
    }

    /// Only events of this type.
    ///
    /// ```
    /// use foundation::events::{Event, EventQuery};
    /// use foundation::Node;
    ///
    /// let node = Node::builder().schedulers(1).start()?;
    /// node.events().store_batch(vec![Event::new("login", &())?, Event::new("logout", &())?])?;
    /// let logins = node.events().query(&EventQuery::new().event_type("login"));
    /// assert_eq!(logins.len(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn event_type(mut self, event_type: impl Into<String>) -> Self {
        self.event_type = Some(event_type.into());
        self
    }

    /// Only events stamped at `from` or later and before `until` (node
    /// clock).
    ///
    /// ```
    /// use foundation::events::{Event, EventQuery};
    /// use foundation::{ManualClock, Node};
    /// use std::time::Duration;
    ///
    /// let clock = ManualClock::new();
    /// let node = Node::builder().schedulers(1).clock(clock.clone()).start()?;
    /// for _ in 0..5 {
    ///     node.events().store(Event::new("tick", &())?)?;
    ///     clock.advance(Duration::from_secs(1));
    /// }
    /// // Stored at 0, 1, 2, 3 and 4 s.
    /// let q = EventQuery::new().between(Duration::from_secs(1), Duration::from_secs(3));
    /// assert_eq!(node.events().query(&q).len(), 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn between(mut self, from: Duration, until: Duration) -> Self {
        self.from = Some(from);
        self.until = Some(until);
        self
    }

    /// Only events stamped at `from` or later.
    ///
    /// ```
    /// use foundation::events::{Event, EventQuery};
    /// use foundation::{ManualClock, Node};
    /// use std::time::Duration;
    ///
    /// let clock = ManualClock::new();
    /// let node = Node::builder().schedulers(1).clock(clock.clone()).start()?;
    /// node.events().store(Event::new("old", &())?)?;
    /// clock.advance(Duration::from_secs(10));
    /// node.events().store(Event::new("new", &())?)?;
    /// let recent = node.events().query(&EventQuery::new().since(Duration::from_secs(5)));
    /// assert_eq!(recent[0].event_type(), "new");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn since(mut self, from: Duration) -> Self {
        self.from = Some(from);
        self
    }

    /// The order of the results.
    ///
    /// ```
    /// use foundation::events::{Event, EventQuery, Order};
    /// use foundation::Node;
    ///
    /// let node = Node::builder().schedulers(1).start()?;
    /// node.events().store_batch(vec![Event::new("first", &())?, Event::new("second", &())?])?;
    /// let newest = node.events().query(&EventQuery::new().order(Order::Newest).limit(1));
    /// assert_eq!(newest[0].event_type(), "second");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn order(mut self, order: Order) -> Self {
        self.order = order;
        self
    }

    /// Skips the first `offset` matches.
    ///
    /// ```
    /// use foundation::events::{Event, EventQuery};
    /// use foundation::Node;
    ///
    /// let node = Node::builder().schedulers(1).start()?;
    /// for n in 0..10_u32 {
    ///     node.events().store(Event::new("page", &n)?)?;
    /// }
    /// // The second page of three.
    /// let page = node.events().query(&EventQuery::new().offset(3).limit(3));
    /// assert_eq!(page[0].data::<u32>()?, 3);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn offset(mut self, offset: usize) -> Self {
        self.offset = offset;
        self
    }

    /// At most `limit` results.
    ///
    /// ```
    /// use foundation::events::{Event, EventQuery};
    /// use foundation::Node;
    ///
    /// let node = Node::builder().schedulers(1).start()?;
    /// for n in 0..10_u32 {
    ///     node.events().store(Event::new("n", &n)?)?;
    /// }
    /// assert_eq!(node.events().query(&EventQuery::new().limit(4)).len(), 4);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn limit(mut self, limit: usize) -> Self {
        self.limit = Some(limit);
        self
    }

    fn matches(&self, event: &Event) -> bool {
        self.event_type
            .as_deref()
            .is_none_or(|t| t == event.event_type)
            && self.from.is_none_or(|from| event.timestamp >= from)
            && self.until.is_none_or(|until| event.timestamp < until)
    }
}

/// A store's counts. See [`Events::stats`](crate::events::Events::stats).
#[non_exhaustive]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventStats {
    /// Events stored since the node started.
    pub stored: u64,
    /// Events held now.
    pub held: usize,
    /// Their serialized bytes.
    pub bytes: usize,
    /// Events removed by `prune_before`.
    pub pruned: u64,
    /// Events evicted to keep the last [`EVENT_HISTORY`].
    pub evicted: u64,
    /// Events held now, by type.
    pub by_type: BTreeMap<String, usize>,
    /// The oldest and newest held events' timestamps.
    pub span: Option<(Duration, Duration)>,
}

struct State {
    /// By id, which increases: oldest first.
    events: VecDeque<(Event, usize)>,
    next_id: EventId,
    stored: u64,
    pruned: u64,
    evicted: u64,
    bytes: usize,
}

pub(crate) struct EventStore {
    state: Mutex<State>,
    capacity: usize,
}

impl EventStore {
    pub(crate) fn new(capacity: usize) -> Self {
        EventStore {
            state: Mutex::new(State {
                events: VecDeque::new(),
                next_id: 1,
                stored: 0,
                pruned: 0,
                evicted: 0,
                bytes: 0,
            }),
            capacity,
        }
    }

    /// Stores stamped events, all or none: each gets the next id (the
    /// store's clock order), and each is checked against the size cap
    /// first. `stamp` sets its time (under the store's lock, so ids and
    /// timestamps increase together).
    pub(crate) fn insert(
        &self,
        events: Vec<Event>,
        stamp: impl Fn(&mut Event),
    ) -> Result<Vec<Event>, EventError> {
        let mut state = lock(&self.state);
        let mut stamped = Vec::with_capacity(events.len());
        for mut event in events {
            event.id = state.next_id + stamped.len() as u64;
            stamp(&mut event);
            let size = event.encoded_len()?;
            stamped.push((event, size));
        }
        state.next_id += stamped.len() as u64;
        let out = stamped.iter().map(|(e, _)| e.clone()).collect();
        for (event, size) in stamped {
            state.stored += 1;
            state.bytes += size;
            state.events.push_back((event, size));
            while state.events.len() > self.capacity {
                let (_, size) = state.events.pop_front().expect("over capacity");
                state.bytes -= size;
                state.evicted += 1;
            }
        }
        Ok(out)
    }

    pub(crate) fn get(&self, id: EventId) -> Option<Event> {
        let state = lock(&self.state);
        let events = &state.events;
        let at = events.binary_search_by_key(&id, |(e, _)| e.id).ok()?;
        Some(events[at].0.clone())
    }

    pub(crate) fn query(&self, query: &EventQuery) -> Vec<Event> {
        let state = lock(&self.state);
        let matching = state
            .events
            .iter()
            .map(|(e, _)| e)
            .filter(|e| query.matches(e));
        let limit = query.limit.unwrap_or(usize::MAX);
        match query.order {
            Order::Oldest => matching.skip(query.offset).take(limit).cloned().collect(),
            Order::Newest => {
                let all: Vec<&Event> = matching.collect();
                all.into_iter()
                    .rev()
                    .skip(query.offset)
                    .take(limit)
                    .cloned()
                    .collect()
            }
        }
    }

    pub(crate) fn by_correlation(&self, id: &str) -> Vec<Event> {
        lock(&self.state)
            .events
            .iter()
            .map(|(e, _)| e)
            .filter(|e| e.correlation_id.as_deref() == Some(id))
            .cloned()
            .collect()
    }

    pub(crate) fn recent(&self, n: usize) -> Vec<Event> {
        lock(&self.state)
            .events
            .iter()
            .rev()
            .take(n)
            .map(|(e, _)| e.clone())
            .collect()
    }

    pub(crate) fn prune_before(&self, before: Duration) -> usize {
        let mut state = lock(&self.state);
        let held = state.events.len();
        let mut freed = 0;
        state.events.retain(|(e, size)| {
            let keep = e.timestamp >= before;
            if !keep {
                freed += size;
            }
            keep
        });
        let pruned = held - state.events.len();
        state.bytes -= freed;
        state.pruned += pruned as u64;
        pruned
    }

    pub(crate) fn stats(&self) -> EventStats {
        let state = lock(&self.state);
        let mut by_type = BTreeMap::new();
        for (event, _) in &state.events {
            *by_type.entry(event.event_type.clone()).or_insert(0) += 1;
        }
        EventStats {
            stored: state.stored,
            held: state.events.len(),
            bytes: state.bytes,
            pruned: state.pruned,
            evicted: state.evicted,
            by_type,
            span: state
                .events
                .front()
                .zip(state.events.back())
                .map(|((a, _), (b, _))| (a.timestamp, b.timestamp)),
        }
    }
}
