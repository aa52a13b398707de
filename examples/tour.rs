//! A narrated tour of Foundation: actors declared with `#[actor]` and
//! `#[handlers]`, a node, messages, a crash that stays contained, calls and
//! requests, deferred replies, timers, a blocking actor, links, monitors, a
//! supervised worker that crashes and comes back with its queued messages,
//! names, groups and services, and an orderly shutdown.
//!
//! Run it with `cargo run --release --example tour`.

use std::time::Duration;

use foundation::prelude::*;
use foundation::{LinkError, introspect};

const TIMEOUT: Duration = Duration::from_secs(5);

/// An account: its state is its own, so it needs no lock.
#[actor]
struct Account {
    name: &'static str,
    balance: i64,
    audit: Recipient<Audit>,
}

/// Interest in percent: what the group of accounts hears. `interest` is the
/// only handler taking one `Interest`, so `AccountMsg: From<Interest>` and
/// any account can join a group of `Recipient<Interest>`.
#[derive(Clone, Copy)]
struct Interest(i64);

/// What the auditor hears about.
struct Audit(String);

#[handlers]
impl Account {
    /// Adds `amount`.
    pub fn deposit(&mut self, amount: i64) {
        self.balance += amount;
        self.report();
    }

    /// Takes `amount` out.
    pub fn withdraw(&mut self, amount: i64) {
        // A bug we "forgot" about: overdrafts panic.
        assert!(self.balance >= amount, "overdraft on {}", self.name);
        self.balance -= amount;
        self.report();
    }

    /// The balance: returning a value makes this a call.
    pub fn balance(&self) -> i64 {
        self.balance
    }

    /// Interest, as broadcast to a group of accounts.
    pub fn interest(&mut self, Interest(percent): Interest) {
        self.balance += self.balance * percent / 100;
        self.report();
    }

    // Hooks are recognised by name.
    fn started(&mut self, ctx: &mut Context<Self>) {
        println!("   [{}] account {} opened", ctx.pid(), self.name);
    }

    fn stopped(&mut self, reason: &ExitReason) {
        println!("   account {} closed ({reason})", self.name);
    }

    // Private: a helper, not a handler.
    fn report(&self) {
        let _ = self
            .audit
            .send(Audit(format!("{} now holds {}", self.name, self.balance)));
    }
}

/// Counts what the accounts report; registered as "auditor" at spawn.
#[actor(name = "auditor")]
struct Auditor {
    entries: usize,
    last: String,
}

#[handlers]
impl Auditor {
    pub fn record(&mut self, Audit(entry): Audit) {
        self.entries += 1;
        self.last = entry;
    }

    pub fn entries(&self) -> usize {
        self.entries
    }

    fn stopped(&mut self, reason: &ExitReason) {
        println!(
            "   auditor closed ({reason}) after {} entries, the last: {}",
            self.entries, self.last
        );
    }
}

/// Approves withdrawals in batches: it keeps each request's `ReplyTo` and
/// answers when its review timer fires (a deferred reply).
#[actor]
#[derive(Default)]
struct Approver {
    pending: Vec<(i64, ReplyTo<bool>)>,
}

#[handlers]
impl Approver {
    /// Answers later, through `reply`: still a call for the caller.
    pub fn approve(&mut self, amount: i64, reply: ReplyTo<bool>, ctx: &mut Context<Self>) {
        if self.pending.is_empty() {
            ctx.send_after(Duration::from_millis(20), ApproverMsg::Review);
        }
        self.pending.push((amount, reply));
    }

    pub fn review(&mut self) {
        println!("   approver: reviewing {} request(s)", self.pending.len());
        for (amount, reply) in self.pending.drain(..) {
            let _ = reply.reply(amount <= 500);
        }
    }
}

/// Withdraws on a customer's behalf once the approver agrees: a request
/// with a continuation, so the teller keeps serving while it waits.
#[actor]
struct Teller {
    approver: ActorRef<Approver>,
}

