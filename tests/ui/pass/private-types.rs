//! A private actor with private argument types and handlers nobody calls:
//! the generated (public) enum and trait raise no warning.
#![deny(warnings)]

use foundation::prelude::*;

struct Secret(u64);

#[actor]
struct Vault {
    secret: u64,
}

#[handlers]
impl Vault {
    pub fn store(&mut self, secret: Secret) {
        self.secret = secret.0;
    }

    pub fn unused(&self) -> u64 {
        self.secret
    }
}

fn main() {
    let node = Node::builder().schedulers(1).start().unwrap();
    let vault = node.spawn(Vault { secret: 0 }).unwrap();
    vault.store(Secret(1)).unwrap();
}
