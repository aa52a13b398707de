//! Events (issue 20, ADR 0011 §4): stamping on the node's clock, the
//! store's queries and retention, the compact binary form (round trips,
//! corrupt bytes, the size cap) and delivery through the message layer.

mod common;

use std::sync::mpsc;
use std::time::{Duration, SystemTime};

use common::{T, node, wait_until};
use foundation::events::{
    EVENT_HISTORY, Event, EventError, EventQuery, MAX_EVENT_BYTES, Order, SharedEvent,
};
use foundation::{Actor, Context, Error, ManualClock, Node};
use proptest::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Purchase {
    id: u32,
    items: Vec<String>,
    total_cents: u64,
}

fn manual_node() -> (Node, ManualClock) {
    let clock = ManualClock::new();
    let node = Node::builder()
        .name("shop")
        .schedulers(1)
        .clock(clock.clone())
        .start()
        .unwrap();
    (node, clock)
}

fn order(id: u32) -> Purchase {
    Purchase {
        id,
        items: vec!["tea".into(), "cake".into()],
        total_cents: 450,
    }
}

#[test]
fn the_store_stamps_events_with_the_nodes_clock_and_name() {
    let (node, clock) = manual_node();
    let before = SystemTime::now() - Duration::from_secs(1);
    clock.advance(Duration::from_secs(42));
    let stored = node
        .events()
        .store(Event::new("order.placed", &order(1)).unwrap())
        .unwrap();
    assert_eq!(stored.id(), 1);
    assert_eq!(stored.timestamp(), Duration::from_secs(42));
    assert!(stored.wall_time() >= before);
    assert_eq!((stored.node_name(), stored.node_id()), ("shop", node.id()));
    assert_eq!(stored.data::<Purchase>().unwrap(), order(1));
    assert_eq!(node.events().get(1).unwrap(), stored);
    assert!(matches!(
        stored.data::<u32>(),
        Err(EventError::WrongType { .. })
    ));
    assert_eq!(node.events().get(2), Err(EventError::NotFound(2)));
    node.shutdown().unwrap();
}

#[test]
fn queries_select_by_type_and_time_in_either_order_with_offset_and_limit() {
    let (node, clock) = manual_node();
    let events = node.events();
    for i in 0..10u32 {
        let kind = if i % 2 == 0 { "even" } else { "odd" };
        events.store(Event::new(kind, &i).unwrap()).unwrap();
        clock.advance(Duration::from_secs(1));
    }
    let values = |q: EventQuery| -> Vec<u32> {
        events
            .query(&q)
            .iter()
            .map(|e| e.data::<u32>().unwrap())
            .collect()
    };
    assert_eq!(values(EventQuery::new().event_type("odd")), [1, 3, 5, 7, 9]);
    assert_eq!(
        values(EventQuery::new().between(Duration::from_secs(2), Duration::from_secs(5))),
        [2, 3, 4]
    );
    assert_eq!(
        values(EventQuery::new().order(Order::Newest).offset(1).limit(3)),
        [8, 7, 6]
    );
    assert_eq!(
        values(
            EventQuery::new()
                .event_type("even")
                .since(Duration::from_secs(4))
                .limit(2)
        ),
        [4, 6]
    );
    assert_eq!(
        events
            .recent(2)
            .iter()
            .map(|e| e.data::<u32>().unwrap())
            .collect::<Vec<_>>(),
        [9, 8]
    );
    node.shutdown().unwrap();
}

