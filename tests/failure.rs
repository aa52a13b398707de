//! Failure semantics below supervisors: links, monitors, trapped exits,
//! kills (including of a handler that never returns) and stale
//! incarnations.

use std::sync::atomic::{AtomicU64, Ordering::SeqCst};
use std::sync::{Arc, Mutex, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use foundation::{
    Actor, ActorOptions, ActorRef, CallError, ChildSpec, Context, Down, ExitReason, LinkError, Pid,
    ReplyTo, Supervisor,
};

mod common;
use common::{T, node, wait_until};

/// Reports its exit reason.
struct Reporter {
    exits: mpsc::Sender<(Pid, ExitReason)>,
    pid: Option<Pid>,
}

impl Reporter {
    fn new(exits: &mpsc::Sender<(Pid, ExitReason)>) -> Self {
        Reporter {
            exits: exits.clone(),
            pid: None,
        }
    }
}

enum Cmd {
    Panic,
    Stop,
    Link(ActorRef<Reporter>),
    Unlink(ActorRef<Reporter>),
    /// Answers once every message before it has been handled.
    Sync(mpsc::Sender<()>),
}

/// Returns once `actor` has handled every message sent to it before.
fn settled(actor: &ActorRef<Reporter>) {
    let (tx, rx) = mpsc::channel();
    actor.send(Cmd::Sync(tx)).ok().unwrap();
    rx.recv_timeout(T).unwrap();
}

impl Actor for Reporter {
    type Msg = Cmd;
    fn started(&mut self, ctx: &mut Context<Self>) {
        self.pid = Some(ctx.pid());
    }
    fn handle(&mut self, cmd: Cmd, ctx: &mut Context<Self>) {
        match cmd {
            Cmd::Panic => panic!("reporter panics"),
            Cmd::Stop => ctx.stop(),
            Cmd::Link(other) => ctx.link(&other).unwrap(),
            Cmd::Unlink(other) => ctx.unlink(&other),
            Cmd::Sync(done) => done.send(()).unwrap(),
        }
    }
    fn stopped(&mut self, reason: &ExitReason) {
        let _ = self.exits.send((self.pid.unwrap(), reason.clone()));
    }
}

#[test]
fn links_propagate_abnormal_exits_both_ways() {
    let node = node(2);
    let (tx, rx) = mpsc::channel();
    let a = node.spawn(Reporter::new(&tx)).unwrap();
    let b = node.spawn(Reporter::new(&tx)).unwrap();
    a.send(Cmd::Link(b.clone())).unwrap();
    // The link is in place before b crashes.
    settled(&a);
    b.send(Cmd::Panic).unwrap();
    let first = rx.recv_timeout(T).unwrap();
    let second = rx.recv_timeout(T).unwrap();
    assert_eq!(
        first,
        (b.pid(), ExitReason::Panic("reporter panics".into()))
    );
    assert_eq!(
        second,
        (
            a.pid(),
            ExitReason::Linked(
                b.pid(),
                Box::new(ExitReason::Panic("reporter panics".into()))
            )
        )
    );

    // The other direction, with a kill.
    let c = node.spawn(Reporter::new(&tx)).unwrap();
    let d = node.spawn(Reporter::new(&tx)).unwrap();
    d.send(Cmd::Link(c.clone())).unwrap();
    settled(&d);
    assert!(d.kill());
    let mut got = vec![rx.recv_timeout(T).unwrap(), rx.recv_timeout(T).unwrap()];
    got.sort_by_key(|(pid, _)| *pid);
    // (Pid order is not spawn order: sort what is expected too.)
    let mut expected = vec![
        (
            c.pid(),
            ExitReason::Linked(d.pid(), Box::new(ExitReason::Killed)),
        ),
        (d.pid(), ExitReason::Killed),
    ];
    expected.sort_by_key(|(pid, _)| *pid);
    assert_eq!(got, expected);
}

#[test]
fn normal_exits_and_unlinked_actors_do_not_propagate() {
    let node = node(2);
    let (tx, rx) = mpsc::channel();
    let a = node.spawn(Reporter::new(&tx)).unwrap();
    let b = node.spawn(Reporter::new(&tx)).unwrap();
    let c = node.spawn(Reporter::new(&tx)).unwrap();
    a.send(Cmd::Link(b.clone())).unwrap();
    a.send(Cmd::Link(c.clone())).unwrap();
    a.send(Cmd::Unlink(c.clone())).unwrap();
    settled(&a);
    b.send(Cmd::Stop).unwrap();
    assert_eq!(rx.recv_timeout(T).unwrap(), (b.pid(), ExitReason::Normal));
    c.send(Cmd::Panic).unwrap();
    assert!(matches!(
        rx.recv_timeout(T).unwrap().1,
        ExitReason::Panic(_)
    ));
    thread::sleep(Duration::from_millis(50));
    assert!(
        a.is_alive(),
        "a normal exit and an unlinked crash leave a running"
    );
    assert!(rx.try_recv().is_err());
}

enum Talk {
    Say(u32),
    Die(ExitReason),
}

/// Sends numbered messages to a listener, then dies.
struct Talker {
    to: Option<ActorRef<Listener>>,
}

impl Actor for Talker {
    type Msg = Talk;
    fn handle(&mut self, msg: Talk, ctx: &mut Context<Self>) {
        match msg {
            Talk::Say(n) => {
                let _ = self
                    .to
                    .as_ref()
                    .unwrap()
                    .send(Heard::Said(ctx.pid(), n).into());
            }
            Talk::Die(reason) => ctx.stop_with(reason),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Heard {
    Said(Pid, u32),
    Exit(Pid, ExitReason),
    Down(Pid, ExitReason),
}

enum ListenerMsg {
    Heard(Heard),
    Watch(ActorRef<Talker>, ReplyTo<()>),
    /// Answers once everything before it has been handled.
    Sync(ReplyTo<()>),
}

impl From<Heard> for ListenerMsg {
    fn from(h: Heard) -> Self {
        ListenerMsg::Heard(h)
    }
}

/// Traps exits, links and monitors talkers, and logs what it hears.
struct Listener {
    log: Arc<Mutex<Vec<Heard>>>,
}

impl Actor for Listener {
    type Msg = ListenerMsg;
    fn started(&mut self, ctx: &mut Context<Self>) {
        ctx.trap_exit(true);
    }
    fn handle(&mut self, msg: ListenerMsg, ctx: &mut Context<Self>) {
        match msg {
            ListenerMsg::Heard(h) => self.log.lock().unwrap().push(h),
            ListenerMsg::Watch(talker, reply) => {
                ctx.link(&talker).unwrap();
                ctx.monitor(&talker).unwrap();
                let _ = reply.reply(());
            }
            ListenerMsg::Sync(reply) => {
                let _ = reply.reply(());
            }
        }
    }
    fn on_exit(&mut self, from: Pid, reason: ExitReason, _: &mut Context<Self>) {
        self.log.lock().unwrap().push(Heard::Exit(from, reason));
    }
    fn on_down(&mut self, down: Down, _: &mut Context<Self>) {
        self.log
            .lock()
            .unwrap()
            .push(Heard::Down(down.pid, down.reason));
    }
}

impl Talker {
    fn new() -> Self {
        Talker { to: None }
    }
}

#[test]
fn trapped_exits_and_downs_arrive_once_after_the_messages_of_that_pid() {
    let node = node(2);
    let log = Arc::new(Mutex::new(Vec::new()));
    let listener = node
        .spawn(Listener {
            log: Arc::clone(&log),
        })
        .unwrap();
    // Many talkers, each saying 100 things and then exiting abnormally.
    const TALKERS: usize = 20;
    const SAID: u32 = 100;
    let mut pids = Vec::new();
    for i in 0..TALKERS {
        let talker = node
            .spawn(Talker {
                to: Some(listener.clone()),
            })
            .unwrap();
        listener
            .call(|r| ListenerMsg::Watch(talker.clone(), r), T)
            .unwrap();
        for n in 0..SAID {
            talker.send(Talk::Say(n)).unwrap();
        }
        let reason = if i % 2 == 0 {
            ExitReason::Panic("gone".into())
        } else {
            ExitReason::Normal
        };
        talker.send(Talk::Die(reason)).unwrap();
        pids.push(talker.pid());
    }
    // Every talker: 100 messages, then (abnormal) one exit and one down;
    // (normal) one exit (trapped exits include normal ones) and one down.
    wait_until("all downs", || {
        log.lock()
            .unwrap()
            .iter()
            .filter(|h| matches!(h, Heard::Down(..)))
            .count()
            == TALKERS
    });
    // Nothing more can come: each talker's exit signal is queued before
    // its down (links fire before monitors), and its messages before both.
    let log = log.lock().unwrap().clone();
    for pid in pids {
        let mine: Vec<&Heard> = log
            .iter()
            .filter(|h| match h {
                Heard::Said(p, _) | Heard::Exit(p, _) | Heard::Down(p, _) => *p == pid,
            })
            .collect();
        assert_eq!(mine.len(), SAID as usize + 2, "{pid}: {mine:?}");
        for (n, heard) in mine.iter().take(SAID as usize).enumerate() {
            assert_eq!(**heard, Heard::Said(pid, n as u32));
        }
        let tail = &mine[SAID as usize..];
        assert_eq!(
            tail.iter().filter(|h| matches!(h, Heard::Exit(..))).count(),
            1
        );
        assert_eq!(
            tail.iter().filter(|h| matches!(h, Heard::Down(..))).count(),
            1
        );
    }
}

#[test]
fn a_monitor_is_bound_to_one_incarnation() {
    let node = node(2);
    let log = Arc::new(Mutex::new(Vec::new()));
    let listener = node
        .spawn(Listener {
            log: Arc::clone(&log),
        })
        .unwrap();
    let sup = Supervisor::builder()
        .child(ChildSpec::new("t", Talker::new))
        .spawn(&node)
        .unwrap();
    let talker = sup.child::<Talker>("t").unwrap().unwrap();
    let first = talker.pid();
    // Monitor (and link) incarnation 0 only.
    listener
        .call(|r| ListenerMsg::Watch(talker.clone(), r), T)
        .unwrap();
    talker
        .send(Talk::Die(ExitReason::Panic("once".into())))
        .unwrap();
    wait_until("the restart", || {
        talker.pid().incarnation() == 1 && talker.is_alive()
    });
    // A probe monitors incarnation 1: its down comes after every signal
    // incarnation 1's end sends (links fire before monitors).
    struct Probe(Pid, mpsc::Sender<Option<Down>>);
    impl Actor for Probe {
        type Msg = ();
        fn started(&mut self, ctx: &mut Context<Self>) {
            ctx.monitor_pid(self.0).unwrap();
            self.1.send(None).unwrap(); // monitoring
        }
        fn handle(&mut self, _: (), _: &mut Context<Self>) {}
        fn on_down(&mut self, down: Down, _: &mut Context<Self>) {
            self.1.send(Some(down)).unwrap();
        }
    }
    let (probe_tx, probe_rx) = mpsc::channel();
    node.spawn(Probe(talker.pid(), probe_tx)).unwrap();
    assert_eq!(probe_rx.recv_timeout(T).unwrap(), None);
    talker
        .send(Talk::Die(ExitReason::Panic("twice".into())))
        .unwrap();
    let down = probe_rx.recv_timeout(T).unwrap().expect("a down");
    assert_eq!(down.pid.incarnation(), 1);
    // Everything incarnation 1's end sent to the listener is queued by now.
    listener.call(ListenerMsg::Sync, T).unwrap();
    let log = log.lock().unwrap().clone();
    let reason = ExitReason::Panic("once".into());
    let mut sorted = log.clone();
    sorted.sort_by_key(|h| format!("{h:?}"));
    assert_eq!(
        sorted,
        [
            Heard::Down(first, reason.clone()),
            Heard::Exit(first, reason)
        ],
        "one down and one exit, for incarnation 0 only: {log:?}"
    );
}

#[test]
fn monitoring_or_linking_a_dead_actor_is_an_error() {
    let node = node(1);
    let (tx, _rx) = mpsc::channel();
    let dead = node.spawn(Reporter::new(&tx)).unwrap();
    dead.send(Cmd::Stop).unwrap();
    wait_until("the stop", || !dead.is_alive());
    struct Probe(
        ActorRef<Reporter>,
        mpsc::Sender<(Result<(), LinkError>, bool)>,
    );
    impl Actor for Probe {
        type Msg = ();
        fn handle(&mut self, _: (), ctx: &mut Context<Self>) {
            let linked = ctx.link(&self.0);
            let monitored = ctx.monitor(&self.0).is_err();
            self.1.send((linked, monitored)).unwrap();
        }
    }
    let (ptx, prx) = mpsc::channel();
    node.spawn(Probe(dead.clone(), ptx))
        .unwrap()
        .send(())
        .unwrap();
    assert_eq!(
        prx.recv_timeout(T).unwrap(),
        (Err(LinkError::NotAlive(dead.pid())), true)
    );
}

/// Counts what it handles; the first message may block on a latch.
struct Counter {
    handled: Arc<AtomicU64>,
    latch: Option<mpsc::Receiver<()>>,
    stopped: mpsc::Sender<ExitReason>,
}

impl Actor for Counter {
    type Msg = u64;
    fn handle(&mut self, _: u64, _: &mut Context<Self>) {
        self.handled.fetch_add(1, SeqCst);
        if let Some(latch) = self.latch.take() {
            let _ = latch.recv();
        }
    }
    fn stopped(&mut self, reason: &ExitReason) {
        let _ = self.stopped.send(reason.clone());
    }
}

#[test]
fn a_kill_overtakes_a_million_queued_messages() {
    // One scheduler, held by a blocker (no watchdog: its stand-in would
    // run the victim): the victim has a million messages queued and has
    // not run yet when the kill comes.
    let node = foundation::Node::builder()
        .schedulers(1)
        .watchdog(None)
        .start()
        .unwrap();
    let (stx, srx) = mpsc::channel();
    let (release, latch) = mpsc::channel();
    let blocker_handled = Arc::new(AtomicU64::new(0));
    let blocker = node
        .spawn(Counter {
            handled: Arc::clone(&blocker_handled),
            latch: Some(latch),
            stopped: stx.clone(),
        })
        .unwrap();
    blocker.send(0).unwrap();
    // Counted inside the handler, before it blocks.
    wait_until("the blocker to block", || blocker_handled.load(SeqCst) == 1);

    let handled = Arc::new(AtomicU64::new(0));
    // A high watermark above the backlog (the default, 65,536, would
    // refuse this thread's sends past it: ADR 0007).
    let victim = node
        .spawn_with(
            Counter {
                handled: Arc::clone(&handled),
                latch: None,
                stopped: stx,
            },
            ActorOptions::new().mailbox(1 << 21),
        )
        .unwrap();
    const N: u64 = 1_000_000;
    for i in 0..N {
        victim.send(i).unwrap();
    }
    assert!(victim.kill());
    release.send(()).unwrap();
    assert_eq!(srx.recv_timeout(T).unwrap(), ExitReason::Killed);
    assert_eq!(
        handled.load(SeqCst),
        0,
        "no queued message ran before the kill"
    );
    // The queued messages become dead letters right after the stop hook.
    wait_until("the dead letters", || node.dead_letters().count() == N);
    assert_eq!(node.stats().discarded_messages, N);
}

#[test]
fn killing_a_stuck_handler_frees_the_node_and_drops_the_instance_later() {
    struct Guard(mpsc::Sender<&'static str>);
    impl Drop for Guard {
        fn drop(&mut self) {
            let _ = self.0.send("instance dropped");
        }
    }
    enum Msg {
        Stuck(mpsc::Sender<()>, mpsc::Receiver<()>),
        Ask(ReplyTo<u32>),
    }
    struct Holder {
        _guard: Guard,
    }
    impl Actor for Holder {
        type Msg = Msg;
        fn handle(&mut self, msg: Msg, _: &mut Context<Self>) {
            match msg {
                Msg::Stuck(entered, latch) => {
                    entered.send(()).unwrap();
                    let _ = latch.recv();
                }
                Msg::Ask(reply) => {
                    let _ = reply.reply(1);
                }
            }
        }
    }

    let node = node(1);
    let (dtx, drx) = mpsc::channel();
    let (stx, srx) = mpsc::channel();
    let holder = node.spawn(Holder { _guard: Guard(dtx) }).unwrap();
    // A watcher that monitors it.
    struct Watcher(ActorRef<Holder>, mpsc::Sender<Down>, mpsc::Sender<()>);
    impl Actor for Watcher {
        type Msg = ();
        fn started(&mut self, ctx: &mut Context<Self>) {
            ctx.monitor(&self.0).unwrap();
            self.2.send(()).unwrap(); // monitoring now
        }
        fn handle(&mut self, _: (), _: &mut Context<Self>) {}
        fn on_down(&mut self, down: Down, _: &mut Context<Self>) {
            self.1.send(down).unwrap();
        }
    }
    let (watching_tx, watching) = mpsc::channel();
    let _watcher = node
        .spawn(Watcher(holder.clone(), stx, watching_tx))
        .unwrap();
    watching.recv_timeout(T).unwrap();

    let (release, latch) = mpsc::channel();
    let (entered_tx, entered) = mpsc::channel();
    holder.send(Msg::Stuck(entered_tx, latch)).unwrap();
    entered.recv_timeout(T).unwrap(); // inside the handler
    // A call queued behind the stuck handler.
    let asking = {
        let holder = holder.clone();
        thread::spawn(move || holder.call(Msg::Ask, T))
    };
    wait_until("the call queued", || holder.mailbox_len() == 1);

    assert!(holder.kill());
    // At once: unregistered, closed, the waiting call failed, the monitor
    // fired — while the handler is still blocked on the only scheduler.
    assert!(!holder.is_alive());
    assert_eq!(node.actor_count(), 1);
    assert_eq!(asking.join().unwrap(), Err(CallError::Stopped));
    let down = srx.recv_timeout(T).unwrap();
    assert_eq!((down.pid, down.reason), (holder.pid(), ExitReason::Killed));
    assert_eq!(node.stats().replaced_schedulers, 1);
    // The stand-in thread serves others.
    let other = node
        .spawn(Holder {
            _guard: Guard(mpsc::channel().0),
        })
        .unwrap();
    assert_eq!(other.call(Msg::Ask, T), Ok(1));
    assert!(
        drx.try_recv().is_err(),
        "the instance lives while its handler runs"
    );

    release.send(()).unwrap();
    assert_eq!(drx.recv_timeout(T).unwrap(), "instance dropped");
    // The stuck thread retired; the node still serves, and shuts down.
    assert_eq!(other.call(Msg::Ask, T), Ok(1));
    node.shutdown().unwrap();
}

/// Answers pings.
struct Ponger;

impl Actor for Ponger {
    type Msg = ReplyTo<u32>;
    fn handle(&mut self, reply: ReplyTo<u32>, _: &mut Context<Self>) {
        let _ = reply.reply(7);
    }
}

enum Stale {
    /// Blocks on the latch, then reports what its stale context can do.
    Block(
        mpsc::Sender<()>,
        mpsc::Receiver<()>,
        mpsc::Sender<StaleReport>,
    ),
    Ping(ReplyTo<u32>),
    Continued,
}

#[derive(Debug)]
struct StaleReport {
    pid: Pid,
    current: bool,
    link: Result<(), LinkError>,
    monitor_failed: bool,
}

struct Phoenix {
    peer: ActorRef<Ponger>,
    continued: Arc<AtomicU64>,
}

impl Actor for Phoenix {
    type Msg = Stale;
    fn handle(&mut self, msg: Stale, ctx: &mut Context<Self>) {
        match msg {
            Stale::Block(entered, latch, report) => {
                entered.send(()).unwrap();
                let _ = latch.recv();
                // Killed and replaced meanwhile: this context is stale.
                let link = ctx.link(&self.peer);
                let monitor_failed = ctx.monitor(&self.peer).is_err();
                ctx.trap_exit(true);
                ctx.request(&self.peer, |r| r)
                    .then(|_, ctx, _| ctx.myself().send(Stale::Continued).unwrap());
                report
                    .send(StaleReport {
                        pid: ctx.pid(),
                        current: ctx.is_current(),
                        link,
                        monitor_failed,
                    })
                    .unwrap();
            }
            Stale::Ping(reply) => {
                let _ = reply.reply(ctx.pid().incarnation());
            }
            Stale::Continued => {
                self.continued.fetch_add(1, SeqCst);
            }
        }
    }
}

#[test]
fn a_killed_handler_of_an_old_incarnation_cannot_act_as_the_new_one() {
    let node = node(2);
    let continued = Arc::new(AtomicU64::new(0));
    let peer = node.spawn(Ponger).unwrap();
    let c = Arc::clone(&continued);
    let p = peer.clone();
    let sup = Supervisor::builder()
        .child(ChildSpec::new("phoenix", move || Phoenix {
            peer: p.clone(),
            continued: Arc::clone(&c),
        }))
        .spawn(&node)
        .unwrap();
    let phoenix = sup.child::<Phoenix>("phoenix").unwrap().unwrap();
    let (release, latch) = mpsc::channel();
    let (rtx, rrx) = mpsc::channel();
    let (entered_tx, entered) = mpsc::channel();
    phoenix.send(Stale::Block(entered_tx, latch, rtx)).unwrap();
    entered.recv_timeout(T).unwrap(); // inside the handler

    assert!(phoenix.kill());
    wait_until("the restart", || {
        phoenix.pid().incarnation() == 1 && phoenix.call(Stale::Ping, T) == Ok(1)
    });
    release.send(()).unwrap();
    let report = rrx.recv_timeout(T).unwrap();
    assert_eq!(report.pid.incarnation(), 0);
    assert!(!report.current);
    assert_eq!(report.link, Err(LinkError::Stale(report.pid)));
    assert!(report.monitor_failed);
    // The old handler's request is answered, but its continuation never
    // runs on the new incarnation.
    thread::sleep(Duration::from_millis(50));
    assert_eq!(continued.load(SeqCst), 0);
    assert_eq!(phoenix.call(Stale::Ping, T), Ok(1));
    assert_eq!(node.stats().replaced_schedulers, 1);
    assert!(peer.is_alive(), "no link was made from the stale context");
}

/// Counts every message it handles; some handlers take a while.
struct Tally {
    handled: Arc<AtomicU64>,
    /// Every `slow_every`th message takes 400 µs.
    slow_every: u64,
}

impl Actor for Tally {
    type Msg = u64;
    fn handle(&mut self, n: u64, _: &mut Context<Self>) {
        if n.is_multiple_of(self.slow_every) {
            // A slow handler now and then (longer than a kill's grace), so
            // kills take actors inside handlers as well as between them.
            let start = Instant::now();
            while start.elapsed() < Duration::from_micros(400) {
                std::hint::spin_loop();
            }
        }
        self.handled.fetch_add(1, SeqCst);
    }
}

#[test]
fn kills_racing_running_handlers_lose_and_double_nothing() {
    let node = node(2);
    let handled = Arc::new(AtomicU64::new(0));
    const ACTORS: u64 = 200;
    const EACH: u64 = 2_000;
    let actors: Vec<_> = (0..ACTORS)
        .map(|_| {
            node.spawn(Tally {
                handled: Arc::clone(&handled),
                slow_every: 256,
            })
            .unwrap()
        })
        .collect();
    let senders: Vec<_> = actors
        .chunks(50)
        .map(|chunk| {
            let chunk = chunk.to_vec();
            thread::spawn(move || {
                let mut sent = 0;
                for n in 0..EACH {
                    for a in &chunk {
                        if a.send(n).is_ok() {
                            sent += 1;
                        }
                    }
                }
                sent
            })
        })
        .collect();
    // Kill them while they run.
    for (i, a) in actors.iter().enumerate() {
        if i % 3 == 0 {
            thread::yield_now();
        }
        a.kill();
    }
    let sent: u64 = senders.into_iter().map(|s| s.join().unwrap()).sum();
    wait_until("every actor gone", || node.actor_count() == 0);
    // Every accepted message was handled or became a dead letter, once.
    wait_until("the counts to settle", || {
        handled.load(SeqCst) + node.stats().discarded_messages == sent
    });
    // Every thread joined: no handler a kill took can count any more.
    node.shutdown().unwrap();
    assert_eq!(handled.load(SeqCst) + node.stats().discarded_messages, sent);
    assert_eq!(node.dead_letters().count(), node.stats().discarded_messages);
}

#[test]
fn kills_and_restarts_of_a_busy_child_keep_every_message_once() {
    // Mostly between handlers.
    kills_and_restarts(100_000, 256, false);
}

#[test]
fn kills_that_take_running_handlers_and_restarts_keep_every_message_once() {
    // Mostly inside handlers (each outlasts a kill's grace).
    kills_and_restarts(1_000, 1, true);
}

fn kills_and_restarts(big_n: u64, slow_every: u64, inside: bool) {
    let node = node(2);
    let handled = Arc::new(AtomicU64::new(0));
    let h = Arc::clone(&handled);
    let sup = Supervisor::builder()
        .intensity(u32::MAX, Duration::from_secs(3600))
        .child(ChildSpec::new("tally", move || Tally {
            handled: Arc::clone(&h),
            slow_every,
        }))
        .spawn(&node)
        .unwrap();
    let tally = sup.child::<Tally>("tally").unwrap().unwrap();

    let sender = {
        let tally = tally.clone();
        thread::spawn(move || {
            // Past the high watermark, the thread waits for room (ADR 0007).
            for n in 0..big_n {
                tally.send_timeout(n, T).unwrap();
            }
        })
    };
    let mut kills = 0;
    while !sender.is_finished() || handled.load(SeqCst) < big_n {
        if tally.kill() {
            kills += 1;
        }
        // Soon after the restart, so the next kill finds a handler running.
        thread::yield_now();
        if kills > 10_000 {
            break;
        }
    }
    sender.join().unwrap();
    // A restarted child keeps its mailbox: every message is handled exactly
    // once, whatever the kills interrupted. (A message whose handler was
    // interrupted by a kill that took the actor is not handed on: its
    // handler did run.)
    wait_until("everything handled", || handled.load(SeqCst) >= big_n);
    assert!(kills > 0);
    assert!(tally.is_alive());
    // Every thread joined: no handler a kill took can count any more.
    node.shutdown().unwrap();
    assert_eq!(handled.load(SeqCst), big_n);
    assert_eq!(node.stats().discarded_messages, 0);
    if inside {
        // Every handler outlasts a kill's grace: kills took running ones,
        // each leaving its thread to a stand-in.
        assert!(node.stats().replaced_schedulers > 0);
    }
}

/// Links, monitors, unlinks or demonitors whatever pid it is told, and
/// reports the outcome; traps exits and logs exits and downs.
struct PidWatcher {
    log: Arc<Mutex<Vec<Heard>>>,
}

enum PidCmd {
    Link(Pid, ReplyTo<Result<(), LinkError>>),
    Unlink(Pid, ReplyTo<()>),
    Monitor(Pid, ReplyTo<Result<foundation::MonitorRef, LinkError>>),
    Demonitor(Pid, foundation::MonitorRef, ReplyTo<()>),
}

impl Actor for PidWatcher {
    type Msg = PidCmd;
    fn started(&mut self, ctx: &mut Context<Self>) {
        ctx.trap_exit(true);
    }
    fn handle(&mut self, cmd: PidCmd, ctx: &mut Context<Self>) {
        match cmd {
            PidCmd::Link(pid, reply) => drop(reply.reply(ctx.link_pid(pid))),
            PidCmd::Unlink(pid, reply) => {
                ctx.unlink_pid(pid);
                let _ = reply.reply(());
            }
            PidCmd::Monitor(pid, reply) => drop(reply.reply(ctx.monitor_pid(pid))),
            PidCmd::Demonitor(pid, monitor, reply) => {
                ctx.demonitor_pid(pid, monitor);
                let _ = reply.reply(());
            }
        }
    }
    fn on_exit(&mut self, from: Pid, reason: ExitReason, _: &mut Context<Self>) {
        self.log.lock().unwrap().push(Heard::Exit(from, reason));
    }
    fn on_down(&mut self, down: Down, _: &mut Context<Self>) {
        self.log
            .lock()
            .unwrap()
            .push(Heard::Down(down.pid, down.reason));
    }
}

#[test]
fn links_and_monitors_by_pid_behave_as_by_handle() {
    let node = node(2);
    let log = Arc::new(Mutex::new(Vec::new()));
    let watcher = node
        .spawn(PidWatcher {
            log: Arc::clone(&log),
        })
        .unwrap();
    let (exits, _) = mpsc::channel();
    let linked = node.spawn(Reporter::new(&exits)).unwrap();
    let monitored = node.spawn(Reporter::new(&exits)).unwrap();
    let unlinked = node.spawn(Reporter::new(&exits)).unwrap();
    let demonitored = node.spawn(Reporter::new(&exits)).unwrap();

    let link = |pid| watcher.call(|r| PidCmd::Link(pid, r), T).unwrap();
    let monitor = |pid| watcher.call(|r| PidCmd::Monitor(pid, r), T).unwrap();
    assert_eq!(link(linked.pid()), Ok(()));
    assert!(monitor(monitored.pid()).is_ok());
    assert_eq!(link(unlinked.pid()), Ok(()));
    watcher
        .call(|r| PidCmd::Unlink(unlinked.pid(), r), T)
        .unwrap();
    let m = monitor(demonitored.pid()).unwrap();
    watcher
        .call(|r| PidCmd::Demonitor(demonitored.pid(), m, r), T)
        .unwrap();

    for actor in [&linked, &monitored, &unlinked, &demonitored] {
        actor.send(Cmd::Panic).ok().unwrap();
    }
    let panic = ExitReason::Panic("reporter panics".into());
    wait_until("the exit and the down", || log.lock().unwrap().len() >= 2);
    // Give a wrongly kept link or monitor time to fire too.
    thread::sleep(Duration::from_millis(50));
    let mut heard = log.lock().unwrap().clone();
    heard.sort_by_key(|h| format!("{h:?}"));
    let mut expected = vec![
        Heard::Exit(linked.pid(), panic.clone()),
        Heard::Down(monitored.pid(), panic),
    ];
    expected.sort_by_key(|h| format!("{h:?}"));
    assert_eq!(heard, expected);
    assert!(watcher.is_alive(), "it traps exits");

    // A pid of an actor that has stopped, and one of no actor at all, are
    // not alive.
    assert_eq!(link(linked.pid()), Err(LinkError::NotAlive(linked.pid())));
    let other = foreign_pid();
    assert_eq!(monitor(other), Err(LinkError::NotAlive(other)));
}

/// A pid from another node: never alive on this one.
fn foreign_pid() -> Pid {
    let other = node(1);
    let pid = other
        .spawn(Reporter::new(&mpsc::channel().0))
        .unwrap()
        .pid();
    other.shutdown().unwrap();
    pid
}
