//! A narrated tour of Foundation: a node, actors, messages, a crash that
//! stays contained, and an orderly shutdown.
//!
//! Run it with `cargo run --release --example tour`.

use std::sync::mpsc;
use std::time::Duration;

use foundation::{Actor, ActorRef, Context, ExitReason, Node, Recipient, SendError};

/// An account: its state is its own, so it needs no lock.
struct Account {
    name: &'static str,
    balance: i64,
    audit: Recipient<Audit>,
}

enum AccountMsg {
    Deposit(i64),
    Withdraw(i64),
    Balance(mpsc::Sender<i64>),
}

/// What the auditor hears about.
struct Audit(String);

impl Actor for Account {
    type Msg = AccountMsg;

    fn started(&mut self, ctx: &mut Context<Self>) {
        println!("  [{}] account {} opened", ctx.pid(), self.name);
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
                let _ = reply.send(self.balance);
            }
        }
        let _ = self
            .audit
            .send(Audit(format!("{} now holds {}", self.name, self.balance)));
    }

    fn stopped(&mut self, reason: &ExitReason) {
        println!("  account {} closed ({reason})", self.name);
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
        println!("  auditor closed ({reason}) after {} entries", self.entries);
    }
}

fn balance(account: &ActorRef<Account>) -> i64 {
    let (tx, rx) = mpsc::channel();
    account
        .send(AccountMsg::Balance(tx))
        .unwrap_or_else(|e| panic!("{e}"));
    rx.recv_timeout(Duration::from_secs(10)).expect("a balance")
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

    println!("\n3. Sending: never blocks, and order per sender is kept.");
    for _ in 0..1_000 {
        alice.send(AccountMsg::Deposit(1))?;
    }
    bob.send(AccountMsg::Deposit(50))?;
    println!(
        "   alice holds {}, bob holds {}",
        balance(&alice),
        balance(&bob)
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
    println!("   alice still holds {}", balance(&alice));
    let stats = node.stats();
    println!(
        "   node stats: {} alive, {} spawned, {} panicked",
        stats.live, stats.spawned, stats.panics
    );

    println!("\n5. Shutdown stops every actor (their stop hooks run) and joins the threads.");
    node.shutdown()?;
    println!("   {} actors left. Bye.", node.actor_count());
    Ok(())
}
