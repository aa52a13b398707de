//! A narrated tour of Foundation: a node, actors, messages, a crash that
//! stays contained, calls and requests, deferred replies, timers, a blocking
//! actor, links, monitors, a supervised worker that crashes and comes back
//! with its queued messages, names, groups and services, and an orderly
//! shutdown.
//!
//! Run it with `cargo run --release --example tour`.

use std::time::Duration;

use foundation::{
    Actor, ActorOptions, ActorRef, CallError, ChildSpec, Context, Down, ExitReason, Node,
    Recipient, ReplyTo, SendError, Strategy, Supervisor,
};

const TIMEOUT: Duration = Duration::from_secs(5);

/// An account: its state is its own, so it needs no lock.
struct Account {
    name: &'static str,
    balance: i64,
    audit: Recipient<Audit>,
}

enum AccountMsg {
    Deposit(i64),
    Withdraw(i64),
    /// A request: the reply type is the `ReplyTo`'s.
    Balance(ReplyTo<i64>),
    /// Interest, in percent, as broadcast to a group of accounts.
    Interest(Interest),
}

/// Interest in percent: what the group of accounts hears. Any actor whose
/// message type converts from it can be in that group.
#[derive(Clone, Copy)]
struct Interest(i64);

impl From<Interest> for AccountMsg {
    fn from(interest: Interest) -> Self {
        AccountMsg::Interest(interest)
    }
}

/// What the auditor hears about.
struct Audit(String);

impl Actor for Account {
    type Msg = AccountMsg;

    fn started(&mut self, ctx: &mut Context<Self>) {
        println!("   [{}] account {} opened", ctx.pid(), self.name);
    }

    fn handle(&mut self, msg: AccountMsg, _ctx: &mut Context<Self>) {
        match msg {
            AccountMsg::Deposit(n) => self.balance += n,
            AccountMsg::Withdraw(n) => {
                // A bug we "forgot" about: overdrafts panic.
                assert!(self.balance >= n, "overdraft on {}", self.name);
                self.balance -= n;
            }
            AccountMsg::Balance(reply) => {
                let _ = reply.reply(self.balance);
                return;
            }
            AccountMsg::Interest(Interest(percent)) => self.balance += self.balance * percent / 100,
        }
        let _ = self
            .audit
            .send(Audit(format!("{} now holds {}", self.name, self.balance)));
    }

    fn stopped(&mut self, reason: &ExitReason) {
        println!("   account {} closed ({reason})", self.name);
    }
}

/// Counts what the accounts report.
struct Auditor {
    entries: usize,
}

impl Actor for Auditor {
    type Msg = Audit;

    fn handle(&mut self, Audit(_line): Audit, _: &mut Context<Self>) {
        self.entries += 1;
    }

    fn stopped(&mut self, reason: &ExitReason) {
        println!(
            "   auditor closed ({reason}) after {} entries",
            self.entries
        );
    }
}

/// Approves withdrawals in batches: it keeps each request's `ReplyTo` and
/// answers when its review timer fires (a deferred reply).
#[derive(Default)]
struct Approver {
    pending: Vec<(i64, ReplyTo<bool>)>,
}

enum ApproverMsg {
    Approve(i64, ReplyTo<bool>),
    Review,
}

impl Actor for Approver {
    type Msg = ApproverMsg;

    fn handle(&mut self, msg: ApproverMsg, ctx: &mut Context<Self>) {
        match msg {
            ApproverMsg::Approve(amount, reply) => {
                if self.pending.is_empty() {
                    ctx.send_after(Duration::from_millis(20), ApproverMsg::Review);
                }
                self.pending.push((amount, reply));
            }
            ApproverMsg::Review => {
                println!("   approver: reviewing {} request(s)", self.pending.len());
                for (amount, reply) in self.pending.drain(..) {
                    let _ = reply.reply(amount <= 500);
                }
            }
        }
    }
}

/// Withdraws on a customer's behalf once the approver agrees: a request
/// with a continuation, so the teller keeps serving while it waits.
struct Teller {
    approver: ActorRef<Approver>,
}

struct Withdrawal {
    from: ActorRef<Account>,
    amount: i64,
    done: ReplyTo<String>,
}

