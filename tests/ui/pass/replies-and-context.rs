//! Context anywhere, `ReplyTo` anywhere, `Result` answers, `Self` in
//! argument and return types, `mut` and `_` patterns.
use foundation::prelude::*;

#[actor]
#[derive(Clone, Default)]
struct Cell {
    value: i64,
}

#[handlers]
impl Cell {
    pub fn set(&mut self, mut value: i64, _ctx: &mut Context<Self>) {
        value = value.abs();
        self.value = value;
    }

    pub fn swap(&mut self, other: Self) -> Self {
        std::mem::replace(self, other)
    }

    pub fn later(&mut self, ctx: &mut Context<Self>, reply: ReplyTo<i64>, _: u8) {
        let _ = ctx.pid();
        let _ = reply.reply(self.value);
    }

    pub fn checked(&self, divisor: i64) -> Result<i64, String> {
        self.value.checked_div(divisor).ok_or_else(|| "division by zero".into())
    }
}

fn main() {
    let node = Node::builder().schedulers(1).start().unwrap();
    let cell = node.spawn(Cell::default()).unwrap();
    cell.set(-4).unwrap();
    assert_eq!(cell.later(0).unwrap(), 4);
    assert_eq!(cell.checked(2).unwrap(), Ok(2));
    assert!(cell.checked(0).unwrap().is_err());
    let old = cell.swap(Cell { value: 9 }).unwrap();
    assert_eq!(old.value, 4);
}
