//! A small bank, written with `#[actor]` and `#[handlers]` only: accounts
//! are actors, a transfer is a chain of requests (fraud check, withdrawal,
//! deposit) run by a desk that keeps serving while it waits, a buggy fraud
//! model crashes and its supervisor restarts it, and every outcome is
//! broadcast to a group of auditors.
//!
//! Run it with `cargo run --release --example bank`.

use std::fmt;
use std::time::Duration;

use foundation::introspect;
use foundation::prelude::*;

/// The name an account registers under.
fn account_name(owner: &str) -> String {
    format!("account/{owner}")
}

// ---- accounts --------------------------------------------------------------

/// One customer's money. Accounts register themselves by owner when they
/// start, so the desk finds them by name (and finds a restarted one too).
#[actor]
struct Account {
    owner: &'static str,
    balance: u64,
}

/// Why an account refused a withdrawal.
#[derive(Debug, Clone, PartialEq)]
enum AccountError {
    Insufficient { balance: u64, wanted: u64 },
}

impl fmt::Display for AccountError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AccountError::Insufficient { balance, wanted } => {
                write!(f, "insufficient funds: {wanted} wanted, {balance} held")
            }
        }
    }
}

#[handlers]
impl Account {
    /// Adds `amount`; answers the new balance.
    pub fn deposit(&mut self, amount: u64) -> u64 {
        self.balance += amount;
        self.balance
    }

    /// Takes `amount` out, if it is there; answers the new balance.
    pub fn withdraw(&mut self, amount: u64) -> Result<u64, AccountError> {
        if amount > self.balance {
            return Err(AccountError::Insufficient {
                balance: self.balance,
                wanted: amount,
            });
        }
        self.balance -= amount;
        Ok(self.balance)
    }

    pub fn balance(&self) -> u64 {
        self.balance
    }

    fn started(&mut self, ctx: &mut Context<Self>) {
        ctx.registry()
            .register(&account_name(self.owner), ctx.pid())
            .expect("one account per owner");
    }
}

// ---- the fraud check (with a bug) ------------------------------------------

/// Checks a transfer before it runs. Its model has a bug: one amount makes
/// it panic. It is supervised, so it comes back.
#[actor(name = "fraud-check")]
#[derive(Default)]
struct FraudCheck {
    checked: u64,
}

#[handlers]
impl FraudCheck {
    /// Whether `transfer` may go ahead.
    pub fn check(&mut self, transfer: Transfer) -> bool {
        self.checked += 1;
        // The bug: an amount of exactly 1313 divides by zero.
        let risk = 1_000 / transfer.amount.abs_diff(1_313).min(1_000);
        risk < 100 && transfer.amount <= 10_000
    }

    pub fn checked(&self) -> u64 {
        self.checked
    }
}

// ---- the desk: transfers as requests ---------------------------------------

/// A transfer, as the fraud check and the auditors see it.
#[derive(Debug, Clone)]
struct Transfer {
    id: u64,
    from: String,
    to: String,
    amount: u64,
}

/// Why a transfer did not happen.
#[derive(Debug, Clone, PartialEq)]
enum TransferError {
    UnknownAccount(String),
    Refused(String),
    Account(AccountError),
    Unavailable(String),
}

impl fmt::Display for TransferError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TransferError::UnknownAccount(owner) => write!(f, "no account for {owner}"),
            TransferError::Refused(why) => write!(f, "refused: {why}"),
            TransferError::Account(e) => write!(f, "{e}"),
            TransferError::Unavailable(why) => write!(f, "unavailable: {why}"),
        }
    }
}

/// What the auditors hear: every transfer and how it ended.
#[derive(Debug, Clone)]
struct AuditEvent {
    transfer: Transfer,
    outcome: Result<(), TransferError>,
}

/// How a transfer is answered. (A handler names `ReplyTo<..>` itself: the
/// macro sees the words written, so an alias would be an ordinary argument.)
type TransferReply = ReplyTo<Result<u64, TransferError>>;

/// Runs transfers: fraud check, then withdrawal, then deposit, each a
/// request whose answer continues the transfer. Meanwhile the desk serves
/// other transfers.
#[actor(name = "desk")]
#[derive(Default)]
struct Desk {
    next_id: u64,
}

