//! `message_size_analysis` (ADR 0007 §9): inline, owned and shared bytes of
//! nested structs, vectors, maps, `Bytes` and a `#[handlers]` message; the
//! cost of a broadcast cloned versus shared; the recommendation.

use std::collections::{BTreeMap, HashMap};
use std::mem::size_of;
use std::sync::Arc;

use foundation::prelude::*;
use foundation::{Bytes, MessageSize, Payload, message_size_analysis};

#[derive(MessageSize)]
struct Line {
    sku: String,
    quantity: u32,
}

#[derive(MessageSize)]
struct Order {
    id: u64,
    lines: Vec<Line>,
    tags: HashMap<String, u16>,
    notes: BTreeMap<u32, String>,
    scan: Bytes,
    catalogue: Arc<Vec<u64>>,
}

fn order() -> Order {
    let lines = vec![
        Line {
            sku: "tea".to_string(),
            quantity: 2,
        },
        Line {
            sku: "scones".to_string(),
            quantity: 6,
        },
    ];
    let mut tags = HashMap::with_capacity(3);
    tags.insert("gift".to_string(), 1);
    let mut notes = BTreeMap::new();
    notes.insert(1, "ring twice".to_string());
    Order {
        id: 7,
        lines,
        tags,
        notes,
        scan: Bytes::from(vec![0u8; 50_000]),
        catalogue: Arc::new(vec![0u64; 100]),
    }
}

#[test]
fn nested_structs_vectors_maps_and_shared_buffers_add_up() {
    let order = order();
    let report = message_size_analysis(&order);
    assert_eq!(report.inline, size_of::<Order>());
    let lines = 2 * size_of::<Line>() + "tea".len() + "scones".len();
    let tags = order.tags.capacity() * (size_of::<(String, u16)>() + 1) + "gift".len();
    let notes = size_of::<(u32, String)>() + "ring twice".len();
    assert_eq!(report.heap, lines + tags + notes);
    // The scan and the catalogue are shared: a clone counts them.
    assert_eq!(report.shared, 50_000 + size_of::<Vec<u64>>() + 100 * 8);
    assert_eq!(report.unmeasured, 0);
    assert_eq!(report.total(), report.inline + report.heap + report.shared);
}

#[test]
fn a_broadcast_costs_the_owned_bytes_per_member_cloned_and_once_shared() {
    let big = vec![1u8; 1 << 20];
    let report = message_size_analysis(&big);
    let cost = report.broadcast_cost(1_000);
    assert_eq!(cost.cloned, 1_000 * (size_of::<Vec<u8>>() + (1 << 20)));
    assert_eq!(cost.shared, 1_000 * size_of::<Vec<u8>>() + (1 << 20));
    assert!(report.recommendation().contains("broadcast_optimized"));
    // Already shared: the same either way.
    let shared = message_size_analysis(&Payload::new(big, Payload::DEFAULT_THRESHOLD));
    assert_eq!(shared.heap, 0);
    assert_eq!(shared.shared, 1 << 20);
    let cost = shared.broadcast_cost(1_000);
    assert_eq!(cost.cloned, cost.shared);
}

/// Not `MessageSize`.
struct Socket;

#[actor]
struct Archive;

#[handlers]
impl Archive {
    pub fn store(&mut self, _name: String, _data: Vec<u8>) {}
    pub fn attach(&mut self, _socket: Socket) {}
    pub fn count(&self) -> u64 {
        0
    }
}

#[test]
fn a_handlers_message_measures_its_arguments_and_says_what_it_cannot() {
    let store = ArchiveMsg::Store("log".to_string(), vec![0u8; 10_000]);
    let report = message_size_analysis(&store);
    assert_eq!(report.inline, size_of::<ArchiveMsg>());
    assert_eq!(report.heap, 3 + 10_000);
    assert_eq!(report.unmeasured, 0);
    assert!(report.recommendation().contains("heap"));

    let attach = message_size_analysis(&ArchiveMsg::Attach(Socket));
    assert_eq!((attach.heap, attach.unmeasured), (0, 1));
    assert!(attach.recommendation().contains("could not be measured"));

    // A call's variant carries its reply slot: shared, nothing counted.
    let node = Node::builder().schedulers(1).start().unwrap();
    let archive = node.spawn(Archive).unwrap();
    assert_eq!(archive.count().unwrap(), 0);
    node.shutdown().unwrap();
}

#[test]
fn the_recommendation_for_a_small_message_is_to_send_it_freely() {
    let report = message_size_analysis(&(1u32, "tag".to_string()));
    assert_eq!(report.heap, 3);
    assert!(
        report.recommendation().starts_with("Small"),
        "{}",
        report.recommendation()
    );
}

/// What the analysis counts for the standard containers, each as its doc
/// says: a box adds its value, a vector its capacity, a slice or array its
/// items, an option or result only what it holds, shared buffers once.
#[test]
fn the_standard_containers_are_measured_as_documented() {
    use foundation::{Bytes, MessageSize, Sizes, message_size_analysis};
    use std::collections::{BTreeMap, HashMap, VecDeque};
    use std::sync::Arc;

    let heap = |value: &dyn MessageSize| {
        let mut sizes = Sizes::default();
        value.add_heap(&mut sizes);
        (sizes.heap, sizes.shared)
    };
    assert_eq!(heap(&Box::new(7_u64)), (8, 0));
    assert_eq!(heap(&Box::new(String::from("abcd"))), (24 + 4, 0));
    let mut vector = Vec::with_capacity(10);
    vector.extend([1_u32, 2, 3]);
    assert_eq!(heap(&vector), (40, 0)); // capacity, not length
    assert_eq!(
        heap(&vec![String::from("ab"), String::from("cde")]),
        (48 + 5, 0)
    );
    assert_eq!(heap(&[String::from("ab"), String::from("c")]), (3, 0)); // inline items, their heap
    assert_eq!(heap(&Some(String::from("abc"))), (3, 0));
    assert_eq!(heap(&None::<String>), (0, 0));
    assert_eq!(heap(&Ok::<String, String>(String::from("ok"))), (2, 0));
    assert_eq!(heap(&Err::<String, String>(String::from("error"))), (5, 0));
    let mut queue = VecDeque::with_capacity(4);
    queue.push_back(1_u64);
    assert_eq!(heap(&queue), (32, 0));
    assert_eq!(heap(&Bytes::from(vec![0_u8; 100])), (0, 100));
    let shared: Arc<[String]> = Arc::from(vec![String::from("abc")]);
    assert_eq!(heap(&shared), (0, 24 + 3)); // the slice and what it holds, shared
    // Maps are estimates (see their impls); they grow with their entries.
    let small: HashMap<u32, u32> = (0..4).map(|n| (n, n)).collect();
    let large: HashMap<u32, u32> = (0..400).map(|n| (n, n)).collect();
    assert!(heap(&large).0 > heap(&small).0);
    let tree: BTreeMap<u32, String> = [(1, String::from("xy"))].into();
    assert!(heap(&tree).0 >= 8 + 24 + 2);
    // Handles and unit values hold nothing of their own.
    assert_eq!(heap(&()), (0, 0));
    let report = message_size_analysis(&Some(vec![0_u8; 64]));
    assert_eq!(report.heap, 64);
}