#[handlers]
impl Teller {
    pub fn withdraw(
        &mut self,
        from: ActorRef<Account>,
        amount: i64,
        done: ReplyTo<String>,
        ctx: &mut Context<Self>,
    ) {
        ctx.request(&self.approver, |r| ApproverMsg::Approve(amount, r))
            .timeout(TIMEOUT)
            .then(move |_teller, _ctx, approved| {
                let outcome = match approved {
                    Ok(true) => match from.withdraw(amount) {
                        Ok(()) => format!("withdrew {amount}"),
                        Err(e) => format!("could not withdraw {amount}: {e}"),
                    },
                    Ok(false) => format!("{amount} declined"),
                    Err(e) => format!("no answer from the approver: {e}"),
                };
                let _ = done.reply(outcome);
            });
    }
}

/// Does blocking work (here, a sleep standing for file I/O) on a thread of
/// its own, so the scheduler threads stay free.
#[actor(blocking)]
struct Archiver;

#[handlers]
impl Archiver {
    pub fn archive(&mut self, text: String) -> usize {
        std::thread::sleep(Duration::from_millis(10));
        text.len()
    }
}

/// Two partners: linked, they share their fate.
#[actor]
struct Partner {
    name: &'static str,
}

#[handlers]
impl Partner {
    /// A handler returning `Result` answers it inside the call's own
    /// `Result`: `link_to(..)??`.
    pub fn link_to(
        &mut self,
        other: ActorRef<Partner>,
        ctx: &mut Context<Self>,
    ) -> Result<(), LinkError> {
        ctx.link(&other)
    }

    pub fn fail(&mut self) {
        panic!("{} gives up", self.name);
    }

    fn stopped(&mut self, reason: &ExitReason) {
        println!("   {} stopped: {reason}", self.name);
    }
}

/// Watches an actor without sharing its fate.
#[actor]
struct Watcher {
    seen: std::sync::mpsc::Sender<Down>,
}

#[handlers]
impl Watcher {
    pub fn watch(&mut self, target: ActorRef<Account>, ctx: &mut Context<Self>) -> bool {
        ctx.monitor(&target).is_ok()
    }