#[handlers]
impl Desk {
    /// Moves `amount` from `from` to `to`; answers the transfer's id.
    pub fn transfer(
        &mut self,
        from: String,
        to: String,
        amount: u64,
        reply: ReplyTo<Result<u64, TransferError>>,
        ctx: &mut Context<Self>,
    ) {
        self.next_id += 1;
        let transfer = Transfer {
            id: self.next_id,
            from,
            to,
            amount,
        };
        let registry = ctx.registry();
        let find = |owner: &str| {
            registry
                .lookup_ref::<Account>(&account_name(owner))
                .map_err(|_| TransferError::UnknownAccount(owner.to_string()))
        };
        let (source, target) = match (find(&transfer.from), find(&transfer.to)) {
            (Ok(source), Ok(target)) => (source, target),
            (Err(e), _) | (_, Err(e)) => return finish(ctx, transfer, Err(e), reply),
        };
        let fraud = match registry.lookup_ref::<FraudCheck>("fraud-check") {
            Ok(fraud) => fraud,
            Err(e) => {
                let error = TransferError::Unavailable(format!("fraud check: {e}"));
                return finish(ctx, transfer, Err(error), reply);
            }
        };
        let checked = transfer.clone();
        ctx.request(&fraud, |r| FraudCheckMsg::Check(checked, r))
            .then(move |_desk, ctx, verdict| match verdict {
                Ok(true) => withdraw(ctx, transfer, source, target, reply),
                Ok(false) => {
                    let error = TransferError::Refused("the fraud check said no".into());
                    finish(ctx, transfer, Err(error), reply)
                }
                Err(e) => {
                    let error = TransferError::Unavailable(format!("fraud check: {e}"));
                    finish(ctx, transfer, Err(error), reply)
                }
            });
    }
}

/// Second step: take the money out of `source`.
fn withdraw(
    ctx: &mut Context<Desk>,
    transfer: Transfer,
    source: ActorRef<Account>,
    target: ActorRef<Account>,
    reply: TransferReply,
) {
    let amount = transfer.amount;
    let from = source.clone();
    ctx.request(&from, |r| AccountMsg::Withdraw(amount, r))
        .then(move |_desk, ctx, withdrawn| match withdrawn {
            Ok(Ok(_)) => deposit(ctx, transfer, source, target, reply),
            Ok(Err(e)) => finish(ctx, transfer, Err(TransferError::Account(e)), reply),
            Err(e) => {
                let error = TransferError::Unavailable(format!("{}: {e}", transfer.from));
                finish(ctx, transfer, Err(error), reply)
            }
        });
}

/// Last step: put it into `target`, or back into `source` if that fails.
fn deposit(
    ctx: &mut Context<Desk>,
    transfer: Transfer,
    source: ActorRef<Account>,
    target: ActorRef<Account>,
    reply: TransferReply,
) {
    let amount = transfer.amount;
    let to = target.clone();
    ctx.request(&to, |r| AccountMsg::Deposit(amount, r))
        .then(move |_desk, ctx, deposited| match deposited {
            Ok(_) => finish(ctx, transfer, Ok(()), reply),
            Err(e) => {
                // Refund; the send hands the message back if the source is
                // gone too, and then the money is on record in the audit.
                let _ = source.deposit(amount);
                let error = TransferError::Unavailable(format!("{}: {e}", transfer.to));
                finish(ctx, transfer, Err(error), reply)
            }
        });
}

/// Tells the auditors and the customer how `transfer` ended.
fn finish(
    ctx: &mut Context<Desk>,
    transfer: Transfer,
    outcome: Result<(), TransferError>,
    reply: TransferReply,
) {
    let answer = outcome.clone().map(|()| transfer.id);
    let event = AuditEvent { transfer, outcome };
    if let Ok(sent) = ctx.groups().broadcast("audit", event) {
        for refused in sent.refused {
            eprintln!("   an auditor is gone: {refused:?}");
        }
    }
    let _ = reply.reply(answer);
}

// ---- auditors --------------------------------------------------------------

/// Hears every transfer (as a member of the "audit" group).
#[actor]
struct Auditor {
    name: &'static str,
    completed: u64,
    moved: u64,
    refused: Vec<String>,
}

#[handlers]
impl Auditor {
    /// The only handler taking one `AuditEvent`: `AuditorMsg:
    /// From<AuditEvent>`, so auditors join a group of
    /// `Recipient<AuditEvent>`.
    pub fn record(&mut self, event: AuditEvent) {
        match event.outcome {
            Ok(()) => {
                self.completed += 1;
                self.moved += event.transfer.amount;
            }
            Err(e) => self.refused.push(format!(
                "#{} ({}): {e}",
                event.transfer.id, event.transfer.amount
            )),
        }
    }

    /// Completed transfers, money moved, and the refusals.
    pub fn report(&self) -> (u64, u64, Vec<String>) {
        (self.completed, self.moved, self.refused.clone())
    }

