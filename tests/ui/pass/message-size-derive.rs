//! `#[derive(MessageSize)]` on a generic struct, an enum of every shape and
//! a skipped field; `#[handlers]` messages measure themselves.
use foundation::prelude::*;
use foundation::{MessageSize, message_size_analysis};

#[derive(MessageSize)]
struct Wrapper<T> {
    inner: T,
    #[message_size(skip)]
    _file: Option<std::fs::File>,
}

#[derive(MessageSize)]
enum Shape {
    Unit,
    Tuple(String, u8),
    Named { items: Vec<u32> },
}

struct Opaque;

#[actor]
struct Keeper;

#[handlers]
impl Keeper {
    pub fn keep(&mut self, _text: String, _opaque: Opaque) {}
}

fn main() {
    let w = Wrapper { inner: String::from("abc"), _file: None };
    assert_eq!(message_size_analysis(&w).heap, 3);
    assert_eq!(message_size_analysis(&Shape::Unit).heap, 0);
    let named = Shape::Named { items: Vec::with_capacity(4) };
    assert_eq!(message_size_analysis(&named).heap, 16);
    let _ = Shape::Tuple(String::new(), 0);
    let msg = KeeperMsg::Keep(String::from("hello"), Opaque);
    let report = message_size_analysis(&msg);
    assert_eq!((report.heap, report.unmeasured), (5, 1));
}
