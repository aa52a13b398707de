//! [`Event`]: what happened, when, where, and what it was part of; its
//! compact binary form; [`EventError`].

use core::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorCategory, ErrorCode, RetryStrategy, Severity};

/// The largest serialized event, in bytes: bigger ones are refused when
/// stored, encoded or decoded (64 KiB).
///
/// ```
/// assert_eq!(foundation::events::MAX_EVENT_BYTES, 64 * 1024);
/// ```
pub const MAX_EVENT_BYTES: usize = 64 * 1024;

/// An event's id: unique within its node's store, increasing in the order
/// events were stored.
pub type EventId = u64;

/// Something that happened: its type (`"order.placed"`), when (the node's
/// clock, [`Node::now`](crate::Node::now), and the wall clock), on which
/// node, the correlation id and parent event it belongs to, and its data —
/// any serializable value, read back typed with [`data`](Self::data).
///
/// Made with [`Event::new`], stamped by the store
/// ([`Events::store`](crate::events::Events::store)).
///
/// ```
/// use foundation::events::Event;
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Serialize, Deserialize, Debug, PartialEq)]
/// struct Placed { order: u32, total_cents: u64 }
///
/// let node = foundation::Node::builder().schedulers(1).start()?;
/// let event = Event::new("order.placed", &Placed { order: 7, total_cents: 1250 })?
///     .correlation_id("req-1");
/// let stored = node.events().store(event)?;
/// assert_eq!(stored.event_type(), "order.placed");
/// assert_eq!(stored.data::<Placed>()?, Placed { order: 7, total_cents: 1250 });
/// assert_eq!(stored.node_name(), node.name());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub(crate) id: EventId,
    pub(crate) event_type: String,
    /// The node's clock when stored.
    pub(crate) timestamp: Duration,
    /// Milliseconds since the Unix epoch when stored.
    pub(crate) wall_time_ms: u64,
    pub(crate) node_name: String,
    pub(crate) node_id: u32,
    pub(crate) correlation_id: Option<String>,
    pub(crate) parent_id: Option<EventId>,
    /// The data's Rust type (`core::any::type_name`), checked when read.
    pub(crate) data_type: String,
    /// The data, in postcard's form.
    pub(crate) data: Vec<u8>,
}

impl Event {
    /// An event of type `event_type` carrying `data` (serialized now: the
    /// event does not borrow it). Not stamped until stored.
    ///
    /// # Errors
    ///
    /// [`EventError::Encode`] if `data` cannot be serialized,
    /// [`EventError::TooLarge`] if it alone passes [`MAX_EVENT_BYTES`].
    ///
    /// ```
    /// use foundation::events::Event;
    ///
    /// #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
    /// struct Placed { order: u64, total_cents: u64 }
    ///
    /// let event = Event::new("order.placed", &Placed { order: 7, total_cents: 1250 })?;
    /// assert_eq!(event.event_type(), "order.placed");
    /// assert_eq!(event.data::<Placed>()?, Placed { order: 7, total_cents: 1250 });
    /// # Ok::<(), foundation::events::EventError>(())
    /// ```
    pub fn new<T: Serialize + ?Sized>(
        event_type: impl Into<String>,
        data: &T,
    ) -> Result<Self, EventError> {
        let data = postcard::to_allocvec(data).map_err(|e| EventError::Encode(e.to_string()))?;
        if data.len() > MAX_EVENT_BYTES {
            return Err(EventError::TooLarge {
                bytes: data.len(),
                max: MAX_EVENT_BYTES,
            });
        }
        Ok(Event {
            id: 0,
            event_type: event_type.into(),
            timestamp: Duration::ZERO,
            wall_time_ms: 0,
            node_name: String::new(),
            node_id: 0,
            correlation_id: None,
            parent_id: None,
            data_type: core::any::type_name::<T>().to_string(),
            data,
        })
    }

    /// The same event, part of the flow `id` names (a request, a job).
    ///
    /// ```
    /// use foundation::events::Event;
    ///
    /// let event = Event::new("payment.taken", &1250_u64)?.correlation_id("order-7");
    /// assert_eq!(event.correlation(), Some("order-7"));
    /// # Ok::<(), foundation::events::EventError>(())
    /// ```
    pub fn correlation_id(mut self, id: impl Into<String>) -> Self {
        self.correlation_id = Some(id.into());
        self
    }