    pub fn name(&self) -> &'static str {
        self.name
    }
}

// ---- the program -----------------------------------------------------------

fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
        .with_target(false)
        .with_max_level(tracing::Level::WARN)
        .init();

    println!("The bank's actors:");
    for actor in introspect::actors() {
        println!("  {actor}");
    }

    let node = Node::builder().name("bank").schedulers(2).start()?;

    // Auditors first: they are the "audit" group.
    let auditors = [
        node.spawn(new_auditor("compliance"))?,
        node.spawn(new_auditor("statistics"))?,
    ];
    for auditor in &auditors {
        node.groups()
            .join("audit", auditor.recipient::<AuditEvent>())?;
    }

    // The bank itself: one supervision tree.
    let bank = Supervisor::builder()
        .strategy(Strategy::OneForOne)
        .intensity(5, Duration::from_secs(10))
        .child(ChildSpec::new("fraud-check", FraudCheck::default))
        .child(ChildSpec::new("alice", || account("alice", 1_000)))
        .child(ChildSpec::new("bob", || account("bob", 500)))
        .child(ChildSpec::new("carol", || account("carol", 2_000)))
        .child(ChildSpec::new("desk", Desk::default))
        .spawn(&node)?;
    let desk = bank.child::<Desk>("desk")?.expect("a desk");

    println!("\nTransfers, one at a time:");
    let transfers = [
        ("alice", "bob", 300),
        ("bob", "carol", 5_000),   // too much
        ("alice", "dave", 10),     // no such account
        ("carol", "alice", 1_313), // the fraud model's bug
        ("carol", "alice", 1_200), // after its restart
    ];
    for (from, to, amount) in transfers {
        match desk.transfer(from.into(), to.into(), amount)? {
            Ok(id) => println!("  #{id}: {from} -> {to} {amount}: done"),
            Err(e) => println!("  {from} -> {to} {amount}: {e}"),
        }
    }
    let fraud = bank
        .child::<FraudCheck>("fraud-check")?
        .expect("a fraud check");
    println!(
        "  the fraud check crashed once and was restarted at the same address: {} (incarnation {}), {} checked since",
        fraud.pid(),
        fraud.pid().incarnation(),
        fraud.checked()?
    );

    println!("\nA rush: 4 threads, 200 transfers each, between alice and bob.");
    let total_before = total(&node)?;
    let rush: Vec<_> = (0..4)
        .map(|t| {
            let desk = desk.clone();
            std::thread::spawn(move || {
                let mut done = 0;
                for i in 0..200 {
                    let (from, to) = if (t + i) % 2 == 0 {
                        ("alice", "bob")
                    } else {
                        ("bob", "alice")
                    };
                    if let Ok(Ok(_)) = desk.transfer(from.into(), to.into(), 7) {
                        done += 1;
                    }
                }
                done
            })
        })
        .collect();
    let done: u32 = rush
        .into_iter()
        .map(|t| t.join().expect("a rush thread"))
        .sum();
    let total_after = total(&node)?;
    println!(
        "  {done} of 800 transfers went through; money before {total_before}, after {total_after}"
    );
    assert_eq!(total_before, total_after, "no money is created or lost");

    println!("\nBalances:");
    for owner in ["alice", "bob", "carol"] {
        let account = node
            .registry()
            .lookup_ref::<Account>(&account_name(owner))?;
        println!("  {owner}: {}", account.balance()?);
    }

    println!("\nThe auditors heard:");
    for auditor in &auditors {
        let (completed, moved, refused) = auditor.report()?;
        println!(
            "  {}: {completed} completed transfers, {moved} moved, {} refused",
            auditor.name()?,
            refused.len()
        );
    }
    let (_, _, refused) = auditors[0].report()?;
    for line in refused.iter().take(4) {
        println!("    {line}");
    }

    node.shutdown()?;
    Ok(())
}

fn account(owner: &'static str, balance: u64) -> Account {
    Account { owner, balance }
}

fn new_auditor(name: &'static str) -> Auditor {
    Auditor {
        name,
        completed: 0,
        moved: 0,
        refused: Vec::new(),
    }
}

/// All the bank's money.
fn total(node: &Node) -> Result<u64, Box<dyn std::error::Error>> {
    let mut sum = 0;
    for owner in ["alice", "bob", "carol"] {
        let account = node
            .registry()
            .lookup_ref::<Account>(&account_name(owner))?;
        sum += account.balance()?;
    }
    Ok(sum)
}
