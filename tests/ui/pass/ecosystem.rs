//! A declared ecosystem with every kind of member, its factories and
//! options: it builds, starts, routes by key, and its nested ecosystem is
//! reached through the typed handle.

mod shards {
    use foundation::prelude::*;

    #[actor]
    #[derive(Default)]
    pub struct Shard {
        total: u64,
    }

    #[handlers]
    impl Shard {
        pub fn add(&mut self, account: u64, n: u64) {
            let _ = account;
            self.total += n;
        }
        pub fn total(&self) -> u64 {
            self.total
        }
    }

    #[actor]
    pub struct Ledger {
        pool: WorkerPool<Shard>,
    }

    impl Ledger {
        pub fn new(pool: WorkerPool<Shard>) -> Self {
            Ledger { pool }
        }
    }

    #[handlers]
    impl Ledger {
        pub fn book(&mut self, account: u64, n: u64) {
            self.pool.route(ShardMsg::Add(account, n)).expect("a shard");
        }
    }

    #[actor]
    pub struct Audit {
        pub path: String,
    }

    pub fn audit() -> Audit {
        Audit { path: "/var/log/audit".into() }
    }

    #[handlers]
    impl Audit {
        pub fn path(&self) -> String {
            self.path.clone()
        }
    }

    pub fn account(msg: &ShardMsg) -> u64 {
        match msg {
            ShardMsg::Add(account, _) => *account,
            _ => 0,
        }
    }

    #[ecosystem(name = "archive")]
    pub struct Archive {
        #[coordinator]
        pub lead: Shard,
        #[workers(count = 1)]
        pub shards: Shard,
    }

    /// Billing: every kind of member.
    #[ecosystem(name = "billing", strategy = "rest_for_one", max_restarts = 10, within = "1m")]
    pub struct Billing {
        /// The ledger.
        #[coordinator(factory = Ledger::new)]
        pub ledger: Ledger,
        #[workers(count = 3, route = "key_hash", key = account)]
        pub shards: Shard,
        #[child(factory = audit)]
        pub audit: Audit,
        #[nested]
        pub archive: Archive,
    }
}

use foundation::Node;
use shards::{AuditExt, Billing, LedgerExt, ShardExt};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let node = Node::builder().schedulers(2).start()?;
    let billing = Billing::spawn(&node)?;
    assert_eq!(Billing::NAME, "billing");
    billing.ledger.book(7, 5)?;
    billing.ledger.book(7, 6)?;
    assert_eq!(billing.audit.path()?, "/var/log/audit");
    assert_eq!(billing.archive.shards.len(), 1);
    assert!(billing.archive.lead.total().is_ok());
    // Account 7's shard has both.
    let mut totals = Vec::new();
    for _ in 0..100 {
        totals = billing.shards.workers().iter().map(|s| s.total().unwrap()).collect();
        if totals.iter().sum::<u64>() == 11 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert!(totals.contains(&11), "{totals:?}");
    assert!(billing.health().status.is_healthy(), "{}", billing.health());
    let again = Billing::lookup(&node)?;
    assert_eq!(again.ledger, billing.ledger);
    assert!(foundation::introspect::ecosystems().iter().any(|e| e.name() == "billing"));
    billing.stop();
    Ok(())
}
