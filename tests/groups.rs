//! Process groups: membership under concurrent join / leave / crash,
//! broadcasts that reach each live member exactly once, subscriptions, and
//! members that keep their place across a restart.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, mpsc};
use std::thread;
use std::time::Duration;

use foundation::{
    Actor, ActorRef, ChildSpec, Context, ExitReason, GroupChange, GroupError, GroupEvent, Pid,
    ReplyTo, Supervisor,
};

mod common;
use common::{T, node, wait_until};

/// What members receive.
#[derive(Clone, Debug)]
struct Tick(u64);

enum Msg {
    Tick(Tick),
    Seen(ReplyTo<Vec<u64>>),
    Crash,
}

impl From<Tick> for Msg {
    fn from(t: Tick) -> Self {
        Msg::Tick(t)
    }
}

/// Records every tick it gets (also into a log that outlives it).
struct Member {
    seen: Vec<u64>,
    log: Arc<Mutex<HashMap<u64, Vec<u64>>>>,
}

impl Member {
    fn new(log: &Arc<Mutex<HashMap<u64, Vec<u64>>>>) -> Self {
        Member {
            seen: Vec::new(),
            log: Arc::clone(log),
        }
    }
}

impl Actor for Member {
    type Msg = Msg;
    fn handle(&mut self, msg: Msg, ctx: &mut Context<Self>) {
        match msg {
            Msg::Tick(Tick(n)) => {
                self.seen.push(n);
                self.log
                    .lock()
                    .unwrap()
                    .entry(ctx.pid().number())
                    .or_default()
                    .push(n);
            }
            Msg::Seen(reply) => {
                let _ = reply.reply(self.seen.clone());
            }
            Msg::Crash => panic!("crash on request"),
        }
    }
}

/// A second member type behind the same `Recipient<Tick>`.
struct Echo(mpsc::Sender<(Pid, u64)>);
impl Actor for Echo {
    type Msg = Tick;
    fn handle(&mut self, Tick(n): Tick, ctx: &mut Context<Self>) {
        self.0.send((ctx.pid(), n)).unwrap();
    }
}

struct Watcher(mpsc::Sender<GroupEvent>);
impl Actor for Watcher {
    type Msg = GroupEvent;
    fn handle(&mut self, event: GroupEvent, _: &mut Context<Self>) {
        let _ = self.0.send(event);
    }
}

type Log = Arc<Mutex<HashMap<u64, Vec<u64>>>>;