    /// The same event, caused by event `parent`.
    ///
    /// ```
    /// use foundation::events::Event;
    /// use foundation::Node;
    ///
    /// let node = Node::builder().schedulers(1).start()?;
    /// let placed = node.events().store(Event::new("order.placed", &7_u64)?)?;
    /// let shipped = node.events().store(Event::new("order.shipped", &7_u64)?.parent(placed.id()))?;
    /// assert_eq!(shipped.parent_id(), Some(placed.id()));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn parent(mut self, parent: EventId) -> Self {
        self.parent_id = Some(parent);
        self
    }

    /// The id the store gave it (0 before it is stored).
    ///
    /// ```
    /// use foundation::events::Event;
    /// use foundation::Node;
    ///
    /// let node = Node::builder().schedulers(1).start()?;
    /// let event = Event::new("tick", &())?;
    /// assert_eq!(event.id(), 0); // not stored yet
    /// let stored = node.events().store(event)?;
    /// assert_eq!(node.events().get(stored.id())?, stored);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn id(&self) -> EventId {
        self.id
    }

    /// Its type.
    ///
    /// ```
    /// assert_eq!(foundation::events::Event::new("user.login", "ada")?.event_type(), "user.login");
    /// # Ok::<(), foundation::events::EventError>(())
    /// ```
    pub fn event_type(&self) -> &str {
        &self.event_type
    }

    /// The node's clock when it was stored.
    ///
    /// ```
    /// use foundation::events::Event;
    /// use foundation::{ManualClock, Node};
    /// use std::time::Duration;
    ///
    /// let clock = ManualClock::new();
    /// let node = Node::builder().schedulers(1).clock(clock.clone()).start()?;
    /// clock.advance(Duration::from_secs(3));
    /// let stored = node.events().store(Event::new("tick", &())?)?;
    /// assert_eq!(stored.timestamp(), Duration::from_secs(3));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn timestamp(&self) -> Duration {
        self.timestamp
    }

    /// The wall clock when it was stored.
    ///
    /// ```
    /// use foundation::events::Event;
    /// use foundation::Node;
    /// use std::time::{Duration, SystemTime};
    ///
    /// let node = Node::builder().schedulers(1).start()?;
    /// let stored = node.events().store(Event::new("tick", &())?)?;
    /// let age = SystemTime::now().duration_since(stored.wall_time())?;
    /// assert!(age < Duration::from_secs(60)); // stamped to the millisecond
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn wall_time(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_millis(self.wall_time_ms)
    }

    /// The name of the node that stored it.
    ///
    /// ```
    /// use foundation::events::Event;
    /// use foundation::Node;
    ///
    /// let node = Node::builder().name("edge-1").schedulers(1).start()?;
    /// let stored = node.events().store(Event::new("tick", &())?)?;
    /// assert_eq!(stored.node_name(), "edge-1");
    /// assert_eq!(stored.node_id(), node.id());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn node_name(&self) -> &str {
        &self.node_name
    }

    /// The id of the node that stored it (the number its pids carry).
    ///
    /// ```
    /// use foundation::events::Event;
    /// use foundation::Node;
    ///
    /// let node = Node::builder().schedulers(1).start()?;
    /// let actor_pid_node = node.id();
    /// let stored = node.events().store(Event::new("tick", &())?)?;
    /// assert_eq!(stored.node_id(), actor_pid_node);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn node_id(&self) -> u32 {
        self.node_id
    }

    /// Its correlation id, if any.
    ///
    /// ```
    /// use foundation::events::Event;
    ///
    /// assert_eq!(Event::new("a", &())?.correlation(), None);
    /// assert_eq!(Event::new("a", &())?.correlation_id("job-3").correlation(), Some("job-3"));
    /// # Ok::<(), foundation::events::EventError>(())
    /// ```
    pub fn correlation(&self) -> Option<&str> {
        self.correlation_id.as_deref()
    }

    /// The event that caused it, if any.
    ///
    /// ```
    /// use foundation::events::Event;
    ///
    /// assert_eq!(Event::new("root", &())?.parent_id(), None);
    /// assert_eq!(Event::new("child", &())?.parent(12).parent_id(), Some(12));
    /// # Ok::<(), foundation::events::EventError>(())
    /// ```
    pub fn parent_id(&self) -> Option<EventId> {
        self.parent_id
    }

    /// The Rust type its data was made from.
    ///
    /// ```
    /// use foundation::events::Event;
    ///
    /// assert_eq!(Event::new("n", &5_u32)?.data_type(), "u32");
    /// assert!(Event::new("n", &5_u32)?.data::<i64>().is_err()); // read as another type: refused
    /// # Ok::<(), foundation::events::EventError>(())
    /// ```
    pub fn data_type(&self) -> &str {
        &self.data_type
    }

    /// Its data, as the `T` it was made from.
    ///
    /// # Errors
    ///
    /// [`EventError::WrongType`] if it was made from another type,
    /// [`EventError::Decode`] if the bytes do not decode.
    ///
    /// ```
    /// use foundation::events::{Event, EventError};
    ///
    /// let event = Event::new("temperature", &21.5_f64)?;
    /// assert_eq!(event.data::<f64>()?, 21.5);
    /// assert!(matches!(event.data::<String>(), Err(EventError::WrongType { .. })));
    /// # Ok::<(), EventError>(())
    /// ```
    pub fn data<T: DeserializeOwned>(&self) -> Result<T, EventError> {
        let wanted = core::any::type_name::<T>();
        if wanted != self.data_type {
            return Err(EventError::WrongType {
                wanted: wanted.to_string(),
                actual: self.data_type.clone(),
            });
        }
        postcard::from_bytes(&self.data).map_err(|e| EventError::Decode(e.to_string()))
    }

    /// The event's compact binary form (postcard).
    ///
    /// # Errors
    ///
    /// [`EventError::TooLarge`] past [`MAX_EVENT_BYTES`].
    ///
    /// ```
    /// use foundation::events::Event;
    /// let event = Event::new("ping", &42u32)?;
    /// let bytes = event.to_bytes()?;
    /// assert_eq!(Event::from_bytes(&bytes)?, event);
    /// # Ok::<(), foundation::events::EventError>(())
    /// ```
    pub fn to_bytes(&self) -> Result<Vec<u8>, EventError> {
        let bytes = postcard::to_allocvec(self).map_err(|e| EventError::Encode(e.to_string()))?;
        if bytes.len() > MAX_EVENT_BYTES {
            return Err(EventError::TooLarge {
                bytes: bytes.len(),
                max: MAX_EVENT_BYTES,
            });
        }
        Ok(bytes)
    }

    /// An event from its binary form.
    ///
    /// # Errors
    ///
    /// [`EventError::TooLarge`] past [`MAX_EVENT_BYTES`],
    /// [`EventError::Decode`] for bytes that are not an event (never a
    /// panic, whatever the bytes).
    ///
    /// ```
    /// use foundation::events::{Event, EventError};
    /// assert!(matches!(Event::from_bytes(&[0xff, 0x00, 0x13]), Err(EventError::Decode(_))));
    /// ```
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, EventError> {
        if bytes.len() > MAX_EVENT_BYTES {
            return Err(EventError::TooLarge {
                bytes: bytes.len(),
                max: MAX_EVENT_BYTES,
            });
        }
        let (event, rest): (Event, &[u8]) =
            postcard::take_from_bytes(bytes).map_err(|e| EventError::Decode(e.to_string()))?;
        if !rest.is_empty() {
            return Err(EventError::Decode(format!(
                "{} bytes left after the event",
                rest.len()
            )));
        }
        Ok(event)
    }

    /// Its serialized size, in bytes.
    pub(crate) fn encoded_len(&self) -> Result<usize, EventError> {
        self.to_bytes().map(|b| b.len())
    }
}

impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Event")
            .field("id", &self.id)
            .field("type", &self.event_type)
            .field("timestamp", &self.timestamp)
            .field("node", &self.node_name)
            .field("correlation_id", &self.correlation_id)
            .field("parent_id", &self.parent_id)
            .field("data_type", &self.data_type)
            .field("data_bytes", &self.data.len())
            .finish()
    }
}

/// Why an event could not be made, stored, encoded or decoded.
///
/// ```
/// use foundation::events::{Event, EventError, MAX_EVENT_BYTES};
/// let error = Event::new("blob", &vec![0u8; MAX_EVENT_BYTES + 1]).unwrap_err();
/// assert!(matches!(error, EventError::TooLarge { .. }));
/// ```
#[non_exhaustive]
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
pub enum EventError {
    /// Past the size cap.
    #[error("the event takes {bytes} bytes, more than the {max} allowed")]
    TooLarge {
        /// Its size.
        bytes: usize,
        /// The cap ([`MAX_EVENT_BYTES`]).
        max: usize,
    },
    /// The data could not be serialized.
    #[error("the event's data could not be encoded: {0}")]
    Encode(String),
    /// The bytes are not an event (or not the data's type).
    #[error("the bytes are not an event: {0}")]
    Decode(String),
    /// The data was read as another type than it was made from.
    #[error("the event's data is a `{actual}`, not a `{wanted}`")]
    WrongType {
        /// The type asked for.
        wanted: String,
        /// The type it was made from.
        actual: String,
    },
    /// No event has this id (never stored, or pruned).
    #[error("no event {0} in the store")]
    NotFound(EventId),
    /// A subscriber could not be added (see [`Events::subscribe`](crate::events::Events::subscribe)).
    #[error("the subscriber could not join: {0}")]
    Subscribe(String),
}

impl From<EventError> for Error {
    fn from(error: EventError) -> Self {
        let (number, name, category) = match &error {
            EventError::TooLarge { .. } => (3401, "event.too_large", ErrorCategory::Data),
            EventError::Encode(_) => (3402, "event.encode", ErrorCategory::Data),
            EventError::Decode(_) => (3403, "event.decode", ErrorCategory::Data),
            EventError::WrongType { .. } => (3404, "event.wrong_type", ErrorCategory::Data),
            EventError::NotFound(_) => (3405, "event.not_found", ErrorCategory::Data),
            EventError::Subscribe(_) => (3406, "event.subscribe", ErrorCategory::Data),
        };
        Error::new(ErrorCode::new(number, name), category, error.to_string())
            .with_severity(Severity::Low)
            .with_retry(RetryStrategy::None)
    }
}