#[test]
fn correlation_and_causal_chains() {
    let (node, clock) = manual_node();
    let events = node.events();
    let placed = events
        .store(
            Event::new("placed", &order(1))
                .unwrap()
                .correlation_id("req-1"),
        )
        .unwrap();
    clock.advance(Duration::from_secs(1));
    events
        .store(Event::new("other", &0u8).unwrap().correlation_id("req-2"))
        .unwrap();
    let paid = events
        .store(
            Event::new("paid", &450u64)
                .unwrap()
                .correlation_id("req-1")
                .parent(placed.id()),
        )
        .unwrap();
    let shipped = events
        .store(
            Event::new("shipped", &"parcel-9")
                .unwrap()
                .correlation_id("req-1")
                .parent(paid.id()),
        )
        .unwrap();
    let types = |list: Vec<Event>| -> Vec<String> {
        list.iter().map(|e| e.event_type().to_string()).collect()
    };
    assert_eq!(
        types(events.by_correlation("req-1")),
        ["placed", "paid", "shipped"]
    );
    assert_eq!(
        types(events.correlation_chain(shipped.id()).unwrap()),
        ["placed", "paid", "shipped"]
    );
    assert_eq!(events.correlation_chain(99), Err(EventError::NotFound(99)));
    // A chain stops at a cause no longer held.
    assert_eq!(events.prune_before(Duration::from_secs(1)), 1);
    assert_eq!(
        types(events.correlation_chain(shipped.id()).unwrap()),
        ["paid", "shipped"]
    );
    assert_eq!(types(events.by_correlation("req-1")), ["paid", "shipped"]);
    node.shutdown().unwrap();
}

#[test]
fn pruning_retention_and_stats() {
    let (node, clock) = manual_node();
    let events = node.events();
    events.store(Event::new("a", &1u8).unwrap()).unwrap();
    clock.advance(Duration::from_secs(10));
    events.store(Event::new("b", &2u8).unwrap()).unwrap();
    events.store(Event::new("b", &3u8).unwrap()).unwrap();
    let stats = events.stats();
    assert_eq!((stats.stored, stats.held), (3, 3));
    assert_eq!(stats.by_type.get("b"), Some(&2));
    assert_eq!(stats.span, Some((Duration::ZERO, Duration::from_secs(10))));
    assert!(stats.bytes > 0);
    assert_eq!(events.prune_before(Duration::from_secs(10)), 1);
    let stats = events.stats();
    assert_eq!((stats.held, stats.pruned), (2, 1));
    assert_eq!(events.get(1), Err(EventError::NotFound(1)));

    // Past the history, the oldest go.
    let batch: Vec<Event> = (0..EVENT_HISTORY + 5)
        .map(|i| Event::new("bulk", &(i as u64)).unwrap())
        .collect();
    events.store_batch(batch).unwrap();
    let stats = events.stats();
    assert_eq!(stats.held, EVENT_HISTORY);
    assert_eq!(stats.evicted, 7); // the 2 held before, and 5 of the batch
    assert_eq!(
        events.query(&EventQuery::new().limit(1))[0]
            .data::<u64>()
            .unwrap(),
        5
    );
    node.shutdown().unwrap();
}

#[test]
fn an_event_over_the_size_cap_is_refused_and_a_batch_stores_all_or_none() {
    let (node, _clock) = manual_node();
    let big = Event::new("blob", &vec![7u8; MAX_EVENT_BYTES + 1]);
    assert!(matches!(big, Err(EventError::TooLarge { .. })));
    // Data under the cap, but the whole event over it.
    let long_type = "t".repeat(MAX_EVENT_BYTES);
    let over = Event::new(long_type, &1u8).unwrap();
    let error = node
        .events()
        .store_batch(vec![Event::new("fine", &1u8).unwrap(), over])
        .unwrap_err();
    assert!(matches!(error, EventError::TooLarge { .. }), "{error}");
    assert_eq!(node.events().stats().stored, 0, "all or none");
    let umbrella = Error::from(error);
    assert_eq!(umbrella.code().name(), "event.too_large");
    node.shutdown().unwrap();
}

#[test]
fn corrupt_bytes_are_errors() {
    let event = Event::new("ping", &order(3)).unwrap().correlation_id("c");
    let bytes = event.to_bytes().unwrap();
    assert_eq!(Event::from_bytes(&bytes).unwrap(), event);
    assert!(matches!(
        Event::from_bytes(&bytes[..bytes.len() - 1]),
        Err(EventError::Decode(_))
    ));
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(matches!(
        Event::from_bytes(&longer),
        Err(EventError::Decode(_))
    ));
    assert!(matches!(
        Event::from_bytes(&vec![0u8; MAX_EVENT_BYTES + 1]),
        Err(EventError::TooLarge { .. })
    ));
    assert!(matches!(Event::from_bytes(&[]), Err(EventError::Decode(_))));
}