#[test]
fn membership_under_concurrent_join_leave_and_crash() {
    const OWNERS: usize = 4;
    const PER_OWNER: usize = 100;
    const ROUNDS: usize = 2_000;
    let node = node(2);
    let log: Log = Arc::default();
    let group = node.groups().group::<Tick>("churn").unwrap();
    // Each owner thread joins and leaves its own members at random; another
    // thread crashes members at random meanwhile.
    let members: Vec<Vec<ActorRef<Member>>> = (0..OWNERS)
        .map(|_| {
            (0..PER_OWNER)
                .map(|_| node.spawn(Member::new(&log)).unwrap())
                .collect()
        })
        .collect();
    let victims: Vec<_> = members.iter().flatten().step_by(7).cloned().collect();
    let crashes = victims.len() as u64;
    let crasher = {
        thread::spawn(move || {
            for (i, victim) in victims.iter().enumerate() {
                let _ = victim.send(Msg::Crash);
                if i % 4 == 0 {
                    thread::sleep(Duration::from_micros(200));
                }
            }
        })
    };
    let owners: Vec<_> = members
        .iter()
        .enumerate()
        .map(|(seed, mine)| {
            let (mine, group) = (mine.clone(), group.clone());
            thread::spawn(move || {
                // Whether each member's last successful step was a join.
                let mut joined = vec![false; mine.len()];
                let mut state = seed as u64 * 7919 + 1;
                for _ in 0..ROUNDS {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    let i = ((state >> 8) % mine.len() as u64) as usize;
                    if state & 1 == 0 {
                        match group.join(mine[i].recipient()) {
                            Ok(_) => joined[i] = true,
                            Err(GroupError::NotAlive(_)) => joined[i] = false,
                            Err(other) => panic!("{other}"),
                        }
                    } else {
                        group.leave(mine[i].pid());
                        joined[i] = false;
                    }
                }
                mine.into_iter()
                    .zip(joined)
                    .filter(|(_, j)| *j)
                    .map(|(m, _)| m)
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let last_joined: Vec<ActorRef<Member>> =
        owners.into_iter().flat_map(|t| t.join().unwrap()).collect();
    crasher.join().unwrap();
    wait_until("every victim crashed and is gone", || {
        node.stats().panics == crashes
            && node.actor_count() as u64 == (OWNERS * PER_OWNER) as u64 - crashes
    });
    let expected: HashSet<Pid> = last_joined
        .iter()
        .filter(|m| m.is_alive())
        .map(|m| m.pid())
        .collect();
    wait_until("crashed members have left", || {
        group.pids().into_iter().collect::<HashSet<_>>() == expected
    });
    let pids = group.pids();
    assert_eq!(pids.len(), expected.len(), "no member twice");
    assert_eq!(group.len(), expected.len());
}

#[test]
fn a_broadcast_reaches_each_live_member_exactly_once() {
    const MEMBERS: usize = 1_000;
    const BROADCASTS: u64 = 40;
    let node = node(2);
    let log: Log = Arc::default();
    let groups = node.groups();
    let members: Vec<ActorRef<Member>> = (0..MEMBERS)
        .map(|_| {
            let m = node.spawn(Member::new(&log)).unwrap();
            assert!(groups.join("all", m.recipient::<Tick>()).unwrap());
            // Joining twice changes nothing.
            assert!(!groups.join("all", m.recipient::<Tick>()).unwrap());
            m
        })
        .collect();
    let doomed: Vec<_> = members.iter().step_by(10).cloned().collect();
    // Two broadcasters, and crashes in the middle of it.
    let broadcasters: Vec<_> = (0..2)
        .map(|b| {
            let groups = groups.clone();
            thread::spawn(move || {
                let mut delivered = 0;
                for i in 0..BROADCASTS / 2 {
                    let sent = groups.broadcast("all", Tick(b * 1_000 + i)).unwrap();
                    delivered += sent.delivered;
                    for (_, refused) in sent.refused {
                        assert!(refused.is_closed());
                    }
                }
                delivered
            })
        })
        .collect();
    for d in &doomed {
        let _ = d.send(Msg::Crash);
    }
    let delivered: usize = broadcasters.into_iter().map(|t| t.join().unwrap()).sum();
    let mut live = 0;
    for m in &members {
        if doomed.contains(m) {
            continue;
        }
        let mut seen = m.call(Msg::Seen, T).unwrap();
        assert_eq!(seen.len() as u64, BROADCASTS, "each broadcast once");
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len() as u64, BROADCASTS);
        live += 1;
    }
    // The doomed saw no message twice either.
    for (_, seen) in log.lock().unwrap().iter() {
        let unique: HashSet<_> = seen.iter().collect();
        assert_eq!(unique.len(), seen.len());
    }
    assert!(delivered >= live * BROADCASTS as usize);
    wait_until("the doomed have left", || {
        groups.member_pids("all").len() == MEMBERS - doomed.len()
    });
}

#[test]
fn members_of_different_types_share_a_group() {
    let node = node(2);
    let log: Log = Arc::default();
    let (tx, rx) = mpsc::channel();
    let member = node.spawn(Member::new(&log)).unwrap();
    let echo = node.spawn(Echo(tx)).unwrap();
    let ticks = node.groups().group::<Tick>("ticks").unwrap();
    ticks.join(member.recipient()).unwrap();
    ticks.join(echo.recipient()).unwrap();
    assert_eq!(ticks.broadcast(Tick(5)).delivered, 2);
    assert_eq!(rx.recv_timeout(T).unwrap(), (echo.pid(), 5));
    assert_eq!(member.call(Msg::Seen, T), Ok(vec![5]));
    // The group's type is fixed.
    let wrong = node.groups().join("ticks", member.recipient::<Msg>());
    assert!(
        matches!(wrong, Err(GroupError::WrongType { .. })),
        "{wrong:?}"
    );
}

#[test]
fn subscribers_see_joins_leaves_and_exits_in_order() {
    let node = node(2);
    let log: Log = Arc::default();
    let (tx, rx) = mpsc::channel();
    let watcher = node.spawn(Watcher(tx)).unwrap();
    let groups = node.groups();
    let early = node.spawn(Member::new(&log)).unwrap();
    groups.join("g", early.recipient::<Tick>()).unwrap();
    let already = groups.subscribe::<Tick>("g", watcher.recipient()).unwrap();
    assert_eq!(already, [early.pid()]);

    let a = node.spawn(Member::new(&log)).unwrap();
    let b = node.spawn(Member::new(&log)).unwrap();
    groups.join("g", a.recipient::<Tick>()).unwrap();
    groups.join("g", b.recipient::<Tick>()).unwrap();
    groups.leave("g", a.pid());
    b.send(Msg::Crash).ok().unwrap();
    let events: Vec<_> = (0..4).map(|_| rx.recv_timeout(T).unwrap()).collect();
    let summary: Vec<_> = events
        .iter()
        .map(|e| (e.pid, e.change.clone()))
        .map(|(pid, change)| match change {
            GroupChange::Exited(ExitReason::Panic(_)) => (pid, "exited (panic)"),
            GroupChange::Joined => (pid, "joined"),
            GroupChange::Left => (pid, "left"),
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert_eq!(
        summary,
        [
            (a.pid(), "joined"),
            (b.pid(), "joined"),
            (a.pid(), "left"),
            (b.pid(), "exited (panic)"),
        ]
    );
    assert!(events.iter().all(|e| &*e.group == "g"));

    // A subscriber that stops is dropped (and holds nothing any more).
    watcher.stop();
    wait_until("the watcher is gone", || !watcher.is_alive());
    groups.join("g", a.recipient::<Tick>()).unwrap();
    a.stop();
    early.stop();
    wait_until("nothing is held", || node.stats().named_actors == 0);
}

#[test]
fn a_restarted_member_keeps_its_place_and_its_queued_messages() {
    let node = node(2);
    let log: Log = Arc::default();
    let child_log = Arc::clone(&log);
    let sup = Supervisor::builder()
        .child(ChildSpec::new("member", move || Member::new(&child_log)))
        .spawn(&node)
        .unwrap();
    let member = sup.child::<Member>("member").unwrap().unwrap();
    let group = node.groups().group::<Tick>("supervised").unwrap();
    group.join(member.recipient()).unwrap();
    member.send(Msg::Crash).ok().unwrap();
    // Sent while it crashes and restarts: queued, handled by the next one.
    assert_eq!(group.broadcast(Tick(1)).delivered, 1);
    assert_eq!(member.call(Msg::Seen, T), Ok(vec![1]));
    assert_eq!(member.pid().incarnation(), 1);
    assert_eq!(group.pids(), [member.pid()]);
    // Stopped for good (the supervisor goes): it leaves.
    sup.stop();
    wait_until("the member left", || group.is_empty());
}

#[test]
fn groups_are_per_node_and_which_groups_lists_the_non_empty() {
    let (a, b) = (node(1), node(1));
    let log: Log = Arc::default();
    let on_a = a.spawn(Member::new(&log)).unwrap();
    a.groups().join("x", on_a.recipient::<Tick>()).unwrap();
    assert_eq!(a.groups().which_groups(), ["x"]);
    assert!(b.groups().which_groups().is_empty());
    assert!(b.groups().member_pids("x").is_empty());
    a.groups().leave("x", on_a.pid());
    assert!(a.groups().which_groups().is_empty());
}

#[test]
fn subscribers_see_every_change_of_a_churning_group_in_order() {
    const MEMBERS: usize = 50;
    const ROUNDS: usize = 3_000;
    let node = node(2);
    let log: Log = Arc::default();
    let (tx, rx) = mpsc::channel();
    let watcher = node.spawn(Watcher(tx)).unwrap();
    let group = node.groups().group::<Tick>("churn").unwrap();
    assert!(group.subscribe(watcher.recipient()).unwrap().is_empty());
    let members: Vec<ActorRef<Member>> = (0..MEMBERS)
        .map(|_| node.spawn(Member::new(&log)).unwrap())
        .collect();
    let churners: Vec<_> = (0..2)
        .map(|seed| {
            let (members, group) = (members.clone(), group.clone());
            thread::spawn(move || {
                let mut state = seed * 7919 + 1;
                for _ in 0..ROUNDS {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    let m = &members[((state >> 8) % MEMBERS as u64) as usize];
                    if state & 1 == 0 {
                        match group.join(m.recipient()) {
                            Ok(_) | Err(GroupError::NotAlive(_)) => {}
                            Err(other) => panic!("{other}"),
                        }
                    } else {
                        group.leave(m.pid());
                    }
                }
            })
        })
        .collect();
    // Some members crash while the others churn.
    for m in members.iter().step_by(5) {
        m.send(Msg::Crash).ok().unwrap();
    }
    for c in churners {
        c.join().unwrap();
    }
    wait_until("the crashed are gone", || {
        node.actor_count() == 1 + MEMBERS - MEMBERS / 5
    });
    let final_members: HashSet<Pid> = group.pids().into_iter().collect();
    // Replay the events: per member they alternate join / leave, and the
    // replay ends where the group is.
    let mut replay: HashMap<Pid, bool> = HashMap::new();
    let mut members_now: HashSet<Pid> = HashSet::new();
    // Every event was sent before the change it reports returned (or, for
    // a crash, before the actor left the node): all are queued by now, and
    // a marker sent to the watcher after them comes out after them.
    let marker = node.groups().group::<Tick>("end of the events").unwrap();
    marker.subscribe(watcher.recipient()).unwrap();
    marker.join(members[1].recipient()).unwrap();
    let mut events = 0;
    loop {
        let event = rx.recv_timeout(T).unwrap();
        if &*event.group == "end of the events" {
            break;
        }
        events += 1;
        let was_in = replay.insert(event.pid, !event.change.is_leave());
        match event.change {
            GroupChange::Joined => {
                assert_ne!(was_in, Some(true), "{} joined twice in a row", event.pid);
                members_now.insert(event.pid);
            }
            _ => {
                assert_eq!(was_in, Some(true), "{} left without joining", event.pid);
                members_now.remove(&event.pid);
            }
        }
    }
    assert!(events > ROUNDS / 2, "only {events} events");
    assert_eq!(members_now, final_members);
    for m in members.iter().step_by(5) {
        assert!(!final_members.contains(&m.pid()));
    }
}

#[test]
fn an_empty_group_can_be_deleted_and_its_name_reused_for_another_type() {
    let node = node(1);
    let groups = node.groups();
    let old = groups.group::<u8>("g").unwrap();
    let watcher = node.spawn(Watcher(mpsc::channel().0)).unwrap();
    groups
        .subscribe::<u8>("g", watcher.recipient::<GroupEvent>())
        .unwrap();
    assert!(matches!(
        groups.delete("g"),
        Err(GroupError::NotEmpty {
            members: 0,
            subscribers: 1,
            ..
        })
    ));
    watcher.stop();
    wait_until("the subscription goes with its actor", || {
        groups.delete("g").is_ok()
    });
    let live = node.spawn(Watcher(mpsc::channel().0)).unwrap();
    assert_eq!(
        old.subscribe(live.recipient::<GroupEvent>()),
        Err(GroupError::Deleted("g".into()))
    );
    assert_eq!(groups.delete("g"), Err(GroupError::NotFound("g".into())));
    assert!(
        groups.group::<String>("g").is_ok(),
        "the name is free again"
    );
}

#[test]
fn joins_racing_deletions_are_never_lost() {
    // Each round: one thread deletes the group (when empty) while others
    // join it through `ProcessGroups::join`. Every join that reports
    // success must leave its member in the group by that name.
    let node = node(2);
    let groups = node.groups();
    let log: Log = Arc::default();
    let members: Vec<_> = (0..3)
        .map(|_| node.spawn(Member::new(&log)).unwrap())
        .collect();
    for round in 0..2_000 {
        let name = format!("g{round}");
        groups.group::<Tick>(&name).unwrap();
        let deleter = {
            let (groups, name) = (groups.clone(), name.clone());
            Box::new(move || {
                let _ = groups.delete(&name);
                None
            }) as Box<dyn FnOnce() -> Option<Pid> + Send>
        };
        let joiners = members.iter().map(|m| {
            let (groups, name, m) = (groups.clone(), name.clone(), m.clone());
            Box::new(move || {
                groups
                    .join(&name, m.recipient::<Tick>())
                    .unwrap()
                    .then(|| m.pid())
            }) as Box<dyn FnOnce() -> Option<Pid> + Send>
        });
        let joined: HashSet<Pid> = common::race(std::iter::once(deleter).chain(joiners))
            .into_iter()
            .flatten()
            .collect();
        assert_eq!(joined.len(), 3, "every join succeeded (round {round})");
        let present: HashSet<Pid> = groups.member_pids(&name).into_iter().collect();
        assert_eq!(
            present, joined,
            "a join was lost to a deletion (round {round})"
        );
    }
}

#[test]
fn an_actor_of_another_node_is_refused_and_cannot_shadow_a_local_one() {
    let here = node(1);
    let there = node(1);
    let (tx, _rx) = mpsc::channel();
    let local = here.spawn(Echo(tx.clone())).unwrap();
    let foreign = there.spawn(Echo(tx)).unwrap();
    // Same number on both nodes: the first actor of each.
    assert_eq!(local.pid().number(), foreign.pid().number());
    let groups = here.groups();
    let refused = groups.join("g", foreign.recipient::<Tick>());
    assert_eq!(
        refused,
        Err(GroupError::OtherNode {
            pid: foreign.pid(),
            actor_node: there.id(),
            node: here.id(),
        })
    );
    let (tx, _events) = mpsc::channel();
    let foreign_watcher = there.spawn(Watcher(tx)).unwrap();
    assert!(matches!(
        groups.subscribe::<Tick>("g", foreign_watcher.recipient()),
        Err(GroupError::OtherNode { .. })
    ));
    // The local actor with the same number joins, and a foreign pid with
    // its number cannot make it leave.
    assert_eq!(groups.join("g", local.recipient::<Tick>()), Ok(true));
    assert!(!groups.leave("g", foreign.pid()));
    assert_eq!(groups.member_pids("g"), [local.pid()]);
}
