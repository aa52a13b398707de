//! A type of the user's own called `ReplyTo`, without a type argument, is an
//! ordinary argument (the handler stays a send), not a reply channel.
use foundation::{Node, actor, handlers};

#[derive(Debug, PartialEq)]
struct ReplyTo(&'static str);

#[actor]
#[derive(Default)]
struct Mailroom {
    last: Option<&'static str>,
}

#[handlers]
impl Mailroom {
    pub fn file(&mut self, address: ReplyTo) {
        self.last = Some(address.0);
    }

    pub fn last(&self) -> Option<&'static str> {
        self.last
    }
}

fn main() {
    let node = Node::builder().schedulers(1).start().unwrap();
    let mailroom = node.spawn(Mailroom::default()).unwrap();
    mailroom.file(ReplyTo("12 Main St")).unwrap();
    assert_eq!(mailroom.last(), Ok(Some("12 Main St")));
}