    fn on_down(&mut self, down: Down, _ctx: &mut Context<Self>) {
        println!("   the watcher saw {} go down: {}", down.pid, down.reason);
        let _ = self.seen.send(down);
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Reports (such as actor panics) go through `tracing`.
    tracing_subscriber::fmt()
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
        .with_target(false)
        .with_max_level(tracing::Level::WARN)
        .init();

    println!("1. Actors are declared: `#[actor]` on a struct, `#[handlers]` on its impl.");
    println!("   This program declares:");
    for actor in introspect::actors() {
        println!("   - {actor}");
    }

    println!("\n2. A node: scheduler threads that run many actors.");
    let node = Node::builder().name("tour").schedulers(2).start()?;
    println!("   {node:?}");

    println!("\n3. Spawning actors: handles get one typed method per handler.");
    let auditor = node.spawn(Auditor {
        entries: 0,
        last: String::new(),
    })?;
    let alice = node.spawn(Account {
        name: "alice",
        balance: 0,
        audit: auditor.recipient(),
    })?;
    let bob = node.spawn(Account {
        name: "bob",
        balance: 0,
        audit: auditor.recipient(),
    })?;
    println!("   alice is {}, bob is {}", alice.pid(), bob.pid());

    println!("\n4. Sending never blocks; a call waits for the reply, with a timeout.");
    for _ in 0..1_000 {
        alice.deposit(1)?;
    }
    bob.deposit(50)?;
    println!(
        "   alice holds {}, bob holds {}",
        alice.balance()?,
        bob.balance_timeout(TIMEOUT)?
    );

    println!("\n5. A crash stays inside its actor.");
    bob.withdraw(80)?;
    while bob.is_alive() {
        std::thread::yield_now();
    }
    println!("   bob is gone; the panic was reported above through tracing.");
    match bob.deposit(5) {
        Err(SendError::Closed(AccountMsg::Deposit(n))) => {
            println!(
                "   a deposit of {n} to bob came back: {}",
                SendError::Closed(())
            )
        }
        other => println!("   unexpected: {:?}", other.map(|_| ())),
    }
    match bob.balance() {
        Err(CallError::Stopped) => {
            println!("   a call to bob fails at once: {}", CallError::Stopped)
        }
        other => println!("   unexpected: {other:?}"),
    }
    println!("   alice still holds {}", alice.balance()?);

    println!("\n6. Requests from inside handlers, deferred replies and a timer.");
    let approver = node.spawn(Approver::default())?;
    let teller = node.spawn(Teller { approver })?;
    let small = {
        let (teller, alice) = (teller.clone(), alice.clone());
        std::thread::spawn(move || teller.withdraw(alice, 300))
    };
    let large = teller.withdraw(alice.clone(), 900)?;
    println!("   {}; {large}", small.join().expect("caller thread")?);
    println!("   alice now holds {}", alice.balance()?);

    println!("\n7. A blocking actor (`#[actor(blocking)]`) runs on a thread of its own.");
    let archiver = node.spawn(Archiver)?;
    let archived = archiver.archive("statement of alice".to_string())?;
    println!("   archived {archived} bytes");

    let stats = node.stats();
    println!(
        "\n   node stats: {} alive, {} spawned, {} panicked",
        stats.live, stats.spawned, stats.panics
    );

    println!("\n8. A link shares fate: when one partner fails, the other stops too.");
    let romeo = node.spawn(Partner { name: "romeo" })?;
    let juliet = node.spawn(Partner { name: "juliet" })?;
    romeo.link_to(juliet.clone())??;
    juliet.fail()?;
    while romeo.is_alive() {
        std::thread::yield_now();
    }

    println!("\n9. A monitor only watches: it hears of the exit, once.");
    let (seen_tx, seen) = std::sync::mpsc::channel();
    let watcher = node.spawn(Watcher { seen: seen_tx })?;
    let carol = node.spawn(Account {
        name: "carol",
        balance: 0,
        audit: auditor.recipient(),
    })?;
    watcher.watch(carol.clone())?;
    carol.withdraw(1)?; // overdraft: carol panics
    seen.recv_timeout(TIMEOUT)?;

    println!("\n10. A supervisor restarts a crashed worker at the same address, messages kept.");
    let audit = auditor.recipient();
    let sup = Supervisor::builder()
        .strategy(Strategy::OneForOne)
        .child(ChildSpec::new("ledger", move || Account {
            name: "ledger",
            balance: 0,
            audit: audit.clone(),
        }))
        .spawn(&node)?;
    let ledger = sup.child::<Account>("ledger")?.expect("an account");
    let before = ledger.pid();
    ledger.deposit(5)?;
    ledger.withdraw(100)?; // the overdraft bug: a panic
    for _ in 0..10 {
        ledger.deposit(1)?; // queued behind the crash
    }
    let balance = ledger.balance()?;
    println!(
        "   same handle: {before} became {}; the 10 deposits queued behind the crash \
         were kept: balance {balance} (state starts afresh)",
        ledger.pid()
    );
    let dead = node.dead_letters().recent();
    println!(
        "   dead letters: {} (the messages whose handlers panicked: {})",
        dead.len(),
        dead.iter().map(|d| d.kind).collect::<Vec<_>>().join(", ")
    );

    println!("\n11. Names, groups and services: finding actors without holding their handles.");
    let registry = node.registry();
    println!(
        "   `#[actor(name = \"auditor\")]` registered the auditor at spawn: {:?}",
        registry.lookup("auditor")
    );
    registry.register("ledger", ledger.pid())?;
    let by_name = registry.lookup_ref::<Account>("ledger")?;
    registry.send_named("ledger", AccountMsg::Deposit(100))?;
    println!(
        "   `ledger` is {}; called by name it holds {}",
        registry.lookup("ledger").expect("registered"),
        by_name.balance()?
    );
    let groups = node.groups();
    for account in [&alice, &ledger] {
        groups.join("accounts", account.recipient::<Interest>())?;
    }
    let sent = groups.broadcast("accounts", Interest(10))?;
    println!(
        "   10% interest broadcast to the {} members of `accounts`: alice holds {}, the ledger {}",
        sent.delivered,
        alice.balance()?,
        ledger.balance()?
    );
    let services = node.services();
    services.register("audit", auditor.pid())?;
    let audit = services.wait_for_service("audit", TIMEOUT).wait()?;
    let info = services.service_info();
    println!(
        "   service `audit` is {audit}; {} of {} service(s) healthy; {} entries audited",
        info.healthy,
        info.total,
        auditor.entries()?
    );

    println!(
        "\n12. Shutdown stops every actor (their stop hooks run; trees stop in reverse order) and joins the threads."
    );
    node.shutdown()?;
    println!("   {} actors left. Bye.", node.actor_count());
    Ok(())
}
