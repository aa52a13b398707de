use foundation::prelude::*;

#[actor]
struct Borrowing<'a> {
    text: &'a str,
}

#[handlers]
impl<'a> Borrowing<'a> {
    pub fn len(&self) -> usize {
        self.text.len()
    }
}

fn main() {}