impl Actor for Teller {
    type Msg = Withdrawal;

    fn handle(&mut self, w: Withdrawal, ctx: &mut Context<Self>) {
        let Withdrawal { from, amount, done } = w;
        ctx.request(&self.approver, |r| ApproverMsg::Approve(amount, r))
            .timeout(TIMEOUT)
            .then(move |_teller, _ctx, approved| {
                let outcome = match approved {
                    Ok(true) => match from.send(AccountMsg::Withdraw(amount)) {
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
struct Archiver;

impl Actor for Archiver {
    type Msg = (String, ReplyTo<usize>);

    fn handle(&mut self, (text, reply): (String, ReplyTo<usize>), _: &mut Context<Self>) {
        std::thread::sleep(Duration::from_millis(10));
        let _ = reply.reply(text.len());
    }
}

/// Two partners: linked, they share their fate.
struct Partner {
    name: &'static str,
}

enum PartnerMsg {
    LinkTo(ActorRef<Partner>, ReplyTo<()>),
    Fail,
}

impl Actor for Partner {
    type Msg = PartnerMsg;

    fn handle(&mut self, msg: PartnerMsg, ctx: &mut Context<Self>) {
        match msg {
            PartnerMsg::LinkTo(other, done) => {
                ctx.link(&other).expect("both alive");
                let _ = done.reply(());
            }
            PartnerMsg::Fail => panic!("{} gives up", self.name),
        }
    }

    fn stopped(&mut self, reason: &ExitReason) {
        println!("   {} stopped: {reason}", self.name);
    }
}

/// Watches an actor without sharing its fate.
struct Watcher {
    seen: std::sync::mpsc::Sender<Down>,
}

impl Actor for Watcher {
    type Msg = (ActorRef<Account>, ReplyTo<()>);

    fn handle(&mut self, (target, done): Self::Msg, ctx: &mut Context<Self>) {
        ctx.monitor(&target).expect("alive");
        let _ = done.reply(());
    }

    fn on_down(&mut self, down: Down, _: &mut Context<Self>) {
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

    println!("1. A node: scheduler threads that run many actors.");
    let node = Node::builder().name("tour").schedulers(2).start()?;
    println!("   {node:?}");

    println!("\n2. Spawning actors: a plain struct plus an `Actor` impl.");
    let auditor = node.spawn(Auditor { entries: 0 })?;
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

    println!("\n3. Sending never blocks; a call waits for the reply, with a timeout.");
    for _ in 0..1_000 {
        alice.send(AccountMsg::Deposit(1))?;
    }
    bob.send(AccountMsg::Deposit(50))?;
    println!(
        "   alice holds {}, bob holds {}",
        alice.call(AccountMsg::Balance, TIMEOUT)?,
        bob.call(AccountMsg::Balance, TIMEOUT)?
    );

    println!("\n4. A crash stays inside its actor.");
    bob.send(AccountMsg::Withdraw(80))?;
    while bob.is_alive() {
        std::thread::yield_now();
    }
    println!("   bob is gone; the panic was reported above through tracing.");
    match bob.send(AccountMsg::Deposit(5)) {
        Err(SendError::Closed(AccountMsg::Deposit(n))) => {
            println!(
                "   a deposit of {n} to bob came back: {}",
                SendError::Closed(())
            )
        }
        other => println!("   unexpected: {:?}", other.map(|_| ())),
    }
    match bob.call(AccountMsg::Balance, TIMEOUT) {
        Err(CallError::Stopped) => {
            println!("   a call to bob fails at once: {}", CallError::Stopped)
        }
        other => println!("   unexpected: {other:?}"),
    }
    println!(
        "   alice still holds {}",
        alice.call(AccountMsg::Balance, TIMEOUT)?
    );

    println!("\n5. Requests from inside handlers, deferred replies and a timer.");
    let approver = node.spawn(Approver::default())?;
    let teller = node.spawn(Teller { approver })?;
    let small = {
        let (teller, alice) = (teller.clone(), alice.clone());
        std::thread::spawn(move || {
            teller.call(
                |done| Withdrawal {
                    from: alice,
                    amount: 300,
                    done,
                },
                TIMEOUT,
            )
        })
    };
    let large = teller.call(
        |done| Withdrawal {
            from: alice.clone(),
            amount: 900,
            done,
        },
        TIMEOUT,
    )?;
    println!("   {}; {large}", small.join().expect("caller thread")?);
    println!(
        "   alice now holds {}",
        alice.call(AccountMsg::Balance, TIMEOUT)?
    );

    println!("\n6. A blocking actor runs on a thread of its own.");
    let archiver = node.spawn_with(Archiver, ActorOptions::new().blocking(true))?;
    let archived = archiver.call(|r| ("statement of alice".to_string(), r), TIMEOUT)?;
    println!("   archived {archived} bytes");

    let stats = node.stats();
    println!(
        "\n   node stats: {} alive, {} spawned, {} panicked",
        stats.live, stats.spawned, stats.panics
    );

    println!("\n7. A link shares fate: when one partner fails, the other stops too.");
    let romeo = node.spawn(Partner { name: "romeo" })?;
    let juliet = node.spawn(Partner { name: "juliet" })?;
    romeo.call(|done| PartnerMsg::LinkTo(juliet.clone(), done), TIMEOUT)?;
    juliet.send(PartnerMsg::Fail)?;
    while romeo.is_alive() {
        std::thread::yield_now();
    }

    println!("\n8. A monitor only watches: it hears of the exit, once.");
    let (seen_tx, seen) = std::sync::mpsc::channel();
    let watcher = node.spawn(Watcher { seen: seen_tx })?;
    let carol = node.spawn(Account {
        name: "carol",
        balance: 0,
        audit: auditor.recipient(),
    })?;
    watcher.call(|done| (carol.clone(), done), TIMEOUT)?;
    carol.send(AccountMsg::Withdraw(1))?; // overdraft: carol panics
    seen.recv_timeout(TIMEOUT)?;

    println!("\n9. A supervisor restarts a crashed worker at the same address, messages kept.");
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
    ledger.send(AccountMsg::Deposit(5))?;
    ledger.send(AccountMsg::Withdraw(100))?; // the overdraft bug: a panic
    for _ in 0..10 {
        ledger.send(AccountMsg::Deposit(1))?; // queued behind the crash
    }
    let balance = ledger.call(AccountMsg::Balance, TIMEOUT)?;
    println!(
        "   same handle: {before} became {}; the 10 deposits queued behind the crash \
         were kept: balance {balance} (state starts afresh)",
        ledger.pid()
    );
    println!(
        "   dead letters: {} (the messages whose handlers panicked)",
        node.dead_letters().count()
    );

    println!("\n10. Names, groups and services: finding actors without holding their handles.");
    let registry = node.registry();
    registry.register("ledger", ledger.pid())?;
    let by_name = registry.lookup_ref::<Account>("ledger")?;
    registry.send_named("ledger", AccountMsg::Deposit(100))?;
    println!(
        "   `ledger` is {}; called by name it holds {}",
        registry.lookup("ledger").expect("registered"),
        by_name.call(AccountMsg::Balance, TIMEOUT)?
    );
    let groups = node.groups();
    for account in [&alice, &ledger] {
        groups.join("accounts", account.recipient::<Interest>())?;
    }
    let sent = groups.broadcast("accounts", Interest(10))?;
    println!(
        "   10% interest broadcast to the {} members of `accounts`: alice holds {}, the ledger {}",
        sent.delivered,
        alice.call(AccountMsg::Balance, TIMEOUT)?,
        ledger.call(AccountMsg::Balance, TIMEOUT)?
    );
    let services = node.services();
    services.register("audit", auditor.pid())?;
    let audit = services.wait_for_service("audit", TIMEOUT).wait()?;
    let info = services.service_info();
    println!(
        "   service `audit` is {audit}; {} of {} service(s) healthy",
        info.healthy, info.total
    );

    println!(
        "\n11. Shutdown stops every actor (their stop hooks run; trees stop in reverse order) and joins the threads."
    );
    node.shutdown()?;
    println!("   {} actors left. Bye.", node.actor_count());
    Ok(())
}