/// Tells the test each event it gets, and where its bytes live.
struct Audit(mpsc::Sender<(String, usize)>);

impl Actor for Audit {
    type Msg = SharedEvent;
    fn handle(&mut self, event: SharedEvent, _: &mut Context<Self>) {
        let decoded = event.decode().unwrap();
        let _ = self.0.send((
            decoded.event_type().to_string(),
            event.bytes().as_ptr() as usize,
        ));
    }
}

#[test]
fn emit_optimized_sends_one_shared_buffer_to_every_subscriber() {
    let node = node(2);
    let (tx, rx) = mpsc::channel();
    let mut audits = Vec::new();
    for _ in 0..3 {
        let audit = node.spawn(Audit(tx.clone())).unwrap();
        node.events().subscribe(audit.recipient()).unwrap();
        audits.push(audit);
    }
    let (stored, reached) = node
        .events()
        .emit_optimized(Event::new("user.login", &"ada").unwrap())
        .unwrap();
    assert_eq!(reached, 3);
    assert_eq!(node.events().get(stored.id()).unwrap(), stored);
    let got: Vec<_> = (0..3).map(|_| rx.recv_timeout(T).unwrap()).collect();
    assert!(got.iter().all(|(t, _)| t == "user.login"));
    assert!(
        got.iter().all(|(_, at)| *at == got[0].1),
        "one buffer: {got:?}"
    );

    // A subscriber that stopped is reached no more.
    audits.pop().unwrap().stop();
    wait_until("the subscriber leaves", || {
        node.events()
            .emit_optimized(Event::new("probe", &0u8).unwrap())
            .unwrap()
            .1
            == 2
    });
    node.shutdown().unwrap();
}

#[test]
fn a_handler_stores_events_through_its_context_and_nodes_keep_their_own() {
    struct Clerk;
    impl Actor for Clerk {
        type Msg = u32;
        fn handle(&mut self, n: u32, ctx: &mut Context<Self>) {
            ctx.events()
                .store(Event::new("counted", &n).unwrap().correlation_id("clerk"))
                .unwrap();
        }
    }
    let a = node(1);
    let b = node(1);
    let clerk = a.spawn(Clerk).unwrap();
    for n in 0..5 {
        clerk.send(n).unwrap();
    }
    wait_until("five events", || a.events().stats().held == 5);
    assert_eq!(a.events().by_correlation("clerk").len(), 5);
    assert_eq!(b.events().stats().held, 0);
}

fn any_event() -> impl Strategy<Value = Event> {
    (
        "[a-z.]{1,20}",
        prop::collection::vec(any::<u8>(), 0..256),
        prop::option::of("[a-z0-9-]{0,12}"),
        prop::option::of(any::<u64>()),
    )
        .prop_map(|(kind, data, correlation, parent)| {
            let mut event = Event::new(kind, &data).unwrap();
            if let Some(c) = correlation {
                event = event.correlation_id(c);
            }
            if let Some(p) = parent {
                event = event.parent(p);
            }
            event
        })
}

proptest! {
    #[test]
    fn serialization_round_trips(event in any_event()) {
        let bytes = event.to_bytes().unwrap();
        prop_assert!(bytes.len() <= MAX_EVENT_BYTES);
        prop_assert_eq!(Event::from_bytes(&bytes).unwrap(), event);
    }

    /// Random bytes, and valid encodings with a byte changed or cut: the
    /// decoder answers with an event or an error, never a panic.
    #[test]
    fn the_decoder_never_panics(
        noise in prop::collection::vec(any::<u8>(), 0..512),
        event in any_event(),
        at in any::<prop::sample::Index>(),
        byte in any::<u8>(),
    ) {
        let _ = Event::from_bytes(&noise);
        let mut bytes = event.to_bytes().unwrap();
        let i = at.index(bytes.len());
        bytes[i] = byte;
        if let Ok(decoded) = Event::from_bytes(&bytes) {
            // Whatever decoded reads back as its own type or says why not.
            let _ = decoded.data::<Vec<u8>>();
        }
        let _ = Event::from_bytes(&bytes[..i]);
    }
}
