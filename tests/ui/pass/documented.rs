//! Every generated public item is documented (`missing_docs` is denied).
#![deny(missing_docs)]

use foundation::prelude::*;

/// A vault.
#[actor]
pub struct Vault {
    secret: u64,
}

#[handlers]
impl Vault {
    /// Stores a secret.
    pub fn store(&mut self, secret: u64) {
        self.secret = secret;
    }

    /// Reads it back.
    pub fn read(&self) -> u64 {
        self.secret
    }

    /// Only with a cfg that never holds: not generated at all.
    #[cfg(any())]
    pub fn gone(&self) {}
}

fn main() {
    let node = Node::builder().schedulers(1).start().unwrap();
    let vault = node.spawn(Vault { secret: 0 }).unwrap();
    vault.store(1).unwrap();
    assert_eq!(vault.read(), Ok(1));
}
