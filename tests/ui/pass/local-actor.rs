//! An actor declared inside a function, and one whose block names it by a
//! path.
use foundation::prelude::*;

mod bank {
    #[foundation::actor]
    pub struct Vault(pub u64);
}

#[handlers]
impl bank::Vault {
    pub fn open(&self) -> u64 {
        self.0
    }
}

fn main() {
    #[actor(name = "local")]
    struct Local;

    #[handlers]
    impl Local {
        pub fn ping(&self) -> bool {
            true
        }
    }

    let node = Node::builder().schedulers(1).start().unwrap();
    assert_eq!(node.spawn(Local).unwrap().ping(), Ok(true));
    assert_eq!(node.spawn(bank::Vault(7)).unwrap().open(), Ok(7));
    let actors = foundation::introspect::actors();
    let local = actors.iter().find(|a| a.name() == "Local").unwrap();
    assert_eq!(local.handlers()[0].name, "ping");
    let vault = actors.iter().find(|a| a.name() == "Vault").unwrap();
    assert_eq!(vault.handlers()[0].name, "open");
}
