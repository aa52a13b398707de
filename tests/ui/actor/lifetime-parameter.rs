use foundation::prelude::*;

#[actor]
struct Borrowing<'a> {
    text: &'a str,
}

fn main() {}
