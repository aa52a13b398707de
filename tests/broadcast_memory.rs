//! A broadcast of one shared buffer costs the buffer once: 1 MiB to 1,000
//! group members allocates about 1 MiB, where cloning it per member
//! allocates a mebibyte each. Counted exactly by a counting global
//! allocator, in a binary of its own (it counts every thread of the
//! process).

use std::sync::mpsc;
use std::time::Duration;

use foundation::{Actor, Bytes, Context, Node, broadcast_optimized};
use foundation_project::CountingAllocator;

#[global_allocator]
static ALLOC: CountingAllocator = CountingAllocator::new();

const MIB: usize = 1 << 20;

/// What a member gets: a count of a shared buffer, or bytes of its own.
#[derive(Clone)]
enum Data {
    Shared(Bytes),
    Owned(Vec<u8>),
}

impl From<Bytes> for Data {
    fn from(bytes: Bytes) -> Data {
        Data::Shared(bytes)
    }
}

/// Keeps what it was sent (so that the memory stays live to be counted)
/// and says so.
struct Keeper {
    kept: Option<Data>,
    told: mpsc::Sender<usize>,
}

impl Actor for Keeper {
    type Msg = Data;
    fn handle(&mut self, data: Data, _: &mut Context<Self>) {
        let len = match &data {
            Data::Shared(b) => b.len(),
            Data::Owned(v) => v.len(),
        };
        self.kept = Some(data);
        self.told.send(len).unwrap();
    }
}

/// Spawns `n` keepers in a group, and returns the group and the channel
/// they report on.
fn keepers(node: &Node, name: &str, n: usize) -> (foundation::Group<Data>, mpsc::Receiver<usize>) {
    let group = node.groups().group::<Data>(name).unwrap();
    let (told, reports) = mpsc::channel();
    for _ in 0..n {
        let keeper = node
            .spawn(Keeper {
                kept: None,
                told: told.clone(),
            })
            .unwrap();
        group.join(keeper.recipient()).unwrap();
    }
    (group, reports)
}

fn wait_for(reports: &mpsc::Receiver<usize>, n: usize, len: usize) {
    for _ in 0..n {
        let got = reports.recv_timeout(Duration::from_secs(60)).unwrap();
        assert_eq!(got, len);
    }
}

#[test]
fn a_shared_broadcast_of_a_mebibyte_to_a_thousand_members_allocates_about_a_mebibyte() {
    const MEMBERS: usize = 1_000;
    let node = Node::builder().schedulers(2).start().unwrap();

    // Shared: one buffer, a thousand counts of it.
    let (group, reports) = keepers(&node, "shared", MEMBERS);
    let before = ALLOC.live_bytes();
    let sent = broadcast_optimized(&group, vec![7u8; MIB]);
    assert_eq!((sent.delivered, sent.refused.len()), (MEMBERS, 0));
    wait_for(&reports, MEMBERS, MIB);
    let shared = ALLOC.live_bytes() - before;
    assert!(
        shared >= MIB as isize,
        "the buffer is counted: {shared} bytes"
    );
    // The buffer, and each member's first mailbox block (its queue keeps
    // one): well under 2 MiB, not 1 GiB.
    assert!(
        shared < 2 * MIB as isize,
        "{shared} bytes live for a shared broadcast to {MEMBERS}"
    );

    // Cloned, for contrast, to a tenth as many: a mebibyte each.
    const CLONED: usize = MEMBERS / 10;
    let (group, reports) = keepers(&node, "cloned", CLONED);
    let before = ALLOC.live_bytes();
    let sent = group.broadcast(Data::Owned(vec![7u8; MIB]));
    assert_eq!(sent.delivered, CLONED);
    wait_for(&reports, CLONED, MIB);
    let cloned = ALLOC.live_bytes() - before;
    assert!(
        cloned >= (CLONED * MIB) as isize,
        "{cloned} bytes live for a cloned broadcast to {CLONED}"
    );
    node.shutdown().unwrap();
}
